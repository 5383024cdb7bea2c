#include "schedule/desired_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedule/schedule_test_support.h"

namespace bisk {
namespace {

using namespace testing_support;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kMon = 0, kTue = 1, kWed = 2, kSat = 5, kSun = 6;

Camera camera(Id id, std::string name = "") {
  Camera result;
  result.id = id;
  result.name = name.empty() ? "Camera " + std::to_string(id) : name;
  result.url = "rtsp://cam" + std::to_string(id) + "/stream";
  return result;
}

StreamProfile profile(Id id, std::string name) {
  StreamProfile result;
  result.id = id;
  result.name = std::move(name);
  return result;
}

SchedulePolicy policy(Id id, std::string name, std::vector<Id> camera_ids, std::vector<ScheduleWindow> windows) {
  SchedulePolicy result;
  result.id = id;
  result.name = std::move(name);
  result.camera_ids = std::move(camera_ids);
  result.windows = std::move(windows);
  return result;
}

ScheduleException off_on(LocalDate date) { return ScheduleException{.id = 0, .date = date, .mode = "off"}; }

PeriodTemplate period(Id id, std::string name) {
  PeriodTemplate result;
  result.id = id;
  result.name = std::move(name);
  return result;
}

PeriodOccurrence occurrence(Id template_id, LocalDate date, std::string_view start, std::string_view end,
                            bool is_school_day = true) {
  return PeriodOccurrence{.id = 0,
                          .template_id = template_id,
                          .date = date,
                          .start_at = instant(start),
                          .end_at = instant(end),
                          .is_school_day = is_school_day};
}

// "desired 1 via 10" (profile via policy, one per pair) or the reason code.
std::string state_of(const DesiredSet& set, Id camera_id) {
  std::string state;
  for (const DesiredPair& pair : set.desired) {
    if (pair.camera_id != camera_id) continue;
    state += (state.empty() ? "desired " : ", ") + std::to_string(pair.profile_id) + " via " +
             std::to_string(pair.policy_id);
  }
  for (const NotDesired& absent : set.not_desired) {
    if (absent.camera_id == camera_id) state += std::string(reason_code(absent.reason));
  }
  return state;
}

std::string detail_of(const DesiredSet& set, Id camera_id) {
  for (const NotDesired& absent : set.not_desired) {
    if (absent.camera_id == camera_id) return absent.detail;
  }
  return "";
}

// Asia/Baghdad has no DST (UTC+3): the plain rules, without clock changes.
// 2026-03-02 is a Monday.
class DesiredSetTest : public ::testing::Test {
 protected:
  DesiredSetTest() {
    snapshot_.cameras = {camera(1, "Gate A")};
    snapshot_.profiles = {profile(1, "HD"), profile(2, "SD")};
    snapshot_.policies = {policy(10, "Main", {1}, {})};
  }

  SchedulePolicy& main_policy() { return snapshot_.policies[0]; }
  Camera& gate() { return snapshot_.cameras[0]; }

  DesiredSet compute(std::string_view iso, const std::optional<NodeScope>& scope = std::nullopt) const {
    return compute_desired_set(snapshot_, instant(iso), zone_, scope);
  }
  std::string state(std::string_view iso, Id camera_id = 1) const { return state_of(compute(iso), camera_id); }
  std::string detail(std::string_view iso, Id camera_id = 1) const { return detail_of(compute(iso), camera_id); }

