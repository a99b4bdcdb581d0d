// OAuth2 at Mautic's paths: the token endpoint (RFC 6749: authorization_code
// with PKCE (RFC 7636), refresh_token with rotation, client_credentials),
// the checks of the authorization endpoint, and bearer token checks.
// HTTP-free: the edge hands it the request's parameters and headers.
//
// Secrets (codes, tokens, client secrets) are random and stored hashed.
// A code is single use: its replay revokes every token issued from it. A
// refresh token is rotated on use: the replay of a rotated one revokes its
// whole family.
//
// Thread-safe (the store is).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "spoor/common/clock.h"
#include "spoor/common/text.h"
#include "spoor/store/store.h"

namespace spoor::api {

struct OAuthOptions {
  int64_t access_token_lifetime_s = 3600;
  int64_t refresh_token_lifetime_s = 14 * 86400;  // Mautic's default
  int64_t code_lifetime_s = 600;
};

struct TokenAnswer {
  int status = 200;
  std::string body;           // JSON
  bool www_authenticate = false;
};

// Who a valid bearer token (or HTTP Basic user) speaks for.
struct Principal {
  std::string client_id;      // empty for HTTP Basic
  int64_t workspace_id = 0;
  std::string scope;          // read | write
  int64_t user_id = 0;        // 0: the client itself (client_credentials)
  std::string role;           // admin | editor | viewer; empty without a user
};

// A valid authorization request (GET or POST /oauth/v2/authorize).
struct AuthorizeRequest {
  store::ApiClient client;
  std::string redirect_uri;      // where the answer goes (registered)
  std::string sent_redirect_uri; // as the request sent it; empty when left out
  std::string state;
  std::string code_challenge;    // S256; empty without PKCE
};

// The outcome of checking an authorization request. `error` empty: valid.
// Otherwise `redirect` says whether the error may be sent to
// request.redirect_uri (validated by then); when false it must be shown,
// never redirected.
struct AuthorizeCheck {
  std::string error;
  std::string description;
  bool redirect = false;
  AuthorizeRequest request;
};

class OAuthServer {
 public:
  OAuthServer(store::Store& store, const Clock& clock, OAuthOptions options = {})
      : store_(store), clock_(clock), options_(options) {}

  // POST /oauth/v2/token. `params` merges query and body; `authorization` is
  // the Authorization header (HTTP Basic client authentication).
  TokenAnswer Token(const Params& params, std::string_view authorization) const;
  // Errors: Unauthenticated (unknown, expired, revoked, or not an access token).
  absl::StatusOr<Principal> Authenticate(std::string_view bearer_token) const;

  // Checks client_id, redirect_uri (exactly a registered one; may be left
  // out when the client has exactly one), response_type=code, state and
  // PKCE (S256 only; required for public clients).
  AuthorizeCheck CheckAuthorize(const Params& params) const;
  // Issues a code for `user` and returns the URL to redirect to:
  // redirect_uri?code=...&state=... Errors: Unavailable.
  absl::StatusOr<std::string> Approve(const AuthorizeRequest& request,
                                      const store::User& user) const;
  // redirect_uri?error=...&error_description=...&state=...
  static std::string ErrorRedirect(const AuthorizeRequest& request, std::string_view error,
                                   std::string_view description);

 private:
  // Authenticates the client of a token request (Basic or body; a public
  // client sends only its id). Sets `answer` to the error otherwise.
  bool AuthenticateClient(const Params& params, std::string_view authorization,
                          store::ApiClient& client, TokenAnswer& answer) const;
  TokenAnswer ClientCredentials(const store::ApiClient& client) const;
  TokenAnswer AuthorizationCode(const Params& params, const store::ApiClient& client) const;
  TokenAnswer RefreshToken(const Params& params, const store::ApiClient& client) const;
  // Stores and answers an access token (and a refresh token when `family`
  // is not empty).
  TokenAnswer Issue(const store::ApiClient& client, int64_t workspace_id, std::string_view scope,
                    int64_t user_id, std::string_view family) const;

  store::Store& store_;
  const Clock& clock_;
  OAuthOptions options_;
};

}  // namespace spoor::api
