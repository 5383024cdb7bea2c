#include "web/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bisk {
namespace {

using std::chrono::minutes;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(PasswordHashTest, VerifiesTheRightPasswordOnly) {
  const std::string hash = hash_password("correct horse battery staple");
  EXPECT_THAT(hash, StartsWith("$argon2id$"));
  EXPECT_TRUE(verify_password("correct horse battery staple", hash));
  EXPECT_FALSE(verify_password("correct horse battery stapler", hash));
  EXPECT_FALSE(verify_password("", hash));
}

TEST(PasswordHashTest, SaltsEachHash) { EXPECT_NE(hash_password("same"), hash_password("same")); }

TEST(PasswordHashTest, AGarbledHashVerifiesNothing) {
  EXPECT_FALSE(verify_password("anything", "not a hash"));
  EXPECT_FALSE(verify_password("", ""));
}

TEST(TokenTest, IsUrlSafeBase64Of32RandomBytes) {
  const std::string token = random_token();
  EXPECT_THAT(token, MatchesRegex("[A-Za-z0-9_-]{43}"));
  EXPECT_NE(token, random_token());
}

TEST(TokenTest, DigestIsSha256Hex) {
  EXPECT_EQ(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

class LoginRateLimiterTest : public ::testing::Test {
 protected:
  void fail(const std::string& username, const std::string& address, int times = 1) {
    for (int i = 0; i < times; ++i) limiter_.record_failure(username, address, now_);
  }
  int wait_s(const std::string& username, const std::string& address) {
    return limiter_.retry_after_s(username, address, now_);
  }

  LoginRateLimiter limiter_;
  LoginRateLimiter::Clock::time_point now_ = LoginRateLimiter::Clock::now();
};

TEST_F(LoginRateLimiterTest, AllowsFourFailuresAndRefusesAfterTheFifth) {
  fail("alice", "10.0.0.1", 4);
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 0);
  fail("alice", "10.0.0.1");
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 15 * 60);
}

TEST_F(LoginRateLimiterTest, CountsPerUsernameAcrossAddresses) {
  for (int i = 0; i < 5; ++i) fail("alice", "10.0.0." + std::to_string(i));
  EXPECT_GT(wait_s("alice", "10.9.9.9"), 0);
  EXPECT_EQ(wait_s("bob", "10.9.9.9"), 0);
}

TEST_F(LoginRateLimiterTest, CountsPerAddressAcrossUsernames) {
  for (int i = 0; i < 5; ++i) fail("user" + std::to_string(i), "10.0.0.1");
  EXPECT_GT(wait_s("someone-else", "10.0.0.1"), 0);
  EXPECT_EQ(wait_s("someone-else", "10.0.0.2"), 0);
}

TEST_F(LoginRateLimiterTest, RetryAfterCountsDownToTheEndOfTheWindow) {
  fail("alice", "10.0.0.1", 5);
  now_ += minutes(10);
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 5 * 60);
  now_ += minutes(5) - std::chrono::milliseconds(1500);
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 2);  // rounded up, never 0 while refused
  now_ += std::chrono::milliseconds(1500);
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 0);
}

TEST_F(LoginRateLimiterTest, OldFailuresSlideOutOfTheWindow) {
  for (int i = 0; i < 5; ++i) {
    fail("alice", "10.0.0.1");
    now_ += minutes(3);
  }
  // Failures at minutes 0, 3, 6, 9 and 12; at 15 the first has left the window.
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 0);
  fail("alice", "10.0.0.1");
  // Five again (3 … 15): the one at 3 leaves at 18.
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 3 * 60);
  now_ += minutes(3);
  EXPECT_EQ(wait_s("alice", "10.0.0.1"), 0);
}

TEST_F(LoginRateLimiterTest, SuccessClearsTheAccountButNotTheAddress) {
  for (int i = 0; i < 4; ++i) fail("user" + std::to_string(i), "10.0.0.1");
  fail("alice", "10.0.0.1");
  limiter_.record_success("alice", "10.0.0.1");
  EXPECT_GT(wait_s("anyone", "10.0.0.1"), 0);
  fail("alice", "10.0.0.2", 4);
  limiter_.record_success("alice", "10.0.0.2");
  fail("alice", "10.0.0.3");
  EXPECT_EQ(wait_s("alice", "10.0.0.3"), 0);
}

}  // namespace
}  // namespace bisk
