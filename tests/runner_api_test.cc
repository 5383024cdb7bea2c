// GET /api/runner/gallery and POST /api/runner/events against a real
// `bisk serve`: gallery content and versioning, crops on disk, attendance.

#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "support/runner_api_fixture.h"
#include "web/runner_api.h"

namespace bisk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kGallery[] = "/api/runner/gallery";
constexpr char kEvents[] = "/api/runner/events";
const std::string kCrop = std::string("\xFF\xD8\xFF\xE0", 4) + "not really a jpeg, but its magic is right";

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned value = 0;
    for (std::size_t j = 0; j < 3; ++j) value = value << 8 | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j) text += j <= n ? kAlphabet[(value >> (18 - 6 * j)) & 63] : '=';
  }
  return text;
}

class RunnerApiTest : public RunnerApiFixture {
 protected:
  Id add_student(const std::string& code, bool active = true) {
    Student student;
    student.code = code;
    student.first_name = "First " + code;
    student.last_name = "Last";
    student.is_active = active;
    return StudentStore(db()).add(student);
  }

  Id add_template(Id student_id, std::string model_id, std::vector<float> embedding = {0.5f, -1.0f, 2.0f}) {
    FaceTemplate face;
    face.student_id = student_id;
    face.model_id = std::move(model_id);
    face.embedding = std::move(embedding);
    face.created_at = now_instant();
    return FaceTemplateStore(db()).add(face);
  }

  nlohmann::json answer(const httplib::Result& result, int status) {
    EXPECT_TRUE(result);
    if (!result) return {};
    EXPECT_EQ(result->status, status) << result->body;
    return nlohmann::json::parse(result->body, nullptr, false);
  }

  nlohmann::json event(Id camera, Id profile, Id student, double score, const std::string& ts = "") {
    nlohmann::json body = {{"camera_id", camera},
                           {"profile_id", profile},
                           {"student_id", student},
                           {"score", score},
                           {"crop_jpeg", base64(kCrop)}};
    if (!ts.empty()) body["ts"] = ts;
    return body;
  }

  // An enabled period template with one school-day occurrence around now.
  Id add_occurrence_now() {
    PeriodTemplate period;
    period.name = "All day";
    period.start_minute = 0;
    period.end_minute = 23 * 60 + 59;
    period.weekdays = WeekdaySet::from_mask(0x7f);
    const Id template_id = PeriodTemplateStore(db()).add(period);
    PeriodOccurrence occurrence;
    occurrence.template_id = template_id;
    occurrence.date = to_local(now_instant(), find_time_zone("Europe/Berlin")).date;
    occurrence.start_at = now_instant() - std::chrono::hours(1);
    occurrence.end_at = now_instant() + std::chrono::hours(1);
    RollPlan plan;
    plan.to_insert.push_back(occurrence);
    OccurrenceStore(db()).apply(plan);
    return OccurrenceStore(db()).list_overlapping(now_instant(), now_instant() + std::chrono::milliseconds(1)).at(0).id;
  }

  std::vector<std::filesystem::path> crops() {
    std::vector<std::filesystem::path> files;
    const auto root = std::filesystem::path(media_dir()) / "attendance_crops";
    if (!std::filesystem::exists(root)) return files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
      if (entry.is_regular_file()) files.push_back(entry.path());
    return files;
  }
};

TEST_P(RunnerApiTest, GalleryHoldsActiveStudentsWithTemplatesOfTheRunnersModel) {
  const Id alice = add_student("A1");
  const Id inactive = add_student("B2", false);
  const Id other_model_only = add_student("C3");
  const Id alice_template = add_template(alice, std::string(kFaceModelId));
  add_template(alice, "another-model");
  add_template(inactive, std::string(kFaceModelId));
  add_template(other_model_only, "another-model");

  const auto gallery = answer(get(kGallery), 200);
  EXPECT_EQ(gallery["ok"], true);
  EXPECT_EQ(gallery["model"], std::string(kFaceModelId));
  EXPECT_EQ(gallery["version"], gallery_version(db()));
  ASSERT_THAT(gallery["students"], SizeIs(1));
  const auto& student = gallery["students"][0];
  EXPECT_EQ(student["student_id"], alice);
  EXPECT_EQ(student["code"], "A1");
  EXPECT_EQ(student["first_name"], "First A1");
  EXPECT_EQ(student["last_name"], "Last");
  ASSERT_THAT(student["templates"], SizeIs(1));
  EXPECT_EQ(student["templates"][0]["id"], alice_template);
  EXPECT_EQ(student["templates"][0]["model_id"], std::string(kFaceModelId));
  EXPECT_EQ(student["templates"][0]["embedding"], "AAAAPwAAgL8AAABA");  // 0.5, -1, 2 as little-endian float32
}

TEST_P(RunnerApiTest, GalleryVersionGrowsAndHeartbeatsAnnounceIt) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  add_process(camera, profile, 777);
  const long long before = answer(get(kGallery), 200)["version"];
  add_template(add_student("A1"), std::string(kFaceModelId));
  const long long after = answer(get(kGallery), 200)["version"];
  EXPECT_GT(after, before);
  // Heartbeats may answer a version up to a second old.
  long long announced = -1;
  for (int attempt = 0; attempt < 30 && announced != after; ++attempt) {
    announced = answer(post("/api/runner/heartbeat/", heartbeat_body(camera, profile, 777)), 200)["gallery_version"];
    if (announced != after) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(announced, after);
}

