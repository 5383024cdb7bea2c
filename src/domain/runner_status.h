// SPEC §6 "Status": the one definition of a runner's status, used by every
// endpoint, page, metric and command.
#pragma once

#include <optional>
#include <string_view>

#include "common/time.h"

namespace bisk {

enum class RunnerStatus { kStarting, kOnline, kStale, kOffline, kBackoff, kQuarantined, kStopped };
std::string_view status_name(RunnerStatus status);  // "starting", "online", …
std::optional<RunnerStatus> parse_status(std::string_view name);

// Lifecycles of a RunningProcess row.
inline constexpr std::string_view kLifecycles[] = {"starting", "running", "stopping", "stopped",
                                                   "exited",   "failed",  "lost"};
bool lifecycle_is_live(std::string_view lifecycle);  // starting, running, stopping

struct RunnerStatusInput {
  std::string_view lifecycle;
  Instant started_at;
  std::optional<Instant> last_heartbeat_at;
  int hb_interval_s = 10;
  // The enforcer's view of the pair (camera, profile) this row belongs to.
  std::optional<Instant> backoff_until;
  bool quarantined = false;
};

// Live rows: `starting` while spawned less than 30 s ago without a heartbeat;
// `online` while the last heartbeat is at most 2×hb_interval old; `stale` up to
// 45 s (or 2×hb_interval, whichever is longer); `offline` after that. Ended rows:
// `quarantined` or `backoff` when the pair is in that state, else `stopped`.
RunnerStatus runner_status(const RunnerStatusInput& input, Instant now);

}  // namespace bisk
