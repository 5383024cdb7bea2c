#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "testing/test_databases.h"

namespace bisk {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr ValueSource kLayers[] = {ValueSource::kEnvFile, ValueSource::kEnvironment, ValueSource::kFlag};

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

const ConfigEntry& entry(const LoadedConfig& config, std::string_view key) {
  for (const ConfigEntry& entry : config.entries) {
    if (entry.key == key) return entry;
  }
  ADD_FAILURE() << "no entry " << key;
  static const ConfigEntry kNone;
  return kNone;
}

// Everything the loaded configuration says, for "never shown" checks.
std::string all_text(const LoadedConfig& config) {
  std::string text = render_config(config);
  for (const auto& e : config.entries) text += e.key + "=" + e.value + "\n";
  for (const auto& w : config.warnings) text += w + "\n";
  for (const auto& n : config.notes) text += n + "\n";
  return text;
}

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() { inputs_.default_env_file = dir_.file("default.env"); }

  std::string write_file(const std::string& name, const std::string& text) {
    std::ofstream(dir_.file(name)) << text;
    return dir_.file(name);
  }

  // Sets `key` at one layer; env file lines go to the default env file.
  void set(ValueSource layer, const std::string& key, const std::string& value) {
    switch (layer) {
      case ValueSource::kEnvFile:
        env_file_text_ += key + "=" + value + "\n";
        write_file("default.env", env_file_text_);
        break;
      case ValueSource::kEnvironment:
        inputs_.environment[key] = value;
        break;
      case ValueSource::kFlag:
        inputs_.flags[key] = value;
        break;
      case ValueSource::kDefault:
        FAIL() << "defaults are not set";
    }
  }

  LoadedConfig load() { return load_config(inputs_); }

  std::string error() { return error(inputs_); }

  static std::string error(const ConfigInputs& inputs) {
    try {
      load_config(inputs);
    } catch (const ConfigError& error) {
      return error.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return "";
  }

  testing::TempDir dir_;
  ConfigInputs inputs_;
  std::string env_file_text_;
};

// ---- Defaults ----------------------------------------------------------------

TEST_F(ConfigTest, DefaultsWithoutAnyInput) {
  const LoadedConfig config = load();
  const Settings& s = config.settings;
  EXPECT_EQ(s.database_url, "sqlite:///var/lib/bisk/bisk.db");
  EXPECT_EQ(s.runner_impl, "ffmpeg_all");
  EXPECT_EQ(s.runner_program, "");
  EXPECT_TRUE(s.strict_binaries);
  EXPECT_EQ(s.heartbeat_url, "http://127.0.0.1:8000/api/runner/heartbeat/");
  EXPECT_EQ(s.heartbeat_key, std::nullopt);
  EXPECT_EQ(s.snapshot_dir, "/var/lib/bisk/media/snapshots");
  EXPECT_EQ(s.media_dir, "/var/lib/bisk/media");
  EXPECT_EQ(s.gpu_index, std::nullopt);
  EXPECT_EQ(s.ffmpeg_bin, "ffmpeg");
  EXPECT_EQ(s.ffprobe_bin, "ffprobe");
  EXPECT_EQ(s.model_dir, "/usr/share/bisk/models");
  EXPECT_EQ(s.listen, "127.0.0.1:8000");
  EXPECT_EQ(s.time_zone_name, system_time_zone()->name());
  EXPECT_EQ(s.time_zone, system_time_zone());
  EXPECT_EQ(s.enforcer_interval, 15);
  EXPECT_EQ(s.enforcer_lock_file, "/run/bisk/enforcer.lock");
  EXPECT_EQ(s.stop_grace_s, 10);
  EXPECT_EQ(s.runner_silent_after_s, 45);
  EXPECT_EQ(s.spawn_rate, 5);
  EXPECT_EQ(s.log_dir, "/var/log/bisk");
  EXPECT_EQ(s.runner_log_max_bytes, 10485760u);
  EXPECT_EQ(s.node, host_name());
  EXPECT_EQ(s.node_role, "primary");
  EXPECT_EQ(s.secret_key, std::nullopt);
  EXPECT_EQ(s.env_file, "");
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_THAT(config.notes, IsEmpty());
}

TEST_F(ConfigTest, EntriesListEveryKeyInSpecOrder) {
  const LoadedConfig config = load();
  std::vector<std::string> keys;
  for (const auto& e : config.entries) {
    keys.push_back(e.key);
    EXPECT_EQ(e.source, ValueSource::kDefault) << e.key;
  }
  EXPECT_THAT(
      keys, ElementsAre("BISK_ENV_FILE", "BISK_DATABASE_URL", "BISK_RUNNER_IMPL", "BISK_RUNNER_PROGRAM",
                        "BISK_STRICT_BINARIES", "BISK_HEARTBEAT_URL", "BISK_HEARTBEAT_KEY", "BISK_SNAPSHOT_DIR",
                        "BISK_MEDIA_DIR", "BISK_GPU_INDEX", "BISK_FFMPEG_BIN", "BISK_FFPROBE_BIN", "BISK_MODEL_DIR",
                        "BISK_WEB_DIR", "BISK_LISTEN", "BISK_TIME_ZONE", "BISK_ENFORCER_INTERVAL",
                        "BISK_ENFORCER_LOCK_FILE", "BISK_STOP_GRACE", "BISK_RUNNER_SILENT_AFTER", "BISK_SPAWN_RATE",
                        "BISK_LOG_DIR", "BISK_RUNNER_LOG_MAX_BYTES", "BISK_NODE", "BISK_NODE_ROLE", "BISK_SECRET_KEY"));
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").value, "(none)");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_KEY").value, "(unset)");
  EXPECT_EQ(entry(config, "BISK_GPU_INDEX").value, "(unset)");
  EXPECT_EQ(entry(config, "BISK_SECRET_KEY").value, "(unset)");
  EXPECT_EQ(entry(config, "BISK_LISTEN").value, "127.0.0.1:8000");
  EXPECT_EQ(entry(config, "BISK_RUNNER_PROGRAM").value, "(unset)");
  EXPECT_EQ(entry(config, "BISK_STOP_GRACE").value, "10");
  EXPECT_EQ(entry(config, "BISK_RUNNER_SILENT_AFTER").value, "45");
  EXPECT_EQ(entry(config, "BISK_SPAWN_RATE").value, "5");
  EXPECT_EQ(entry(config, "BISK_RUNNER_LOG_MAX_BYTES").value, "10485760");
}

