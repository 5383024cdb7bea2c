// The `bisk` executable as an operator uses it: a real process, a real SQLite
// file or PostgreSQL server, real exit codes and output.

#include <fstream>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/subprocess.h"
#include "testing/test_databases.h"

namespace bisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CommandLineTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  CommandLineTest() : database_(GetParam()) { std::ofstream(home_.file("bisk.env")) << "# empty env file for tests\n"; }

  std::map<std::string, std::string> environment() const {
    return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},  {"HOME", home_.path()},
            {"BISK_ENV_FILE", home_.file("bisk.env")}, {"BISK_DATABASE_URL", database_.url()},
            {"BISK_TIME_ZONE", "Europe/Berlin"},       {"BISK_NODE", "test-node"}};
  }

  ProcessResult bisk(std::vector<std::string> args, const std::string& stdin_text = "",
                     std::map<std::string, std::string> extra_env = {}) {
    args.insert(args.begin(), BISK_BINARY);
    auto env = environment();
    for (auto& [key, value] : extra_env) env[key] = value;
    ProcessResult result = run_process(args, env, stdin_text);
    EXPECT_FALSE(result.timed_out) << "bisk timed out";
    return result;
  }

  // Runs a command that must succeed and returns its standard output.
  std::string ok(std::vector<std::string> args, const std::string& stdin_text = "") {
    auto result = bisk(args, stdin_text);
    EXPECT_EQ(result.exit_code, 0) << "stdout: " << result.out << "\nstderr: " << result.err;
    return result.out;
  }

  nlohmann::json ok_json(std::vector<std::string> args) {
    args.push_back("--json");
    return nlohmann::json::parse(ok(args));
  }

  void migrate() { ok({"migrate"}); }

  TempDir home_;
  TestDatabase database_;
};

