#include "runner/reference_skipping.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

// Feeds `seconds` of frames decoded at `rate` per second from `start`; the
// last answer.
bool feed(ReferenceSkipping& skipping, double start, double seconds, double rate) {
  bool active = skipping.active();
  for (int i = 0; i < static_cast<int>(seconds * rate); ++i) active = skipping.on_decoded(start + i / rate);
  return active;
}

TEST(ReferenceSkippingTest, OnOnlyWhenTheNominalRateIsTwiceTheTarget) {
  EXPECT_TRUE(ReferenceSkipping(5, 25).active());
  EXPECT_TRUE(ReferenceSkipping(5, 10).active());
  EXPECT_FALSE(ReferenceSkipping(5, 9.9).active());
  EXPECT_FALSE(ReferenceSkipping(10, 15).active());
  EXPECT_FALSE(ReferenceSkipping(5, 0).active());   // unknown rate
  EXPECT_FALSE(ReferenceSkipping(0, 25).active());  // every frame wanted
}

TEST(ReferenceSkippingTest, StaysOnWhileEnoughFramesAreLeft) {
  ReferenceSkipping skipping(5, 25);
  // x264's defaults: 13 of 25 frames are references.
  EXPECT_TRUE(feed(skipping, 0, 60, 13));
  // Every frame a reference (no B-frames): nothing skipped, still fine.
  EXPECT_TRUE(feed(skipping, 60, 10, 25));
  // 8 a second is enough for 5 (above 1.5 x 5), though it would not have turned skipping on.
  EXPECT_TRUE(feed(skipping, 70, 10, 8));
}

TEST(ReferenceSkippingTest, TurnsOffForGoodWhenTooFewAreLeft) {
  ReferenceSkipping skipping(5, 25);
  EXPECT_TRUE(feed(skipping, 0, 4, 13));
  // IBBBP without a B-pyramid: 6.25 decoded a second, below 1.5 x 5.
  EXPECT_FALSE(feed(skipping, 4, 3, 6.25));
  EXPECT_FALSE(skipping.active());
  EXPECT_FALSE(feed(skipping, 7, 10, 25));  // never back on within the connection
}

TEST(ReferenceSkippingTest, JudgesWholeWindowsNotSingleGaps) {
  ReferenceSkipping skipping(5, 25);
  // 500 ms of frames lost (UDP) inside windows that are otherwise full: 9.8
  // decoded a second over the window, still above 1.5 x 5.
  EXPECT_TRUE(feed(skipping, 0, 1, 13));
  EXPECT_TRUE(feed(skipping, 1.5, 3, 13));
  EXPECT_TRUE(skipping.active());
}

TEST(ReferenceSkippingTest, AJumpBackStartsANewWindow) {
  ReferenceSkipping skipping(5, 25);
  EXPECT_TRUE(feed(skipping, 100, 1.5, 13));
  // A looped file starts again at 0: no negative elapsed time, no false verdict.
  EXPECT_TRUE(feed(skipping, 0, 5, 13));
}

}  // namespace
}  // namespace bisk
