#include "store/attendance_store.h"

#include <thread>

#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

FaceTemplate make_face_template(Id student_id, std::vector<float> embedding) {
  FaceTemplate face_template;
  face_template.student_id = student_id;
  face_template.embedding = std::move(embedding);
  face_template.model_id = "buffalo_l";
  face_template.source_image = "enroll/1.jpg";
  face_template.quality = 0.93;
  face_template.created_at = at_ms(1'700'000'000'000);
  return face_template;
}

std::string template_text(const FaceTemplate& t) {
  std::ostringstream out;
  out << t.id << "|" << t.student_id << "|";
  for (float value : t.embedding) out << value << ",";
  out << "|" << t.model_id << "|" << t.source_image << "|" << t.quality << "|" << to_epoch_ms(t.created_at);
  return out.str();
}

// ---------------------------------------------------------------- gallery

class GalleryTest : public StoreTest {
 protected:
  long long version() { return gallery_version(*db_); }

  FaceTemplateStore face_templates_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(GalleryTest);

TEST_P(GalleryTest, FaceTemplateRoundTripsEveryField) {
  const Id student = students_.add(make_student("S1"));
  FaceTemplate face_template = make_face_template(student, {0.25f, -1.5f, 3.0e-7f});
  face_template.id = face_templates_.add(face_template);
  const auto templates = face_templates_.list_for_student(student);
  ASSERT_EQ(templates.size(), 1u);
  EXPECT_EQ(template_text(templates[0]), template_text(face_template));
  EXPECT_TRUE(face_templates_.list_for_student(student + 1).empty());
}

TEST_P(GalleryTest, FaceTemplateNeedsAStudentAnEmbeddingAndAModel) {
  EXPECT_TRUE(fails_with([&] { face_templates_.add(make_face_template(99, {1.0f})); }, Kind::kInvalid,
                         "student 99 does not exist"));
  const Id student = students_.add(make_student("S1"));
  EXPECT_TRUE(fails_with([&] { face_templates_.add(make_face_template(student, {})); }, Kind::kInvalid,
                         "embedding: must not be"));
  FaceTemplate no_model = make_face_template(student, {1.0f});
  no_model.model_id.clear();
  EXPECT_TRUE(fails_with([&] { face_templates_.add(no_model); }, Kind::kInvalid, "model_id: must not be empty"));
  EXPECT_EQ(count("face_templates"), 0);
  EXPECT_TRUE(fails_with([&] { face_templates_.remove(1234); }, Kind::kNotFound, "face template 1234 does not exist"));
}

TEST_P(GalleryTest, VersionStartsAtOneAndBumpsWithEveryChangeOfStudentsOrTemplates) {
  EXPECT_EQ(version(), 1);
  Student student = make_student("S1");
  student.id = students_.add(student);
  EXPECT_EQ(version(), 2);
  student.first_name = "Grace";
  students_.update(student);
  EXPECT_EQ(version(), 3);
  const Id face_template = face_templates_.add(make_face_template(student.id, {1.0f}));
  EXPECT_EQ(version(), 4);
  face_templates_.remove(face_template);
  EXPECT_EQ(version(), 5);
  students_.remove(student.id);
  EXPECT_EQ(version(), 6);
}

TEST_P(GalleryTest, VersionIgnoresUnrelatedAndFailedWrites) {
  const Id student = students_.add(make_student("S1"));
  const long long before = version();
  cameras_.add(make_camera("Gate"));
  profiles_.add(make_profile("HD"));
  templates_.add(make_template("First"));
  EXPECT_THROW(students_.add(make_student("S1")), StoreError);  // duplicate code
  EXPECT_THROW(face_templates_.add(make_face_template(student + 1, {1.0f})), StoreError);
  EXPECT_THROW(face_templates_.remove(999), StoreError);
  Student missing = make_student("S2");
  missing.id = student + 1;
  EXPECT_THROW(students_.update(missing), StoreError);
  EXPECT_EQ(version(), before);
}

TEST_P(GalleryTest, GalleryHasActiveStudentsWithTemplatesInIdOrderAndItsVersion) {
  const Id ada = students_.add(make_student("S1"));
  Student inactive = make_student("S2");
  inactive.is_active = false;
  const Id gone = students_.add(inactive);
  students_.add(make_student("S3"));  // no templates
  const Id bob = students_.add(make_student("S4"));
  const Id bob_first = face_templates_.add(make_face_template(bob, {1.0f, 2.0f}));
  const Id ada_first = face_templates_.add(make_face_template(ada, {3.0f}));
  face_templates_.add(make_face_template(gone, {4.0f}));
  const Id ada_second = face_templates_.add(make_face_template(ada, {5.0f}));

  long long gallery_version_out = 0;
  const auto gallery = face_templates_.gallery(gallery_version_out);
  EXPECT_EQ(gallery_version_out, version());
  ASSERT_EQ(gallery.size(), 2u);
  EXPECT_EQ(gallery[0].student_id, ada);
  EXPECT_EQ(gallery[0].code, "S1");
  EXPECT_EQ(gallery[0].first_name, "Ada");
  EXPECT_EQ(gallery[0].last_name, "Lovelace");
  ASSERT_EQ(gallery[0].templates.size(), 2u);
  EXPECT_EQ(gallery[0].templates[0].id, ada_first);
  EXPECT_EQ(gallery[0].templates[0].embedding, std::vector<float>{3.0f});
  EXPECT_EQ(gallery[0].templates[1].id, ada_second);
  EXPECT_EQ(gallery[1].student_id, bob);
  ASSERT_EQ(gallery[1].templates.size(), 1u);
  EXPECT_EQ(template_text(gallery[1].templates[0]), template_text([&] {
              FaceTemplate expected = make_face_template(bob, {1.0f, 2.0f});
              expected.id = bob_first;
              return expected;
            }()));
}

TEST_P(GalleryTest, CorruptEmbeddingIsReportedNotSkipped) {
  const Id student = students_.add(make_student("S1"));
  const Id id = face_templates_.add(make_face_template(student, {1.0f}));
  exec("UPDATE face_templates SET embedding = 'not base64!' WHERE id = " + std::to_string(id));
  long long ignored = 0;
  EXPECT_TRUE(fails_with([&] { face_templates_.gallery(ignored); }, Kind::kUnavailable, "corrupt embedding"));
  EXPECT_TRUE(fails_with([&] { face_templates_.list_for_student(student); }, Kind::kUnavailable, "corrupt embedding"));
}

// ---------------------------------------------------------------- attendance

class AttendanceStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    student_ = students_.add(make_student("S1"));
    camera_ = cameras_.add(make_camera("Gate"));
    other_camera_ = cameras_.add(make_camera("Hall"));
    profile_ = profiles_.add(make_profile("HD"));
    const Id period = templates_.add(make_template("First"));
    OccurrenceStore::Applied applied =
        occurrences_.apply(RollPlan{.to_insert = {make_occurrence(period, "2026-03-02", 1000, 100'000),
                                                  make_occurrence(period, "2026-03-03", 200'000, 300'000)},
                                    .to_update = {},
                                    .to_delete = {}});
    ASSERT_EQ(applied.inserted, 2);
    const auto listed = occurrences_.list_dated(date_of("2026-03-01"), date_of("2026-03-31"));
    occurrence_ = listed[0].id;
    next_day_occurrence_ = listed[1].id;
  }

