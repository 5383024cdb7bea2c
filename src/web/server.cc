#include "web/server.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include <httplib.h>

#include "store/migrations.h"
#include "store/store_error.h"
#include "web/auth.h"
#include "web/http_util.h"
#include "web/idle_connections.h"
#include "web/metrics.h"
#include "web/routes.h"
#include "web/web_context.h"

namespace bisk {
namespace {

using Clock = std::chrono::steady_clock;

constexpr time_t kKeepAliveTimeoutS = 5;
constexpr time_t kReadWriteTimeoutS = 10;
// Generous for enrollment photos; the heartbeat handler enforces its own 64 KiB.
constexpr size_t kMaxPayloadBytes = 8 * 1024 * 1024;
// Far above the library's default of 5 requests per connection, which made
// runners reconnect constantly and capped throughput (reference/dependencies.md).
constexpr size_t kKeepAliveMaxRequests = 10000;
constexpr size_t kMaxLoggedPathChars = 200;

// One write per line, so lines from concurrent requests never interleave.
void log_line(std::string line) {
  line += '\n';
  for (std::string_view rest = line; !rest.empty();) {
    const ssize_t written = write(STDERR_FILENO, rest.data(), rest.size());
    if (written <= 0) return;
    rest.remove_prefix(static_cast<size_t>(written));
  }
}

// The decoded path with control characters replaced, so a request cannot
// forge log lines; cut short so it cannot flood the log.
std::string loggable_path(const std::string& path) {
  std::string result = path.substr(0, kMaxLoggedPathChars);
  for (char& c : result) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (path.size() > kMaxLoggedPathChars) result += "...";
  return result;
}

std::string env_file_hint(const Settings& settings) {
  return settings.env_file.empty() ? "/etc/bisk/bisk.env (or the file named by --env-file / BISK_ENV_FILE)"
                                   : settings.env_file;
}

// Returns the exit code when the server must not start.
std::optional<int> check_heartbeat_key(const Settings& settings) {
  if (!settings.heartbeat_key || settings.heartbeat_key->empty()) {
    std::cerr << "bisk serve: BISK_HEARTBEAT_KEY is not set. Runners authenticate with this shared key; set "
                 "BISK_HEARTBEAT_KEY to a long random value (e.g. the output of `openssl rand -hex 32`) in "
              << env_file_hint(settings) << " and start again.\n";
    return 2;
  }
  if (uses_example_heartbeat_key(settings)) {
    log_line(
        "WARNING: BISK_HEARTBEAT_KEY is the public example value dev-key-change-me: anyone who can reach "
        "this server can post heartbeats. Set a random key in " +
        env_file_hint(settings) + ".");
  }
  return std::nullopt;
}

std::optional<int> check_schema(const Settings& settings) {
  try {
    const auto db = Database::open(settings.database_url);
    Migrator(*db).require_current();
    return std::nullopt;
  } catch (const StoreError& error) {
    std::cerr << "bisk serve: " << error.what() << "\n";
    return 1;
  }
}

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "127.0.0.1:8000", "[::1]:8000" (already validated by the configuration).
ListenAddress parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, std::stoi(listen.substr(colon + 1))};
}

// The library keeps a worker busy for as long as a keep-alive connection stays
// open, so the pool must exceed the number of keep-alive clients (runners,
// dashboards, scrapers), not the core count: idle threads cost only memory.
size_t worker_threads() { return std::max<size_t>(64, 8 * std::max(1u, std::thread::hardware_concurrency())); }

// The start of the request this worker thread is serving, for the access log.
thread_local std::optional<Clock::time_point> request_started;

void log_request(WebContext& context, const httplib::Request& request, const httplib::Response& response) {
  double seconds = 0;  // unknown for requests refused before routing (malformed, URI too long)
  if (request_started) seconds = std::chrono::duration<double>(Clock::now() - *request_started).count();
  request_started.reset();
  // Never the query string, headers or body: a key or password may be in any of them.
  log_line(request.method + " " + loggable_path(request.path) + " " + std::to_string(response.status) + " " +
           std::to_string(response.body.size()) + " " + std::to_string(static_cast<long long>(seconds * 1000)) + "ms");
  context.metrics().observe_request(request.method, request.path, response.status, seconds);
}

