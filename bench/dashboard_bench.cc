// The dashboard's live panel (GET /dash/system/panel/) at school scale: 200
// runners on line (target: the partial renders in <= 50 ms server time),
// 300 students, 8 periods today, 200 recognitions. Server time = building the
// view from the database + rendering the template, as the handler does; the
// view and the rendering are also timed apart. SQLite (the single-host
// default; the panel's reads are the same on PostgreSQL).
//
//   dashboard_bench WEB_DIR

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/time.h"
#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "store/database.h"
#include "store/enforcer_store.h"
#include "store/migrations.h"
#include "store/occurrence_roller.h"
#include "store/process_store.h"
#include "web/dashboard_views.h"
#include "web/page_templates.h"
#include "web/web_context.h"

namespace bisk {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kRunners = 200;
constexpr int kStudents = 300;
constexpr int kPeriods = 8;
constexpr int kRecognitions = 200;
constexpr int kRounds = 200;

void seed(Database& db, TimeZone zone, Instant now) {
  Migrator(db).migrate();
  StreamProfile profile;
  profile.name = "attendance";
  const Id profile_id = ProfileStore(db).add(profile);
  for (int p = 0; p < kPeriods; ++p) {
    PeriodTemplate period;
    period.name = "Period " + std::to_string(p + 1);
    period.order = p;
    period.start_minute = 8 * 60 + p * 50;
    period.end_minute = period.start_minute + 45;
    period.weekdays = WeekdaySet::from_mask(0x7f);
    PeriodTemplateStore(db).add(period);
  }
  roll_occurrences(db, zone, now, to_local(now, zone).date, 1);
  const auto occurrences = OccurrenceStore(db).list_dated(to_local(now, zone).date, to_local(now, zone).date);
  for (int s = 0; s < kStudents; ++s) {
    Student student;
    student.code = "S" + std::to_string(s);
    student.first_name = "Student";
    student.last_name = std::to_string(s);
    StudentStore(db).add(student);
  }
  ProcessStore processes(db);
  for (int c = 1; c <= kRunners; ++c) {
    Camera camera;
    camera.name = "Camera " + std::to_string(c);
    camera.url = "rtsp://user:secret@10.0.0." + std::to_string(c % 250) + "/stream";
    const Id camera_id = CameraStore(db).add(camera);
    RunningProcess process;
    process.camera_id = camera_id;
    process.profile_id = profile_id;
    process.node = "main";
    process.pid = 10000 + c;
    process.impl = "ffmpeg_all";
    process.argv_masked = "bisk runner";
    process.spec_hash = "bench";
    process.lifecycle = "running";
    process.started_at = now - std::chrono::minutes(30);
    processes.add(process);
    Heartbeat heartbeat;
    heartbeat.camera_id = camera_id;
    heartbeat.profile_id = profile_id;
    heartbeat.pid = process.pid;
    heartbeat.camera_fps = 25;
    heartbeat.processed_fps = 5;
    heartbeat.target_fps = 5;
    if (c % 20 == 0) heartbeat.last_error = "rtsp: connection timed out";
    heartbeat.raw_json = "{}";
    processes.apply_heartbeat(heartbeat, now - std::chrono::seconds(c % 40));
    if (c % 25 == 0) {
      PairState state;
      state.camera_id = camera_id;
      state.profile_id = profile_id;
      state.node = "main";
      state.consecutive_failures = 2;
      state.backoff_until = now + std::chrono::seconds(30);
      state.updated_at = now;
      EnforcerStore(db).put_pair_state(state);
    }
  }
  AttendanceStore attendance(db);
  for (int r = 0; r < kRecognitions; ++r) {
    AttendanceEvent event;
    event.student_id = 1 + r % kStudents;
    event.camera_id = 1 + r % kRunners;
    event.profile_id = profile_id;
    event.ts_at = now - std::chrono::seconds(r * 7);
    event.score = 0.5 + (r % 50) / 100.0;
    event.crop_path = "attendance_crops/2026/11/27/" + std::to_string(r) + ".jpg";
    std::vector<Id> covering;
    if (!occurrences.empty()) covering.push_back(occurrences[r % occurrences.size()].id);
    attendance.record_sighting(event, covering);
  }
}

struct Stats {
  double median = 0, p95 = 0, max = 0;
};

Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back()};
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void run(const std::string& label, const std::string& database_url, const std::string& web_dir, TimeZone zone) {
  const Instant now = now_instant();
  {
    auto db = Database::open(database_url);
    seed(*db, zone, now);
  }
  Settings settings;
  settings.database_url = database_url;
  settings.web_dir = web_dir;
  settings.time_zone = zone;
  settings.node = "main";
  settings.snapshot_dir = "/nonexistent";
  WebContext context(settings);
  if (!context.templates()) {
    std::fprintf(stderr, "dashboard_bench: %s\n", context.templates_error().c_str());
    std::exit(1);
  }
  std::vector<double> view_ms, render_ms, total_ms;
  std::size_t html_bytes = 0;
  for (int round = 0; round < kRounds + 10; ++round) {
    const auto start = Clock::now();
    const Json view = {{"panel", system_panel_view(context, now_instant(), kDefaultRecentRecognitions)}};
    const double built = ms_since(start);
    const auto render_start = Clock::now();
    const std::string html = context.templates()->render("system_panel", view);
    const double rendered = ms_since(render_start);
    if (round < 10) continue;  // warm-up
    view_ms.push_back(built);
    render_ms.push_back(rendered);
    total_ms.push_back(built + rendered);
    html_bytes = html.size();
  }
  const Stats view = stats_of(view_ms), render = stats_of(render_ms), total = stats_of(total_ms);
  std::printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %zu | %.0f× under |\n", label.c_str(), kRunners,
              view.median, render.median, total.median, total.p95, total.max, 50.0, html_bytes / 1024,
              50.0 / total.median);
}

}  // namespace
}  // namespace bisk

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dashboard_bench WEB_DIR (the web directory the build assembled, build/web)\n");
    return 2;
  }
  const std::string web_dir = argv[1];
  const bisk::TimeZone zone = bisk::find_time_zone("Europe/Berlin");
  const auto dir = std::filesystem::temp_directory_path() / ("bisk-dashboard-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::printf(
      "| backend | runners | view ms (median) | render ms (median) | panel ms (median) | p95 | max | target ms | KiB | "
      "vs target |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  bisk::run("SQLite", "sqlite://" + (dir / "bench.db").string(), web_dir, zone);
  std::filesystem::remove_all(dir);
  std::printf(
      "\n%d rounds after 10 warm-up; view = the database reads and the view JSON, render = the Mustache template.\n",
      bisk::kRounds);
  return 0;
}
