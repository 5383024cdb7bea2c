#include "domain/runner_status.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kNow = from_epoch_ms(1'767'000'000'000);

// A live row started `started_ago` before kNow whose last heartbeat, if any,
// is `heard_ago` old.
RunnerStatusInput live(std::string_view lifecycle, milliseconds started_ago,
                       std::optional<milliseconds> heard_ago = std::nullopt, int hb_interval_s = 10) {
  RunnerStatusInput input;
  input.lifecycle = lifecycle;
  input.started_at = kNow - started_ago;
  if (heard_ago) input.last_heartbeat_at = kNow - *heard_ago;
  input.hb_interval_s = hb_interval_s;
  return input;
}

RunnerStatus heard(milliseconds ago, int hb_interval_s) {
  return runner_status(live("running", std::chrono::hours(1), ago, hb_interval_s), kNow);
}

TEST(RunnerStatusNames, EveryStatusRoundTripsThroughItsName) {
  for (RunnerStatus status :
       {RunnerStatus::kStarting, RunnerStatus::kOnline, RunnerStatus::kStale, RunnerStatus::kOffline,
        RunnerStatus::kBackoff, RunnerStatus::kQuarantined, RunnerStatus::kStopped}) {
    EXPECT_EQ(parse_status(status_name(status)), status) << status_name(status);
  }
  EXPECT_EQ(status_name(RunnerStatus::kQuarantined), "quarantined");
  EXPECT_EQ(status_name(RunnerStatus::kOnline), "online");
}

TEST(RunnerStatusNames, UnknownNamesAreRejected) {
  EXPECT_FALSE(parse_status(""));
  EXPECT_FALSE(parse_status("Online"));
  EXPECT_FALSE(parse_status("running"));  // a lifecycle, not a status
}

TEST(RunnerStatusLifecycles, OnlyStartingRunningAndStoppingAreLive) {
  for (std::string_view lifecycle : kLifecycles) {
    const bool expected = lifecycle == "starting" || lifecycle == "running" || lifecycle == "stopping";
    EXPECT_EQ(lifecycle_is_live(lifecycle), expected) << lifecycle;
  }
  EXPECT_FALSE(lifecycle_is_live("unknown"));
  EXPECT_FALSE(lifecycle_is_live(""));
}

