#include "spoor/http/auth_routes.h"

#include "spoor/http/publish.h"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>

#include "spoor/auth/auth.h"
#include "spoor/collect/collect.h"
#include "spoor/collect/forms.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::http {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kSessionCookie = "spoor_session";
constexpr std::string_view kLoginCsrfCookie = "spoor_login_csrf";
constexpr std::string_view kHome = "/s/";

// Query and (form or JSON) body parameters, bounded by ParseQuery's limits.
absl::StatusOr<Params> RequestParams(const Request& request) {
  absl::StatusOr<Params> params = ParseQuery(request.query, {});
  if (params.ok() && !request.body.empty()) {
    absl::StatusOr<Params> body =
        request.Header("content-type").find("json") != std::string_view::npos
            ? collect::JsonBodyToParams(request.body, {})
            : ParseQuery(request.body, {});
    if (!body.ok()) return body.status();
    for (auto& kv : *body) params->push_back(std::move(kv));
  }
  return params;
}

std::string_view Param(const Params& params, std::string_view key) {
  const std::string* p = FindParam(params, key);
  return p == nullptr ? std::string_view() : std::string_view(*p);
}

Response Page(int status, std::string_view title, std::string_view body_html) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "text/html; charset=utf-8");
  res.Set("Cache-Control", "no-store");
  res.Set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
          "base-uri 'none'");
  res.Set("X-Frame-Options", "DENY");
  res.Set("Referrer-Policy", "no-referrer");
  res.body =
      StrCat("<!doctype html><html><head><meta charset=\"utf-8\"><title>", EscapeHtml(title),
             "</title></head><body><h1>", EscapeHtml(title), "</h1>", body_html, "</body></html>");
  return res;
}

Response Redirect(int status, std::string location) {
  Response res;
  res.status = status;
  res.Set("Location", std::move(location));
  res.Set("Cache-Control", "no-store");
  return res;
}

std::string Hidden(std::string_view name, std::string_view value) {
  return StrCat("<input type=\"hidden\" name=\"", EscapeHtml(name), "\" value=\"",
                EscapeHtml(value), "\">");
}

std::string Cookie(std::string_view name, std::string_view value, std::string_view path,
                   int64_t max_age_s, std::string_view same_site, bool secure) {
  return StrCat(name, "=", value, "; Path=", path, "; Max-Age=", max_age_s,
                "; HttpOnly; SameSite=", same_site, secure ? "; Secure" : "");
}

// A pre-session CSRF value as this server mints it (43 base64url chars).
bool IsLoginCsrf(std::string_view v) { return v.size() == 43 && auth::IsPkceString(v); }

}  // namespace

bool IsHttps(const Request& request, bool trust_proxy_headers) {
  return request.secure || (trust_proxy_headers && request.Header("x-forwarded-proto") == "https");
}

bool IsLoopback(const Request& request) {
  return StartsWith(request.remote_ip, "127.") || request.remote_ip == "::1";
}

bool IsLocalPath(std::string_view path) {
  if (path.empty() || path.size() > 2048 || path[0] != '/') return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;
  for (char c : path) {
    if (c <= 0x20 || c >= 0x7f || c == '\\') return false;
  }
  return true;
}

AuthRoutes::~AuthRoutes() { hashing_.join(); }

bool AuthRoutes::Owns(std::string_view path) {
  return StartsWith(path, "/oauth/") || path == "/s" || StartsWith(path, "/s/");
}

size_t AuthRoutes::BodyLimit(std::string_view method, std::string_view /*path*/) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return 0;
  return 16 * 1024;
}

bool AuthRoutes::SecureCookies(const Request& request) const {
  return options_.secure_cookies || IsHttps(request, options_.trust_proxy_headers);
}

absl::StatusOr<api::SignedIn> AuthRoutes::SessionOf(const Request& request) const {
  return accounts_.Session(collect::CookieValue(request.Header("cookie"), kSessionCookie));
}

bool AuthRoutes::HasUserSession(std::string_view cookie_header) const {
  return accounts_.Session(collect::CookieValue(cookie_header, kSessionCookie)).ok();
}

