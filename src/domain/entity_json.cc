#include "domain/entity_json.h"

#include "common/url.h"

namespace bisk {
Json nullable_instant(const std::optional<Instant>& instant, TimeZone zone) {
  return instant ? Json(format_instant(*instant, zone)) : Json(nullptr);
}

std::string display_text(const Json& value, std::string_view separator) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_object()) {
    std::string members;
    for (const auto& [key, member] : value.items()) {
      if (key == "id") continue;
      if (!members.empty()) members += ' ';
      members += display_text(member, separator);
    }
    return members;
  }
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) {
      if (!joined.empty()) joined += separator;
      joined += display_text(item, separator);
    }
    return joined;
  }
  return value.dump();
}

Json to_json(const Camera& camera, TimeZone zone) {
  return {{"id", camera.id},
          {"name", camera.name},
          {"url", mask_url(camera.url)},
          {"location", camera.location},
          {"is_active", camera.is_active},
          {"pause_until", nullable_instant(camera.pause_until, zone)},
          {"rtsp_transport", camera.rtsp_transport},
          {"period_template_ids", camera.period_template_ids},
          {"node", nullable(camera.node)}};
}

Json to_json(const StreamProfile& profile) {
  return {{"id", profile.id},
          {"name", profile.name},
          {"is_active", profile.is_active},
          {"fps", profile.fps},
          {"det_set", profile.det_set},
          {"rtsp_transport", profile.rtsp_transport},
          {"hb_interval", profile.hb_interval},
          {"snapshot_every", profile.snapshot_every},
          {"min_score", profile.min_score},
          {"min_face_px", profile.min_face_px}};
}

Json to_json(const SchedulePolicy& policy) {
  Json windows = Json::array();
  for (const auto& window : policy.windows) {
    windows.push_back({{"id", window.id},
                       {"day_of_week", window.day_of_week},
                       {"start", format_hhmm(window.start_minute)},
                       {"end", format_hhmm(window.end_minute)},
                       {"profile_id", window.profile_id}});
  }
  Json exceptions = Json::array();
  for (const auto& exception : policy.exceptions) {
    exceptions.push_back({{"id", exception.id}, {"date", format_date(exception.date)}, {"mode", exception.mode}});
  }
  return {{"id", policy.id},
          {"name", policy.name},
          {"is_enabled", policy.is_enabled},
          {"camera_ids", policy.camera_ids},
          {"windows", windows},
          {"exceptions", exceptions}};
}

Json to_json(const PeriodTemplate& period_template) {
  return {{"id", period_template.id},
          {"name", period_template.name},
          {"order", period_template.order},
          {"start", format_hhmm(period_template.start_minute)},
          {"end", format_hhmm(period_template.end_minute)},
          {"weekdays", period_template.weekdays.to_list()},
          {"early_grace_minutes", period_template.early_grace_minutes},
          {"late_grace_minutes", period_template.late_grace_minutes},
          {"is_enabled", period_template.is_enabled}};
}

Json to_json(const PeriodOccurrence& occurrence, TimeZone zone) {
  return {{"id", occurrence.id},
          {"template_id", occurrence.template_id},
          {"date", format_date(occurrence.date)},
          {"start_at", format_instant(occurrence.start_at, zone)},
          {"end_at", format_instant(occurrence.end_at, zone)},
          {"is_school_day", occurrence.is_school_day}};
}

Json to_json(const ResourceSettings& settings) {
  return {{"camera_id", nullable(settings.camera_id)},
          {"is_active", settings.is_active},
          {"device", nullable(settings.device)},
          {"gpu_index", nullable(settings.gpu_index)},
          {"hwaccel", nullable(settings.hwaccel)},
          {"cpu_nice", nullable(settings.cpu_nice)},
          {"cpu_affinity", nullable(settings.cpu_affinity)},
          {"max_fps", nullable(settings.max_fps)},
          {"det_set_max", nullable(settings.det_set_max)},
          {"min_face_px", nullable(settings.min_face_px)},
          {"crop_format", nullable(settings.crop_format)},
          {"crop_quality", nullable(settings.crop_quality)}};
}

Json to_json(const Student& student) {
  return {{"id", student.id},
          {"code", student.code},
          {"first_name", student.first_name},
          {"last_name", student.last_name},
          {"is_active", student.is_active}};
}

}  // namespace bisk
