#pragma once

#include "schedule/schedule_snapshot.h"
#include "store/database.h"

namespace bisk {

// Loads every camera, profile, policy and template, and the occurrences that
// overlap [from, to), in one read transaction so the snapshot is consistent.
ScheduleSnapshot load_schedule_snapshot(Database& db, Instant from, Instant to);

}  // namespace bisk
