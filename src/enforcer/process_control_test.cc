#include "enforcer/process_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_databases.h"
#include "testing/wait.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Spawned with BISK_TEST_FAKE_RUNNER set, this test binary stands in for a
// runner before main runs: the tests need a process whose argv[1] is "runner",
// which no standard program keeps while it waits. "undumpable" makes its
// environ unreadable to other users' processes. It says "ready" once set up.
[[maybe_unused]] const bool kFakeRunner = [] {
  const char* mode = std::getenv("BISK_TEST_FAKE_RUNNER");
  if (mode == nullptr) return false;
  if (std::string_view(mode) == "undumpable") prctl(PR_SET_DUMPABLE, 0);
  if (write(STDOUT_FILENO, "ready\n", 6) != 6) _exit(1);
  sleep(30);  // the test kills it long before
  _exit(0);
}();

// Polls `done` every 5 ms for at most 5 seconds.
template <class P>
bool eventually(P done) {
  return bisk::testing::wait_until(done, 5s, 5ms);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Field `n` (numbered as in proc(5)) of /proc/PID/stat.
std::string stat_field(int pid, int n) {
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= n; ++i) fields >> field;
  return field;
}

// The value of "key:" in /proc/PID/status.
std::string status_value(int pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key + ":")) return line.substr(line.find_first_not_of(" \t", key.size() + 1));
  }
  return "";
}

std::vector<std::string> open_fds(int pid) {
  std::vector<std::string> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    fds.push_back(entry.path().filename().string());
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

std::string fd_target(int pid, int fd) {
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd)).string();
}

// A pid no process can have.
int impossible_pid() { return std::stoi(read_file("/proc/sys/kernel/pid_max")) + 1; }

// Reaps child `pid` (waiting at most 5 s); its wait status, or nullopt on timeout.
std::optional<int> wait_for_exit(int pid) {
  int status = 0;
  if (!eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; })) return std::nullopt;
  return status;
}

bool has_no_children() { return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD; }

class ProcessControlTest : public ::testing::Test {
 protected:
  // Orphaned grandchildren come back to this process, so TearDown can reap
  // them: PID 1 of a container may never do it.
  void SetUp() override { ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }

  void TearDown() override {
    for (const int pgid : groups_) signal_group_id(pgid, SIGKILL);
    EXPECT_TRUE(eventually(has_no_children)) << "a child survived the test";
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }

  SpawnSpec spec(std::vector<std::string> argv) {
    return SpawnSpec{.argv = std::move(argv), .env = {"PATH=/usr/bin:/bin"}, .log_path = log_};
  }
  ProcessIdentity spawn(const SpawnSpec& spec) {
    const ProcessIdentity identity = spawn_process(spec);
    groups_.push_back(identity.pid);
    return identity;
  }
  ProcessIdentity spawn(std::vector<std::string> argv) { return spawn(spec(std::move(argv))); }

  // Expects a SpawnError naming `culprit` and saying `reason`.
  void expect_spawn_error(const SpawnSpec& spec, const std::string& culprit, const std::string& reason) {
    try {
      spawn(spec);
      ADD_FAILURE() << "no SpawnError for " << culprit;
    } catch (const SpawnError& error) {
      EXPECT_THAT(error.what(), HasSubstr(culprit));
      EXPECT_THAT(error.what(), HasSubstr(reason));
    }
    EXPECT_TRUE(has_no_children()) << "the failed child was not reaped";
  }

  testing::TempDir dir_;
  std::string log_ = dir_.file("logs/runner.log");
  std::vector<int> groups_;
};

TEST_F(ProcessControlTest, StartTimeIsParsedAfterTheLastParenthesisOfComm) {
  const std::string program = dir_.file("a) (b");
  std::filesystem::copy_file("/bin/sleep", program);
  const ProcessIdentity sleeper = spawn({program, "30"});
  ASSERT_EQ(read_file("/proc/" + std::to_string(sleeper.pid) + "/comm"), "a) (b\n");

  const auto start_time = process_start_time(sleeper.pid);
  ASSERT_TRUE(start_time);
  EXPECT_EQ(std::to_string(*start_time), stat_field(sleeper.pid, 22));
  EXPECT_GE(*start_time, std::stoll(stat_field(::getpid(), 22)));
  EXPECT_EQ(sleeper.start_time, *start_time);
  EXPECT_TRUE(is_alive(sleeper));
}

TEST_F(ProcessControlTest, ThereIsNoStartTimeWithoutAProcess) {
  EXPECT_EQ(process_start_time(impossible_pid()), std::nullopt);
  EXPECT_FALSE(is_alive({.pid = impossible_pid(), .start_time = 1}));
}

