// Writes the latest frame of a camera every `every` to <dir>/<camera_id>.jpg,
// atomically: the JPEG goes to a temporary file in the same directory, is
// flushed, then renamed over the old one, so a reader (the dashboard) sees
// the old complete picture or the new complete picture, never a torn one.
// The frame comes from the already decoded stream (no second connection); a
// frame already written is not written again.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

#include "runner/frame.h"

namespace bisk {

class SnapshotWriter {
 public:
  using LatestFrame = std::function<std::optional<Frame>()>;

  SnapshotWriter(std::filesystem::path dir, std::string camera_id, std::chrono::milliseconds every, LatestFrame latest,
                 int jpeg_quality = 85);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Writes every `every` on a thread of its own until stop() (idempotent).
  void start();
  void stop();
  // Writes the latest frame now if it is new; false when there is none or writing failed (error()).
  bool write_now();

  std::filesystem::path path() const { return dir_ / (camera_id_ + ".jpg"); }
  long long written() const;
  std::string error() const;

  // Encodes `image` as JPEG into `path` atomically (temp file + fsync + rename).
  static bool write_jpeg_atomically(const std::filesystem::path& path, const cv::Mat& image, int quality,
                                    std::string* error);

 private:
  std::filesystem::path dir_;
  std::string camera_id_;
  std::chrono::milliseconds every_;
  LatestFrame latest_;
  int quality_;
  std::jthread thread_;
  mutable std::mutex mutex_;
  long long last_sequence_ = -1;
  std::chrono::steady_clock::time_point last_decoded_{};
  long long written_ = 0;
  std::string error_;
};

}  // namespace bisk
