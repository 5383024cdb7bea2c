// `bisk serve` as it runs in production: startup refusals, /healthz, operator
// login (cookie session + CSRF, bearer tokens, rate limiting), graceful
// shutdown and an access log free of secrets; plus the `bisk user` and
// `bisk token` commands that create those operators.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/server_process.h"
#include "support/subprocess.h"
#include "testing/test_databases.h"

namespace bisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHeartbeatKey[] = "hb-key-4f9c2e7a1d";
constexpr char kPassword[] = "correct horse battery staple";

class ServeAuthTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  ServeAuthTest() : database_(GetParam()) { std::ofstream(home_.file("bisk.env")) << "# empty env file for tests\n"; }

  std::map<std::string, std::string> environment() const {
    return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},  {"HOME", home_.path()},
            {"BISK_ENV_FILE", home_.file("bisk.env")}, {"BISK_DATABASE_URL", database_.url()},
            {"BISK_TIME_ZONE", "Europe/Berlin"},       {"BISK_NODE", "test-node"},
            {"BISK_HEARTBEAT_KEY", kHeartbeatKey}};
  }

  ProcessResult bisk(std::vector<std::string> args, const std::string& stdin_text = "",
                     std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), BISK_BINARY);
    if (env.empty()) env = environment();
    ProcessResult result = run_process(args, env, stdin_text);
    EXPECT_FALSE(result.timed_out) << "bisk timed out";
    return result;
  }

  std::string ok(std::vector<std::string> args, const std::string& stdin_text = "") {
    auto result = bisk(args, stdin_text);
    EXPECT_EQ(result.exit_code, 0) << "stdout: " << result.out << "\nstderr: " << result.err;
    return result.out;
  }

  void migrate() { ok({"migrate"}); }
  void add_user(const std::string& name, bool admin) {
    std::vector<std::string> args = {"user", "add", name, "--password-stdin"};
    if (admin) args.push_back("--admin");
    ok(args, std::string(kPassword) + "\n");
  }
  // A migrated database with admin "alice" and a running server.
  ServerProcess& start() {
    migrate();
    add_user("alice", true);
    server_ = std::make_unique<ServerProcess>(environment());
    return *server_;
  }

  httplib::Result login(const std::string& username, const std::string& password) {
    const nlohmann::json body = {{"username", username}, {"password", password}};
    return server_->client().Post("/api/v1/login", body.dump(), "application/json");
  }

  struct Session {
    std::string cookie;  // "bisk_session=…"
    std::string csrf_token;
  };
  Session login_ok(const std::string& username) {
    auto response = login(username, kPassword);
    EXPECT_TRUE(response && response->status == 200);
    if (!response || response->status != 200) return {};
    const std::string set_cookie = response->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')),
            nlohmann::json::parse(response->body)["csrf_token"].get<std::string>()};
  }

  httplib::Result post_logout(const httplib::Headers& headers) {
    return server_->client().Post("/api/v1/logout", headers, "", "application/json");
  }

  TempDir home_;
  TestDatabase database_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ServeAuthTest, RefusesToStartWithoutHeartbeatKeyNamingItAndTheEnvFile) {
  migrate();
  auto env = environment();
  env.erase("BISK_HEARTBEAT_KEY");
  const auto result = bisk({"serve", "--listen", "127.0.0.1:" + std::to_string(free_loopback_port())}, "", env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("BISK_HEARTBEAT_KEY"));
  EXPECT_THAT(result.err, HasSubstr(home_.file("bisk.env")));
}

TEST_P(ServeAuthTest, RefusesToStartOnAnUnmigratedDatabaseNamingTheFix) {
  const auto result = bisk({"serve", "--listen", "127.0.0.1:" + std::to_string(free_loopback_port())});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("bisk migrate"));
}

TEST_P(ServeAuthTest, HealthzNeedsNoLogin) {
  auto response = start().client().Get("/healthz");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body), nlohmann::json({{"ok", true}}));
}

TEST_P(ServeAuthTest, LoginSetsAnHttpOnlyStrictSessionCookieAndReturnsTheCsrfToken) {
  start();
  auto response = login("alice", kPassword);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const std::string cookie = response->get_header_value("Set-Cookie");
  EXPECT_THAT(cookie, HasSubstr("bisk_session="));
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  const auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["username"], "alice");
  EXPECT_GE(body["csrf_token"].get<std::string>().size(), 32u);
}

