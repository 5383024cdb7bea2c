// `bisk demo` (SPEC §8): all of BISK on this machine for a first look. A
// throwaway SQLite database in a temporary directory, filled by
// seed_demo_site; `bisk serve` and `bisk run-enforcer` (which starts the
// runner) as children; recognitions printed as they arrive; Ctrl-C stops
// every process and deletes the directory.

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/demo_site.h"
#include "common/text.h"
#include "enforcer/enforcer.h"
#include "enforcer/process_control.h"
#include "store/attendance_store.h"
#include "store/catalog_stores.h"
#include "web/auth.h"

extern char** environ;

namespace bisk {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kFirstPort = 8000;
constexpr int kLastPort = 8099;
constexpr auto kServeReadyTimeout = 20s;
// The enforcer stops its runners (SIGTERM, BISK_STOP_GRACE 10 s, SIGKILL) before it exits.
constexpr auto kEnforcerStopTimeout = 30s;
constexpr auto kServeStopTimeout = 10s;
constexpr auto kEventPollInterval = 2s;
constexpr const char* kDirPrefix = "bisk-demo.";
constexpr const char* kOwnerFile = "demo.pid";  // "PID START_TIME" of the demo using the directory

std::string temp_root() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

// A demo killed outright (SIGKILL, power loss) cannot delete its directory:
// the next demo does, once the pid recorded in it is gone.
void remove_abandoned_demo_dirs(const std::string& root) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(root, error)) {
    if (entry.path().filename().string().rfind(kDirPrefix, 0) != 0) continue;
    std::ifstream owner(entry.path() / kOwnerFile);
    ProcessIdentity identity;
    if (!(owner >> identity.pid >> identity.start_time) || is_alive(identity)) continue;
    fs::remove_all(entry.path(), error);
    if (!error) std::cout << "Removed " << entry.path().string() << ", left behind by an earlier demo.\n";
  }
}

// The demo's directory, deleted with everything in it when the demo ends.
class DemoDirectory {
 public:
  DemoDirectory() {
    const std::string root = temp_root();
    remove_abandoned_demo_dirs(root);
    std::string pattern = root + "/" + kDirPrefix + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw CommandError("cannot create a directory in " + root + ": " + std::strerror(errno) +
                         " (set TMPDIR to a writable directory)");
    path_ = pattern;
    std::ofstream(path_ + "/" + kOwnerFile) << ::getpid() << " " << process_start_time(::getpid()).value_or(0) << "\n";
  }
  DemoDirectory(const DemoDirectory&) = delete;
  DemoDirectory& operator=(const DemoDirectory&) = delete;
  ~DemoDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool port_is_free(int port) {
  httplib::Server probe;
  return probe.bind_to_port("127.0.0.1", port);
}

std::string choose_listen_address() {
  for (int port = kFirstPort; port <= kLastPort; ++port)
    if (port_is_free(port)) return "127.0.0.1:" + std::to_string(port);
  throw CommandError("no free port from " + std::to_string(kFirstPort) + " to " + std::to_string(kLastPort) +
                     " on 127.0.0.1; name one with --listen 127.0.0.1:PORT");
}

struct DemoConfig {
  std::string listen;
  std::string database_url;
  std::string env_file;
};

// The children's configuration: everything that holds state points into the
// demo directory; what locates programs and files comes from the demo's own
// effective configuration.
DemoConfig write_demo_env_file(const DemoDirectory& dir, const Settings& settings, const std::string& listen) {
  DemoConfig config{
      .listen = listen, .database_url = "sqlite://" + dir.file("bisk.db"), .env_file = dir.file("bisk.env")};
  const std::map<std::string, std::string> values = {
      {"BISK_DATABASE_URL", config.database_url},
      {"BISK_MEDIA_DIR", dir.file("media")},
      {"BISK_LOG_DIR", dir.file("log")},
      {"BISK_ENFORCER_LOCK_FILE", dir.file("enforcer.lock")},
      {"BISK_LISTEN", listen},
      {"BISK_HEARTBEAT_URL", "http://" + listen + "/api/runner/heartbeat/"},
      {"BISK_HEARTBEAT_KEY", random_token()},
      {"BISK_SECRET_KEY", random_token()},
      {"BISK_NODE", "demo"},
      {"BISK_ENFORCER_INTERVAL", "5"},
      {"BISK_TIME_ZONE", settings.time_zone_name},
      {"BISK_RUNNER_IMPL", settings.runner_impl},
      {"BISK_MODEL_DIR", settings.model_dir},
      {"BISK_WEB_DIR", settings.web_dir},
      {"BISK_FFMPEG_BIN", settings.ffmpeg_bin},
      {"BISK_FFPROBE_BIN", settings.ffprobe_bin},
  };
  const mode_t previous = ::umask(077);  // it holds the heartbeat key
  std::ofstream out(config.env_file);
  ::umask(previous);
  out << "# bisk demo: deleted when the demo stops\n";
  for (const auto& [key, value] : values) out << key << "=" << value << "\n";
  if (!out.flush()) throw CommandError("cannot write " + config.env_file);
  return config;
}

// This process's environment without BISK_* (an exported BISK_DATABASE_URL
// must not lead the demo to a real database), pointed at the demo's env file.
std::vector<std::string> child_environment(const std::string& env_file) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry)
    if (std::string_view(*entry).rfind("BISK_", 0) != 0) env.emplace_back(*entry);
  env.push_back("BISK_ENV_FILE=" + env_file);
  return env;
}

