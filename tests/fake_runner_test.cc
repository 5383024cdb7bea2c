// The fake runner (tests/fake_runner/fake_runner.cc) that the enforcer's tests
// use in place of `bisk runner`: its command line, its heartbeats to a real
// `bisk serve`, its stop on SIGTERM and each misbehaviour of its mode file.
// It is spawned here directly (fork/exec), independently of the enforcer.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/catalog_stores.h"
#include "support/enforcer_fixture.h"
#include "support/runner_api_fixture.h"
#include "support/server_process.h"
#include "support/subprocess.h"
#include "testing/test_databases.h"

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Json> read_records(const std::string& path) {
  std::vector<Json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) records.push_back(Json::parse(line));
  return records;
}

// A state other than gone or zombie (grandchildren are not ours to reap).
bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return false;
  return text[paren + 2] != 'Z' && text[paren + 2] != 'X';
}

int pgid_of(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  char state = 0;
  int ppid = 0, pgid = 0;
  fields >> state >> ppid >> pgid;
  return pgid;
}

// One fake runner, spawned in a process group of its own (as the enforcer
// does), output to a log file; killed with its group and reaped at the end.
class FakeRunner {
 public:
  FakeRunner(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             const std::string& log_path)
      : log_path_(log_path) {
    std::vector<std::string> argv = {BISK_FAKE_RUNNER};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env_strings;
    for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
    std::vector<char*> c_argv, c_env;
    for (auto& arg : argv) c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);
    for (auto& entry : env_strings) c_env.push_back(entry.data());
    c_env.push_back(nullptr);
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      const int null_fd = open("/dev/null", O_RDONLY);
      dup2(null_fd, STDIN_FILENO);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      execve(c_argv[0], c_argv.data(), c_env.data());
      _exit(127);
    }
    close(log_fd);
    setpgid(pid_, pid_);  // also here: no race with a signal to the group
  }
  ~FakeRunner() {
    if (!status_) {
      kill(-pid_, SIGKILL);
      wait_exit(5s);
    }
  }
  FakeRunner(const FakeRunner&) = delete;
  FakeRunner& operator=(const FakeRunner&) = delete;

  int pid() const { return pid_; }
  // The raw wait status once it has exited within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    wait_until(
        [this] {
          int status = 0;
          if (!status_ && waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
          return status_.has_value();
        },
        timeout, 10ms);
    return status_;
  }
  bool running() { return !wait_exit(0ms); }
  std::string log() const { return read_text(log_path_); }

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

std::vector<std::string> runner_args(Id camera, Id profile, const std::string& hb_url, const std::string& snapshots,
                                     const std::string& hb_interval = "1") {
  return {"runner",
          "--impl",
          "ffmpeg_all",
          "--camera",
          std::to_string(camera),
          "--profile",
          std::to_string(profile),
          "--fps",
          "2",
          "--det_set",
          "auto",
          "--hb",
          hb_url,
          "--hb_interval",
          hb_interval,
          "--snapshots",
          snapshots,
          "--snapshot_every",
          "30",
          "--rtsp_transport",
          "tcp",
          "--min_score",
          "0.6",
          "--min_face_px",
          "40"};
}

std::map<std::string, std::string> runner_env(const std::string& key = kTestKey) {
  return {{"PATH", "/usr/bin:/bin"},
          {"BISK_HEARTBEAT_KEY", key},
          {"BISK_RTSP_URL", "rtsp://user:secret@127.0.0.1:8554/cam"}};
}

// ------------------------------------------------------------------ command line

class FakeRunnerCommandLine : public ::testing::Test {
 protected:
  ProcessResult run(std::vector<std::string> args, std::map<std::string, std::string> env = runner_env()) {
    args.insert(args.begin(), BISK_FAKE_RUNNER);
    return run_process(args, env, "", 10s);
  }
  std::vector<std::string> good_args() { return runner_args(1, 2, "http://127.0.0.1:9/hb/", dir_.path()); }
  TempDir dir_;
};

