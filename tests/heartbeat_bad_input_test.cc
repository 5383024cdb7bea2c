// A generated table of malformed heartbeats: each one is refused with a 4xx
// (never a 5xx, never a 200), and none changes what the server stored.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

constexpr char kPath[] = "/api/runner/heartbeat/";
constexpr int kPid = 31011;

struct BadInput {
  std::string label;
  std::string body;
  std::string content_type = "application/json";
  std::vector<int> statuses;  // any of these is right
};

// Every field of SPEC §6 with a valid value, as the runner sends it.
nlohmann::ordered_json valid_heartbeat(long long camera_id, long long profile_id) {
  return {{"camera_id", camera_id},
          {"profile_id", profile_id},
          {"pid", kPid},
          {"state", "running"},
          {"camera_fps", 25.0},
          {"processed_fps", 5.0},
          {"target_fps", 5.0},
          {"dropped_frames", 3},
          {"detected", 10},
          {"matched", 2},
          {"latency_ms", 41.5},
          {"last_frame_at", "2026-03-02T08:00:00+01:00"},
          {"reconnects", 0},
          {"last_error", "rtsp timeout"},
          {"snapshot_every", 30},
          {"min_face_px", 40},
          {"model", "faceplugin-fr-512-v1"},
          {"device", "cpu"}};
}

// Raw JSON texts that no field accepts, and those that only a few do.
const std::vector<std::string>& wrong_values_for(const std::string& field) {
  static const std::vector<std::string> kForIds = {R"("1")", "1.0", "0",    "-1",    "true",
                                                   "[]",     "{}",  "9e18", "1e309", "18446744073709551616"};
  static const std::vector<std::string> kForCounters = {R"("5")", "5.0", "-1", "9007199254740993",
                                                        "false",  "[1]", "1e2"};
  static const std::vector<std::string> kForMeasures = {R"("25")", "-0.1", "1000000.01", "1e309", "true", "{}", "[]"};
  static const std::vector<std::string> kForTexts = {"1", "true", "[]", "{}", R"("a\u0001b")", R"("\u007f")"};
  static const std::vector<std::string> kForSettings = {"1000001", "-5", "3.0", R"("30")", "null0"};
  if (field == "camera_id" || field == "profile_id" || field == "pid") return kForIds;
  if (field == "dropped_frames" || field == "detected" || field == "matched" || field == "reconnects")
    return kForCounters;
  if (field == "snapshot_every" || field == "min_face_px") return kForSettings;
  if (field.ends_with("_fps") || field == "latency_ms") return kForMeasures;
  return kForTexts;
}

