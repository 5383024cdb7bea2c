// Reading whole entities (with their child rows: template links, policy
// cameras, windows, exceptions) with a fixed, small number of queries however
// many rows match. Shared by the stores and the schedule snapshot loader, so
// both map rows to entities the same way. Callers that need the parent and
// child queries to agree open a read Transaction around the call.
#pragma once

#include <string>
#include <vector>

#include "domain/entities.h"
#include "store/bulk_query.h"
#include "store/database.h"

namespace bisk {

// Which rows of an entity's table to read: a condition on its own columns
// (unqualified) with the values of its placeholders; empty reads every row.
// The same filter selects the matching child rows.
struct RowFilter {
  std::string condition;
  std::vector<SqlValue> params;

  static RowFilter all() { return {}; }
  static RowFilter by_id(Id id) { return {"id = :id", {static_cast<long long>(id)}}; }
  static RowFilter by_text(const std::string& column, const std::string& value) {
    return {column + " = :value", {value}};
  }
};

// Occurrences whose [start_at, end_at) overlaps [from, to).
RowFilter occurrences_overlapping(Instant from, Instant to);

std::vector<Camera> read_cameras(Database& db, const RowFilter& filter);                // by id
std::vector<StreamProfile> read_profiles(Database& db, const RowFilter& filter);        // by id
std::vector<SchedulePolicy> read_policies(Database& db, const RowFilter& filter);       // by id
std::vector<PeriodTemplate> read_templates(Database& db, const RowFilter& filter);      // by (order, id)
std::vector<PeriodOccurrence> read_occurrences(Database& db, const RowFilter& filter);  // by (start_at, id)
std::vector<Student> read_students(Database& db, const RowFilter& filter);              // by id
std::vector<ResourceSettings> read_resource_settings(Database& db, const RowFilter& filter);

}  // namespace bisk
