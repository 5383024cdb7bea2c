#include "enforcer/process_control.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

namespace bisk {
namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes the fd it owns on every path, exceptions included.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// cmdline and environ are NUL-terminated strings, one after the other.
std::vector<std::string> split_nul_terminated(std::string_view text) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\0', start), text.size());
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string proc_path(int pid, const char* name) { return "/proc/" + std::to_string(pid) + "/" + name; }

// A whole /proc file; nullopt when it cannot be read (the process is gone, or
// its environ belongs to someone we may not inspect).
std::optional<std::string> read_proc_file(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string content;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n == 0) return content;
    if (n > 0) {
      content.append(buffer, static_cast<std::size_t>(n));
    } else if (errno != EINTR) {
      return std::nullopt;
    }
  }
}

struct ProcStat {
  char state = '?';
  int pgrp = 0;
  long long start_time = 0;
};

// /proc/PID/stat, parsed after the LAST ')': the comm field before it may
// contain spaces and parentheses of its own.
std::optional<ProcStat> read_stat(int pid) {
  const auto text = read_proc_file(proc_path(pid, "stat"));
  if (!text) return std::nullopt;
  const auto malformed = [&] {
    return std::runtime_error("unexpected format of /proc/" + std::to_string(pid) + "/stat: " + *text);
  };
  const std::size_t comm_end = text->rfind(") ");
  if (comm_end == std::string::npos) throw malformed();
  // fields[0] is field 3 (state), fields[n] field n + 3.
  const auto fields = split(std::string_view(*text).substr(comm_end + 2), ' ');
  if (fields.size() < 20 || fields[0].size() != 1) throw malformed();
  const auto pgrp = parse_number<int>(fields[2]);
  const auto start_time = parse_number<long long>(fields[19]);
  if (!pgrp || !start_time) throw malformed();
  return ProcStat{.state = fields[0][0], .pgrp = *pgrp, .start_time = *start_time};
}

// Zombies ('Z') and dead tasks ('X') keep their /proc entry but run nothing.
bool is_live_state(char state) { return state != 'Z' && state != 'X'; }

// Every process of the host (the numeric entries of /proc; threads are not listed there).
std::vector<int> all_pids() {
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), ::closedir);
  if (!dir) throw std::runtime_error("cannot list /proc: " + errno_text());
  std::vector<int> pids;
  while (const dirent* entry = ::readdir(dir.get())) {
    if (const auto pid = parse_number<int>(entry->d_name)) pids.push_back(*pid);
  }
  return pids;
}

// ---- spawning

cpu_set_t parse_cpu_list(const std::string& list) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (const std::string_view item : split(list, ',')) {
    const std::size_t dash = item.find('-');
    const auto first = parse_number<unsigned>(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_number<unsigned>(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last >= static_cast<unsigned>(CPU_SETSIZE))
      throw SpawnError("invalid CPU list \"" + list + "\" (expected e.g. 0,2-3 with CPUs below " +
                       std::to_string(CPU_SETSIZE) + ")");
    for (unsigned cpu = *first; cpu <= *last; ++cpu) CPU_SET(cpu, &cpus);
  }
  return cpus;
}

// The paths execve tries, in order: argv[0] itself when it names a path, else
// argv[0] in each directory of the PATH in `env` (glibc's default without one).
std::vector<std::string> exec_candidates(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string_view path = "/bin:/usr/bin";
  const auto entry = std::find_if(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("PATH="); });
  if (entry != env.end()) path = std::string_view(*entry).substr(5);
  std::vector<std::string> candidates;
  for (const std::string_view dir : split(path, ':')) {
    candidates.push_back(dir.empty() ? program : std::string(dir) + "/" + program);
  }
  return candidates;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

UniqueFd open_log(const std::string& log_path) {
  const std::filesystem::path parent = std::filesystem::path(log_path).parent_path();
  std::error_code error;
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) throw SpawnError("cannot create directory " + parent.string() + ": " + error.message());
  UniqueFd fd(::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (fd.get() < 0) throw SpawnError("cannot open log " + log_path + ": " + errno_text());
  return fd;
}

