#include "enforcer/systemd_notify.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "testing/test_databases.h"

namespace bisk {
namespace {

using namespace std::chrono_literals;

class SystemdNotifyTest : public ::testing::Test {
 protected:
  // The variables belong to whoever runs the tests; each test starts without them.
  void SetUp() override {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
      const char* value = std::getenv(name);
      saved_[name] = value != nullptr ? std::optional<std::string>(value) : std::nullopt;
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    if (socket_ >= 0) ::close(socket_);
  }

  // Binds the datagram socket the notifications go to; `name` as in NOTIFY_SOCKET.
  void listen_at(const std::string& name) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    ASSERT_LT(name.size(), sizeof address.sun_path);
    name.copy(address.sun_path, name.size());
    const bool abstract = name.starts_with('@');
    if (abstract) address.sun_path[0] = '\0';
    socket_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(socket_, 0);
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
    ASSERT_EQ(::bind(socket_, reinterpret_cast<const sockaddr*>(&address), length), 0) << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }

  // The next datagram, waiting at most 5 s.
  std::string receive() {
    pollfd readable{.fd = socket_, .events = POLLIN, .revents = 0};
    if (::poll(&readable, 1, 5000) != 1) return "(nothing received)";
    char buffer[4096];
    const ssize_t n = ::recv(socket_, buffer, sizeof buffer, 0);
    return n >= 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "(recv failed)";
  }

  testing::TempDir dir_;
  int socket_ = -1;
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST_F(SystemdNotifyTest, WithoutNotifySocketNothingIsSent) { EXPECT_FALSE(notify_systemd("READY=1")); }

TEST_F(SystemdNotifyTest, SendsEachStateAsOneDatagramToAPathSocket) {
  listen_at(dir_.file("notify"));
  EXPECT_TRUE(notify_systemd("READY=1\nSTATUS=3 runners"));
  EXPECT_TRUE(notify_systemd("WATCHDOG=1"));
  EXPECT_EQ(receive(), "READY=1\nSTATUS=3 runners");
  EXPECT_EQ(receive(), "WATCHDOG=1");
}

TEST_F(SystemdNotifyTest, SendsToAnAbstractSocket) {
  listen_at("@bisk-test-notify-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device()()));
  EXPECT_TRUE(notify_systemd("STOPPING=1"));
  EXPECT_EQ(receive(), "STOPPING=1");
}

TEST_F(SystemdNotifyTest, FailsWithoutAListenerOrWithAnAddressItCannotUse) {
  for (const std::string& name :
       {dir_.file("nobody-listens"), std::string("relative/notify"), std::string(""), "/" + std::string(200, 'x')}) {
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
    EXPECT_FALSE(notify_systemd("READY=1")) << name;
  }
}

TEST_F(SystemdNotifyTest, WatchdogIntervalComesFromWatchdogUsec) {
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::setenv("WATCHDOG_USEC", "2500000", 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(2'500'000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(2'500'000));
}

TEST_F(SystemdNotifyTest, WatchdogIntervalIsNotOursWhenMeantForAnotherPidOrMalformed) {
  ::setenv("WATCHDOG_USEC", "2500000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::setenv("WATCHDOG_PID", "self", 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::unsetenv("WATCHDOG_PID");
  for (const char* usec : {"0", "", "soon", "-5", "10s"}) {
    ::setenv("WATCHDOG_USEC", usec, 1);
    EXPECT_EQ(watchdog_interval(), std::nullopt) << usec;
  }
}

}  // namespace
}  // namespace bisk