TEST(SourceNameTest, NamesEverySource) {
  EXPECT_EQ(source_name(ValueSource::kDefault), "default");
  EXPECT_EQ(source_name(ValueSource::kEnvFile), "env file");
  EXPECT_EQ(source_name(ValueSource::kEnvironment), "environment");
  EXPECT_EQ(source_name(ValueSource::kFlag), "flag");
}

// ---- The ops guide's example file --------------------------------------------

TEST_F(ConfigTest, OpsGuideExampleFile) {
  const std::string path = write_file("default.env",
                                      "DJANGO_SETTINGS_MODULE=bisk.settings\n"
                                      "BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one\n"
                                      "BISK_STRICT_BINARIES=1\n"
                                      "\n"
                                      "# Heartbeat envs consumed by settings.py\n"
                                      "BISK_HEARTBEAT_URL=http://127.0.0.1:8000/api/runner/heartbeat/\n"
                                      "BISK_HEARTBEAT_KEY=dev-key-change-me\n"
                                      "\n"
                                      "# Optional overrides:\n"
                                      "# BISK_SNAPSHOT_DIR=\n"
                                      "# BISK_GPU_INDEX=\n"
                                      "# BISK_FFPROBE_BIN=\n"
                                      "# BISK_FFMPEG_BIN=\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.env_file, path);
  EXPECT_EQ(config.settings.runner_impl, "ffmpeg_all");
  EXPECT_EQ(entry(config, "BISK_RUNNER_IMPL").source, ValueSource::kEnvFile);
  EXPECT_EQ(entry(config, "BISK_STRICT_BINARIES").source, ValueSource::kEnvFile);
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_URL").source, ValueSource::kEnvFile);
  EXPECT_EQ(config.settings.heartbeat_key, "dev-key-change-me");
  EXPECT_EQ(entry(config, "BISK_SNAPSHOT_DIR").source, ValueSource::kDefault);
  EXPECT_EQ(entry(config, "BISK_GPU_INDEX").source, ValueSource::kDefault);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").value, path);
  EXPECT_THAT(config.notes, ElementsAre(path + ":1: DJANGO_SETTINGS_MODULE is a setting of the Python system and is "
                                               "ignored; BISK has no equivalent"));
  EXPECT_THAT(config.warnings, ElementsAre(HasSubstr("public example value dev-key-change-me")));
}

// ---- Precedence --------------------------------------------------------------

TEST_F(ConfigTest, EachLayerOverridesTheOneBelow) {
  set(ValueSource::kEnvFile, "BISK_LISTEN", "10.0.0.1:1001");
  set(ValueSource::kEnvironment, "BISK_LISTEN", "10.0.0.2:1002");
  set(ValueSource::kFlag, "BISK_LISTEN", "10.0.0.3:1003");
  LoadedConfig config = load();
  EXPECT_EQ(config.settings.listen, "10.0.0.3:1003");
  EXPECT_EQ(entry(config, "BISK_LISTEN").source, ValueSource::kFlag);

  inputs_.flags.clear();
  config = load();
  EXPECT_EQ(config.settings.listen, "10.0.0.2:1002");
  EXPECT_EQ(entry(config, "BISK_LISTEN").source, ValueSource::kEnvironment);

  inputs_.environment.clear();
  config = load();
  EXPECT_EQ(config.settings.listen, "10.0.0.1:1001");
  EXPECT_EQ(entry(config, "BISK_LISTEN").source, ValueSource::kEnvFile);

  write_file("default.env", "");
  config = load();
  EXPECT_EQ(config.settings.listen, "127.0.0.1:8000");
  EXPECT_EQ(entry(config, "BISK_LISTEN").source, ValueSource::kDefault);
}

TEST_F(ConfigTest, LayersCombineKeyByKey) {
  set(ValueSource::kEnvFile, "BISK_RUNNER_IMPL", "ffmpeg_one");
  set(ValueSource::kEnvironment, "BISK_ENFORCER_INTERVAL", "30");
  set(ValueSource::kFlag, "BISK_GPU_INDEX", "2");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.runner_impl, "ffmpeg_one");
  EXPECT_EQ(config.settings.enforcer_interval, 30);
  EXPECT_EQ(config.settings.gpu_index, 2);
  EXPECT_EQ(entry(config, "BISK_RUNNER_IMPL").source, ValueSource::kEnvFile);
  EXPECT_EQ(entry(config, "BISK_ENFORCER_INTERVAL").source, ValueSource::kEnvironment);
  EXPECT_EQ(entry(config, "BISK_GPU_INDEX").source, ValueSource::kFlag);
  EXPECT_EQ(entry(config, "BISK_LISTEN").source, ValueSource::kDefault);
}

TEST_F(ConfigTest, EmptyValueUnsetsAnOptionalKeyFromAHigherLayer) {
  set(ValueSource::kEnvFile, "BISK_GPU_INDEX", "1");
  set(ValueSource::kEnvironment, "BISK_GPU_INDEX", "");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.gpu_index, std::nullopt);
  EXPECT_EQ(entry(config, "BISK_GPU_INDEX").value, "(unset)");
  EXPECT_EQ(entry(config, "BISK_GPU_INDEX").source, ValueSource::kEnvironment);
}

// ---- Which env file ----------------------------------------------------------

TEST_F(ConfigTest, DefaultEnvFileIsReadWhenPresent) {
  const std::string path = write_file("default.env", "BISK_NODE=from-default\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, "from-default");
  EXPECT_EQ(config.settings.env_file, path);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").value, path);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").source, ValueSource::kDefault);
}

