#include "store/catalog_stores.h"

#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

// ---------------------------------------------------------------- cameras

class CameraStoreTest : public StoreTest {};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(CameraStoreTest);

TEST_P(CameraStoreTest, RoundTripPreservesEveryField) {
  const Id second_template = templates_.add(make_template("Second"));
  const Id first_template = templates_.add(make_template("First"));
  Camera camera = make_camera("Kamera Süd – 東門");
  camera.url = "rtsp://admin:p%40ss@cam.example:8554/live?channel=1";
  camera.location = "Gebäude B, 2. Stock";
  camera.is_active = false;
  camera.pause_until = at_ms(1767225600123);  // millisecond precision survives
  camera.rtsp_transport = "tcp";
  camera.period_template_ids = {second_template, first_template};
  camera.node = "edge-1";
  camera.id = cameras_.add(camera);
  EXPECT_GT(camera.id, 0);

  Camera expected = camera;
  expected.period_template_ids = {std::min(first_template, second_template), std::max(first_template, second_template)};
  ASSERT_TRUE(cameras_.find(camera.id));
  EXPECT_EQ(text_of(*cameras_.find(camera.id)), text_of(expected));
  ASSERT_TRUE(cameras_.find_by_name("Kamera Süd – 東門"));
  EXPECT_EQ(text_of(*cameras_.find_by_name("Kamera Süd – 東門")), text_of(expected));
}

TEST_P(CameraStoreTest, OptionalFieldsRoundTripAsNull) {
  const Id id = cameras_.add(make_camera("Gate"));
  const auto camera = cameras_.find(id);
  ASSERT_TRUE(camera);
  EXPECT_FALSE(camera->pause_until);
  EXPECT_FALSE(camera->node);
  EXPECT_TRUE(camera->period_template_ids.empty());
  EXPECT_TRUE(camera->is_active);
  EXPECT_EQ(camera->location, "");
}

TEST_P(CameraStoreTest, UnknownIdOrNameFindsNothing) {
  EXPECT_FALSE(cameras_.find(12345));
  EXPECT_FALSE(cameras_.find_by_name("nobody"));
}

TEST_P(CameraStoreTest, ListIsOrderedById) {
  const Id b = cameras_.add(make_camera("B"));
  const Id a = cameras_.add(make_camera("A"));
  const auto cameras = cameras_.list();
  ASSERT_EQ(cameras.size(), 2u);
  EXPECT_EQ(cameras[0].id, b);
  EXPECT_EQ(cameras[1].id, a);
  EXPECT_LT(b, a);
}

TEST_P(CameraStoreTest, UpdateReplacesEveryField) {
  const Id first_template = templates_.add(make_template("First"));
  const Id second_template = templates_.add(make_template("Second"));
  Camera camera = make_camera("Gate");
  camera.period_template_ids = {first_template};
  camera.node = "edge-1";
  camera.pause_until = at_ms(1000);
  camera.id = cameras_.add(camera);

  camera.name = "Main gate";
  camera.url = "http://cam/mjpeg";
  camera.location = "north";
  camera.is_active = false;
  camera.pause_until.reset();
  camera.rtsp_transport = "udp";
  camera.period_template_ids = {second_template};
  camera.node.reset();
  cameras_.update(camera);
  EXPECT_EQ(text_of(*cameras_.find(camera.id)), text_of(camera));
}

TEST_P(CameraStoreTest, InvalidCameraIsRejectedWithTheFieldErrors) {
  Camera camera = make_camera("");
  camera.rtsp_transport = "tpc";
  EXPECT_TRUE(fails_with([&] { cameras_.add(camera); }, Kind::kInvalid, "name: must not be empty"));
  EXPECT_TRUE(fails_with([&] { cameras_.add(camera); }, Kind::kInvalid, "rtsp_transport: must be one of"));
  EXPECT_EQ(count("cameras"), 0);
}

