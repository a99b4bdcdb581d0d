#include "spoor/http/router.h"

namespace spoor::http {

boost::asio::awaitable<Response> Router::Handle(Request& request) {
  if (AuthRoutes::Owns(request.path)) co_return co_await auth_.Handle(request);
  if (PushRoutes::OwnsReceiver(request.path)) co_return co_await push_.Receive(request);
  if (ApiRoutes::Owns(request.path)) co_return co_await api_.Handle(request);
  co_return co_await tracking_.Handle(request);
}

RouteBodyLimit Router::BodyLimit(std::string_view method, std::string_view path) {
  if (AuthRoutes::Owns(path)) return AuthRoutes::BodyLimit(method, path);
  if (PushRoutes::OwnsReceiver(path)) return PushRoutes::ReceiverBodyLimit(method);
  if (ApiRoutes::Owns(path)) return ApiRoutes::BodyLimit(method, path);
  return TrackingRoutes::BodyLimit(method, path);
}

}  // namespace spoor::http
