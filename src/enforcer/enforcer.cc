#include "enforcer/enforcer.h"

#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/url.h"
#include "enforcer/runner_log.h"
#include "schedule/desired_set.h"
#include "store/catalog_stores.h"
#include "store/enforcer_store.h"
#include "store/entity_rows.h"
#include "store/occurrence_roller.h"
#include "store/process_store.h"
#include "store/schedule_loader.h"

namespace bisk {

struct Enforcer::Runner {
  Id row_id = 0;
  PairKey pair;
  ProcessIdentity identity;
  std::optional<ProcessWatch> watch;  // set for runners adopted from a previous enforcer
  std::string spec_hash;
  int hb_interval_s = 10;
  Instant started_at;
  bool stopping = false;
  std::string stop_reason;
  bool stop_is_failure = false;
  std::optional<Instant> kill_at;
  bool killed = false;
};

// A runner process of this node without a row: stopped, never restarted.
struct Enforcer::Stray {
  RunnerProcess process;
  std::optional<ProcessWatch> watch;
  Instant kill_at;
  bool killed = false;
};

namespace {

constexpr int kRollDays = 15;  // keep occurrences at least 14 days ahead
constexpr auto kRollEvery = std::chrono::hours(1);
constexpr auto kProbeTimeout = std::chrono::seconds(1);

std::string hex_digest(std::string_view text, std::size_t bytes) {
  std::vector<unsigned char> digest(bytes);
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

std::string seconds_text(std::chrono::milliseconds delay) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(delay.count()) / 1000.0);
  return buffer;
}

std::string self_executable() {
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) throw std::runtime_error(std::string("cannot read /proc/self/exe: ") + std::strerror(errno));
  return std::string(path, static_cast<std::size_t>(length));
}

RunnerLaunch make_launch(const Settings& settings, const std::map<std::string, std::string>& environment) {
  RunnerLaunch launch;
  launch.program = settings.runner_program.empty() ? self_executable() : settings.runner_program;
  launch.impl = settings.runner_impl;
  launch.heartbeat_url = settings.heartbeat_url;
  launch.heartbeat_key = settings.heartbeat_key.value_or("");
  launch.snapshot_dir = settings.snapshot_dir;
  launch.gpu_index = settings.gpu_index;
  launch.owner = runner_owner(settings.node, settings.database_url);
  // A runner reads no env file (runner_base_environment): what it takes from
  // the configuration, which may come from /etc/bisk/bisk.env, is handed over.
  std::map<std::string, std::string> inherited = environment;
  inherited["BISK_MODEL_DIR"] = settings.model_dir;
  inherited["BISK_FFMPEG_BIN"] = settings.ffmpeg_bin;
  launch.base_env = runner_base_environment(inherited);
  return launch;
}

}  // namespace

std::string runner_owner(const std::string& node, const std::string& database_url) {
  return node + "@" + hex_digest(database_url, 8);
}

std::string to_json_text(const EnforceResult& result) {
  auto runners = [](const std::vector<EnforceResult::Runner>& list) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& runner : list) {
      nlohmann::ordered_json item = {{"camera_id", runner.camera_id},
                                     {"camera", runner.camera},
                                     {"profile_id", runner.profile_id},
                                     {"profile", runner.profile},
                                     {"pid", runner.pid}};
      if (!runner.reason.empty()) item["reason"] = runner.reason;
      array.push_back(std::move(item));
    }
    return array;
  };
  nlohmann::ordered_json held = nlohmann::ordered_json::array();
  for (const HeldPair& pair : result.held) {
    held.push_back({{"camera_id", pair.pair.first}, {"profile_id", pair.pair.second}, {"reason", pair.reason}});
  }
  const nlohmann::ordered_json json = {
      {"started", runners(result.started)}, {"stopped", runners(result.stopped)}, {"held", held},
      {"desired", result.desired},          {"running", result.running},          {"tick_ms", result.tick_ms}};
  return json.dump();
}

