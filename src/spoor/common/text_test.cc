#include "spoor/common/text.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace spoor {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(PercentDecode("t%C3%A9", true), "t\xC3\xA9");
}

TEST(ParseQuery, ParsesPairsInOrder) {
  auto p = ParseQuery("page_url=http%3A%2F%2Fx.com%2Fa&tags=A,-B&&empty=&flag", {});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0].second, "http://x.com/a");
  EXPECT_EQ((*p)[1].second, "A,-B");
  EXPECT_EQ((*p)[2].second, "");
  EXPECT_EQ((*p)[3].first, "flag");
  EXPECT_EQ(*FindParam(*p, "tags"), "A,-B");
  EXPECT_EQ(FindParam(*p, "nope"), nullptr);
}

TEST(ParseQuery, RejectsTooManyParams) {
  QueryLimits limits;
  limits.max_params = 3;
  EXPECT_FALSE(ParseQuery("a=1&b=2&c=3&d=4", limits).ok());
  EXPECT_TRUE(ParseQuery("a=1&b=2&c=3", limits).ok());
}

TEST(ParseQuery, RejectsLongValuesAndNul) {
  QueryLimits limits;
  limits.max_value_bytes = 4;
  EXPECT_FALSE(ParseQuery("a=12345", limits).ok());
  EXPECT_FALSE(ParseQuery("a=1%002", {}).ok());
  EXPECT_FALSE(ParseQuery("a%00=1", {}).ok());
  EXPECT_FALSE(ParseQuery(std::string_view("a=1\0", 4), {}).ok());  // raw, not escaped
  EXPECT_FALSE(ParseQuery(std::string_view("b=2&a\0=1", 8), {}).ok());
}

TEST(ParseQuery, RepairsRawInvalidUtf8AndKeepsValidText) {
  auto p = ParseQuery("k\xC3=v\xFFw&t=caf\xC3\xA9+%E2%80%94", {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].first, "k\xEF\xBF\xBD");
  EXPECT_EQ((*p)[0].second, "v\xEF\xBF\xBDw");
  EXPECT_EQ((*p)[1].second, "caf\xC3\xA9 \xE2\x80\x94");
}

TEST(ParseQuery, RepairsInvalidUtf8) {
  auto p = ParseQuery("t=%FF%C3%A9", {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].second, "\xEF\xBF\xBD\xC3\xA9");
}

TEST(Utf8, ValidatesAndRepairs) {
  EXPECT_TRUE(IsValidUtf8("héllo"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));       // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));   // surrogate
  EXPECT_EQ(RepairUtf8("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(TruncateUtf8("h\xC3\xA9llo", 2), "h");
}

TEST(Utf8, TrimsAndTruncatesInPlace) {
  auto clean = [](std::string s, size_t max) {
    TrimAndTruncateUtf8(s, max);
    return s;
  };
  EXPECT_EQ(clean("  h\xC3\xA9llo \t", 100), "h\xC3\xA9llo");
  EXPECT_EQ(clean(" h\xC3\xA9llo", 2), "h");  // never half of \xC3\xA9
  EXPECT_EQ(clean(" h\xC3\xA9llo", 3), "h\xC3\xA9");
  EXPECT_EQ(clean("\r\n ", 10), "");
  EXPECT_EQ(clean("abc", 0), "");
  const std::string long_url = "https://example.com/" + std::string(100, 'x');
  EXPECT_EQ(clean("  " + long_url, 30), long_url.substr(0, 30));
}

TEST(Utf8, ASequenceIsJudgedWhereverItFallsAmongAsciiRuns) {
  const std::string ascii(40, 'a');
  for (size_t at = 0; at + 3 <= ascii.size(); ++at) {
    std::string good = ascii, bad = ascii, cut = ascii;
    good.replace(at, 3, "\xE2\x82\xAC");  // €
    bad.replace(at, 2, "\xC0\xAF");        // overlong
    cut.replace(at, 1, "\xE2");             // lead byte without its continuation
    EXPECT_TRUE(IsValidUtf8(good)) << at;
    EXPECT_FALSE(IsValidUtf8(bad)) << at;
    EXPECT_FALSE(IsValidUtf8(cut)) << at;
    EXPECT_EQ(RepairUtf8(cut).size(), ascii.size() + 2) << at;
  }
  EXPECT_FALSE(IsValidUtf8(ascii + "\xFF"));
}

// The plainest percent-decoder, to check PercentDecode against.
std::string PlainDecode(std::string_view in, bool plus) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 2;
    } else {
      out.push_back(plus && in[i] == '+' ? ' ' : in[i]);
    }
  }
  return out;
}

// Against the plainest decoder, on every short string of the characters
// that matter.
TEST(PercentDecode, AgreesWithAPlainDecoderEverywhere) {
  const std::string alphabet = "%+4Fgz";
  for (size_t len = 0; len <= 6; ++len) {
    std::vector<size_t> digit(len, 0);
    while (true) {
      std::string in;
      for (size_t d : digit) in.push_back(alphabet[d]);
      for (bool plus : {true, false}) {
        ASSERT_EQ(PercentDecode(in, plus), PlainDecode(in, plus)) << in;
      }
      size_t k = 0;
      while (k < len && ++digit[k] == alphabet.size()) digit[k++] = 0;
      if (k == len) break;
    }
  }
}

