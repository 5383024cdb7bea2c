// The traits that turn each configuration entity into `bisk NOUN …` commands.

#include <iostream>
#include <map>
#include <sstream>
#include <tuple>

#include "cli/commands.h"
#include "cli/crud_commands.h"
#include "cli/value_parsers.h"
#include "common/url.h"
#include "store/catalog_stores.h"

namespace bisk {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) parts.push_back(part);
  return parts;
}

// "none" (or "") clears an optional text field.
std::optional<std::string> optional_text(const std::string& text) {
  if (text.empty() || text == "none") return std::nullopt;
  return text;
}

// The URL from the flag, or from standard input for "-", so a password need
// not appear in the process list or the shell history.
std::string read_url(const std::string& value) {
  if (value != "-") {
    if (mask_url(value) != value) {
      std::cerr << "warning: this camera URL holds a password, which is now visible in the process list and "
                   "your shell history; use --url - to read it from standard input\n";
    }
    return value;
  }
  std::string url;
  std::getline(std::cin, url);
  while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (url.empty()) throw UsageError("--url -: standard input held no URL");
  return url;
}

Id resolve_profile_id(const std::string& text, FieldContext& context) {
  ProfileStore profiles(context.db);
  if (text.find_first_not_of("0123456789") == std::string::npos && !text.empty()) {
    return parse_id_flag("window", text);
  }
  if (auto profile = profiles.find_by_name(text)) return profile->id;
  throw UsageError("--window: profile '" + text + "' does not exist");
}

// "DAYS,START,END,PROFILE", e.g. "mon-fri,08:00,12:00,HD": one window per day.
std::vector<ScheduleWindow> parse_windows(const std::string& text, FieldContext& context) {
  auto parts = split_commas(text);
  // The day list may itself contain commas ("mon,wed,08:00,12:00,HD"): the last three parts are fixed.
  if (parts.size() < 4) {
    throw UsageError("--window: '" + text + "' is not DAYS,START,END,PROFILE (e.g. mon-fri,08:00,12:00,HD)");
  }
  std::string days_text;
  for (size_t i = 0; i + 3 < parts.size(); ++i) days_text += (i ? "," : "") + parts[i];
  const WeekdaySet days = parse_weekdays_flag("window", days_text);
  const int start = parse_hhmm_flag("window", parts[parts.size() - 3]);
  const int end = parse_hhmm_flag("window", parts[parts.size() - 2]);
  const Id profile_id = resolve_profile_id(parts.back(), context);
  std::vector<ScheduleWindow> windows;
  for (int day : days.to_list()) windows.push_back(ScheduleWindow{0, day, start, end, profile_id});
  return windows;
}

struct CameraTraits {
  using Entity = Camera;
  using Store = CameraStore;
  static constexpr const char* kCommand = "camera";
  static constexpr const char* kNoun = "camera";
  static constexpr const char* kHelp = "Cameras: add, list, show, update, delete, pause, unpause";
  static constexpr const char* kKeyHelp = "camera id or name";
  static constexpr bool kLabelFirst = false;
  static std::string label(const Camera& camera) { return camera.name; }
  static std::optional<Camera> find_by_label(CameraStore& store, const std::string& key) {
    return store.find_by_name(key);
  }
  static Json to_json(const Camera& camera, TimeZone zone) { return bisk::to_json(camera, zone); }
  static Json table_row(const Camera& camera, TimeZone zone) { return to_json(camera, zone); }
  static std::vector<std::string> table_columns() {
    return {"id",  "name", "url", "location", "is_active", "pause_until", "rtsp_transport", "period_template_ids",
            "node"};
  }
  static std::vector<FieldFlag<Camera>> fields() {
    return {
        field<Camera>(
            "name", "Unique display name", [](Camera& c, const std::string& v) { c.name = v; }, true),
        field<Camera>(
            "url", "Stream URL (rtsp://, http://, file://); '-' reads it from standard input",
            [](Camera& c, const std::string& v) { c.url = read_url(v); }, true),
        field<Camera>("location", "Where the camera is", [](Camera& c, const std::string& v) { c.location = v; }),
        field<Camera>("is_active", "true/false",
                      [](Camera& c, const std::string& v) { c.is_active = parse_bool_flag("is_active", v); }),
        field<Camera>("rtsp_transport", "auto, tcp or udp",
                      [](Camera& c, const std::string& v) { c.rtsp_transport = v; }),
        field<Camera>("period_template_ids", "Comma-separated period template ids gating the camera ('' for none)",
                      [](Camera& c, const std::string& v) {
                        c.period_template_ids = parse_id_list_flag("period_template_ids", v);
                      }),
        field<Camera>("node", "Node that runs the camera ('none': the primary)",
                      [](Camera& c, const std::string& v) { c.node = optional_text(v); }),
    };
  }
};

