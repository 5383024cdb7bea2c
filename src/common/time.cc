#include "common/time.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace bisk {
namespace {

bool parse_fixed_int(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return ec == std::errc() && ptr == text.data() + pos + len;
}

constexpr std::array<std::string_view, 7> kDayNames = {"monday", "tuesday",  "wednesday", "thursday",
                                                       "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kDayShort = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

}  // namespace

Instant now_instant() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t to_epoch_ms(Instant instant) { return instant.time_since_epoch().count(); }

Instant from_epoch_ms(std::int64_t epoch_ms) { return Instant(std::chrono::milliseconds(epoch_ms)); }

std::optional<Instant> parse_instant(std::string_view text) {
  // YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM); a space may replace the T.
  if (text.size() < 17) return std::nullopt;
  auto date = parse_date(text.substr(0, 10));
  if (!date || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  int hour = 0, minute = 0, second = 0, millis = 0;
  if (!parse_fixed_int(text, 11, 2, hour) || text[13] != ':' || !parse_fixed_int(text, 14, 2, minute)) {
    return std::nullopt;
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!parse_fixed_int(text, pos + 1, 2, second)) return std::nullopt;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      size_t digits = 0;
      ++pos;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 3; ++digits) millis *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int offset_minutes = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (!parse_fixed_int(zone, 1, 2, oh) || !parse_fixed_int(zone, 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  auto local = date::sys_days(*date) + hours(hour) + minutes(minute) + seconds(second) + milliseconds(millis);
  return time_point_cast<milliseconds>(local - minutes(offset_minutes));
}

std::string format_instant(Instant instant, TimeZone zone) {
  using namespace std::chrono;
  const bool whole_seconds = instant.time_since_epoch() % seconds(1) == milliseconds(0);
  if (zone == nullptr) {
    if (whole_seconds) return date::format("%FT%TZ", time_point_cast<seconds>(instant));
    return date::format("%FT%TZ", instant);
  }
  if (whole_seconds) return date::format("%FT%T%Ez", date::make_zoned(zone, time_point_cast<seconds>(instant)));
  return date::format("%FT%T%Ez", date::make_zoned(zone, instant));
}

std::optional<LocalDate> parse_date(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!parse_fixed_int(text, 0, 4, y) || !parse_fixed_int(text, 5, 2, m) || !parse_fixed_int(text, 8, 2, d)) {
    return std::nullopt;
  }
  LocalDate date{date::year(y), date::month(static_cast<unsigned>(m)), date::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_date(LocalDate date) { return date::format("%F", date::sys_days(date)); }

std::optional<int> parse_hhmm(std::string_view text) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' || !parse_fixed_int(text, 0, 2, h) || !parse_fixed_int(text, 3, 2, m)) {
    return std::nullopt;
  }
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string format_hhmm(int minute_of_day) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute_of_day / 60 % 100, minute_of_day % 60);
  return buf;
}

std::optional<int> parse_weekday(std::string_view text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '6') return text[0] - '0';
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (int i = 0; i < 7; ++i) {
    if (lower == kDayNames[i] || (lower.size() == 3 && kDayNames[i].substr(0, 3) == lower)) return i;
  }
  return std::nullopt;
}

std::string_view weekday_name(int day_of_week) { return kDayShort.at(static_cast<size_t>(day_of_week)); }

int weekday_of(LocalDate date) {
  // date::weekday counts from Sunday = 0; BISK counts from Monday = 0.
  return static_cast<int>((date::weekday(date::sys_days(date)).c_encoding() + 6) % 7);
}

LocalDate add_days(LocalDate date, int days) { return LocalDate(date::sys_days(date) + date::days(days)); }

TimeZone find_time_zone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return nullptr;
  }
}

TimeZone system_time_zone() {
  try {
    return date::current_zone();
  } catch (const std::exception&) {
    return date::locate_zone("UTC");
  }
}

LocalDateTime to_local(Instant instant, TimeZone zone) {
  using namespace std::chrono;
  auto local = zone->to_local(instant);
  auto day = date::floor<date::days>(local);
  auto minute = duration_cast<minutes>(local - day).count();
  return LocalDateTime{LocalDate(date::sys_days(day.time_since_epoch())), static_cast<int>(minute)};
}

Instant local_to_instant(LocalDate date, int minute_of_day, TimeZone zone, Ambiguity ambiguity) {
  using namespace std::chrono;
  auto local = date::local_days(date::sys_days(date).time_since_epoch()) + minutes(minute_of_day);
  auto choice = ambiguity == Ambiguity::kEarliest ? date::choose::earliest : date::choose::latest;
  return time_point_cast<milliseconds>(zone->to_sys(local, choice));
}

}  // namespace bisk