TEST_F(ProcessControlTest, IsAliveIsFalseForAWrongStartTimeAndForAZombie) {
  const ProcessIdentity sleeper = spawn({"sleep", "30"});
  EXPECT_TRUE(is_alive(sleeper));
  EXPECT_FALSE(is_alive({.pid = sleeper.pid, .start_time = sleeper.start_time + 1}));

  const ProcessIdentity quitter = spawn({"/bin/sh", "-c", "exit 0"});
  ASSERT_TRUE(eventually([&] {
    siginfo_t info{};
    return ::waitid(P_PID, quitter.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == quitter.pid;
  }));
  EXPECT_EQ(stat_field(quitter.pid, 3), "Z");
  EXPECT_EQ(process_start_time(quitter.pid), quitter.start_time);
  EXPECT_FALSE(is_alive(quitter));
}

TEST_F(ProcessControlTest, SpawnStartsASessionWithStdinFromDevNullOutputToTheLogAndNoOtherFd) {
  const int inheritable = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: only spawn_process can keep it out
  ASSERT_GE(inheritable, 0);
  const ProcessIdentity sleeper = spawn({"sleep", "30"});
  ::close(inheritable);

  const std::string pid = std::to_string(sleeper.pid);
  EXPECT_EQ(stat_field(sleeper.pid, 5), pid);  // process group
  EXPECT_EQ(stat_field(sleeper.pid, 6), pid);  // session
  EXPECT_EQ(fd_target(sleeper.pid, 0), "/dev/null");
  EXPECT_EQ(fd_target(sleeper.pid, 1), log_);
  EXPECT_EQ(fd_target(sleeper.pid, 2), log_);
  // Eventually: right after exec the dynamic loader briefly opens libraries itself.
  EXPECT_TRUE(eventually([&] {
    return open_fds(sleeper.pid) == std::vector<std::string>{"0", "1", "2"};
  })) << ::testing::PrintToString(open_fds(sleeper.pid));
}

TEST_F(ProcessControlTest, SpawnAppendsStdoutAndStderrToTheLog) {
  const ProcessIdentity first = spawn({"/bin/sh", "-c", "echo one; echo two >&2"});
  ASSERT_EQ(wait_for_exit(first.pid), 0);
  const ProcessIdentity second = spawn({"/bin/sh", "-c", "echo three >&2"});
  ASSERT_EQ(wait_for_exit(second.pid), 0);

  EXPECT_EQ(read_file(log_), "one\ntwo\nthree\n");
  struct stat log_stat {};
  ASSERT_EQ(::stat(log_.c_str(), &log_stat), 0);
  EXPECT_EQ(log_stat.st_mode & 0777, 0640u);
}

TEST_F(ProcessControlTest, SpawnPassesExactlyTheGivenEnvironment) {
  SpawnSpec with_path = spec({"env"});  // found through the PATH of the child's environment
  with_path.env = {"PATH=/usr/bin:/bin", "A=1", "B=two words"};
  ASSERT_EQ(wait_for_exit(spawn(with_path).pid), 0);
  EXPECT_EQ(read_file(log_), "PATH=/usr/bin:/bin\nA=1\nB=two words\n");

  SpawnSpec without_path = spec({"/usr/bin/env"});
  without_path.env = {"ONLY=1"};
  without_path.log_path = dir_.file("other.log");
  ASSERT_EQ(wait_for_exit(spawn(without_path).pid), 0);
  EXPECT_EQ(read_file(without_path.log_path), "ONLY=1\n");
}

TEST_F(ProcessControlTest, SpawnEmptiesTheSignalMaskAndResetsIgnoredSignals) {
  sigset_t usr1, previous_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &usr1, &previous_mask), 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous_term {};
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &previous_term), 0);
  std::optional<ProcessIdentity> sleeper;
  EXPECT_NO_THROW(sleeper = spawn({"sleep", "30"}));
  ::sigaction(SIGTERM, &previous_term, nullptr);
  ::sigprocmask(SIG_SETMASK, &previous_mask, nullptr);

  ASSERT_TRUE(sleeper);
  EXPECT_EQ(status_value(sleeper->pid, "SigBlk"), "0000000000000000");
  EXPECT_EQ(status_value(sleeper->pid, "SigIgn"), "0000000000000000");
}

