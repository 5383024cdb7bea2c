#include "store/process_store.h"

#include <chrono>
#include <functional>
#include <iostream>

#include "store/store_support.h"
#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

class ProcessStoreTest : public StoreTest {
 protected:
  RunningProcess make_process(int pid, const std::string& lifecycle = "starting") {
    RunningProcess process;
    process.camera_id = camera_;
    process.profile_id = profile_;
    process.node = "main";
    process.pid = pid;
    process.process_start_time = 123456;
    process.impl = "bisk-runner";
    process.argv_masked = "bisk runner --camera 1";
    process.spec_hash = "abc";
    process.lifecycle = lifecycle;
    process.started_at = at_ms(1'000'000);
    return process;
  }

  Heartbeat make_heartbeat(int pid) {
    Heartbeat heartbeat;
    heartbeat.camera_id = camera_;
    heartbeat.profile_id = profile_;
    heartbeat.pid = pid;
    heartbeat.raw_json = R"({"pid":)" + std::to_string(pid) + "}";
    return heartbeat;
  }

  void SetUp() override {
    StoreTest::SetUp();
    camera_ = cameras_.add(make_camera("Gate"));
    profile_ = profiles_.add(make_profile("HD"));
  }

  Id camera_ = 0;
  Id profile_ = 0;
  ProcessStore processes_{*db_};
  HeartbeatStore heartbeats_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(ProcessStoreTest);

std::string process_text(const RunningProcess& p) {
  std::ostringstream out;
  out << p.id << "|" << p.camera_id << "|" << p.profile_id << "|" << p.node << "|" << p.pid << "|"
      << p.process_start_time << "|" << p.impl << "|" << p.argv_masked << "|" << p.spec_hash << "|" << p.lifecycle
      << "|" << to_epoch_ms(p.started_at) << "|" << text_of(p.ended_at) << "|" << text_of(p.exit_code) << "|"
      << text_of(p.exit_signal) << "|" << text_of(p.stop_reason) << "|" << p.restarts << "|"
      << text_of(p.last_heartbeat_at) << "|" << text_of(p.camera_fps) << "|" << text_of(p.processed_fps) << "|"
      << text_of(p.target_fps) << "|" << text_of(p.latency_ms) << "|" << text_of(p.dropped_frames) << "|"
      << text_of(p.detected) << "|" << text_of(p.matched) << "|" << text_of(p.reconnects) << "|"
      << text_of(p.last_error) << "|" << text_of(p.last_metrics);
  return out.str();
}

std::string heartbeat_text(const Heartbeat& h) {
  std::ostringstream out;
  out << h.camera_id << "|" << h.profile_id << "|" << h.pid << "|" << text_of(h.state) << "|" << text_of(h.camera_fps)
      << "|" << text_of(h.processed_fps) << "|" << text_of(h.target_fps) << "|" << text_of(h.latency_ms) << "|"
      << text_of(h.dropped_frames) << "|" << text_of(h.detected) << "|" << text_of(h.matched) << "|"
      << text_of(h.reconnects) << "|" << text_of(h.last_frame_at) << "|" << text_of(h.last_error) << "|"
      << text_of(h.snapshot_every) << "|" << text_of(h.min_face_px) << "|" << text_of(h.model) << "|"
      << text_of(h.device);
  return out.str();
}

TEST_P(ProcessStoreTest, RoundTripPreservesEveryField) {
  RunningProcess process = make_process(4242, "exited");
  process.process_start_time = 9'876'543'210;
  process.ended_at = at_ms(1'500'001);
  process.exit_code = 2;
  process.exit_signal = 15;
  process.stop_reason = "bad configuration";
  process.restarts = 7;
  process.last_heartbeat_at = at_ms(1'400'002);
  process.camera_fps = 25.5;
  process.processed_fps = 4.25;
  process.target_fps = 5;
  process.latency_ms = 12.75;
  process.dropped_frames = 5'000'000'000;
  process.detected = 11;
  process.matched = 3;
  process.reconnects = 2;
  process.last_error = "connection refused";
  process.last_metrics = R"({"pid":4242})";
  process.id = processes_.add(process);
  EXPECT_GT(process.id, 0);
  ASSERT_TRUE(processes_.find(process.id));
  EXPECT_EQ(process_text(*processes_.find(process.id)), process_text(process));
}

TEST_P(ProcessStoreTest, OptionalFieldsRoundTripAsNull) {
  RunningProcess process = make_process(1);
  process.id = processes_.add(process);
  const auto found = processes_.find(process.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(process_text(*found), process_text(process));
  EXPECT_FALSE(found->ended_at);
  EXPECT_FALSE(found->camera_fps);
  EXPECT_FALSE(found->last_error);
}

TEST_P(ProcessStoreTest, UpdateReplacesEveryField) {
  RunningProcess process = make_process(1, "running");
  process.camera_fps = 10;
  process.last_error = "old";
  process.id = processes_.add(process);
  process.lifecycle = "stopped";
  process.ended_at = at_ms(2'000'000);
  process.stop_reason = "not desired";
  process.camera_fps.reset();
  process.last_error.reset();
  process.restarts = 1;
  processes_.update(process);
  EXPECT_EQ(process_text(*processes_.find(process.id)), process_text(process));

  process.id = 999;
  EXPECT_TRUE(fails_with([&] { processes_.update(process); }, Kind::kNotFound, "process 999 does not exist"));
}

TEST_P(ProcessStoreTest, UnknownLifecycleIsRefused) {
  EXPECT_TRUE(fails_with([&] { processes_.add(make_process(1, "zombie")); }, Kind::kInvalid, "refused"));
}

TEST_P(ProcessStoreTest, CurrentForPairIsTheNewestRowOfThatPair) {
  const Id other_camera = cameras_.add(make_camera("Other"));
  EXPECT_FALSE(processes_.current_for_pair(camera_, profile_));
  processes_.add(make_process(1, "exited"));
  const Id newest = processes_.add(make_process(2, "running"));
  RunningProcess elsewhere = make_process(3);
  elsewhere.camera_id = other_camera;
  const Id other = processes_.add(elsewhere);
  ASSERT_TRUE(processes_.current_for_pair(camera_, profile_));
  EXPECT_EQ(processes_.current_for_pair(camera_, profile_)->id, newest);
  EXPECT_EQ(processes_.current_for_pair(other_camera, profile_)->id, other);
  EXPECT_FALSE(processes_.current_for_pair(camera_, profile_ + 100));
}

TEST_P(ProcessStoreTest, ListFiltersByPairAndLifecycleNewestFirstWithinTheLimit) {
  const Id other_camera = cameras_.add(make_camera("Other"));
  const Id a = processes_.add(make_process(1, "exited"));
  const Id b = processes_.add(make_process(2, "running"));
  RunningProcess elsewhere = make_process(3, "running");
  elsewhere.camera_id = other_camera;
  const Id c = processes_.add(elsewhere);

  // The ids listed for a filter that `set` adjusts.
  const auto listed = [&](const std::function<void(ProcessStore::Filter&)>& set) {
    ProcessStore::Filter filter;
    set(filter);
    std::vector<Id> ids;
    for (const RunningProcess& process : processes_.list(filter)) ids.push_back(process.id);
    return ids;
  };
  using Filter = ProcessStore::Filter;
  EXPECT_EQ(listed([](Filter&) {}), (std::vector<Id>{c, b, a}));
  EXPECT_EQ(listed([&](Filter& f) { f.camera_id = camera_; }), (std::vector<Id>{b, a}));
  EXPECT_EQ(listed([&](Filter& f) { f.profile_id = profile_ + 100; }), std::vector<Id>{});
  EXPECT_EQ(listed([&](Filter& f) { f.lifecycles = {"running"}; }), (std::vector<Id>{c, b}));
  EXPECT_EQ(listed([&](Filter& f) { f.lifecycles = {"exited", "lost"}; }), std::vector<Id>{a});
  EXPECT_EQ(listed([&](Filter& f) {
              f.camera_id = camera_;
              f.lifecycles = {"running"};
            }),
            std::vector<Id>{b});
  EXPECT_EQ(listed([&](Filter& f) { f.limit = 2; }), (std::vector<Id>{c, b}));
}

TEST_P(ProcessStoreTest, ProcessesGoWithTheirCamera) {
  processes_.add(make_process(1));
  heartbeats_.insert(make_heartbeat(1), at_ms(1));
  cameras_.remove(camera_);
  EXPECT_EQ(count("running_processes"), 0);
  EXPECT_EQ(heartbeats_.count(), 0);
}

// ---------------------------------------------------------------- apply_heartbeat

TEST_P(ProcessStoreTest, LiveOnNodeListsOnlyThatNodesLiveRows) {
  const Id live = processes_.add(make_process(1, "running"));
  const Id stopping = processes_.add(make_process(2, "stopping"));
  processes_.add(make_process(3, "stopped"));
  RunningProcess elsewhere = make_process(4, "running");
  elsewhere.node = "other";
  processes_.add(elsewhere);
  std::vector<Id> ids;
  for (const RunningProcess& process : processes_.live_on_node("main")) ids.push_back(process.id);
  EXPECT_EQ(ids, (std::vector<Id>{stopping, live}));
  EXPECT_TRUE(processes_.live_on_node("main", camera_ + 1000).empty());
}

TEST_P(ProcessStoreTest, EndingARowKeepsItsTelemetryAndHappensOnce) {
  const Id id = processes_.add(make_process(77, "running"));
  Heartbeat heartbeat = make_heartbeat(77);
  heartbeat.camera_fps = 12.5;
  processes_.apply_heartbeat(heartbeat, at_ms(2'000'000));
  EXPECT_TRUE(processes_.mark_stopping(id, "configuration changed"));
  EXPECT_EQ(processes_.find(id)->lifecycle, "stopping");
  ProcessStore::Ending ending = ProcessStore::Ending::with_reason("stopped", at_ms(3'000'000), "ignored");
  ending.stop_reason.reset();  // no new reason: the stopping reason stays
  ending.exit_signal = 9;
  EXPECT_TRUE(processes_.end(id, ending));
  const RunningProcess ended = *processes_.find(id);
  EXPECT_EQ(ended.lifecycle, "stopped");
  EXPECT_EQ(text_of(ended.ended_at), "3000000");
  EXPECT_EQ(ended.exit_signal, 9);
  EXPECT_FALSE(ended.exit_code.has_value());
  EXPECT_EQ(ended.stop_reason, "configuration changed");
  EXPECT_EQ(ended.camera_fps, 12.5);
  EXPECT_EQ(text_of(ended.last_heartbeat_at), "2000000");
  // An ended row stays as it ended.
  EXPECT_FALSE(processes_.end(id, ProcessStore::Ending::with_reason("lost", at_ms(4'000'000), "again")));
  EXPECT_FALSE(processes_.mark_stopping(id, "again"));
  EXPECT_EQ(processes_.find(id)->lifecycle, "stopped");
  EXPECT_EQ(processes_.find(id)->stop_reason, "configuration changed");
}

TEST_P(ProcessStoreTest, HeartbeatPromotesStartingToRunningAndStoresItsTelemetry) {
  const Id id = processes_.add(make_process(77));
  Heartbeat heartbeat = make_heartbeat(77);
  heartbeat.state = "running";
  heartbeat.camera_fps = 25;
  heartbeat.processed_fps = 5;
  heartbeat.target_fps = 5;
  heartbeat.latency_ms = 40.5;
  heartbeat.dropped_frames = 3;
  heartbeat.detected = 9;
  heartbeat.matched = 4;
  heartbeat.reconnects = 1;
  heartbeat.last_error = "rtsp timeout";
  EXPECT_TRUE(processes_.apply_heartbeat(heartbeat, at_ms(5'000'000)));

  const RunningProcess process = *processes_.find(id);
  EXPECT_EQ(process.lifecycle, "running");
  EXPECT_EQ(text_of(process.last_heartbeat_at), "5000000");
  EXPECT_EQ(process.camera_fps, 25);
  EXPECT_EQ(process.processed_fps, 5);
  EXPECT_EQ(process.target_fps, 5);
  EXPECT_EQ(process.latency_ms, 40.5);
  EXPECT_EQ(process.dropped_frames, 3);
  EXPECT_EQ(process.detected, 9);
  EXPECT_EQ(process.matched, 4);
  EXPECT_EQ(process.reconnects, 1);
  EXPECT_EQ(process.last_error, "rtsp timeout");
  EXPECT_EQ(process.last_metrics, R"({"pid":77})");
}

TEST_P(ProcessStoreTest, HeartbeatLeavesAbsentFieldsAndStoppingAsTheyAre) {
  RunningProcess process = make_process(77, "stopping");
  process.camera_fps = 25;
  process.detected = 9;
  process.last_error = "earlier";
  process.id = processes_.add(process);
  Heartbeat heartbeat = make_heartbeat(77);
  heartbeat.processed_fps = 4;
  ASSERT_TRUE(processes_.apply_heartbeat(heartbeat, at_ms(6'000)));
  const RunningProcess after = *processes_.find(process.id);
  EXPECT_EQ(after.lifecycle, "stopping");
  EXPECT_EQ(after.camera_fps, 25);
  EXPECT_EQ(after.detected, 9);
  EXPECT_EQ(after.processed_fps, 4);
  EXPECT_EQ(after.last_error, "earlier");
}

TEST_P(ProcessStoreTest, HeartbeatStoresZeroFpsAndClearsTheErrorWithAnEmptyOne) {
  RunningProcess process = make_process(77, "running");
  process.camera_fps = 25;
  process.processed_fps = 5;
  process.last_error = "stream lost";
  process.id = processes_.add(process);
  Heartbeat heartbeat = make_heartbeat(77);
  heartbeat.camera_fps = 0;
  heartbeat.processed_fps = 0;
  heartbeat.last_error = "";
  ASSERT_TRUE(processes_.apply_heartbeat(heartbeat, at_ms(6'000)));
  const RunningProcess after = *processes_.find(process.id);
  EXPECT_EQ(after.camera_fps, 0.0);
  EXPECT_EQ(after.processed_fps, 0.0);
  EXPECT_FALSE(after.last_error);
}

TEST_P(ProcessStoreTest, HeartbeatFromAnyoneButThePairsLiveCurrentRunnerChangesNothing) {
  const Id older = processes_.add(make_process(10, "running"));
  const Id current = processes_.add(make_process(11, "running"));
  const std::string before = process_text(*processes_.find(older)) + process_text(*processes_.find(current));

  Heartbeat heartbeat = make_heartbeat(10);  // the older row's pid, still "running"
  heartbeat.camera_fps = 1;
  EXPECT_FALSE(processes_.apply_heartbeat(heartbeat, at_ms(9'000)));
  heartbeat.pid = 12;  // nobody's pid
  EXPECT_FALSE(processes_.apply_heartbeat(heartbeat, at_ms(9'000)));
  heartbeat.pid = 11;
  heartbeat.profile_id = profiles_.add(make_profile("Other"));  // unknown pair
  EXPECT_FALSE(processes_.apply_heartbeat(heartbeat, at_ms(9'000)));
  heartbeat.camera_id = 12345;
  heartbeat.profile_id = 67890;
  EXPECT_FALSE(processes_.apply_heartbeat(heartbeat, at_ms(9'000)));
  EXPECT_EQ(process_text(*processes_.find(older)) + process_text(*processes_.find(current)), before);
}

TEST_P(ProcessStoreTest, HeartbeatForAnEndedRowChangesNothing) {
  for (const char* lifecycle : {"stopped", "exited", "failed", "lost"}) {
    RunningProcess process = make_process(20, lifecycle);
    process.id = processes_.add(process);
    EXPECT_FALSE(processes_.apply_heartbeat(make_heartbeat(20), at_ms(9'000))) << lifecycle;
    EXPECT_EQ(process_text(*processes_.find(process.id)), process_text(process)) << lifecycle;
  }
}

TEST_P(ProcessStoreTest, RepeatedHeartbeatsReuseTheStatementAndReleaseTheDatabase) {
  const Id id = processes_.add(make_process(5));
  auto other = open();
  for (int i = 1; i <= 3; ++i) {
    Heartbeat heartbeat = make_heartbeat(5);
    heartbeat.detected = i;
    ASSERT_TRUE(processes_.apply_heartbeat(heartbeat, at_ms(i)));
    // Another connection writes at once: the kept statement holds no lock
    // (SQLite would wait for its busy timeout and fail).
    execute(*other, "UPDATE cameras SET location = :location WHERE id = :id", std::to_string(i), camera_);
    EXPECT_EQ(ProcessStore(*other).find(id)->detected, i);
  }
  EXPECT_FALSE(processes_.apply_heartbeat(make_heartbeat(6), at_ms(4)));
}

// Not a benchmark that fails: prints the cost of the hot path for the record.
TEST_P(ProcessStoreTest, HeartbeatTiming) {
  processes_.add(make_process(5));
  for (int pair = 0; pair < 50; ++pair) {
    RunningProcess other = make_process(1000 + pair, "running");
    other.camera_id = cameras_.add(make_camera("Camera " + std::to_string(pair)));
    processes_.add(other);
  }
  Heartbeat heartbeat = make_heartbeat(5);
  heartbeat.camera_fps = 25;
  heartbeat.processed_fps = 5;
  heartbeat.detected = 3;
  constexpr int kCalls = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(processes_.apply_heartbeat(heartbeat, at_ms(i)));
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  std::cout << "apply_heartbeat on " << testing::backend_name(GetParam()) << ": " << elapsed.count() / kCalls
            << " us per call\n";
}

// ---------------------------------------------------------------- heartbeats

TEST_P(ProcessStoreTest, HeartbeatRowRoundTripsEveryField) {
  Heartbeat heartbeat = make_heartbeat(31);
  heartbeat.state = "degraded";
  heartbeat.camera_fps = 24.5;
  heartbeat.processed_fps = 0;
  heartbeat.target_fps = 5;
  heartbeat.latency_ms = 33.25;
  heartbeat.dropped_frames = 6'000'000'000;
  heartbeat.detected = 2;
  heartbeat.matched = 1;
  heartbeat.reconnects = 4;
  heartbeat.last_frame_at = at_ms(1'700'000'000'123);
  heartbeat.last_error = "decoder stalled";
  heartbeat.snapshot_every = 30;
  heartbeat.min_face_px = 48;
  heartbeat.model = "buffalo_l";
  heartbeat.device = "cpu";
  const Id id = heartbeats_.insert(heartbeat, at_ms(1'700'000'000'999));
  const auto rows = heartbeats_.list({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, id);
  EXPECT_EQ(to_epoch_ms(rows[0].ts_at), 1'700'000'000'999);
  EXPECT_EQ(heartbeat_text(rows[0].heartbeat), heartbeat_text(heartbeat));

  const Id bare = heartbeats_.insert(make_heartbeat(32), at_ms(1'700'000'001'000));
  EXPECT_EQ(heartbeats_.list({})[0].id, bare);
  EXPECT_EQ(heartbeat_text(heartbeats_.list({})[0].heartbeat), heartbeat_text(make_heartbeat(32)));
}

TEST_P(ProcessStoreTest, HeartbeatListFiltersNewestFirstWithinTheLimit) {
  const Id other_camera = cameras_.add(make_camera("Other"));
  const Id other_profile = profiles_.add(make_profile("Other"));
  const Id a = heartbeats_.insert(make_heartbeat(1), at_ms(1000));
  const Id b = heartbeats_.insert(make_heartbeat(1), at_ms(3000));
  const Id c = heartbeats_.insert(make_heartbeat(1), at_ms(2000));
  Heartbeat elsewhere = make_heartbeat(2);
  elsewhere.camera_id = other_camera;
  const Id d = heartbeats_.insert(elsewhere, at_ms(2500));
  Heartbeat other_profile_heartbeat = make_heartbeat(3);
  other_profile_heartbeat.profile_id = other_profile;
  const Id e = heartbeats_.insert(other_profile_heartbeat, at_ms(500));

  // The ids listed for a filter that `set` adjusts.
  const auto listed = [&](const std::function<void(HeartbeatStore::Filter&)>& set) {
    HeartbeatStore::Filter filter;
    set(filter);
    std::vector<Id> ids;
    for (const HeartbeatRow& row : heartbeats_.list(filter)) ids.push_back(row.id);
    return ids;
  };
  using Filter = HeartbeatStore::Filter;
  EXPECT_EQ(listed([](Filter&) {}), (std::vector<Id>{b, d, c, a, e}));
  EXPECT_EQ(listed([&](Filter& f) { f.camera_id = camera_; }), (std::vector<Id>{b, c, a, e}));
  EXPECT_EQ(listed([&](Filter& f) {
              f.camera_id = camera_;
              f.profile_id = profile_;
            }),
            (std::vector<Id>{b, c, a}));
  EXPECT_EQ(listed([&](Filter& f) { f.profile_id = other_profile; }), std::vector<Id>{e});
  EXPECT_EQ(listed([&](Filter& f) { f.since = at_ms(2000); }), (std::vector<Id>{b, d, c}));
  EXPECT_EQ(listed([&](Filter& f) { f.limit = 2; }), (std::vector<Id>{b, d}));
  EXPECT_EQ(heartbeats_.count(), 5);
}

TEST_P(ProcessStoreTest, DeleteOlderThanKeepsTheCutoffInstant) {
  heartbeats_.insert(make_heartbeat(1), at_ms(999));
  heartbeats_.insert(make_heartbeat(1), at_ms(500));
  const Id at_cutoff = heartbeats_.insert(make_heartbeat(1), at_ms(1000));
  const Id newer = heartbeats_.insert(make_heartbeat(1), at_ms(1001));
  EXPECT_EQ(heartbeats_.delete_older_than(at_ms(1000)), 2);
  EXPECT_EQ(heartbeats_.count(), 2);
  EXPECT_EQ(heartbeats_.list({}).back().id, at_cutoff);
  EXPECT_EQ(heartbeats_.list({}).front().id, newer);
  EXPECT_EQ(heartbeats_.delete_older_than(at_ms(1000)), 0);
}

}  // namespace
}  // namespace bisk
