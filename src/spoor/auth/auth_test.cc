#include "spoor/auth/auth.h"

#include "gtest/gtest.h"

namespace spoor::auth {
namespace {

TEST(Passwords, Argon2idRoundTrip) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapl", *hash));
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "garbage"));
}

TEST(Secrets, AreLongRandomAndHashedStably) {
  std::string a = NewSecret("sk_"), b = NewSecret("sk_");
  EXPECT_EQ(a.size(), 3u + 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(HashSecret(a), HashSecret(a));
  EXPECT_NE(HashSecret(a), HashSecret(b));
  EXPECT_EQ(HashSecret(a).size(), 64u);
  EXPECT_TRUE(SameHash(HashSecret(a), HashSecret(a)));
  EXPECT_FALSE(SameHash(HashSecret(a), HashSecret(b)));
  EXPECT_FALSE(SameHash("ab", "abc"));
}

TEST(OAuthError, IsRfc6749Json) {
  EXPECT_EQ(OAuthError("invalid_client", "bad \"secret\""),
            R"({"error":"invalid_client","error_description":"bad \"secret\""})");
}

}  // namespace
}  // namespace spoor::auth
