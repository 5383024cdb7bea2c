#include "web/heartbeat_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bisk {
namespace {

using ::testing::HasSubstr;

constexpr char kValid[] = R"({"camera_id": 3, "profile_id": 2, "pid": 30032, "camera_fps": 25.1, "processed_fps": 5.8,
  "target_fps": 6.0, "snapshot_every": 3, "detected": 17, "matched": 4, "latency_ms": 0.0, "min_face_px": 40,
  "model_pack": "buffalo_l"})";

Heartbeat parse_ok(std::string_view body) {
  auto result = parse_heartbeat(body);
  if (auto* rejection = std::get_if<HeartbeatRejection>(&result)) {
    ADD_FAILURE() << body << " → " << rejection->status << " " << rejection->error;
    return {};
  }
  return std::get<Heartbeat>(result);
}

HeartbeatRejection parse_error(std::string_view body) {
  auto result = parse_heartbeat(body);
  if (auto* rejection = std::get_if<HeartbeatRejection>(&result)) return *rejection;
  ADD_FAILURE() << body << " was accepted";
  return {};
}

// A valid heartbeat with one field replaced by `value` (raw JSON text).
std::string with_field(const std::string& name, const std::string& value) {
  auto json = nlohmann::json::parse(kValid);
  json[name] = nlohmann::json::parse(value);
  return json.dump();
}

TEST(ParseHeartbeatTest, ReadsTheRunnersPeriodicPayload) {
  const Heartbeat heartbeat = parse_ok(kValid);
  EXPECT_EQ(heartbeat.camera_id, 3);
  EXPECT_EQ(heartbeat.profile_id, 2);
  EXPECT_EQ(heartbeat.pid, 30032);
  EXPECT_DOUBLE_EQ(*heartbeat.camera_fps, 25.1);
  EXPECT_DOUBLE_EQ(*heartbeat.processed_fps, 5.8);
  EXPECT_DOUBLE_EQ(*heartbeat.target_fps, 6.0);
  EXPECT_EQ(*heartbeat.snapshot_every, 3);
  EXPECT_EQ(*heartbeat.detected, 17);
  EXPECT_EQ(*heartbeat.matched, 4);
  EXPECT_EQ(*heartbeat.min_face_px, 40);
  EXPECT_FALSE(heartbeat.state);
  EXPECT_FALSE(heartbeat.last_error);
  EXPECT_FALSE(heartbeat.dropped_frames);
}

TEST(ParseHeartbeatTest, ReadsEveryOptionalField) {
  const Heartbeat heartbeat = parse_ok(
      R"({"camera_id":1,"profile_id":1,"pid":7,"state":"reconnecting","dropped_frames":9007199254740992,
          "reconnects":2,"last_frame_at":"2026-03-02T08:00:00+01:00","last_error":"  rtsp 401 unauthorized \n",
          "model":"faceplugin-fr-512-v1","device":"cpu"})");
  EXPECT_EQ(*heartbeat.state, "reconnecting");
  EXPECT_EQ(*heartbeat.dropped_frames, 9007199254740992LL);
  EXPECT_EQ(*heartbeat.reconnects, 2);
  EXPECT_EQ(format_instant(*heartbeat.last_frame_at), "2026-03-02T07:00:00Z");
  EXPECT_EQ(*heartbeat.last_error, "rtsp 401 unauthorized");
  EXPECT_EQ(*heartbeat.model, "faceplugin-fr-512-v1");
  EXPECT_EQ(*heartbeat.device, "cpu");
}

TEST(ParseHeartbeatTest, NullIsAbsentAndUnknownFieldsAreIgnored) {
  const Heartbeat heartbeat =
      parse_ok(R"({"camera_id":1,"profile_id":1,"pid":7,"state":null,"camera_fps":null,"whatever":[1,{"a":2}]})");
  EXPECT_FALSE(heartbeat.state);
  EXPECT_FALSE(heartbeat.camera_fps);
}

TEST(ParseHeartbeatTest, RawJsonHoldsOnlyTheValidatedFields) {
  const Heartbeat heartbeat = parse_ok(kValid);
  const auto stored = nlohmann::json::parse(heartbeat.raw_json);
  EXPECT_EQ(stored["camera_id"], 3);
  EXPECT_EQ(stored["min_face_px"], 40);
  EXPECT_FALSE(stored.contains("model_pack"));
}

TEST(ParseHeartbeatTest, RefusesAKeyInTheBodyWithAHint) {
  for (const char* field : {"key", "hb_key"}) {
    const auto rejection = parse_error(with_field(field, R"("dev-key-change-me")"));
    EXPECT_EQ(rejection.status, 403);
    EXPECT_EQ(rejection.error, "send the key in the X-BISK-KEY header, not in the URL or body");
  }
}

TEST(ParseHeartbeatTest, NamesTheMissingRequiredField) {
  for (const char* field : {"camera_id", "profile_id", "pid"}) {
    auto json = nlohmann::json::parse(kValid);
    json.erase(field);
    const auto rejection = parse_error(json.dump());
    EXPECT_EQ(rejection.status, 400);
    EXPECT_EQ(rejection.error, std::string(field) + ": is required");
  }
}

struct BadField {
  const char* field;
  const char* value;
};

class BadFieldTest : public ::testing::TestWithParam<BadField> {};

