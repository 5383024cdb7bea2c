// The sd_notify protocol (readiness, watchdog, status) without libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace bisk {

// Sends `state` ("READY=1", "WATCHDOG=1", "STATUS=...", "STOPPING=1", several
// joined by '\n') as one datagram to $NOTIFY_SOCKET (a path, or '@' for the
// abstract namespace). False when NOTIFY_SOCKET is unset or sending failed:
// the service runs on without systemd's bookkeeping.
bool notify_systemd(std::string_view state);

// systemd's watchdog period (WATCHDOG_USEC) when it is meant for this process
// (WATCHDOG_PID unset or ours); nullopt otherwise.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace bisk
