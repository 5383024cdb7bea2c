#include "cli/cli.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cli_error.h"
#include "cli/command_context.h"
#include "cli/commands.h"
#include "store/store_error.h"

namespace bisk {
namespace {

// The innermost subcommand the user named, for "see bisk camera add --help".
CLI::App* innermost_command(CLI::App* app) {
  for (auto* sub : app->get_subcommands()) return innermost_command(sub);
  return app;
}

int usage_failure(CLI::App& app, const std::string& message) {
  CLI::App* command = innermost_command(&app);
  std::cerr << "bisk: " << message << "\n\n" << command->help() << std::flush;
  return 2;
}

void add_global_options(CLI::App& app, CommandContext& context) {
  app.add_option_function<std::string>(
      "--env-file", [&context](const std::string& path) { context.env_file_flag = path; },
      "Env file to read (default /etc/bisk/bisk.env when present)");
  struct Override {
    const char* flag;
    const char* variable;
    const char* help;
  };
  for (const auto& [flag, variable, help] : {
           Override{"--database", "BISK_DATABASE_URL", "Database URL (sqlite:///path or postgresql://…)"},
           Override{"--time-zone", "BISK_TIME_ZONE", "IANA zone in which schedules are read"},
           Override{"--node", "BISK_NODE", "This host's node name"},
       }) {
    std::string key = variable;
    app.add_option_function<std::string>(
        flag, [&context, key](const std::string& value) { context.flag_overrides[key] = value; }, help);
  }
}

}  // namespace

int run_cli(int argc, char** argv) {
  CommandContext context;
  CLI::App app("BISK: face-recognition attendance cameras, run on a schedule.", "bisk");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  add_global_options(app, context);
  add_catalog_commands(app, context);
  add_schedule_commands(app, context);
  add_system_commands(app, context);
  add_server_commands(app, context);
  add_user_commands(app, context);
  add_enforcer_commands(app, context);
  add_maintenance_commands(app, context);
  add_runner_commands(app, context);
  add_enrollment_commands(app, context);
  add_demo_command(app, context);
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp&) {
    std::cout << innermost_command(&app)->help();
    return 0;
  } catch (const CLI::CallForVersion& version) {
    std::cout << version.what() << "\n";
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& error) {
    return usage_failure(app, error.what());
  } catch (const UsageError& error) {
    return usage_failure(app, error.what());
  } catch (const ConfigError& error) {
    // Exit 2 like any other bad input: the runner contract uses it for "bad configuration" too.
    std::cerr << "bisk: invalid configuration:\n" << error.what() << "\n";
    return 2;
  } catch (const StoreError& error) {
    std::cerr << "bisk: " << error.what() << "\n";
    return error.kind() == StoreError::Kind::kInvalid ? 2 : 1;
  } catch (const CommandExit& exit) {
    return exit.code();
  } catch (const CommandError& error) {
    std::cerr << "bisk: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "bisk: unexpected error: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace bisk