  AttendanceEvent sighting(long long ts_ms, double score, Id camera, const std::string& crop) {
    AttendanceEvent event;
    event.student_id = student_;
    event.camera_id = camera;
    event.profile_id = profile_;
    event.ts_at = at_ms(ts_ms);
    event.score = score;
    event.crop_path = crop;
    return event;
  }

  Id student_ = 0, camera_ = 0, other_camera_ = 0, profile_ = 0, occurrence_ = 0, next_day_occurrence_ = 0;
  AttendanceStore attendance_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(AttendanceStoreTest);

AttendanceStore::Filter no_filter() { return {}; }

TEST_P(AttendanceStoreTest, SightingWithoutOccurrenceIsOneEventAndNoRecord) {
  const auto ids = attendance_.record_sighting(sighting(500, 0.8, camera_, "crops/a.jpg"), {});
  ASSERT_EQ(ids.size(), 1u);
  const auto events = attendance_.events(no_filter(), find_time_zone("UTC"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, ids[0]);
  EXPECT_EQ(events[0].student_id, student_);
  EXPECT_EQ(events[0].camera_id, camera_);
  EXPECT_EQ(events[0].profile_id, profile_);
  EXPECT_FALSE(events[0].occurrence_id);
  EXPECT_EQ(to_epoch_ms(events[0].ts_at), 500);
  EXPECT_EQ(events[0].score, 0.8);
  EXPECT_EQ(events[0].crop_path, "crops/a.jpg");
  EXPECT_TRUE(attendance_.records(no_filter()).empty());
}

TEST_P(AttendanceStoreTest, SightingInTwoOccurrencesIsAnEventAndARecordForEach) {
  const auto ids =
      attendance_.record_sighting(sighting(5000, 0.7, camera_, "c.jpg"), {occurrence_, next_day_occurrence_});
  ASSERT_EQ(ids.size(), 2u);
  const auto events = attendance_.events(no_filter(), find_time_zone("UTC"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].occurrence_id, next_day_occurrence_);  // same instant: newest id first
  EXPECT_EQ(events[1].occurrence_id, occurrence_);
  const auto records = attendance_.records(no_filter());
  ASSERT_EQ(records.size(), 2u);
  for (const AttendanceRecord& record : records) {
    EXPECT_EQ(record.student_id, student_);
    EXPECT_EQ(record.sightings, 1);
    EXPECT_EQ(to_epoch_ms(record.first_seen_at), 5000);
    EXPECT_EQ(to_epoch_ms(record.last_seen_at), 5000);
    EXPECT_EQ(to_epoch_ms(record.best_seen_at), 5000);
    EXPECT_EQ(record.best_score, 0.7);
    EXPECT_EQ(record.best_camera_id, camera_);
    EXPECT_EQ(record.best_crop_path, "c.jpg");
  }
}

TEST_P(AttendanceStoreTest, RecordKeepsFirstLastAndBestSighting) {
  attendance_.record_sighting(sighting(5000, 0.70, camera_, "first.jpg"), {occurrence_});
  attendance_.record_sighting(sighting(3000, 0.90, other_camera_, "best.jpg"), {occurrence_});  // earlier, better
  attendance_.record_sighting(sighting(9000, 0.80, camera_, "last.jpg"), {occurrence_});        // later, worse
  attendance_.record_sighting(sighting(7000, 0.90, camera_, "tie.jpg"), {occurrence_});         // a tie keeps the best
  const auto records = attendance_.records(no_filter());
  ASSERT_EQ(records.size(), 1u);
  const AttendanceRecord& record = records[0];
  EXPECT_EQ(record.occurrence_id, occurrence_);
  EXPECT_EQ(record.sightings, 4);
  EXPECT_EQ(to_epoch_ms(record.first_seen_at), 3000);
  EXPECT_EQ(to_epoch_ms(record.last_seen_at), 9000);
  EXPECT_EQ(to_epoch_ms(record.best_seen_at), 3000);
  EXPECT_EQ(record.best_score, 0.90);
  EXPECT_EQ(record.best_camera_id, other_camera_);
  EXPECT_EQ(record.best_crop_path, "best.jpg");
  EXPECT_EQ(attendance_.events(no_filter(), find_time_zone("UTC")).size(), 4u);
}

TEST_P(AttendanceStoreTest, UnknownStudentRecordsNothing) {
  AttendanceEvent event = sighting(5000, 0.7, camera_, "");
  event.student_id = 999;
  EXPECT_THROW(attendance_.record_sighting(event, {occurrence_}), StoreError);
  EXPECT_EQ(count("attendance_events"), 0);
  EXPECT_EQ(count("attendance_records"), 0);
}

TEST_P(AttendanceStoreTest, EventsFilterBySinceStudentAndLocalDate) {
  const Id other_student = students_.add(make_student("S2"));
  // 2026-03-01T23:30:00Z is 2026-03-02 00:30 in Berlin (UTC+1).
  const long long late_utc = 1'772'407'800'000;
  const Id a = attendance_.record_sighting(sighting(late_utc, 0.5, camera_, ""), {})[0];
  const Id b = attendance_.record_sighting(sighting(late_utc + 3'600'000, 0.5, camera_, ""), {})[0];
  AttendanceEvent other = sighting(late_utc - 3'600'000, 0.5, camera_, "");
  other.student_id = other_student;
  const Id c = attendance_.record_sighting(other, {})[0];

  const auto ids = [&](const AttendanceStore::Filter& filter, const char* zone) {
    std::vector<Id> ids;
    for (const AttendanceEvent& event : attendance_.events(filter, find_time_zone(zone))) ids.push_back(event.id);
    return ids;
  };
  AttendanceStore::Filter filter;
  EXPECT_EQ(ids(filter, "UTC"), (std::vector<Id>{b, a, c}));
  filter.date = date_of("2026-03-01");
  EXPECT_EQ(ids(filter, "UTC"), (std::vector<Id>{a, c}));
  EXPECT_EQ(ids(filter, "Europe/Berlin"), std::vector<Id>{c});
  filter.date = date_of("2026-03-02");
  EXPECT_EQ(ids(filter, "UTC"), std::vector<Id>{b});
  EXPECT_EQ(ids(filter, "Europe/Berlin"), (std::vector<Id>{b, a}));
  filter.date.reset();
  filter.since = at_ms(late_utc);
  EXPECT_EQ(ids(filter, "UTC"), (std::vector<Id>{b, a}));
  filter.since.reset();
  filter.student_id = other_student;
  EXPECT_EQ(ids(filter, "UTC"), std::vector<Id>{c});
  filter.student_id.reset();
  filter.limit = 1;
  EXPECT_EQ(ids(filter, "UTC"), std::vector<Id>{b});
}

TEST_P(AttendanceStoreTest, RecordsFilterByOccurrenceDateSinceAndStudent) {
  const Id other_student = students_.add(make_student("S2"));
  attendance_.record_sighting(sighting(5000, 0.5, camera_, ""), {occurrence_});
  attendance_.record_sighting(sighting(250'000, 0.5, camera_, ""), {next_day_occurrence_});
  AttendanceEvent other = sighting(6000, 0.5, camera_, "");
  other.student_id = other_student;
  attendance_.record_sighting(other, {occurrence_});

  const auto occurrences = [&](const AttendanceStore::Filter& filter) {
    std::vector<std::pair<Id, Id>> pairs;
    for (const AttendanceRecord& record : attendance_.records(filter)) {
      pairs.emplace_back(record.student_id, record.occurrence_id);
    }
    return pairs;
  };
  using Pairs = std::vector<std::pair<Id, Id>>;
  AttendanceStore::Filter filter;
  filter.date = date_of("2026-03-02");
  EXPECT_EQ(occurrences(filter), (Pairs{{other_student, occurrence_}, {student_, occurrence_}}));
  filter.student_id = student_;
  EXPECT_EQ(occurrences(filter), (Pairs{{student_, occurrence_}}));
  filter.date = date_of("2026-03-03");
  EXPECT_EQ(occurrences(filter), (Pairs{{student_, next_day_occurrence_}}));
  filter.date.reset();
  filter.student_id.reset();
  filter.since = at_ms(6000);
  EXPECT_EQ(occurrences(filter), (Pairs{{student_, next_day_occurrence_}, {other_student, occurrence_}}));
}

TEST_P(AttendanceStoreTest, ConcurrentSightingsAreAllCounted) {
  constexpr int kThreads = 2;
  constexpr int kSightingsPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto db = open();
        AttendanceStore attendance(*db);
        for (int i = 0; i < kSightingsPerThread; ++i) {
          const double score = 0.5 + 0.001 * (t * kSightingsPerThread + i);
          attendance.record_sighting(sighting(10'000 + t * 1000 + i, score, camera_, ""), {occurrence_});
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto records = attendance_.records(no_filter());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].sightings, kThreads * kSightingsPerThread);
  EXPECT_EQ(to_epoch_ms(records[0].first_seen_at), 10'000);
  EXPECT_EQ(to_epoch_ms(records[0].last_seen_at), 11'049);
  EXPECT_NEAR(records[0].best_score, 0.599, 1e-9);
  EXPECT_EQ(to_epoch_ms(records[0].best_seen_at), 11'049);
  EXPECT_EQ(count("attendance_events"), kThreads * kSightingsPerThread);
}

}  // namespace
}  // namespace bisk