std::vector<BadInput> bad_inputs(long long camera_id, long long profile_id) {
  std::vector<BadInput> inputs;
  const auto add = [&inputs](std::string label, std::string body, std::vector<int> statuses = {400},
                             std::string content_type = "application/json") {
    inputs.push_back({std::move(label), std::move(body), std::move(content_type), std::move(statuses)});
  };
  const auto valid = valid_heartbeat(camera_id, profile_id);
  const std::string text = valid.dump();

  // Truncated at every length (the whole body would be valid).
  for (std::size_t length = 0; length < text.size(); ++length)
    add(std::string("prefix ").append(std::to_string(length)), text.substr(0, length));

  // A wrong value in each field; a field whose wrong value breaks the JSON itself is a 400 too.
  for (const auto& [field, value] : valid.items()) {
    for (const std::string& wrong : wrong_values_for(field)) {
      std::string body = R"({"camera_id":)";
      body.append(std::to_string(camera_id)).append(R"(,"profile_id":)").append(std::to_string(profile_id));
      body.append(R"(,"pid":)").append(std::to_string(kPid));
      if (field == "camera_id" || field == "profile_id" || field == "pid") {
        body = "{";
        for (const char* id : {"camera_id", "profile_id", "pid"}) {
          body.append("\"").append(id).append("\":");
          body.append(field == id ? wrong : valid[id].dump()).append(",");
        }
        body.back() = '}';
      } else {
        body.append(",\"").append(field).append("\":").append(wrong).append("}");
      }
      add(field + " = " + wrong, body);
    }
  }
  // Out-of-range strings.
  for (const auto& [field, length] :
       std::vector<std::pair<std::string, int>>{{"state", 33}, {"last_error", 513}, {"model", 65}, {"device", 65}}) {
    auto body = valid;
    body[field] = std::string(length, 'x');
    add(field + " too long", body.dump());
  }
  for (const char* state : {"RUNNING", "running ", "crashed", "ünïcode", "运行"}) {
    auto body = valid;
    body["state"] = state;
    add(std::string("state ") + state, body.dump());
  }
  // Literals JSON does not have, raw bytes it forbids.
  for (const char* literal : {"NaN", "Infinity", "-Infinity", "nan", "inf", "0x10", "+1", "01", ".5", "1.", "1e"}) {
    add(std::string("camera_fps ") + literal,
        std::string(R"({"camera_id":1,"profile_id":1,"pid":1,"camera_fps":)").append(literal).append("}"));
  }
  for (const char* bytes :
       {"\xff", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "\x01", "\n", "\x7f"}) {
    std::string body = R"({"camera_id":1,"profile_id":1,"pid":1,"model":"a)";
    body.append(bytes).append("\"}");
    add("bytes in a string", body);
  }
  add("invalid UTF-8 outside strings", "\xef\xbb\xbf{}");
  // Each required field missing.
  for (const char* field : {"camera_id", "profile_id", "pid"}) {
    auto body = valid;
    body.erase(field);
    add(std::string("missing ") + field, body.dump());
  }
  add("only unknown fields", R"({"camera":1,"profile":1,"model_pack":"buffalo_l"})");
  // Unknown ids.
  for (const auto& [camera, profile] : std::vector<std::pair<long long, long long>>{
           {camera_id + 1000, profile_id}, {camera_id, profile_id + 1000}, {9000000000000000000LL, 1}}) {
    add("unknown pair", valid_heartbeat(camera, profile).dump(), {404});
  }
  // Shapes that are not a heartbeat object.
  for (const char* top : {"[]", "[{}]", "null", "true", "42", R"("heartbeat")", "{}", " ", "{}{}", "{\"a\":1}x"}) {
    add(std::string("top level ") + top, top);
  }
  add("deeply nested arrays", std::string(20000, '[') + std::string(20000, ']'));
  add("deeply nested value", std::string(R"({"camera_id":)").append(5000, '[').append(5000, ']').append("}"));
  add("deeply nested objects", [] {
    std::string body;
    for (int i = 0; i < 5000; ++i) body += "{\"a\":";
    return body + "1" + std::string(5000, '}');
  }());
  add("1 MiB body", std::string(1024 * 1024, ' ') + text, {413});
  add("65537 bytes", text + std::string(65537 - text.size(), ' '), {413});
  add("empty body", "", {400});
  // Wrong content types, with a valid body.
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/xml", "json"}) {
    add(std::string("content type ") + type, text, {415}, type);
  }
  // The HTTP library itself refuses a multipart body that is not multipart.
  add("content type multipart", text, {400, 415}, "multipart/form-data; boundary=x");
  return inputs;
}

// What a refused heartbeat must leave alone.
struct Snapshot {
  std::optional<Instant> last_heartbeat_at;
  std::optional<std::string> last_metrics;
  std::optional<std::string> last_error;
  long long heartbeat_rows = 0;
  bool operator==(const Snapshot&) const = default;
};

class HeartbeatBadInputTest : public RunnerApiFixture {
 protected:
  Snapshot snapshot(Id process_id) {
    const auto row = ProcessStore(db()).find(process_id);
    return {row->last_heartbeat_at, row->last_metrics, row->last_error, HeartbeatStore(db()).count()};
  }
};

TEST_P(HeartbeatBadInputTest, EveryMalformedHeartbeatIsRefusedAndChangesNothing) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id process = add_process(camera, profile, kPid);
  // One good heartbeat first, so there is stored state to protect.
  const auto first = post(kPath, valid_heartbeat(camera, profile).dump());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const Snapshot before = snapshot(process);

  const auto inputs = bad_inputs(camera, profile);
  ASSERT_GE(inputs.size(), 200u);
  int refused = 0;
  for (const BadInput& input : inputs) {
    const auto result = post(kPath, input.body, kTestKey, input.content_type);
    ASSERT_TRUE(result) << input.label << ": no answer";
    EXPECT_THAT(input.statuses, ::testing::Contains(result->status)) << input.label << ": " << result->body;
    const auto answer = nlohmann::json::parse(result->body, nullptr, false);
    EXPECT_EQ(answer.value("ok", true), false) << input.label << ": " << result->body;
    refused += result->status >= 400 && result->status < 500;
  }
  EXPECT_EQ(refused, static_cast<int>(inputs.size()));
  EXPECT_TRUE(snapshot(process) == before) << "a refused heartbeat changed the stored state";
  EXPECT_TRUE(server().running());
}

INSTANTIATE_TEST_SUITE_P(Backends, HeartbeatBadInputTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
