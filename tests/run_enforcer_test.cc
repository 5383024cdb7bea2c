// `bisk run-enforcer` with real processes: the fake runner (tests/fake_runner)
// started by a real enforcer, heartbeating to a real `bisk serve`, on SQLite
// and PostgreSQL. The fixture checks after every test that no process the test
// started is left and that there is no zombie.

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/catalog_stores.h"
#include "store/enforcer_store.h"
#include "support/enforcer_fixture.h"

namespace bisk::testing {
namespace {

// Under AddressSanitizer a fork of the enforcer (large shadow mappings) costs
// tens of milliseconds, which a loaded 2-core machine stretches further.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kBudgetScale = 1.5;
#else
constexpr double kBudgetScale = 1.0;
#endif

using ::testing::HasSubstr;
using ::testing::Not;

class EnforcerTest : public EnforcerFixture {
 protected:
  // A camera and profile desired now, and the enforcer started.
  std::pair<Id, Id> running_pair(const std::string& camera_name = "Gate",
                                 std::map<std::string, std::string> overrides = {}) {
    const Id camera = add_camera(camera_name);
    const Id profile = add_profile("HD-" + camera_name);
    add_policy({camera}, profile, always());
    if (enforcers().empty()) start_enforcer(std::move(overrides));
    EXPECT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s)) << enforcers().back()->log();
    return {camera, profile};
  }

  int last_pid(Id camera, Id profile) { return starts(camera, profile).back()["pid"].get<int>(); }

  // Waits for the pair's row to show its runner heartbeating.
  bool wait_running(Id camera, Id profile) {
    return wait_until(
        [&] {
          const auto pair_rows = rows(camera, profile);
          return !pair_rows.empty() && pair_rows.front().lifecycle == "running";
        },
        10s);
  }
};

TEST_P(EnforcerTest, StartsTheDesiredRunnerWithSecretsOnlyInItsEnvironment) {
  const std::string url = "rtsp://admin:s3cret-pass@127.0.0.1:8554/door";
  const Id camera = add_camera("Door", url);
  const Id profile = add_profile("HD", /*hb_interval=*/1, /*fps=*/4);
  add_policy({camera}, profile, always());
  EnforcerProcess& enforcer = start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s)) << enforcer.log();
  const nlohmann::json start = starts(camera, profile).front();
  EXPECT_EQ(start["rtsp_url"], url);
  EXPECT_TRUE(start["key_ok"].get<bool>());
  EXPECT_EQ(start["pgid"], start["pid"]) << "the runner leads its own process group";
  EXPECT_EQ(start["sid"], start["pid"]) << "the runner leads its own session";
  const std::string argv = start["argv"].dump();
  EXPECT_THAT(argv, HasSubstr("\"--camera\",\"" + std::to_string(camera) + "\""));
  EXPECT_THAT(argv, HasSubstr("\"--fps\",\"4\""));
  EXPECT_THAT(argv, Not(HasSubstr("s3cret")));
  EXPECT_THAT(argv, Not(HasSubstr(kEnforcerTestKey)));
  ASSERT_TRUE(wait_running(camera, profile));
  const RunningProcess row = rows(camera, profile).front();
  EXPECT_EQ(row.pid, start["pid"].get<int>());
  EXPECT_EQ(row.node, node());
  EXPECT_THAT(row.argv_masked, Not(HasSubstr("s3cret")));
  // The runner's output goes to its own log file.
  EXPECT_TRUE(std::ifstream(log_dir() + "/runner-" + std::to_string(camera) + "-" + std::to_string(profile) + ".log"));
  enforcer.stop();
  EXPECT_THAT(enforcer.log(), Not(HasSubstr("s3cret")));
  EXPECT_THAT(enforcer.log(), Not(HasSubstr(kEnforcerTestKey)));
}

