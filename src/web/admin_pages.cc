#include "web/admin_pages.h"

#include <functional>
#include <map>

#include "common/time.h"
#include "store/catalog_stores.h"
#include "store/user_store.h"
#include "web/auth.h"
#include "web/dashboard_pages.h"
#include "web/http_util.h"
#include "web/operator_api.h"
#include "web/routes.h"

namespace bisk {
namespace {

using Kind = FormField::Kind;
using Options = std::vector<std::pair<std::string, std::string>>;

// What a page shows for one of its records besides the cells: buttons that
// call the operator API (`body`: the JSON sent, empty for none) and links.
struct RowAction {
  std::string label;
  std::string url;
  std::string method = "POST";
  std::string body;
  std::string confirm;
  bool danger = false;
};

RowAction post(std::string label, std::string url, std::string body = "") {
  RowAction action;
  action.label = std::move(label);
  action.url = std::move(url);
  action.body = std::move(body);
  return action;
}

// One page of the dashboard over one kind of record.
struct RecordPage {
  std::string path;   // "/dash/cameras/"
  std::string nav;    // the layout flag that marks its menu entry
  std::string title;  // "Cameras"
  std::string noun;   // "camera"
  std::string api;    // "/api/v1/cameras": POST creates, PATCH/DELETE api/{id} edit and remove
  std::vector<std::pair<std::string, std::string>> columns;  // record key, heading
  bool editable = true;                                      // create, edit and delete forms
  std::function<std::vector<FormField>(Database&)> fields;   // the forms' inputs
  std::vector<FormField> edit_only_fields;                   // when set, what an edit form has instead of `fields`
  std::vector<FormField> filters;                            // GET query inputs of a list
  std::function<Json(WebContext&, const httplib::Request&)> records;
  std::function<std::vector<RowAction>(const Json& record)> actions;
  std::function<Json(WebContext&, const Json& record)> extras;  // more row flags for the template
  // Where a record's edit form goes (default: api/{id}) and with which method.
  std::function<std::string(const Json& record)> record_url;
  std::string edit_method = "PATCH";
  Json new_record;  // what the create form starts from: the entity's defaults
  bool creatable = true;
  bool deletable = true;
  std::vector<RowAction> page_actions;  // buttons above the list
};

// Names for the ids a list shows ("Gate (#3)"), read once per page.
class Names {
 public:
  explicit Names(Database& db) : db_(db) {
    for (const Camera& camera : CameraStore(db).list()) cameras_.emplace(camera.id, camera.name);
    for (const StreamProfile& profile : ProfileStore(db).list()) profiles_.emplace(profile.id, profile.name);
    for (const PeriodTemplate& period : PeriodTemplateStore(db).list()) templates_.emplace(period.id, period.name);
    for (const Student& student : StudentStore(db).list())
      students_.emplace(student.id, student.first_name + " " + student.last_name + " (" + student.code + ")");
  }

  // The cell text of `value` under `key`: a known id with its name, else as it is.
  std::string cell(const std::string& key, const Json& value) {
    if (!value.is_number_integer()) return display_text(value, ", ");
    const Id id = value.get<Id>();
    const std::string number = "#" + std::to_string(id);
    const auto named = [&](const std::map<Id, std::string>& names) {
      const auto found = names.find(id);
      return found == names.end() ? number : found->second + " (" + number + ")";
    };
    if (key == "camera_id" || key == "best_camera_id") return named(cameras_);
    if (key == "profile_id") return named(profiles_);
    if (key == "student_id") return named(students_);
    if (key == "template_id") return named(templates_);
    if (key == "occurrence_id") return occurrence(id);
    return display_text(value, ", ");
  }

 private:
  std::string occurrence(Id id) {
    auto [it, fresh] = occurrences_.try_emplace(id, "#" + std::to_string(id));
    if (fresh) {
      if (const auto found = OccurrenceStore(db_).find(id)) {
        const auto name = templates_.find(found->template_id);
        it->second = (name == templates_.end() ? std::string("period") : name->second) + " " +
                     format_date(found->date) + " (#" + std::to_string(id) + ")";
      }
    }
    return it->second;
  }