boost::asio::awaitable<Response> AuthRoutes::Handle(Request& request) {
  std::string_view path = request.path;
  bool get = request.method == "GET" || request.method == "HEAD";
  bool post = request.method == "POST";
  if (path == "/oauth/v2/token") co_return IssueToken(request);
  if (path == "/oauth/v2/authorize" && (get || post)) co_return Authorize(request);
  if (path == "/s/login" && get) co_return LoginForm(request, 200, "");
  if (path == "/s/login" && post) co_return co_await Login(request);
  if (path == "/s/logout" && post) co_return Logout(request);
  if ((path == "/s" || path == "/s/") && get) co_return Home(request);
  if (path == "/s/login" || path == "/s/logout" || path == "/oauth/v2/authorize") {
    Response res = Page(405, "Method not allowed", "");
    res.Set("Allow", path == "/s/logout" ? "POST" : "GET, POST");
    co_return res;
  }
  if (StartsWith(path, "/s")) co_return Page(404, "Not found", "<p>No such page.</p>");
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
  absl::StatusOr<Params> params = RequestParams(request);
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

Response AuthRoutes::LoginForm(const Request& request, int status, std::string_view message) {
  absl::StatusOr<Params> params = ParseQuery(request.query, {});
  std::string_view back = params.ok() ? Param(*params, "return") : std::string_view();
  if (request.method == "POST") {
    absl::StatusOr<Params> form = RequestParams(request);
    back = form.ok() ? Param(*form, "return") : std::string_view();
  }
  if (!IsLocalPath(back)) back = kHome;
  if (request.method != "POST" && SessionOf(request).ok()) {
    return Redirect(302, std::string(back));
  }
  std::string csrf(collect::CookieValue(request.Header("cookie"), kLoginCsrfCookie));
  if (!IsLoginCsrf(csrf)) csrf = auth::NewSecret("");
  Response res = Page(
      status, "Sign in to Spoor",
      StrCat(message.empty() ? "" : StrCat("<p role=\"alert\">", EscapeHtml(message), "</p>"),
             "<form method=\"post\" action=\"/s/login\">", Hidden("csrf", csrf),
             Hidden("return", back),
             "<p><label>Email <input type=\"email\" name=\"email\" autocomplete=\"username\" "
             "required></label></p><p><label>Password <input type=\"password\" name=\"password\" "
             "autocomplete=\"current-password\" required></label></p>"
             "<p><button type=\"submit\">Sign in</button></p></form>"));
  res.Set("Set-Cookie",
          Cookie(kLoginCsrfCookie, csrf, "/s/", 3600, "Strict", SecureCookies(request)));
  return res;
}

boost::asio::awaitable<Response> AuthRoutes::Login(Request& request) {
  if (!IsHttps(request, options_.trust_proxy_headers) && !IsLoopback(request) &&
      !options_.secure_cookies) {
    co_return Page(400, "HTTPS is required", "<p>Sign in over HTTPS.</p>");
  }
  absl::StatusOr<Params> form = RequestParams(request);
  if (!form.ok()) co_return Page(400, "Bad request", "<p>The form could not be read.</p>");
  std::string_view cookie = collect::CookieValue(request.Header("cookie"), kLoginCsrfCookie);
  if (!IsLoginCsrf(cookie) || !auth::SameHash(cookie, Param(*form, "csrf"))) {
    co_return Page(403, "Forbidden",
                   "<p>The sign-in form expired. <a href=\"/s/login\">Sign in again</a>.</p>");
  }
  std::string email(Param(*form, "email"));
  std::string password(Param(*form, "password"));
  std::string ip = request.remote_ip;
  if (options_.trust_proxy_headers) {
    std::string_view xff = request.Header("x-forwarded-for");
    if (!xff.empty()) ip = std::string(TrimAscii(xff.substr(0, xff.find(','))));
  }
  struct Outcome {
    absl::StatusOr<api::NewSession> session = absl::UnknownError("not run");
    int64_t retry_after_s = 0;
  };
  const api::Accounts& accounts = accounts_;
  std::function<Outcome()> sign_in = [&accounts, email, password, ip] {
    Outcome o;
    o.session = accounts.SignIn(email, password, ip, &o.retry_after_s);
    return o;
  };
  Outcome out = co_await RunOn<Outcome>(hashing_, std::move(sign_in));
  if (absl::IsResourceExhausted(out.session.status())) {
    Response res =
        Page(429, "Too many attempts", "<p>Too many failed sign-ins. Try again later.</p>");
    res.Set("Retry-After", std::to_string(out.retry_after_s));
    co_return res;
  }
  if (absl::IsUnauthenticated(out.session.status())) {
    co_return LoginForm(request, 401, "Invalid email or password.");
  }
  if (!out.session.ok()) co_return Page(503, "Unavailable", "<p>Try again in a moment.</p>");
  std::string_view back = Param(*form, "return");
  Response res = Redirect(303, std::string(IsLocalPath(back) ? back : kHome));
  bool secure = SecureCookies(request);
  res.Set("Set-Cookie", Cookie(kSessionCookie, out.session->token, "/",
                               accounts_.session_lifetime_s(), "Lax", secure));
  res.Set("Set-Cookie", Cookie(kLoginCsrfCookie, "", "/s/", 0, "Strict", secure));
  co_return res;
}

Response AuthRoutes::Logout(const Request& request) {
  absl::StatusOr<api::SignedIn> who = SessionOf(request);
  if (!who.ok()) return Redirect(303, "/s/login");
  absl::StatusOr<Params> form = RequestParams(request);
  if (!form.ok() || !auth::SameHash(Param(*form, "csrf"), who->csrf_token)) {
    return Page(403, "Forbidden", "<p>The form expired. Reload the page.</p>");
  }
  if (!accounts_.SignOut(collect::CookieValue(request.Header("cookie"), kSessionCookie)).ok()) {
    return Page(503, "Unavailable", "<p>Try again in a moment.</p>");
  }
  Response res = Redirect(303, "/s/login");
  res.Set("Set-Cookie", Cookie(kSessionCookie, "", "/", 0, "Lax", SecureCookies(request)));
  return res;
}

Response AuthRoutes::Home(const Request& request) {
  absl::StatusOr<api::SignedIn> who = SessionOf(request);
  if (!who.ok()) return Redirect(302, "/s/login?return=%2Fs%2F");
  return Page(
      200, "Spoor",
      StrCat("<p>Signed in as ", EscapeHtml(who->user.email), " (", EscapeHtml(who->user.role),
             ").</p><form method=\"post\" action=\"/s/logout\">", Hidden("csrf", who->csrf_token),
             "<button type=\"submit\">Sign out</button></form>"));
}

Response AuthRoutes::Authorize(const Request& request) {
  absl::StatusOr<Params> params = RequestParams(request);
  if (!params.ok()) {
    return Page(400, "Bad authorization request", "<p>The request could not be read.</p>");
  }
  api::AuthorizeCheck check = oauth_.CheckAuthorize(*params);
  if (!check.error.empty()) {
    // Before the redirect URI is known good, an error is shown, never sent.
    if (!check.redirect) {
      return Page(
          400, "Bad authorization request",
          StrCat("<p>", EscapeHtml(check.error), ": ", EscapeHtml(check.description), "</p>"));
    }
    return Redirect(302,
                    api::OAuthServer::ErrorRedirect(check.request, check.error, check.description));
  }
  const api::AuthorizeRequest& req = check.request;
  absl::StatusOr<api::SignedIn> who = SessionOf(request);
  if (!who.ok()) {
    if (request.method == "POST") return Page(403, "Forbidden", "<p>Sign in first.</p>");
    return Redirect(302, StrCat("/s/login?return=", PercentEncode(request.target)));
  }
  if (request.method == "POST") {
    if (!auth::SameHash(Param(*params, "csrf"), who->csrf_token)) {
      return Page(403, "Forbidden", "<p>The form expired. Reload the page.</p>");
    }
    std::string_view decision = Param(*params, "decision");
    if (decision == "deny") {
      return Redirect(302, api::OAuthServer::ErrorRedirect(req, "access_denied",
                                                           "the user denied the request"));
    }
    if (decision != "approve") return Page(400, "Bad request", "<p>Approve or deny.</p>");
    absl::StatusOr<std::string> location = oauth_.Approve(req, who->user);
    if (!location.ok()) return Page(503, "Unavailable", "<p>Try again in a moment.</p>");
    return Redirect(302, std::move(*location));
  }
  std::string fields =
      StrCat(Hidden("csrf", who->csrf_token), Hidden("client_id", req.client.client_id),
             Hidden("response_type", "code"));
  if (!req.sent_redirect_uri.empty()) fields += Hidden("redirect_uri", req.sent_redirect_uri);
  if (!req.state.empty()) fields += Hidden("state", req.state);
  if (!req.code_challenge.empty()) {
    fields +=
        Hidden("code_challenge", req.code_challenge) + Hidden("code_challenge_method", "S256");
  }
  std::string scope = who->user.role == "viewer" ? "read" : req.client.scope;
  return Page(200, "Authorize access",
              StrCat("<p><strong>", EscapeHtml(req.client.name), "</strong> asks to ",
                     scope == "read" ? "read" : "read and write",
                     " this Spoor workspace's data as ", EscapeHtml(who->user.email),
                     ".</p><p>You will be sent to ", EscapeHtml(req.redirect_uri),
                     "</p><form method=\"post\" action=\"/oauth/v2/authorize\">", fields,
                     "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button> "
                     "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
                     "</form>"));
}

}  // namespace spoor::http