TEST_F(ConfigTest, AbsentDefaultEnvFileIsSilentlySkipped) {
  inputs_.default_env_file = dir_.file("no/such/dir/bisk.env");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.env_file, "");
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_THAT(config.notes, IsEmpty());
}

TEST_F(ConfigTest, BiskEnvFileFromEnvironmentReplacesTheDefault) {
  write_file("default.env", "BISK_NODE=from-default\n");
  const std::string path = write_file("named.env", "BISK_NODE=from-named\n");
  inputs_.environment["BISK_ENV_FILE"] = path;
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, "from-named");
  EXPECT_EQ(config.settings.env_file, path);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").source, ValueSource::kEnvironment);
}

TEST_F(ConfigTest, EnvFileFlagBeatsBiskEnvFile) {
  write_file("default.env", "BISK_NODE=from-default\n");
  inputs_.environment["BISK_ENV_FILE"] = write_file("named.env", "BISK_NODE=from-named\n");
  const std::string path = write_file("flag.env", "BISK_NODE=from-flag\n");
  inputs_.env_file_flag = path;
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, "from-flag");
  EXPECT_EQ(config.settings.env_file, path);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").value, path);
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").source, ValueSource::kFlag);
  // The values of the file are still "env file" values.
  EXPECT_EQ(entry(config, "BISK_NODE").source, ValueSource::kEnvFile);
}

TEST_F(ConfigTest, BiskEnvFileAmongTheFlagsActsLikeEnvFileFlag) {
  inputs_.environment["BISK_ENV_FILE"] = write_file("named.env", "BISK_NODE=from-named\n");
  inputs_.flags["BISK_ENV_FILE"] = write_file("flag.env", "BISK_NODE=from-flag\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, "from-flag");
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").source, ValueSource::kFlag);
}

TEST_F(ConfigTest, EmptyEnvFileNameMeansNoEnvFile) {
  write_file("default.env", "BISK_NODE=from-default\n");
  inputs_.environment["BISK_ENV_FILE"] = "";
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, host_name());
  EXPECT_EQ(config.settings.env_file, "");
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").value, "(none)");
  EXPECT_EQ(entry(config, "BISK_ENV_FILE").source, ValueSource::kEnvironment);
}

TEST_F(ConfigTest, MissingExplicitEnvFileIsAnError) {
  for (bool by_flag : {true, false}) {
    ConfigInputs inputs = inputs_;
    const std::string path = dir_.file("typo.env");
    if (by_flag) {
      inputs.env_file_flag = path;
    } else {
      inputs.environment["BISK_ENV_FILE"] = path;
    }
    EXPECT_EQ(error(inputs), "cannot read env file " + path + ": No such file or directory");
  }
}

TEST_F(ConfigTest, UnreadableDefaultEnvFileIsAnError) {
  inputs_.default_env_file = dir_.path();  // exists, but a directory
  EXPECT_EQ(error(), "cannot read env file " + dir_.path() + ": Is a directory");
}

TEST_F(ConfigTest, DefaultEnvFileThatCannotBeCheckedIsAnError) {
  // Only a file that is not there is skipped; root can read anything, so a
  // symlink loop stands in for "permission denied".
  inputs_.default_env_file = dir_.file("loop.env");
  ASSERT_EQ(symlink(inputs_.default_env_file.c_str(), inputs_.default_env_file.c_str()), 0);
  EXPECT_EQ(error(), "cannot read env file " + inputs_.default_env_file + ": Too many levels of symbolic links");
}

TEST_F(ConfigTest, MalformedEnvFileIsAnError) {
  const std::string path = write_file("default.env", "BISK_LISTEN=1.2.3.4:5\nBISK_NODE \"x\"\n");
  EXPECT_EQ(error(), path + ":2: expected KEY=VALUE");
}

TEST_F(ConfigTest, BiskEnvFileInsideAnEnvFileIsIgnoredWithAWarning) {
  const std::string other = write_file("other.env", "BISK_NODE=other\n");
  const std::string path = write_file("default.env", "BISK_ENV_FILE=" + other + "\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.env_file, path);
  EXPECT_EQ(config.settings.node, host_name());
  EXPECT_THAT(config.warnings, ElementsAre(path + ":1: BISK_ENV_FILE has no effect inside an env file (ignored)"));
}

TEST_F(ConfigTest, DuplicateKeyInEnvFileWarns) {
  const std::string path = write_file("default.env", "BISK_NODE=a\nBISK_NODE=b\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.node, "b");
  EXPECT_THAT(config.warnings, ElementsAre(HasSubstr(path + ":2: BISK_NODE is set again")));
}

// ---- Deprecated names --------------------------------------------------------

class DeprecatedNameTest : public ConfigTest, public ::testing::WithParamInterface<ValueSource> {};

TEST_P(DeprecatedNameTest, OldUrlIsUsedWhenTheNewOneIsSetNowhere) {
  set(GetParam(), "BISK_RUNNER_HB_URL", "http://old.example:9000/hb/");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.heartbeat_url, "http://old.example:9000/hb/");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_URL").source, GetParam());
  ASSERT_EQ(config.warnings.size(), 1u);
  EXPECT_THAT(config.warnings[0], AllOf(HasSubstr("BISK_RUNNER_HB_URL is deprecated; rename it to BISK_HEARTBEAT_URL"),
                                        Not(HasSubstr("ignored"))));
}

TEST_P(DeprecatedNameTest, OldKeyIsUsedWhenTheNewOneIsSetNowhere) {
  set(GetParam(), "BISK_RUNNER_HB_KEY", "old-key-value");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.heartbeat_key, "old-key-value");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_KEY").value, "(set, hidden)");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_KEY").source, GetParam());
  EXPECT_THAT(config.warnings, ElementsAre(HasSubstr("BISK_RUNNER_HB_KEY is deprecated; rename it to "
                                                     "BISK_HEARTBEAT_KEY")));
}

