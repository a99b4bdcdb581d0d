// Signed contact tokens for tracked links ("identify by tracking URL").
//
// Links in emails carry a `ct` parameter that tells the tracker which
// contact clicked. Mautic put base64(serialize([...])) there: readable,
// editable, and fed to unserialize(). A Spoor token is instead a compact
// binary record with an HMAC-SHA256 tag, so it can be neither forged nor
// altered nor pointed at another contact without the workspace's secret key:
//
//   base64url without padding of
//     version byte 1 | workspace_id (varint) | contact_id (varint) |
//     expires_at seconds (varint, 0 = never) |
//     HMAC-SHA256(key, all previous bytes) truncated to 16 bytes
//
// Varints are unsigned LEB128 in their shortest form. Verification is
// strict: a token decodes to exactly one byte string and a byte string to
// exactly one token (no padding, no non-zero trailing bits, no over-long
// varints, no trailing bytes), so no two different strings verify as the
// same token and any single-character change fails.
//
// Pure functions with no shared state: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace spoor {

// Longest token VerifyContactToken decodes (real tokens are at most 63).
inline constexpr size_t kMaxContactTokenChars = 128;

// Returns the token (characters [A-Za-z0-9_-] only, URL-safe as is).
// `workspace_id` and `expires_at_s` must be >= 0 (checked: a negative value
// is a programming error).
std::string SignContactToken(const std::array<uint8_t, 32>& key, int64_t workspace_id,
                             uint64_t contact_id, int64_t expires_at_s);

struct ContactToken {
  int64_t workspace_id;
  uint64_t contact_id;
  int64_t expires_at_s;  // 0 = never
};

// Verifies a token made by SignContactToken with the same key.
// Errors: InvalidArgument (longer than kMaxContactTokenChars, malformed,
// unknown version, bad MAC: compared in constant time); FailedPrecondition
// when it has expired, i.e. expires_at_s != 0 and now_s >= expires_at_s.
absl::StatusOr<ContactToken> VerifyContactToken(const std::array<uint8_t, 32>& key,
                                                std::string_view token, int64_t now_s);

}  // namespace spoor
