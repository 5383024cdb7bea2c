#include "common/time.h"

#include <gtest/gtest.h>

namespace bisk {
namespace {

using date::days;
using date::sys_days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

LocalDate ymd(int y, unsigned m, unsigned d) { return LocalDate{date::year(y), date::month(m), date::day(d)}; }

Instant utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0, int ms = 0) {
  return Instant(sys_days(ymd(y, m, d))) + hours(hh) + minutes(mm) + std::chrono::seconds(ss) + milliseconds(ms);
}

TimeZone zone(const char* name) {
  TimeZone z = find_time_zone(name);
  EXPECT_NE(z, nullptr) << name;
  return z;
}

TEST(EpochMsTest, RoundTrips) {
  EXPECT_EQ(to_epoch_ms(from_epoch_ms(1'700'000'000'123)), 1'700'000'000'123);
  EXPECT_EQ(to_epoch_ms(utc(1970, 1, 1, 0, 0, 1)), 1000);
  EXPECT_EQ(from_epoch_ms(-1), utc(1969, 12, 31, 23, 59, 59, 999));
}

TEST(NowInstantTest, IsRecent) { EXPECT_GT(now_instant(), utc(2024, 1, 1, 0, 0)); }

TEST(ParseInstantTest, AcceptsZuluAndOffsets) {
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00Z"), utc(2026, 3, 29, 1, 30));
  EXPECT_EQ(parse_instant("2026-03-29t01:30:00z"), utc(2026, 3, 29, 1, 30));
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00+01:00"), utc(2026, 3, 29, 0, 30));
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00-05:30"), utc(2026, 3, 29, 7, 0));
  EXPECT_EQ(parse_instant("2026-01-01T00:15:00+03:00"), utc(2025, 12, 31, 21, 15));
  EXPECT_EQ(parse_instant("2026-03-29 01:30:00Z"), utc(2026, 3, 29, 1, 30));
}

TEST(ParseInstantTest, SecondsAreOptional) {
  EXPECT_EQ(parse_instant("2026-03-29T01:30Z"), utc(2026, 3, 29, 1, 30));
  EXPECT_EQ(parse_instant("2026-03-29T01:30+02:00"), utc(2026, 3, 28, 23, 30));
}

TEST(ParseInstantTest, FractionalSecondsKeepMilliseconds) {
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00.5Z"), utc(2026, 3, 29, 1, 30, 0, 500));
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00.05Z"), utc(2026, 3, 29, 1, 30, 0, 50));
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00.123Z"), utc(2026, 3, 29, 1, 30, 0, 123));
  // Digits beyond milliseconds are truncated, not rounded.
  EXPECT_EQ(parse_instant("2026-03-29T01:30:00.123999+00:00"), utc(2026, 3, 29, 1, 30, 0, 123));
}

TEST(ParseInstantTest, RejectsMalformedText) {
  for (const char* text : {
           "",
           "2026-03-29T01:30:00",         // no offset: not an instant
           "2026-03-29",                  // a date is not an instant
           "2026-02-30T10:00:00Z",        // no such day
           "2026-13-01T10:00:00Z",        // no such month
           "2026-03-29T24:00:00Z",        // hour out of range
           "2026-03-29T23:60:00Z",        // minute out of range
           "2026-03-29T23:59:60Z",        // second out of range
           "2026-03-29T01:30:00.Z",       // a dot without digits
           "2026-03-29T01:30:00+0100",    // offset without a colon
           "2026-03-29T01:30:00+24:00",   // offset hour out of range
           "2026-03-29T01:30:00+01:60",   // offset minute out of range
           "2026-03-29T01:30:00Zjunk",    // trailing text
           "2026-03-29X01:30:00Z",        // bad separator
           "2026-03-29T1:30:00Z",         // one-digit hour
           "2026-03-29T01:30:Z",          // a colon without seconds
           "2026-03-29T01:30:00 +01:00",  // space before the offset
       }) {
    EXPECT_EQ(parse_instant(text), std::nullopt) << text;
  }
}

TEST(FormatInstantTest, UtcWithZ) {
  EXPECT_EQ(format_instant(utc(2026, 3, 29, 1, 30)), "2026-03-29T01:30:00Z");
  EXPECT_EQ(format_instant(utc(2026, 3, 29, 1, 30, 5, 250)), "2026-03-29T01:30:05.250Z");
}

TEST(FormatInstantTest, ZoneWithOffset) {
  EXPECT_EQ(format_instant(utc(2026, 3, 29, 0, 30), zone("Europe/Berlin")), "2026-03-29T01:30:00+01:00");
  EXPECT_EQ(format_instant(utc(2026, 3, 29, 1, 30), zone("Europe/Berlin")), "2026-03-29T03:30:00+02:00");
  EXPECT_EQ(format_instant(utc(2026, 3, 29, 1, 30, 0, 7), zone("Asia/Baghdad")), "2026-03-29T04:30:00.007+03:00");
  EXPECT_EQ(format_instant(utc(2026, 11, 1, 5, 30), zone("America/New_York")), "2026-11-01T01:30:00-04:00");
  EXPECT_EQ(format_instant(utc(2026, 11, 1, 6, 30), zone("America/New_York")), "2026-11-01T01:30:00-05:00");
}

TEST(FormatInstantTest, RoundTripsThroughParse) {
  for (TimeZone z : {static_cast<TimeZone>(nullptr), zone("Europe/Berlin"), zone("America/New_York")}) {
    for (Instant t : {utc(2026, 3, 29, 1, 0), utc(2026, 11, 1, 5, 59, 59, 999), utc(2000, 2, 29, 12, 0, 0, 1)}) {
      EXPECT_EQ(parse_instant(format_instant(t, z)), t) << format_instant(t, z);
    }
  }
}

TEST(ParseDateTest, ValidatesTheCalendar) {
  EXPECT_EQ(parse_date("2026-02-28"), ymd(2026, 2, 28));
  EXPECT_EQ(parse_date("2028-02-29"), ymd(2028, 2, 29));
  EXPECT_EQ(parse_date("2026-02-29"), std::nullopt);
  EXPECT_EQ(parse_date("2026-02-30"), std::nullopt);
  EXPECT_EQ(parse_date("2026-04-31"), std::nullopt);
  EXPECT_EQ(parse_date("2026-00-10"), std::nullopt);
  EXPECT_EQ(parse_date("2026-01-00"), std::nullopt);
  EXPECT_EQ(parse_date("2026-1-01"), std::nullopt);
  EXPECT_EQ(parse_date("2026/01/01"), std::nullopt);
  EXPECT_EQ(parse_date("2026-01-01x"), std::nullopt);
  EXPECT_EQ(parse_date("+026-01-01"), std::nullopt);
}

TEST(FormatDateTest, PadsFields) {
  EXPECT_EQ(format_date(ymd(2026, 3, 9)), "2026-03-09");
  EXPECT_EQ(format_date(*parse_date("2026-12-25")), "2026-12-25");
}

TEST(HhmmTest, ParsesTheWholeDayAndNothingElse) {
  EXPECT_EQ(parse_hhmm("00:00"), 0);
  EXPECT_EQ(parse_hhmm("08:05"), 485);
  EXPECT_EQ(parse_hhmm("23:59"), 1439);
  EXPECT_EQ(parse_hhmm("24:00"), std::nullopt);
  EXPECT_EQ(parse_hhmm("12:60"), std::nullopt);
  EXPECT_EQ(parse_hhmm("8:05"), std::nullopt);
  EXPECT_EQ(parse_hhmm("08:5"), std::nullopt);
  EXPECT_EQ(parse_hhmm("08.05"), std::nullopt);
  EXPECT_EQ(parse_hhmm("-1:00"), std::nullopt);
  EXPECT_EQ(parse_hhmm(""), std::nullopt);
}

TEST(HhmmTest, Formats) {
  EXPECT_EQ(format_hhmm(0), "00:00");
  EXPECT_EQ(format_hhmm(485), "08:05");
  EXPECT_EQ(format_hhmm(1439), "23:59");
  EXPECT_EQ(format_hhmm(1440), "24:00");
}

TEST(WeekdayTest, ParsesNumbersNamesAndAbbreviations) {
  EXPECT_EQ(parse_weekday("0"), 0);
  EXPECT_EQ(parse_weekday("6"), 6);
  EXPECT_EQ(parse_weekday("7"), std::nullopt);
  EXPECT_EQ(parse_weekday("Monday"), 0);
  EXPECT_EQ(parse_weekday("sunday"), 6);
  EXPECT_EQ(parse_weekday("WED"), 2);
  EXPECT_EQ(parse_weekday("thu"), 3);
  EXPECT_EQ(parse_weekday("Sa"), std::nullopt);
  EXPECT_EQ(parse_weekday("Mondays"), std::nullopt);
  EXPECT_EQ(parse_weekday(""), std::nullopt);
}

TEST(WeekdayTest, NamesAndWeekdayOfDate) {
  EXPECT_EQ(weekday_name(0), "Mon");
  EXPECT_EQ(weekday_name(6), "Sun");
  EXPECT_EQ(weekday_of(ymd(2026, 3, 2)), 0);  // a Monday
  EXPECT_EQ(weekday_of(ymd(2026, 3, 8)), 6);  // a Sunday
  EXPECT_EQ(weekday_of(ymd(2026, 12, 25)), 4);
}

TEST(AddDaysTest, CrossesMonthsAndYears) {
  EXPECT_EQ(add_days(ymd(2026, 2, 28), 1), ymd(2026, 3, 1));
  EXPECT_EQ(add_days(ymd(2026, 12, 31), 1), ymd(2027, 1, 1));
  EXPECT_EQ(add_days(ymd(2026, 3, 1), -1), ymd(2026, 2, 28));
  EXPECT_EQ(add_days(ymd(2026, 3, 1), 0), ymd(2026, 3, 1));
}

TEST(TimeZoneTest, FindsIanaZones) {
  EXPECT_NE(find_time_zone("Asia/Baghdad"), nullptr);
  EXPECT_NE(find_time_zone("UTC"), nullptr);
  EXPECT_EQ(find_time_zone("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(find_time_zone(""), nullptr);
  EXPECT_NE(system_time_zone(), nullptr);
}

TEST(ToLocalTest, ConvertsAcrossOffsetsAndDays) {
  const auto berlin = zone("Europe/Berlin");
  auto local = to_local(utc(2026, 3, 28, 23, 30), berlin);
  EXPECT_EQ(local.date, ymd(2026, 3, 29));
  EXPECT_EQ(local.minute_of_day, 30);
  local = to_local(utc(2026, 3, 29, 1, 0), berlin);  // the first instant of summer time
  EXPECT_EQ(local.minute_of_day, 3 * 60);
  local = to_local(utc(2026, 3, 29, 0, 59, 59, 999), berlin);  // the last of winter time
  EXPECT_EQ(local.minute_of_day, 60 + 59);
  const auto new_york = zone("America/New_York");
  local = to_local(utc(2026, 1, 1, 4, 59), new_york);
  EXPECT_EQ(local.date, ymd(2025, 12, 31));
  EXPECT_EQ(local.minute_of_day, 23 * 60 + 59);
  local = to_local(utc(1969, 12, 31, 23, 59, 30), zone("UTC"));
  EXPECT_EQ(local.date, ymd(1969, 12, 31));
  EXPECT_EQ(local.minute_of_day, 1439);
}

TEST(LocalToInstantTest, PlainTimesIgnoreAmbiguity) {
  const auto baghdad = zone("Asia/Baghdad");
  EXPECT_EQ(local_to_instant(ymd(2026, 6, 1), 8 * 60, baghdad, Ambiguity::kEarliest), utc(2026, 6, 1, 5, 0));
  EXPECT_EQ(local_to_instant(ymd(2026, 6, 1), 8 * 60, baghdad, Ambiguity::kLatest), utc(2026, 6, 1, 5, 0));
  EXPECT_EQ(local_to_instant(ymd(2026, 6, 1), 1440, baghdad, Ambiguity::kLatest), utc(2026, 6, 1, 21, 0));
}

TEST(LocalToInstantTest, SpringForwardGapMapsToItsEnd) {
  const auto berlin = zone("Europe/Berlin");  // 2026-03-29 02:00 → 03:00
  for (auto ambiguity : {Ambiguity::kEarliest, Ambiguity::kLatest}) {
    EXPECT_EQ(local_to_instant(ymd(2026, 3, 29), 2 * 60, berlin, ambiguity), utc(2026, 3, 29, 1, 0));
    EXPECT_EQ(local_to_instant(ymd(2026, 3, 29), 2 * 60 + 30, berlin, ambiguity), utc(2026, 3, 29, 1, 0));
    EXPECT_EQ(local_to_instant(ymd(2026, 3, 29), 3 * 60, berlin, ambiguity), utc(2026, 3, 29, 1, 0));
  }
  EXPECT_EQ(local_to_instant(ymd(2026, 3, 29), 60 + 59, berlin, Ambiguity::kLatest), utc(2026, 3, 29, 0, 59));
  const auto new_york = zone("America/New_York");  // 2026-03-08 02:00 → 03:00
  EXPECT_EQ(local_to_instant(ymd(2026, 3, 8), 2 * 60 + 15, new_york, Ambiguity::kEarliest), utc(2026, 3, 8, 7, 0));
}

TEST(LocalToInstantTest, FallBackOverlapChoosesByAmbiguity) {
  const auto berlin = zone("Europe/Berlin");  // 2026-10-25 03:00 → 02:00
  EXPECT_EQ(local_to_instant(ymd(2026, 10, 25), 2 * 60 + 30, berlin, Ambiguity::kEarliest), utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(local_to_instant(ymd(2026, 10, 25), 2 * 60 + 30, berlin, Ambiguity::kLatest), utc(2026, 10, 25, 1, 30));
  const auto new_york = zone("America/New_York");  // 2026-11-01 02:00 → 01:00
  EXPECT_EQ(local_to_instant(ymd(2026, 11, 1), 60, new_york, Ambiguity::kEarliest), utc(2026, 11, 1, 5, 0));
  EXPECT_EQ(local_to_instant(ymd(2026, 11, 1), 60, new_york, Ambiguity::kLatest), utc(2026, 11, 1, 6, 0));
}

}  // namespace
}  // namespace bisk