TEST_P(EnforcerTest, AWindowStartsAndStopsTheRunnerWithinASecondOfItsBoundaries) {
  const Id camera = add_camera("Hall");
  const Id profile = add_profile("HD");
  start_enforcer();
  // Added well before the boundary: the enforcer learns of it at its next
  // reconciliation (every 5 s here) and wakes at the boundary itself.
  const Instant begin = sleep_until_before_next_minute(std::chrono::seconds(8));
  add_policy({camera}, profile, {window_at(begin, std::chrono::seconds(60))});
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 12s));
  const long long started_ms = starts(camera, profile).front()["start_ms"].get<long long>();
  EXPECT_GE(started_ms, to_epoch_ms(begin));
  EXPECT_LE(started_ms, to_epoch_ms(begin) + 1000);
  const Instant end = begin + std::chrono::seconds(60);
  ASSERT_TRUE(wait_until([&] { return !events(camera, profile, "term").empty(); }, 70s));
  const long long term_ms = events(camera, profile, "term").front()["at_ms"].get<long long>();
  EXPECT_GE(term_ms, to_epoch_ms(end));
  EXPECT_LE(term_ms, to_epoch_ms(end) + 1000);
  ASSERT_TRUE(wait_until([&] { return live_rows().empty(); }, 5s));
  const RunningProcess row = rows(camera, profile).front();
  EXPECT_EQ(row.lifecycle, "stopped");
  EXPECT_THAT(row.stop_reason.value_or(""), HasSubstr("not desired"));
}

TEST_P(EnforcerTest, AKilledRunnerIsRestartedAfterABackoffAndItsRowTellsWhy) {
  const auto [camera, profile] = running_pair();
  const int pid = last_pid(camera, profile);
  const long long killed_ms = to_epoch_ms(now_instant());
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 2; }, 10s)) << enforcers()[0]->log();
  const long long restarted_ms = starts(camera, profile).back()["start_ms"].get<long long>();
  // 2 s ± 20 % jitter, plus at most a second of scheduling.
  EXPECT_GE(restarted_ms - killed_ms, 1600);
  EXPECT_LE(restarted_ms - killed_ms, 3400);
  const auto pair_rows = rows(camera, profile);
  ASSERT_EQ(pair_rows.size(), 2u);
  EXPECT_EQ(pair_rows[1].lifecycle, "failed");
  EXPECT_EQ(pair_rows[1].exit_signal.value_or(0), SIGKILL);
  EXPECT_THAT(pair_rows[1].stop_reason.value_or(""), HasSubstr("killed by signal 9"));
  EXPECT_EQ(pair_rows[0].restarts, 1);
  const ProcessResult explain = bisk({"explain", "--camera", std::to_string(camera)});
  EXPECT_THAT(explain.out, HasSubstr("killed by signal 9"));
}

TEST_P(EnforcerTest, RepeatedCrashesGetGrowingDelaysWithJitter) {
  const Id camera = add_camera("Crashy");
  const Id profile = add_profile("HD");
  set_mode(camera, profile, "crash_after_ms=200");
  add_policy({camera}, profile, always());
  start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() >= 4; }, 25s)) << enforcers()[0]->log();
  set_mode(camera, profile, "");
  const auto records = starts(camera, profile);
  std::vector<long long> delays;  // from one crash (start + 200 ms) to the next start
  for (std::size_t i = 1; i < 4; ++i) {
    delays.push_back(records[i]["start_ms"].get<long long>() - records[i - 1]["start_ms"].get<long long>() - 200);
  }
  // 2, 4 and 8 s, each ±20 %, plus scheduling slack.
  EXPECT_GE(delays[0], 1600);
  EXPECT_LE(delays[0], 3000);
  EXPECT_GE(delays[1], 3200);
  EXPECT_LE(delays[1], 5400);
  EXPECT_GE(delays[2], 6400);
  EXPECT_LE(delays[2], 10200);
  EXPECT_LT(delays[0], delays[1]);
  EXPECT_LT(delays[1], delays[2]);
}

TEST_P(EnforcerTest, ExitCode2QuarantinesThePairUntilItsConfigurationChanges) {
  const Id camera = add_camera("Misconfigured");
  const Id profile = add_profile("HD");
  set_mode(camera, profile, "exit_after_ms=100\nexit_code=2");
  add_policy({camera}, profile, always());
  start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  ASSERT_TRUE(wait_until([&] { return live_rows().empty(); }, 5s));
  // No restart, however long we wait (backoff would have restarted it in ~2 s).
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(starts(camera, profile).size(), 1u);
  const RunningProcess row = rows(camera, profile).front();
  EXPECT_EQ(row.lifecycle, "failed");
  EXPECT_EQ(row.exit_code.value_or(-1), 2);
  EXPECT_THAT(row.stop_reason.value_or(""), HasSubstr("quarantined"));
  const auto states = EnforcerStore(db()).pair_states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_TRUE(states[0].quarantine_reason.has_value());
  // The operator fixes the configuration: the pair runs again.
  set_mode(camera, profile, "");
  update_profile(profile, [](StreamProfile& changed) { changed.fps = 3; });
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 2; }, 20s)) << enforcers()[0]->log();
  EXPECT_TRUE(wait_until([&] { return EnforcerStore(db()).pair_states().empty(); }, 5s));
}

