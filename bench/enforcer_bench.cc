// The enforcer's reconcile tick at school scale (issue: 1,000 cameras, 200
// running; target <= 20 ms per tick when nothing changes), on SQLite and
// PostgreSQL, with real runner processes (a shell script that sleeps).
//
// Per backend, in a process of its own (so its peak RSS is the enforcer's, not
// the population's): a fresh migrated database with 1,000 cameras, 4 profiles,
// 41 policies, 20 period templates and ~5,400 occurrences (a year back, 15
// days ahead), of which exactly 200 (camera, profile) pairs are desired now (a
// whole-day policy over cameras 1..200; the other policies' windows stay at
// least an hour away from now).
// An Enforcer built from a loaded configuration adopts, reconciles and starts
// the 200 runners, then 300 reconciles where nothing changes are timed; then
// every runner is stopped and reaped (leftover process groups are killed and
// reported).
//
//   enforcer_bench [--pg URL]            SQLite, and PostgreSQL in a fresh database on URL's server
//   enforcer_bench --populate-only PATH  only create the SQLite database PATH (or a database URL),
//                                        for bench/enforcer_idle.sh; prints nothing

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "enforcer/enforcer.h"
#include "enforcer/process_control.h"
#include "schedule/desired_set.h"
#include "store/catalog_stores.h"
#include "store/database.h"
#include "store/enforcer_store.h"
#include "store/migrations.h"
#include "store/occurrence_roller.h"
#include "store/process_store.h"
#include "store/schedule_loader.h"

namespace bisk {
namespace {

namespace fs = std::filesystem;

constexpr int kCameras = 1000;
constexpr int kRunning = 200;  // cameras 1..200, whole-day policy, profile 1
constexpr int kProfiles = 4;
constexpr int kPolicies = 40;  // over cameras 201..1000, 20 each, windows away from now
constexpr int kTemplates = 20;
constexpr int kPastDays = 365;  // occurrences of every template for the past year
constexpr int kTicks = 300;
constexpr double kTargetMs = 20.0;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// ------------------------------------------------------------------ dataset

// Windows are placed relative to the current UTC minute `m`: the whole-day
// policy covers now; every other window starts 60..105, 360..405 or 660..705
// minutes after m (mod one day) and lasts 180 minutes, so none covers now for
// the next hour.
void populate(Database& db, Instant now) {
  const TimeZone zone = find_time_zone("UTC");
  const LocalDateTime local = to_local(now, zone);
  const int m = local.minute_of_day;
  Migrator(db).migrate();
  ProfileStore profiles(db);
  for (int p = 1; p <= kProfiles; ++p) {
    StreamProfile profile;
    profile.name = "profile-" + std::to_string(p);
    profile.fps = p;
    profiles.add(profile);
  }
  PeriodTemplateStore templates(db);
  std::vector<PeriodTemplate> periods;
  for (int t = 1; t <= kTemplates; ++t) {
    PeriodTemplate period;
    period.name = "period-" + std::to_string(t);
    period.order = t;
    period.start_minute = 7 * 60 + (t % 10) * 45;
    period.end_minute = period.start_minute + 45;
    period.id = templates.add(period);
    periods.push_back(period);
  }
  // The past year of occurrences, as a long-running installation has them;
  // the next 15 days are rolled as the enforcer does.
  RollPlan plan;
  for (int day = kPastDays; day >= 1; --day) {
    const LocalDate date = add_days(local.date, -day);
    if (weekday_of(date) >= 5) continue;
    for (const PeriodTemplate& period : periods) {
      PeriodOccurrence occurrence;
      occurrence.template_id = period.id;
      occurrence.date = date;
      occurrence.start_at = local_to_instant(date, period.start_minute, zone, Ambiguity::kEarliest);
      occurrence.end_at = local_to_instant(date, period.end_minute, zone, Ambiguity::kLatest);
      occurrence.is_school_day = day % 30 != 0;
      plan.to_insert.push_back(occurrence);
    }
  }
  OccurrenceStore(db).apply(plan);
  roll_occurrences(db, zone, now, local.date, 15);
  CameraStore cameras(db);
  for (int c = 1; c <= kCameras; ++c) {
    Camera camera;
    camera.name = "camera-" + std::to_string(c);
    camera.url = "rtsp://bench:secret@10.1." + std::to_string(c / 250) + "." + std::to_string(c % 250) + "/stream";
    camera.location = "building " + std::to_string(c % 7);
    if (c > kRunning) {
      camera.is_active = c % 50 != 0;
      if (c % 2 == 0) {
        camera.period_template_ids = {periods[c % kTemplates].id, periods[(c + 7) % kTemplates].id};
      }
    }
    cameras.add(camera);
  }
  PolicyStore policies(db);
  SchedulePolicy all_day;
  all_day.name = "all-day";
  for (int c = 1; c <= kRunning; ++c) all_day.camera_ids.push_back(c);
  for (int day = 0; day < 7; ++day) all_day.windows.push_back(ScheduleWindow{0, day, 0, 0, 1});
  policies.add(all_day);
  const int per_policy = (kCameras - kRunning) / kPolicies;
  for (int p = 0; p < kPolicies; ++p) {
    SchedulePolicy policy;
    policy.name = "policy-" + std::to_string(p + 1);
    for (int i = 0; i < per_policy; ++i) policy.camera_ids.push_back(kRunning + 1 + p * per_policy + i);
    for (int day = 0; day < 7; ++day) {
      for (int w = 0; w < 3; ++w) {
        const int start = (m + 60 + w * 300 + (p % 4) * 15) % 1440;
        policy.windows.push_back(ScheduleWindow{0, day, start, (start + 180) % 1440, (p + w) % kProfiles + 1});
      }
    }
    if (p % 10 == 0) policy.exceptions.push_back(ScheduleException{0, add_days(local.date, 3), "off"});
    policies.add(policy);
  }
}

// ------------------------------------------------------------------ one backend

struct Stats {
  double median_ms = 0, p95_ms = 0, max_ms = 0;
};

// Wall and CPU time of each call of a body.
struct Samples {
  std::vector<double> wall_ms, cpu_ms;

