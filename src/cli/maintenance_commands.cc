// `bisk prune-heartbeats` (SPEC §4): deletes RunnerHeartbeat telemetry older
// than a given age (default 7 days).

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "store/process_store.h"

namespace bisk {
namespace {

// Ages beyond a century are surely typos; refusing them also keeps the cutoff
// far from the limits of the instant type and the databases' timestamps.
constexpr long long kMaxAgeMinutes = 100LL * 366 * 24 * 60;

struct PruneAge {
  std::optional<long long> days;
  std::optional<long long> hours;
  std::optional<long long> minutes;
};

// "7 days", "3 days 2 hours", "1 minute", "0 minutes".
std::string describe_age(long long days, long long hours, long long minutes) {
  std::string text;
  const auto part = [&text](long long value, const char* unit) {
    if (value == 0) return;
    if (!text.empty()) text += " ";
    text += std::to_string(value) + " " + unit + (value == 1 ? "" : "s");
  };
  part(days, "day");
  part(hours, "hour");
  part(minutes, "minute");
  return text.empty() ? "0 minutes" : text;
}

void add_prune_heartbeats_command(CLI::App& app, CommandContext& context) {
  auto age = std::make_shared<PruneAge>();
  auto* prune = app.add_subcommand(
      "prune-heartbeats",
      "Delete runner heartbeat telemetry older than the given age (default 7 days; the flags add up)");
  prune->add_option("--days", age->days, "Days of telemetry to keep");
  prune->add_option("--hours", age->hours, "Hours of telemetry to keep");
  prune->add_option("--minutes", age->minutes, "Minutes of telemetry to keep");
  prune->callback([&context, age] {
    for (const auto& [flag, value] :
         {std::pair{"--days", age->days}, std::pair{"--hours", age->hours}, std::pair{"--minutes", age->minutes}}) {
      if (value && *value < 0)
        throw UsageError(std::string(flag) + ": must not be negative (got " + std::to_string(*value) + ")");
    }
    const bool any_given = age->days || age->hours || age->minutes;
    const long long days = any_given ? age->days.value_or(0) : 7;
    const long long hours = age->hours.value_or(0);
    const long long minutes = age->minutes.value_or(0);
    if (days > kMaxAgeMinutes || hours > kMaxAgeMinutes || minutes > kMaxAgeMinutes ||
        days * 24 * 60 + hours * 60 + minutes > kMaxAgeMinutes) {
      throw UsageError("the age must be at most 100 years");
    }
    const Instant cutoff =
        now_instant() - std::chrono::days(days) - std::chrono::hours(hours) - std::chrono::minutes(minutes);
    const long long deleted = HeartbeatStore(context.database()).delete_older_than(cutoff);
    // The wording of SPEC §4, "rows" whatever the count, for scripts that parse it.
    std::cout << "Deleted " << deleted << " heartbeat rows older than " << describe_age(days, hours, minutes) << ".\n";
  });
}

}  // namespace

void add_maintenance_commands(CLI::App& app, CommandContext& context) { add_prune_heartbeats_command(app, context); }

}  // namespace bisk
