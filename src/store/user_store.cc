#include "store/user_store.h"

#include <algorithm>

#include "store/store_support.h"

namespace bisk {
namespace {

constexpr std::size_t kMaxUsernameLength = 64;

// Usernames appear in logs, URLs and the CLI: a conservative character set.
std::vector<FieldError> validate_user(const User& user) {
  std::vector<FieldError> errors;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '-';
  };
  if (user.username.empty() || user.username.size() > kMaxUsernameLength) {
    errors.push_back({"username", "must have 1 to 64 characters"});
  } else if (!std::all_of(user.username.begin(), user.username.end(), allowed)) {
    errors.push_back({"username", "may contain only letters, digits and . _ @ - (got " + quoted(user.username) + ")"});
  }
  if (user.password_hash.empty()) errors.push_back({"password_hash", "must not be empty"});
  return errors;
}

std::string username_taken(const std::string& username) {
  return "a user named " + quoted(username) + " already exists";
}

std::vector<User> read_users(Database& db, const Conditions& conditions) {
  std::string sql = "SELECT id, username, password_hash, is_admin, created_at FROM users";
  sql += conditions.where();
  sql += " ORDER BY id";
  BulkQuery query(db, sql, conditions.params());
  const auto& id = query.column<long long>();
  const auto& username = query.column<std::string>();
  const auto& password_hash = query.column<std::string>();
  const auto& is_admin = query.column<int>();
  const auto& created_at = query.column<long long>();
  std::vector<User> users;
  query.for_each_row([&](std::size_t row) {
    users.push_back(User{.id = id[row],
                         .username = username[row],
                         .password_hash = password_hash[row],
                         .is_admin = is_admin.as<bool>(row),
                         .created_at = created_at.as<Instant>(row)});
  });
  return users;
}

std::optional<User> first_user(Database& db, const std::string& condition, SqlValue value) {
  Conditions conditions;
  conditions.add(condition, std::move(value));
  std::vector<User> users = read_users(db, conditions);
  if (users.empty()) return std::nullopt;
  return std::move(users.front());
}

}  // namespace

Id UserStore::add(const User& user) {
  throw_if_invalid(validate_user(user));
  return with_store_errors(db_, username_taken(user.username), [&] {
    return insert_returning_id(db_,
                               "INSERT INTO users (username, password_hash, is_admin, created_at) "
                               "VALUES (:username, :password_hash, :is_admin, :created_at) RETURNING id",
                               user.username, user.password_hash, user.is_admin, user.created_at);
  });
}

std::optional<User> UserStore::find(Id id) {
  return with_store_errors(db_, "", [&] { return first_user(db_, "id = :id", static_cast<long long>(id)); });
}

std::optional<User> UserStore::find_by_username(const std::string& username) {
  return with_store_errors(db_, "", [&] { return first_user(db_, "username = :username", username); });
}

std::vector<User> UserStore::list() {
  return with_store_errors(db_, "", [&] { return read_users(db_, Conditions()); });
}

void UserStore::set_password_hash(Id id, const std::string& password_hash) {
  if (password_hash.empty()) throw_if_invalid({{"password_hash", "must not be empty"}});
  with_store_errors(db_, "", [&] {
    Transaction transaction(db_);
    if (execute(db_, "UPDATE users SET password_hash = :hash WHERE id = :id", password_hash, id) == 0) {
      throw_not_found("user", id);
    }
    // Whoever logged in with the old password is logged out.
    execute(db_, "DELETE FROM user_sessions WHERE user_id = :id", id);
    transaction.commit();
  });
}

Json to_json(const User& user, TimeZone zone) {
  return {{"id", user.id},
          {"username", user.username},
          {"is_admin", user.is_admin},
          {"created_at", format_instant(user.created_at, zone)}};
}

void UserStore::remove(Id id) {
  // Its sessions and tokens go with it (ON DELETE CASCADE).
  with_store_errors(db_, "", [&] {
    if (execute(db_, "DELETE FROM users WHERE id = :id", id) == 0) throw_not_found("user", id);
  });
}

Id UserStore::add_session(const UserSession& session) {
  return with_store_errors(db_, "", [&] {
    return insert_returning_id(db_,
                               "INSERT INTO user_sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
                               "VALUES (:token_hash, :user_id, :csrf_token, :created_at, :expires_at) RETURNING id",
                               session.token_hash, session.user_id, session.csrf_token, session.created_at,
                               session.expires_at);
  });
}

std::optional<UserSession> UserStore::find_session(const std::string& token_hash, Instant now) {
  return with_store_errors(db_, "", [&]() -> std::optional<UserSession> {
    UserSession session;
    db_.session() << "SELECT id, user_id, token_hash, csrf_token, created_at, expires_at FROM user_sessions "
                     "WHERE token_hash = :token_hash AND expires_at > :now",
        soci::use(token_hash), soci::use(now), soci::into(session.id), soci::into(session.user_id),
        soci::into(session.token_hash), soci::into(session.csrf_token), soci::into(session.created_at),
        soci::into(session.expires_at);
    if (!db_.session().got_data()) return std::nullopt;
    return session;
  });
}

void UserStore::remove_session(const std::string& token_hash) {
  with_store_errors(db_, "",
                    [&] { execute(db_, "DELETE FROM user_sessions WHERE token_hash = :token_hash", token_hash); });
}

long long UserStore::remove_expired_sessions(Instant now) {
  return with_store_errors(db_, "",
                           [&] { return execute(db_, "DELETE FROM user_sessions WHERE expires_at <= :now", now); });
}

Id UserStore::add_token(const ApiToken& token) {
  return with_store_errors(db_, "an API token with this hash already exists", [&] {
    return insert_returning_id(db_,
                               "INSERT INTO api_tokens (user_id, token_hash, name, created_at, last_used_at) "
                               "VALUES (:user_id, :token_hash, :name, :created_at, :last_used_at) RETURNING id",
                               token.user_id, token.token_hash, token.name, token.created_at, token.last_used_at);
  });
}

std::optional<ApiToken> UserStore::find_token(const std::string& token_hash) {
  return with_store_errors(db_, "", [&]() -> std::optional<ApiToken> {
    ApiToken token;
    db_.session() << "SELECT id, user_id, token_hash, name, created_at, last_used_at FROM api_tokens "
                     "WHERE token_hash = :token_hash",
        soci::use(token_hash), soci::into(token.id), soci::into(token.user_id), soci::into(token.token_hash),
        soci::into(token.name), soci::into(token.created_at), soci::into(token.last_used_at);
    if (!db_.session().got_data()) return std::nullopt;
    return token;
  });
}

void UserStore::touch_token(Id id, Instant now) {
  with_store_errors(db_, "", [&] {
    if (execute(db_, "UPDATE api_tokens SET last_used_at = :now WHERE id = :id", now, id) == 0) {
      throw_not_found("API token", id);
    }
  });
}

}  // namespace bisk
