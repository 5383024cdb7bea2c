#include "runner/reference_skipping.h"

namespace bisk {

ReferenceSkipping::ReferenceSkipping(double target_fps, double stream_fps)
    : target_fps_(target_fps), active_(target_fps > 0 && stream_fps >= kMinRatio * target_fps) {}

bool ReferenceSkipping::on_decoded(double stream_time) {
  if (!active_) return false;
  // The first frame, or a jump back (a looped file, a camera restarting its clock): a new window.
  if (!have_window_ || stream_time < window_start_) {
    have_window_ = true;
    window_start_ = stream_time;
    window_frames_ = 1;
    return true;
  }
  ++window_frames_;
  const double elapsed = stream_time - window_start_;
  if (elapsed < kWindowSeconds) return true;
  // window_frames_ - 1 intervals in `elapsed` seconds.
  if (static_cast<double>(window_frames_ - 1) < kMinDecodedRatio * target_fps_ * elapsed) active_ = false;
  window_start_ = stream_time;
  window_frames_ = 1;
  return active_;
}

}  // namespace bisk
