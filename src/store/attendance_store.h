// The recognition side: the gallery runners match against, and the attendance
// it produces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"
#include "store/database.h"

namespace bisk {

// Bumped in the same transaction as every change that alters what a runner
// would match: students added/changed/removed, face templates added/removed.
long long gallery_version(Database& db);

struct GalleryEntry {
  Id student_id = 0;
  std::string code;
  std::string first_name;
  std::string last_name;
  std::vector<FaceTemplate> templates;
};

class FaceTemplateStore {
 public:
  explicit FaceTemplateStore(Database& db) : db_(db) {}
  Id add(const FaceTemplate& face_template);  // bumps the gallery version
  std::vector<FaceTemplate> list_for_student(Id student_id);
  void remove(Id id);  // bumps the gallery version
  // Active students with at least one template, and the version it reflects.
  std::vector<GalleryEntry> gallery(long long& version_out);

 private:
  Database& db_;
};

struct AttendanceEvent {
  Id id = 0;
  Id student_id = 0;
  std::optional<Id> camera_id;
  std::optional<Id> profile_id;
  std::optional<Id> occurrence_id;
  Instant ts_at;
  double score = 0;
  std::string crop_path;  // relative to BISK_MEDIA_DIR
};

struct AttendanceRecord {
  Id id = 0;
  Id student_id = 0;
  Id occurrence_id = 0;
  Instant first_seen_at;
  Instant last_seen_at;
  Instant best_seen_at;
  double best_score = 0;
  std::optional<Id> best_camera_id;
  std::string best_crop_path;
  int sightings = 0;
};

class AttendanceStore {
 public:
  explicit AttendanceStore(Database& db) : db_(db) {}
  // Records one sighting: one event per covering occurrence (or one without an
  // occurrence when none covers it), and for each occurrence the record's
  // first/last/best seen, best score/camera/crop and sightings — all in one
  // transaction, so concurrent sightings never lose an increment.
  std::vector<Id> record_sighting(const AttendanceEvent& event, const std::vector<Id>& occurrence_ids);
  struct Filter {
    std::optional<Instant> since;
    std::optional<LocalDate> date;  // occurrence date (records) / event date in `zone` (events)
    std::optional<Id> student_id;
    int limit = 500;
  };
  std::vector<AttendanceEvent> events(const Filter& filter, TimeZone zone);  // newest first
  std::vector<AttendanceRecord> records(const Filter& filter);

 private:
  Database& db_;
};

}  // namespace bisk
