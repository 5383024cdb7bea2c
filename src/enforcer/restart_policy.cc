#include "enforcer/restart_policy.h"

#include <algorithm>
#include <cmath>

namespace bisk {
namespace {

// base × 2^doublings, or cap when that exceeds it, without overflowing: the
// product is only formed when base <= cap / 2^doublings.
std::chrono::milliseconds capped_doubling(std::chrono::milliseconds base, int doublings,
                                          std::chrono::milliseconds cap) {
  constexpr int kMaxShift = 62;  // 2^62 ms exceeds any cap; a larger shift would be undefined
  const int shift = std::clamp(doublings, 0, kMaxShift);
  if (base.count() > (cap.count() >> shift)) return cap;
  return std::chrono::milliseconds(base.count() << shift);
}

}  // namespace

std::chrono::milliseconds backoff_delay(int failures, double unit_random, const RestartPolicy& policy) {
  const auto delay = capped_doubling(policy.backoff_base, std::max(failures, 1) - 1, policy.backoff_cap);
  const double factor = 1.0 - policy.jitter + 2.0 * policy.jitter * std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(std::llround(static_cast<double>(delay.count()) * factor));
}

int failures_after(int previous_failures, Instant started_at, Instant ended_at, const RestartPolicy& policy) {
  if (ended_at - started_at >= policy.healthy_reset) return 1;
  return previous_failures + 1;
}

std::chrono::seconds silence_limit(int hb_interval_s, std::chrono::seconds silent_after) {
  return std::max(std::chrono::seconds(3 * hb_interval_s), silent_after);
}

bool is_silent(Instant started_at, std::optional<Instant> last_heartbeat_at, int hb_interval_s,
               std::chrono::seconds silent_after, Instant now) {
  const Instant last_sign_of_life = std::max(started_at, last_heartbeat_at.value_or(started_at));
  return now - last_sign_of_life > silence_limit(hb_interval_s, silent_after);
}

bool heartbeat_outage(bool api_reachable, int live_runners, int silent_runners) {
  constexpr int kMinSilentForOutage = 4;  // fewer silent runners are more likely individual faults
  if (!api_reachable) return true;
  return silent_runners >= kMinSilentForOutage && 2 * silent_runners >= live_runners;
}

// Rounded up so that the rate never exceeds per_second (3/s: 334 ms, not 333).
SpawnPacer::SpawnPacer(int per_second) {
  const int rate = std::max(per_second, 1);
  spacing_ = std::chrono::milliseconds((1000 + rate - 1) / rate);
}

bool SpawnPacer::is_free(Instant now) const {
  // A slot more than one spacing ahead was taken at an instant after `now`: the
  // clock went back, and waiting for the old timeline could take hours.
  return !next_free_ || now >= *next_free_ || *next_free_ - now > spacing_;
}

bool SpawnPacer::try_take(Instant now) {
  if (!is_free(now)) return false;
  // From `now`, not from the missed slot: slots not used are not saved up.
  next_free_ = now + spacing_;
  return true;
}

Instant SpawnPacer::next_slot(Instant now) const { return is_free(now) ? now : *next_free_; }

}  // namespace bisk
