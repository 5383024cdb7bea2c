// SPEC §4: the supervisor that keeps exactly one runner per desired
// (camera, profile) pair of its node. The Enforcer holds the runners it tracks
// and carries out plans (reconcile.h); enforcer_loop.h drives it from signals,
// process exits and timers. Every start, stop and exit is logged with its
// reason and recorded in the pair's RunningProcess row.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "enforcer/process_control.h"
#include "enforcer/reconcile.h"
#include "enforcer/restart_policy.h"
#include "enforcer/runner_spec.h"
#include "store/database.h"

namespace bisk {

struct EnforceResult {
  struct Runner {
    Id camera_id = 0;
    std::string camera;
    Id profile_id = 0;
    std::string profile;
    int pid = 0;
    std::string reason;
  };
  std::vector<Runner> started;
  std::vector<Runner> stopped;
  std::vector<HeldPair> held;
  int desired = 0;
  int running = 0;  // runners alive before the reconciliation
  double tick_ms = 0;
};
std::string to_json_text(const EnforceResult& result);
EnforceResult enforce_result_from_json(const std::string& text);  // throws on malformed text
std::string to_text(const EnforceResult& result);                 // what `bisk enforce` prints

// The value of BISK_RUNNER_OWNER for the runners of `node` on `database_url`:
// stable across restarts and upgrades (adoption depends on it), and distinct
// for two enforcers that must not touch each other's runners.
std::string runner_owner(const std::string& node, const std::string& database_url);

class Enforcer {
 public:
  // `environment` is the enforcer's own; runners inherit it, minus secrets
  // they must not see (runner_spec.h).
  Enforcer(const Settings& settings, Database& db, const std::map<std::string, std::string>& environment,
           std::ostream& log);
  ~Enforcer();

  // Once, before the first reconcile: loads the pairs' restart state, adopts
  // the live runners of this node whose identity matches their rows, ends the
  // rows of runners that are gone, and stops runner processes without a row.
  void adopt(Instant now);

  // One reconciliation: stops what must not run, starts what must (paced).
  EnforceResult reconcile(Instant now);
  // Starts the pairs the pacer held back, as far as it allows now; returns
  // the pids started.
  std::vector<int> start_paced(Instant now);
  // A reconciliation that failed: recorded for /dash and /metrics.
  void record_error(Instant now, const std::string& error);

  // Reaps exited children and notices exited adopted runners.
  void handle_exits(Instant now);
  // SIGKILLs the groups of runners still alive after their grace.
  void enforce_stop_deadlines(Instant now);
  // Carries out pending operator requests; true when one asked for a
  // reconciliation now (its answer is given by finish_requests).
  bool take_requests(Instant now);
  void finish_requests(Instant now, const EnforceResult& result);

  // Asks every runner to stop (enforcer shutdown).
  void stop_all(Instant now, const std::string& reason);
  bool idle() const;          // no runner and no stray left
  bool stopping_any() const;  // some runner or stray is still being stopped
  bool pacing() const { return !paced_.empty(); }
  EnforceResult::Runner describe(int pid);  // a tracked runner, for results

  // File descriptors that become readable when an adopted runner exits.
  std::vector<int> watch_fds() const;
  // The next instant something is due: a kill deadline, a backoff release, a
  // paced start, a schedule boundary.
  std::optional<Instant> next_deadline() const;
  bool wants_reconcile(Instant now) const;  // an exit or release asks for one
  std::size_t runner_count() const { return runners_.size(); }

 private:
  struct Runner;
  struct Stray;

  void load_pair_states();
  void save_pair_state(const PairKey& pair);
  std::optional<int> spawn(const PairKey& pair, Instant now);
  void stop(Runner& runner, Instant now, const std::string& reason, bool failure);
  void on_exit(Runner& runner, const ExitStatus& status, Instant now);
  void register_failure(const PairKey& pair, const Runner& runner, Instant now, std::string& reason);
  std::vector<LiveRunner> live_runners();
  bool heartbeat_api_reachable();
  Runner* find_by_row(Id row_id);
  std::string pair_name(const PairKey& pair) const;
  void write_state(Instant now, const std::optional<std::string>& error, double tick_ms);

  const Settings& settings_;
  Database& db_;
  std::ostream& log_;
  RunnerLaunch launch_;
  RestartPolicy restart_policy_;
  SpawnPacer pacer_;
  std::mt19937_64 random_;

  std::map<int, std::unique_ptr<Runner>> runners_;  // by pid
  std::vector<Stray> strays_;
  std::map<PairKey, PairRestartState> pairs_;
  // From the last reconcile: the specs of the desired pairs, names for the log.
  std::map<PairKey, RunnerSpec> specs_;
  std::map<Id, std::string> camera_names_, profile_names_;
  std::vector<PairKey> paced_;  // desired, waiting for a start slot
  std::optional<Instant> next_boundary_;
  std::optional<Instant> next_release_;
  bool reconcile_wanted_ = false;
  std::vector<Id> pending_enforce_requests_;
  std::optional<Instant> last_roll_;
};

}  // namespace bisk
