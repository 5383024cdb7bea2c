// What a runner reports in its heartbeats (SPEC §6 fields), gathered from the
// decoding and recognition threads. Rates and latency are measured over a
// sliding window, so they fall to 0 when frames stop instead of freezing at
// their last value.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "common/time.h"

namespace bisk {

// Events per second over the last `window`, from their times.
class RateMeter {
 public:
  explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(5)) : window_(window) {}
  void tick(std::chrono::steady_clock::time_point at);
  double per_second(std::chrono::steady_clock::time_point now);

 private:
  void expire(std::chrono::steady_clock::time_point now);
  std::chrono::milliseconds window_;
  std::deque<std::chrono::steady_clock::time_point> ticks_;
};

// A percentile of the durations recorded within the last `window`.
class LatencyWindow {
 public:
  explicit LatencyWindow(std::chrono::milliseconds window = std::chrono::seconds(30)) : window_(window) {}
  void record(std::chrono::steady_clock::time_point at, double milliseconds);
  std::optional<double> percentile(double p, std::chrono::steady_clock::time_point now);  // p in [0, 1]

 private:
  std::chrono::milliseconds window_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, double>> samples_;
};

struct TelemetryFields {
  long long camera_id = 0;
  long long profile_id = 0;
  int pid = 0;
  double target_fps = 0;
  int snapshot_every_s = 0;
  int min_face_px = 0;
  std::string model;
  std::string device;  // what recognition actually runs on ("cpu" after a CUDA fallback)
};

// Thread-safe; one per runner.
class Telemetry {
 public:
  explicit Telemetry(TelemetryFields fields) : fields_(std::move(fields)) {}

  // The decoder's view (stream_supervisor.h measures it): frames per second
  // delivered over its window, and when the last one came.
  void set_stream(double camera_fps, std::optional<Instant> last_frame_at);
  // One frame through recognition: its latency (decode to result) and counts.
  void frame_processed(std::chrono::steady_clock::time_point at, double latency_ms, int detected, int matched);
  void set_dropped_frames(long long dropped);
  void set_reconnects(long long reconnects);
  // nullopt clears it (the next heartbeat sends "" so the server clears its copy).
  void set_last_error(std::optional<std::string> error);

  // The heartbeat body; state is "running" or "stopping".
  std::string heartbeat_json(const std::string& state, std::chrono::steady_clock::time_point now);

 private:
  std::mutex mutex_;
  TelemetryFields fields_;
  RateMeter processed_rate_;
  double camera_fps_ = 0;
  LatencyWindow latency_;
  long long detected_ = 0, matched_ = 0, dropped_ = 0, reconnects_ = 0;
  std::optional<Instant> last_frame_at_;
  std::optional<std::string> last_error_;
};

}  // namespace bisk
