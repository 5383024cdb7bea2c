#include "support/enforcer_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <date/date.h>

#include "store/catalog_stores.h"

namespace bisk::testing {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The comm the kernel shows for the fake runner (and its forked children):
// the executable's name, cut to 15 characters.
const std::string& fake_runner_comm() {
  static const std::string comm = std::filesystem::path(BISK_FAKE_RUNNER).filename().string().substr(0, 15);
  return comm;
}

std::string tail(const std::string& text, std::size_t max_chars) {
  if (text.size() <= max_chars) return text;
  return "[…]" + text.substr(text.size() - max_chars);
}

// Forks and execs `argv` with `env`, stdin from /dev/null, stdout and stderr
// appended to `log_path`, other descriptors closed; the child dies with the
// test process (PR_SET_PDEATHSIG).
pid_t spawn_logged(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                   const std::string& log_path) {
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> c_env, c_argv;
  for (auto& entry : env_strings) c_env.push_back(entry.data());
  c_env.push_back(nullptr);
  for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

}  // namespace

// ------------------------------------------------------------------ /proc

std::optional<ProcInfo> proc_info(int pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto open_paren = stat.find('(');
  const auto close_paren = stat.rfind(')');
  if (open_paren == std::string::npos || close_paren == std::string::npos || close_paren < open_paren)
    return std::nullopt;
  ProcInfo info;
  info.pid = pid;
  info.comm = stat.substr(open_paren + 1, close_paren - open_paren - 1);
  std::istringstream fields(stat.substr(close_paren + 2));
  // Fields 3.. : state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime
  std::string skip;
  fields >> info.state >> info.ppid >> info.pgid >> info.sid;
  for (int i = 7; i <= 21; ++i) fields >> skip;
  fields >> info.start_time;
  if (!fields) return std::nullopt;
  return info;
}

std::vector<ProcInfo> all_processes() {
  std::vector<ProcInfo> processes;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return processes;
  while (const dirent* entry = readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (auto info = proc_info(std::stoi(name))) processes.push_back(std::move(*info));
  }
  closedir(proc);
  return processes;
}

std::vector<std::string> proc_cmdline(int pid) {
  const std::string text = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> argv;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const auto end = text.find('\0', begin);
    argv.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return argv;
}

// ------------------------------------------------------------------ EnforcerProcess

EnforcerProcess::EnforcerProcess(const std::map<std::string, std::string>& env, const std::string& log_path,
                                 const std::vector<std::string>& args)
    : log_path_(log_path) {
  std::vector<std::string> argv = {BISK_BINARY, "run-enforcer"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn_logged(argv, env, log_path_);
}

EnforcerProcess::~EnforcerProcess() {
  if (!exited_ && pid_ > 0) kill9();
}

bool EnforcerProcess::reap(bool block) {
  if (exited_) return true;
  int status = 0;
  const pid_t result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (result == 0) return false;
  exited_ = true;
  if (result == pid_) {
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) exit_signal_ = WTERMSIG(status);
  }
  return true;
}

bool EnforcerProcess::running() { return !reap(false); }

int EnforcerProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (!reap(false)) {
    kill(pid_, signal);
    if (!wait_until([this] { return reap(false); }, timeout, 10ms)) {
      timed_out_ = true;
      kill(pid_, SIGKILL);
      reap(true);
      return -1;
    }
  }
  return exit_code_.value_or(-1);
}

void EnforcerProcess::kill9() {
  if (reap(false)) return;
  kill(pid_, SIGKILL);
  reap(true);
}

std::optional<int> EnforcerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (!wait_until([this] { return reap(false); }, timeout, 10ms)) return std::nullopt;
  return exit_code_.value_or(-1);
}

std::string EnforcerProcess::log() const { return read_text(log_path_); }

bool EnforcerProcess::wait_log_contains(const std::string& text, std::chrono::milliseconds timeout) {
  return wait_until([&] { return log().find(text) != std::string::npos; }, timeout);
}

