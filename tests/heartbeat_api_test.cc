// POST /api/runner/heartbeat/ against a real `bisk serve`: every answer of
// SPEC §6, what it stores, the 10 s heartbeat-row gate and the key hygiene.

#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPath[] = "/api/runner/heartbeat/";
constexpr char kKeyHint[] = "send the key in the X-BISK-KEY header, not in the URL or body";

class HeartbeatApiTest : public RunnerApiFixture {
 protected:
  void SetUp() override {
    camera_ = add_camera("Gate");
    profile_ = add_profile("Lunch");
    process_ = add_process(camera_, profile_, kPid);
  }

  nlohmann::json expect_answer(const httplib::Result& result, int status) {
    EXPECT_TRUE(result) << "no answer";
    if (!result) return {};
    EXPECT_EQ(result->status, status) << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
    return nlohmann::json::parse(result->body, nullptr, false);
  }

  long long heartbeat_rows() { return HeartbeatStore(db()).count(); }

  static constexpr int kPid = 4242;
  Id camera_ = 0;
  Id profile_ = 0;
  Id process_ = 0;
};

TEST_P(HeartbeatApiTest, TheCurrentRunnerIsDesiredAndItsRowUpdated) {
  const auto answer = expect_answer(
      post(kPath, heartbeat_body(camera_, profile_, kPid,
                                 R"("state":"running","camera_fps":25.5,"processed_fps":4.9,"detected":7)")),
      200);
  EXPECT_EQ(answer["ok"], true);
  EXPECT_EQ(answer["desired"], true);
  EXPECT_TRUE(answer["gallery_version"].is_number_integer());
  const auto row = ProcessStore(db()).find(process_);
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->last_heartbeat_at);
  EXPECT_DOUBLE_EQ(row->camera_fps.value_or(0), 25.5);
  EXPECT_DOUBLE_EQ(row->processed_fps.value_or(0), 4.9);
  EXPECT_EQ(row->detected.value_or(0), 7);
}

TEST_P(HeartbeatApiTest, AnotherPidIsNotDesiredAndChangesNothing) {
  const auto answer = expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid + 1, R"("camera_fps":9)")), 200);
  EXPECT_EQ(answer["ok"], true);
  EXPECT_EQ(answer["desired"], false);
  const auto row = ProcessStore(db()).find(process_);
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->last_heartbeat_at);
  EXPECT_FALSE(row->camera_fps);
  EXPECT_EQ(heartbeat_rows(), 0);
}

TEST_P(HeartbeatApiTest, AnEndedRunnerIsNotDesired) {
  const Id other_profile = add_profile("Exams");
  add_process(camera_, other_profile, 5555, "exited");
  const auto answer = expect_answer(post(kPath, heartbeat_body(camera_, other_profile, 5555)), 200);
  EXPECT_EQ(answer["desired"], false);
}

TEST_P(HeartbeatApiTest, UnknownCameraOrProfileIs404) {
  auto answer = expect_answer(post(kPath, heartbeat_body(999, profile_, kPid)), 404);
  EXPECT_EQ(answer["ok"], false);
  EXPECT_EQ(answer["error"], "camera 999 does not exist");
  answer = expect_answer(post(kPath, heartbeat_body(camera_, 888, kPid)), 404);
  EXPECT_EQ(answer["error"], "profile 888 does not exist");
}

TEST_P(HeartbeatApiTest, AWrongOrMissingKeyIs403) {
  for (const std::string& key :
       std::vector<std::string>{"", "wrong", std::string(kTestKey) + "x", std::string(kTestKey).substr(1)}) {
    const auto answer = expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid), key), 403);
    EXPECT_EQ(answer["error"], "bad key") << key;
  }
  EXPECT_FALSE(ProcessStore(db()).find(process_)->last_heartbeat_at);
}

TEST_P(HeartbeatApiTest, AKeyInTheQueryOrBodyIs403EvenWithTheRightHeader) {
  std::string in_query = kPath;
  in_query.append("?key=").append(kTestKey);
  EXPECT_EQ(expect_answer(post(in_query, heartbeat_body(camera_, profile_, kPid)), 403)["error"], kKeyHint);
  EXPECT_EQ(
      expect_answer(post(std::string(kPath) + "?hb_key=x", heartbeat_body(camera_, profile_, kPid)), 403)["error"],
      kKeyHint);
  for (const char* field : {"key", "hb_key"}) {
    std::string extra = "\"";
    extra.append(field).append("\":\"").append(kTestKey).append("\"");
    EXPECT_EQ(expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid, extra)), 403)["error"], kKeyHint);
    EXPECT_EQ(expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid, extra), ""), 403)["error"], "bad key");
  }
  EXPECT_FALSE(ProcessStore(db()).find(process_)->last_heartbeat_at);
}

