// Authenticates a REST API request as Mautic does: an OAuth2 bearer token
// (Authorization: Bearer, or the access_token parameter of the query or
// body), or, when enabled, HTTP Basic with a user's email and password.
// Answers carry Mautic's status, message and error type.
//
// Thread-safe. A Basic check runs argon2id (tens of milliseconds): call it
// off the I/O threads when that matters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spoor/api/accounts.h"
#include "spoor/api/oauth.h"
#include "spoor/store/store.h"

namespace spoor::api {

struct AuthenticatorOptions {
  bool basic_auth = false;  // --api-basic-auth / api_basic_auth = true
};

struct ApiCredentials {
  std::string_view authorization;  // the Authorization header, or empty
  std::string_view access_token;   // access_token= of the query or body, or empty
  std::string_view client_ip;      // for the sign-in rate limit (Basic)
};

struct ApiAuthResult {
  std::optional<Principal> principal;  // set when authenticated
  // Otherwise Mautic's error: 400, 401, 403, 429 or 503 (store), message and type.
  int status = 401;
  std::string message;
  std::string type;
  int64_t retry_after_s = 0;  // with 429
};

class Authenticator {
 public:
  Authenticator(const OAuthServer& oauth, const Accounts& accounts, store::Store& store,
                AuthenticatorOptions options)
      : oauth_(oauth), accounts_(accounts), store_(store), options_(options) {}

  // Bearer → the token's principal. Basic (when enabled) → the user, in the
  // default workspace, scope write for admin and editor, read for viewer.
  // Basic while disabled → 403 "Basic Auth disabled. ..." (Mautic's text).
  ApiAuthResult Authenticate(const ApiCredentials& credentials) const;

 private:
  ApiAuthResult Basic(std::string_view authorization, std::string_view client_ip) const;

  const OAuthServer& oauth_;
  const Accounts& accounts_;
  store::Store& store_;
  AuthenticatorOptions options_;
};

}  // namespace spoor::api
