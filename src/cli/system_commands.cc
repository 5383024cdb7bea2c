// `bisk migrate`, `bisk config`, `bisk check`, `bisk version`.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "config/model_files.h"
#include "config/runner_binaries.h"
#include "store/migrations.h"
#include "store/store_error.h"

#ifndef BISK_VERSION
#error "BISK_VERSION must be defined by the build"
#endif

namespace bisk {
namespace {

void add_migrate_command(CLI::App& app, CommandContext& context) {
  auto* migrate = app.add_subcommand("migrate", "Bring the database schema up to date (safe to repeat)");
  migrate->callback([&context] {
    Database& db = context.database_any_schema();
    const MigrationResult result = Migrator(db).migrate();
    if (result.applied.empty()) {
      std::cout << "Schema of " << db.display_url() << " is up to date at version " << result.to_version
                << "; nothing to do.\n";
      return;
    }
    std::cout << "Applied " << result.applied.size() << " migration(s) to " << db.display_url() << ":";
    for (const auto& name : result.applied) std::cout << " " << name;
    std::cout << ". Schema is now at version " << result.to_version << ".\n";
  });
}

void add_config_command(CLI::App& app, CommandContext& context) {
  auto* config = app.add_subcommand("config", "Print the effective configuration and where each value comes from");
  config->callback([&context] {
    context.warnings_to_stderr = false;
    std::cout << render_config(context.config());
  });
}

// One line of `bisk check`: what was checked and, when it failed, how to fix it.
struct CheckResult {
  bool ok;
  std::string subject;
  std::string detail;
};

CheckResult check_database(CommandContext& context) {
  try {
    Database& db = context.database_any_schema();
    Migrator migrator(db);
    const int version = migrator.current_version();
    if (version != Migrator::latest_version()) {
      return {false, "database",
              db.display_url() + " is at schema version " + std::to_string(version) + ", this bisk needs " +
                  std::to_string(Migrator::latest_version()) + " - run: bisk migrate"};
    }
    return {true, "database", db.display_url() + " (schema version " + std::to_string(version) + ")"};
  } catch (const StoreError& error) {
    return {false, "database", std::string(error.what()) + " - check BISK_DATABASE_URL"};
  }
}

CheckResult check_writable_dir(const std::string& variable, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return {false, variable,
            dir + " does not exist - create it for the service user (install -d -o bisk -g bisk " + dir +
                ") or run deploy/install_enforcer.sh"};
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return {false, variable, dir + " is not writable by this user - chown it to the service user or fix its mode"};
  }
  return {true, variable, dir + " (writable)"};
}

CheckResult check_models(const Settings& settings) {
  std::string missing;
  for (const auto& model : kModelFiles) {
    if (!std::filesystem::is_regular_file(std::filesystem::path(settings.model_dir) / model.name)) {
      missing += (missing.empty() ? "" : ", ") + std::string(model.name);
    }
  }
  if (missing.empty()) return {true, "BISK_MODEL_DIR", settings.model_dir + " (all model files present)"};
  return {false, "BISK_MODEL_DIR",
          settings.model_dir + " lacks " + missing +
              " - install the models (scripts/setup.sh fetches the npm package faceplugin-face-recognition-js) or "
              "point BISK_MODEL_DIR at them"};
}

CheckResult check_heartbeat_key(const Settings& settings) {
  if (!settings.heartbeat_key || settings.heartbeat_key->empty()) {
    return {false, "BISK_HEARTBEAT_KEY", "not set - set it in the env file; bisk serve refuses to start without it"};
  }
  if (uses_example_heartbeat_key(settings)) {
    return {false, "BISK_HEARTBEAT_KEY",
            "is the public example key - replace it with a random one (openssl rand -hex 32)"};
  }
  return {true, "BISK_HEARTBEAT_KEY", "set"};
}

void add_check_command(CLI::App& app, CommandContext& context) {
  auto* check =
      app.add_subcommand("check", "Check database, binaries, directories, models and keys; exit 1 on any failure");
  check->callback([&context] {
    const Settings& settings = context.settings();
    std::vector<CheckResult> results = {check_database(context)};
    if (!settings.strict_binaries) {
      results.push_back({true, "binaries", "not checked (BISK_STRICT_BINARIES=0)"});
    } else {
      for (auto& binary : check_runner_binaries(settings))
        results.push_back({binary.ok, binary.variable, binary.detail});
    }
    results.push_back(check_writable_dir("BISK_SNAPSHOT_DIR", settings.snapshot_dir));
    results.push_back(check_writable_dir("BISK_MEDIA_DIR", settings.media_dir));
    results.push_back(check_writable_dir("BISK_LOG_DIR", settings.log_dir));
    results.push_back(check_models(settings));
    results.push_back(check_heartbeat_key(settings));
    results.push_back({true, "BISK_TIME_ZONE", settings.time_zone->name()});
    int failures = 0;
    for (const auto& result : results) {
      std::cout << (result.ok ? "ok    " : "FAIL  ") << result.subject << ": " << result.detail << "\n";
      failures += result.ok ? 0 : 1;
    }
    if (failures > 0) throw CommandError(std::to_string(failures) + " check(s) failed");
    std::cout << "All checks passed.\n";
  });
}

void add_version_command(CLI::App& app) {
  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([] { std::cout << version_text() << "\n"; });
  app.set_version_flag("--version", version_text(), "Print the version");
}

}  // namespace

std::string version_text() {
  return std::string("bisk ") + BISK_VERSION + " (database schema version " +
         std::to_string(Migrator::latest_version()) + ")";
}

void add_system_commands(CLI::App& app, CommandContext& context) {
  add_migrate_command(app, context);
  add_config_command(app, context);
  add_check_command(app, context);
  add_version_command(app);
}

}  // namespace bisk