// What a child that could not exec writes to the report pipe.
struct ChildFailure {
  enum Step : int { kSetsid, kRedirect, kExec } step;
  int error;
};

// Everything the child needs, prepared before fork: between fork and execve
// only async-signal-safe calls are allowed (another thread may hold malloc's lock).
struct ChildPlan {
  std::vector<std::string> candidates;
  std::vector<char*> argv, envp;
  int stdin_fd = -1, log_fd = -1, report_fd = -1;
  long fd_limit = 0;
  std::optional<int> nice;
  std::optional<cpu_set_t> cpus;
  std::optional<int> parent_death_signal;
  int parent_pid = 0;
  std::string nice_warning, affinity_warning;  // prefixes of the warning lines
};

[[noreturn]] void fail_child(const ChildPlan& plan, ChildFailure::Step step, int error) {
  const ChildFailure failure{step, error};
  [[maybe_unused]] const ssize_t ignored = ::write(plan.report_fd, &failure, sizeof failure);
  ::_exit(127);
}

// strerrordesc_np, unlike strerror, neither allocates nor consults the locale.
void write_warning(const std::string& prefix, int error) {
  const char* description = ::strerrordesc_np(error);
  if (description == nullptr) description = "unknown error";
  const iovec parts[] = {{const_cast<char*>(prefix.data()), prefix.size()},
                         {const_cast<char*>(description), std::strlen(description)},
                         {const_cast<char*>("\n"), 1}};
  [[maybe_unused]] const ssize_t ignored = ::writev(STDERR_FILENO, parts, 3);
}