TEST_P(CameraStoreTest, DuplicateNameIsAConflict) {
  cameras_.add(make_camera("Gate"));
  EXPECT_TRUE(
      fails_with([&] { cameras_.add(make_camera("Gate")); }, Kind::kConflict, "a camera named 'Gate' already exists"));
  Camera other = make_camera("Other");
  other.id = cameras_.add(other);
  other.name = "Gate";
  EXPECT_TRUE(fails_with([&] { cameras_.update(other); }, Kind::kConflict, "a camera named 'Gate' already exists"));
  EXPECT_EQ(cameras_.find(other.id)->name, "Other");
}

TEST_P(CameraStoreTest, UnknownPeriodTemplateIsInvalidAndAddsNothing) {
  Camera camera = make_camera("Gate");
  camera.period_template_ids = {987};
  EXPECT_TRUE(fails_with([&] { cameras_.add(camera); }, Kind::kInvalid, "period template 987 does not exist"));
  EXPECT_EQ(count("cameras"), 0);
}

TEST_P(CameraStoreTest, UnknownIdIsNotFound) {
  Camera camera = make_camera("Gate");
  camera.id = 42;
  EXPECT_TRUE(fails_with([&] { cameras_.update(camera); }, Kind::kNotFound, "camera 42 does not exist"));
  EXPECT_TRUE(fails_with([&] { cameras_.remove(42); }, Kind::kNotFound, "camera 42 does not exist"));
  EXPECT_TRUE(
      fails_with([&] { cameras_.set_pause_until(42, std::nullopt); }, Kind::kNotFound, "camera 42 does not exist"));
}

TEST_P(CameraStoreTest, PauseIsSetAndCleared) {
  const Id id = cameras_.add(make_camera("Gate"));
  cameras_.set_pause_until(id, at_ms(1767225600999));
  EXPECT_EQ(cameras_.find(id)->pause_until, at_ms(1767225600999));
  cameras_.set_pause_until(id, std::nullopt);
  EXPECT_FALSE(cameras_.find(id)->pause_until);
}

TEST_P(CameraStoreTest, RemoveTakesMembershipsLinksOverrideAndHistoryWithIt) {
  const Id period_template = templates_.add(make_template("First"));
  Camera camera = make_camera("Gate");
  camera.period_template_ids = {period_template};
  const Id removed = cameras_.add(camera);
  const Id kept = cameras_.add(make_camera("Hall"));
  const Id profile = profiles_.add(make_profile("HD"));
  SchedulePolicy policy;
  policy.name = "Main";
  policy.camera_ids = {removed, kept};
  const Id policy_id = policies_.add(policy);
  resources_.put_camera(removed, ResourceSettings{});
  exec(
      "INSERT INTO running_processes (camera_id, profile_id, node, pid, process_start_time, impl, argv_masked, "
      "spec_hash, lifecycle, started_at) VALUES (" +
      std::to_string(removed) + ", " + std::to_string(profile) + ", 'n', 1, 1, 'ffmpeg_all', '', '', 'running', 0)");
  exec("INSERT INTO runner_heartbeats (camera_id, profile_id, pid, ts_at) VALUES (" + std::to_string(removed) + ", " +
       std::to_string(profile) + ", 1, 0)");

  cameras_.remove(removed);
  EXPECT_FALSE(cameras_.find(removed));
  EXPECT_EQ(policies_.find(policy_id)->camera_ids, std::vector<Id>{kept});
  EXPECT_FALSE(resources_.for_camera(removed));
  EXPECT_EQ(count("camera_period_templates"), 0);
  EXPECT_EQ(count("running_processes"), 0);
  EXPECT_EQ(count("runner_heartbeats"), 0);
  EXPECT_TRUE(templates_.find(period_template));
}

TEST_P(CameraStoreTest, AttendanceOfARemovedCameraStays) {
  const Id camera = cameras_.add(make_camera("Gate"));
  const Id student = students_.add(make_student("S1"));
  exec("INSERT INTO attendance_events (student_id, camera_id, ts_at, score) VALUES (" + std::to_string(student) + ", " +
       std::to_string(camera) + ", 0, 0.9)");
  cameras_.remove(camera);
  long long unlinked = 0;
  db_->session() << "SELECT count(*) FROM attendance_events WHERE camera_id IS NULL", soci::into(unlinked);
  EXPECT_EQ(unlinked, 1);
}

