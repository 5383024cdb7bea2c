#include "config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <initializer_list>

#include "common/url.h"
#include "config/env_file.h"

extern char** environ;

namespace bisk {
namespace {

constexpr std::string_view kEnvFileKey = "BISK_ENV_FILE";

// ---- Layers: where values come from ------------------------------------------

struct Setting {
  std::string name;
  std::string value;
  std::string location;  // "path:line" for the env file, empty otherwise
};

// A few dozen settings at most, kept in file order for messages.
struct Layer {
  ValueSource source;
  std::vector<Setting> settings = {};
};
using Layers = std::vector<Layer>;  // lowest precedence first

// The value a key ends up with.
struct Value {
  std::optional<std::string> text = {};  // nullopt: unset
  ValueSource source = ValueSource::kDefault;
  std::string origin;  // for messages: "environment", "env file /etc/bisk/bisk.env:3", ...
};

std::optional<Value> lookup(const Layers& layers, std::string_view key) {
  for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {
    const auto it = std::find_if(layer->settings.rbegin(), layer->settings.rend(),
                                 [key](const Setting& setting) { return setting.name == key; });
    if (it == layer->settings.rend()) continue;
    std::string origin(source_name(layer->source));
    if (!it->location.empty()) origin += " " + it->location;
    return Value{it->value, layer->source, origin};
  }
  return std::nullopt;
}

// ---- Checks and conversions, one per key ---------------------------------------

// Sets the key's field from `text`; returns what is wrong with it, if anything.
using Apply = std::string (*)(const std::string& text, Settings& settings);

std::optional<int> parse_int(std::string_view text, int min, int max) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

std::string upper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return result;
}

std::string one_of(std::string_view text, std::initializer_list<std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return "";
  std::string problem = "must be ";
  for (auto it = allowed.begin(); it != allowed.end(); ++it) {
    if (it != allowed.begin()) problem += std::next(it) == allowed.end() ? " or " : ", ";
    problem += *it;
  }
  return problem;
}

// "host", "host:port", "[v6]", "[v6]:port" with a port of 1..65535 (required or
// optional). IPv6 needs the brackets: "::1:8000" is ambiguous.
bool is_host_port(std::string_view text, bool port_required) {
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return false;
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || (port_required && !port)) return false;
  return !port || parse_int(*port, 1, 65535).has_value();
}

// The host[:port] of a URL, without user info.
std::string_view url_host_port(std::string_view url) {
  const auto start = url.find("://") + 3;
  const auto authority = url.substr(start, url.find_first_of("/?#", start) - start);
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? authority : authority.substr(at + 1);
}

template <std::string Settings::*kField>
std::string set_text(const std::string& text, Settings& settings) {
  settings.*kField = text;
  return "";
}

template <std::optional<std::string> Settings::*kField>
std::string set_optional_text(const std::string& text, Settings& settings) {
  settings.*kField = text;
  return "";
}

std::string set_database_url(const std::string& text, Settings& settings) {
  settings.database_url = text;
  const std::string scheme = url_scheme(text);
  const bool known = scheme == "sqlite" || scheme == "postgresql" || scheme == "postgres";
  if (known && text.size() > scheme.size() + 3) return "";
  return "must be sqlite:///path/to/file.db or postgresql://user:password@host/database";
}

std::string set_runner_impl(const std::string& text, Settings& settings) {
  settings.runner_impl = text;
  return one_of(text, {"ffmpeg_all", "ffmpeg_one"});
}

std::string set_strict_binaries(const std::string& text, Settings& settings) {
  const std::string value = lower(text);
  settings.strict_binaries = value == "1" || value == "true" || value == "yes";
  if (settings.strict_binaries || value == "0" || value == "false" || value == "no") return "";
  return "must be 1 or 0 (true/false and yes/no are accepted too)";
}

std::string set_heartbeat_url(const std::string& text, Settings& settings) {
  settings.heartbeat_url = text;
  const std::string scheme = url_scheme(text);
  if ((scheme == "http" || scheme == "https") && is_host_port(url_host_port(text), false)) return "";
  return "must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000/api/runner/heartbeat/";
}

std::string set_gpu_index(const std::string& text, Settings& settings) {
  settings.gpu_index = parse_int(text, 0, 63);
  return settings.gpu_index ? "" : "must be a GPU index from 0 to 63";
}

std::string set_listen(const std::string& text, Settings& settings) {
  settings.listen = text;
  if (is_host_port(text, true)) return "";
  return "must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:8000 or [::1]:8000";
}

