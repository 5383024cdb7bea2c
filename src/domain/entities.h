// The entities of SPEC §3 as plain values. Field names are the operator API's
// field names, so the CLI, the HTTP API and the store speak one vocabulary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace bisk {

using Id = std::int64_t;

// A set of weekdays, 0 = Monday .. 6 = Sunday, stored as a 7-bit mask.
class WeekdaySet {
 public:
  WeekdaySet() = default;
  static WeekdaySet from_mask(int mask) { return WeekdaySet(mask & 0x7f); }
  static WeekdaySet weekdays_mon_to_fri() { return WeekdaySet(0x1f); }
  bool contains(int day_of_week) const { return (mask_ >> day_of_week) & 1; }
  void add(int day_of_week) { mask_ |= 1 << day_of_week; }
  int mask() const { return mask_; }
  bool empty() const { return mask_ == 0; }
  std::vector<int> to_list() const {
    std::vector<int> days;
    for (int d = 0; d < 7; ++d)
      if (contains(d)) days.push_back(d);
    return days;
  }
  bool operator==(const WeekdaySet&) const = default;

 private:
  explicit WeekdaySet(int mask) : mask_(mask) {}
  int mask_ = 0;
};

struct Camera {
  Id id = 0;
  std::string name;
  std::string url;  // may hold credentials: print only through mask_url()
  std::string location;
  bool is_active = true;
  std::optional<Instant> pause_until;
  std::string rtsp_transport = "auto";  // auto | tcp | udp
  std::vector<Id> period_template_ids;
  std::optional<std::string> node;  // null: run by the primary enforcer
};

struct StreamProfile {
  Id id = 0;
  std::string name;
  bool is_active = true;
  double fps = 5.0;                        // processed frames per second
  std::string det_set = "auto";            // auto | 320 | 480 | 640 | 800 | 1024
  std::string rtsp_transport = "inherit";  // inherit | auto | tcp | udp
  int hb_interval = 10;                    // seconds between heartbeats
  int snapshot_every = 30;                 // seconds between snapshots
  double min_score = 0.5;                  // cosine similarity to accept a match
  int min_face_px = 40;                    // smaller faces are not embedded
};

struct ScheduleWindow {
  Id id = 0;
  int day_of_week = 0;   // the day the window starts, 0 = Monday
  int start_minute = 0;  // minutes after local midnight
  int end_minute = 0;    // < start: ends on the next day; == start: the whole day
  Id profile_id = 0;
};

struct ScheduleException {
  Id id = 0;
  LocalDate date;            // the local date on which the disabled windows start
  std::string mode = "off";  // only "off" exists
};

struct SchedulePolicy {
  Id id = 0;
  std::string name;
  bool is_enabled = true;
  std::vector<Id> camera_ids;
  std::vector<ScheduleWindow> windows;
  std::vector<ScheduleException> exceptions;
};

struct PeriodTemplate {
  Id id = 0;
  std::string name;
  int order = 0;
  int start_minute = 0;
  int end_minute = 0;  // < start: the period ends on the next day
  WeekdaySet weekdays = WeekdaySet::weekdays_mon_to_fri();
  int early_grace_minutes = 0;
  int late_grace_minutes = 0;
  bool is_enabled = true;
};

struct PeriodOccurrence {
  Id id = 0;
  Id template_id = 0;
  LocalDate date;
  Instant start_at;  // grace already applied
  Instant end_at;    // exclusive
  bool is_school_day = true;
};

// One global row (camera_id empty) and optional per-camera overrides. Every
// knob is optional: unset means "not decided at this layer".
struct ResourceSettings {
  Id id = 0;
  std::optional<Id> camera_id;
  bool is_active = true;
  std::optional<std::string> device;  // cpu | cuda
  std::optional<int> gpu_index;
  std::optional<std::string> hwaccel;       // none | cuda
  std::optional<int> cpu_nice;              // -20..19
  std::optional<std::string> cpu_affinity;  // "0,2-3"
  std::optional<double> max_fps;            // cap on the profile's fps
  std::optional<std::string> det_set_max;   // cap on the profile's det_set
  std::optional<int> min_face_px;
  std::optional<std::string> crop_format;  // jpg | png
  std::optional<int> crop_quality;         // 1..100
};

struct Student {
  Id id = 0;
  std::string code;
  std::string first_name;
  std::string last_name;
  bool is_active = true;
};

struct FaceTemplate {
  Id id = 0;
  Id student_id = 0;
  std::vector<float> embedding;
  std::string model_id;
  std::string source_image;
  double quality = 0;
  Instant created_at;
};

}  // namespace bisk