TEST_P(ServeAuthTest, WrongPasswordAndUnknownUserGetTheSame401) {
  start();
  auto wrong = login("alice", "not the password");
  auto unknown = login("mallory", kPassword);
  ASSERT_TRUE(wrong && unknown);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(wrong->body, unknown->body);
  EXPECT_THAT(wrong->body, HasSubstr("wrong username or password"));
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
}

TEST_P(ServeAuthTest, MalformedLoginRequestsAre400Or415) {
  auto client = start().client();
  auto not_json = client.Post("/api/v1/login", "{user", "application/json");
  auto not_object = client.Post("/api/v1/login", "[1]", "application/json");
  auto missing_field = client.Post("/api/v1/login", R"({"username":"alice"})", "application/json");
  auto form = client.Post("/api/v1/login", "username=alice", "text/plain");
  ASSERT_TRUE(not_json && not_object && missing_field && form);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_THAT(not_json->body, HasSubstr("not valid JSON"));
  EXPECT_EQ(not_object->status, 400);
  EXPECT_THAT(not_object->body, HasSubstr("JSON object"));
  EXPECT_EQ(missing_field->status, 400);
  EXPECT_EQ(form->status, 415);
}

TEST_P(ServeAuthTest, SixthWrongAttemptIs429AndEvenTheRightPasswordWaits) {
  start();
  for (int attempt = 1; attempt <= 5; ++attempt) {
    auto response = login("alice", "guess " + std::to_string(attempt));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401) << "attempt " << attempt;
  }
  auto sixth = login("alice", "guess 6");
  ASSERT_TRUE(sixth);
  EXPECT_EQ(sixth->status, 429);
  EXPECT_GT(std::stoi(sixth->get_header_value("Retry-After")), 0);
  auto right = login("alice", kPassword);
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 429);
  EXPECT_FALSE(right->has_header("Set-Cookie"));
}

TEST_P(ServeAuthTest, CookieWritesNeedTheCsrfToken) {
  start();
  const Session session = login_ok("alice");
  auto without = post_logout({{"Cookie", session.cookie}});
  auto wrong = post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token + "x"}});
  ASSERT_TRUE(without && wrong);
  EXPECT_EQ(without->status, 403);
  EXPECT_THAT(without->body, HasSubstr("missing or wrong CSRF token"));
  EXPECT_EQ(wrong->status, 403);
  auto with = post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}});
  ASSERT_TRUE(with);
  EXPECT_EQ(with->status, 200) << with->body;
}

TEST_P(ServeAuthTest, CsrfTokenMayComeAsAFormField) {
  start();
  const Session session = login_ok("alice");
  auto response = server_->client().Post("/api/v1/logout", {{"Cookie", session.cookie}},
                                         "csrf_token=" + session.csrf_token, "application/x-www-form-urlencoded");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
}

TEST_P(ServeAuthTest, LogoutEndsTheSessionAndClearsTheCookie) {
  start();
  const Session session = login_ok("alice");
  auto logout = post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}});
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 200);
  EXPECT_THAT(logout->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  auto again = post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 401);
  EXPECT_THAT(again->body, HasSubstr("authentication required"));
}

TEST_P(ServeAuthTest, NonAdminsMayLogInButAreRefused403) {
  start();
  add_user("bob", false);
  const Session session = login_ok("bob");
  auto response = post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
}