TEST_P(EnforcerTest, ARunnerIgnoringSigtermIsKilledAfterTheGraceWithItsGrandchildren) {
  const Id camera = add_camera("Stubborn");
  const Id profile = add_profile("HD");
  set_mode(camera, profile, "ignore_term=1\ngrandchildren=2");
  add_policy({camera}, profile, always());
  start_enforcer({{"BISK_STOP_GRACE", "2"}});
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  const nlohmann::json start = starts(camera, profile).front();
  const int pid = start["pid"].get<int>();
  std::vector<int> family = {pid};
  for (const auto& child : start["grandchildren"]) family.push_back(child.get<int>());
  ASSERT_EQ(family.size(), 3u);
  pause_camera(camera, now_instant() + std::chrono::hours(1));
  ASSERT_TRUE(wait_until([&] { return !events(camera, profile, "term").empty(); }, 20s)) << enforcers()[0]->log();
  const long long term_ms = events(camera, profile, "term").front()["at_ms"].get<long long>();
  ASSERT_TRUE(wait_until([&] { return !pid_alive(pid); }, 6s));
  const long long gone_ms = to_epoch_ms(now_instant());
  EXPECT_GE(gone_ms - term_ms, 1900) << "killed before the grace ended";
  for (const int member : family) EXPECT_FALSE(pid_alive(member)) << member;
  ASSERT_TRUE(wait_until([&] { return live_rows().empty(); }, 5s));
  const RunningProcess row = rows(camera, profile).front();
  EXPECT_EQ(row.lifecycle, "stopped");
  EXPECT_EQ(row.exit_signal.value_or(0), SIGKILL);
  EXPECT_THAT(row.stop_reason.value_or(""), HasSubstr("paused"));
}

TEST_P(EnforcerTest, GrandchildrenOfACrashedRunnerDoNotSurviveIt) {
  const Id camera = add_camera("Forky");
  const Id profile = add_profile("HD");
  set_mode(camera, profile, "grandchildren=3\nexit_after_ms=500\nexit_code=1");
  add_policy({camera}, profile, always());
  start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  std::vector<int> grandchildren;
  const nlohmann::json start = starts(camera, profile).front();
  for (const auto& child : start["grandchildren"]) grandchildren.push_back(child.get<int>());
  ASSERT_EQ(grandchildren.size(), 3u);
  ASSERT_TRUE(wait_until([&] { return rows(camera, profile).front().lifecycle == "failed"; }, 5s));
  set_mode(camera, profile, "");  // the restart behaves
  for (const int child : grandchildren) EXPECT_TRUE(wait_until([&] { return !pid_alive(child); }, 2s)) << child;
}

TEST_P(EnforcerTest, ASilentRunnerIsRestarted) {
  const Id camera = add_camera("Quiet");
  const Id profile = add_profile("HD", /*hb_interval=*/1);
  add_policy({camera}, profile, always());
  start_enforcer({{"BISK_RUNNER_SILENT_AFTER", "3"}});
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  ASSERT_TRUE(wait_running(camera, profile));
  set_mode(camera, profile, "silent=1");
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 2; }, 20s)) << enforcers()[0]->log();
  const RunningProcess ended = rows(camera, profile)[1];
  EXPECT_EQ(ended.lifecycle, "stopped");
  EXPECT_THAT(ended.stop_reason.value_or(""), HasSubstr("silent"));
}

TEST_P(EnforcerTest, NothingIsRestartedForSilenceWhileTheHeartbeatApiIsDown) {
  const Id camera = add_camera("Orphaned");
  const Id profile = add_profile("HD", /*hb_interval=*/1);
  add_policy({camera}, profile, always());
  EnforcerProcess& enforcer = start_enforcer({{"BISK_RUNNER_SILENT_AFTER", "3"}});
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  ASSERT_TRUE(wait_running(camera, profile));
  server().stop();
  std::this_thread::sleep_for(9s);  // three times the silence limit
  EXPECT_EQ(starts(camera, profile).size(), 1u) << enforcer.log();
  EXPECT_TRUE(pid_alive(last_pid(camera, profile)));
  EXPECT_THAT(enforcer.log(), HasSubstr("heartbeats are failing centrally"));
}

