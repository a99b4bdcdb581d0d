#include "spoor/collect/php_serialize.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "spoor/common/status.h"

namespace spoor::collect {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The flattened output (keys and values, plus the key index) may use at most
// this many bytes per decoded byte. Nested keys repeat their parents' keys,
// so without a cap a small payload could expand by a factor of max_elements.
constexpr size_t kOutputFactor = 16;

// Unsigned digit runs (lengths, counts) saturate here: far above any limit,
// and 10 * kSaturated + 9 still fits in uint64_t.
constexpr uint64_t kSaturated = 1'000'000'000'000'000;

// --- base64 --------------------------------------------------------------

// Value of a base64 digit (standard or URL-safe alphabet), or -1.
int Base64Digit(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Like PHP's base64_decode($s, false): every character outside the alphabet
// ('=' included, wherever it is) is skipped, and a final incomplete group
// yields the whole bytes it holds.
std::string DecodeBase64Lenient(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int digit = Base64Digit(static_cast<unsigned char>(ch));
    if (digit < 0) continue;
    acc = ((acc << 6) | static_cast<uint32_t>(digit)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// --- lexing helpers ------------------------------------------------------

absl::Status ErrorAt(const char* what, size_t offset) {
  return absl::InvalidArgumentError(absl::StrCat(what, " at offset ", offset));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Cursor over the decoded bytes. No accessor reads outside `data_`.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  bool NextIs(char c) const { return !AtEnd() && data_[pos_] == c; }
  bool NextIsDigit() const { return !AtEnd() && IsDigit(data_[pos_]); }
  // The next byte; callers check !AtEnd() first.
  char Peek() const { return data_[pos_]; }

  bool TryConsume(char c) {
    if (!NextIs(c)) return false;
    ++pos_;
    return true;
  }

  // Up to `n` bytes (fewer at the end of the data).
  std::string_view Take(size_t n) {
    std::string_view s = data_.substr(pos_, n);
    pos_ += s.size();
    return s;
  }

  // The longest run of bytes satisfying `pred`.
  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    size_t end = pos_;
    while (end < data_.size() && pred(data_[end])) ++end;
    return Take(end - pos_);
  }

  absl::Status Expect(char c) {
    if (AtEnd()) return ErrorAt("unexpected end of input", pos_);
    if (data_[pos_] != c) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected '", std::string(1, c), "' at offset ", pos_));
    }
    ++pos_;
    return absl::OkStatus();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

absl::Status RequireDigit(const Cursor& in) {
  if (in.AtEnd()) return ErrorAt("unexpected end of input", in.offset());
  if (!in.NextIsDigit()) return ErrorAt("expected a digit", in.offset());
  return absl::OkStatus();
}

// [0-9]+ as an unsigned number, saturating at kSaturated.
absl::StatusOr<uint64_t> ReadUnsigned(Cursor& in) {
  SPOOR_RETURN_IF_ERROR(RequireDigit(in));
  uint64_t value = 0;
  while (in.NextIsDigit()) {
    uint64_t digit = static_cast<uint64_t>(in.Peek() - '0');
    value = std::min(kSaturated, value * 10 + digit);
    in.Take(1);
  }
  return value;
}

// --- scalar bodies (after "x:") ------------------------------------------

// [+-]?[0-9]+; as canonical decimal text; must fit in int64.
absl::StatusOr<std::string> ParseIntBody(Cursor& in, size_t tag_offset) {
  bool negative = in.TryConsume('-');
  if (!negative) in.TryConsume('+');
  SPOOR_RETURN_IF_ERROR(RequireDigit(in));
  const uint64_t max_magnitude =
      negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  while (in.NextIsDigit()) {
    uint64_t digit = static_cast<uint64_t>(in.Peek() - '0');
    if (magnitude > (max_magnitude - digit) / 10) {
      return ErrorAt("integer out of range", tag_offset);
    }
    magnitude = magnitude * 10 + digit;
    in.Take(1);
  }
  SPOOR_RETURN_IF_ERROR(in.Expect(';'));
  if (negative && magnitude != 0) return absl::StrCat("-", magnitude);
  return absl::StrCat(magnitude);
}

// PHP's float grammar: [+-]? (digits | digits? "." digits | digits "." )
// followed by an optional [eE][+-]?digits.
bool IsPhpFloatSyntax(std::string_view t) {
  size_t i = 0;
  auto sign = [&] {
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  };
  auto digits = [&] {
    size_t begin = i;
    while (i < t.size() && IsDigit(t[i])) ++i;
    return i - begin;
  };
  sign();
  size_t mantissa_digits = digits();
  if (i < t.size() && t[i] == '.') {
    ++i;
    mantissa_digits += digits();
  }
  if (mantissa_digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    sign();
    if (digits() == 0) return false;
  }
  return i == t.size();
}

// Shortest text that parses back to `value`.
std::string FormatDouble(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) return "NAN";  // Unreachable: 64 bytes always fit.
  return std::string(buf, end);
}

absl::StatusOr<std::string> ParseFloatBody(Cursor& in, size_t tag_offset) {
  std::string_view token = in.TakeWhile([](char c) {
    return IsDigit(c) || c == '+' || c == '-' || c == '.' || c == 'e' ||
           c == 'E' || c == 'I' || c == 'N' || c == 'F' || c == 'A';
  });
  SPOOR_RETURN_IF_ERROR(in.Expect(';'));
  if (token == "NAN" || token == "INF" || token == "-INF") {
    return std::string(token);
  }
  if (!IsPhpFloatSyntax(token)) return ErrorAt("malformed float", tag_offset);
  if (token.front() == '+') token.remove_prefix(1);
  double value = 0;
  auto [end, ec] =
      std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return ErrorAt("float out of range", tag_offset);
  }
  if (ec != std::errc() || end != token.data() + token.size()) {
    return ErrorAt("malformed float", tag_offset);
  }
  return FormatDouble(value);
}

absl::StatusOr<std::string> ParseBoolBody(Cursor& in, size_t tag_offset) {
  std::string value;
  if (in.TryConsume('1')) {
    value = "1";
  } else if (!in.TryConsume('0')) {
    return ErrorAt("malformed bool", tag_offset);
  }
  SPOOR_RETURN_IF_ERROR(in.Expect(';'));
  return value;
}

// <length>:"<exactly length bytes>";
absl::StatusOr<std::string> ParseStringBody(Cursor& in,
                                            const PhpDecodeLimits& limits,
                                            size_t tag_offset) {
  SPOOR_ASSIGN_OR_RETURN(uint64_t length, ReadUnsigned(in));
  SPOOR_RETURN_IF_ERROR(in.Expect(':'));
  SPOOR_RETURN_IF_ERROR(in.Expect('"'));
  if (length > limits.max_string_bytes) {
    return ErrorAt("string too long", tag_offset);
  }
  // The bytes, the closing quote and the ';'.
  if (length + 2 > in.remaining()) {
    return ErrorAt("string length mismatch", tag_offset);
  }
  std::string value(in.Take(static_cast<size_t>(length)));
  if (!in.TryConsume('"')) return ErrorAt("string length mismatch", tag_offset);
  SPOOR_RETURN_IF_ERROR(in.Expect(';'));
  return value;
}

// Named errors for the tags that a general unserialize() would turn into
// objects, references or enums; OK for every other tag.
absl::Status RejectForbiddenTag(char tag, size_t offset) {
  switch (tag) {
    case 'O':
    case 'C':
      return ErrorAt("objects are not accepted", offset);
    case 'r':
    case 'R':
      return ErrorAt("references are not accepted", offset);
    case 'E':
      return ErrorAt("enums are not accepted", offset);
    default:
      return absl::OkStatus();
  }
}

bool IsScalarTag(char tag) {
  return tag == 's' || tag == 'i' || tag == 'd' || tag == 'b' || tag == 'N';
}

// --- the array walker ----------------------------------------------------

struct Frame {
  std::string path;    // flattened key of this array; empty at top level
  uint64_t remaining;  // elements still to read
};

// Walks nested arrays with an explicit stack: no recursion at all.
class Parser {
 public:
  Parser(std::string_view data, const PhpDecodeLimits& limits)
      : in_(data), limits_(limits), budget_(data.size() * kOutputFactor) {}

  absl::StatusOr<Pairs> Run();

 private:
  absl::Status OpenArray(std::string path);
  absl::Status ParseElement();
  absl::StatusOr<std::string> ParseKey();
  absl::Status ParseValue(std::string path, size_t key_offset);
  absl::StatusOr<std::string> ParseScalar(char tag, size_t tag_offset);
  absl::Status ClaimPath(const std::string& path, size_t offset);
  absl::Status Charge(size_t bytes, size_t offset);

  Cursor in_;
  const PhpDecodeLimits& limits_;
  size_t budget_;          // output bytes still allowed
  uint64_t elements_ = 0;  // declared elements so far, all levels
  std::vector<Frame> stack_;
  std::set<std::string> paths_;  // every flattened key handed out
  Pairs out_;
};

absl::StatusOr<Pairs> Parser::Run() {
  if (in_.AtEnd()) return absl::InvalidArgumentError("empty payload");
  // Mautic itself refuses decoded text that does not start with 'a'.
  if (!in_.NextIs('a')) {
    SPOOR_RETURN_IF_ERROR(RejectForbiddenTag(in_.Peek(), 0));
    return absl::InvalidArgumentError("payload is not a serialized array");
  }
  SPOOR_RETURN_IF_ERROR(OpenArray(""));
  while (!stack_.empty()) {
    if (stack_.back().remaining == 0) {
      SPOOR_RETURN_IF_ERROR(in_.Expect('}'));
      stack_.pop_back();
    } else {
      --stack_.back().remaining;
      SPOOR_RETURN_IF_ERROR(ParseElement());
    }
  }
  if (!in_.AtEnd()) return ErrorAt("trailing data", in_.offset());
  return std::move(out_);
}

// a:<count>:{  — pushes a frame; its elements are read by Run().
absl::Status Parser::OpenArray(std::string path) {
  const size_t start = in_.offset();
  if (stack_.size() >= limits_.max_depth) {
    return ErrorAt("arrays nested too deeply", start);
  }
  SPOOR_RETURN_IF_ERROR(in_.Expect('a'));
  SPOOR_RETURN_IF_ERROR(in_.Expect(':'));
  SPOOR_ASSIGN_OR_RETURN(uint64_t count, ReadUnsigned(in_));
  if (count > limits_.max_elements - elements_) {
    return ErrorAt("too many elements", start);
  }
  elements_ += count;
  SPOOR_RETURN_IF_ERROR(in_.Expect(':'));
  SPOOR_RETURN_IF_ERROR(in_.Expect('{'));
  stack_.push_back(Frame{std::move(path), count});
  return absl::OkStatus();
}

absl::Status Parser::ParseElement() {
  const size_t key_offset = in_.offset();
  SPOOR_ASSIGN_OR_RETURN(std::string key, ParseKey());
  std::string path = stack_.size() == 1
                         ? std::move(key)
                         : absl::StrCat(stack_.back().path, "[", key, "]");
  return ParseValue(std::move(path), key_offset);
}

absl::StatusOr<std::string> Parser::ParseKey() {
  const size_t start = in_.offset();
  if (in_.AtEnd()) return ErrorAt("unexpected end of input", start);
  const char tag = in_.Peek();
  if (tag == 'i' || tag == 's') return ParseScalar(tag, start);
  SPOOR_RETURN_IF_ERROR(RejectForbiddenTag(tag, start));
  return ErrorAt("invalid array key", start);
}

absl::Status Parser::ParseValue(std::string path, size_t key_offset) {
  const size_t start = in_.offset();
  if (in_.AtEnd()) return ErrorAt("unexpected end of input", start);
  SPOOR_RETURN_IF_ERROR(ClaimPath(path, key_offset));
  if (in_.Peek() == 'a') return OpenArray(std::move(path));
  SPOOR_ASSIGN_OR_RETURN(std::string value, ParseScalar(in_.Peek(), start));
  SPOOR_RETURN_IF_ERROR(Charge(value.size(), start));
  out_.emplace_back(std::move(path), std::move(value));
  return absl::OkStatus();
}

// One of s i d b N, tag included, as PHP's string conversion of the value.
absl::StatusOr<std::string> Parser::ParseScalar(char tag, size_t tag_offset) {
  SPOOR_RETURN_IF_ERROR(RejectForbiddenTag(tag, tag_offset));
  if (!IsScalarTag(tag)) return ErrorAt("unsupported value type", tag_offset);
  in_.Take(1);
  if (tag == 'N') {
    SPOOR_RETURN_IF_ERROR(in_.Expect(';'));
    return std::string();
  }
  SPOOR_RETURN_IF_ERROR(in_.Expect(':'));
  switch (tag) {
    case 's':
      return ParseStringBody(in_, limits_, tag_offset);
    case 'i':
      return ParseIntBody(in_, tag_offset);
    case 'd':
      return ParseFloatBody(in_, tag_offset);
    default:
      return ParseBoolBody(in_, tag_offset);
  }
}

// Reserves a flattened key: it must be new, and it costs budget twice (the
// index and the output).
absl::Status Parser::ClaimPath(const std::string& path, size_t offset) {
  SPOOR_RETURN_IF_ERROR(Charge(2 * path.size(), offset));
  if (!paths_.insert(path).second) return ErrorAt("duplicate key", offset);
  return absl::OkStatus();
}

absl::Status Parser::Charge(size_t bytes, size_t offset) {
  if (bytes > budget_) return ErrorAt("flattened payload too large", offset);
  budget_ -= bytes;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
DecodeTrackingPayload(std::string_view base64_text,
                      const PhpDecodeLimits& limits) {
  if (base64_text.size() > limits.max_input_bytes) {
    return absl::InvalidArgumentError("payload too large");
  }
  const std::string decoded = DecodeBase64Lenient(base64_text);
  Parser parser(decoded, limits);
  return parser.Run();
}

}  // namespace spoor::collect
