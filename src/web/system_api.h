// GET /dash/system.json (admin): the host, the runners by status and the
// enforcer's state, for the dashboard; and the runner view /metrics shares.
#pragma once

#include <optional>
#include <vector>

#include "domain/entity_json.h"
#include "domain/runner_status.h"
#include "store/database.h"
#include "store/enforcer_store.h"
#include "store/process_store.h"
#include "web/web_context.h"

namespace bisk {

// The current (newest) RunningProcess row of a pair and its status (SPEC §6).
struct CurrentRunner {
  RunningProcess process;
  RunnerStatus status = RunnerStatus::kStopped;
  std::optional<PairState> pair_state;  // the enforcer's backoff/quarantine of the pair
};

// One entry per pair with a current row that is live, recent (among the newest
// 1000 rows) or in backoff/quarantine; pairs whose runner ended long ago and
// need nothing are left out.
std::vector<CurrentRunner> current_runners(Database& db, Instant now);

// What /dash/system.json answers: host figures, `runners` (current_runners)
// by status, paused cameras and the enforcer's state (the dashboard's panel
// shows the same, from the runners it lists).
Json system_json(WebContext& context, const std::vector<CurrentRunner>& runners);

}  // namespace bisk
