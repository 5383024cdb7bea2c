// The hand-off from the decoder to recognition: one slot holding the newest
// frame. A frame not yet taken when the next arrives is dropped, so
// recognition always works on the latest picture and latency never grows.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "runner/frame.h"

namespace bisk {

class FrameSlot {
 public:
  // Stores `frame`; returns true when it replaced one nobody took (a drop).
  bool put(Frame frame);
  // The newest frame not taken yet, waiting up to `timeout` for one; nullopt
  // on timeout or once closed.
  std::optional<Frame> take(std::chrono::milliseconds timeout);
  // Wakes every waiting take(); later takes return nullopt.
  void close();
  long long dropped() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<Frame> frame_;
  long long dropped_ = 0;
  bool closed_ = false;
};

}  // namespace bisk