TEST_P(BadFieldTest, IsRefusedNamingTheField) {
  const auto rejection = parse_error(with_field(GetParam().field, GetParam().value));
  EXPECT_EQ(rejection.status, 400);
  EXPECT_THAT(rejection.error, ::testing::StartsWith(std::string(GetParam().field) + ": must be "));
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, BadFieldTest,
    ::testing::Values(BadField{"camera_id", "0"}, BadField{"camera_id", "-1"}, BadField{"camera_id", "3.0"},
                      BadField{"camera_id", R"("3")"}, BadField{"camera_id", "true"}, BadField{"camera_id", "[3]"},
                      BadField{"camera_id", "18446744073709551615"}, BadField{"profile_id", "1.5"},
                      BadField{"pid", "2147483648"}, BadField{"pid", "0"}, BadField{"pid", "{}"},
                      BadField{"state", R"("running ")"}, BadField{"state", R"("crashed")"}, BadField{"state", "1"},
                      BadField{"state", R"("run\u0000ning")"}, BadField{"camera_fps", "-0.5"},
                      BadField{"camera_fps", "1000000.5"}, BadField{"processed_fps", R"("5")"},
                      BadField{"target_fps", "false"}, BadField{"latency_ms", "1e300"},
                      BadField{"dropped_frames", "-1"}, BadField{"dropped_frames", "9007199254740993"},
                      BadField{"detected", "2.0"}, BadField{"matched", R"("4")"}, BadField{"reconnects", "1e3"},
                      BadField{"last_frame_at", R"("2026-03-02T08:00:00")"},
                      BadField{"last_frame_at", R"("yesterday")"}, BadField{"last_frame_at", "1772434800"},
                      BadField{"last_error", "42"}, BadField{"last_error", R"("bell\u0007")"},
                      BadField{"snapshot_every", "1000001"}, BadField{"snapshot_every", "3.0"},
                      BadField{"min_face_px", "-40"}, BadField{"model", R"("x\ny")"}, BadField{"device", "[]"}),
    // Names like "camera_id_3": the field and the case's index (values hold characters gtest forbids).
    [](const ::testing::TestParamInfo<BadField>& info) {
      return std::string(info.param.field) + "_" + std::to_string(info.index);
    });

TEST(ParseHeartbeatTest, CountsCharactersNotBytes) {
  std::string accented;
  for (int i = 0; i < 512; ++i) accented += "é";
  EXPECT_EQ(parse_ok(with_field("last_error", '"' + accented + '"')).last_error->size(), 1024u);
  EXPECT_EQ(parse_error(with_field("last_error", '"' + accented + "é\"")).status, 400);
  EXPECT_EQ(parse_error(with_field("model", '"' + std::string(65, 'm') + '"')).status, 400);
  EXPECT_TRUE(parse_ok(with_field("model", '"' + std::string(64, 'm') + '"')).model);
}

TEST(ParseHeartbeatTest, AcceptsEveryDocumentedState) {
  for (const auto state : kHeartbeatStates)
    EXPECT_EQ(*parse_ok(with_field("state", '"' + std::string(state) + '"')).state, state);
}

TEST(ParseHeartbeatTest, RefusesWhatIsNotAJsonObject) {
  for (const char* body : {"", "[]", "null", R"("text")", "42", "{", R"({"camera_id":1,})", "{} {}",
                           "{\"camera_id\":1e309}", "{\"camera_id\":NaN}", "\xff\xfe"}) {
    EXPECT_EQ(parse_error(body).status, 400) << body;
  }
}

TEST(HeartbeatGateTest, RecordsTheFirstThenOnePerPeriodPerPair) {
  HeartbeatGate gate(std::chrono::seconds(10));
  const Instant t0 = from_epoch_ms(1'000'000);
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0));
  EXPECT_FALSE(gate.admit(1, 1, std::nullopt, t0 + std::chrono::seconds(9)));
  EXPECT_TRUE(gate.admit(1, 2, std::nullopt, t0 + std::chrono::seconds(9)));
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0 + std::chrono::seconds(10)));
  EXPECT_FALSE(gate.admit(1, 1, std::nullopt, t0 + std::chrono::seconds(11)));
}

TEST(HeartbeatGateTest, AChangedLastErrorIsAlwaysRecorded) {
  HeartbeatGate gate(std::chrono::seconds(10));
  const Instant t0 = from_epoch_ms(1'000'000);
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0));
  EXPECT_FALSE(gate.admit(1, 1, std::string(), t0));  // absent and empty are the same
  EXPECT_TRUE(gate.admit(1, 1, std::string("timeout"), t0 + std::chrono::seconds(1)));
  EXPECT_FALSE(gate.admit(1, 1, std::string("timeout"), t0 + std::chrono::seconds(2)));
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0 + std::chrono::seconds(3)));  // cleared
}

TEST(HeartbeatGateTest, SlightlyOutOfOrderHeartbeatsAreWithinThePeriod) {
  // Two requests stamped 1 s apart may reach the gate in either order.
  HeartbeatGate gate(std::chrono::seconds(10));
  const Instant t0 = from_epoch_ms(1'000'000);
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0));
  EXPECT_FALSE(gate.admit(1, 1, std::nullopt, t0 - std::chrono::seconds(1)));
  EXPECT_FALSE(gate.admit(1, 1, std::nullopt, t0 - std::chrono::seconds(9)));
}

TEST(HeartbeatGateTest, AClockThatWentBackAWholePeriodRecords) {
  HeartbeatGate gate(std::chrono::seconds(10));
  const Instant t0 = from_epoch_ms(1'000'000);
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0));
  EXPECT_TRUE(gate.admit(1, 1, std::nullopt, t0 - std::chrono::seconds(10)));
  EXPECT_FALSE(gate.admit(1, 1, std::nullopt, t0 - std::chrono::seconds(5)));  // the new reference
}

}  // namespace
}  // namespace bisk
