// A real `bisk serve` for integration tests: started on a free loopback port
// against the given database, ready when it accepts connections, stopped with
// SIGTERM (or killed) when the test ends. Its output goes to a log file the
// test can read (e.g. to check that no secret was logged).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>

#include <httplib.h>

#include "testing/stream_fixtures.h"  // free_loopback_port

namespace bisk::testing {

class ServerProcess {
 public:
  // `env` is the whole environment of the child (BISK_LISTEN is added).
  explicit ServerProcess(std::map<std::string, std::string> env,
                         std::chrono::milliseconds ready_timeout = std::chrono::seconds(15));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();
  // A client for this server with short timeouts and keep-alive.
  httplib::Client client() const;
  // Sends `signal` and waits up to `timeout` for the exit; returns the exit code
  // (-1 if it had to be killed or died of a signal).
  int stop(int signal = 15, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::string log() const;  // everything the server wrote to stdout and stderr

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace bisk::testing
