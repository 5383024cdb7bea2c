// POST /api/runner/heartbeat/ (SPEC §6): the runners' hot path. The parsing
// and validation are pure functions (unit-tested exhaustively); the handler
// adds the key check, one UPDATE of the pair's current RunningProcess row and,
// when the gate allows, one RunnerHeartbeat INSERT.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/time.h"
#include "store/process_store.h"

namespace bisk {

// Bodies above this are refused with 413 before they are parsed.
inline constexpr std::size_t kMaxHeartbeatBytes = 64 * 1024;

// The runner states a heartbeat may report.
inline constexpr std::string_view kHeartbeatStates[] = {"starting", "running", "reconnecting", "stopping"};

// Why a heartbeat was refused: the HTTP status and the message for
// {"ok":false,"error":…}.
struct HeartbeatRejection {
  int status = 400;
  std::string error;
};

// Parses and validates a heartbeat body (SPEC §6). Strict: ids and counters
// must be JSON integers (3.0 is refused), numbers finite and within range,
// strings bounded; null is the same as absent and unknown fields are ignored.
// A `key` or `hb_key` field is refused with 403: the key travels in the
// X-BISK-KEY header only. The result's raw_json holds the validated fields
// only, re-serialised, so junk fields never reach the database.
std::variant<Heartbeat, HeartbeatRejection> parse_heartbeat(std::string_view body);

// Decides which heartbeats also become RunnerHeartbeat rows: per pair, the
// first one, then one at least every `period`, and always one whose last_error
// differs from the last recorded row's (an absent last_error counts as "").
// Thread-safe; state lives for the server's lifetime (one entry per pair).
class HeartbeatGate {
 public:
  HeartbeatGate() : HeartbeatGate(std::chrono::seconds(10)) {}
  explicit HeartbeatGate(std::chrono::milliseconds period) : period_(period) {}

  // True when this heartbeat must be recorded; the gate then counts it as
  // recorded at `now`.
  bool admit(Id camera_id, Id profile_id, const std::optional<std::string>& last_error, Instant now);

 private:
  struct Last {
    Instant recorded_at;
    std::string last_error;
  };
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::map<std::pair<Id, Id>, Last> last_;
};

}  // namespace bisk