struct ProfileTraits {
  using Entity = StreamProfile;
  using Store = ProfileStore;
  static constexpr const char* kCommand = "profile";
  static constexpr const char* kNoun = "profile";
  static constexpr const char* kHelp = "Stream profiles: how a camera is processed";
  static constexpr const char* kKeyHelp = "profile id or name";
  static constexpr bool kLabelFirst = false;
  static std::string label(const StreamProfile& profile) { return profile.name; }
  static std::optional<StreamProfile> find_by_label(ProfileStore& store, const std::string& key) {
    return store.find_by_name(key);
  }
  static Json to_json(const StreamProfile& profile, TimeZone) { return bisk::to_json(profile); }
  static Json table_row(const StreamProfile& profile, TimeZone zone) { return to_json(profile, zone); }
  static std::vector<std::string> table_columns() {
    return {"id",          "name",           "is_active", "fps",        "det_set", "rtsp_transport",
            "hb_interval", "snapshot_every", "min_score", "min_face_px"};
  }
  static std::vector<FieldFlag<StreamProfile>> fields() {
    using P = StreamProfile;
    return {
        field<P>(
            "name", "Unique name", [](P& p, const std::string& v) { p.name = v; }, true),
        field<P>("is_active", "true/false",
                 [](P& p, const std::string& v) { p.is_active = parse_bool_flag("is_active", v); }),
        field<P>("fps", "Processed frames per second",
                 [](P& p, const std::string& v) { p.fps = parse_double_flag("fps", v); }),
        field<P>("det_set", "Detector size: auto, 320, 480, 640, 800 or 1024",
                 [](P& p, const std::string& v) { p.det_set = v; }),
        field<P>("rtsp_transport", "inherit, auto, tcp or udp",
                 [](P& p, const std::string& v) { p.rtsp_transport = v; }),
        field<P>("hb_interval", "Seconds between heartbeats",
                 [](P& p, const std::string& v) { p.hb_interval = parse_int_flag("hb_interval", v); }),
        field<P>("snapshot_every", "Seconds between snapshots",
                 [](P& p, const std::string& v) { p.snapshot_every = parse_int_flag("snapshot_every", v); }),
        field<P>("min_score", "Cosine similarity needed for a match (0..1)",
                 [](P& p, const std::string& v) { p.min_score = parse_double_flag("min_score", v); }),
        field<P>("min_face_px", "Smaller faces are ignored",
                 [](P& p, const std::string& v) { p.min_face_px = parse_int_flag("min_face_px", v); }),
    };
  }
};

// "Mon-Fri 08:00-15:00 profile 1": windows alike but for the day, on one line.
std::vector<std::string> summarize_windows(const std::vector<ScheduleWindow>& windows) {
  std::map<std::tuple<int, int, Id>, WeekdaySet> days_by_shape;
  for (const auto& window : windows) {
    days_by_shape[{window.start_minute, window.end_minute, window.profile_id}].add(window.day_of_week);
  }
  std::vector<std::string> lines;
  for (const auto& [shape, days] : days_by_shape) {
    const auto& [start, end, profile_id] = shape;
    std::string day_text;
    const auto list = days.to_list();
    for (size_t i = 0; i < list.size();) {
      size_t j = i;
      while (j + 1 < list.size() && list[j + 1] == list[j] + 1) ++j;
      if (!day_text.empty()) day_text += ",";
      day_text += weekday_name(list[i]);
      if (j > i) day_text += std::string(j > i + 1 ? "-" : ",") + std::string(weekday_name(list[j]));
      i = j + 1;
    }
    lines.push_back(day_text + " " + format_hhmm(start) + "-" + format_hhmm(end) + " profile " +
                    std::to_string(profile_id));
  }
  return lines;
}

