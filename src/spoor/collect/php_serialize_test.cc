#include "spoor/collect/php_serialize.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace spoor::collect {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Standard base64 with '=' padding, as PHP's base64_encode().
std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                 (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                 (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// Decodes serialize() text after base64-encoding it.
absl::StatusOr<Pairs> Decode(std::string_view serialized,
                             const PhpDecodeLimits& limits = {}) {
  return DecodeTrackingPayload(Base64(serialized), limits);
}

// The error message, or "OK" when decoding succeeded.
std::string ErrorOf(std::string_view serialized,
                    const PhpDecodeLimits& limits = {}) {
  auto result = Decode(serialized, limits);
  if (result.ok()) return "OK";
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(result.status().message());
}

#define EXPECT_ERROR_CONTAINS(serialized, fragment)            \
  do {                                                         \
    std::string message_ = ErrorOf(serialized);                \
    EXPECT_NE(message_.find(fragment), std::string::npos)      \
        << "input: " << std::string(serialized).substr(0, 200) \
        << "\nerror: " << message_;                            \
  } while (false)

// 'a:3:{s:8:"page_url";s:25:"http://example.com/page?x";s:10:"page_title";
//  s:4:"Cool";s:5:"email";s:16:"user@example.com";}' through `base64 -w0`.
constexpr char kSeedBase64[] =
    "YTozOntzOjg6InBhZ2VfdXJsIjtzOjI1OiJodHRwOi8vZXhhbXBsZS5jb20vcGFnZT94Ijtz"
    "OjEwOiJwYWdlX3RpdGxlIjtzOjQ6IkNvb2wiO3M6NToiZW1haWwiO3M6MTY6InVzZXJAZXhh"
    "bXBsZS5jb20iO30=";
constexpr char kSeedSerialized[] =
    R"(a:3:{s:8:"page_url";s:25:"http://example.com/page?x";)"
    R"(s:10:"page_title";s:4:"Cool";s:5:"email";s:16:"user@example.com";})";

const Pairs& SeedPairs() {
  static const Pairs* pairs = new Pairs{
      {"page_url", "http://example.com/page?x"},
      {"page_title", "Cool"},
      {"email", "user@example.com"},
  };
  return *pairs;
}

// --- accepted payloads ---------------------------------------------------

TEST(PhpSerialize, TestEncoderMatchesShellBase64) {
  EXPECT_EQ(Base64(kSeedSerialized), kSeedBase64);
  EXPECT_EQ(Base64("a:0:{}"), "YTowOnt9");
  EXPECT_EQ(Base64(R"(O:8:"stdClass":0:{})"), "Tzo4OiJzdGRDbGFzcyI6MDp7fQ==");
}

TEST(PhpSerialize, MauticSeedExample) {
  auto result = DecodeTrackingPayload(kSeedBase64);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, SeedPairs());
}

TEST(PhpSerialize, MissingPaddingAccepted) {
  std::string text = kSeedBase64;
  ASSERT_EQ(text.back(), '=');
  text.pop_back();
  auto result = DecodeTrackingPayload(text);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, SeedPairs());

  // Two padding characters missing.
  auto two = DecodeTrackingPayload("YToxOntpOjA7czoyOiJoaSI7fQ");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(*two, (Pairs{{"0", "hi"}}));
}

TEST(PhpSerialize, NonAlphabetCharactersIgnoredLikePhp) {
  // PHP's non-strict base64_decode skips whitespace, junk and '=' anywhere.
  std::string text = kSeedBase64;
  std::string noisy;
  for (size_t i = 0; i < text.size(); ++i) {
    noisy += text[i];
    if (i % 7 == 3) noisy += "\r\n";
    if (i % 11 == 5) noisy += " *.=!";
    if (i % 13 == 0) noisy += '\0';
  }
  auto result = DecodeTrackingPayload(noisy);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, SeedPairs());
}

TEST(PhpSerialize, ExtraPaddingAndLoneTrailingDigitIgnored) {
  auto padded = DecodeTrackingPayload("YTowOnt9====");
  ASSERT_TRUE(padded.ok()) << padded.status();
  EXPECT_TRUE(padded->empty());
  // A final group of a single digit carries no whole byte; PHP drops it.
  auto lone = DecodeTrackingPayload("YTowOnt9Q");
  ASSERT_TRUE(lone.ok()) << lone.status();
  EXPECT_TRUE(lone->empty());
}

