#include "store/enforcer_store.h"

#include "store/process_store.h"
#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

class EnforcerStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    camera_ = cameras_.add(make_camera("Gate"));
    profile_ = profiles_.add(make_profile("HD"));
    RunningProcess process;
    process.camera_id = camera_;
    process.profile_id = profile_;
    process.node = "main";
    process.pid = 100;
    process.impl = "bisk-runner";
    process.started_at = at_ms(1);
    process_ = ProcessStore(*db_).add(process);
  }

  static EnforcerRequest make_request(const std::string& kind, std::optional<Id> process_id) {
    EnforcerRequest request;
    request.kind = kind;
    request.process_id = process_id;
    request.requested_by = "admin";
    request.requested_at = at_ms(5000);
    return request;
  }

  Id camera_ = 0;
  Id profile_ = 0;
  Id process_ = 0;
  EnforcerStore enforcer_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(EnforcerStoreTest);

std::string state_text(const EnforcerState& s) {
  return s.node + "|" + std::to_string(s.pid) + "|" + std::to_string(s.interval_s) + "|" + text_of(s.last_run_at) +
         "|" + text_of(s.last_ok_at) + "|" + text_of(s.last_error) + "|" + text_of(s.last_tick_ms) + "|" +
         std::to_string(to_epoch_ms(s.updated_at));
}

std::string pair_text(const PairState& s) {
  return std::to_string(s.camera_id) + "|" + std::to_string(s.profile_id) + "|" + s.node + "|" +
         std::to_string(s.consecutive_failures) + "|" + text_of(s.backoff_until) + "|" + text_of(s.quarantine_reason) +
         "|" + text_of(s.quarantined_spec_hash) + "|" + std::to_string(to_epoch_ms(s.updated_at));
}

std::string request_text(const EnforcerRequest& r) {
  return std::to_string(r.id) + "|" + r.kind + "|" + text_of(r.process_id) + "|" + r.requested_by + "|" +
         std::to_string(to_epoch_ms(r.requested_at)) + "|" + text_of(r.handled_at) + "|" + text_of(r.result);
}

