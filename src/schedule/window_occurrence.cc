#include "schedule/window_occurrence.h"

#include <algorithm>

namespace bisk {

Interval window_occurrence(const ScheduleWindow& window, LocalDate start_date, TimeZone zone) {
  const LocalDate next_date = add_days(start_date, 1);
  if (window.start_minute == window.end_minute) {  // the whole calendar day
    return {local_to_instant(start_date, 0, zone, Ambiguity::kEarliest),
            local_to_instant(next_date, 0, zone, Ambiguity::kLatest)};
  }
  const LocalDate end_date = window.end_minute < window.start_minute ? next_date : start_date;
  return {local_to_instant(start_date, window.start_minute, zone, Ambiguity::kEarliest),
          local_to_instant(end_date, window.end_minute, zone, Ambiguity::kLatest)};
}

bool is_off_by_exception(const SchedulePolicy& policy, LocalDate date) {
  // Only "off" exists; validation refuses other modes, so anything else is ignored.
  return std::any_of(policy.exceptions.begin(), policy.exceptions.end(), [&](const ScheduleException& exception) {
    return exception.date == date && exception.mode == "off";
  });
}

}  // namespace bisk
