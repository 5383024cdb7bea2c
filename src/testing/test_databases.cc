#include "testing/test_databases.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>

#include <libpq-fe.h>

namespace bisk::testing {
namespace {

std::string random_suffix() {
  std::random_device random;
  std::uniform_int_distribution<unsigned long long> digits;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", digits(random));
  return text;
}

// Runs one statement on the test server in a connection of its own.
void run_on_server(const std::string& sql) {
  const std::string url = postgres_server_url();
  PGconn* connection = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(connection) != CONNECTION_OK) {
    error = "cannot connect to the PostgreSQL test server " + url + ": " + PQerrorMessage(connection);
  } else {
    // DROP SCHEMA ... CASCADE lists every dropped table as a NOTICE on stderr.
    PQsetNoticeProcessor(
        connection, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(connection, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = sql + ": " + PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(connection);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace

std::string backend_name(TestBackend backend) { return backend == TestBackend::kSqlite ? "sqlite" : "postgres"; }

TempDir::TempDir() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::filesystem::absolute(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp").string();
  pattern += "/bisk-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TestDatabase::TestDatabase(TestBackend backend) : backend_(backend) {
  if (backend == TestBackend::kSqlite) {
    url_ = "sqlite://" + dir_.file("test.db");
    return;
  }
  schema_ = "bisk_test_" + random_suffix();
  run_on_server("CREATE SCHEMA " + schema_);
  const std::string server_url = postgres_server_url();
  // libpq passes "options" to the server: every connection of the test starts in the schema.
  url_ = server_url + (server_url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
}

TestDatabase::~TestDatabase() {
  if (schema_.empty()) return;
  try {
    run_on_server("DROP SCHEMA " + schema_ + " CASCADE");
  } catch (const std::exception& e) {
    std::cerr << "warning: test schema left behind: " << e.what() << "\n";
  }
}

std::string postgres_server_url() {
  if (const char* url = std::getenv("BISK_TEST_PG_URL"); url != nullptr && *url != '\0') return url;
  if (const char* file = std::getenv("BISK_TEST_PG_URL_FILE"); file != nullptr && *file != '\0') {
    std::ifstream in(file);
    std::string url;
    std::getline(in, url);
    while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
    if (url.empty()) {
      throw std::runtime_error(std::string("no PostgreSQL test server: ") + file +
                               " (BISK_TEST_PG_URL_FILE) is missing or empty; did the ctest fixture 'postgres' start?");
    }
    return url;
  }
  throw std::runtime_error(
      "no PostgreSQL test server: run the tests through ctest (fixture 'postgres' starts one) or set "
      "BISK_TEST_PG_URL");
}

}  // namespace bisk::testing
