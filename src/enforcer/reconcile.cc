#include "enforcer/reconcile.h"

#include <algorithm>
#include <set>

#include "enforcer/restart_policy.h"

namespace bisk {
namespace {

std::set<PairKey> desired_pairs(const DesiredSet& desired) {
  std::set<PairKey> pairs;
  for (const DesiredPair& pair : desired.desired) pairs.emplace(pair.camera_id, pair.profile_id);
  return pairs;
}

std::string not_desired_reason(const DesiredSet& desired, Id camera_id) {
  for (const NotDesired& camera : desired.not_desired) {
    if (camera.camera_id != camera_id) continue;
    std::string reason = "not desired: " + std::string(reason_code(camera.reason));
    if (!camera.detail.empty()) reason += " (" + camera.detail + ")";
    return reason;
  }
  // The camera has other desired pairs; this profile is not among them.
  return "not desired: profile not scheduled now";
}

// The silent runners among those not stopping, and whether they are spared.
struct Silence {
  std::set<Id> silent_rows;
  bool outage = false;
};

Silence find_silent(const ReconcileInputs& inputs) {
  Silence silence;
  int live = 0;
  for (const LiveRunner& runner : *inputs.runners) {
    if (runner.stopping) continue;
    ++live;
    if (is_silent(runner.started_at, runner.last_heartbeat_at, runner.hb_interval_s, inputs.silent_after, inputs.now))
      silence.silent_rows.insert(runner.row_id);
  }
  if (!silence.silent_rows.empty()) {
    const bool reachable = !inputs.heartbeat_api_reachable || inputs.heartbeat_api_reachable();
    silence.outage = heartbeat_outage(reachable, live, static_cast<int>(silence.silent_rows.size()));
  }
  return silence;
}

std::string silence_reason(const LiveRunner& runner, const ReconcileInputs& inputs) {
  const Instant since = runner.last_heartbeat_at.value_or(runner.started_at);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(inputs.now - since).count();
  return std::string("silent: no heartbeat for ") + std::to_string(seconds) + " s" +
         (runner.last_heartbeat_at ? "" : " since it started");
}

void plan_stops(const ReconcileInputs& inputs, const std::set<PairKey>& desired, ReconcilePlan& plan) {
  const Silence silence = find_silent(inputs);
  plan.heartbeat_outage = silence.outage;
  for (const LiveRunner& runner : *inputs.runners) {
    if (runner.stopping) continue;
    if (!desired.contains(runner.pair)) {
      plan.stops.push_back({runner.pair, runner.row_id, not_desired_reason(*inputs.desired, runner.pair.first)});
    } else if (inputs.spec_hashes->at(runner.pair) != runner.spec_hash) {
      plan.stops.push_back({runner.pair, runner.row_id, "configuration changed"});
    } else if (silence.silent_rows.contains(runner.row_id) && !silence.outage) {
      plan.stops.push_back({runner.pair, runner.row_id, silence_reason(runner, inputs), /*failure=*/true});
    }
  }
}

void plan_starts(const ReconcileInputs& inputs, const std::set<PairKey>& desired, ReconcilePlan& plan) {
  std::set<PairKey> occupied;
  for (const LiveRunner& runner : *inputs.runners) occupied.insert(runner.pair);
  for (const PairKey& pair : desired) {
    if (occupied.contains(pair)) continue;
    const auto state = inputs.pairs->find(pair);
    if (state != inputs.pairs->end()) {
      const PairRestartState& restart = state->second;
      if (restart.quarantine_reason) {
        if (restart.quarantined_spec_hash == inputs.spec_hashes->at(pair)) {
          plan.held.push_back({pair, "quarantined: " + *restart.quarantine_reason});
          continue;
        }
        plan.unquarantined.push_back(pair);
      } else if (restart.backoff_until && *restart.backoff_until > inputs.now) {
        plan.held.push_back({pair, "backoff until " + format_instant(*restart.backoff_until)});
        plan.next_release = std::min(plan.next_release.value_or(*restart.backoff_until), *restart.backoff_until);
        continue;
      }
    }
    plan.starts.push_back(pair);
  }
}

}  // namespace

ReconcilePlan plan_reconcile(const ReconcileInputs& inputs) {
  ReconcilePlan plan;
  const std::set<PairKey> desired = desired_pairs(*inputs.desired);
  plan_stops(inputs, desired, plan);
  plan_starts(inputs, desired, plan);
  return plan;
}

}  // namespace bisk
