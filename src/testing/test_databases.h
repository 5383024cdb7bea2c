// Test support: temporary directories and one fresh database per test on each
// backend. PostgreSQL tests use the throwaway server that ctest starts (fixture
// "postgres", scripts/pg_cluster.sh); its URL comes from BISK_TEST_PG_URL or
// the file named by BISK_TEST_PG_URL_FILE.
#pragma once

#include <string>
#include <vector>

namespace bisk::testing {

enum class TestBackend { kSqlite, kPostgres };
std::string backend_name(TestBackend backend);  // "sqlite", "postgres": for test names
inline std::vector<TestBackend> all_backends() { return {TestBackend::kSqlite, TestBackend::kPostgres}; }

// A directory under $TMPDIR removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

 private:
  std::string path_;
};

// An empty database: a SQLite file in its own TempDir, or a PostgreSQL schema
// of its own on the test server (selected through the URL's search_path), dropped
// on destruction. Throws with instructions when the PostgreSQL server is unknown.
class TestDatabase {
 public:
  explicit TestDatabase(TestBackend backend);
  ~TestDatabase();
  const std::string& url() const { return url_; }
  TestBackend backend() const { return backend_; }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

 private:
  TestBackend backend_;
  TempDir dir_;
  std::string schema_;
  std::string url_;
};

// The test PostgreSQL server's URL (without a schema).
std::string postgres_server_url();

}  // namespace bisk::testing
