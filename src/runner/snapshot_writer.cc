#include "runner/snapshot_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <vector>

#include "runner/image_codec.h"

namespace bisk {

SnapshotWriter::SnapshotWriter(std::filesystem::path dir, std::string camera_id, std::chrono::milliseconds every,
                               LatestFrame latest, int jpeg_quality)
    : dir_(std::move(dir)),
      camera_id_(std::move(camera_id)),
      every_(every),
      latest_(std::move(latest)),
      quality_(jpeg_quality) {}

SnapshotWriter::~SnapshotWriter() { stop(); }

void SnapshotWriter::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      std::unique_lock lock(mutex);
      if (wake.wait_for(lock, stop, every_, [] { return false; }) || stop.stop_requested()) break;
      lock.unlock();
      write_now();
    }
  });
}

void SnapshotWriter::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

bool SnapshotWriter::write_now() {
  const std::optional<Frame> frame = latest_ ? latest_() : std::nullopt;
  if (!frame || frame->bgr.empty()) return false;
  {
    std::lock_guard lock(mutex_);
    if (frame->sequence == last_sequence_ && frame->decoded_at == last_decoded_) return false;  // nothing new
  }
  std::string error;
  const bool ok = write_jpeg_atomically(path(), frame->bgr, quality_, &error);
  std::lock_guard lock(mutex_);
  if (ok) {
    last_sequence_ = frame->sequence;
    last_decoded_ = frame->decoded_at;
    ++written_;
    error_.clear();
  } else {
    error_ = error;
  }
  return ok;
}

long long SnapshotWriter::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::string SnapshotWriter::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool SnapshotWriter::write_jpeg_atomically(const std::filesystem::path& path, const cv::Mat& image, int quality,
                                           std::string* error) {
  std::vector<unsigned char> jpeg;
  try {
    jpeg = encode_jpeg(image, quality);
  } catch (const std::exception& failure) {
    if (error) *error = std::string("cannot encode the snapshot as JPEG: ") + failure.what();
    return false;
  }
  // Same directory (rename is atomic only within a filesystem); a name no reader globs for.
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path temp =
      path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(getpid()) + "." +
                            std::to_string(counter.fetch_add(1)));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (error) *error = "cannot write " + temp.string() + ": " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < jpeg.size()) {
    const ssize_t wrote = ::write(fd, jpeg.data() + done, jpeg.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    done += static_cast<size_t>(wrote);
  }
  const bool complete = done == jpeg.size() && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!complete || std::rename(temp.c_str(), path.c_str()) != 0) {
    const int cause = complete ? errno : saved_errno;
    ::unlink(temp.c_str());
    if (error) *error = "cannot write " + path.string() + ": " + std::strerror(cause);
    return false;
  }
  return true;
}

}  // namespace bisk
