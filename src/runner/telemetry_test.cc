#include "runner/telemetry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bisk {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(RateMeterTest, CountsTheLastWindowAndFallsToZeroWhenTicksStop) {
  RateMeter meter(5s);
  const auto t0 = Clock::time_point{} + 100s;
  for (int i = 0; i < 25; ++i) meter.tick(t0 + i * 200ms);  // 5 per second for 5 s
  EXPECT_DOUBLE_EQ(meter.per_second(t0 + 4800ms), 5.0);
  EXPECT_NEAR(meter.per_second(t0 + 7400ms), 2.4, 1e-9);  // the 12 ticks after 2.4 s remain
  EXPECT_DOUBLE_EQ(meter.per_second(t0 + 10s), 0.0);
}

TEST(LatencyWindowTest, NearestRankPercentilesOfTheWindow) {
  LatencyWindow window(10s);
  const auto t0 = Clock::time_point{} + 100s;
  for (int i = 1; i <= 100; ++i) window.record(t0, i);
  EXPECT_EQ(window.percentile(0.5, t0), 50);
  EXPECT_EQ(window.percentile(0.99, t0), 99);
  EXPECT_EQ(window.percentile(1.0, t0), 100);
  EXPECT_EQ(window.percentile(0.0, t0), 1);
  EXPECT_FALSE(window.percentile(0.5, t0 + 10s).has_value()) << "old samples expire";
}

TEST(TelemetryTest, TheHeartbeatCarriesEveryField) {
  Telemetry telemetry({.camera_id = 3,
                       .profile_id = 2,
                       .pid = 4242,
                       .target_fps = 5,
                       .snapshot_every_s = 30,
                       .min_face_px = 40,
                       .model = "faceplugin-fr-512-v1",
                       .device = "cpu"});
  const auto t0 = Clock::now();
  for (int i = 0; i < 10; ++i) telemetry.frame_processed(t0 + i * 100ms, 20 + i, 1, i == 9 ? 1 : 0);
  telemetry.set_stream(12.5, now_instant());
  telemetry.set_dropped_frames(7);
  telemetry.set_reconnects(2);
  telemetry.set_last_error("connection refused");
  const auto body = nlohmann::json::parse(telemetry.heartbeat_json("running", t0 + 1s));
  EXPECT_EQ(body["camera_id"], 3);
  EXPECT_EQ(body["pid"], 4242);
  EXPECT_EQ(body["state"], "running");
  EXPECT_EQ(body["camera_fps"], 12.5);
  EXPECT_EQ(body["processed_fps"], 2.0);  // 10 frames in the 5 s window
  EXPECT_EQ(body["target_fps"], 5.0);
  EXPECT_EQ(body["detected"], 10);
  EXPECT_EQ(body["matched"], 1);
  EXPECT_EQ(body["dropped_frames"], 7);
  EXPECT_EQ(body["reconnects"], 2);
  EXPECT_EQ(body["last_error"], "connection refused");
  EXPECT_EQ(body["latency_ms"], 24.0);
  EXPECT_TRUE(body.contains("last_frame_at"));
  EXPECT_EQ(body["device"], "cpu");
  telemetry.set_last_error(std::nullopt);
  EXPECT_EQ(nlohmann::json::parse(telemetry.heartbeat_json("running", t0 + 1s))["last_error"], "") << "cleared";
  // When frames stop, the rates fall to zero.
  telemetry.set_stream(0, now_instant());
  const auto later = nlohmann::json::parse(telemetry.heartbeat_json("stopping", t0 + 20s));
  EXPECT_EQ(later["camera_fps"], 0.0);
  EXPECT_EQ(later["processed_fps"], 0.0);
  EXPECT_EQ(later["state"], "stopping");
}

}  // namespace
}  // namespace bisk
