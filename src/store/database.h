// One connection to the BISK database, SQLite or PostgreSQL, chosen by URL.
// Not thread-safe: each thread opens its own Database.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

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

  // What a connection keeps for its lifetime, by key: the statements of hot
  // paths, prepared once (store/store_support.h, query_prepared).
  class Cached {
   public:
    virtual ~Cached() = default;
  };
  std::unique_ptr<Cached>& cached(const std::string& key) { return cached_[key]; }

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

 private:
  friend class Transaction;
  Database(Backend backend, std::string display_url) : backend_(backend), display_url_(std::move(display_url)) {}
  Backend backend_;
  std::string display_url_;
  soci::session session_;
  // Declared after session_, so destroyed first: statements need their session.
  std::unordered_map<std::string, std::unique_ptr<Cached>> cached_;
  int transaction_depth_ = 0;  // open Transactions; inner ones are savepoints
};

// A transaction scope: rolls back on destruction unless commit() was called.
// On SQLite it begins with BEGIN IMMEDIATE, so concurrent writers wait on the
// busy timeout instead of failing when a read lock would have to be upgraded.
// Transactions nest: one opened while another is open on the same Database is
// a savepoint, so store methods (which open their own) compose into a caller's.
class Transaction {
 public:
  // kReadOnly is for a group of reads that must see one consistent state: on
  // SQLite a deferred BEGIN (WAL readers never block or wait for writers), on
  // PostgreSQL REPEATABLE READ READ ONLY (one snapshot for every statement, which
  // READ COMMITTED does not give). Only the outermost transaction's mode counts.
  enum class Mode { kReadWrite, kReadOnly };
  explicit Transaction(Database& db);
  Transaction(Database& db, Mode mode);
  ~Transaction();
  void commit();

  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  void run(const std::string& sql);  // a transaction control statement

  Database& db_;
  int depth_;  // 1 for the outermost transaction, > 1 for a savepoint
  bool open_ = true;
};

}  // namespace bisk
