// The setting of the runner-API integration tests: a migrated database on one
// backend, the `bisk` CLI and a real `bisk serve` on it, and a Database of the
// test's own on the same URL for what no command creates (process rows, face
// templates, occurrences) and for checking what the server stored.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "store/database.h"
#include "store/process_store.h"
#include "support/server_process.h"
#include "support/subprocess.h"
#include "testing/test_databases.h"

namespace bisk::testing {

inline constexpr char kTestKey[] = "test-runner-key-6f1c2a9e0b7d4c35";

class RunnerApiFixture : public ::testing::TestWithParam<TestBackend> {
 protected:
  RunnerApiFixture();
  ~RunnerApiFixture() override;

  std::map<std::string, std::string> environment() const;
  // Runs `bisk args…`; fails the test unless it exits 0; returns its stdout.
  std::string bisk_ok(std::vector<std::string> args, const std::string& stdin_text = "");

  // Through the CLI; returns the new id.
  Id add_camera(const std::string& name);
  Id add_profile(const std::string& name);
  // A live RunningProcess row (lifecycle `running`, started now) of this node.
  Id add_process(Id camera_id, Id profile_id, int pid, const std::string& lifecycle = "running");
  // A bearer token of an admin, for /dash and /metrics.
  std::string admin_token();

  Database& db() { return *db_; }
  ServerProcess& server();  // started on first use
  const std::string& media_dir() const { return media_dir_; }

  // POST with X-BISK-KEY (unless key is empty) and the given content type.
  httplib::Result post(const std::string& path, const std::string& body, const std::string& key = kTestKey,
                       const std::string& content_type = "application/json");
  httplib::Result get(const std::string& path, const std::string& key = kTestKey);
  // A heartbeat body with the required fields and `extra` (a JSON object text, without braces) appended.
  static std::string heartbeat_body(Id camera_id, Id profile_id, int pid, const std::string& extra = "");

 private:
  TempDir home_;
  TestDatabase database_;
  std::string media_dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace bisk::testing