  TimeZone zone_ = zone("Asia/Baghdad");
  ScheduleSnapshot snapshot_;
};

TEST_F(DesiredSetTest, SameDayWindowIncludesStartExcludesEnd) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  EXPECT_EQ(state("2026-03-02T07:59:59.999+03:00"), "outside_windows");
  EXPECT_EQ(state("2026-03-02T08:00:00.000+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T11:59:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T12:00:00.000+03:00"), "outside_windows");
  EXPECT_EQ(state("2026-03-03T09:00:00+03:00"), "outside_windows");   // Tuesday
  EXPECT_EQ(state("2026-03-09T09:00:00+03:00"), "desired 1 via 10");  // next Monday
}

TEST_F(DesiredSetTest, OvernightWindowCoversTheNextDaysEarlyHours) {
  main_policy().windows = {window(kMon, "22:00", "02:00")};
  EXPECT_EQ(state("2026-03-02T21:59:59.999+03:00"), "outside_windows");
  EXPECT_EQ(state("2026-03-02T22:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T23:59:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-03T00:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-03T01:59:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-03T02:00:00+03:00"), "outside_windows");
  // The original's defect: Monday's own early hours are not part of Monday's window.
  EXPECT_EQ(state("2026-03-02T01:00:00+03:00"), "outside_windows");
}

TEST_F(DesiredSetTest, SundayOvernightWindowRunsIntoMonday) {
  main_policy().windows = {window(kSun, "22:00", "02:00")};
  EXPECT_EQ(state("2026-03-01T22:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T01:59:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T01:59:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T02:00:00+03:00"), "outside_windows");
  EXPECT_EQ(state("2026-03-01T01:00:00+03:00"), "outside_windows");  // Sunday's own early hours
}

TEST_F(DesiredSetTest, StartEqualToEndIsTheWholeCalendarDay) {
  main_policy().windows = {window(kWed, "08:00", "08:00")};
  EXPECT_EQ(state("2026-03-03T23:59:59.999+03:00"), "outside_windows");
  EXPECT_EQ(state("2026-03-04T00:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-04T07:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-04T23:59:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-05T00:00:00+03:00"), "outside_windows");
}

TEST_F(DesiredSetTest, InstantsInOtherOffsetsAreTheSameInstant) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  EXPECT_EQ(state("2026-03-02T05:00:00Z"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T04:59:59.999Z"), "outside_windows");
  EXPECT_EQ(state("2026-03-01T23:30:00-06:00"), "desired 1 via 10");  // Monday 08:30 in Baghdad
}

TEST_F(DesiredSetTest, ExceptionDisablesOnlyItsOwnPolicy) {
  main_policy().windows = {window(kMon, "08:00", "12:00", 1)};
  main_policy().exceptions = {off_on(ymd(2026, 3, 2))};
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "policy_exception");
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "policy 'Main' is off on 2026-03-02 (exception)");
  EXPECT_EQ(state("2026-03-09T09:00:00+03:00"), "desired 1 via 10");  // the week after
  snapshot_.policies.push_back(policy(20, "Backup", {1}, {window(kMon, "07:00", "13:00", 1)}));
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "desired 1 via 20");
  EXPECT_EQ(state("2026-03-09T09:00:00+03:00"), "desired 1 via 10");
}

TEST_F(DesiredSetTest, ExceptionOnTheStartDateDisablesTheAfterMidnightPart) {
  main_policy().windows = {window(kMon, "22:00", "02:00")};
  main_policy().exceptions = {off_on(ymd(2026, 3, 2))};
  EXPECT_EQ(state("2026-03-02T23:00:00+03:00"), "policy_exception");
  EXPECT_EQ(state("2026-03-03T01:00:00+03:00"), "policy_exception");
  EXPECT_EQ(detail("2026-03-03T01:00:00+03:00"), "policy 'Main' is off on 2026-03-02 (exception)");
}

TEST_F(DesiredSetTest, ExceptionOnTheNextDateLeavesTheOvernightWindowRunning) {
  main_policy().windows = {window(kMon, "22:00", "02:00"), window(kTue, "08:00", "12:00")};
  main_policy().exceptions = {off_on(ymd(2026, 3, 3))};
  EXPECT_EQ(state("2026-03-03T01:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-03T09:00:00+03:00"), "policy_exception");
}

TEST_F(DesiredSetTest, ExceptionWithAnotherModeIsIgnored) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  main_policy().exceptions = {ScheduleException{.id = 0, .date = ymd(2026, 3, 2), .mode = "on"}};
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "desired 1 via 10");
}

TEST_F(DesiredSetTest, PauseExpiresWithoutAWrite) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  gate().pause_until = instant("2026-03-02T09:30:00+03:00");
  EXPECT_EQ(state("2026-03-02T09:29:59.999+03:00"), "paused");
  EXPECT_EQ(detail("2026-03-02T09:29:59.999+03:00"), "paused until 2026-03-02T09:30:00+03:00");
  EXPECT_EQ(state("2026-03-02T09:30:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T10:00:00+03:00"), "desired 1 via 10");
}

TEST_F(DesiredSetTest, InactiveCamera) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  gate().is_active = false;
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "camera_inactive");
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "camera is inactive");
}

