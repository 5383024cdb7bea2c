// The enforcer's view of processes through Linux: identities that survive pid
// reuse (pid + start time), starting runners in sessions of their own,
// signalling and reaping whole process groups, and finding the runners a
// previous enforcer left behind (/proc).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bisk {

// A process as the kernel knows it: a pid alone may name another process once
// the first one is reaped, the pair never does.
struct ProcessIdentity {
  int pid = 0;
  long long start_time = 0;  // /proc/PID/stat field 22 (clock ticks after boot)
  bool operator==(const ProcessIdentity&) const = default;
};

// Field 22 of /proc/PID/stat; nullopt when there is no such process.
std::optional<long long> process_start_time(int pid);
// True when the pid exists, is neither a zombie nor dead, and started at identity.start_time.
bool is_alive(const ProcessIdentity& identity);

// Optional members default to `{}` so that designated initializers may leave
// them out under -Wmissing-field-initializers.
struct SpawnSpec {
  std::vector<std::string> argv;                 // argv[0]: absolute path, or a name searched in the PATH of `env`
  std::vector<std::string> env;                  // the child's whole environment, "KEY=VALUE"
  std::string log_path;                          // stdout+stderr appended here (mode 0640); parent directories created
  std::optional<int> nice = {};                  // applied before exec; failure -> a warning line in the log
  std::optional<std::string> cpu_affinity = {};  // CPU list "0,2-3"; failure to apply -> a warning line in the log
  // Sent to the child when the spawning thread ends (PR_SET_PDEATHSIG), so a
  // supervisor killed outright takes its children with it (bisk demo).
  std::optional<int> parent_death_signal = {};
};

class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Starts a process in a session of its own (its pgid is its pid) with stdin from
// /dev/null, stdout and stderr appended to the log, no other fd, an empty signal
// mask and default signal dispositions. Throws SpawnError, with the child reaped,
// when the CPU list is malformed, the log cannot be opened or the program cannot
// be executed.
ProcessIdentity spawn_process(const SpawnSpec& spec);

// Sends `signal` to the process group led by `leader` when is_alive(leader), so
// a reused pid is never signalled. Returns whether it was sent.
bool signal_group(const ProcessIdentity& leader, int signal);
// Sends `signal` to process group `pgid` unconditionally (for a child of ours
// whose zombie still reserves the pgid). Returns whether some process got it.
bool signal_group_id(int pgid, int signal);

struct ExitStatus {
  std::optional<int> code = {};    // set when it exited
  std::optional<int> signal = {};  // set when a signal ended it
};
// "exited with code 1", "killed by signal 9 (SIGKILL)"; neither set means a
// process we watched but did not reap (adopted from a previous enforcer).
std::string describe_exit(const ExitStatus& status);
// The ExitStatus of a waitpid() status word.
ExitStatus exit_status_of(int wait_status);
struct ChildExit {
  int pid = 0;
  ExitStatus status = {};
};
// Reaps one exited child of this process, or returns nullopt when none has
// exited (never blocks). The child's process group is SIGKILLed first, while
// the zombie still reserves its pgid, so no grandchild outlives a runner.
std::optional<ChildExit> reap_exited_child();

// Watches a process this process did not start: fd() becomes readable when it
// exits.
class ProcessWatch {
 public:
  // nullopt when the process is gone or is not `identity`.
  static std::optional<ProcessWatch> open(const ProcessIdentity& identity);
  int fd() const { return fd_; }
  bool exited() const;

  ProcessWatch(ProcessWatch&& other) noexcept;
  ProcessWatch& operator=(ProcessWatch&& other) noexcept;
  ~ProcessWatch();

 private:
  explicit ProcessWatch(int fd) : fd_(fd) {}
  int fd_ = -1;
};

struct RunnerProcess {
  ProcessIdentity identity;
  int pgid = 0;
  std::optional<long long> camera_id, profile_id;  // from "--camera N" / "--profile N" in argv
  std::vector<std::string> argv;
};
// Every live process whose argv[1] is "runner" and whose environment contains
// BISK_RUNNER_OWNER=<owner>; processes whose environment is unreadable are skipped.
std::vector<RunnerProcess> find_runner_processes(std::string_view owner);
// Pids of the live (not zombie) processes in process group `pgid`.
std::vector<int> group_members(int pgid);

}  // namespace bisk
