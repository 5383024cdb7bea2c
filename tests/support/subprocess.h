// Runs a program as a real child process for integration tests: given argv,
// environment and standard input; returns its exit status and output. Every
// run is bounded by a timeout after which the child is killed.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace bisk::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& stdin_text = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace bisk::testing