TEST_P(CommandLineTest, MigrateTwiceSecondRunChangesNothing) {
  const auto first = bisk({"migrate"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("Applied 2 migration(s)"));
  EXPECT_THAT(first.out, HasSubstr("0001_initial"));
  const auto second = bisk({"migrate"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("up to date at version 2; nothing to do"));
}

TEST_P(CommandLineTest, DataCommandsRefuseAnUnmigratedDatabaseAndNameTheFix) {
  const auto result = bisk({"camera", "list"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("bisk migrate"));
}

TEST_P(CommandLineTest, UnknownFlagIsAUsageErrorWithExitTwo) {
  migrate();
  const auto result = bisk({"camera", "add", "--nmae", "Gate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--nmae"));
  EXPECT_THAT(result.err, HasSubstr("Usage"));
  EXPECT_EQ(bisk({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(bisk({}).exit_code, 2);
}

TEST_P(CommandLineTest, InvalidFieldValuesExitTwoAndNameTheField) {
  migrate();
  auto result = bisk({"profile", "add", "--name", "HD", "--fps", "fast"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--fps: 'fast' is not a number"));
  result = bisk({"profile", "add", "--name", "HD", "--det_set", "999"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("det_set"));
  result = bisk({"camera", "add", "--name", "Gate", "--url", "rtsp://h/s", "--rtsp_transport", "tpc"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("rtsp_transport"));
  EXPECT_THAT(ok({"camera", "list"}), Not(HasSubstr("Gate")));
}

TEST_P(CommandLineTest, CameraPasswordIsNeverPrinted) {
  migrate();
  const std::string url = "rtsp://admin:S3cret-pw@10.0.0.5:554/stream1";
  const auto added = bisk({"camera", "add", "--name", "Gate", "--url", "-", "--location", "Main door"}, url + "\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_THAT(added.err, Not(HasSubstr("warning")));
  const std::string list = ok({"camera", "list"});
  const std::string show = ok({"camera", "show", "Gate"});
  const std::string show_json = ok({"camera", "show", "Gate", "--json"});
  for (const auto& output : {added.out, list, show, show_json}) {
    EXPECT_THAT(output, Not(HasSubstr("S3cret-pw")));
  }
  EXPECT_THAT(list, HasSubstr("rtsp://admin:***@10.0.0.5:554/stream1"));

  const auto on_command_line = bisk({"camera", "add", "--name", "Back", "--url", url});
  ASSERT_EQ(on_command_line.exit_code, 0);
  EXPECT_THAT(on_command_line.err, HasSubstr("--url -"));
  EXPECT_THAT(on_command_line.err + on_command_line.out, Not(HasSubstr("S3cret-pw")));
}

TEST_P(CommandLineTest, CameraCrudRoundTripAndUpdateChangesOnlyGivenFields) {
  migrate();
  ok({"period-template", "add", "--name", "P1", "--start", "08:00", "--end", "08:45"});
  ok({"camera", "add", "--name", "Gate", "--url", "rtsp://cam/1", "--location", "Door", "--rtsp_transport", "tcp",
      "--period_template_ids", "1", "--node", "host-b"});
  auto camera = ok_json({"camera", "show", "Gate"});
  EXPECT_EQ(camera["name"], "Gate");
  EXPECT_EQ(camera["location"], "Door");
  EXPECT_EQ(camera["rtsp_transport"], "tcp");
  EXPECT_EQ(camera["period_template_ids"], nlohmann::json::array({1}));
  EXPECT_EQ(camera["node"], "host-b");
  EXPECT_EQ(camera["is_active"], true);

  ok({"camera", "update", "Gate", "--location", "Side door", "--is-active", "false", "--node", "none"});
  camera = ok_json({"camera", "show", std::to_string(camera["id"].get<int>())});
  EXPECT_EQ(camera["location"], "Side door");
  EXPECT_EQ(camera["is_active"], false);
  EXPECT_TRUE(camera["node"].is_null());
  EXPECT_EQ(camera["rtsp_transport"], "tcp");  // untouched

  EXPECT_EQ(bisk({"camera", "update", "Gate"}).exit_code, 2);  // nothing to update
  ok({"camera", "delete", "Gate"});
  const auto missing = bisk({"camera", "show", "Gate"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("does not exist"));
}

TEST_P(CommandLineTest, DuplicateNamesAreConflicts) {
  migrate();
  ok({"profile", "add", "--name", "HD"});
  const auto again = bisk({"profile", "add", "--name", "HD"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
}

TEST_P(CommandLineTest, PolicyWindowsExceptionsAndOverlapValidation) {
  migrate();
  ok({"profile", "add", "--name", "HD", "--fps", "4"});
  ok({"camera", "add", "--name", "Gate", "--url", "rtsp://cam/1"});
  ok({"policy", "add", "--name", "Main", "--camera_ids", "1", "--window", "mon-fri,08:00,12:00,HD", "--window",
      "sun,22:00,02:00,1", "--exception", "2026-12-25"});
  auto policy = ok_json({"policy", "show", "Main"});
  EXPECT_EQ(policy["windows"].size(), 6u);
  EXPECT_EQ(policy["exceptions"][0]["date"], "2026-12-25");
  EXPECT_EQ(policy["camera_ids"], nlohmann::json::array({1}));
  EXPECT_THAT(ok({"policy", "list"}), HasSubstr("Mon-Fri 08:00-12:00 profile 1; Sun 22:00-02:00 profile 1"));

  const auto overlap =
      bisk({"policy", "update", "Main", "--window", "mon,08:00,12:00,HD", "--window", "mon,11:00,13:00,HD"});
  EXPECT_EQ(overlap.exit_code, 2);
  EXPECT_THAT(overlap.err, HasSubstr("overlaps"));
  EXPECT_EQ(ok_json({"policy", "show", "Main"})["windows"].size(), 6u);  // unchanged

  const auto unknown_profile = bisk({"policy", "update", "Main", "--window", "mon,08:00,12:00,Nope"});
  EXPECT_EQ(unknown_profile.exit_code, 2);
  EXPECT_THAT(unknown_profile.err, HasSubstr("profile 'Nope' does not exist"));

  ok({"policy", "update", "Main", "--window", "none", "--exception", "none"});
  policy = ok_json({"policy", "show", "Main"});
  EXPECT_TRUE(policy["windows"].empty());
  EXPECT_TRUE(policy["exceptions"].empty());

  const auto in_use = bisk({"profile", "delete", "HD"});
  EXPECT_EQ(in_use.exit_code, 0) << "no window uses HD any more: " << in_use.err;
}

TEST_P(CommandLineTest, ProfileInUseCannotBeDeleted) {
  migrate();
  ok({"profile", "add", "--name", "HD"});
  ok({"policy", "add", "--name", "Main", "--window", "mon,08:00,12:00,HD"});
  const auto result = bisk({"profile", "delete", "HD"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("Main"));
}

TEST_P(CommandLineTest, DesiredAndExplainFollowTheScheduleInTheConfiguredZone) {
  migrate();
  ok({"profile", "add", "--name", "HD"});
  ok({"camera", "add", "--name", "Gate", "--url", "rtsp://cam/1"});
  ok({"camera", "add", "--name", "Lab", "--url", "rtsp://cam/2"});
  // Friday 2026-11-27 is in winter time: Berlin is UTC+1.
  ok({"policy", "add", "--name", "Main", "--camera_ids", "1,2", "--window", "fri,08:00,12:00,HD"});
  ok({"camera", "update", "Lab", "--is_active", "false"});

  auto inside = ok_json({"desired", "--at", "2026-11-27T07:00:00Z"});  // 08:00 Berlin: inclusive start
  ASSERT_EQ(inside["desired"].size(), 1u);
  EXPECT_EQ(inside["desired"][0]["camera_id"], 1);
  EXPECT_EQ(inside["desired"][0]["profile_id"], 1);
  EXPECT_EQ(inside["desired"][0]["policy_id"], 1);
  ASSERT_EQ(inside["not_desired"].size(), 1u);
  EXPECT_EQ(inside["not_desired"][0]["reason"], "camera_inactive");
  EXPECT_EQ(inside["at"], "2026-11-27T08:00:00+01:00");

  auto at_end = ok_json({"desired", "--at", "2026-11-27T11:00:00Z"});  // 12:00 Berlin: exclusive end
  EXPECT_TRUE(at_end["desired"].empty());

  const std::string explanation = ok({"explain", "--camera", "Gate", "--at", "2026-11-27T10:00:00+01:00"});
  EXPECT_THAT(explanation, HasSubstr("verdict: desired"));
  const std::string lab = ok({"explain", "--camera", "Lab", "--at", "2026-11-27T10:00:00+01:00"});
  EXPECT_THAT(lab, HasSubstr("verdict: not desired"));
  EXPECT_THAT(lab, HasSubstr("camera_inactive"));

  EXPECT_EQ(bisk({"desired", "--at", "2026-11-27 10:00"}).exit_code, 2);  // no offset: rejected
}

TEST_P(CommandLineTest, PauseAndUnpause) {
  migrate();
  ok({"profile", "add", "--name", "HD"});
  ok({"camera", "add", "--name", "Gate", "--url", "rtsp://cam/1"});
  ok({"policy", "add", "--name", "Always", "--camera_ids", "1", "--window", "mon-sun,00:00,00:00,HD"});
  EXPECT_EQ(ok_json({"desired"})["desired"].size(), 1u);
  EXPECT_THAT(ok({"camera", "pause", "Gate", "--minutes", "30"}), HasSubstr("Paused camera 1 (Gate) until"));
  auto paused = ok_json({"desired"});
  EXPECT_TRUE(paused["desired"].empty());
  EXPECT_EQ(paused["not_desired"][0]["reason"], "paused");
  EXPECT_FALSE(ok_json({"camera", "show", "Gate"})["pause_until"].is_null());
  ok({"camera", "unpause", "Gate"});
  EXPECT_EQ(ok_json({"desired"})["desired"].size(), 1u);
  EXPECT_EQ(bisk({"camera", "pause", "Gate"}).exit_code, 2);  // neither --minutes nor --until
}

TEST_P(CommandLineTest, PeriodsRollIsIdempotentAndHolidaysGateCameras) {
  migrate();
  ok({"profile", "add", "--name", "HD"});
  ok({"period-template", "add", "--name", "Morning", "--start", "08:00", "--end", "12:00", "--weekdays", "mon-fri",
      "--early_grace_minutes", "10"});
  ok({"camera", "add", "--name", "Gate", "--url", "rtsp://cam/1", "--period_template_ids", "1"});
  ok({"policy", "add", "--name", "Always", "--camera_ids", "1", "--window", "mon-sun,00:00,00:00,HD"});

  EXPECT_THAT(ok({"periods", "roll", "--from", "2026-11-23", "--days", "7"}), HasSubstr("5 created, 0 updated"));
  EXPECT_THAT(ok({"periods", "roll", "--from", "2026-11-23", "--days", "7"}),
              HasSubstr("0 created, 0 updated, 0 deleted"));
  auto occurrences = ok_json({"periods", "list", "--from", "2026-11-23", "--days", "7"});
  ASSERT_EQ(occurrences.size(), 5u);
  EXPECT_EQ(occurrences[4]["date"], "2026-11-27");
  EXPECT_EQ(occurrences[4]["start_at"], "2026-11-27T07:50:00+01:00");  // 10 minutes early grace

  auto desired = ok_json({"desired", "--at", "2026-11-27T07:55:00+01:00"});
  EXPECT_EQ(desired["desired"].size(), 1u);
  const std::string friday_id = std::to_string(occurrences[4]["id"].get<int>());
  ok({"periods", "update", friday_id, "--is_school_day", "false"});
  desired = ok_json({"desired", "--at", "2026-11-27T09:00:00+01:00"});
  EXPECT_TRUE(desired["desired"].empty());
  EXPECT_EQ(desired["not_desired"][0]["reason"], "holiday");
  desired = ok_json({"desired", "--at", "2026-11-27T13:00:00+01:00"});
  EXPECT_EQ(desired["not_desired"][0]["reason"], "no_active_period");
}

TEST_P(CommandLineTest, StudentsAreFoundByCodeEvenWhenNumeric) {
  migrate();
  ok({"student", "add", "--code", "1001", "--first_name", "Grace", "--last_name", "Hopper"});
  ok({"student", "add", "--code", "1", "--first_name", "Ada"});
  EXPECT_EQ(ok_json({"student", "show", "1"})["first_name"], "Ada");  // code 1, not id 1
  EXPECT_EQ(ok_json({"student", "show", "1001"})["last_name"], "Hopper");
  EXPECT_THAT(ok({"student", "list"}), HasSubstr("Hopper"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CommandLineTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

// Commands that need no database.
class CommandLineConfigTest : public ::testing::Test {
 protected:
  ProcessResult bisk(std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), BISK_BINARY);
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    env["HOME"] = dir_.path();
    if (!env.count("BISK_ENV_FILE")) {
      std::ofstream(dir_.file("empty.env")) << "";
      env["BISK_ENV_FILE"] = dir_.file("empty.env");
    }
    return run_process(args, env);
  }
  TempDir dir_;
};

TEST_F(CommandLineConfigTest, InvalidRunnerImplNamesTheAllowedValues) {
  const auto result = bisk({"config"}, {{"BISK_RUNNER_IMPL", "foo"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("BISK_RUNNER_IMPL"));
  EXPECT_THAT(result.err, HasSubstr("ffmpeg_all"));
  EXPECT_THAT(result.err, HasSubstr("ffmpeg_one"));
}

TEST_F(CommandLineConfigTest, ConfigShowsSourcesAndHidesSecrets) {
  std::ofstream(dir_.file("bisk.env")) << "BISK_RUNNER_IMPL=ffmpeg_one   # ffmpeg_all | ffmpeg_one\n"
                                          "BISK_HEARTBEAT_KEY=file-secret-123\n"
                                          "BISK_DATABASE_URL=postgresql://bisk:db-pass-456@db/bisk\n";
  const auto result = bisk({"config", "--time-zone", "Asia/Tokyo"},
                           {{"BISK_ENV_FILE", dir_.file("bisk.env")}, {"BISK_LISTEN", "0.0.0.0:9000"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("ffmpeg_one"));
  EXPECT_THAT(result.out, HasSubstr("0.0.0.0:9000"));
  EXPECT_THAT(result.out, HasSubstr("Asia/Tokyo"));
  EXPECT_THAT(result.out, HasSubstr("env file"));
  EXPECT_THAT(result.out, HasSubstr("environment"));
  EXPECT_THAT(result.out, HasSubstr("flag"));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("file-secret-123")));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("db-pass-456")));
}

TEST_F(CommandLineConfigTest, TheOriginalsExampleEnvFileWorksAsIs) {
  // /etc/bisk/bisk.env as the original's operations guide shows it, inline comments included.
  std::ofstream(dir_.file("bisk.env")) << "DJANGO_SETTINGS_MODULE=bisk.settings\n"
                                          "BISK_RUNNER_IMPL=ffmpeg_all        # ffmpeg_all | ffmpeg_one\n"
                                          "BISK_STRICT_BINARIES=1\n"
                                          "\n"
                                          "# Heartbeat envs consumed by settings.py\n"
                                          "BISK_HEARTBEAT_URL=http://127.0.0.1:8000/api/runner/heartbeat/\n"
                                          "BISK_HEARTBEAT_KEY=dev-key-change-me\n"
                                          "\n"
                                          "# Optional overrides:\n"
                                          "# BISK_SNAPSHOT_DIR=\n"
                                          "# BISK_GPU_INDEX=\n";
  const auto result = bisk({"config"}, {{"BISK_ENV_FILE", dir_.file("bisk.env")}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(BISK_RUNNER_IMPL=ffmpeg_all +# env file)"))) << result.out;
  EXPECT_THAT(result.out, HasSubstr("DJANGO_SETTINGS_MODULE"));
  EXPECT_THAT(result.out, Not(HasSubstr("dev-key-change-me\n")));  // the key value itself is hidden
  // The example-key warning is shown once, on standard output with the rest.
  EXPECT_THAT(result.out, HasSubstr("warning: BISK_HEARTBEAT_KEY is the public example value"));
  EXPECT_EQ(result.err, "");
}

TEST_F(CommandLineConfigTest, CheckNamesEachFailureWithItsFixAndPassesWhenAllIsInPlace) {
  const std::string db_url = "sqlite:///" + dir_.file("bisk.db");
  std::map<std::string, std::string> env = {{"BISK_DATABASE_URL", db_url},
                                            {"BISK_MEDIA_DIR", dir_.file("media")},
                                            {"BISK_LOG_DIR", dir_.file("log")},
                                            {"BISK_MODEL_DIR", dir_.file("models")},
                                            {"BISK_FFMPEG_BIN", dir_.file("no-ffmpeg")},
                                            {"BISK_FFPROBE_BIN", "/bin/true"},
                                            {"BISK_HEARTBEAT_KEY", "k-very-secret"}};
  auto result = bisk({"check"}, env);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("FAIL  database"));
  EXPECT_THAT(result.out, HasSubstr("bisk migrate"));
  EXPECT_THAT(result.out, HasSubstr("FAIL  BISK_FFMPEG_BIN"));
  EXPECT_THAT(result.out, HasSubstr("apt-get install ffmpeg"));
  EXPECT_THAT(result.out, HasSubstr("FAIL  BISK_MEDIA_DIR"));
  EXPECT_THAT(result.out, HasSubstr("FAIL  BISK_MODEL_DIR"));
  EXPECT_THAT(result.out, HasSubstr("fr_detect.onnx"));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("k-very-secret")));

  ASSERT_EQ(bisk({"migrate"}, env).exit_code, 0);
  for (const auto* dir : {"media", "media/snapshots", "log", "models"}) {
    std::filesystem::create_directories(dir_.file(dir));
  }
  for (const auto* model : {"fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx"}) {
    std::ofstream(dir_.file(std::string("models/") + model)) << "x";
  }
  env["BISK_FFMPEG_BIN"] = "/bin/true";
  result = bisk({"check"}, env);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("All checks passed."));
}

TEST_F(CommandLineConfigTest, VersionAndHelp) {
  const auto version = bisk({"version"}, {});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(std::regex_search(version.out, std::regex(R"(^bisk \d+\.\d+\.\d+ \(database schema version \d+\))")));
  const auto version_flag = bisk({"--version"}, {});
  EXPECT_EQ(version_flag.exit_code, 0);
  EXPECT_EQ(version_flag.out, version.out);
  const auto help = bisk({"--help"}, {});
  EXPECT_EQ(help.exit_code, 0);
  for (const auto* command : {"camera", "profile", "policy", "period-template", "student", "periods", "desired",
                              "explain", "migrate", "config", "check", "version"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
  }
}

}  // namespace
}  // namespace bisk::testing