// The parent may ignore signals, handle them or block them (signalfd); a runner
// must start with none of that. Runs first, so no parent handler runs in the child.
void reset_signals() {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  // SIGKILL, SIGSTOP and glibc's internal signals refuse; they are default anyway.
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Marks every fd above stderr close-on-exec rather than closing it: the report
// pipe has to stay open until execve succeeds.
void close_other_fds_at_exec(const ChildPlan& plan) {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  for (int fd = 3; fd < plan.fd_limit; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // kernels before 5.11
}

[[noreturn]] void run_child(const ChildPlan& plan) {
  reset_signals();
  if (::setsid() < 0) fail_child(plan, ChildFailure::kSetsid, errno);
  if (plan.parent_death_signal) {
    ::prctl(PR_SET_PDEATHSIG, *plan.parent_death_signal);
    // The parent may have died before prctl: then nobody will send the signal.
    if (::getppid() != plan.parent_pid) ::_exit(128 + *plan.parent_death_signal);
  }
  if (::dup2(plan.stdin_fd, STDIN_FILENO) < 0 || ::dup2(plan.log_fd, STDOUT_FILENO) < 0 ||
      ::dup2(plan.log_fd, STDERR_FILENO) < 0)
    fail_child(plan, ChildFailure::kRedirect, errno);
  close_other_fds_at_exec(plan);
  if (plan.nice && ::setpriority(PRIO_PROCESS, 0, *plan.nice) != 0) write_warning(plan.nice_warning, errno);
  if (plan.cpus && ::sched_setaffinity(0, sizeof(cpu_set_t), &*plan.cpus) != 0)
    write_warning(plan.affinity_warning, errno);
  // Like execvp: a candidate that does not exist lets the search go on; EACCES
  // is reported only when no later candidate runs.
  int error = ENOENT;
  for (const std::string& candidate : plan.candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    if (errno == EACCES) {
      error = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      error = errno;
      break;
    }
  }
  fail_child(plan, ChildFailure::kExec, error);
}

void reap(int pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::string failure_message(const std::string& program, const ChildFailure& failure) {
  static constexpr const char* kSteps[] = {"setsid", "redirecting stdin/stdout/stderr"};
  const std::string reason = std::strerror(failure.error);
  if (failure.step == ChildFailure::kExec) return "cannot run " + program + ": " + reason;
  return "cannot start " + program + ": " + kSteps[failure.step] + ": " + reason;
}

// Forks the child with every signal blocked, so no handler of ours runs in it
// before reset_signals. Returns the pid.
int fork_child(const ChildPlan& plan) {
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const int pid = ::fork();
  if (pid == 0) run_child(plan);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) throw SpawnError(std::string("cannot fork for ") + plan.argv.front() + ": " + std::strerror(fork_errno));
  return pid;
}

// waitid retried on EINTR; false when this process has no such child.
bool wait_child(idtype_t type, id_t id, siginfo_t& info, int options) {
  info = {};  // si_pid stays 0 when WNOHANG finds nothing
  while (::waitid(type, id, &info, options) != 0) {
    if (errno == ECHILD) return false;
    if (errno != EINTR) throw std::runtime_error("waitid: " + errno_text());
  }
  return true;
}

std::optional<long long> option_value(const std::vector<std::string>& argv, std::string_view option) {
  const auto it = std::find(argv.begin(), argv.end(), option);
  if (it == argv.end() || std::next(it) == argv.end()) return std::nullopt;
  return parse_number<long long>(*std::next(it));
}

}  // namespace

std::string describe_exit(const ExitStatus& status) {
  if (status.signal) {
    const char* name = sigabbrev_np(*status.signal);
    return "killed by signal " + std::to_string(*status.signal) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  if (status.code) return "exited with code " + std::to_string(*status.code);
  return "exited (status unknown: adopted from a previous enforcer)";
}

ExitStatus exit_status_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return ExitStatus{.code = {}, .signal = WTERMSIG(wait_status)};
  return ExitStatus{.code = WEXITSTATUS(wait_status), .signal = {}};
}

std::optional<long long> process_start_time(int pid) {
  const auto stat = read_stat(pid);
  if (!stat) return std::nullopt;
  return stat->start_time;
}

bool is_alive(const ProcessIdentity& identity) {
  const auto stat = read_stat(identity.pid);
  return stat && is_live_state(stat->state) && stat->start_time == identity.start_time;
}

ProcessIdentity spawn_process(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw SpawnError("cannot spawn a process without argv");
  const std::string& program = spec.argv.front();
  ChildPlan plan{.candidates = exec_candidates(program, spec.env),
                 .argv = c_strings(spec.argv),
                 .envp = c_strings(spec.env),
                 .fd_limit = ::sysconf(_SC_OPEN_MAX),
                 .nice = spec.nice,
                 .cpus = spec.cpu_affinity ? std::optional(parse_cpu_list(*spec.cpu_affinity)) : std::nullopt,
                 .parent_death_signal = spec.parent_death_signal,
                 .parent_pid = ::getpid(),
                 .nice_warning = "bisk: warning: cannot set nice " + std::to_string(spec.nice.value_or(0)) + " for " +
                                 program + ": ",
                 .affinity_warning = "bisk: warning: cannot set CPU affinity " + spec.cpu_affinity.value_or("") +
                                     " for " + program + ": "};
  const UniqueFd log = open_log(spec.log_path);
  const UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) throw SpawnError("cannot open /dev/null: " + errno_text());
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw SpawnError("cannot create a pipe: " + errno_text());
  const UniqueFd report_read(report[0]);
  plan.stdin_fd = dev_null.get();
  plan.log_fd = log.get();
  plan.report_fd = report[1];
  const int pid = [&] {
    const UniqueFd report_write(report[1]);
    return fork_child(plan);
  }();

  // EOF means execve succeeded (the pipe closed on exec); a record means it did not.
  ChildFailure failure{};
  ssize_t n;
  while ((n = ::read(report_read.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (n != 0) {
    ::kill(pid, SIGKILL);  // already exiting unless the read itself failed
    reap(pid);
    throw SpawnError(n == sizeof failure ? failure_message(program, failure)
                                         : "cannot read the exec status of " + program + ": " + errno_text());
  }
  const auto start_time = process_start_time(pid);
  if (!start_time) throw SpawnError(program + " (pid " + std::to_string(pid) + ") was reaped by someone else");
  return ProcessIdentity{.pid = pid, .start_time = *start_time};
}

bool signal_group(const ProcessIdentity& leader, int signal) {
  return is_alive(leader) && signal_group_id(leader.pid, signal);
}

bool signal_group_id(int pgid, int signal) {
  // kill(-1) reaches every process we may signal and kill(0) our own group.
  if (pgid <= 1) throw std::runtime_error("refusing to signal process group " + std::to_string(pgid));
  if (::kill(-pgid, signal) == 0) return true;
  if (errno == ESRCH) return false;
  throw std::runtime_error("cannot send signal " + std::to_string(signal) + " to process group " +
                           std::to_string(pgid) + ": " + errno_text());
}

std::optional<ChildExit> reap_exited_child() {
  siginfo_t info;
  if (!wait_child(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) || info.si_pid == 0) return std::nullopt;
  ChildExit exit{.pid = info.si_pid};
  if (info.si_code == CLD_EXITED) {
    exit.status.code = info.si_status;
  } else {
    exit.status.signal = info.si_status;
  }
  // Best effort: ESRCH (no grandchild left) is the usual answer, and the child
  // has to be reaped whatever kill says.
  ::kill(-exit.pid, SIGKILL);
  wait_child(P_PID, static_cast<id_t>(exit.pid), info, WEXITED);
  return exit;
}

std::optional<ProcessWatch> ProcessWatch::open(const ProcessIdentity& identity) {
  // The raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link its pidfd_open.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, identity.pid, 0));
  if (fd < 0) {
    if (errno == ESRCH) return std::nullopt;
    throw std::runtime_error("pidfd_open(" + std::to_string(identity.pid) + "): " + errno_text());
  }
  ProcessWatch watch(fd);
  // The pid may have been reused before pidfd_open; the pidfd names identity's
  // process only if that process still holds the pid now.
  if (!is_alive(identity)) return std::nullopt;
  return watch;
}

bool ProcessWatch::exited() const {
  pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
  int n;
  while ((n = ::poll(&poll_fd, 1, 0)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw std::runtime_error("poll on a pidfd: " + errno_text());
  return n > 0;
}

ProcessWatch::ProcessWatch(ProcessWatch&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ProcessWatch& ProcessWatch::operator=(ProcessWatch&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ProcessWatch::~ProcessWatch() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<RunnerProcess> find_runner_processes(std::string_view owner) {
  const std::string owner_entry = "BISK_RUNNER_OWNER=" + std::string(owner);
  std::vector<RunnerProcess> runners;
  for (const int pid : all_pids()) {
    // cmdline first: environ is read only for the few runner candidates.
    const auto cmdline = read_proc_file(proc_path(pid, "cmdline"));
    if (!cmdline) continue;
    std::vector<std::string> argv = split_nul_terminated(*cmdline);
    if (argv.size() < 2 || argv[1] != "runner") continue;
    const auto environ = read_proc_file(proc_path(pid, "environ"));
    if (!environ) continue;
    const auto env = split_nul_terminated(*environ);
    if (std::find(env.begin(), env.end(), owner_entry) == env.end()) continue;
    const auto stat = read_stat(pid);
    if (!stat || !is_live_state(stat->state)) continue;
    runners.push_back(RunnerProcess{.identity = {.pid = pid, .start_time = stat->start_time},
                                    .pgid = stat->pgrp,
                                    .camera_id = option_value(argv, "--camera"),
                                    .profile_id = option_value(argv, "--profile"),
                                    .argv = std::move(argv)});
  }
  return runners;
}

std::vector<int> group_members(int pgid) {
  std::vector<int> members;
  for (const int pid : all_pids()) {
    const auto stat = read_stat(pid);
    if (stat && stat->pgrp == pgid && is_live_state(stat->state)) members.push_back(pid);
  }
  return members;
}

}  // namespace bisk