TEST_P(DeprecatedNameTest, OldNameIsIgnoredWhenTheNewOneIsSetAtAnyLayer) {
  for (ValueSource new_layer : kLayers) {
    SCOPED_TRACE(std::string("new name in ") + std::string(source_name(new_layer)));
    env_file_text_.clear();
    write_file("default.env", "");
    inputs_.environment.clear();
    inputs_.flags.clear();
    set(GetParam(), "BISK_RUNNER_HB_URL", "http://old.example/hb/");
    set(new_layer, "BISK_HEARTBEAT_URL", "http://new.example/hb/");
    const LoadedConfig config = load();
    EXPECT_EQ(config.settings.heartbeat_url, "http://new.example/hb/");
    EXPECT_EQ(entry(config, "BISK_HEARTBEAT_URL").source, new_layer);
    EXPECT_THAT(config.warnings,
                ElementsAre(AllOf(HasSubstr("BISK_RUNNER_HB_URL is deprecated; rename it to BISK_HEARTBEAT_URL"),
                                  HasSubstr("BISK_RUNNER_HB_URL is ignored because BISK_HEARTBEAT_URL is set"))));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryLayer, DeprecatedNameTest, ::testing::ValuesIn(kLayers), [](const auto& info) {
  std::string name(source_name(info.param));
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
});

TEST_F(ConfigTest, DeprecatedNameWarningSaysWhereItIs) {
  const std::string path = write_file("default.env", "\nBISK_RUNNER_HB_URL=http://h/x/\n");
  const LoadedConfig config = load();
  EXPECT_THAT(config.warnings,
              ElementsAre(path + ":2: BISK_RUNNER_HB_URL is deprecated; rename it to BISK_HEARTBEAT_URL"));
}

TEST_F(ConfigTest, InvalidDeprecatedValueNamesTheOldSpelling) {
  set(ValueSource::kEnvironment, "BISK_RUNNER_HB_URL", "not-a-url");
  EXPECT_THAT(error(), HasSubstr("BISK_HEARTBEAT_URL=(hidden) (environment, as BISK_RUNNER_HB_URL): must be an "
                                 "http:// or https:// URL"));
}

// ---- Unknown and Python-era names ----------------------------------------------

TEST_F(ConfigTest, UnknownBiskKeyInEnvFileWarnsWithSuggestion) {
  const std::string path = write_file("default.env", "BISK_LISTN=0.0.0.0:80\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.listen, "127.0.0.1:8000");
  EXPECT_THAT(config.warnings,
              ElementsAre(path + ":1: unknown setting BISK_LISTN (ignored); did you mean BISK_LISTEN?"));
}

TEST_F(ConfigTest, UnknownBiskKeyInEnvironmentWarnsWithSuggestion) {
  inputs_.environment["BISK_HEARTBEAT_UR"] = "http://h/";
  EXPECT_THAT(
      load().warnings,
      ElementsAre("environment: unknown setting BISK_HEARTBEAT_UR (ignored); did you mean BISK_HEARTBEAT_URL?"));
}

TEST_F(ConfigTest, LowerCaseBiskKeyInEnvFileIsSuggestedItsSpelling) {
  write_file("default.env", "bisk_node=x\n");
  EXPECT_THAT(load().warnings, ElementsAre(HasSubstr("unknown setting bisk_node (ignored); did you mean BISK_NODE?")));
}

TEST_F(ConfigTest, FarFetchedUnknownKeyGetsNoSuggestion) {
  inputs_.environment["BISK_COMPLETELY_DIFFERENT"] = "1";
  EXPECT_THAT(load().warnings, ElementsAre("environment: unknown setting BISK_COMPLETELY_DIFFERENT (ignored)"));
}

TEST_F(ConfigTest, TestSuiteVariablesAndOtherProgramsVariablesAreQuiet) {
  inputs_.environment = {{"BISK_TEST_PG_URL", "postgresql://x"}, {"PATH", "/usr/bin"}, {"OMP_NUM_THREADS", "4"}};
  const LoadedConfig config = load();
  EXPECT_THAT(config.warnings, IsEmpty());
  EXPECT_THAT(config.notes, IsEmpty());
}

TEST_F(ConfigTest, DjangoSettingsModuleInEnvironmentIsNoted) {
  inputs_.environment["DJANGO_SETTINGS_MODULE"] = "bisk.settings";
  EXPECT_THAT(load().notes, ElementsAre("environment: DJANGO_SETTINGS_MODULE is a setting of the Python system and "
                                        "is ignored; BISK has no equivalent"));
}

TEST_F(ConfigTest, PythonEraKeysInEnvFileAreNotedNotMapped) {
  const std::string path = write_file("default.env",
                                      "ENFORCER_LOCK_FILE=/tmp/old.lock\n"
                                      "ENFORCER_INTERVAL_SECONDS=60\n"
                                      "OMP_NUM_THREADS=1\n"
                                      "OPENBLAS_NUM_THREADS=1\n"
                                      "MKL_NUM_THREADS=1\n"
                                      "BISK_PREFER_SUBSTREAM=1\n");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.enforcer_lock_file, "/run/bisk/enforcer.lock");
  EXPECT_EQ(config.settings.enforcer_interval, 15);
  EXPECT_THAT(config.warnings, IsEmpty());
  const std::string ignored = " is a setting of the Python system and is ignored";
  EXPECT_THAT(config.notes,
              ElementsAre(path + ":1: ENFORCER_LOCK_FILE" + ignored + "; use BISK_ENFORCER_LOCK_FILE",
                          path + ":2: ENFORCER_INTERVAL_SECONDS" + ignored + "; use BISK_ENFORCER_INTERVAL",
                          path + ":3: OMP_NUM_THREADS" + ignored + "; BISK has no equivalent",
                          path + ":4: OPENBLAS_NUM_THREADS" + ignored + "; BISK has no equivalent",
                          path + ":5: MKL_NUM_THREADS" + ignored + "; BISK has no equivalent",
                          path + ":6: BISK_PREFER_SUBSTREAM" + ignored + "; BISK has no equivalent"));
}

TEST_F(ConfigTest, OtherNamesInEnvFileAreNoted) {
  const std::string path = write_file("default.env", "LANG=C.UTF-8\n");
  EXPECT_THAT(load().notes, ElementsAre(path + ":1: LANG is not a BISK setting (ignored)"));
}

// ---- Validation --------------------------------------------------------------

struct Case {
  std::string key;
  std::string value;
  std::string problem;  // empty: valid
};

std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.key << "=" << c.value; }

