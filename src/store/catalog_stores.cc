#include "store/catalog_stores.h"

#include <algorithm>

#include "domain/validation.h"
#include "store/entity_rows.h"
#include "store/store_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

template <typename Entity>
using Reader = std::vector<Entity> (*)(Database&, const RowFilter&);

// Reads entities made of several tables in one read transaction, so that
// their parent and child rows agree.
template <typename Entity>
std::vector<Entity> read_consistent(Database& db, Reader<Entity> read, const RowFilter& filter) {
  return with_store_errors(db, "", [&] {
    Transaction transaction(db, Transaction::Mode::kReadOnly);
    std::vector<Entity> entities = read(db, filter);
    transaction.commit();
    return entities;
  });
}

// Reads entities of one table (one statement needs no transaction).
template <typename Entity>
std::vector<Entity> read_single_table(Database& db, Reader<Entity> read, const RowFilter& filter) {
  return with_store_errors(db, "", [&] { return read(db, filter); });
}

template <typename Entity>
std::optional<Entity> first_of(std::vector<Entity> entities) {
  if (entities.empty()) return std::nullopt;
  return std::move(entities.front());
}

std::vector<Id> sorted_unique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// kNotFound unless the statement on `noun` `id` changed a row.
void require_changed(long long changed_rows, const std::string& noun, Id id) {
  if (changed_rows == 0) throw_not_found(noun, id);
}

// The `column` (a name or code) of row `id`, for messages; kNotFound when there is no such row.
std::string require_label(Database& db, const std::string& table, const std::string& column, const std::string& noun,
                          Id id) {
  std::optional<std::string> label;
  db.session() << "SELECT " + column + " FROM " + table + " WHERE id = :id", soci::use(id), soci::into(label);
  if (!label) throw_not_found(noun, id);
  return *label;
}

long long count_rows(Database& db, const std::string& sql, Id id) {
  long long count = 0;
  db.session() << sql, soci::use(id), soci::into(count);
  return count;
}

// Inserts (owner_id, each of ids) into a link table.
void insert_links(Database& db, const std::string& table, const std::string& owner_column,
                  const std::string& target_column, Id owner_id, const std::vector<Id>& ids) {
  Id target_id = 0;
  soci::statement insert = (db.session().prepare << "INSERT INTO " + table + " (" + owner_column + ", " +
                                                        target_column + ") VALUES (:owner, :target)",
                            soci::use(owner_id), soci::use(target_id));
  for (Id id : sorted_unique(ids)) {
    target_id = id;
    insert.execute(true);
  }
}

// ---- cameras

constexpr std::array<const char*, 7> kCameraColumns = {
    "name", "url", "location", "is_active", "pause_until_at", "rtsp_transport", "node"};
auto camera_values(const Camera& camera) {
  return std::make_tuple(camera.name, camera.url, camera.location, camera.is_active, camera.pause_until,
                         camera.rtsp_transport, camera.node);
}

std::string camera_name_taken(const Camera& camera) {
  return "a camera named " + quoted(camera.name) + " already exists";
}

void write_template_links(Database& db, const Camera& camera, Id camera_id) {
  require_existing(db, "period_templates", "period template", sorted_unique(camera.period_template_ids));
  insert_links(db, "camera_period_templates", "camera_id", "template_id", camera_id, camera.period_template_ids);
}

// ---- profiles

constexpr std::array<const char*, 9> kProfileColumns = {"name",           "is_active",      "fps",
                                                        "det_set",        "rtsp_transport", "hb_interval",
                                                        "snapshot_every", "min_score",      "min_face_px"};
auto profile_values(const StreamProfile& profile) {
  return std::make_tuple(profile.name, profile.is_active, profile.fps, profile.det_set, profile.rtsp_transport,
                         profile.hb_interval, profile.snapshot_every, profile.min_score, profile.min_face_px);
}

std::string profile_name_taken(const StreamProfile& profile) {
  return "a profile named " + quoted(profile.name) + " already exists";
}

