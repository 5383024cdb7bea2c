// A source of decoded video frames for one camera: it connects, decodes, drops
// frames beyond the target fps BEFORE any colour conversion, scales down to
// the maximum width and hands out BGR frames. Two implementations:
//   FfmpegProcessSource (ffmpeg_all): one `ffmpeg` child per camera, raw BGR on a pipe.
//   LibavSource (ffmpeg_one): FFmpeg's libraries inside this process.
// A source is used by one thread (StreamSupervisor's); the stop token passed
// to open() is the only cross-thread way in: requesting it makes a blocked
// open() or read() return promptly.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

#include "runner/frame.h"

namespace bisk {

struct SourceOptions {
  double target_fps = 5;                // frames delivered per second of stream time; <= 0 keeps every frame
  int max_width = 1280;                 // wider frames are scaled down keeping the aspect ratio; <= 0 never scales
  std::string rtsp_transport = "auto";  // auto | tcp | udp
  std::string hwaccel = "none";         // only "none" is implemented
  // Connecting (and getting the first frame's geometry) may take this long.
  std::chrono::milliseconds open_timeout{15000};
  // For files: read at the stream's own rate (ffmpeg -re) instead of as fast
  // as possible, and start again at the end (a file posing as a camera).
  bool realtime = false;
  bool loop = false;
  std::string ffmpeg_bin = "ffmpeg";  // FfmpegProcessSource only
};

enum class ReadStatus {
  kFrame,    // `frame` holds the next frame
  kTimeout,  // no frame within the timeout; reopen before reading on (ffmpeg_one may have been cut off mid-packet)
  kStopped,  // the stop token was requested
  kError,    // the stream failed or ended; error() says why
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Connects to `url` (rtsp://, http://, a file path...). False on failure,
  // with error() set. Calls close() first when already open.
  virtual bool open(const std::string& url, const SourceOptions& options, std::stop_token stop) = 0;
  // Waits up to `timeout` for the next frame.
  virtual ReadStatus read(Frame& frame, std::chrono::milliseconds timeout) = 0;
  // Releases everything (an ffmpeg child is killed and reaped). Idempotent.
  virtual void close() = 0;
  // The last failure, readable and without secrets ("connection refused", ...).
  virtual std::string error() const = 0;
  virtual std::string name() const = 0;  // "ffmpeg_all" or "ffmpeg_one"
};

}  // namespace bisk
