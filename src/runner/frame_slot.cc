#include "runner/frame_slot.h"

namespace bisk {

bool FrameSlot::put(Frame frame) {
  bool replaced = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    replaced = frame_.has_value();
    if (replaced) ++dropped_;
    frame_ = std::move(frame);
  }
  ready_.notify_one();
  return replaced;
}

std::optional<Frame> FrameSlot::take(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return closed_ || frame_.has_value(); });
  if (closed_ || !frame_) return std::nullopt;
  std::optional<Frame> frame = std::move(frame_);
  frame_.reset();
  return frame;
}

void FrameSlot::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    frame_.reset();
  }
  ready_.notify_all();
}

long long FrameSlot::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace bisk
