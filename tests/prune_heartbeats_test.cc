// `bisk prune-heartbeats [--days N] [--hours N] [--minutes N]` (SPEC §4)
// through the real binary on both backends: which RunnerHeartbeat rows go, the
// message, and the usage errors.

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/process_store.h"
#include "support/runner_api_fixture.h"
#include "support/subprocess.h"

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class PruneHeartbeatsTest : public RunnerApiFixture {
 protected:
  void SetUp() override {
    camera_ = add_camera("Gate");
    profile_ = add_profile("HD");
  }

  // One heartbeat row per age (how long before now it was recorded).
  void insert_aged(const std::vector<std::chrono::minutes>& ages) {
    const Instant now = now_instant();
    for (const auto age : ages) {
      Heartbeat heartbeat;
      heartbeat.camera_id = camera_;
      heartbeat.profile_id = profile_;
      heartbeat.pid = 4242;
      heartbeat.state = "running";
      HeartbeatStore(db()).insert(heartbeat, now - age);
    }
  }

  // The ages (in whole minutes, rounded) of the rows left, oldest first.
  std::vector<long long> remaining_ages() {
    HeartbeatStore::Filter filter;
    filter.limit = 1000;
    std::vector<long long> ages;
    const Instant now = now_instant();
    for (const auto& row : HeartbeatStore(db()).list(filter))
      ages.insert(ages.begin(), std::chrono::round<std::chrono::minutes>(now - row.ts_at).count());
    return ages;
  }

  ProcessResult prune(std::vector<std::string> args) {
    args.insert(args.begin(), {BISK_BINARY, "prune-heartbeats"});
    return run_process(args, environment());
  }

  Id camera_ = 0;
  Id profile_ = 0;
};

constexpr auto kDay = std::chrono::minutes(24 * 60);

TEST_P(PruneHeartbeatsTest, DefaultKeepsSevenDays) {
  insert_aged({10 * kDay, 8 * kDay, 7 * kDay + 5min, 7 * kDay - 5min, 1h, 0min});
  const ProcessResult result = prune({});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 3 heartbeat rows older than 7 days.\n");
  EXPECT_THAT(remaining_ages(), ::testing::ElementsAre(7 * 24 * 60 - 5, 60, 0));
}

TEST_P(PruneHeartbeatsTest, FlagsAddUp) {
  insert_aged({3 * kDay + 3h, 3 * kDay + 2h + 1min, 3 * kDay + 1h, 2h});
  const ProcessResult result = prune({"--days", "3", "--hours", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 2 heartbeat rows older than 3 days 2 hours.\n");
  EXPECT_THAT(remaining_ages(), ::testing::ElementsAre(3 * 24 * 60 + 60, 120));
}

TEST_P(PruneHeartbeatsTest, AFlagWithoutDaysDropsTheDefault) {
  insert_aged({2 * kDay, 31min, 29min});
  const ProcessResult result = prune({"--minutes", "30"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 2 heartbeat rows older than 30 minutes.\n");
  EXPECT_THAT(remaining_ages(), ::testing::ElementsAre(29));

  insert_aged({6h, 4h});
  const ProcessResult hours = prune({"--hours=5"});
  EXPECT_EQ(hours.exit_code, 0) << hours.err;
  EXPECT_EQ(hours.out, "Deleted 1 heartbeat rows older than 5 hours.\n");
}

TEST_P(PruneHeartbeatsTest, SingularUnits) {
  insert_aged({kDay + 2h, kDay + 30min});
  const ProcessResult result = prune({"--days", "1", "--hours", "1", "--minutes", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 1 heartbeat rows older than 1 day 1 hour 1 minute.\n");
}

TEST_P(PruneHeartbeatsTest, ZeroDeletesEverything) {
  insert_aged({30 * kDay, 1min, 0min});
  const ProcessResult result = prune({"--days", "0", "--hours", "0", "--minutes", "0"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 3 heartbeat rows older than 0 minutes.\n");
  EXPECT_EQ(HeartbeatStore(db()).count(), 0);
}

TEST_P(PruneHeartbeatsTest, NothingToDelete) {
  const ProcessResult result = prune({"--days", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Deleted 0 heartbeat rows older than 2 days.\n");
}

TEST_P(PruneHeartbeatsTest, BadCommandLinesExitTwoAndDeleteNothing) {
  insert_aged({30 * kDay});
  const std::vector<std::vector<std::string>> cases = {
      {"--days", "-1"},  {"--hours=-2"},      {"--minutes", "-5", "--days", "1"},
      {"--weeks", "1"},  {"--days", "x"},     {"--days"},
      {"--days", "1.5"}, {"--days", "40000"},
  };
  for (const auto& args : cases) {
    const ProcessResult result = prune(args);
    std::string joined;
    for (const auto& arg : args) joined += arg + " ";
    EXPECT_EQ(result.exit_code, 2) << joined << "\n" << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr("prune-heartbeats")) << joined << ": the usage is shown";
    EXPECT_EQ(result.out, "") << joined;
  }
  EXPECT_EQ(HeartbeatStore(db()).count(), 1);
  EXPECT_THAT(prune({"--days", "-1"}).err, HasSubstr("--days: must not be negative"));
}

INSTANTIATE_TEST_SUITE_P(Backends, PruneHeartbeatsTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