  template <typename Body>
  void time(Body&& body) {
    const auto cpu = cpu_now();
    const auto start = std::chrono::steady_clock::now();
    body();
    wall_ms.push_back(ms_since(start));
    cpu_ms.push_back(cpu_now() - cpu);
  }
  static double cpu_now() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
  }
};

Stats stats_of(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 95 / 100], samples.back()};
}

long status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.starts_with(prefix)) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return -1;
}

struct Failure {
  std::string what;
};

[[noreturn]] void fail(const std::string& what) { throw Failure{what}; }

// Kills the process groups of runners still alive; returns how many there were.
int kill_leftovers(const std::set<int>& pids) {
  int left = 0;
  for (const int pid : pids) {
    if (group_members(pid).empty()) continue;
    ++left;
    signal_group_id(pid, SIGKILL);
  }
  return left;
}

// Lines of the enforcer's log other than runner starts and stops.
std::vector<std::string> unexpected_log_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("started runner ") || line.starts_with("stopping runner ") ||
        (line.starts_with("runner ") && line.find(" stopped (") != std::string::npos)) {
      continue;
    }
    lines.push_back(line);
  }
  return lines;
}

// Runs in a child process: prints one table row (two with the pure part),
// returns the exit code.
int measure_backend(const char* name, const std::string& url, const fs::path& dir) {
  const fs::path script = dir / "runner.sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\nexec sleep 3600\n";
  }
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  const std::map<std::string, std::string> environment = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"BISK_DATABASE_URL", url},
      {"BISK_HEARTBEAT_KEY", "bench-heartbeat-key-0123456789abcdef"},
      {"BISK_HEARTBEAT_URL", "http://127.0.0.1:9/api/runner/heartbeat/"},
      {"BISK_RUNNER_SILENT_AFTER", "3600"},
      {"BISK_RUNNER_PROGRAM", script.string()},
      {"BISK_LOG_DIR", (dir / "logs").string()},
      {"BISK_SNAPSHOT_DIR", (dir / "snapshots").string()},
      {"BISK_ENFORCER_LOCK_FILE", (dir / "enforcer.lock").string()},
      {"BISK_NODE", "bench"},
      {"BISK_TIME_ZONE", "UTC"},
      {"BISK_SPAWN_RATE", "100"},
      {"BISK_STRICT_BINARIES", "0"},
      {"BISK_ENV_FILE", ""},
  };
  ConfigInputs inputs;
  inputs.environment = environment;
  const Settings settings = load_config(inputs).settings;
  const fs::path log_path = dir / "enforcer.log";
  std::ofstream log(log_path);
  auto db = Database::open(url);

  std::set<int> pids;
  int left_behind = 0;
  int code = 0;
  try {
    Enforcer enforcer(settings, *db, environment, log);
    enforcer.adopt(now_instant());
    const auto start_up = std::chrono::steady_clock::now();
    EnforceResult first = enforcer.reconcile(now_instant());
    for (const auto& runner : first.started) pids.insert(runner.pid);
    if (first.desired != kRunning) fail("desired " + std::to_string(first.desired) + " pairs, expected 200");
    while (enforcer.runner_count() < static_cast<std::size_t>(kRunning) && ms_since(start_up) < 30'000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      for (const int pid : enforcer.start_paced(now_instant())) pids.insert(pid);
    }
    const double start_up_ms = ms_since(start_up);
    if (enforcer.runner_count() != static_cast<std::size_t>(kRunning)) {
      fail(std::to_string(enforcer.runner_count()) + " runners after 30 s, expected 200");
    }
    // Let every runner exec its sleep, and make sure none died.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    enforcer.handle_exits(now_instant());
    if (enforcer.runner_count() != static_cast<std::size_t>(kRunning)) {
      fail(std::to_string(kRunning - enforcer.runner_count()) + " runners exited right after their start");
    }
    for (int i = 0; i < 5; ++i) enforcer.reconcile(now_instant());  // warm up
    Samples tick;
    for (int i = 0; i < kTicks; ++i) {
      EnforceResult result;
      tick.time([&] { result = enforcer.reconcile(now_instant()); });
      if (!result.started.empty() || !result.stopped.empty() || !result.held.empty() || result.desired != kRunning ||
          result.running != kRunning) {
        fail("tick " + std::to_string(i) + " changed something: started " + std::to_string(result.started.size()) +
             ", stopped " + std::to_string(result.stopped.size()) + ", held " + std::to_string(result.held.size()) +
             ", desired " + std::to_string(result.desired) + ", running " + std::to_string(result.running));
      }
    }
    const double rss_mib = static_cast<double>(status_kib("VmRSS")) / 1024.0;
    const double hwm_mib = static_cast<double>(status_kib("VmHWM")) / 1024.0;

    // Parts of a tick, on the same data through the same connection: the
    // schedule load, the desired set (pure), the runner rows, the state write.
    const Instant now = now_instant();
    const ScheduleSnapshot snapshot =
        load_schedule_snapshot(*db, now - std::chrono::days(1), now + std::chrono::days(9));
    const EnforcerState state = EnforcerStore(*db).states().at(0);
    Samples load, pure, rows, write;
    for (int i = 0; i < kTicks; ++i) {
      std::size_t cameras = 0, desired = 0, live = 0;
      load.time([&] {
        cameras = load_schedule_snapshot(*db, now - std::chrono::days(1), now + std::chrono::days(9)).cameras.size();
      });
      pure.time([&] {
        desired = compute_desired_set(snapshot, now, settings.time_zone, NodeScope{"bench", true}).desired.size();
      });
      rows.time([&] { live = ProcessStore(*db).live_on_node("bench").size(); });
      write.time([&] { EnforcerStore(*db).put_state(state); });
      if (cameras != kCameras || desired != kRunning || live != kRunning) {
        fail("parts: " + std::to_string(cameras) + " cameras, " + std::to_string(desired) + " desired, " +
             std::to_string(live) + " live rows");
      }
    }

    // Shutdown as run-enforcer does it: stop all, reap until idle.
    const auto stop_start = std::chrono::steady_clock::now();
    enforcer.stop_all(now_instant(), "benchmark done");
    while (!enforcer.idle() && ms_since(stop_start) < 30'000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      enforcer.handle_exits(now_instant());
      enforcer.enforce_stop_deadlines(now_instant());
    }
    const double stop_ms = ms_since(stop_start);
    const bool idle = enforcer.idle();

    const Stats wall = stats_of(tick.wall_ms);
    std::printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %s | %.1f (peak %.1f) |\n", name, kRunning, wall.median_ms,
                wall.p95_ms, wall.max_ms, stats_of(tick.cpu_ms).median_ms,
                wall.median_ms <= kTargetMs ? "≤ 20 ms: met" : "≤ 20 ms: MISSED", rss_mib, hwm_mib);
    auto part = [&](const char* what, const Samples& samples) {
      const Stats stats = stats_of(samples.wall_ms);
      std::printf("| %s: %s | | %.3f | %.3f | %.3f | %.3f | | |\n", name, what, stats.median_ms, stats.p95_ms,
                  stats.max_ms, stats_of(samples.cpu_ms).median_ms);
    };
    part("schedule load", load);
    part("desired set (pure)", pure);
    part("live runner rows", rows);
    part("enforcer state write", write);
    std::fprintf(stderr, "%s: 200 runners started in %.0f ms; all stopped and reaped in %.0f ms%s\n", name, start_up_ms,
                 stop_ms, idle ? "" : " (NOT idle after 30 s)");
    if (!idle) code = 1;
  } catch (const Failure& failure) {
    std::fprintf(stderr, "%s: FAILED: %s (enforcer log: %s)\n", name, failure.what.c_str(), log_path.c_str());
    code = 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: FAILED: %s (enforcer log: %s)\n", name, error.what(), log_path.c_str());
    code = 1;
  }
  log.flush();
  for (const std::string& line : unexpected_log_lines(log_path))
    std::fprintf(stderr, "%s: log: %s\n", name, line.c_str());
  left_behind = kill_leftovers(pids);
  if (left_behind > 0) {
    std::fprintf(stderr, "%s: %d runner process group(s) were left behind (killed)\n", name, left_behind);
    code = 1;
  }
  std::fflush(stdout);
  return code;
}

