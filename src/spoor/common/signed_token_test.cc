#include "spoor/common/signed_token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace spoor {
namespace {

using Key = std::array<uint8_t, 32>;

Key TestKey(uint8_t first = 0) {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(first + i);
  return key;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Test-side encoder, to build tokens the signer never would.
std::string Base64Url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

// Appends the truncated HMAC to `body` and encodes: a correctly signed
// token for arbitrary bytes.
std::string SignRaw(const Key& key, std::string body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  body.append(reinterpret_cast<const char*>(mac), 16);
  return Base64Url(body);
}

absl::StatusCode CodeOf(std::string_view token, const Key& key = TestKey(), int64_t now_s = 1000) {
  return VerifyContactToken(key, token, now_s).status().code();
}

TEST(SignedToken, RoundTrip) {
  const Key key = TestKey();
  struct Case {
    int64_t workspace_id;
    uint64_t contact_id;
    int64_t expires_at_s;
  } cases[] = {{1, 1, 0},
               {7, 123456789, 1714564800},
               {0, 0, 0},
               {1, (uint64_t{1} << 52), 2000000000},
               {std::numeric_limits<int64_t>::max(), std::numeric_limits<uint64_t>::max(),
                std::numeric_limits<int64_t>::max()}};
  for (const Case& c : cases) {
    std::string token = SignContactToken(key, c.workspace_id, c.contact_id, c.expires_at_s);
    EXPECT_LE(token.size(), 63u);
    EXPECT_EQ(token.find_first_not_of(kAlphabet), std::string::npos) << token;
    auto verified = VerifyContactToken(key, token, 1714564799);
    ASSERT_TRUE(verified.ok()) << token << ": " << verified.status();
    EXPECT_EQ(verified->workspace_id, c.workspace_id);
    EXPECT_EQ(verified->contact_id, c.contact_id);
    EXPECT_EQ(verified->expires_at_s, c.expires_at_s);
  }
}

TEST(SignedToken, MatchesFormat) {
  // Computed independently with Python's hmac and base64 modules.
  EXPECT_EQ(SignContactToken(TestKey(), 7, 123456789, 1714564800),
            "AQeVmu86wN3IsQascWO2lVEavFnCiq0tD9wL");
  EXPECT_EQ(SignContactToken(TestKey(), 1, 1, 0), "AQEBAP7TS9BTq_JJqlT9fjSLN0w");
}

TEST(SignedToken, EverySingleCharacterChangeFails) {
  const Key key = TestKey();
  // 20, 22 and 24 bytes: 2, 4 and 0 unused bits in the last character.
  const std::string tokens[] = {SignContactToken(key, 1, 1, 0),
                                SignContactToken(key, 1, 1 << 14, 0),
                                SignContactToken(key, 1, 1, 1714564800)};
  EXPECT_EQ(tokens[0].size() % 4, 3u);
  EXPECT_EQ(tokens[1].size() % 4, 2u);
  EXPECT_EQ(tokens[2].size() % 4, 0u);
  const std::string replacements = std::string(kAlphabet) + "=+/. %\n";
  size_t tried = 0;
  for (const std::string& token : tokens) {
    ASSERT_TRUE(VerifyContactToken(key, token, 1000).ok());
    for (size_t i = 0; i < token.size(); ++i) {
      for (char r : replacements) {
        if (r == token[i]) continue;
        std::string changed = token;
        changed[i] = r;
        ++tried;
        EXPECT_EQ(CodeOf(changed, key), absl::StatusCode::kInvalidArgument) << changed;
      }
      std::string removed = token;
      removed.erase(i, 1);
      EXPECT_EQ(CodeOf(removed, key), absl::StatusCode::kInvalidArgument) << removed;
    }
  }
  EXPECT_GT(tried, 5000u);
}

TEST(SignedToken, TruncatedOrExtendedFails) {
  const std::string token = SignContactToken(TestKey(), 7, 123456789, 0);
  for (size_t n = 0; n < token.size(); ++n) {
    EXPECT_EQ(CodeOf(token.substr(0, n)), absl::StatusCode::kInvalidArgument) << n;
  }
  for (char c : std::string(kAlphabet) + "=") {
    EXPECT_EQ(CodeOf(token + c), absl::StatusCode::kInvalidArgument) << c;
  }
  EXPECT_EQ(CodeOf(token + "=="), absl::StatusCode::kInvalidArgument);
}

TEST(SignedToken, OtherKeyFails) {
  const std::string token = SignContactToken(TestKey(0), 7, 42, 0);
  auto verified = VerifyContactToken(TestKey(1), token, 1000);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(verified.status().message(), "contact token: bad signature");
  Key one_bit = TestKey(0);
  one_bit[31] ^= 1;
  EXPECT_EQ(CodeOf(token, one_bit), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(VerifyContactToken(TestKey(0), token, 1000).ok());
}

TEST(SignedToken, Expiry) {
  const std::string token = SignContactToken(TestKey(), 7, 42, 2000);
  EXPECT_TRUE(VerifyContactToken(TestKey(), token, 1999).ok());
  auto at = VerifyContactToken(TestKey(), token, 2000);
  EXPECT_EQ(at.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(at.status().message(), "contact token: expired");
  EXPECT_EQ(CodeOf(token, TestKey(), 3000), absl::StatusCode::kFailedPrecondition);
  // A forged expiry is caught by the MAC before the clock is looked at.
  EXPECT_EQ(CodeOf(SignContactToken(TestKey(9), 7, 42, 2000), TestKey(), 3000),
            absl::StatusCode::kInvalidArgument);
  const std::string never = SignContactToken(TestKey(), 7, 42, 0);
  EXPECT_TRUE(VerifyContactToken(TestKey(), never, std::numeric_limits<int64_t>::max()).ok());
}

TEST(SignedToken, LengthBound) {
  auto long_token = VerifyContactToken(TestKey(), std::string(129, 'A'), 1000);
  EXPECT_EQ(long_token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(long_token.status().message(), "contact token: too long");
  auto at_bound = VerifyContactToken(TestKey(), std::string(128, 'A'), 1000);
  EXPECT_EQ(at_bound.status().message(), "contact token: unknown version");
  EXPECT_EQ(CodeOf(""), absl::StatusCode::kInvalidArgument);
}

TEST(SignedToken, SignedButNonCanonicalBytesFail) {
  const Key key = TestKey();
  using namespace std::string_literals;
  EXPECT_TRUE(VerifyContactToken(key, SignRaw(key, "\x01\x07\x2a\x00"s), 1000).ok());
  struct Case {
    std::string body;
    const char* message;
  } cases[] = {
      {"\x02\x07\x2a\x00"s, "contact token: unknown version"},
      {"\x00\x07\x2a\x00"s, "contact token: unknown version"},
      {"\x01\x87\x00\x2a\x00"s, "contact token: malformed"},  // over-long varint
      {"\x01\x07\x2a\x00\x00"s, "contact token: malformed"},  // trailing byte
      {"\x01\x07\x2a"s, "contact token: malformed"},          // missing field
      {"\x01\x07\xaa"s, "contact token: malformed"},          // cut varint
      // Workspace id above INT64_MAX.
      {"\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x2a\x00"s, "contact token: malformed"},
      // Eleven-byte varint.
      {"\x01\x07\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00\x00"s, "contact token: malformed"},
      // Tenth byte carrying more than the top bit.
      {"\x01\x07\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00"s, "contact token: malformed"},
  };
  for (const Case& c : cases) {
    auto verified = VerifyContactToken(key, SignRaw(key, c.body), 1000);
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(verified.status().message(), c.message);
  }
}

}  // namespace
}  // namespace spoor
