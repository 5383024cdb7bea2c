#include "web/entity_patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bisk {
namespace {

using ::testing::HasSubstr;

// The message of the BodyError that applying `body` throws ("" when none).
template <typename Target>
std::string error_of(const std::string& body, ApplyMode mode = ApplyMode::kUpdate) {
  Target target;
  try {
    apply_json(Json::parse(body), mode, target);
  } catch (const BodyError& error) {
    return error.what();
  }
  return "";
}

template <typename Target>
Target applied(const std::string& body, Target target = Target{}, ApplyMode mode = ApplyMode::kUpdate) {
  apply_json(Json::parse(body), mode, target);
  return target;
}

TEST(EntityPatchTest, CameraCreateSetsEveryField) {
  const auto camera = applied<Camera>(
      R"({"name":"Gate","url":"rtsp://u:p@h/s","location":"Door","is_active":false,"rtsp_transport":"tcp",
          "period_template_ids":[3,1],"node":"host-b"})",
      Camera{}, ApplyMode::kCreate);
  EXPECT_EQ(camera.name, "Gate");
  EXPECT_EQ(camera.url, "rtsp://u:p@h/s");
  EXPECT_EQ(camera.location, "Door");
  EXPECT_FALSE(camera.is_active);
  EXPECT_EQ(camera.rtsp_transport, "tcp");
  EXPECT_EQ(camera.period_template_ids, (std::vector<Id>{3, 1}));
  EXPECT_EQ(camera.node, "host-b");
}

