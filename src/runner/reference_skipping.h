// Whether the decoder may skip non-reference frames (libavcodec's
// AVDISCARD_NONREF, ffmpeg's `-skip_frame noref`): the B-frames no other
// frame is predicted from, so skipping them changes no other frame.
//
// A camera sending 25 fps to a runner that keeps 5 would otherwise decode all
// 25; with B-frames half of them or more are non-reference (H.264 High with
// x264's defaults: 12 of 25, 40 % less decoding CPU). Safe only while what is
// left is plenty for the target fps: on when the stream's nominal rate is at
// least kMinRatio x the target, then checked on the frames really decoded —
// over every kWindowSeconds of stream time at least kMinDecodedRatio x the
// target (the fps selection keeps one frame per interval as long as decoded
// frames come more often than that), else off for the rest of the connection (IBBBP without B-pyramid leaves 1 in
// 4; so does a camera whose real rate is below its nominal one). Streams
// without B-frames (most IP cameras) lose nothing and gain nothing. Pure.
#pragma once

namespace bisk {

class ReferenceSkipping {
 public:
  static constexpr double kMinRatio = 2.0;
  static constexpr double kMinDecodedRatio = 1.5;
  static constexpr double kWindowSeconds = 2.0;

  // target_fps <= 0 (keep every frame) or stream_fps unknown (<= 0): off.
  ReferenceSkipping(double target_fps, double stream_fps);

  bool active() const { return active_; }
  // Each decoded frame's stream time in seconds; returns active().
  bool on_decoded(double stream_time);

 private:
  double target_fps_;
  bool active_;
  bool have_window_ = false;
  double window_start_ = 0;
  long long window_frames_ = 0;  // decoded since window_start_, the first one included
};

}  // namespace bisk
