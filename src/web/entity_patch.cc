#include "web/entity_patch.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"

namespace bisk {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  std::string text = path;
  text += ": ";
  text += message;
  throw BodyError(text);
}

// "must be a number (got string)": the JSON type, never the value, which may
// be long or secret (a camera URL).
[[noreturn]] void wrong_type(const std::string& path, const Json& value, std::string_view expected) {
  std::string message = "must be ";
  message += expected;
  message += " (got ";
  message += value.type_name();
  message += ")";
  fail(path, message);
}

std::string read_string(const Json& value, const std::string& path) {
  if (!value.is_string()) wrong_type(path, value, "a string");
  return value.get<std::string>();
}

bool read_bool(const Json& value, const std::string& path) {
  if (!value.is_boolean()) wrong_type(path, value, "true or false");
  return value.get<bool>();
}

double read_number(const Json& value, const std::string& path) {
  if (!value.is_number()) wrong_type(path, value, "a number");
  return value.get<double>();
}

// An integral JSON number within [min, max]; 5.0 counts as 5.
long long read_integer(const Json& value, const std::string& path, long long min, long long max) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<unsigned long long>();
    if (number > static_cast<unsigned long long>(max)) fail(path, "is out of range");
    return static_cast<long long>(number);
  }
  long long number = 0;
  if (value.is_number_integer()) {
    number = value.get<long long>();
  } else if (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>() &&
             std::fabs(value.get<double>()) < 9e15) {
    number = static_cast<long long>(value.get<double>());
  } else {
    wrong_type(path, value, "an integer");
  }
  if (number < min || number > max) fail(path, "is out of range");
  return number;
}

