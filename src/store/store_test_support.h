// Shared by the store tests: a fixture with a fresh, migrated database per test
// on each backend, entity builders, and whole-entity comparisons.
#pragma once

#include <memory>
#include <ostream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "store/catalog_stores.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/store_error.h"
#include "testing/test_databases.h"

namespace bisk {
namespace testing {
// Names the backend in gtest's failure messages ("GetParam() = postgres").
inline void PrintTo(TestBackend backend, std::ostream* out) { *out << backend_name(backend); }
}  // namespace testing

// Instantiates a TEST_P suite once per backend, named "sqlite" and "postgres".
#define BISK_INSTANTIATE_FOR_ALL_BACKENDS(suite)                                          \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::ValuesIn(testing::all_backends()), \
                           [](const auto& info) { return testing::backend_name(info.param); })

// A fresh database of the test's backend.
class BackendTest : public ::testing::TestWithParam<testing::TestBackend> {
 protected:
  std::unique_ptr<Database> open() { return Database::open(test_database_.url()); }
  const std::string& url() const { return test_database_.url(); }

 private:
  testing::TestDatabase test_database_{GetParam()};
};

// A fresh, migrated database and the stores over it.
class StoreTest : public BackendTest {
 protected:
  void SetUp() override { Migrator(*db_).migrate(); }

  // Runs one SQL statement, for rows no store writes (attendance, face templates).
  void exec(const std::string& sql) { db_->session() << sql; }
  long long count(const std::string& table) {
    long long rows = 0;
    db_->session() << "SELECT count(*) FROM " + table, soci::into(rows);
    return rows;
  }

  std::unique_ptr<Database> db_ = open();
  CameraStore cameras_{*db_};
  ProfileStore profiles_{*db_};
  PolicyStore policies_{*db_};
  PeriodTemplateStore templates_{*db_};
  OccurrenceStore occurrences_{*db_};
  StudentStore students_{*db_};
  ResourceStore resources_{*db_};
};

// Passes when body() throws StoreError of `kind` whose message contains `text`.
template <typename Body>
::testing::AssertionResult fails_with(Body&& body, StoreError::Kind kind, const std::string& text) {
  try {
    body();
  } catch (const StoreError& error) {
    if (error.kind() != kind) {
      return ::testing::AssertionFailure() << "StoreError of kind " << static_cast<int>(error.kind()) << " instead of "
                                           << static_cast<int>(kind) << ": " << error.what();
    }
    if (std::string(error.what()).find(text) == std::string::npos) {
      return ::testing::AssertionFailure() << "message \"" << error.what() << "\" lacks \"" << text << "\"";
    }
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no StoreError thrown";
}

inline Instant at_ms(long long epoch_ms) { return from_epoch_ms(epoch_ms); }
inline LocalDate date_of(const char* text) { return *parse_date(text); }

// Every field of an entity on one line, so that a whole-entity comparison
// shows the difference.
inline std::string text_of(long value) { return std::to_string(value); }
template <typename T>
std::string text_of(const std::optional<T>& value) {
  if (!value) return "null";
  std::ostringstream out;
  out << *value;
  return out.str();
}
inline std::string text_of(const std::optional<Instant>& value) {
  return value ? std::to_string(to_epoch_ms(*value)) : "null";
}
template <typename T>
std::string text_of(const std::vector<T>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += text_of(values[i]);
  }
  text += ']';
  return text;
}