struct PolicyTraits {
  using Entity = SchedulePolicy;
  using Store = PolicyStore;
  static constexpr const char* kCommand = "policy";
  static constexpr const char* kNoun = "policy";
  static constexpr const char* kHelp = "Schedule policies: weekly windows that run cameras with a profile";
  static constexpr const char* kKeyHelp = "policy id or name";
  static constexpr bool kLabelFirst = false;
  static std::string label(const SchedulePolicy& policy) { return policy.name; }
  static std::optional<SchedulePolicy> find_by_label(PolicyStore& store, const std::string& key) {
    return store.find_by_name(key);
  }
  static Json to_json(const SchedulePolicy& policy, TimeZone) { return bisk::to_json(policy); }
  // The API form, with windows and exceptions summarised to fit a table cell.
  static Json table_row(const SchedulePolicy& policy, TimeZone zone) {
    Json row = to_json(policy, zone);
    std::string windows;
    for (const auto& line : summarize_windows(policy.windows)) windows += (windows.empty() ? "" : "; ") + line;
    row["windows"] = windows;
    Json exceptions = Json::array();
    for (const auto& exception : policy.exceptions) exceptions.push_back(format_date(exception.date));
    row["exceptions"] = exceptions;
    return row;
  }
  static std::vector<std::string> table_columns() {
    return {"id", "name", "is_enabled", "camera_ids", "windows", "exceptions"};
  }
  static std::vector<FieldFlag<SchedulePolicy>> fields() {
    using P = SchedulePolicy;
    return {
        field<P>(
            "name", "Unique name", [](P& p, const std::string& v) { p.name = v; }, true),
        field<P>("is_enabled", "true/false",
                 [](P& p, const std::string& v) { p.is_enabled = parse_bool_flag("is_enabled", v); }),
        field<P>("camera_ids", "Comma-separated camera ids ('' for none)",
                 [](P& p, const std::string& v) { p.camera_ids = parse_id_list_flag("camera_ids", v); }),
        FieldFlag<P>{"window",
                     "DAYS,START,END,PROFILE, e.g. mon-fri,08:00,12:00,HD (END < START runs overnight, END = START "
                     "is the whole day); repeat for more; replaces every window; 'none' removes them",
                     false, true,
                     [](P& p, const std::vector<std::string>& values, FieldContext& context) {
                       p.windows.clear();
                       for (const auto& value : values) {
                         if (value == "none") continue;
                         for (auto& window : parse_windows(value, context)) p.windows.push_back(window);
                       }
                     }},
        FieldFlag<P>{"exception",
                     "DATE[,off]: the policy is off for windows starting on DATE; repeat for more; replaces every "
                     "exception; 'none' removes them",
                     false, true,
                     [](P& p, const std::vector<std::string>& values, FieldContext&) {
                       p.exceptions.clear();
                       for (const auto& value : values) {
                         if (value == "none") continue;
                         auto parts = split_commas(value);
                         ScheduleException exception;
                         exception.date = parse_date_flag("exception", parts.empty() ? value : parts[0]);
                         if (parts.size() > 1) exception.mode = parts[1];
                         p.exceptions.push_back(exception);
                       }
                     }},
    };
  }
};

struct PeriodTemplateTraits {
  using Entity = PeriodTemplate;
  using Store = PeriodTemplateStore;
  static constexpr const char* kCommand = "period-template";
  static constexpr const char* kNoun = "period template";
  static constexpr const char* kHelp = "Period templates: the timetable's class periods";
  static constexpr const char* kKeyHelp = "period template id";
  static constexpr bool kLabelFirst = false;
  static std::string label(const PeriodTemplate& period_template) { return period_template.name; }
  static std::optional<PeriodTemplate> find_by_label(PeriodTemplateStore&, const std::string&) { return std::nullopt; }
  static Json to_json(const PeriodTemplate& period_template, TimeZone) { return bisk::to_json(period_template); }
  static Json table_row(const PeriodTemplate& period_template, TimeZone zone) { return to_json(period_template, zone); }
  static std::vector<std::string> table_columns() {
    return {"id",        "name", "order", "start", "end", "weekdays", "early_grace_minutes", "late_grace_minutes",
            "is_enabled"};
  }
  static std::vector<FieldFlag<PeriodTemplate>> fields() {
    using T = PeriodTemplate;
    return {
        field<T>(
            "name", "Name, e.g. 'Period 1'", [](T& t, const std::string& v) { t.name = v; }, true),
        field<T>("order", "Sort order", [](T& t, const std::string& v) { t.order = parse_int_flag("order", v); }),
        field<T>(
            "start", "Start HH:MM", [](T& t, const std::string& v) { t.start_minute = parse_hhmm_flag("start", v); },
            true),
        field<T>(
            "end", "End HH:MM (before start: ends the next day)",
            [](T& t, const std::string& v) { t.end_minute = parse_hhmm_flag("end", v); }, true),
        field<T>("weekdays", "Days, e.g. mon-fri or 0,2,4 (0 = Monday)",
                 [](T& t, const std::string& v) { t.weekdays = parse_weekdays_flag("weekdays", v); }),
        field<T>("early_grace_minutes", "Minutes the period opens early",
                 [](T& t, const std::string& v) { t.early_grace_minutes = parse_int_flag("early_grace_minutes", v); }),
        field<T>("late_grace_minutes", "Minutes the period stays open late",
                 [](T& t, const std::string& v) { t.late_grace_minutes = parse_int_flag("late_grace_minutes", v); }),
        field<T>("is_enabled", "true/false",
                 [](T& t, const std::string& v) { t.is_enabled = parse_bool_flag("is_enabled", v); }),
    };
  }
};