class ValidationTest : public ConfigTest, public ::testing::WithParamInterface<Case> {};

TEST_P(ValidationTest, ChecksTheValue) {
  const Case& c = GetParam();
  inputs_.environment[c.key] = c.value;
  if (c.problem.empty()) {
    EXPECT_NO_THROW(load());
  } else {
    EXPECT_EQ(error(), c.key + "=" + c.value + " (environment): " + c.problem);
  }
}

const std::string kDatabaseProblem = "must be sqlite:///path/to/file.db or postgresql://user:password@host/database";
const std::string kHeartbeatProblem =
    "must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000/api/runner/heartbeat/";
const std::string kListenProblem = "must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:8000 or [::1]:8000";
const std::string kIntervalProblem = "must be a whole number of seconds from 1 to 3600";
const std::string kGpuProblem = "must be a GPU index from 0 to 63";
const std::string kBoolProblem = "must be 1 or 0 (true/false and yes/no are accepted too)";
const std::string kNodeProblem = "must be letters, digits, '.', '_' and '-' only";
const std::string kEmpty = "must not be empty (remove it to get the default)";
const std::string kProgramProblem = "must be an absolute path (or unset: this bisk executable, subcommand runner)";
const std::string kGraceProblem = "must be a whole number of seconds from 1 to 300";
const std::string kRateProblem = "must be a whole number of runner starts per second from 1 to 100";
const std::string kLogBytesProblem = "must be a whole number of bytes, at least 65536";

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidationTest,
    ::testing::Values(
        Case{"BISK_RUNNER_IMPL", "ffmpeg_one", ""}, Case{"BISK_RUNNER_IMPL", "ffmpeg_all", ""},
        Case{"BISK_RUNNER_IMPL", "foo", "must be ffmpeg_all or ffmpeg_one"},
        Case{"BISK_RUNNER_IMPL", "FFMPEG_ALL", "must be ffmpeg_all or ffmpeg_one"},
        Case{"BISK_STRICT_BINARIES", "0", ""}, Case{"BISK_STRICT_BINARIES", "TRUE", ""},
        Case{"BISK_STRICT_BINARIES", "No", ""}, Case{"BISK_STRICT_BINARIES", "yes", ""},
        Case{"BISK_STRICT_BINARIES", "2", kBoolProblem}, Case{"BISK_STRICT_BINARIES", "on", kBoolProblem},
        Case{"BISK_DATABASE_URL", "sqlite:///tmp/x.db", ""}, Case{"BISK_DATABASE_URL", "postgresql://h/db", ""},
        Case{"BISK_DATABASE_URL", "postgres://u@h:5432/db", ""}, Case{"BISK_DATABASE_URL", "SQLite:///x.db", ""},
        Case{"BISK_DATABASE_URL", "mysql://h/db", kDatabaseProblem},
        Case{"BISK_DATABASE_URL", "sqlite://", kDatabaseProblem},
        Case{"BISK_HEARTBEAT_URL", "https://bisk.example:8443/api/runner/heartbeat/", ""},
        Case{"BISK_HEARTBEAT_URL", "http://[::1]:8000/hb/", ""}, Case{"BISK_HEARTBEAT_URL", "http://h", ""},
        Case{"BISK_HEARTBEAT_URL", "ftp://h/hb/", kHeartbeatProblem},
        Case{"BISK_HEARTBEAT_URL", "http:///hb/", kHeartbeatProblem},
        Case{"BISK_HEARTBEAT_URL", "http://h:99999/hb/", kHeartbeatProblem}, Case{"BISK_GPU_INDEX", "0", ""},
        Case{"BISK_GPU_INDEX", "63", ""}, Case{"BISK_GPU_INDEX", "", ""}, Case{"BISK_GPU_INDEX", "64", kGpuProblem},
        Case{"BISK_GPU_INDEX", "-1", kGpuProblem}, Case{"BISK_GPU_INDEX", "0,1", kGpuProblem},
        Case{"BISK_GPU_INDEX", "cuda:0", kGpuProblem}, Case{"BISK_LISTEN", "0.0.0.0:8000", ""},
        Case{"BISK_LISTEN", "[::1]:8000", ""}, Case{"BISK_LISTEN", "[::]:1", ""},
        Case{"BISK_LISTEN", "localhost:65535", ""}, Case{"BISK_LISTEN", "8000", kListenProblem},
        Case{"BISK_LISTEN", ":8000", kListenProblem}, Case{"BISK_LISTEN", "h:0", kListenProblem},
        Case{"BISK_LISTEN", "h:65536", kListenProblem}, Case{"BISK_LISTEN", "h:80x", kListenProblem},
        Case{"BISK_LISTEN", "[::1]", kListenProblem}, Case{"BISK_LISTEN", "::1:8000", kListenProblem},
        Case{"BISK_LISTEN", "[::1:8000", kListenProblem}, Case{"BISK_TIME_ZONE", "Europe/Berlin", ""},
        Case{"BISK_TIME_ZONE", "UTC", ""},
        Case{"BISK_TIME_ZONE", "Mars/Olympus_Mons",
             "unknown time zone; use an IANA name such as Europe/Berlin (see `timedatectl list-timezones`)"},
        Case{"BISK_ENFORCER_INTERVAL", "1", ""}, Case{"BISK_ENFORCER_INTERVAL", "3600", ""},
        Case{"BISK_ENFORCER_INTERVAL", "0", kIntervalProblem}, Case{"BISK_ENFORCER_INTERVAL", "3601", kIntervalProblem},
        Case{"BISK_ENFORCER_INTERVAL", "15s", kIntervalProblem},
        Case{"BISK_ENFORCER_INTERVAL", " 15", kIntervalProblem}, Case{"BISK_NODE", "cam-host_1.lan", ""},
        Case{"BISK_NODE", "two words", kNodeProblem}, Case{"BISK_NODE", "a/b", kNodeProblem},
        Case{"BISK_NODE_ROLE", "secondary", ""}, Case{"BISK_NODE_ROLE", "primary", ""},
        Case{"BISK_NODE_ROLE", "tertiary", "must be primary or secondary"}, Case{"BISK_HEARTBEAT_KEY", "", ""},
        Case{"BISK_SECRET_KEY", "", ""}, Case{"BISK_DATABASE_URL", "", kEmpty}, Case{"BISK_RUNNER_IMPL", "", kEmpty},
        Case{"BISK_STRICT_BINARIES", "", kEmpty}, Case{"BISK_HEARTBEAT_URL", "", kEmpty},
        Case{"BISK_SNAPSHOT_DIR", "", kEmpty}, Case{"BISK_MEDIA_DIR", "", kEmpty}, Case{"BISK_FFMPEG_BIN", "", kEmpty},
        Case{"BISK_FFPROBE_BIN", "", kEmpty}, Case{"BISK_MODEL_DIR", "", kEmpty}, Case{"BISK_WEB_DIR", "", kEmpty},
        Case{"BISK_LISTEN", "", kEmpty}, Case{"BISK_TIME_ZONE", "", kEmpty}, Case{"BISK_ENFORCER_INTERVAL", "", kEmpty},
        Case{"BISK_ENFORCER_LOCK_FILE", "", kEmpty}, Case{"BISK_LOG_DIR", "", kEmpty}, Case{"BISK_NODE", "", kEmpty},
        Case{"BISK_NODE_ROLE", "", kEmpty}, Case{"BISK_RUNNER_PROGRAM", "/usr/bin/bisk", ""},
        Case{"BISK_RUNNER_PROGRAM", "", ""}, Case{"BISK_RUNNER_PROGRAM", "bisk", kProgramProblem},
        Case{"BISK_RUNNER_PROGRAM", "./build/src/bisk", kProgramProblem},
        Case{"BISK_RUNNER_PROGRAM", " /usr/bin/bisk", kProgramProblem}, Case{"BISK_STOP_GRACE", "1", ""},
        Case{"BISK_STOP_GRACE", "300", ""}, Case{"BISK_STOP_GRACE", "0", kGraceProblem},
        Case{"BISK_STOP_GRACE", "301", kGraceProblem}, Case{"BISK_STOP_GRACE", "10s", kGraceProblem},
        Case{"BISK_STOP_GRACE", "", kEmpty}, Case{"BISK_RUNNER_SILENT_AFTER", "1", ""},
        Case{"BISK_RUNNER_SILENT_AFTER", "3600", ""}, Case{"BISK_RUNNER_SILENT_AFTER", "0", kIntervalProblem},
        Case{"BISK_RUNNER_SILENT_AFTER", "3601", kIntervalProblem},
        Case{"BISK_RUNNER_SILENT_AFTER", "-45", kIntervalProblem}, Case{"BISK_RUNNER_SILENT_AFTER", "", kEmpty},
        Case{"BISK_SPAWN_RATE", "1", ""}, Case{"BISK_SPAWN_RATE", "100", ""},
        Case{"BISK_SPAWN_RATE", "0", kRateProblem}, Case{"BISK_SPAWN_RATE", "101", kRateProblem},
        Case{"BISK_SPAWN_RATE", "2.5", kRateProblem}, Case{"BISK_SPAWN_RATE", "", kEmpty},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "65536", ""}, Case{"BISK_RUNNER_LOG_MAX_BYTES", "18446744073709551615", ""},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "65535", kLogBytesProblem},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "0", kLogBytesProblem},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "-1", kLogBytesProblem},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "18446744073709551616", kLogBytesProblem},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "10M", kLogBytesProblem},
        Case{"BISK_RUNNER_LOG_MAX_BYTES", "+65536", kLogBytesProblem}, Case{"BISK_RUNNER_LOG_MAX_BYTES", "", kEmpty}));