void answer_exception(const httplib::Request& request, httplib::Response& response, std::exception_ptr exception) {
  std::string what = "unknown exception";
  bool unavailable = false;
  try {
    std::rethrow_exception(exception);
  } catch (const StoreError& error) {
    what = error.what();
    unavailable = error.kind() == StoreError::Kind::kUnavailable;
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
  }
  log_line("error: " + request.method + " " + loggable_path(request.path) + ": " + what);
  if (unavailable) {
    send_error(response, 503, "database unavailable, retry later");
  } else {
    send_error(response, 500, "internal error; the server log has the details");
  }
}

// Errors the library produces itself (no route, body too large, malformed
// request) get the same JSON shape as the handlers' own.
httplib::Server::HandlerResponse answer_bare_error(const httplib::Request&, httplib::Response& response) {
  if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  switch (response.status) {
    case 404:
      send_error(response, 404, "no such resource");
      break;
    case 405:
      send_error(response, 405, "method not allowed");
      break;
    case 413:
      send_error(response, 413, "request body too large");
      break;
    default:
      send_error(response, response.status, "bad request");
      break;
  }
  return httplib::Server::HandlerResponse::Handled;
}

void configure(httplib::Server& server, WebContext& context) {
  const size_t threads = worker_threads();
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.set_keep_alive_timeout(kKeepAliveTimeoutS);
  server.set_read_timeout(kReadWriteTimeoutS);
  server.set_write_timeout(kReadWriteTimeoutS);
  server.set_payload_max_length(kMaxPayloadBytes);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_started = Clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // The library calls this just before it writes any response (its own
  // errors included), so a client that saw the answer also sees it counted.
  server.set_post_routing_handler([&context](const httplib::Request& request, httplib::Response& response) {
    log_request(context, request, response);
  });
  server.set_exception_handler(answer_exception);
  server.set_error_handler(httplib::Server::HandlerWithResponse(answer_bare_error));
}

void register_routes(httplib::Server& server, WebContext& context) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, Json{{"ok", true}});
  });
  register_auth_routes(server, context);
  register_heartbeat_routes(server, context);
  register_runner_routes(server, context);
  register_operator_routes(server, context);
  register_system_routes(server, context);
  register_dashboard_routes(server, context);
}

// Waits for SIGTERM/SIGINT (blocked in every thread, so they arrive only
// here) and stops the server: it stops accepting, and the worker pool is
// drained, so requests in flight are answered before listen() returns.
// run_server wakes this thread with a signal of its own once listen() ended.
void stop_on_signal(httplib::Server& server, const sigset_t& signals, const std::atomic<bool>& listen_returned) {
  bool stopping = false;
  for (int signal = 0; sigwait(&signals, &signal) == 0 && !listen_returned;) {
    if (stopping) continue;  // a repeated signal must not kill requests in flight
    stopping = true;
    log_line(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
             ": finishing requests in flight, then exiting");
    // stop() does nothing before listening has begun, and must not be repeated.
    while (!server.is_running() && !listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
    wake_idle_connections();
  }
}

int serve(httplib::Server& server, const ListenAddress& address, const std::string& listen) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  // Blocked before any thread exists, so all inherit it; left blocked on return
  // because a signal arriving during the exit must not turn exit code 0 into death.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> listen_returned = false;
  std::thread signal_thread(stop_on_signal, std::ref(server), std::cref(signals), std::cref(listen_returned));

  int exit_code = 0;
  prepare_idle_connections();
  if (!server.bind_to_port(address.host, address.port)) {
    std::cerr << "bisk serve: cannot listen on " << listen
              << " (address in use, or not allowed for this user): check BISK_LISTEN\n";
    exit_code = 1;
  } else {
    log_line("bisk serve: listening on " + listen);
    server.listen_after_bind();
    log_line("bisk serve: stopped");
  }
  listen_returned = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return exit_code;
}

// glibc's per-thread arenas give freed memory back with madvise as soon as it
// is freed and fault it in again on the next request: with dozens of worker
// threads that churn cost more CPU than the heartbeat itself (measured: 0.23 →
// 0.13 ms CPU per heartbeat, 5.4k → 10k req/s on SQLite). Fixed thresholds keep
// the pages; memory stays bounded by the peak working set.
void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int run_server(const Settings& settings) {
  keep_freed_memory_for_reuse();
  if (auto refused = check_heartbeat_key(settings)) return *refused;
  if (auto refused = check_schema(settings)) return *refused;
  WebContext context(settings);
  httplib::Server server;
  configure(server, context);
  register_routes(server, context);
  return serve(server, parse_listen(settings.listen), settings.listen);
}

}  // namespace bisk
