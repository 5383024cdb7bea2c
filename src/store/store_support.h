// What every store shares: turning driver errors into StoreError, running one
// statement with its parameters, and checking that referenced rows exist.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <soci/soci.h>

#include "domain/entities.h"
#include "domain/validation.h"
#include "store/bulk_query.h"
#include "store/database.h"
#include "store/soci_types.h"
#include "store/store_error.h"

namespace bisk {

// kInvalid with the joined field errors, unless there are none.
void throw_if_invalid(const std::vector<FieldError>& errors);

// The StoreError for a driver error. A unique violation becomes kConflict with
// `unique_conflict`: the caller knows which unique column its statements can
// collide on. Other constraint violations become kConflict or kInvalid; the
// rest (lost connection, busy database) kUnavailable.
StoreError translate_error(const Database& db, const soci::soci_error& error, const std::string& unique_conflict);

// Runs body() and rethrows driver errors as StoreError (see translate_error).
template <typename Body>
auto with_store_errors(Database& db, const std::string& unique_conflict, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const soci::soci_error& error) {
    throw translate_error(db, error, unique_conflict);
  }
}

// Executes `sql` with `values` bound to its placeholders in order; returns the
// number of rows it changed.
template <typename... Values>
long long execute(Database& db, const std::string& sql, const Values&... values) {
  soci::statement statement(db.session());
  (statement.exchange(soci::use(values)), ...);
  statement.alloc();
  // Run once: on PostgreSQL this skips the PREPARE and DEALLOCATE round trips.
  statement.prepare(sql, soci::details::st_one_time_query);
  statement.define_and_bind();
  statement.execute(true);
  return statement.get_affected_rows();
}

// Executes an "INSERT ... RETURNING id" and returns the new id.
template <typename... Values>
Id insert_returning_id(Database& db, const std::string& sql, const Values&... values) {
  Id id = 0;
  ((db.session() << sql, soci::into(id)), ..., soci::use(values));
  return id;
}

// A statement prepared once per connection, with the variables it binds (SOCI
// binds by address). See query_prepared.
template <typename Result, typename... Values>
class PreparedQuery final : public Database::Cached {
 public:
  PreparedQuery(Database& db, const std::string& sql) : statement_(db.session()) {
    std::apply([&](auto&... value) { (statement_.exchange(soci::use(value)), ...); }, values_);
    statement_.exchange(soci::into(result_));
    statement_.alloc();
    statement_.prepare(sql);
    statement_.define_and_bind();
  }

  std::optional<Result> run(const Values&... values) {
    values_ = std::tie(values...);
    result_.reset();
    if (!statement_.execute(true)) return std::nullopt;
    // SQLite ends a statement, and commits its implicit transaction, only when
    // it steps past the last row: a kept statement left on its row would hold
    // the write lock until its next use.
    while (statement_.fetch()) {
    }
    return result_;
  }

 private:
  std::tuple<Values...> values_;
  std::optional<Result> result_;
  soci::statement statement_;
};

// A statement without results prepared once per connection (see execute_prepared).
template <typename... Values>
class PreparedExecution final : public Database::Cached {
 public:
  PreparedExecution(Database& db, const std::string& sql) : statement_(db.session()) {
    std::apply([&](auto&... value) { (statement_.exchange(soci::use(value)), ...); }, values_);
    statement_.alloc();
    statement_.prepare(sql);
    statement_.define_and_bind();
  }

  long long run(const Values&... values) {
    values_ = std::tie(values...);
    statement_.execute(true);
    return statement_.get_affected_rows();
  }

 private:
  std::tuple<Values...> values_;
  soci::statement statement_;
};

// Executes `sql` through a statement the connection prepares on first use and
// keeps (see query_prepared); returns the number of rows it changed.
template <typename... Values>
long long execute_prepared(Database& db, const std::string& sql, const Values&... values) {
  using Execution = PreparedExecution<Values...>;
  std::unique_ptr<Database::Cached>& slot = db.cached(sql);
  if (!slot) slot = std::make_unique<Execution>(db, sql);
  return dynamic_cast<Execution&>(*slot).run(values...);
}

