#include "runner/face_tracker.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = FaceTracker::Clock;

const Clock::time_point kStart{};

DetectedFace face_at(float x, float y, float size = 100, float score = 0.95f) {
  return DetectedFace{cv::Rect2f(x, y, size, size), score};
}

Match student(long long id, float score = 0.7f) { return Match{id, score, 0.2f}; }

TEST(IntersectionOverUnionTest, SameDisjointHalfAndEmpty) {
  const cv::Rect2f box(0, 0, 10, 10);
  EXPECT_FLOAT_EQ(intersection_over_union(box, box), 1);
  EXPECT_FLOAT_EQ(intersection_over_union(box, cv::Rect2f(20, 0, 10, 10)), 0);
  EXPECT_FLOAT_EQ(intersection_over_union(box, cv::Rect2f(5, 0, 10, 10)), 50.0f / 150.0f);
  EXPECT_FLOAT_EQ(intersection_over_union(box, cv::Rect2f(0, 0, 0, 0)), 0);
}

TEST(FaceTrackerTest, ANewFaceIsDescribedAStillOneReusesItsAnswer) {
  FaceTracker tracker;
  auto decisions = tracker.assign({face_at(100, 100)}, kStart);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_TRUE(decisions[0].describe);
  tracker.described(0, student(7), kStart);
  // A few pixels of jitter, 200 ms later: the same face.
  decisions = tracker.assign({face_at(104, 98)}, kStart + 200ms);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_FALSE(decisions[0].describe);
  ASSERT_TRUE(decisions[0].reused);
  EXPECT_EQ(decisions[0].reused->student_id, 7);
  EXPECT_FLOAT_EQ(decisions[0].reused->score, 0.7f);
}

TEST(FaceTrackerTest, ARecognisedFaceIsCheckedAgainAfterRefreshMatched) {
  FaceTracker tracker;  // 1 s
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, student(7), kStart);
  for (auto t = 200ms; t < 1000ms; t += 200ms)
    EXPECT_FALSE(tracker.assign({face_at(100, 100)}, kStart + t)[0].describe) << t.count();
  EXPECT_TRUE(tracker.assign({face_at(100, 100)}, kStart + 1000ms)[0].describe);
  tracker.described(0, student(7), kStart + 1000ms);
  EXPECT_FALSE(tracker.assign({face_at(100, 100)}, kStart + 1200ms)[0].describe);
}

TEST(FaceTrackerTest, AnUnrecognisedFaceGetsAnotherChanceSooner) {
  FaceTracker tracker;  // 400 ms
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, std::nullopt, kStart);
  auto decision = tracker.assign({face_at(100, 100)}, kStart + 200ms)[0];
  EXPECT_FALSE(decision.describe);
  EXPECT_FALSE(decision.reused);  // nobody, reused
  EXPECT_TRUE(tracker.assign({face_at(100, 100)}, kStart + 400ms)[0].describe);
}

TEST(FaceTrackerTest, AFaceThatMovedIsANewFace) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, student(7), kStart);
  // 60 px to the right: IoU 40*100 / (2*10000 - 4000) = 0.25.
  EXPECT_TRUE(tracker.assign({face_at(160, 100)}, kStart + 200ms)[0].describe);
}

TEST(FaceTrackerTest, AClearlyBetterFaceIsDescribedForABetterSighting) {
  FaceTracker tracker;  // better_by 1.15
  tracker.assign({face_at(100, 100, 100, 0.90f)}, kStart);
  tracker.described(0, student(7), kStart);
  // 10 % bigger: not enough (IoU 0.83, same track).
  EXPECT_FALSE(tracker.assign({face_at(100, 100, 110, 0.90f)}, kStart + 200ms)[0].describe);
  // 20 % bigger than at the embedding: described.
  EXPECT_TRUE(tracker.assign({face_at(100, 100, 120, 0.90f)}, kStart + 400ms)[0].describe);
  tracker.described(0, student(7, 0.8f), kStart + 400ms);
  // The bar is now the best embedded quality (120 x 0.9): back to 100 and up to 120 again is not better.
  EXPECT_FALSE(tracker.assign({face_at(100, 100, 100, 0.90f)}, kStart + 600ms)[0].describe);
  EXPECT_FALSE(tracker.assign({face_at(100, 100, 120, 0.90f)}, kStart + 800ms)[0].describe);
  // A surer detection counts too: 120 x 0.99 vs 120 x 0.90 is only 1.1; 140 x 0.99 is 1.28.
  EXPECT_TRUE(tracker.assign({face_at(100, 100, 140, 0.99f)}, kStart + 900ms)[0].describe);
}

