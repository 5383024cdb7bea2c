// The runner's API client (src/runner/runner_api_client.h) against a real
// `bisk serve`: what a runner sends is what the server understands.

#include "runner/runner_api_client.h"
#include "runner/telemetry.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

using ::testing::HasSubstr;

class RunnerApiClientTest : public RunnerApiFixture {
 protected:
  std::string heartbeat_url() {
    return "http://127.0.0.1:" + std::to_string(server().port()) + "/api/runner/heartbeat/";
  }

  Id add_student(const std::string& code) {
    Student student;
    student.code = code;
    student.first_name = "First";
    student.last_name = "Last";
    return StudentStore(db()).add(student);
  }

  void add_template(Id student_id, std::vector<float> embedding) {
    FaceTemplate face;
    face.student_id = student_id;
    face.model_id = "faceplugin-fr-512-v1";
    face.embedding = std::move(embedding);
    face.created_at = now_instant();
    FaceTemplateStore(db()).add(face);
  }
};

TEST_P(RunnerApiClientTest, HeartbeatsReachTheRowAndAnswerDesiredAndGalleryVersion) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const int pid = static_cast<int>(getpid());
  add_process(camera, profile, pid);
  RunnerApiClient client(heartbeat_url(), kTestKey);
  const HeartbeatReply reply = client.heartbeat(heartbeat_body(camera, profile, pid, R"("camera_fps":7.5)"));
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(reply.desired, true);
  ASSERT_TRUE(reply.gallery_version.has_value());
  const auto row = ProcessStore(db()).current_for_pair(camera, profile);
  ASSERT_TRUE(row && row->last_heartbeat_at);
  EXPECT_EQ(row->camera_fps.value_or(0), 7.5);
}

TEST_P(RunnerApiClientTest, TheTelemetryHeartbeatIsOneTheServerStores) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const int pid = static_cast<int>(getpid());
  add_process(camera, profile, pid);
  Telemetry telemetry({.camera_id = camera,
                       .profile_id = profile,
                       .pid = pid,
                       .target_fps = 5,
                       .snapshot_every_s = 30,
                       .min_face_px = 40,
                       .model = "faceplugin-fr-512-v1",
                       .device = "cpu"});
  const auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) telemetry.frame_processed(now - std::chrono::milliseconds(100 * i), 30, 2, 1);
  telemetry.set_stream(2.0, now_instant());
  telemetry.set_last_error("connection refused");
  RunnerApiClient client(heartbeat_url(), kTestKey);
  const HeartbeatReply reply = client.heartbeat(telemetry.heartbeat_json("running", now));
  ASSERT_TRUE(reply.ok()) << reply.error;
  const auto row = ProcessStore(db()).current_for_pair(camera, profile);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->camera_fps.value_or(0), 2.0);
  EXPECT_EQ(row->detected.value_or(0), 20);
  EXPECT_EQ(row->matched.value_or(0), 10);
  EXPECT_EQ(row->latency_ms.value_or(0), 30.0);
  EXPECT_EQ(row->last_error.value_or(""), "connection refused");
  telemetry.set_last_error(std::nullopt);
  ASSERT_TRUE(client.heartbeat(telemetry.heartbeat_json("stopping", now)).ok());
  EXPECT_FALSE(ProcessStore(db()).current_for_pair(camera, profile)->last_error.has_value()) << "cleared";
}

TEST_P(RunnerApiClientTest, FailuresAreReportedAsText) {
  RunnerApiClient wrong_key(heartbeat_url(), "not-the-key");
  const HeartbeatReply refused = wrong_key.heartbeat(heartbeat_body(1, 1, 1));
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.error, HasSubstr("bad key"));
  RunnerApiClient nobody("http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/api/runner/heartbeat/",
                         kTestKey, std::chrono::milliseconds(500));
  const HeartbeatReply unreachable = nobody.heartbeat("{}");
  EXPECT_EQ(unreachable.status, 0);
  EXPECT_THAT(unreachable.error, HasSubstr("cannot reach the server"));
  EXPECT_THAT(std::get<std::string>(nobody.fetch_gallery()), HasSubstr("cannot reach the server"));
  EXPECT_THROW(RunnerApiClient("not a url", kTestKey), std::invalid_argument);
}

TEST_P(RunnerApiClientTest, TheGalleryArrivesWithEveryTemplateAsFloats) {
  const Id ada = add_student("ADA");
  add_template(ada, {0.25f, -1.5f, 3.0f});
  add_template(ada, {1.0f, 0.0f, -0.125f});
  RunnerApiClient client(heartbeat_url(), kTestKey);
  const auto fetched = client.fetch_gallery();
  ASSERT_TRUE(std::holds_alternative<Gallery>(fetched)) << std::get<std::string>(fetched);
  const Gallery& gallery = std::get<Gallery>(fetched);
  EXPECT_EQ(gallery.model, "faceplugin-fr-512-v1");
  ASSERT_EQ(gallery.students.size(), 1u);
  EXPECT_EQ(gallery.students[0].student_id, ada);
  EXPECT_EQ(gallery.students[0].code, "ADA");
  ASSERT_EQ(gallery.students[0].embeddings.size(), 2u);
  EXPECT_EQ(gallery.students[0].embeddings[0], (std::vector<float>{0.25f, -1.5f, 3.0f}));
  EXPECT_EQ(gallery.students[0].embeddings[1], (std::vector<float>{1.0f, 0.0f, -0.125f}));
}

TEST_P(RunnerApiClientTest, ASightingBecomesAnEventWithItsCrop) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id student = add_student("ADA");
  RunnerApiClient client(heartbeat_url(), kTestKey);
  SightingReport sighting;
  sighting.camera_id = camera;
  sighting.profile_id = profile;
  sighting.student_id = student;
  sighting.score = 0.91;
  sighting.ts = now_instant();
  sighting.crop_jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0xFF, 0xD9};
  EXPECT_EQ(client.post_sighting(sighting), std::nullopt);
  AttendanceStore::Filter filter;
  filter.student_id = student;
  const auto events = AttendanceStore(db()).events(filter, find_time_zone("UTC"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_DOUBLE_EQ(events[0].score, 0.91);
  sighting.student_id = student + 1000;
  EXPECT_THAT(client.post_sighting(sighting).value_or(""), HasSubstr("status 404"));
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerApiClientTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
