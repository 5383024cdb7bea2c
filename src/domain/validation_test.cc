#include "domain/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace bisk {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The one error a validation returned, or a failure naming all of them.
FieldError only_error(const std::vector<FieldError>& errors) {
  EXPECT_EQ(errors.size(), 1u) << join_errors(errors);
  return errors.empty() ? FieldError{} : errors.front();
}

Camera valid_camera() {
  Camera camera;
  camera.name = "Gate A";
  camera.url = "rtsp://admin:secret@10.0.0.5:554/stream1";
  return camera;
}

StreamProfile valid_profile() {
  StreamProfile profile;
  profile.name = "HD";
  return profile;
}

ScheduleWindow window(int day, int start, int end, Id profile_id = 1) {
  return ScheduleWindow{
      .id = 0, .day_of_week = day, .start_minute = start, .end_minute = end, .profile_id = profile_id};
}

SchedulePolicy valid_policy() {
  SchedulePolicy policy;
  policy.name = "Main";
  policy.windows = {window(0, 8 * 60, 12 * 60)};
  return policy;
}

PeriodTemplate valid_template() {
  PeriodTemplate period;
  period.name = "Period 1";
  period.start_minute = 8 * 60;
  period.end_minute = 8 * 60 + 45;
  return period;
}

LocalDate ymd(int y, unsigned m, unsigned d) { return LocalDate{date::year(y), date::month(m), date::day(d)}; }

TEST(ValidateCameraTest, AcceptsAValidCamera) {
  EXPECT_THAT(validate(valid_camera()), IsEmpty());
  Camera camera = valid_camera();
  for (const char* url : {"rtsps://cam/x", "http://cam/snap", "HTTPS://cam/snap", "file:///var/video/a.mp4"}) {
    camera.url = url;
    EXPECT_THAT(validate(camera), IsEmpty()) << url;
  }
  camera.node = "cam-host_2.lan";
  EXPECT_THAT(validate(camera), IsEmpty());
}

TEST(ValidateCameraTest, NameMustBeNonEmptyAfterTrimAndShort) {
  Camera camera = valid_camera();
  camera.name = " \t ";
  auto error = only_error(validate(camera));
  EXPECT_EQ(error.field, "name");
  EXPECT_EQ(error.message, "must not be empty");
  camera.name = std::string(121, 'x');
  EXPECT_EQ(only_error(validate(camera)).message, "must be at most 120 characters (got 121)");
  camera.name = std::string(120, 'x');
  EXPECT_THAT(validate(camera), IsEmpty());
}

TEST(ValidateCameraTest, NameLengthCountsCharactersNotBytes) {
  Camera camera = valid_camera();
  std::string arabic;
  for (int i = 0; i < 120; ++i) arabic += "\u0628";  // two bytes each
  camera.name = arabic;
  EXPECT_THAT(validate(camera), IsEmpty());
  camera.name += "\u0628";
  EXPECT_EQ(only_error(validate(camera)).message, "must be at most 120 characters (got 121)");
}

TEST(ValidateCameraTest, UrlNeedsAnAllowedSchemeAndNeverEchoesTheUrl) {
  Camera camera = valid_camera();
  camera.url = "";
  EXPECT_EQ(only_error(validate(camera)).message, "must not be empty");
  camera.url = "ftp://user:hunter2@cam/x";
  auto error = only_error(validate(camera));
  EXPECT_EQ(error.field, "url");
  EXPECT_EQ(error.message, "must start with rtsp://, rtsps://, http://, https:// or file:// (got scheme 'ftp')");
  camera.url = "/var/video/a.mp4";
  EXPECT_EQ(only_error(validate(camera)).message,
            "must start with rtsp://, rtsps://, http://, https:// or file:// (got no scheme)");
  camera.url = "rtsp://";
  EXPECT_EQ(only_error(validate(camera)).message, "must name a host or a file after 'rtsp://'");
}

TEST(ValidateCameraTest, UrlAtMost2000Characters) {
  Camera camera = valid_camera();
  camera.url = "rtsp://cam/" + std::string(2000 - 11, 'a');
  EXPECT_THAT(validate(camera), IsEmpty());
  camera.url += "a";
  EXPECT_EQ(only_error(validate(camera)).message, "must be at most 2000 characters (got 2001)");
}

