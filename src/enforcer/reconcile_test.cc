#include "enforcer/reconcile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bisk {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Instant kNow = from_epoch_ms(1'800'000'000'000);

class ReconcileTest : public ::testing::Test {
 protected:
  void want(Id camera, Id profile, const std::string& hash = "h") {
    desired_.desired.push_back({camera, profile, 1});
    hashes_[{camera, profile}] = hash;
  }
  void not_wanted(Id camera, NotDesiredReason reason, const std::string& detail = "") {
    desired_.not_desired.push_back({camera, reason, detail});
  }
  LiveRunner& run(Id camera, Id profile, Id row, const std::string& hash = "h") {
    runners_.push_back({{camera, profile}, row, hash, 10, kNow - seconds(60), kNow - seconds(5), false});
    return runners_.back();
  }
  ReconcilePlan plan(bool api_reachable = true) {
    probes_ = 0;
    return plan_reconcile({.now = kNow,
                           .desired = &desired_,
                           .spec_hashes = &hashes_,
                           .runners = &runners_,
                           .pairs = &pairs_,
                           .silent_after = seconds(45),
                           .heartbeat_api_reachable = [this, api_reachable] {
                             ++probes_;
                             return api_reachable;
                           }});
  }

  DesiredSet desired_;
  std::map<PairKey, std::string> hashes_;
  std::vector<LiveRunner> runners_;
  std::map<PairKey, PairRestartState> pairs_;
  int probes_ = 0;
};

TEST_F(ReconcileTest, StartsDesiredPairsWithoutRunnersInOrder) {
  want(1, 1);
  want(1, 2);
  want(3, 1);
  run(1, 2, 10);
  const ReconcilePlan result = plan();
  EXPECT_THAT(result.starts, ElementsAre(PairKey{1, 1}, PairKey{3, 1}));
  EXPECT_THAT(result.stops, IsEmpty());
  EXPECT_EQ(probes_, 0);  // nobody silent: no probe
}

TEST_F(ReconcileTest, StopsRunnersNotDesiredNamingTheReason) {
  not_wanted(2, NotDesiredReason::kPaused, "paused until 10:30");
  run(2, 1, 20);
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_EQ(result.stops[0].row_id, 20);
  EXPECT_EQ(result.stops[0].reason, "not desired: paused (paused until 10:30)");
  EXPECT_FALSE(result.stops[0].failure);
}

TEST_F(ReconcileTest, AProfileNoLongerScheduledForADesiredCameraIsStopped) {
  want(1, 1);
  run(1, 1, 10);
  run(1, 2, 11);
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_EQ(result.stops[0].row_id, 11);
  EXPECT_EQ(result.stops[0].reason, "not desired: profile not scheduled now");
}

TEST_F(ReconcileTest, ASpecChangeRestartsThatPairOnly) {
  want(1, 1, "new");
  want(2, 1, "same");
  run(1, 1, 10, "old");
  run(2, 1, 11, "same");
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_EQ(result.stops[0].row_id, 10);
  EXPECT_EQ(result.stops[0].reason, "configuration changed");
  EXPECT_FALSE(result.stops[0].failure);
  EXPECT_THAT(result.starts, IsEmpty());  // the new one waits until the old one has exited
}

TEST_F(ReconcileTest, AStoppingRunnerIsLeftAloneAndBlocksItsPair) {
  want(1, 1);
  run(1, 1, 10, "old").stopping = true;
  const ReconcilePlan result = plan();
  EXPECT_THAT(result.stops, IsEmpty());
  EXPECT_THAT(result.starts, IsEmpty());
}

TEST_F(ReconcileTest, ASilentRunnerIsStoppedAsAFailure) {
  want(1, 1);
  want(2, 1);
  run(1, 1, 10).last_heartbeat_at = kNow - seconds(46);
  run(2, 1, 11).last_heartbeat_at = kNow - seconds(45);  // exactly at the limit: not yet
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_EQ(result.stops[0].row_id, 10);
  EXPECT_TRUE(result.stops[0].failure);
  EXPECT_EQ(result.stops[0].reason, "silent: no heartbeat for 46 s");
  EXPECT_EQ(probes_, 1);
}