TEST_F(FakeRunnerCommandLine, BadArgumentsExitTwoWithAMessage) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = [&] {
    std::vector<std::pair<std::string, std::vector<std::string>>> all;
    auto with = [&](const std::string& what, auto change) {
      std::vector<std::string> args = good_args();
      change(args);
      all.emplace_back(what, args);
    };
    with("unknown flag", [](auto& a) { a.insert(a.end(), {"--bogus", "1"}); });
    with("missing value", [](auto& a) { a.push_back("--device"); });
    with("missing required flag", [](auto& a) { a.erase(a.begin() + 3, a.begin() + 5); });  // --camera 1
    with("bad number", [](auto& a) { a[8] = "fast"; });                                     // --fps
    with("zero camera", [](auto& a) { a[4] = "0"; });
    with("bad choice", [](auto& a) { a[2] = "gstreamer"; });  // --impl
    with("not runner", [](auto& a) { a[0] = "serve"; });
    with("positional", [](auto& a) { a.push_back("extra"); });
    return all;
  }();
  for (const auto& [what, args] : cases) {
    const ProcessResult result = run(args);
    EXPECT_EQ(result.exit_code, 2) << what;
    EXPECT_THAT(result.err, HasSubstr("usage:")) << what;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.file("fake"))) << "nothing starts on a bad command line";
}

TEST_F(FakeRunnerCommandLine, MissingEnvironmentExitsTwo) {
  auto env = runner_env();
  env.erase("BISK_RTSP_URL");
  ProcessResult result = run(good_args(), env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("BISK_RTSP_URL"));

  env = runner_env();
  env.erase("BISK_HEARTBEAT_KEY");
  result = run(good_args(), env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("BISK_HEARTBEAT_KEY"));
}

// ------------------------------------------------------------------ modes, no server needed

class FakeRunnerModes : public ::testing::Test {
 protected:
  // Heartbeats go nowhere (nobody listens): they fail, which must not matter.
  std::unique_ptr<FakeRunner> start(const std::string& mode = "", Id camera = 3, Id profile = 4) {
    if (!mode.empty()) set_mode(camera, profile, mode);
    const std::string hb = "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/api/runner/heartbeat/";
    auto runner = std::make_unique<FakeRunner>(runner_args(camera, profile, hb, dir_.path()), runner_env(),
                                               dir_.file("runner.log"));
    EXPECT_TRUE(wait_until([&] { return !starts(camera, profile).empty(); }, 5s)) << runner->log();
    return runner;
  }
  void set_mode(Id camera, Id profile, const std::string& lines) {
    std::filesystem::create_directories(dir_.file("fake"));
    const std::string path = control_file(camera, profile, ".mode");
    std::ofstream(path + ".tmp") << lines << "\n";
    std::filesystem::rename(path + ".tmp", path);
  }
  std::string control_file(Id camera, Id profile, const char* suffix) const {
    return dir_.file("fake/c" + std::to_string(camera) + "-p" + std::to_string(profile) + suffix);
  }
  std::vector<Json> starts(Id camera = 3, Id profile = 4) const {
    return read_records(control_file(camera, profile, ".starts"));
  }
  std::vector<Json> events(Id camera = 3, Id profile = 4) const {
    return read_records(control_file(camera, profile, ".events"));
  }
  TempDir dir_;
};

TEST_F(FakeRunnerModes, RecordsItsStart) {
  auto runner = start();
  const Json start = starts().at(0);
  EXPECT_EQ(start.at("pid"), runner->pid());
  EXPECT_EQ(start.at("ppid"), getpid());
  EXPECT_EQ(start.at("pgid"), runner->pid()) << "spawned in a process group of its own";
  EXPECT_EQ(start.at("rtsp_url"), "rtsp://user:secret@127.0.0.1:8554/cam");
  EXPECT_EQ(start.at("key_ok"), true);
  EXPECT_EQ(start.at("nice"), 0);
  EXPECT_THAT(start.at("affinity").get<std::string>(), ::testing::MatchesRegex("[0-9][0-9,-]*"));
  EXPECT_EQ(start.at("argv").at(1), "runner");
  EXPECT_EQ(start.at("argv").at(7), "4") << start.dump();  // --profile 4
  EXPECT_EQ(start.at("grandchildren"), Json::array());
  EXPECT_GT(start.at("start_ms").get<long long>(), 1'700'000'000'000LL);
  EXPECT_THAT(runner->log(), ::testing::Not(HasSubstr("secret"))) << "the stream URL stays out of the log";

  kill(runner->pid(), SIGTERM);
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST_F(FakeRunnerModes, ExitsOnItsOwnWithTheGivenCode) {
  auto runner = start("exit_after_ms=300\nexit_code=7");
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status) << "still running";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 7);
  ASSERT_EQ(events().size(), 1u);
  EXPECT_EQ(events()[0].at("event"), "exit");
  EXPECT_EQ(events()[0].at("code"), 7);
  EXPECT_EQ(events()[0].at("reason"), "exit_after_ms");
}

