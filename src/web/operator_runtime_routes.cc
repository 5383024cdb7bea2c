// What the system is doing: runner processes (read, and stop/restart/kill
// requests), heartbeats, attendance, the enforcer's state and requests, and
// the desired set. The web process only records requests; the enforcer
// carries them out (SPEC §6).

#include <limits>
#include <map>
#include <set>
#include <utility>

#include "domain/runner_status.h"
#include "schedule/desired_set_json.h"
#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "store/enforcer_store.h"
#include "store/process_store.h"
#include "store/schedule_loader.h"
#include "web/http_util.h"
#include "web/operator_api.h"

namespace bisk {
namespace {

constexpr long long kMaxLimit = 1000;
constexpr RunnerStatus kStatuses[] = {RunnerStatus::kStarting, RunnerStatus::kOnline,  RunnerStatus::kStale,
                                      RunnerStatus::kOffline,  RunnerStatus::kBackoff, RunnerStatus::kQuarantined,
                                      RunnerStatus::kStopped};

int limit_param(const httplib::Request& request, int default_limit) {
  return static_cast<int>(query_integer(request, "limit", 1, kMaxLimit).value_or(default_limit));
}

// What runner_status() needs beyond the row: each profile's heartbeat
// interval and the enforcer's backoff/quarantine state of each pair.
class StatusContext {
 public:
  explicit StatusContext(Database& db) {
    for (const auto& profile : ProfileStore(db).list()) hb_intervals_[profile.id] = profile.hb_interval;
    for (auto& state : EnforcerStore(db).pair_states()) {
      pairs_.emplace(std::make_pair(state.camera_id, state.profile_id), std::move(state));
    }
  }

  // The pair's backoff/quarantine describes only its current (newest) row;
  // older rows of the pair are history.
  RunnerStatus status(const RunningProcess& process, bool is_current, Instant now) const {
    RunnerStatusInput input;
    input.lifecycle = process.lifecycle;
    input.started_at = process.started_at;
    input.last_heartbeat_at = process.last_heartbeat_at;
    if (auto interval = hb_intervals_.find(process.profile_id); interval != hb_intervals_.end()) {
      input.hb_interval_s = interval->second;
    }
    if (auto pair = pairs_.find({process.camera_id, process.profile_id}); is_current && pair != pairs_.end()) {
      input.backoff_until = pair->second.backoff_until;
      input.quarantined = pair->second.quarantine_reason.has_value();
    }
    return runner_status(input, now);
  }

 private:
  std::map<Id, int> hb_intervals_;
  std::map<std::pair<Id, Id>, PairState> pairs_;  // by (camera, profile)
};

Json process_json(const RunningProcess& process, RunnerStatus status, TimeZone zone) {
  return {{"id", process.id},
          {"camera_id", process.camera_id},
          {"profile_id", process.profile_id},
          {"node", process.node},
          {"pid", process.pid},
          {"impl", process.impl},
          {"status", status_name(status)},
          {"lifecycle", process.lifecycle},
          {"started_at", format_instant(process.started_at, zone)},
          {"ended_at", nullable_instant(process.ended_at, zone)},
          {"exit_code", nullable(process.exit_code)},
          {"exit_signal", nullable(process.exit_signal)},
          {"stop_reason", nullable(process.stop_reason)},
          {"restarts", process.restarts},
          {"last_heartbeat_at", nullable_instant(process.last_heartbeat_at, zone)},
          {"camera_fps", nullable(process.camera_fps)},
          {"processed_fps", nullable(process.processed_fps)},
          {"target_fps", nullable(process.target_fps)},
          {"last_error", nullable(process.last_error)}};
}

std::optional<RunnerStatus> status_param(const httplib::Request& request) {
  const auto text = query(request, "status");
  if (!text) return std::nullopt;
  if (auto status = parse_status(*text)) return status;
  std::string message = "status: must be one of ";
  for (const auto status : kStatuses) {
    if (status != kStatuses[0]) message += ", ";
    message += status_name(status);
  }
  throw HttpError(400, message);
}

Json request_json(const EnforcerRequest& request, TimeZone zone) {
  return {{"id", request.id},
          {"kind", request.kind},
          {"process_id", nullable(request.process_id)},
          {"requested_by", request.requested_by},
          {"requested_at", format_instant(request.requested_at, zone)},
          {"handled_at", nullable_instant(request.handled_at, zone)},
          {"result", nullable(request.result)}};
}

// Records a request for the enforcer → 202 {"ok":true,"request_id":N}.
void send_enforcer_request(WebContext& context, httplib::Response& response, const Principal& principal,
                           const std::string& kind, std::optional<Id> process_id) {
  EnforcerRequest request;
  request.kind = kind;
  request.process_id = process_id;
  request.requested_by = principal.username;
  request.requested_at = now_instant();
  const Id id = EnforcerStore(context.db()).add_request(request);
  send_json(response, 202, Json{{"ok", true}, {"request_id", id}});
}

void register_process_routes(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/processes",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               send_json(response, 200, Json{{"items", process_items(context, request)}});
             }));
  server.Get(R"(/api/v1/processes/([^/]+))",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               const Id id = path_id(request, "process");
               const auto process = ProcessStore(context.db()).find(id);
               if (!process) not_found("process", id);
               const auto current =
                   ProcessStore(context.db()).current_for_pair(process->camera_id, process->profile_id);
               const bool is_current = current && current->id == id;
               const auto status = StatusContext(context.db()).status(*process, is_current, now_instant());
               send_json(response, 200, process_json(*process, status, context.zone()));
             }));
  server.Post(R"(/api/v1/processes/([^/]+)/(stop|restart|kill))",
              operator_handler(context, [&context](const auto& request, auto& response, const auto& principal) {
                const Id id = path_id(request, "process");
                const auto process = ProcessStore(context.db()).find(id);
                if (!process) not_found("process", id);
                if (!lifecycle_is_live(process->lifecycle)) {
                  std::string message = "process ";
                  message += std::to_string(id);
                  message += " is not running (lifecycle ";
                  message += process->lifecycle;
                  message += ")";
                  throw HttpError(409, message);
                }
                send_enforcer_request(context, response, principal, request.matches[2], id);
              }));
}

