#include "store/migrations.h"

#include <atomic>
#include <thread>

#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

class MigrationsTest : public BackendTest {
 protected:
  std::unique_ptr<Database> db_ = open();
  Migrator migrator_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(MigrationsTest);

TEST_P(MigrationsTest, EmptyDatabaseIsAtVersionZero) { EXPECT_EQ(migrator_.current_version(), 0); }

TEST_P(MigrationsTest, MigrateAppliesTheInitialSchema) {
  const MigrationResult result = migrator_.migrate();
  EXPECT_EQ(result.from_version, 0);
  EXPECT_EQ(result.to_version, Migrator::latest_version());
  ASSERT_FALSE(result.applied.empty());
  EXPECT_EQ(result.applied.front(), "0001_initial");
  EXPECT_EQ(migrator_.current_version(), Migrator::latest_version());

  std::string name;
  long long applied_at = 0;
  db_->session() << "SELECT name, applied_at FROM schema_migrations WHERE version = 1", soci::into(name),
      soci::into(applied_at);
  EXPECT_EQ(name, "0001_initial");
  EXPECT_NEAR(static_cast<double>(applied_at), static_cast<double>(to_epoch_ms(now_instant())), 60'000);
}

TEST_P(MigrationsTest, InitialSchemaHasEveryTable) {
  migrator_.migrate();
  for (const char* table : {"cameras",
                            "camera_period_templates",
                            "stream_profiles",
                            "schedule_policies",
                            "policy_cameras",
                            "schedule_windows",
                            "schedule_exceptions",
                            "period_templates",
                            "period_occurrences",
                            "resource_settings",
                            "running_processes",
                            "runner_heartbeats",
                            "students",
                            "face_templates",
                            "attendance_events",
                            "attendance_records",
                            "users",
                            "user_sessions",
                            "api_tokens",
                            "enforcer_states",
                            "pair_states",
                            "enforcer_requests"}) {
    long long rows = -1;
    EXPECT_NO_THROW((db_->session() << std::string("SELECT count(*) FROM ") + table, soci::into(rows))) << table;
    EXPECT_EQ(rows, 0) << table;
  }
}

TEST_P(MigrationsTest, MigrationsAreAppliedInOrderUnderTheirNames) {
  const MigrationResult result = migrator_.migrate();
  EXPECT_EQ(result.applied, (std::vector<std::string>{"0001_initial", "0002_serve"}));
  EXPECT_EQ(Migrator::latest_version(), 2);
}

TEST_P(MigrationsTest, MigrateToStopsAtTheGivenVersion) {
  const MigrationResult result = migrator_.migrate_to(1);
  EXPECT_EQ(result.applied, std::vector<std::string>{"0001_initial"});
  EXPECT_EQ(migrator_.current_version(), 1);
  EXPECT_TRUE(migrator_.migrate_to(1).applied.empty());
  EXPECT_TRUE(fails_with([&] { migrator_.migrate_to(3); }, Kind::kInvalid, "no schema version 3"));
}

TEST_P(MigrationsTest, ServeMigrationKeepsExistingDataAndSeedsTheGalleryVersion) {
  migrator_.migrate_to(1);
  db_->session() << "INSERT INTO users (username, password_hash, is_admin, created_at) VALUES ('ada', 'h', 1, 5)";
  db_->session() << "INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) "
                    "SELECT 'digest', id, 6, 7 FROM users";
  db_->session() << "INSERT INTO cameras (name, url) VALUES ('Gate', 'rtsp://cam/1')";

  const MigrationResult result = migrator_.migrate();
  EXPECT_EQ(result.from_version, 1);
  EXPECT_EQ(result.applied, std::vector<std::string>{"0002_serve"});

  std::string username, csrf_token = "unset";
  long long expires_at = 0, cameras = 0, gallery_version = 0;
  db_->session() << "SELECT username FROM users", soci::into(username);
  db_->session() << "SELECT csrf_token, expires_at FROM user_sessions", soci::into(csrf_token), soci::into(expires_at);
  db_->session() << "SELECT count(*) FROM cameras", soci::into(cameras);
  db_->session() << "SELECT version FROM catalog_versions WHERE name = 'gallery'", soci::into(gallery_version);
  EXPECT_EQ(username, "ada");
  EXPECT_EQ(csrf_token, "");
  EXPECT_EQ(expires_at, 7);
  EXPECT_EQ(cameras, 1);
  EXPECT_EQ(gallery_version, 1);
}

TEST_P(MigrationsTest, SecondMigrateAppliesNothing) {
  migrator_.migrate();
  const MigrationResult again = Migrator(*open()).migrate();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.from_version, Migrator::latest_version());
  EXPECT_EQ(again.to_version, Migrator::latest_version());
}

TEST_P(MigrationsTest, RequireCurrentNamesTheCommandUntilMigrated) {
  EXPECT_TRUE(fails_with([&] { migrator_.require_current(); }, Kind::kSchema,
                         "database schema is at version 0; this bisk needs " +
                             std::to_string(Migrator::latest_version()) + ": run `bisk migrate`"));
  migrator_.migrate();
  EXPECT_NO_THROW(migrator_.require_current());
}

TEST_P(MigrationsTest, NewerDatabaseIsRefused) {
  migrator_.migrate();
  db_->session() << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 0)";
  const std::string message = "database schema version 99 is newer than this bisk (" +
                              std::to_string(Migrator::latest_version()) + "); upgrade bisk";
  EXPECT_TRUE(fails_with([&] { migrator_.migrate(); }, Kind::kSchema, message));
  EXPECT_TRUE(fails_with([&] { migrator_.require_current(); }, Kind::kSchema, message));
}

TEST_P(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  // A database nobody has opened yet: on SQLite the openers also race to create
  // the file and switch it to WAL.
  testing::TestDatabase fresh(GetParam());
  constexpr int kMigrators = 4;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&] {
      try {
        auto db = Database::open(fresh.url());
        applied += static_cast<int>(Migrator(*db).migrate().applied.size());
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(applied, Migrator::latest_version());
  auto db = Database::open(fresh.url());
  EXPECT_EQ(Migrator(*db).current_version(), Migrator::latest_version());
  long long rows = 0;
  db->session() << "SELECT count(*) FROM schema_migrations", soci::into(rows);
  EXPECT_EQ(rows, Migrator::latest_version());
}

}  // namespace
}  // namespace bisk