TEST_F(FakeRunnerModes, ExitCodeDefaultsToOne) {
  auto runner = start("exit_after_ms=100");
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
}

TEST_F(FakeRunnerModes, ModeFileIsReread) {
  auto runner = start();
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(runner->running());
  set_mode(3, 4, "exit_after_ms=0\nexit_code=5");
  const auto status = runner->wait_exit(2s);
  ASSERT_TRUE(status);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 5);
}

TEST_F(FakeRunnerModes, CrashesWithSigkill) {
  auto runner = start("crash_after_ms=300");
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  ASSERT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  ASSERT_FALSE(events().empty());
  EXPECT_EQ(events().back().at("event"), "crash");
}

TEST_F(FakeRunnerModes, IgnoresSigtermWhenAsked) {
  auto runner = start("ignore_term=1");
  kill(runner->pid(), SIGTERM);
  EXPECT_FALSE(runner->wait_exit(1500ms)) << "exited despite ignore_term";
  ASSERT_TRUE(wait_until([&] { return !events().empty(); }, 2s));
  EXPECT_EQ(events()[0].at("event"), "term");
  EXPECT_EQ(events()[0].at("ignored"), true);
  kill(runner->pid(), SIGKILL);
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
}

TEST_F(FakeRunnerModes, SigtermEndsItWithinTwoSecondsEvenWithoutAServer) {
  auto runner = start();
  const auto before = std::chrono::steady_clock::now();
  kill(runner->pid(), SIGTERM);
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  const auto recorded = events();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].at("event"), "term");
  EXPECT_EQ(recorded[0].at("ignored"), false);
  EXPECT_EQ(recorded[1].at("event"), "exit");
  EXPECT_EQ(recorded[1].at("code"), 0);
  EXPECT_EQ(recorded[1].at("final_heartbeat"), false) << "nobody listens";
}

TEST_F(FakeRunnerModes, GrandchildrenShareItsGroupAndDieWithIt) {
  auto runner = start("grandchildren=2");
  const Json start = starts().at(0);
  const std::vector<int> grandchildren = start.at("grandchildren").get<std::vector<int>>();
  ASSERT_EQ(grandchildren.size(), 2u);
  for (const int pid : grandchildren) {
    EXPECT_TRUE(alive(pid));
    EXPECT_EQ(pgid_of(pid), runner->pid());
  }
  kill(-runner->pid(), SIGTERM);  // as the enforcer stops a runner: the whole group
  const auto status = runner->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  for (const int pid : grandchildren) EXPECT_TRUE(wait_until([&] { return !alive(pid); }, 3s)) << pid;
}

TEST_F(FakeRunnerModes, ConcurrentStartsKeepWholeLines) {
  std::vector<std::unique_ptr<FakeRunner>> runners;
  const std::string hb = "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/hb/";
  for (int i = 0; i < 6; ++i) {
    runners.push_back(
        std::make_unique<FakeRunner>(runner_args(3, 4, hb, dir_.path()), runner_env(), dir_.file("runner.log")));
  }
  ASSERT_TRUE(wait_until([&] { return starts().size() == 6; }, 5s));
  for (auto& runner : runners) kill(runner->pid(), SIGTERM);
  for (auto& runner : runners) EXPECT_TRUE(runner->wait_exit(3s));
  EXPECT_EQ(events().size(), 12u);  // read_records throws on a torn line
}

// ------------------------------------------------------------------ against a real `bisk serve`

class FakeRunnerTest : public RunnerApiFixture {
 protected:
  void SetUp() override {
    camera_ = add_camera("Gate");
    profile_ = add_profile("HD");
    std::filesystem::create_directories(snapshots_.file("fake"));
  }

  std::string hb_url() { return "http://127.0.0.1:" + std::to_string(server().port()) + "/api/runner/heartbeat/"; }