// "profile 'HD' is used by 3 schedule window(s) of policies 'A', 'B'; remove them first", or "" when unused.
std::string profile_users(Database& db, const std::string& name, Id id) {
  BulkQuery query(db,
                  "SELECT p.name, count(*) FROM schedule_windows w JOIN schedule_policies p ON p.id = w.policy_id "
                  "WHERE w.profile_id = :id GROUP BY p.id, p.name ORDER BY p.name",
                  {static_cast<long long>(id)});
  const auto& policy_name = query.column<std::string>();
  const auto& windows = query.column<long long>();
  long long total_windows = 0;
  std::vector<std::string> policy_names;
  query.for_each_row([&](std::size_t row) {
    total_windows += windows[row];
    policy_names.push_back(quoted(policy_name[row]));
  });
  if (policy_names.empty()) return "";
  return "profile " + quoted(name) + " is used by " + std::to_string(total_windows) + " schedule window(s) of " +
         (policy_names.size() == 1 ? "policy " : "policies ") + join(policy_names, ", ") + "; remove them first";
}

// ---- policies

constexpr std::array<const char*, 2> kPolicyColumns = {"name", "is_enabled"};
auto policy_values(const SchedulePolicy& policy) { return std::make_tuple(policy.name, policy.is_enabled); }

std::string policy_name_taken(const SchedulePolicy& policy) {
  return "a policy named " + quoted(policy.name) + " already exists";
}

// Inserts the policy's cameras, windows and exceptions.
void write_policy_parts(Database& db, const SchedulePolicy& policy, Id policy_id) {
  require_existing(db, "cameras", "camera", sorted_unique(policy.camera_ids));
  std::vector<Id> profile_ids;
  for (const ScheduleWindow& window : policy.windows) profile_ids.push_back(window.profile_id);
  require_existing(db, "stream_profiles", "profile", sorted_unique(profile_ids));

  insert_links(db, "policy_cameras", "policy_id", "camera_id", policy_id, policy.camera_ids);

  ScheduleWindow window;
  soci::statement insert_window =
      (db.session().prepare << "INSERT INTO schedule_windows (policy_id, day_of_week, start_minute, end_minute, "
                               "profile_id) VALUES (:policy_id, :day_of_week, :start_minute, :end_minute, :profile_id)",
       soci::use(policy_id), soci::use(window.day_of_week), soci::use(window.start_minute),
       soci::use(window.end_minute), soci::use(window.profile_id));
  for (const ScheduleWindow& each : policy.windows) {
    window = each;
    insert_window.execute(true);
  }

  ScheduleException exception;
  soci::statement insert_exception =
      (db.session().prepare
           << "INSERT INTO schedule_exceptions (policy_id, local_date, mode) VALUES (:policy_id, :local_date, :mode)",
       soci::use(policy_id), soci::use(exception.date), soci::use(exception.mode));
  for (const ScheduleException& each : policy.exceptions) {
    exception = each;
    insert_exception.execute(true);
  }
}

// ---- period templates

constexpr std::array<const char*, 8> kTemplateColumns = {
    "name",          "sort_order",          "start_minute",       "end_minute",
    "weekdays_mask", "early_grace_minutes", "late_grace_minutes", "is_enabled"};
auto template_values(const PeriodTemplate& period_template) {
  return std::make_tuple(period_template.name, period_template.order, period_template.start_minute,
                         period_template.end_minute, period_template.weekdays.mask(),
                         period_template.early_grace_minutes, period_template.late_grace_minutes,
                         period_template.is_enabled);
}

// ---- students

constexpr std::array<const char*, 4> kStudentColumns = {"code", "first_name", "last_name", "is_active"};
auto student_values(const Student& student) {
  return std::make_tuple(student.code, student.first_name, student.last_name, student.is_active);
}

std::string student_code_taken(const Student& student) {
  return "a student with code " + quoted(student.code) + " already exists";
}

// ---- resource settings

// Inserts or replaces the row that `conflict_target` (the unique index of the
// global row, or of camera_id) identifies.
void upsert_resource_settings(Database& db, std::optional<Id> camera_id, const ResourceSettings& settings,
                              const std::string& conflict_target) {
  constexpr std::array<const char*, 11> kKnobColumns = {"is_active",   "device",       "gpu_index",   "hwaccel",
                                                        "cpu_nice",    "cpu_affinity", "max_fps",     "det_set_max",
                                                        "min_face_px", "crop_format",  "crop_quality"};
  std::vector<std::string> columns = {"camera_id"};
  std::vector<std::string> assignments;
  for (const std::string column : kKnobColumns) {
    columns.push_back(column);
    assignments.push_back(column + " = excluded." + column);
  }
  std::string insert = insert_sql("resource_settings", columns);
  insert.erase(insert.rfind(" RETURNING id"));
  execute(db, insert + " ON CONFLICT " + conflict_target + " DO UPDATE SET " + join(assignments, ", "), camera_id,
          settings.is_active, settings.device, settings.gpu_index, settings.hwaccel, settings.cpu_nice,
          settings.cpu_affinity, settings.max_fps, settings.det_set_max, settings.min_face_px, settings.crop_format,
          settings.crop_quality);
}

}  // namespace

