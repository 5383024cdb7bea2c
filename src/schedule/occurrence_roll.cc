#include "schedule/occurrence_roll.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace bisk {
namespace {

using OccurrenceKey = std::pair<Id, date::sys_days>;  // (template, date)

bool in_range(LocalDate date, LocalDate first_date, int days) {
  const auto day = date::sys_days(date);
  return day >= date::sys_days(first_date) && day < date::sys_days(first_date) + date::days(days);
}

bool wants(const PeriodTemplate& period_template, LocalDate date) {
  return period_template.is_enabled && period_template.weekdays.contains(weekday_of(date));
}

std::vector<const PeriodTemplate*> enabled_in_order(const std::vector<PeriodTemplate>& templates) {
  std::vector<const PeriodTemplate*> enabled;
  for (const PeriodTemplate& period_template : templates) {
    if (period_template.is_enabled) enabled.push_back(&period_template);
  }
  std::sort(enabled.begin(), enabled.end(),
            [](auto* a, auto* b) { return std::tie(a->order, a->id) < std::tie(b->order, b->id); });
  return enabled;
}

// Whether an occurrence no template wants any more may go: only school days that
// have not started. A started one is history in the making (attendance points at
// it), and a holiday was set by hand.
bool deletable(const PeriodOccurrence& occurrence, Instant now) {
  return occurrence.is_school_day && occurrence.start_at > now && occurrence.end_at > now;
}

}  // namespace

OccurrenceSpan occurrence_span(const PeriodTemplate& period_template, LocalDate date, TimeZone zone) {
  // Templates never have start == end (validation); such a span would be just the grace.
  const LocalDate end_date = period_template.end_minute < period_template.start_minute ? add_days(date, 1) : date;
  const Instant start = local_to_instant(date, period_template.start_minute, zone, Ambiguity::kEarliest);
  const Instant end = local_to_instant(end_date, period_template.end_minute, zone, Ambiguity::kLatest);
  return {start - std::chrono::minutes(period_template.early_grace_minutes),
          end + std::chrono::minutes(period_template.late_grace_minutes)};
}

RollPlan plan_occurrence_roll(const std::vector<PeriodTemplate>& templates,
                              const std::vector<PeriodOccurrence>& existing, LocalDate first_date, int days,
                              Instant now, TimeZone zone) {
  std::map<OccurrenceKey, const PeriodOccurrence*> existing_by_key;
  for (const PeriodOccurrence& occurrence : existing) {
    if (in_range(occurrence.date, first_date, days)) {
      existing_by_key.emplace(OccurrenceKey{occurrence.template_id, date::sys_days(occurrence.date)}, &occurrence);
    }
  }
  RollPlan plan;
  const std::vector<const PeriodTemplate*> enabled = enabled_in_order(templates);
  for (int offset = 0; offset < days; ++offset) {
    const LocalDate date = add_days(first_date, offset);
    for (const PeriodTemplate* period_template : enabled) {
      if (!wants(*period_template, date)) continue;
      const OccurrenceSpan span = occurrence_span(*period_template, date, zone);
      const auto found = existing_by_key.find({period_template->id, date::sys_days(date)});
      if (found == existing_by_key.end()) {
        plan.to_insert.push_back({0, period_template->id, date, span.start_at, span.end_at, true});
        continue;
      }
      PeriodOccurrence occurrence = *found->second;
      // Ended occurrences are history; the rest follow the template, holiday or not.
      if (occurrence.end_at <= now) continue;
      if (occurrence.start_at == span.start_at && occurrence.end_at == span.end_at) continue;
      occurrence.start_at = span.start_at;
      occurrence.end_at = span.end_at;
      plan.to_update.push_back(occurrence);
    }
  }
  for (const auto& [key, occurrence] : existing_by_key) {
    const auto period_template = std::find_if(templates.begin(), templates.end(),
                                              [&](const PeriodTemplate& t) { return t.id == occurrence->template_id; });
    const bool wanted = period_template != templates.end() && wants(*period_template, occurrence->date);
    if (!wanted && deletable(*occurrence, now)) plan.to_delete.push_back(occurrence->id);
  }
  std::sort(plan.to_delete.begin(), plan.to_delete.end());
  return plan;
}

}  // namespace bisk
