// bisk_fake_runner: a stand-in for `bisk runner` in the enforcer's tests. It
// takes the runner's command line (SPEC §5), posts keyed heartbeats like a real
// runner, stops on SIGTERM with a final "stopping" heartbeat, and misbehaves
// on request. Plain C++ with httplib and nlohmann/json, no bisk libraries.
//
// Control: `<--snapshots>/fake/c<camera>-p<profile>.mode`, re-read every
// 100 ms, `key=value` lines (absent file: well-behaved):
//   exit_after_ms=N      exit on its own N ms after start, with exit_code (default 1)
//   exit_code=C          the code for exit_after_ms
//   crash_after_ms=N     SIGKILL itself N ms after start
//   ignore_term=1        SIGTERM is ignored (and recorded)
//   grandchildren=N      at start, fork N children in its process group that sleep forever
//   silent=1             no heartbeats while set (the process stays alive)
//   heartbeat_error=TEXT heartbeats carry last_error=TEXT
//   exit_on_undesired=1  exit 0 when the server answers a heartbeat with "desired":false
// Records (JSON lines appended with O_APPEND, one write per line):
//   `c<camera>-p<profile>.starts`  one line per start: pid, ppid, pgid, sid, start_ms, argv,
//                                  rtsp_url, key_ok, nice, affinity, grandchildren, env_keys
//   `c<camera>-p<profile>.events`  pid, event (term | exit | crash), at_ms and details
// Exit codes: 0 after SIGTERM (or desired:false with exit_on_undesired), 2 for a bad
// command line or environment, exit_code for exit_after_ms, 1 when the control
// directory cannot be created.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int kUsageExit = 2;

long long epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "bisk runner (fake): " << message << "\n"
            << "usage: runner --impl ffmpeg_all|ffmpeg_one --camera ID --profile ID --fps F --det_set D --hb URL "
               "--hb_interval S --snapshots DIR --snapshot_every S [--rtsp_transport tcp|udp] [--device cpu|cuda] "
               "[--gpu_index N] [--hwaccel none|cuda] [--min_score X] [--min_face_px N]\n"
            << std::flush;
  std::_Exit(kUsageExit);
}

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// ---------------------------------------------------------------- command line

struct Options {
  long long camera = 0;
  long long profile = 0;
  double fps = 0;
  double hb_interval = 0;
  std::string hb_url;
  std::string snapshots;
  std::map<std::string, std::string> values;  // every flag given, by name without dashes
};

struct FlagRule {
  bool required;
  std::vector<std::string> choices;  // empty: any value, checked below
};

const std::map<std::string, FlagRule>& flag_rules() {
  static const std::map<std::string, FlagRule> rules = {
      {"impl", {true, {"ffmpeg_all", "ffmpeg_one"}}},
      {"camera", {true, {}}},
      {"profile", {true, {}}},
      {"fps", {true, {}}},
      {"det_set", {true, {"auto", "320", "480", "640", "800", "1024"}}},
      {"hb", {true, {}}},
      {"hb_interval", {true, {}}},
      {"snapshots", {true, {}}},
      {"snapshot_every", {true, {}}},
      {"rtsp_transport", {false, {"tcp", "udp"}}},
      {"device", {false, {"cpu", "cuda"}}},
      {"gpu_index", {false, {}}},
      {"hwaccel", {false, {"none", "cuda"}}},
      {"min_score", {false, {}}},
      {"min_face_px", {false, {}}},
  };
  return rules;
}

long long integer_flag(const Options& options, const std::string& name, long long min) {
  const std::string& text = options.values.at(name);
  const auto value = parse_integer(text);
  if (!value || *value < min)
    usage_error("--" + name + ": must be an integer >= " + std::to_string(min) + " (got '" + text + "')");
  return *value;
}

double number_flag(const Options& options, const std::string& name, double min, double max, bool min_exclusive) {
  const std::string& text = options.values.at(name);
  const auto value = parse_number(text);
  if (!value || *value < min || (min_exclusive && *value == min) || *value > max)
    usage_error("--" + name + ": must be a number " + (min_exclusive ? "> " : ">= ") + std::to_string(min) + " (got '" +
                text + "')");
  return *value;
}