TEST_F(ProcessControlTest, SpawnAppliesNiceAndCpuAffinity) {
  SpawnSpec niced = spec({"sleep", "30"});
  niced.nice = 5;
  niced.cpu_affinity = "0";
  const ProcessIdentity sleeper = spawn(niced);
  EXPECT_EQ(stat_field(sleeper.pid, 19), "5");
  EXPECT_EQ(status_value(sleeper.pid, "Cpus_allowed_list"), "0");
  EXPECT_EQ(read_file(log_), "");
}

TEST_F(ProcessControlTest, SpawnWarnsInTheLogWhenTheAffinityCannotBeApplied) {
  SpawnSpec pinned = spec({"sleep", "30"});
  pinned.cpu_affinity = "1023";  // well-formed, but no such CPU here
  const ProcessIdentity sleeper = spawn(pinned);
  EXPECT_TRUE(is_alive(sleeper));
  EXPECT_EQ(read_file(log_), "bisk: warning: cannot set CPU affinity 1023 for sleep: Invalid argument\n");
}

TEST_F(ProcessControlTest, SpawnRejectsAMalformedCpuListBeforeForking) {
  for (const char* list : {"", "a", "1-", "-1", "3-1", "0,,1", "0 ,1", "+1", "1024"}) {
    SpawnSpec pinned = spec({"sleep", "30"});
    pinned.cpu_affinity = list;
    EXPECT_THROW(spawn(pinned), SpawnError) << '"' << list << '"';
    EXPECT_TRUE(has_no_children());
  }
}

TEST_F(ProcessControlTest, SpawnReportsWhyTheProgramCouldNotRunAndReapsTheChild) {
  expect_spawn_error(spec({"/nonexistent/program"}), "/nonexistent/program", std::strerror(ENOENT));

  const std::string not_executable = dir_.file("not-executable");
  std::ofstream(not_executable) << "#!/bin/sh\n";
  expect_spawn_error(spec({not_executable}), not_executable, std::strerror(EACCES));

  SpawnSpec not_in_path = spec({"no-such-program"});
  not_in_path.env = {"PATH=" + dir_.path()};
  expect_spawn_error(not_in_path, "no-such-program", std::strerror(ENOENT));

  SpawnSpec unwritable_log = spec({"sleep", "30"});
  unwritable_log.log_path = dir_.path();  // a directory
  expect_spawn_error(unwritable_log, dir_.path(), std::strerror(EISDIR));
}

TEST_F(ProcessControlTest, SignalGroupReachesTheGrandchildren) {
  const ProcessIdentity shell = spawn({"/bin/sh", "-c", "sleep 30 & sleep 30"});
  ASSERT_TRUE(eventually([&] { return group_members(shell.pid).size() >= 2; }));

  EXPECT_TRUE(signal_group(shell, SIGTERM));
  EXPECT_TRUE(eventually([&] { return group_members(shell.pid).empty(); }));
  const auto status = wait_for_exit(shell.pid);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM);
}

TEST_F(ProcessControlTest, SignalGroupRefusesAnotherStartTimeAndAReapedLeader) {
  const ProcessIdentity sleeper = spawn({"sleep", "30"});
  EXPECT_FALSE(signal_group({.pid = sleeper.pid, .start_time = sleeper.start_time + 1}, SIGKILL));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(is_alive(sleeper));

  EXPECT_TRUE(signal_group(sleeper, SIGKILL));
  ASSERT_TRUE(wait_for_exit(sleeper.pid));
  EXPECT_FALSE(signal_group(sleeper, SIGKILL));
  EXPECT_FALSE(signal_group_id(sleeper.pid, SIGKILL));
}

TEST_F(ProcessControlTest, SignalGroupIdRefusesGroupsThatMeanEveryone) {
  EXPECT_THROW(signal_group_id(0, 0), std::runtime_error);
  EXPECT_THROW(signal_group_id(1, 0), std::runtime_error);
  EXPECT_THROW(signal_group_id(-5, 0), std::runtime_error);
}

TEST_F(ProcessControlTest, ReapExitedChildKillsTheGrandchildrenOfAnExitedChild) {
  const ProcessIdentity shell = spawn({"/bin/sh", "-c", "sleep 60 & echo $!; exit 3"});
  std::optional<ChildExit> exit;
  ASSERT_TRUE(eventually([&] { return (exit = reap_exited_child()).has_value(); }));
  EXPECT_EQ(exit->pid, shell.pid);
  EXPECT_EQ(exit->status.code, 3);
  EXPECT_EQ(exit->status.signal, std::nullopt);

  const int grandchild = std::stoi(read_file(log_));
  EXPECT_TRUE(eventually([&] { return group_members(shell.pid).empty(); }));
  // Orphans come back to this subreaper: the grandchild shows how it ended.
  std::optional<ChildExit> orphan;
  ASSERT_TRUE(eventually([&] { return (orphan = reap_exited_child()).has_value(); }));
  EXPECT_EQ(orphan->pid, grandchild);
  EXPECT_EQ(orphan->status.signal, SIGKILL);
}

