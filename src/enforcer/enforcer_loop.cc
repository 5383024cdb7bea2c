#include "enforcer/enforcer_loop.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include <soci/soci.h>

#include "config/runner_binaries.h"
#include "enforcer/lock_file.h"
#include "enforcer/systemd_notify.h"
#include "store/enforcer_store.h"
#include "store/migrations.h"

namespace bisk {
namespace {

constexpr auto kRequestPoll = std::chrono::seconds(1);
constexpr auto kMaxSleep = std::chrono::seconds(1);
constexpr auto kAnswerTimeout = std::chrono::seconds(30);

// Blocks the signals the loop reads from a signalfd; runners get them
// unblocked again (process_control.h resets the mask before exec).
class SignalChannel {
 public:
  SignalChannel() {
    sigemptyset(&signals_);
    for (const int signal : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals_, signal);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    fd_ = signalfd(-1, &signals_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  }
  ~SignalChannel() { close(fd_); }
  SignalChannel(const SignalChannel&) = delete;
  SignalChannel& operator=(const SignalChannel&) = delete;

  int fd() const { return fd_; }
  // The termination signal received since the last call, if any.
  std::optional<int> drain() {
    std::optional<int> terminate;
    signalfd_siginfo info;
    while (read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) terminate = static_cast<int>(info.ssi_signo);
    }
    return terminate;
  }

