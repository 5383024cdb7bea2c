#include "domain/entity_json.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

TEST(EntityJsonTest, CameraUrlIsMaskedAndInstantsCarryTheZoneOffset) {
  Camera camera;
  camera.id = 3;
  camera.name = "Gate";
  camera.url = "rtsp://admin:pa55@10.0.0.5/s1";
  camera.pause_until = parse_instant("2026-07-01T08:00:00Z");
  camera.period_template_ids = {1, 4};
  const Json json = to_json(camera, find_time_zone("Europe/Berlin"));
  EXPECT_EQ(json["url"], "rtsp://admin:***@10.0.0.5/s1");
  EXPECT_EQ(json["pause_until"], "2026-07-01T10:00:00+02:00");
  EXPECT_EQ(json["period_template_ids"], Json::array({1, 4}));
  EXPECT_TRUE(json["node"].is_null());
  EXPECT_EQ(json.dump().find("pa55"), std::string::npos);
}

TEST(EntityJsonTest, PolicyWindowsUseApiFieldNamesAndHhMm) {
  SchedulePolicy policy;
  policy.name = "Main";
  policy.windows.push_back(ScheduleWindow{5, 6, 22 * 60, 2 * 60, 9});
  policy.exceptions.push_back(ScheduleException{1, *parse_date("2026-12-25"), "off"});
  const Json json = to_json(policy);
  EXPECT_EQ(json["windows"][0]["day_of_week"], 6);
  EXPECT_EQ(json["windows"][0]["start"], "22:00");
  EXPECT_EQ(json["windows"][0]["end"], "02:00");
  EXPECT_EQ(json["windows"][0]["profile_id"], 9);
  EXPECT_EQ(json["exceptions"][0]["date"], "2026-12-25");
}

TEST(EntityJsonTest, TemplateWeekdaysAreAList) {
  PeriodTemplate period;
  period.weekdays = WeekdaySet::from_mask(0b1010101);
  EXPECT_EQ(to_json(period)["weekdays"], Json::array({0, 2, 4, 6}));
}

}  // namespace
}  // namespace bisk