TEST(ValidateCameraTest, RtspTransport) {
  Camera camera = valid_camera();
  for (const char* transport : {"auto", "tcp", "udp"}) {
    camera.rtsp_transport = transport;
    EXPECT_THAT(validate(camera), IsEmpty());
  }
  camera.rtsp_transport = "tpc";
  auto error = only_error(validate(camera));
  EXPECT_EQ(error.field, "rtsp_transport");
  EXPECT_EQ(error.message, "must be one of auto, tcp, udp (got 'tpc')");
  camera.rtsp_transport = "inherit";  // only profiles inherit
  EXPECT_EQ(only_error(validate(camera)).field, "rtsp_transport");
}

TEST(ValidateCameraTest, NodeWhenPresentIsANonEmptyIdentifier) {
  Camera camera = valid_camera();
  camera.node = "";
  auto error = only_error(validate(camera));
  EXPECT_EQ(error.field, "node");
  EXPECT_EQ(error.message, "must not be empty");
  camera.node = "cam host";
  EXPECT_EQ(only_error(validate(camera)).message,
            "may contain only letters, digits, '.', '_' and '-' (got 'cam host')");
  camera.node = "host/1";
  EXPECT_EQ(only_error(validate(camera)).field, "node");
}

TEST(ValidateCameraTest, ReportsEveryProblem) {
  Camera camera;
  camera.rtsp_transport = "x";
  auto errors = validate(camera);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "name");
  EXPECT_EQ(errors[1].field, "url");
  EXPECT_EQ(errors[2].field, "rtsp_transport");
}

TEST(ValidateProfileTest, AcceptsDefaultsAndBounds) {
  EXPECT_THAT(validate(valid_profile()), IsEmpty());
  StreamProfile profile = valid_profile();
  profile.fps = 60;
  profile.hb_interval = 3600;
  profile.snapshot_every = 86400;
  profile.min_score = 1;
  profile.min_face_px = 4096;
  profile.det_set = "1024";
  profile.rtsp_transport = "udp";
  EXPECT_THAT(validate(profile), IsEmpty());
  profile.fps = 0.1;
  profile.hb_interval = 1;
  profile.snapshot_every = 1;
  profile.min_score = 0;
  profile.min_face_px = 8;
  EXPECT_THAT(validate(profile), IsEmpty());
}