Options parse_command_line(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "runner") usage_error("the first argument must be 'runner'");
  Options options;
  const auto& rules = flag_rules();
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) usage_error("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (!rules.contains(name)) usage_error("unknown flag '--" + name + "'");
    if (!value) {
      if (i + 1 >= argc) usage_error("--" + name + ": missing value");
      value = argv[++i];
    }
    if (options.values.contains(name)) usage_error("--" + name + " given twice");
    const auto& choices = rules.at(name).choices;
    if (!choices.empty() && std::find(choices.begin(), choices.end(), *value) == choices.end())
      usage_error("--" + name + ": invalid value '" + *value + "'");
    options.values[name] = *value;
  }
  for (const auto& [name, rule] : rules)
    if (rule.required && !options.values.contains(name)) usage_error("--" + name + " is required");

  options.camera = integer_flag(options, "camera", 1);
  options.profile = integer_flag(options, "profile", 1);
  options.fps = number_flag(options, "fps", 0, 1000, true);
  options.hb_interval = number_flag(options, "hb_interval", 0, 86400, true);
  integer_flag(options, "snapshot_every", 1);
  if (options.values.contains("gpu_index")) integer_flag(options, "gpu_index", 0);
  if (options.values.contains("min_score")) number_flag(options, "min_score", 0, 1, false);
  if (options.values.contains("min_face_px")) integer_flag(options, "min_face_px", 1);
  options.hb_url = options.values.at("hb");
  if (options.hb_url.rfind("http://", 0) != 0) usage_error("--hb: must be an http:// URL");
  options.snapshots = options.values.at("snapshots");
  if (options.snapshots.empty()) usage_error("--snapshots: must not be empty");
  return options;
}

// ---------------------------------------------------------------- records

void append_line(const std::string& path, const json& record) {
  const std::string line = record.dump() + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::cerr << "fake runner: cannot open " << path << ": " << std::strerror(errno) << "\n";
    return;
  }
  // One write per line: O_APPEND keeps concurrent writers' lines whole.
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    std::cerr << "fake runner: short write to " << path << "\n";
  close(fd);
}

std::string affinity_list() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "";
  std::string text;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!text.empty()) text += ",";
    text += std::to_string(cpu);
    if (last > cpu) text += "-" + std::to_string(last);
    cpu = last;
  }
  return text;
}

int nice_value() {
  errno = 0;
  const int value = getpriority(PRIO_PROCESS, 0);
  return errno == 0 ? value : 0;
}

std::vector<std::string> bisk_environment_keys() {
  std::vector<std::string> keys;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (text.rfind("BISK_", 0) != 0) continue;
    keys.emplace_back(text.substr(0, text.find('=')));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// ---------------------------------------------------------------- mode file

struct Mode {
  std::optional<long long> exit_after_ms;
  int exit_code = 1;
  std::optional<long long> crash_after_ms;
  bool ignore_term = false;
  int grandchildren = 0;
  bool silent = false;
  std::optional<std::string> heartbeat_error;
  bool exit_on_undesired = false;
};

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

bool truthy(const std::string& value) { return value == "1" || value == "true" || value == "yes"; }

Mode read_mode(const std::string& path, std::set<std::string>& reported) {
  Mode mode;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const auto equals = text.find('=');
    const std::string key = trim(text.substr(0, equals));
    const std::string value = equals == std::string::npos ? "" : trim(text.substr(equals + 1));
    const auto number = parse_integer(value);
    if (key == "exit_after_ms" && number) {
      mode.exit_after_ms = *number;
    } else if (key == "exit_code" && number) {
      mode.exit_code = static_cast<int>(*number);
    } else if (key == "crash_after_ms" && number) {
      mode.crash_after_ms = *number;
    } else if (key == "ignore_term") {
      mode.ignore_term = truthy(value);
    } else if (key == "grandchildren" && number) {
      mode.grandchildren = static_cast<int>(std::clamp(*number, 0LL, 64LL));
    } else if (key == "silent") {
      mode.silent = truthy(value);
    } else if (key == "heartbeat_error") {
      mode.heartbeat_error = value;
    } else if (key == "exit_on_undesired") {
      mode.exit_on_undesired = truthy(value);
    } else if (reported.insert(text).second) {
      std::cerr << "fake runner: ignoring mode line '" << text << "'\n" << std::flush;
    }
  }
  return mode;
}

// ---------------------------------------------------------------- heartbeats

struct Shared {
  std::mutex mutex;
  std::condition_variable changed;
  Mode mode;
  bool stopping = false;    // main asks for the final heartbeat and the end of the thread
  bool final_done = false;  // the thread has sent (or skipped) the final heartbeat
  bool final_ok = false;    // … and the server accepted it
  bool undesired = false;   // the server said desired:false (with exit_on_undesired)
  std::atomic<long long> sent{0}, failed{0}, undesired_answers{0};
};