TEST_F(DesiredSetTest, InactiveOrMissingProfile) {
  main_policy().windows = {window(kMon, "08:00", "12:00", 1)};
  snapshot_.profiles[0].is_active = false;
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "profile_inactive");
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "profile 'HD' is inactive");
  main_policy().windows = {window(kMon, "08:00", "12:00", 99)};
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "profile_inactive");
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "profile 99 does not exist");
}

TEST_F(DesiredSetTest, InactiveProfileDoesNotHideAnotherCoveringWindow) {
  main_policy().windows = {window(kMon, "08:00", "12:00", 1)};
  snapshot_.policies.push_back(policy(20, "Extra", {1}, {window(kMon, "09:00", "10:00", 2)}));
  snapshot_.profiles[0].is_active = false;
  EXPECT_EQ(state("2026-03-02T09:30:00+03:00"), "desired 2 via 20");
}

TEST_F(DesiredSetTest, DisabledPolicyIsIgnored) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  main_policy().is_enabled = false;
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "no_enabled_policy");
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "no enabled policy contains this camera");
  snapshot_.policies.push_back(policy(20, "Other", {1}, {window(kTue, "08:00", "12:00")}));
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "outside_windows");
  EXPECT_THAT(detail("2026-03-02T09:00:00+03:00"), HasSubstr("2026-03-02T09:00:00+03:00"));
}

TEST_F(DesiredSetTest, CameraInNoPolicy) {
  snapshot_.cameras.push_back(camera(2));
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00", 2), "no_enabled_policy");
}

class PeriodGatingTest : public DesiredSetTest {
 protected:
  PeriodGatingTest() {
    main_policy().windows = {window(kMon, "07:00", "15:00")};
    snapshot_.templates = {period(5, "Period 1"), period(6, "Period 2")};
    gate().period_template_ids = {5};
  }
};

TEST_F(PeriodGatingTest, SchoolDayOccurrenceCoversStartInclusiveEndExclusive) {
  snapshot_.occurrences = {occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00")};
  EXPECT_EQ(state("2026-03-02T07:59:59.999+03:00"), "no_active_period");
  EXPECT_EQ(state("2026-03-02T08:00:00+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T08:44:59.999+03:00"), "desired 1 via 10");
  EXPECT_EQ(state("2026-03-02T08:45:00+03:00"), "no_active_period");
  EXPECT_THAT(detail("2026-03-02T08:45:00+03:00"), HasSubstr("no school-day occurrence"));
}

TEST_F(PeriodGatingTest, PeriodsAloneNeverStartACamera) {
  snapshot_.occurrences = {occurrence(5, ymd(2026, 3, 2), "2026-03-02T16:00:00+03:00", "2026-03-02T17:00:00+03:00")};
  EXPECT_EQ(state("2026-03-02T16:30:00+03:00"), "outside_windows");
}

TEST_F(PeriodGatingTest, HolidayOccurrence) {
  snapshot_.occurrences = {
      occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00", false)};
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "holiday");
  EXPECT_EQ(detail("2026-03-02T08:10:00+03:00"), "period 'Period 1' on 2026-03-02 is a holiday");
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "no_active_period");
}

TEST_F(PeriodGatingTest, SchoolDayOfAnotherLinkedPeriodBeatsAHoliday) {
  gate().period_template_ids = {5, 6};
  snapshot_.occurrences = {
      occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00", false),
      occurrence(6, ymd(2026, 3, 2), "2026-03-02T08:30:00+03:00", "2026-03-02T09:15:00+03:00")};
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "holiday");
  EXPECT_EQ(state("2026-03-02T08:35:00+03:00"), "desired 1 via 10");
}

TEST_F(PeriodGatingTest, AnOpenPolicyLeavesOnlyThePeriodsToBlame) {
  main_policy().exceptions = {off_on(ymd(2026, 3, 2))};
  snapshot_.policies.push_back(policy(20, "Open", {1}, {window(kMon, "07:00", "15:00")}));
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "no_active_period");
  snapshot_.policies.pop_back();
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "policy_exception");
}

TEST_F(PeriodGatingTest, OnlyLinkedPeriodsCount) {
  snapshot_.occurrences = {occurrence(6, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00")};
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "no_active_period");
  snapshot_.cameras.push_back(camera(2));  // not linked: windows alone decide
  main_policy().camera_ids.push_back(2);
  EXPECT_EQ(state("2026-03-02T10:00:00+03:00", 2), "desired 1 via 10");
}

TEST_F(PeriodGatingTest, DisabledOrMissingTemplateNeverAllows) {
  snapshot_.occurrences = {occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00")};
  snapshot_.templates[0].is_enabled = false;
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "no_active_period");
  snapshot_.templates.erase(snapshot_.templates.begin());
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "no_active_period");
}

