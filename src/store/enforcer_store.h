// What the enforcer shares with the web side: its state (for /dash and
// /metrics), the per-pair restart state (backoff, quarantine) and the requests
// operators make of it (enforce now, stop/restart/kill a runner), which the web
// process records and only the enforcer carries out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"
#include "store/database.h"

namespace bisk {

struct EnforcerState {
  std::string node;
  int pid = 0;
  int interval_s = 0;
  std::optional<Instant> last_run_at;
  std::optional<Instant> last_ok_at;
  std::optional<std::string> last_error;
  std::optional<double> last_tick_ms;
  Instant updated_at;
};

struct PairState {
  Id camera_id = 0;
  Id profile_id = 0;
  std::string node;
  int consecutive_failures = 0;
  std::optional<Instant> backoff_until;
  std::optional<std::string> quarantine_reason;  // set: quarantined
  std::optional<std::string> quarantined_spec_hash;
  Instant updated_at;
};

struct EnforcerRequest {
  Id id = 0;
  std::string kind;  // enforce_now | stop | restart | kill
  std::optional<Id> process_id;
  std::string requested_by;
  Instant requested_at;
  std::optional<Instant> handled_at;
  std::optional<std::string> result;
};

class EnforcerStore {
 public:
  explicit EnforcerStore(Database& db) : db_(db) {}
  void put_state(const EnforcerState& state);  // one row per node
  std::vector<EnforcerState> states();

  void put_pair_state(const PairState& state);
  std::vector<PairState> pair_states();
  void remove_pair_state(Id camera_id, Id profile_id);

  Id add_request(const EnforcerRequest& request);   // kInvalid for an unknown kind; kNotFound for a missing process
  std::vector<EnforcerRequest> pending_requests();  // oldest first
  void mark_handled(Id id, Instant at, const std::string& result);
  std::optional<EnforcerRequest> find_request(Id id);

 private:
  Database& db_;
};

}  // namespace bisk
