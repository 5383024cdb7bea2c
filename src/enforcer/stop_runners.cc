#include "enforcer/stop_runners.h"

#include <signal.h>

#include <thread>
#include <vector>

#include "enforcer/process_control.h"
#include "store/process_store.h"

namespace bisk {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr auto kAfterKill = std::chrono::seconds(2);

// Waits until none of `runners` is alive or `timeout` passed; returns those still alive.
std::vector<ProcessIdentity> wait_for_exits(std::vector<ProcessIdentity> runners, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::erase_if(runners, [](const ProcessIdentity& runner) { return !is_alive(runner); });
    if (runners.empty() || std::chrono::steady_clock::now() >= deadline) return runners;
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

StopRunnersResult stop_runners(Database& db, const Settings& settings, std::optional<Id> camera_id,
                               std::optional<Id> profile_id) {
  ProcessStore processes(db);
  StopRunnersResult result;
  std::vector<ProcessIdentity> signalled;
  const Instant now = now_instant();
  for (const RunningProcess& row : processes.live_on_node(settings.node, camera_id, profile_id)) {
    const ProcessIdentity identity{row.pid, row.process_start_time};
    if (!is_alive(identity)) {
      processes.end(row.id, ProcessStore::Ending::with_reason("lost", now, "found dead by bisk stop-runners"));
      ++result.skipped;
      continue;
    }
    // The row ends first, so an enforcer seeing the exit knows it was deliberate.
    processes.end(row.id, ProcessStore::Ending::with_reason("stopped", now, "stopped by bisk stop-runners"));
    if (signal_group(identity, SIGTERM)) signalled.push_back(identity);
  }
  const auto grace = std::chrono::seconds(settings.stop_grace_s);
  std::vector<ProcessIdentity> stubborn = wait_for_exits(signalled, grace);
  for (const ProcessIdentity& runner : stubborn) signal_group(runner, SIGKILL);
  stubborn = wait_for_exits(stubborn, kAfterKill);
  result.stopped = static_cast<int>(signalled.size() - stubborn.size());
  return result;
}

}  // namespace bisk
