#include "store/database.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "common/url.h"
#include "store/store_error.h"

namespace bisk {
namespace {

constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kSqlitePrefix = "sqlite://";
constexpr std::string_view kPostgresPrefixes[] = {"postgresql://", "postgres://"};
// How long a statement waits for another connection's write lock.
constexpr std::chrono::milliseconds kSqliteBusyTimeout{5000};
// libpq waits for the operating system's TCP timeout (minutes) by default.
constexpr std::string_view kDefaultConnectTimeoutSeconds = "10";

bool is_postgres_url(std::string_view url) {
  for (std::string_view prefix : kPostgresPrefixes) {
    if (url.starts_with(prefix)) return true;
  }
  return false;
}

// SOCI 4.0.3's PostgreSQL backend scans its connection string for its own
// options and mangles libpq URIs on the way ("database \"postgres=\" does not
// exist"), so the URI is parsed by libpq itself and handed over as keyword='value'
// pairs, every value quoted (SOCI's scanner also splits unquoted values).
std::string postgres_connect_string(const std::string& url, const std::string& display_url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    throw StoreError(StoreError::Kind::kInvalid, "invalid PostgreSQL URL " + display_url + ": " + reason);
  }
  std::string connect_string;
  bool has_timeout = false;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    has_timeout |= std::string_view(option->keyword) == "connect_timeout";
    connect_string += std::string(option->keyword) + "='";
    for (const char* c = option->val; *c != '\0'; ++c) {
      if (*c == '\'' || *c == '\\') connect_string += '\\';
      connect_string += *c;
    }
    connect_string += "' ";
  }
  PQconninfoFree(options);
  if (!has_timeout) connect_string += "connect_timeout='" + std::string(kDefaultConnectTimeoutSeconds) + "'";
  return connect_string;
}

// The file name SQLite opens: "sqlite:///abs/x.db" → "/abs/x.db", "sqlite://x.db" → "x.db".
std::string sqlite_path(const std::string& url, const std::string& display_url) {
  if (url == kSqliteMemory) return ":memory:";
  std::string path = url.substr(kSqlitePrefix.size());
  if (path.empty()) throw StoreError(StoreError::Kind::kInvalid, "SQLite URL " + display_url + " names no file");
  // SQLite would create the file but not its directory; say which one is missing.
  const std::filesystem::path directory = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!directory.empty() && !std::filesystem::is_directory(directory, error)) {
    throw StoreError(StoreError::Kind::kUnavailable,
                     "cannot open database " + display_url + ": directory " + directory.string() + " does not exist");
  }
  return path;
}