std::string last_lines(const std::string& path, int count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string text;
  for (size_t i = lines.size() > static_cast<size_t>(count) ? lines.size() - count : 0; i < lines.size(); ++i)
    text += "  | " + lines[i] + "\n";
  return text;
}

// `bisk serve` or `bisk run-enforcer`, a child in a session of its own so a
// Ctrl-C in the terminal reaches only the demo, which stops it in order.
class DemoChild {
 public:
  DemoChild(std::string name, const std::vector<std::string>& argv, const std::vector<std::string>& env,
            std::string log_path)
      : name_(std::move(name)), log_path_(std::move(log_path)) {
    identity_ = spawn_process(SpawnSpec{.argv = argv,
                                        .env = env,
                                        .log_path = log_path_,
                                        .nice = {},
                                        .cpu_affinity = {},
                                        .parent_death_signal = SIGTERM});
  }
  DemoChild(const DemoChild&) = delete;
  DemoChild& operator=(const DemoChild&) = delete;
  ~DemoChild() { stop(5s); }  // only on an error path: the demo stops its children in order

  // True (and the status kept) when the child has exited.
  bool exited() {
    if (status_) return true;
    int status = 0;
    if (::waitpid(identity_.pid, &status, WNOHANG) != identity_.pid) return false;
    status_ = exit_status_of(status);
    return true;
  }

  // SIGTERM, then SIGKILL after `grace`; reaped either way.
  void stop(std::chrono::seconds grace) {
    if (exited()) return;
    ::kill(identity_.pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!exited() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
    if (exited()) return;
    ::kill(identity_.pid, SIGKILL);
    int status = 0;
    while (::waitpid(identity_.pid, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = exit_status_of(status);
  }

  std::string failure_report() const {
    return name_ + " " + (status_ ? describe_exit(*status_) : "failed") + "; the end of its log:\n" +
           last_lines(log_path_, 20);
  }

 private:
  std::string name_;
  std::string log_path_;
  ProcessIdentity identity_;
  std::optional<ExitStatus> status_;
};

bool serve_answers(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  client.set_read_timeout(2s);
  const auto result = client.Get("/healthz");
  return result && result->status == 200;
}

// The port of "host:port" / "[v6]:port"; UsageError when there is none.
int port_of(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  const char* end = listen.data() + listen.size();
  const bool parsed = colon != std::string::npos && std::from_chars(listen.data() + colon + 1, end, port).ptr == end;
  if (!parsed || port < 1 || port > 65535)
    throw UsageError("--listen: expected host:port, e.g. 127.0.0.1:8000 (got " + bisk::quoted(listen) + ")");
  return port;
}

void wait_until_serving(DemoChild& serve, int port) {
  const auto deadline = std::chrono::steady_clock::now() + kServeReadyTimeout;
  while (!serve_answers(port)) {
    if (serve.exited()) throw CommandError(serve.failure_report());
    if (std::chrono::steady_clock::now() > deadline) {
      serve.stop(kServeStopTimeout);
      throw CommandError(serve.failure_report() + "(it did not answer on port " + std::to_string(port) + " within " +
                         std::to_string(kServeReadyTimeout.count()) + " s)");
    }
    std::this_thread::sleep_for(200ms);
  }
}

void print_banner(const DemoDirectory& dir, const DemoConfig& config, const DemoSite& site, const DemoAssets& assets) {
  std::cout << "\nBISK demo\n"
            << "  data      " << dir.path() << " (deleted when the demo stops)\n"
            << "  camera    " << bisk::quoted(site.camera_name) << " plays " << assets.video << " in a loop\n"
            << "  period    " << site.period_text << "\n"
            << "  students  " << site.students.front() << " and " << site.students.back() << "\n\n"
            << "Dashboard: http://" << config.listen << "/dash/system/\n"
            << "Login:     " << site.admin_user << " / " << site.admin_password << "\n\n"
            << "Recognitions are printed here as they arrive (the first within a minute). Press Ctrl-C to stop.\n"
            << std::flush;
}

// Prints the attendance events recorded since the last call, oldest first.
class RecognitionPrinter {
 public:
  RecognitionPrinter(Database& db, TimeZone zone) : db_(db), zone_(zone), since_(now_instant()) {}

  void print_new() {
    AttendanceStore::Filter filter;
    filter.since = since_;
    auto events = AttendanceStore(db_).events(filter, zone_);
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (!printed_.insert(it->id).second) continue;
      std::cout << format_instant(it->ts_at, zone_).substr(11, 8) << "  recognised " << student_name(it->student_id)
                << " on " << camera_name(it->camera_id) << ", score " << format_score(it->score) << "\n"
                << std::flush;
      since_ = std::max(since_, it->ts_at);
    }
  }

 private:
  std::string student_name(Id id) {
    const auto student = StudentStore(db_).find(id);
    return student ? student->first_name + " " + student->last_name + " (" + student->code + ")"
                   : "student " + std::to_string(id);
  }
  std::string camera_name(std::optional<Id> id) {
    const auto camera = id ? CameraStore(db_).find(*id) : std::nullopt;
    return camera ? bisk::quoted(camera->name) : "a camera";
  }
  static std::string format_score(double score) {
    char text[16];
    std::snprintf(text, sizeof text, "%.2f", score);
    return text;
  }

  Database& db_;
  TimeZone zone_;
  Instant since_;
  std::set<Id> printed_;
};

sigset_t demo_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&signals, signal);
  return signals;
}