// ---------------------------------------------------------------- CameraStore

Id CameraStore::add(const Camera& camera) {
  throw_if_invalid(validate(camera));
  return with_store_errors(db_, camera_name_taken(camera), [&] {
    Transaction transaction(db_);
    const Id id = insert_row(db_, "cameras", kCameraColumns, camera_values(camera));
    write_template_links(db_, camera, id);
    transaction.commit();
    return id;
  });
}

std::optional<Camera> CameraStore::find(Id id) {
  return first_of(read_consistent(db_, read_cameras, RowFilter::by_id(id)));
}

std::optional<Camera> CameraStore::find_by_name(const std::string& name) {
  return first_of(read_consistent(db_, read_cameras, RowFilter::by_text("name", name)));
}

std::vector<Camera> CameraStore::list() { return read_consistent(db_, read_cameras, RowFilter::all()); }

void CameraStore::update(const Camera& camera) {
  throw_if_invalid(validate(camera));
  with_store_errors(db_, camera_name_taken(camera), [&] {
    Transaction transaction(db_);
    require_changed(update_row(db_, "cameras", kCameraColumns, camera_values(camera), camera.id), "camera", camera.id);
    execute(db_, "DELETE FROM camera_period_templates WHERE camera_id = :id", camera.id);
    write_template_links(db_, camera, camera.id);
    transaction.commit();
  });
}

void CameraStore::remove(Id id) {
  // Memberships, template links, the resource override and the runner history
  // go with the camera (ON DELETE CASCADE); attendance keeps its rows, unlinked.
  with_store_errors(db_, "",
                    [&] { require_changed(execute(db_, "DELETE FROM cameras WHERE id = :id", id), "camera", id); });
}

void CameraStore::set_pause_until(Id id, std::optional<Instant> until) {
  with_store_errors(db_, "", [&] {
    require_changed(execute(db_, "UPDATE cameras SET pause_until_at = :until WHERE id = :id", until, id), "camera", id);
  });
}

// ---------------------------------------------------------------- ProfileStore

Id ProfileStore::add(const StreamProfile& profile) {
  throw_if_invalid(validate(profile));
  return with_store_errors(db_, profile_name_taken(profile), [&] {
    return insert_row(db_, "stream_profiles", kProfileColumns, profile_values(profile));
  });
}

std::optional<StreamProfile> ProfileStore::find(Id id) {
  return first_of(read_single_table(db_, read_profiles, RowFilter::by_id(id)));
}

std::optional<StreamProfile> ProfileStore::find_by_name(const std::string& name) {
  return first_of(read_single_table(db_, read_profiles, RowFilter::by_text("name", name)));
}

std::vector<StreamProfile> ProfileStore::list() { return read_single_table(db_, read_profiles, RowFilter::all()); }

void ProfileStore::update(const StreamProfile& profile) {
  throw_if_invalid(validate(profile));
  with_store_errors(db_, profile_name_taken(profile), [&] {
    require_changed(update_row(db_, "stream_profiles", kProfileColumns, profile_values(profile), profile.id), "profile",
                    profile.id);
  });
}

void ProfileStore::remove(Id id) {
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    const std::string name = require_label(db_, "stream_profiles", "name", "profile", id);
    if (std::string users = profile_users(db_, name, id); !users.empty()) throw StoreError(Kind::kConflict, users);
    // Its runner history goes with it (ON DELETE CASCADE).
    execute(db_, "DELETE FROM stream_profiles WHERE id = :id", id);
    transaction.commit();
  });
}

// ---------------------------------------------------------------- PolicyStore

Id PolicyStore::add(const SchedulePolicy& policy) {
  throw_if_invalid(validate(policy));
  return with_store_errors(db_, policy_name_taken(policy), [&] {
    Transaction transaction(db_);
    const Id id = insert_row(db_, "schedule_policies", kPolicyColumns, policy_values(policy));
    write_policy_parts(db_, policy, id);
    transaction.commit();
    return id;
  });
}

std::optional<SchedulePolicy> PolicyStore::find(Id id) {
  return first_of(read_consistent(db_, read_policies, RowFilter::by_id(id)));
}

std::optional<SchedulePolicy> PolicyStore::find_by_name(const std::string& name) {
  return first_of(read_consistent(db_, read_policies, RowFilter::by_text("name", name)));
}

