// The enforcer's single-instance lock: flock on a file that names the holder.
#pragma once

#include <string>
#include <variant>

namespace bisk {

class LockFile {
 public:
  struct Held {
    int holder_pid = 0;  // 0 when the file did not name a pid
  };
  // Takes the lock on `path` (creating it and its parent directories) and writes
  // our pid into it; Held when another process has it. Throws std::runtime_error
  // naming the path on any other failure.
  static std::variant<LockFile, Held> acquire(const std::string& path);

  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  // Releases the lock by closing the fd. The file stays: unlinking it would let
  // a new holder lock a file that the next contender can no longer see.
  ~LockFile();

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace bisk