TEST_F(ProcessControlTest, ReapExitedChildReportsASignalAndNeverBlocks) {
  EXPECT_EQ(reap_exited_child(), std::nullopt);  // no child at all
  const ProcessIdentity sleeper = spawn({"sleep", "30"});
  EXPECT_EQ(reap_exited_child(), std::nullopt);  // a child, still running

  ASSERT_TRUE(signal_group(sleeper, SIGTERM));
  std::optional<ChildExit> exit;
  ASSERT_TRUE(eventually([&] { return (exit = reap_exited_child()).has_value(); }));
  EXPECT_EQ(exit->pid, sleeper.pid);
  EXPECT_EQ(exit->status.code, std::nullopt);
  EXPECT_EQ(exit->status.signal, SIGTERM);
  EXPECT_TRUE(has_no_children());
}

TEST(ExitStatusTest, WaitStatusWordsAreDescribedAsTheEnforcerLogsThem) {
  const ProcessIdentity exits =
      spawn_process(SpawnSpec{.argv = {"/bin/sh", "-c", "exit 3"}, .env = {}, .log_path = "/dev/null"});
  int status = 0;
  ASSERT_EQ(::waitpid(exits.pid, &status, 0), exits.pid);
  EXPECT_EQ(describe_exit(exit_status_of(status)), "exited with code 3");

  const ProcessIdentity sleeper =
      spawn_process(SpawnSpec{.argv = {"/bin/sleep", "30"}, .env = {}, .log_path = "/dev/null"});
  ASSERT_TRUE(signal_group(sleeper, SIGKILL));
  ASSERT_EQ(::waitpid(sleeper.pid, &status, 0), sleeper.pid);
  EXPECT_EQ(describe_exit(exit_status_of(status)), "killed by signal 9 (SIGKILL)");

  EXPECT_EQ(describe_exit(ExitStatus{}), "exited (status unknown: adopted from a previous enforcer)");
}

