// Shorthands for the schedule component's tests.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "common/time.h"
#include "domain/entities.h"

namespace bisk::testing_support {

inline LocalDate ymd(int y, unsigned m, unsigned d) { return LocalDate{date::year(y), date::month(m), date::day(d)}; }

// "2026-03-02T08:00:00+03:00" → the instant; tests spell instants with their offset.
inline Instant instant(std::string_view iso) {
  const auto parsed = parse_instant(iso);
  if (!parsed) throw std::invalid_argument("bad instant in test: " + std::string(iso));
  return *parsed;
}

inline int hhmm(std::string_view text) {
  const auto parsed = parse_hhmm(text);
  if (!parsed) throw std::invalid_argument("bad time in test: " + std::string(text));
  return *parsed;
}

inline TimeZone zone(const char* name) {
  const TimeZone found = find_time_zone(name);
  if (!found) throw std::invalid_argument(std::string("unknown zone in test: ") + name);
  return found;
}

inline ScheduleWindow window(int day_of_week, std::string_view start, std::string_view end, Id profile_id = 1) {
  return ScheduleWindow{.id = 0,
                        .day_of_week = day_of_week,
                        .start_minute = hhmm(start),
                        .end_minute = hhmm(end),
                        .profile_id = profile_id};
}

inline constexpr std::chrono::milliseconds kOneMs{1};

}  // namespace bisk::testing_support
