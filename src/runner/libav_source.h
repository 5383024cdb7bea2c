// ffmpeg_one: the same pipeline as ffmpeg_all with FFmpeg's libraries inside
// the runner: libavformat reads the stream (one connection), libavcodec
// decodes the reference frames (the others too unless ReferenceSkipping says
// they may be skipped), frames beyond the target fps are dropped by their
// timestamps BEFORE any conversion, and only the kept frames go through one
// sws_scale pass (scale down + convert to BGR).
// Blocking network calls are bounded by an interrupt callback that checks
// the stop token and a deadline (open_timeout for open(), the read timeout
// for read()). The URL never leaves this process (no command line).
#pragma once

#include <chrono>
#include <string>

#include "runner/frame_source.h"
#include "runner/reference_skipping.h"

struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace bisk {

class LibavSource : public FrameSource {
 public:
  LibavSource() = default;
  ~LibavSource() override;
  LibavSource(const LibavSource&) = delete;
  LibavSource& operator=(const LibavSource&) = delete;

  bool open(const std::string& url, const SourceOptions& options, std::stop_token stop) override;
  ReadStatus read(Frame& frame, std::chrono::milliseconds timeout) override;
  void close() override;
  std::string error() const override { return error_; }
  std::string name() const override { return "ffmpeg_one"; }

  // Frames decoded and frames dropped for the fps limit since open() (tests, stats).
  long long decoded() const { return decoded_; }
  long long skipped() const { return skipped_; }
  // Whether non-reference frames are being skipped by the decoder right now.
  bool skipping_references() const { return skipping_.active(); }

 private:
  static int interrupt_callback(void* self);
  ReadStatus fail(int averror, const char* what);
  bool keep(const AVFrame* frame);
  void convert(const AVFrame* decoded, Frame& out);

  SourceOptions options_;
  std::string url_;
  std::stop_token stop_;
  std::chrono::steady_clock::time_point deadline_{};
  AVFormatContext* format_ = nullptr;
  AVCodecContext* codec_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* sws_ = nullptr;
  int stream_index_ = -1;
  double time_base_ = 0;
  bool draining_ = false;
  ReferenceSkipping skipping_{0, 0};
  // fps selection on stream time (seconds), from the first frame on.
  double next_keep_ = 0;
  double last_time_ = 0;
  bool have_next_ = false;
  // realtime pacing: the stream time and wall time of the first kept frame.
  double pace_stream0_ = 0;
  std::chrono::steady_clock::time_point pace_wall0_{};
  bool pacing_ = false;
  long long sequence_ = 0;
  long long decoded_ = 0;
  long long skipped_ = 0;
  std::string error_;
};

}  // namespace bisk
