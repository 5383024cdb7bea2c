// GET /dash/system.json and GET /metrics against a real `bisk serve`: admin
// only, the documented fields, runners counted by the one status definition.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/enforcer_store.h"
#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

using ::testing::HasSubstr;

class SystemApiTest : public RunnerApiFixture {
 protected:
  httplib::Result admin_get(const std::string& path, const std::string& token) {
    httplib::Client client = server().client();
    return client.Get(path.c_str(), {{"Authorization", "Bearer " + token}});
  }

  // One pair per status the database alone decides: online, starting, stale,
  // offline, stopped. Returns the online runner's process id.
  Id add_runners_of_every_status() {
    const Id profile_a = add_profile("A");
    const Id profile_b = add_profile("B");
    const Id camera_1 = add_camera("One");
    const Id camera_2 = add_camera("Two");
    const Id camera_3 = add_camera("Three");
    const Id online = add_process(camera_1, profile_a, 101);
    add_process(camera_1, profile_b, 102);                                                // starting: no heartbeat yet
    set_heartbeat_age(add_process(camera_2, profile_a, 103), std::chrono::seconds(30));   // stale
    set_heartbeat_age(add_process(camera_2, profile_b, 104), std::chrono::seconds(300));  // offline
    add_process(camera_3, profile_a, 105, "exited");                                      // stopped
    const auto result = post("/api/runner/heartbeat/",
                             heartbeat_body(camera_1, profile_a, 101, R"("camera_fps":25.5,"processed_fps":5)"));
    EXPECT_EQ(result->status, 200) << result->body;
    return online;
  }

  void set_heartbeat_age(Id process_id, std::chrono::seconds age) {
    ProcessStore processes(db());
    auto process = processes.find(process_id).value();
    process.started_at = now_instant() - std::chrono::minutes(10);
    process.last_heartbeat_at = now_instant() - age;
    processes.update(process);
  }
};

TEST_P(SystemApiTest, AnonymousRequestsAre401) {
  httplib::Client client = server().client();
  for (const char* path : {"/dash/system.json", "/metrics"}) {
    const auto result = client.Get(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401) << path;
  }
  const auto with_runner_key = get("/metrics");  // the runners' key is no operator credential
  EXPECT_EQ(with_runner_key->status, 401);
}

TEST_P(SystemApiTest, SystemJsonHasEveryFieldAndCountsRunnersByStatus) {
  const std::string token = admin_token();
  add_runners_of_every_status();
  bisk_ok({"camera", "pause", "One", "--minutes", "5"});
  const auto result = admin_get("/dash/system.json", token);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  const auto system = nlohmann::json::parse(result->body);
  EXPECT_TRUE(system["host"].is_string());
  EXPECT_TRUE(parse_instant(system["now"].get<std::string>()));
  EXPECT_TRUE(system["cpu_percent"].is_number());
  for (const char* load : {"1m", "5m", "15m"}) EXPECT_TRUE(system["load"][load].is_number()) << load;
  for (const char* usage : {"memory", "disk_root"}) {
    EXPECT_GT(system[usage]["total"].get<double>(), 0) << usage;
    EXPECT_GE(system[usage]["used"].get<double>(), 0) << usage;
    EXPECT_TRUE(system[usage]["percent"].is_number()) << usage;
  }
  EXPECT_EQ(system["runners"], nlohmann::json::parse(R"({"starting":1,"online":1,"stale":1,"offline":1,
      "backoff":0,"quarantined":0,"stopped":1})"));
  EXPECT_EQ(system["paused"], 1);
  const auto& enforcer = system["enforcer"];
  for (const char* field : {"node", "last_run", "last_ok", "last_error", "pid", "interval", "last_tick_ms"})
    EXPECT_TRUE(enforcer.contains(field)) << field;
  EXPECT_TRUE(enforcer["last_run"].is_null());  // the enforcer never ran
  EXPECT_EQ(system["heartbeat_key_is_example"], false);
}

TEST_P(SystemApiTest, MetricsExposeRequestsHeartbeatsAndPerRunnerGauges) {
  const std::string token = admin_token();
  const Id online = add_runners_of_every_status();
  EnforcerState state;
  state.node = "test-node";
  state.pid = 4321;
  state.interval_s = 15;
  state.last_run_at = state.last_ok_at = from_epoch_ms(1'772'000'000'000);
  state.last_tick_ms = 12.5;
  state.updated_at = now_instant();
  EnforcerStore(db()).put_state(state);
  const auto result = admin_get("/metrics", token);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  const std::string& text = result->body;
  EXPECT_THAT(text, HasSubstr("# TYPE bisk_http_requests_total counter"));
  EXPECT_THAT(text, HasSubstr(R"(route="/api/runner/heartbeat/")"));
  EXPECT_THAT(text, HasSubstr("# TYPE bisk_http_request_duration_seconds histogram"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_heartbeats_total{outcome="stored"} 1)"));
  // The library sorts labels by name.
  std::string runner_labels = R"({camera_id="1",process_id=")";
  runner_labels.append(std::to_string(online)).append(R"(",profile_id="1"})");
  EXPECT_THAT(text, HasSubstr("bisk_runner_camera_fps" + runner_labels + " 25.5"));
  EXPECT_THAT(text, HasSubstr("bisk_runner_processed_fps" + runner_labels + " 5"));
  EXPECT_THAT(text, HasSubstr("bisk_runner_restarts" + runner_labels + " 0"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_runner_status{camera_id="1",profile_id="1",status="online"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_runners{status="offline"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_runners{status="backoff"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_enforcer_last_tick_ms{node="test-node"} 12.5)"));
  EXPECT_THAT(text, HasSubstr(R"(bisk_enforcer_last_ok_timestamp_seconds{node="test-node"} 1772000000)"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SystemApiTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