  Database& db_;
  std::map<Id, std::string> cameras_, profiles_, templates_, students_, occurrences_;
};

Json field_flags(Kind kind) {
  return {{"is_text", kind == Kind::kText},
          {"is_write_only", kind == Kind::kWriteOnly},
          {"is_int", kind == Kind::kInt},
          {"is_number", kind == Kind::kNumber},
          {"is_bool", kind == Kind::kBool},
          {"is_choice", kind == Kind::kChoice || kind == Kind::kIntChoice},
          {"is_int_choice", kind == Kind::kIntChoice},
          {"is_checks", kind == Kind::kChecks},
          {"is_time", kind == Kind::kTime},
          {"is_date", kind == Kind::kDate},
          {"is_rows", kind == Kind::kRows}};
}

std::string value_text(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

bool contains_value(const Json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const Json& item : list)
    if (value_text(item) == value) return true;
  return false;
}

Json rows_view(const FormField& field, const Json& value) {
  Json rows = Json::array();
  if (value.is_array()) {
    for (const Json& row : value) {
      Json fields = Json::array();
      for (const FormField& row_field : field.row_fields)
        fields.push_back(field_view(
            row_field, row.is_object() && row.contains(row_field.name) ? row[row_field.name] : Json(nullptr)));
      rows.push_back({{"fields", fields}});
    }
  }
  return rows;
}

Json blank_row(const FormField& field) {
  Json fields = Json::array();
  for (const FormField& row_field : field.row_fields) fields.push_back(field_view(row_field, nullptr));
  return {{"fields", fields}};
}

Options records_as_options(const Json& records, const char* label_key) {
  Options options;
  for (const Json& record : records)
    options.emplace_back(std::to_string(record["id"].get<Id>()), record[label_key].get<std::string>());
  return options;
}

Options weekday_options() {
  Options options;
  for (int day = 0; day < 7; ++day) options.emplace_back(std::to_string(day), std::string(weekday_name(day)));
  return options;
}

FormField field(std::string name, std::string label, Kind kind, Options options = {}) {
  FormField result;
  result.name = std::move(name);
  result.label = std::move(label);
  result.kind = kind;
  result.options = std::move(options);
  return result;
}

const Options kTransports = {{"auto", "auto"}, {"tcp", "tcp"}, {"udp", "udp"}};
const Options kDetSets = {{"auto", "auto"}, {"320", "320"}, {"480", "480"},
                          {"640", "640"},   {"800", "800"}, {"1024", "1024"}};

Json camera_records(Database& db, TimeZone zone) {
  Json items = Json::array();
  for (const Camera& camera : CameraStore(db).list()) items.push_back(to_json(camera, zone));
  return items;
}
Json profile_records(Database& db) {
  Json items = Json::array();
  for (const StreamProfile& profile : ProfileStore(db).list()) items.push_back(to_json(profile));
  return items;
}
Json template_records(Database& db) {
  Json items = Json::array();
  for (const PeriodTemplate& period_template : PeriodTemplateStore(db).list())
    items.push_back(to_json(period_template));
  return items;
}

RecordPage cameras_page() {
  RecordPage page;
  page.path = "/dash/cameras/";
  page.nav = "nav_cameras";
  page.title = "Cameras";
  page.noun = "camera";
  page.api = "/api/v1/cameras";
  page.columns = {{"id", "#"},
                  {"name", "Name"},
                  {"url", "Stream"},
                  {"location", "Location"},
                  {"is_active", "Active"},
                  {"pause_until", "Paused until"},
                  {"rtsp_transport", "RTSP"},
                  {"node", "Node"}};
  page.fields = [](Database& db) {
    FormField url = field("url", "Stream URL", Kind::kWriteOnly);
    url.hint = "rtsp://, http(s):// or file://; stored as given, always shown masked";
    FormField node = field("node", "Node", Kind::kText);
    node.nullable = true;
    node.hint = "empty: run by the primary enforcer";
    return std::vector<FormField>{
        field("name", "Name", Kind::kText),
        url,
        field("location", "Location", Kind::kText),
        field("is_active", "Active", Kind::kBool),
        field("rtsp_transport", "RTSP transport", Kind::kChoice, kTransports),
        field("period_template_ids", "Periods", Kind::kChecks, records_as_options(template_records(db), "name")),
        node};
  };
  page.records = [](WebContext& context, const httplib::Request&) {
    return camera_records(context.db(), context.zone());
  };
  page.new_record = to_json(Camera{}, nullptr);
  page.actions = [](const Json& camera) {
    const std::string base = "/api/v1/cameras/" + std::to_string(camera["id"].get<Id>());
    std::vector<RowAction> actions = {post("Pause 30 min", base + "/pause", R"({"minutes":30})"),
                                      post("Pause 2 h", base + "/pause", R"({"minutes":120})")};
    if (!camera["pause_until"].is_null()) actions.push_back(post("Unpause", base + "/unpause"));
    actions.push_back(post("Test stream", base + "/test"));
    return actions;
  };
  page.extras = [](WebContext&, const Json& camera) {
    const std::string id = std::to_string(camera["id"].get<Id>());
    return Json{{"pause_until_url", "/api/v1/cameras/" + id + "/pause"},
                {"snapshot_href", "/media/snapshots/" + id + ".jpg"}};
  };
  return page;
}

RecordPage profiles_page() {
  RecordPage page;
  page.path = "/dash/profiles/";
  page.nav = "nav_profiles";
  page.title = "Profiles";
  page.noun = "profile";
  page.api = "/api/v1/profiles";
  page.columns = {{"id", "#"},
                  {"name", "Name"},
                  {"is_active", "Active"},
                  {"fps", "FPS"},
                  {"det_set", "Detector size"},
                  {"rtsp_transport", "RTSP"},
                  {"hb_interval", "Heartbeat s"},
                  {"snapshot_every", "Snapshot s"},
                  {"min_score", "Min score"},
                  {"min_face_px", "Min face px"}};
  page.fields = [](Database&) {
    return std::vector<FormField>{field("name", "Name", Kind::kText),
                                  field("is_active", "Active", Kind::kBool),
                                  field("fps", "Processed FPS", Kind::kNumber),
                                  field("det_set", "Detector size", Kind::kChoice, kDetSets),
                                  field("rtsp_transport", "RTSP transport", Kind::kChoice, kTransports),
                                  field("hb_interval", "Heartbeat interval (s)", Kind::kInt),
                                  field("snapshot_every", "Snapshot every (s, 0 = never)", Kind::kInt),
                                  field("min_score", "Minimum match score", Kind::kNumber),
                                  field("min_face_px", "Minimum face size (px)", Kind::kInt)};
  };
  page.records = [](WebContext& context, const httplib::Request&) { return profile_records(context.db()); };
  page.new_record = to_json(StreamProfile{});
  return page;
}

RecordPage policies_page() {
  RecordPage page;
  page.path = "/dash/policies/";
  page.nav = "nav_policies";
  page.title = "Policies";
  page.noun = "policy";
  page.api = "/api/v1/policies";
  page.columns = {{"id", "#"},
                  {"name", "Name"},
                  {"is_enabled", "Enabled"},
                  {"camera_ids", "Cameras"},
                  {"windows", "Windows"},
                  {"exceptions", "Exceptions"}};
  page.fields = [](Database& db) {
    FormField windows = field("windows", "Windows", Kind::kRows);
    windows.hint = "end before start runs overnight; end = start is the whole day";
    windows.row_fields = {
        field("day_of_week", "Day", Kind::kIntChoice, weekday_options()), field("start", "Start", Kind::kTime),
        field("end", "End", Kind::kTime),
        field("profile_id", "Profile", Kind::kIntChoice, records_as_options(profile_records(db), "name"))};
    FormField exceptions = field("exceptions", "Days off", Kind::kRows);
    exceptions.row_fields = {field("date", "Date", Kind::kDate),
                             field("mode", "Mode", Kind::kChoice, {{"off", "off"}})};
    return std::vector<FormField>{
        field("name", "Name", Kind::kText), field("is_enabled", "Enabled", Kind::kBool),
        field("camera_ids", "Cameras", Kind::kChecks, records_as_options(camera_records(db, nullptr), "name")), windows,
        exceptions};
  };
  page.records = [](WebContext& context, const httplib::Request&) {
    Json items = Json::array();
    for (const SchedulePolicy& policy : PolicyStore(context.db()).list()) items.push_back(to_json(policy));
    return items;
  };
  page.new_record = to_json(SchedulePolicy{});
  return page;
}

RecordPage period_templates_page() {
  RecordPage page;
  page.path = "/dash/periods/";
  page.nav = "nav_periods";
  page.title = "Period templates";
  page.noun = "period template";
  page.api = "/api/v1/period-templates";
  page.columns = {{"id", "#"},
                  {"name", "Name"},
                  {"order", "Order"},
                  {"start", "Start"},
                  {"end", "End"},
                  {"weekdays", "Days"},
                  {"early_grace_minutes", "Early grace min"},
                  {"late_grace_minutes", "Late grace min"},
                  {"is_enabled", "Enabled"}};
  page.fields = [](Database&) {
    return std::vector<FormField>{field("name", "Name", Kind::kText),
                                  field("order", "Order", Kind::kInt),
                                  field("start", "Start", Kind::kTime),
                                  field("end", "End", Kind::kTime),
                                  field("weekdays", "Days", Kind::kChecks, weekday_options()),
                                  field("early_grace_minutes", "Early grace (min)", Kind::kInt),
                                  field("late_grace_minutes", "Late grace (min)", Kind::kInt),
                                  field("is_enabled", "Enabled", Kind::kBool)};
  };
  page.records = [](WebContext& context, const httplib::Request&) { return template_records(context.db()); };
  page.new_record = to_json(PeriodTemplate{});
  return page;
}

RecordPage occurrences_page() {
  RecordPage page;
  page.path = "/dash/occurrences/";
  page.nav = "nav_occurrences";
  page.title = "Period occurrences";
  page.noun = "occurrence";
  page.api = "/api/v1/occurrences";
  page.columns = {{"date", "Date"},
                  {"template_id", "Period"},
                  {"start_at", "Starts"},
                  {"end_at", "Ends (grace included)"},
                  {"is_school_day", "School day"}};
  page.editable = false;
  page.filters = {field("from", "From", Kind::kDate), field("days", "Days", Kind::kInt)};
  page.records = [](WebContext& context, const httplib::Request& request) {
    const LocalDate first = query_date(request, "from").value_or(to_local(now_instant(), context.zone()).date);
    const auto days = query_integer(request, "days", 1, 366).value_or(7);
    Json items = Json::array();
    for (const PeriodOccurrence& occurrence :
         OccurrenceStore(context.db()).list_dated(first, add_days(first, days - 1)))
      items.push_back(to_json(occurrence, context.zone()));
    return items;
  };
  page.actions = [](const Json& occurrence) {
    const std::string url = "/api/v1/occurrences/" + std::to_string(occurrence["id"].get<Id>());
    RowAction action = occurrence["is_school_day"].get<bool>() ? post("Mark holiday", url, R"({"is_school_day":false})")
                                                               : post("School day", url, R"({"is_school_day":true})");
    action.method = "PATCH";
    return std::vector<RowAction>{action};
  };
  page.page_actions = {post("Roll 7 days", "/api/v1/occurrences/roll", R"({"days":7})")};
  return page;
}

RecordPage resources_page() {
  RecordPage page;
  page.path = "/dash/resources/";
  page.nav = "nav_resources";
  page.title = "Resource settings";
  page.noun = "resource settings";
  page.api = "/api/v1/resources/global";
  page.columns = {{"scope", "For"},
                  {"is_active", "Active"},
                  {"device", "Device"},
                  {"gpu_index", "GPU"},
                  {"hwaccel", "HW decode"},
                  {"cpu_nice", "Nice"},
                  {"cpu_affinity", "CPUs"},
                  {"max_fps", "Max FPS"},
                  {"det_set_max", "Max detector size"},
                  {"min_face_px", "Min face px"},
                  {"crop_format", "Crops"},
                  {"crop_quality", "Crop quality"}};
  page.creatable = false;
  page.deletable = false;
  page.edit_method = "PUT";  // the whole settings: an empty input clears its setting
  page.fields = [](Database&) {
    const auto optional = [](FormField input) {
      input.nullable = true;
      if (input.kind == Kind::kChoice) input.options.insert(input.options.begin(), {"", "not set"});
      return input;
    };
    return std::vector<FormField>{
        field("is_active", "Active", Kind::kBool),
        optional(field("device", "Device", Kind::kChoice, {{"cpu", "cpu"}, {"cuda", "cuda"}})),
        field("gpu_index", "GPU index", Kind::kInt),
        optional(field("hwaccel", "Hardware decoding", Kind::kChoice, {{"none", "none"}, {"cuda", "cuda"}})),
        field("cpu_nice", "CPU nice (-20..19)", Kind::kInt),
        optional(field("cpu_affinity", "CPUs (e.g. 0,2-3)", Kind::kText)),
        field("max_fps", "Max FPS", Kind::kNumber),
        optional(field("det_set_max", "Max detector size", Kind::kChoice, kDetSets)),
        field("min_face_px", "Min face size (px)", Kind::kInt),
        optional(field("crop_format", "Crop format", Kind::kChoice, {{"jpg", "jpg"}, {"png", "png"}})),
        field("crop_quality", "Crop quality (1..100)", Kind::kInt)};
  };
  page.records = [](WebContext& context, const httplib::Request&) {
    ResourceStore store(context.db());
    Json global = to_json(store.global().value_or(ResourceSettings{}));
    global["scope"] = "all cameras";
    global["id"] = "global";
    Json items = Json::array({global});
    for (const Camera& camera : CameraStore(context.db()).list()) {
      ResourceSettings none;
      none.camera_id = camera.id;
      Json settings = to_json(store.for_camera(camera.id).value_or(none));
      settings["scope"] = camera.name;
      settings["id"] = camera.id;
      items.push_back(settings);
    }
    return items;
  };
  page.record_url = [](const Json& record) {
    return record["id"].is_string() ? std::string("/api/v1/resources/global")
                                    : "/api/v1/cameras/" + std::to_string(record["id"].get<Id>()) + "/resources";
  };
  return page;
}

RecordPage users_page() {
  RecordPage page;
  page.path = "/dash/users/";
  page.nav = "nav_users";
  page.title = "Users";
  page.noun = "user";
  page.api = "/api/v1/users";
  page.columns = {{"id", "#"}, {"username", "User name"}, {"is_admin", "Administrator"}, {"created_at", "Created"}};
  FormField password = field("password", "Password (at least 8 characters)", Kind::kWriteOnly);
  page.fields = [password](Database&) {
    return std::vector<FormField>{field("username", "User name", Kind::kText), password,
                                  field("is_admin", "Administrator", Kind::kBool)};
  };
  password.label = "New password (ends the user's sessions)";
  page.edit_only_fields = {password};
  page.records = [](WebContext& context, const httplib::Request&) {
    Json items = Json::array();
    for (const User& user : UserStore(context.db()).list()) items.push_back(to_json(user, context.zone()));
    return items;
  };
  page.new_record = {{"is_admin", true}};
  return page;
}

RecordPage students_page() {
  RecordPage page;
  page.path = "/dash/students/";
  page.nav = "nav_students";
  page.title = "Students";
  page.noun = "student";
  page.api = "/api/v1/students";
  page.columns = {
      {"id", "#"}, {"code", "Code"}, {"first_name", "First name"}, {"last_name", "Last name"}, {"is_active", "Active"}};
  page.fields = [](Database&) {
    return std::vector<FormField>{field("code", "Code", Kind::kText), field("first_name", "First name", Kind::kText),
                                  field("last_name", "Last name", Kind::kText),
                                  field("is_active", "Active", Kind::kBool)};
  };
  page.records = [](WebContext& context, const httplib::Request&) {
    Json items = Json::array();
    for (const Student& student : StudentStore(context.db()).list()) items.push_back(to_json(student));
    return items;
  };
  page.new_record = to_json(Student{});
  page.extras = [](WebContext&, const Json& student) {
    return Json{{"photo_url", "/api/v1/students/" + std::to_string(student["id"].get<Id>()) + "/photos"}};
  };
  return page;
}

RecordPage processes_page() {
  RecordPage page;
  page.path = "/dash/processes/";
  page.nav = "nav_processes";
  page.title = "Runner processes";
  page.noun = "process";
  page.api = "/api/v1/processes";
  page.columns = {{"id", "#"},
                  {"camera_id", "Camera"},
                  {"profile_id", "Profile"},
                  {"node", "Node"},
                  {"pid", "PID"},
                  {"status", "Status"},
                  {"lifecycle", "Lifecycle"},
                  {"started_at", "Started"},
                  {"ended_at", "Ended"},
                  {"exit_code", "Exit code"},
                  {"stop_reason", "Stop reason"},
                  {"restarts", "Restarts"},
                  {"last_heartbeat_at", "Last heartbeat"},
                  {"last_error", "Last error"}};
  page.editable = false;
  page.filters = {field("camera_id", "Camera id", Kind::kInt), field("status", "Status", Kind::kChoice,
                                                                     {{"", "any"},
                                                                      {"starting", "starting"},
                                                                      {"online", "online"},
                                                                      {"stale", "stale"},
                                                                      {"offline", "offline"},
                                                                      {"backoff", "backoff"},
                                                                      {"quarantined", "quarantined"},
                                                                      {"stopped", "stopped"}})};
  page.records = process_items;
  return page;
}

RecordPage heartbeats_page() {
  RecordPage page;
  page.path = "/dash/heartbeats/";
  page.nav = "nav_heartbeats";
  page.title = "Heartbeats";
  page.noun = "heartbeat";
  page.api = "/api/v1/heartbeats";
  page.columns = {{"ts_at", "At"},
                  {"camera_id", "Camera"},
                  {"profile_id", "Profile"},
                  {"pid", "PID"},
                  {"state", "State"},
                  {"camera_fps", "Camera FPS"},
                  {"processed_fps", "Processed FPS"},
                  {"target_fps", "Target FPS"},
                  {"latency_ms", "Latency ms"},
                  {"detected", "Detected"},
                  {"matched", "Matched"},
                  {"reconnects", "Reconnects"},
                  {"last_error", "Last error"}};
  page.editable = false;
  page.filters = {field("camera_id", "Camera id", Kind::kInt), field("profile_id", "Profile id", Kind::kInt)};
  page.records = heartbeat_items;
  return page;
}

RecordPage attendance_page() {
  RecordPage page;
  page.path = "/dash/attendance/";
  page.nav = "nav_attendance";
  page.title = "Attendance";
  page.noun = "record";
  page.api = "/api/v1/attendance/records";
  page.columns = {{"occurrence_id", "Period occurrence"},
                  {"student_id", "Student"},
                  {"first_seen_at", "First seen"},
                  {"last_seen_at", "Last seen"},
                  {"best_score", "Best score"},
                  {"best_camera_id", "Best camera"},
                  {"sightings", "Sightings"}};
  page.editable = false;
  page.filters = {field("date", "Day", Kind::kDate), field("student_id", "Student id", Kind::kInt)};
  page.records = attendance_record_items;
  page.extras = [](WebContext&, const Json& record) {
    const std::string crop = record.value("best_crop_path", "");
    return Json{{"crop_url", crop.empty() ? Json(nullptr) : Json("/media/" + crop)}};
  };
  return page;
}

Json action_view(const RowAction& action) {
  return {{"label", action.label}, {"url", action.url},         {"method", action.method},
          {"body", action.body},   {"confirm", action.confirm}, {"danger", action.danger}};
}

Json filters_view(const RecordPage& page, const httplib::Request& request) {
  Json filters = Json::array();
  for (const FormField& filter : page.filters) {
    const auto sent = query(request, filter.name);
    filters.push_back(field_view(filter, sent ? Json(*sent) : Json(nullptr)));
  }
  return filters;
}

Json page_view(WebContext& context, const RecordPage& page, const httplib::Request& request) {
  const std::vector<FormField> fields = page.fields ? page.fields(context.db()) : std::vector<FormField>{};
  Json columns = Json::array();
  for (const auto& [key, heading] : page.columns) columns.push_back({{"heading", heading}});
  Json view = {{"title", page.title},
               {"noun", page.noun},
               {"api", page.api},
               {"editable", page.editable},
               {"columns", columns},
               {"error", nullptr},
               {"has_filters", !page.filters.empty()},
               {"filters", filters_view(page, request)}};
  Json records;
  try {
    records = page.records(context, request);
  } catch (const HttpError& error) {  // a malformed filter: the API's message
    view["error"] = error.what();
    records = Json::array();
  }
  Names names(context.db());
  Json rows = Json::array();
  for (const Json& record : records) {
    Json cells = Json::array();
    for (const auto& [key, heading] : page.columns)
      cells.push_back({{"heading", heading}, {"text", names.cell(key, record.contains(key) ? record[key] : Json())}});
    const std::string id = record.contains("id") ? value_text(record["id"]) : "";
    Json row = {{"id", id},
                {"cells", cells},
                {"edit_url", page.record_url ? page.record_url(record) : page.api + "/" + id},
                {"edit_method", page.edit_method},
                {"deletable", page.deletable}};
    if (page.editable) {
      Json edit = Json::array();
      for (const FormField& form_field : page.edit_only_fields.empty() ? fields : page.edit_only_fields)
        edit.push_back(field_view(form_field, record.contains(form_field.name) ? record[form_field.name] : Json()));
      row["edit_fields"] = edit;
    }
    Json actions = Json::array();
    if (page.actions) {
      for (const RowAction& action : page.actions(record)) actions.push_back(action_view(action));
    }
    row["actions"] = actions;
    if (page.extras) row.update(page.extras(context, record));
    rows.push_back(row);
  }
  view["rows"] = rows;
  Json page_actions = Json::array();
  for (const RowAction& action : page.page_actions) page_actions.push_back(action_view(action));
  view["page_actions"] = page_actions;
  view["creatable"] = page.editable && page.creatable;
  Json new_fields = Json::array();
  for (const FormField& form_field : fields)
    new_fields.push_back(
        field_view(form_field, page.new_record.contains(form_field.name) ? page.new_record[form_field.name] : Json()));
  view["new_fields"] = new_fields;
  return view;
}

void register_record_page(httplib::Server& server, WebContext& context, RecordPage page) {
  const std::string path = page.path;
  server.Get(path, admin_page(context, [&context, page = std::move(page)](const httplib::Request& request,
                                                                          httplib::Response& response,
                                                                          const Principal& principal) {
               Json view = layout_view(page.title, &principal);
               view[page.nav] = true;
               view["page"] = page_view(context, page, request);
               send_page(context, response, "records", view);
             }));
}

}  // namespace

Json field_view(const FormField& field, const Json& value) {
  Json view = field_flags(field.kind);
  view["name"] = field.name;
  view["label"] = field.label;
  view["hint"] = field.hint.empty() ? Json(nullptr) : Json(field.hint);
  view["nullable"] = field.nullable;
  view["value"] = value_text(value);
  view["has_value"] = !value_text(value).empty();
  // A new record's checkbox starts checked: every boolean field defaults to true.
  view["checked"] = field.kind == Kind::kBool && (value.is_boolean() ? value.get<bool>() : value.is_null());
  Json options = Json::array();
  for (const auto& [option_value, option_label] : field.options) {
    const bool chosen =
        field.kind == Kind::kChecks ? contains_value(value, option_value) : value_text(value) == option_value;
    options.push_back({{"value", option_value}, {"label", option_label}, {"selected", chosen}, {"checked", chosen}});
  }
  view["options"] = options;
  view["rows"] = field.kind == Kind::kRows ? rows_view(field, value) : Json::array();
  view["blank"] = field.kind == Kind::kRows ? blank_row(field) : Json(nullptr);
  return view;
}

void register_admin_pages(httplib::Server& server, WebContext& context) {
  for (RecordPage page :
       {cameras_page(), profiles_page(), policies_page(), period_templates_page(), occurrences_page(), resources_page(),
        students_page(), users_page(), processes_page(), heartbeats_page(), attendance_page()})
    register_record_page(server, context, std::move(page));
}

}  // namespace bisk
