#include "enforcer/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace bisk {
namespace {

template <typename Number>
std::optional<Number> parse_env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  const char* end = text + std::strlen(text);
  Number value{};
  const auto [parsed_end, error] = std::from_chars(text, end, value);
  if (error != std::errc() || parsed_end != end || parsed_end == text) return std::nullopt;
  return value;
}

// The socket address of NOTIFY_SOCKET and its length; nullopt when it is not
// an AF_UNIX path or abstract name, or does not fit.
std::optional<std::pair<sockaddr_un, socklen_t>> notify_address(std::string_view name) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const bool abstract = name.starts_with('@');
  if ((!abstract && !name.starts_with('/')) || name.size() > sizeof address.sun_path - (abstract ? 0 : 1))
    return std::nullopt;
  name.copy(address.sun_path, name.size());
  if (abstract) address.sun_path[0] = '\0';  // the name is exactly the bytes after '@', no terminator
  return std::pair{address, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1))};
}

}  // namespace

bool notify_systemd(std::string_view state) {
  const char* socket_name = std::getenv("NOTIFY_SOCKET");
  if (socket_name == nullptr) return false;
  const auto address = notify_address(socket_name);
  if (!address) return false;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address->first), address->second);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  const auto usec = parse_env_number<unsigned long long>("WATCHDOG_USEC");
  if (!usec || *usec == 0) return std::nullopt;
  if (std::getenv("WATCHDOG_PID") != nullptr && parse_env_number<long long>("WATCHDOG_PID") != ::getpid())
    return std::nullopt;
  return std::chrono::microseconds(*usec);
}

}  // namespace bisk
