#include "web/dashboard_views.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "web/system_api.h"

namespace bisk {
namespace {

std::string one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

Json optional_fps(const std::optional<double>& fps) { return fps ? Json(one_decimal(*fps)) : Json("–"); }

std::string local_time(Instant instant, TimeZone zone) {
  const LocalDateTime local = to_local(instant, zone);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(instant).time_since_epoch().count() % 60;
  char text[16];
  std::snprintf(text, sizeof text, "%s:%02lld", format_hhmm(local.minute_of_day).c_str(),
                static_cast<long long>(seconds));
  return text;
}

std::string gibibytes(double bytes) { return one_decimal(bytes / (1024.0 * 1024.0 * 1024.0)) + " GiB"; }

Json host_view(const Json& system) {
  const Json& load = system["load"];
  const Json& memory = system["memory"];
  const Json& disk = system["disk_root"];
  return {{"name", system["host"]},
          {"cpu_percent", one_decimal(system["cpu_percent"].get<double>())},
          {"load", one_decimal(load["1m"].get<double>()) + " / " + one_decimal(load["5m"].get<double>()) + " / " +
                       one_decimal(load["15m"].get<double>())},
          {"memory", gibibytes(memory["used"].get<double>()) + " of " + gibibytes(memory["total"].get<double>()) +
                         " (" + one_decimal(memory["percent"].get<double>()) + " %)"},
          {"disk", gibibytes(disk["used"].get<double>()) + " of " + gibibytes(disk["total"].get<double>()) + " (" +
                       one_decimal(disk["percent"].get<double>()) + " %)"}};
}

Json counts_view(const Json& system) {
  Json counts = Json::array();
  for (const auto& [status, count] : system["runners"].items())
    counts.push_back({{"status", status}, {"count", count}});
  counts.push_back({{"status", "paused"}, {"count", system["paused"]}});
  return counts;
}

Json enforcer_view(const Json& enforcer, Instant now) {
  const auto age = [&](const Json& instant) -> Json {
    if (instant.is_null()) return "never";
    const auto parsed = parse_instant(instant.get<std::string>());
    return parsed ? Json(age_in_words(*parsed, now)) : instant;
  };
  return {{"node", enforcer["node"]},
          {"pid", enforcer["pid"]},
          {"interval", enforcer["interval"]},
          {"last_run", age(enforcer["last_run"])},
          {"last_ok", age(enforcer["last_ok"])},
          {"last_error", enforcer["last_error"]},
          {"last_tick_ms", enforcer["last_tick_ms"].is_number()
                               ? Json(one_decimal(enforcer["last_tick_ms"].get<double>()) + " ms")
                               : Json("–")},
          {"never_ran", enforcer["pid"].is_null()}};
}

// "/media/snapshots/<camera>.jpg?v=<mtime>" when the camera has a snapshot.
Json snapshot_url(const Settings& settings, Id camera_id) {
  const std::string name = std::to_string(camera_id) + ".jpg";
  std::error_code error;
  const auto written = std::filesystem::last_write_time(std::filesystem::path(settings.snapshot_dir) / name, error);
  if (error) return nullptr;
  return "/media/snapshots/" + name + "?v=" + std::to_string(written.time_since_epoch().count());
}

Json runner_view(const CurrentRunner& runner, const std::map<Id, std::string>& cameras,
                 const std::map<Id, std::string>& profiles, const Settings& settings, Instant now) {
  const RunningProcess& process = runner.process;
  const auto name = [](const std::map<Id, std::string>& names, Id id) -> Json {
    const auto found = names.find(id);
    return found == names.end() ? Json("#" + std::to_string(id)) : Json(found->second);
  };
  const bool live = process.lifecycle == "starting" || process.lifecycle == "running";
  Json backoff = nullptr;
  Json quarantine = nullptr;
  if (runner.pair_state) {
    if (runner.pair_state->backoff_until && *runner.pair_state->backoff_until > now)
      backoff = "until " + local_time(*runner.pair_state->backoff_until, settings.time_zone);
    if (runner.pair_state->quarantine_reason) quarantine = *runner.pair_state->quarantine_reason;
  }
  return {{"id", process.id},
          {"camera_id", process.camera_id},
          {"camera", name(cameras, process.camera_id)},
          {"profile", name(profiles, process.profile_id)},
          {"status", status_name(runner.status)},
          {"pid", process.pid},
          {"camera_fps", optional_fps(process.camera_fps)},
          {"processed_fps", optional_fps(process.processed_fps)},
          {"target_fps", optional_fps(process.target_fps)},
          {"last_heartbeat",
           process.last_heartbeat_at ? Json(age_in_words(*process.last_heartbeat_at, now)) : Json("never")},
          {"last_error", process.last_error ? Json(*process.last_error) : Json(nullptr)},
          {"restarts", process.restarts},
          {"backoff", backoff},
          {"quarantine", quarantine},
          {"snapshot_url", snapshot_url(settings, process.camera_id)},
          {"live", live}};
}

template <typename Row>
std::map<Id, std::string> names_of(const std::vector<Row>& rows) {
  std::map<Id, std::string> names;
  for (const Row& row : rows) names.emplace(row.id, row.name);
  return names;
}

std::string student_name(const Student& student) {
  std::string name = student.first_name;
  if (!student.last_name.empty()) name += (name.empty() ? "" : " ") + student.last_name;
  return name.empty() ? student.code : name;
}

struct Names {
  std::map<Id, std::string> cameras;
  std::map<Id, std::string> profiles;
  std::map<Id, std::string> templates;
  std::map<Id, std::string> students;
  int active_students = 0;
};

Names read_names(Database& db) {
  Names names;
  names.cameras = names_of(CameraStore(db).list());
  names.profiles = names_of(ProfileStore(db).list());
  names.templates = names_of(PeriodTemplateStore(db).list());
  for (const Student& student : StudentStore(db).list()) {
    names.students.emplace(student.id, student_name(student));
    names.active_students += student.is_active;
  }
  return names;
}

Json periods_view(Database& db, const Names& names, Instant now, TimeZone zone) {
  const LocalDate today = to_local(now, zone).date;
  AttendanceStore::Filter filter;
  filter.date = today;
  filter.limit = 100000;
  std::map<Id, std::set<Id>> present;  // occurrence → students seen
  for (const AttendanceRecord& record : AttendanceStore(db).records(filter))
    present[record.occurrence_id].insert(record.student_id);
  Json periods = Json::array();
  for (const PeriodOccurrence& occurrence : OccurrenceStore(db).list_dated(today, today)) {
    const auto name = names.templates.find(occurrence.template_id);
    const bool active = occurrence.is_school_day && occurrence.start_at <= now && now < occurrence.end_at;
    periods.push_back({{"name", name == names.templates.end() ? "" : name->second},
                       {"start", format_hhmm(to_local(occurrence.start_at, zone).minute_of_day)},
                       {"end", format_hhmm(to_local(occurrence.end_at, zone).minute_of_day)},
                       {"state", !occurrence.is_school_day ? "holiday"
                                 : active                  ? "active"
                                                           : "idle"},
                       {"present", present[occurrence.id].size()},
                       {"students", names.active_students}});
  }
  return periods;
}

Json recognitions_view(Database& db, const Names& names, int recent, Instant now, TimeZone zone) {
  AttendanceStore::Filter filter;
  filter.limit = recent;
  std::map<Id, Id> occurrence_templates;
  Json recognitions = Json::array();
  OccurrenceStore occurrences(db);
  for (const AttendanceEvent& event : AttendanceStore(db).events(filter, zone)) {
    Json period = nullptr;
    if (event.occurrence_id) {
      auto [it, fresh] = occurrence_templates.try_emplace(*event.occurrence_id, 0);
      if (fresh) {
        if (auto occurrence = occurrences.find(*event.occurrence_id)) it->second = occurrence->template_id;
      }
      if (const auto name = names.templates.find(it->second); name != names.templates.end()) period = name->second;
    }
    const auto student = names.students.find(event.student_id);
    const auto camera = event.camera_id ? names.cameras.find(*event.camera_id) : names.cameras.end();
    recognitions.push_back(
        {{"student", student == names.students.end() ? "#" + std::to_string(event.student_id) : student->second},
         {"score", one_decimal(event.score * 100) + " %"},
         {"strong", event.score >= 0.6},
         {"camera", camera == names.cameras.end() ? Json(nullptr) : Json(camera->second)},
         {"period", period},
         {"time", local_time(event.ts_at, zone)},
         {"age", age_in_words(event.ts_at, now)},
         {"crop_url", event.crop_path.empty() ? Json(nullptr) : Json("/media/" + event.crop_path)}});
  }
  return recognitions;
}

}  // namespace

std::string age_in_words(Instant then, Instant now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (seconds < 2) return "just now";
  if (seconds < 120) return std::to_string(seconds) + " s ago";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " d ago";
}

Json system_panel_view(WebContext& context, Instant now, int recent) {
  Database& db = context.db();
  const Settings& settings = context.settings();
  const std::vector<CurrentRunner> current = current_runners(db, now);
  const Json system = system_json(context, current);
  const Names names = read_names(db);
  Json runners = Json::array();
  for (const CurrentRunner& runner : current)
    runners.push_back(runner_view(runner, names.cameras, names.profiles, settings, now));
  const Json periods = periods_view(db, names, now, settings.time_zone);
  const Json recognitions =
      recognitions_view(db, names, std::clamp(recent, 1, kMaxRecentRecognitions), now, settings.time_zone);
  return {{"host", host_view(system)},
          {"updated", local_time(now, settings.time_zone)},
          {"counts", counts_view(system)},
          {"enforcer", enforcer_view(system["enforcer"], now)},
          {"runners", runners},
          {"periods", periods},
          {"recognitions", recognitions},
          {"heartbeat_key_is_example", system["heartbeat_key_is_example"]}};
}

}  // namespace bisk
