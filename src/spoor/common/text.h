// Text handling for hostile input: percent-decoding, query and form parsing
// with limits, UTF-8 repair. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace spoor {

struct QueryLimits {
  size_t max_params = 100;
  size_t max_key_bytes = 128;
  size_t max_value_bytes = 8192;
};

using Params = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes (and '+' as space when `plus_is_space`). A malformed
// escape is kept literally, as browsers and PHP do.
std::string PercentDecode(std::string_view in, bool plus_is_space);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view in);

// Parses `a=1&b=2` (query strings and application/x-www-form-urlencoded
// bodies). Keys and values are decoded and repaired to valid UTF-8.
// Errors: InvalidArgument when a limit is exceeded or a NUL byte appears.
absl::StatusOr<Params> ParseQuery(std::string_view query, const QueryLimits& limits);

// Returns `in` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string RepairUtf8(std::string_view in);
bool IsValidUtf8(std::string_view in);

// Truncates to at most `max_bytes` without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view in, size_t max_bytes);
// Trims ASCII whitespace from both ends of `s`, then truncates it as
// TruncateUtf8 does; in place, without a copy.
void TrimAndTruncateUtf8(std::string& s, size_t max_bytes);

// Appends `in` as a JSON string, quotes included: '"', '\\' and control
// characters escaped (as \b \t \n \f \r or \u00xx), everything else as
// it is. `in` should be valid UTF-8 (RepairUtf8 makes it so).
void AppendJsonString(std::string& out, std::string_view in);

// Escapes & < > " ' for HTML text and attribute values.
std::string EscapeHtml(std::string_view in);

struct BasicAuth {
  std::string user;
  std::string password;
};
// Parses "Authorization: Basic base64(user:password)" (scheme case-
// insensitive, at most 1 KiB encoded). The user must be non-empty valid
// UTF-8 without control characters. nullopt for anything else.
std::optional<BasicAuth> ParseBasicAuth(std::string_view authorization_header);

// Value of the first parameter named `key`, or nullptr.
const std::string* FindParam(const Params& params, std::string_view key);

}  // namespace spoor