TEST(RunnerStatus, StartingUntil30SecondsWithoutAHeartbeat) {
  EXPECT_EQ(runner_status(live("starting", seconds(0)), kNow), RunnerStatus::kStarting);
  EXPECT_EQ(runner_status(live("starting", milliseconds(29'999)), kNow), RunnerStatus::kStarting);
  EXPECT_EQ(runner_status(live("starting", seconds(30)), kNow), RunnerStatus::kOffline);
  EXPECT_EQ(runner_status(live("starting", seconds(600)), kNow), RunnerStatus::kOffline);
}

TEST(RunnerStatus, SilentSinceSpawnIsJudgedByItsStartWhateverTheLifecycle) {
  EXPECT_EQ(runner_status(live("running", seconds(5)), kNow), RunnerStatus::kStarting);
  EXPECT_EQ(runner_status(live("stopping", seconds(31)), kNow), RunnerStatus::kOffline);
}

TEST(RunnerStatus, AHeartbeatEndsStartingAtOnce) {
  EXPECT_EQ(runner_status(live("starting", seconds(1), seconds(0)), kNow), RunnerStatus::kOnline);
}

TEST(RunnerStatus, OnlineUpToTwiceTheIntervalInclusive) {
  EXPECT_EQ(heard(seconds(0), 10), RunnerStatus::kOnline);
  EXPECT_EQ(heard(seconds(20), 10), RunnerStatus::kOnline);
  EXPECT_EQ(heard(milliseconds(20'001), 10), RunnerStatus::kStale);
}

TEST(RunnerStatus, StaleUpTo45SecondsInclusiveThenOffline) {
  EXPECT_EQ(heard(seconds(45), 10), RunnerStatus::kStale);
  EXPECT_EQ(heard(milliseconds(45'001), 10), RunnerStatus::kOffline);
  EXPECT_EQ(heard(std::chrono::hours(5), 10), RunnerStatus::kOffline);
}

TEST(RunnerStatus, ShortIntervalLeavesALongerStalePeriod) {
  EXPECT_EQ(heard(seconds(2), 1), RunnerStatus::kOnline);
  EXPECT_EQ(heard(milliseconds(2'001), 1), RunnerStatus::kStale);
  EXPECT_EQ(heard(seconds(45), 1), RunnerStatus::kStale);
  EXPECT_EQ(heard(milliseconds(45'001), 1), RunnerStatus::kOffline);
}

TEST(RunnerStatus, LongIntervalIsOnlineFor60SecondsAndNeverStale) {
  EXPECT_EQ(heard(seconds(45), 30), RunnerStatus::kOnline);
  EXPECT_EQ(heard(milliseconds(45'001), 30), RunnerStatus::kOnline);
  EXPECT_EQ(heard(seconds(60), 30), RunnerStatus::kOnline);
  EXPECT_EQ(heard(milliseconds(60'001), 30), RunnerStatus::kOffline);
}

TEST(RunnerStatus, StaleShrinksToNothingAsTwiceTheIntervalPasses45Seconds) {
  // 2×22.5 s cannot be expressed; 2×23 s = 46 s > 45 s: online to 46 s, then offline.
  EXPECT_EQ(heard(seconds(46), 23), RunnerStatus::kOnline);
  EXPECT_EQ(heard(milliseconds(46'001), 23), RunnerStatus::kOffline);
  // 2×22 s = 44 s: one second of stale.
  EXPECT_EQ(heard(milliseconds(44'001), 22), RunnerStatus::kStale);
  EXPECT_EQ(heard(seconds(45), 22), RunnerStatus::kStale);
  EXPECT_EQ(heard(milliseconds(45'001), 22), RunnerStatus::kOffline);
}

TEST(RunnerStatus, HeartbeatFromTheFutureCountsAsFresh) { EXPECT_EQ(heard(seconds(-5), 10), RunnerStatus::kOnline); }

TEST(RunnerStatus, StoppingRunnerIsJudgedByItsHeartbeats) {
  EXPECT_EQ(runner_status(live("stopping", std::chrono::hours(1), seconds(3)), kNow), RunnerStatus::kOnline);
  EXPECT_EQ(runner_status(live("stopping", std::chrono::hours(1), seconds(30)), kNow), RunnerStatus::kStale);
}

TEST(RunnerStatus, LiveRowIgnoresThePairsBackoffAndQuarantine) {
  RunnerStatusInput input = live("running", std::chrono::hours(1), seconds(1));
  input.quarantined = true;
  input.backoff_until = kNow + seconds(60);
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kOnline);
}

TEST(RunnerStatus, EndedRowIsStoppedByDefault) {
  for (std::string_view lifecycle : {"stopped", "exited", "failed", "lost"}) {
    EXPECT_EQ(runner_status(live(lifecycle, std::chrono::hours(1), seconds(1)), kNow), RunnerStatus::kStopped)
        << lifecycle;
  }
}

TEST(RunnerStatus, EndedRowShowsBackoffUntilItExpires) {
  RunnerStatusInput input = live("failed", seconds(10));
  input.backoff_until = kNow + milliseconds(1);
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kBackoff);
  input.backoff_until = kNow;  // expiry is exclusive: at that instant it may start again
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kStopped);
  input.backoff_until = kNow - seconds(1);
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kStopped);
}

TEST(RunnerStatus, QuarantineOutranksBackoff) {
  RunnerStatusInput input = live("exited", seconds(10));
  input.quarantined = true;
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kQuarantined);
  input.backoff_until = kNow + seconds(30);
  EXPECT_EQ(runner_status(input, kNow), RunnerStatus::kQuarantined);
}

}  // namespace
}  // namespace bisk