TEST_F(PeriodGatingTest, HolidayOfADisabledTemplateIsNoHoliday) {
  snapshot_.occurrences = {
      occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T08:45:00+03:00", false)};
  snapshot_.templates[0].is_enabled = false;
  EXPECT_EQ(state("2026-03-02T08:10:00+03:00"), "no_active_period");
}

TEST_F(DesiredSetTest, NodeScope) {
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  snapshot_.cameras = {camera(1), camera(2), camera(3), camera(4)};
  snapshot_.cameras[0].node = "host-a";
  snapshot_.cameras[1].node = "host-b";
  snapshot_.cameras[3].node = "";  // empty counts as unassigned
  main_policy().camera_ids = {1, 2, 3, 4};
  const auto at = "2026-03-02T09:00:00+03:00";

  const DesiredSet everything = compute(at, std::nullopt);
  EXPECT_EQ(everything.desired.size(), 4u);

  const DesiredSet primary_a = compute(at, NodeScope{.node = "host-a", .primary = true});
  EXPECT_EQ(state_of(primary_a, 1), "desired 1 via 10");
  EXPECT_EQ(state_of(primary_a, 2), "other_node");
  EXPECT_EQ(detail_of(primary_a, 2), "assigned to node 'host-b'");
  EXPECT_EQ(state_of(primary_a, 3), "desired 1 via 10");
  EXPECT_EQ(state_of(primary_a, 4), "desired 1 via 10");

  const DesiredSet secondary_b = compute(at, NodeScope{.node = "host-b", .primary = false});
  EXPECT_EQ(state_of(secondary_b, 1), "other_node");
  EXPECT_EQ(state_of(secondary_b, 2), "desired 1 via 10");
  EXPECT_EQ(state_of(secondary_b, 3), "other_node");
  EXPECT_THAT(detail_of(secondary_b, 3), HasSubstr("unassigned"));
  EXPECT_EQ(state_of(secondary_b, 4), "other_node");
}

TEST_F(DesiredSetTest, ReasonPrecedence) {
  const auto at = "2026-03-02T09:00:00+03:00";
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  main_policy().exceptions = {off_on(ymd(2026, 3, 2))};
  snapshot_.profiles[0].is_active = false;
  snapshot_.templates = {period(5, "P")};
  gate().period_template_ids = {5};
  snapshot_.occurrences = {
      occurrence(5, ymd(2026, 3, 2), "2026-03-02T08:00:00+03:00", "2026-03-02T12:00:00+03:00", false)};
  gate().is_active = false;
  gate().node = "elsewhere";
  gate().pause_until = instant("2026-03-03T00:00:00+03:00");
  const NodeScope here{.node = "here", .primary = true};
  auto state_here = [&] { return state_of(compute(at, here), 1); };

  EXPECT_EQ(state_here(), "camera_inactive");
  gate().is_active = true;
  EXPECT_EQ(state_here(), "other_node");
  gate().node.reset();
  EXPECT_EQ(state_here(), "paused");
  gate().pause_until.reset();
  EXPECT_EQ(state_here(), "policy_exception");  // before profile_inactive and holiday
  main_policy().exceptions.clear();
  EXPECT_EQ(state_here(), "profile_inactive");  // before holiday
  snapshot_.profiles[0].is_active = true;
  EXPECT_EQ(state_here(), "holiday");
  snapshot_.occurrences[0].is_school_day = true;
  EXPECT_EQ(state_here(), "desired 1 via 10");
  main_policy().windows = {window(kTue, "08:00", "12:00")};
  EXPECT_EQ(state_here(), "outside_windows");  // before holiday
  main_policy().is_enabled = false;
  EXPECT_EQ(state_here(), "no_enabled_policy");
}

TEST_F(DesiredSetTest, ExceptionReasonBeatsInactiveProfileAcrossPolicies) {
  main_policy().windows = {window(kMon, "08:00", "12:00", 1)};
  main_policy().exceptions = {off_on(ymd(2026, 3, 2))};
  snapshot_.policies.push_back(policy(20, "Other", {1}, {window(kMon, "08:00", "12:00", 2)}));
  snapshot_.profiles[1].is_active = false;
  EXPECT_EQ(state("2026-03-02T09:00:00+03:00"), "policy_exception");
}

TEST_F(DesiredSetTest, ReasonNamesTheLowestIdPolicy) {
  snapshot_.policies = {policy(30, "Late", {1}, {window(kMon, "08:00", "12:00")}),
                        policy(20, "Early", {1}, {window(kMon, "08:00", "12:00")})};
  snapshot_.policies[0].exceptions = {off_on(ymd(2026, 3, 2))};
  snapshot_.policies[1].exceptions = {off_on(ymd(2026, 3, 2))};
  EXPECT_EQ(detail("2026-03-02T09:00:00+03:00"), "policy 'Early' is off on 2026-03-02 (exception)");
}

TEST_F(DesiredSetTest, SeveralProfilesAndPoliciesGiveSortedUniquePairs) {
  snapshot_.cameras = {camera(3), camera(1), camera(2)};
  snapshot_.policies = {
      policy(20, "B", {3, 1}, {window(kMon, "08:00", "12:00", 2), window(kMon, "12:00", "13:00", 1)}),
      policy(10, "A", {1, 3, 1}, {window(kMon, "09:00", "10:00", 2), window(kMon, "07:00", "09:30", 1)}),
      policy(5, "Off", {1}, {window(kMon, "00:00", "00:00", 1)})};
  snapshot_.policies[2].is_enabled = false;
  const DesiredSet set = compute("2026-03-02T09:15:00+03:00");
  EXPECT_EQ(set.at, instant("2026-03-02T09:15:00+03:00"));
  EXPECT_THAT(set.desired,
              ElementsAre(DesiredPair{1, 1, 10}, DesiredPair{1, 2, 10}, DesiredPair{3, 1, 10}, DesiredPair{3, 2, 10}));
  ASSERT_EQ(set.not_desired.size(), 1u);
  EXPECT_EQ(set.not_desired[0].camera_id, 2);
  EXPECT_EQ(set.not_desired[0].reason, NotDesiredReason::kNoEnabledPolicy);
  EXPECT_THAT(compute("2026-03-02T11:00:00+03:00").desired, ElementsAre(DesiredPair{1, 2, 20}, DesiredPair{3, 2, 20}));
}

TEST_F(DesiredSetTest, NotDesiredIsSortedByCameraId) {
  snapshot_.cameras = {camera(9), camera(4), camera(7)};
  const DesiredSet set = compute("2026-03-02T09:00:00+03:00");
  ASSERT_EQ(set.not_desired.size(), 3u);
  EXPECT_EQ(set.not_desired[0].camera_id, 4);
  EXPECT_EQ(set.not_desired[1].camera_id, 7);
  EXPECT_EQ(set.not_desired[2].camera_id, 9);
  EXPECT_THAT(set.desired, IsEmpty());
}

TEST_F(DesiredSetTest, PolicyCamerasMissingFromTheSnapshotAreSkipped) {
  main_policy().camera_ids = {42, 1};
  main_policy().windows = {window(kMon, "08:00", "12:00")};
  const DesiredSet set = compute("2026-03-02T09:00:00+03:00");
  EXPECT_THAT(set.desired, ElementsAre(DesiredPair{1, 1, 10}));
  EXPECT_THAT(set.not_desired, IsEmpty());
}

TEST(ReasonCodeTest, SnakeCaseCodes) {
  EXPECT_EQ(reason_code(NotDesiredReason::kCameraInactive), "camera_inactive");
  EXPECT_EQ(reason_code(NotDesiredReason::kOtherNode), "other_node");
  EXPECT_EQ(reason_code(NotDesiredReason::kPaused), "paused");
  EXPECT_EQ(reason_code(NotDesiredReason::kNoEnabledPolicy), "no_enabled_policy");
  EXPECT_EQ(reason_code(NotDesiredReason::kOutsideWindows), "outside_windows");
  EXPECT_EQ(reason_code(NotDesiredReason::kPolicyException), "policy_exception");
  EXPECT_EQ(reason_code(NotDesiredReason::kProfileInactive), "profile_inactive");
  EXPECT_EQ(reason_code(NotDesiredReason::kHoliday), "holiday");
  EXPECT_EQ(reason_code(NotDesiredReason::kNoActivePeriod), "no_active_period");
}

// Clock changes: a window covers the instants its wall times show, and a wall time
// that does not exist (spring forward) means the instant the gap ends.
class DstTest : public DesiredSetTest {
 protected:
  std::string state_in(const char* zone_name, std::string_view iso) {
    zone_ = zone(zone_name);
    return state(iso);
  }
};

TEST_F(DstTest, BerlinSpringForwardGapStartsTheWindowAtTheGapEnd) {
  // 2026-03-29 (Sunday): 02:00 CET becomes 03:00 CEST.
  main_policy().windows = {window(kSun, "02:30", "03:30")};
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T01:59:59.999+01:00"), "outside_windows");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T03:00:00+02:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T03:29:59.999+02:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T03:30:00+02:00"), "outside_windows");
}

