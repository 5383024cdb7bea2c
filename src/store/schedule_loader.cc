#include "store/schedule_loader.h"

#include "store/entity_rows.h"
#include "store/store_support.h"

namespace bisk {

ScheduleSnapshot load_schedule_snapshot(Database& db, Instant from, Instant to) {
  // Nine queries in all, whatever the number of cameras and policies.
  return with_store_errors(db, "", [&] {
    Transaction transaction(db, Transaction::Mode::kReadOnly);
    ScheduleSnapshot snapshot;
    snapshot.cameras = read_cameras(db, RowFilter::all());
    snapshot.profiles = read_profiles(db, RowFilter::all());
    snapshot.policies = read_policies(db, RowFilter::all());
    snapshot.templates = read_templates(db, RowFilter::all());
    snapshot.occurrences = read_occurrences(db, occurrences_overlapping(from, to));
    transaction.commit();
    return snapshot;
  });
}

}  // namespace bisk
