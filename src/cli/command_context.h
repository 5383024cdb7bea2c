// What every subcommand needs, created on first use: the effective
// configuration (warnings printed once, to stderr) and the database.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "store/database.h"

namespace bisk {

class CommandContext {
 public:
  // Global flags: --env-file and variable overrides ({"BISK_DATABASE_URL", …}).
  std::optional<std::string> env_file_flag;
  std::map<std::string, std::string> flag_overrides;
  // Off for `bisk config`, which prints the warnings itself.
  bool warnings_to_stderr = true;

  const LoadedConfig& config();
  const Settings& settings() { return config().settings; }
  TimeZone zone() { return settings().time_zone; }
  // Opens the database and checks that its schema is current ("run bisk migrate").
  Database& database();
  // Opens the database without the schema check (migrate, check).
  Database& database_any_schema();

 private:
  std::optional<LoadedConfig> config_;
  std::unique_ptr<Database> database_;
  bool schema_checked_ = false;
};

}  // namespace bisk
