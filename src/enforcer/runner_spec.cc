#include "enforcer/runner_spec.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string_view>

#include "common/url.h"

namespace bisk {
namespace {

// ---- Resources -----------------------------------------------------------------

template <typename T>
void override_with(std::optional<T>& field, const std::optional<T>& override_value) {
  if (override_value) field = override_value;
}

ResourceSettings effective_resources(const std::optional<ResourceSettings>& global,
                                     const std::optional<ResourceSettings>& camera) {
  ResourceSettings resources;
  if (global && global->is_active) resources = *global;
  if (!camera || !camera->is_active) return resources;
  override_with(resources.device, camera->device);
  override_with(resources.gpu_index, camera->gpu_index);
  override_with(resources.hwaccel, camera->hwaccel);
  override_with(resources.cpu_nice, camera->cpu_nice);
  override_with(resources.cpu_affinity, camera->cpu_affinity);
  override_with(resources.max_fps, camera->max_fps);
  override_with(resources.det_set_max, camera->det_set_max);
  override_with(resources.min_face_px, camera->min_face_px);
  override_with(resources.crop_format, camera->crop_format);
  override_with(resources.crop_quality, camera->crop_quality);
  return resources;
}

// ---- Knobs ---------------------------------------------------------------------

// The shortest text that reads back as the same double: "6", "2.5", "0.45".
std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

std::optional<int> parse_whole(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

double resolve_fps(const StreamProfile& profile, const ResourceSettings& resources) {
  return resources.max_fps ? std::min(profile.fps, *resources.max_fps) : profile.fps;
}

std::string resolve_det_set(const StreamProfile& profile, const ResourceSettings& resources) {
  if (!resources.det_set_max) return profile.det_set;
  const std::string& cap = *resources.det_set_max;
  if (profile.det_set == "auto") return cap;
  const auto requested = parse_whole(profile.det_set);
  const auto limit = parse_whole(cap);
  if (requested && limit && *limit < *requested) return cap;
  return profile.det_set;
}

std::string resolve_transport(const Camera& camera, const StreamProfile& profile) {
  return profile.rtsp_transport == "inherit" ? camera.rtsp_transport : profile.rtsp_transport;
}

bool uses_gpu(const ResourceSettings& resources) { return resources.device == "cuda" || resources.hwaccel == "cuda"; }

std::optional<int> resolve_gpu_index(const ResourceSettings& resources, const RunnerLaunch& launch) {
  if (resources.gpu_index) return resources.gpu_index;
  if (uses_gpu(resources)) return launch.gpu_index;
  return std::nullopt;
}

// ---- argv ----------------------------------------------------------------------

void add_flag(std::vector<std::string>& argv, std::string_view flag, std::string value) {
  argv.emplace_back(flag);
  argv.push_back(std::move(value));
}

std::vector<std::string> build_argv(const Camera& camera, const StreamProfile& profile,
                                    const ResourceSettings& resources, const RunnerLaunch& launch) {
  std::vector<std::string> argv = {launch.program, "runner"};
  add_flag(argv, "--impl", launch.impl);
  add_flag(argv, "--camera", std::to_string(camera.id));
  add_flag(argv, "--profile", std::to_string(profile.id));
  add_flag(argv, "--fps", format_number(resolve_fps(profile, resources)));
  add_flag(argv, "--det_set", resolve_det_set(profile, resources));
  add_flag(argv, "--hb", launch.heartbeat_url);
  add_flag(argv, "--hb_interval", std::to_string(profile.hb_interval));
  add_flag(argv, "--snapshots", launch.snapshot_dir);
  add_flag(argv, "--snapshot_every", std::to_string(profile.snapshot_every));
  const std::string transport = resolve_transport(camera, profile);
  if (transport == "tcp" || transport == "udp") add_flag(argv, "--rtsp_transport", transport);
  if (resources.device) add_flag(argv, "--device", *resources.device);
  if (const auto gpu_index = resolve_gpu_index(resources, launch)) {
    add_flag(argv, "--gpu_index", std::to_string(*gpu_index));
  }
  if (resources.hwaccel) add_flag(argv, "--hwaccel", *resources.hwaccel);
  add_flag(argv, "--min_score", format_number(profile.min_score));
  add_flag(argv, "--min_face_px", std::to_string(resources.min_face_px.value_or(profile.min_face_px)));
  return argv;
}

// ---- Environment ---------------------------------------------------------------

using EnvMap = std::map<std::string, std::string>;

EnvMap own_environment(const Camera& camera, const ResourceSettings& resources, const RunnerLaunch& launch) {
  EnvMap env = {
      {"BISK_RTSP_URL", camera.url},
      {"BISK_HEARTBEAT_KEY", launch.heartbeat_key},
      {"BISK_RUNNER_OWNER", launch.owner},
  };
  if (resources.crop_format) env["BISK_CROP_FORMAT"] = *resources.crop_format;
  if (resources.crop_quality) env["BISK_CROP_QUALITY"] = std::to_string(*resources.crop_quality);
  return env;
}

std::vector<std::string> to_entries(const EnvMap& env) {
  std::vector<std::string> entries;
  entries.reserve(env.size());
  for (const auto& [key, value] : env) entries.push_back(key + "=" + value);
  return entries;
}

// base_env entries are "KEY=VALUE"; the value may itself contain '='.
EnvMap merge_environment(const std::vector<std::string>& base_env, const EnvMap& own) {
  EnvMap env = own;
  for (const std::string& entry : base_env) {
    const auto equals = entry.find('=');
    env.emplace(entry.substr(0, equals), equals == std::string::npos ? "" : entry.substr(equals + 1));
  }
  return env;
}

// ---- Display -------------------------------------------------------------------

bool is_shell_safe(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("_@%+=:,./-").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// POSIX shell quoting: 'it'\''s', so the line can be pasted into a shell.
std::string shell_quote(std::string_view word) {
  if (is_shell_safe(word)) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// argv holds no secret by construction; masking URLs too keeps credentials a
// heartbeat URL might carry off the dashboard, like everywhere else.
std::string mask_argv(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    line += shell_quote(mask_url(arg));
  }
  return line;
}

// ---- Hash ----------------------------------------------------------------------

void ensure_sodium() {
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) throw std::runtime_error("libsodium could not be initialised");
}

// Feeds length-prefixed fields so that no two different specs share an input
// ("ab","c" differs from "a","bc").
class SpecHasher {
 public:
  explicit SpecHasher(const std::string& heartbeat_key) {
    ensure_sodium();
    std::array<unsigned char, crypto_generichash_KEYBYTES> key{};
    crypto_generichash(key.data(), key.size(), bytes(heartbeat_key), heartbeat_key.size(), nullptr, 0);
    crypto_generichash_init(&state_, key.data(), key.size(), kDigestBytes);
    sodium_memzero(key.data(), key.size());
  }

  void add_text(std::string_view field) {
    add_length(field.size());
    crypto_generichash_update(&state_, bytes(field), field.size());
  }

  void add_list(const std::vector<std::string>& fields) {
    add_length(fields.size());
    for (const std::string& field : fields) add_text(field);
  }

  // Unset differs from every value, the empty text included.
  void add_optional(const std::optional<std::string>& field) { add_text(field ? "1" + *field : "0"); }

  std::string hex_digest() {
    std::array<unsigned char, kDigestBytes> digest{};
    crypto_generichash_final(&state_, digest.data(), digest.size());
    std::array<char, kDigestBytes * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return hex.data();
  }

 private:
  static constexpr size_t kDigestBytes = 32;

  static const unsigned char* bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
  }

  void add_length(std::uint64_t length) {
    std::array<unsigned char, 8> encoded{};
    for (size_t i = 0; i < encoded.size(); ++i) encoded[i] = static_cast<unsigned char>(length >> (8 * i));
    crypto_generichash_update(&state_, encoded.data(), encoded.size());
  }

  crypto_generichash_state state_{};
};

std::string spec_hash(const RunnerSpec& spec, const EnvMap& own_env, const std::string& heartbeat_key) {
  SpecHasher hasher(heartbeat_key);
  hasher.add_list(spec.argv);
  hasher.add_list(to_entries(own_env));
  hasher.add_optional(spec.nice ? std::optional(std::to_string(*spec.nice)) : std::nullopt);
  hasher.add_optional(spec.cpu_affinity);
  return hasher.hex_digest();
}

// ---- Base environment ----------------------------------------------------------

// Secrets, values the spec sets itself, and systemd's per-service variables.
const std::set<std::string_view> kWithheld = {
    "BISK_DATABASE_URL", "BISK_SECRET_KEY",   "BISK_HEARTBEAT_KEY", "BISK_RUNNER_HB_KEY", "BISK_RUNNER_HB_URL",
    "BISK_RTSP_URL",     "BISK_RUNNER_OWNER", "PGPASSWORD",         "NOTIFY_SOCKET",      "WATCHDOG_USEC",
    "WATCHDOG_PID",      "LISTEN_FDS",        "LISTEN_PID",         "LISTEN_FDNAMES",     "INVOCATION_ID",
};

}  // namespace

RunnerSpec build_runner_spec(const Camera& camera, const StreamProfile& profile,
                             const std::optional<ResourceSettings>& global_resources,
                             const std::optional<ResourceSettings>& camera_resources, const RunnerLaunch& launch) {
  const ResourceSettings resources = effective_resources(global_resources, camera_resources);
  const EnvMap own_env = own_environment(camera, resources, launch);
  RunnerSpec spec;
  spec.camera_id = camera.id;
  spec.profile_id = profile.id;
  spec.argv = build_argv(camera, profile, resources, launch);
  spec.env = to_entries(merge_environment(launch.base_env, own_env));
  spec.nice = resources.cpu_nice;
  spec.cpu_affinity = resources.cpu_affinity;
  spec.hb_interval_s = profile.hb_interval;
  spec.argv_masked = mask_argv(spec.argv);
  spec.hash = spec_hash(spec, own_env, launch.heartbeat_key);
  return spec;
}

std::vector<std::string> runner_base_environment(const std::map<std::string, std::string>& environment) {
  EnvMap env;
  for (const auto& [key, value] : environment) {
    if (!kWithheld.contains(key)) env.emplace(key, value);
  }
  env["BISK_ENV_FILE"] = "";
  return to_entries(env);
}

}  // namespace bisk
