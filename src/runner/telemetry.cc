#include "runner/telemetry.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

namespace bisk {

void RateMeter::tick(std::chrono::steady_clock::time_point at) {
  ticks_.push_back(at);
  expire(at);
}

double RateMeter::per_second(std::chrono::steady_clock::time_point now) {
  expire(now);
  return static_cast<double>(ticks_.size()) / std::chrono::duration<double>(window_).count();
}

void RateMeter::expire(std::chrono::steady_clock::time_point now) {
  while (!ticks_.empty() && ticks_.front() <= now - window_) ticks_.pop_front();
}

void LatencyWindow::record(std::chrono::steady_clock::time_point at, double milliseconds) {
  samples_.emplace_back(at, milliseconds);
  while (!samples_.empty() && samples_.front().first <= at - window_) samples_.pop_front();
}

std::optional<double> LatencyWindow::percentile(double p, std::chrono::steady_clock::time_point now) {
  while (!samples_.empty() && samples_.front().first <= now - window_) samples_.pop_front();
  if (samples_.empty()) return std::nullopt;
  std::vector<double> values;
  values.reserve(samples_.size());
  for (const auto& sample : samples_) values.push_back(sample.second);
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(values.size())));
  const std::size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

void Telemetry::set_stream(double camera_fps, std::optional<Instant> last_frame_at) {
  std::lock_guard lock(mutex_);
  camera_fps_ = camera_fps;
  last_frame_at_ = last_frame_at;
}

void Telemetry::frame_processed(std::chrono::steady_clock::time_point at, double latency_ms, int detected,
                                int matched) {
  std::lock_guard lock(mutex_);
  processed_rate_.tick(at);
  latency_.record(at, latency_ms);
  detected_ += detected;
  matched_ += matched;
}

void Telemetry::set_dropped_frames(long long dropped) {
  std::lock_guard lock(mutex_);
  dropped_ = dropped;
}

void Telemetry::set_reconnects(long long reconnects) {
  std::lock_guard lock(mutex_);
  reconnects_ = reconnects;
}

void Telemetry::set_last_error(std::optional<std::string> error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
}

std::string Telemetry::heartbeat_json(const std::string& state, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto rounded = [](double value) { return std::round(value * 100.0) / 100.0; };
  nlohmann::ordered_json body = {{"camera_id", fields_.camera_id},
                                 {"profile_id", fields_.profile_id},
                                 {"pid", fields_.pid},
                                 {"state", state},
                                 {"camera_fps", rounded(camera_fps_)},
                                 {"processed_fps", rounded(processed_rate_.per_second(now))},
                                 {"target_fps", fields_.target_fps},
                                 {"dropped_frames", dropped_},
                                 {"detected", detected_},
                                 {"matched", matched_},
                                 {"reconnects", reconnects_},
                                 {"last_error", last_error_.value_or("")},
                                 {"snapshot_every", fields_.snapshot_every_s},
                                 {"min_face_px", fields_.min_face_px},
                                 {"model", fields_.model},
                                 {"device", fields_.device}};
  if (const auto p50 = latency_.percentile(0.5, now)) body["latency_ms"] = rounded(*p50);
  if (last_frame_at_) body["last_frame_at"] = format_instant(*last_frame_at_);
  return body.dump();
}

}  // namespace bisk