TEST_F(ConfigTest, ValidValuesAreConverted) {
  inputs_.environment = {{"BISK_STRICT_BINARIES", "no"},
                         {"BISK_GPU_INDEX", "3"},
                         {"BISK_ENFORCER_INTERVAL", "45"},
                         {"BISK_TIME_ZONE", "Asia/Baghdad"},
                         {"BISK_NODE_ROLE", "secondary"},
                         {"BISK_SECRET_KEY", "k"},
                         {"BISK_FFMPEG_BIN", "/opt/ff/ffmpeg"},
                         {"BISK_RUNNER_PROGRAM", "/opt/bisk/runner"},
                         {"BISK_STOP_GRACE", "30"},
                         {"BISK_RUNNER_SILENT_AFTER", "120"},
                         {"BISK_SPAWN_RATE", "20"},
                         {"BISK_RUNNER_LOG_MAX_BYTES", "1048576"}};
  const Settings s = load().settings;
  EXPECT_FALSE(s.strict_binaries);
  EXPECT_EQ(s.gpu_index, 3);
  EXPECT_EQ(s.enforcer_interval, 45);
  EXPECT_EQ(s.time_zone_name, "Asia/Baghdad");
  EXPECT_EQ(s.time_zone, find_time_zone("Asia/Baghdad"));
  EXPECT_EQ(s.node_role, "secondary");
  EXPECT_EQ(s.secret_key, "k");
  EXPECT_EQ(s.ffmpeg_bin, "/opt/ff/ffmpeg");
  EXPECT_EQ(s.runner_program, "/opt/bisk/runner");
  EXPECT_EQ(s.stop_grace_s, 30);
  EXPECT_EQ(s.runner_silent_after_s, 120);
  EXPECT_EQ(s.spawn_rate, 20);
  EXPECT_EQ(s.runner_log_max_bytes, 1048576u);
}