TEST(EntityPatchTest, CreateRequiresTheEssentialFieldsUpdateDoesNot) {
  EXPECT_EQ(error_of<Camera>(R"({"name":"Gate"})", ApplyMode::kCreate), "url: is required");
  EXPECT_EQ(error_of<Camera>(R"({"url":"rtsp://h/s"})", ApplyMode::kCreate), "name: is required");
  EXPECT_EQ(error_of<Camera>(R"({"location":"x"})", ApplyMode::kUpdate), "");
  EXPECT_EQ(error_of<PeriodTemplate>(R"({"name":"P1","start":"08:00"})", ApplyMode::kCreate), "end: is required");
  EXPECT_EQ(error_of<Student>(R"({"first_name":"Ann"})", ApplyMode::kCreate), "code: is required");
  EXPECT_EQ(error_of<StreamProfile>(R"({})", ApplyMode::kCreate), "name: is required");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({})", ApplyMode::kCreate), "name: is required");
}

TEST(EntityPatchTest, UpdateChangesOnlyTheGivenFields) {
  Camera stored;
  stored.name = "Gate";
  stored.url = "rtsp://h/s";
  stored.rtsp_transport = "udp";
  stored.node = "a";
  const auto camera = applied<Camera>(R"({"location":"Side"})", stored);
  EXPECT_EQ(camera.name, "Gate");
  EXPECT_EQ(camera.url, "rtsp://h/s");
  EXPECT_EQ(camera.rtsp_transport, "udp");
  EXPECT_EQ(camera.node, "a");
  EXPECT_EQ(camera.location, "Side");
}

TEST(EntityPatchTest, NullClearsANullableFieldAndOnlyThat) {
  Camera stored;
  stored.node = "a";
  EXPECT_FALSE(applied<Camera>(R"({"node":null})", stored).node.has_value());
  EXPECT_EQ(error_of<Camera>(R"({"location":null})"), "location: must be a string (got null)");
  EXPECT_EQ(error_of<Camera>(R"({"node":5})"), "node: must be a string (got number)");
}

TEST(EntityPatchTest, UnknownFieldsAreRefusedByNameWithTheAllowedOnes) {
  const auto message = error_of<StreamProfile>(R"({"fsp":5,"nmae":"x"})");
  EXPECT_THAT(message, HasSubstr("unknown fields 'fsp', 'nmae'"));
  EXPECT_THAT(message, HasSubstr("allowed: name, is_active, fps, det_set"));
  EXPECT_THAT(error_of<Student>(R"({"colour":"red"})"), HasSubstr("unknown field 'colour'"));
}

TEST(EntityPatchTest, ReadOnlyFieldsAreRefusedAsSuch) {
  EXPECT_EQ(error_of<Camera>(R"({"id":4})"), "id: is read-only");
  EXPECT_EQ(error_of<Camera>(R"({"pause_until":null})"), "pause_until: is read-only");
  EXPECT_EQ(error_of<ResourceSettings>(R"({"camera_id":2})"), "camera_id: is read-only");
  EXPECT_EQ(error_of<PeriodOccurrence>(R"({"date":"2026-11-27"})"), "date: is read-only");
  EXPECT_EQ(error_of<PeriodOccurrence>(R"({"start_at":"x"})"), "start_at: is read-only");
}

TEST(EntityPatchTest, BooleansMustBeTrueOrFalse) {
  EXPECT_EQ(error_of<Camera>(R"({"is_active":"true"})"), "is_active: must be true or false (got string)");
  EXPECT_EQ(error_of<Camera>(R"({"is_active":1})"), "is_active: must be true or false (got number)");
  EXPECT_EQ(error_of<Student>(R"({"is_active":null})"), "is_active: must be true or false (got null)");
  EXPECT_FALSE(applied<Student>(R"({"is_active":false})").is_active);
}

TEST(EntityPatchTest, NumbersAndIntegersAreStrict) {
  EXPECT_EQ(error_of<StreamProfile>(R"({"fps":"fast"})"), "fps: must be a number (got string)");
  EXPECT_EQ(error_of<StreamProfile>(R"({"fps":true})"), "fps: must be a number (got boolean)");
  EXPECT_DOUBLE_EQ(applied<StreamProfile>(R"({"fps":2})").fps, 2.0);
  EXPECT_DOUBLE_EQ(applied<StreamProfile>(R"({"min_score":0.45})").min_score, 0.45);
  EXPECT_EQ(error_of<StreamProfile>(R"({"hb_interval":2.5})"), "hb_interval: must be an integer (got number)");
  EXPECT_EQ(error_of<StreamProfile>(R"({"hb_interval":"10"})"), "hb_interval: must be an integer (got string)");
  EXPECT_EQ(applied<StreamProfile>(R"({"hb_interval":20.0})").hb_interval, 20);  // integral
  EXPECT_EQ(applied<StreamProfile>(R"({"min_face_px":-3})").min_face_px, -3);    // range: validation's job
  EXPECT_EQ(error_of<StreamProfile>(R"({"hb_interval":3000000000})"), "hb_interval: is out of range");
  EXPECT_EQ(error_of<StreamProfile>(R"({"hb_interval":-3000000000})"), "hb_interval: is out of range");
  EXPECT_EQ(error_of<StreamProfile>(R"({"hb_interval":18446744073709551615})"), "hb_interval: is out of range");
}

TEST(EntityPatchTest, IdListsAreArraysOfIntegers) {
  EXPECT_EQ(applied<SchedulePolicy>(R"({"camera_ids":[]})").camera_ids, std::vector<Id>{});
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"camera_ids":"1,2"})"), "camera_ids: must be an array (got string)");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"camera_ids":[1,"2"]})"), "camera_ids[1]: must be an integer (got string)");
  EXPECT_EQ(error_of<Camera>(R"({"period_template_ids":[1.5]})"),
            "period_template_ids[0]: must be an integer (got number)");
}

