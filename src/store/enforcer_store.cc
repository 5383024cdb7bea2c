#include "store/enforcer_store.h"

#include <algorithm>

#include "store/store_support.h"

namespace bisk {
namespace {

constexpr std::string_view kRequestKinds[] = {"enforce_now", "stop", "restart", "kill"};

// The request's kind and process, as SPEC §6 allows them: enforce now concerns
// no runner; stop, restart and kill name the process (RunningProcess row) to act on.
std::vector<FieldError> validate_request(const EnforcerRequest& request) {
  std::vector<FieldError> errors;
  if (std::find(std::begin(kRequestKinds), std::end(kRequestKinds), request.kind) == std::end(kRequestKinds)) {
    errors.push_back({"kind", "must be one of enforce_now, stop, restart, kill (got " + quoted(request.kind) + ")"});
  } else if (request.kind == "enforce_now" && request.process_id) {
    errors.push_back({"process_id", "must not be given for enforce_now"});
  } else if (request.kind != "enforce_now" && !request.process_id) {
    errors.push_back({"process_id", "is required for " + request.kind});
  }
  return errors;
}

// Inserts the row, or replaces every column but the key of the row with the
// same key (`key_columns` lead `columns`).
template <std::size_t N, typename... Values>
void upsert_row(Database& db, const std::string& table, const std::array<const char*, N>& columns,
                std::size_t key_columns, const std::tuple<Values...>& values) {
  std::vector<std::string> placeholders;
  std::vector<std::string> assignments;
  for (std::size_t i = 0; i < N; ++i) {
    placeholders.push_back(std::string(":") + columns[i]);
    if (i >= key_columns) assignments.push_back(std::string(columns[i]) + " = excluded." + columns[i]);
  }
  const std::string sql = "INSERT INTO " + table + " (" + join({columns.begin(), columns.end()}, ", ") + ") VALUES (" +
                          join(placeholders, ", ") + ") ON CONFLICT (" +
                          join({columns.begin(), columns.begin() + key_columns}, ", ") + ") DO UPDATE SET " +
                          join(assignments, ", ");
  std::apply([&](const auto&... value) { execute(db, sql, value...); }, values);
}

constexpr std::array<const char*, 8> kStateColumns = {"node",       "pid",        "interval_s",   "last_run_at",
                                                      "last_ok_at", "last_error", "last_tick_ms", "updated_at"};
constexpr std::array<const char*, 8> kPairStateColumns = {"camera_id",
                                                          "profile_id",
                                                          "node",
                                                          "consecutive_failures",
                                                          "backoff_until_at",
                                                          "quarantine_reason",
                                                          "quarantined_spec_hash",
                                                          "updated_at"};
constexpr std::array<const char*, 6> kRequestColumns = {"kind",         "process_id", "requested_by",
                                                        "requested_at", "handled_at", "result"};

std::vector<EnforcerRequest> read_requests(Database& db, const std::string& condition, std::vector<SqlValue> params) {
  BulkQuery query(db, select_sql("enforcer_requests", kRequestColumns, true) + " WHERE " + condition + " ORDER BY id",
                  std::move(params));
  const auto& id = query.column<long long>();
  const auto& kind = query.column<std::string>();
  const auto& process_id = query.column<long long>();
  const auto& requested_by = query.column<std::string>();
  const auto& requested_at = query.column<long long>();
  const auto& handled_at = query.column<long long>();
  const auto& result = query.column<std::string>();
  std::vector<EnforcerRequest> requests;
  query.for_each_row([&](std::size_t row) {
    requests.push_back(EnforcerRequest{.id = id[row],
                                       .kind = kind[row],
                                       .process_id = process_id.as<std::optional<Id>>(row),
                                       .requested_by = requested_by[row],
                                       .requested_at = requested_at.as<Instant>(row),
                                       .handled_at = handled_at.as<std::optional<Instant>>(row),
                                       .result = result.as<std::optional<std::string>>(row)});
  });
  return requests;
}

}  // namespace

void EnforcerStore::put_state(const EnforcerState& state) {
  with_store_errors(db_, "", [&] {
    upsert_row(db_, "enforcer_states", kStateColumns, 1,
               std::make_tuple(state.node, state.pid, state.interval_s, state.last_run_at, state.last_ok_at,
                               state.last_error, state.last_tick_ms, state.updated_at));
  });
}

std::vector<EnforcerState> EnforcerStore::states() {
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_, select_sql("enforcer_states", kStateColumns, false) + " ORDER BY node");
    const auto& node = query.column<std::string>();
    const auto& pid = query.column<int>();
    const auto& interval_s = query.column<int>();
    const auto& last_run_at = query.column<long long>();
    const auto& last_ok_at = query.column<long long>();
    const auto& last_error = query.column<std::string>();
    const auto& last_tick_ms = query.column<double>();
    const auto& updated_at = query.column<long long>();
    std::vector<EnforcerState> states;
    query.for_each_row([&](std::size_t row) {
      states.push_back(EnforcerState{.node = node[row],
                                     .pid = pid[row],
                                     .interval_s = interval_s[row],
                                     .last_run_at = last_run_at.as<std::optional<Instant>>(row),
                                     .last_ok_at = last_ok_at.as<std::optional<Instant>>(row),
                                     .last_error = last_error.as<std::optional<std::string>>(row),
                                     .last_tick_ms = last_tick_ms.as<std::optional<double>>(row),
                                     .updated_at = updated_at.as<Instant>(row)});
    });
    return states;
  });
}