struct StudentTraits {
  using Entity = Student;
  using Store = StudentStore;
  static constexpr const char* kCommand = "student";
  static constexpr const char* kNoun = "student";
  static constexpr const char* kHelp = "Students";
  static constexpr const char* kKeyHelp = "student code (or id)";
  static constexpr bool kLabelFirst = true;
  static std::string label(const Student& student) { return student.code; }
  static std::optional<Student> find_by_label(StudentStore& store, const std::string& key) {
    return store.find_by_code(key);
  }
  static Json to_json(const Student& student, TimeZone) { return bisk::to_json(student); }
  static Json table_row(const Student& student, TimeZone zone) { return to_json(student, zone); }
  static std::vector<std::string> table_columns() { return {"id", "code", "first_name", "last_name", "is_active"}; }
  static std::vector<FieldFlag<Student>> fields() {
    using S = Student;
    return {
        field<S>(
            "code", "Unique student code", [](S& s, const std::string& v) { s.code = v; }, true),
        field<S>("first_name", "First name", [](S& s, const std::string& v) { s.first_name = v; }),
        field<S>("last_name", "Last name", [](S& s, const std::string& v) { s.last_name = v; }),
        field<S>("is_active", "true/false",
                 [](S& s, const std::string& v) { s.is_active = parse_bool_flag("is_active", v); }),
    };
  }
};

void add_pause_commands(CLI::App& camera_group, CommandContext& context) {
  auto* pause = camera_group.add_subcommand("pause", "Pause a camera for some minutes or until an instant");
  auto key = std::make_shared<std::string>();
  auto minutes = std::make_shared<int>(0);
  auto until = std::make_shared<std::string>();
  pause->add_option("key", *key, CameraTraits::kKeyHelp)->required();
  auto* minutes_option =
      pause->add_option("--minutes", *minutes, "Pause for this many minutes")->check(CLI::Range(1, 60 * 24 * 366));
  auto* until_option = pause->add_option("--until", *until, "Pause until this instant (ISO-8601 with offset)");
  minutes_option->excludes(until_option);
  pause->callback([&context, key, minutes, until, minutes_option, until_option] {
    if (!minutes_option->count() && !until_option->count()) throw UsageError("give --minutes N or --until INSTANT");
    const Instant pause_until =
        until_option->count() ? parse_instant_flag("until", *until) : now_instant() + std::chrono::minutes(*minutes);
    CameraStore store(context.database());
    const Camera camera = require_entity<CameraTraits>(store, *key);
    store.set_pause_until(camera.id, pause_until);
    std::cout << "Paused " << describe<CameraTraits>(camera) << " until " << format_instant(pause_until, context.zone())
              << ".\n";
  });

  auto* unpause = camera_group.add_subcommand("unpause", "End a camera's pause now");
  auto unpause_key = std::make_shared<std::string>();
  unpause->add_option("key", *unpause_key, CameraTraits::kKeyHelp)->required();
  unpause->callback([&context, unpause_key] {
    CameraStore store(context.database());
    const Camera camera = require_entity<CameraTraits>(store, *unpause_key);
    store.set_pause_until(camera.id, std::nullopt);
    std::cout << "Unpaused " << describe<CameraTraits>(camera) << ".\n";
  });
}

}  // namespace

void add_catalog_commands(CLI::App& app, CommandContext& context) {
  auto* camera_group = add_crud_commands<CameraTraits>(app, context);
  add_pause_commands(*camera_group, context);
  add_crud_commands<ProfileTraits>(app, context);
  add_crud_commands<PolicyTraits>(app, context);
  add_crud_commands<PeriodTemplateTraits>(app, context);
  add_crud_commands<StudentTraits>(app, context);
}

}  // namespace bisk