TEST(PhpSerialize, UrlSafeAlphabetAccepted) {
  std::string serialized = R"(a:1:{s:1:"k";s:6:"?~?>>>";})";
  std::string standard = Base64(serialized);
  ASSERT_NE(standard.find_first_of("+/"), std::string::npos);
  std::string url_safe = standard;
  for (char& c : url_safe) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  auto result = DecodeTrackingPayload(url_safe);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"k", "?~?>>>"}}));
}

TEST(PhpSerialize, EmptyTopLevelArray) {
  auto result = Decode("a:0:{}");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->empty());
}

TEST(PhpSerialize, Utf8StringsUseByteLengths) {
  auto result = Decode(R"(a:2:{s:5:"title";s:5:"Café";s:2:"é";s:4:"日本";})");
  EXPECT_FALSE(result.ok());  // "日本" is 6 bytes, not 4.

  result = Decode(R"(a:2:{s:5:"title";s:5:"Café";s:2:"é";s:6:"日本";})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"title", "Café"}, {"é", "日本"}}));
  // The literal base64 of the first pair, computed with `base64`.
  auto literal =
      DecodeTrackingPayload("YToxOntzOjU6InRpdGxlIjtzOjU6IkNhZsOpIjt9");
  ASSERT_TRUE(literal.ok()) << literal.status();
  EXPECT_EQ(*literal, (Pairs{{"title", "Café"}}));
}

TEST(PhpSerialize, Utf8CharacterCountIsALengthMismatch) {
  // "é" counted as one character instead of two bytes.
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"k";s:1:"é";})", "string length mismatch");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:4:"Café";i:1;})", "string length mismatch");
}

TEST(PhpSerialize, StringBytesPassThroughUnchanged) {
  // The value holds a NUL, a quote, a non-UTF-8 byte and a ';'.
  const std::string serialized("a:1:{s:1:\"k\";s:5:\"a\0\"\xff;\";}", 26);
  auto result = Decode(serialized);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].second, std::string("a\0\"\xff;", 5));
}

TEST(PhpSerialize, EmptyStringsAndEmptyKey) {
  auto result = Decode(R"(a:2:{s:0:"";s:0:"";s:1:"x";s:0:"";})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"", ""}, {"x", ""}}));
}

TEST(PhpSerialize, IntKeys) {
  auto result =
      Decode(R"(a:4:{i:0;s:1:"a";i:1;s:1:"b";i:-5;s:1:"c";i:42;i:7;})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"0", "a"}, {"1", "b"}, {"-5", "c"}, {"42", "7"}}));
}

TEST(PhpSerialize, IntsAreCanonicalDecimal) {
  auto result = Decode("a:4:{i:0;i:+7;i:1;i:007;i:2;i:-0;i:3;i:-12;}");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"0", "7"}, {"1", "7"}, {"2", "0"}, {"3", "-12"}}));
}

TEST(PhpSerialize, IntRangeIsInt64) {
  auto result =
      Decode("a:2:{i:0;i:9223372036854775807;i:1;i:-9223372036854775808;}");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"0", "9223372036854775807"},
                            {"1", "-9223372036854775808"}}));
  EXPECT_ERROR_CONTAINS("a:1:{i:0;i:9223372036854775808;}",
                        "integer out of range");
  EXPECT_ERROR_CONTAINS("a:1:{i:0;i:-9223372036854775809;}",
                        "integer out of range");
  EXPECT_ERROR_CONTAINS("a:1:{i:99999999999999999999999;i:0;}",
                        "integer out of range");
}

TEST(PhpSerialize, BoolsAndNull) {
  auto result = Decode(R"(a:3:{s:1:"t";b:1;s:1:"f";b:0;s:1:"n";N;})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"t", "1"}, {"f", ""}, {"n", ""}}));
}

TEST(PhpSerialize, FloatsShortestRoundTrip) {
  auto result = Decode(
      "a:10:{i:0;d:0.1;i:1;d:1.5E+25;i:2;d:-0;i:3;d:5;i:4;d:.5;i:5;d:1.;"
      "i:6;d:0.30000000000000004;i:7;d:+2.5e-3;i:8;d:100;"
      "i:9;d:4.9406564584124654E-324;}");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"0", "0.1"},
                            {"1", "1.5e+25"},
                            {"2", "-0"},
                            {"3", "5"},
                            {"4", "0.5"},
                            {"5", "1"},
                            {"6", "0.30000000000000004"},
                            {"7", "0.0025"},
                            {"8", "100"},
                            {"9", "5e-324"}}));
}

