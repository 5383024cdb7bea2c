// `bisk serve`: the HTTP server. cpp-httplib (a Debian package; the best of
// the packaged options) with its thread pool, keep-alive tuned, TCP_NODELAY,
// body limits and timeouts; SIGTERM/SIGINT stop accepting and let in-flight
// requests finish.
#pragma once

#include "config/config.h"

namespace bisk {

// Serves until SIGTERM/SIGINT; returns the exit code. Refuses to start (exit 2,
// message on stderr) without BISK_HEARTBEAT_KEY, and (exit 1) when the
// database schema is not current.
int run_server(const Settings& settings);

}  // namespace bisk
