#include "store/database.h"

#include <filesystem>

#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

TEST(DatabaseOpenTest, UnknownSchemeIsInvalidAndNamesTheAcceptedForms) {
  EXPECT_TRUE(fails_with([] { Database::open("mysql://root:hunter2@localhost/bisk"); }, Kind::kInvalid,
                         "unsupported database URL mysql://root:***@localhost/bisk: use sqlite:///absolute/path.db, "
                         "sqlite://relative/path.db, sqlite::memory: or postgresql://"));
}

TEST(DatabaseOpenTest, MissingSqliteDirectoryIsNamed) {
  testing::TempDir dir;
  const std::string missing = dir.file("no-such-dir");
  EXPECT_TRUE(fails_with([&] { Database::open("sqlite://" + missing + "/bisk.db"); }, Kind::kUnavailable,
                         "directory " + missing + " does not exist"));
}

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailableWithMaskedPassword) {
  try {
    // Port 1 on the loopback interface: nothing listens there, so the connection is refused at once.
    Database::open("postgresql://bisk:hunter2@127.0.0.1:1/bisk");
    FAIL() << "opened a database on port 1";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), Kind::kUnavailable);
    const std::string message = error.what();
    EXPECT_NE(message.find("cannot open database postgresql://bisk:***@127.0.0.1:1/bisk: "), std::string::npos)
        << message;
    EXPECT_NE(message.find("Connection refused"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(DatabaseOpenTest, MalformedPostgresUrlIsInvalid) {
  EXPECT_TRUE(fails_with([] { Database::open("postgresql://h/db?nosuchoption=1"); }, Kind::kInvalid,
                         "invalid PostgreSQL URL postgresql://h/db?nosuchoption=1: "));
}

TEST(DatabaseOpenTest, SqliteConnectionsUseWalForeignKeysAndABusyTimeout) {
  testing::TestDatabase test_database(testing::TestBackend::kSqlite);
  auto db = Database::open(test_database.url());
  EXPECT_EQ(db->backend(), Backend::kSqlite);
  std::string journal_mode;
  int foreign_keys = 0, busy_timeout = 0, synchronous = 0;
  db->session() << "PRAGMA journal_mode", soci::into(journal_mode);
  db->session() << "PRAGMA foreign_keys", soci::into(foreign_keys);
  db->session() << "PRAGMA busy_timeout", soci::into(busy_timeout);
  db->session() << "PRAGMA synchronous", soci::into(synchronous);
  EXPECT_EQ(journal_mode, "wal");
  EXPECT_EQ(foreign_keys, 1);
  EXPECT_EQ(busy_timeout, 5000);
  EXPECT_EQ(synchronous, 1);  // NORMAL
}

TEST(DatabaseOpenTest, TwoSlashSqliteUrlIsRelativeToTheWorkingDirectory) {
  testing::TempDir dir;
  const std::string relative = std::filesystem::relative(dir.file("rel.db")).string();
  ASSERT_NE(relative.front(), '/');
  Database::open("sqlite://" + relative)->session() << "CREATE TABLE marker (x INTEGER)";
  long long tables = 0;
  Database::open("sqlite://" + dir.file("rel.db"))->session()
      << "SELECT count(*) FROM sqlite_master WHERE name = 'marker'",
      soci::into(tables);
  EXPECT_EQ(tables, 1);
}

TEST(DatabaseOpenTest, InMemorySqliteOpensAndMigrates) {
  auto db = Database::open("sqlite::memory:");
  Migrator(*db).migrate();
  EXPECT_EQ(Migrator(*db).current_version(), Migrator::latest_version());
}

class DatabaseTest : public BackendTest {
 protected:
  void SetUp() override { db_->session() << "CREATE TABLE items (name TEXT NOT NULL)"; }
  long long items() {
    long long count = 0;
    db_->session() << "SELECT count(*) FROM items", soci::into(count);
    return count;
  }
  void add_item(const std::string& name) {
    db_->session() << "INSERT INTO items (name) VALUES (:name)", soci::use(name);
  }

  std::unique_ptr<Database> db_ = open();
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(DatabaseTest);

TEST_P(DatabaseTest, ReportsItsBackendAndAMaskedUrl) {
  EXPECT_EQ(db_->backend(), GetParam() == testing::TestBackend::kSqlite ? Backend::kSqlite : Backend::kPostgres);
  EXPECT_EQ(db_->display_url(), url());  // the test URLs carry no password
}

TEST_P(DatabaseTest, CommittedTransactionPersists) {
  {
    Transaction transaction(*db_);
    add_item("a");
    transaction.commit();
  }
  long long seen_by_another_connection = 0;
  open()->session() << "SELECT count(*) FROM items", soci::into(seen_by_another_connection);
  EXPECT_EQ(seen_by_another_connection, 1);
}

TEST_P(DatabaseTest, UncommittedTransactionRollsBack) {
  {
    Transaction transaction(*db_);
    add_item("a");
  }
  EXPECT_EQ(items(), 0);
}

TEST_P(DatabaseTest, NestedTransactionIsASavepoint) {
  Transaction outer(*db_);
  add_item("kept");
  {
    Transaction inner(*db_);
    add_item("undone");
  }
  {
    Transaction inner(*db_);
    add_item("released");
    inner.commit();
  }
  outer.commit();
  EXPECT_EQ(items(), 2);
}

TEST_P(DatabaseTest, FailedStatementInASavepointLeavesTheOuterTransactionUsable) {
  Transaction outer(*db_);
  add_item("kept");
  {
    Transaction inner(*db_);
    // PostgreSQL aborts the whole transaction on an error unless a savepoint contains it.
    EXPECT_THROW(db_->session() << "INSERT INTO items (name) VALUES (NULL)", soci::soci_error);
  }
  add_item("after");
  outer.commit();
  EXPECT_EQ(items(), 2);
}

TEST_P(DatabaseTest, ReadOnlyTransactionSeesOneSnapshot) {
  add_item("before");
  auto writer = open();
  Transaction reader(*db_, Transaction::Mode::kReadOnly);
  EXPECT_EQ(items(), 1);
  writer->session() << "INSERT INTO items (name) VALUES ('during')";
  EXPECT_EQ(items(), 1);  // READ COMMITTED would see 2 here
  reader.commit();
  EXPECT_EQ(items(), 2);
}

}  // namespace
}  // namespace bisk
