// OAuth2 at Mautic's paths: the token endpoint (RFC 6749) and bearer token
// checks. HTTP-free: the edge hands it the request's parameters and headers.
// Grants implemented: client_credentials. Thread-safe (the store is).
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
};

struct TokenAnswer {
  int status = 200;
  std::string body;           // JSON
  bool www_authenticate = false;
};

// Who a valid bearer token speaks for.
struct Principal {
  std::string client_id;
  int64_t workspace_id = 0;
  std::string scope;  // read | write
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

 private:
  store::Store& store_;
  const Clock& clock_;
  OAuthOptions options_;
};

}  // namespace spoor::api