class Heartbeater {
 public:
  Heartbeater(const Options& options, std::string key, Shared& shared)
      : options_(options), key_(std::move(key)), shared_(shared) {
    const std::string rest = options.hb_url.substr(std::strlen("http://"));
    const auto slash = rest.find('/');
    host_port_ = "http://" + rest.substr(0, slash);
    path_ = slash == std::string::npos ? "/" : rest.substr(slash);
  }

  void run() {
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.hb_interval));
    auto next = Clock::now();
    std::unique_lock lock(shared_.mutex);
    while (!shared_.stopping) {
      if (Clock::now() >= next) {
        const Mode mode = shared_.mode;
        lock.unlock();
        if (!mode.silent) send("running", mode, std::chrono::milliseconds(1000));
        lock.lock();
        next += interval;
        if (next < Clock::now()) next = Clock::now() + interval;  // fell behind: no burst
        continue;
      }
      shared_.changed.wait_until(lock, next, [this] { return shared_.stopping; });
    }
    const Mode mode = shared_.mode;
    lock.unlock();
    const bool ok = !mode.silent && send("stopping", mode, std::chrono::milliseconds(700));
    lock.lock();
    shared_.final_done = true;
    shared_.final_ok = ok;
    shared_.changed.notify_all();
  }

 private:
  // True when the server accepted the heartbeat (200).
  bool send(const char* state, const Mode& mode, std::chrono::milliseconds timeout) {
    json body = {
        {"camera_id", options_.camera}, {"profile_id", options_.profile}, {"pid", getpid()},           {"state", state},
        {"camera_fps", options_.fps},   {"processed_fps", options_.fps},  {"target_fps", options_.fps}};
    if (mode.heartbeat_error) body["last_error"] = *mode.heartbeat_error;
    httplib::Client client(host_port_);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    const httplib::Headers headers = {{"X-BISK-KEY", key_}};
    const auto result = client.Post(path_.c_str(), headers, body.dump(), "application/json");
    if (!result || result->status != 200) {
      ++shared_.failed;
      return false;
    }
    ++shared_.sent;
    const json answer = json::parse(result->body, nullptr, false);
    if (answer.is_object() && answer.value("desired", true) == false) {
      ++shared_.undesired_answers;
      if (mode.exit_on_undesired) {
        std::lock_guard lock(shared_.mutex);
        shared_.undesired = true;
        shared_.changed.notify_all();
      }
    }
    return true;
  }

  const Options& options_;
  const std::string key_;
  Shared& shared_;
  std::string host_port_;
  std::string path_;
};

// ---------------------------------------------------------------- the process