TEST(EntityPatchTest, PolicyWindowsAndExceptionsReplaceTheStoredLists) {
  SchedulePolicy stored;
  stored.windows = {ScheduleWindow{7, 0, 0, 60, 1}, ScheduleWindow{8, 1, 0, 60, 1}};
  stored.exceptions = {ScheduleException{3, *parse_date("2026-12-24"), "off"}};
  const auto policy = applied<SchedulePolicy>(
      R"({"windows":[{"id":99,"day_of_week":4,"start":"22:00","end":"02:00","profile_id":2}],
          "exceptions":[{"date":"2026-12-25"}]})",
      stored);
  ASSERT_EQ(policy.windows.size(), 1u);
  EXPECT_EQ(policy.windows[0].id, 0);  // item ids are ignored: lists are replaced whole
  EXPECT_EQ(policy.windows[0].day_of_week, 4);
  EXPECT_EQ(policy.windows[0].start_minute, 22 * 60);
  EXPECT_EQ(policy.windows[0].end_minute, 2 * 60);
  EXPECT_EQ(policy.windows[0].profile_id, 2);
  ASSERT_EQ(policy.exceptions.size(), 1u);
  EXPECT_EQ(format_date(policy.exceptions[0].date), "2026-12-25");
  EXPECT_EQ(policy.exceptions[0].mode, "off");
  EXPECT_EQ(applied<SchedulePolicy>(R"({"name":"x"})", stored).windows.size(), 2u);  // not given: kept
}

TEST(EntityPatchTest, NestedErrorsNameTheItemAndField) {
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"windows":[{"day_of_week":0,"start":"8:00","end":"09:00","profile_id":1}]})"),
            "windows[0].start: must be a time of day \"HH:MM\" (got string)");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"windows":[{"day_of_week":0,"start":"08:00","end":"09:00"}]})"),
            "windows[0].profile_id: is required");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"windows":[{"day_of_week":0,"start":"08:00","end":"09:00",
                                                     "profile_id":1,"profile":2}]})"),
            "unknown field 'windows[0].profile' (allowed: day_of_week, start, end, profile_id)");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"windows":[5]})"), "windows[0]: must be a JSON object (got number)");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"exceptions":[{"date":"2026-02-30"}]})"),
            "exceptions[0].date: must be a date \"YYYY-MM-DD\" (got string)");
  EXPECT_EQ(error_of<SchedulePolicy>(R"({"exceptions":[{"date":"2026-02-03","mode":1}]})"),
            "exceptions[0].mode: must be a string (got number)");
}

TEST(EntityPatchTest, PeriodTemplateTimesAndWeekdays) {
  const auto period = applied<PeriodTemplate>(
      R"({"name":"P1","order":2,"start":"08:00","end":"08:45","weekdays":[0,2,4],"early_grace_minutes":5,
          "late_grace_minutes":10,"is_enabled":false})",
      PeriodTemplate{}, ApplyMode::kCreate);
  EXPECT_EQ(period.start_minute, 480);
  EXPECT_EQ(period.end_minute, 525);
  EXPECT_EQ(period.weekdays.to_list(), (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(period.order, 2);
  EXPECT_EQ(period.early_grace_minutes, 5);
  EXPECT_EQ(period.late_grace_minutes, 10);
  EXPECT_FALSE(period.is_enabled);
  EXPECT_TRUE(applied<PeriodTemplate>(R"({"weekdays":[]})").weekdays.empty());  // validation refuses it later
  EXPECT_EQ(error_of<PeriodTemplate>(R"({"weekdays":[7]})"), "weekdays[0]: must be between 0 (Monday) and 6 (Sunday)");
  EXPECT_EQ(error_of<PeriodTemplate>(R"({"weekdays":["mon"]})"), "weekdays[0]: must be an integer (got string)");
  EXPECT_EQ(error_of<PeriodTemplate>(R"({"start":"24:00"})"), "start: must be a time of day \"HH:MM\" (got string)");
  EXPECT_EQ(error_of<PeriodTemplate>(R"({"end":830})"), "end: must be a time of day \"HH:MM\" (got number)");
}

TEST(EntityPatchTest, ResourceSettingsTakeEveryFieldAndNulls) {
  const auto settings = applied<ResourceSettings>(
      R"({"is_active":false,"device":"cuda","gpu_index":1,"hwaccel":"cuda","cpu_nice":5,"cpu_affinity":"0,2-3",
          "max_fps":4.5,"det_set_max":"640","min_face_px":50,"crop_format":"png","crop_quality":90})",
      ResourceSettings{}, ApplyMode::kCreate);
  EXPECT_FALSE(settings.is_active);
  EXPECT_EQ(settings.device, "cuda");
  EXPECT_EQ(settings.gpu_index, 1);
  EXPECT_EQ(settings.hwaccel, "cuda");
  EXPECT_EQ(settings.cpu_nice, 5);
  EXPECT_EQ(settings.cpu_affinity, "0,2-3");
  EXPECT_EQ(settings.max_fps, 4.5);
  EXPECT_EQ(settings.det_set_max, "640");
  EXPECT_EQ(settings.min_face_px, 50);
  EXPECT_EQ(settings.crop_format, "png");
  EXPECT_EQ(settings.crop_quality, 90);
  const auto cleared = applied<ResourceSettings>(R"({"gpu_index":null,"max_fps":null})", settings);
  EXPECT_FALSE(cleared.gpu_index.has_value());
  EXPECT_FALSE(cleared.max_fps.has_value());
  EXPECT_EQ(cleared.device, "cuda");
  EXPECT_EQ(error_of<ResourceSettings>(R"({"gpu_index":"0"})"), "gpu_index: must be an integer (got string)");
  EXPECT_EQ(error_of<ResourceSettings>(R"({"is_active":null})"), "is_active: must be true or false (got null)");
}

