#include "spoor/api/authenticator.h"

#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::api {
namespace {

constexpr std::string_view kDenied = "API authorization denied.";
constexpr std::string_view kBasicDisabled =
    "Basic Auth disabled. You need to enable HTTP basic auth in the API settings of Mautic's "
    "Configuration.";
constexpr std::string_view kBadBasic = "Authorization denied, invalid credentials.";

ApiAuthResult Failure(int status, std::string_view message, std::string_view type) {
  ApiAuthResult out;
  out.status = status;
  out.message = message;
  out.type = type;
  return out;
}

// The credentials after `scheme ` (case-insensitive), or nullopt.
std::optional<std::string_view> AfterScheme(std::string_view header, std::string_view scheme) {
  header = TrimAscii(header);
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ' ||
      AsciiLower(header.substr(0, scheme.size())) != scheme) {
    return std::nullopt;
  }
  return TrimAscii(header.substr(scheme.size() + 1));
}

}  // namespace

ApiAuthResult Authenticator::Authenticate(const ApiCredentials& credentials) const {
  std::string_view bearer;
  if (!credentials.authorization.empty()) {
    if (AfterScheme(credentials.authorization, "basic")) {
      if (!options_.basic_auth) return Failure(403, kBasicDisabled, "access_denied");
      return Basic(credentials.authorization, credentials.client_ip);
    }
    std::optional<std::string_view> token = AfterScheme(credentials.authorization, "bearer");
    if (!token) return Failure(401, kDenied, "access_denied");
    // One method per request (RFC 6750 §2).
    if (!credentials.access_token.empty()) {
      return Failure(400, "Send the access token once.", "invalid_request");
    }
    bearer = *token;
  } else {
    bearer = credentials.access_token;
  }
  if (bearer.empty()) return Failure(401, kDenied, "access_denied");
  absl::StatusOr<Principal> who = oauth_.Authenticate(bearer);
  if (!who.ok()) return Failure(401, ToStd(who.status().message()), "invalid_grant");
  ApiAuthResult out;
  out.status = 200;
  out.principal = std::move(*who);
  return out;
}

ApiAuthResult Authenticator::Basic(std::string_view authorization,
                                   std::string_view client_ip) const {
  std::optional<BasicAuth> basic = ParseBasicAuth(authorization);
  if (!basic) return Failure(401, kBadBasic, "access_denied");
  int64_t retry_after = 0;
  absl::StatusOr<store::User> user =
      accounts_.CheckPassword(basic->user, basic->password, client_ip, &retry_after);
  if (absl::IsResourceExhausted(user.status())) {
    ApiAuthResult out = Failure(429, "Too many failed attempts; try again later.", "access_denied");
    out.retry_after_s = retry_after;
    return out;
  }
  if (absl::IsUnauthenticated(user.status())) return Failure(401, kBadBasic, "access_denied");
  absl::StatusOr<store::Workspace> ws = user.ok() ? store_.FindWorkspace("") : user.status();
  if (!ws.ok()) return Failure(503, "The service is unavailable; try again.", "unavailable");
  ApiAuthResult out;
  out.status = 200;
  out.principal =
      Principal{"", ws->id, user->role == "viewer" ? "read" : "write", user->id, user->role};
  return out;
}

}  // namespace spoor::api