TEST_F(DstTest, BerlinOvernightWindowEndingInTheGap) {
  main_policy().windows = {window(kSat, "22:00", "02:30")};
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T01:59:59.999+01:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T03:00:00+02:00"), "outside_windows");
}

TEST_F(DstTest, BerlinShortDayIsAWholeDayOf23Hours) {
  main_policy().windows = {window(kSun, "00:00", "00:00")};
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-28T22:59:59.999Z"), "outside_windows");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-28T23:00:00Z"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T21:59:59.999Z"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-03-29T22:00:00Z"), "outside_windows");
}

TEST_F(DstTest, BerlinFallBackCoversBothPassesOfTheRepeatedHour) {
  // 2026-10-25 (Sunday): 03:00 CEST becomes 02:00 CET; 02:00–02:59 happens twice.
  main_policy().windows = {window(kSun, "02:15", "02:45")};
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T02:14:59.999+02:00"), "outside_windows");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T02:15:00+02:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T02:50:00+02:00"), "desired 1 via 10");  // between the passes
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T02:30:00+01:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T02:45:00+01:00"), "outside_windows");
}

TEST_F(DstTest, BerlinLongDayIsAWholeDayOf25Hours) {
  main_policy().windows = {window(kSun, "09:00", "09:00")};
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-24T22:00:00Z"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T22:59:59.999Z"), "desired 1 via 10");
  EXPECT_EQ(state_in("Europe/Berlin", "2026-10-25T23:00:00Z"), "outside_windows");
}