TEST(PhpSerialize, FloatSpecialValues) {
  auto result = Decode("a:3:{i:0;d:INF;i:1;d:-INF;i:2;d:NAN;}");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"0", "INF"}, {"1", "-INF"}, {"2", "NAN"}}));
}

TEST(PhpSerialize, MalformedFloatsRejected) {
  for (const char* body :
       {"", ".", "e5", "1e", "1e+", "+INF", "inf", "nan", "-NAN", "1.2.3",
        "1e5.0", "0x10", "1..", "--1", "INFINITY", "1 "}) {
    std::string serialized = std::string("a:1:{i:0;d:") + body + ";}";
    EXPECT_NE(ErrorOf(serialized), "OK") << serialized;
  }
  EXPECT_ERROR_CONTAINS("a:1:{i:0;d:1e999;}", "float out of range");
  EXPECT_ERROR_CONTAINS("a:1:{i:0;d:1.5.5;}", "malformed float");
}

TEST(PhpSerialize, MalformedScalarsRejected) {
  for (const char* serialized :
       {"a:1:{i:0;i:;}",       "a:1:{i:0;i:abc;}",     "a:1:{i:0;i:1}",
        "a:1:{i:0;i:+;}",      "a:1:{i:0;i:1.5;}",     "a:1:{i:0;b:2;}",
        "a:1:{i:0;b:;}",       "a:1:{i:0;b:1}",        "a:1:{i:0;b:true;}",
        "a:1:{i:0;N:;}",       "a:1:{i:0;N}",          "a:1:{i:0;n;}",
        "a:1:{i:0;s:1:'x';}",  "a:1:{i:0;s:-1:\"\";}", "a:1:{i:0;s::\"\";}",
        "a:1:{i:0;s:1:\"x\"}", "a:1:{i:0;s:1:\"x\":}", "a:1:{i:0 ;i:1;}",
        "a:1:{ i:0;i:1;}",     "a:1:{i:0;i:1;};",      "a :1:{}",
        "a:1 :{i:0;i:1;}"}) {
    EXPECT_NE(ErrorOf(serialized), "OK") << serialized;
  }
}

TEST(PhpSerialize, NestedArraysFlattenWithBrackets) {
  auto result =
      Decode(R"(a:3:{s:1:"a";a:2:{s:1:"x";i:1;i:0;a:1:{s:1:"y";b:1;}})"
             R"(s:4:"tags";a:2:{i:0;s:3:"red";i:1;s:4:"blue";}s:1:"b";N;})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"a[x]", "1"},
                            {"a[0][y]", "1"},
                            {"tags[0]", "red"},
                            {"tags[1]", "blue"},
                            {"b", ""}}));
}

TEST(PhpSerialize, EmptyNestedArrayContributesNoPair) {
  auto result = Decode(R"(a:2:{s:1:"e";a:0:{}s:1:"k";s:1:"v";})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"k", "v"}}));
}

TEST(PhpSerialize, NestedUnderEmptyKey) {
  auto result = Decode(R"(a:1:{s:0:"";a:1:{s:1:"x";i:1;}})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (Pairs{{"[x]", "1"}}));
}

// --- rejected payloads ---------------------------------------------------

TEST(PhpSerialize, ObjectsRejected) {
  EXPECT_ERROR_CONTAINS(R"(O:8:"stdClass":0:{})", "objects are not accepted");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"o";O:8:"stdClass":0:{}})",
                        "objects are not accepted");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"o";O:8:"stdClass":1:{s:1:"p";s:1:"v";}})",
                        "objects are not accepted");
  EXPECT_ERROR_CONTAINS(
      R"(a:1:{i:0;C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}})",
      "objects are not accepted");
  // Nested deeper, after valid elements.
  EXPECT_ERROR_CONTAINS(
      R"(a:2:{s:1:"k";s:1:"v";s:1:"n";a:1:{i:0;O:3:"Foo":0:{}}})",
      "objects are not accepted");
  // An object in key position.
  EXPECT_ERROR_CONTAINS(R"(a:1:{O:8:"stdClass":0:{}i:1;})",
                        "objects are not accepted");
}

