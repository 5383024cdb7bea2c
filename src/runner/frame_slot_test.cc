#include "runner/frame_slot.h"

#include <thread>

#include <gtest/gtest.h>

namespace bisk {
namespace {

using namespace std::chrono_literals;

Frame frame(long long sequence) {
  Frame frame;
  frame.bgr = cv::Mat(2, 2, CV_8UC3, cv::Scalar(0, 0, static_cast<double>(sequence)));
  frame.sequence = sequence;
  frame.decoded_at = std::chrono::steady_clock::now();
  return frame;
}

TEST(FrameSlotTest, TakesTheNewestFrameAndCountsTheDropped) {
  FrameSlot slot;
  EXPECT_FALSE(slot.put(frame(1)));
  EXPECT_TRUE(slot.put(frame(2)));
  EXPECT_TRUE(slot.put(frame(3)));
  const auto taken = slot.take(0ms);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->sequence, 3);
  EXPECT_EQ(slot.dropped(), 2);
  EXPECT_FALSE(slot.take(0ms)) << "a frame is taken once";
}

TEST(FrameSlotTest, TakeWaitsForTheNextFrame) {
  FrameSlot slot;
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    slot.put(frame(7));
  });
  const auto taken = slot.take(5s);
  producer.join();
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->sequence, 7);
}

TEST(FrameSlotTest, TakeTimesOutWithoutAFrame) {
  FrameSlot slot;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(slot.take(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
}

TEST(FrameSlotTest, CloseWakesAWaitingTakeAndRefusesLaterFrames) {
  FrameSlot slot;
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    slot.close();
  });
  EXPECT_FALSE(slot.take(10s));
  closer.join();
  EXPECT_FALSE(slot.put(frame(1)));
  EXPECT_FALSE(slot.take(0ms));
}

}  // namespace
}  // namespace bisk
