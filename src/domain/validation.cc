#include "domain/validation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string_view>

#include "common/text.h"
#include "common/url.h"

namespace bisk {
namespace {

using Errors = std::vector<FieldError>;

constexpr size_t kMaxNameChars = 120;
constexpr size_t kMaxUrlChars = 2000;
constexpr size_t kMaxStudentCodeChars = 64;
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;
// sched_setaffinity's cpu_set_t holds CPUs 0..1023.
constexpr int kMaxCpu = 1023;

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n\f\v") - first + 1);
}

// Names are shown to people, so their limit counts characters (UTF-8 code points), not bytes.
size_t count_chars(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

void check_length(Errors& errors, const std::string& field, std::string_view value, size_t max_chars) {
  const size_t chars = count_chars(value);
  if (chars > max_chars) {
    errors.push_back(
        {field, "must be at most " + std::to_string(max_chars) + " characters (got " + std::to_string(chars) + ")"});
  }
}

void check_name(Errors& errors, const std::string& field, std::string_view value) {
  if (trim(value).empty()) {
    errors.push_back({field, "must not be empty"});
    return;
  }
  check_length(errors, field, value, kMaxNameChars);
}

void check_one_of(Errors& errors, const std::string& field, std::string_view value,
                  std::initializer_list<std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (std::string_view option : allowed) {
    if (!list.empty()) list += ", ";
    list += option;
  }
  errors.push_back({field, "must be one of " + list + " (got " + quoted(value) + ")"});
}

void check_range(Errors& errors, const std::string& field, long long value, long long min, long long max) {
  if (value >= min && value <= max) return;
  errors.push_back({field, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (got " +
                               std::to_string(value) + ")"});
}

// Frame rates: zero would mean "never", and NaN compares false with everything.
void check_rate(Errors& errors, const std::string& field, double value, double max) {
  if (std::isfinite(value) && value > 0 && value <= max) return;
  errors.push_back(
      {field, "must be greater than 0 and at most " + format_number(max) + " (got " + format_number(value) + ")"});
}

void check_fraction(Errors& errors, const std::string& field, double value) {
  if (std::isfinite(value) && value >= 0 && value <= 1) return;
  errors.push_back({field, "must be between 0 and 1 (got " + format_number(value) + ")"});
}

bool is_identifier(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

void check_identifier(Errors& errors, const std::string& field, std::string_view value) {
  if (value.empty()) {
    errors.push_back({field, "must not be empty"});
  } else if (!is_identifier(value)) {
    errors.push_back({field, "may contain only letters, digits, '.', '_' and '-' (got " + quoted(value) + ")"});
  }
}

bool is_minute_of_day(int minute) { return minute >= 0 && minute < kMinutesPerDay; }

void check_minute_of_day(Errors& errors, const std::string& field, int minute) {
  if (is_minute_of_day(minute)) return;
  errors.push_back(
      {field, "must be a time of day between 0 and 1439 minutes after midnight (got " + std::to_string(minute) + ")"});
}

bool is_well_formed(const ScheduleWindow& window) {
  return window.day_of_week >= 0 && window.day_of_week <= 6 && is_minute_of_day(window.start_minute) &&
         is_minute_of_day(window.end_minute);
}

void check_camera_url(Errors& errors, std::string_view url) {
  if (url.empty()) {
    errors.push_back({"url", "must not be empty"});
    return;
  }
  if (url.size() > kMaxUrlChars) {
    errors.push_back({"url", "must be at most " + std::to_string(kMaxUrlChars) + " characters (got " +
                                 std::to_string(url.size()) + ")"});
    return;
  }
  // The URL itself is never echoed: it may hold a password.
  const std::string scheme = url_scheme(url);
  static constexpr std::array<std::string_view, 5> kSchemes = {"rtsp", "rtsps", "http", "https", "file"};
  if (std::find(kSchemes.begin(), kSchemes.end(), scheme) == kSchemes.end()) {
    errors.push_back({"url", "must start with rtsp://, rtsps://, http://, https:// or file:// (got " +
                                 (scheme.empty() ? std::string("no scheme") : "scheme " + quoted(scheme)) + ")"});
  } else if (url.size() == scheme.size() + 3) {
    errors.push_back({"url", "must name a host or a file after '" + scheme + "://'"});
  }
}

bool parse_cpu_number(std::string_view digits, int& out) {
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  return std::from_chars(digits.data(), digits.data() + digits.size(), out).ec == std::errc();
}

// What is wrong with one item ("3" or "2-5") of the CPU list `text`; empty when nothing is.
std::string cpu_item_problem(std::string_view item, std::string_view text) {
  const size_t dash = item.find('-');
  const std::string_view low_text = item.substr(0, dash);
  const std::string_view high_text = dash == std::string_view::npos ? low_text : item.substr(dash + 1);
  int low = 0, high = 0;
  if (!parse_cpu_number(low_text, low) || !parse_cpu_number(high_text, high)) {
    return "must be CPU numbers and ranges such as '0,2-3' (got " + quoted(text) + ")";
  }
  if (low > high) return "range " + quoted(item) + " must ascend";
  if (high > kMaxCpu) {
    return "CPU numbers must be between 0 and " + std::to_string(kMaxCpu) + " (got " + std::to_string(high) + ")";
  }
  return "";
}

// "0,2-3": CPU numbers and ascending ranges, comma-separated, no spaces.
void check_cpu_affinity(Errors& errors, std::string_view text) {
  size_t pos = 0;
  while (true) {
    const size_t comma = text.find(',', pos);
    if (std::string problem = cpu_item_problem(text.substr(pos, comma - pos), text); !problem.empty()) {
      errors.push_back({"cpu_affinity", problem});
      return;
    }
    if (comma == std::string_view::npos) return;
    pos = comma + 1;
  }
}

void check_windows(Errors& errors, const std::vector<ScheduleWindow>& windows) {
  for (size_t i = 0; i < windows.size(); ++i) {
    const ScheduleWindow& window = windows[i];
    const std::string prefix = "windows[" + std::to_string(i) + "].";
    if (window.day_of_week < 0 || window.day_of_week > 6) {
      errors.push_back({prefix + "day_of_week",
                        "must be between 0 (Monday) and 6 (Sunday) (got " + std::to_string(window.day_of_week) + ")"});
    }
    check_minute_of_day(errors, prefix + "start", window.start_minute);
    check_minute_of_day(errors, prefix + "end", window.end_minute);
    if (window.profile_id <= 0) {
      errors.push_back({prefix + "profile_id", "must name a profile (got " + std::to_string(window.profile_id) + ")"});
    }
  }
}

void check_exceptions(Errors& errors, const std::vector<ScheduleException>& exceptions) {
  for (size_t i = 0; i < exceptions.size(); ++i) {
    const ScheduleException& exception = exceptions[i];
    const std::string prefix = "exceptions[" + std::to_string(i) + "].";
    if (exception.mode != "off") {
      errors.push_back({prefix + "mode", "only 'off' is supported (got " + quoted(exception.mode) + ")"});
    }
    if (!exception.date.ok()) {
      errors.push_back({prefix + "date", "must be a valid date"});
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      if (exceptions[j].date == exception.date) {
        errors.push_back({prefix + "date",
                          "duplicates exceptions[" + std::to_string(j) + "] (" + format_date(exception.date) + ")"});
        break;
      }
    }
  }
}

struct WeekRange {
  int begin;  // minutes since Monday 00:00
  int end;    // exclusive
};

// The minutes of the week a window covers. Its after-midnight part belongs to the
// next day; past Sunday midnight it wraps to Monday, giving two ranges.
std::vector<WeekRange> week_ranges(const ScheduleWindow& window) {
  const int day_begin = window.day_of_week * kMinutesPerDay;
  WeekRange range{day_begin, day_begin + kMinutesPerDay};  // start == end: the whole day
  if (window.start_minute < window.end_minute) {
    range = {day_begin + window.start_minute, day_begin + window.end_minute};
  } else if (window.start_minute > window.end_minute) {
    range = {day_begin + window.start_minute, day_begin + kMinutesPerDay + window.end_minute};
  }
  if (range.end <= kMinutesPerWeek) return {range};
  return {{range.begin, kMinutesPerWeek}, {0, range.end - kMinutesPerWeek}};
}

bool overlap(const std::vector<WeekRange>& a, const std::vector<WeekRange>& b) {
  for (const WeekRange& x : a) {
    for (const WeekRange& y : b) {
      if (x.begin < y.end && y.begin < x.end) return true;
    }
  }
  return false;
}

std::string window_label(size_t index, const ScheduleWindow& window) {
  return "windows[" + std::to_string(index) + "] (" + describe_window(window) + ")";
}

}  // namespace

std::vector<FieldError> validate(const Camera& camera) {
  Errors errors;
  check_name(errors, "name", camera.name);
  check_camera_url(errors, camera.url);
  check_one_of(errors, "rtsp_transport", camera.rtsp_transport, {"auto", "tcp", "udp"});
  if (camera.node) check_identifier(errors, "node", *camera.node);
  return errors;
}

std::vector<FieldError> validate(const StreamProfile& profile) {
  Errors errors;
  check_name(errors, "name", profile.name);
  check_rate(errors, "fps", profile.fps, 60);
  check_one_of(errors, "det_set", profile.det_set, {"auto", "320", "480", "640", "800", "1024"});
  check_one_of(errors, "rtsp_transport", profile.rtsp_transport, {"inherit", "auto", "tcp", "udp"});
  check_range(errors, "hb_interval", profile.hb_interval, 1, 3600);
  check_range(errors, "snapshot_every", profile.snapshot_every, 1, 86400);
  check_fraction(errors, "min_score", profile.min_score);
  check_range(errors, "min_face_px", profile.min_face_px, 8, 4096);
  return errors;
}

std::vector<FieldError> validate(const SchedulePolicy& policy) {
  Errors errors;
  check_name(errors, "name", policy.name);
  check_windows(errors, policy.windows);
  check_exceptions(errors, policy.exceptions);
  Errors overlaps = find_window_overlaps(policy.windows);
  errors.insert(errors.end(), overlaps.begin(), overlaps.end());
  return errors;
}

std::vector<FieldError> validate(const PeriodTemplate& period_template) {
  Errors errors;
  check_name(errors, "name", period_template.name);
  check_minute_of_day(errors, "start", period_template.start_minute);
  check_minute_of_day(errors, "end", period_template.end_minute);
  if (period_template.start_minute == period_template.end_minute) {
    errors.push_back({"end", "must differ from start (got both " + format_hhmm(period_template.end_minute) + ")"});
  }
  if (period_template.weekdays.empty()) errors.push_back({"weekdays", "must include at least one day"});
  check_range(errors, "early_grace_minutes", period_template.early_grace_minutes, 0, 720);
  check_range(errors, "late_grace_minutes", period_template.late_grace_minutes, 0, 720);
  return errors;
}

std::vector<FieldError> validate(const ResourceSettings& settings) {
  Errors errors;
  if (settings.device) check_one_of(errors, "device", *settings.device, {"cpu", "cuda"});
  if (settings.gpu_index) check_range(errors, "gpu_index", *settings.gpu_index, 0, 63);
  if (settings.hwaccel) check_one_of(errors, "hwaccel", *settings.hwaccel, {"none", "cuda"});
  if (settings.cpu_nice) check_range(errors, "cpu_nice", *settings.cpu_nice, -20, 19);
  if (settings.cpu_affinity) check_cpu_affinity(errors, *settings.cpu_affinity);
  if (settings.max_fps) check_rate(errors, "max_fps", *settings.max_fps, 60);
  if (settings.det_set_max)
    check_one_of(errors, "det_set_max", *settings.det_set_max, {"320", "480", "640", "800", "1024"});
  if (settings.min_face_px) check_range(errors, "min_face_px", *settings.min_face_px, 8, 4096);
  if (settings.crop_format) check_one_of(errors, "crop_format", *settings.crop_format, {"jpg", "png"});
  if (settings.crop_quality) check_range(errors, "crop_quality", *settings.crop_quality, 1, 100);
  return errors;
}

std::vector<FieldError> validate(const Student& student) {
  Errors errors;
  check_identifier(errors, "code", student.code);
  check_length(errors, "code", student.code, kMaxStudentCodeChars);
  check_length(errors, "first_name", student.first_name, kMaxNameChars);
  check_length(errors, "last_name", student.last_name, kMaxNameChars);
  return errors;
}

std::vector<FieldError> find_window_overlaps(const std::vector<ScheduleWindow>& windows) {
  // Malformed windows have their own errors; they cannot be placed in the week.
  std::vector<std::vector<WeekRange>> ranges;
  for (const ScheduleWindow& window : windows) {
    ranges.push_back(is_well_formed(window) ? week_ranges(window) : std::vector<WeekRange>{});
  }
  Errors errors;
  for (size_t j = 0; j < windows.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      if (overlap(ranges[i], ranges[j])) {
        errors.push_back({"windows", window_label(i, windows[i]) + " overlaps " + window_label(j, windows[j])});
      }
    }
  }
  return errors;
}

std::string describe_window(const ScheduleWindow& window) {
  if (window.day_of_week < 0 || window.day_of_week > 6) return "day " + std::to_string(window.day_of_week);
  const std::string day(weekday_name(window.day_of_week));
  if (window.start_minute == window.end_minute) return day + " (whole day)";
  std::string text = day + " " + format_hhmm(window.start_minute) + "–";
  if (window.end_minute < window.start_minute) text += std::string(weekday_name((window.day_of_week + 1) % 7)) + " ";
  return text + format_hhmm(window.end_minute);
}

std::string join_errors(const std::vector<FieldError>& errors) {
  std::string joined;
  for (const FieldError& error : errors) {
    if (!joined.empty()) joined += "; ";
    joined += error.field + ": " + error.message;
  }
  return joined;
}

}  // namespace bisk
