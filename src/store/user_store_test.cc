#include "store/user_store.h"

#include "store/store_test_support.h"

namespace bisk {
namespace {

using Kind = StoreError::Kind;

class UserStoreTest : public StoreTest {
 protected:
  static User make_user(const std::string& username) {
    User user;
    user.username = username;
    user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    user.created_at = at_ms(1'700'000'000'000);
    return user;
  }

  UserSession make_session(Id user_id, const std::string& token_hash, long long expires_ms) {
    UserSession session;
    session.user_id = user_id;
    session.token_hash = token_hash;
    session.csrf_token = "csrf-" + token_hash;
    session.created_at = at_ms(1000);
    session.expires_at = at_ms(expires_ms);
    return session;
  }

  ApiToken make_token(Id user_id, const std::string& token_hash) {
    ApiToken token;
    token.user_id = user_id;
    token.token_hash = token_hash;
    token.name = "backup script";
    token.created_at = at_ms(2000);
    return token;
  }

  UserStore users_{*db_};
};
BISK_INSTANTIATE_FOR_ALL_BACKENDS(UserStoreTest);

std::string user_text(const User& u) {
  return std::to_string(u.id) + "|" + u.username + "|" + u.password_hash + "|" + std::to_string(u.is_admin) + "|" +
         std::to_string(to_epoch_ms(u.created_at));
}

TEST_P(UserStoreTest, RoundTripPreservesEveryField) {
  User user = make_user("ops.admin@school-1_b");
  user.is_admin = true;
  user.id = users_.add(user);
  EXPECT_GT(user.id, 0);
  ASSERT_TRUE(users_.find(user.id));
  EXPECT_EQ(user_text(*users_.find(user.id)), user_text(user));
  ASSERT_TRUE(users_.find_by_username("ops.admin@school-1_b"));
  EXPECT_EQ(user_text(*users_.find_by_username("ops.admin@school-1_b")), user_text(user));
  EXPECT_FALSE(users_.find_by_username("OPS.ADMIN@school-1_b"));
  EXPECT_FALSE(users_.find(user.id + 1));
}

TEST_P(UserStoreTest, ListIsOrderedById) {
  const Id zed = users_.add(make_user("zed"));
  const Id amy = users_.add(make_user("amy"));
  const auto users = users_.list();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].id, zed);
  EXPECT_EQ(users[1].id, amy);
  EXPECT_FALSE(users[1].is_admin);
}

TEST_P(UserStoreTest, UsernamesAreValidated) {
  EXPECT_TRUE(fails_with([&] { users_.add(make_user("")); }, Kind::kInvalid, "username: must have 1 to 64 characters"));
  EXPECT_TRUE(fails_with([&] { users_.add(make_user(std::string(65, 'a'))); }, Kind::kInvalid,
                         "username: must have 1 to 64 characters"));
  for (const char* bad : {"with space", "semi;colon", "slash/", "quote'", "ümlaut"}) {
    EXPECT_TRUE(fails_with([&] { users_.add(make_user(bad)); }, Kind::kInvalid, "username: may contain only")) << bad;
  }
  EXPECT_NO_THROW(users_.add(make_user(std::string(64, 'a'))));
  EXPECT_NO_THROW(users_.add(make_user("x")));
  User no_password = make_user("nopass");
  no_password.password_hash.clear();
  EXPECT_TRUE(fails_with([&] { users_.add(no_password); }, Kind::kInvalid, "password_hash: must not be empty"));
  EXPECT_EQ(users_.list().size(), 2u);
}

TEST_P(UserStoreTest, DuplicateUsernameIsAConflict) {
  users_.add(make_user("ada"));
  EXPECT_TRUE(fails_with([&] { users_.add(make_user("ada")); }, Kind::kConflict, "a user named 'ada' already exists"));
}

