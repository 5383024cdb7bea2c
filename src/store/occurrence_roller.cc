#include "store/occurrence_roller.h"

namespace bisk {

OccurrenceStore::Applied roll_occurrences(Database& db, TimeZone zone, Instant now, LocalDate first, int days) {
  Transaction transaction(db);
  OccurrenceStore occurrences(db);
  const RollPlan plan = plan_occurrence_roll(
      PeriodTemplateStore(db).list(), occurrences.list_dated(first, add_days(first, days - 1)), first, days, now, zone);
  const auto applied = occurrences.apply(plan);
  transaction.commit();
  return applied;
}

}  // namespace bisk