TEST(FaceTrackerTest, EachFaceKeepsItsOwnAnswerWhateverTheOrderOfDetections) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100), face_at(400, 100), face_at(700, 100)}, kStart);
  tracker.described(0, student(1), kStart);
  tracker.described(1, std::nullopt, kStart);
  tracker.described(2, student(3), kStart);
  // The detector lists them in another order, a little moved.
  const auto decisions = tracker.assign({face_at(703, 101), face_at(98, 99), face_at(401, 102)}, kStart + 200ms);
  ASSERT_EQ(decisions.size(), 3u);
  for (const auto& decision : decisions) EXPECT_FALSE(decision.describe);
  ASSERT_TRUE(decisions[0].reused);
  EXPECT_EQ(decisions[0].reused->student_id, 3);
  ASSERT_TRUE(decisions[1].reused);
  EXPECT_EQ(decisions[1].reused->student_id, 1);
  EXPECT_FALSE(decisions[2].reused);
  EXPECT_EQ(tracker.tracks(), 3u);
}

TEST(FaceTrackerTest, OverlappingCandidatesGoToTheBestOverlap) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100), face_at(150, 100)}, kStart);  // IoU 1/3: two faces
  tracker.described(0, student(1), kStart);
  tracker.described(1, student(2), kStart);
  // 140 overlaps the second (IoU 0.82) better than the first (0.43 < 0.5).
  const auto decisions = tracker.assign({face_at(140, 100)}, kStart + 200ms);
  ASSERT_TRUE(decisions[0].reused);
  EXPECT_EQ(decisions[0].reused->student_id, 2);
  EXPECT_EQ(tracker.tracks(), 1u);  // the first track ended
}

TEST(FaceTrackerTest, AFaceThatLeftAndCameBackIsDescribedAgain) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, student(7), kStart);
  EXPECT_TRUE(tracker.assign({}, kStart + 200ms).empty());
  EXPECT_EQ(tracker.tracks(), 0u);
  EXPECT_TRUE(tracker.assign({face_at(100, 100)}, kStart + 400ms)[0].describe);
}

TEST(FaceTrackerTest, AFaceNeverDescribedStaysToDescribe) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100)}, kStart);
  // described() not called (e.g. the frame was abandoned): still no answer.
  EXPECT_TRUE(tracker.assign({face_at(100, 100)}, kStart + 200ms)[0].describe);
}

TEST(FaceTrackerTest, ResetForgetsEveryAnswer) {
  FaceTracker tracker;
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, student(7), kStart);
  tracker.reset();
  EXPECT_TRUE(tracker.assign({face_at(100, 100)}, kStart + 200ms)[0].describe);
}

TEST(FaceTrackerTest, OptionsAreHonoured) {
  FaceTracker::Options options;
  options.min_iou = 0.2f;
  options.refresh_matched = 3s;
  FaceTracker tracker(options);
  tracker.assign({face_at(100, 100)}, kStart);
  tracker.described(0, student(7), kStart);
  // IoU 0.25 continues the track at min_iou 0.2; 2.5 s < 3 s.
  EXPECT_FALSE(tracker.assign({face_at(160, 100)}, kStart + 2500ms)[0].describe);
  EXPECT_TRUE(tracker.assign({face_at(160, 100)}, kStart + 3000ms)[0].describe);
}

}  // namespace
}  // namespace bisk
