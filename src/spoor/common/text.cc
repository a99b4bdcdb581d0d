#include "spoor/common/text.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "spoor/common/strings.h"
#include "spoor/common/words.h"

namespace spoor {
namespace {

// Each byte's value as a hex digit, or -1.
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> values{};
  for (int c = 0; c < 256; ++c) {
    if (c >= '0' && c <= '9') values[c] = static_cast<int8_t>(c - '0');
    else if (c >= 'a' && c <= 'f') values[c] = static_cast<int8_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') values[c] = static_cast<int8_t>(c - 'A' + 10);
    else values[c] = -1;
  }
  return values;
}();

int HexValue(char c) { return kHexValues[static_cast<unsigned char>(c)]; }

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t ValidSequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

// What a decoded text holds besides its bytes: whether any is past ASCII
// (only then can it be invalid UTF-8) and whether any is NUL.
struct DecodedBytes {
  bool non_ascii = false;
  bool nul = false;
};

using words::HasZeroByte;
using words::kHighs;
using words::kOnes;

// Decodes `in` from `i` into `to`, which has room for in.size() - i bytes,
// up to its end or, when `kStops`, up to the first raw `stop_a` or `stop_b`
// (a name ends at '=' or '&', a value at '&'). Returns where it stopped;
// `written` is the length of what it wrote.
template <bool kStops>
size_t DecodeTo(std::string_view in, size_t i, char stop_a, char stop_b, bool plus_is_space,
                char* to, size_t& written, DecodedBytes& seen) {
  constexpr uint64_t kPercents = kOnes * '%';
  const uint64_t pluses = plus_is_space ? kOnes * '+' : kPercents;
  const uint64_t stops_a = kOnes * static_cast<unsigned char>(stop_a);
  const uint64_t stops_b = kOnes * static_cast<unsigned char>(stop_b);
  const size_t n = in.size();
  char* const from = to;
  uint64_t all = 0;  // every byte written, OR-ed
  bool nul = false;
  bool stopped = false;
  // The byte at i, which may be a stop, an escape, a '+' or anything else.
  auto one = [&] {
    char c = in[i];
    if (kStops && (c == stop_a || c == stop_b)) {
      stopped = true;
      return;
    }
    ++i;
    if (c == '%' && i + 1 < n) {
      const int hi = HexValue(in[i]);
      const int lo = HexValue(in[i + 1]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    } else if (plus_is_space && c == '+') {
      c = ' ';
    }
    all |= static_cast<unsigned char>(c);
    nul |= c == '\0';
    *to++ = c;
  };
  // Sixteen bytes at a time, then eight: copied whole, kept up to the
  // first '%', '+', NUL or stop, which is then taken alone. The output is
  // never ahead of the input, so the copy stays inside `to`'s room.
#if defined(__SSE2__)
  const __m128i percents16 = _mm_set1_epi8('%');
  const __m128i pluses16 = _mm_set1_epi8(plus_is_space ? '+' : '%');
  const __m128i stops_a16 = _mm_set1_epi8(stop_a);
  const __m128i stops_b16 = _mm_set1_epi8(stop_b);
  while (!stopped && i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to), v);
    __m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, percents16), _mm_cmpeq_epi8(v, pluses16));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
    if (kStops) {
      special = _mm_or_si128(special, _mm_or_si128(_mm_cmpeq_epi8(v, stops_a16),
                                                   _mm_cmpeq_epi8(v, stops_b16)));
    }
    const unsigned flagged = static_cast<unsigned>(_mm_movemask_epi8(special));
    const unsigned highs = static_cast<unsigned>(_mm_movemask_epi8(v));  // bytes past ASCII
    const size_t plain = flagged == 0 ? 16 : static_cast<size_t>(std::countr_zero(flagged));
    if ((highs & ((1u << plain) - 1)) != 0) all |= kHighs;
    to += plain;
    i += plain;
    if (flagged != 0) one();
  }
#endif
  while (!stopped && i + sizeof(uint64_t) <= n) {
    uint64_t word;
    std::memcpy(&word, in.data() + i, sizeof(word));
    std::memcpy(to, &word, sizeof(word));
    uint64_t special =
        HasZeroByte(word ^ kPercents) | HasZeroByte(word ^ pluses) | HasZeroByte(word);
    if (kStops) special |= HasZeroByte(word ^ stops_a) | HasZeroByte(word ^ stops_b);
    if (special == 0) {
      all |= word;
      to += sizeof(word);
      i += sizeof(word);
      continue;
    }
    // The lowest flagged byte is exact (only bytes above a match can be
    // flagged falsely).
    const size_t plain = static_cast<size_t>(std::countr_zero(special)) / 8;
    all |= word & ((uint64_t{1} << (8 * plain)) - 1);
    to += plain;
    i += plain;
    one();
  }
  while (!stopped && i < n) one();
  written = static_cast<size_t>(to - from);
  seen.non_ascii = (all & kHighs) != 0;
  seen.nul = nul;
  return i;
}

std::string Decode(std::string_view in, bool plus_is_space, DecodedBytes& seen) {
  // Never longer than its input: written in place, then cut to length.
  std::string out(in.size(), '\0');
  size_t written = 0;
  DecodeTo<false>(in, 0, '\0', '\0', plus_is_space, out.data(), written, seen);
  out.resize(written);
  return out;
}

}  // namespace

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  DecodedBytes seen;
  return Decode(in, plus_is_space, seen);
}

