// Runs one camera's FrameSource on a thread of its own and keeps it running:
//  - every frame goes to the FrameSlot (newest wins) and becomes latest();
//  - a stall watchdog: no frame for `stall_timeout` (10 s) -> reconnect;
//  - a failed open or a broken stream -> reconnect after 1, 2, 5, 10, 30, 30...
//    seconds (reset once frames flow again), each wait cut short by stop();
//  - stats for heartbeats: camera fps (frames delivered per second over the
//    last `fps_window`, 0 when frames stop), reconnects, last error, last frame
//    time, frames dropped by the slot;
//  - stop() returns within about a second: the source's blocking calls watch
//    the thread's stop token, and the source (an ffmpeg child) is closed
//    before the thread ends.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/frame_slot.h"
#include "runner/frame_source.h"

namespace bisk {

// "ffmpeg_all" (FfmpegProcessSource) or "ffmpeg_one" (LibavSource); nullptr for anything else.
std::unique_ptr<FrameSource> make_frame_source(const std::string& impl);

struct SupervisorOptions {
  std::string url;
  SourceOptions source;
  std::chrono::milliseconds stall_timeout{10000};
  std::vector<std::chrono::milliseconds> backoff{std::chrono::seconds(1), std::chrono::seconds(2),
                                                 std::chrono::seconds(5), std::chrono::seconds(10),
                                                 std::chrono::seconds(30)};
  std::chrono::milliseconds fps_window{5000};
  // Called (on the supervisor thread) for connects, failures and reconnects; the
  // text is masked. Defaults to one line on stderr.
  std::function<void(const std::string&)> log;
};

struct StreamStats {
  bool connected = false;    // open and delivering
  double camera_fps = 0;     // frames delivered per second over the window
  long long frames = 0;      // frames delivered since start()
  long long reconnects = 0;  // open attempts after the first one
  long long dropped = 0;     // frames replaced in the slot before recognition took them
  std::string last_error;    // the most recent failure ("" if none yet), masked
  std::optional<std::chrono::steady_clock::time_point> last_frame_at;
  std::optional<std::chrono::system_clock::time_point> last_error_at;
};

class StreamSupervisor {
 public:
  StreamSupervisor(std::unique_ptr<FrameSource> source, SupervisorOptions options, FrameSlot& slot);
  ~StreamSupervisor();
  StreamSupervisor(const StreamSupervisor&) = delete;
  StreamSupervisor& operator=(const StreamSupervisor&) = delete;

  void start();
  // Stops the thread and closes the source (no ffmpeg left). Idempotent.
  void stop();
  StreamStats stats() const;
  // The newest frame delivered (shares its pixels; frames are never modified), for snapshots.
  std::optional<Frame> latest() const;

 private:
  void run(std::stop_token stop);
  void record_error(const std::string& error);
  void log(const std::string& text);

  std::unique_ptr<FrameSource> source_;
  SupervisorOptions options_;
  FrameSlot& slot_;
  std::jthread thread_;

  mutable std::mutex mutex_;
  std::deque<std::chrono::steady_clock::time_point> recent_;  // frame times within the fps window
  StreamStats stats_;
  std::optional<std::chrono::steady_clock::time_point> streaming_since_;  // first frame of this connection
  std::optional<Frame> latest_;
};

}  // namespace bisk
