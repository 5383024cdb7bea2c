// `bisk run-enforcer`, `bisk enforce`, `bisk stop-runners` (SPEC §4).

#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "enforcer/enforcer_loop.h"
#include "enforcer/stop_runners.h"
#include "store/store_error.h"

namespace bisk {
namespace {

void add_run_enforcer(CLI::App& app, CommandContext& context) {
  auto* run = app.add_subcommand("run-enforcer", "Supervise the runners of this node until SIGTERM (systemd unit)");
  run->callback([&context] {
    const int code = run_enforcer(context.settings(), current_environment(), std::cout, std::cerr);
    if (code != 0) throw CommandExit(code);
  });
}

void add_enforce(CLI::App& app, CommandContext& context) {
  auto* enforce = app.add_subcommand("enforce", "Reconcile once now (through the running enforcer if there is one)");
  auto as_json = std::make_shared<bool>(false);
  enforce->add_flag("--json", *as_json, "Print the result as JSON");
  enforce->callback([&context, as_json] {
    // Runner events go to stderr: stdout carries only the result.
    EnforceResult result;
    try {
      result = enforce_once(context.settings(), current_environment(), std::cerr);
    } catch (const StoreError&) {
      throw;
    } catch (const std::runtime_error& error) {
      throw CommandError(error.what());
    }
    std::cout << (*as_json ? to_json_text(result) + "\n" : to_text(result));
  });
}

void add_stop_runners(CLI::App& app, CommandContext& context) {
  auto* stop = app.add_subcommand("stop-runners", "Stop this node's live runners (all, or of one camera/profile)");
  auto camera = std::make_shared<std::optional<Id>>();
  auto profile = std::make_shared<std::optional<Id>>();
  stop->add_option("--camera", *camera, "Only the runners of this camera id")->check(CLI::PositiveNumber);
  stop->add_option("--profile", *profile, "Only the runners of this profile id")->check(CLI::PositiveNumber);
  stop->callback([&context, camera, profile] {
    const StopRunnersResult result = stop_runners(context.database(), context.settings(), *camera, *profile);
    std::cout << "Stopped " << result.stopped << " runner(s); skipped " << result.skipped << " already-dead.\n";
  });
}

}  // namespace

void add_enforcer_commands(CLI::App& app, CommandContext& context) {
  add_run_enforcer(app, context);
  add_enforce(app, context);
  add_stop_runners(app, context);
}

}  // namespace bisk