TEST_P(RunnerApiTest, GalleryAndEventsNeedTheKeyInTheHeader) {
  EXPECT_EQ(answer(get(kGallery, ""), 403)["error"], "bad key");
  EXPECT_EQ(answer(get(std::string(kGallery) + "?key=" + kTestKey), 403)["error"], kKeyPlacementError);
  EXPECT_EQ(answer(post(kEvents, "{}", "wrong"), 403)["error"], "bad key");
  auto body = event(1, 1, 1, 0.5);
  body["hb_key"] = kTestKey;
  EXPECT_EQ(answer(post(kEvents, body.dump()), 403)["error"], kKeyPlacementError);
}

TEST_P(RunnerApiTest, EventsStoreCropsUnderTheLocalDateAndCountSightings) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id student = add_student("A1");
  const Id occurrence = add_occurrence_now();

  for (const double score : {0.6, 0.6, 0.9, 0.7}) {
    const auto created = answer(post(kEvents, event(camera, profile, student, score).dump()), 201);
    EXPECT_EQ(created["ok"], true);
    EXPECT_THAT(created["event_ids"], SizeIs(1));
    EXPECT_EQ(created["occurrence_ids"], nlohmann::json::array({occurrence}));
  }
  // Four files, even for identical events, each under attendance_crops/YYYY/MM/DD of the local date.
  const auto files = crops();
  ASSERT_THAT(files, SizeIs(4));
  const auto today = to_local(now_instant(), find_time_zone("Europe/Berlin")).date;
  std::string day = format_date(today);
  std::replace(day.begin(), day.end(), '-', '/');
  std::set<std::string> names;
  for (const auto& file : files) {
    EXPECT_EQ(file.parent_path(), std::filesystem::path(media_dir()) / "attendance_crops" / day);
    EXPECT_EQ(file.extension(), ".jpg");
    std::ifstream in(file, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), kCrop);
    names.insert(file.filename().string());
  }
  EXPECT_THAT(names, SizeIs(4));

  AttendanceStore::Filter filter;
  filter.student_id = student;
  const auto records = AttendanceStore(db()).records(filter);
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0].occurrence_id, occurrence);
  EXPECT_EQ(records[0].sightings, 4);
  EXPECT_DOUBLE_EQ(records[0].best_score, 0.9);
  EXPECT_EQ(records[0].best_camera_id, camera);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(media_dir()) / records[0].best_crop_path));
}

TEST_P(RunnerApiTest, AnEventOutsideEveryPeriodIsStoredWithoutOccurrence) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id student = add_student("A1");
  add_occurrence_now();
  const auto created =
      answer(post(kEvents, event(camera, profile, student, 0.8, "2020-01-06T10:00:00+01:00").dump()), 201);
  EXPECT_THAT(created["event_ids"], SizeIs(1));
  EXPECT_EQ(created["occurrence_ids"], nlohmann::json::array());
  ASSERT_THAT(crops(), SizeIs(1));
  EXPECT_EQ(crops()[0].parent_path(), std::filesystem::path(media_dir()) / "attendance_crops/2020/01/06");
}

TEST_P(RunnerApiTest, EventsAboutWhatDoesNotExistOrIsInactiveAreRefused) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id student = add_student("A1");
  const Id inactive = add_student("B2", false);
  EXPECT_EQ(answer(post(kEvents, event(camera, profile, 999, 0.8).dump()), 404)["error"], "student 999 does not exist");
  EXPECT_EQ(answer(post(kEvents, event(999, profile, student, 0.8).dump()), 404)["error"], "camera 999 does not exist");
  EXPECT_EQ(answer(post(kEvents, event(camera, 999, student, 0.8).dump()), 404)["error"], "profile 999 does not exist");
  EXPECT_EQ(answer(post(kEvents, event(camera, profile, inactive, 0.8).dump()), 422)["ok"], false);
  EXPECT_THAT(crops(), SizeIs(0));
}

TEST_P(RunnerApiTest, MalformedEventsAre400) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("Lunch");
  const Id student = add_student("A1");
  auto bad = [&](const std::function<void(nlohmann::json&)>& change, const std::string& field) {
    auto body = event(camera, profile, student, 0.5);
    change(body);
    const auto refused = answer(post(kEvents, body.dump()), 400);
    EXPECT_THAT(refused["error"].get<std::string>(), ::testing::StartsWith(field + ":")) << body.dump().substr(0, 200);
  };
  bad([](auto& b) { b["score"] = 1.5; }, "score");
  bad([](auto& b) { b["score"] = "high"; }, "score");
  bad([](auto& b) { b.erase("score"); }, "score");
  bad([](auto& b) { b["student_id"] = 1.0; }, "student_id");
  bad([](auto& b) { b["camera_id"] = -3; }, "camera_id");
  bad([](auto& b) { b["ts"] = "2026-03-02 08:00"; }, "ts");
  bad([](auto& b) { b["crop_jpeg"] = base64("\x89PNG\r\n\x1a\n"); }, "crop_jpeg");
  bad([](auto& b) { b["crop_jpeg"] = "not base64!"; }, "crop_jpeg");
  bad([](auto& b) { b.erase("crop_jpeg"); }, "crop_jpeg");
  bad([](auto& b) { b["crop_jpeg"] = base64(kCrop + std::string(2 * 1024 * 1024, 'x')); }, "crop_jpeg");
  EXPECT_EQ(answer(post(kEvents, "[1,2]"), 400)["ok"], false);
  EXPECT_EQ(answer(post(kEvents, "{\"camera_id\":"), 400)["ok"], false);
  EXPECT_EQ(answer(post(kEvents, event(camera, profile, student, 0.5).dump(), kTestKey, "text/plain"), 415)["ok"],
            false);
  EXPECT_THAT(crops(), SizeIs(0));
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerApiTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