TEST_P(HeartbeatApiTest, OtherMethodsAre405WithAllow) {
  server();
  httplib::Client client = server().client();
  const httplib::Headers headers{{"X-BISK-KEY", kTestKey}};
  for (const auto& result : {client.Get(kPath, headers), client.Put(kPath, headers, "{}", "application/json"),
                             client.Patch(kPath, headers, "{}", "application/json"), client.Delete(kPath, headers)}) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 405);
    EXPECT_EQ(result->get_header_value("Allow"), "POST");
  }
}

TEST_P(HeartbeatApiTest, ABodyOver64KiBIs413) {
  const std::string padding(64 * 1024, ' ');
  const auto answer = expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid) + padding), 413);
  EXPECT_EQ(answer["ok"], false);
  EXPECT_FALSE(ProcessStore(db()).find(process_)->last_heartbeat_at);
}

TEST_P(HeartbeatApiTest, MalformedJsonAndWrongTypesAre400NamingTheField) {
  EXPECT_EQ(expect_answer(post(kPath, "{\"camera_id\":"), 400)["ok"], false);
  EXPECT_EQ(expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid, R"("camera_fps":"fast")")), 400)["error"],
            "camera_fps: must be a number from 0 to 1000000");
  EXPECT_EQ(expect_answer(post(kPath, R"({"camera_id":1.0,"profile_id":1,"pid":1})"), 400)["error"],
            "camera_id: must be a positive integer");
}

TEST_P(HeartbeatApiTest, HeartbeatRowsAreGatedPerPairUnlessTheErrorChanges) {
  const auto ok = [&](const std::string& extra) {
    expect_answer(post(kPath, heartbeat_body(camera_, profile_, kPid, extra)), 200);
  };
  ok(R"("camera_fps":25)");
  ok(R"("camera_fps":24)");
  EXPECT_EQ(heartbeat_rows(), 1);
  ok(R"("last_error":"rtsp timeout")");
  EXPECT_EQ(heartbeat_rows(), 2);
  ok(R"("last_error":"rtsp timeout")");
  EXPECT_EQ(heartbeat_rows(), 2);
  ok(R"("last_error":"")");  // cleared: a change too
  EXPECT_EQ(heartbeat_rows(), 3);
  // The row stored the heartbeat's fields.
  const auto rows = HeartbeatStore(db()).list({});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].heartbeat.last_error.value_or(""), "rtsp timeout");
  EXPECT_EQ(rows[2].heartbeat.pid, kPid);
}

TEST_P(HeartbeatApiTest, ConcurrentHeartbeatsOfManyPairsAreAllApplied) {
  // Four pairs, eight clients at once: on SQLite they share group commits.
  std::vector<std::pair<Id, Id>> pairs = {{camera_, profile_}};
  const Id other_camera = add_camera("Door");
  const Id other_profile = add_profile("Exams");
  for (const auto& [camera, profile] : std::vector<std::pair<Id, Id>>{
           {camera_, other_profile}, {other_camera, profile_}, {other_camera, other_profile}}) {
    add_process(camera, profile, kPid);
    pairs.emplace_back(camera, profile);
  }
  server();
  std::atomic<int> desired{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client = server().client();
      for (int i = 0; i < 25; ++i) {
        const auto& [camera, profile] = pairs[(c + i) % pairs.size()];
        const auto result =
            client.Post(kPath, {{"X-BISK-KEY", kTestKey}},
                        heartbeat_body(camera, profile, kPid, R"("camera_fps":12.5)"), "application/json");
        if (result && result->status == 200 && nlohmann::json::parse(result->body)["desired"] == true) ++desired;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(desired, 8 * 25);
  for (const RunningProcess& process : ProcessStore(db()).list({})) {
    EXPECT_TRUE(process.last_heartbeat_at) << process.id;
    EXPECT_DOUBLE_EQ(process.camera_fps.value_or(0), 12.5);
  }
  EXPECT_EQ(heartbeat_rows(), 4);  // the first heartbeat of each pair
}

TEST_P(HeartbeatApiTest, TheKeyIsNeverLogged) {
  post(kPath, heartbeat_body(camera_, profile_, kPid));
  post(std::string(kPath) + "?key=" + kTestKey, heartbeat_body(camera_, profile_, kPid));
  post(kPath, heartbeat_body(camera_, profile_, kPid, std::string(R"("key":")") + kTestKey + "\""));
  post(kPath, heartbeat_body(camera_, profile_, kPid), std::string(kTestKey) + "-wrong");
  server().stop();
  const std::string log = server().log();
  EXPECT_THAT(log, HasSubstr(kPath));  // requests are logged, without their secrets
  EXPECT_THAT(log, Not(HasSubstr(kTestKey)));
  EXPECT_THAT(log, Not(HasSubstr("camera_id")));  // nor bodies
}

INSTANTIATE_TEST_SUITE_P(Backends, HeartbeatApiTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