// ---------------------------------------------------------------- profiles

class ProfileStoreTest : public StoreTest {};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(ProfileStoreTest);

TEST_P(ProfileStoreTest, RoundTripPreservesEveryField) {
  StreamProfile profile = make_profile("HD – Ünïcode");
  profile.is_active = false;
  profile.fps = 12.345678901234;
  profile.det_set = "640";
  profile.rtsp_transport = "tcp";
  profile.hb_interval = 7;
  profile.snapshot_every = 45;
  profile.min_score = 0.3721;
  profile.min_face_px = 64;
  profile.id = profiles_.add(profile);
  EXPECT_EQ(text_of(*profiles_.find(profile.id)), text_of(profile));
  EXPECT_EQ(profiles_.find(profile.id)->fps, profile.fps);  // doubles are exact, not rounded
  EXPECT_EQ(text_of(*profiles_.find_by_name("HD – Ünïcode")), text_of(profile));

  profile.name = "SD";
  profile.is_active = true;
  profile.fps = 2;
  profile.det_set = "auto";
  profile.rtsp_transport = "inherit";
  profiles_.update(profile);
  const auto listed = profiles_.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(text_of(listed[0]), text_of(profile));
}

TEST_P(ProfileStoreTest, InvalidProfileIsRejected) {
  StreamProfile profile = make_profile("HD");
  profile.fps = 0;
  EXPECT_TRUE(fails_with([&] { profiles_.add(profile); }, Kind::kInvalid, "fps: "));
}

TEST_P(ProfileStoreTest, DuplicateNameIsAConflict) {
  profiles_.add(make_profile("HD"));
  EXPECT_TRUE(
      fails_with([&] { profiles_.add(make_profile("HD")); }, Kind::kConflict, "a profile named 'HD' already exists"));
}

TEST_P(ProfileStoreTest, ProfileUsedByWindowsCannotBeRemoved) {
  const Id hd = profiles_.add(make_profile("HD"));
  SchedulePolicy policy;
  policy.name = "Main";
  policy.windows = {make_window(0, 480, 720, hd), make_window(1, 480, 720, hd)};
  const Id main = policies_.add(policy);
  EXPECT_TRUE(fails_with([&] { profiles_.remove(hd); }, Kind::kConflict,
                         "profile 'HD' is used by 2 schedule window(s) of policy 'Main'; remove them first"));
  policy.name = "Other";
  policy.windows = {make_window(2, 0, 0, hd)};
  policies_.add(policy);
  EXPECT_TRUE(fails_with([&] { profiles_.remove(hd); }, Kind::kConflict,
                         "used by 3 schedule window(s) of policies 'Main', 'Other'"));
  EXPECT_TRUE(profiles_.find(hd));

  policies_.remove(main);
  policies_.remove(policies_.find_by_name("Other")->id);
  profiles_.remove(hd);
  EXPECT_FALSE(profiles_.find(hd));
  EXPECT_TRUE(fails_with([&] { profiles_.remove(hd); }, Kind::kNotFound, "profile " + std::to_string(hd)));
}

// ---------------------------------------------------------------- policies

class PolicyStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    hd_ = profiles_.add(make_profile("HD"));
    sd_ = profiles_.add(make_profile("SD"));
    gate_ = cameras_.add(make_camera("Gate"));
    hall_ = cameras_.add(make_camera("Hall"));
    yard_ = cameras_.add(make_camera("Yard"));
  }

  SchedulePolicy main_policy() {
    SchedulePolicy policy;
    policy.name = "Main – Schulzeit";
    policy.is_enabled = false;
    policy.camera_ids = {yard_, gate_};
    policy.windows = {make_window(4, 22 * 60, 2 * 60, sd_),  // Friday overnight into Saturday
                      make_window(0, 12 * 60, 13 * 60, sd_), make_window(0, 8 * 60, 12 * 60, hd_),
                      make_window(6, 0, 0, hd_)};  // all of Sunday
    ScheduleException later, earlier;
    later.date = date_of("2026-12-24");
    earlier.date = date_of("2026-05-01");
    policy.exceptions = {later, earlier};
    return policy;
  }

  // What the store returns for main_policy(): lists sorted, windows by (day, start).
  SchedulePolicy stored(SchedulePolicy policy) {
    std::sort(policy.camera_ids.begin(), policy.camera_ids.end());
    std::sort(policy.windows.begin(), policy.windows.end(), [](const auto& a, const auto& b) {
      return std::pair(a.day_of_week, a.start_minute) < std::pair(b.day_of_week, b.start_minute);
    });
    std::sort(policy.exceptions.begin(), policy.exceptions.end(),
              [](const auto& a, const auto& b) { return a.date < b.date; });
    return policy;
  }

  Id hd_ = 0, sd_ = 0, gate_ = 0, hall_ = 0, yard_ = 0;
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(PolicyStoreTest);

