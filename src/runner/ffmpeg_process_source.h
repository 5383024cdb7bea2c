// ffmpeg_all: one `ffmpeg` child per camera, one connection to the camera.
// FFmpeg drops frames beyond the target fps (fps filter) BEFORE scaling and
// colour conversion, then scales and converts to BGR in one swscale pass and
// writes raw frames to a pipe; this class reads exactly width*height*3 bytes
// per frame. The frame size comes from ffmpeg's own description of its
// output stream on stderr ("Stream #0:0: Video: rawvideo ..., bgr24, WxH"),
// so no second connection (ffprobe) is needed. That size never changes while
// ffmpeg runs: if the camera changes resolution mid-stream, ffmpeg rescales to
// the first geometry (checked with FFmpeg 5.1), so the pipe never tears.
//
// Non-reference frames (ReferenceSkipping) are skipped by ffmpeg's decoder
// (`-skip_frame noref`) and judged on ffmpeg's own report: the nominal rate
// from its description of the input stream ("25 fps"), the frames really
// decoded from a `showinfo` filter before `fps` (one stderr line per decoded
// frame with its pts_time; checksums off, no measurable cost). When the rule
// says stop, ffmpeg is restarted without skipping, once per source (a file is
// then read from its start again, a camera goes on live).
//
// The child:
//  - stays in the runner's process group (the enforcer's killpg reaches it);
//  - gets PR_SET_PDEATHSIG(SIGKILL): if the runner dies, even by SIGKILL, the
//    kernel kills the ffmpeg too. (The signal follows the death of the THREAD
//    that forked it; the supervisor thread always closes its source first.)
//  - has its stderr drained by a thread of its own (it can never block on a
//    full pipe); the last lines are kept, with passwords masked, and mapped to
//    a readable error (stream_errors.h);
//  - is killed (SIGKILL) and reaped by close(), the destructor and every
//    failure path of open().
//
// SECRETS: /proc/PID/cmdline is readable by every local user (unless /proc
// is mounted with hidepid=2), so a URL with a password never goes on ffmpeg's
// command line: it is written to a pipe on the child's fd 3 as an ffconcat
// list ("file 'rtsp://user:pass@...'" plus "option rtsp_transport ..."), and
// ffmpeg reads it with `-f concat -safe 0 -i pipe:3`; the concat demuxer opens
// the camera with the same RTSP demuxer, options and errors. URLs without a
// password are passed with -i as usual. ffmpeg's stderr still quotes the URL:
// every line is masked (mask_secrets) before it is kept or reported. Files
// read with -stream_loop/-re never carry passwords, so they never take the
// concat path.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/frame_source.h"
#include "runner/reference_skipping.h"
#include "runner/stream_errors.h"

namespace bisk {

class FfmpegProcessSource : public FrameSource {
 public:
  FfmpegProcessSource() = default;
  ~FfmpegProcessSource() override;
  FfmpegProcessSource(const FfmpegProcessSource&) = delete;
  FfmpegProcessSource& operator=(const FfmpegProcessSource&) = delete;

  bool open(const std::string& url, const SourceOptions& options, std::stop_token stop) override;
  ReadStatus read(Frame& frame, std::chrono::milliseconds timeout) override;
  void close() override;
  std::string error() const override;
  std::string name() const override { return "ffmpeg_all"; }

  // The ffmpeg command line for `url` (tests). A URL with a password is not in it.
  static std::vector<std::string> build_args(const std::string& url, const SourceOptions& options,
                                             bool skip_references);
  // What ffmpeg reads on fd 3 for a URL with a password (an ffconcat list); "" otherwise.
  static std::string concat_list(const std::string& url, const SourceOptions& options);
  // The child's pid while open, else -1.
  pid_t child_pid() const { return pid_; }
  // The last lines ffmpeg wrote on stderr, passwords masked (showinfo's lines left out).
  std::vector<std::string> stderr_tail() const;
  // Whether this connection's ffmpeg skips non-reference frames, and the
  // frames it decoded while doing so (tests).
  bool skipping_references() const;
  long long frames_decoded_while_skipping() const;

 private:
  void drain_stderr(int fd);
  void handle_stderr_line(const std::string& line);
  std::string failure_text(const std::string& fallback);
  int reap(std::chrono::milliseconds wait);

  bool restart_without_skipping();
  // This connection skipped non-reference frames and the rule says stop (mutex_ held).
  bool skipping_stopped() const { return skipping_ && !skipping_->active(); }

  std::string url_;
  SourceOptions options_;
  std::stop_token stop_;
  bool skip_references_ = true;  // false for good once a connection had too few reference frames
  pid_t pid_ = -1;
  int exit_status_ = -1;
  int out_fd_ = -1;
  std::thread stderr_thread_;

  mutable std::mutex mutex_;  // guards the fields below, written by the stderr thread
  std::condition_variable_any changed_;
  std::deque<std::string> tail_;
  StreamError stderr_error_;
  bool in_output_section_ = false;
  int width_ = 0;
  int height_ = 0;
  bool stderr_closed_ = false;
  std::string error_;
  // From the input's description, when skipping; no longer active: restart without skipping.
  std::optional<ReferenceSkipping> skipping_;
  long long skipped_decoded_ = 0;

  // The frame being read (a read() may time out halfway through one).
  cv::Mat pending_;
  size_t filled_ = 0;
  long long sequence_ = 0;
};

}  // namespace bisk
