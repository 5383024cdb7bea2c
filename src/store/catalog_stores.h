// Data access for the configuration entities an operator edits. Every write
// validates (domain/validation.h) and throws StoreError: kInvalid with the
// field errors joined, kConflict for a duplicate unique name/code or a
// reference that forbids the delete (the message says what refers to it),
// kNotFound for an unknown id. Both backends behave identically.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"
#include "schedule/occurrence_roll.h"
#include "store/database.h"

namespace bisk {

class CameraStore {
 public:
  explicit CameraStore(Database& db) : db_(db) {}
  Id add(const Camera& camera);  // period_template_ids must exist (kInvalid otherwise)
  std::optional<Camera> find(Id id);
  std::optional<Camera> find_by_name(const std::string& name);
  std::vector<Camera> list();         // by id
  void update(const Camera& camera);  // replaces every field of camera.id
  // Also removes its policy memberships, template links and resource override.
  void remove(Id id);
  void set_pause_until(Id id, std::optional<Instant> until);

 private:
  Database& db_;
};

class ProfileStore {
 public:
  explicit ProfileStore(Database& db) : db_(db) {}
  Id add(const StreamProfile& profile);
  std::optional<StreamProfile> find(Id id);
  std::optional<StreamProfile> find_by_name(const std::string& name);
  std::vector<StreamProfile> list();
  void update(const StreamProfile& profile);
  void remove(Id id);  // kConflict while a schedule window uses it

 private:
  Database& db_;
};

// A policy is stored and returned whole: its camera list, windows and
// exceptions are replaced together by update().
class PolicyStore {
 public:
  explicit PolicyStore(Database& db) : db_(db) {}
  Id add(const SchedulePolicy& policy);  // camera_ids and window profile_ids must exist (kInvalid)
  std::optional<SchedulePolicy> find(Id id);
  std::optional<SchedulePolicy> find_by_name(const std::string& name);
  std::vector<SchedulePolicy> list();
  void update(const SchedulePolicy& policy);
  void remove(Id id);

 private:
  Database& db_;
};

class PeriodTemplateStore {
 public:
  explicit PeriodTemplateStore(Database& db) : db_(db) {}
  Id add(const PeriodTemplate& period_template);
  std::optional<PeriodTemplate> find(Id id);
  std::vector<PeriodTemplate> list();  // by (order, id)
  void update(const PeriodTemplate& period_template);
  // Deletes its occurrences too; kConflict when attendance records refer to them.
  void remove(Id id);

 private:
  Database& db_;
};

class OccurrenceStore {
 public:
  explicit OccurrenceStore(Database& db) : db_(db) {}
  std::optional<PeriodOccurrence> find(Id id);
  // Occurrences dated in [first_date, last_date], by (start_at, id).
  std::vector<PeriodOccurrence> list_dated(LocalDate first_date, LocalDate last_date);
  // Occurrences whose [start_at, end_at) overlaps [from, to).
  std::vector<PeriodOccurrence> list_overlapping(Instant from, Instant to);
  void set_school_day(Id id, bool is_school_day);
  struct Applied {
    int inserted = 0;
    int updated = 0;
    int deleted = 0;
  };
  Applied apply(const RollPlan& plan);  // in one transaction

 private:
  Database& db_;
};

class StudentStore {
 public:
  explicit StudentStore(Database& db) : db_(db) {}
  Id add(const Student& student);
  std::optional<Student> find(Id id);
  std::optional<Student> find_by_code(const std::string& code);
  std::vector<Student> list();
  void update(const Student& student);
  void remove(Id id);  // also its face templates; kConflict while attendance refers to it

 private:
  Database& db_;
};

class ResourceStore {
 public:
  explicit ResourceStore(Database& db) : db_(db) {}
  std::optional<ResourceSettings> global();
  void put_global(const ResourceSettings& settings);  // insert or replace; camera_id ignored
  std::optional<ResourceSettings> for_camera(Id camera_id);
  void put_camera(Id camera_id, const ResourceSettings& settings);  // kNotFound for an unknown camera
  void remove_camera(Id camera_id);

 private:
  Database& db_;
};

}  // namespace bisk