EnforceResult enforce_result_from_json(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text);
  auto runners = [](const nlohmann::json& array) {
    std::vector<EnforceResult::Runner> list;
    for (const auto& item : array) {
      list.push_back({item.at("camera_id").get<Id>(), item.at("camera").get<std::string>(),
                      item.at("profile_id").get<Id>(), item.at("profile").get<std::string>(), item.at("pid").get<int>(),
                      item.value("reason", std::string())});
    }
    return list;
  };
  EnforceResult result;
  result.started = runners(json.at("started"));
  result.stopped = runners(json.at("stopped"));
  for (const auto& item : json.at("held")) {
    result.held.push_back(
        {{item.at("camera_id").get<Id>(), item.at("profile_id").get<Id>()}, item.at("reason").get<std::string>()});
  }
  result.desired = json.at("desired").get<int>();
  result.running = json.at("running").get<int>();
  result.tick_ms = json.value("tick_ms", 0.0);
  return result;
}

std::string to_text(const EnforceResult& result) {
  std::string text;
  auto line = [&](const char* verb, const EnforceResult::Runner& runner) {
    text += std::string(verb) + " camera " + std::to_string(runner.camera_id) + " '" + runner.camera + "' / profile " +
            std::to_string(runner.profile_id) + " '" + runner.profile + "' (pid " + std::to_string(runner.pid) + ")" +
            (runner.reason.empty() ? "" : ": " + runner.reason) + "\n";
  };
  for (const auto& runner : result.started) line("started", runner);
  for (const auto& runner : result.stopped) line("stopped", runner);
  for (const HeldPair& pair : result.held) {
    text += "held camera " + std::to_string(pair.pair.first) + " / profile " + std::to_string(pair.pair.second) + ": " +
            pair.reason + "\n";
  }
  text += "started=" + std::to_string(result.started.size()) + " stopped=" + std::to_string(result.stopped.size()) +
          " desired=" + std::to_string(result.desired) + " running=" + std::to_string(result.running) + "\n";
  return text;
}

Enforcer::Enforcer(const Settings& settings, Database& db, const std::map<std::string, std::string>& environment,
                   std::ostream& log)
    : settings_(settings),
      db_(db),
      log_(log),
      launch_(make_launch(settings, environment)),
      pacer_(settings.spawn_rate),
      random_(std::random_device{}()) {}

Enforcer::~Enforcer() = default;

// ------------------------------------------------------------------ adoption

void Enforcer::adopt(Instant now) {
  load_pair_states();
  ProcessStore processes(db_);
  std::set<int> adopted_pids;
  for (const RunningProcess& row : processes.live_on_node(settings_.node)) {
    const ProcessIdentity identity{row.pid, row.process_start_time};
    auto watch = ProcessWatch::open(identity);
    if (!watch) {
      processes.end(row.id, ProcessStore::Ending::with_reason(
                                "lost", now, "gone when the enforcer started (it had stopped without tracking it)"));
      log_ << "runner " << pair_name({row.camera_id, row.profile_id}) << " pid " << row.pid
           << " was gone at enforcer start; its row is marked lost" << std::endl;
      continue;
    }
    auto runner = std::make_unique<Runner>();
    runner->row_id = row.id;
    runner->pair = {row.camera_id, row.profile_id};
    runner->identity = identity;
    runner->watch = std::move(watch);
    runner->spec_hash = row.spec_hash;
    runner->started_at = row.started_at;
    if (row.lifecycle == "stopping") {
      // The previous enforcer was stopping it: finish the job.
      stop(*runner, now, row.stop_reason.value_or("stopping when the enforcer restarted"), false);
    }
    adopted_pids.insert(row.pid);
    log_ << "adopted runner " << pair_name(runner->pair) << " pid " << row.pid << std::endl;
    runners_.emplace(row.pid, std::move(runner));
  }
  for (RunnerProcess& process : find_runner_processes(launch_.owner)) {
    // Runners lead their process groups; other members (e.g. a runner's
    // forked helpers, which share its command line) go with their leader.
    if (adopted_pids.contains(process.identity.pid) || process.pgid != process.identity.pid) continue;
    const std::string pair = process.camera_id && process.profile_id
                                 ? pair_name({*process.camera_id, *process.profile_id})
                                 : std::string("of unknown pair");
    log_ << "stopping runner " << pair << " pid " << process.identity.pid
         << " that has no row (started by an enforcer that lost track of it)" << std::endl;
    signal_group(process.identity, SIGTERM);
    Stray stray{std::move(process), std::nullopt, now + std::chrono::seconds(settings_.stop_grace_s)};
    stray.watch = ProcessWatch::open(stray.process.identity);
    if (stray.watch) strays_.push_back(std::move(stray));
  }
}

