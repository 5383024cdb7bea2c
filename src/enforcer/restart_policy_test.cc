#include "enforcer/restart_policy.h"

#include <gtest/gtest.h>

#include <climits>
#include <vector>

namespace bisk {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kJustBelowOne = 0.9999999;
constexpr double kMiddle = 0.5;  // factor exactly 1

const Instant kT0 = from_epoch_ms(1'795'000'000'000);

RestartPolicy without_jitter() {
  RestartPolicy policy;
  policy.jitter = 0;
  return policy;
}

// ---- Backoff -------------------------------------------------------------------

TEST(BackoffDelayTest, DoublesFromTwoSecondsUpToFiveMinutes) {
  const std::vector<milliseconds> expected = {seconds(2),   seconds(4),   seconds(8),   seconds(16),
                                              seconds(32),  seconds(64),  seconds(128), seconds(256),
                                              seconds(300), seconds(300), seconds(300)};
  for (size_t i = 0; i < expected.size(); ++i) {
    const int failures = static_cast<int>(i) + 1;
    EXPECT_EQ(backoff_delay(failures, kMiddle), expected[i]) << failures;
    EXPECT_EQ(backoff_delay(failures, 0.3, without_jitter()), expected[i]) << failures;
  }
}

TEST(BackoffDelayTest, FollowsACustomPolicy) {
  RestartPolicy policy = without_jitter();
  policy.backoff_base = milliseconds(100);
  policy.backoff_cap = milliseconds(1000);
  EXPECT_EQ(backoff_delay(1, 0, policy), milliseconds(100));
  EXPECT_EQ(backoff_delay(4, 0, policy), milliseconds(800));
  EXPECT_EQ(backoff_delay(5, 0, policy), milliseconds(1000));
  policy.backoff_base = milliseconds(5000);  // a base above the cap is capped at once
  EXPECT_EQ(backoff_delay(1, 0, policy), milliseconds(1000));
}

TEST(BackoffDelayTest, JitterStaysWithinTwentyPercent) {
  for (int failures = 1; failures <= 12; ++failures) {
    const double nominal = static_cast<double>(backoff_delay(failures, kMiddle).count());
    const auto lowest = backoff_delay(failures, 0.0);
    const auto highest = backoff_delay(failures, kJustBelowOne);
    EXPECT_EQ(static_cast<double>(lowest.count()), nominal * 0.8) << failures;
    EXPECT_LE(static_cast<double>(highest.count()), nominal * 1.2) << failures;
    EXPECT_GT(static_cast<double>(highest.count()), nominal * 1.2 - 1) << failures;
    for (double unit = 0; unit < 1; unit += 0.01) {
      const auto delay = static_cast<double>(backoff_delay(failures, unit).count());
      EXPECT_GE(delay, nominal * 0.8) << failures << " " << unit;
      EXPECT_LE(delay, nominal * 1.2) << failures << " " << unit;
    }
  }
}

TEST(BackoffDelayTest, CappedDelaysStillSpreadOut) {
  EXPECT_EQ(backoff_delay(20, 0.0), seconds(240));
  EXPECT_EQ(backoff_delay(20, kMiddle), seconds(300));
  EXPECT_GT(backoff_delay(20, kJustBelowOne), seconds(359));
}

TEST(BackoffDelayTest, GrowsStrictlyWhateverTheJitterUpToTheSeventhFailure) {
  for (int failures = 1; failures < 7; ++failures) {
    EXPECT_LT(backoff_delay(failures, kJustBelowOne), backoff_delay(failures + 1, 0.0)) << failures;
  }
}

TEST(BackoffDelayTest, HugeFailureCountsNeitherOverflowNorLoop) {
  for (const int failures : {62, 63, 64, 65, 100, 1000, INT_MAX}) {
    EXPECT_EQ(backoff_delay(failures, kMiddle), seconds(300)) << failures;
    EXPECT_EQ(backoff_delay(failures, 0.0), seconds(240)) << failures;
  }
}

TEST(BackoffDelayTest, FewerThanOneFailureCountsAsOne) {
  for (const int failures : {0, -1, INT_MIN}) EXPECT_EQ(backoff_delay(failures, kMiddle), seconds(2)) << failures;
}

TEST(BackoffDelayTest, OutOfRangeRandomnessIsClamped) {
  EXPECT_EQ(backoff_delay(1, -5.0), milliseconds(1600));
  EXPECT_EQ(backoff_delay(1, 7.0), milliseconds(2400));
}

// ---- Failure counting ----------------------------------------------------------

TEST(FailuresAfterTest, CountsUpUntilARunLastsTenMinutes) {
  EXPECT_EQ(failures_after(0, kT0, kT0), 1);
  EXPECT_EQ(failures_after(3, kT0, kT0 + seconds(5)), 4);
  EXPECT_EQ(failures_after(3, kT0, kT0 + minutes(10) - milliseconds(1)), 4);
  EXPECT_EQ(failures_after(3, kT0, kT0 + minutes(10)), 1);
  EXPECT_EQ(failures_after(3, kT0, kT0 + minutes(11)), 1);
  EXPECT_EQ(failures_after(0, kT0, kT0 + minutes(10)), 1);
}

TEST(FailuresAfterTest, FollowsACustomHealthyReset) {
  RestartPolicy policy;
  policy.healthy_reset = seconds(30);
  EXPECT_EQ(failures_after(5, kT0, kT0 + seconds(29), policy), 6);
  EXPECT_EQ(failures_after(5, kT0, kT0 + seconds(30), policy), 1);
}

// ---- Silence -------------------------------------------------------------------

TEST(SilenceTest, LimitIsThreeIntervalsOrTheFloor) {
  EXPECT_EQ(silence_limit(10, seconds(45)), seconds(45));
  EXPECT_EQ(silence_limit(15, seconds(45)), seconds(45));
  EXPECT_EQ(silence_limit(16, seconds(45)), seconds(48));
  EXPECT_EQ(silence_limit(20, seconds(45)), seconds(60));
  EXPECT_EQ(silence_limit(10, seconds(5)), seconds(30));
}

TEST(SilenceTest, BeforeTheFirstHeartbeatTheStartCounts) {
  EXPECT_FALSE(is_silent(kT0, std::nullopt, 10, seconds(45), kT0));
  EXPECT_FALSE(is_silent(kT0, std::nullopt, 10, seconds(45), kT0 + seconds(45)));
  EXPECT_TRUE(is_silent(kT0, std::nullopt, 10, seconds(45), kT0 + seconds(45) + milliseconds(1)));
}

TEST(SilenceTest, TheLastHeartbeatCountsExclusiveOfTheLimit) {
  const Instant heartbeat = kT0 + seconds(30);
  EXPECT_FALSE(is_silent(kT0, heartbeat, 10, seconds(45), heartbeat + seconds(45)));
  EXPECT_TRUE(is_silent(kT0, heartbeat, 10, seconds(45), heartbeat + seconds(45) + milliseconds(1)));
  EXPECT_FALSE(is_silent(kT0, heartbeat, 30, seconds(45), heartbeat + seconds(90)));
  EXPECT_TRUE(is_silent(kT0, heartbeat, 30, seconds(45), heartbeat + seconds(90) + milliseconds(1)));
}

TEST(SilenceTest, AHeartbeatFromBeforeTheStartIsAPreviousRunners) {
  const Instant started = kT0 + minutes(5);
  EXPECT_FALSE(is_silent(started, kT0, 10, seconds(45), started + seconds(45)));
  EXPECT_TRUE(is_silent(started, kT0, 10, seconds(45), started + seconds(46)));
}

// ---- Storm guard ---------------------------------------------------------------

struct OutageCase {
  bool api_reachable;
  int live;
  int silent;
  bool outage;
};

TEST(HeartbeatOutageTest, Table) {
  const OutageCase cases[] = {
      {false, 0, 0, true},   {false, 10, 0, true},   {true, 0, 0, false},    {true, 10, 0, false}, {true, 3, 3, false},
      {true, 4, 4, true},    {true, 8, 4, true},     {true, 9, 4, false},    {true, 10, 5, true},  {true, 11, 5, false},
      {true, 100, 50, true}, {true, 100, 49, false}, {true, 100, 100, true}, {true, 2, 1, false},  {true, 1, 1, false},
  };
  for (const OutageCase& c : cases) {
    EXPECT_EQ(heartbeat_outage(c.api_reachable, c.live, c.silent), c.outage)
        << c.api_reachable << " " << c.live << " " << c.silent;
  }
}

// ---- Spawn pacing --------------------------------------------------------------

TEST(SpawnPacerTest, FirstSlotIsFreeAndTheNextOneComesAfterTheSpacing) {
  SpawnPacer pacer(5);
  EXPECT_EQ(pacer.next_slot(kT0), kT0);
  EXPECT_TRUE(pacer.try_take(kT0));
  EXPECT_EQ(pacer.next_slot(kT0), kT0 + milliseconds(200));
  EXPECT_FALSE(pacer.try_take(kT0));
  EXPECT_FALSE(pacer.try_take(kT0 + milliseconds(199)));
  EXPECT_EQ(pacer.next_slot(kT0 + milliseconds(199)), kT0 + milliseconds(200));
  EXPECT_TRUE(pacer.try_take(kT0 + milliseconds(200)));
}

TEST(SpawnPacerTest, HundredStartsAtFivePerSecondAreEvenlySpaced) {
  SpawnPacer pacer(5);
  std::vector<Instant> starts;
  Instant now = kT0;
  while (starts.size() < 100) {
    // A polling caller: tries every 7 ms, as if woken for other reasons too.
    if (pacer.try_take(now)) starts.push_back(now);
    now += milliseconds(7);
  }
  for (size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], milliseconds(200)) << i;
    EXPECT_LT(starts[i] - starts[i - 1], milliseconds(207)) << i;
  }
  for (size_t i = 5; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 5], seconds(1)) << "six starts within one second ending at " << i;
  }
}