// Runs `sql`, a statement yielding one value in at most one row, through a
// statement the connection prepares on first use and keeps: SOCI prepares
// every `session << ...` anew, which on the hot paths (heartbeats) costs more
// than running it. Returns the value, or nullopt when there is no row.
template <typename Result, typename... Values>
std::optional<Result> query_prepared(Database& db, const std::string& sql, const Values&... values) {
  using Query = PreparedQuery<Result, Values...>;
  std::unique_ptr<Database::Cached>& slot = db.cached(sql);
  if (!slot) slot = std::make_unique<Query>(db, sql);
  // One SQL text is always run with the same types: a mismatch is a bug (std::bad_cast).
  return dynamic_cast<Query&>(*slot).run(values...);
}

// Counts a change of what runners match against (store/attendance_store.h,
// gallery_version); called inside the transaction of the change.
void bump_gallery_version(Database& db);

// The WHERE clause of a list's filters, built from those the caller set, and
// the values of their placeholders in order.
class Conditions {
 public:
  void add(const std::string& condition, SqlValue value) {
    conditions_.push_back(condition);
    params_.push_back(std::move(value));
  }
  // "column IN (...)" with a placeholder per value; no condition for no values.
  void add_in(const std::string& column, const std::vector<std::string>& values);
  // " WHERE a AND b", or "" without conditions.
  std::string where() const;
  const std::vector<SqlValue>& params() const { return params_; }

 private:
  std::vector<std::string> conditions_;
  std::vector<SqlValue> params_;
};

// "a, b, c" for separator ", ".
std::string join(const std::vector<std::string>& parts, const std::string& separator);

// Statements over a column list, placeholders named after the columns:
//   "INSERT INTO t (a, b) VALUES (:a, :b) RETURNING id"
//   "UPDATE t SET a = :a, b = :b WHERE id = :id"
std::string insert_sql(const std::string& table, const std::vector<std::string>& columns);
std::string update_sql(const std::string& table, const std::vector<std::string>& columns);

// "SELECT id, a, b FROM t" for a table with an id column (the row id, then
// `columns`), else "SELECT a, b FROM t".
template <std::size_t N>
std::string select_sql(const std::string& table, const std::array<const char*, N>& columns, bool with_id) {
  std::string sql = with_id ? "SELECT id, " : "SELECT ";
  sql += join({columns.begin(), columns.end()}, ", ");
  sql += " FROM ";
  sql += table;
  return sql;
}

// An entity's columns and, in the same order, its values (a tuple): written
// once per entity and shared by its INSERT and UPDATE.
template <std::size_t N, typename... Values>
Id insert_row(Database& db, const std::string& table, const std::array<const char*, N>& columns,
              const std::tuple<Values...>& values) {
  static_assert(N == sizeof...(Values), "one value per column");
  return std::apply(
      [&](const auto&... value) {
        return insert_returning_id(db, insert_sql(table, {columns.begin(), columns.end()}), value...);
      },
      values);
}

// Updates row `id`; returns the number of rows changed (0: no such row).
template <std::size_t N, typename... Values>
long long update_row(Database& db, const std::string& table, const std::array<const char*, N>& columns,
                     const std::tuple<Values...>& values, Id id) {
  static_assert(N == sizeof...(Values), "one value per column");
  return std::apply(
      [&](const auto&... value) {
        return execute(db, update_sql(table, {columns.begin(), columns.end()}), value..., id);
      },
      values);
}

// kInvalid "<noun> 9 does not exist" for the first of `ids` missing from `table`.
void require_existing(Database& db, const std::string& table, const std::string& noun, const std::vector<Id>& ids);

// kNotFound "<noun> 42 does not exist".
[[noreturn]] void throw_not_found(const std::string& noun, Id id);

// "'text'", for names in messages.
std::string quoted(const std::string& text);

}  // namespace bisk
