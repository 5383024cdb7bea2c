#include "web/system_api.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "store/catalog_stores.h"
#include "store/enforcer_store.h"
#include "web/auth.h"
#include "web/http_util.h"
#include "web/metrics.h"
#include "web/routes.h"

namespace bisk {
namespace {

// How many of the newest process rows are scanned for pairs whose runner ended.
constexpr int kRecentRows = 1000;
constexpr int kAllLiveRows = 100000;

using Pair = std::pair<Id, Id>;

// ---- host figures ----

struct CpuSample {
  std::chrono::steady_clock::time_point at;
  unsigned long long busy = 0;
  unsigned long long total = 0;
};

CpuSample read_cpu_sample() {
  CpuSample sample{std::chrono::steady_clock::now()};
  std::ifstream stat("/proc/stat");
  std::string label;
  stat >> label;  // "cpu": the sum over all cores
  unsigned long long value = 0;
  for (int field = 0; field < 10 && stat >> value; ++field) {
    sample.total += value;
    if (field != 3 && field != 4) sample.busy += value;  // idle and iowait are not busy
  }
  return sample;
}

// CPU use between two requests at least a second apart, without sleeping in
// a request: each answer compares /proc/stat with the sample kept from before.
class CpuMeter {
 public:
  double percent() {
    const CpuSample now = read_cpu_sample();
    std::lock_guard lock(mutex_);
    if (!previous_) {
      previous_ = CpuSample{};  // the first answer is the average since boot
    } else if (now.at - previous_->at < std::chrono::seconds(1)) {
      return percent_;
    }
    const auto total = now.total - previous_->total;
    if (total > 0) percent_ = 100.0 * static_cast<double>(now.busy - previous_->busy) / static_cast<double>(total);
    previous_ = now;
    return percent_;
  }

 private:
  std::mutex mutex_;
  std::optional<CpuSample> previous_;
  double percent_ = 0;
};

Json usage_json(double used, double total) {
  return {{"used", used}, {"total", total}, {"percent", total > 0 ? 100.0 * used / total : 0.0}};
}

Json memory_json() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  double total = 0;
  double available = 0;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemTotal:") total = kib * 1024;
    if (key == "MemAvailable:") available = kib * 1024;
  }
  return usage_json(total - available, total);
}

Json disk_root_json() {
  struct statvfs fs {};
  if (statvfs("/", &fs) != 0) return usage_json(0, 0);
  const double block = static_cast<double>(fs.f_frsize);
  return usage_json(block * static_cast<double>(fs.f_blocks - fs.f_bfree), block * static_cast<double>(fs.f_blocks));
}