TEST(PhpSerialize, ReferencesRejected) {
  EXPECT_ERROR_CONTAINS(R"(a:2:{i:0;s:1:"x";i:1;R:2;})",
                        "references are not accepted");
  EXPECT_ERROR_CONTAINS(R"(a:2:{i:0;s:1:"x";i:1;r:2;})",
                        "references are not accepted");
  EXPECT_ERROR_CONTAINS(R"(R:1;)", "references are not accepted");
}

TEST(PhpSerialize, EnumsRejected) {
  EXPECT_ERROR_CONTAINS(R"(a:1:{i:0;E:7:"Foo:Bar";})",
                        "enums are not accepted");
}

TEST(PhpSerialize, UnsupportedTypesRejected) {
  EXPECT_ERROR_CONTAINS(R"(a:1:{i:0;S:1:"\61";})", "unsupported value type");
  EXPECT_ERROR_CONTAINS(R"(a:1:{i:0;x:1;})", "unsupported value type");
  EXPECT_ERROR_CONTAINS(R"(a:1:{i:0;A:0:{}})", "unsupported value type");
}

TEST(PhpSerialize, InvalidArrayKeysRejected) {
  EXPECT_ERROR_CONTAINS("a:1:{d:1.5;i:1;}", "invalid array key");
  EXPECT_ERROR_CONTAINS("a:1:{b:1;i:1;}", "invalid array key");
  EXPECT_ERROR_CONTAINS("a:1:{N;i:1;}", "invalid array key");
  EXPECT_ERROR_CONTAINS("a:1:{a:0:{}i:1;}", "invalid array key");
}

TEST(PhpSerialize, TopLevelMustBeArray) {
  for (const char* serialized : {R"(s:1:"a";)", "i:1;", "d:1.5;", "b:1;", "N;",
                                 " a:0:{}", "A:0:{}", "\na:0:{}"}) {
    EXPECT_ERROR_CONTAINS(serialized, "payload is not a serialized array");
  }
}

TEST(PhpSerialize, JsonRejected) {
  EXPECT_ERROR_CONTAINS(R"({"page_url":"http://example.com/"})",
                        "payload is not a serialized array");
  EXPECT_ERROR_CONTAINS(R"(["a"])", "payload is not a serialized array");
  auto literal = DecodeTrackingPayload("eyJwYWdlX3VybCI6IngifQ==");
  ASSERT_FALSE(literal.ok());
  EXPECT_EQ(literal.status().message(), "payload is not a serialized array");
}

TEST(PhpSerialize, EmptyInputRejected) {
  EXPECT_FALSE(DecodeTrackingPayload("").ok());
  EXPECT_EQ(DecodeTrackingPayload("").status().message(), "empty payload");
  // Nothing in the alphabet: decodes to no bytes.
  EXPECT_EQ(DecodeTrackingPayload("==== !!").status().message(),
            "empty payload");
  // One digit holds no whole byte.
  EXPECT_EQ(DecodeTrackingPayload("Y").status().message(), "empty payload");
}

TEST(PhpSerialize, TruncatedInputRejectedAtEveryLength) {
  std::string full = kSeedSerialized;
  for (size_t n = 1; n < full.size(); ++n) {
    auto result = Decode(full.substr(0, n));
    EXPECT_FALSE(result.ok()) << "prefix length " << n;
  }
  EXPECT_ERROR_CONTAINS("a:1:{i:0;", "unexpected end of input at offset 9");
  EXPECT_ERROR_CONTAINS("a:1:{i:0;i:5;",
                        "unexpected end of input at offset 13");
}

TEST(PhpSerialize, TruncatedBase64Rejected) {
  std::string text = kSeedBase64;
  for (size_t n = 1; n < text.size() - 4; n += 3) {
    EXPECT_FALSE(DecodeTrackingPayload(text.substr(0, n)).ok()) << n;
  }
}

TEST(PhpSerialize, StringLengthMismatch) {
  // The value's 's' is at offset 13.
  EXPECT_EQ(ErrorOf(R"(a:1:{s:1:"k";s:3:"ab";})"),
            "string length mismatch at offset 13");
  EXPECT_EQ(ErrorOf(R"(a:1:{s:1:"k";s:1:"ab";})"),
            "string length mismatch at offset 13");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"k";s:500:"ab";})",
                        "string length mismatch");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:2:"k";s:1:"v";})", "string length mismatch");
  // The quote is right but the ';' is missing.
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"k";s:2:"ab"})", "expected ';'");
}

