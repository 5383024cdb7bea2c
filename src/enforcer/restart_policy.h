// SPEC §4: when a failed or silent runner is restarted, and how fast runners
// are started at all. Pure: the caller passes the time and the randomness.
#pragma once

#include <chrono>
#include <optional>

#include "common/time.h"

namespace bisk {

struct RestartPolicy {
  std::chrono::milliseconds backoff_base{2000}, backoff_cap{300000}, healthy_reset{600000};
  double jitter = 0.2;  // the delay is multiplied by a factor in [1 - jitter, 1 + jitter)
};

// Delay before restarting after `failures` (>= 1; less counts as 1) consecutive
// failures: base * 2^(failures-1), capped at backoff_cap (no overflow for huge
// counts), times 1 - jitter + 2*jitter*unit_random (unit_random in [0,1),
// clamped to [0,1]), rounded to the nearest millisecond. The jitter applies
// after the cap, so capped pairs keep spreading out instead of restarting in
// lockstep; a delay may thus reach backoff_cap × (1 + jitter).
std::chrono::milliseconds backoff_delay(int failures, double unit_random, const RestartPolicy& policy = {});

// The pair's consecutive failures after its runner (started at started_at)
// failed at ended_at: previous + 1, or 1 when it had run for at least
// healthy_reset (a run of exactly healthy_reset counts as healthy).
int failures_after(int previous_failures, Instant started_at, Instant ended_at, const RestartPolicy& policy = {});

// How long a live runner may go without a heartbeat: max(3 × hb_interval, silent_after).
std::chrono::seconds silence_limit(int hb_interval_s, std::chrono::seconds silent_after);

// A live runner is silent when its last heartbeat — or its start, before the
// first heartbeat or when the heartbeat predates the start (a previous runner's)
// — is more than silence_limit before `now`. Exactly at the limit it is not
// silent yet: a heartbeat due at the limit may still be in flight.
bool is_silent(Instant started_at, std::optional<Instant> last_heartbeat_at, int hb_interval_s,
               std::chrono::seconds silent_after, Instant now);

// Storm guard: silent runners are not restarted when heartbeats fail centrally —
// the heartbeat API probe failed, or at least 4 live runners are silent and they
// are at least half of the live runners. Restarting would only add camera load.
bool heartbeat_outage(bool api_reachable, int live_runners, int silent_runners);

// Runner starts at most `per_second` per second (less than 1 counts as 1),
// evenly spaced: one slot every ceil(1000 / per_second) ms, never a burst, even
// after a quiet spell. A clock stepped backwards does not stall starts.
class SpawnPacer {
 public:
  explicit SpawnPacer(int per_second);

  // True, consuming the slot, when one is free at `now`.
  bool try_take(Instant now);
  // When try_take will next succeed: `now` when a slot is free.
  Instant next_slot(Instant now) const;

 private:
  bool is_free(Instant now) const;

  std::chrono::milliseconds spacing_;
  std::optional<Instant> next_free_;  // nullopt: nothing taken yet
};

}  // namespace bisk
