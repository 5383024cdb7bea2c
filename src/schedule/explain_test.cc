#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedule/desired_set.h"
#include "schedule/schedule_test_support.h"

namespace bisk {
namespace {

using namespace testing_support;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int kSun = 6, kMon = 0;

// Asia/Baghdad (UTC+3); 2026-03-02 is a Monday.
class ExplainTest : public ::testing::Test {
 protected:
  ExplainTest() {
    Camera camera;
    camera.id = 1;
    camera.name = "Gate A";
    snapshot_.cameras = {camera};
    StreamProfile hd;
    hd.id = 2;
    hd.name = "HD";
    snapshot_.profiles = {hd};
    SchedulePolicy main;
    main.id = 10;
    main.name = "Main";
    main.camera_ids = {1};
    main.windows = {window(kMon, "08:00", "12:00", 2), window(kSun, "22:00", "02:00", 2),
                    window(3, "08:00", "09:00", 2)};
    snapshot_.policies = {main};
  }

  std::vector<std::string> explain(std::string_view at, const std::optional<NodeScope>& scope = std::nullopt) const {
    return explain_camera(snapshot_, 1, instant(at), zone_, scope);
  }

  TimeZone zone_ = zone("Asia/Baghdad");
  ScheduleSnapshot snapshot_;
};

TEST_F(ExplainTest, DesiredCameraEndsWithTheVerdict) {
  const auto lines = explain("2026-03-02T09:00:00+03:00");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "camera 1 'Gate A' at 2026-03-02T09:00:00+03:00 (Mon)");
  EXPECT_EQ(lines.back(), "verdict: desired for profile 'HD' (id 2) via policy 'Main'");
  EXPECT_THAT(lines, Contains("active: yes"));
  EXPECT_THAT(lines, Contains("pause: not paused"));
  EXPECT_THAT(lines, Contains("policy 'Main' (id 10): enabled"));
  EXPECT_THAT(lines, Contains("  window Mon 08:00–12:00 of policy 'Main' (profile 2), 2026-03-02T08:00:00+03:00 to "
                              "2026-03-02T12:00:00+03:00: covers the instant"));
  // Yesterday's overnight window is relevant and shown; Thursday's is not.
  EXPECT_THAT(lines, Contains("  window Sun 22:00–Mon 02:00 of policy 'Main' (profile 2), 2026-03-01T22:00:00+03:00 "
                              "to 2026-03-02T02:00:00+03:00: does not cover the instant"));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("Thu"))));
  EXPECT_THAT(lines, Contains("profile 'HD' (id 2): active"));
  EXPECT_THAT(lines, Contains("periods: none linked, so the windows alone decide"));
}

TEST_F(ExplainTest, SeveralPairsAreAllInTheVerdict) {
  StreamProfile sd;
  sd.id = 3;
  sd.name = "SD";
  snapshot_.profiles.push_back(sd);
  SchedulePolicy extra;
  extra.id = 20;
  extra.name = "Extra";
  extra.camera_ids = {1};
  extra.windows = {window(kMon, "09:00", "10:00", 3)};
  snapshot_.policies.push_back(extra);
  EXPECT_EQ(
      explain("2026-03-02T09:00:00+03:00").back(),
      "verdict: desired for profile 'HD' (id 2) via policy 'Main' and for profile 'SD' (id 3) via policy 'Extra'");
}

TEST_F(ExplainTest, NotDesiredVerdictGivesCodeAndDetail) {
  EXPECT_EQ(explain("2026-03-02T13:00:00+03:00").back(),
            "verdict: not desired — outside_windows: no window of its enabled policies covers "
            "2026-03-02T13:00:00+03:00");
  snapshot_.cameras[0].pause_until = instant("2026-03-02T10:00:00+03:00");
  const auto lines = explain("2026-03-02T09:00:00+03:00");
  EXPECT_THAT(lines, Contains("pause: paused until 2026-03-02T10:00:00+03:00"));
  EXPECT_EQ(lines.back(), "verdict: not desired — paused: paused until 2026-03-02T10:00:00+03:00");
  EXPECT_THAT(explain("2026-03-02T10:00:00+03:00"), Contains("pause: the pause ended at 2026-03-02T10:00:00+03:00"));
}

