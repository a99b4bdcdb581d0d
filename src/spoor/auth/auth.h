// Credentials: user passwords (argon2id), API client secrets and OAuth2
// tokens. Secrets are random, shown once, and only their hashes are kept.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace spoor::auth {

// argon2id (libsodium's interactive limits). Errors: ResourceExhausted when
// memory for hashing is not available.
absl::StatusOr<std::string> HashPassword(std::string_view password);
// Constant-time with respect to the password; false for a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& hash);

// A new secret: `prefix` + 43 characters of base64url (256 random bits).
std::string NewSecret(std::string_view prefix);
// SHA-256 of a high-entropy secret, hex: how tokens and client secrets are stored.
std::string HashSecret(std::string_view secret);
// Constant-time comparison of two hashes.
bool SameHash(std::string_view a, std::string_view b);

// PKCE (RFC 7636): whether `s` is 43-128 characters of [A-Za-z0-9-._~],
// the form of a code_verifier and of an S256 code_challenge.
bool IsPkceString(std::string_view s);
// Whether BASE64URL(SHA-256(verifier)) equals `challenge` (constant time).
// False for a malformed verifier.
bool VerifyPkceS256(std::string_view verifier, std::string_view challenge);

// RFC 6749 §5.2 error body: {"error": code, "error_description": text}.
std::string OAuthError(std::string_view code, std::string_view description);

}  // namespace spoor::auth
