#include "schedule/occurrence_roll.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedule/schedule_test_support.h"

namespace bisk {
namespace {

using namespace testing_support;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

PeriodTemplate period(Id id, std::string_view start, std::string_view end, int order = 0) {
  PeriodTemplate result;
  result.id = id;
  result.name = "Period " + std::to_string(id);
  result.order = order;
  result.start_minute = hhmm(start);
  result.end_minute = hhmm(end);
  return result;
}

TEST(OccurrenceSpanTest, AppliesGrace) {
  PeriodTemplate first = period(1, "08:00", "08:45");
  first.early_grace_minutes = 5;
  first.late_grace_minutes = 10;
  const OccurrenceSpan span = occurrence_span(first, ymd(2026, 3, 2), zone("Asia/Baghdad"));
  EXPECT_EQ(span.start_at, instant("2026-03-02T07:55:00+03:00"));
  EXPECT_EQ(span.end_at, instant("2026-03-02T08:55:00+03:00"));
}

TEST(OccurrenceSpanTest, GraceCanCrossMidnight) {
  PeriodTemplate early = period(1, "00:10", "01:00");
  early.early_grace_minutes = 30;
  const OccurrenceSpan span = occurrence_span(early, ymd(2026, 3, 2), zone("Asia/Tokyo"));
  EXPECT_EQ(span.start_at, instant("2026-03-01T23:40:00+09:00"));
  EXPECT_EQ(span.end_at, instant("2026-03-02T01:00:00+09:00"));
}

TEST(OccurrenceSpanTest, OvernightPeriodEndsTheNextDay) {
  const OccurrenceSpan span = occurrence_span(period(1, "22:00", "01:30"), ymd(2026, 3, 2), zone("Asia/Baghdad"));
  EXPECT_EQ(span.start_at, instant("2026-03-02T22:00:00+03:00"));
  EXPECT_EQ(span.end_at, instant("2026-03-03T01:30:00+03:00"));
}

TEST(OccurrenceSpanTest, BerlinSpringForwardStartsAtTheGapEnd) {
  const OccurrenceSpan span = occurrence_span(period(1, "02:30", "03:30"), ymd(2026, 3, 29), zone("Europe/Berlin"));
  EXPECT_EQ(span.start_at, instant("2026-03-29T03:00:00+02:00"));
  EXPECT_EQ(span.end_at, instant("2026-03-29T03:30:00+02:00"));
}

TEST(OccurrenceSpanTest, BerlinFallBackSpansBothPasses) {
  const OccurrenceSpan span = occurrence_span(period(1, "02:15", "02:45"), ymd(2026, 10, 25), zone("Europe/Berlin"));
  EXPECT_EQ(span.start_at, instant("2026-10-25T02:15:00+02:00"));
  EXPECT_EQ(span.end_at, instant("2026-10-25T02:45:00+01:00"));
}

TEST(OccurrenceSpanTest, NewYorkClockChanges) {
  const TimeZone new_york = zone("America/New_York");
  OccurrenceSpan span = occurrence_span(period(1, "01:30", "03:30"), ymd(2026, 3, 8), new_york);
  EXPECT_EQ(span.end_at - span.start_at, std::chrono::hours(1));  // one hour is skipped
  span = occurrence_span(period(1, "00:30", "01:30"), ymd(2026, 11, 1), new_york);
  EXPECT_EQ(span.start_at, instant("2026-11-01T00:30:00-04:00"));
  EXPECT_EQ(span.end_at, instant("2026-11-01T01:30:00-05:00"));
}

// Asia/Baghdad; 2026-03-02 is a Monday. Templates default to Monday..Friday.
class RollTest : public ::testing::Test {
 protected:
  RollPlan roll(std::string_view now, LocalDate first = ymd(2026, 3, 2), int days = 7) const {
    return plan_occurrence_roll(templates_, existing_, first, days, instant(now), zone_);
  }

  // The occurrences an empty database would get, with ids, as if inserted.
  void store(const RollPlan& plan) {
    for (PeriodOccurrence occurrence : plan.to_insert) {
      occurrence.id = next_id_++;
      existing_.push_back(occurrence);
    }
  }

  PeriodOccurrence& stored(Id template_id, LocalDate date) {
    for (PeriodOccurrence& occurrence : existing_) {
      if (occurrence.template_id == template_id && occurrence.date == date) return occurrence;
    }
    throw std::logic_error("no such occurrence");
  }

