#include "cli/value_parsers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/cli_error.h"

namespace bisk {
namespace {

using ::testing::HasSubstr;

std::string usage_message(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ValueParsersTest, Booleans) {
  for (const char* yes : {"1", "true", "TRUE", "yes", "on"}) EXPECT_TRUE(parse_bool_flag("f", yes)) << yes;
  for (const char* no : {"0", "false", "No", "off"}) EXPECT_FALSE(parse_bool_flag("f", no)) << no;
  EXPECT_THAT(usage_message([] { parse_bool_flag("is_active", "maybe"); }),
              HasSubstr("--is_active: 'maybe' is not a boolean"));
}

TEST(ValueParsersTest, NumbersRejectTrailingGarbageAndNonFinite) {
  EXPECT_EQ(parse_int_flag("n", "42"), 42);
  EXPECT_EQ(parse_int_flag("n", "-3"), -3);
  EXPECT_THROW(parse_int_flag("n", "4x"), UsageError);
  EXPECT_THROW(parse_int_flag("n", ""), UsageError);
  EXPECT_THROW(parse_int_flag("n", "99999999999"), UsageError);
  EXPECT_DOUBLE_EQ(parse_double_flag("fps", "2.5"), 2.5);
  EXPECT_THROW(parse_double_flag("fps", "nan"), UsageError);
  EXPECT_THROW(parse_double_flag("fps", "inf"), UsageError);
  EXPECT_THROW(parse_double_flag("fps", "1.5.2"), UsageError);
}

TEST(ValueParsersTest, IdsArePositiveAndListsSortedUnique) {
  EXPECT_EQ(parse_id_flag("id", "7"), 7);
  EXPECT_THROW(parse_id_flag("id", "0"), UsageError);
  EXPECT_THROW(parse_id_flag("id", "-1"), UsageError);
  EXPECT_EQ(parse_id_list_flag("camera_ids", "3,1,3,2"), (std::vector<Id>{1, 2, 3}));
  EXPECT_TRUE(parse_id_list_flag("camera_ids", "").empty());
  EXPECT_THAT(usage_message([] { parse_id_list_flag("camera_ids", "1,,2"); }), HasSubstr("list of ids"));
}

TEST(ValueParsersTest, TimesDatesAndInstants) {
  EXPECT_EQ(parse_hhmm_flag("start", "08:30"), 510);
  EXPECT_THROW(parse_hhmm_flag("start", "24:00"), UsageError);
  EXPECT_THROW(parse_hhmm_flag("start", "8:30"), UsageError);
  EXPECT_EQ(format_date(parse_date_flag("date", "2028-02-29")), "2028-02-29");
  EXPECT_THROW(parse_date_flag("date", "2026-02-29"), UsageError);
  EXPECT_EQ(to_epoch_ms(parse_instant_flag("at", "1970-01-01T01:00:00+01:00")), 0);
  EXPECT_THAT(usage_message([] { parse_instant_flag("at", "2026-11-27T10:00:00"); }), HasSubstr("with an offset"));
}

TEST(ValueParsersTest, WeekdayListsAndRanges) {
  EXPECT_EQ(parse_weekdays_flag("weekdays", "mon-fri").mask(), 0x1f);
  EXPECT_EQ(parse_weekdays_flag("weekdays", "sat,sun").to_list(), (std::vector<int>{5, 6}));
  EXPECT_EQ(parse_weekdays_flag("weekdays", "0,2,4").to_list(), (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(parse_weekdays_flag("weekdays", "Monday-Wednesday").to_list(), (std::vector<int>{0, 1, 2}));
  EXPECT_THROW(parse_weekdays_flag("weekdays", "fri-mon"), UsageError);  // ranges do not wrap
  EXPECT_THROW(parse_weekdays_flag("weekdays", "funday"), UsageError);
  EXPECT_THROW(parse_weekdays_flag("weekdays", ""), UsageError);
}

}  // namespace
}  // namespace bisk
