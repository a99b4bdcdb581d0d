#include "spoor/api/oauth.h"

#include <algorithm>

#include <boost/json.hpp>

#include "spoor/auth/auth.h"
#include "spoor/common/strings.h"

namespace spoor::api {
namespace {

TokenAnswer Error(int status, std::string_view code, std::string_view description) {
  return {status, auth::OAuthError(code, description), status == 401};
}

// "Basic base64(id:secret)" with both parts form-urlencoded (RFC 6749 §2.3.1).
bool BasicCredentials(std::string_view header, std::string& id, std::string& secret) {
  std::optional<BasicAuth> basic = ParseBasicAuth(header);
  if (!basic) return false;
  id = PercentDecode(basic->user, true);
  secret = PercentDecode(basic->password, true);
  return true;
}

}  // namespace

TokenAnswer OAuthServer::Token(const Params& params, std::string_view authorization) const {
  const std::string* grant = FindParam(params, "grant_type");
  if (grant == nullptr || grant->empty()) {
    return Error(400, "invalid_request", "grant_type is required");
  }
  std::string id, secret;
  bool basic = BasicCredentials(authorization, id, secret);
  if (!basic) {
    if (const std::string* p = FindParam(params, "client_id")) id = *p;
    if (const std::string* p = FindParam(params, "client_secret")) secret = *p;
  }
  int client_error = basic ? 401 : 400;
  if (id.empty()) return Error(client_error, "invalid_client", "client authentication failed");
  absl::StatusOr<store::ApiClient> client = store_.FindClient(id);
  // The same answer for an unknown client and a wrong secret.
  if (!client.ok() || client->revoked ||
      !auth::SameHash(auth::HashSecret(secret), client->secret_hash)) {
    return Error(client_error, "invalid_client", "client authentication failed");
  }
  if (*grant != "client_credentials") {
    if (*grant == "authorization_code" || *grant == "refresh_token") {
      return Error(400, "unsupported_grant_type",
                   StrCat(*grant, " is not available on this server yet"));
    }
    return Error(400, "unsupported_grant_type", "unknown grant_type");
  }
  if (std::find(client->grants.begin(), client->grants.end(), *grant) == client->grants.end()) {
    return Error(400, "unauthorized_client", "this client may not use client_credentials");
  }
  std::string token = auth::NewSecret("at_");
  store::OAuthToken record;
  record.token_hash = auth::HashSecret(token);
  record.kind = "access";
  record.client_id = client->client_id;
  record.workspace_id = client->workspace_id;
  record.scope = client->scope;
  record.expires_at_us = clock_.NowMicros() + options_.access_token_lifetime_s * 1000000;
  if (absl::Status st = store_.SaveToken(record); !st.ok()) {
    return Error(503, "temporarily_unavailable", "the token could not be stored");
  }
  return {200, boost::json::serialize(boost::json::object{
                   {"access_token", token},
                   {"token_type", "bearer"},
                   {"expires_in", options_.access_token_lifetime_s},
                   {"scope", client->scope}})};
}

absl::StatusOr<Principal> OAuthServer::Authenticate(std::string_view bearer_token) const {
  if (bearer_token.empty() || bearer_token.size() > 256) {
    return absl::UnauthenticatedError("The access token provided is invalid.");
  }
  absl::StatusOr<store::OAuthToken> token = store_.FindToken(auth::HashSecret(bearer_token));
  if (!token.ok() || token->revoked || token->kind != "access") {
    return absl::UnauthenticatedError("The access token provided is invalid.");
  }
  if (token->expires_at_us <= clock_.NowMicros()) {
    return absl::UnauthenticatedError("The access token provided has expired.");
  }
  return Principal{token->client_id, token->workspace_id, token->scope};
}

}  // namespace spoor::api