TEST(ValidateProfileTest, Fps) {
  StreamProfile profile = valid_profile();
  for (double fps : {0.0, -1.0, 60.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    profile.fps = fps;
    auto error = only_error(validate(profile));
    EXPECT_EQ(error.field, "fps");
    EXPECT_THAT(error.message, HasSubstr("must be greater than 0 and at most 60 (got ")) << fps;
  }
  profile.fps = 0;
  EXPECT_EQ(only_error(validate(profile)).message, "must be greater than 0 and at most 60 (got 0)");
}

TEST(ValidateProfileTest, DetSetAndTransport) {
  StreamProfile profile = valid_profile();
  profile.det_set = "512";
  EXPECT_EQ(only_error(validate(profile)).message, "must be one of auto, 320, 480, 640, 800, 1024 (got '512')");
  profile.det_set = "auto";
  profile.rtsp_transport = "http";
  auto error = only_error(validate(profile));
  EXPECT_EQ(error.field, "rtsp_transport");
  EXPECT_EQ(error.message, "must be one of inherit, auto, tcp, udp (got 'http')");
}

TEST(ValidateProfileTest, IntegerRanges) {
  StreamProfile profile = valid_profile();
  profile.hb_interval = 0;
  EXPECT_EQ(only_error(validate(profile)).message, "must be between 1 and 3600 (got 0)");
  profile.hb_interval = 3601;
  EXPECT_EQ(only_error(validate(profile)).field, "hb_interval");
  profile = valid_profile();
  profile.snapshot_every = 86401;
  auto error = only_error(validate(profile));
  EXPECT_EQ(error.field, "snapshot_every");
  EXPECT_EQ(error.message, "must be between 1 and 86400 (got 86401)");
  profile.snapshot_every = 0;
  EXPECT_EQ(only_error(validate(profile)).field, "snapshot_every");
  profile = valid_profile();
  profile.min_face_px = 7;
  EXPECT_EQ(only_error(validate(profile)).message, "must be between 8 and 4096 (got 7)");
  profile.min_face_px = 4097;
  EXPECT_EQ(only_error(validate(profile)).field, "min_face_px");
}

TEST(ValidateProfileTest, MinScoreIsAFiniteFraction) {
  StreamProfile profile = valid_profile();
  for (double score : {-0.01, 1.01, std::nan(""), std::numeric_limits<double>::infinity()}) {
    profile.min_score = score;
    auto error = only_error(validate(profile));
    EXPECT_EQ(error.field, "min_score");
    EXPECT_THAT(error.message, HasSubstr("must be between 0 and 1")) << score;
  }
  profile.min_score = 1.5;
  EXPECT_EQ(only_error(validate(profile)).message, "must be between 0 and 1 (got 1.5)");
}

TEST(ValidatePolicyTest, AcceptsAValidPolicy) {
  SchedulePolicy policy = valid_policy();
  policy.windows = {window(6, 22 * 60, 2 * 60),       // overnight into Monday
                    window(0, 2 * 60, 23 * 60 + 59),  // Monday from where it ends
                    window(2, 0, 0),                  // the whole of Wednesday
                    window(1, 8 * 60, 12 * 60)};
  policy.exceptions = {{.id = 0, .date = ymd(2026, 12, 25), .mode = "off"},
                       {.id = 0, .date = ymd(2026, 12, 26), .mode = "off"}};
  EXPECT_THAT(validate(policy), IsEmpty());
}

TEST(ValidatePolicyTest, NameRules) {
  SchedulePolicy policy = valid_policy();
  policy.name = "";
  auto error = only_error(validate(policy));
  EXPECT_EQ(error.field, "name");
  EXPECT_EQ(error.message, "must not be empty");
}

TEST(ValidatePolicyTest, WindowFields) {
  SchedulePolicy policy = valid_policy();
  policy.windows.push_back(window(7, 8 * 60, 9 * 60));
  auto error = only_error(validate(policy));
  EXPECT_EQ(error.field, "windows[1].day_of_week");
  EXPECT_EQ(error.message, "must be between 0 (Monday) and 6 (Sunday) (got 7)");
  policy.windows[1] = window(-1, 8 * 60, 9 * 60);
  EXPECT_EQ(only_error(validate(policy)).field, "windows[1].day_of_week");
  policy.windows[1] = window(1, 1440, 9 * 60);
  error = only_error(validate(policy));
  EXPECT_EQ(error.field, "windows[1].start");
  EXPECT_EQ(error.message, "must be a time of day between 0 and 1439 minutes after midnight (got 1440)");
  policy.windows[1] = window(1, 8 * 60, -1);
  EXPECT_EQ(only_error(validate(policy)).field, "windows[1].end");
  policy.windows[1] = window(1, 8 * 60, 9 * 60, 0);
  error = only_error(validate(policy));
  EXPECT_EQ(error.field, "windows[1].profile_id");
  EXPECT_EQ(error.message, "must name a profile (got 0)");
}

TEST(ValidatePolicyTest, ExceptionsSupportOnlyOffAndOnePerDate) {
  SchedulePolicy policy = valid_policy();
  policy.exceptions = {{.id = 0, .date = ymd(2026, 12, 25), .mode = "on"}};
  auto error = only_error(validate(policy));
  EXPECT_EQ(error.field, "exceptions[0].mode");
  EXPECT_EQ(error.message, "only 'off' is supported (got 'on')");
  policy.exceptions = {{.id = 0, .date = ymd(2026, 12, 25), .mode = "off"},
                       {.id = 0, .date = ymd(2026, 12, 26), .mode = "off"},
                       {.id = 0, .date = ymd(2026, 12, 25), .mode = "off"}};
  error = only_error(validate(policy));
  EXPECT_EQ(error.field, "exceptions[2].date");
  EXPECT_EQ(error.message, "duplicates exceptions[0] (2026-12-25)");
  policy.exceptions = {{.id = 0, .date = ymd(2026, 2, 30), .mode = "off"}};
  EXPECT_EQ(only_error(validate(policy)).message, "must be a valid date");
}

TEST(ValidatePolicyTest, IncludesOverlaps) {
  SchedulePolicy policy = valid_policy();
  policy.windows.push_back(window(0, 11 * 60, 13 * 60));
  auto error = only_error(validate(policy));
  EXPECT_EQ(error.field, "windows");
  EXPECT_EQ(error.message, "windows[0] (Mon 08:00–12:00) overlaps windows[1] (Mon 11:00–13:00)");
}

TEST(WindowOverlapTest, SameDayOverlapNamesBothWindows) {
  auto errors =
      find_window_overlaps({window(0, 8 * 60, 12 * 60), window(1, 11 * 60, 13 * 60), window(0, 11 * 60, 13 * 60)});
  EXPECT_EQ(only_error(errors).message, "windows[0] (Mon 08:00–12:00) overlaps windows[2] (Mon 11:00–13:00)");
}

TEST(WindowOverlapTest, TouchingWindowsAreFine) {
  EXPECT_THAT(
      find_window_overlaps({window(0, 8 * 60, 12 * 60), window(0, 12 * 60, 13 * 60), window(0, 13 * 60, 8 * 60)}),
      IsEmpty());
  // Overnight Monday ends 08:00 Tuesday, where Tuesday's window starts.
  EXPECT_THAT(find_window_overlaps({window(0, 22 * 60, 8 * 60), window(1, 8 * 60, 9 * 60)}), IsEmpty());
  // Whole days side by side.
  EXPECT_THAT(find_window_overlaps({window(0, 0, 0), window(1, 5, 5), window(6, 0, 0)}), IsEmpty());
}

TEST(WindowOverlapTest, OvernightPartBelongsToTheNextDay) {
  auto error = only_error(find_window_overlaps({window(0, 22 * 60, 2 * 60), window(1, 1 * 60, 3 * 60)}));
  EXPECT_EQ(error.message, "windows[0] (Mon 22:00–Tue 02:00) overlaps windows[1] (Tue 01:00–03:00)");
  // The same-day early hours are not covered by the overnight window.
  EXPECT_THAT(find_window_overlaps({window(0, 22 * 60, 2 * 60), window(0, 1 * 60, 3 * 60)}), IsEmpty());
}

TEST(WindowOverlapTest, SundayOvernightWrapsIntoMonday) {
  auto error = only_error(find_window_overlaps({window(0, 1 * 60, 3 * 60), window(6, 22 * 60, 2 * 60)}));
  EXPECT_EQ(error.message, "windows[0] (Mon 01:00–03:00) overlaps windows[1] (Sun 22:00–Mon 02:00)");
  EXPECT_THAT(find_window_overlaps({window(0, 2 * 60, 3 * 60), window(6, 22 * 60, 2 * 60)}), IsEmpty());
  EXPECT_EQ(find_window_overlaps({window(6, 22 * 60, 2 * 60), window(0, 0, 0)}).size(), 1u);
}

TEST(WindowOverlapTest, WholeDayOverlapsAnythingThatDay) {
  EXPECT_EQ(only_error(find_window_overlaps({window(2, 9 * 60, 9 * 60), window(2, 23 * 60, 23 * 60 + 30)})).message,
            "windows[0] (Wed (whole day)) overlaps windows[1] (Wed 23:00–23:30)");
  // The previous night's overnight window reaches into it.
  EXPECT_EQ(find_window_overlaps({window(2, 0, 0), window(1, 23 * 60, 30)}).size(), 1u);
  EXPECT_THAT(find_window_overlaps({window(2, 0, 0), window(1, 20 * 60, 23 * 60)}), IsEmpty());
}

TEST(WindowOverlapTest, ReportsEveryOverlappingPair) {
  auto errors =
      find_window_overlaps({window(0, 8 * 60, 12 * 60), window(0, 9 * 60, 10 * 60), window(0, 11 * 60, 14 * 60)});
  EXPECT_THAT(errors,
              ElementsAre(Field(&FieldError::message, HasSubstr("windows[0] (Mon 08:00–12:00) overlaps windows[1]")),
                          Field(&FieldError::message, HasSubstr("windows[0] (Mon 08:00–12:00) overlaps windows[2]"))));
}

TEST(WindowOverlapTest, SkipsMalformedWindows) {
  EXPECT_THAT(find_window_overlaps({window(9, 8 * 60, 12 * 60), window(0, 8 * 60, 12 * 60)}), IsEmpty());
  EXPECT_THAT(find_window_overlaps({window(0, 8 * 60, 2000), window(0, 8 * 60, 12 * 60)}), IsEmpty());
}

TEST(DescribeWindowTest, NamesDaysAndTimes) {
  EXPECT_EQ(describe_window(window(0, 8 * 60, 12 * 60 + 30)), "Mon 08:00–12:30");
  EXPECT_EQ(describe_window(window(6, 22 * 60, 2 * 60)), "Sun 22:00–Mon 02:00");
  EXPECT_EQ(describe_window(window(4, 7 * 60, 7 * 60)), "Fri (whole day)");
  EXPECT_EQ(describe_window(window(8, 7 * 60, 8 * 60)), "day 8");
}

TEST(ValidateTemplateTest, AcceptsValidTemplates) {
  EXPECT_THAT(validate(valid_template()), IsEmpty());
  PeriodTemplate period = valid_template();
  period.start_minute = 22 * 60;  // overnight periods are fine
  period.end_minute = 1 * 60;
  period.early_grace_minutes = 720;
  period.late_grace_minutes = 0;
  EXPECT_THAT(validate(period), IsEmpty());
}

TEST(ValidateTemplateTest, StartMustDifferFromEnd) {
  PeriodTemplate period = valid_template();
  period.end_minute = period.start_minute;
  auto error = only_error(validate(period));
  EXPECT_EQ(error.field, "end");
  EXPECT_EQ(error.message, "must differ from start (got both 08:00)");
}

TEST(ValidateTemplateTest, FieldRanges) {
  PeriodTemplate period = valid_template();
  period.start_minute = 1440;
  EXPECT_EQ(only_error(validate(period)).field, "start");
  period = valid_template();
  period.end_minute = -5;
  EXPECT_EQ(only_error(validate(period)).field, "end");
  period = valid_template();
  period.weekdays = WeekdaySet();
  auto error = only_error(validate(period));
  EXPECT_EQ(error.field, "weekdays");
  EXPECT_EQ(error.message, "must include at least one day");
  period = valid_template();
  period.early_grace_minutes = -1;
  error = only_error(validate(period));
  EXPECT_EQ(error.field, "early_grace_minutes");
  EXPECT_EQ(error.message, "must be between 0 and 720 (got -1)");
  period = valid_template();
  period.late_grace_minutes = 721;
  EXPECT_EQ(only_error(validate(period)).field, "late_grace_minutes");
  period = valid_template();
  period.name = "  ";
  EXPECT_EQ(only_error(validate(period)).field, "name");
}

TEST(ValidateResourcesTest, UnsetKnobsAreFine) { EXPECT_THAT(validate(ResourceSettings{}), IsEmpty()); }

TEST(ValidateResourcesTest, AcceptsValidKnobs) {
  ResourceSettings settings;
  settings.device = "cuda";
  settings.gpu_index = 63;
  settings.hwaccel = "none";
  settings.cpu_nice = -20;
  settings.cpu_affinity = "0,2-3,5-5,1023";
  settings.max_fps = 60;
  settings.det_set_max = "320";
  settings.min_face_px = 8;
  settings.crop_format = "png";
  settings.crop_quality = 100;
  EXPECT_THAT(validate(settings), IsEmpty());
}

// The one error of settings that `set` changed from the defaults.
template <typename Set>
FieldError resources_error(Set set) {
  ResourceSettings settings;
  set(settings);
  return only_error(validate(settings));
}

void expect_error(const FieldError& error, const std::string& field, const std::string& message) {
  EXPECT_EQ(error.field, field);
  EXPECT_EQ(error.message, message);
}

TEST(ValidateResourcesTest, ChoicesAndRanges) {
  expect_error(resources_error([](auto& s) { s.device = "gpu"; }), "device", "must be one of cpu, cuda (got 'gpu')");
  expect_error(resources_error([](auto& s) { s.gpu_index = 64; }), "gpu_index", "must be between 0 and 63 (got 64)");
  expect_error(resources_error([](auto& s) { s.gpu_index = -1; }), "gpu_index", "must be between 0 and 63 (got -1)");
  expect_error(resources_error([](auto& s) { s.hwaccel = "vaapi"; }), "hwaccel",
               "must be one of none, cuda (got 'vaapi')");
  expect_error(resources_error([](auto& s) { s.cpu_nice = 20; }), "cpu_nice", "must be between -20 and 19 (got 20)");
  expect_error(resources_error([](auto& s) { s.cpu_nice = -21; }), "cpu_nice", "must be between -20 and 19 (got -21)");
  expect_error(resources_error([](auto& s) { s.max_fps = 0.0; }), "max_fps",
               "must be greater than 0 and at most 60 (got 0)");
  expect_error(resources_error([](auto& s) { s.max_fps = 61.0; }), "max_fps",
               "must be greater than 0 and at most 60 (got 61)");
  expect_error(resources_error([](auto& s) { s.det_set_max = "auto"; }), "det_set_max",
               "must be one of 320, 480, 640, 800, 1024 (got 'auto')");
  expect_error(resources_error([](auto& s) { s.min_face_px = 4097; }), "min_face_px",
               "must be between 8 and 4096 (got 4097)");
  expect_error(resources_error([](auto& s) { s.crop_format = "jpeg"; }), "crop_format",
               "must be one of jpg, png (got 'jpeg')");
  expect_error(resources_error([](auto& s) { s.crop_quality = 0; }), "crop_quality",
               "must be between 1 and 100 (got 0)");
  expect_error(resources_error([](auto& s) { s.crop_quality = 101; }), "crop_quality",
               "must be between 1 and 100 (got 101)");
}

TEST(ValidateResourcesTest, CpuAffinity) {
  ResourceSettings settings;
  for (const char* bad : {"", "a", "1,", ",1", "1,,2", "1-", "-1", "1 ,2", "0x1", "1-2-3"}) {
    settings.cpu_affinity = bad;
    auto error = only_error(validate(settings));
    EXPECT_EQ(error.field, "cpu_affinity");
    EXPECT_EQ(error.message, "must be CPU numbers and ranges such as '0,2-3' (got '" + std::string(bad) + "')");
  }
  settings.cpu_affinity = "0,3-1";
  EXPECT_EQ(only_error(validate(settings)).message, "range '3-1' must ascend");
  settings.cpu_affinity = "0-1024";
  EXPECT_EQ(only_error(validate(settings)).message, "CPU numbers must be between 0 and 1023 (got 1024)");
  settings.cpu_affinity = "99999999999999";
  EXPECT_EQ(only_error(validate(settings)).field, "cpu_affinity");
}

TEST(ValidateStudentTest, Code) {
  Student student{.id = 0, .code = "S-2026.001_a", .first_name = "Ali", .last_name = "Hassan", .is_active = true};
  EXPECT_THAT(validate(student), IsEmpty());
  student.code = "";
  EXPECT_EQ(only_error(validate(student)).message, "must not be empty");
  student.code = "S 1";
  auto error = only_error(validate(student));
  EXPECT_EQ(error.field, "code");
  EXPECT_EQ(error.message, "may contain only letters, digits, '.', '_' and '-' (got 'S 1')");
  student.code = std::string(64, '7');
  EXPECT_THAT(validate(student), IsEmpty());
  student.code += "7";
  EXPECT_EQ(only_error(validate(student)).message, "must be at most 64 characters (got 65)");
}

TEST(ValidateStudentTest, NameLengths) {
  Student student{.id = 0, .code = "S1", .first_name = std::string(120, 'a'), .last_name = "", .is_active = true};
  EXPECT_THAT(validate(student), IsEmpty());
  student.first_name += "a";
  EXPECT_EQ(only_error(validate(student)).field, "first_name");
  student.first_name = "A";
  student.last_name = std::string(121, 'b');
  EXPECT_EQ(only_error(validate(student)).field, "last_name");
}

TEST(JoinErrorsTest, JoinsFieldAndMessage) {
  EXPECT_EQ(join_errors({}), "");
  EXPECT_EQ(join_errors({{"name", "must not be empty"}}), "name: must not be empty");
  EXPECT_EQ(join_errors({{"a", "x"}, {"b", "y"}, {"c", "z"}}), "a: x; b: y; c: z");
}

}  // namespace
}  // namespace bisk
