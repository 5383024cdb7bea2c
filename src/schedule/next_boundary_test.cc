#include <gtest/gtest.h>

#include "schedule/desired_set.h"
#include "schedule/schedule_test_support.h"

namespace bisk {
namespace {

using namespace testing_support;

constexpr int kMon = 0, kSat = 5, kSun = 6;

SchedulePolicy policy_with(std::vector<ScheduleWindow> windows) {
  SchedulePolicy policy;
  policy.id = 1;
  policy.name = "Main";
  policy.windows = std::move(windows);
  return policy;
}

class NextBoundaryTest : public ::testing::Test {
 protected:
  std::optional<Instant> next(std::string_view after, int horizon_days = 8) const {
    return next_boundary(snapshot_, instant(after), zone_, horizon_days);
  }

  TimeZone zone_ = zone("Asia/Baghdad");
  ScheduleSnapshot snapshot_;
};

TEST_F(NextBoundaryTest, WindowStartAndEnd) {
  snapshot_.policies = {policy_with({window(kMon, "08:00", "12:00")})};
  EXPECT_EQ(next("2026-03-02T07:00:00+03:00"), instant("2026-03-02T08:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T10:00:00+03:00"), instant("2026-03-02T12:00:00+03:00"));
  // Strictly after: at a boundary, the next one is returned.
  EXPECT_EQ(next("2026-03-02T08:00:00+03:00"), instant("2026-03-02T12:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T07:59:59.999+03:00"), instant("2026-03-02T08:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T12:00:00+03:00"), instant("2026-03-09T08:00:00+03:00"));
}

TEST_F(NextBoundaryTest, OvernightWindowThatStartedYesterday) {
  snapshot_.policies = {policy_with({window(kSun, "22:00", "02:00")})};
  EXPECT_EQ(next("2026-03-01T23:00:00+03:00"), instant("2026-03-02T02:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T01:00:00+03:00"), instant("2026-03-02T02:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T02:00:00+03:00"), instant("2026-03-08T22:00:00+03:00"));
}

TEST_F(NextBoundaryTest, WholeDayWindowEndsAtMidnight) {
  snapshot_.policies = {policy_with({window(kMon, "10:00", "10:00")})};
  EXPECT_EQ(next("2026-03-01T12:00:00+03:00"), instant("2026-03-02T00:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T12:00:00+03:00"), instant("2026-03-03T00:00:00+03:00"));
}

TEST_F(NextBoundaryTest, DisabledPoliciesDoNotCount) {
  snapshot_.policies = {policy_with({window(kMon, "08:00", "12:00")})};
  snapshot_.policies[0].is_enabled = false;
  EXPECT_EQ(next("2026-03-02T07:00:00+03:00"), std::nullopt);
}

TEST_F(NextBoundaryTest, OccurrencesAndPauses) {
  snapshot_.occurrences = {PeriodOccurrence{.id = 1,
                                            .template_id = 5,
                                            .date = ymd(2026, 3, 2),
                                            .start_at = instant("2026-03-02T08:05:00+03:00"),
                                            .end_at = instant("2026-03-02T08:50:00+03:00"),
                                            .is_school_day = true}};
  Camera camera;
  camera.id = 1;
  camera.pause_until = instant("2026-03-02T08:20:00+03:00");
  snapshot_.cameras = {camera};
  EXPECT_EQ(next("2026-03-02T08:00:00+03:00"), instant("2026-03-02T08:05:00+03:00"));
  EXPECT_EQ(next("2026-03-02T08:05:00+03:00"), instant("2026-03-02T08:20:00+03:00"));
  EXPECT_EQ(next("2026-03-02T08:20:00+03:00"), instant("2026-03-02T08:50:00+03:00"));
  EXPECT_EQ(next("2026-03-02T08:50:00+03:00"), std::nullopt);
}

TEST_F(NextBoundaryTest, NothingWithinTheHorizon) {
  EXPECT_EQ(next("2026-03-02T08:00:00+03:00"), std::nullopt);
  Camera camera;
  camera.pause_until = instant("2026-03-20T08:00:00+03:00");
  snapshot_.cameras = {camera};
  EXPECT_EQ(next("2026-03-02T08:00:00+03:00", 8), std::nullopt);
  EXPECT_EQ(next("2026-03-02T08:00:00+03:00", 18), instant("2026-03-20T08:00:00+03:00"));
  // A weekly window is always found within 8 days.
  snapshot_.policies = {policy_with({window(kMon, "08:00", "12:00")})};
  EXPECT_EQ(next("2026-03-02T12:00:00+03:00", 8), instant("2026-03-09T08:00:00+03:00"));
  EXPECT_EQ(next("2026-03-02T12:00:00+03:00", 6), std::nullopt);
}

TEST_F(NextBoundaryTest, BerlinSpringForward) {
  zone_ = zone("Europe/Berlin");
  snapshot_.policies = {policy_with({window(kSun, "02:30", "03:30"), window(kSat, "23:00", "02:15")})};
  // Saturday's window ends at 02:15, which does not exist: the gap's end, 03:00 CEST,
  // which is also when Sunday's window starts.
  EXPECT_EQ(next("2026-03-29T00:30:00+01:00"), instant("2026-03-29T03:00:00+02:00"));
  EXPECT_EQ(next("2026-03-29T03:00:00+02:00"), instant("2026-03-29T03:30:00+02:00"));
}

TEST_F(NextBoundaryTest, BerlinFallBack) {
  zone_ = zone("Europe/Berlin");
  snapshot_.policies = {policy_with({window(kSun, "02:15", "02:45")})};
  EXPECT_EQ(next("2026-10-25T01:00:00+02:00"), instant("2026-10-25T02:15:00+02:00"));
  // The end is the second 02:45, in winter time.
  EXPECT_EQ(next("2026-10-25T02:15:00+02:00"), instant("2026-10-25T02:45:00+01:00"));
}

TEST_F(NextBoundaryTest, NewYorkWeekAcrossTheClockChange) {
  zone_ = zone("America/New_York");
  snapshot_.policies = {policy_with({window(kMon, "08:00", "09:00")})};
  // From winter time on Monday 2026-03-02 to summer time on Monday 2026-03-09.
  EXPECT_EQ(next("2026-03-02T09:00:00-05:00"), instant("2026-03-09T08:00:00-04:00"));
}

}  // namespace
}  // namespace bisk
