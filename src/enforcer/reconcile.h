// One reconciliation decided without I/O: given what must run (the desired set
// and each pair's runner spec), what runs (the runners the enforcer tracks) and
// each pair's restart state, which runners to stop and which pairs to start.
// The enforcer (enforcer.h) carries the plan out.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "domain/entities.h"
#include "schedule/desired_set.h"

namespace bisk {

using PairKey = std::pair<Id, Id>;  // (camera_id, profile_id)

// A runner as the plan sees it.
struct LiveRunner {
  PairKey pair;
  Id row_id = 0;
  std::string spec_hash;
  int hb_interval_s = 10;
  Instant started_at;
  std::optional<Instant> last_heartbeat_at;
  bool stopping = false;  // already asked to stop: the plan leaves it alone
};

// What the enforcer remembers about a pair between its runners.
struct PairRestartState {
  int failures = 0;  // consecutive failures (reset after a healthy run)
  std::optional<Instant> backoff_until;
  std::optional<std::string> quarantine_reason;  // set: quarantined
  std::optional<std::string> quarantined_spec_hash;
};

struct ReconcileInputs {
  Instant now;
  const DesiredSet* desired = nullptr;
  const std::map<PairKey, std::string>* spec_hashes = nullptr;  // of every desired pair
  const std::vector<LiveRunner>* runners = nullptr;
  const std::map<PairKey, PairRestartState>* pairs = nullptr;
  std::chrono::seconds silent_after{45};
  // Asked only when some runner is silent: can runners reach the heartbeat API?
  std::function<bool()> heartbeat_api_reachable;
};

struct StopDecision {
  PairKey pair;
  Id row_id = 0;
  std::string reason;    // for the log and the row's stop_reason
  bool failure = false;  // counts as a failure of the pair (backoff), e.g. silence
};

struct HeldPair {
  PairKey pair;
  std::string reason;  // "backoff until …", "quarantined: …"
};

struct ReconcilePlan {
  std::vector<StopDecision> stops;
  std::vector<PairKey> starts;          // desired pairs without a runner that may start now, in order
  std::vector<HeldPair> held;           // desired pairs without a runner that must wait
  std::vector<PairKey> unquarantined;   // their spec changed since the quarantine: released
  std::optional<Instant> next_release;  // the earliest backoff expiry among held pairs
  bool heartbeat_outage = false;        // silent runners were spared (storm guard)
};

// Rules, in order, for each tracked runner not already stopping: not desired →
// stop; spec hash differs from the desired spec → stop (restart with the new
// spec); silent (restart_policy.h) → stop as a failure, unless heartbeats fail
// centrally. For each desired pair without a runner: quarantined with the same
// spec → held; quarantined with another spec → released and started; in
// backoff → held until it ends; otherwise started. A pair whose runner is being
// stopped is not started until that runner has exited (never two per pair).
ReconcilePlan plan_reconcile(const ReconcileInputs& inputs);

}  // namespace bisk
