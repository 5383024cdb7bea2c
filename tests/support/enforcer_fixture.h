// The setting of the enforcer's integration tests: a migrated database on one
// backend, a real `bisk serve` taking the runners' heartbeats, and any number
// of real `bisk run-enforcer` processes whose runners are the fake runner
// (tests/fake_runner/fake_runner.cc), steered through its mode files and
// observed through its records, the database and /proc.
//
// The test process is a child subreaper (PR_SET_CHILD_SUBREAPER): runners
// orphaned by an enforcer killed with SIGKILL become its children, as they
// would become init's in production, and like init a background thread reaps
// them (only orphaned fake runners and their children: never a process the test
// spawned itself), so a new enforcer that adopted them sees them end.
//
// Each test has its own database, home directory (media, snapshots, logs, lock
// file) and node name, so parallel test processes never touch each other's
// runners. TearDown stops the enforcers with SIGTERM, expects that no process
// the test started (other than `bisk serve`) is left and no zombie, then kills
// and reaps whatever is left so the next test starts clean.
//
//   class EnforcerTest : public EnforcerFixture {};
//   TEST_P(EnforcerTest, StartsTheDesiredRunner) {
//     const Id camera = add_camera("Gate");
//     const Id profile = add_profile("HD");
//     add_policy({camera}, profile, always());
//     start_enforcer();
//     ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 10s));
//   }
//   INSTANTIATE_TEST_SUITE_P(Backends, EnforcerTest, ::testing::ValuesIn(all_backends()),
//                            [](const auto& info) { return backend_name(info.param); });
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "domain/entities.h"
#include "store/database.h"
#include "store/process_store.h"
#include "support/server_process.h"
#include "support/subprocess.h"
#include "testing/test_databases.h"
#include "testing/wait.h"

namespace bisk::testing {

using namespace std::chrono_literals;

inline constexpr char kEnforcerTestKey[] = "enforcer-test-key-2b8e61d0c4f9a735";
// As the value of an environment override: remove the variable instead.
inline constexpr char kUnset[] = "\x7f<unset>";

// One line of /proc/PID/stat.
struct ProcInfo {
  int pid = 0;
  std::string comm;  // at most 15 characters ("bisk_fake_runne")
  char state = '?';  // R, S, D, Z, T, …
  int ppid = 0;
  int pgid = 0;
  int sid = 0;
  long long start_time = 0;  // clock ticks after boot (field 22), as RunningProcess.process_start_time
};
std::optional<ProcInfo> proc_info(int pid);  // nullopt once the process is gone (and reaped)
std::vector<ProcInfo> all_processes();
// The argv of a live process (empty for zombies and vanished processes).
std::vector<std::string> proc_cmdline(int pid);

// A `bisk run-enforcer` child of the test process. Its stdout and stderr go to
// a log file; stdin is /dev/null. The destructor kills (SIGKILL) and reaps it
// if it still runs.
class EnforcerProcess {
 public:
  // `env` is the whole environment; `args` follow `bisk run-enforcer`.
  EnforcerProcess(const std::map<std::string, std::string>& env, const std::string& log_path,
                  const std::vector<std::string>& args = {});
  ~EnforcerProcess();
  EnforcerProcess(const EnforcerProcess&) = delete;
  EnforcerProcess& operator=(const EnforcerProcess&) = delete;

  pid_t pid() const { return pid_; }  // kept after the exit, for messages
  bool running();                     // false once it has exited (it is then reaped)
  // Sends `signal` and waits up to `timeout` for the exit; returns the exit code,
  // or -1 when it died of a signal or had to be killed (then timed_out() is true).
  int stop(int signal = SIGTERM, std::chrono::milliseconds timeout = 15s);
  void kill9();  // SIGKILL and reap: its runners are orphaned, as after a crash
  // Waits for an exit of its own: the exit code (-1 for a signal), or nullopt if
  // it still runs after `timeout` (it is not signalled).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::optional<int> exit_code() const { return exit_code_; }      // set once exited normally
  std::optional<int> exit_signal() const { return exit_signal_; }  // set once died of a signal
  bool timed_out() const { return timed_out_; }
  std::string log() const;  // everything it wrote so far
  const std::string& log_path() const { return log_path_; }
  bool wait_log_contains(const std::string& text, std::chrono::milliseconds timeout);

 private:
  bool reap(bool block);  // true once the exit status is known
  pid_t pid_ = -1;
  bool exited_ = false;
  bool timed_out_ = false;
  std::optional<int> exit_code_;
  std::optional<int> exit_signal_;
  std::string log_path_;
};

// What the background reaper collected: an orphan reparented to the test process.
struct ReapedOrphan {
  int pid = 0;
  std::optional<int> exit_code;
  std::optional<int> exit_signal;
};

class EnforcerFixture : public ::testing::TestWithParam<TestBackend> {
 protected:
  EnforcerFixture();
  ~EnforcerFixture() override;
  // Subclasses that override these must call them.
  void SetUp() override;
  void TearDown() override;