  std::unique_ptr<FakeRunner> spawn(const std::string& mode = "", const std::string& key = kTestKey) {
    set_mode(mode);
    auto runner = std::make_unique<FakeRunner>(runner_args(camera_, profile_, hb_url(), snapshots_.path()),
                                               runner_env(key), snapshots_.file("runner.log"));
    row_ = add_process(camera_, profile_, runner->pid());
    return runner;
  }

  void set_mode(const std::string& lines) {
    const std::string path = snapshots_.file("fake/c" + std::to_string(camera_) + "-p" + std::to_string(profile_));
    std::ofstream(path + ".mode.tmp") << lines << "\n";
    std::filesystem::rename(path + ".mode.tmp", path + ".mode");
  }

  std::vector<Json> events() {
    return read_records(
        snapshots_.file("fake/c" + std::to_string(camera_) + "-p" + std::to_string(profile_) + ".events"));
  }

  RunningProcess row() { return ProcessStore(db()).find(row_).value(); }
  std::optional<Json> last_metrics() {
    const auto metrics = row().last_metrics;
    if (!metrics) return std::nullopt;
    return Json::parse(*metrics);
  }

  TempDir snapshots_;
  Id camera_ = 0;
  Id profile_ = 0;
  Id row_ = 0;
};

TEST_P(FakeRunnerTest, HeartbeatsReachTheServerAndTheLastOneSaysStopping) {
  auto runner = spawn();
  ASSERT_TRUE(wait_until([&] { return row().last_heartbeat_at.has_value(); }, 5s)) << runner->log();
  const Json running = last_metrics().value();
  EXPECT_EQ(running.at("state"), "running");
  EXPECT_EQ(running.at("pid"), runner->pid());
  EXPECT_EQ(running.at("camera_fps"), 2.0);
  EXPECT_EQ(running.at("processed_fps"), 2.0);
  EXPECT_EQ(running.at("target_fps"), 2.0);
  EXPECT_FALSE(running.contains("last_error"));

  // Heartbeats keep coming every hb_interval (1 s).
  const Instant first = *row().last_heartbeat_at;
  EXPECT_TRUE(wait_until([&] { return *row().last_heartbeat_at > first; }, 3s));

  kill(runner->pid(), SIGTERM);
  const auto status = runner->wait_exit(2500ms);
  ASSERT_TRUE(status) << "no exit within 2 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(last_metrics().value().at("state"), "stopping");
  ASSERT_FALSE(events().empty());
  EXPECT_EQ(events().back().at("final_heartbeat"), true);
  EXPECT_GE(events().back().at("heartbeats_sent").get<int>(), 3);
}

TEST_P(FakeRunnerTest, HeartbeatErrorIsReported) {
  auto runner = spawn("heartbeat_error=camera said 401 unauthorized");
  ASSERT_TRUE(wait_until([&] { return row().last_error.has_value(); }, 5s)) << runner->log();
  EXPECT_EQ(*row().last_error, "camera said 401 unauthorized");
  HeartbeatStore::Filter filter;
  filter.camera_id = camera_;
  const auto recorded = HeartbeatStore(db()).list(filter);
  ASSERT_FALSE(recorded.empty());
  EXPECT_EQ(recorded[0].heartbeat.last_error.value_or(""), "camera said 401 unauthorized");
}

TEST_P(FakeRunnerTest, SilentSendsNoHeartbeatsUntilTheModeChanges) {
  auto runner = spawn("silent=1");
  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(runner->running());
  EXPECT_FALSE(row().last_heartbeat_at.has_value());
  set_mode("");
  EXPECT_TRUE(wait_until([&] { return row().last_heartbeat_at.has_value(); }, 4s));
}

TEST_P(FakeRunnerTest, WrongKeyIsRefusedAndCounted) {
  auto runner = spawn("", "not-the-key");
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(row().last_heartbeat_at.has_value());
  kill(runner->pid(), SIGTERM);
  ASSERT_TRUE(runner->wait_exit(3s));
  ASSERT_FALSE(events().empty());
  EXPECT_EQ(events().back().at("heartbeats_sent"), 0);
  EXPECT_GE(events().back().at("heartbeats_failed").get<int>(), 2);
}

