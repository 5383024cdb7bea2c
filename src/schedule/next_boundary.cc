#include "schedule/desired_set.h"
#include "schedule/window_occurrence.h"

namespace bisk {
namespace {

// The earliest instant seen in (after, limit].
class EarliestAfter {
 public:
  EarliestAfter(Instant after, Instant limit) : after_(after), limit_(limit) {}
  void consider(Instant t) {
    if (t > after_ && t <= limit_ && (!earliest_ || t < *earliest_)) earliest_ = t;
  }
  std::optional<Instant> earliest() const { return earliest_; }

 private:
  const Instant after_;
  const Instant limit_;
  std::optional<Instant> earliest_;
};

}  // namespace

std::optional<Instant> next_boundary(const ScheduleSnapshot& snapshot, Instant after, TimeZone zone, int horizon_days) {
  EarliestAfter boundary(after, after + date::days(horizon_days));
  // Windows starting yesterday may still be running; each day's windows are placed
  // in time separately because a DST change moves some of them and not others.
  const LocalDate today = to_local(after, zone).date;
  for (int offset = -1; offset <= horizon_days; ++offset) {
    const LocalDate date = add_days(today, offset);
    const int weekday = weekday_of(date);
    for (const SchedulePolicy& policy : snapshot.policies) {
      if (!policy.is_enabled) continue;
      for (const ScheduleWindow& window : policy.windows) {
        if (window.day_of_week != weekday) continue;
        const Interval span = window_occurrence(window, date, zone);
        boundary.consider(span.begin);
        boundary.consider(span.end);
      }
    }
  }
  for (const PeriodOccurrence& occurrence : snapshot.occurrences) {
    boundary.consider(occurrence.start_at);
    boundary.consider(occurrence.end_at);
  }
  for (const Camera& camera : snapshot.cameras) {
    if (camera.pause_until) boundary.consider(*camera.pause_until);
  }
  return boundary.earliest();
}

}  // namespace bisk