TEST_P(PolicyStoreTest, RoundTripReturnsThePolicyWholeAndOrdered) {
  SchedulePolicy policy = main_policy();
  policy.id = policies_.add(policy);
  const auto found = policies_.find(policy.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(text_of(*found), text_of(stored(policy)));
  for (const ScheduleWindow& window : found->windows) EXPECT_GT(window.id, 0);
  for (const ScheduleException& exception : found->exceptions) EXPECT_GT(exception.id, 0);
  EXPECT_EQ(text_of(*policies_.find_by_name("Main – Schulzeit")), text_of(stored(policy)));
  EXPECT_EQ(policies_.list().size(), 1u);
}

TEST_P(PolicyStoreTest, ListKeepsEachPolicysPartsApart) {
  SchedulePolicy first = main_policy();
  first.id = policies_.add(first);
  SchedulePolicy second;
  second.name = "Second";
  second.camera_ids = {hall_};
  second.windows = {make_window(3, 60, 120, hd_)};
  second.id = policies_.add(second);
  const auto listed = policies_.list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(text_of(listed[0]), text_of(stored(first)));
  EXPECT_EQ(text_of(listed[1]), text_of(second));
}

TEST_P(PolicyStoreTest, UnknownCameraOrProfileIsInvalid) {
  SchedulePolicy policy = main_policy();
  policy.camera_ids.push_back(999);
  EXPECT_TRUE(fails_with([&] { policies_.add(policy); }, Kind::kInvalid, "camera 999 does not exist"));
  policy = main_policy();
  policy.windows[1].profile_id = 998;
  EXPECT_TRUE(fails_with([&] { policies_.add(policy); }, Kind::kInvalid, "profile 998 does not exist"));
  EXPECT_EQ(count("schedule_policies"), 0);
  EXPECT_EQ(count("schedule_windows"), 0);
}

TEST_P(PolicyStoreTest, OverlappingWindowsAreInvalid) {
  SchedulePolicy policy = main_policy();
  policy.windows.push_back(make_window(0, 11 * 60, 14 * 60, hd_));
  EXPECT_TRUE(fails_with([&] { policies_.add(policy); }, Kind::kInvalid, "overlaps"));
}

TEST_P(PolicyStoreTest, DuplicateNameIsAConflict) {
  policies_.add(main_policy());
  EXPECT_TRUE(fails_with([&] { policies_.add(main_policy()); }, Kind::kConflict,
                         "a policy named 'Main – Schulzeit' already exists"));
}

TEST_P(PolicyStoreTest, UpdateReplacesCamerasWindowsAndExceptions) {
  SchedulePolicy policy = main_policy();
  policy.id = policies_.add(policy);
  policy.name = "Renamed";
  policy.is_enabled = true;
  policy.camera_ids = {hall_};
  policy.windows = {make_window(2, 9 * 60, 10 * 60, sd_)};
  policy.exceptions.clear();
  policies_.update(policy);
  EXPECT_EQ(text_of(*policies_.find(policy.id)), text_of(policy));
  EXPECT_EQ(count("schedule_windows"), 1);
  EXPECT_EQ(count("schedule_exceptions"), 0);
  EXPECT_EQ(count("policy_cameras"), 1);
}

TEST_P(PolicyStoreTest, FailedUpdateLeavesThePolicyIntact) {
  SchedulePolicy policy = main_policy();
  policy.id = policies_.add(policy);
  const std::string before = text_of(*policies_.find(policy.id));

  SchedulePolicy broken = main_policy();
  broken.id = policy.id;
  broken.name = "Renamed";
  broken.windows = {make_window(2, 9 * 60, 10 * 60, sd_)};
  broken.camera_ids = {hall_, 777};  // fails after the old parts were deleted
  EXPECT_TRUE(fails_with([&] { policies_.update(broken); }, Kind::kInvalid, "camera 777 does not exist"));
  EXPECT_EQ(text_of(*policies_.find(policy.id)), before);
}

TEST_P(PolicyStoreTest, UnknownPolicyIsNotFound) {
  SchedulePolicy policy = main_policy();
  policy.id = 4242;
  EXPECT_TRUE(fails_with([&] { policies_.update(policy); }, Kind::kNotFound, "policy 4242 does not exist"));
  EXPECT_TRUE(fails_with([&] { policies_.remove(4242); }, Kind::kNotFound, "policy 4242 does not exist"));
}

TEST_P(PolicyStoreTest, RemoveTakesItsPartsButNotItsCameras) {
  const Id id = policies_.add(main_policy());
  policies_.remove(id);
  EXPECT_FALSE(policies_.find(id));
  EXPECT_EQ(count("schedule_windows"), 0);
  EXPECT_EQ(count("schedule_exceptions"), 0);
  EXPECT_EQ(count("policy_cameras"), 0);
  EXPECT_EQ(cameras_.list().size(), 3u);
}

// ---------------------------------------------------------------- period templates

class PeriodTemplateStoreTest : public StoreTest {};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(PeriodTemplateStoreTest);

TEST_P(PeriodTemplateStoreTest, RoundTripPreservesEveryField) {
  PeriodTemplate period_template = make_template("1. Stunde – Mathé", 3);
  period_template.start_minute = 23 * 60 + 30;
  period_template.end_minute = 45;  // ends the next day
  period_template.weekdays = WeekdaySet::from_mask(0b1010101);
  period_template.early_grace_minutes = 5;
  period_template.late_grace_minutes = 10;
  period_template.is_enabled = false;
  period_template.id = templates_.add(period_template);
  EXPECT_EQ(text_of(*templates_.find(period_template.id)), text_of(period_template));

  period_template.name = "Renamed";
  period_template.order = -1;
  period_template.start_minute = 0;
  period_template.end_minute = 1439;
  period_template.weekdays = WeekdaySet::weekdays_mon_to_fri();
  period_template.is_enabled = true;
  templates_.update(period_template);
  EXPECT_EQ(text_of(*templates_.find(period_template.id)), text_of(period_template));
}

TEST_P(PeriodTemplateStoreTest, ListIsOrderedByOrderThenId) {
  const Id late = templates_.add(make_template("late", 2));
  const Id early_b = templates_.add(make_template("early b", 1));
  const Id early_a = templates_.add(make_template("early a", 1));
  std::vector<Id> ids;
  for (const PeriodTemplate& each : templates_.list()) ids.push_back(each.id);
  EXPECT_EQ(ids, (std::vector<Id>{early_b, early_a, late}));
}

TEST_P(PeriodTemplateStoreTest, InvalidTemplateIsRejected) {
  PeriodTemplate period_template = make_template("x");
  period_template.weekdays = WeekdaySet();
  EXPECT_TRUE(fails_with([&] { templates_.add(period_template); }, Kind::kInvalid, "weekdays: "));
  EXPECT_TRUE(
      fails_with([&] { templates_.update(make_template("x")); }, Kind::kNotFound, "period template 0 does not exist"));
}

TEST_P(PeriodTemplateStoreTest, RemoveTakesOccurrencesAndCameraLinks) {
  const Id id = templates_.add(make_template("First"));
  Camera camera = make_camera("Gate");
  camera.period_template_ids = {id};
  const Id camera_id = cameras_.add(camera);
  RollPlan plan;
  plan.to_insert = {make_occurrence(id, "2026-03-02", 1000, 2000), make_occurrence(id, "2026-03-03", 3000, 4000)};
  occurrences_.apply(plan);

  templates_.remove(id);
  EXPECT_FALSE(templates_.find(id));
  EXPECT_EQ(count("period_occurrences"), 0);
  EXPECT_TRUE(cameras_.find(camera_id)->period_template_ids.empty());
  EXPECT_TRUE(fails_with([&] { templates_.remove(id); }, Kind::kNotFound, "does not exist"));
}

TEST_P(PeriodTemplateStoreTest, TemplateWithAttendanceCannotBeRemoved) {
  const Id id = templates_.add(make_template("First"));
  RollPlan plan;
  plan.to_insert = {make_occurrence(id, "2026-03-02", 1000, 2000)};
  occurrences_.apply(plan);
  const Id occurrence = occurrences_.list_dated(date_of("2026-03-02"), date_of("2026-03-02")).at(0).id;
  const Id student = students_.add(make_student("S1"));
  exec(
      "INSERT INTO attendance_records (student_id, occurrence_id, first_seen_at, last_seen_at, best_seen_at, "
      "best_score) VALUES (" +
      std::to_string(student) + ", " + std::to_string(occurrence) + ", 1, 1, 1, 0.9)");
  EXPECT_TRUE(fails_with([&] { templates_.remove(id); }, Kind::kConflict,
                         "period template 'First' cannot be deleted: 1 of its occurrence(s) have attendance records"));
  EXPECT_TRUE(templates_.find(id));
  EXPECT_EQ(count("period_occurrences"), 1);
}

// ---------------------------------------------------------------- occurrences

class OccurrenceStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    template_ = templates_.add(make_template("First"));
  }
  Id template_ = 0;
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(OccurrenceStoreTest);

