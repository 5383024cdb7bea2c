#include "store/attendance_store.h"

#include "store/embedding_text.h"
#include "store/store_support.h"

namespace bisk {
namespace {

constexpr const char* kGalleryVersionSql = "SELECT version FROM catalog_versions WHERE name = 'gallery'";

// The version of the gallery a runner's copy must match; called on every
// heartbeat, hence the kept statement.
long long read_gallery_version(Database& db) {
  const auto version = query_prepared<long long>(db, kGalleryVersionSql);
  if (!version) throw StoreError(StoreError::Kind::kSchema, "the gallery version is missing: run `bisk migrate`");
  return *version;
}

std::vector<float> decode_stored_embedding(const std::string& text, Id template_id) {
  auto embedding = decode_embedding(text);
  if (!embedding) {
    throw StoreError(StoreError::Kind::kUnavailable,
                     "face template " + std::to_string(template_id) + " has a corrupt embedding in the database");
  }
  return std::move(*embedding);
}

// Every sighting inserts an event; those within an occurrence also fold into
// its record. The CASE expressions read the row as it was before this update
// and the whole statement is atomic, so concurrent sightings all count.
constexpr const char* kFoldIntoRecordSql =
    "INSERT INTO attendance_records (student_id, occurrence_id, first_seen_at, last_seen_at, best_seen_at, "
    "best_score, best_camera_id, best_crop_path, sightings) "
    "VALUES (:student_id, :occurrence_id, :first_seen_at, :last_seen_at, :best_seen_at, :score, :camera_id, "
    ":crop_path, 1) "
    "ON CONFLICT (student_id, occurrence_id) DO UPDATE SET "
    "first_seen_at = CASE WHEN excluded.first_seen_at < attendance_records.first_seen_at "
    "THEN excluded.first_seen_at ELSE attendance_records.first_seen_at END, "
    "last_seen_at = CASE WHEN excluded.last_seen_at > attendance_records.last_seen_at "
    "THEN excluded.last_seen_at ELSE attendance_records.last_seen_at END, "
    "best_seen_at = CASE WHEN excluded.best_score > attendance_records.best_score "
    "THEN excluded.best_seen_at ELSE attendance_records.best_seen_at END, "
    "best_camera_id = CASE WHEN excluded.best_score > attendance_records.best_score "
    "THEN excluded.best_camera_id ELSE attendance_records.best_camera_id END, "
    "best_crop_path = CASE WHEN excluded.best_score > attendance_records.best_score "
    "THEN excluded.best_crop_path ELSE attendance_records.best_crop_path END, "
    "best_score = CASE WHEN excluded.best_score > attendance_records.best_score "
    "THEN excluded.best_score ELSE attendance_records.best_score END, "
    "sightings = attendance_records.sightings + 1";

constexpr std::array<const char*, 7> kEventColumns = {"student_id", "camera_id", "profile_id", "occurrence_id",
                                                      "ts_at",      "score",     "crop_path"};

}  // namespace

long long gallery_version(Database& db) {
  return with_store_errors(db, "", [&] { return read_gallery_version(db); });
}

void bump_gallery_version(Database& db) {
  execute(db, "UPDATE catalog_versions SET version = version + 1 WHERE name = 'gallery'");
}

// ---------------------------------------------------------------- FaceTemplateStore

Id FaceTemplateStore::add(const FaceTemplate& face_template) {
  std::vector<FieldError> errors;
  if (face_template.embedding.empty()) errors.push_back({"embedding", "must not be empty"});
  if (face_template.model_id.empty()) errors.push_back({"model_id", "must not be empty"});
  throw_if_invalid(errors);
  return with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    require_existing(db_, "students", "student", {face_template.student_id});
    const Id id =
        insert_returning_id(db_,
                            "INSERT INTO face_templates (student_id, embedding, model_id, source_image, "
                            "quality, created_at) VALUES (:student_id, :embedding, :model_id, "
                            ":source_image, :quality, :created_at) RETURNING id",
                            face_template.student_id, encode_embedding(face_template.embedding), face_template.model_id,
                            face_template.source_image, face_template.quality, face_template.created_at);
    bump_gallery_version(db_);
    transaction.commit();
    return id;
  });
}