TEST_F(ExplainTest, ExceptionsAndDisabledPolicies) {
  snapshot_.policies[0].exceptions = {ScheduleException{.id = 0, .date = ymd(2026, 3, 1), .mode = "off"}};
  SchedulePolicy old;
  old.id = 5;
  old.name = "Old";
  old.is_enabled = false;
  old.camera_ids = {1};
  snapshot_.policies.push_back(old);
  const auto lines = explain("2026-03-02T01:00:00+03:00");
  EXPECT_THAT(lines, Contains("policy 'Old' (id 5): disabled, so its windows are ignored"));
  EXPECT_THAT(lines, Contains("  exception on 2026-03-01: off for the windows starting that day"));
  EXPECT_THAT(lines, Contains(HasSubstr("covers the instant, but the policy is off on 2026-03-01 (exception)")));
  EXPECT_EQ(lines.back(), "verdict: not desired — policy_exception: policy 'Main' is off on 2026-03-01 (exception)");
}

TEST_F(ExplainTest, NodeLines) {
  snapshot_.cameras[0].node = "host-b";
  EXPECT_THAT(explain("2026-03-02T09:00:00+03:00"), Contains("node: assigned to 'host-b'; every node's cameras are "
                                                             "considered"));
  const auto lines = explain("2026-03-02T09:00:00+03:00", NodeScope{.node = "host-a", .primary = true});
  EXPECT_THAT(lines, Contains("node: assigned to 'host-b'; this enforcer is node 'host-a' (primary), so it does not "
                              "run here"));
  EXPECT_EQ(lines.back(), "verdict: not desired — other_node: assigned to node 'host-b'");
}

TEST_F(ExplainTest, PeriodLines) {
  PeriodTemplate period;
  period.id = 7;
  period.name = "Period 1";
  snapshot_.templates = {period};
  snapshot_.cameras[0].period_template_ids = {7, 8};
  snapshot_.occurrences = {PeriodOccurrence{.id = 1,
                                            .template_id = 7,
                                            .date = ymd(2026, 3, 2),
                                            .start_at = instant("2026-03-02T08:00:00+03:00"),
                                            .end_at = instant("2026-03-02T08:45:00+03:00"),
                                            .is_school_day = true},
                           PeriodOccurrence{.id = 2,
                                            .template_id = 7,
                                            .date = ymd(2026, 3, 3),
                                            .start_at = instant("2026-03-03T08:00:00+03:00"),
                                            .end_at = instant("2026-03-03T08:45:00+03:00"),
                                            .is_school_day = false}};
  auto lines = explain("2026-03-02T08:30:00+03:00");
  EXPECT_THAT(lines, Contains("period 'Period 1' (id 7): enabled"));
  EXPECT_THAT(lines, Contains("  occurrence of 2026-03-02, 2026-03-02T08:00:00+03:00 to 2026-03-02T08:45:00+03:00: "
                              "covers the instant, a school day"));
  EXPECT_THAT(lines, Contains("period 8: does not exist"));
  EXPECT_EQ(lines.back(), "verdict: desired for profile 'HD' (id 2) via policy 'Main'");
  lines = explain("2026-03-02T09:00:00+03:00");
  EXPECT_THAT(lines, Contains("  no occurrence covers the instant; the next is 2026-03-03, 2026-03-03T08:00:00+03:00 "
                              "to 2026-03-03T08:45:00+03:00 (a holiday)"));
  EXPECT_THAT(lines.back(), HasSubstr("verdict: not desired — no_active_period: "));
  lines = explain("2026-03-09T09:00:00+03:00");
  EXPECT_THAT(lines, Contains("  no occurrence covers the instant, and none later is known"));
}

TEST_F(ExplainTest, UnknownCameraGivesNothing) {
  EXPECT_THAT(explain_camera(snapshot_, 99, instant("2026-03-02T09:00:00+03:00"), zone_, std::nullopt), IsEmpty());
}

TEST_F(ExplainTest, PolicyWithoutRelevantWindows) {
  snapshot_.policies[0].windows = {window(3, "08:00", "09:00", 2)};
  const auto lines = explain("2026-03-02T09:00:00+03:00");
  EXPECT_THAT(lines, Contains("  no window of 'Main' starts on 2026-03-01 or 2026-03-02"));
  snapshot_.policies.clear();
  EXPECT_THAT(explain("2026-03-02T09:00:00+03:00"), Contains("policies: no policy contains this camera"));
}

}  // namespace
}  // namespace bisk