// ------------------------------------------------------------------ EnforcerFixture

EnforcerFixture::EnforcerFixture() {
  static std::atomic<int> counter{0};
  node_ = "t" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

EnforcerFixture::~EnforcerFixture() {
  if (!torn_down_) cleanup_processes(false);
  reaper_stop_ = true;
  if (reaper_.joinable()) reaper_.join();
}

void EnforcerFixture::SetUp() {
  // Runners orphaned by a killed enforcer come to this process, not to init.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0) << std::strerror(errno);
  reaper_ = std::thread([this] { reaper_loop(); });

  database_ = std::make_unique<TestDatabase>(GetParam());
  for (const auto& dir : {std::string("media"), std::string("snapshots"), std::string("log")})
    std::filesystem::create_directories(home_.file(dir));
  std::ofstream(home_.file("bisk.env")) << "# empty env file for tests\n";

  std::map<std::string, std::string> env = enforcer_environment();
  const ProcessResult migrated = run_process({BISK_BINARY, "migrate"}, env);
  ASSERT_EQ(migrated.exit_code, 0) << "bisk migrate: " << migrated.err;
  db_ = Database::open(database_->url());
  server_ = std::make_unique<ServerProcess>(env);
}

void EnforcerFixture::TearDown() {
  torn_down_ = true;
  cleanup_processes(true);
  if (HasFailure()) {
    for (const auto& enforcer : enforcers_) {
      std::cerr << "---- log of bisk run-enforcer (pid " << enforcer->pid() << ", " << enforcer->log_path() << ")\n"
                << tail(enforcer->log(), 8000) << "\n";
    }
    if (server_) std::cerr << "---- log of bisk serve\n" << tail(server_->log(), 3000) << "\n";
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(log_dir(), error)) {
      std::cerr << "---- runner log " << entry.path().string() << "\n"
                << tail(read_text(entry.path().string()), 2000) << "\n";
    }
  }
  if (server_) server_->stop();
}

