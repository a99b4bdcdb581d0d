// Routes of the REST APIs: Mautic's (/api/contacts, /api/fields/contact,
// /api/forms, ...) with its paths, verbs, JSON shapes and status codes, and
// Spoor's own under /api/v1/. Every request is authenticated (OAuth2 bearer
// token, or HTTP Basic when enabled) and sees only its workspace. Handlers
// are glue: authenticate, parse, call api::, publish writes through the bus
// and wait until they are applied, render.
//
// Thread-safety: one ApiRoutes serves every I/O thread.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "spoor/api/oauth.h"
#include "spoor/http/http.h"

namespace spoor::http {

struct ApiOptions {
  std::string version = "0.1.0";  // sent as Mautic-Version
};

class ApiRoutes {
 public:
  ApiRoutes(const api::OAuthServer& oauth, ApiOptions options)
      : oauth_(oauth), options_(std::move(options)) {}

  // Whether `path` is one of these routes (every /api/ path but the events
  // ingest endpoint, which belongs to the tracking surface).
  static bool Owns(std::string_view path);
  static size_t BodyLimit(std::string_view method, std::string_view path);
  boost::asio::awaitable<Response> Handle(Request& request);

 private:
  const api::OAuthServer& oauth_;
  ApiOptions options_;
};

// Mautic's error body: {"errors":[{"code":status,"message":...,"details":[],"type":type}]}.
Response MauticError(int status, std::string_view message, std::string_view type = {});

}  // namespace spoor::http
