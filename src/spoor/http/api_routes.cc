#include "spoor/http/api_routes.h"

#include <boost/json.hpp>

#include "spoor/collect/events_api.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::http {

Response MauticError(int status, std::string_view message, std::string_view type) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "application/json");
  boost::json::object err{{"code", status}, {"message", message}, {"details", boost::json::array()}};
  err["type"] = type.empty() ? boost::json::value(nullptr) : boost::json::value(type);
  res.body = boost::json::serialize(boost::json::object{{"errors", boost::json::array{err}}});
  return res;
}

bool ApiRoutes::Owns(std::string_view path) {
  return StartsWith(path, "/api/") && path != "/api/v1/events";
}

size_t ApiRoutes::BodyLimit(std::string_view method, std::string_view /*path*/) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return 0;
  return 1024 * 1024;
}

boost::asio::awaitable<Response> ApiRoutes::Handle(Request& request) {
  std::string bearer = collect::BearerToken(request.Header("authorization"));
  absl::StatusOr<api::Principal> who = oauth_.Authenticate(bearer);
  Response res;
  if (!who.ok()) {
    res = bearer.empty() ? MauticError(401, "API authorization denied.", "access_denied")
                         : MauticError(401, ToStd(who.status().message()), "invalid_grant");
    res.Set("WWW-Authenticate", "Bearer realm=\"spoor\"");
  } else {
    res = MauticError(404, "Item was not found.");
  }
  res.Set("Mautic-Version", options_.version);
  co_return res;
}

}  // namespace spoor::http