TEST(SpawnPacerTest, WaitingForNextSlotGivesExactSpacing) {
  SpawnPacer pacer(5);
  Instant now = kT0;
  for (int i = 0; i < 100; ++i) {
    now = pacer.next_slot(now);
    ASSERT_TRUE(pacer.try_take(now)) << i;
  }
  EXPECT_EQ(now, kT0 + milliseconds(99 * 200));
}

TEST(SpawnPacerTest, IdleTimeIsNotSavedUpForABurst) {
  SpawnPacer pacer(5);
  EXPECT_TRUE(pacer.try_take(kT0));
  const Instant later = kT0 + minutes(10);
  EXPECT_TRUE(pacer.try_take(later));
  EXPECT_FALSE(pacer.try_take(later));
  EXPECT_FALSE(pacer.try_take(later + milliseconds(199)));
  EXPECT_TRUE(pacer.try_take(later + milliseconds(200)));
}

TEST(SpawnPacerTest, SpacingIsRoundedUpSoTheRateIsNeverExceeded) {
  const std::pair<int, milliseconds> cases[] = {{1, milliseconds(1000)}, {3, milliseconds(334)},
                                                {7, milliseconds(143)},  {100, milliseconds(10)},
                                                {0, milliseconds(1000)}, {-4, milliseconds(1000)}};
  for (const auto& [rate, spacing] : cases) {
    SpawnPacer pacer(rate);
    ASSERT_TRUE(pacer.try_take(kT0));
    EXPECT_EQ(pacer.next_slot(kT0), kT0 + spacing) << rate;
  }
}

TEST(SpawnPacerTest, AClockSteppedBackwardsDoesNotStallStarts) {
  SpawnPacer pacer(5);
  EXPECT_TRUE(pacer.try_take(kT0 + minutes(60)));
  EXPECT_EQ(pacer.next_slot(kT0), kT0);
  EXPECT_TRUE(pacer.try_take(kT0));
  EXPECT_FALSE(pacer.try_take(kT0 + milliseconds(100)));
}

}  // namespace
}  // namespace bisk