Json heartbeat_json(const HeartbeatRow& row, TimeZone zone) {
  const Heartbeat& beat = row.heartbeat;
  return {{"id", row.id},
          {"ts_at", format_instant(row.ts_at, zone)},
          {"camera_id", beat.camera_id},
          {"profile_id", beat.profile_id},
          {"pid", beat.pid},
          {"state", nullable(beat.state)},
          {"camera_fps", nullable(beat.camera_fps)},
          {"processed_fps", nullable(beat.processed_fps)},
          {"target_fps", nullable(beat.target_fps)},
          {"latency_ms", nullable(beat.latency_ms)},
          {"dropped_frames", nullable(beat.dropped_frames)},
          {"detected", nullable(beat.detected)},
          {"matched", nullable(beat.matched)},
          {"reconnects", nullable(beat.reconnects)},
          {"last_frame_at", nullable_instant(beat.last_frame_at, zone)},
          {"last_error", nullable(beat.last_error)},
          {"snapshot_every", nullable(beat.snapshot_every)},
          {"min_face_px", nullable(beat.min_face_px)},
          {"model", nullable(beat.model)},
          {"device", nullable(beat.device)}};
}

void register_heartbeat_list_route(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/heartbeats",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               send_json(response, 200, Json{{"items", heartbeat_items(context, request)}});
             }));
}

Json event_json(const AttendanceEvent& event, TimeZone zone) {
  return {{"id", event.id},
          {"student_id", event.student_id},
          {"camera_id", nullable(event.camera_id)},
          {"profile_id", nullable(event.profile_id)},
          {"occurrence_id", nullable(event.occurrence_id)},
          {"ts_at", format_instant(event.ts_at, zone)},
          {"score", event.score},
          {"crop_path", event.crop_path}};
}

Json record_json(const AttendanceRecord& record, TimeZone zone) {
  return {{"id", record.id},
          {"student_id", record.student_id},
          {"occurrence_id", record.occurrence_id},
          {"first_seen_at", format_instant(record.first_seen_at, zone)},
          {"last_seen_at", format_instant(record.last_seen_at, zone)},
          {"best_seen_at", format_instant(record.best_seen_at, zone)},
          {"best_score", record.best_score},
          {"best_camera_id", nullable(record.best_camera_id)},
          {"best_crop_path", record.best_crop_path},
          {"sightings", record.sightings}};
}

AttendanceStore::Filter attendance_filter(const httplib::Request& request) {
  AttendanceStore::Filter filter;
  filter.since = query_instant(request, "since");
  filter.date = query_date(request, "date");
  filter.student_id = query_integer(request, "student_id", 1, std::numeric_limits<Id>::max());
  filter.limit = limit_param(request, filter.limit);
  return filter;
}

void register_attendance_routes(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/attendance/events",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               send_json(response, 200, Json{{"items", attendance_event_items(context, request)}});
             }));
  server.Get("/api/v1/attendance/records",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               send_json(response, 200, Json{{"items", attendance_record_items(context, request)}});
             }));
}