TEST_F(ReconcileTest, ARunnerThatNeverReportedIsSilentAfterTheLimitSinceItsStart) {
  want(1, 1);
  LiveRunner& runner = run(1, 1, 10);
  runner.last_heartbeat_at.reset();
  runner.started_at = kNow - seconds(50);
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_EQ(result.stops[0].reason, "silent: no heartbeat for 50 s since it started");
}

TEST_F(ReconcileTest, SilentRunnersAreSparedWhenTheHeartbeatApiIsUnreachable) {
  want(1, 1);
  run(1, 1, 10).last_heartbeat_at = kNow - seconds(300);
  const ReconcilePlan result = plan(/*api_reachable=*/false);
  EXPECT_THAT(result.stops, IsEmpty());
  EXPECT_TRUE(result.heartbeat_outage);
}

TEST_F(ReconcileTest, SilentRunnersAreSparedWhenMostRunnersAreSilentAtOnce) {
  for (Id camera = 1; camera <= 6; ++camera) {
    want(camera, 1);
    LiveRunner& runner = run(camera, 1, 10 + camera);
    if (camera <= 4) runner.last_heartbeat_at = kNow - seconds(300);
  }
  const ReconcilePlan result = plan();
  EXPECT_THAT(result.stops, IsEmpty());
  EXPECT_TRUE(result.heartbeat_outage);
}

TEST_F(ReconcileTest, NotDesiredWinsOverSilence) {
  not_wanted(1, NotDesiredReason::kOutsideWindows);
  run(1, 1, 10).last_heartbeat_at = kNow - seconds(300);
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.stops.size(), 1u);
  EXPECT_FALSE(result.stops[0].failure);
}

TEST_F(ReconcileTest, APairInBackoffIsHeldUntilItEnds) {
  want(1, 1);
  want(2, 1);
  pairs_[{1, 1}] = {3, kNow + seconds(8), std::nullopt, std::nullopt};
  pairs_[{2, 1}] = {3, kNow, std::nullopt, std::nullopt};  // ends now: may start
  const ReconcilePlan result = plan();
  EXPECT_THAT(result.starts, ElementsAre(PairKey{2, 1}));
  ASSERT_EQ(result.held.size(), 1u);
  EXPECT_EQ(result.held[0].pair, (PairKey{1, 1}));
  EXPECT_THAT(result.held[0].reason, ::testing::StartsWith("backoff until "));
  EXPECT_EQ(result.next_release, kNow + seconds(8));
}

TEST_F(ReconcileTest, AQuarantinedPairStaysHeldUntilItsSpecChanges) {
  want(1, 1, "bad");
  want(2, 1, "fixed");
  pairs_[{1, 1}] = {1, std::nullopt, "exit code 2", "bad"};
  pairs_[{2, 1}] = {1, std::nullopt, "exit code 2", "bad"};
  const ReconcilePlan result = plan();
  ASSERT_EQ(result.held.size(), 1u);
  EXPECT_EQ(result.held[0].reason, "quarantined: exit code 2");
  EXPECT_THAT(result.unquarantined, ElementsAre(PairKey{2, 1}));
  EXPECT_THAT(result.starts, ElementsAre(PairKey{2, 1}));
  EXPECT_FALSE(result.next_release.has_value());
}

TEST_F(ReconcileTest, NothingToDoWhenEverythingRunsAsDesired) {
  for (Id camera = 1; camera <= 50; ++camera) {
    want(camera, 1);
    run(camera, 1, camera);
  }
  const ReconcilePlan result = plan();
  EXPECT_THAT(result.stops, IsEmpty());
  EXPECT_THAT(result.starts, IsEmpty());
  EXPECT_THAT(result.held, IsEmpty());
}

}  // namespace
}  // namespace bisk