TEST_P(EnforcerTest, ANewEnforcerAdoptsTheRunnersOfOneKilledWithSigkill) {
  const auto [camera, profile] = running_pair();
  ASSERT_TRUE(wait_running(camera, profile));
  const int pid = last_pid(camera, profile);
  enforcers()[0]->kill9();
  EnforcerProcess& second = start_enforcer();
  ASSERT_TRUE(second.wait_log_contains("adopted runner", 10s)) << second.log();
  std::this_thread::sleep_for(3s);  // a few reconciliations
  EXPECT_EQ(starts(camera, profile).size(), 1u) << "no duplicate, no restart";
  EXPECT_TRUE(pid_alive(pid));
  EXPECT_EQ(live_rows().size(), 1u);
  // The adopted runner is stopped properly too.
  EXPECT_EQ(second.stop(), 0);
  EXPECT_FALSE(pid_alive(pid));
  EXPECT_EQ(rows(camera, profile).front().lifecycle, "stopped");
}

TEST_P(EnforcerTest, ARunnerProcessWithoutARowIsStopped) {
  const auto [camera, profile] = running_pair();
  const int stray = last_pid(camera, profile);
  enforcers()[0]->kill9();
  // Its row disappears (e.g. deleted by hand): nobody tracks the process now.
  db().session() << "DELETE FROM running_processes";
  EnforcerProcess& second = start_enforcer();
  ASSERT_TRUE(wait_until([&] { return !pid_alive(stray); }, 10s)) << second.log();
  EXPECT_FALSE(events(camera, profile, "term").empty()) << "stopped with SIGTERM first";
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 2; }, 10s)) << second.log();
  EXPECT_EQ(live_rows().size(), 1u);
}