class FakeRunner {
 public:
  FakeRunner(Options options, std::vector<std::string> argv, std::string key, std::string rtsp_url)
      : options_(std::move(options)), argv_(std::move(argv)), key_(std::move(key)), rtsp_url_(std::move(rtsp_url)) {
    const std::string dir = options_.snapshots + "/fake";
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
      std::cerr << "fake runner: cannot create " << dir << ": " << error.message() << "\n";
      std::_Exit(1);
    }
    const std::string base = dir + "/c" + std::to_string(options_.camera) + "-p" + std::to_string(options_.profile);
    mode_path_ = base + ".mode";
    starts_path_ = base + ".starts";
    events_path_ = base + ".events";
  }

  int run() {
    start_ = Clock::now();
    const Mode initial = read_mode(mode_path_, reported_);
    shared_.mode = initial;
    const std::vector<int> grandchildren = spawn_grandchildren(initial.grandchildren);
    record_start(grandchildren);
    std::cout << "fake runner: started pid=" << getpid() << " camera=" << options_.camera
              << " profile=" << options_.profile << " grandchildren=" << grandchildren.size() << std::endl;

    Heartbeater heartbeater(options_, key_, shared_);
    std::thread thread([&heartbeater] { heartbeater.run(); });
    thread.detach();  // the process ends with _exit: a request in flight never delays it

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    for (;;) {
      const Mode mode = read_mode(mode_path_, reported_);
      bool undesired = false;
      {
        std::lock_guard lock(shared_.mutex);
        shared_.mode = mode;
        undesired = shared_.undesired;
      }
      if (undesired) finish(0, "undesired");
      const long long elapsed = elapsed_ms();
      if (mode.crash_after_ms && elapsed >= *mode.crash_after_ms) crash();
      if (mode.exit_after_ms && elapsed >= *mode.exit_after_ms) finish(mode.exit_code, "exit_after_ms");

      long long wait_ms = 100;
      if (mode.crash_after_ms) wait_ms = std::min(wait_ms, *mode.crash_after_ms - elapsed);
      if (mode.exit_after_ms) wait_ms = std::min(wait_ms, *mode.exit_after_ms - elapsed);
      wait_ms = std::max(wait_ms, 1LL);
      const timespec timeout{static_cast<time_t>(wait_ms / 1000), static_cast<long>(wait_ms % 1000) * 1000000L};
      const int received = sigtimedwait(&stop_signals, nullptr, &timeout);
      if (received == SIGTERM || received == SIGINT) on_stop_signal(received, mode);
    }
  }

 private:
  long long elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
  }

  // Children that stay in this process group and sleep until a signal kills them.
  std::vector<int> spawn_grandchildren(int count) {
    std::vector<int> pids;
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid < 0) {
        std::cerr << "fake runner: fork: " << std::strerror(errno) << "\n";
        break;
      }
      if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (;;) pause();
      }
      pids.push_back(pid);
    }
    return pids;
  }

  void record_start(const std::vector<int>& grandchildren) {
    append_line(starts_path_, {{"pid", getpid()},
                               {"ppid", getppid()},
                               {"pgid", getpgrp()},
                               {"sid", getsid(0)},
                               {"start_ms", epoch_ms()},
                               {"argv", argv_},
                               {"rtsp_url", rtsp_url_},
                               {"key_ok", !key_.empty()},
                               {"nice", nice_value()},
                               {"affinity", affinity_list()},
                               {"grandchildren", grandchildren},
                               {"env_keys", bisk_environment_keys()}});
  }

  json event(const char* name) const {
    return {{"pid", getpid()},
            {"event", name},
            {"at_ms", epoch_ms()},
            {"heartbeats_sent", shared_.sent.load()},
            {"heartbeats_failed", shared_.failed.load()},
            {"undesired_answers", shared_.undesired_answers.load()}};
  }

  void on_stop_signal(int signal, const Mode& mode) {
    json term = event("term");
    term["signal"] = signal;
    term["ignored"] = mode.ignore_term;
    append_line(events_path_, term);
    std::cout << "fake runner: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
              << (mode.ignore_term ? " ignored" : ", stopping") << std::endl;
    if (mode.ignore_term) return;
    bool final_sent = false;  // and accepted
    {
      std::unique_lock lock(shared_.mutex);
      shared_.stopping = true;
      shared_.changed.notify_all();
      // Bounded: exit 0 well within the 2 s the contract allows, heartbeat or not.
      final_sent = shared_.changed.wait_for(lock, std::chrono::milliseconds(1500), [this] {
        return shared_.final_done;
      }) && shared_.final_ok;
    }
    json exit = event("exit");
    exit["code"] = 0;
    exit["reason"] = "signal";
    exit["final_heartbeat"] = final_sent;
    append_line(events_path_, exit);
    std::cout << "fake runner: exit 0" << std::endl;
    std::_Exit(0);
  }

  [[noreturn]] void finish(int code, const char* reason) {
    json exit = event("exit");
    exit["code"] = code;
    exit["reason"] = reason;
    append_line(events_path_, exit);
    std::cout << "fake runner: exit " << code << " (" << reason << ")" << std::endl;
    std::_Exit(code);
  }

  [[noreturn]] void crash() {
    json crash = event("crash");
    crash["reason"] = "crash_after_ms";
    append_line(events_path_, crash);
    std::cout << "fake runner: crashing with SIGKILL" << std::endl;
    kill(getpid(), SIGKILL);
    for (;;) pause();
  }

  Options options_;
  std::vector<std::string> argv_;
  std::string key_;
  std::string rtsp_url_;
  std::string mode_path_, starts_path_, events_path_;
  std::set<std::string> reported_;
  Clock::time_point start_;
  Shared shared_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_command_line(argc, argv);
  const char* key = std::getenv("BISK_HEARTBEAT_KEY");
  if (key == nullptr) usage_error("BISK_HEARTBEAT_KEY is not set");
  const char* rtsp_url = std::getenv("BISK_RTSP_URL");
  if (rtsp_url == nullptr || *rtsp_url == '\0') usage_error("BISK_RTSP_URL is not set");

  // Stop signals are taken synchronously (sigtimedwait in the main loop): blocked
  // here, before any thread or child exists, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv, argv + argc);
  FakeRunner runner(std::move(options), std::move(args), key, rtsp_url);
  return runner.run();
}
