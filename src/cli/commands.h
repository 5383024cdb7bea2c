// Registration of the subcommand groups on the root `bisk` app.
#pragma once

#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command_context.h"

namespace bisk {

void add_catalog_commands(CLI::App& app, CommandContext& context);   // camera, profile, policy, …
void add_schedule_commands(CLI::App& app, CommandContext& context);  // periods, desired, explain
void add_system_commands(CLI::App& app, CommandContext& context);    // migrate, config, check, version
std::string version_text();                                          // "bisk 0.1.0 (database schema version N)"
void add_server_commands(CLI::App& app, CommandContext& context);    // serve
void add_user_commands(CLI::App& app, CommandContext& context);      // user, token
void add_enforcer_commands(CLI::App& app, CommandContext& context);  // run-enforcer, enforce, stop-runners
void add_maintenance_commands(CLI::App& app, CommandContext& context);
void add_runner_commands(CLI::App& app, CommandContext& context);      // runner
void add_enrollment_commands(CLI::App& app, CommandContext& context);  // enroll
void add_demo_command(CLI::App& app, CommandContext& context);         // demo

// Thrown by a command that has already reported its failure: `bisk` exits
// with `code` and prints nothing more.
class CommandExit : public std::runtime_error {
 public:
  explicit CommandExit(int code) : std::runtime_error("exit " + std::to_string(code)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

}  // namespace bisk