void AppendJsonString(std::string& out, std::string_view in) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + in.size() + 2);
  out.push_back('"');
  size_t plain = 0;  // start of the run not yet appended
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(in, plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(in, plain, in.size() - plain);
  out.push_back('"');
}

std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3 / 2);
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool IsValidUtf8(std::string_view in) {
  for (size_t i = 0; i < in.size();) {
    // Eight ASCII bytes at a time: what most text is.
    uint64_t word;
    if (i + sizeof(word) <= in.size()) {
      std::memcpy(&word, in.data() + i, sizeof(word));
      if ((word & kHighs) == 0) {
        i += sizeof(word);
        continue;
      }
    }
    size_t n = ValidSequenceLength(in, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string RepairUtf8(std::string_view in) {
  if (IsValidUtf8(in)) return std::string(in);
  std::string out;
  out.reserve(in.size() + 8);
  for (size_t i = 0; i < in.size();) {
    size_t n = ValidSequenceLength(in, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(in.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string TruncateUtf8(std::string_view in, size_t max_bytes) {
  if (in.size() <= max_bytes) return std::string(in);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(in[end]) & 0xC0) == 0x80) --end;
  return std::string(in.substr(0, end));
}

void TrimAndTruncateUtf8(std::string& s, size_t max_bytes) {
  const std::string_view trimmed = TrimAscii(s);
  const size_t from = static_cast<size_t>(trimmed.data() - s.data());
  size_t size = trimmed.size();
  if (size > max_bytes) {
    size = max_bytes;
    while (size > 0 && (static_cast<unsigned char>(trimmed[size]) & 0xC0) == 0x80) --size;
  }
  if (from > 0) s.erase(0, from);
  s.resize(size);
}

namespace {

// Replaces invalid UTF-8 in `s`; valid text (nearly all) is left as it is.
void RepairUtf8InPlace(std::string& s) {
  if (!IsValidUtf8(s)) s = RepairUtf8(s);
}

}  // namespace

absl::StatusOr<Params> ParseQuery(std::string_view query, const QueryLimits& limits) {
  // Names and values are decoded here first, then copied out at their
  // length; kept by the thread unless a long query grew it.
  constexpr size_t kKeptScratchBytes = 64 * 1024;
  thread_local std::string scratch;
  if (scratch.size() < query.size()) scratch.resize(query.size());
  absl::Cleanup trim = [] {
    if (scratch.size() > kKeptScratchBytes) std::string().swap(scratch);
  };
  Params params;
  params.reserve(std::min<size_t>(limits.max_params, 16));
  const size_t n = query.size();
  size_t pos = 0;
  while (pos < n) {
    DecodedBytes key_seen, value_seen;
    size_t key_bytes = 0, value_bytes = 0;
    // A name ends at the first raw '=' or '&'; its value at the next '&'.
    const size_t name_end =
        DecodeTo<true>(query, pos, '=', '&', true, scratch.data(), key_bytes, key_seen);
    if (name_end == pos && (name_end == n || query[name_end] == '&')) {
      pos = name_end + 1;  // "&&", or a trailing '&'
      continue;
    }
    if (params.size() >= limits.max_params) {
      return absl::InvalidArgumentError(
          StrCat("too many parameters (limit ", limits.max_params, ")"));
    }
    std::string key(scratch.data(), key_bytes);
    size_t end = name_end;
    if (name_end < n && query[name_end] == '=') {
      end = DecodeTo<true>(query, name_end + 1, '&', '&', true, scratch.data(), value_bytes,
                           value_seen);
    }
    std::string value(scratch.data(), value_bytes);
    pos = end + 1;
    if (key_seen.nul || value_seen.nul) return absl::InvalidArgumentError("NUL byte in parameter");
    if (key.size() > limits.max_key_bytes) {
      return absl::InvalidArgumentError("parameter name too long");
    }
    if (value.size() > limits.max_value_bytes) {
      return absl::InvalidArgumentError(StrCat("parameter '", RepairUtf8(key), "' too long"));
    }
    if (key_seen.non_ascii) RepairUtf8InPlace(key);
    if (value_seen.non_ascii) RepairUtf8InPlace(value);
    params.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

std::optional<BasicAuth> ParseBasicAuth(std::string_view authorization_header) {
  constexpr size_t kMaxEncodedBytes = 1024;
  std::string_view header = TrimAscii(authorization_header);
  if (header.size() < 6 || AsciiLower(header.substr(0, 6)) != "basic ") return std::nullopt;
  std::string_view encoded = TrimAscii(header.substr(6));
  if (encoded.empty() || encoded.size() > kMaxEncodedBytes) return std::nullopt;
  std::string decoded;
  if (!absl::Base64Unescape(ToAbsl(encoded), &decoded)) return std::nullopt;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  BasicAuth out{decoded.substr(0, colon), decoded.substr(colon + 1)};
  if (!IsValidUtf8(out.user)) return std::nullopt;
  for (unsigned char c : out.user) {
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return out;
}

std::string EscapeHtml(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 16);
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

const std::string* FindParam(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace spoor
