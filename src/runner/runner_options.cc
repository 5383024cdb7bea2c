#include "runner/runner_options.h"

#include <cmath>
#include <string>

namespace bisk {
namespace {

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* candidate : allowed) {
    if (value == candidate) return true;
  }
  return false;
}

}  // namespace

int detector_width(const RunnerOptions& options) { return options.det_set == "auto" ? 0 : std::stoi(options.det_set); }

std::vector<std::string> validate_runner_options(const RunnerOptions& options) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const std::string& problem) {
    if (!ok) problems.push_back(problem);
  };
  require(one_of(options.impl, {"ffmpeg_all", "ffmpeg_one"}), "--impl: must be ffmpeg_all or ffmpeg_one");
  require(options.camera_id > 0, "--camera: must be a positive camera id");
  require(options.profile_id > 0, "--profile: must be a positive profile id");
  require(std::isfinite(options.fps) && options.fps > 0 && options.fps <= 60, "--fps: must be more than 0, at most 60");
  require(one_of(options.det_set, {"auto", "320", "480", "640", "800", "1024"}),
          "--det_set: must be auto, 320, 480, 640, 800 or 1024");
  require(options.heartbeat_url.rfind("http://", 0) == 0 || options.heartbeat_url.rfind("https://", 0) == 0,
          "--hb: must be the heartbeat URL, http://host:port/api/runner/heartbeat/");
  require(options.hb_interval_s >= 1 && options.hb_interval_s <= 3600, "--hb_interval: must be 1 to 3600 seconds");
  require(!options.snapshot_dir.empty(), "--snapshots: must name the snapshot directory");
  require(options.snapshot_every_s >= 1 && options.snapshot_every_s <= 86400,
          "--snapshot_every: must be 1 to 86400 seconds");
  require(one_of(options.rtsp_transport, {"auto", "tcp", "udp"}), "--rtsp_transport: must be auto, tcp or udp");
  require(one_of(options.device, {"cpu", "cuda"}), "--device: must be cpu or cuda");
  require(!options.gpu_index || *options.gpu_index >= 0, "--gpu_index: must be 0 or more");
  require(one_of(options.hwaccel, {"none", "cuda"}), "--hwaccel: must be none or cuda");
  require(std::isfinite(options.min_score) && options.min_score >= 0 && options.min_score <= 1,
          "--min_score: must be from 0 to 1");
  require(options.min_face_px >= 8 && options.min_face_px <= 4096, "--min_face_px: must be 8 to 4096 pixels");
  require(!options.stream_url.empty(),
          "BISK_RTSP_URL: the stream URL must be in the environment (or --rtsp URL for a manual run)");
  require(!options.heartbeat_key.empty(), "BISK_HEARTBEAT_KEY: the heartbeat key must be in the environment");
  return problems;
}

}  // namespace bisk