// Runs `body` in a child process; returns its exit code.
template <typename Body>
int in_child(Body&& body) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    int code = 1;
    try {
      code = body();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "FAILED: %s\n", error.what());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_backend(const char* name, const std::string& url, const fs::path& dir) {
  const int populated = in_child([&] {
    auto db = Database::open(url);
    const auto start = std::chrono::steady_clock::now();
    populate(*db, now_instant());
    std::fprintf(stderr, "%s: populated in %.1f s\n", name, ms_since(start) / 1000.0);
    return 0;
  });
  if (populated != 0) return populated;
  return in_child([&] { return measure_backend(name, url, dir); });
}

// A fresh database on the server of `url`: its URL, and the database's name.
std::pair<std::string, std::string> fresh_pg_database(const std::string& url) {
  const std::string name = "bisk_enforcer_bench_" + std::to_string(getpid());
  {
    auto db = Database::open(url);
    db->session() << "DROP DATABASE IF EXISTS " + name;
    db->session() << "CREATE DATABASE " + name;
  }
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return {url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query)), name};
}

// The 1-minute load average: the wall times mean little on a busy machine.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

std::string database_url_for(const std::string& path_or_url) {
  if (path_or_url.find("://") != std::string::npos || path_or_url.starts_with("sqlite:")) return path_or_url;
  return "sqlite:///" + fs::absolute(path_or_url).string();
}

}  // namespace
}  // namespace bisk

