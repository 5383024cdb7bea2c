// Instants, local calendar dates and wall-clock minutes: the vocabulary every
// component uses for time. Instants are stored; wall-clock values are only ever
// interpreted in an explicit IANA zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

namespace bisk {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using LocalDate = date::year_month_day;
using TimeZone = const date::time_zone*;

inline constexpr int kMinutesPerDay = 24 * 60;

Instant now_instant();
std::int64_t to_epoch_ms(Instant instant);
Instant from_epoch_ms(std::int64_t epoch_ms);

// ISO-8601 with an explicit offset: "2026-03-29T01:30:00+01:00" or "...Z".
// A string without an offset is rejected: an instant needs one.
std::optional<Instant> parse_instant(std::string_view text);
// Formats in `zone` with its offset, or in UTC with "Z" when zone is null.
std::string format_instant(Instant instant, TimeZone zone = nullptr);

// "YYYY-MM-DD", validated (no 2026-02-30).
std::optional<LocalDate> parse_date(std::string_view text);
std::string format_date(LocalDate date);

// "HH:MM" (00:00..23:59) to minutes since midnight.
std::optional<int> parse_hhmm(std::string_view text);
std::string format_hhmm(int minute_of_day);

// "0".."6" (0 = Monday) or an English day name or its 3-letter abbreviation.
std::optional<int> parse_weekday(std::string_view text);
std::string_view weekday_name(int day_of_week);  // "Mon".."Sun"
int weekday_of(LocalDate date);                  // 0 = Monday .. 6 = Sunday
LocalDate add_days(LocalDate date, int days);

// Looks up an IANA zone name; null when the zone does not exist.
TimeZone find_time_zone(std::string_view name);
// The zone of this machine (/etc/localtime), UTC when it cannot be determined.
TimeZone system_time_zone();

struct LocalDateTime {
  LocalDate date;
  int minute_of_day = 0;  // 0..1439
};
LocalDateTime to_local(Instant instant, TimeZone zone);

// How a wall-clock time that occurs twice (DST fall-back) is resolved. A time
// inside a spring-forward gap always maps to the instant the gap ends.
enum class Ambiguity { kEarliest, kLatest };
// The instant at which wall clocks in `zone` show `date` + `minute_of_day`
// (minute_of_day may be 1440: midnight at the end of `date`).
Instant local_to_instant(LocalDate date, int minute_of_day, TimeZone zone, Ambiguity ambiguity);

}  // namespace bisk
