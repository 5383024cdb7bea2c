#include "web/metrics.h"

#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "store/enforcer_store.h"
#include "web/system_api.h"
#include "web/web_context.h"

namespace bisk {
namespace {

// Request series are keyed by client-chosen paths: past this many, new
// routes (scanners probing random URLs) share the label "other".
constexpr std::size_t kMaxRequestSeries = 500;

constexpr std::string_view kHeartbeatOutcomes[] = {"stored",    "updated",      "not_current", "bad_request",
                                                   "forbidden", "unknown_pair", "too_large",   "unavailable"};

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

void append_route_label(std::string& out, std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    out.append(all_digits(segment) ? std::string_view("{id}") : segment);
    if (slash == path.size()) break;
    out.push_back('/');
    start = slash + 1;
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

template <typename Metric>
using SeriesMap = std::unordered_map<std::string, Metric*, StringHash, std::equal_to<>>;

prometheus::Histogram::BucketBoundaries duration_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- gauges read from the database at scrape time ----

void add_runner_gauges(prometheus::Registry& registry, const std::vector<CurrentRunner>& runners) {
  auto& status = prometheus::BuildGauge()
                     .Name("bisk_runner_status")
                     .Help("1 for the status of each pair's current runner")
                     .Register(registry);
  auto& counts =
      prometheus::BuildGauge().Name("bisk_runners").Help("Current runners of the pairs, by status").Register(registry);
  struct Measure {
    const char* name;
    const char* help;
    std::optional<double> (*value)(const RunningProcess&);
  };
  const Measure measures[] = {
      {"bisk_runner_camera_fps", "Frames per second the camera delivers",
       [](const RunningProcess& p) { return p.camera_fps; }},
      {"bisk_runner_processed_fps", "Frames per second the runner recognises",
       [](const RunningProcess& p) { return p.processed_fps; }},
      {"bisk_runner_target_fps", "The fps the runner aims at", [](const RunningProcess& p) { return p.target_fps; }},
      {"bisk_runner_latency_ms", "Median processing latency per frame",
       [](const RunningProcess& p) { return p.latency_ms; }},
      {"bisk_runner_restarts", "Restarts of the pair's runner",
       [](const RunningProcess& p) { return std::optional<double>(p.restarts); }},
  };
  std::vector<prometheus::Family<prometheus::Gauge>*> families;
  for (const Measure& measure : measures)
    families.push_back(&prometheus::BuildGauge().Name(measure.name).Help(measure.help).Register(registry));

  std::map<std::string_view, int> by_status;
  for (const RunnerStatus s :
       {RunnerStatus::kStarting, RunnerStatus::kOnline, RunnerStatus::kStale, RunnerStatus::kOffline,
        RunnerStatus::kBackoff, RunnerStatus::kQuarantined, RunnerStatus::kStopped})
    by_status[status_name(s)] = 0;
  for (const CurrentRunner& runner : runners) {
    const RunningProcess& process = runner.process;
    const std::string camera = std::to_string(process.camera_id);
    const std::string profile = std::to_string(process.profile_id);
    ++by_status[status_name(runner.status)];
    status.Add({{"camera_id", camera}, {"profile_id", profile}, {"status", std::string(status_name(runner.status))}})
        .Set(1);
    if (!lifecycle_is_live(process.lifecycle)) continue;
    const prometheus::Labels labels{
        {"camera_id", camera}, {"profile_id", profile}, {"process_id", std::to_string(process.id)}};
    for (std::size_t i = 0; i < families.size(); ++i)
      if (const auto value = measures[i].value(process)) families[i]->Add(labels).Set(*value);
  }
  for (const auto& [name, count] : by_status) counts.Add({{"status", std::string(name)}}).Set(count);
}

void add_enforcer_gauges(prometheus::Registry& registry, const std::vector<EnforcerState>& states) {
  auto& tick = prometheus::BuildGauge()
                   .Name("bisk_enforcer_last_tick_ms")
                   .Help("Duration of the enforcer's last tick")
                   .Register(registry);
  auto& last_ok = prometheus::BuildGauge()
                      .Name("bisk_enforcer_last_ok_timestamp_seconds")
                      .Help("When the enforcer's last successful tick ran (Unix time)")
                      .Register(registry);
  for (const EnforcerState& state : states) {
    if (state.last_tick_ms) tick.Add({{"node", state.node}}).Set(*state.last_tick_ms);
    if (state.last_ok_at)
      last_ok.Add({{"node", state.node}}).Set(static_cast<double>(to_epoch_ms(*state.last_ok_at)) / 1000);
  }
}

}  // namespace

struct Metrics::Families {
  explicit Families(prometheus::Registry& registry)
      : requests(prometheus::BuildCounter()
                     .Name("bisk_http_requests_total")
                     .Help("HTTP requests answered, by method, route and status")
                     .Register(registry)),
        durations(prometheus::BuildHistogram()
                      .Name("bisk_http_request_duration_seconds")
                      .Help("Time to answer HTTP requests, by route")
                      .Register(registry)),
        heartbeats(prometheus::BuildCounter()
                       .Name("bisk_heartbeats_total")
                       .Help("Runner heartbeats received, by outcome")
                       .Register(registry)) {
    for (std::size_t i = 0; i < std::size(kHeartbeatOutcomes); ++i)
      heartbeat_counters[i] = &heartbeats.Add({{"outcome", std::string(kHeartbeatOutcomes[i])}});
  }

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
  prometheus::Family<prometheus::Counter>& heartbeats;
  std::array<prometheus::Counter*, std::size(kHeartbeatOutcomes)> heartbeat_counters{};