Json load_json() {
  std::array<double, 3> load{};
  if (getloadavg(load.data(), 3) != 3) load = {};
  return {{"1m", load[0]}, {"5m", load[1]}, {"15m", load[2]}};
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

// ---- database figures ----

Json runner_counts_json(const std::vector<CurrentRunner>& runners) {
  std::map<RunnerStatus, int> counts;
  for (const CurrentRunner& runner : runners) ++counts[runner.status];
  Json json = Json::object();
  for (const RunnerStatus status :
       {RunnerStatus::kStarting, RunnerStatus::kOnline, RunnerStatus::kStale, RunnerStatus::kOffline,
        RunnerStatus::kBackoff, RunnerStatus::kQuarantined, RunnerStatus::kStopped})
    json[std::string(status_name(status))] = counts[status];
  return json;
}

int paused_cameras(Database& db, Instant now) {
  int paused = 0;
  for (const Camera& camera : CameraStore(db).list()) paused += camera.pause_until && *camera.pause_until > now;
  return paused;
}

template <typename T>
Json optional_json(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json optional_instant_json(const std::optional<Instant>& instant, TimeZone zone) {
  return instant ? Json(format_instant(*instant, zone)) : Json(nullptr);
}

// This node's enforcer, else the one that reported last; nulls when none ever ran.
Json enforcer_json(Database& db, const Settings& settings) {
  const std::vector<EnforcerState> states = EnforcerStore(db).states();
  const EnforcerState* chosen = nullptr;
  for (const EnforcerState& state : states) {
    if (state.node == settings.node) {
      chosen = &state;
      break;
    }
    if (!chosen || state.updated_at > chosen->updated_at) chosen = &state;
  }
  if (!chosen)
    return {{"node", settings.node}, {"last_run", nullptr}, {"last_ok", nullptr},     {"last_error", nullptr},
            {"pid", nullptr},        {"interval", nullptr}, {"last_tick_ms", nullptr}};
  return {{"node", chosen->node},
          {"last_run", optional_instant_json(chosen->last_run_at, settings.time_zone)},
          {"last_ok", optional_instant_json(chosen->last_ok_at, settings.time_zone)},
          {"last_error", optional_json(chosen->last_error)},
          {"pid", chosen->pid},
          {"interval", chosen->interval_s},
          {"last_tick_ms", optional_json(chosen->last_tick_ms)}};
}

}  // namespace

Json system_json(WebContext& context, const std::vector<CurrentRunner>& runners) {
  static CpuMeter cpu;  // one for the process: its samples must be a second apart
  Database& db = context.db();
  const Settings& settings = context.settings();
  const Instant now = now_instant();
  return {{"host", host_name()},
          {"now", format_instant(now, settings.time_zone)},
          {"cpu_percent", cpu.percent()},
          {"load", load_json()},
          {"memory", memory_json()},
          {"disk_root", disk_root_json()},
          {"runners", runner_counts_json(runners)},
          {"paused", paused_cameras(db, now)},
          {"enforcer", enforcer_json(db, settings)},
          {"heartbeat_key_is_example", uses_example_heartbeat_key(settings)}};
}

std::vector<CurrentRunner> current_runners(Database& db, Instant now) {
  ProcessStore processes(db);
  // The newest row of each pair: recent history first (it holds the newest
  // rows), then live rows older than that window.
  std::map<Pair, RunningProcess> current;
  ProcessStore::Filter recent;
  recent.limit = kRecentRows;
  ProcessStore::Filter live;
  live.lifecycles = {"starting", "running", "stopping"};
  live.limit = kAllLiveRows;
  for (const ProcessStore::Filter& filter : {recent, live}) {
    for (RunningProcess& process : processes.list(filter))
      current.try_emplace({process.camera_id, process.profile_id}, std::move(process));
  }
  std::map<Pair, PairState> pair_states;
  for (PairState& state : EnforcerStore(db).pair_states()) {
    const Pair pair{state.camera_id, state.profile_id};
    if (!current.contains(pair)) {
      if (auto process = processes.current_for_pair(state.camera_id, state.profile_id))
        current.emplace(pair, std::move(*process));
    }
    pair_states.emplace(pair, std::move(state));
  }
  std::map<Id, int> hb_intervals;
  for (const StreamProfile& profile : ProfileStore(db).list()) hb_intervals[profile.id] = profile.hb_interval;

  std::vector<CurrentRunner> runners;
  runners.reserve(current.size());
  for (auto& [pair, process] : current) {
    RunnerStatusInput input;
    input.lifecycle = process.lifecycle;
    input.started_at = process.started_at;
    input.last_heartbeat_at = process.last_heartbeat_at;
    if (const auto interval = hb_intervals.find(pair.second); interval != hb_intervals.end())
      input.hb_interval_s = interval->second;
    if (const auto state = pair_states.find(pair); state != pair_states.end()) {
      input.backoff_until = state->second.backoff_until;
      input.quarantined = state->second.quarantine_reason.has_value();
    }
    const RunnerStatus status = runner_status(input, now);
    std::optional<PairState> pair_state;
    if (const auto state = pair_states.find(pair); state != pair_states.end()) pair_state = state->second;
    runners.push_back({std::move(process), status, std::move(pair_state)});
  }
  return runners;
}

void register_system_routes(httplib::Server& server, WebContext& context) {
  server.Get("/dash/system.json",
             admin_only(context, [&context](const httplib::Request&, httplib::Response& response, const Principal&) {
               send_json(response, 200, system_json(context, current_runners(context.db(), now_instant())));
             }));
  server.Get("/metrics",
             admin_only(context, [&context](const httplib::Request&, httplib::Response& response, const Principal&) {
               response.status = 200;
               response.set_content(context.metrics().render(context), "text/plain; version=0.0.4");
             }));
}

}  // namespace bisk
