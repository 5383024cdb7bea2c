#pragma once

#include <stdexcept>
#include <string>

namespace bisk {

// The command line is wrong: exit 2 with the message and a pointer to --help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The operation failed: exit 1 with the message.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace bisk
