// A decoded video frame as the runner hands it around: BGR, 8 bits per channel
// (OpenCV's order, used by enrollment and live recognition alike).
#pragma once

#include <chrono>

#include <opencv2/core.hpp>

namespace bisk {

struct Frame {
  cv::Mat bgr;                                       // CV_8UC3
  std::chrono::steady_clock::time_point decoded_at;  // when the decoder produced it
  long long sequence = 0;                            // counts frames delivered by the source, from 1
};

}  // namespace bisk
