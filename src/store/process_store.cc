#include "store/process_store.h"

#include <limits>
#include <string>

#include "store/bulk_query.h"
#include "store/store_support.h"

namespace bisk {
namespace {

// ---- running processes

constexpr std::array<const char*, 26> kProcessColumns = {
    "camera_id",          "profile_id",    "node",        "pid",
    "process_start_time", "impl",          "argv_masked", "spec_hash",
    "lifecycle",          "started_at",    "ended_at",    "exit_code",
    "exit_signal",        "stop_reason",   "restarts",    "last_heartbeat_at",
    "camera_fps",         "processed_fps", "target_fps",  "latency_ms",
    "dropped_frames",     "detected",      "matched",     "reconnects",
    "last_error",         "last_metrics"};
auto process_values(const RunningProcess& p) {
  return std::make_tuple(p.camera_id, p.profile_id, p.node, p.pid, p.process_start_time, p.impl, p.argv_masked,
                         p.spec_hash, p.lifecycle, p.started_at, p.ended_at, p.exit_code, p.exit_signal, p.stop_reason,
                         p.restarts, p.last_heartbeat_at, p.camera_fps, p.processed_fps, p.target_fps, p.latency_ms,
                         p.dropped_frames, p.detected, p.matched, p.reconnects, p.last_error, p.last_metrics);
}

// The processes that `conditions` select, newest first.
std::vector<RunningProcess> read_processes(Database& db, const Conditions& conditions, int limit) {
  BulkQuery query(db,
                  select_sql("running_processes", kProcessColumns, true) + conditions.where() +
                      " ORDER BY id DESC LIMIT " + std::to_string(limit),
                  conditions.params());
  const auto& id = query.column<long long>();
  const auto& camera_id = query.column<long long>();
  const auto& profile_id = query.column<long long>();
  const auto& node = query.column<std::string>();
  const auto& pid = query.column<int>();
  const auto& process_start_time = query.column<long long>();
  const auto& impl = query.column<std::string>();
  const auto& argv_masked = query.column<std::string>();
  const auto& spec_hash = query.column<std::string>();
  const auto& lifecycle = query.column<std::string>();
  const auto& started_at = query.column<long long>();
  const auto& ended_at = query.column<long long>();
  const auto& exit_code = query.column<int>();
  const auto& exit_signal = query.column<int>();
  const auto& stop_reason = query.column<std::string>();
  const auto& restarts = query.column<int>();
  const auto& last_heartbeat_at = query.column<long long>();
  const auto& camera_fps = query.column<double>();
  const auto& processed_fps = query.column<double>();
  const auto& target_fps = query.column<double>();
  const auto& latency_ms = query.column<double>();
  const auto& dropped_frames = query.column<long long>();
  const auto& detected = query.column<long long>();
  const auto& matched = query.column<long long>();
  const auto& reconnects = query.column<long long>();
  const auto& last_error = query.column<std::string>();
  const auto& last_metrics = query.column<std::string>();
  std::vector<RunningProcess> processes;
  query.for_each_row([&](std::size_t row) {
    processes.push_back(RunningProcess{
        .id = id[row],
        .camera_id = camera_id[row],
        .profile_id = profile_id[row],
        .node = node[row],
        .pid = pid[row],
        .process_start_time = process_start_time[row],
        .impl = impl[row],
        .argv_masked = argv_masked[row],
        .spec_hash = spec_hash[row],
        .lifecycle = lifecycle[row],
        .started_at = started_at.as<Instant>(row),
        .ended_at = ended_at.as<std::optional<Instant>>(row),
        .exit_code = exit_code.as<std::optional<int>>(row),
        .exit_signal = exit_signal.as<std::optional<int>>(row),
        .stop_reason = stop_reason.as<std::optional<std::string>>(row),
        .restarts = restarts[row],
        .last_heartbeat_at = last_heartbeat_at.as<std::optional<Instant>>(row),
        .camera_fps = camera_fps.as<std::optional<double>>(row),
        .processed_fps = processed_fps.as<std::optional<double>>(row),
        .target_fps = target_fps.as<std::optional<double>>(row),
        .latency_ms = latency_ms.as<std::optional<double>>(row),
        .dropped_frames = dropped_frames.as<std::optional<long long>>(row),
        .detected = detected.as<std::optional<long long>>(row),
        .matched = matched.as<std::optional<long long>>(row),
        .reconnects = reconnects.as<std::optional<long long>>(row),
        .last_error = last_error.as<std::optional<std::string>>(row),
        .last_metrics = last_metrics.as<std::optional<std::string>>(row),
    });
  });
  return processes;
}

std::optional<RunningProcess> first_process(Database& db, const Conditions& conditions) {
  std::vector<RunningProcess> processes = read_processes(db, conditions, 1);
  if (processes.empty()) return std::nullopt;
  return std::move(processes.front());
}

// The pair's newest row, if its pid matches and it is live (starting, running,
// stopping), takes the heartbeat. Absent fields (NULL) leave their column;
// present ones are stored as sent, a 0 fps included, so an outage shows.
//
// Two statements, because SQLite maintains the lifecycle index and evaluates
// its CHECK (a 7-value IN, built as a temporary b-tree) whenever lifecycle is
// in the SET list, and builds another temporary b-tree for an IN of three or
// more values: together they tripled the cost of the update. Almost every
// heartbeat finds its row running and takes the first statement; only a
// starting runner's first one (and a stale runner's) falls through to the
// second, which also makes the row running.
const std::string kHeartbeatAssignments =
    "last_heartbeat_at = :now, "
    "camera_fps = COALESCE(:camera_fps, camera_fps), processed_fps = COALESCE(:processed_fps, processed_fps), "
    "target_fps = COALESCE(:target_fps, target_fps), latency_ms = COALESCE(:latency_ms, latency_ms), "
    "dropped_frames = COALESCE(:dropped_frames, dropped_frames), detected = COALESCE(:detected, detected), "
    "matched = COALESCE(:matched, matched), reconnects = COALESCE(:reconnects, reconnects), "
    "last_error = CASE WHEN :error_sent = 1 THEN :last_error ELSE last_error END, "
    "last_metrics = :last_metrics ";
const std::string kCurrentRunner =
    "WHERE id = (SELECT max(id) FROM running_processes WHERE camera_id = :camera_id AND profile_id = :profile_id) "
    "AND pid = :pid ";
const std::string kApplyHeartbeatSql = "UPDATE running_processes SET " + kHeartbeatAssignments + kCurrentRunner +
                                       "AND lifecycle IN ('running', 'stopping')";
const std::string kApplyFirstHeartbeatSql = "UPDATE running_processes SET lifecycle = 'running', " +
                                            kHeartbeatAssignments + kCurrentRunner + "AND lifecycle = 'starting'";

// ---- heartbeats

constexpr std::array<const char*, 19> kHeartbeatColumns = {
    "camera_id",  "profile_id",     "pid",         "ts_at",   "state",      "camera_fps",    "processed_fps",
    "target_fps", "dropped_frames", "detected",    "matched", "latency_ms", "last_frame_at", "reconnects",
    "last_error", "snapshot_every", "min_face_px", "model",   "device"};

// Filters on the pair, as the lists share them.
Conditions pair_conditions(std::optional<Id> camera_id, std::optional<Id> profile_id) {
  Conditions conditions;
  if (camera_id) conditions.add("camera_id = :camera_id", static_cast<long long>(*camera_id));
  if (profile_id) conditions.add("profile_id = :profile_id", static_cast<long long>(*profile_id));
  return conditions;
}

}  // namespace

// ---------------------------------------------------------------- ProcessStore

Id ProcessStore::add(const RunningProcess& process) {
  return with_store_errors(
      db_, "", [&] { return insert_row(db_, "running_processes", kProcessColumns, process_values(process)); });
}

std::optional<RunningProcess> ProcessStore::find(Id id) {
  Conditions conditions;
  conditions.add("id = :id", static_cast<long long>(id));
  return with_store_errors(db_, "", [&] { return first_process(db_, conditions); });
}

std::optional<RunningProcess> ProcessStore::current_for_pair(Id camera_id, Id profile_id) {
  return with_store_errors(db_, "", [&] { return first_process(db_, pair_conditions(camera_id, profile_id)); });
}

std::vector<RunningProcess> ProcessStore::list(const Filter& filter) {
  Conditions conditions = pair_conditions(filter.camera_id, filter.profile_id);
  if (filter.node) conditions.add("node = :node", *filter.node);
  conditions.add_in("lifecycle", filter.lifecycles);
  return with_store_errors(db_, "", [&] { return read_processes(db_, conditions, filter.limit); });
}

std::vector<RunningProcess> ProcessStore::live_on_node(const std::string& node, std::optional<Id> camera_id,
                                                       std::optional<Id> profile_id) {
  Filter filter;
  filter.camera_id = camera_id;
  filter.profile_id = profile_id;
  filter.node = node;
  filter.lifecycles = {"starting", "running", "stopping"};
  filter.limit = std::numeric_limits<int>::max();
  return list(filter);
}

void ProcessStore::update(const RunningProcess& process) {
  with_store_errors(db_, "", [&] {
    if (update_row(db_, "running_processes", kProcessColumns, process_values(process), process.id) == 0) {
      throw_not_found("process", process.id);
    }
  });
}

bool ProcessStore::end(Id id, const Ending& ending) {
  static const std::string sql =
      "UPDATE running_processes SET lifecycle = :lifecycle, ended_at = :ended_at, exit_code = :exit_code, "
      "exit_signal = :exit_signal, stop_reason = coalesce(:stop_reason, stop_reason) "
      "WHERE id = :id AND lifecycle IN ('starting', 'running', 'stopping') RETURNING id";
  return with_store_errors(db_, "", [&] {
    return query_prepared<Id>(db_, sql, ending.lifecycle, ending.ended_at, ending.exit_code, ending.exit_signal,
                              ending.stop_reason, static_cast<long long>(id))
        .has_value();
  });
}

bool ProcessStore::mark_stopping(Id id, const std::string& reason) {
  static const std::string sql =
      "UPDATE running_processes SET lifecycle = 'stopping', stop_reason = :reason "
      "WHERE id = :id AND lifecycle IN ('starting', 'running', 'stopping') RETURNING id";
  return with_store_errors(
      db_, "", [&] { return query_prepared<Id>(db_, sql, reason, static_cast<long long>(id)).has_value(); });
}

bool ProcessStore::apply_heartbeat(const Heartbeat& heartbeat, Instant now) {
  // An empty last_error clears the column; an absent one leaves it.
  const int error_sent = heartbeat.last_error.has_value();
  const std::optional<std::string> last_error =
      heartbeat.last_error && !heartbeat.last_error->empty() ? heartbeat.last_error : std::nullopt;
  return with_store_errors(db_, "", [&] {
    // No RETURNING: SQLite collects its rows in a temporary table, whose page
    // cache cost more than the update itself.
    const auto apply = [&](const std::string& sql) {
      return execute_prepared(db_, sql, now, heartbeat.camera_fps, heartbeat.processed_fps, heartbeat.target_fps,
                              heartbeat.latency_ms, heartbeat.dropped_frames, heartbeat.detected, heartbeat.matched,
                              heartbeat.reconnects, error_sent, last_error, heartbeat.raw_json, heartbeat.camera_id,
                              heartbeat.profile_id, heartbeat.pid) > 0;
    };
    return apply(kApplyHeartbeatSql) || apply(kApplyFirstHeartbeatSql);
  });
}

// ---------------------------------------------------------------- HeartbeatStore

Id HeartbeatStore::insert(const Heartbeat& hb, Instant ts) {
  return with_store_errors(db_, "", [&] {
    return insert_row(
        db_, "runner_heartbeats", kHeartbeatColumns,
        std::make_tuple(hb.camera_id, hb.profile_id, hb.pid, ts, hb.state, hb.camera_fps, hb.processed_fps,
                        hb.target_fps, hb.dropped_frames, hb.detected, hb.matched, hb.latency_ms, hb.last_frame_at,
                        hb.reconnects, hb.last_error, hb.snapshot_every, hb.min_face_px, hb.model, hb.device));
  });
}

std::vector<HeartbeatRow> HeartbeatStore::list(const Filter& filter) {
  Conditions conditions = pair_conditions(filter.camera_id, filter.profile_id);
  if (filter.since) conditions.add("ts_at >= :since", static_cast<long long>(to_epoch_ms(*filter.since)));
  const std::string sql = select_sql("runner_heartbeats", kHeartbeatColumns, true) + conditions.where() +
                          " ORDER BY ts_at DESC, id DESC LIMIT " + std::to_string(filter.limit);
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_, sql, conditions.params());
    const auto& id = query.column<long long>();
    const auto& camera_id = query.column<long long>();
    const auto& profile_id = query.column<long long>();
    const auto& pid = query.column<int>();
    const auto& ts_at = query.column<long long>();
    const auto& state = query.column<std::string>();
    const auto& camera_fps = query.column<double>();
    const auto& processed_fps = query.column<double>();
    const auto& target_fps = query.column<double>();
    const auto& dropped_frames = query.column<long long>();
    const auto& detected = query.column<long long>();
    const auto& matched = query.column<long long>();
    const auto& latency_ms = query.column<double>();
    const auto& last_frame_at = query.column<long long>();
    const auto& reconnects = query.column<long long>();
    const auto& last_error = query.column<std::string>();
    const auto& snapshot_every = query.column<int>();
    const auto& min_face_px = query.column<int>();
    const auto& model = query.column<std::string>();
    const auto& device = query.column<std::string>();
    std::vector<HeartbeatRow> rows;
    query.for_each_row([&](std::size_t row) {
      rows.push_back(HeartbeatRow{
          .id = id[row],
          .heartbeat =
              Heartbeat{
                  .camera_id = camera_id[row],
                  .profile_id = profile_id[row],
                  .pid = pid[row],
                  .state = state.as<std::optional<std::string>>(row),
                  .camera_fps = camera_fps.as<std::optional<double>>(row),
                  .processed_fps = processed_fps.as<std::optional<double>>(row),
                  .target_fps = target_fps.as<std::optional<double>>(row),
                  .latency_ms = latency_ms.as<std::optional<double>>(row),
                  .dropped_frames = dropped_frames.as<std::optional<long long>>(row),
                  .detected = detected.as<std::optional<long long>>(row),
                  .matched = matched.as<std::optional<long long>>(row),
                  .reconnects = reconnects.as<std::optional<long long>>(row),
                  .last_frame_at = last_frame_at.as<std::optional<Instant>>(row),
                  .last_error = last_error.as<std::optional<std::string>>(row),
                  .snapshot_every = snapshot_every.as<std::optional<int>>(row),
                  .min_face_px = min_face_px.as<std::optional<int>>(row),
                  .model = model.as<std::optional<std::string>>(row),
                  .device = device.as<std::optional<std::string>>(row),
                  .raw_json = "",  // kept only as the process's last_metrics
              },
          .ts_at = ts_at.as<Instant>(row),
      });
    });
    return rows;
  });
}

long long HeartbeatStore::count() {
  return with_store_errors(db_, "", [&] {
    long long rows = 0;
    db_.session() << "SELECT count(*) FROM runner_heartbeats", soci::into(rows);
    return rows;
  });
}

long long HeartbeatStore::delete_older_than(Instant cutoff) {
  return with_store_errors(db_, "",
                           [&] { return execute(db_, "DELETE FROM runner_heartbeats WHERE ts_at < :cutoff", cutoff); });
}

}  // namespace bisk
