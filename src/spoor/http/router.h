// The one handler the server calls: sends each request to the route group
// that owns its path (sign-in and OAuth2, push notification interactions,
// Spoor's own API under /api/v1/, Mautic's REST API, the tracking surface),
// and gives each its body limit.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "spoor/http/api_routes.h"
#include "spoor/http/auth_routes.h"
#include "spoor/http/http.h"
#include "spoor/http/push_routes.h"
#include "spoor/http/tracking.h"
#include "spoor/http/v1_routes.h"

namespace spoor::http {

class Router {
 public:
  Router(TrackingRoutes& tracking, AuthRoutes& auth, ApiRoutes& api, V1Routes& v1,
         PushRoutes& push)
      : tracking_(tracking), auth_(auth), api_(api), v1_(v1), push_(push) {}

  boost::asio::awaitable<Response> Handle(Request& request);
  static RouteBodyLimit BodyLimit(std::string_view method, std::string_view path);

 private:
  TrackingRoutes& tracking_;
  AuthRoutes& auth_;
  ApiRoutes& api_;
  V1Routes& v1_;
  PushRoutes& push_;
};

}  // namespace spoor::http