TEST(PhpSerialize, ElementCountMismatch) {
  EXPECT_ERROR_CONTAINS(R"(a:2:{s:1:"k";s:1:"v";})", "invalid array key");
  EXPECT_ERROR_CONTAINS(R"(a:1:{s:1:"k";s:1:"v";s:1:"x";s:1:"y";})",
                        "expected '}'");
  EXPECT_ERROR_CONTAINS("a:0:{i:0;i:1;}", "expected '}'");
}

TEST(PhpSerialize, TrailingGarbageRejected) {
  EXPECT_EQ(ErrorOf("a:0:{}x"), "trailing data at offset 6");
  EXPECT_ERROR_CONTAINS("a:0:{}a:0:{}", "trailing data");
  EXPECT_ERROR_CONTAINS(std::string("a:0:{}\0", 7), "trailing data");
  EXPECT_ERROR_CONTAINS("a:0:{};", "trailing data");
  EXPECT_ERROR_CONTAINS("a:0:{}\n", "trailing data");
}

TEST(PhpSerialize, DepthLimit) {
  // Four arrays (top level included) are allowed by default.
  auto four = Decode("a:1:{i:0;a:1:{i:1;a:1:{i:2;a:1:{i:3;s:1:\"v\";}}}}");
  ASSERT_TRUE(four.ok()) << four.status();
  EXPECT_EQ(*four, (Pairs{{"0[1][2][3]", "v"}}));
  EXPECT_ERROR_CONTAINS("a:1:{i:0;a:1:{i:1;a:1:{i:2;a:1:{i:3;a:0:{}}}}}",
                        "arrays nested too deeply");

  PhpDecodeLimits flat;
  flat.max_depth = 1;
  EXPECT_EQ(ErrorOf("a:1:{i:0;a:0:{}}", flat),
            "arrays nested too deeply at offset 9");
  EXPECT_EQ(ErrorOf("a:1:{i:0;i:1;}", flat), "OK");
}

TEST(PhpSerialize, DeepNestingBombRejectedQuickly) {
  std::string bomb;
  for (int i = 0; i < 1000; ++i) bomb += "a:1:{i:0;";
  ASSERT_LE(Base64(bomb).size(), PhpDecodeLimits{}.max_input_bytes);
  EXPECT_ERROR_CONTAINS(bomb, "arrays nested too deeply");
}

TEST(PhpSerialize, ElementLimit) {
  auto build = [](int n) {
    std::string s = "a:" + std::to_string(n) + ":{";
    for (int i = 0; i < n; ++i) s += "i:" + std::to_string(i) + ";b:1;";
    return s + "}";
  };
  auto hundred = Decode(build(100));
  ASSERT_TRUE(hundred.ok()) << hundred.status();
  EXPECT_EQ(hundred->size(), 100u);
  EXPECT_EQ(ErrorOf(build(101)), "too many elements at offset 0");
}

TEST(PhpSerialize, ElementLimitCountsAllLevels) {
  PhpDecodeLimits limits;
  limits.max_elements = 3;
  EXPECT_EQ(ErrorOf("a:2:{i:0;a:1:{i:0;i:1;}i:1;i:2;}", limits), "OK");
  EXPECT_EQ(ErrorOf("a:2:{i:0;a:2:{i:0;i:1;i:1;i:1;}i:1;i:2;}", limits),
            "too many elements at offset 9");
}

TEST(PhpSerialize, HugeDeclaredCountsRejectedWithoutAllocating) {
  EXPECT_ERROR_CONTAINS("a:99999999999999999999999999999999:{}",
                        "too many elements");
  EXPECT_ERROR_CONTAINS("a:18446744073709551617:{i:0;i:0;}",
                        "too many elements");
  EXPECT_ERROR_CONTAINS(R"(a:1:{i:0;s:99999999999999999999999999:"x";})",
                        "string too long");
}

TEST(PhpSerialize, StringLengthLimit) {
  PhpDecodeLimits limits;
  limits.max_string_bytes = 4;
  EXPECT_EQ(ErrorOf(R"(a:1:{s:4:"abcd";s:4:"wxyz";})", limits), "OK");
  EXPECT_EQ(ErrorOf(R"(a:1:{s:1:"k";s:5:"abcde";})", limits),
            "string too long at offset 13");
  EXPECT_EQ(ErrorOf(R"(a:1:{s:5:"abcde";i:1;})", limits),
            "string too long at offset 5");
}

