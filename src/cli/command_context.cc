#include "cli/command_context.h"

#include <iostream>

#include "store/migrations.h"
#include "store/store_error.h"

namespace bisk {

const LoadedConfig& CommandContext::config() {
  if (!config_) {
    ConfigInputs inputs;
    inputs.env_file_flag = env_file_flag;
    inputs.environment = current_environment();
    inputs.flags = flag_overrides;
    config_ = load_config(inputs);
    if (warnings_to_stderr)
      for (const auto& warning : config_->warnings) std::cerr << "warning: " << warning << "\n";
  }
  return *config_;
}

Database& CommandContext::database_any_schema() {
  if (!database_) database_ = Database::open(settings().database_url);
  return *database_;
}

Database& CommandContext::database() {
  Database& db = database_any_schema();
  if (!schema_checked_) {
    Migrator(db).require_current();
    schema_checked_ = true;
  }
  return db;
}

}  // namespace bisk
