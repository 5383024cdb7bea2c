// One connection to the BISK database, SQLite or PostgreSQL, chosen by URL.
// Not thread-safe: each thread opens its own Database.
#pragma once

#include <memory>
#include <string>

#include <soci/soci.h>

namespace bisk {

enum class Backend { kSqlite, kPostgres };

class Database {
 public:
  // "sqlite:///abs/path.db", "sqlite://relative.db" or "sqlite::memory:";
  // "postgresql://user:pass@host:port/db" (also "postgres://"). SQLite is opened
  // with WAL, a busy timeout and foreign keys on. Throws StoreError(kUnavailable)
  // naming the database (password masked) and the reason; kInvalid for a URL
  // with an unknown scheme.
  static std::unique_ptr<Database> open(const std::string& url);

  Backend backend() const { return backend_; }
  soci::session& session() { return session_; }
  // The URL with its password masked, for messages.
  const std::string& display_url() const { return display_url_; }

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

 private:
  Database(Backend backend, std::string display_url) : backend_(backend), display_url_(std::move(display_url)) {}
  Backend backend_;
  std::string display_url_;
  soci::session session_;
};

// A transaction scope: rolls back on destruction unless commit() was called.
// On SQLite it begins with BEGIN IMMEDIATE, so concurrent writers wait on the
// busy timeout instead of failing when a read lock would have to be upgraded.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace bisk