void EnforcerFixture::cleanup_processes(bool expect_clean) {
  // Zombies while the enforcers run are theirs not to have reaped (a zombie
  // lives only until its parent reaps it, so allow a moment).
  std::vector<int> zombies;
  const bool no_zombies = wait_until(
      [&] {
        zombies = zombies_among_descendants();
        return zombies.empty();
      },
      2s);
  if (expect_clean) {
    EXPECT_TRUE(no_zombies) << "zombies left unreaped:\n" << describe_processes(zombies);
  }

  for (const auto& enforcer : enforcers_) {
    if (!enforcer->running()) continue;
    const int code = enforcer->stop(SIGTERM, 15s);
    if (expect_clean) {
      EXPECT_FALSE(enforcer->timed_out())
          << "bisk run-enforcer (pid " << enforcer->pid() << ") did not exit within 15 s of SIGTERM";
      EXPECT_EQ(code, 0) << "exit code of bisk run-enforcer (pid " << enforcer->pid() << ") after SIGTERM";
    }
  }

  std::vector<int> left;
  const bool clean = wait_until(
      [&] {
        left = descendants();
        return left.empty();
      },
      5s);
  if (expect_clean) {
    EXPECT_TRUE(clean) << "processes left after the enforcers stopped:\n" << describe_processes(left);
  }

  // Whatever is left dies now, so the next test starts clean.
  if (!clean) {
    for (const int pid : left) {
      if (const auto info = proc_info(pid); info && info->pgid == pid && pid != getpgrp()) kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
    const int self = getpid();
    wait_until(
        [&] {
          for (const int pid : descendants()) {
            // Our own children that are not fake runners (which the reaper takes).
            const auto info = proc_info(pid);
            if (info && info->ppid == self && info->state == 'Z' && info->comm != fake_runner_comm())
              waitpid(pid, nullptr, WNOHANG);
          }
          return descendants().empty();
        },
        5s);
  }
}

void EnforcerFixture::reaper_loop() {
  const int self = getpid();
  while (!reaper_stop_) {
    for (const ProcInfo& process : all_processes()) {
      if (process.ppid != self || process.state != 'Z' || process.comm != fake_runner_comm()) continue;
      int status = 0;
      if (waitpid(process.pid, &status, WNOHANG) != process.pid) continue;
      ReapedOrphan orphan;
      orphan.pid = process.pid;
      if (WIFEXITED(status)) orphan.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) orphan.exit_signal = WTERMSIG(status);
      std::lock_guard lock(reaped_mutex_);
      reaped_.push_back(orphan);
    }
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<ReapedOrphan> EnforcerFixture::reaped_orphans() const {
  std::lock_guard lock(reaped_mutex_);
  return reaped_;
}

std::map<std::string, std::string> EnforcerFixture::enforcer_environment() const {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", home_.path()},
      {"BISK_ENV_FILE", home_.file("bisk.env")},
      {"BISK_HEARTBEAT_KEY", kEnforcerTestKey},
      {"BISK_RUNNER_PROGRAM", BISK_FAKE_RUNNER},
      {"BISK_SNAPSHOT_DIR", snapshot_dir()},
      {"BISK_MEDIA_DIR", home_.file("media")},
      {"BISK_LOG_DIR", log_dir()},
      {"BISK_ENFORCER_LOCK_FILE", home_.file("enforcer.lock")},
      {"BISK_NODE", node_},
      {"BISK_TIME_ZONE", "UTC"},
      {"BISK_ENFORCER_INTERVAL", "5"},
      {"BISK_STOP_GRACE", "2"},
      {"BISK_RUNNER_SILENT_AFTER", "3"},
      {"BISK_SPAWN_RATE", "20"},
      {"BISK_STRICT_BINARIES", "0"},
  };
  if (database_) env["BISK_DATABASE_URL"] = database_->url();
  if (server_) env["BISK_HEARTBEAT_URL"] = heartbeat_url();
  return env;
}

std::string EnforcerFixture::heartbeat_url() const {
  return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + "/api/runner/heartbeat/";
}

EnforcerProcess& EnforcerFixture::start_enforcer(std::map<std::string, std::string> overrides,
                                                 std::vector<std::string> args) {
  std::map<std::string, std::string> env = enforcer_environment();
  for (auto& [key, value] : overrides) {
    if (value == kUnset) {
      env.erase(key);
    } else {
      env[key] = std::move(value);
    }
  }
  const std::string log_path = home_.file("enforcer-" + std::to_string(enforcers_.size() + 1) + ".log");
  enforcers_.push_back(std::make_unique<EnforcerProcess>(env, log_path, args));
  return *enforcers_.back();
}

ProcessResult EnforcerFixture::bisk(std::vector<std::string> args, std::map<std::string, std::string> overrides,
                                    std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> env = enforcer_environment();
  for (auto& [key, value] : overrides) {
    if (value == kUnset) {
      env.erase(key);
    } else {
      env[key] = std::move(value);
    }
  }
  args.insert(args.begin(), BISK_BINARY);
  return run_process(args, env, "", timeout);
}

// ---- catalog

Id EnforcerFixture::add_camera(const std::string& name, const std::string& url) {
  return add_camera_on(name, node_, url);
}

Id EnforcerFixture::add_camera_on(const std::string& name, std::optional<std::string> node, const std::string& url) {
  Camera camera;
  camera.name = name;
  camera.url = url;
  camera.node = std::move(node);
  return CameraStore(*db_).add(camera);
}

Id EnforcerFixture::add_profile(const std::string& name, int hb_interval, double fps) {
  StreamProfile profile;
  profile.name = name;
  profile.hb_interval = hb_interval;
  profile.fps = fps;
  return ProfileStore(*db_).add(profile);
}

Id EnforcerFixture::add_policy(const std::vector<Id>& camera_ids, Id profile_id, std::vector<ScheduleWindow> windows) {
  SchedulePolicy policy;
  policy.name = "policy-" + std::to_string(++policy_counter_);
  policy.camera_ids = camera_ids;
  for (auto& window : windows)
    if (window.profile_id == 0) window.profile_id = profile_id;
  policy.windows = std::move(windows);
  return PolicyStore(*db_).add(policy);
}

void EnforcerFixture::update_camera(Id id, const std::function<void(Camera&)>& change) {
  CameraStore store(*db_);
  auto camera = store.find(id);
  ASSERT_TRUE(camera) << "camera " << id;
  change(*camera);
  store.update(*camera);
}

void EnforcerFixture::update_profile(Id id, const std::function<void(StreamProfile&)>& change) {
  ProfileStore store(*db_);
  auto profile = store.find(id);
  ASSERT_TRUE(profile) << "profile " << id;
  change(*profile);
  store.update(*profile);
}

void EnforcerFixture::update_policy(Id id, const std::function<void(SchedulePolicy&)>& change) {
  PolicyStore store(*db_);
  auto policy = store.find(id);
  ASSERT_TRUE(policy) << "policy " << id;
  change(*policy);
  store.update(*policy);
}

void EnforcerFixture::pause_camera(Id id, std::optional<Instant> until) {
  CameraStore(*db_).set_pause_until(id, until);
}

// ---- windows

std::vector<ScheduleWindow> EnforcerFixture::always() {
  std::vector<ScheduleWindow> windows;
  for (int day = 0; day < 7; ++day) {
    ScheduleWindow window;
    window.day_of_week = day;
    window.start_minute = 0;
    window.end_minute = 0;  // start == end: the whole day
    windows.push_back(window);
  }
  return windows;
}

ScheduleWindow EnforcerFixture::window_at(Instant start, std::chrono::seconds duration) {
  const auto minute = std::chrono::round<std::chrono::minutes>(start);
  const auto day = date::floor<date::days>(minute);
  const long long minutes = std::max<long long>(1, std::chrono::round<std::chrono::minutes>(duration).count());
  if (minutes >= kMinutesPerDay) throw std::invalid_argument("window_at: a window must last less than a day");
  ScheduleWindow window;
  window.day_of_week = static_cast<int>(date::weekday(day).iso_encoding()) - 1;  // 0 = Monday
  window.start_minute = static_cast<int>((minute - day).count());
  window.end_minute = static_cast<int>((window.start_minute + minutes) % kMinutesPerDay);
  return window;
}

ScheduleWindow EnforcerFixture::window_from_now(int seconds_from_now, int duration_seconds) {
  return window_at(now_instant() + std::chrono::seconds(seconds_from_now), std::chrono::seconds(duration_seconds));
}

Instant EnforcerFixture::next_minute_boundary() {
  return std::chrono::floor<std::chrono::minutes>(now_instant()) + std::chrono::minutes(1);
}

Instant EnforcerFixture::sleep_until_before_next_minute(std::chrono::seconds lead) {
  Instant boundary = next_minute_boundary();
  if (boundary - now_instant() < lead) boundary += std::chrono::minutes(1);
  std::this_thread::sleep_until(boundary - lead);
  return boundary;
}

// ---- fake runners

std::string EnforcerFixture::snapshot_dir() const { return home_.file("snapshots"); }
std::string EnforcerFixture::log_dir() const { return home_.file("log"); }
std::string EnforcerFixture::control_dir() const { return snapshot_dir() + "/fake"; }

std::string EnforcerFixture::pair_file(Id camera, Id profile, const char* suffix) const {
  return control_dir() + "/c" + std::to_string(camera) + "-p" + std::to_string(profile) + suffix;
}

void EnforcerFixture::set_mode(Id camera, Id profile, const std::string& lines) {
  std::filesystem::create_directories(control_dir());
  const std::string path = pair_file(camera, profile, ".mode");
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << lines;
    if (!lines.empty() && lines.back() != '\n') out << '\n';
  }
  std::filesystem::rename(temporary, path);  // a runner never reads half a file
}

