// What every request handler of `bisk serve` shares: the configuration, a
// database connection for the calling thread, the metrics and the in-process
// state that must outlive one request (heartbeat gate, login limiter).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "store/database.h"

namespace bisk {

class Metrics;           // web/metrics.h
class HeartbeatGate;     // web/heartbeat_api.h
class LoginRateLimiter;  // web/auth.h
class Enroller;          // web/enrollment.h
class PageTemplates;     // web/page_templates.h

class WebContext {
 public:
  explicit WebContext(Settings settings);
  ~WebContext();

  const Settings& settings() const { return settings_; }
  TimeZone zone() const { return settings_.time_zone; }
  // This thread's connection, opened on first use (SOCI sessions are not
  // thread-safe; server threads live as long as the server).
  Database& db();

  Metrics& metrics() { return *metrics_; }
  HeartbeatGate& heartbeat_gate() { return *heartbeat_gate_; }
  LoginRateLimiter& login_limiter() { return *login_limiter_; }
  Enroller& enroller() { return *enroller_; }
  // The dashboard's templates from BISK_WEB_DIR, or null (with the reason in
  // templates_error()) when they could not be read: the API works without them.
  const PageTemplates* templates() const { return templates_.get(); }
  const std::string& templates_error() const { return templates_error_; }

 private:
  Settings settings_;
  // Keys this context's per-thread connections: unlike its address, never reused
  // by a later context (which may name another database).
  std::uint64_t id_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<HeartbeatGate> heartbeat_gate_;
  std::unique_ptr<LoginRateLimiter> login_limiter_;
  std::unique_ptr<Enroller> enroller_;
  std::unique_ptr<PageTemplates> templates_;
  std::string templates_error_;
};

}  // namespace bisk
