#include "spoor/http/auth_routes.h"

#include "spoor/auth/auth.h"
#include "spoor/collect/forms.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::http {

bool IsHttps(const Request& request, bool trust_proxy_headers) {
  return request.secure ||
         (trust_proxy_headers && request.Header("x-forwarded-proto") == "https");
}

bool IsLoopback(const Request& request) {
  return StartsWith(request.remote_ip, "127.") || request.remote_ip == "::1";
}

bool AuthRoutes::Owns(std::string_view path) { return StartsWith(path, "/oauth/"); }

size_t AuthRoutes::BodyLimit(std::string_view method, std::string_view /*path*/) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return 0;
  return 16 * 1024;
}

boost::asio::awaitable<Response> AuthRoutes::Handle(Request& request) {
  if (request.path == "/oauth/v2/token") co_return IssueToken(request);
  co_return JsonError(404, "not_found", "no such route");
}

Response AuthRoutes::IssueToken(const Request& request) {
  Response res;
  res.Set("Content-Type", "application/json");
  res.Set("Cache-Control", "no-store");
  res.Set("Pragma", "no-cache");
  // OAuth2 needs TLS, except on loopback (a local client, or a TLS proxy in front).
  if (!IsHttps(request, options_.trust_proxy_headers) && !IsLoopback(request)) {
    res.status = 400;
    res.body = auth::OAuthError("invalid_request", "HTTPS is required");
    return res;
  }
  if (request.method != "POST" && request.method != "GET") {
    res.status = 405;
    res.body = auth::OAuthError("invalid_request", "use POST");
    return res;
  }
  absl::StatusOr<Params> params = ParseQuery(request.query, {});
  if (params.ok() && !request.body.empty()) {
    absl::StatusOr<Params> body =
        request.Header("content-type").find("json") != std::string_view::npos
            ? collect::JsonBodyToParams(request.body, {})
            : ParseQuery(request.body, {});
    if (!body.ok()) params = body.status();
    else for (auto& kv : *body) params->push_back(std::move(kv));
  }
  if (!params.ok()) {
    res.status = 400;
    res.body = auth::OAuthError("invalid_request", ToStd(params.status().message()));
    return res;
  }
  api::TokenAnswer answer = oauth_.Token(*params, request.Header("authorization"));
  res.status = answer.status;
  res.body = std::move(answer.body);
  if (answer.www_authenticate) res.Set("WWW-Authenticate", "Basic realm=\"spoor\"");
  return res;
}

}  // namespace spoor::http
