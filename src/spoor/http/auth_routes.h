// Routes of sign-in and OAuth2 at Mautic's paths: /oauth/v2/token (and, as
// they land, /oauth/v2/authorize, the login page and sessions). Glue between
// the HTTP edge and api::OAuthServer.
//
// Thread-safety: one AuthRoutes serves every I/O thread.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "spoor/api/oauth.h"
#include "spoor/http/http.h"

namespace spoor::http {

struct AuthOptions {
  // Believe X-Forwarded-Proto (only behind a proxy you run).
  bool trust_proxy_headers = false;
};

class AuthRoutes {
 public:
  AuthRoutes(const api::OAuthServer& oauth, AuthOptions options)
      : oauth_(oauth), options_(options) {}

  // Whether `path` is one of these routes.
  static bool Owns(std::string_view path);
  static size_t BodyLimit(std::string_view method, std::string_view path);
  boost::asio::awaitable<Response> Handle(Request& request);

 private:
  Response IssueToken(const Request& request);

  const api::OAuthServer& oauth_;
  AuthOptions options_;
};

// Whether the request came over TLS (directly, or through a trusted proxy).
bool IsHttps(const Request& request, bool trust_proxy_headers);
// Whether the peer is this machine.
bool IsLoopback(const Request& request);

}  // namespace spoor::http
