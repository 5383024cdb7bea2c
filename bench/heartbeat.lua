-- heartbeat.lua -- wrk script for POST /api/runner/heartbeat/, used for bisk serve and the Django
-- anchor alike. The payload is the anchor's (shared/anchors/django-heartbeat/heartbeat.lua): the
-- ffmpeg_all periodic heartbeat of a random pair among cameras 1..20 x profiles 1..2, pid
-- 30000 + 10*camera + profile, key in X-BISK-KEY, about 1 % with 0 fps.
-- BISK_BENCH_RATE=N (optional): requests follow a fixed schedule of N/s in all (N/threads per wrk
-- thread); wrk has no rate mode (see bench/heartbeat_bench.sh).
local N_CAM, N_PROF = 20, 2
local KEY = os.getenv("BISK_HEARTBEAT_KEY") or "dev-key-change-me"
local RATE = tonumber(os.getenv("BISK_BENCH_RATE") or "")
local THREADS = tonumber(os.getenv("BISK_BENCH_THREADS") or "2")
local PATH = "/api/runner/heartbeat/"
local TARGET = { 6.0, 2.0 }
local SNAP = { 3, 30 }
local next_tid = 0
local detected, matched = {}, {}

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-BISK-KEY"] = KEY
  wrk.headers["User-Agent"] = "Python-urllib/3.10"
end

if RATE then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bisk_timespec;
    int clock_gettime(int clock_id, bisk_timespec* ts);
  ]]
  local ts = ffi.new("bisk_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = 1000 * THREADS / RATE
  local next_slot = nil
  -- The next free slot of this thread's schedule; never more than one interval of catch-up.
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - interval_ms then next_slot = now end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    if wait < 0 then return 0 end
    return wait
  end
end

function request()
  local cam = math.random(1, N_CAM)
  local prof = math.random(1, N_PROF)
  local k = cam * 10 + prof
  local d = (detected[k] or 0) + math.random(0, 4)
  local m = (matched[k] or 0) + math.random(0, 1)
  if m > d then m = d end
  detected[k], matched[k] = d, m
  local cam_fps, proc_fps = 24.0 + 2.0 * math.random(), TARGET[prof] * (0.85 + 0.15 * math.random())
  if math.random(1, 100) == 1 then cam_fps, proc_fps = 0.0, 0.0 end
  local body = string.format(
    '{"camera_id": %d, "profile_id": %d, "pid": %d, "camera_fps": %.3f, "processed_fps": %.3f, ' ..
    '"target_fps": %.1f, "snapshot_every": %d, "detected": %d, "matched": %d, "latency_ms": 0.0, ' ..
    '"min_face_px": 40, "model_pack": "buffalo_l"}',
    cam, prof, 30000 + cam * 10 + prof, cam_fps, proc_fps, TARGET[prof], SNAP[prof], d, m)
  return wrk.format(nil, PATH, nil, body)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.1f lat_mean_ms=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f " ..
    "p999_ms=%.2f max_ms=%.2f err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, secs, summary.requests / secs, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