inline std::string text_of(const Camera& c) {
  return text_of(c.id) + "|" + c.name + "|" + c.url + "|" + c.location + "|" + std::to_string(c.is_active) + "|" +
         text_of(c.pause_until) + "|" + c.rtsp_transport + "|" + text_of(c.period_template_ids) + "|" + text_of(c.node);
}
inline std::string text_of(const StreamProfile& p) {
  std::ostringstream out;
  out << p.id << "|" << p.name << "|" << p.is_active << "|" << p.fps << "|" << p.det_set << "|" << p.rtsp_transport
      << "|" << p.hb_interval << "|" << p.snapshot_every << "|" << p.min_score << "|" << p.min_face_px;
  return out.str();
}
inline std::string text_of(const ScheduleWindow& w) {
  return std::to_string(w.day_of_week) + " " + std::to_string(w.start_minute) + "-" + std::to_string(w.end_minute) +
         " p" + std::to_string(w.profile_id);
}
inline std::string text_of(const ScheduleException& e) { return format_date(e.date) + " " + e.mode; }
inline std::string text_of(const SchedulePolicy& p) {
  return text_of(p.id) + "|" + p.name + "|" + std::to_string(p.is_enabled) + "|" + text_of(p.camera_ids) + "|" +
         text_of(p.windows) + "|" + text_of(p.exceptions);
}
inline std::string text_of(const PeriodTemplate& t) {
  return text_of(t.id) + "|" + t.name + "|" + std::to_string(t.order) + "|" + std::to_string(t.start_minute) + "-" +
         std::to_string(t.end_minute) + "|" + std::to_string(t.weekdays.mask()) + "|" +
         std::to_string(t.early_grace_minutes) + "/" + std::to_string(t.late_grace_minutes) + "|" +
         std::to_string(t.is_enabled);
}
inline std::string text_of(const PeriodOccurrence& o) {
  return text_of(o.id) + "|t" + text_of(o.template_id) + "|" + format_date(o.date) + "|" +
         std::to_string(to_epoch_ms(o.start_at)) + "-" + std::to_string(to_epoch_ms(o.end_at)) + "|" +
         std::to_string(o.is_school_day);
}
inline std::string text_of(const Student& s) {
  return text_of(s.id) + "|" + s.code + "|" + s.first_name + "|" + s.last_name + "|" + std::to_string(s.is_active);
}
inline std::string text_of(const ResourceSettings& r) {
  return text_of(r.camera_id) + "|" + std::to_string(r.is_active) + "|" + text_of(r.device) + "|" +
         text_of(r.gpu_index) + "|" + text_of(r.hwaccel) + "|" + text_of(r.cpu_nice) + "|" + text_of(r.cpu_affinity) +
         "|" + text_of(r.max_fps) + "|" + text_of(r.det_set_max) + "|" + text_of(r.min_face_px) + "|" +
         text_of(r.crop_format) + "|" + text_of(r.crop_quality);
}

// Builders of valid entities; tests change the fields they are about.
inline Camera make_camera(const std::string& name) {
  Camera camera;
  camera.name = name;
  camera.url = "rtsp://viewer:s3cret@10.0.0.7:554/stream1";
  return camera;
}

inline StreamProfile make_profile(const std::string& name) {
  StreamProfile profile;
  profile.name = name;
  return profile;
}

inline ScheduleWindow make_window(int day_of_week, int start_minute, int end_minute, Id profile_id) {
  ScheduleWindow window;
  window.day_of_week = day_of_week;
  window.start_minute = start_minute;
  window.end_minute = end_minute;
  window.profile_id = profile_id;
  return window;
}

inline PeriodTemplate make_template(const std::string& name, int order = 0) {
  PeriodTemplate period_template;
  period_template.name = name;
  period_template.order = order;
  period_template.start_minute = 8 * 60;
  period_template.end_minute = 9 * 60;
  return period_template;
}

inline PeriodOccurrence make_occurrence(Id template_id, const char* date, long long start_ms, long long end_ms) {
  PeriodOccurrence occurrence;
  occurrence.template_id = template_id;
  occurrence.date = date_of(date);
  occurrence.start_at = at_ms(start_ms);
  occurrence.end_at = at_ms(end_ms);
  return occurrence;
}

inline Student make_student(const std::string& code) {
  Student student;
  student.code = code;
  student.first_name = "Ada";
  student.last_name = "Lovelace";
  return student;
}

}  // namespace bisk
