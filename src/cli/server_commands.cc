// `bisk serve`.

#include "cli/commands.h"
#include "web/server.h"

namespace bisk {

void add_server_commands(CLI::App& app, CommandContext& context) {
  auto* serve = app.add_subcommand("serve", "Run the HTTP server: runner API, operator API, dashboard, metrics");
  serve->add_option_function<std::string>(
      "--listen", [&context](const std::string& value) { context.flag_overrides["BISK_LISTEN"] = value; },
      "Address to listen on, host:port (BISK_LISTEN; e.g. 127.0.0.1:8000 or [::1]:8000)");
  serve->callback([&context] {
    // run_server reports its own failures; only the exit code remains to pass on.
    if (const int code = run_server(context.settings()); code != 0) throw CommandExit(code);
  });
}

}  // namespace bisk