std::vector<nlohmann::json> EnforcerFixture::read_records(const std::string& path) const {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_discarded()) records.push_back(std::move(record));
  }
  return records;
}

std::vector<nlohmann::json> EnforcerFixture::starts(Id camera, Id profile) const {
  return read_records(pair_file(camera, profile, ".starts"));
}

std::vector<nlohmann::json> EnforcerFixture::events(Id camera, Id profile) const {
  return read_records(pair_file(camera, profile, ".events"));
}

std::vector<nlohmann::json> EnforcerFixture::events(Id camera, Id profile, const std::string& event) const {
  std::vector<nlohmann::json> matching;
  for (auto& record : events(camera, profile))
    if (record.value("event", "") == event) matching.push_back(std::move(record));
  return matching;
}

// ---- processes

std::vector<RunningProcess> EnforcerFixture::live_rows() {
  ProcessStore::Filter filter;
  filter.lifecycles = {"starting", "running", "stopping"};
  filter.limit = 100000;
  std::vector<RunningProcess> rows = ProcessStore(*db_).list(filter);
  std::erase_if(rows, [this](const RunningProcess& row) { return row.node != node_; });
  return rows;
}

std::vector<RunningProcess> EnforcerFixture::rows(Id camera, Id profile) {
  ProcessStore::Filter filter;
  filter.camera_id = camera;
  filter.profile_id = profile;
  filter.limit = 100000;
  return ProcessStore(*db_).list(filter);
}

