// Keep-alive connections of a real `bisk serve`: an idle connection costs the
// server no wakeups (web/idle_connections.h replaces cpp-httplib's 10 ms
// polling), is closed at the keep-alive timeout, and does not delay SIGTERM.
// Connection handling does not depend on the database: SQLite only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/runner_api_fixture.h"

namespace bisk::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Context switches of every thread of `pid` so far: each wakeup of a sleeping thread is one.
long long context_switches(pid_t pid) {
  long long total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
        total += std::stoll(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

// A raw keep-alive connection to the server: the test decides when it speaks.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends GET /healthz and returns the response head and body (read until the body is complete).
  std::string get_healthz() {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return "";
    std::string response;
    while (response.find("\r\n\r\n") == std::string::npos || response.back() != '}') {
      if (!wait_readable(5s)) return response;
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return response;
      response.append(buffer, static_cast<std::size_t>(n));
    }
    return response;
  }

  // Waits up to `limit` for the server to close the connection; returns how long that took.
  std::optional<Clock::duration> time_until_closed(Clock::duration limit) {
    const auto started = Clock::now();
    while (Clock::now() - started < limit) {
      if (!wait_readable(std::chrono::duration_cast<std::chrono::milliseconds>(limit - (Clock::now() - started))))
        break;
      char buffer[256];
      if (recv(fd_, buffer, sizeof buffer, 0) <= 0) return Clock::now() - started;
    }
    return std::nullopt;
  }

 private:
  bool wait_readable(std::chrono::milliseconds timeout) {
    pollfd fds{fd_, POLLIN, 0};
    return poll(&fds, 1, static_cast<int>(timeout.count())) == 1;
  }

  int fd_;
  bool connected_ = false;
};

class ServeConnectionsTest : public RunnerApiFixture {};

TEST_P(ServeConnectionsTest, AnIdleKeepAliveConnectionCostsNoWakeups) {
  RawConnection connection(server().port());
  ASSERT_TRUE(connection.connected());
  ASSERT_NE(connection.get_healthz().find("200 OK"), std::string::npos);
  std::this_thread::sleep_for(100ms);  // the answer written, the worker back to waiting
  const long long before = context_switches(server().pid());
  std::this_thread::sleep_for(1s);
  const long long wakeups = context_switches(server().pid()) - before;
  // cpp-httplib's own wait polls every 10 ms and sleeps 1 ms: about 90 a second.
  EXPECT_LT(wakeups, 10) << "wakeups of the server during one idle second";
  // And the connection still serves its next request.
  EXPECT_NE(connection.get_healthz().find("200 OK"), std::string::npos);
}

TEST_P(ServeConnectionsTest, AnIdleConnectionIsClosedAtTheKeepAliveTimeout) {
  RawConnection connection(server().port());
  ASSERT_TRUE(connection.connected());
  ASSERT_NE(connection.get_healthz().find("200 OK"), std::string::npos);
  const auto closed_after = connection.time_until_closed(10s);
  ASSERT_TRUE(closed_after) << "still open after 10 s";
  EXPECT_GE(*closed_after, 4500ms);  // the keep-alive timeout is 5 s
  EXPECT_LE(*closed_after, 6500ms);
}

TEST_P(ServeConnectionsTest, SigtermDoesNotWaitForIdleConnections) {
  RawConnection first(server().port());
  RawConnection second(server().port());
  ASSERT_NE(first.get_healthz().find("200 OK"), std::string::npos);
  ASSERT_NE(second.get_healthz().find("200 OK"), std::string::npos);
  const auto started = Clock::now();
  EXPECT_EQ(server().stop(SIGTERM, 10s), 0);
  EXPECT_LT(Clock::now() - started, 1500ms);
  EXPECT_TRUE(first.time_until_closed(1s));
  EXPECT_TRUE(second.time_until_closed(1s));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ServeConnectionsTest, ::testing::Values(TestBackend::kSqlite),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