TEST_F(DstTest, NewYorkSpringForward) {
  // 2026-03-08 (Sunday): 02:00 EST becomes 03:00 EDT.
  main_policy().windows = {window(kSun, "01:00", "02:30")};
  EXPECT_EQ(state_in("America/New_York", "2026-03-08T01:00:00-05:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-03-08T01:59:59.999-05:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-03-08T03:00:00-04:00"), "outside_windows");
  main_policy().windows = {window(kSun, "02:00", "03:00")};  // entirely in the gap: never runs
  EXPECT_EQ(state_in("America/New_York", "2026-03-08T03:00:00-04:00"), "outside_windows");
  EXPECT_EQ(state_in("America/New_York", "2026-03-08T01:59:59.999-05:00"), "outside_windows");
}

TEST_F(DstTest, NewYorkFallBack) {
  // 2026-11-01 (Sunday): 02:00 EDT becomes 01:00 EST; 01:00–01:59 happens twice.
  main_policy().windows = {window(kSun, "01:00", "01:30")};
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T00:59:59.999-04:00"), "outside_windows");
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T01:00:00-04:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T01:45:00-04:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T01:29:59.999-05:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T01:30:00-05:00"), "outside_windows");
  // An overnight window ending at 01:00 ends when wall clocks show 01:00 for the last time.
  main_policy().windows = {window(kSat, "23:00", "01:00")};
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T00:59:59.999-05:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("America/New_York", "2026-11-01T01:00:00-05:00"), "outside_windows");
}

TEST_F(DstTest, TokyoHasNoClockChanges) {
  main_policy().windows = {window(kSun, "02:30", "03:30")};
  EXPECT_EQ(state_in("Asia/Tokyo", "2026-03-29T02:30:00+09:00"), "desired 1 via 10");
  EXPECT_EQ(state_in("Asia/Tokyo", "2026-03-29T02:29:59.999+09:00"), "outside_windows");
  EXPECT_EQ(state_in("Asia/Tokyo", "2026-03-29T03:30:00+09:00"), "outside_windows");
}

}  // namespace
}  // namespace bisk
