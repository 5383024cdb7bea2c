// `bisk stop-runners`: stops this node's live runners from outside the
// enforcer (identity-checked, concurrently, SIGTERM then SIGKILL after the
// grace) and ends their rows. A running enforcer starts them again at its
// next reconciliation if they are still desired; pause the camera to keep one
// off.
#pragma once

#include <optional>

#include "config/config.h"
#include "domain/entities.h"
#include "store/database.h"

namespace bisk {

struct StopRunnersResult {
  int stopped = 0;  // runners that were alive and are gone now
  int skipped = 0;  // rows whose runner was already dead (marked lost)
};

StopRunnersResult stop_runners(Database& db, const Settings& settings, std::optional<Id> camera_id,
                               std::optional<Id> profile_id);

}  // namespace bisk
