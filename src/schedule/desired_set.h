// SPEC §4: which (camera, profile) pairs must run at an instant, and why every
// other camera does not. Pure: no clock, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "schedule/schedule_snapshot.h"

namespace bisk {

// Which cameras an enforcer owns: those assigned to `node`, plus the unassigned
// ones when it is the primary.
struct NodeScope {
  std::string node;
  bool primary = true;
};

// Listed in the order they are checked; the first that applies is reported.
enum class NotDesiredReason {
  kCameraInactive,   // camera.is_active is false
  kOtherNode,        // assigned to another node (or unassigned and we are not primary)
  kPaused,           // pause_until is after the instant
  kNoEnabledPolicy,  // in no enabled policy
  kOutsideWindows,   // no window of its enabled policies covers the instant
  kPolicyException,  // covering windows exist, but their policies are off that day
  kProfileInactive,  // covering windows exist, but their profiles are inactive
  kHoliday,          // linked periods cover the instant, but only as holidays
  kNoActivePeriod,   // linked to periods, none of which covers the instant
};
std::string_view reason_code(NotDesiredReason reason);  // "camera_inactive", …

struct DesiredPair {
  Id camera_id = 0;
  Id profile_id = 0;
  Id policy_id = 0;  // the lowest-id policy wanting the pair
  bool operator==(const DesiredPair&) const = default;
};

struct NotDesired {
  Id camera_id = 0;
  NotDesiredReason reason;
  std::string detail;  // human-readable, e.g. "paused until 2026-11-27T10:30:00+01:00"
};

struct DesiredSet {
  Instant at;
  std::vector<DesiredPair> desired;     // sorted by (camera_id, profile_id), no duplicates
  std::vector<NotDesired> not_desired;  // one per camera with no desired pair, sorted by camera_id
};

// scope = nullopt: every camera regardless of node (the operator's view).
DesiredSet compute_desired_set(const ScheduleSnapshot& snapshot, Instant at, TimeZone zone,
                               const std::optional<NodeScope>& scope);

// Every rule of §4 evaluated for one camera, one line per fact ("window Mon
// 08:00–12:00 of policy 'Main' (profile 2): covers the instant"), ending with the
// verdict. Empty when the camera is not in the snapshot.
std::vector<std::string> explain_camera(const ScheduleSnapshot& snapshot, Id camera_id, Instant at, TimeZone zone,
                                        const std::optional<NodeScope>& scope);

// The earliest instant strictly after `after` at which the desired set may
// change: a window or occurrence start or end, or a pause expiry. nullopt when
// nothing in the snapshot changes within `horizon` days.
std::optional<Instant> next_boundary(const ScheduleSnapshot& snapshot, Instant after, TimeZone zone,
                                     int horizon_days = 8);

}  // namespace bisk