int read_int(const Json& value, const std::string& path) {
  return static_cast<int>(read_integer(value, path, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

Id read_id(const Json& value, const std::string& path) {
  return read_integer(value, path, std::numeric_limits<Id>::min(), std::numeric_limits<Id>::max());
}

int read_hhmm(const Json& value, const std::string& path) {
  const auto minute = value.is_string() ? parse_hhmm(value.get<std::string>()) : std::nullopt;
  if (!minute) wrong_type(path, value, "a time of day \"HH:MM\"");
  return *minute;
}

LocalDate read_date(const Json& value, const std::string& path) {
  const auto date = value.is_string() ? parse_date(value.get<std::string>()) : std::nullopt;
  if (!date) wrong_type(path, value, "a date \"YYYY-MM-DD\"");
  return *date;
}

Instant read_instant(const Json& value, const std::string& path) {
  const auto instant = value.is_string() ? parse_instant(value.get<std::string>()) : std::nullopt;
  if (!instant) wrong_type(path, value, "an instant, ISO-8601 with offset (e.g. \"2026-11-27T08:00:00+01:00\")");
  return *instant;
}

const Json& read_array(const Json& value, const std::string& path) {
  if (!value.is_array()) wrong_type(path, value, "an array");
  return value;
}

std::string item_path(const std::string& path, size_t index) {
  std::string text = path;
  text += '[';
  text += std::to_string(index);
  text += ']';
  return text;
}

std::vector<Id> read_id_list(const Json& value, const std::string& path) {
  std::vector<Id> ids;
  for (size_t i = 0; i < read_array(value, path).size(); ++i) ids.push_back(read_id(value[i], item_path(path, i)));
  return ids;
}

WeekdaySet read_weekdays(const Json& value, const std::string& path) {
  WeekdaySet days;
  for (size_t i = 0; i < read_array(value, path).size(); ++i) {
    const int day = read_int(value[i], item_path(path, i));
    if (day < 0 || day > 6) fail(item_path(path, i), "must be between 0 (Monday) and 6 (Sunday)");
    days.add(day);
  }
  return days;
}

// null clears an optional field.
template <typename T, typename Reader>
std::optional<T> read_nullable(const Json& value, const std::string& path, Reader reader) {
  if (value.is_null()) return std::nullopt;
  return reader(value, path);
}

template <typename Target>
struct Field {
  std::string_view name;
  bool required_on_create;
  std::function<void(const Json& value, const std::string& path, Target& target)> apply;
};

template <typename Target>
using Fields = std::vector<Field<Target>>;

// Fields of the JSON form that a client cannot set.
struct ObjectRules {
  std::vector<std::string_view> read_only;
  std::vector<std::string_view> ignored;  // accepted and dropped (ids of list items)
};

std::string join_names(const std::vector<std::string_view>& names) {
  std::string text;
  for (const auto name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// `prefix` is the path of the object itself ("" for the body, "windows[0]" for
// an item), so messages name nested fields in full.
template <typename Target>
void apply_fields(const Json& object, ApplyMode mode, const std::string& prefix, const Fields<Target>& fields,
                  const ObjectRules& rules, Target& target) {
  const auto path_of = [&prefix](std::string_view name) {
    std::string path = prefix;
    if (!path.empty()) path += '.';
    path += name;
    return path;
  };
  if (!object.is_object()) wrong_type(prefix.empty() ? "body" : prefix, object, "a JSON object");
  std::vector<std::string_view> allowed;
  for (const auto& field : fields) allowed.push_back(field.name);
  std::vector<std::string> unknown;
  for (const auto& [key, value] : object.items()) {
    const auto is = [&key](std::string_view name) { return name == key; };
    if (std::any_of(rules.read_only.begin(), rules.read_only.end(), is)) fail(path_of(key), "is read-only");
    if (std::none_of(allowed.begin(), allowed.end(), is) &&
        std::none_of(rules.ignored.begin(), rules.ignored.end(), is))
      unknown.push_back(bisk::quoted(path_of(key)));
  }
  if (!unknown.empty()) {
    std::string message = "unknown field";
    message += unknown.size() > 1 ? "s " : " ";
    for (size_t i = 0; i < unknown.size(); ++i) {
      if (i) message += ", ";
      message += unknown[i];
    }
    message += " (allowed: ";
    message += join_names(allowed);
    message += ")";
    throw BodyError(message);
  }
  for (const auto& field : fields) {
    const auto found = object.find(std::string(field.name));
    if (found == object.end()) {
      if (mode == ApplyMode::kCreate && field.required_on_create) fail(path_of(field.name), "is required");
      continue;
    }
    field.apply(*found, path_of(field.name), target);
  }
}

// Field builders: a name, whether creation needs it, and a member to set.
template <typename Target, typename Value, typename Reader>
Field<Target> member(std::string_view name, Value Target::*pointer, Reader reader, bool required = false) {
  return {name, required, [pointer, reader](const Json& value, const std::string& path, Target& target) {
            target.*pointer = reader(value, path);
          }};
}

template <typename Target, typename Value, typename Reader>
Field<Target> nullable_member(std::string_view name, std::optional<Value> Target::*pointer, Reader reader) {
  return {name, false, [pointer, reader](const Json& value, const std::string& path, Target& target) {
            target.*pointer = read_nullable<Value>(value, path, reader);
          }};
}

ScheduleWindow read_window(const Json& value, const std::string& path) {
  static const Fields<ScheduleWindow> fields = {
      member("day_of_week", &ScheduleWindow::day_of_week, read_int, true),
      member("start", &ScheduleWindow::start_minute, read_hhmm, true),
      member("end", &ScheduleWindow::end_minute, read_hhmm, true),
      member("profile_id", &ScheduleWindow::profile_id, read_id, true),
  };
  ScheduleWindow window;
  apply_fields(value, ApplyMode::kCreate, path, fields, {{}, {"id"}}, window);
  return window;
}

ScheduleException read_exception(const Json& value, const std::string& path) {
  static const Fields<ScheduleException> fields = {
      member("date", &ScheduleException::date, read_date, true),
      member("mode", &ScheduleException::mode, read_string),
  };
  ScheduleException exception;
  apply_fields(value, ApplyMode::kCreate, path, fields, {{}, {"id"}}, exception);
  return exception;
}

template <typename Item, typename Reader>
std::vector<Item> read_list(const Json& value, const std::string& path, Reader reader) {
  std::vector<Item> items;
  for (size_t i = 0; i < read_array(value, path).size(); ++i) items.push_back(reader(value[i], item_path(path, i)));
  return items;
}

}  // namespace

void apply_json(const Json& body, ApplyMode mode, Camera& camera) {
  static const Fields<Camera> fields = {
      member("name", &Camera::name, read_string, true),
      member("url", &Camera::url, read_string, true),
      member("location", &Camera::location, read_string),
      member("is_active", &Camera::is_active, read_bool),
      member("rtsp_transport", &Camera::rtsp_transport, read_string),
      member("period_template_ids", &Camera::period_template_ids, read_id_list),
      nullable_member("node", &Camera::node, read_string),
  };
  // pause_until changes only through the pause/unpause actions.
  apply_fields(body, mode, "", fields, {{"id", "pause_until"}, {}}, camera);
}

void apply_json(const Json& body, ApplyMode mode, StreamProfile& profile) {
  using P = StreamProfile;
  static const Fields<P> fields = {
      member("name", &P::name, read_string, true),
      member("is_active", &P::is_active, read_bool),
      member("fps", &P::fps, read_number),
      member("det_set", &P::det_set, read_string),
      member("rtsp_transport", &P::rtsp_transport, read_string),
      member("hb_interval", &P::hb_interval, read_int),
      member("snapshot_every", &P::snapshot_every, read_int),
      member("min_score", &P::min_score, read_number),
      member("min_face_px", &P::min_face_px, read_int),
  };
  apply_fields(body, mode, "", fields, {{"id"}, {}}, profile);
}

void apply_json(const Json& body, ApplyMode mode, SchedulePolicy& policy) {
  using P = SchedulePolicy;
  static const Fields<P> fields = {
      member("name", &P::name, read_string, true),
      member("is_enabled", &P::is_enabled, read_bool),
      member("camera_ids", &P::camera_ids, read_id_list),
      member("windows", &P::windows,
             [](const Json& value, const std::string& path) {
               return read_list<ScheduleWindow>(value, path, read_window);
             }),
      member("exceptions", &P::exceptions,
             [](const Json& value, const std::string& path) {
               return read_list<ScheduleException>(value, path, read_exception);
             }),
  };
  apply_fields(body, mode, "", fields, {{"id"}, {}}, policy);
}

void apply_json(const Json& body, ApplyMode mode, PeriodTemplate& period_template) {
  using T = PeriodTemplate;
  static const Fields<T> fields = {
      member("name", &T::name, read_string, true),
      member("order", &T::order, read_int),
      member("start", &T::start_minute, read_hhmm, true),
      member("end", &T::end_minute, read_hhmm, true),
      member("weekdays", &T::weekdays, read_weekdays),
      member("early_grace_minutes", &T::early_grace_minutes, read_int),
      member("late_grace_minutes", &T::late_grace_minutes, read_int),
      member("is_enabled", &T::is_enabled, read_bool),
  };
  apply_fields(body, mode, "", fields, {{"id"}, {}}, period_template);
}

void apply_json(const Json& body, ApplyMode mode, Student& student) {
  static const Fields<Student> fields = {
      member("code", &Student::code, read_string, true),
      member("first_name", &Student::first_name, read_string),
      member("last_name", &Student::last_name, read_string),
      member("is_active", &Student::is_active, read_bool),
  };
  apply_fields(body, mode, "", fields, {{"id"}, {}}, student);
}

void apply_json(const Json& body, ApplyMode mode, ResourceSettings& settings) {
  using R = ResourceSettings;
  static const Fields<R> fields = {
      member("is_active", &R::is_active, read_bool),
      nullable_member("device", &R::device, read_string),
      nullable_member("gpu_index", &R::gpu_index, read_int),
      nullable_member("hwaccel", &R::hwaccel, read_string),
      nullable_member("cpu_nice", &R::cpu_nice, read_int),
      nullable_member("cpu_affinity", &R::cpu_affinity, read_string),
      nullable_member("max_fps", &R::max_fps, read_number),
      nullable_member("det_set_max", &R::det_set_max, read_string),
      nullable_member("min_face_px", &R::min_face_px, read_int),
      nullable_member("crop_format", &R::crop_format, read_string),
      nullable_member("crop_quality", &R::crop_quality, read_int),
  };
  // The camera comes from the path, never from the body.
  apply_fields(body, mode, "", fields, {{"id", "camera_id"}, {}}, settings);
}

void apply_json(const Json& body, ApplyMode mode, PeriodOccurrence& occurrence) {
  static const Fields<PeriodOccurrence> fields = {
      member("is_school_day", &PeriodOccurrence::is_school_day, read_bool, true),
  };
  apply_fields(body, mode, "", fields, {{"id", "template_id", "date", "start_at", "end_at"}, {}}, occurrence);
}

void apply_json(const Json& body, ApplyMode mode, PauseRequest& request) {
  static const Fields<PauseRequest> fields = {
      nullable_member("minutes", &PauseRequest::minutes,
                      [](const Json& value, const std::string& path) {
                        return read_integer(value, path, std::numeric_limits<long long>::min(),
                                            std::numeric_limits<long long>::max());
                      }),
      nullable_member("until", &PauseRequest::until, read_instant),
  };
  apply_fields(body, mode, "", fields, {}, request);
  if (request.minutes.has_value() == request.until.has_value()) {
    throw BodyError("give exactly one of \"minutes\" (a number of minutes) or \"until\" (an instant)");
  }
}

void apply_json(const Json& body, ApplyMode mode, RollRequest& request) {
  static const Fields<RollRequest> fields = {
      member("days", &RollRequest::days, read_int),
      nullable_member("from", &RollRequest::from, read_date),
  };
  apply_fields(body, mode, "", fields, {}, request);
}

}  // namespace bisk