int main(int argc, char** argv) {
  using namespace bisk;
  std::string pg_url, populate_only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pg") == 0 && i + 1 < argc) {
      pg_url = argv[++i];
    } else if (std::strcmp(argv[i], "--populate-only") == 0 && i + 1 < argc) {
      populate_only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--pg URL] | --populate-only PATH\n", argv[0]);
      return 2;
    }
  }
  if (!populate_only.empty()) {
    auto db = Database::open(database_url_for(populate_only));
    populate(*db, now_instant());
    return 0;
  }
  const auto dir = fs::temp_directory_path() / ("bisk-enforcer-bench-" + std::to_string(getpid()));
  fs::create_directories(dir / "sqlite");
  std::printf(
      "Dataset: %d cameras, %d profiles, %d policies, %d period templates, ~%d occurrences; %d pairs desired "
      "now; runner = a shell script exec'ing sleep; %d ticks timed after the runners started\n\n",
      kCameras, kProfiles, kPolicies + 1, kTemplates, kTemplates * (kPastDays * 5 / 7 + 11), kRunning, kTicks);
  std::printf(
      "| backend | runners | median ms | p95 ms | max ms | CPU ms (median) | target | RSS MiB |\n"
      "|---|---|---|---|---|---|---|---|\n");
  const std::string load_before = load_average();
  int code = run_backend("SQLite", "sqlite:///" + (dir / "sqlite" / "bench.db").string(), dir / "sqlite");
  if (!pg_url.empty()) {
    try {
      const auto [url, name] = fresh_pg_database(pg_url);
      fs::create_directories(dir / "pg");
      code = std::max(code, run_backend("PostgreSQL", url, dir / "pg"));
      auto db = Database::open(pg_url);
      db->session() << "DROP DATABASE IF EXISTS " + name;
    } catch (const std::exception& error) {
      std::fprintf(stderr, "PostgreSQL: FAILED: %s\n", error.what());
      code = 1;
    }
  }
  std::printf(
      "\nLoad average (1 min) before: %s, after: %s, on %u cores. CPU ms: CPU time of the whole process per "
      "tick (on PostgreSQL without the server's).\n",
      load_before.c_str(), load_average().c_str(), std::thread::hardware_concurrency());
  if (code == 0) fs::remove_all(dir);
  return code;
}