TEST_F(ProcessControlTest, ParentDeathSignalEndsTheChildWhenItsSpawnerDies) {
  // A forked middle process spawns the sleeper and dies at once: the sleeper
  // (reparented to this subreaper) must get the signal, not live on.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const int middle = ::fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    SpawnSpec child = spec({"sleep", "60"});
    child.parent_death_signal = SIGTERM;
    const int pid = spawn_process(child).pid;
    [[maybe_unused]] const ssize_t written = ::write(pipe_fds[1], &pid, sizeof pid);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  int sleeper = 0;
  ASSERT_EQ(::read(pipe_fds[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
  ::close(pipe_fds[0]);
  groups_.push_back(sleeper);
  ASSERT_TRUE(wait_for_exit(middle));

  const auto status = wait_for_exit(sleeper);
  ASSERT_TRUE(status) << "the sleeper outlived the process that spawned it";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM);
}

TEST_F(ProcessControlTest, ProcessWatchSeesAProcessWeDidNotStartExit) {
  const ProcessIdentity shell = spawn({"/bin/sh", "-c", "sleep 30 & echo $!; wait"});
  ASSERT_TRUE(eventually([&] { return read_file(log_).ends_with('\n'); }));
  const int sleeper_pid = std::stoi(read_file(log_));
  const auto start_time = process_start_time(sleeper_pid);
  ASSERT_TRUE(start_time);

  auto watch = ProcessWatch::open({.pid = sleeper_pid, .start_time = *start_time});
  ASSERT_TRUE(watch);
  EXPECT_FALSE(watch->exited());
  ASSERT_EQ(::kill(sleeper_pid, SIGTERM), 0);
  pollfd readable{.fd = watch->fd(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(::poll(&readable, 1, 5000), 1);
  EXPECT_TRUE(watch->exited());
  EXPECT_EQ(wait_for_exit(shell.pid), 0);  // its `wait` returned once the sleeper ended
}

TEST_F(ProcessControlTest, ProcessWatchOpensOnlyTheLiveProcessItNames) {
  const ProcessIdentity sleeper = spawn({"sleep", "30"});
  EXPECT_FALSE(ProcessWatch::open({.pid = sleeper.pid, .start_time = sleeper.start_time + 1}));
  EXPECT_FALSE(ProcessWatch::open({.pid = impossible_pid(), .start_time = 1}));

  auto watch = ProcessWatch::open(sleeper);
  ASSERT_TRUE(watch);
  const int fd = watch->fd();
  {
    const ProcessWatch moved = std::move(*watch);
    EXPECT_EQ(moved.fd(), fd);
    EXPECT_EQ(watch->fd(), -1);
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the pidfd outlived its watch";

  ASSERT_TRUE(signal_group(sleeper, SIGKILL));
  ASSERT_TRUE(eventually([&] { return stat_field(sleeper.pid, 3) == "Z"; }));
  EXPECT_FALSE(ProcessWatch::open(sleeper));  // a zombie
}

class FindRunnerProcessesTest : public ProcessControlTest {
 protected:
  ProcessIdentity fake_runner(std::vector<std::string> arguments, const std::string& owner,
                              const std::string& mode = "1") {
    arguments.insert(arguments.begin(), std::filesystem::read_symlink("/proc/self/exe").string());
    SpawnSpec runner = spec(std::move(arguments));
    runner.env = {"BISK_TEST_FAKE_RUNNER=" + mode, "BISK_RUNNER_OWNER=" + owner};
    runner.log_path = dir_.file("runner-" + std::to_string(++runners_) + ".log");
    const ProcessIdentity identity = spawn(runner);
    EXPECT_TRUE(eventually([&] { return read_file(runner.log_path) == "ready\n"; })) << "the fake runner did not start";
    return identity;
  }

  const std::string owner_ = "test-" + std::to_string(::getpid());
  int runners_ = 0;
};

TEST_F(FindRunnerProcessesTest, FindsTheRunnersOfTheOwner) {
  const ProcessIdentity runner = fake_runner({"runner", "--camera", "7", "--profile", "2"}, owner_);
  const ProcessIdentity unnumbered = fake_runner({"runner", "--camera", "x"}, owner_);
  fake_runner({"runner", "--camera", "8", "--profile", "2"}, owner_ + "x");
  fake_runner({"notrunner", "--camera", "9", "--profile", "2"}, owner_);

  auto runners = find_runner_processes(owner_);
  ASSERT_EQ(runners.size(), 2u);
  if (runners[0].identity.pid != runner.pid) std::swap(runners[0], runners[1]);
  EXPECT_EQ(runners[0].identity, runner);
  EXPECT_EQ(runners[0].pgid, runner.pid);
  EXPECT_EQ(runners[0].camera_id, 7);
  EXPECT_EQ(runners[0].profile_id, 2);
  EXPECT_THAT(runners[0].argv, ::testing::ElementsAre(::testing::_, "runner", "--camera", "7", "--profile", "2"));
  EXPECT_EQ(runners[1].identity, unnumbered);
  EXPECT_EQ(runners[1].camera_id, std::nullopt);
  EXPECT_EQ(runners[1].profile_id, std::nullopt);
}

TEST_F(FindRunnerProcessesTest, SkipsRunnersWhoseEnvironmentIsUnreadable) {
  fake_runner({"runner", "--camera", "7", "--profile", "2"}, owner_, "undumpable");
  // Root reads every environ; another user reads no environ of an undumpable process.
  EXPECT_EQ(find_runner_processes(owner_).size(), ::geteuid() == 0 ? 1u : 0u);

  const int scanner = ::fork();
  ASSERT_GE(scanner, 0);
  if (scanner == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    try {
      ::_exit(static_cast<int>(find_runner_processes(owner_).size()));
    } catch (...) {
      ::_exit(101);
    }
  }
  const auto status = wait_for_exit(scanner);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << "runners found, or 100: setuid failed, 101: it threw";
}

TEST_F(ProcessControlTest, GroupMembersListsTheLiveProcessesOfAGroup) {
  const ProcessIdentity shell = spawn({"/bin/sh", "-c", "sleep 30 & sleep 30 & wait"});
  ASSERT_TRUE(eventually([&] { return group_members(shell.pid).size() == 3; }));
  for (const int member : group_members(shell.pid)) EXPECT_EQ(stat_field(member, 5), std::to_string(shell.pid));
  EXPECT_THAT(group_members(shell.pid), ::testing::Contains(shell.pid));

  ASSERT_TRUE(signal_group(shell, SIGKILL));
  EXPECT_TRUE(eventually([&] { return group_members(shell.pid).empty(); }));  // the leader's zombie does not count
  EXPECT_TRUE(group_members(impossible_pid()).empty());
}

}  // namespace
}  // namespace bisk