std::vector<FaceTemplate> FaceTemplateStore::list_for_student(Id student_id) {
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_,
                    "SELECT id, embedding, model_id, source_image, quality, created_at FROM face_templates "
                    "WHERE student_id = :student_id ORDER BY id",
                    {static_cast<long long>(student_id)});
    const auto& id = query.column<long long>();
    const auto& embedding = query.column<std::string>();
    const auto& model_id = query.column<std::string>();
    const auto& source_image = query.column<std::string>();
    const auto& quality = query.column<double>();
    const auto& created_at = query.column<long long>();
    std::vector<FaceTemplate> templates;
    query.for_each_row([&](std::size_t row) {
      templates.push_back(FaceTemplate{.id = id[row],
                                       .student_id = student_id,
                                       .embedding = decode_stored_embedding(embedding[row], id[row]),
                                       .model_id = model_id[row],
                                       .source_image = source_image[row],
                                       .quality = quality[row],
                                       .created_at = created_at.as<Instant>(row)});
    });
    return templates;
  });
}

void FaceTemplateStore::remove(Id id) {
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    if (execute(db_, "DELETE FROM face_templates WHERE id = :id", id) == 0) throw_not_found("face template", id);
    bump_gallery_version(db_);
    transaction.commit();
  });
}

std::vector<GalleryEntry> FaceTemplateStore::gallery(long long& version_out) {
  return with_store_errors(db_, "", [&] {
    // One snapshot: the version must describe exactly these templates.
    Transaction transaction(db_, Transaction::Mode::kReadOnly);
    const long long version = read_gallery_version(db_);
    BulkQuery query(db_,
                    "SELECT s.id, s.code, s.first_name, s.last_name, t.id, t.embedding, t.model_id, t.source_image, "
                    "t.quality, t.created_at FROM students s JOIN face_templates t ON t.student_id = s.id "
                    "WHERE s.is_active = 1 ORDER BY s.id, t.id");
    const auto& student_id = query.column<long long>();
    const auto& code = query.column<std::string>();
    const auto& first_name = query.column<std::string>();
    const auto& last_name = query.column<std::string>();
    const auto& id = query.column<long long>();
    const auto& embedding = query.column<std::string>();
    const auto& model_id = query.column<std::string>();
    const auto& source_image = query.column<std::string>();
    const auto& quality = query.column<double>();
    const auto& created_at = query.column<long long>();
    std::vector<GalleryEntry> entries;
    query.for_each_row([&](std::size_t row) {
      if (entries.empty() || entries.back().student_id != student_id[row]) {
        entries.push_back(GalleryEntry{.student_id = student_id[row],
                                       .code = code[row],
                                       .first_name = first_name[row],
                                       .last_name = last_name[row],
                                       .templates = {}});
      }
      entries.back().templates.push_back(FaceTemplate{.id = id[row],
                                                      .student_id = student_id[row],
                                                      .embedding = decode_stored_embedding(embedding[row], id[row]),
                                                      .model_id = model_id[row],
                                                      .source_image = source_image[row],
                                                      .quality = quality[row],
                                                      .created_at = created_at.as<Instant>(row)});
    });
    transaction.commit();
    version_out = version;
    return entries;
  });
}

// ---------------------------------------------------------------- AttendanceStore

std::vector<Id> AttendanceStore::record_sighting(const AttendanceEvent& event, const std::vector<Id>& occurrence_ids) {
  return with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    const auto insert_event = [&](std::optional<Id> occurrence_id) {
      return insert_row(db_, "attendance_events", kEventColumns,
                        std::make_tuple(event.student_id, event.camera_id, event.profile_id, occurrence_id, event.ts_at,
                                        event.score, event.crop_path));
    };
    std::vector<Id> event_ids;
    if (occurrence_ids.empty()) event_ids.push_back(insert_event(std::nullopt));
    for (Id occurrence_id : occurrence_ids) {
      event_ids.push_back(insert_event(occurrence_id));
      execute(db_, kFoldIntoRecordSql, event.student_id, occurrence_id, event.ts_at, event.ts_at, event.ts_at,
              event.score, event.camera_id, event.crop_path);
    }
    transaction.commit();
    return event_ids;
  });
}

