// Runner history (RunningProcess rows) and heartbeat telemetry.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"
#include "store/database.h"

namespace bisk {

struct RunningProcess {
  Id id = 0;
  Id camera_id = 0;
  Id profile_id = 0;
  std::string node;
  int pid = 0;
  long long process_start_time = 0;  // clock ticks after boot (/proc/PID/stat field 22)
  std::string impl;
  std::string argv_masked;
  std::string spec_hash;
  std::string lifecycle = "starting";
  Instant started_at;
  std::optional<Instant> ended_at;
  std::optional<int> exit_code;
  std::optional<int> exit_signal;
  std::optional<std::string> stop_reason;
  int restarts = 0;
  std::optional<Instant> last_heartbeat_at;
  std::optional<double> camera_fps, processed_fps, target_fps, latency_ms;
  std::optional<long long> dropped_frames, detected, matched, reconnects;
  std::optional<std::string> last_error;
  std::optional<std::string> last_metrics;  // the last heartbeat, as JSON
};

// One heartbeat as the API validated it (SPEC §6 fields). Unset optionals were
// absent from the request.
struct Heartbeat {
  Id camera_id = 0;
  Id profile_id = 0;
  int pid = 0;
  std::optional<std::string> state;
  std::optional<double> camera_fps, processed_fps, target_fps, latency_ms;
  std::optional<long long> dropped_frames, detected, matched, reconnects;
  std::optional<Instant> last_frame_at;
  std::optional<std::string> last_error;
  std::optional<int> snapshot_every, min_face_px;
  std::optional<std::string> model, device;
  std::string raw_json;  // the request body, re-serialised, for last_metrics
};

struct HeartbeatRow {
  Id id = 0;
  Heartbeat heartbeat;
  Instant ts_at;
};

class ProcessStore {
 public:
  explicit ProcessStore(Database& db) : db_(db) {}
  Id add(const RunningProcess& process);
  std::optional<RunningProcess> find(Id id);
  // The newest row of the pair: its current runner (or the last one).
  std::optional<RunningProcess> current_for_pair(Id camera_id, Id profile_id);
  struct Filter {
    std::optional<Id> camera_id;
    std::optional<Id> profile_id;
    std::optional<std::string> node;
    std::vector<std::string> lifecycles;  // empty: any
    int limit = 500;
  };
  std::vector<RunningProcess> list(const Filter& filter);  // newest first
  // Every live row (starting, running, stopping) of `node`, optionally of one camera/profile.
  std::vector<RunningProcess> live_on_node(const std::string& node, std::optional<Id> camera_id = std::nullopt,
                                           std::optional<Id> profile_id = std::nullopt);
  void update(const RunningProcess& process);  // every field of process.id

  // How a runner's row ends. Only these columns change, so telemetry the
  // heartbeat API writes concurrently is kept.
  struct Ending {
    std::string lifecycle;  // stopped | exited | failed | lost
    Instant ended_at;
    std::optional<int> exit_code;
    std::optional<int> exit_signal;
    std::optional<std::string> stop_reason;

    static Ending with_reason(std::string lifecycle, Instant at, std::string reason) {
      Ending ending;
      ending.lifecycle = std::move(lifecycle);
      ending.ended_at = at;
      ending.stop_reason = std::move(reason);
      return ending;
    }
  };
  // Ends a live row; false when it had already ended (e.g. by `bisk stop-runners`).
  bool end(Id id, const Ending& ending);
  // A live row whose runner was asked to stop: lifecycle `stopping` and the reason.
  bool mark_stopping(Id id, const std::string& reason);

  // Applies a heartbeat to the pair's current row when its pid matches and it is
  // live (SPEC §6); false when the heartbeat comes from a process that is not
  // the pair's current runner.
  bool apply_heartbeat(const Heartbeat& heartbeat, Instant now);

 private:
  Database& db_;
};

class HeartbeatStore {
 public:
  explicit HeartbeatStore(Database& db) : db_(db) {}
  Id insert(const Heartbeat& heartbeat, Instant ts);
  struct Filter {
    std::optional<Id> camera_id;
    std::optional<Id> profile_id;
    std::optional<Instant> since;
    int limit = 100;
  };
  std::vector<HeartbeatRow> list(const Filter& filter);  // newest first
  long long count();
  long long delete_older_than(Instant cutoff);  // returns the rows deleted

 private:
  Database& db_;
};

}  // namespace bisk
