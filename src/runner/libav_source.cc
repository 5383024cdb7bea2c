#include "runner/libav_source.h"

#include <cmath>
#include <thread>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include "common/url.h"
#include "runner/stream_errors.h"

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

LibavSource::~LibavSource() { close(); }

int LibavSource::interrupt_callback(void* self) {
  auto* source = static_cast<LibavSource*>(self);
  return source->stop_.stop_requested() || Clock::now() >= source->deadline_ ? 1 : 0;
}

ReadStatus LibavSource::fail(int averror, const char* what) {
  if (stop_.stop_requested()) {
    error_ = "stopped";
    return ReadStatus::kStopped;
  }
  // Interrupted by the deadline: libavformat reports it as AVERROR_EXIT or as
  // whatever error the interrupted operation turned it into.
  if (Clock::now() >= deadline_) {
    error_ = std::string("timeout: no data from the camera (") + what + ")";
    return ReadStatus::kTimeout;
  }
  error_ = classify_averror(averror).message;
  return ReadStatus::kError;
}

bool LibavSource::open(const std::string& url, const SourceOptions& options, std::stop_token stop) {
  close();
  options_ = options;
  url_ = url;
  stop_ = stop;
  error_.clear();
  if (options.hwaccel != "none" && !options.hwaccel.empty()) {
    error_ = "hwaccel " + options.hwaccel + " is not supported; use none";
    return false;
  }
  // FFmpeg's own log lines may quote the URL (password included) and go
  // straight to stderr: silenced; failures are reported through error().
  av_log_set_level(AV_LOG_QUIET);
  format_ = avformat_alloc_context();
  format_->interrupt_callback.callback = &LibavSource::interrupt_callback;
  format_->interrupt_callback.opaque = this;
  AVDictionary* dict = nullptr;
  const std::string scheme = url_scheme(url);
  if (scheme == "rtsp" || scheme == "rtsps") {
    if (options.rtsp_transport == "tcp" || options.rtsp_transport == "udp")
      av_dict_set(&dict, "rtsp_transport", options.rtsp_transport.c_str(), 0);
    av_dict_set(&dict, "timeout", "10000000", 0);
  }
  deadline_ = Clock::now() + options.open_timeout;
  int result = avformat_open_input(&format_, url.c_str(), nullptr, &dict);
  av_dict_free(&dict);
  if (result < 0) {
    format_ = nullptr;  // freed by avformat_open_input
    fail(result, "connecting");
    close();
    return false;
  }
  if ((result = avformat_find_stream_info(format_, nullptr)) < 0) {
    fail(result, "reading stream information");
    close();
    return false;
  }
  const AVCodec* decoder = nullptr;
  stream_index_ = av_find_best_stream(format_, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (stream_index_ < 0 || decoder == nullptr) {
    error_ = "no video stream FFmpeg can decode";
    close();
    return false;
  }
  for (unsigned i = 0; i < format_->nb_streams; ++i)
    if (static_cast<int>(i) != stream_index_) format_->streams[i]->discard = AVDISCARD_ALL;
  AVStream* stream = format_->streams[stream_index_];
  time_base_ = av_q2d(stream->time_base);
  codec_ = avcodec_alloc_context3(decoder);
  avcodec_parameters_to_context(codec_, stream->codecpar);
  codec_->thread_count = 1;  // one per camera, as ffmpeg_all's -threads 1 (see ffmpeg_process_source.cc)
  const AVRational rate = av_guess_frame_rate(format_, stream, nullptr);
  skipping_ = ReferenceSkipping(options.target_fps, rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0);
  codec_->skip_frame = skipping_.active() ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
  if ((result = avcodec_open2(codec_, decoder, nullptr)) < 0) {
    fail(result, "opening the decoder");
    close();
    return false;
  }
  frame_ = av_frame_alloc();
  packet_ = av_packet_alloc();
  draining_ = false;
  have_next_ = false;
  pacing_ = false;
  decoded_ = skipped_ = 0;
  return true;
}

bool LibavSource::keep(const AVFrame* decoded) {
  if (options_.target_fps <= 0) return true;
  const int64_t ts = decoded->best_effort_timestamp;
  const double t = ts == AV_NOPTS_VALUE ? std::chrono::duration<double>(Clock::now().time_since_epoch()).count()
                                        : static_cast<double>(ts) * time_base_;
  const double interval = 1.0 / options_.target_fps;
  // A jump backwards (a looped file, a camera restarting its clock) or far forwards restarts the grid.
  const bool jumped = have_next_ && (t < last_time_ || t > next_keep_ + 5.0);
  last_time_ = t;
  if (!have_next_ || jumped) {
    have_next_ = true;
    next_keep_ = t + interval;
    return true;
  }
  // A tenth of an interval of tolerance absorbs timestamp jitter (25 -> 5 fps keeps every 5th frame).
  if (t + interval * 0.1 < next_keep_) return false;
  next_keep_ += interval;
  if (next_keep_ <= t) next_keep_ = t + interval;
  return true;
}

void LibavSource::convert(const AVFrame* decoded, Frame& out) {
  int width = decoded->width;
  int height = decoded->height;
  if (options_.max_width > 0 && width > options_.max_width) {
    height = static_cast<int>(std::lround(static_cast<double>(height) * options_.max_width / width / 2.0)) * 2;
    width = options_.max_width;
  }
  sws_ = sws_getCachedContext(sws_, decoded->width, decoded->height, static_cast<AVPixelFormat>(decoded->format), width,
                              height, AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr);
  cv::Mat bgr(height, width, CV_8UC3);  // a new buffer per frame: frames handed out are never overwritten
  uint8_t* planes[4] = {bgr.data, nullptr, nullptr, nullptr};
  int strides[4] = {static_cast<int>(bgr.step[0]), 0, 0, 0};
  sws_scale(sws_, decoded->data, decoded->linesize, 0, decoded->height, planes, strides);
  out.bgr = bgr;
  out.decoded_at = Clock::now();
  out.sequence = ++sequence_;
}

ReadStatus LibavSource::read(Frame& out, std::chrono::milliseconds timeout) {
  if (codec_ == nullptr) return ReadStatus::kError;
  deadline_ = Clock::now() + timeout;
  while (true) {
    if (stop_.stop_requested()) return fail(AVERROR_EXIT, "stopped");
    int result = avcodec_receive_frame(codec_, frame_);
    if (result == 0) {
      ++decoded_;
      // The decoder reads skip_frame per frame: turning it off takes effect at once.
      if (skipping_.active() && frame_->best_effort_timestamp != AV_NOPTS_VALUE &&
          !skipping_.on_decoded(static_cast<double>(frame_->best_effort_timestamp) * time_base_))
        codec_->skip_frame = AVDISCARD_DEFAULT;
      if (!keep(frame_)) {
        ++skipped_;
        av_frame_unref(frame_);
        continue;
      }
      if (options_.realtime && frame_->best_effort_timestamp != AV_NOPTS_VALUE) {
        const double t = static_cast<double>(frame_->best_effort_timestamp) * time_base_;
        const auto now = Clock::now();
        if (!pacing_ || t < pace_stream0_) {
          pacing_ = true;
          pace_stream0_ = t;
          pace_wall0_ = now;
        }
        const auto due =
            pace_wall0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t - pace_stream0_));
        while (Clock::now() < due && !stop_.stop_requested())
          std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(50)));
      }
      convert(frame_, out);
      av_frame_unref(frame_);
      return ReadStatus::kFrame;
    }
    // EAGAIN after the flush packet cannot happen; treated as the end rather than spinning.
    if (result == AVERROR_EOF || (result == AVERROR(EAGAIN) && draining_)) {
      if (options_.loop) {
        avcodec_flush_buffers(codec_);
        av_seek_frame(format_, stream_index_, 0, AVSEEK_FLAG_BACKWARD);
        draining_ = false;
        pacing_ = false;
        continue;
      }
      error_ = "end of stream";
      return ReadStatus::kError;
    }
    if (result != AVERROR(EAGAIN)) return fail(result, "decoding");
    if (Clock::now() >= deadline_) return fail(AVERROR_EXIT, "waiting for a frame");
    result = av_read_frame(format_, packet_);
    if (result == AVERROR_EOF) {
      draining_ = true;
      avcodec_send_packet(codec_, nullptr);
      continue;
    }
    if (result < 0) return fail(result, "reading");
    if (packet_->stream_index == stream_index_) {
      result = avcodec_send_packet(codec_, packet_);
      // Corrupt packets (lost RTP packets) are skipped; the decoder recovers at the next keyframe.
      if (result < 0 && result != AVERROR(EAGAIN) && result != AVERROR_INVALIDDATA) {
        av_packet_unref(packet_);
        return fail(result, "decoding");
      }
    }
    av_packet_unref(packet_);
  }
}

void LibavSource::close() {
  if (sws_ != nullptr) sws_freeContext(sws_);
  sws_ = nullptr;
  if (packet_ != nullptr) av_packet_free(&packet_);
  if (frame_ != nullptr) av_frame_free(&frame_);
  if (codec_ != nullptr) avcodec_free_context(&codec_);
  if (format_ != nullptr) avformat_close_input(&format_);
  stream_index_ = -1;
}

}  // namespace bisk
