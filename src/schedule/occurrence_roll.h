// SPEC §4 "Occurrences": turning period templates into dated occurrences.
#pragma once

#include <vector>

#include "common/time.h"
#include "domain/entities.h"

namespace bisk {

struct OccurrenceSpan {
  Instant start_at;
  Instant end_at;
};
// The occurrence of `period_template` on local `date`: start − early grace to
// end + late grace, the end on the next day when end < start. DST-correct.
OccurrenceSpan occurrence_span(const PeriodTemplate& period_template, LocalDate date, TimeZone zone);

struct RollPlan {
  std::vector<PeriodOccurrence> to_insert;  // id 0, is_school_day true
  std::vector<PeriodOccurrence> to_update;  // existing id, new start_at/end_at, is_school_day kept
  std::vector<Id> to_delete;                // unstarted school-day occurrences no template wants any more
  bool empty() const { return to_insert.empty() && to_update.empty() && to_delete.empty(); }
};

// Plans the occurrences of local dates [first_date, first_date + days). Existing
// occurrences that have not ended at `now` follow their template's current
// times; manual holidays (is_school_day false) are never reset or deleted; past
// occurrences are never touched. `existing` must hold every occurrence dated in
// the range.
RollPlan plan_occurrence_roll(const std::vector<PeriodTemplate>& templates,
                              const std::vector<PeriodOccurrence>& existing, LocalDate first_date, int days,
                              Instant now, TimeZone zone);

}  // namespace bisk