  // ---- environment and commands
  // The whole environment of `bisk run-enforcer` (and of bisk() commands).
  std::map<std::string, std::string> enforcer_environment() const;
  // Starts `bisk run-enforcer` with enforcer_environment() plus `overrides`
  // (kUnset removes a variable); several may run at once. Owned by the fixture.
  EnforcerProcess& start_enforcer(std::map<std::string, std::string> overrides = {},
                                  std::vector<std::string> args = {});
  const std::vector<std::unique_ptr<EnforcerProcess>>& enforcers() const { return enforcers_; }
  // Runs `bisk args…` (enforce, stop-runners, desired --json, …) in the enforcer's environment.
  ProcessResult bisk(std::vector<std::string> args, std::map<std::string, std::string> overrides = {},
                     std::chrono::milliseconds timeout = 30s);

  // ---- catalog, through the stores
  Database& db() { return *db_; }
  // A camera of this test's node (or of `node`, nullopt = no node).
  Id add_camera(const std::string& name, const std::string& url = "rtsp://user:secret@127.0.0.1:8554/cam");
  Id add_camera_on(const std::string& name, std::optional<std::string> node,
                   const std::string& url = "rtsp://user:secret@127.0.0.1:8554/cam");
  Id add_profile(const std::string& name, int hb_interval = 1, double fps = 2);
  // An enabled policy over `camera_ids` whose windows without a profile (profile_id 0) get `profile_id`.
  Id add_policy(const std::vector<Id>& camera_ids, Id profile_id, std::vector<ScheduleWindow> windows);
  void update_camera(Id id, const std::function<void(Camera&)>& change);
  void update_profile(Id id, const std::function<void(StreamProfile&)>& change);
  void update_policy(Id id, const std::function<void(SchedulePolicy&)>& change);
  void pause_camera(Id id, std::optional<Instant> until);

  // ---- windows (read in UTC: the enforcer runs with BISK_TIME_ZONE=UTC)
  // Whole-day windows (start == end) on every day of the week.
  static std::vector<ScheduleWindow> always();
  // A window starting at `start` (rounded to the nearest minute) lasting
  // `duration` (rounded to whole minutes, at least 1, less than a day).
  static ScheduleWindow window_at(Instant start, std::chrono::seconds duration);
  // window_at(now + seconds_from_now, duration): windows have minute resolution,
  // so call sleep_until_before_next_minute() first when the boundary matters.
  static ScheduleWindow window_from_now(int seconds_from_now, int duration_seconds);
  // The first whole minute strictly after now.
  static Instant next_minute_boundary();
  // Sleeps until `lead` before a minute boundary (the next one, or the one after
  // when the next is less than `lead` away; so at most 60 s + lead) and returns that boundary.
  static Instant sleep_until_before_next_minute(std::chrono::seconds lead);

  // ---- the fake runners
  const std::string& node() const { return node_; }
  const std::string& home() const { return home_.path(); }
  std::string snapshot_dir() const;
  std::string log_dir() const;
  std::string control_dir() const;  // <snapshots>/fake
  // Replaces the pair's mode file (atomically; "" = well-behaved), e.g. "silent=1\nignore_term=1".
  void set_mode(Id camera, Id profile, const std::string& lines);
  // The pair's records, oldest first (see fake_runner.cc for the fields).
  std::vector<nlohmann::json> starts(Id camera, Id profile) const;
  std::vector<nlohmann::json> events(Id camera, Id profile) const;
  std::vector<nlohmann::json> events(Id camera, Id profile, const std::string& event) const;

  // ---- processes
  // RunningProcess rows of this node with lifecycle starting, running or stopping, newest first.
  std::vector<RunningProcess> live_rows();
  std::vector<RunningProcess> rows(Id camera, Id profile);  // all of the pair's rows, newest first
  bool pid_alive(int pid) const;                            // exists and is not a zombie
  // Every descendant of the test process (enforcers, runners, their children),
  // except `bisk serve` and its children. Enforcers that exited are reaped first.
  std::vector<int> descendants();
  std::vector<int> zombies_among_descendants();
  // The live fake runners among the descendants, with the grandchildren they
  // forked (same program): e.g. `pgid == pid` tells a runner from those.
  std::vector<ProcInfo> fake_runner_processes();
  // A readable list of processes (pid, ppid, pgid, state, argv) for failure messages.
  static std::string describe_processes(const std::vector<int>& pids);
  // What the background reaper collected so far.
  std::vector<ReapedOrphan> reaped_orphans() const;
  ServerProcess& server() { return *server_; }
  std::string heartbeat_url() const;

 private:
  void reaper_loop();
  void cleanup_processes(bool expect_clean);
  std::string pair_file(Id camera, Id profile, const char* suffix) const;
  std::vector<nlohmann::json> read_records(const std::string& path) const;

  TempDir home_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<EnforcerProcess>> enforcers_;
  std::string node_;
  int policy_counter_ = 0;
  bool torn_down_ = false;

  std::atomic<bool> reaper_stop_{false};
  std::thread reaper_;
  mutable std::mutex reaped_mutex_;
  std::vector<ReapedOrphan> reaped_;
};

}  // namespace bisk::testing