TEST_P(UserStoreTest, PasswordHashIsReplacedAndTheUsersSessionsEnd) {
  const Id id = users_.add(make_user("ada"));
  const Id other = users_.add(make_user("bob"));
  users_.add_session(make_session(id, "ada-session", 5000));
  users_.add_session(make_session(other, "bob-session", 5000));
  users_.set_password_hash(id, "$argon2id$new");
  EXPECT_EQ(users_.find(id)->password_hash, "$argon2id$new");
  EXPECT_FALSE(users_.find_session("ada-session", from_epoch_ms(1000)));
  EXPECT_TRUE(users_.find_session("bob-session", from_epoch_ms(1000)));
  EXPECT_TRUE(fails_with([&] { users_.set_password_hash(other + 1, "x"); }, Kind::kNotFound, "does not exist"));
  EXPECT_TRUE(fails_with([&] { users_.set_password_hash(id, ""); }, Kind::kInvalid, "must not be empty"));
}

TEST_P(UserStoreTest, SessionRoundTripsUntilItExpires) {
  const Id user = users_.add(make_user("ada"));
  UserSession session = make_session(user, "digest-1", 5000);
  session.id = users_.add_session(session);
  const auto found = users_.find_session("digest-1", at_ms(4999));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, session.id);
  EXPECT_EQ(found->user_id, user);
  EXPECT_EQ(found->token_hash, "digest-1");
  EXPECT_EQ(found->csrf_token, "csrf-digest-1");
  EXPECT_EQ(to_epoch_ms(found->created_at), 1000);
  EXPECT_EQ(to_epoch_ms(found->expires_at), 5000);
  EXPECT_FALSE(users_.find_session("digest-1", at_ms(5000)));  // expired at its expiry instant
  EXPECT_FALSE(users_.find_session("digest-2", at_ms(0)));
}

TEST_P(UserStoreTest, SessionsAreRemovedByTokenOrExpiry) {
  const Id user = users_.add(make_user("ada"));
  users_.add_session(make_session(user, "old", 1000));
  users_.add_session(make_session(user, "at-now", 2000));
  users_.add_session(make_session(user, "fresh", 3000));
  users_.add_session(make_session(user, "logout", 9000));
  users_.remove_session("logout");
  EXPECT_FALSE(users_.find_session("logout", at_ms(0)));
  EXPECT_EQ(users_.remove_expired_sessions(at_ms(2000)), 2);
  EXPECT_EQ(count("user_sessions"), 1);
  EXPECT_TRUE(users_.find_session("fresh", at_ms(2000)));
  EXPECT_NO_THROW(users_.remove_session("unknown"));
}

TEST_P(UserStoreTest, TokensRoundTripAndAreTouched) {
  const Id user = users_.add(make_user("ada"));
  const Id id = users_.add_token(make_token(user, "token-digest"));
  auto token = users_.find_token("token-digest");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->id, id);
  EXPECT_EQ(token->user_id, user);
  EXPECT_EQ(token->name, "backup script");
  EXPECT_EQ(to_epoch_ms(token->created_at), 2000);
  EXPECT_FALSE(token->last_used_at);
  users_.touch_token(id, at_ms(7777));
  EXPECT_EQ(text_of(users_.find_token("token-digest")->last_used_at), "7777");
  EXPECT_FALSE(users_.find_token("other"));
  EXPECT_TRUE(fails_with([&] { users_.touch_token(id + 1, at_ms(1)); }, Kind::kNotFound, "does not exist"));
  EXPECT_TRUE(fails_with([&] { users_.add_token(make_token(user, "token-digest")); }, Kind::kConflict, "already"));
}

TEST_P(UserStoreTest, RemovingAUserRemovesItsSessionsAndTokensOnly) {
  const Id ada = users_.add(make_user("ada"));
  const Id bob = users_.add(make_user("bob"));
  users_.add_session(make_session(ada, "ada-session", 9000));
  users_.add_token(make_token(ada, "ada-token"));
  users_.add_session(make_session(bob, "bob-session", 9000));
  users_.add_token(make_token(bob, "bob-token"));
  users_.remove(ada);
  EXPECT_FALSE(users_.find(ada));
  EXPECT_FALSE(users_.find_session("ada-session", at_ms(0)));
  EXPECT_FALSE(users_.find_token("ada-token"));
  EXPECT_TRUE(users_.find_session("bob-session", at_ms(0)));
  EXPECT_TRUE(users_.find_token("bob-token"));
  EXPECT_TRUE(fails_with([&] { users_.remove(ada); }, Kind::kNotFound, "user"));
}

}  // namespace
}  // namespace bisk
