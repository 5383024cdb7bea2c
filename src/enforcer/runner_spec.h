// SPEC §5: how one runner is started — its argv, its environment, its nice and
// affinity, and a keyed hash of all that so the enforcer restarts a runner
// exactly when what it would start has changed. Pure: no clock, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"

namespace bisk {

// The same for every runner of one enforcer (from Settings).
struct RunnerLaunch {
  std::string program;  // absolute path of the runner program
  std::string impl;     // ffmpeg_all | ffmpeg_one
  std::string heartbeat_url;
  std::string heartbeat_key;  // secret
  std::string snapshot_dir;
  std::optional<int> gpu_index;       // BISK_GPU_INDEX: which GPU when resources name none
  std::string owner;                  // value of BISK_RUNNER_OWNER, marks the runners of this enforcer
  std::vector<std::string> base_env;  // "KEY=VALUE" inherited by every runner (runner_base_environment)
};

struct RunnerSpec {
  Id camera_id = 0, profile_id = 0;
  // {program, "runner", "--impl", impl, "--camera", id, "--profile", id, "--fps", F, "--det_set", D,
  //  "--hb", url, "--hb_interval", S, "--snapshots", dir, "--snapshot_every", S,
  //  [--rtsp_transport tcp|udp], [--device cpu|cuda], [--gpu_index N], [--hwaccel none|cuda],
  //  "--min_score", X, "--min_face_px", N}. Never a secret: argv is world-readable in /proc.
  std::vector<std::string> argv;
  // base_env plus the spec's own entries (BISK_RTSP_URL, BISK_HEARTBEAT_KEY, BISK_RUNNER_OWNER,
  // and BISK_CROP_FORMAT / BISK_CROP_QUALITY when the resources set them), "KEY=VALUE" sorted
  // by key, one entry per key; the spec's own values win over base_env.
  std::vector<std::string> env;
  std::optional<int> nice;
  std::optional<std::string> cpu_affinity;  // "0,2-3"
  int hb_interval_s = 10;
  std::string argv_masked;  // argv shell-quoted for logs and the dashboard, URL passwords masked
  // 64 hex digits: keyed BLAKE2b-256 of argv, the spec's own env entries, nice and
  // affinity. Keyed with (a digest of) the heartbeat key so that the stored hash
  // cannot be used to test guesses of the camera password. base_env is left out:
  // an enforcer restarted with a slightly different environment (PATH, locale)
  // must still recognise and adopt its runners.
  std::string hash;
};

// Resolution rules:
// - resources: the global settings when is_active, overridden field by field by
//   the camera's when is_active (a set field wins, an unset one inherits).
// - fps = min(profile.fps, resources.max_fps), written without trailing zeros ("6", "2.5").
// - det_set: the profile's "auto" with a cap becomes the cap; a numeric det_set
//   with a numeric cap becomes the smaller; otherwise the profile's.
// - rtsp_transport: the profile's, or the camera's when the profile says
//   "inherit"; emitted only when tcp or udp ("auto" lets the runner choose).
// - device, hwaccel: from the resources, emitted when set.
// - gpu_index: the resources', else launch.gpu_index. Emitted when the resources
//   set it (the operator placed this camera on a GPU), or when the runner uses a
//   GPU (device or hwaccel cuda). So BISK_GPU_INDEX chooses which GPU, never
//   whether: it does not turn a CPU runner into a GPU one (SPEC §5: --gpu_index
//   alone selects a GPU backend).
// - min_face_px: the resources' when set, else the profile's; min_score,
//   snapshot_every and hb_interval: the profile's.
// - nice and cpu_affinity: from the resources.
RunnerSpec build_runner_spec(const Camera& camera, const StreamProfile& profile,
                             const std::optional<ResourceSettings>& global_resources,
                             const std::optional<ResourceSettings>& camera_resources, const RunnerLaunch& launch);

// The environment every runner inherits, "KEY=VALUE" sorted by key: `environment`
// without what must not reach a runner — the database URL (and libpq's
// PGPASSWORD), the session secret, the heartbeat key in either spelling and the
// deprecated BISK_RUNNER_HB_URL (a spec sets the key and passes the URL by argv),
// the stream URL and the owner mark (a spec sets its own), and systemd's
// per-service variables (a runner must not notify or feed the enforcer's
// watchdog, nor claim its sockets). BISK_ENV_FILE is set to "", which makes a
// runner that loads the configuration read no env file at all, not even
// /etc/bisk/bisk.env with the database password: everything a runner needs
// comes by argv and its own env.
std::vector<std::string> runner_base_environment(const std::map<std::string, std::string>& environment);

}  // namespace bisk
