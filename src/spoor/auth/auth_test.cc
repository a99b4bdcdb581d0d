#include "spoor/auth/auth.h"

#include "gtest/gtest.h"
#include "spoor/auth/rate_limiter.h"
#include "spoor/common/clock.h"

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

// RFC 7636 appendix B.
TEST(Pkce, S256MatchesTheRfcTestVector) {
  const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  EXPECT_TRUE(IsPkceString(verifier));
  EXPECT_TRUE(VerifyPkceS256(verifier, challenge));
  EXPECT_FALSE(VerifyPkceS256(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cm"));
  std::string other = verifier;
  other[0] = 'e';
  EXPECT_FALSE(VerifyPkceS256(other, challenge));
  // plain: the verifier is not its own challenge.
  EXPECT_FALSE(VerifyPkceS256(verifier, verifier));
}

TEST(Pkce, RefusesMalformedVerifiers) {
  EXPECT_FALSE(IsPkceString(std::string(42, 'a')));
  EXPECT_TRUE(IsPkceString(std::string(128, 'a')));
  EXPECT_FALSE(IsPkceString(std::string(129, 'a')));
  EXPECT_FALSE(IsPkceString(std::string(42, 'a') + "+"));
  EXPECT_FALSE(VerifyPkceS256("", ""));
}

TEST(RateLimiter, LimitsAfterMaxFailuresUntilTheWindowEnds) {
  FakeClock clock(1'000'000'000'000);
  RateLimiter limiter(clock, {5, 900, 100});
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("ip:1.2.3.4");
  EXPECT_EQ(limiter.RetryAfter("ip:1.2.3.4"), 0);
  limiter.RecordFailure("ip:1.2.3.4");
  EXPECT_EQ(limiter.RetryAfter("ip:1.2.3.4"), 900);
  EXPECT_EQ(limiter.RetryAfter("ip:5.6.7.8"), 0);  // keys are independent
  clock.Advance(600'000'000);
  EXPECT_EQ(limiter.RetryAfter("ip:1.2.3.4"), 300);
  clock.Advance(300'000'000);
  EXPECT_EQ(limiter.RetryAfter("ip:1.2.3.4"), 0);
  limiter.RecordFailure("ip:1.2.3.4");  // a new window
  EXPECT_EQ(limiter.RetryAfter("ip:1.2.3.4"), 0);
}

TEST(RateLimiter, ResetForgetsAndMemoryIsBounded) {
  FakeClock clock(1'000'000'000'000);
  RateLimiter limiter(clock, {2, 60, 3});
  limiter.RecordFailure("a");
  limiter.RecordFailure("a");
  EXPECT_EQ(limiter.RetryAfter("a"), 60);
  limiter.Reset("a");
  EXPECT_EQ(limiter.RetryAfter("a"), 0);
  for (const char* k : {"a", "b", "c"}) {
    limiter.RecordFailure(k);
    limiter.RecordFailure(k);
  }
  limiter.RecordFailure("d");  // full: not tracked
  limiter.RecordFailure("d");
  EXPECT_EQ(limiter.RetryAfter("d"), 0);
  EXPECT_EQ(limiter.RetryAfter("c"), 60);
  clock.Advance(61'000'000);  // expired windows make room
  limiter.RecordFailure("d");
  limiter.RecordFailure("d");
  EXPECT_EQ(limiter.RetryAfter("d"), 60);
}

}  // namespace
}  // namespace spoor::auth