std::vector<AttendanceEvent> AttendanceStore::events(const Filter& filter, TimeZone zone) {
  Conditions conditions;
  if (filter.since) conditions.add("ts_at >= :since", static_cast<long long>(to_epoch_ms(*filter.since)));
  if (filter.date) {
    // The local day's instants; DST days are 23 or 25 hours long.
    const Instant begin = local_to_instant(*filter.date, 0, zone, Ambiguity::kEarliest);
    const Instant end = local_to_instant(*filter.date, kMinutesPerDay, zone, Ambiguity::kEarliest);
    conditions.add("ts_at >= :day_begin", static_cast<long long>(to_epoch_ms(begin)));
    conditions.add("ts_at < :day_end", static_cast<long long>(to_epoch_ms(end)));
  }
  if (filter.student_id) conditions.add("student_id = :student_id", static_cast<long long>(*filter.student_id));
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_,
                    select_sql("attendance_events", kEventColumns, true) + conditions.where() +
                        " ORDER BY ts_at DESC, id DESC LIMIT " + std::to_string(filter.limit),
                    conditions.params());
    const auto& id = query.column<long long>();
    const auto& student_id = query.column<long long>();
    const auto& camera_id = query.column<long long>();
    const auto& profile_id = query.column<long long>();
    const auto& occurrence_id = query.column<long long>();
    const auto& ts_at = query.column<long long>();
    const auto& score = query.column<double>();
    const auto& crop_path = query.column<std::string>();
    std::vector<AttendanceEvent> events;
    query.for_each_row([&](std::size_t row) {
      events.push_back(AttendanceEvent{.id = id[row],
                                       .student_id = student_id[row],
                                       .camera_id = camera_id.as<std::optional<Id>>(row),
                                       .profile_id = profile_id.as<std::optional<Id>>(row),
                                       .occurrence_id = occurrence_id.as<std::optional<Id>>(row),
                                       .ts_at = ts_at.as<Instant>(row),
                                       .score = score[row],
                                       .crop_path = crop_path[row]});
    });
    return events;
  });
}

std::vector<AttendanceRecord> AttendanceStore::records(const Filter& filter) {
  Conditions conditions;
  if (filter.since) conditions.add("r.last_seen_at >= :since", static_cast<long long>(to_epoch_ms(*filter.since)));
  if (filter.date) conditions.add("o.local_date = :date", format_date(*filter.date));
  if (filter.student_id) conditions.add("r.student_id = :student_id", static_cast<long long>(*filter.student_id));
  return with_store_errors(db_, "", [&] {
    BulkQuery query(db_,
                    "SELECT r.id, r.student_id, r.occurrence_id, r.first_seen_at, r.last_seen_at, r.best_seen_at, "
                    "r.best_score, r.best_camera_id, r.best_crop_path, r.sightings FROM attendance_records r "
                    "JOIN period_occurrences o ON o.id = r.occurrence_id" +
                        conditions.where() + " ORDER BY o.start_at DESC, r.id DESC LIMIT " +
                        std::to_string(filter.limit),
                    conditions.params());
    const auto& id = query.column<long long>();
    const auto& student_id = query.column<long long>();
    const auto& occurrence_id = query.column<long long>();
    const auto& first_seen_at = query.column<long long>();
    const auto& last_seen_at = query.column<long long>();
    const auto& best_seen_at = query.column<long long>();
    const auto& best_score = query.column<double>();
    const auto& best_camera_id = query.column<long long>();
    const auto& best_crop_path = query.column<std::string>();
    const auto& sightings = query.column<int>();
    std::vector<AttendanceRecord> records;
    query.for_each_row([&](std::size_t row) {
      records.push_back(AttendanceRecord{.id = id[row],
                                         .student_id = student_id[row],
                                         .occurrence_id = occurrence_id[row],
                                         .first_seen_at = first_seen_at.as<Instant>(row),
                                         .last_seen_at = last_seen_at.as<Instant>(row),
                                         .best_seen_at = best_seen_at.as<Instant>(row),
                                         .best_score = best_score[row],
                                         .best_camera_id = best_camera_id.as<std::optional<Id>>(row),
                                         .best_crop_path = best_crop_path[row],
                                         .sightings = sightings[row]});
    });
    return records;
  });
}

}  // namespace bisk