std::string set_time_zone(const std::string& text, Settings& settings) {
  settings.time_zone_name = text;
  settings.time_zone = find_time_zone(text);
  if (settings.time_zone) return "";
  return "unknown time zone; use an IANA name such as Europe/Berlin (see `timedatectl list-timezones`)";
}

// Leaves `field` alone when `text` is not a whole number from min to max.
std::string set_whole_number(const std::string& text, int min, int max, std::string_view unit, int& field) {
  const auto value = parse_int(text, min, max);
  if (!value) {
    return "must be a whole number of " + std::string(unit) + " from " + std::to_string(min) + " to " +
           std::to_string(max);
  }
  field = *value;
  return "";
}

std::string set_enforcer_interval(const std::string& text, Settings& settings) {
  return set_whole_number(text, 1, 3600, "seconds", settings.enforcer_interval);
}

// Five minutes is already far beyond the runner's own 2 s shutdown (SPEC §5).
std::string set_stop_grace(const std::string& text, Settings& settings) {
  return set_whole_number(text, 1, 300, "seconds", settings.stop_grace_s);
}

std::string set_runner_silent_after(const std::string& text, Settings& settings) {
  return set_whole_number(text, 1, 3600, "seconds", settings.runner_silent_after_s);
}

std::string set_spawn_rate(const std::string& text, Settings& settings) {
  return set_whole_number(text, 1, 100, "runner starts per second", settings.spawn_rate);
}

// The enforcer starts runners from a different working directory than the
// operator's shell, so a relative path would name another file.
std::string set_runner_program(const std::string& text, Settings& settings) {
  settings.runner_program = text;
  if (text.starts_with('/')) return "";
  return "must be an absolute path (or unset: this bisk executable, subcommand runner)";
}

// Smaller logs would rotate away a runner's start-up messages within minutes.
constexpr std::uintmax_t kMinRunnerLogBytes = 65536;

std::string set_runner_log_max_bytes(const std::string& text, Settings& settings) {
  std::uintmax_t bytes = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (error != std::errc() || end != text.data() + text.size() || bytes < kMinRunnerLogBytes) {
    return "must be a whole number of bytes, at least " + std::to_string(kMinRunnerLogBytes);
  }
  settings.runner_log_max_bytes = bytes;
  return "";
}

std::string set_node(const std::string& text, Settings& settings) {
  settings.node = text;
  const auto allowed = [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; };
  if (std::all_of(text.begin(), text.end(), allowed)) return "";
  return "must be letters, digits, '.', '_' and '-' only";
}

std::string set_node_role(const std::string& text, Settings& settings) {
  settings.node_role = text;
  return one_of(text, {"primary", "secondary"});
}

// ---- The keys ----------------------------------------------------------------

enum class Kind {
  kText,
  kSecret,  // never shown
  kUrl,     // shown with its password masked
};

struct KeyDef {
  std::string_view name;
  std::string_view fallback = {};  // the built-in default
  // A default that depends on the machine or on other keys.
  std::string (*computed_fallback)(const Layers& layers) = nullptr;
  Kind kind = Kind::kText;
  Apply apply = nullptr;
  std::string_view deprecated_name = {};  // an old spelling, read when `name` is set nowhere
};

// Keys without any default may stay unset; for them an empty value means unset.
bool is_optional(const KeyDef& key) { return key.fallback.empty() && key.computed_fallback == nullptr; }

std::string snapshot_dir_fallback(const Layers& layers);

std::string system_zone_fallback(const Layers&) { return std::string(system_time_zone()->name()); }

// Empty when the host name is unknown, which fails validation: a node without a
// name could collide with another one.
std::string host_name_fallback(const Layers&) {
  char name[HOST_NAME_MAX + 1] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? name : "";
}