TEST_P(EnforcerTest, AReusedPidIsNeverSignalled) {
  // An unrelated process holds the pid a row names, but with another start time.
  const pid_t stranger = fork();
  ASSERT_GE(stranger, 0);
  if (stranger == 0) {
    execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_TRUE(wait_until([&] { return proc_info(stranger).has_value(); }, 2s));
  const Id camera = add_camera("Recycled");
  const Id profile = add_profile("HD");
  RunningProcess row;
  row.camera_id = camera;
  row.profile_id = profile;
  row.node = node();
  row.pid = stranger;
  row.process_start_time = proc_info(stranger)->start_time + 1;
  row.impl = "ffmpeg_all";
  row.argv_masked = "bisk runner";
  row.spec_hash = "old";
  row.lifecycle = "running";
  row.started_at = now_instant();
  ProcessStore(db()).add(row);
  // stop-runners skips it...
  const ProcessResult stopped = bisk({"stop-runners"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(stopped.out, HasSubstr("Stopped 0 runner(s); skipped 1 already-dead."));
  EXPECT_TRUE(pid_alive(stranger));
  // ... and so does an enforcer, which starts a runner of its own for the pair.
  ProcessStore(db()).add(row);
  add_policy({camera}, profile, always());
  start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
  pause_camera(camera, now_instant() + std::chrono::hours(1));
  ASSERT_TRUE(wait_until([&] { return live_rows().empty(); }, 10s));
  EXPECT_TRUE(pid_alive(stranger));
  kill(stranger, SIGKILL);
  waitpid(stranger, nullptr, 0);
}

TEST_P(EnforcerTest, ASecondEnforcerExits1NamingTheHolder) {
  EnforcerProcess& first = start_enforcer();
  ASSERT_TRUE(first.wait_log_contains("enforcer started", 10s)) << first.log();
  EnforcerProcess& second = start_enforcer();
  const auto code = second.wait_exit(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(second.log(), HasSubstr("pid " + std::to_string(first.pid())));
  EXPECT_TRUE(first.running());
}

TEST_P(EnforcerTest, AHundredCamerasEnteringAPeriodAreStartedPacedAndOnce) {
  constexpr int kCameras = 100;
  // 10 a second leaves headroom for the sanitizer build, where one spawn
  // (fork of a large process, row insert) takes up to ~70 ms.
  constexpr int kRate = 10;
  const Id profile = add_profile("HD", /*hb_interval=*/5);
  std::vector<Id> cameras;
  for (int i = 0; i < kCameras; ++i) cameras.push_back(add_camera("Cam" + std::to_string(i)));
  add_policy(cameras, profile, always());
  const Instant opens = now_instant() + std::chrono::seconds(3);
  for (const Id camera : cameras) pause_camera(camera, opens);
  start_enforcer({{"BISK_SPAWN_RATE", std::to_string(kRate)}});
  const auto all_started = [&] {
    for (const Id camera : cameras) {
      if (starts(camera, profile).empty()) return false;
    }
    return true;
  };
  // The budget: 100 starts at 10/s take 10 s.
  ASSERT_TRUE(wait_until(all_started, 20s)) << enforcers()[0]->log();
  // The pacing is judged on the enforcer's spawn instants (the rows' started_at):
  // the runners' own start times add exec latency, which under the sanitizer
  // build varies by more than 100 ms from one spawn to the next.
  std::vector<long long> started_ms;
  for (const Id camera : cameras) {
    EXPECT_EQ(starts(camera, profile).size(), 1u) << "camera " << camera << " started twice";
    const auto pair_rows = rows(camera, profile);
    ASSERT_EQ(pair_rows.size(), 1u) << "camera " << camera;
    started_ms.push_back(to_epoch_ms(pair_rows.front().started_at));
  }
  std::sort(started_ms.begin(), started_ms.end());
  EXPECT_GE(started_ms.front(), to_epoch_ms(opens));
  EXPECT_LE(started_ms.back() - to_epoch_ms(opens), kBudgetScale * (1000.0 * kCameras / kRate) + 1500);
  // Never more than the rate within any second.
  for (std::size_t i = kRate; i < started_ms.size(); ++i) {
    EXPECT_GE(started_ms[i] - started_ms[i - kRate], 1000) << "start " << i;
  }
  EXPECT_TRUE(wait_until([&] { return live_rows().size() == kCameras; }, 5s));
}

TEST_P(EnforcerTest, SigtermStopsEveryRunnerAndExits0) {
  const auto first = running_pair("North");
  const auto second = running_pair("South");
  const int pid_a = last_pid(first.first, first.second);
  const int pid_b = last_pid(second.first, second.second);
  EXPECT_EQ(enforcers()[0]->stop(SIGTERM), 0);
  EXPECT_FALSE(pid_alive(pid_a));
  EXPECT_FALSE(pid_alive(pid_b));
  EXPECT_TRUE(live_rows().empty());
  EXPECT_THAT(rows(first.first, first.second).front().stop_reason.value_or(""), HasSubstr("enforcer stopping"));
}

TEST_P(EnforcerTest, AConfigurationChangeRestartsThatPairOnly) {
  const auto changed = running_pair("Changed");
  const auto untouched = running_pair("Untouched");
  update_profile(changed.second, [](StreamProfile& profile) { profile.fps = 7; });
  ASSERT_TRUE(wait_until([&] { return starts(changed.first, changed.second).size() == 2; }, 25s))
      << enforcers()[0]->log();
  EXPECT_THAT(starts(changed.first, changed.second).back()["argv"].dump(), HasSubstr("\"--fps\",\"7\""));
  EXPECT_EQ(starts(untouched.first, untouched.second).size(), 1u);
  EXPECT_EQ(rows(changed.first, changed.second)[1].stop_reason.value_or(""), "configuration changed");
}

TEST_P(EnforcerTest, OperatorRequestsAreCarriedOutWithinTwoSeconds) {
  const auto [camera, profile] = running_pair();
  ASSERT_TRUE(wait_running(camera, profile));
  EnforcerRequest request;
  request.kind = "restart";
  request.process_id = rows(camera, profile).front().id;
  request.requested_by = "admin";
  request.requested_at = now_instant();
  const auto asked = std::chrono::steady_clock::now();
  const Id id = EnforcerStore(db()).add_request(request);
  ASSERT_TRUE(wait_until([&] { return !events(camera, profile, "term").empty(); }, 5s));
  EXPECT_LE(std::chrono::steady_clock::now() - asked, 2500ms);
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 2; }, 5s)) << "a restart skips the backoff";
  const auto handled = EnforcerStore(db()).find_request(id);
  ASSERT_TRUE(handled && handled->handled_at);
  EXPECT_THAT(rows(camera, profile)[1].stop_reason.value_or(""), HasSubstr("operator restart"));
}

TEST_P(EnforcerTest, BiskEnforceAsksTheRunningEnforcer) {
  const auto [camera, profile] = running_pair();
  const ProcessResult result = bisk({"enforce", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json answer = nlohmann::json::parse(result.out);
  EXPECT_EQ(answer["desired"], 1);
  EXPECT_EQ(answer["running"], 1);
  EXPECT_TRUE(answer["started"].empty());
  EXPECT_EQ(starts(camera, profile).size(), 1u);
}

TEST_P(EnforcerTest, BiskEnforceWithoutAnEnforcerReconcilesItselfAndStopRunnersStopsWhatItStarted) {
  const Id camera = add_camera("Manual");
  const Id profile = add_profile("HD");
  add_policy({camera}, profile, always());
  const ProcessResult result = bisk({"enforce"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("started camera " + std::to_string(camera)));
  EXPECT_THAT(result.out, HasSubstr("started=1 stopped=0 desired=1 running=0"));
  // The runner writes its start record a moment after it was spawned.
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 5s));
  const int pid = last_pid(camera, profile);
  EXPECT_TRUE(pid_alive(pid)) << "the runner outlives bisk enforce";
  const ProcessResult stopped = bisk({"stop-runners", "--camera", std::to_string(camera)});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(stopped.out, HasSubstr("Stopped 1 runner(s); skipped 0 already-dead."));
  EXPECT_TRUE(wait_until([&] { return !pid_alive(pid); }, 3s));
  EXPECT_EQ(rows(camera, profile).front().lifecycle, "stopped");
}

TEST_P(EnforcerTest, TellsSystemdItIsReadyAndAlive) {
  const std::string socket_path = home() + "/notify.sock";
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  start_enforcer({{"NOTIFY_SOCKET", socket_path}, {"WATCHDOG_USEC", "1000000"}});
  std::set<std::string> received;
  wait_until(
      [&] {
        char buffer[512];
        timeval timeout{0, 100'000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        const ssize_t length = recv(fd, buffer, sizeof buffer, 0);
        if (length > 0) {
          std::string message(buffer, static_cast<std::size_t>(length));
          if (message.find("READY=1") != std::string::npos) received.insert("READY=1");
          if (message.find("WATCHDOG=1") != std::string::npos) received.insert("WATCHDOG=1");
        }
        return received.size() == 2;
      },
      10s, 1ms);
  close(fd);
  EXPECT_TRUE(received.contains("READY=1"));
  EXPECT_TRUE(received.contains("WATCHDOG=1"));
}

TEST_P(EnforcerTest, ResolvedResourcesAreAppliedAndPassed) {
  const Id camera = add_camera("Placed");
  const Id profile = add_profile("HD", /*hb_interval=*/1, /*fps=*/10);
  ResourceSettings global;
  global.max_fps = 4;
  global.det_set_max = "640";
  global.cpu_nice = 3;
  ResourceStore(db()).put_global(global);
  ResourceSettings placed;
  placed.cpu_nice = 7;  // the camera's value wins
  placed.cpu_affinity = "0";
  placed.gpu_index = 1;
  ResourceStore(db()).put_camera(camera, placed);
  add_policy({camera}, profile, always());
  start_enforcer();
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s)) << enforcers()[0]->log();
  const nlohmann::json start = starts(camera, profile).front();
  EXPECT_EQ(start["nice"], 7);
  EXPECT_EQ(start["affinity"], "0");
  const std::string argv = start["argv"].dump();
  EXPECT_THAT(argv, HasSubstr("\"--fps\",\"4\""));
  EXPECT_THAT(argv, HasSubstr("\"--det_set\",\"640\""));
  EXPECT_THAT(argv, HasSubstr("\"--gpu_index\",\"1\""));
}

TEST_P(EnforcerTest, RecordsItsStateForTheDashboard) {
  running_pair();
  ASSERT_TRUE(wait_until([&] { return !EnforcerStore(db()).states().empty(); }, 5s));
  const EnforcerState state = EnforcerStore(db()).states().front();
  EXPECT_EQ(state.node, node());
  EXPECT_EQ(state.pid, enforcers()[0]->pid());
  EXPECT_TRUE(state.last_ok_at.has_value());
  EXPECT_FALSE(state.last_error.has_value());
  EXPECT_TRUE(state.last_tick_ms.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, EnforcerTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
