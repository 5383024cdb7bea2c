// SPEC §5: what `bisk runner` is told. The enforcer passes everything on argv
// except the secrets, which arrive in the environment (BISK_RTSP_URL,
// BISK_HEARTBEAT_KEY); `--rtsp URL` exists for manual runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bisk {

struct RunnerOptions {
  std::string impl;  // ffmpeg_all | ffmpeg_one
  long long camera_id = 0;
  long long profile_id = 0;
  double fps = 0;                // processed frames per second
  std::string det_set = "auto";  // detector input width: auto | 320 | 480 | 640 | 800 | 1024
  std::string heartbeat_url;
  int hb_interval_s = 10;
  std::string snapshot_dir;
  int snapshot_every_s = 30;
  std::string rtsp_transport = "auto";  // auto | tcp | udp
  std::string device = "cpu";           // cpu | cuda
  std::optional<int> gpu_index;
  std::string hwaccel = "none";  // none | cuda
  double min_score = 0.5;
  int min_face_px = 40;
  std::string stream_url;     // secret: never logged unmasked
  std::string heartbeat_key;  // secret
};

// The detector's input width for --det_set: 0 for auto (the whole frame in one
// pass at the model's 320 px), else the frame is covered by overlapping tiles
// so that it is seen at that width (small, distant faces; see FaceDetector::tiles).
int detector_width(const RunnerOptions& options);

// Every problem with the options, one line each naming the flag or variable
// and what is allowed; empty when they can be used.
std::vector<std::string> validate_runner_options(const RunnerOptions& options);

}  // namespace bisk
