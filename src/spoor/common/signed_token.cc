#include "spoor/common/signed_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "spoor/common/status.h"

namespace spoor {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMacBytes = 16;
constexpr size_t kMaxVarintBytes = 10;
// Version byte, three one-byte varints, the MAC.
constexpr size_t kMinTokenBytes = 1 + 3 + kMacBytes;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void AppendVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads a shortest-form unsigned LEB128 varint at bytes[pos].
std::optional<uint64_t> ReadVarint(std::string_view bytes, size_t& pos) {
  uint64_t v = 0;
  for (size_t i = 0; i < kMaxVarintBytes && pos < bytes.size(); ++i) {
    auto b = static_cast<uint8_t>(bytes[pos++]);
    uint64_t bits = b & 0x7f;
    // The tenth byte may only carry the top bit of a uint64.
    if (i == kMaxVarintBytes - 1 && bits > 1) return std::nullopt;
    v |= bits << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return std::nullopt;  // over-long encoding
      return v;
    }
  }
  return std::nullopt;
}

std::array<uint8_t, kMacBytes> Mac(const std::array<uint8_t, 32>& key, std::string_view data) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int full_len = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), full, &full_len);
  SPOOR_CHECK(ok != nullptr && full_len >= kMacBytes);
  std::array<uint8_t, kMacBytes> mac;
  std::copy(full, full + kMacBytes, mac.begin());
  return mac;
}

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
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

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict decoding: alphabet only, no padding, unused trailing bits zero.
std::optional<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Parses the authenticated fields (after the version byte, before the MAC).
std::optional<ContactToken> ParseFields(std::string_view fields) {
  size_t pos = 0;
  std::optional<uint64_t> workspace = ReadVarint(fields, pos);
  if (!workspace || *workspace > INT64_MAX) return std::nullopt;
  std::optional<uint64_t> contact = ReadVarint(fields, pos);
  if (!contact) return std::nullopt;
  std::optional<uint64_t> expires = ReadVarint(fields, pos);
  if (!expires || *expires > INT64_MAX || pos != fields.size()) return std::nullopt;
  return ContactToken{static_cast<int64_t>(*workspace), *contact, static_cast<int64_t>(*expires)};
}

}  // namespace

std::string SignContactToken(const std::array<uint8_t, 32>& key, int64_t workspace_id,
                             uint64_t contact_id, int64_t expires_at_s) {
  SPOOR_CHECK(workspace_id >= 0 && expires_at_s >= 0);
  std::string bytes;
  bytes.push_back(static_cast<char>(kVersion));
  AppendVarint(static_cast<uint64_t>(workspace_id), bytes);
  AppendVarint(contact_id, bytes);
  AppendVarint(static_cast<uint64_t>(expires_at_s), bytes);
  std::array<uint8_t, kMacBytes> mac = Mac(key, bytes);
  bytes.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  return Base64UrlEncode(bytes);
}

absl::StatusOr<ContactToken> VerifyContactToken(const std::array<uint8_t, 32>& key,
                                                std::string_view token, int64_t now_s) {
  if (token.size() > kMaxContactTokenChars) {
    return absl::InvalidArgumentError("contact token: too long");
  }
  std::optional<std::string> bytes = Base64UrlDecode(token);
  if (!bytes || bytes->size() < kMinTokenBytes) {
    return absl::InvalidArgumentError("contact token: malformed");
  }
  if (static_cast<uint8_t>((*bytes)[0]) != kVersion) {
    return absl::InvalidArgumentError("contact token: unknown version");
  }
  std::string_view signed_part = std::string_view(*bytes).substr(0, bytes->size() - kMacBytes);
  std::array<uint8_t, kMacBytes> want = Mac(key, signed_part);
  if (CRYPTO_memcmp(want.data(), bytes->data() + signed_part.size(), kMacBytes) != 0) {
    return absl::InvalidArgumentError("contact token: bad signature");
  }
  std::optional<ContactToken> parsed = ParseFields(signed_part.substr(1));
  if (!parsed) return absl::InvalidArgumentError("contact token: malformed");
  if (parsed->expires_at_s != 0 && now_s >= parsed->expires_at_s) {
    return absl::FailedPreconditionError("contact token: expired");
  }
  return *parsed;
}

}  // namespace spoor