Json enforcer_state_json(const EnforcerState& state, TimeZone zone) {
  return {{"node", state.node},
          {"pid", state.pid},
          {"interval_s", state.interval_s},
          {"last_run_at", nullable_instant(state.last_run_at, zone)},
          {"last_ok_at", nullable_instant(state.last_ok_at, zone)},
          {"last_error", nullable(state.last_error)},
          {"last_tick_ms", nullable(state.last_tick_ms)},
          {"updated_at", format_instant(state.updated_at, zone)}};
}

void register_enforcer_routes(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/enforcer", operator_handler(context, [&context](const auto&, auto& response, const auto&) {
               Json items = Json::array();
               for (const auto& state : EnforcerStore(context.db()).states()) {
                 items.push_back(enforcer_state_json(state, context.zone()));
               }
               send_json(response, 200, Json{{"items", items}});
             }));
  server.Post("/api/v1/enforcer/enforce-now",
              operator_handler(context, [&context](const auto&, auto& response, const auto& principal) {
                send_enforcer_request(context, response, principal, "enforce_now", std::nullopt);
              }));
  server.Get(R"(/api/v1/enforcer/requests/([^/]+))",
             operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               const Id id = path_id(request, "enforcer request");
               const auto found = EnforcerStore(context.db()).find_request(id);
               if (!found) not_found("enforcer request", id);
               send_json(response, 200, request_json(*found, context.zone()));
             }));
}

// As `bisk desired --json`: this server's node scope unless ?all_nodes=true.
void register_desired_route(httplib::Server& server, WebContext& context) {
  server.Get("/api/v1/desired", operator_handler(context, [&context](const auto& request, auto& response, const auto&) {
               const Instant at = query_instant(request, "at").value_or(now_instant());
               std::optional<NodeScope> scope;
               if (!query_bool(request, "all_nodes").value_or(false)) {
                 scope = NodeScope{context.settings().node, context.settings().node_role == "primary"};
               }
               // The range `bisk desired` loads: the day before (overnight windows) and a week ahead.
               const auto snapshot = load_schedule_snapshot(context.db(), at - date::days(1), at + date::days(8));
               send_json(response, 200,
                         desired_set_json(compute_desired_set(snapshot, at, context.zone(), scope), context.zone()));
             }));
}

}  // namespace

Json process_items(WebContext& context, const httplib::Request& request) {
  ProcessStore::Filter filter;
  filter.camera_id = query_integer(request, "camera_id", 1, std::numeric_limits<Id>::max());
  filter.limit = limit_param(request, filter.limit);
  const auto wanted = status_param(request);
  const Instant now = now_instant();
  const StatusContext statuses(context.db());
  Json items = Json::array();
  std::set<std::pair<Id, Id>> seen_pairs;
  // Newest first, and the camera filter keeps whole pairs: a pair's first row is its current one.
  for (const auto& process : ProcessStore(context.db()).list(filter)) {
    const bool is_current = seen_pairs.insert({process.camera_id, process.profile_id}).second;
    const RunnerStatus status = statuses.status(process, is_current, now);
    if (!wanted || status == *wanted) items.push_back(process_json(process, status, context.zone()));
  }
  return items;
}

Json heartbeat_items(WebContext& context, const httplib::Request& request) {
  HeartbeatStore::Filter filter;
  filter.camera_id = query_integer(request, "camera_id", 1, std::numeric_limits<Id>::max());
  filter.profile_id = query_integer(request, "profile_id", 1, std::numeric_limits<Id>::max());
  filter.since = query_instant(request, "since");
  filter.limit = limit_param(request, filter.limit);
  Json items = Json::array();
  for (const auto& row : HeartbeatStore(context.db()).list(filter))
    items.push_back(heartbeat_json(row, context.zone()));
  return items;
}

Json attendance_event_items(WebContext& context, const httplib::Request& request) {
  Json items = Json::array();
  for (const auto& event : AttendanceStore(context.db()).events(attendance_filter(request), context.zone()))
    items.push_back(event_json(event, context.zone()));
  return items;
}

Json attendance_record_items(WebContext& context, const httplib::Request& request) {
  Json items = Json::array();
  for (const auto& record : AttendanceStore(context.db()).records(attendance_filter(request)))
    items.push_back(record_json(record, context.zone()));
  return items;
}

void register_operator_runtime_routes(httplib::Server& server, WebContext& context) {
  register_process_routes(server, context);
  register_heartbeat_list_route(server, context);
  register_attendance_routes(server, context);
  register_enforcer_routes(server, context);
  register_desired_route(server, context);
}

}  // namespace bisk