TEST(PhpSerialize, InputSizeLimit) {
  PhpDecodeLimits limits;
  limits.max_input_bytes = 8;
  EXPECT_TRUE(DecodeTrackingPayload("YTowOnt9", limits).ok());
  auto result = DecodeTrackingPayload("YTowOnt9=", limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "payload too large");
  EXPECT_FALSE(DecodeTrackingPayload(std::string(16385, 'A')).ok());
}

TEST(PhpSerialize, DuplicateKeysRejected) {
  EXPECT_EQ(ErrorOf(R"(a:2:{s:1:"a";i:1;s:1:"a";i:2;})"),
            "duplicate key at offset 17");
  // PHP maps the string key "1" onto the int key 1.
  EXPECT_ERROR_CONTAINS(R"(a:2:{i:1;i:1;s:1:"1";i:2;})", "duplicate key");
  EXPECT_ERROR_CONTAINS(R"(a:2:{s:1:"a";a:0:{}s:1:"a";i:2;})", "duplicate key");
  EXPECT_ERROR_CONTAINS(
      R"(a:2:{s:1:"a";a:1:{s:1:"x";i:1;}s:1:"a";a:1:{s:1:"y";i:1;}})",
      "duplicate key");
  // Two entries flattening to the same key.
  EXPECT_ERROR_CONTAINS(R"(a:2:{s:4:"a[x]";i:1;s:1:"a";a:1:{s:1:"x";i:2;}})",
                        "duplicate key");
  // "01" is not numeric in PHP's key sense: distinct from 1.
  EXPECT_EQ(ErrorOf(R"(a:2:{i:1;i:1;s:2:"01";i:2;})"), "OK");
}

TEST(PhpSerialize, FlattenedOutputIsBounded) {
  // An 8000-byte key holding 100 elements would flatten to ~800 KB of keys.
  std::string serialized =
      "a:1:{s:8000:\"" + std::string(8000, 'k') + "\";a:99:{";
  for (int i = 0; i < 99; ++i) serialized += "i:" + std::to_string(i) + ";N;";
  serialized += "}}";
  ASSERT_LE(Base64(serialized).size(), PhpDecodeLimits{}.max_input_bytes);
  EXPECT_ERROR_CONTAINS(serialized, "flattened payload too large");
}

TEST(PhpSerialize, ErrorsAreInvalidArgument) {
  for (const char* text : {"", "!!!", "Tzo4OiJzdGRDbGFzcyI6MDp7fQ==",
                           "eyJwYWdlX3VybCI6IngifQ==", "YTowOnt9eA=="}) {
    auto result = DecodeTrackingPayload(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// --- hostile input smoke tests (the fuzzer goes further) -----------------

TEST(PhpSerialize, EverySingleByteMutationIsHandled) {
  std::string full = kSeedSerialized;
  for (size_t i = 0; i < full.size(); ++i) {
    for (char c : {'\0', '"', ';', ':', '{', '}', '9', 'a', 'O', 'R', '\xff'}) {
      std::string mutated = full;
      mutated[i] = c;
      auto result = Decode(mutated);
      if (result.ok()) {
        EXPECT_LE(result->size(), 3u);
      }
    }
  }
}

TEST(PhpSerialize, RandomInputNeverCrashes) {
  uint64_t state = 0x9E3779B97F4A7C15u;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  static constexpr char kPieces[][8] = {
      "a:", "1:", "{", "}",   "s:", "i:",  "d:", "b:1", "N;",
      ";",  "\"", "0", "INF", "-",  "2:{", "O:", "R:",  "."};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    size_t pieces = next() % 24;
    for (size_t p = 0; p < pieces; ++p) {
      if (next() % 4 == 0) {
        text += static_cast<char>(next() & 0xff);
      } else {
        text += kPieces[next() % (sizeof(kPieces) / sizeof(kPieces[0]))];
      }
    }
    auto result = Decode(text);
    if (result.ok()) {
      EXPECT_LE(result->size(), PhpDecodeLimits{}.max_elements);
    }
    (void)DecodeTrackingPayload(text);  // Raw, as if not base64 at all.
  }
}

}  // namespace
}  // namespace spoor::collect
