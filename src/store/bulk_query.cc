#include "store/bulk_query.h"

namespace bisk {
namespace {

// Rows per fetch: large enough that the per-fetch cost vanishes, small enough
// that a batch of wide rows stays in cache.
constexpr std::size_t kBatchRows = 256;

}  // namespace

BulkQuery::BulkQuery(Database& db, std::string sql, std::vector<SqlValue> params)
    : db_(db), sql_(std::move(sql)), params_(std::move(params)) {}

void BulkQuery::for_each_row(const std::function<void(std::size_t)>& on_row) {
  soci::statement statement(db_.session());
  // SOCI refuses to bind an empty vector.
  for (auto& column : columns_) {
    column->resize(kBatchRows);
    column->bind(statement);
  }
  for (const SqlValue& param : params_) {
    std::visit([&](const auto& value) { statement.exchange(soci::use(value)); }, param);
  }
  statement.alloc();
  // Run once: on PostgreSQL this skips the PREPARE and DEALLOCATE round trips.
  statement.prepare(sql_, soci::details::st_one_time_query);
  statement.define_and_bind();
  statement.execute(false);
  while (statement.fetch()) {
    const std::size_t rows = columns_.front()->size();
    for (std::size_t row = 0; row < rows; ++row) on_row(row);
    // fetch() shrinks the vectors to the rows it read; the next batch needs room again.
    for (auto& column : columns_) column->resize(kBatchRows);
  }
}

}  // namespace bisk