TEST_P(ServeAuthTest, BearerTokenFromTokenCreateWorksAndAMadeUpOneDoesNot) {
  start();
  const auto created = bisk({"token", "create", "--user", "alice", "--name", "ci"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("cannot be shown again"));
  const std::string token = created.out.substr(0, created.out.find('\n'));
  auto good = post_logout({{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;  // no CSRF token needed: not a cookie
  auto made_up = post_logout({{"Authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}});
  auto none = post_logout({});
  ASSERT_TRUE(made_up && none);
  EXPECT_EQ(made_up->status, 401);
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->body, HasSubstr("authentication required: log in or send Authorization: Bearer <token>"));
}

// A raw connection, so the test controls when the request's body arrives.
int connect_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

void send_all(int fd, const std::string& data) {
  ASSERT_EQ(send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
}

std::string receive_all(int fd) {
  std::string data;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) data.append(buffer, static_cast<size_t>(n));
  return data;
}

TEST_P(ServeAuthTest, SigtermLetsARequestInFlightFinishThenExitsZero) {
  start();
  const std::string body = nlohmann::json({{"username", "alice"}, {"password", kPassword}}).dump();
  const int fd = connect_loopback(server_->port());
  send_all(fd,
           "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server is now reading the body
  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(server_->running()) << "exited with a request in flight";
  send_all(fd, body.substr(10));
  const std::string response = receive_all(fd);
  close(fd);
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("bisk_session="));
  // A repeated signal must not cut the shutdown short either.
  EXPECT_EQ(server_->stop(SIGTERM), 0) << server_->log();
  EXPECT_THAT(server_->log(), HasSubstr("received SIGTERM"));
}

TEST_P(ServeAuthTest, AccessLogHasOneLinePerRequestAndNoSecrets) {
  start();
  const Session session = login_ok("alice");
  const std::string token = ok({"token", "create", "--user", "alice"}).substr(0, 43);
  auto client = server_->client();
  ASSERT_TRUE(client.Get("/healthz?key=query-secret-91"));
  ASSERT_TRUE(client.Post("/api/runner/heartbeat/", {{"X-BISK-KEY", kHeartbeatKey}}, "{}", "application/json"));
  ASSERT_TRUE(post_logout({{"Authorization", "Bearer " + token}}));
  ASSERT_TRUE(post_logout({{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf_token}}));
  ASSERT_EQ(server_->stop(), 0);
  const std::string log = server_->log();
  EXPECT_THAT(log, HasSubstr("POST /api/v1/login 200 "));
  EXPECT_THAT(log, HasSubstr("GET /healthz 200 "));
  EXPECT_THAT(log, HasSubstr("POST /api/runner/heartbeat/ "));
  EXPECT_THAT(log, HasSubstr("POST /api/v1/logout 200 "));
  for (const std::string& secret : {std::string(kHeartbeatKey), std::string(kPassword), std::string("query-secret"),
                                    token, session.cookie.substr(session.cookie.find('=') + 1), session.csrf_token}) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(log, Not(HasSubstr("/healthz?")));
}

TEST_P(ServeAuthTest, UserAddWithoutPasswordStdinIsAUsageError) {
  migrate();
  const auto result = bisk({"user", "add", "carol", "--admin"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--password-stdin"));
  EXPECT_THAT(result.err, HasSubstr("never taken on the command line"));
  const auto empty = bisk({"user", "add", "carol", "--password-stdin"}, "\n");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(ok({"user", "list"}), Not(HasSubstr("carol")));
}

TEST_P(ServeAuthTest, UserListNeverShowsPasswordHashes) {
  migrate();
  add_user("alice", true);
  add_user("bob", false);
  const std::string table = ok({"user", "list"});
  const std::string json = ok({"user", "list", "--json"});
  EXPECT_THAT(table, HasSubstr("alice"));
  EXPECT_THAT(table, HasSubstr("bob"));
  for (const auto& text : {table, json}) EXPECT_THAT(text, Not(HasSubstr("argon2")));
  const auto users = nlohmann::json::parse(json);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0]["username"], "alice");
  EXPECT_EQ(users[0]["is_admin"], true);
  EXPECT_EQ(users[1]["is_admin"], false);
}

TEST_P(ServeAuthTest, PasswdChangesTheLoginPasswordAndDeleteRemovesTheUser) {
  start();
  ok({"user", "passwd", "alice", "--password-stdin"}, "a new password\n");
  auto old_password = login("alice", kPassword);
  auto new_password = login("alice", "a new password");
  ASSERT_TRUE(old_password && new_password);
  EXPECT_EQ(old_password->status, 401);
  EXPECT_EQ(new_password->status, 200);
  ok({"user", "delete", "alice"});
  EXPECT_EQ(bisk({"user", "delete", "alice"}).exit_code, 1);
  auto deleted = login("alice", "a new password");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServeAuthTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bisk::testing