  TimeZone zone_ = zone("Asia/Baghdad");
  std::vector<PeriodTemplate> templates_;
  std::vector<PeriodOccurrence> existing_;
  Id next_id_ = 100;
};

TEST_F(RollTest, InsertsSchoolDaysOnTheTemplatesWeekdays) {
  templates_ = {period(2, "09:00", "09:45", 2), period(1, "08:00", "08:45", 1)};
  const RollPlan plan = roll("2026-03-01T12:00:00+03:00");
  ASSERT_EQ(plan.to_insert.size(), 10u);  // Monday..Friday, two periods
  EXPECT_THAT(plan.to_update, IsEmpty());
  EXPECT_THAT(plan.to_delete, IsEmpty());
  const PeriodOccurrence& first = plan.to_insert[0];
  EXPECT_EQ(first.id, 0);
  EXPECT_EQ(first.template_id, 1);  // ordered by date, then template order
  EXPECT_EQ(first.date, ymd(2026, 3, 2));
  EXPECT_EQ(first.start_at, instant("2026-03-02T08:00:00+03:00"));
  EXPECT_EQ(first.end_at, instant("2026-03-02T08:45:00+03:00"));
  EXPECT_TRUE(first.is_school_day);
  EXPECT_EQ(plan.to_insert[1].template_id, 2);
  EXPECT_EQ(plan.to_insert[9].date, ymd(2026, 3, 6));
  for (const PeriodOccurrence& occurrence : plan.to_insert) EXPECT_LT(weekday_of(occurrence.date), 5);
}

TEST_F(RollTest, WeekendTemplateAndRangeBounds) {
  templates_ = {period(1, "10:00", "11:00")};
  templates_[0].weekdays = WeekdaySet::from_mask(0b1100000);                    // Saturday and Sunday
  const RollPlan plan = roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 2), 6);  // Mon..Sat
  ASSERT_EQ(plan.to_insert.size(), 1u);
  EXPECT_EQ(plan.to_insert[0].date, ymd(2026, 3, 7));
  EXPECT_TRUE(roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 2), 0).empty());
}

TEST_F(RollTest, DisabledTemplatesAreNotRolled) {
  templates_ = {period(1, "08:00", "08:45")};
  templates_[0].is_enabled = false;
  EXPECT_TRUE(roll("2026-03-01T12:00:00+03:00").empty());
}

TEST_F(RollTest, RollingAgainChangesNothing) {
  templates_ = {period(1, "08:00", "08:45"), period(2, "22:00", "01:00")};
  store(roll("2026-03-01T12:00:00+03:00"));
  EXPECT_TRUE(roll("2026-03-01T12:00:00+03:00").empty());
  EXPECT_TRUE(roll("2026-03-04T12:00:00+03:00").empty());
}

TEST_F(RollTest, EditedTemplateUpdatesUnstartedAndOngoingButNotEnded) {
  templates_ = {period(1, "08:00", "09:00")};
  store(roll("2026-03-01T12:00:00+03:00"));
  templates_[0].end_minute = hhmm("09:30");
  templates_[0].late_grace_minutes = 5;
  // Tuesday 08:30: Monday's has ended, Tuesday's is ongoing, the rest have not started.
  const RollPlan plan = roll("2026-03-03T08:30:00+03:00");
  EXPECT_THAT(plan.to_insert, IsEmpty());
  EXPECT_THAT(plan.to_delete, IsEmpty());
  ASSERT_EQ(plan.to_update.size(), 4u);
  const PeriodOccurrence& tuesday = plan.to_update[0];
  EXPECT_EQ(tuesday.id, stored(1, ymd(2026, 3, 3)).id);
  EXPECT_EQ(tuesday.date, ymd(2026, 3, 3));
  EXPECT_EQ(tuesday.start_at, instant("2026-03-03T08:00:00+03:00"));
  EXPECT_EQ(tuesday.end_at, instant("2026-03-03T09:35:00+03:00"));
  EXPECT_TRUE(tuesday.is_school_day);
  EXPECT_EQ(plan.to_update[3].date, ymd(2026, 3, 6));
}

TEST_F(RollTest, OccurrenceEndingExactlyNowCountsAsEnded) {
  templates_ = {period(1, "08:00", "09:00")};
  store(roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 2), 1));
  templates_[0].start_minute = hhmm("07:00");
  EXPECT_TRUE(roll("2026-03-02T09:00:00+03:00", ymd(2026, 3, 2), 1).empty());
  EXPECT_EQ(roll("2026-03-02T08:59:59.999+03:00", ymd(2026, 3, 2), 1).to_update.size(), 1u);
}

