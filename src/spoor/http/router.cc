#include "spoor/http/router.h"

namespace spoor::http {

// Not a coroutine: it hands back the route's own, so a request costs no
// frame of its own here.
boost::asio::awaitable<Response> Router::Handle(Request& request) {
  if (AuthRoutes::Owns(request.path)) return auth_.Handle(request);
  if (PushRoutes::OwnsReceiver(request.path)) return push_.Receive(request);
  if (PushRoutes::OwnsApi(request.path)) return api_.Handle(request);
  if (V1Routes::Owns(request.method, request.path)) return v1_.Handle(request);
  if (ApiRoutes::Owns(request.path)) return api_.Handle(request);
  return tracking_.Handle(request);
}

RouteBodyLimit Router::BodyLimit(std::string_view method, std::string_view path) {
  if (AuthRoutes::Owns(path)) return AuthRoutes::BodyLimit(method, path);
  if (PushRoutes::OwnsReceiver(path)) return PushRoutes::ReceiverBodyLimit(method);
  if (PushRoutes::OwnsApi(path)) return ApiRoutes::BodyLimit(method, path);
  if (V1Routes::Owns(method, path)) return V1Routes::BodyLimit(method, path);
  if (ApiRoutes::Owns(path)) return ApiRoutes::BodyLimit(method, path);
  return TrackingRoutes::BodyLimit(method, path);
}

}  // namespace spoor::http