void EnforcerStore::put_pair_state(const PairState& state) {
  with_store_errors(db_, "", [&] {
    upsert_row(
        db_, "pair_states", kPairStateColumns, 2,
        std::make_tuple(state.camera_id, state.profile_id, state.node, state.consecutive_failures, state.backoff_until,
                        state.quarantine_reason, state.quarantined_spec_hash, state.updated_at));
  });
}

std::vector<PairState> EnforcerStore::pair_states() {
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_, select_sql("pair_states", kPairStateColumns, false) + " ORDER BY camera_id, profile_id");
    const auto& camera_id = query.column<long long>();
    const auto& profile_id = query.column<long long>();
    const auto& node = query.column<std::string>();
    const auto& consecutive_failures = query.column<int>();
    const auto& backoff_until = query.column<long long>();
    const auto& quarantine_reason = query.column<std::string>();
    const auto& quarantined_spec_hash = query.column<std::string>();
    const auto& updated_at = query.column<long long>();
    std::vector<PairState> states;
    query.for_each_row([&](std::size_t row) {
      states.push_back(PairState{.camera_id = camera_id[row],
                                 .profile_id = profile_id[row],
                                 .node = node[row],
                                 .consecutive_failures = consecutive_failures[row],
                                 .backoff_until = backoff_until.as<std::optional<Instant>>(row),
                                 .quarantine_reason = quarantine_reason.as<std::optional<std::string>>(row),
                                 .quarantined_spec_hash = quarantined_spec_hash.as<std::optional<std::string>>(row),
                                 .updated_at = updated_at.as<Instant>(row)});
    });
    return states;
  });
}

void EnforcerStore::remove_pair_state(Id camera_id, Id profile_id) {
  with_store_errors(db_, "", [&] {
    execute(db_, "DELETE FROM pair_states WHERE camera_id = :camera_id AND profile_id = :profile_id", camera_id,
            profile_id);
  });
}

Id EnforcerStore::add_request(const EnforcerRequest& request) {
  throw_if_invalid(validate_request(request));
  return with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    if (request.process_id) {
      long long found = 0;
      db_.session() << "SELECT count(*) FROM running_processes WHERE id = :id", soci::use(*request.process_id),
          soci::into(found);
      if (found == 0) throw_not_found("process", *request.process_id);
    }
    const Id id = insert_row(db_, "enforcer_requests", kRequestColumns,
                             std::make_tuple(request.kind, request.process_id, request.requested_by,
                                             request.requested_at, request.handled_at, request.result));
    transaction.commit();
    return id;
  });
}

std::vector<EnforcerRequest> EnforcerStore::pending_requests() {
  return with_store_errors(db_, "", [&] { return read_requests(db_, "handled_at IS NULL", {}); });
}

void EnforcerStore::mark_handled(Id id, Instant at, const std::string& result) {
  with_store_errors(db_, "", [&] {
    if (execute(db_, "UPDATE enforcer_requests SET handled_at = :at, result = :result WHERE id = :id", at, result,
                id) == 0) {
      throw_not_found("request", id);
    }
  });
}

std::optional<EnforcerRequest> EnforcerStore::find_request(Id id) {
  return with_store_errors(db_, "", [&]() -> std::optional<EnforcerRequest> {
    std::vector<EnforcerRequest> requests = read_requests(db_, "id = :id", {static_cast<long long>(id)});
    if (requests.empty()) return std::nullopt;
    return std::move(requests.front());
  });
}

}  // namespace bisk