TEST_F(ConfigTest, EnforcerKeysComeFromEveryLayer) {
  set(ValueSource::kEnvFile, "BISK_STOP_GRACE", "20");
  set(ValueSource::kEnvFile, "BISK_SPAWN_RATE", "2");
  set(ValueSource::kEnvironment, "BISK_SPAWN_RATE", "3");
  set(ValueSource::kFlag, "BISK_RUNNER_PROGRAM", "/usr/local/bin/bisk");
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.stop_grace_s, 20);
  EXPECT_EQ(config.settings.spawn_rate, 3);
  EXPECT_EQ(entry(config, "BISK_STOP_GRACE").source, ValueSource::kEnvFile);
  EXPECT_EQ(entry(config, "BISK_SPAWN_RATE").source, ValueSource::kEnvironment);
  EXPECT_EQ(entry(config, "BISK_RUNNER_PROGRAM").source, ValueSource::kFlag);
  EXPECT_EQ(entry(config, "BISK_RUNNER_PROGRAM").value, "/usr/local/bin/bisk");
  EXPECT_THAT(render_config(config),
              AllOf(HasSubstr("BISK_STOP_GRACE=20"), HasSubstr("BISK_SPAWN_RATE=3"),
                    HasSubstr("BISK_RUNNER_PROGRAM=/usr/local/bin/bisk"), HasSubstr("BISK_RUNNER_SILENT_AFTER=45"),
                    HasSubstr("BISK_RUNNER_LOG_MAX_BYTES=10485760")));
}

TEST_F(ConfigTest, BadEnforcerKeyFromEnvFileNamesTheLine) {
  const std::string path = write_file("default.env", "BISK_NODE=a\nBISK_SPAWN_RATE=500\n");
  EXPECT_EQ(error(), "BISK_SPAWN_RATE=500 (env file " + path + ":2): " + kRateProblem);
}

TEST_F(ConfigTest, EveryProblemIsReportedInOneError) {
  const std::string path = write_file("default.env", "BISK_RUNNER_IMPL=foo\nBISK_LISTN=1\n");
  inputs_.environment = {{"BISK_ENFORCER_INTERVAL", "0"}, {"BISK_TIME_ZONE", "Nowhere/Land"}};
  inputs_.flags = {{"BISK_NODE_ROLE", "boss"}};
  EXPECT_EQ(error(), "BISK_RUNNER_IMPL=foo (env file " + path + ":1): must be ffmpeg_all or ffmpeg_one\n" +
                         "BISK_TIME_ZONE=Nowhere/Land (environment): unknown time zone; use an IANA name such as "
                         "Europe/Berlin (see `timedatectl list-timezones`)\n"
                         "BISK_ENFORCER_INTERVAL=0 (environment): " +
                         kIntervalProblem +
                         "\n"
                         "BISK_NODE_ROLE=boss (flag): must be primary or secondary\n"
                         "warning: " +
                         path + ":2: unknown setting BISK_LISTN (ignored); did you mean BISK_LISTEN?");
}

TEST_F(ConfigTest, ExampleHeartbeatKeyIsAcceptedWithALoudWarning) {
  inputs_.flags["BISK_HEARTBEAT_KEY"] = "dev-key-change-me";
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.heartbeat_key, "dev-key-change-me");
  EXPECT_THAT(config.warnings, ElementsAre("BISK_HEARTBEAT_KEY is the public example value dev-key-change-me: anyone "
                                           "who can reach the API can post heartbeats; set a random key, e.g. "
                                           "`openssl rand -hex 32`"));
}

// ---- Secrets -----------------------------------------------------------------

TEST_F(ConfigTest, SecretsNeverAppearInEntriesWarningsOrRendering) {
  write_file("default.env",
             "BISK_HEARTBEAT_KEY=s3cr3t-hb\n"
             "BISK_RUNNER_HB_KEY=s3cr3t-old\n"
             "BISK_SECRET_KEY=\"s3cr3t-session\"\n"
             "BISK_HEARTBEAT_KY=s3cr3t-typo\n"
             "BISK_DATABASE_URL=postgresql://bisk:s3cr3t-db@db.lan/bisk\n");
  inputs_.environment["BISK_HEARTBEAT_URL"] = "https://runner:s3cr3t-url@hb.lan/api/runner/heartbeat/";
  const LoadedConfig config = load();
  EXPECT_EQ(config.settings.heartbeat_key, "s3cr3t-hb");
  EXPECT_EQ(config.settings.database_url, "postgresql://bisk:s3cr3t-db@db.lan/bisk");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_KEY").value, "(set, hidden)");
  EXPECT_EQ(entry(config, "BISK_SECRET_KEY").value, "(set, hidden)");
  EXPECT_EQ(entry(config, "BISK_DATABASE_URL").value, "postgresql://bisk:***@db.lan/bisk");
  EXPECT_EQ(entry(config, "BISK_HEARTBEAT_URL").value, "https://runner:***@hb.lan/api/runner/heartbeat/");
  EXPECT_THAT(all_text(config), Not(HasSubstr("s3cr3t")));
}

TEST_F(ConfigTest, SecretsNeverAppearInErrors) {
  write_file("default.env",
             "BISK_HEARTBEAT_KEY=s3cr3t-hb\n"
             "BISK_RUNNER_HB_KEY=s3cr3t-old\n"
             "BISK_SECRET_KEY=s3cr3t-session\n"
             "BISK_DATABASE_URL=mysql://bisk:s3cr3t-db@db.lan/bisk\n");
  inputs_.environment["BISK_HEARTBEAT_URL"] = "ftp://runner:s3cr3t-url@hb.lan/";
  const std::string message = error();
  EXPECT_THAT(message,
              AllOf(HasSubstr("BISK_DATABASE_URL=mysql://bisk:***@db.lan/bisk (env file"),
                    HasSubstr("BISK_HEARTBEAT_URL=ftp://runner:***@hb.lan/ (environment)"), Not(HasSubstr("s3cr3t"))));
}

TEST_F(ConfigTest, UrlsWithoutSchemeAreNotShownAtAll) {
  inputs_.environment["BISK_DATABASE_URL"] = "bisk:s3cr3t@db.lan/bisk";
  EXPECT_EQ(error(), "BISK_DATABASE_URL=(hidden) (environment): " + kDatabaseProblem);
}

