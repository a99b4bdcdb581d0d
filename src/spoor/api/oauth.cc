#include "spoor/api/oauth.h"

#include <algorithm>

#include <boost/json.hpp>

#include "spoor/auth/auth.h"
#include "spoor/common/strings.h"

namespace spoor::api {
namespace {

constexpr size_t kMaxSecretBytes = 256;
constexpr size_t kMaxStateBytes = 1024;
constexpr size_t kMaxRedirectUriBytes = 2048;

TokenAnswer Error(int status, std::string_view code, std::string_view description) {
  return {status, auth::OAuthError(code, description), status == 401};
}

TokenAnswer InvalidGrant(std::string_view description) {
  return Error(400, "invalid_grant", description);
}

// "Basic base64(id:secret)" with both parts form-urlencoded (RFC 6749 §2.3.1).
bool BasicCredentials(std::string_view header, std::string& id, std::string& secret) {
  std::optional<BasicAuth> basic = ParseBasicAuth(header);
  if (!basic) return false;
  id = PercentDecode(basic->user, true);
  secret = PercentDecode(basic->password, true);
  return true;
}

bool Allows(const store::ApiClient& client, std::string_view grant) {
  return std::find(client.grants.begin(), client.grants.end(), grant) != client.grants.end();
}

std::string_view ParamOr(const Params& params, std::string_view key) {
  const std::string* p = FindParam(params, key);
  return p == nullptr ? std::string_view() : std::string_view(*p);
}

std::string AppendQuery(std::string_view uri, std::string_view query) {
  return StrCat(uri, uri.find('?') == std::string_view::npos ? "?" : "&", query);
}

}  // namespace

bool OAuthServer::AuthenticateClient(const Params& params, std::string_view authorization,
                                     store::ApiClient& client, TokenAnswer& answer) const {
  std::string id, secret;
  bool basic = BasicCredentials(authorization, id, secret);
  if (!basic) {
    id = ParamOr(params, "client_id");
    secret = ParamOr(params, "client_secret");
  }
  int status = basic ? 401 : 400;
  answer = Error(status, "invalid_client", "client authentication failed");
  if (id.empty() || id.size() > kMaxSecretBytes || secret.size() > kMaxSecretBytes) return false;
  absl::StatusOr<store::ApiClient> found = store_.FindClient(id);
  // The same answer for an unknown client and a wrong secret.
  if (!found.ok() || found->revoked) return false;
  if (!found->is_public && !auth::SameHash(auth::HashSecret(secret), found->secret_hash)) {
    return false;
  }
  client = std::move(*found);
  return true;
}

TokenAnswer OAuthServer::Token(const Params& params, std::string_view authorization) const {
  std::string_view grant = ParamOr(params, "grant_type");
  if (grant.empty()) return Error(400, "invalid_request", "grant_type is required");
  store::ApiClient client;
  TokenAnswer answer;
  if (!AuthenticateClient(params, authorization, client, answer)) return answer;
  if (grant != "client_credentials" && grant != "authorization_code" &&
      grant != "refresh_token") {
    return Error(400, "unsupported_grant_type", "unknown grant_type");
  }
  if (!Allows(client, grant)) {
    return Error(400, "unauthorized_client", StrCat("this client may not use ", grant));
  }
  if (grant == "authorization_code") return AuthorizationCode(params, client);
  if (grant == "refresh_token") return RefreshToken(params, client);
  if (client.is_public) {
    return Error(400, "unauthorized_client", "a public client may not use client_credentials");
  }
  return ClientCredentials(client);
}

TokenAnswer OAuthServer::ClientCredentials(const store::ApiClient& client) const {
  return Issue(client, client.workspace_id, client.scope, 0, "");
}

TokenAnswer OAuthServer::AuthorizationCode(const Params& params,
                                           const store::ApiClient& client) const {
  std::string_view code = ParamOr(params, "code");
  std::string_view verifier = ParamOr(params, "code_verifier");
  if (code.empty()) return Error(400, "invalid_request", "code is required");
  if (code.size() > kMaxSecretBytes) return InvalidGrant("unknown code");
  absl::StatusOr<store::AuthorizationCode> issued =
      store_.ConsumeAuthorizationCode(auth::HashSecret(code));
  if (absl::IsNotFound(issued.status())) return InvalidGrant("unknown code");
  if (!issued.ok()) return Error(503, "temporarily_unavailable", "try again");
  if (issued->used) {
    // A replayed code may be stolen: what it issued is revoked (RFC 6749 §4.1.2).
    (void)store_.RevokeTokenFamily(issued->code_hash);
    return InvalidGrant("the code was already used; its tokens are revoked");
  }
  if (issued->client_id != client.client_id) return InvalidGrant("the code is another client's");
  if (issued->expires_at_us <= clock_.NowMicros()) return InvalidGrant("the code has expired");
  if (ParamOr(params, "redirect_uri") != issued->redirect_uri) {
    return InvalidGrant("redirect_uri differs from the authorization request's");
  }
  if (issued->code_challenge.empty()) {
    if (!verifier.empty()) return InvalidGrant("no code_challenge was sent for this code");
  } else if (verifier.empty()) {
    return Error(400, "invalid_request", "code_verifier is required");
  } else if (!auth::VerifyPkceS256(verifier, issued->code_challenge)) {
    return InvalidGrant("code_verifier does not match the code_challenge");
  }
  return Issue(client, issued->workspace_id, issued->scope, issued->user_id, issued->code_hash);
}

TokenAnswer OAuthServer::RefreshToken(const Params& params, const store::ApiClient& client) const {
  std::string_view presented = ParamOr(params, "refresh_token");
  if (presented.empty()) return Error(400, "invalid_request", "refresh_token is required");
  if (presented.size() > kMaxSecretBytes) return InvalidGrant("unknown refresh token");
  std::string hash = auth::HashSecret(presented);
  absl::StatusOr<store::OAuthToken> token = store_.FindToken(hash);
  if (absl::IsNotFound(token.status())) return InvalidGrant("unknown refresh token");
  if (!token.ok()) return Error(503, "temporarily_unavailable", "try again");
  if (token->kind != "refresh" || token->client_id != client.client_id) {
    return InvalidGrant("unknown refresh token");
  }
  if (token->expires_at_us <= clock_.NowMicros()) return InvalidGrant("the refresh token expired");
  std::string scope = token->scope;
  std::string_view asked = ParamOr(params, "scope");
  if (!asked.empty() && asked != scope) {
    if (asked != "read") return Error(400, "invalid_scope", "a refresh may only narrow the scope");
    scope = "read";
  }
  // Rotation: the presented token is revoked by exactly one request; a
  // replay (or a token revoked otherwise) revokes the whole family.
  absl::StatusOr<bool> revoked_now = false;
  if (!token->revoked) revoked_now = store_.RevokeToken(hash);
  if (!revoked_now.ok()) return Error(503, "temporarily_unavailable", "try again");
  if (!*revoked_now) {
    (void)store_.RevokeTokenFamily(token->family);
    return InvalidGrant("the refresh token was already used; its family is revoked");
  }
  return Issue(client, token->workspace_id, scope, token->user_id, token->family);
}

TokenAnswer OAuthServer::Issue(const store::ApiClient& client, int64_t workspace_id,
                               std::string_view scope, int64_t user_id,
                               std::string_view family) const {
  int64_t now = clock_.NowMicros();
  std::string access = auth::NewSecret("at_");
  store::OAuthToken record;
  record.token_hash = auth::HashSecret(access);
  record.kind = "access";
  record.client_id = client.client_id;
  record.workspace_id = workspace_id;
  record.scope = scope;
  record.expires_at_us = now + options_.access_token_lifetime_s * 1000000;
  record.family = family;
  record.user_id = user_id;
  if (!store_.SaveToken(record).ok()) {
    return Error(503, "temporarily_unavailable", "the token could not be stored");
  }
  boost::json::object body{{"access_token", access},
                           {"token_type", "bearer"},
                           {"expires_in", options_.access_token_lifetime_s},
                           {"scope", scope}};
  if (!family.empty()) {
    std::string refresh = auth::NewSecret("rt_");
    record.token_hash = auth::HashSecret(refresh);
    record.kind = "refresh";
    record.expires_at_us = now + options_.refresh_token_lifetime_s * 1000000;
    if (!store_.SaveToken(record).ok()) {
      return Error(503, "temporarily_unavailable", "the token could not be stored");
    }
    body["refresh_token"] = refresh;
  }
  return {200, boost::json::serialize(body)};
}

absl::StatusOr<Principal> OAuthServer::Authenticate(std::string_view bearer_token) const {
  if (bearer_token.empty() || bearer_token.size() > kMaxSecretBytes) {
    return absl::UnauthenticatedError("The access token provided is invalid.");
  }
  absl::StatusOr<store::OAuthToken> token = store_.FindToken(auth::HashSecret(bearer_token));
  if (!token.ok() || token->revoked || token->kind != "access") {
    return absl::UnauthenticatedError("The access token provided is invalid.");
  }
  if (token->expires_at_us <= clock_.NowMicros()) {
    return absl::UnauthenticatedError("The access token provided has expired.");
  }
  Principal who{token->client_id, token->workspace_id, token->scope, token->user_id, ""};
  if (token->user_id != 0) {
    absl::StatusOr<store::User> user = store_.FindUser(token->user_id);
    if (!user.ok()) return absl::UnauthenticatedError("The access token provided is invalid.");
    who.role = user->role;
  }
  return who;
}

AuthorizeCheck OAuthServer::CheckAuthorize(const Params& params) const {
  AuthorizeCheck out;
  auto fail = [&out](std::string_view error, std::string_view description) {
    out.error = error;
    out.description = description;
    return out;
  };
  std::string_view id = ParamOr(params, "client_id");
  if (id.empty() || id.size() > kMaxSecretBytes) {
    return fail("invalid_request", "client_id is required");
  }
  absl::StatusOr<store::ApiClient> client = store_.FindClient(id);
  if (!client.ok() || client->revoked) return fail("invalid_client", "unknown client");
  AuthorizeRequest& req = out.request;
  req.client = std::move(*client);
  const std::vector<std::string>& uris = req.client.redirect_uris;
  const std::string* sent = FindParam(params, "redirect_uri");
  if (sent != nullptr) {
    // Byte for byte: no normalisation, no prefix or pattern matching.
    if (sent->size() > kMaxRedirectUriBytes ||
        std::find(uris.begin(), uris.end(), *sent) == uris.end()) {
      return fail("invalid_request", "redirect_uri is not registered for this client");
    }
    req.redirect_uri = *sent;
    req.sent_redirect_uri = *sent;
  } else if (uris.size() == 1) {
    req.redirect_uri = uris.front();
  } else {
    return fail("invalid_request", "redirect_uri is required");
  }
  // From here on, errors go back to the client's redirect URI.
  out.redirect = true;
  std::string_view state = ParamOr(params, "state");
  if (state.size() > kMaxStateBytes) {
    return fail("invalid_request", "state is too long");
  }
  req.state = state;
  if (ParamOr(params, "response_type") != "code") {
    return fail("unsupported_response_type", "response_type must be code");
  }
  if (!Allows(req.client, "authorization_code")) {
    return fail("unauthorized_client", "this client may not use authorization_code");
  }
  std::string_view challenge = ParamOr(params, "code_challenge");
  std::string_view method = ParamOr(params, "code_challenge_method");
  if (!challenge.empty() || !method.empty()) {
    if (method != "S256") return fail("invalid_request", "code_challenge_method must be S256");
    if (!auth::IsPkceString(challenge)) return fail("invalid_request", "malformed code_challenge");
    req.code_challenge = challenge;
  } else if (req.client.is_public) {
    return fail("invalid_request", "PKCE (code_challenge, S256) is required for this client");
  }
  out.error.clear();
  return out;
}

absl::StatusOr<std::string> OAuthServer::Approve(const AuthorizeRequest& request,
                                                 const store::User& user) const {
  std::string code = auth::NewSecret("ac_");
  store::AuthorizationCode record;
  record.code_hash = auth::HashSecret(code);
  record.client_id = request.client.client_id;
  record.user_id = user.id;
  record.redirect_uri = request.sent_redirect_uri;
  record.code_challenge = request.code_challenge;
  record.workspace_id = request.client.workspace_id;
  // A viewer's grant can only read, whatever the client may.
  record.scope = user.role == "viewer" ? "read" : request.client.scope;
  record.expires_at_us = clock_.NowMicros() + options_.code_lifetime_s * 1000000;
  if (absl::Status st = store_.SaveAuthorizationCode(record); !st.ok()) {
    return absl::UnavailableError("the code could not be stored");
  }
  std::string query = StrCat("code=", PercentEncode(code));
  if (!request.state.empty()) query += StrCat("&state=", PercentEncode(request.state));
  return AppendQuery(request.redirect_uri, query);
}

std::string OAuthServer::ErrorRedirect(const AuthorizeRequest& request, std::string_view error,
                                       std::string_view description) {
  std::string query =
      StrCat("error=", PercentEncode(error), "&error_description=", PercentEncode(description));
  if (!request.state.empty()) query += StrCat("&state=", PercentEncode(request.state));
  return AppendQuery(request.redirect_uri, query);
}

}  // namespace spoor::api