TEST_P(OccurrenceStoreTest, ApplyInsertsUpdatesAndDeletesAndCountsThem) {
  RollPlan plan;
  plan.to_insert = {make_occurrence(template_, "2026-03-02", 10'000, 20'000),
                    make_occurrence(template_, "2026-03-03", 30'000, 40'000),
                    make_occurrence(template_, "2026-03-04", 50'000, 60'000)};
  const OccurrenceStore::Applied inserted = occurrences_.apply(plan);
  EXPECT_EQ(inserted.inserted, 3);
  EXPECT_EQ(inserted.updated, 0);
  EXPECT_EQ(inserted.deleted, 0);

  auto existing = occurrences_.list_dated(date_of("2026-03-02"), date_of("2026-03-04"));
  ASSERT_EQ(existing.size(), 3u);
  occurrences_.set_school_day(existing[0].id, false);  // a holiday marked by hand

  RollPlan roll;
  PeriodOccurrence moved = existing[0];
  moved.start_at = at_ms(11'000);
  moved.end_at = at_ms(21'000);
  moved.is_school_day = true;  // ignored: an update never resets a holiday
  roll.to_update = {moved};
  roll.to_delete = {existing[2].id, 99'999};  // an id that is gone already counts nothing
  roll.to_insert = {make_occurrence(template_, "2026-03-05", 70'000, 80'000)};
  const OccurrenceStore::Applied rolled = occurrences_.apply(roll);
  EXPECT_EQ(rolled.inserted, 1);
  EXPECT_EQ(rolled.updated, 1);
  EXPECT_EQ(rolled.deleted, 1);

  const auto after = occurrences_.list_dated(date_of("2026-03-01"), date_of("2026-03-31"));
  ASSERT_EQ(after.size(), 3u);
  moved.is_school_day = false;
  EXPECT_EQ(text_of(after[0]), text_of(moved));
  EXPECT_EQ(text_of(after[1]), text_of(existing[1]));
  EXPECT_EQ(format_date(after[2].date), "2026-03-05");
  EXPECT_TRUE(after[2].is_school_day);
  EXPECT_EQ(text_of(*occurrences_.find(after[0].id)), text_of(moved));
}

TEST_P(OccurrenceStoreTest, DuplicateInsertIsAConflictAndAppliesNothing) {
  RollPlan plan;
  plan.to_insert = {make_occurrence(template_, "2026-03-02", 10'000, 20'000)};
  occurrences_.apply(plan);
  plan.to_insert = {make_occurrence(template_, "2026-03-03", 30'000, 40'000),
                    make_occurrence(template_, "2026-03-02", 10'000, 20'000)};
  EXPECT_TRUE(fails_with([&] { occurrences_.apply(plan); }, Kind::kConflict,
                         "period template " + std::to_string(template_) + " already has an occurrence on 2026-03-02"));
  EXPECT_EQ(count("period_occurrences"), 1);
}

TEST_P(OccurrenceStoreTest, ListOverlappingTreatsTheEndAsExclusive) {
  RollPlan plan;
  plan.to_insert = {make_occurrence(template_, "2026-03-02", 10'000, 20'000)};
  occurrences_.apply(plan);
  auto overlapping = [&](long long from, long long to) {
    return occurrences_.list_overlapping(at_ms(from), at_ms(to)).size();
  };
  EXPECT_EQ(overlapping(20'000, 30'000), 0u);  // starts where the occurrence ends
  EXPECT_EQ(overlapping(0, 10'000), 0u);       // ends where the occurrence starts
  EXPECT_EQ(overlapping(19'999, 20'000), 1u);
  EXPECT_EQ(overlapping(0, 10'001), 1u);
  EXPECT_EQ(overlapping(12'000, 13'000), 1u);  // inside
  EXPECT_EQ(overlapping(0, 30'000), 1u);       // around
}

TEST_P(OccurrenceStoreTest, ListDatedIncludesBothEndsOrderedByStart) {
  RollPlan plan;
  plan.to_insert = {make_occurrence(template_, "2026-03-04", 50'000, 60'000),
                    make_occurrence(template_, "2026-03-02", 10'000, 20'000),
                    make_occurrence(template_, "2026-03-03", 30'000, 40'000),
                    make_occurrence(template_, "2026-03-05", 70'000, 80'000)};
  occurrences_.apply(plan);
  std::vector<std::string> dates;
  for (const auto& occurrence : occurrences_.list_dated(date_of("2026-03-03"), date_of("2026-03-04"))) {
    dates.push_back(format_date(occurrence.date));
  }
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-03-03", "2026-03-04"}));
}

TEST_P(OccurrenceStoreTest, SchoolDayOfAnUnknownOccurrenceIsNotFound) {
  EXPECT_TRUE(
      fails_with([&] { occurrences_.set_school_day(5, false); }, Kind::kNotFound, "occurrence 5 does not exist"));
  EXPECT_FALSE(occurrences_.find(5));
}

// ---------------------------------------------------------------- students

class StudentStoreTest : public StoreTest {};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(StudentStoreTest);

TEST_P(StudentStoreTest, RoundTripPreservesEveryField) {
  Student student = make_student("S-001");
  student.first_name = "Zoë";
  student.last_name = "Ødegård-محمد";
  student.is_active = false;
  student.id = students_.add(student);
  EXPECT_EQ(text_of(*students_.find(student.id)), text_of(student));
  EXPECT_EQ(text_of(*students_.find_by_code("S-001")), text_of(student));
  student.code = "S-002";
  student.is_active = true;
  students_.update(student);
  const auto listed = students_.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(text_of(listed[0]), text_of(student));
}

TEST_P(StudentStoreTest, InvalidAndDuplicateCodes) {
  EXPECT_TRUE(fails_with([&] { students_.add(make_student("has space")); }, Kind::kInvalid, "code: "));
  students_.add(make_student("S1"));
  EXPECT_TRUE(fails_with([&] { students_.add(make_student("S1")); }, Kind::kConflict,
                         "a student with code 'S1' already exists"));
}

TEST_P(StudentStoreTest, RemoveTakesFaceTemplatesWithIt) {
  const Id id = students_.add(make_student("S1"));
  exec("INSERT INTO face_templates (student_id, embedding, model_id, created_at) VALUES (" + std::to_string(id) +
       ", 'AAAA', 'fr_feature', 0)");
  students_.remove(id);
  EXPECT_FALSE(students_.find(id));
  EXPECT_EQ(count("face_templates"), 0);
  EXPECT_TRUE(fails_with([&] { students_.remove(id); }, Kind::kNotFound, "student " + std::to_string(id)));
}

TEST_P(StudentStoreTest, StudentWithAttendanceCannotBeRemoved) {
  const Id id = students_.add(make_student("S1"));
  exec("INSERT INTO attendance_events (student_id, ts_at, score) VALUES (" + std::to_string(id) + ", 0, 0.8)");
  EXPECT_TRUE(fails_with([&] { students_.remove(id); }, Kind::kConflict,
                         "student 'S1' has 1 attendance event(s) and 0 attendance record(s); deactivate the student "
                         "instead"));
  EXPECT_TRUE(students_.find(id));
}

// ---------------------------------------------------------------- resource settings

class ResourceStoreTest : public StoreTest {
 protected:
  static ResourceSettings every_knob() {
    ResourceSettings settings;
    settings.is_active = false;
    settings.device = "cuda";
    settings.gpu_index = 1;
    settings.hwaccel = "cuda";
    settings.cpu_nice = -5;
    settings.cpu_affinity = "0,2-3";
    settings.max_fps = 7.5;
    settings.det_set_max = "640";
    settings.min_face_px = 48;
    settings.crop_format = "png";
    settings.crop_quality = 85;
    return settings;
  }
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(ResourceStoreTest);

TEST_P(ResourceStoreTest, GlobalRowIsInsertedThenReplaced) {
  EXPECT_FALSE(resources_.global());
  ResourceSettings settings = every_knob();
  settings.camera_id = 12345;  // ignored for the global row
  resources_.put_global(settings);
  auto global = resources_.global();
  ASSERT_TRUE(global);
  settings.camera_id.reset();
  EXPECT_EQ(text_of(*global), text_of(settings));
  const Id id = global->id;

  ResourceSettings sparse;  // every knob unset
  resources_.put_global(sparse);
  global = resources_.global();
  ASSERT_TRUE(global);
  EXPECT_EQ(text_of(*global), text_of(sparse));
  EXPECT_EQ(global->id, id);
  EXPECT_EQ(count("resource_settings"), 1);
}

TEST_P(ResourceStoreTest, DatabaseAllowsOnlyOneGlobalRow) {
  resources_.put_global(ResourceSettings{});
  EXPECT_THROW(exec("INSERT INTO resource_settings (camera_id, is_active) VALUES (NULL, 1)"), soci::soci_error);
}

TEST_P(ResourceStoreTest, CameraOverrideIsKeptApartFromTheGlobalRow) {
  const Id camera = cameras_.add(make_camera("Gate"));
  EXPECT_FALSE(resources_.for_camera(camera));
  ResourceSettings settings = every_knob();
  resources_.put_camera(camera, settings);
  settings.camera_id = camera;
  EXPECT_EQ(text_of(*resources_.for_camera(camera)), text_of(settings));
  EXPECT_FALSE(resources_.global());

  ResourceSettings replaced;
  replaced.max_fps = 2;
  resources_.put_camera(camera, replaced);
  replaced.camera_id = camera;
  EXPECT_EQ(text_of(*resources_.for_camera(camera)), text_of(replaced));
  EXPECT_EQ(count("resource_settings"), 1);

  resources_.remove_camera(camera);
  EXPECT_FALSE(resources_.for_camera(camera));
}

TEST_P(ResourceStoreTest, UnknownCameraIsNotFoundAndBadKnobsInvalid) {
  EXPECT_TRUE(
      fails_with([&] { resources_.put_camera(77, ResourceSettings{}); }, Kind::kNotFound, "camera 77 does not exist"));
  ResourceSettings settings;
  settings.device = "tpu";
  EXPECT_TRUE(fails_with([&] { resources_.put_global(settings); }, Kind::kInvalid, "device: must be one of"));
}

}  // namespace
}  // namespace bisk
