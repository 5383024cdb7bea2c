// Operators: users, their login sessions and their API tokens. Secrets are
// stored only as hashes: passwords as libsodium argon2id strings, session and
// bearer tokens as SHA-256 hex digests (high-entropy tokens need no slow hash).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.h"
#include "domain/entity_json.h"
#include "store/database.h"

namespace bisk {

struct User {
  Id id = 0;
  std::string username;
  std::string password_hash;
  bool is_admin = false;
  Instant created_at;
};

struct UserSession {
  Id id = 0;
  Id user_id = 0;
  std::string token_hash;
  std::string csrf_token;  // sent to the page, required on cookie-authenticated writes
  Instant created_at;
  Instant expires_at;
};

struct ApiToken {
  Id id = 0;
  Id user_id = 0;
  std::string token_hash;
  std::string name;
  Instant created_at;
  std::optional<Instant> last_used_at;
};

// Every field but the password hash, which never leaves the database.
Json to_json(const User& user, TimeZone zone);

class UserStore {
 public:
  explicit UserStore(Database& db) : db_(db) {}
  Id add(const User& user);  // kConflict "a user named 'x' already exists"; kInvalid for an empty/bad name
  std::optional<User> find(Id id);
  std::optional<User> find_by_username(const std::string& username);
  std::vector<User> list();
  void set_password_hash(Id id, const std::string& password_hash);  // and ends the user's sessions
  void remove(Id id);                                               // also its sessions and tokens

  Id add_session(const UserSession& session);
  // The session with this token hash, unless it has expired at `now`.
  std::optional<UserSession> find_session(const std::string& token_hash, Instant now);
  void remove_session(const std::string& token_hash);
  long long remove_expired_sessions(Instant now);

  Id add_token(const ApiToken& token);
  std::optional<ApiToken> find_token(const std::string& token_hash);
  void touch_token(Id id, Instant now);

 private:
  Database& db_;
};

}  // namespace bisk
