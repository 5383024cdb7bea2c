// What every store shares: turning driver errors into StoreError, running one
// statement with its parameters, and checking that referenced rows exist.
#pragma once

#include <array>
#include <string>
#include <tuple>
#include <vector>

#include <soci/soci.h>

#include "domain/entities.h"
#include "domain/validation.h"
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

// "a, b, c" for separator ", ".
std::string join(const std::vector<std::string>& parts, const std::string& separator);

// Statements over a column list, placeholders named after the columns:
//   "INSERT INTO t (a, b) VALUES (:a, :b) RETURNING id"
//   "UPDATE t SET a = :a, b = :b WHERE id = :id"
std::string insert_sql(const std::string& table, const std::vector<std::string>& columns);
std::string update_sql(const std::string& table, const std::vector<std::string>& columns);

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
