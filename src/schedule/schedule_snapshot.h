#pragma once

#include <vector>

#include "domain/entities.h"

namespace bisk {

// Everything the schedule logic reads, loaded at once so the logic itself does
// no I/O. `occurrences` holds at least those overlapping the instants asked about.
struct ScheduleSnapshot {
  std::vector<Camera> cameras;
  std::vector<StreamProfile> profiles;
  std::vector<SchedulePolicy> policies;
  std::vector<PeriodTemplate> templates;
  std::vector<PeriodOccurrence> occurrences;
};

}  // namespace bisk