TEST_P(FakeRunnerTest, ExitsWhenNotDesiredIfAsked) {
  set_mode("exit_on_undesired=1");
  // No row for its pid: the server answers desired:false.
  FakeRunner runner(runner_args(camera_, profile_, hb_url(), snapshots_.path()), runner_env(),
                    snapshots_.file("runner.log"));
  const auto status = runner.wait_exit(5s);
  ASSERT_TRUE(status) << runner.log();
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(events().back().at("reason"), "undesired");
}

INSTANTIATE_TEST_SUITE_P(Backends, FakeRunnerTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

// ------------------------------------------------------------------ the enforcer tests' fixture, without an enforcer

class EnforcerFixtureSelfTest : public EnforcerFixture {
 protected:
  // Starts a fake runner the way a killed enforcer leaves one: through an
  // intermediate process that exits at once, so the runner is orphaned and
  // reparented to the test process (the subreaper).
  int spawn_orphan(Id camera, Id profile) {
    auto env = enforcer_environment();
    env["BISK_RTSP_URL"] = "rtsp://user:secret@127.0.0.1:8554/cam";
    std::vector<std::string> argv = runner_args(camera, profile, heartbeat_url(), snapshot_dir());
    argv.insert(argv.begin(), BISK_FAKE_RUNNER);
    std::vector<std::string> env_strings;
    for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
    std::vector<char*> c_argv, c_env;
    for (auto& arg : argv) c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);
    for (auto& entry : env_strings) c_env.push_back(entry.data());
    c_env.push_back(nullptr);
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    const pid_t middle = fork();
    if (middle == 0) {
      const pid_t runner = fork();
      if (runner == 0) {
        setpgid(0, 0);
        const int null_fd = open("/dev/null", O_RDWR);
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        execve(c_argv[0], c_argv.data(), c_env.data());
        _exit(127);
      }
      if (write(pipe_fds[1], &runner, sizeof runner) != sizeof runner) _exit(1);
      _exit(0);
    }
    close(pipe_fds[1]);
    pid_t runner = -1;
    EXPECT_EQ(read(pipe_fds[0], &runner, sizeof runner), static_cast<ssize_t>(sizeof runner));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(middle, &status, 0);
    return runner;
  }

  // The pairs `bisk desired --json` reports now, as (camera, profile).
  std::vector<std::pair<Id, Id>> desired_now() {
    const ProcessResult result = bisk({"desired", "--json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<std::pair<Id, Id>> pairs;
    const Json answer = Json::parse(result.out);
    for (const auto& entry : answer.at("desired"))
      pairs.emplace_back(entry.at("camera_id").get<Id>(), entry.at("profile_id").get<Id>());
    last_desired_ = result.out;
    return pairs;
  }
  std::string last_desired_;
};

TEST_P(EnforcerFixtureSelfTest, EnvironmentNamesThisTestsServerDirectoriesAndNode) {
  const auto env = enforcer_environment();
  for (const char* key :
       {"PATH", "HOME", "BISK_ENV_FILE", "BISK_DATABASE_URL", "BISK_HEARTBEAT_URL", "BISK_HEARTBEAT_KEY",
        "BISK_RUNNER_PROGRAM", "BISK_SNAPSHOT_DIR", "BISK_MEDIA_DIR", "BISK_LOG_DIR", "BISK_ENFORCER_LOCK_FILE",
        "BISK_NODE", "BISK_TIME_ZONE", "BISK_ENFORCER_INTERVAL", "BISK_STOP_GRACE", "BISK_RUNNER_SILENT_AFTER",
        "BISK_SPAWN_RATE", "BISK_STRICT_BINARIES"}) {
    EXPECT_TRUE(env.contains(key)) << key;
  }
  EXPECT_EQ(env.at("BISK_HEARTBEAT_URL"),
            "http://127.0.0.1:" + std::to_string(server().port()) + "/api/runner/heartbeat/");
  EXPECT_EQ(env.at("BISK_RUNNER_PROGRAM"), BISK_FAKE_RUNNER);
  EXPECT_EQ(env.at("BISK_NODE"), node());
  EXPECT_THAT(node(), ::testing::MatchesRegex("t[0-9]+-[0-9]+"));
  EXPECT_TRUE(std::filesystem::is_directory(log_dir()));
  EXPECT_TRUE(std::filesystem::is_directory(snapshot_dir()));
  EXPECT_TRUE(server().running());
  EXPECT_TRUE(descendants().empty()) << describe_processes(descendants());
}

TEST_P(EnforcerFixtureSelfTest, WindowsMeanWhatTheScheduleSays) {
  const Id camera = add_camera("Gate");
  const Id elsewhere = add_camera_on("Elsewhere", "another-node");
  const Id soon = add_camera("Soon");
  const Id now_camera = add_camera("Now");
  const Id profile = add_profile("HD");
  add_policy({camera, elsewhere}, profile, always());
  add_policy({soon}, profile, {window_from_now(180, 120)});
  add_policy({now_camera}, profile, {window_from_now(-120, 240)});
  EXPECT_THAT(desired_now(),
              ::testing::UnorderedElementsAre(std::pair{camera, profile}, std::pair{now_camera, profile}))
      << last_desired_;
  EXPECT_EQ(CameraStore(db()).find(camera)->node, node());

  const Instant boundary = next_minute_boundary();
  EXPECT_GT(boundary, now_instant());
  EXPECT_LE(boundary - now_instant(), std::chrono::minutes(1));
  EXPECT_EQ(to_epoch_ms(boundary) % 60000, 0);
  const ScheduleWindow window = window_at(boundary, 90s);
  EXPECT_EQ((window.end_minute - window.start_minute + kMinutesPerDay) % kMinutesPerDay, 2);
}

TEST_P(EnforcerFixtureSelfTest, OrphansComeToTheTestProcessAndAreReaped) {
  const Id camera = add_camera("Gate");
  const Id profile = add_profile("HD");
  set_mode(camera, profile, "grandchildren=1");
  const int runner = spawn_orphan(camera, profile);
  ASSERT_GT(runner, 0);
  ASSERT_TRUE(wait_until([&] { return starts(camera, profile).size() == 1; }, 5s));
  EXPECT_EQ(starts(camera, profile)[0].at("pid"), runner);
  const int grandchild = starts(camera, profile)[0].at("grandchildren").at(0).get<int>();
  ASSERT_TRUE(wait_until([&] { return proc_info(runner) && proc_info(runner)->ppid == getpid(); }, 2s))
      << "not reparented to the subreaper";
  EXPECT_TRUE(pid_alive(runner));
  EXPECT_THAT(descendants(), ::testing::Contains(runner));
  const auto fakes = fake_runner_processes();
  EXPECT_EQ(fakes.size(), 2u);
  for (const auto& process : fakes) EXPECT_EQ(process.pgid, runner);

  // The runner posts heartbeats to this test's server.
  RunningProcess row;
  row.camera_id = camera;
  row.profile_id = profile;
  row.node = node();
  row.pid = runner;
  row.impl = "ffmpeg_all";
  row.argv_masked = "bisk runner";
  row.spec_hash = "self-test";
  row.lifecycle = "running";
  row.started_at = now_instant();
  const Id row_id = ProcessStore(db()).add(row);
  EXPECT_EQ(live_rows().size(), 1u);
  EXPECT_TRUE(wait_until([&] { return ProcessStore(db()).find(row_id)->last_heartbeat_at.has_value(); }, 5s));

  set_mode(camera, profile, "exit_after_ms=0\nexit_code=3");
  ASSERT_TRUE(wait_until([&] { return !pid_alive(runner); }, 3s));
  ASSERT_TRUE(wait_until([&] { return !reaped_orphans().empty(); }, 2s)) << "the orphan was not reaped";
  EXPECT_EQ(reaped_orphans()[0].pid, runner);
  EXPECT_EQ(reaped_orphans()[0].exit_code, 3);
  EXPECT_EQ(events(camera, profile, "exit").size(), 1u);
  EXPECT_TRUE(zombies_among_descendants().empty()) << describe_processes(zombies_among_descendants());

  // Its sleeping grandchild is left (no enforcer stopped the group): kill it as one would.
  EXPECT_TRUE(pid_alive(grandchild));
  kill(grandchild, SIGTERM);
  EXPECT_TRUE(wait_until([&] { return descendants().empty(); }, 3s)) << describe_processes(descendants());
}

INSTANTIATE_TEST_SUITE_P(Backends, EnforcerFixtureSelfTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