std::vector<SchedulePolicy> PolicyStore::list() { return read_consistent(db_, read_policies, RowFilter::all()); }

void PolicyStore::update(const SchedulePolicy& policy) {
  throw_if_invalid(validate(policy));
  with_store_errors(db_, policy_name_taken(policy), [&] {
    Transaction transaction(db_);
    require_changed(update_row(db_, "schedule_policies", kPolicyColumns, policy_values(policy), policy.id), "policy",
                    policy.id);
    for (const char* table : {"policy_cameras", "schedule_windows", "schedule_exceptions"}) {
      execute(db_, std::string("DELETE FROM ") + table + " WHERE policy_id = :id", policy.id);
    }
    write_policy_parts(db_, policy, policy.id);
    transaction.commit();
  });
}

void PolicyStore::remove(Id id) {
  // Its camera memberships, windows and exceptions go with it (ON DELETE CASCADE).
  with_store_errors(db_, "", [&] {
    require_changed(execute(db_, "DELETE FROM schedule_policies WHERE id = :id", id), "policy", id);
  });
}

// ---------------------------------------------------------------- PeriodTemplateStore

Id PeriodTemplateStore::add(const PeriodTemplate& period_template) {
  throw_if_invalid(validate(period_template));
  return with_store_errors(
      db_, "", [&] { return insert_row(db_, "period_templates", kTemplateColumns, template_values(period_template)); });
}

std::optional<PeriodTemplate> PeriodTemplateStore::find(Id id) {
  return first_of(read_single_table(db_, read_templates, RowFilter::by_id(id)));
}

std::vector<PeriodTemplate> PeriodTemplateStore::list() {
  return read_single_table(db_, read_templates, RowFilter::all());
}

void PeriodTemplateStore::update(const PeriodTemplate& period_template) {
  throw_if_invalid(validate(period_template));
  with_store_errors(db_, "", [&] {
    require_changed(
        update_row(db_, "period_templates", kTemplateColumns, template_values(period_template), period_template.id),
        "period template", period_template.id);
  });
}

void PeriodTemplateStore::remove(Id id) {
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    const std::string name = require_label(db_, "period_templates", "name", "period template", id);
    const long long attended = count_rows(db_,
                                          "SELECT count(DISTINCT o.id) FROM period_occurrences o JOIN "
                                          "attendance_records r ON r.occurrence_id = o.id WHERE o.template_id = :id",
                                          id);
    if (attended > 0) {
      throw StoreError(Kind::kConflict, "period template " + quoted(name) +
                                            " cannot be deleted: " + std::to_string(attended) +
                                            " of its occurrence(s) have attendance records; disable it instead");
    }
    // Its occurrences and camera links go with it (ON DELETE CASCADE).
    execute(db_, "DELETE FROM period_templates WHERE id = :id", id);
    transaction.commit();
  });
}

// ---------------------------------------------------------------- OccurrenceStore

std::optional<PeriodOccurrence> OccurrenceStore::find(Id id) {
  return first_of(read_single_table(db_, read_occurrences, RowFilter::by_id(id)));
}

std::vector<PeriodOccurrence> OccurrenceStore::list_dated(LocalDate first_date, LocalDate last_date) {
  return read_single_table(
      db_, read_occurrences,
      RowFilter{"local_date >= :first AND local_date <= :last", {format_date(first_date), format_date(last_date)}});
}

std::vector<PeriodOccurrence> OccurrenceStore::list_overlapping(Instant from, Instant to) {
  return read_single_table(db_, read_occurrences, occurrences_overlapping(from, to));
}

void OccurrenceStore::set_school_day(Id id, bool is_school_day) {
  with_store_errors(db_, "", [&] {
    require_changed(
        execute(db_, "UPDATE period_occurrences SET is_school_day = :is_school_day WHERE id = :id", is_school_day, id),
        "occurrence", id);
  });
}