bool EnforcerFixture::pid_alive(int pid) const {
  const auto info = proc_info(pid);
  return info && info->state != 'Z' && info->state != 'X';
}

std::vector<int> EnforcerFixture::descendants() {
  for (const auto& enforcer : enforcers_) enforcer->running();  // reaps those that exited
  const std::vector<ProcInfo> processes = all_processes();
  std::multimap<int, int> children;  // ppid -> pid
  for (const ProcInfo& process : processes) children.emplace(process.ppid, process.pid);
  const int server_pid = server_ ? server_->pid() : -1;
  std::vector<int> found;
  std::vector<int> queue = {getpid()};
  while (!queue.empty()) {
    const int parent = queue.back();
    queue.pop_back();
    const auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      if (it->second == server_pid) continue;
      found.push_back(it->second);
      queue.push_back(it->second);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<int> EnforcerFixture::zombies_among_descendants() {
  std::vector<int> zombies;
  for (const int pid : descendants()) {
    const auto info = proc_info(pid);
    if (info && info->state == 'Z') zombies.push_back(pid);
  }
  return zombies;
}

std::vector<ProcInfo> EnforcerFixture::fake_runner_processes() {
  std::vector<ProcInfo> runners;
  for (const int pid : descendants()) {
    auto info = proc_info(pid);
    if (info && info->state != 'Z' && info->comm == fake_runner_comm()) runners.push_back(std::move(*info));
  }
  return runners;
}

std::string EnforcerFixture::describe_processes(const std::vector<int>& pids) {
  std::string text;
  for (const int pid : pids) {
    const auto info = proc_info(pid);
    text += "  pid " + std::to_string(pid);
    if (info) {
      text += " ppid " + std::to_string(info->ppid) + " pgid " + std::to_string(info->pgid) + " state " + info->state +
              " (" + info->comm + ")";
    } else {
      text += " (gone)";
    }
    for (const auto& arg : proc_cmdline(pid)) text += " " + arg;
    text += "\n";
  }
  return text.empty() ? "  (none)\n" : text;
}

}  // namespace bisk::testing