TEST(EntityPatchTest, OccurrencesTakeOnlyIsSchoolDay) {
  EXPECT_FALSE(applied<PeriodOccurrence>(R"({"is_school_day":false})").is_school_day);
  EXPECT_EQ(error_of<PeriodOccurrence>(R"({"is_school_day":"no"})"),
            "is_school_day: must be true or false (got string)");
  EXPECT_EQ(error_of<PeriodOccurrence>(R"({})", ApplyMode::kCreate), "is_school_day: is required");
}

TEST(EntityPatchTest, PauseTakesExactlyOneOfMinutesOrUntil) {
  EXPECT_EQ(applied<PauseRequest>(R"({"minutes":30})").minutes, 30);
  const auto until = applied<PauseRequest>(R"({"until":"2026-11-27T10:30:00+01:00"})").until;
  ASSERT_TRUE(until.has_value());
  EXPECT_EQ(format_instant(*until), "2026-11-27T09:30:00Z");
  EXPECT_THAT(error_of<PauseRequest>(R"({})"), HasSubstr("exactly one of \"minutes\""));
  EXPECT_THAT(error_of<PauseRequest>(R"({"minutes":5,"until":"2026-11-27T10:30:00Z"})"), HasSubstr("exactly one"));
  EXPECT_THAT(error_of<PauseRequest>(R"({"until":"2026-11-27T10:30:00"})"),
              HasSubstr("until: must be an instant, ISO-8601 with offset"));
  EXPECT_EQ(error_of<PauseRequest>(R"({"minutes":"5"})"), "minutes: must be an integer (got string)");
}

TEST(EntityPatchTest, RollDefaultsToFourteenDaysFromToday) {
  const auto defaults = applied<RollRequest>(R"({})");
  EXPECT_EQ(defaults.days, 14);
  EXPECT_FALSE(defaults.from.has_value());
  const auto roll = applied<RollRequest>(R"({"days":3,"from":"2026-11-30"})");
  EXPECT_EQ(roll.days, 3);
  EXPECT_EQ(format_date(*roll.from), "2026-11-30");
  EXPECT_EQ(error_of<RollRequest>(R"({"days":"3"})"), "days: must be an integer (got string)");
}

TEST(EntityPatchTest, ABodyThatIsNotAnObjectIsRefused) {
  EXPECT_EQ(error_of<Camera>(R"([1,2])"), "body: must be a JSON object (got array)");
}

TEST(EntityPatchTest, TypeErrorsNeverEchoTheValue) {
  // A URL given where a boolean belongs may hold a password.
  EXPECT_EQ(error_of<Camera>(R"({"is_active":"rtsp://u:secret@h/s"})"),
            "is_active: must be true or false (got string)");
}

}  // namespace
}  // namespace bisk
