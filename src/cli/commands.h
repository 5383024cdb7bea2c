// Registration of the subcommand groups on the root `bisk` app.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_context.h"

namespace bisk {

void add_catalog_commands(CLI::App& app, CommandContext& context);   // camera, profile, policy, …
void add_schedule_commands(CLI::App& app, CommandContext& context);  // periods, desired, explain
void add_system_commands(CLI::App& app, CommandContext& context);    // migrate, config, check, version

}  // namespace bisk
