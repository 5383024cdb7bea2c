// `bisk periods …`, `bisk desired`, `bisk explain`: the schedule, as the
// enforcer will see it.

#include <iostream>
#include <map>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/value_parsers.h"
#include "schedule/desired_set.h"
#include "schedule/desired_set_json.h"
#include "store/catalog_stores.h"
#include "store/enforcer_store.h"
#include "store/occurrence_roller.h"
#include "store/process_store.h"
#include "store/schedule_loader.h"

namespace bisk {
namespace {

// Instants the schedule commands load around `at`: enough for the desired set
// and for explain's "next occurrence".
ScheduleSnapshot load_snapshot_around(CommandContext& context, Instant at) {
  return load_schedule_snapshot(context.database(), at - date::days(1), at + date::days(8));
}

std::optional<NodeScope> node_scope(CommandContext& context, bool all_nodes) {
  if (all_nodes) return std::nullopt;
  return NodeScope{context.settings().node, context.settings().node_role == "primary"};
}

std::string scope_text(const std::optional<NodeScope>& scope) {
  if (!scope) return "all nodes";
  return "node '" + scope->node + "' (" + (scope->primary ? "primary" : "secondary") + ")";
}

template <typename Entity>
std::map<Id, std::string> names_by_id(const std::vector<Entity>& entities) {
  std::map<Id, std::string> names;
  for (const auto& entity : entities) names[entity.id] = entity.name;
  return names;
}

void add_periods_commands(CLI::App& app, CommandContext& context) {
  auto* periods = app.add_subcommand("periods", "Period occurrences: roll, list, update (mark holidays)");
  periods->require_subcommand(1);

  auto* roll = periods->add_subcommand("roll", "Create and update occurrences from the period templates");
  auto days = std::make_shared<int>(14);
  auto from = std::make_shared<std::string>();
  roll->add_option("--days", *days, "How many days ahead, today included (default 14)")->check(CLI::Range(1, 366));
  roll->add_option("--from", *from, "First date YYYY-MM-DD (default: today in BISK_TIME_ZONE)");
  roll->callback([&context, days, from] {
    const TimeZone zone = context.zone();
    const Instant now = now_instant();
    const LocalDate first = from->empty() ? to_local(now, zone).date : parse_date_flag("from", *from);
    const LocalDate last = add_days(first, *days - 1);
    const auto applied = roll_occurrences(context.database(), zone, now, first, *days);
    std::cout << "Rolled period occurrences for " << format_date(first) << " to " << format_date(last) << " ("
              << zone->name() << "): " << applied.inserted << " created, " << applied.updated << " updated, "
              << applied.deleted << " deleted.\n";
  });

  auto* list = periods->add_subcommand("list", "List occurrences by date");
  auto list_days = std::make_shared<int>(7);
  auto list_from = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  list->add_option("--from", *list_from, "First date YYYY-MM-DD (default: today)");
  list->add_option("--days", *list_days, "How many days (default 7)")->check(CLI::Range(1, 3660));
  list->add_flag("--json", *as_json, "Print a JSON array");
  list->callback([&context, list_days, list_from, as_json] {
    const TimeZone zone = context.zone();
    const LocalDate first =
        list_from->empty() ? to_local(now_instant(), zone).date : parse_date_flag("from", *list_from);
    const auto template_names = names_by_id(PeriodTemplateStore(context.database()).list());
    Json rows = Json::array();
    for (const auto& occurrence :
         OccurrenceStore(context.database()).list_dated(first, add_days(first, *list_days - 1))) {
      Json row = to_json(occurrence, zone);
      if (!*as_json)
        row["template"] =
            template_names.count(occurrence.template_id) ? template_names.at(occurrence.template_id) : "?";
      rows.push_back(row);
    }
    if (*as_json) {
      std::cout << rows.dump(2) << "\n";
    } else {
      print_table(std::cout, {"id", "template_id", "template", "date", "start_at", "end_at", "is_school_day"}, rows);
    }
  });

  auto* update = periods->add_subcommand("update", "Mark an occurrence as a holiday (or a school day again)");
  auto id = std::make_shared<std::string>();
  auto school_day = std::make_shared<std::string>();
  update->add_option("id", *id, "occurrence id")->required();
  update->add_option("--is_school_day,--is-school-day", *school_day, "false marks a holiday")->required();
  update->callback([&context, id, school_day] {
    const Id occurrence_id = parse_id_flag("id", *id);
    const bool is_school_day = parse_bool_flag("is_school_day", *school_day);
    OccurrenceStore store(context.database());
    auto occurrence = store.find(occurrence_id);
    if (!occurrence) throw CommandError("occurrence " + *id + " does not exist");
    store.set_school_day(occurrence_id, is_school_day);
    std::cout << "Marked occurrence " << occurrence_id << " on " << format_date(occurrence->date) << " as "
              << (is_school_day ? "a school day" : "a holiday") << ".\n";
  });
}

void add_desired_command(CLI::App& app, CommandContext& context) {
  auto* desired = app.add_subcommand("desired", "Which camera/profile pairs must run now (or --at an instant)");
  auto at_text = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto all_nodes = std::make_shared<bool>(false);
  desired->add_option("--at", *at_text, "Instant, ISO-8601 with offset (default: now)");
  desired->add_flag("--json", *as_json, "Print JSON as GET /api/v1/desired does");
  desired->add_flag("--all-nodes,--all_nodes", *all_nodes, "Every camera, not only this node's");
  desired->callback([&context, at_text, as_json, all_nodes] {
    const Instant at = at_text->empty() ? now_instant() : parse_instant_flag("at", *at_text);
    const auto scope = node_scope(context, *all_nodes);
    const ScheduleSnapshot snapshot = load_snapshot_around(context, at);
    const DesiredSet set = compute_desired_set(snapshot, at, context.zone(), scope);
    if (*as_json) {
      std::cout << desired_set_json(set, context.zone()).dump(2) << "\n";
      return;
    }
    const auto cameras = names_by_id(snapshot.cameras);
    const auto profiles = names_by_id(snapshot.profiles);
    const auto policies = names_by_id(snapshot.policies);
    std::cout << "At " << format_instant(at, context.zone()) << " (" << context.zone()->name() << "), "
              << scope_text(scope) << ":\n";
    std::cout << "desired (" << set.desired.size() << "):\n";
    for (const auto& pair : set.desired) {
      std::cout << "  camera " << pair.camera_id << " (" << cameras.at(pair.camera_id) << ") with profile "
                << pair.profile_id << " (" << profiles.at(pair.profile_id) << ") via policy " << pair.policy_id << " ("
                << policies.at(pair.policy_id) << ")\n";
    }
    std::cout << "not desired (" << set.not_desired.size() << "):\n";
    for (const auto& item : set.not_desired) {
      std::cout << "  camera " << item.camera_id << " (" << cameras.at(item.camera_id)
                << "): " << reason_code(item.reason) << " - " << item.detail << "\n";
    }
  });
}

// What the enforcer did with the camera's runners: "why did camera 3 stop at
// 10:42?" is answered by the row that ended then, and by its pair's restart state.
void print_runner_history(CommandContext& context, Id camera_id, const std::map<Id, std::string>& profiles) {
  constexpr int kRows = 10;
  const TimeZone zone = context.zone();
  ProcessStore::Filter filter;
  filter.camera_id = camera_id;
  filter.limit = kRows;
  const auto rows = ProcessStore(context.database()).list(filter);
  if (rows.empty()) {
    std::cout << "runners: none recorded\n";
    return;
  }
  std::cout << "runners (newest first):\n";
  for (const RunningProcess& row : rows) {
    const auto profile = profiles.find(row.profile_id);
    std::cout << "  profile " << row.profile_id << (profile == profiles.end() ? "" : " '" + profile->second + "'")
              << " pid " << row.pid << " on " << row.node << ": " << row.lifecycle << ", started "
              << format_instant(row.started_at, zone);
    if (row.ended_at) std::cout << ", ended " << format_instant(*row.ended_at, zone);
    if (row.exit_code) std::cout << ", exit code " << *row.exit_code;
    if (row.exit_signal) std::cout << ", signal " << *row.exit_signal;
    if (row.stop_reason) std::cout << " - " << *row.stop_reason;
    std::cout << "\n";
  }
  for (const PairState& state : EnforcerStore(context.database()).pair_states()) {
    if (state.camera_id != camera_id) continue;
    std::cout << "  profile " << state.profile_id << ": ";
    if (state.quarantine_reason) {
      std::cout << "quarantined (" << *state.quarantine_reason << ") until its configuration changes";
    } else {
      std::cout << state.consecutive_failures << " consecutive failure(s)";
      if (state.backoff_until) std::cout << ", next start not before " << format_instant(*state.backoff_until, zone);
    }
    std::cout << "\n";
  }
}

void add_explain_command(CLI::App& app, CommandContext& context) {
  auto* explain = app.add_subcommand("explain", "Why a camera is or is not running");
  auto camera = std::make_shared<std::string>();
  auto at_text = std::make_shared<std::string>();
  auto all_nodes = std::make_shared<bool>(false);
  explain->add_option("--camera", *camera, "Camera id or name")->required();
  explain->add_option("--at", *at_text, "Instant, ISO-8601 with offset (default: now)");
  explain->add_flag("--all-nodes,--all_nodes", *all_nodes, "Ignore node assignment");
  explain->callback([&context, camera, at_text, all_nodes] {
    const Instant at = at_text->empty() ? now_instant() : parse_instant_flag("at", *at_text);
    const ScheduleSnapshot snapshot = load_snapshot_around(context, at);
    std::optional<Id> camera_id;
    for (const auto& candidate : snapshot.cameras) {
      if (candidate.name == *camera || std::to_string(candidate.id) == *camera) camera_id = candidate.id;
    }
    if (!camera_id) throw CommandError("camera '" + *camera + "' does not exist");
    for (const auto& line : explain_camera(snapshot, *camera_id, at, context.zone(), node_scope(context, *all_nodes))) {
      std::cout << line << "\n";
    }
    print_runner_history(context, *camera_id, names_by_id(snapshot.profiles));
  });
}

}  // namespace

void add_schedule_commands(CLI::App& app, CommandContext& context) {
  add_periods_commands(app, context);
  add_desired_command(app, context);
  add_explain_command(app, context);
}

}  // namespace bisk