OccurrenceStore::Applied OccurrenceStore::apply(const RollPlan& plan) {
  return with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    Applied applied;
    PeriodOccurrence occurrence;
    soci::statement insert =
        (db_.session().prepare << "INSERT INTO period_occurrences (template_id, local_date, start_at, end_at, "
                                  "is_school_day) VALUES (:template_id, :local_date, :start_at, :end_at, "
                                  ":is_school_day)",
         soci::use(occurrence.template_id), soci::use(occurrence.date), soci::use(occurrence.start_at),
         soci::use(occurrence.end_at), soci::use(occurrence.is_school_day));
    for (const PeriodOccurrence& each : plan.to_insert) {
      occurrence = each;
      with_store_errors(db_,
                        "period template " + std::to_string(each.template_id) + " already has an occurrence on " +
                            format_date(each.date),
                        [&] { insert.execute(true); });
      ++applied.inserted;
    }
    // is_school_day is left alone: a holiday marked by hand survives a roll.
    soci::statement update =
        (db_.session().prepare << "UPDATE period_occurrences SET start_at = :start_at, end_at = :end_at WHERE id = :id",
         soci::use(occurrence.start_at), soci::use(occurrence.end_at), soci::use(occurrence.id));
    for (const PeriodOccurrence& each : plan.to_update) {
      occurrence = each;
      update.execute(true);
      applied.updated += static_cast<int>(update.get_affected_rows());
    }
    Id id = 0;
    soci::statement remove = (db_.session().prepare << "DELETE FROM period_occurrences WHERE id = :id", soci::use(id));
    for (Id each : plan.to_delete) {
      id = each;
      remove.execute(true);
      applied.deleted += static_cast<int>(remove.get_affected_rows());
    }
    transaction.commit();
    return applied;
  });
}

// ---------------------------------------------------------------- StudentStore

Id StudentStore::add(const Student& student) {
  throw_if_invalid(validate(student));
  return with_store_errors(db_, student_code_taken(student), [&] {
    Transaction transaction(db_);
    const Id id = insert_row(db_, "students", kStudentColumns, student_values(student));
    bump_gallery_version(db_);
    transaction.commit();
    return id;
  });
}

std::optional<Student> StudentStore::find(Id id) {
  return first_of(read_single_table(db_, read_students, RowFilter::by_id(id)));
}

std::optional<Student> StudentStore::find_by_code(const std::string& code) {
  return first_of(read_single_table(db_, read_students, RowFilter::by_text("code", code)));
}

std::vector<Student> StudentStore::list() { return read_single_table(db_, read_students, RowFilter::all()); }

void StudentStore::update(const Student& student) {
  throw_if_invalid(validate(student));
  with_store_errors(db_, student_code_taken(student), [&] {
    Transaction transaction(db_);
    require_changed(update_row(db_, "students", kStudentColumns, student_values(student), student.id), "student",
                    student.id);
    bump_gallery_version(db_);
    transaction.commit();
  });
}

void StudentStore::remove(Id id) {
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    const std::string code = require_label(db_, "students", "code", "student", id);
    const long long events = count_rows(db_, "SELECT count(*) FROM attendance_events WHERE student_id = :id", id);
    const long long records = count_rows(db_, "SELECT count(*) FROM attendance_records WHERE student_id = :id", id);
    if (events + records > 0) {
      throw StoreError(Kind::kConflict, "student " + quoted(code) + " has " + std::to_string(events) +
                                            " attendance event(s) and " + std::to_string(records) +
                                            " attendance record(s); deactivate the student instead");
    }
    // Face templates go with the student (ON DELETE CASCADE).
    execute(db_, "DELETE FROM students WHERE id = :id", id);
    bump_gallery_version(db_);
    transaction.commit();
  });
}

// ---------------------------------------------------------------- ResourceStore

std::optional<ResourceSettings> ResourceStore::global() {
  return first_of(read_single_table(db_, read_resource_settings, RowFilter{"camera_id IS NULL", {}}));
}

void ResourceStore::put_global(const ResourceSettings& settings) {
  throw_if_invalid(validate(settings));
  with_store_errors(db_, "", [&] {
    upsert_resource_settings(db_, std::nullopt, settings, "((camera_id IS NULL)) WHERE camera_id IS NULL");
  });
}

std::optional<ResourceSettings> ResourceStore::for_camera(Id camera_id) {
  return first_of(read_single_table(db_, read_resource_settings,
                                    RowFilter{"camera_id = :camera_id", {static_cast<long long>(camera_id)}}));
}

void ResourceStore::put_camera(Id camera_id, const ResourceSettings& settings) {
  throw_if_invalid(validate(settings));
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    require_label(db_, "cameras", "name", "camera", camera_id);
    upsert_resource_settings(db_, camera_id, settings, "(camera_id)");
    transaction.commit();
  });
}

void ResourceStore::remove_camera(Id camera_id) {
  with_store_errors(db_, "", [&] { execute(db_, "DELETE FROM resource_settings WHERE camera_id = :id", camera_id); });
}

}  // namespace bisk