 private:
  sigset_t signals_;
  int fd_ = -1;
};

// Waits until one of the fds is readable or `until` (at most kMaxSleep).
void wait_for_events(int signal_fd, const std::vector<int>& watch_fds, Instant until) {
  std::vector<pollfd> fds;
  fds.push_back({signal_fd, POLLIN, 0});
  for (const int fd : watch_fds) fds.push_back({fd, POLLIN, 0});
  const auto remaining = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(until - now_instant()),
                                    std::chrono::milliseconds(0), std::chrono::milliseconds(kMaxSleep));
  poll(fds.data(), fds.size(), static_cast<int>(remaining.count()));
}

// SPEC §9: on a shared PostgreSQL database, one enforcer per node and one
// primary. Session advisory locks last as long as the enforcer's connection.
std::optional<std::string> take_database_locks(Database& db, const Settings& settings) {
  if (db.backend() != Backend::kPostgres) return std::nullopt;
  auto try_lock = [&](const std::string& name) {
    int taken = 0;
    db.session() << "SELECT CASE WHEN pg_try_advisory_lock(hashtext(current_schema() || :name)) THEN 1 ELSE 0 END",
        soci::use(name), soci::into(taken);
    return taken == 1;
  };
  if (!try_lock(":bisk-enforcer-node:" + settings.node)) {
    return "another enforcer for node '" + settings.node + "' is connected to this database (on another host?)";
  }
  if (settings.node_role == "primary" && !try_lock(":bisk-enforcer-primary")) {
    return "another primary enforcer is connected to this database; set BISK_NODE_ROLE=secondary on all hosts but "
           "one";
  }
  return std::nullopt;
}

std::optional<std::string> configuration_problem(const Settings& settings) {
  if (!settings.heartbeat_key || settings.heartbeat_key->empty()) {
    return "BISK_HEARTBEAT_KEY is not set: runners could not report. Set it (the same value as for bisk serve) in "
           "/etc/bisk/bisk.env or the file named by --env-file";
  }
  if (settings.strict_binaries) {
    for (const BinaryCheck& binary : check_runner_binaries(settings)) {
      if (!binary.ok) return binary.variable + ": " + binary.detail + " (or set BISK_STRICT_BINARIES=0)";
    }
  }
  return std::nullopt;
}

// Reconciles and records its outcome; a failure (database down) is logged and
// recorded, and the loop goes on.
std::optional<EnforceResult> guarded_reconcile(Enforcer& enforcer, Instant now, std::ostream& log) {
  try {
    EnforceResult result = enforcer.reconcile(now);
    enforcer.finish_requests(now, result);
    return result;
  } catch (const std::exception& error) {
    log << "reconcile failed: " << error.what() << std::endl;
    try {
      enforcer.record_error(now, error.what());
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
}

std::string status_line(const Enforcer& enforcer) {
  return "STATUS=" + std::to_string(enforcer.runner_count()) + " runner(s)";
}

class LoopTimers {
 public:
  explicit LoopTimers(std::chrono::seconds interval) : interval_(interval), watchdog_(watchdog_interval()) {}

  Instant next_reconcile = now_instant();
  Instant next_request_poll = now_instant();
  std::optional<Instant> next_watchdog;

  void reconciled(Instant now) { next_reconcile = now + interval_; }
  void notify_watchdog(Instant now) {
    if (!watchdog_ || (next_watchdog && *next_watchdog > now)) return;
    notify_systemd("WATCHDOG=1");
    next_watchdog = now + std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_) / 2;
  }
  Instant wake_at(const Enforcer& enforcer, bool stopping) const {
    Instant wake = stopping ? now_instant() + kMaxSleep : std::min(next_reconcile, next_request_poll);
    if (const auto deadline = enforcer.next_deadline()) wake = std::min(wake, *deadline);
    if (next_watchdog) wake = std::min(wake, *next_watchdog);
    return wake;
  }

 private:
  std::chrono::seconds interval_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace

int run_enforcer(const Settings& settings, const std::map<std::string, std::string>& environment, std::ostream& log,
                 std::ostream& errors) {
  if (const auto problem = configuration_problem(settings)) {
    errors << "bisk run-enforcer: " << *problem << "\n";
    return 2;
  }
  auto lock = LockFile::acquire(settings.enforcer_lock_file);
  if (const auto* held = std::get_if<LockFile::Held>(&lock)) {
    errors << "bisk run-enforcer: another enforcer holds the lock " << settings.enforcer_lock_file << " (pid "
           << held->holder_pid << "); stop it first (systemctl stop bisk-enforcer) or use bisk enforce\n";
    return 1;
  }
  SignalChannel signals;
  std::unique_ptr<Database> db = Database::open(settings.database_url);
  Migrator(*db).require_current();
  if (const auto refused = take_database_locks(*db, settings)) {
    errors << "bisk run-enforcer: " << *refused << "\n";
    return 1;
  }
  Enforcer enforcer(settings, *db, environment, log);
  enforcer.adopt(now_instant());
  log << "enforcer started: node '" << settings.node << "', pid " << getpid() << ", interval "
      << settings.enforcer_interval << " s" << std::endl;

  LoopTimers timers{std::chrono::seconds(settings.enforcer_interval)};
  bool ready = false;
  bool stopping = false;
  for (;;) {
    const Instant now = now_instant();
    if (!stopping) {
      bool enforce_now = false;
      if (now >= timers.next_request_poll) {
        try {
          enforce_now = enforcer.take_requests(now);
        } catch (const std::exception& error) {
          log << "reading operator requests failed: " << error.what() << std::endl;
        }
        timers.next_request_poll = now + kRequestPoll;
      }
      if (enforce_now || now >= timers.next_reconcile || enforcer.wants_reconcile(now)) {
        guarded_reconcile(enforcer, now, log);
        timers.reconciled(now);
        if (!ready) {
          notify_systemd("READY=1\n" + status_line(enforcer));
          ready = true;
        }
      } else {
        enforcer.start_paced(now);
      }
    }
    enforcer.enforce_stop_deadlines(now);
    timers.notify_watchdog(now);
    if (stopping && enforcer.idle()) break;
    wait_for_events(signals.fd(), enforcer.watch_fds(), timers.wake_at(enforcer, stopping));
    if (const auto signal = signals.drain(); signal && !stopping) {
      stopping = true;
      notify_systemd("STOPPING=1");
      log << "enforcer stopping on " << sigabbrev_np(*signal) << ": stopping " << enforcer.runner_count()
          << " runner(s)" << std::endl;
      enforcer.stop_all(now_instant(), std::string("enforcer stopping (SIG") + sigabbrev_np(*signal) + ")");
    }
    try {
      enforcer.handle_exits(now_instant());
    } catch (const std::exception& error) {
      log << "recording a runner exit failed: " << error.what() << std::endl;
    }
  }
  log << "enforcer stopped" << std::endl;
  return 0;
}

EnforceResult enforce_once(const Settings& settings, const std::map<std::string, std::string>& environment,
                           std::ostream& log) {
  auto lock = LockFile::acquire(settings.enforcer_lock_file);
  std::unique_ptr<Database> db = Database::open(settings.database_url);
  Migrator(*db).require_current();
  if (const auto* held = std::get_if<LockFile::Held>(&lock)) {
    EnforcerStore store(*db);
    EnforcerRequest request;
    request.kind = "enforce_now";
    request.requested_by = "bisk enforce";
    request.requested_at = now_instant();
    const Id id = store.add_request(request);
    const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto answered = store.find_request(id); answered && answered->handled_at && answered->result) {
        return enforce_result_from_json(*answered->result);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("the running enforcer (pid " + std::to_string(held->holder_pid) +
                             ") did not answer within 30 s; see its log (journalctl -u bisk-enforcer)");
  }
  if (const auto problem = configuration_problem(settings)) throw std::runtime_error(*problem);
  SignalChannel signals;  // SIGCHLD must not be lost while waiting
  Enforcer enforcer(settings, *db, environment, log);
  enforcer.adopt(now_instant());
  EnforceResult result = enforcer.reconcile(now_instant());
  // Bounded: every stop ends within the grace, every paced start within
  // desired/rate seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.stop_grace_s + 5) +
                        std::chrono::seconds(result.desired / settings.spawn_rate + 1);
  while (std::chrono::steady_clock::now() < deadline) {
    const Instant now = now_instant();
    enforcer.handle_exits(now);
    enforcer.enforce_stop_deadlines(now);
    for (const int pid : enforcer.start_paced(now)) result.started.push_back(enforcer.describe(pid));
    if (!enforcer.stopping_any() && !enforcer.pacing()) break;
    wait_for_events(signals.fd(), enforcer.watch_fds(), now + std::chrono::milliseconds(100));
    signals.drain();
  }
  return result;
}

}  // namespace bisk
