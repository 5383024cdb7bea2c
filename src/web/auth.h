// Operator authentication: admin sessions (cookie `bisk_session`, HttpOnly,
// SameSite=Strict) with CSRF tokens for cookie-authenticated writes, and bearer
// tokens (`Authorization: Bearer …`, from `bisk token create`) for scripts.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "domain/entities.h"
#include "web/web_context.h"

namespace bisk {

// Equal secrets, compared in time independent of where they differ.
bool constant_time_equal(const std::string& a, const std::string& b);

// The value of cookie `name` the request sent, if any.
std::optional<std::string> request_cookie(const httplib::Request& request, std::string_view name);

// argon2id through libsodium (crypto_pwhash_str).
std::string hash_password(const std::string& password);
bool verify_password(const std::string& password, const std::string& password_hash);

// 32 random bytes, URL-safe base64; and the SHA-256 hex digest stored for it.
std::string random_token();
std::string token_digest(const std::string& token);

struct Principal {
  Id user_id = 0;
  std::string username;
  bool is_admin = false;
  enum class Via { kSession, kBearer } via = Via::kSession;
  std::string csrf_token;  // sessions only
};

using AuthedHandler = std::function<void(const httplib::Request&, httplib::Response&, const Principal&)>;

// The user a request authenticates as: its bearer token when it sends one,
// else its session cookie.
std::optional<Principal> authenticate(WebContext& context, const httplib::Request& request);

// Runs `handler` only for an authenticated admin: no or a bad credential → 401
// JSON; an authenticated non-admin → 403; a cookie-authenticated request other
// than GET/HEAD without the session's CSRF token (header X-CSRF-Token or form
// field csrf_token) → 403.
httplib::Server::Handler admin_only(WebContext& context, AuthedHandler handler);

// The same for HTML pages and their partials: an anonymous browser is sent to
// the login page (303 to /login?next=<this page>; an htmx request gets 401
// with HX-Redirect, so the whole page goes there); other refusals are 403.
httplib::Server::Handler admin_page(WebContext& context, AuthedHandler handler);

// One login attempt, as the JSON API and the login form both make it.
struct LoginAttempt {
  enum class Outcome { kLoggedIn, kWrongCredentials, kRateLimited } outcome;
  int retry_after_s = 0;        // kRateLimited (also sent as Retry-After)
  std::string csrf_token;       // kLoggedIn: the new session's
  std::string message() const;  // what to tell the user when refused
};
// Checks the rate limit and the password; on success starts a session whose
// cookie goes on `response`.
LoginAttempt log_in(WebContext& context, const std::string& username, const std::string& password,
                    const std::string& address, httplib::Response& response);
// Ends the request's session, if any, and clears its cookie on `response`.
void log_out(WebContext& context, const httplib::Request& request, httplib::Response& response);

// True for a path on this server ("/dash/…"), the only place a login may
// send the browser back to (no "//host", no scheme, no control characters).
bool is_local_path(std::string_view target);

// Refuses repeated failed logins: after 5 failures within 15 minutes for a
// username or a client address, further attempts are answered 429 with
// Retry-After until the window has passed.
class LoginRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kMaxFailures = 5;
  static constexpr std::chrono::minutes kWindow{15};

  // Seconds to wait when the attempt must be refused now, else 0.
  int retry_after_s(const std::string& username, const std::string& address);
  void record_failure(const std::string& username, const std::string& address);
  void record_success(const std::string& username, const std::string& address);
  // The same at a given time (tests).
  int retry_after_s(const std::string& username, const std::string& address, Clock::time_point now);
  void record_failure(const std::string& username, const std::string& address, Clock::time_point now);

 private:
  // Drops failures older than the window, and keys left with none.
  void prune(Clock::time_point now);
  int key_retry_after_s(const std::string& key, Clock::time_point now);

  std::mutex mutex_;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> failures_;
};

// POST /api/v1/login {"username","password"} → sets the session cookie and
// returns {"ok":true,"csrf_token":…}; POST /api/v1/logout.
void register_auth_routes(httplib::Server& server, WebContext& context);

}  // namespace bisk
