#include "enforcer/runner_log.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "enforcer/process_control.h"
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

// "line-<first>\n" .. "line-<end - 1>\n"
std::string lines(int first, int end) {
  std::string text;
  for (int i = first; i < end; ++i) text += "line-" + std::to_string(i) + "\n";
  return text;
}

TEST(RunnerLogPathTest, NamesTheFileAfterThePair) {
  EXPECT_EQ(runner_log_path("/var/log/bisk", 3, 12), "/var/log/bisk/runner-3-12.log");
  EXPECT_EQ(runner_log_path("/var/log/bisk/", 3, 12), "/var/log/bisk/runner-3-12.log");
}

class CapRunnerLogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (fifo_ >= 0) ::close(fifo_);
    if (writer_) {
      signal_group_id(writer_->pid, SIGKILL);
      wait_for_writer();
    }
  }

  // Reaps the writer, waiting at most 5 s; its wait status.
  std::optional<int> wait_for_writer() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    int status = 0;
    while (::waitpid(writer_->pid, &status, WNOHANG) != writer_->pid) {
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(5ms);
    }
    writer_.reset();
    return status;
  }

  // Waits at most 5 s for `path` to hold `expected`.
  bool eventually_holds(const std::string& path, const std::string& expected) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (read_file(path) != expected) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  void send(const std::string& text) { ASSERT_EQ(::write(fifo_, text.data(), text.size()), ssize_t(text.size())); }

  testing::TempDir dir_;
  std::string log_ = runner_log_path(dir_.path(), 1, 2);
  int fifo_ = -1;
  std::optional<ProcessIdentity> writer_;
};

TEST_F(CapRunnerLogTest, AMissingOrSmallLogIsLeftAlone) {
  EXPECT_FALSE(cap_runner_log(log_, 0));
  std::ofstream(log_) << "0123456789";
  EXPECT_FALSE(cap_runner_log(log_, 10));
  EXPECT_EQ(read_file(log_), "0123456789");
  EXPECT_FALSE(std::filesystem::exists(log_ + ".1"));
}

TEST_F(CapRunnerLogTest, ARunnerKeepsAppendingAfterTheRotation) {
  // The writer echoes what the test feeds it through a FIFO, to the O_APPEND
  // log spawn_process gives runners, and exits at EOF.
  const std::string fifo = dir_.file("feed");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fifo_ = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // O_RDWR: does not wait for the reader
  ASSERT_GE(fifo_, 0);
  writer_ = spawn_process({.argv = {"/bin/sh", "-c", "while read line; do echo \"$line\"; done < \"$0\"", fifo},
                           .env = {},
                           .log_path = log_});

  send(lines(0, 100));
  ASSERT_TRUE(eventually_holds(log_, lines(0, 100)));
  EXPECT_TRUE(cap_runner_log(log_, 100));
  EXPECT_EQ(read_file(log_ + ".1"), lines(0, 100));
  EXPECT_EQ(std::filesystem::file_size(log_), 0u);

  send(lines(100, 110));
  // At the start of the file, not after a hole where the old content was.
  EXPECT_TRUE(eventually_holds(log_, lines(100, 110)));

  EXPECT_TRUE(cap_runner_log(log_, 10));
  EXPECT_EQ(read_file(log_ + ".1"), lines(100, 110));  // replaced
  EXPECT_FALSE(std::filesystem::exists(log_ + ".1.tmp"));

  ::close(std::exchange(fifo_, -1));
  EXPECT_EQ(wait_for_writer(), 0);
}

}  // namespace
}  // namespace bisk
