// Routes of sign-in and OAuth2 at Mautic's paths: the admin pages under /s/
// (GET/POST /s/login, POST /s/logout, GET /s/), /oauth/v2/authorize (login
// redirect, consent page, code) and /oauth/v2/token. Glue between the HTTP
// edge and api::Accounts / api::OAuthServer.
//
// Browser sessions: cookie spoor_session (HttpOnly, SameSite=Lax, Secure
// over HTTPS or with --secure-cookies). Every state-changing POST carries a
// CSRF token: the session's, or on the sign-in form a pre-session cookie
// echoed in a field. Password hashing runs on a thread of its own, never on
// an I/O thread.
//
// Thread-safety: one AuthRoutes serves every I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string_view>

#include "spoor/api/accounts.h"
#include "spoor/api/oauth.h"
#include "spoor/http/http.h"

namespace spoor::http {

struct AuthOptions {
  // Believe X-Forwarded-Proto (only behind a proxy you run).
  bool trust_proxy_headers = false;
  // Mark the session cookie Secure even on plain HTTP (behind a TLS proxy).
  bool secure_cookies = false;
};

class AuthRoutes {
 public:
  AuthRoutes(const api::OAuthServer& oauth, const api::Accounts& accounts, AuthOptions options)
      : oauth_(oauth), accounts_(accounts), options_(options) {}
  ~AuthRoutes();

  // Whether `path` is one of these routes (/oauth/..., /s and /s/...).
  static bool Owns(std::string_view path);
  static size_t BodyLimit(std::string_view method, std::string_view path);
  boost::asio::awaitable<Response> Handle(Request& request);
  // Whether the Cookie header carries a valid spoor_session of any user.
  bool HasUserSession(std::string_view cookie_header) const;

 private:
  Response IssueToken(const Request& request);
  Response LoginForm(const Request& request, int status, std::string_view message);
  boost::asio::awaitable<Response> Login(Request& request);
  Response Logout(const Request& request);
  Response Home(const Request& request);
  Response Authorize(const Request& request);
  // The request's session, or Unauthenticated.
  absl::StatusOr<api::SignedIn> SessionOf(const Request& request) const;
  bool SecureCookies(const Request& request) const;

  const api::OAuthServer& oauth_;
  const api::Accounts& accounts_;
  AuthOptions options_;
  // argon2id runs here: one at a time, off the I/O threads.
  boost::asio::thread_pool hashing_{1};
};

// Whether the request came over TLS (directly, or through a trusted proxy).
bool IsHttps(const Request& request, bool trust_proxy_headers);
// Whether the peer is this machine.
bool IsLoopback(const Request& request);
// Whether `path` is a safe local redirect target: one leading '/', not
// "//" or "/\", printable ASCII only, at most 2 KiB.
bool IsLocalPath(std::string_view path);

}  // namespace spoor::http