TEST_P(EnforcerStoreTest, StateIsOneRowPerNodeReplacedByPut) {
  EnforcerState main;
  main.node = "main";
  main.pid = 4321;
  main.interval_s = 15;
  main.last_run_at = at_ms(10'000);
  main.last_ok_at = at_ms(9'000);
  main.last_error = "camera 3: spawn failed";
  main.last_tick_ms = 12.5;
  main.updated_at = at_ms(10'001);
  enforcer_.put_state(main);
  EnforcerState edge;
  edge.node = "edge-1";
  edge.pid = 77;
  edge.interval_s = 30;
  edge.updated_at = at_ms(3);
  enforcer_.put_state(edge);

  auto states = enforcer_.states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(state_text(states[0]), state_text(edge));  // by node
  EXPECT_EQ(state_text(states[1]), state_text(main));

  main.pid = 5555;
  main.last_error.reset();
  main.last_tick_ms.reset();
  main.updated_at = at_ms(20'000);
  enforcer_.put_state(main);
  states = enforcer_.states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(state_text(states[1]), state_text(main));
}

TEST_P(EnforcerStoreTest, PairStateIsUpsertedByPairAndRemoved) {
  const Id other_profile = profiles_.add(make_profile("Low"));
  PairState backoff;
  backoff.camera_id = camera_;
  backoff.profile_id = profile_;
  backoff.node = "main";
  backoff.consecutive_failures = 3;
  backoff.backoff_until = at_ms(60'000);
  backoff.updated_at = at_ms(50'000);
  enforcer_.put_pair_state(backoff);
  PairState quarantined;
  quarantined.camera_id = camera_;
  quarantined.profile_id = other_profile;
  quarantined.node = "main";
  quarantined.quarantine_reason = "exit code 2: bad configuration";
  quarantined.quarantined_spec_hash = "f00d";
  quarantined.updated_at = at_ms(50'001);
  enforcer_.put_pair_state(quarantined);

  auto states = enforcer_.pair_states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(pair_text(states[0]), pair_text(backoff));
  EXPECT_EQ(pair_text(states[1]), pair_text(quarantined));

  backoff.consecutive_failures = 0;
  backoff.backoff_until.reset();
  enforcer_.put_pair_state(backoff);
  states = enforcer_.pair_states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(pair_text(states[0]), pair_text(backoff));

  enforcer_.remove_pair_state(camera_, profile_);
  states = enforcer_.pair_states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].profile_id, other_profile);
}

TEST_P(EnforcerStoreTest, PairStatesGoWithTheirCameraOrProfile) {
  PairState state;
  state.camera_id = camera_;
  state.profile_id = profile_;
  state.node = "main";
  enforcer_.put_pair_state(state);
  cameras_.remove(camera_);
  EXPECT_TRUE(enforcer_.pair_states().empty());
}

TEST_P(EnforcerStoreTest, RequestsRoundTripAndArePendingOldestFirstUntilHandled) {
  EnforcerRequest enforce = make_request("enforce_now", std::nullopt);
  enforce.id = enforcer_.add_request(enforce);
  EnforcerRequest stop = make_request("stop", process_);
  stop.requested_by = "token:backup";
  stop.id = enforcer_.add_request(stop);
  EnforcerRequest kill = make_request("kill", process_);
  kill.id = enforcer_.add_request(kill);

  auto pending = enforcer_.pending_requests();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(request_text(pending[0]), request_text(enforce));
  EXPECT_EQ(request_text(pending[1]), request_text(stop));
  EXPECT_EQ(request_text(pending[2]), request_text(kill));

  enforcer_.mark_handled(stop.id, at_ms(6000), "stopped pid 100");
  pending = enforcer_.pending_requests();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, enforce.id);
  EXPECT_EQ(pending[1].id, kill.id);
  stop.handled_at = at_ms(6000);
  stop.result = "stopped pid 100";
  ASSERT_TRUE(enforcer_.find_request(stop.id));
  EXPECT_EQ(request_text(*enforcer_.find_request(stop.id)), request_text(stop));
  EXPECT_FALSE(enforcer_.find_request(kill.id + 1));
  EXPECT_TRUE(
      fails_with([&] { enforcer_.mark_handled(kill.id + 1, at_ms(1), "x"); }, Kind::kNotFound, "does not exist"));
}

TEST_P(EnforcerStoreTest, RequestKindAndProcessAreValidated) {
  EXPECT_TRUE(fails_with([&] { enforcer_.add_request(make_request("reboot", std::nullopt)); }, Kind::kInvalid,
                         "kind: must be one of enforce_now, stop, restart, kill (got 'reboot')"));
  for (const char* kind : {"stop", "restart", "kill"}) {
    EXPECT_TRUE(fails_with([&] { enforcer_.add_request(make_request(kind, std::nullopt)); }, Kind::kInvalid,
                           "process_id: is required for " + std::string(kind)));
    EXPECT_TRUE(fails_with([&] { enforcer_.add_request(make_request(kind, process_ + 50)); }, Kind::kNotFound,
                           "process " + std::to_string(process_ + 50) + " does not exist"));
    EXPECT_NO_THROW(enforcer_.add_request(make_request(kind, process_)));
  }
  EXPECT_TRUE(fails_with([&] { enforcer_.add_request(make_request("enforce_now", process_)); }, Kind::kInvalid,
                         "process_id: must not be given for enforce_now"));
  EXPECT_EQ(enforcer_.pending_requests().size(), 3u);
}

TEST_P(EnforcerStoreTest, RequestOutlivesItsProcessRow) {
  const Id id = enforcer_.add_request(make_request("restart", process_));
  cameras_.remove(camera_);  // takes the process row with it
  ASSERT_TRUE(enforcer_.find_request(id));
  EXPECT_FALSE(enforcer_.find_request(id)->process_id);
  EXPECT_EQ(enforcer_.pending_requests().size(), 1u);
}

}  // namespace
}  // namespace bisk
