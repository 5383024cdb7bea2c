#include "web/auth.h"

#include <sodium.h>

#include <algorithm>
#include <semaphore>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "common/time.h"
#include "store/user_store.h"
#include "web/http_util.h"

namespace bisk {
namespace {

constexpr char kSessionCookie[] = "bisk_session";
constexpr std::chrono::hours kSessionLifetime{12};
constexpr char kAuthRequired[] = "authentication required: log in or send Authorization: Bearer <token>";
// A token's last_used_at is informational: refreshing it at most this often
// spares a database write on every scripted request.
constexpr std::chrono::minutes kTouchInterval{1};

void ensure_sodium() {
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) throw std::runtime_error("libsodium could not be initialised");
}

// Each argon2id verification takes ~64 MiB and a good fraction of a second;
// bounding how many run at once keeps a burst of logins from exhausting memory
// or every server thread.
std::counting_semaphore<2> password_hashing_slots{2};

class HashingSlot {
 public:
  HashingSlot() { password_hashing_slots.acquire(); }
  ~HashingSlot() { password_hashing_slots.release(); }
  HashingSlot(const HashingSlot&) = delete;
  HashingSlot& operator=(const HashingSlot&) = delete;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of `name` in "a=1; b=2"-style text split by `separator`.
std::optional<std::string> field_value(std::string_view text, char separator, std::string_view name) {
  while (!text.empty()) {
    const size_t end = std::min(text.find(separator), text.size());
    const std::string_view pair = trim(text.substr(0, end));
    const size_t equals = pair.find('=');
    if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name) {
      return std::string(trim(pair.substr(equals + 1)));
    }
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return std::nullopt;
}

std::optional<std::string> bearer_token(const httplib::Request& request) {
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  return std::string(trim(std::string_view(header).substr(kScheme.size())));
}

std::optional<std::string> session_cookie(const httplib::Request& request) {
  return request_cookie(request, kSessionCookie);
}

Principal principal_for(const User& user, Principal::Via via, std::string csrf_token = "") {
  return Principal{user.id, user.username, user.is_admin, via, std::move(csrf_token)};
}

std::optional<Principal> authenticate_bearer(UserStore& users, const std::string& token) {
  const auto api_token = users.find_token(token_digest(token));
  if (!api_token) return std::nullopt;
  const auto user = users.find(api_token->user_id);
  if (!user) return std::nullopt;
  const Instant now = now_instant();
  if (!api_token->last_used_at || now - *api_token->last_used_at >= kTouchInterval)
    users.touch_token(api_token->id, now);
  return principal_for(*user, Principal::Via::kBearer);
}

std::optional<Principal> authenticate_session(UserStore& users, const std::string& token) {
  const auto session = users.find_session(token_digest(token), now_instant());
  if (!session) return std::nullopt;
  const auto user = users.find(session->user_id);
  if (!user) return std::nullopt;
  return principal_for(*user, Principal::Via::kSession, session->csrf_token);
}

bool is_safe_method(const std::string& method) { return method == "GET" || method == "HEAD"; }

std::optional<std::string> sent_csrf_token(const httplib::Request& request) {
  if (request.has_header("X-CSRF-Token")) return request.get_header_value("X-CSRF-Token");
  if (request.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    // Our tokens are URL-safe base64, which form encoding leaves unchanged.
    return field_value(request.body, '&', "csrf_token");
  }
  return std::nullopt;
}

bool csrf_ok(const httplib::Request& request, const Principal& principal) {
  if (principal.via != Principal::Via::kSession || is_safe_method(request.method)) return true;
  const auto sent = sent_csrf_token(request);
  return sent && !principal.csrf_token.empty() && constant_time_equal(*sent, principal.csrf_token);
}

// Verifying against this for unknown users makes them take as long as a wrong password.
const std::string& dummy_password_hash() {
  static const std::string hash = hash_password(random_token());
  return hash;
}

std::string session_cookie_header(const std::string& token, long long max_age_s) {
  return std::string(kSessionCookie) + "=" + token +
         "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age_s);
}

struct Credentials {
  std::string username;
  std::string password;
};

std::optional<Credentials> read_credentials(const httplib::Request& request, httplib::Response& response) {
  const auto body = json_body(request, response);
  if (!body) return std::nullopt;
  const auto username = body->find("username");
  const auto password = body->find("password");
  if (username == body->end() || !username->is_string() || password == body->end() || !password->is_string()) {
    send_error(response, 400, "send {\"username\": \"…\", \"password\": \"…\"} (both strings)");
    return std::nullopt;
  }
  return Credentials{username->get<std::string>(), password->get<std::string>()};
}

// Starts a session for `user` (its cookie on `response`) and returns its CSRF token.
std::string start_session(WebContext& context, const User& user, httplib::Response& response) {
  const std::string token = random_token();
  const Instant now = now_instant();
  UserSession session;
  session.user_id = user.id;
  session.token_hash = token_digest(token);
  session.csrf_token = random_token();
  session.created_at = now;
  session.expires_at = now + kSessionLifetime;
  UserStore users(context.db());
  users.remove_expired_sessions(now);  // keeps the table to live sessions without a separate job
  users.add_session(session);
  response.set_header("Set-Cookie", session_cookie_header(token, std::chrono::seconds(kSessionLifetime).count()));
  return session.csrf_token;
}

void handle_login(WebContext& context, const httplib::Request& request, httplib::Response& response) {
  const auto credentials = read_credentials(request, response);
  if (!credentials) return;
  const LoginAttempt attempt =
      log_in(context, credentials->username, credentials->password, request.remote_addr, response);
  switch (attempt.outcome) {
    case LoginAttempt::Outcome::kLoggedIn:
      send_json(response, 200,
                Json{{"ok", true}, {"username", credentials->username}, {"csrf_token", attempt.csrf_token}});
      return;
    case LoginAttempt::Outcome::kRateLimited:
      send_error(response, 429, attempt.message());
      return;
    case LoginAttempt::Outcome::kWrongCredentials:
      send_error(response, 401, attempt.message());
      return;
  }
}

void handle_logout(WebContext& context, const httplib::Request& request, httplib::Response& response) {
  log_out(context, request, response);
  send_json(response, 200, Json{{"ok", true}});
}

enum class Refusal { kAnonymous, kNotAdmin, kBadCsrf };

std::variant<Principal, Refusal> check_admin(WebContext& context, const httplib::Request& request) {
  auto principal = authenticate(context, request);
  if (!principal) return Refusal::kAnonymous;
  if (!principal->is_admin) return Refusal::kNotAdmin;
  if (!csrf_ok(request, *principal)) return Refusal::kBadCsrf;
  return std::move(*principal);
}

constexpr std::string_view refusal_message(Refusal refusal) {
  switch (refusal) {
    case Refusal::kAnonymous:
      return kAuthRequired;
    case Refusal::kNotAdmin:
      return "this account is not an administrator";
    case Refusal::kBadCsrf:
      return "missing or wrong CSRF token";
  }
  return "";
}

// Where a login page may send the browser back to: a path of this server only.
std::string login_url_for(const httplib::Request& request) {
  std::string target = request.path;
  if (!request.params.empty()) {
    target += '?';
    bool first = true;
    for (const auto& [name, value] : request.params) {
      if (!first) target += '&';
      first = false;
      target += httplib::detail::encode_query_param(name) + "=" + httplib::detail::encode_query_param(value);
    }
  }
  return "/login?next=" + httplib::detail::encode_query_param(target);
}

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Only the contents are secret, not the lengths.
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> request_cookie(const httplib::Request& request, std::string_view name) {
  return field_value(request.get_header_value("Cookie"), ';', name);
}

// A bearer token, when one is sent, is the only credential considered.
std::optional<Principal> authenticate(WebContext& context, const httplib::Request& request) {
  UserStore users(context.db());
  if (request.has_header("Authorization")) {
    const auto token = bearer_token(request);
    return token ? authenticate_bearer(users, *token) : std::nullopt;
  }
  const auto cookie = session_cookie(request);
  return cookie ? authenticate_session(users, *cookie) : std::nullopt;
}

std::string LoginAttempt::message() const {
  if (outcome == Outcome::kRateLimited)
    return "too many failed logins; try again in " + std::to_string(retry_after_s) + " s";
  if (outcome == Outcome::kWrongCredentials) return "wrong username or password";
  return "";
}

LoginAttempt log_in(WebContext& context, const std::string& username, const std::string& password,
                    const std::string& address, httplib::Response& response) {
  LoginRateLimiter& limiter = context.login_limiter();
  if (const int wait_s = limiter.retry_after_s(username, address); wait_s > 0) {
    response.set_header("Retry-After", std::to_string(wait_s));
    return {LoginAttempt::Outcome::kRateLimited, wait_s, ""};
  }
  const auto user = UserStore(context.db()).find_by_username(username);
  const bool password_ok = verify_password(password, user ? user->password_hash : dummy_password_hash());
  if (!user || !password_ok) {
    limiter.record_failure(username, address);
    return {LoginAttempt::Outcome::kWrongCredentials, 0, ""};
  }
  limiter.record_success(username, address);
  return {LoginAttempt::Outcome::kLoggedIn, 0, start_session(context, *user, response)};
}

void log_out(WebContext& context, const httplib::Request& request, httplib::Response& response) {
  if (const auto token = session_cookie(request)) UserStore(context.db()).remove_session(token_digest(*token));
  response.set_header("Set-Cookie", session_cookie_header("", 0));
}

bool is_local_path(std::string_view target) {
  return target.starts_with('/') && !target.starts_with("//") && target.find('\\') == std::string_view::npos &&
         std::none_of(target.begin(), target.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

std::string hash_password(const std::string& password) {
  ensure_sodium();
  HashingSlot slot;
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("hashing the password failed (out of memory)");
  }
  return hash;
}

bool verify_password(const std::string& password, const std::string& password_hash) {
  ensure_sodium();
  HashingSlot slot;
  return crypto_pwhash_str_verify(password_hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_token() {
  ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char text[sodium_base64_ENCODED_LEN(sizeof bytes, kVariant)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, kVariant);
  return text;
}

std::string token_digest(const std::string& token) {
  ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

httplib::Server::Handler admin_only(WebContext& context, AuthedHandler handler) {
  return [&context, handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
    auto checked = check_admin(context, request);
    if (auto* principal = std::get_if<Principal>(&checked)) {
      handler(request, response, *principal);
      return;
    }
    const Refusal refusal = std::get<Refusal>(checked);
    if (refusal == Refusal::kAnonymous) response.set_header("WWW-Authenticate", "Bearer");
    send_error(response, refusal == Refusal::kAnonymous ? 401 : 403, std::string(refusal_message(refusal)));
  };
}

httplib::Server::Handler admin_page(WebContext& context, AuthedHandler handler) {
  return [&context, handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
    auto checked = check_admin(context, request);
    if (auto* principal = std::get_if<Principal>(&checked)) {
      handler(request, response, *principal);
      return;
    }
    const Refusal refusal = std::get<Refusal>(checked);
    if (refusal == Refusal::kAnonymous) {
      const std::string login = login_url_for(request);
      if (request.has_header("HX-Request")) {
        // A partial: htmx sends the whole page to the login form.
        response.set_header("HX-Redirect", login);
        response.status = 401;
      } else {
        response.set_redirect(login, 303);
      }
      response.set_content("log in first: " + login, "text/plain; charset=utf-8");
      return;
    }
    response.status = 403;
    response.set_content(std::string(refusal_message(refusal)), "text/plain; charset=utf-8");
  };
}

void register_auth_routes(httplib::Server& server, WebContext& context) {
  server.Post("/api/v1/login", [&context](const httplib::Request& request, httplib::Response& response) {
    handle_login(context, request, response);
  });
  server.Post("/api/v1/logout",
              admin_only(context, [&context](const httplib::Request& request, httplib::Response& response,
                                             const Principal&) { handle_logout(context, request, response); }));
}

int LoginRateLimiter::retry_after_s(const std::string& username, const std::string& address) {
  return retry_after_s(username, address, Clock::now());
}

void LoginRateLimiter::record_failure(const std::string& username, const std::string& address) {
  record_failure(username, address, Clock::now());
}

int LoginRateLimiter::retry_after_s(const std::string& username, const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  prune(now);
  return std::max(key_retry_after_s("user:" + username, now), key_retry_after_s("address:" + address, now));
}

void LoginRateLimiter::record_failure(const std::string& username, const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  // A full sweep per failure is cheap next to the password hash that preceded
  // it, and bounds the map even when every attempt names another user.
  prune(now);
  failures_["user:" + username].push_back(now);
  failures_["address:" + address].push_back(now);
}

void LoginRateLimiter::record_success(const std::string& username, const std::string& /*address*/) {
  // Only the account's record is cleared: one valid login must not reset an
  // address that is guessing other accounts' passwords.
  std::lock_guard lock(mutex_);
  failures_.erase("user:" + username);
}

void LoginRateLimiter::prune(Clock::time_point now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    auto& times = it->second;
    times.erase(times.begin(), std::find_if(times.begin(), times.end(), [&](auto t) { return now - t < kWindow; }));
    it = times.empty() ? failures_.erase(it) : std::next(it);
  }
}

int LoginRateLimiter::key_retry_after_s(const std::string& key, Clock::time_point now) {
  const auto found = failures_.find(key);
  if (found == failures_.end() || found->second.size() < kMaxFailures) return 0;
  // Attempts resume once fewer than kMaxFailures failures remain in the window.
  const auto& times = found->second;
  const auto frees_at = times[times.size() - kMaxFailures] + kWindow;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(frees_at - now);
  return std::max<int>(1, static_cast<int>(wait.count()));
}

}  // namespace bisk
