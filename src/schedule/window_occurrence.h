// Private to the schedule component: where one weekly window falls in time.
#pragma once

#include "common/time.h"
#include "domain/entities.h"

namespace bisk {

// A half-open span of time: begin inclusive, end exclusive.
struct Interval {
  Instant begin;
  Instant end;
  bool contains(Instant t) const { return begin <= t && t < end; }
};

// The occurrence of `window` that starts on local `start_date` (a day whose weekday
// is the window's). An overnight window (end < start) ends on the next day; start ==
// end is the whole calendar day. Starts resolve a repeated wall time to its first
// instant and ends to its last, so a window covers every instant its wall times show.
Interval window_occurrence(const ScheduleWindow& window, LocalDate start_date, TimeZone zone);

// Whether `policy` is off (by an exception) for its windows starting on `date`.
bool is_off_by_exception(const SchedulePolicy& policy, LocalDate date);

}  // namespace bisk