// In SPEC §2 order, which is the order `bisk config` prints.
const KeyDef kKeys[] = {
    {.name = "BISK_DATABASE_URL",
     .fallback = "sqlite:///var/lib/bisk/bisk.db",
     .kind = Kind::kUrl,
     .apply = set_database_url},
    {.name = "BISK_RUNNER_IMPL", .fallback = "ffmpeg_all", .apply = set_runner_impl},
    {.name = "BISK_RUNNER_PROGRAM", .apply = set_runner_program},
    {.name = "BISK_STRICT_BINARIES", .fallback = "1", .apply = set_strict_binaries},
    {.name = "BISK_HEARTBEAT_URL",
     .fallback = "http://127.0.0.1:8000/api/runner/heartbeat/",
     .kind = Kind::kUrl,
     .apply = set_heartbeat_url,
     .deprecated_name = "BISK_RUNNER_HB_URL"},
    {.name = "BISK_HEARTBEAT_KEY",
     .kind = Kind::kSecret,
     .apply = set_optional_text<&Settings::heartbeat_key>,
     .deprecated_name = "BISK_RUNNER_HB_KEY"},
    {.name = "BISK_SNAPSHOT_DIR",
     .computed_fallback = snapshot_dir_fallback,
     .apply = set_text<&Settings::snapshot_dir>},
    {.name = "BISK_MEDIA_DIR", .fallback = "/var/lib/bisk/media", .apply = set_text<&Settings::media_dir>},
    {.name = "BISK_GPU_INDEX", .apply = set_gpu_index},
    {.name = "BISK_FFMPEG_BIN", .fallback = "ffmpeg", .apply = set_text<&Settings::ffmpeg_bin>},
    {.name = "BISK_FFPROBE_BIN", .fallback = "ffprobe", .apply = set_text<&Settings::ffprobe_bin>},
    {.name = "BISK_MODEL_DIR", .fallback = "/usr/share/bisk/models", .apply = set_text<&Settings::model_dir>},
    {.name = "BISK_WEB_DIR", .fallback = "/usr/share/bisk/web", .apply = set_text<&Settings::web_dir>},
    {.name = "BISK_LISTEN", .fallback = "127.0.0.1:8000", .apply = set_listen},
    {.name = "BISK_TIME_ZONE", .computed_fallback = system_zone_fallback, .apply = set_time_zone},
    {.name = "BISK_ENFORCER_INTERVAL", .fallback = "15", .apply = set_enforcer_interval},
    {.name = "BISK_ENFORCER_LOCK_FILE",
     .fallback = "/run/bisk/enforcer.lock",
     .apply = set_text<&Settings::enforcer_lock_file>},
    {.name = "BISK_STOP_GRACE", .fallback = "10", .apply = set_stop_grace},
    {.name = "BISK_RUNNER_SILENT_AFTER", .fallback = "45", .apply = set_runner_silent_after},
    {.name = "BISK_SPAWN_RATE", .fallback = "5", .apply = set_spawn_rate},
    {.name = "BISK_LOG_DIR", .fallback = "/var/log/bisk", .apply = set_text<&Settings::log_dir>},
    {.name = "BISK_RUNNER_LOG_MAX_BYTES", .fallback = "10485760", .apply = set_runner_log_max_bytes},
    {.name = "BISK_NODE", .computed_fallback = host_name_fallback, .apply = set_node},
    {.name = "BISK_NODE_ROLE", .fallback = "primary", .apply = set_node_role},
    {.name = "BISK_SECRET_KEY", .kind = Kind::kSecret, .apply = set_optional_text<&Settings::secret_key>},
};

