#include "web/idle_connections.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace bisk {
namespace {

// Readable once the server is stopping; never read, so it wakes every waiter.
int stopping_fd() {
  static const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return fd;
}

}  // namespace

void prepare_idle_connections() {
  std::uint64_t count = 0;
  while (read(stopping_fd(), &count, sizeof count) > 0) {
  }
}

void wake_idle_connections() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(stopping_fd(), &one, sizeof one);
}

}  // namespace bisk

// The library's declaration lives in its compiled part, not in httplib.h.
namespace httplib::detail {

bool keep_alive(int sock, time_t keep_alive_timeout_sec);

// True when the next request (or the peer's close, which the read then sees)
// is there; false on timeout, on error and when the server is stopping.
bool keep_alive(int sock, time_t keep_alive_timeout_sec) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[2] = {{sock, POLLIN, 0}, {bisk::stopping_fd(), POLLIN, 0}};
    const int ready = poll(fds, 2, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents != 0) return false;
    return fds[0].revents != 0;
  }
}

}  // namespace httplib::detail
