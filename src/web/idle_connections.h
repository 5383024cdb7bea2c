// How the HTTP server waits for the next request on a keep-alive connection.
//
// cpp-httplib 0.11 (Debian 12) waits by polling the socket every 10 ms and
// sleeping 1 ms between polls: about 90 wakeups a second for every idle
// keep-alive connection (runners, dashboards), which doubled the CPU of a
// heartbeat at 1,000/s. idle_connections.cc defines the library's
// httplib::detail::keep_alive, which the library calls through its PLT, so the
// executable's definition takes its place: one poll for the whole keep-alive
// timeout, woken early when the server stops. tests/serve_idle_test.cc proves
// the replacement is in effect.
#pragma once

namespace bisk {

// Called once before the server starts: later waits last until a request
// arrives, the keep-alive timeout passes or wake_idle_connections() is called.
void prepare_idle_connections();

// The server is stopping: every connection waiting for its next request is
// closed now instead of at the end of its keep-alive timeout.
void wake_idle_connections();

}  // namespace bisk