const KeyDef* find_key(std::string_view name) {
  for (const KeyDef& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

const KeyDef* find_key_by_deprecated_name(std::string_view name) {
  for (const KeyDef& key : kKeys) {
    if (!key.deprecated_name.empty() && key.deprecated_name == name) return &key;
  }
  return nullptr;
}

// An empty value of an optional key means "unset": a higher layer can unset it that way.
Value without_empty_optional(const KeyDef& key, Value value) {
  if (value.text && value.text->empty() && is_optional(key)) value.text.reset();
  return value;
}

Value resolve(const KeyDef& key, const Layers& layers) {
  if (auto value = lookup(layers, key.name)) return without_empty_optional(key, std::move(*value));
  if (!key.deprecated_name.empty()) {
    if (auto value = lookup(layers, key.deprecated_name)) {
      value->origin += ", as ";
      value->origin += key.deprecated_name;
      return without_empty_optional(key, std::move(*value));
    }
  }
  Value value;
  value.origin = std::string(source_name(ValueSource::kDefault));
  if (key.computed_fallback) {
    value.text = key.computed_fallback(layers);
  } else if (!key.fallback.empty()) {
    value.text = std::string(key.fallback);
  }
  return without_empty_optional(key, std::move(value));
}

std::string snapshot_dir_fallback(const Layers& layers) {
  std::string media_dir = resolve(*find_key("BISK_MEDIA_DIR"), layers).text.value_or("");
  if (!media_dir.ends_with('/')) media_dir += '/';
  return media_dir + "snapshots";
}

// ---- Showing values ----------------------------------------------------------

// A value without a scheme is not a URL whose password mask_url could find
// (e.g. "user:password@host/db"), so it is not shown at all.
std::string shown_url(const std::string& url) {
  if (url.empty() || url.find("://") != std::string::npos) return mask_url(url);
  return "(hidden)";
}

std::string shown_value(const KeyDef& key, const std::optional<std::string>& text) {
  if (!text) return "(unset)";
  switch (key.kind) {
    case Kind::kSecret:
      return "(set, hidden)";
    case Kind::kUrl:
      return shown_url(*text);
    case Kind::kText:
      break;
  }
  return *text;
}

// ---- Names that are not (or no longer) settings --------------------------------

struct RetiredKey {
  std::string_view name;
  std::string_view replacement;  // empty when BISK has none
};

// Written by the Python installer; mapping them silently would hide that the
// operator's file still speaks the old dialect.
constexpr RetiredKey kRetiredKeys[] = {
    {"DJANGO_SETTINGS_MODULE", ""},
    {"ENFORCER_LOCK_FILE", "BISK_ENFORCER_LOCK_FILE"},
    {"ENFORCER_INTERVAL_SECONDS", "BISK_ENFORCER_INTERVAL"},
    {"OMP_NUM_THREADS", ""},
    {"OPENBLAS_NUM_THREADS", ""},
    {"MKL_NUM_THREADS", ""},
    {"BISK_PREFER_SUBSTREAM", ""},
};

const RetiredKey* find_retired_key(std::string_view name) {
  for (const RetiredKey& key : kRetiredKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string suggestion(std::string_view unknown) {
  const std::string name = upper(unknown);
  // Typos, not different words: BISK_FOO is not a misspelt BISK_NODE.
  const size_t max_distance = std::max<size_t>(1, name.size() / 5);
  std::string_view best = kEnvFileKey;
  for (const KeyDef& key : kKeys) {
    if (edit_distance(name, key.name) < edit_distance(name, best)) best = key.name;
  }
  if (edit_distance(name, best) > max_distance) return "";
  return "; did you mean " + std::string(best) + "?";
}

struct Messages {
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
};

void check_name(const Setting& setting, const Layer& layer, const Layers& layers, Messages& messages) {
  const std::string& name = setting.name;
  const std::string where =
      (setting.location.empty() ? std::string(source_name(layer.source)) : setting.location) + ": ";
  if (find_key(name)) return;
  // What the enforcer hands each runner (SPEC §5): per process, not settings.
  if (name == "BISK_RTSP_URL" || name == "BISK_RUNNER_OWNER") return;
  if (name == kEnvFileKey) {
    if (layer.source == ValueSource::kEnvFile) {
      messages.warnings.push_back(where + "BISK_ENV_FILE has no effect inside an env file (ignored)");
    }
    return;
  }
  if (const KeyDef* key = find_key_by_deprecated_name(name)) {
    std::string warning = where + name + " is deprecated; rename it to " + std::string(key->name);
    if (lookup(layers, key->name)) {
      warning += " (" + name + " is ignored because " + std::string(key->name) + " is set)";
    }
    messages.warnings.push_back(warning);
    return;
  }
  if (const RetiredKey* retired = find_retired_key(name)) {
    std::string note = where + name + " is a setting of the Python system and is ignored";
    note += retired->replacement.empty() ? "; BISK has no equivalent" : "; use " + std::string(retired->replacement);
    messages.notes.push_back(note);
    return;
  }
  if (upper(name).starts_with("BISK_")) {
    messages.warnings.push_back(where + "unknown setting " + name + " (ignored)" + suggestion(name));
    return;
  }
  messages.notes.push_back(where + name + " is not a BISK setting (ignored)");
}

Messages check_names(const Layers& layers) {
  Messages messages;
  for (const Layer& layer : layers) {
    for (const Setting& setting : layer.settings) check_name(setting, layer, layers, messages);
  }
  return messages;
}

// ---- Building the layers -------------------------------------------------------

// What BISK reads from the process environment: its own variables (except the
// test suite's) and the one Python-era name worth a note.
bool is_read_from_environment(std::string_view name) {
  if (name == "DJANGO_SETTINGS_MODULE") return true;
  return name.starts_with("BISK_") && !name.starts_with("BISK_TEST_");
}

Layer environment_layer(const std::map<std::string, std::string>& environment) {
  Layer layer{.source = ValueSource::kEnvironment};
  for (const auto& [name, value] : environment) {
    if (is_read_from_environment(name)) layer.settings.push_back({name, value, ""});
  }
  return layer;
}

Layer flag_layer(const ConfigInputs& inputs) {
  Layer layer{.source = ValueSource::kFlag};
  for (const auto& [name, value] : inputs.flags) layer.settings.push_back({name, value, ""});
  // Last, so that it wins over a BISK_ENV_FILE among the flags.
  if (inputs.env_file_flag) layer.settings.push_back({std::string(kEnvFileKey), *inputs.env_file_flag, ""});
  return layer;
}

Layer env_file_layer(const EnvFile& file) {
  Layer layer{.source = ValueSource::kEnvFile};
  for (const EnvFileEntry& entry : file.entries) {
    layer.settings.push_back({entry.key, entry.value, file.path + ":" + std::to_string(entry.line)});
  }
  return layer;
}

bool exists(const std::string& path) {
  struct stat info;
  // Anything but "not there" (e.g. no permission) must surface as a read error.
  return ::stat(path.c_str(), &info) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

// The env file to read: named by a flag or BISK_ENV_FILE (an empty name means
// none), else the default path when it exists.
Value choose_env_file(const ConfigInputs& inputs, const Layers& layers) {
  if (auto named = lookup(layers, kEnvFileKey)) {
    if (named->text->empty()) named->text.reset();
    return *named;
  }
  Value value{.origin = std::string(source_name(ValueSource::kDefault))};
  if (exists(inputs.default_env_file)) value.text = inputs.default_env_file;
  return value;
}

// ---- Assembling the result -----------------------------------------------------

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

std::string problem_line(const KeyDef& key, const Value& value, const std::string& problem) {
  return std::string(key.name) + "=" + shown_value(key, value.text) + " (" + value.origin + "): " + problem;
}

// Applies every key; returns one line per invalid value.
std::vector<std::string> apply_keys(const Layers& layers, LoadedConfig& config) {
  std::vector<std::string> problems;
  for (const KeyDef& key : kKeys) {
    const Value value = resolve(key, layers);
    config.entries.push_back({std::string(key.name), shown_value(key, value.text), value.source});
    if (!value.text) continue;
    const std::string problem = value.text->empty() && !is_optional(key)
                                    ? "must not be empty (remove it to get the default)"
                                    : key.apply(*value.text, config.settings);
    if (!problem.empty()) problems.push_back(problem_line(key, value, problem));
  }
  return problems;
}

void warn_about_example_key(LoadedConfig& config) {
  if (!uses_example_heartbeat_key(config.settings)) return;
  config.warnings.push_back(
      "BISK_HEARTBEAT_KEY is the public example value dev-key-change-me: anyone who can reach the API can post "
      "heartbeats; set a random key, e.g. `openssl rand -hex 32`");
}

}  // namespace

std::string_view source_name(ValueSource source) {
  switch (source) {
    case ValueSource::kDefault:
      return "default";
    case ValueSource::kEnvFile:
      return "env file";
    case ValueSource::kEnvironment:
      return "environment";
    case ValueSource::kFlag:
      return "flag";
  }
  return "unknown";
}

LoadedConfig load_config(const ConfigInputs& inputs) {
  Layers layers = {environment_layer(inputs.environment), flag_layer(inputs)};
  const Value env_file = choose_env_file(inputs, layers);
  LoadedConfig config;
  config.entries.push_back({std::string(kEnvFileKey), env_file.text.value_or("(none)"), env_file.source});
  if (env_file.text) {
    const EnvFile file = read_env_file(*env_file.text);
    config.settings.env_file = file.path;
    config.warnings = file.warnings;
    layers.insert(layers.begin(), env_file_layer(file));
  }
  Messages messages = check_names(layers);
  config.warnings.insert(config.warnings.end(), messages.warnings.begin(), messages.warnings.end());
  config.notes = std::move(messages.notes);
  std::vector<std::string> problems = apply_keys(layers, config);
  warn_about_example_key(config);
  if (!problems.empty()) {
    // Warnings often explain the problem (a misspelled key, a deprecated name).
    for (const std::string& warning : config.warnings) problems.push_back("warning: " + warning);
    throw ConfigError(join_lines(problems));
  }
  return config;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

bool uses_example_heartbeat_key(const Settings& settings) { return settings.heartbeat_key == kExampleHeartbeatKey; }

std::string render_config(const LoadedConfig& config) {
  size_t width = 0;
  for (const ConfigEntry& entry : config.entries) width = std::max(width, entry.key.size() + 1 + entry.value.size());
  std::string text;
  for (const ConfigEntry& entry : config.entries) {
    std::string line = entry.key + "=" + entry.value;
    line.resize(width, ' ');
    text += line + "  # " + std::string(source_name(entry.source)) + "\n";
  }
  const std::string& env_file = config.settings.env_file;
  text += env_file.empty() ? "\nno env file\n" : "\nenv file: " + env_file + "\n";
  for (const std::string& warning : config.warnings) text += "warning: " + warning + "\n";
  for (const std::string& note : config.notes) text += "note: " + note + "\n";
  return text;
}

}  // namespace bisk