void Enforcer::load_pair_states() {
  for (const PairState& state : EnforcerStore(db_).pair_states()) {
    if (state.node != settings_.node) continue;
    pairs_[{state.camera_id, state.profile_id}] = {state.consecutive_failures, state.backoff_until,
                                                   state.quarantine_reason, state.quarantined_spec_hash};
  }
}

void Enforcer::save_pair_state(const PairKey& pair) {
  const PairRestartState& state = pairs_[pair];
  EnforcerStore store(db_);
  if (state.failures == 0 && !state.quarantine_reason) {
    store.remove_pair_state(pair.first, pair.second);
    return;
  }
  store.put_pair_state({pair.first, pair.second, settings_.node, state.failures, state.backoff_until,
                        state.quarantine_reason, state.quarantined_spec_hash, now_instant()});
}

// ------------------------------------------------------------------ reconcile

EnforceResult Enforcer::reconcile(Instant now) {
  const auto started = std::chrono::steady_clock::now();
  reconcile_wanted_ = false;
  const TimeZone zone = settings_.time_zone;
  if (!last_roll_ || now - *last_roll_ >= kRollEvery) {
    roll_occurrences(db_, zone, now, to_local(now, zone).date, kRollDays);
    last_roll_ = now;
  }
  const ScheduleSnapshot snapshot = load_schedule_snapshot(db_, now - std::chrono::days(1), now + std::chrono::days(9));
  const DesiredSet desired =
      compute_desired_set(snapshot, now, zone, NodeScope{settings_.node, settings_.node_role == "primary"});
  next_boundary_ = next_boundary(snapshot, now, zone);

  std::optional<ResourceSettings> global_resources;
  std::map<Id, ResourceSettings> camera_resources;
  for (ResourceSettings& resources : read_resource_settings(db_, RowFilter::all())) {
    if (resources.camera_id) {
      camera_resources[*resources.camera_id] = std::move(resources);
    } else {
      global_resources = std::move(resources);
    }
  }
  std::map<Id, const Camera*> cameras;
  std::map<Id, const StreamProfile*> profiles;
  for (const Camera& camera : snapshot.cameras) {
    cameras[camera.id] = &camera;
    camera_names_[camera.id] = camera.name;
  }
  for (const StreamProfile& profile : snapshot.profiles) {
    profiles[profile.id] = &profile;
    profile_names_[profile.id] = profile.name;
  }
  specs_.clear();
  std::map<PairKey, std::string> hashes;
  for (const DesiredPair& pair : desired.desired) {
    const auto resources = camera_resources.find(pair.camera_id);
    RunnerSpec spec = build_runner_spec(
        *cameras.at(pair.camera_id), *profiles.at(pair.profile_id), global_resources,
        resources == camera_resources.end() ? std::nullopt : std::optional<ResourceSettings>(resources->second),
        launch_);
    hashes[{pair.camera_id, pair.profile_id}] = spec.hash;
    specs_.emplace(PairKey{pair.camera_id, pair.profile_id}, std::move(spec));
  }

  for (const auto& [pid, runner] : runners_) {
    cap_runner_log(runner_log_path(settings_.log_dir, runner->pair.first, runner->pair.second),
                   settings_.runner_log_max_bytes);
  }
  EnforceResult result;
  result.desired = static_cast<int>(desired.desired.size());
  const std::vector<LiveRunner> live = live_runners();
  for (const LiveRunner& runner : live) result.running += runner.stopping ? 0 : 1;
  const ReconcilePlan plan = plan_reconcile({.now = now,
                                             .desired = &desired,
                                             .spec_hashes = &hashes,
                                             .runners = &live,
                                             .pairs = &pairs_,
                                             .silent_after = std::chrono::seconds(settings_.runner_silent_after_s),
                                             .heartbeat_api_reachable = [this] { return heartbeat_api_reachable(); }});
  if (plan.heartbeat_outage) {
    log_ << "heartbeats are failing centrally (API unreachable or most runners silent): silent runners are kept"
         << std::endl;
  }
  for (const StopDecision& decision : plan.stops) {
    Runner* runner = find_by_row(decision.row_id);
    if (!runner) continue;
    result.stopped.push_back({decision.pair.first, camera_names_[decision.pair.first], decision.pair.second,
                              profile_names_[decision.pair.second], runner->identity.pid, decision.reason});
    stop(*runner, now, decision.reason, decision.failure);
  }
  for (const PairKey& pair : plan.unquarantined) {
    log_ << "pair " << pair_name(pair) << ": configuration changed, quarantine lifted" << std::endl;
    pairs_[pair] = {};
    save_pair_state(pair);
  }
  next_release_ = plan.next_release;
  result.held = plan.held;
  paced_ = plan.starts;
  for (const int pid : start_paced(now)) result.started.push_back(describe(pid));
  result.tick_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  write_state(now, std::nullopt, result.tick_ms);
  return result;
}

