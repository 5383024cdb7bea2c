#include "enforcer/lock_file.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_databases.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Reaps child `pid`, waiting at most 5 s before killing it; its wait status.
int wait_for_exit(int pid) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "child " << pid << " did not exit in time";
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  return status;
}

// Runs `body` in a forked child; its exit code (2 when it threw).
int exit_code_in_child(const std::function<int()>& body) {
  const int pid = ::fork();
  if (pid == 0) {
    try {
      ::_exit(body());
    } catch (...) {
      ::_exit(2);
    }
  }
  const int status = wait_for_exit(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int held_by(const std::variant<LockFile, LockFile::Held>& result) {
  const auto* held = std::get_if<LockFile::Held>(&result);
  return held != nullptr ? held->holder_pid : -1;
}

class LockFileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.file("run/bisk/enforcer.lock");
};

TEST_F(LockFileTest, AcquireCreatesTheFileAndWritesOurPid) {
  const auto lock = LockFile::acquire(path_);
  EXPECT_TRUE(std::holds_alternative<LockFile>(lock));
  EXPECT_EQ(read_file(path_), std::to_string(::getpid()) + "\n");
}

TEST_F(LockFileTest, AnotherProcessFindsItHeldByUs) {
  const auto lock = LockFile::acquire(path_);
  ASSERT_TRUE(std::holds_alternative<LockFile>(lock));
  const int us = ::getpid();
  EXPECT_EQ(exit_code_in_child([&] { return held_by(LockFile::acquire(path_)) == us ? 0 : 1; }), 0);
  EXPECT_EQ(held_by(LockFile::acquire(path_)), us);  // a second open file description of ours conflicts too
}

TEST_F(LockFileTest, TheLockIsFreedWhenItsHolderDies) {
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const int holder = ::fork();
  if (holder == 0) {
    try {
      const auto lock = LockFile::acquire(path_);
      if (::write(ready[1], "x", 1) != 1) ::_exit(1);
      ::sleep(30);  // killed long before
    } catch (...) {
    }
    ::_exit(2);
  }
  ::close(ready[1]);
  pollfd readable{.fd = ready[0], .events = POLLIN, .revents = 0};
  EXPECT_EQ(::poll(&readable, 1, 5000), 1);
  ::close(ready[0]);

  EXPECT_EQ(held_by(LockFile::acquire(path_)), holder);
  ::kill(holder, SIGKILL);
  wait_for_exit(holder);
  EXPECT_TRUE(std::holds_alternative<LockFile>(LockFile::acquire(path_)));
  EXPECT_EQ(read_file(path_), std::to_string(::getpid()) + "\n");
}

TEST_F(LockFileTest, OnlyTheLastOwnerReleasesIt) {
  std::optional<LockFile> lock;
  {
    auto acquired = LockFile::acquire(path_);
    ASSERT_TRUE(std::holds_alternative<LockFile>(acquired));
    lock.emplace(std::move(std::get<LockFile>(acquired)));
  }  // the moved-from LockFile is destroyed here
  EXPECT_EQ(held_by(LockFile::acquire(path_)), ::getpid());
  lock.reset();
  EXPECT_TRUE(std::holds_alternative<LockFile>(LockFile::acquire(path_)));
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(LockFileTest, ExecutedChildrenDoNotInheritIt) {
  std::optional<LockFile> lock;
  {
    auto acquired = LockFile::acquire(path_);
    ASSERT_TRUE(std::holds_alternative<LockFile>(acquired));
    lock.emplace(std::move(std::get<LockFile>(acquired)));
  }
  // A bare fork+exec: spawn_process would close the fd anyway, here only O_CLOEXEC does.
  const int sleeper = ::fork();
  if (sleeper == 0) {
    ::execl("/bin/sleep", "sleep", "30", nullptr);
    ::_exit(127);
  }
  const std::string exe = "/proc/" + std::to_string(sleeper) + "/exe";
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::filesystem::read_symlink(exe).filename() != "sleep" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  lock.reset();
  EXPECT_TRUE(std::holds_alternative<LockFile>(LockFile::acquire(path_))) << "the sleep kept the lock";
  ::kill(sleeper, SIGKILL);
  wait_for_exit(sleeper);
}

TEST_F(LockFileTest, HeldNamesNoPidWhenTheFileHasNone) {
  std::filesystem::create_directories(dir_.file("run/bisk"));
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "garbage", 7), 7);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(held_by(LockFile::acquire(path_)), 0);
  ::close(fd);
}

TEST_F(LockFileTest, ALockFileRootCreatesBelongsToTheOwnerOfItsDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the case is root creating the file";
  const std::string directory = dir_.file("run/bisk");
  std::filesystem::create_directories(directory);
  ASSERT_EQ(::chown(directory.c_str(), 65534, 65534), 0);  // nobody:nogroup stands for the service account
  { const auto lock = LockFile::acquire(path_); }
  struct stat file {};
  ASSERT_EQ(::stat(path_.c_str(), &file), 0);
  EXPECT_EQ(file.st_uid, 65534u);
  EXPECT_EQ(file.st_gid, 65534u);
}

TEST_F(LockFileTest, OtherFailuresThrowNamingThePath) {
  try {
    LockFile::acquire(dir_.path());
    ADD_FAILURE() << "a directory was locked";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr(dir_.path()));
    EXPECT_THAT(error.what(), ::testing::HasSubstr(std::strerror(EISDIR)));
  }
}

}  // namespace
}  // namespace bisk
