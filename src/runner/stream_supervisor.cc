#include "runner/stream_supervisor.h"

#include <condition_variable>
#include <iostream>

#include "common/url.h"
#include "runner/ffmpeg_process_source.h"
#include "runner/libav_source.h"

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps `duration` unless `stop` is requested first; false when stopped.
bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace

std::unique_ptr<FrameSource> make_frame_source(const std::string& impl) {
  if (impl == "ffmpeg_all") return std::make_unique<FfmpegProcessSource>();
  if (impl == "ffmpeg_one") return std::make_unique<LibavSource>();
  return nullptr;
}

StreamSupervisor::StreamSupervisor(std::unique_ptr<FrameSource> source, SupervisorOptions options, FrameSlot& slot)
    : source_(std::move(source)), options_(std::move(options)), slot_(slot) {}

StreamSupervisor::~StreamSupervisor() { stop(); }

void StreamSupervisor::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void StreamSupervisor::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  std::lock_guard lock(mutex_);
  stats_.connected = false;
}

void StreamSupervisor::log(const std::string& text) {
  if (options_.log) {
    options_.log(text);
  } else {
    std::cerr << "[stream " << source_->name() << "] " << text << std::endl;
  }
}

void StreamSupervisor::record_error(const std::string& error) {
  std::lock_guard lock(mutex_);
  stats_.connected = false;
  stats_.last_error = error;
  stats_.last_error_at = std::chrono::system_clock::now();
}

void StreamSupervisor::run(std::stop_token stop) {
  const std::string shown = mask_url(options_.url);
  size_t failures = 0;
  bool first = true;
  while (!stop.stop_requested()) {
    if (!first) {
      std::lock_guard lock(mutex_);
      ++stats_.reconnects;
    }
    first = false;
    log("connecting to " + shown);
    bool delivered = false;
    if (source_->open(options_.url, options_.source, stop)) {
      log("connected to " + shown);
      while (!stop.stop_requested()) {
        Frame frame;
        const ReadStatus status = source_->read(frame, options_.stall_timeout);
        if (status == ReadStatus::kFrame) {
          const auto now = Clock::now();
          {
            std::lock_guard lock(mutex_);
            if (!delivered) {  // a new connection: the rate restarts with it
              streaming_since_ = now;
              recent_.clear();
            }
            stats_.connected = true;
            ++stats_.frames;
            stats_.last_frame_at = now;
            recent_.push_back(now);
            while (!recent_.empty() && recent_.front() < now - options_.fps_window) recent_.pop_front();
            latest_ = frame;
          }
          delivered = true;
          slot_.put(std::move(frame));
          continue;
        }
        if (status == ReadStatus::kStopped) break;
        const std::string error =
            status == ReadStatus::kTimeout
                ? "stalled: no frame for " + std::to_string(options_.stall_timeout.count() / 1000.0).substr(0, 4) + " s"
                : source_->error();
        record_error(error);
        log("stream lost: " + error);
        break;
      }
    } else if (!stop.stop_requested()) {
      record_error(source_->error());
      log("cannot connect: " + source_->error());
    }
    source_->close();
    if (stop.stop_requested()) break;
    if (delivered) failures = 0;
    const auto wait = options_.backoff.empty() ? std::chrono::milliseconds(1000)
                                               : options_.backoff[std::min(failures, options_.backoff.size() - 1)];
    ++failures;
    log("reconnecting in " + std::to_string(wait.count() / 1000.0).substr(0, 4) + " s");
    if (!sleep_unless_stopped(stop, wait)) break;
  }
  source_->close();
}

StreamStats StreamSupervisor::stats() const {
  std::lock_guard lock(mutex_);
  StreamStats stats = stats_;
  const auto now = Clock::now();
  long long in_window = 0;
  for (const auto& at : recent_)
    if (at >= now - options_.fps_window) ++in_window;
  // Right after a (re)connect the window is not full yet: divide by the time streamed (at least 1 s).
  auto span = std::chrono::duration<double>(options_.fps_window).count();
  if (streaming_since_)
    span = std::min(span, std::max(1.0, std::chrono::duration<double>(now - *streaming_since_).count()));
  stats.camera_fps = static_cast<double>(in_window) / span;
  stats.dropped = slot_.dropped();
  return stats;
}

std::optional<Frame> StreamSupervisor::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace bisk
