// Reading many rows fast: a SELECT whose result is fetched in batches straight
// into one vector per column (SOCI's bulk "into"), instead of one round of
// conversions per row. Every list the stores and the schedule loader return is
// read this way, on both backends.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <soci/soci.h>

#include "store/database.h"
#include "store/soci_types.h"

namespace bisk {

// A value bound to a query placeholder.
using SqlValue = std::variant<long long, std::string>;

class ColumnBinding {
 public:
  virtual ~ColumnBinding() = default;

 private:
  friend class BulkQuery;
  virtual void bind(soci::statement& statement) = 0;
  virtual void resize(std::size_t rows) = 0;
  virtual std::size_t size() const = 0;
};

// One column of the current batch, as the type SQL stores: int for INTEGER,
// long long for BIGINT, double, std::string.
template <typename T>
class Column final : public ColumnBinding {
 public:
  const T& operator[](std::size_t row) const { return values_[row]; }
  // The value converted to an entity's type as a single "into" would convert it
  // (store/soci_types.h): as<bool>, as<Instant>, as<std::optional<int>>, ...
  template <typename Value>
  Value as(std::size_t row) const {
    Value value{};
    soci::type_conversion<Value>::from_base(values_[row], nulls_[row], value);
    return value;
  }

 private:
  void bind(soci::statement& statement) override { statement.exchange(soci::into(values_, nulls_)); }
  void resize(std::size_t rows) override {
    values_.resize(rows);
    nulls_.resize(rows);
  }
  std::size_t size() const override { return values_.size(); }

  std::vector<T> values_;
  std::vector<soci::indicator> nulls_;
};

class BulkQuery {
 public:
  BulkQuery(Database& db, std::string sql, std::vector<SqlValue> params = {});

  // Declares the next column of the SELECT list, in order. The reference stays
  // valid as long as the query.
  template <typename T>
  const Column<T>& column() {
    auto column = std::make_unique<Column<T>>();
    const Column<T>& result = *column;
    columns_.push_back(std::move(column));
    return result;
  }

  // Runs the query and calls on_row(i) for every row; during the call the
  // columns hold that row at index i.
  void for_each_row(const std::function<void(std::size_t)>& on_row);

  BulkQuery(const BulkQuery&) = delete;
  BulkQuery& operator=(const BulkQuery&) = delete;

 private:
  Database& db_;
  std::string sql_;
  std::vector<SqlValue> params_;
  std::vector<std::unique_ptr<ColumnBinding>> columns_;
};

}  // namespace bisk
