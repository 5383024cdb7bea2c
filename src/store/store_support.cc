#include "store/store_support.h"

#include <algorithm>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "store/bulk_query.h"

namespace bisk {
namespace {

enum class Violation { kNone, kUnique, kForeignKey, kOtherConstraint };

Violation violation_of(const soci::soci_error& error) {
  if (const auto* postgres = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
    // SQLSTATE class 23: integrity constraint violation.
    const std::string state = postgres->sqlstate();
    if (state == "23505") return Violation::kUnique;
    if (state == "23503") return Violation::kForeignKey;
    return state.starts_with("23") ? Violation::kOtherConstraint : Violation::kNone;
  }
  if (const auto* sqlite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
    // SOCI does not enable SQLite's extended result codes: every constraint
    // failure is SQLITE_CONSTRAINT, and only the message says which kind.
    if (sqlite->result() != SQLITE_CONSTRAINT) return Violation::kNone;
    const std::string message = error.get_error_message();
    if (message.find("UNIQUE constraint failed") != std::string::npos) return Violation::kUnique;
    if (message.find("FOREIGN KEY constraint failed") != std::string::npos) return Violation::kForeignKey;
    return Violation::kOtherConstraint;
  }
  return Violation::kNone;
}

// The driver's message on one line.
std::string driver_reason(const soci::soci_error& error) {
  std::string reason = error.get_error_message();
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  while (!reason.empty() && reason.back() == ' ') reason.pop_back();
  return reason;
}

}  // namespace

void throw_if_invalid(const std::vector<FieldError>& errors) {
  if (!errors.empty()) throw StoreError(StoreError::Kind::kInvalid, join_errors(errors));
}

StoreError translate_error(const Database& db, const soci::soci_error& error, const std::string& unique_conflict) {
  using Kind = StoreError::Kind;
  const std::string reason = driver_reason(error);
  switch (violation_of(error)) {
    case Violation::kUnique:
      return StoreError(Kind::kConflict, unique_conflict.empty() ? "duplicate value: " + reason : unique_conflict);
    case Violation::kForeignKey:
      // The stores check references first, so this is a concurrent change.
      return StoreError(Kind::kConflict, "a referenced row is missing or still referred to: " + reason);
    case Violation::kOtherConstraint:
      return StoreError(Kind::kInvalid, "the database refused the value: " + reason);
    case Violation::kNone:
      break;
  }
  return StoreError(Kind::kUnavailable, "database error on " + db.display_url() + ": " + reason);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) joined += separator;
    joined += part;
  }
  return joined;
}

std::string Conditions::where() const {
  if (conditions_.empty()) return "";
  std::string where = " WHERE ";
  where += join(conditions_, " AND ");
  return where;
}

void Conditions::add_in(const std::string& column, const std::vector<std::string>& values) {
  if (values.empty()) return;
  std::vector<std::string> placeholders;
  for (const std::string& value : values) {
    placeholders.push_back(":" + column);
    placeholders.back() += std::to_string(placeholders.size());
    params_.push_back(value);
  }
  conditions_.push_back(column + " IN (" + join(placeholders, ", ") + ")");
}

std::string insert_sql(const std::string& table, const std::vector<std::string>& columns) {
  std::vector<std::string> placeholders;
  for (const std::string& column : columns) placeholders.push_back(":" + column);
  return "INSERT INTO " + table + " (" + join(columns, ", ") + ") VALUES (" + join(placeholders, ", ") +
         ") RETURNING id";
}

std::string update_sql(const std::string& table, const std::vector<std::string>& columns) {
  std::vector<std::string> assignments;
  for (const std::string& column : columns) assignments.push_back(column + " = :" + column);
  return "UPDATE " + table + " SET " + join(assignments, ", ") + " WHERE id = :id";
}

void require_existing(Database& db, const std::string& table, const std::string& noun, const std::vector<Id>& ids) {
  if (ids.empty()) return;
  // Ids are integers, so listing them inline is safe, and one query beats one per id.
  std::vector<std::string> literals;
  for (Id id : ids) literals.push_back(std::to_string(id));
  BulkQuery query(db, "SELECT id FROM " + table + " WHERE id IN (" + join(literals, ",") + ")");
  const Column<long long>& id_column = query.column<long long>();
  std::vector<Id> found;
  query.for_each_row([&](std::size_t row) { found.push_back(id_column[row]); });
  for (Id id : ids) {
    if (std::find(found.begin(), found.end(), id) == found.end()) {
      throw StoreError(StoreError::Kind::kInvalid, noun + " " + std::to_string(id) + " does not exist");
    }
  }
}

void throw_not_found(const std::string& noun, Id id) {
  throw StoreError(StoreError::Kind::kNotFound, noun + " " + std::to_string(id) + " does not exist");
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace bisk