  // Series already added, by their joined labels: a request then costs one
  // hash lookup instead of building and hashing a label map.
  std::mutex mutex;
  SeriesMap<prometheus::Counter> request_series;
  SeriesMap<prometheus::Histogram> duration_series;
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()), families_(std::make_unique<Families>(*registry_)) {}

Metrics::~Metrics() = default;

void Metrics::observe_request(std::string_view method, std::string_view path, int status, double seconds) {
  thread_local std::string route;
  thread_local std::string key;
  route.clear();
  append_route_label(route, path);
  Families& f = *families_;
  std::lock_guard lock(f.mutex);
  if (f.request_series.size() >= kMaxRequestSeries && !f.duration_series.contains(route)) route = "other";
  key.clear();
  key.append(method).append(" ").append(std::to_string(status)).append(" ").append(route);
  auto counter = f.request_series.find(key);
  if (counter == f.request_series.end()) {
    auto& added =
        f.requests.Add({{"method", std::string(method)}, {"route", route}, {"status", std::to_string(status)}});
    counter = f.request_series.emplace(key, &added).first;
  }
  counter->second->Increment();
  auto histogram = f.duration_series.find(route);
  if (histogram == f.duration_series.end()) {
    auto& added = f.durations.Add({{"route", route}}, duration_buckets());
    histogram = f.duration_series.emplace(route, &added).first;
  }
  histogram->second->Observe(seconds);
}

void Metrics::observe_heartbeat(std::string_view outcome) {
  for (std::size_t i = 0; i < std::size(kHeartbeatOutcomes); ++i) {
    if (kHeartbeatOutcomes[i] == outcome) return families_->heartbeat_counters[i]->Increment();
  }
  std::lock_guard lock(families_->mutex);
  families_->heartbeats.Add({{"outcome", std::string(outcome)}}).Increment();
}

std::string Metrics::render(WebContext& context) {
  Database& db = context.db();
  prometheus::Registry scrape;
  add_runner_gauges(scrape, current_runners(db, now_instant()));
  add_enforcer_gauges(scrape, EnforcerStore(db).states());
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (auto& family : scrape.Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

std::string route_label(std::string_view path) {
  std::string label;
  label.reserve(path.size());
  append_route_label(label, path);
  return label;
}

}  // namespace bisk
