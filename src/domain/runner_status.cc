#include "domain/runner_status.h"

#include <algorithm>
#include <array>
#include <utility>

namespace bisk {
namespace {

using std::chrono::seconds;

constexpr std::array<std::pair<RunnerStatus, std::string_view>, 7> kStatusNames = {{
    {RunnerStatus::kStarting, "starting"},
    {RunnerStatus::kOnline, "online"},
    {RunnerStatus::kStale, "stale"},
    {RunnerStatus::kOffline, "offline"},
    {RunnerStatus::kBackoff, "backoff"},
    {RunnerStatus::kQuarantined, "quarantined"},
    {RunnerStatus::kStopped, "stopped"},
}};

// How long a spawned runner may take to send its first heartbeat.
constexpr seconds kStartingFor{30};
// How old the last heartbeat may be before a runner is offline, at least.
constexpr seconds kStaleUpTo{45};

}  // namespace

std::string_view status_name(RunnerStatus status) {
  for (const auto& [each, name] : kStatusNames) {
    if (each == status) return name;
  }
  return "unknown";
}

std::optional<RunnerStatus> parse_status(std::string_view name) {
  for (const auto& [status, each] : kStatusNames) {
    if (each == name) return status;
  }
  return std::nullopt;
}

bool lifecycle_is_live(std::string_view lifecycle) {
  return lifecycle == "starting" || lifecycle == "running" || lifecycle == "stopping";
}

RunnerStatus runner_status(const RunnerStatusInput& input, Instant now) {
  if (!lifecycle_is_live(input.lifecycle)) {
    if (input.quarantined) return RunnerStatus::kQuarantined;
    if (input.backoff_until && *input.backoff_until > now) return RunnerStatus::kBackoff;
    return RunnerStatus::kStopped;
  }
  if (!input.last_heartbeat_at) {
    // A runner that never reported is not "stale": there is nothing to be stale.
    return now - input.started_at < kStartingFor ? RunnerStatus::kStarting : RunnerStatus::kOffline;
  }
  const auto silent_for = now - *input.last_heartbeat_at;
  const seconds online_up_to = 2 * seconds(input.hb_interval_s);
  if (silent_for <= online_up_to) return RunnerStatus::kOnline;
  // With 2×hb_interval beyond 45 s a runner goes from online straight to
  // offline: the stale limit never cuts the online period short.
  if (silent_for <= std::max(kStaleUpTo, online_up_to)) return RunnerStatus::kStale;
  return RunnerStatus::kOffline;
}

}  // namespace bisk
