// SPEC §4 "Occurrences": rolling period occurrences forward, as `bisk periods
// roll`, POST /api/v1/occurrences/roll and the enforcer all do it.
#pragma once

#include "store/catalog_stores.h"

namespace bisk {

// Plans and applies the occurrences of local dates [first, first + days) from
// the current templates (schedule/occurrence_roll.h), in one transaction so a
// concurrent roll cannot plan against a stale view.
OccurrenceStore::Applied roll_occurrences(Database& db, TimeZone zone, Instant now, LocalDate first, int days);

}  // namespace bisk