// Waits for Ctrl-C (SIGINT), SIGTERM or SIGHUP, printing recognitions, and
// returns 0 then; returns 1 when serve or the enforcer ends by itself.
int supervise(const sigset_t& signals, std::vector<DemoChild*> children, RecognitionPrinter& printer) {
  for (;;) {
    siginfo_t info;
    const timespec timeout{.tv_sec = kEventPollInterval.count(), .tv_nsec = 0};
    const int signal = ::sigtimedwait(&signals, &info, &timeout);
    if (signal == SIGINT || signal == SIGTERM || signal == SIGHUP) return 0;
    for (DemoChild* child : children) {
      if (child->exited()) {
        std::cerr << "bisk demo: " << child->failure_report();
        return 1;
      }
    }
    try {
      printer.print_new();
    } catch (const std::exception& error) {  // a busy database: try again at the next poll
      std::cerr << "bisk demo: cannot read the recognitions: " << error.what() << "\n";
    }
  }
}

// Runners whose enforcer died without stopping them came back to this
// subreaper: kill their groups and reap every child left.
void sweep_leftover_runners(const std::string& database_url) {
  for (const RunnerProcess& runner : find_runner_processes(runner_owner("demo", database_url)))
    signal_group(runner.identity, SIGKILL);
  for (int spins = 0; spins < 100; ++spins) {
    const int pid = ::waitpid(-1, nullptr, WNOHANG);
    if (pid < 0) return;  // no child left
    if (pid == 0) std::this_thread::sleep_for(50ms);
  }
}

int run_demo(CommandContext& context, const std::string& listen_flag, const std::string& assets_flag) {
  // Blocked before anything starts a thread (the face models do), so that only
  // sigtimedwait ever takes these signals.
  const sigset_t signals = demo_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  const Settings& settings = context.settings();
  const DemoAssets assets = find_demo_assets(
      assets_flag.empty() ? (fs::path(settings.model_dir).parent_path() / "demo").string() : assets_flag);
  const std::string listen = listen_flag.empty() ? choose_listen_address() : listen_flag;
  const int port = port_of(listen);

  DemoDirectory dir;
  const DemoConfig config = write_demo_env_file(dir, settings, listen);
  std::cout << "Preparing the demo database (face models load once, a few seconds)…\n" << std::flush;
  const std::unique_ptr<Database> db = Database::open(config.database_url);
  const DemoSite site = seed_demo_site(*db, settings, assets, now_instant());

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const auto env = child_environment(config.env_file);
  DemoChild serve("bisk serve", {self, "serve"}, env, dir.file("log/serve.log"));
  wait_until_serving(serve, port);
  DemoChild enforcer("bisk run-enforcer", {self, "run-enforcer"}, env, dir.file("log/enforcer.log"));
  print_banner(dir, config, site, assets);

  RecognitionPrinter printer(*db, settings.time_zone);
  const int code = supervise(signals, {&serve, &enforcer}, printer);
  std::cout << "\nStopping: the enforcer stops the runner, then the server…\n" << std::flush;
  enforcer.stop(kEnforcerStopTimeout);
  serve.stop(kServeStopTimeout);
  sweep_leftover_runners(config.database_url);
  std::cout << "Stopped; " << dir.path() << " deleted.\n";
  return code;
}

}  // namespace

void add_demo_command(CLI::App& app, CommandContext& context) {
  auto* demo = app.add_subcommand(
      "demo", "Run all of BISK on a demo camera with a throwaway database until Ctrl-C (nothing is left behind)");
  auto listen = std::make_shared<std::string>();
  auto assets = std::make_shared<std::string>();
  demo->add_option("--listen", *listen, "Address of the dashboard (default: the first free of 127.0.0.1:8000-8099)");
  demo->add_option("--assets", *assets,
                   "Directory with demo_camera.mp4 and students/ (default: demo/ beside BISK_MODEL_DIR)");
  demo->callback([&context, listen, assets] {
    if (const int code = run_demo(context, *listen, *assets); code != 0) throw CommandExit(code);
  });
}

}  // namespace bisk