std::vector<LiveRunner> Enforcer::live_runners() {
  std::map<Id, RunningProcess> rows;
  for (RunningProcess& row : ProcessStore(db_).live_on_node(settings_.node)) {
    rows.emplace(row.id, std::move(row));
  }
  std::vector<LiveRunner> live;
  for (const auto& [pid, runner] : runners_) {
    const auto row = rows.find(runner->row_id);
    LiveRunner entry{runner->pair,       runner->row_id, runner->spec_hash, runner->hb_interval_s,
                     runner->started_at, std::nullopt,   runner->stopping};
    if (row != rows.end()) entry.last_heartbeat_at = row->second.last_heartbeat_at;
    const auto spec = specs_.find(runner->pair);
    if (spec != specs_.end()) entry.hb_interval_s = spec->second.hb_interval_s;
    live.push_back(std::move(entry));
  }
  return live;
}

bool Enforcer::heartbeat_api_reachable() {
  // Any HTTP answer below 500 means runners can reach the API; the server
  // answers a GET of the heartbeat URL with 405 without touching the database.
  const auto parts = split_url(launch_.heartbeat_url);
  if (!parts) return false;
  try {
    httplib::Client client(parts->first);
    client.set_connection_timeout(kProbeTimeout);
    client.set_read_timeout(kProbeTimeout);
    const auto response = client.Get(parts->second);
    return response && response->status < 500;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<int> Enforcer::start_paced(Instant now) {
  std::vector<int> started;
  std::vector<PairKey> waiting;
  for (const PairKey& pair : paced_) {
    const bool occupied =
        std::any_of(runners_.begin(), runners_.end(), [&](const auto& entry) { return entry.second->pair == pair; });
    if (occupied || !specs_.contains(pair)) continue;
    if (!pacer_.try_take(now)) {
      waiting.push_back(pair);
      continue;
    }
    if (const auto pid = spawn(pair, now)) started.push_back(*pid);
  }
  paced_ = std::move(waiting);
  return started;
}

// ------------------------------------------------------------------ start / stop

std::optional<int> Enforcer::spawn(const PairKey& pair, Instant now) {
  const RunnerSpec& spec = specs_.at(pair);
  PairRestartState& state = pairs_[pair];
  const std::string log_path = runner_log_path(settings_.log_dir, pair.first, pair.second);
  RunningProcess row;
  row.camera_id = pair.first;
  row.profile_id = pair.second;
  row.node = settings_.node;
  row.impl = settings_.runner_impl;
  row.argv_masked = spec.argv_masked;
  row.spec_hash = spec.hash;
  row.started_at = now;
  row.restarts = state.failures;
  ProcessIdentity identity;
  try {
    cap_runner_log(log_path, settings_.runner_log_max_bytes);
    identity = spawn_process({spec.argv, spec.env, log_path, spec.nice, spec.cpu_affinity});
  } catch (const std::exception& error) {
    row.lifecycle = "failed";
    row.ended_at = now;
    std::string reason = std::string("could not start: ") + error.what();
    Runner failed;
    failed.pair = pair;
    failed.started_at = now;
    register_failure(pair, failed, now, reason);
    row.stop_reason = reason;
    ProcessStore(db_).add(row);
    log_ << "runner " << pair_name(pair) << " " << reason << std::endl;
    return std::nullopt;
  }
  row.pid = identity.pid;
  row.process_start_time = identity.start_time;
  row.lifecycle = "starting";
  Id row_id = 0;
  try {
    row_id = ProcessStore(db_).add(row);
  } catch (...) {
    signal_group(identity, SIGKILL);  // untracked, it would be a duplicate later
    throw;
  }
  auto runner = std::make_unique<Runner>();
  runner->row_id = row_id;
  runner->pair = pair;
  runner->identity = identity;
  runner->spec_hash = spec.hash;
  runner->hb_interval_s = spec.hb_interval_s;
  runner->started_at = now;
  log_ << "started runner " << pair_name(pair) << " pid " << identity.pid
       << (state.failures ? " (restart " + std::to_string(state.failures) + ")" : "") << std::endl;
  runners_.emplace(identity.pid, std::move(runner));
  return identity.pid;
}

void Enforcer::stop(Runner& runner, Instant now, const std::string& reason, bool failure) {
  runner.stopping = true;
  runner.stop_reason = reason;
  runner.stop_is_failure = failure;
  runner.kill_at = now + std::chrono::seconds(settings_.stop_grace_s);
  if (runner.row_id != 0) ProcessStore(db_).mark_stopping(runner.row_id, reason);
  // A runner that already died is reaped by handle_exits; nothing to signal.
  signal_group(runner.identity, SIGTERM);
  log_ << "stopping runner " << pair_name(runner.pair) << " pid " << runner.identity.pid << ": " << reason << std::endl;
}

void Enforcer::stop_all(Instant now, const std::string& reason) {
  paced_.clear();
  for (auto& [pid, runner] : runners_) {
    if (!runner->stopping) stop(*runner, now, reason, false);
  }
}

bool Enforcer::idle() const { return runners_.empty() && strays_.empty(); }

bool Enforcer::stopping_any() const {
  return !strays_.empty() ||
         std::any_of(runners_.begin(), runners_.end(), [](const auto& entry) { return entry.second->stopping; });
}

EnforceResult::Runner Enforcer::describe(int pid) {
  const Runner& runner = *runners_.at(pid);
  return {runner.pair.first,
          camera_names_[runner.pair.first],
          runner.pair.second,
          profile_names_[runner.pair.second],
          pid,
          ""};
}

void Enforcer::enforce_stop_deadlines(Instant now) {
  for (auto& [pid, runner] : runners_) {
    if (!runner->stopping || runner->killed || !runner->kill_at || *runner->kill_at > now) continue;
    runner->killed = true;
    if (signal_group(runner->identity, SIGKILL)) {
      log_ << "runner " << pair_name(runner->pair) << " pid " << pid << " ignored SIGTERM for "
           << settings_.stop_grace_s << " s: killed" << std::endl;
    }
  }
  for (Stray& stray : strays_) {
    if (stray.killed || stray.kill_at > now) continue;
    stray.killed = true;
    signal_group(stray.process.identity, SIGKILL);
  }
}

// ------------------------------------------------------------------ exits

void Enforcer::handle_exits(Instant now) {
  while (auto exit = reap_exited_child()) {
    const auto found = runners_.find(exit->pid);
    if (found == runners_.end()) continue;  // e.g. a stray we happened to parent
    std::unique_ptr<Runner> runner = std::move(found->second);
    runners_.erase(found);
    on_exit(*runner, exit->status, now);
  }
  for (auto it = runners_.begin(); it != runners_.end();) {
    Runner& runner = *it->second;
    if (!runner.watch || !runner.watch->exited()) {
      ++it;
      continue;
    }
    // Not our child: its exit status is unknown. Its group may still hold
    // grandchildren (the group id cannot be reused while they live).
    if (!group_members(runner.identity.pid).empty()) signal_group_id(runner.identity.pid, SIGKILL);
    std::unique_ptr<Runner> owned = std::move(it->second);
    it = runners_.erase(it);
    on_exit(*owned, ExitStatus{}, now);
  }
  std::erase_if(strays_, [](Stray& stray) {
    if (!stray.watch || !stray.watch->exited()) return false;
    if (!group_members(stray.process.identity.pid).empty()) signal_group_id(stray.process.identity.pid, SIGKILL);
    return true;
  });
}

void Enforcer::on_exit(Runner& runner, const ExitStatus& status, Instant now) {
  ProcessStore::Ending ending;
  ending.lifecycle = "stopped";
  ending.ended_at = now;
  ending.exit_code = status.code;
  ending.exit_signal = status.signal;
  std::string reason;
  bool failure = false;
  bool quarantine = false;
  if (runner.stopping) {
    reason = runner.stop_reason;
    failure = runner.stop_is_failure;
  } else if (status.code == 2) {
    ending.lifecycle = "failed";
    reason = "exited with code 2 (bad configuration): quarantined until its configuration changes";
    quarantine = true;
  } else {
    ending.lifecycle = status.code == 0 ? "exited" : "failed";
    reason = describe_exit(status);
    failure = true;
  }
  ending.stop_reason = reason;
  // A row someone else already ended (bisk stop-runners) was stopped on
  // purpose: no failure, no quarantine.
  if (!ProcessStore(db_).end(runner.row_id, ending)) {
    log_ << "runner " << pair_name(runner.pair) << " pid " << runner.identity.pid << " " << describe_exit(status)
         << " after an external stop" << std::endl;
    reconcile_wanted_ = true;
    return;
  }
  if (quarantine) {
    pairs_[runner.pair].quarantine_reason = "exit code 2 (bad configuration); see the runner log";
    pairs_[runner.pair].quarantined_spec_hash = runner.spec_hash;
    save_pair_state(runner.pair);
  } else if (failure) {
    register_failure(runner.pair, runner, now, reason);
  }
  log_ << "runner " << pair_name(runner.pair) << " pid " << runner.identity.pid << " "
       << (runner.stopping ? "stopped (" + describe_exit(status) + "): " : "") << reason << std::endl;
  reconcile_wanted_ = true;
}

void Enforcer::register_failure(const PairKey& pair, const Runner& runner, Instant now, std::string& reason) {
  PairRestartState& state = pairs_[pair];
  state.failures = failures_after(state.failures, runner.started_at, now, restart_policy_);
  const auto delay =
      backoff_delay(state.failures, std::uniform_real_distribution<double>(0.0, 1.0)(random_), restart_policy_);
  state.backoff_until = now + delay;
  reason += "; restart in " + seconds_text(delay) + " (failure " + std::to_string(state.failures) + ")";
  save_pair_state(pair);
}

// ------------------------------------------------------------------ requests

bool Enforcer::take_requests(Instant now) {
  EnforcerStore store(db_);
  bool enforce_now = false;
  for (const EnforcerRequest& request : store.pending_requests()) {
    if (request.kind == "enforce_now") {
      pending_enforce_requests_.push_back(request.id);
      enforce_now = true;
      continue;
    }
    Runner* runner = request.process_id ? find_by_row(*request.process_id) : nullptr;
    if (!runner) {
      // Another node's runner is that node's business.
      const auto row = request.process_id ? ProcessStore(db_).find(*request.process_id) : std::nullopt;
      if (row && row->node != settings_.node) continue;
      store.mark_handled(request.id, now, "not running");
      continue;
    }
    const std::string by = " (requested by " + request.requested_by + ")";
    if (request.kind == "stop") {
      stop(*runner, now, "operator stop" + by, false);
    } else if (request.kind == "restart") {
      pairs_[runner->pair] = {};  // a deliberate restart clears backoff and quarantine
      save_pair_state(runner->pair);
      stop(*runner, now, "operator restart" + by, false);
    } else if (request.kind == "kill") {
      stop(*runner, now, "operator kill" + by, false);
      runner->killed = true;
      signal_group(runner->identity, SIGKILL);
    }
    store.mark_handled(request.id, now, request.kind + " sent to pid " + std::to_string(runner->identity.pid));
    reconcile_wanted_ = true;
  }
  return enforce_now;
}

void Enforcer::finish_requests(Instant now, const EnforceResult& result) {
  if (pending_enforce_requests_.empty()) return;
  EnforcerStore store(db_);
  const std::string text = to_json_text(result);
  for (const Id id : pending_enforce_requests_) store.mark_handled(id, now, text);
  pending_enforce_requests_.clear();
}

// ------------------------------------------------------------------ timing

std::vector<int> Enforcer::watch_fds() const {
  std::vector<int> fds;
  for (const auto& [pid, runner] : runners_) {
    if (runner->watch) fds.push_back(runner->watch->fd());
  }
  for (const Stray& stray : strays_) {
    if (stray.watch) fds.push_back(stray.watch->fd());
  }
  return fds;
}

std::optional<Instant> Enforcer::next_deadline() const {
  std::optional<Instant> next;
  auto consider = [&](std::optional<Instant> at) {
    if (at && (!next || *at < *next)) next = at;
  };
  for (const auto& [pid, runner] : runners_) {
    if (runner->stopping && !runner->killed) consider(runner->kill_at);
  }
  for (const Stray& stray : strays_) {
    if (!stray.killed) consider(stray.kill_at);
  }
  consider(next_release_);
  consider(next_boundary_);
  if (!paced_.empty()) consider(pacer_.next_slot(now_instant()));
  return next;
}

bool Enforcer::wants_reconcile(Instant now) const {
  return reconcile_wanted_ || (next_release_ && *next_release_ <= now) || (next_boundary_ && *next_boundary_ <= now);
}

// ------------------------------------------------------------------ helpers

Enforcer::Runner* Enforcer::find_by_row(Id row_id) {
  for (auto& [pid, runner] : runners_) {
    if (runner->row_id == row_id) return runner.get();
  }
  return nullptr;
}

std::string Enforcer::pair_name(const PairKey& pair) const {
  auto name = [](const std::map<Id, std::string>& names, Id id) {
    const auto found = names.find(id);
    return found == names.end() ? std::to_string(id) : std::to_string(id) + " '" + found->second + "'";
  };
  return "camera " + name(camera_names_, pair.first) + " / profile " + name(profile_names_, pair.second);
}

void Enforcer::record_error(Instant now, const std::string& error) { write_state(now, error, 0); }

void Enforcer::write_state(Instant now, const std::optional<std::string>& error, double tick_ms) {
  EnforcerState state;
  state.node = settings_.node;
  state.pid = static_cast<int>(getpid());
  state.interval_s = settings_.enforcer_interval;
  state.last_run_at = now;
  if (!error) state.last_ok_at = now;
  state.last_error = error;
  state.last_tick_ms = tick_ms;
  state.updated_at = now;
  if (error) {
    // Keep the last success visible next to the error.
    for (const EnforcerState& previous : EnforcerStore(db_).states()) {
      if (previous.node == settings_.node) state.last_ok_at = previous.last_ok_at;
    }
  }
  EnforcerStore(db_).put_state(state);
}

}  // namespace bisk