TEST_F(ConfigTest, RawPasswordsInUrlsAreMasked) {
  inputs_.flags["BISK_HEARTBEAT_URL"] = "ftp://runner:s3/cr3t@hb.lan/";  // an unencoded '/' in the password
  EXPECT_THAT(error(), AllOf(HasSubstr("BISK_HEARTBEAT_URL=ftp://runner:***@hb.lan/ (flag)"), Not(HasSubstr("cr3t"))));
}

TEST_F(ConfigTest, UrlsWithoutPasswordAreShownAsTheyAre) {
  inputs_.environment["BISK_DATABASE_URL"] = "postgresql://bisk@db.lan/bisk";
  EXPECT_EQ(entry(load(), "BISK_DATABASE_URL").value, "postgresql://bisk@db.lan/bisk");
}

// ---- Derived and machine defaults ----------------------------------------------

TEST_F(ConfigTest, SnapshotDirFollowsTheMediaDir) {
  set(ValueSource::kEnvFile, "BISK_MEDIA_DIR", "/srv/media");
  LoadedConfig config = load();
  EXPECT_EQ(config.settings.snapshot_dir, "/srv/media/snapshots");
  EXPECT_EQ(entry(config, "BISK_SNAPSHOT_DIR").value, "/srv/media/snapshots");
  EXPECT_EQ(entry(config, "BISK_SNAPSHOT_DIR").source, ValueSource::kDefault);

  set(ValueSource::kFlag, "BISK_MEDIA_DIR", "/data/media/");
  EXPECT_EQ(load().settings.snapshot_dir, "/data/media/snapshots");

  set(ValueSource::kEnvironment, "BISK_SNAPSHOT_DIR", "/fast/snaps");
  config = load();
  EXPECT_EQ(config.settings.snapshot_dir, "/fast/snaps");
  EXPECT_EQ(config.settings.media_dir, "/data/media/");
  EXPECT_EQ(entry(config, "BISK_SNAPSHOT_DIR").source, ValueSource::kEnvironment);
}

TEST_F(ConfigTest, TimeZoneDefaultsToTheSystemZone) {
  const LoadedConfig config = load();
  EXPECT_EQ(entry(config, "BISK_TIME_ZONE").value, system_time_zone()->name());
  EXPECT_EQ(entry(config, "BISK_TIME_ZONE").source, ValueSource::kDefault);
}

TEST_F(ConfigTest, BadTimeZoneFromEnvFileNamesTheLine) {
  const std::string path = write_file("default.env", "\n\nBISK_TIME_ZONE=Asia/Bagdad\n");
  EXPECT_THAT(error(), AllOf(HasSubstr("BISK_TIME_ZONE=Asia/Bagdad (env file " + path + ":3): unknown time zone"),
                             HasSubstr("Europe/Berlin"), HasSubstr("timedatectl list-timezones")));
}

TEST_F(ConfigTest, NodeDefaultsToTheHostName) {
  const LoadedConfig config = load();
  EXPECT_EQ(entry(config, "BISK_NODE").value, host_name());
  EXPECT_EQ(entry(config, "BISK_NODE_ROLE").value, "primary");
}

// ---- Rendering ---------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(ConfigTest, RenderAlignsSourcesAndListsFileWarningsAndNotes) {
  const std::string path = write_file("default.env",
                                      "DJANGO_SETTINGS_MODULE=bisk.settings\n"
                                      "BISK_RUNNER_IMPL=ffmpeg_one   # comment\n"
                                      "BISK_FOO=1\n");
  inputs_.flags["BISK_LISTEN"] = "0.0.0.0:8000";
  const LoadedConfig config = load();
  const std::vector<std::string> lines = lines_of(render_config(config));
  ASSERT_EQ(lines.size(), config.entries.size() + 4);
  const size_t column = lines[0].find("  # ");
  for (size_t i = 0; i < config.entries.size(); ++i) {
    EXPECT_EQ(lines[i].find("  # "), column) << lines[i];
    EXPECT_TRUE(lines[i].starts_with(config.entries[i].key + "=" + config.entries[i].value)) << lines[i];
  }
  EXPECT_TRUE(lines[0].starts_with("BISK_ENV_FILE=" + path + " ")) << lines[0];
  EXPECT_THAT(lines, Contains(HasSubstr("BISK_RUNNER_IMPL=ffmpeg_one")));
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr("BISK_RUNNER_IMPL=ffmpeg_one "), HasSubstr("  # env file"))));
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr("BISK_LISTEN=0.0.0.0:8000 "), HasSubstr("  # flag"))));
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr("BISK_LOG_DIR=/var/log/bisk "), HasSubstr("  # default"))));
  const size_t footer = config.entries.size();
  EXPECT_EQ(lines[footer], "");
  EXPECT_EQ(lines[footer + 1], "env file: " + path);
  EXPECT_EQ(lines[footer + 2], "warning: " + path + ":3: unknown setting BISK_FOO (ignored)");
  EXPECT_EQ(lines[footer + 3], "note: " + path +
                                   ":1: DJANGO_SETTINGS_MODULE is a setting of the Python system and is ignored; "
                                   "BISK has no equivalent");
}

TEST_F(ConfigTest, RenderSaysWhenThereIsNoEnvFile) {
  const std::string text = render_config(load());
  EXPECT_THAT(text, HasSubstr("\nno env file\n"));
  EXPECT_THAT(text, HasSubstr("BISK_ENV_FILE=(none)"));
  EXPECT_THAT(text, Not(HasSubstr("warning: ")));
}

// ---- The process environment ---------------------------------------------------

TEST(CurrentEnvironmentTest, ReadsTheProcessEnvironment) {
  ASSERT_EQ(setenv("BISK_TEST_CONFIG_PROBE", "a=b c", 1), 0);
  const auto environment = current_environment();
  unsetenv("BISK_TEST_CONFIG_PROBE");
  ASSERT_TRUE(environment.contains("BISK_TEST_CONFIG_PROBE"));
  EXPECT_EQ(environment.at("BISK_TEST_CONFIG_PROBE"), "a=b c");
  EXPECT_FALSE(current_environment().contains("BISK_TEST_CONFIG_PROBE"));
}

}  // namespace
}  // namespace bisk
