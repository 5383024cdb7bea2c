#include "store/entity_rows.h"

#include <functional>
#include <unordered_map>

namespace bisk {
namespace {

std::string where(const RowFilter& filter) {
  if (filter.condition.empty()) return "";
  return " WHERE " + filter.condition;
}

// Selects the child rows of the parents that `filter` selects in `parent_table`.
std::string child_where(const RowFilter& filter, const std::string& parent_column, const std::string& parent_table) {
  if (filter.condition.empty()) return "";
  return " WHERE " + parent_column + " IN (SELECT id FROM " + parent_table + where(filter) + ")";
}

// Appends each row of `query` to the `member` list of the parent that its
// `parent_id` column names; make_child(row) builds the element.
template <typename Parent, typename Child>
void attach_children(std::vector<Parent>& parents, BulkQuery& query, const Column<long long>& parent_id,
                     std::vector<Child> Parent::*member, const std::function<Child(std::size_t)>& make_child) {
  std::unordered_map<Id, Parent*> parent_by_id;
  parent_by_id.reserve(parents.size());
  for (Parent& parent : parents) parent_by_id.emplace(parent.id, &parent);
  query.for_each_row([&](std::size_t row) {
    // A child of a parent that was added after the parent query ran (outside a
    // read transaction) is skipped rather than attached to nothing.
    if (auto parent = parent_by_id.find(parent_id[row]); parent != parent_by_id.end()) {
      (parent->second->*member).push_back(make_child(row));
    }
  });
}

void read_template_links(Database& db, const RowFilter& filter, std::vector<Camera>& cameras) {
  BulkQuery query(db,
                  "SELECT camera_id, template_id FROM camera_period_templates" +
                      child_where(filter, "camera_id", "cameras") + " ORDER BY camera_id, template_id",
                  filter.params);
  const auto& camera_id = query.column<long long>();
  const auto& template_id = query.column<long long>();
  attach_children<Camera, Id>(cameras, query, camera_id, &Camera::period_template_ids,
                              [&](std::size_t row) { return template_id[row]; });
}

void read_policy_cameras(Database& db, const RowFilter& filter, std::vector<SchedulePolicy>& policies) {
  BulkQuery query(db,
                  "SELECT policy_id, camera_id FROM policy_cameras" +
                      child_where(filter, "policy_id", "schedule_policies") + " ORDER BY policy_id, camera_id",
                  filter.params);
  const auto& policy_id = query.column<long long>();
  const auto& camera_id = query.column<long long>();
  attach_children<SchedulePolicy, Id>(policies, query, policy_id, &SchedulePolicy::camera_ids,
                                      [&](std::size_t row) { return camera_id[row]; });
}

void read_windows(Database& db, const RowFilter& filter, std::vector<SchedulePolicy>& policies) {
  BulkQuery query(db,
                  "SELECT policy_id, id, day_of_week, start_minute, end_minute, profile_id FROM schedule_windows" +
                      child_where(filter, "policy_id", "schedule_policies") +
                      " ORDER BY policy_id, day_of_week, start_minute, id",
                  filter.params);
  const auto& policy_id = query.column<long long>();
  const auto& id = query.column<long long>();
  const auto& day_of_week = query.column<int>();
  const auto& start_minute = query.column<int>();
  const auto& end_minute = query.column<int>();
  const auto& profile_id = query.column<long long>();
  attach_children<SchedulePolicy, ScheduleWindow>(policies, query, policy_id, &SchedulePolicy::windows,
                                                  [&](std::size_t row) {
                                                    return ScheduleWindow{.id = id[row],
                                                                          .day_of_week = day_of_week[row],
                                                                          .start_minute = start_minute[row],
                                                                          .end_minute = end_minute[row],
                                                                          .profile_id = profile_id[row]};
                                                  });
}

void read_exceptions(Database& db, const RowFilter& filter, std::vector<SchedulePolicy>& policies) {
  BulkQuery query(db,
                  "SELECT policy_id, id, local_date, mode FROM schedule_exceptions" +
                      child_where(filter, "policy_id", "schedule_policies") + " ORDER BY policy_id, local_date",
                  filter.params);
  const auto& policy_id = query.column<long long>();
  const auto& id = query.column<long long>();
  const auto& date = query.column<std::string>();
  const auto& mode = query.column<std::string>();
  attach_children<SchedulePolicy, ScheduleException>(
      policies, query, policy_id, &SchedulePolicy::exceptions, [&](std::size_t row) {
        return ScheduleException{.id = id[row], .date = date.as<LocalDate>(row), .mode = mode[row]};
      });
}

}  // namespace

RowFilter occurrences_overlapping(Instant from, Instant to) {
  // Both ends strict: an occurrence ending exactly at `from`, or starting exactly
  // at `to`, does not overlap. The (start_at, end_at) index answers this.
  return {"start_at < :to AND end_at > :from", {to_epoch_ms(to), to_epoch_ms(from)}};
}

std::vector<Camera> read_cameras(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, name, url, location, is_active, pause_until_at, rtsp_transport, node FROM cameras" +
                      where(filter) + " ORDER BY id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& name = query.column<std::string>();
  const auto& url = query.column<std::string>();
  const auto& location = query.column<std::string>();
  const auto& is_active = query.column<int>();
  const auto& pause_until_at = query.column<long long>();
  const auto& rtsp_transport = query.column<std::string>();
  const auto& node = query.column<std::string>();
  std::vector<Camera> cameras;
  query.for_each_row([&](std::size_t row) {
    cameras.push_back(Camera{.id = id[row],
                             .name = name[row],
                             .url = url[row],
                             .location = location[row],
                             .is_active = is_active.as<bool>(row),
                             .pause_until = pause_until_at.as<std::optional<Instant>>(row),
                             .rtsp_transport = rtsp_transport[row],
                             .period_template_ids = {},
                             .node = node.as<std::optional<std::string>>(row)});
  });
  read_template_links(db, filter, cameras);
  return cameras;
}

std::vector<StreamProfile> read_profiles(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, name, is_active, fps, det_set, rtsp_transport, hb_interval, snapshot_every, min_score, "
                  "min_face_px FROM stream_profiles" +
                      where(filter) + " ORDER BY id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& name = query.column<std::string>();
  const auto& is_active = query.column<int>();
  const auto& fps = query.column<double>();
  const auto& det_set = query.column<std::string>();
  const auto& rtsp_transport = query.column<std::string>();
  const auto& hb_interval = query.column<int>();
  const auto& snapshot_every = query.column<int>();
  const auto& min_score = query.column<double>();
  const auto& min_face_px = query.column<int>();
  std::vector<StreamProfile> profiles;
  query.for_each_row([&](std::size_t row) {
    profiles.push_back(StreamProfile{.id = id[row],
                                     .name = name[row],
                                     .is_active = is_active.as<bool>(row),
                                     .fps = fps[row],
                                     .det_set = det_set[row],
                                     .rtsp_transport = rtsp_transport[row],
                                     .hb_interval = hb_interval[row],
                                     .snapshot_every = snapshot_every[row],
                                     .min_score = min_score[row],
                                     .min_face_px = min_face_px[row]});
  });
  return profiles;
}

std::vector<SchedulePolicy> read_policies(Database& db, const RowFilter& filter) {
  BulkQuery query(db, "SELECT id, name, is_enabled FROM schedule_policies" + where(filter) + " ORDER BY id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& name = query.column<std::string>();
  const auto& is_enabled = query.column<int>();
  std::vector<SchedulePolicy> policies;
  query.for_each_row([&](std::size_t row) {
    SchedulePolicy policy;
    policy.id = id[row];
    policy.name = name[row];
    policy.is_enabled = is_enabled.as<bool>(row);
    policies.push_back(std::move(policy));
  });
  read_policy_cameras(db, filter, policies);
  read_windows(db, filter, policies);
  read_exceptions(db, filter, policies);
  return policies;
}

std::vector<PeriodTemplate> read_templates(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, name, sort_order, start_minute, end_minute, weekdays_mask, early_grace_minutes, "
                  "late_grace_minutes, is_enabled FROM period_templates" +
                      where(filter) + " ORDER BY sort_order, id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& name = query.column<std::string>();
  const auto& sort_order = query.column<int>();
  const auto& start_minute = query.column<int>();
  const auto& end_minute = query.column<int>();
  const auto& weekdays_mask = query.column<int>();
  const auto& early_grace_minutes = query.column<int>();
  const auto& late_grace_minutes = query.column<int>();
  const auto& is_enabled = query.column<int>();
  std::vector<PeriodTemplate> templates;
  query.for_each_row([&](std::size_t row) {
    templates.push_back(PeriodTemplate{.id = id[row],
                                       .name = name[row],
                                       .order = sort_order[row],
                                       .start_minute = start_minute[row],
                                       .end_minute = end_minute[row],
                                       .weekdays = WeekdaySet::from_mask(weekdays_mask[row]),
                                       .early_grace_minutes = early_grace_minutes[row],
                                       .late_grace_minutes = late_grace_minutes[row],
                                       .is_enabled = is_enabled.as<bool>(row)});
  });
  return templates;
}

std::vector<PeriodOccurrence> read_occurrences(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, template_id, local_date, start_at, end_at, is_school_day FROM period_occurrences" +
                      where(filter) + " ORDER BY start_at, id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& template_id = query.column<long long>();
  const auto& date = query.column<std::string>();
  const auto& start_at = query.column<long long>();
  const auto& end_at = query.column<long long>();
  const auto& is_school_day = query.column<int>();
  std::vector<PeriodOccurrence> occurrences;
  query.for_each_row([&](std::size_t row) {
    occurrences.push_back(PeriodOccurrence{.id = id[row],
                                           .template_id = template_id[row],
                                           .date = date.as<LocalDate>(row),
                                           .start_at = start_at.as<Instant>(row),
                                           .end_at = end_at.as<Instant>(row),
                                           .is_school_day = is_school_day.as<bool>(row)});
  });
  return occurrences;
}

std::vector<Student> read_students(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, code, first_name, last_name, is_active FROM students" + where(filter) + " ORDER BY id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& code = query.column<std::string>();
  const auto& first_name = query.column<std::string>();
  const auto& last_name = query.column<std::string>();
  const auto& is_active = query.column<int>();
  std::vector<Student> students;
  query.for_each_row([&](std::size_t row) {
    students.push_back(Student{.id = id[row],
                               .code = code[row],
                               .first_name = first_name[row],
                               .last_name = last_name[row],
                               .is_active = is_active.as<bool>(row)});
  });
  return students;
}

std::vector<ResourceSettings> read_resource_settings(Database& db, const RowFilter& filter) {
  BulkQuery query(db,
                  "SELECT id, camera_id, is_active, device, gpu_index, hwaccel, cpu_nice, cpu_affinity, max_fps, "
                  "det_set_max, min_face_px, crop_format, crop_quality FROM resource_settings" +
                      where(filter) + " ORDER BY id",
                  filter.params);
  const auto& id = query.column<long long>();
  const auto& camera_id = query.column<long long>();
  const auto& is_active = query.column<int>();
  const auto& device = query.column<std::string>();
  const auto& gpu_index = query.column<int>();
  const auto& hwaccel = query.column<std::string>();
  const auto& cpu_nice = query.column<int>();
  const auto& cpu_affinity = query.column<std::string>();
  const auto& max_fps = query.column<double>();
  const auto& det_set_max = query.column<std::string>();
  const auto& min_face_px = query.column<int>();
  const auto& crop_format = query.column<std::string>();
  const auto& crop_quality = query.column<int>();
  std::vector<ResourceSettings> settings;
  query.for_each_row([&](std::size_t row) {
    settings.push_back(ResourceSettings{.id = id[row],
                                        .camera_id = camera_id.as<std::optional<long long>>(row),
                                        .is_active = is_active.as<bool>(row),
                                        .device = device.as<std::optional<std::string>>(row),
                                        .gpu_index = gpu_index.as<std::optional<int>>(row),
                                        .hwaccel = hwaccel.as<std::optional<std::string>>(row),
                                        .cpu_nice = cpu_nice.as<std::optional<int>>(row),
                                        .cpu_affinity = cpu_affinity.as<std::optional<std::string>>(row),
                                        .max_fps = max_fps.as<std::optional<double>>(row),
                                        .det_set_max = det_set_max.as<std::optional<std::string>>(row),
                                        .min_face_px = min_face_px.as<std::optional<int>>(row),
                                        .crop_format = crop_format.as<std::optional<std::string>>(row),
                                        .crop_quality = crop_quality.as<std::optional<int>>(row)});
  });
  return settings;
}

}  // namespace bisk
