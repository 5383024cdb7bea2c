// SPEC §2: the effective configuration. Precedence, lowest first: built-in
// defaults < env file < process environment < command-line flags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace bisk {

// The public example value of BISK_HEARTBEAT_KEY from the original's guide:
// accepted, with a loud warning wherever the key is used.
inline constexpr std::string_view kExampleHeartbeatKey = "dev-key-change-me";

enum class ValueSource { kDefault, kEnvFile, kEnvironment, kFlag };
std::string_view source_name(ValueSource source);  // "default", "env file", "environment", "flag"

// Typed values, validated.
struct Settings {
  std::string database_url;
  std::string runner_impl;     // ffmpeg_all | ffmpeg_one
  std::string runner_program;  // absolute path; empty: this bisk executable, subcommand `runner`
  bool strict_binaries = true;
  std::string heartbeat_url;
  std::optional<std::string> heartbeat_key;
  std::string snapshot_dir;
  std::string media_dir;
  std::optional<int> gpu_index;
  std::string ffmpeg_bin;
  std::string ffprobe_bin;
  std::string model_dir;
  std::string web_dir;  // the dashboard's templates and static files
  std::string listen;   // host:port
  std::string time_zone_name;
  TimeZone time_zone = nullptr;
  int enforcer_interval = 15;  // seconds
  std::string enforcer_lock_file;
  int stop_grace_s = 10;           // SIGTERM to SIGKILL when stopping a runner
  int runner_silent_after_s = 45;  // silent after max(3 × hb_interval, this) without a heartbeat
  int spawn_rate = 5;              // runner starts per second, at most
  std::string log_dir;
  std::uintmax_t runner_log_max_bytes = 10485760;  // per runner log file
  std::string node;
  std::string node_role;  // primary | secondary
  std::optional<std::string> secret_key;
  std::string env_file;  // the env file that was read, empty when none
};

bool uses_example_heartbeat_key(const Settings& settings);

// One line of `bisk config`.
struct ConfigEntry {
  std::string key;    // e.g. "BISK_DATABASE_URL"
  std::string value;  // secrets masked, URLs with passwords masked
  ValueSource source = ValueSource::kDefault;
};

struct LoadedConfig {
  Settings settings;
  std::vector<ConfigEntry> entries;   // every known key, in SPEC §2 order
  std::vector<std::string> warnings;  // deprecated names, unknown BISK_* keys, the public example key …
  std::vector<std::string> notes;     // informational (e.g. DJANGO_SETTINGS_MODULE ignored)
};

struct ConfigInputs {
  // --env-file; else BISK_ENV_FILE from `environment`; else default_env_file
  // when it exists. A named file that does not exist is an error; an empty
  // name means no env file at all (not even the default).
  std::optional<std::string> env_file_flag;
  std::string default_env_file = "/etc/bisk/bisk.env";
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> flags;  // variable name → value, e.g. {"BISK_LISTEN", "0.0.0.0:8000"}
};

// Every problem in one message, one line each, naming the key, where the value
// came from, and what is allowed (e.g. "BISK_RUNNER_IMPL=foo (environment): must be
// ffmpeg_all or ffmpeg_one").
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

LoadedConfig load_config(const ConfigInputs& inputs);

// The process environment as a map.
std::map<std::string, std::string> current_environment();

// The text `bisk config` prints: aligned "KEY=value  # source" lines (secrets
// masked), then "env file: PATH" or "no env file", then "warning: …" and
// "note: …" lines.
std::string render_config(const LoadedConfig& config);

}  // namespace bisk