// Longer strings, past the eight-byte stride, with NUL and bytes above
// ASCII among them: the same bytes as the plainest decoder, and ParseQuery
// refuses exactly the values that decode to a NUL and repairs the rest.
TEST(PercentDecode, AgreesWithAPlainDecoderOnLongRandomStrings) {
  const std::string alphabet("%+0Cgz.a\xC3\xA9\xFF\0", 12);
  std::mt19937 rng(7);
  for (int round = 0; round < 100000; ++round) {
    std::string in(rng() % 41, ' ');
    // Mostly plain letters, so that whole words of eight occur too.
    for (char& c : in) c = rng() % 3 == 0 ? alphabet[rng() % alphabet.size()] : 'a';
    for (bool plus : {true, false}) ASSERT_EQ(PercentDecode(in, plus), PlainDecode(in, plus)) << in;
    std::string value = PlainDecode(in, true);
    auto params = ParseQuery("k=" + in, {});
    if (value.find('\0') != std::string::npos) {
      EXPECT_FALSE(params.ok()) << in;
    } else {
      ASSERT_TRUE(params.ok()) << in;
      EXPECT_EQ((*params)[0].second, RepairUtf8(value)) << in;
    }
  }
}

// The plainest query parser: split at '&', then at the first '=', then
// decode each side; empty parts skipped.
std::vector<std::pair<std::string, std::string>> PlainParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      out.emplace_back(PlainDecode(part.substr(0, eq), true), PlainDecode(value, true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// Queries of random names and values, with '&', '=' and escapes of them at
// every place, across the eight-byte stride: the same pairs as the
// plainest parser, and the same refusals.
TEST(ParseQuery, AgreesWithAPlainParserOnRandomQueries) {
  const std::string alphabet("&&==%%+2D6Fgz\xC3\xA9\0", 19);
  std::mt19937 rng(11);
  QueryLimits limits;
  limits.max_params = 12;
  limits.max_key_bytes = 20;
  limits.max_value_bytes = 30;
  for (int round = 0; round < 100000; ++round) {
    std::string query(rng() % 60, ' ');
    for (char& c : query) c = rng() % 3 == 0 ? alphabet[rng() % alphabet.size()] : 'a';
    const auto want = PlainParseQuery(query);
    bool refused = want.size() > limits.max_params;
    for (const auto& [k, v] : want) {
      refused = refused || k.find('\0') != std::string::npos || v.find('\0') != std::string::npos ||
                k.size() > limits.max_key_bytes || v.size() > limits.max_value_bytes;
    }
    auto got = ParseQuery(query, limits);
    ASSERT_EQ(got.ok(), !refused) << query;
    if (refused) continue;
    ASSERT_EQ(got->size(), want.size()) << query;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ((*got)[i].first, RepairUtf8(want[i].first)) << query;
      EXPECT_EQ((*got)[i].second, RepairUtf8(want[i].second)) << query;
    }
  }
}

TEST(PercentDecode, LongInputsDecodeWhole) {
  std::string in, want;
  for (int i = 0; i < 100; ++i) {
    in += "ab%2Fc+";
    want += "ab/c ";
  }
  EXPECT_EQ(PercentDecode(in, true), want);
  EXPECT_EQ(PercentDecode("", true), "");
}

TEST(ParseBasicAuth, UserAndPassword) {
  auto ok = ParseBasicAuth("Basic dXNlcjpwYTpzcw==");  // user:pa:ss
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->user, "user");
  EXPECT_EQ(ok->password, "pa:ss");
  EXPECT_TRUE(ParseBasicAuth("basic a2V5Og==").has_value());  // key:
  EXPECT_FALSE(ParseBasicAuth("Basic OnB3").has_value());       // :pw, empty user
  EXPECT_FALSE(ParseBasicAuth("Basic bm9jb2xvbg==").has_value());  // nocolon
  EXPECT_FALSE(ParseBasicAuth("Basic !!!").has_value());
  EXPECT_FALSE(ParseBasicAuth("Bearer abc").has_value());
  EXPECT_FALSE(ParseBasicAuth("Basic " + std::string(2000, 'A')).has_value());
}

std::string JsonString(std::string_view in) {
  std::string out = "x";
  AppendJsonString(out, in);
  return out.substr(1);
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("abc-123_DEF"), "\"abc-123_DEF\"");
  EXPECT_EQ(JsonString("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(JsonString("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"");
  EXPECT_EQ(JsonString(std::string_view("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
}

// Every byte below 0x20 is escaped, and nothing at or above it but '"' and
// '\\': the output is valid JSON whatever the input's ASCII.
TEST(AppendJsonString, EveryByteAloneAndInsideText) {
  for (int c = 0; c < 256; ++c) {
    const std::string in = std::string("ab") + static_cast<char>(c) + "cd";
    const std::string out = JsonString(in);
    if (c < 0x20 || c == '"' || c == '\\') {
      EXPECT_EQ(out.substr(0, 4), "\"ab\\") << c;
      EXPECT_EQ(out.substr(out.size() - 3), "cd\"") << c;
      EXPECT_EQ(out.size(), c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' ||
                                    c == '\f' || c == '\r'
                                ? 8u
                                : 12u)
          << c;
    } else {
      EXPECT_EQ(out, "\"" + in + "\"") << c;
    }
  }
}

TEST(PercentEncode, KeepsUnreserved) {
  EXPECT_EQ(PercentEncode("a b/é~"), "a%20b%2F%C3%A9~");
}

}  // namespace
}  // namespace spoor
