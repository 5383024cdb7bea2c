#include "cli/demo_site.h"

#include <filesystem>
#include <memory>

#include "cli/cli_error.h"
#include "common/text.h"
#include "runner/face_pipeline.h"
#include "runner/image_codec.h"
#include "store/catalog_stores.h"
#include "store/migrations.h"
#include "store/occurrence_roller.h"
#include "store/user_store.h"
#include "web/auth.h"
#include "web/enrollment.h"

namespace bisk {
namespace {

struct DemoStudent {
  const char* code;
  const char* first_name;
  const char* last_name;
  const char* photo;  // in DemoAssets::students_dir
};
// The faces of the demo video (scripts/fetch_assets.sh), from Debian's packages.
constexpr DemoStudent kStudents[] = {
    {"DEMO-1", "Grace", "Hopper", "grace_hopper.jpg"},
    {"DEMO-2", "Eileen", "Collins", "eileen_collins.png"},
};

constexpr int kMinutesPerDay = 24 * 60;
constexpr int kPeriodLeadMinutes = 5;  // the period began a little before the demo
constexpr int kPeriodMinutes = 4 * 60;

std::string missing_asset_message(const std::string& path) {
  return "the demo file " + path +
         " is missing: scripts/fetch_assets.sh makes it (from Debian's face images), the bisk package installs "
         "it under /usr/share/bisk/demo; or name another directory with --assets DIR";
}

Id add_profile(Database& db) {
  StreamProfile profile;
  profile.name = "Demo";
  profile.fps = 5;
  // Short intervals so the dashboard moves while one watches it.
  profile.hb_interval = 5;
  profile.snapshot_every = 5;
  return ProfileStore(db).add(profile);
}

// A period from a few minutes ago for four hours, every day; it runs past
// midnight when the demo starts late in the evening.
PeriodTemplate current_period(const LocalDateTime& local) {
  PeriodTemplate period;
  period.name = "Demo class";
  period.start_minute = (local.minute_of_day - kPeriodLeadMinutes + kMinutesPerDay) % kMinutesPerDay;
  period.end_minute = (period.start_minute + kPeriodMinutes) % kMinutesPerDay;
  period.weekdays = WeekdaySet::from_mask(0x7f);
  return period;
}

// Whole-day windows (start == end) on every day: the period alone decides.
Id add_policy(Database& db, Id camera_id, Id profile_id) {
  SchedulePolicy policy;
  policy.name = "Demo: every day";
  policy.camera_ids = {camera_id};
  for (int day = 0; day < 7; ++day) {
    ScheduleWindow window;
    window.day_of_week = day;
    window.profile_id = profile_id;
    policy.windows.push_back(window);
  }
  return PolicyStore(db).add(policy);
}

std::string enroll_student(Database& db, FacePipeline& pipeline, const DemoStudent& demo, const std::string& dir) {
  Student student;
  student.code = demo.code;
  student.first_name = demo.first_name;
  student.last_name = demo.last_name;
  const Id id = StudentStore(db).add(student);
  const std::string path = (std::filesystem::path(dir) / demo.photo).string();
  const cv::Mat photo = read_image(path);
  if (photo.empty()) throw CommandError(missing_asset_message(path));
  const EnrollmentResult result = enroll_photo(db, pipeline, id, photo, demo.photo);
  if (!result.template_id) throw CommandError("the demo photo " + path + " was refused: " + result.reason);
  return std::string(demo.first_name) + " " + demo.last_name + " (" + demo.code + ")";
}

}  // namespace

DemoAssets find_demo_assets(const std::string& dir) {
  const std::filesystem::path root(dir);
  DemoAssets assets{.video = (root / "demo_camera.mp4").string(), .students_dir = (root / "students").string()};
  if (!std::filesystem::is_regular_file(assets.video)) throw CommandError(missing_asset_message(assets.video));
  for (const DemoStudent& student : kStudents) {
    const std::string photo = (root / "students" / student.photo).string();
    if (!std::filesystem::is_regular_file(photo)) throw CommandError(missing_asset_message(photo));
  }
  return assets;
}

DemoSite seed_demo_site(Database& db, const Settings& settings, const DemoAssets& assets, Instant now) {
  std::unique_ptr<FacePipeline> pipeline;
  try {
    pipeline = std::make_unique<FacePipeline>(settings.model_dir);
  } catch (const std::runtime_error& error) {
    throw CommandError(error.what());
  }
  Migrator(db).migrate();
  DemoSite site;
  const Id profile_id = add_profile(db);

  const LocalDateTime local = to_local(now, settings.time_zone);
  const PeriodTemplate period = current_period(local);
  const Id template_id = PeriodTemplateStore(db).add(period);
  site.period_text = format_hhmm(period.start_minute) + "–" + format_hhmm(period.end_minute) + " every day (" +
                     settings.time_zone_name + ")";
  // From yesterday: a period that began before midnight is yesterday's occurrence.
  roll_occurrences(db, settings.time_zone, now, add_days(local.date, -1), 2);

  Camera camera;
  camera.name = "Demo camera";
  camera.url = "file://" + assets.video;
  camera.location = "the demo video, played in a loop";
  camera.period_template_ids = {template_id};
  add_policy(db, CameraStore(db).add(camera), profile_id);
  site.camera_name = camera.name;

  for (const DemoStudent& student : kStudents)
    site.students.push_back(enroll_student(db, *pipeline, student, assets.students_dir));

  User admin;
  admin.username = site.admin_user = "admin";
  admin.is_admin = true;
  admin.created_at = now;
  site.admin_password = random_token().substr(0, 16);
  admin.password_hash = hash_password(site.admin_password);
  UserStore(db).add(admin);
  return site;
}

}  // namespace bisk
