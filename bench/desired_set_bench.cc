// Desired-set computation at school scale (issue: 1,000 cameras, 50 policies,
// 3 windows per policy per day, 20,000 period occurrences), measured pure and
// including the load from the database, in the same run so the ratio holds.
//
//   desired_set_bench [--pg URL]   (bench/run.sh starts a throwaway PostgreSQL)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "schedule/desired_set.h"
#include "store/catalog_stores.h"
#include "store/database.h"
#include "store/migrations.h"
#include "store/schedule_loader.h"

namespace bisk {
namespace {

constexpr int kCameras = 1000;
constexpr int kPolicies = 50;
constexpr int kTemplates = 50;
constexpr int kOccurrenceDays = 400;  // 50 templates × 400 days = 20,000 occurrences

struct Dataset {
  ScheduleSnapshot snapshot;  // everything, all 20,000 occurrences included
  Instant at;
  TimeZone zone;
};

// Three windows a day, every day, per policy; cameras spread over the policies,
// every other camera gated by two period templates.
Dataset make_dataset() {
  Dataset data;
  data.zone = find_time_zone("Europe/Berlin");
  const LocalDate first_day = *parse_date("2026-06-01");
  data.at = local_to_instant(*parse_date("2026-11-26"), 10 * 60 + 5, data.zone, Ambiguity::kEarliest);
  ScheduleSnapshot& s = data.snapshot;
  for (int p = 1; p <= 4; ++p) {
    StreamProfile profile;
    profile.id = p;
    profile.name = "profile-" + std::to_string(p);
    s.profiles.push_back(profile);
  }
  for (int t = 1; t <= kTemplates; ++t) {
    PeriodTemplate period;
    period.id = t;
    period.name = "period-" + std::to_string(t);
    period.start_minute = 7 * 60 + (t % 10) * 45;
    period.end_minute = period.start_minute + 45;
    s.templates.push_back(period);
  }
  Id occurrence_id = 1;
  for (int day = 0; day < kOccurrenceDays; ++day) {
    const LocalDate date = add_days(first_day, day);
    for (const auto& period : s.templates) {
      PeriodOccurrence occurrence;
      occurrence.id = occurrence_id++;
      occurrence.template_id = period.id;
      occurrence.date = date;
      occurrence.start_at = local_to_instant(date, period.start_minute, data.zone, Ambiguity::kEarliest);
      occurrence.end_at = local_to_instant(date, period.end_minute, data.zone, Ambiguity::kLatest);
      occurrence.is_school_day = day % 7 != 5;
      s.occurrences.push_back(occurrence);
    }
  }
  for (int c = 1; c <= kCameras; ++c) {
    Camera camera;
    camera.id = c;
    camera.name = "camera-" + std::to_string(c);
    camera.url = "rtsp://10.1." + std::to_string(c / 250) + "." + std::to_string(c % 250) + "/stream";
    camera.is_active = c % 50 != 0;
    if (c % 2 == 0) camera.period_template_ids = {(c % kTemplates) + 1, ((c + 7) % kTemplates) + 1};
    s.cameras.push_back(camera);
  }
  for (int p = 1; p <= kPolicies; ++p) {
    SchedulePolicy policy;
    policy.id = p;
    policy.name = "policy-" + std::to_string(p);
    for (int c = p; c <= kCameras; c += kPolicies) policy.camera_ids.push_back(c);
    for (int c = p + 1; c <= kCameras; c += 3 * kPolicies) policy.camera_ids.push_back(c);
    std::sort(policy.camera_ids.begin(), policy.camera_ids.end());
    for (int day = 0; day < 7; ++day) {
      for (int w = 0; w < 3; ++w) {
        const int start = 7 * 60 + w * 240 + (p % 4) * 15;
        policy.windows.push_back(ScheduleWindow{0, day, start, start + 180, (p + w) % 4 + 1});
      }
    }
    if (p % 10 == 0) policy.exceptions.push_back(ScheduleException{0, *parse_date("2026-11-26"), "off"});
    s.policies.push_back(policy);
  }
  return data;
}

struct Stats {
  double median_ms, p95_ms;
};

template <typename Body>
Stats measure(int iterations, Body&& body) {
  std::vector<double> samples;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    body();
    samples.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 95 / 100]};
}

// Writes the dataset through the stores, as an operator's edits would.
void populate(Database& db, const Dataset& data) {
  Migrator(db).migrate();
  ProfileStore profiles(db);
  for (const auto& profile : data.snapshot.profiles) profiles.add(profile);
  PeriodTemplateStore templates(db);
  for (const auto& period : data.snapshot.templates) templates.add(period);
  RollPlan plan;
  plan.to_insert = data.snapshot.occurrences;
  OccurrenceStore(db).apply(plan);
  CameraStore cameras(db);
  for (const auto& camera : data.snapshot.cameras) cameras.add(camera);
  PolicyStore policies(db);
  for (const auto& policy : data.snapshot.policies) policies.add(policy);
}

size_t desired_count(const ScheduleSnapshot& snapshot, const Dataset& data) {
  return compute_desired_set(snapshot, data.at, data.zone, std::nullopt).desired.size();
}

void report_backend(const char* name, const std::string& url, const Dataset& data, const Stats& compute) {
  auto db = Database::open(url);
  const auto populate_start = std::chrono::steady_clock::now();
  populate(*db, data);
  const double populate_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - populate_start).count();
  size_t loaded_desired = 0;
  const Stats load = measure(50, [&] {
    auto snapshot = load_schedule_snapshot(*db, data.at - date::days(1), data.at + date::days(8));
    loaded_desired = desired_count(snapshot, data);
  });
  if (loaded_desired != desired_count(data.snapshot, data)) {
    std::fprintf(stderr, "%s: loaded snapshot gives %zu desired pairs, in-memory %zu\n", name, loaded_desired,
                 desired_count(data.snapshot, data));
    std::exit(1);
  }
  std::printf("| load from %s + compute | %.3f | %.3f | %.1f× compute | (populated in %.1f s) |\n", name,
              load.median_ms, load.p95_ms, load.median_ms / compute.median_ms, populate_s);
}

}  // namespace
}  // namespace bisk

int main(int argc, char** argv) {
  using namespace bisk;
  std::string pg_url;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pg") == 0 && i + 1 < argc) {
      pg_url = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--pg URL]\n", argv[0]);
      return 2;
    }
  }
  const Dataset data = make_dataset();
  size_t desired = 0;
  const Stats compute = measure(300, [&] { desired = desired_count(data.snapshot, data); });
  std::printf("Dataset: %d cameras, %d policies × 21 windows, %zu occurrences; %zu pairs desired at %s\n\n", kCameras,
              kPolicies, data.snapshot.occurrences.size(), desired, format_instant(data.at, data.zone).c_str());
  std::printf("| measurement | median ms | p95 ms | ratio | note |\n|---|---|---|---|---|\n");
  std::printf("| compute (pure, all 20,000 occurrences in memory) | %.3f | %.3f | 1× | |\n", compute.median_ms,
              compute.p95_ms);
  const auto dir = std::filesystem::temp_directory_path() / ("bisk-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  report_backend("SQLite", "sqlite:///" + (dir / "bench.db").string(), data, compute);
  std::filesystem::remove_all(dir);
  if (!pg_url.empty()) report_backend("PostgreSQL", pg_url, data, compute);
  return 0;
}