TEST_F(RollTest, HolidaysFollowTheTemplateButStayHolidays) {
  templates_ = {period(1, "08:00", "09:00")};
  store(roll("2026-03-01T12:00:00+03:00"));
  stored(1, ymd(2026, 3, 4)).is_school_day = false;
  templates_[0].start_minute = hhmm("07:30");
  const RollPlan plan = roll("2026-03-01T12:00:00+03:00");
  ASSERT_EQ(plan.to_update.size(), 5u);
  EXPECT_EQ(plan.to_update[2].date, ymd(2026, 3, 4));
  EXPECT_FALSE(plan.to_update[2].is_school_day);
  EXPECT_EQ(plan.to_update[2].start_at, instant("2026-03-04T07:30:00+03:00"));
  EXPECT_TRUE(plan.to_update[1].is_school_day);
}

TEST_F(RollTest, RemovedWeekdayDeletesOnlyUnstartedSchoolDays) {
  templates_ = {period(1, "08:00", "09:00")};
  store(roll("2026-02-28T12:00:00+03:00", ymd(2026, 3, 2), 14));
  stored(1, ymd(2026, 3, 11)).is_school_day = false;        // a manual holiday on a later Wednesday
  templates_[0].weekdays = WeekdaySet::from_mask(0b11011);  // no more Wednesdays
  // Wednesday 2026-03-04 08:30: today's is ongoing; next Wednesday's is a holiday.
  RollPlan plan = roll("2026-03-04T08:30:00+03:00", ymd(2026, 3, 2), 14);
  EXPECT_THAT(plan.to_delete, IsEmpty());
  EXPECT_THAT(plan.to_update, IsEmpty());
  stored(1, ymd(2026, 3, 11)).is_school_day = true;
  plan = roll("2026-03-04T08:30:00+03:00", ymd(2026, 3, 2), 14);
  EXPECT_THAT(plan.to_delete, ElementsAre(stored(1, ymd(2026, 3, 11)).id));
  // Before it started, today's would have gone too.
  plan = roll("2026-03-04T07:59:59+03:00", ymd(2026, 3, 2), 14);
  EXPECT_THAT(plan.to_delete, ElementsAre(stored(1, ymd(2026, 3, 4)).id, stored(1, ymd(2026, 3, 11)).id));
}

TEST_F(RollTest, DisabledOrMissingTemplateDeletesFutureSchoolDays) {
  templates_ = {period(1, "08:00", "09:00"), period(2, "10:00", "11:00")};
  store(roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 2), 2));  // Mon and Tue
  templates_[0].is_enabled = false;
  RollPlan plan = roll("2026-03-02T09:30:00+03:00", ymd(2026, 3, 2), 2);
  EXPECT_THAT(plan.to_delete, ElementsAre(stored(1, ymd(2026, 3, 3)).id));  // Monday's has ended
  templates_.erase(templates_.begin() + 1);
  plan = roll("2026-03-02T09:30:00+03:00", ymd(2026, 3, 2), 2);
  EXPECT_THAT(plan.to_delete, UnorderedElementsAre(stored(1, ymd(2026, 3, 3)).id, stored(2, ymd(2026, 3, 2)).id,
                                                   stored(2, ymd(2026, 3, 3)).id));
  EXPECT_THAT(plan.to_insert, IsEmpty());
}

TEST_F(RollTest, OccurrencesOutsideTheRangeAreLeftAlone) {
  templates_ = {period(1, "08:00", "09:00")};
  store(roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 2), 14));
  templates_.clear();
  const RollPlan plan = roll("2026-03-01T12:00:00+03:00", ymd(2026, 3, 9), 1);
  EXPECT_THAT(plan.to_delete, ElementsAre(stored(1, ymd(2026, 3, 9)).id));
}

TEST_F(RollTest, OvernightTemplateAcrossTheSpringForward) {
  zone_ = zone("Europe/Berlin");
  templates_ = {period(1, "22:00", "02:30")};
  templates_[0].weekdays = WeekdaySet::from_mask(0b0100000);  // Saturday
  const RollPlan plan = roll("2026-03-20T12:00:00+01:00", ymd(2026, 3, 23), 7);
  ASSERT_EQ(plan.to_insert.size(), 1u);
  EXPECT_EQ(plan.to_insert[0].start_at, instant("2026-03-28T22:00:00+01:00"));
  EXPECT_EQ(plan.to_insert[0].end_at, instant("2026-03-29T03:00:00+02:00"));
}

}  // namespace
}  // namespace bisk