// Switching a new database file to WAL needs an exclusive lock, and SQLite
// reports "database is locked" at once instead of calling the busy handler when
// another connection is opening the same new file; WAL is a property of the
// file, so a later try by the loser finds it set.
std::string enable_wal(soci::session& session) {
  const auto deadline = std::chrono::steady_clock::now() + kSqliteBusyTimeout;
  while (true) {
    try {
      std::string journal_mode;
      session << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
      return journal_mode;
    } catch (const soci::sqlite3_soci_error& error) {
      if (error.result() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void configure_sqlite(soci::session& session, const std::string& display_url) {
  session << "PRAGMA busy_timeout = " + std::to_string(kSqliteBusyTimeout.count());
  const std::string journal_mode = enable_wal(session);
  if (journal_mode != "wal" && journal_mode != "memory") {
    throw StoreError(StoreError::Kind::kUnavailable,
                     "cannot open database " + display_url + ": WAL journal mode refused (got " + journal_mode + ")");
  }
  // NORMAL is durable in WAL mode except for the last commits on power loss.
  session << "PRAGMA synchronous = NORMAL";
  session << "PRAGMA foreign_keys = ON";
}

}  // namespace

std::unique_ptr<Database> Database::open(const std::string& url) {
  const std::string display_url = mask_url(url);
  const bool sqlite = url == kSqliteMemory || url.starts_with(kSqlitePrefix);
  if (!sqlite && !is_postgres_url(url)) {
    throw StoreError(StoreError::Kind::kInvalid,
                     "unsupported database URL " + display_url +
                         ": use sqlite:///absolute/path.db, sqlite://relative/path.db, sqlite::memory: or "
                         "postgresql://user:password@host:port/database");
  }
  std::unique_ptr<Database> db(new Database(sqlite ? Backend::kSqlite : Backend::kPostgres, display_url));
  try {
    if (sqlite) {
      db->session_.open(soci::sqlite3, sqlite_path(url, display_url));
      configure_sqlite(db->session_, display_url);
    } else {
      db->session_.open(soci::postgresql, postgres_connect_string(url, display_url));
      // NOTICEs ("... does not exist, skipping") would go straight to stderr.
      db->session_ << "SET client_min_messages = warning";
    }
  } catch (const soci::soci_error& e) {
    std::string reason = e.get_error_message();
    // SOCI prefixes the driver's reason with a generic line of its own.
    const std::string soci_prefix = "Cannot establish connection to the database.";
    if (reason.starts_with(soci_prefix)) reason.erase(0, soci_prefix.size());
    while (!reason.empty() && (reason.front() == '\n' || reason.front() == ' ')) reason.erase(0, 1);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    throw StoreError(StoreError::Kind::kUnavailable, "cannot open database " + display_url + ": " + reason);
  }
  return db;
}

namespace {

// A statement without parameters or results, prepared once.
class KeptStatement final : public Database::Cached {
 public:
  KeptStatement(soci::session& session, const std::string& sql) : statement_(session) {
    statement_.alloc();
    statement_.prepare(sql);
    statement_.define_and_bind();
  }
  void run() { statement_.execute(true); }

 private:
  soci::statement statement_;
};

}  // namespace

// SQLite parses every `session << sql` anew, which for the hot paths'
// one-statement transactions cost as much as the statement; its transaction
// control statements are kept prepared instead. PostgreSQL cannot prepare them.
void Transaction::run(const std::string& sql) {
  if (db_.backend_ != Backend::kSqlite) {
    db_.session_ << sql;
    return;
  }
  std::unique_ptr<Database::Cached>& slot = db_.cached(sql);
  if (!slot) slot = std::make_unique<KeptStatement>(db_.session_, sql);
  static_cast<KeptStatement&>(*slot).run();
}

Transaction::Transaction(Database& db) : Transaction(db, Mode::kReadWrite) {}

Transaction::Transaction(Database& db, Mode mode) : db_(db), depth_(db.transaction_depth_ + 1) {
  if (depth_ > 1) {
    db_.session_ << "SAVEPOINT bisk_" + std::to_string(depth_);
  } else if (db_.backend_ == Backend::kSqlite) {
    run(mode == Mode::kReadOnly ? "BEGIN" : "BEGIN IMMEDIATE");
  } else {
    db_.session_ << (mode == Mode::kReadOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
  }
  db_.transaction_depth_ = depth_;
}

Transaction::~Transaction() {
  if (!open_) return;
  // A destructor must not throw; a failed rollback leaves the connection in an
  // error state that the next statement reports.
  try {
    if (depth_ > 1) {
      const std::string savepoint = "bisk_" + std::to_string(depth_);
      db_.session_ << "ROLLBACK TO SAVEPOINT " + savepoint;
      db_.session_ << "RELEASE SAVEPOINT " + savepoint;
    } else {
      run("ROLLBACK");
    }
  } catch (const soci::soci_error&) {
  }
  db_.transaction_depth_ = depth_ - 1;
}

void Transaction::commit() {
  if (depth_ > 1) {
    db_.session_ << "RELEASE SAVEPOINT bisk_" + std::to_string(depth_);
  } else {
    run("COMMIT");
  }
  open_ = false;
  db_.transaction_depth_ = depth_ - 1;
}

}  // namespace bisk
