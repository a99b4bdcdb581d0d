#include "spoor/http/tracking.h"

#include "spoor/http/publish.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "spoor/common/strings.h"
#include "spoor/common/text.h"
#include "spoor/common/clock.h"

namespace spoor::http {

namespace asio = boost::asio;

namespace {

constexpr unsigned char kGif[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x90, 0x00, 0x00, 0xff, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x05, 0x10, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x04, 0x01, 0x00, 0x3b};

constexpr size_t kCollectBodyLimit = 64 * 1024;

Response Unavailable(std::string_view why) {
  Response res = JsonError(503, "unavailable", why);
  res.Set("Retry-After", "1");
  return res;
}

// The pixel's headers, the same on every answer: built once, copied whole.
void AddPixelHeaders(Response& res) {
  static const Response kHeaders = [] {
    Response h;
    h.Set("Content-Type", "image/gif");
    h.Set("Cache-Control", "private, no-cache, no-cache=Set-Cookie, proxy-revalidate");
    h.Set("Expires", "Wed, 11 Jan 2000 12:59:00 GMT");
    h.Set("Last-Modified", "Wed, 11 Jan 2006 12:59:00 GMT");
    h.Set("Pragma", "no-cache");
    return h;
  }();
  res.SetAll(kHeaders);
}

// An answer known without waiting, as a route's awaitable.
asio::awaitable<Response> Ready(Response res) { co_return res; }

}  // namespace

std::string_view TrackingGif() { return {reinterpret_cast<const char*>(kGif), sizeof(kGif)}; }

TrackingRoutes::TrackingRoutes(const collect::Collector& collector, pipeline::Bus& bus,
                               ConfigHolder& config, Observability observability,
                               std::string tracker_js, TrackingOptions options,
                               const api::OAuthServer& oauth)
    : collector_(collector),
      bus_(bus),
      config_(config),
      observability_(std::move(observability)),
      tracker_js_(std::move(tracker_js)),
      options_(std::move(options)),
      oauth_(oauth) {}

size_t TrackingRoutes::BodyLimit(std::string_view method, std::string_view path) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return 0;
  if (path == "/api/v1/events") return collect::EventsApiLimits{}.max_body_bytes;
  return kCollectBodyLimit;
}

collect::HitRequest TrackingRoutes::ToHit(const Request& r) const {
  collect::HitRequest hit;
  hit.method = r.method;
  hit.query = r.query;
  if (r.method == "POST" &&
      r.Header("content-type").find("application/x-www-form-urlencoded") != std::string::npos) {
    hit.body = r.body;
  }
  hit.cookie = r.Header("cookie");
  hit.user_agent = r.Header("user-agent");
  hit.referer = r.Header("referer");
  hit.dnt = r.Header("dnt");
  hit.sec_gpc = r.Header("sec-gpc");
  hit.purpose = r.Header("sec-purpose").empty() ? r.Header("purpose") : r.Header("sec-purpose");
  hit.content_type = r.Header("content-type");
  hit.client_ip = r.remote_ip;
  // Looked up only when the session cookie is there: the hot path stays cheap.
  if (options_.is_user_session && hit.cookie.find("spoor_session=") != std::string_view::npos) {
    hit.user_session = options_.is_user_session(hit.cookie);
  }
  if (options_.trust_proxy_headers) {
    std::string_view xff = r.Header("x-forwarded-for");
    if (!xff.empty()) hit.client_ip = std::string(TrimAscii(xff.substr(0, xff.find(','))));
  }
  return hit;
}

void TrackingRoutes::AddCors(const Request& request, const collect::WorkspaceView& ws,
                             Response& res) const {
  std::string_view origin = request.Header("origin");
  res.Set("Vary", "Origin");
  if (!collect::OriginAllowed(origin, ws.tracking_domains)) return;
  res.Set("Access-Control-Allow-Origin", std::string(origin));
  res.Set("Access-Control-Allow-Credentials", "true");
  res.Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Authorization");
  res.Set("Access-Control-Allow-Methods", "PUT, GET, POST, DELETE, OPTIONS");
  res.Set("Access-Control-Max-Age", "36000");
}

// Not a coroutine: routing is synchronous, and the route's own coroutine is
// the only frame a hit costs here.
asio::awaitable<Response> TrackingRoutes::Handle(Request& request) {
  Route route{config_.Get(), nullptr, "/"};
  std::string_view path = request.path;
  std::string_view workspace;
  if (StartsWith(path, "/w/")) {
    std::string_view rest = path.substr(3);
    size_t slash = rest.find('/');
    workspace = rest.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    route.cookie_path = StrCat("/w/", workspace, "/");
    if (workspace.empty()) return Ready(JsonError(404, "not_found", "unknown workspace"));
  }
  if (path == "/api/v1/events") return IngestApiEvents(request, std::move(route.config));
  route.ws = route.config->Find(workspace);
  if (route.ws == nullptr) return Ready(JsonError(404, "not_found", "unknown workspace"));

  if (request.method == "OPTIONS") {
    Response res;
    res.status = 204;
    AddCors(request, *route.ws, res);
    return Ready(std::move(res));
  }
  if (path == "/mtracking.gif") return Track(collect::Endpoint::kPixel, request, std::move(route));
  if (path == "/mtc/event") return Track(collect::Endpoint::kMtcEvent, request, std::move(route));
  if (path == "/mtc") return Track(collect::Endpoint::kMtcContact, request, std::move(route));
  if (path == "/form/submit") return SubmitForm(request, std::move(route));
  if (StartsWith(path, "/r/") && (request.method == "GET" || request.method == "HEAD")) {
    return FollowLink(request, std::move(route), path.substr(3));
  }
  if (path == "/mtc.js" && (request.method == "GET" || request.method == "HEAD")) {
    Response res;
    res.Set("Content-Type", "application/javascript; charset=utf-8");
    res.Set("Cache-Control", "public, max-age=300");
    if (request.method == "GET") res.body = tracker_js_;
    return Ready(std::move(res));
  }
  if (workspace.empty() && path == "/healthz") return Ready(Health());
  if (workspace.empty() && path == "/metrics") return Ready(Metrics());
  return Ready(JsonError(404, "not_found", "no such route"));
}

asio::awaitable<Response> TrackingRoutes::Track(collect::Endpoint endpoint, Request& request,
                                                Route route) {
  const collect::WorkspaceView& ws = *route.ws;
  const std::string_view cookie_path = route.cookie_path;
  collect::HitOutcome out = collector_.Handle(endpoint, ToHit(request), ws);
  if (out.event) {
    absl::Status durable = co_await Publish(bus_, *out.event);
    if (!durable.ok()) {
      if (observability_.counters) observability_.counters->Add("collect_unavailable", "bus");
      co_return Unavailable(ToStd(durable.message()));
    }
  }
  Response res;
  bool tracked = out.skip_reason.empty() && out.problem.ok() && !out.device_id.empty();
  if (tracked) AddTrackingCookies(request, out, cookie_path, res);
  if (endpoint == collect::Endpoint::kPixel) {
    AddPixelHeaders(res);
    if (request.method != "HEAD") res.body = std::string(TrackingGif());
    co_return res;
  }
  AddCors(request, ws, res);
  res.Set("Content-Type", "application/json");
  res.Set("Cache-Control", "no-store");
  if (!out.problem.ok()) {
    Response err = JsonError(400, "bad_request", ToStd(out.problem.message()));
    AddCors(request, ws, err);
    co_return err;
  }
  // {"success":1,"id":…,"sid":…,"device_id":…,"events":[]} as Mautic's
  // tracker reads it (success and events for /mtc/event only).
  const bool event = endpoint == collect::Endpoint::kMtcEvent;
  std::string& body = res.body;
  body.reserve(96 + 2 * out.device_id.size());
  body.append(event ? "{\"success\":1,\"id\":" : "{\"id\":");
  if (tracked) {
    StrAppend(body, out.contact_id, ",\"sid\":");
    AppendJsonString(body, out.device_id);
    body.append(",\"device_id\":");
    AppendJsonString(body, out.device_id);
  } else {
    body.append("null,\"sid\":null,\"device_id\":null");
  }
  body.append(event ? ",\"events\":[]}" : "}");
  co_return res;
}

void TrackingRoutes::AddTrackingCookies(const Request& request, const collect::HitOutcome& out,
                                        std::string_view cookie_path, Response& res) const {
  bool secure = request.secure || options_.secure_cookies ||
                (options_.trust_proxy_headers && request.Header("x-forwarded-proto") == "https");
  std::string_view attrs = secure ? "; SameSite=None; Secure" : "; SameSite=Lax";
  res.Set("Set-Cookie", "mautic_device_id=", out.device_id, "; Max-Age=31536000; Path=",
          cookie_path, attrs);
  res.Set("Set-Cookie", "mtc_id=", out.contact_id, "; Path=", cookie_path, attrs);
}

namespace {

std::string OriginOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t end = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, end));
}

Response HtmlPage(int status, std::string_view title, std::string_view body_html) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "text/html; charset=utf-8");
  res.Set("Cache-Control", "no-store");
  res.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  res.body = StrCat("<!doctype html><html><head><meta charset=\"utf-8\"><title>",
                    EscapeHtml(title), "</title></head><body>", body_html, "</body></html>");
  return res;
}

}  // namespace

asio::awaitable<Response> TrackingRoutes::IngestApiEvents(
    Request& request, std::shared_ptr<const collect::CollectConfig> config_in_use) {
  const collect::CollectConfig& config = *config_in_use;
  if (request.method != "POST") {
    Response res = JsonError(405, "method_not_allowed", "events are sent with POST");
    res.Set("Allow", "POST");
    co_return res;
  }
  std::string_view authorization = request.Header("authorization");
  std::string bearer = collect::BearerToken(authorization);
  std::optional<api::Principal> principal;
  if (!bearer.empty()) {
    absl::StatusOr<api::Principal> who = oauth_.Authenticate(bearer);
    if (!who.ok()) {
      Response res = JsonError(401, "invalid_token", ToStd(who.status().message()));
      res.Set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      co_return res;
    }
    if (who->scope != "write") {
      co_return JsonError(403, "insufficient_scope", "this token may read but not write");
    }
    principal = *who;
  }
  const collect::ApiAuth auth = principal ? collect::ApiAuth::kBearer : collect::ApiAuth::kWriteKey;
  SystemClock clock;
  absl::StatusOr<collect::ParsedEvents> parsed =
      collect::ParseEventsBody(request.body, auth, clock.NowMicros());
  if (!parsed.ok()) co_return JsonError(400, "invalid_request", ToStd(parsed.status().message()));
  std::string key = collect::WriteKeyFromBasicAuth(authorization);
  if (key.empty()) key = parsed->write_key;
  if (key.empty() && !parsed->events.empty()) key = parsed->events.front().write_key;
  const collect::WorkspaceView* ws = nullptr;
  for (const collect::WorkspaceView& w : config.workspaces) {
    if (principal ? w.id == principal->workspace_id : (!key.empty() && w.write_key == key)) {
      ws = &w;
    }
  }
  if (ws == nullptr) {
    Response res = JsonError(401, "invalid_write_key",
                             "send the workspace's write key as the Basic auth user name");
    res.Set("WWW-Authenticate", "Basic realm=\"spoor\"");
    co_return res;
  }
  absl::StatusOr<std::vector<Event>> events =
      collector_.ApiEvents(*parsed, auth, ToHit(request), *ws);
  if (!events.ok()) co_return JsonError(400, "invalid_request", ToStd(events.status().message()));
  absl::Status durable = co_await Publish(bus_, *events);
  if (!durable.ok()) co_return Unavailable(ToStd(durable.message()));
  boost::json::array ids;
  for (const Event& e : *events) ids.emplace_back(e.id);
  Response res;
  res.Set("Content-Type", "application/json");
  res.body = boost::json::serialize(
      boost::json::object{{"success", true}, {"accepted", events->size()}, {"ids", std::move(ids)}});
  co_return res;
}

asio::awaitable<Response> TrackingRoutes::FollowLink(Request& request, Route route,
                                                     std::string_view link_id) {
  const collect::WorkspaceView& ws = *route.ws;
  const std::string_view cookie_path = route.cookie_path;
  auto it = ws.links.find(ToAbsl(link_id));
  if (it == ws.links.end()) co_return JsonError(404, "not_found", "no such link");
  collect::HitOutcome out =
      collector_.LinkClick(link_id, it->second, ToHit(request), ws, options_.link_key);
  Response res;
  if (out.event) {
    // A click is recorded before the redirect; if that fails, still redirect.
    absl::Status durable = co_await Publish(bus_, *out.event);
    if (durable.ok() && !out.device_id.empty()) AddTrackingCookies(request, out, cookie_path, res);
  }
  res.status = 302;
  res.Set("Location", it->second);  // the stored URL only: never an open redirect
  res.Set("Cache-Control", "no-store");
  co_return res;
}

asio::awaitable<Response> TrackingRoutes::SubmitForm(Request& request, Route route) {
  const collect::WorkspaceView& ws = *route.ws;
  const std::string_view cookie_path = route.cookie_path;
  if (request.method != "POST") {
    Response res = JsonError(405, "method_not_allowed", "forms are submitted with POST");
    res.Set("Allow", "POST");
    co_return res;
  }
  collect::HitRequest hit = ToHit(request);
  hit.body = request.body;
  collect::FormOutcome out = collector_.HandleForm(hit, ws);
  bool ajax = out.submission.ajax || request.Header("x-requested-with") == "XMLHttpRequest" ||
              request.Header("accept").find("application/json") != std::string_view::npos;
  if (!out.hit.problem.ok()) co_return JsonError(400, "bad_request", ToStd(out.hit.problem.message()));
  if (out.form == nullptr) {
    if (ajax) co_return JsonError(404, "not_found", "no such form");
    co_return HtmlPage(404, "Form not found", "<p>This form does not exist.</p>");
  }
  if (!out.submission.errors.empty()) {
    if (ajax) {
      boost::json::object errors;
      for (const auto& [alias, message] : out.submission.errors) errors[alias] = message;
      Response res;
      res.status = 400;
      res.Set("Content-Type", "application/json");
      AddCors(request, ws, res);
      res.body = boost::json::serialize(
          boost::json::object{{"success", 0}, {"validationErrors", std::move(errors)}});
      co_return res;
    }
    std::string list = "<ul>";
    for (const auto& [alias, message] : out.submission.errors) {
      list += StrCat("<li>", EscapeHtml(alias), " ", EscapeHtml(message), "</li>");
    }
    co_return HtmlPage(400, "Please correct the form", list + "</ul>");
  }
  if (out.hit.event) {
    absl::Status durable = co_await Publish(bus_, *out.hit.event);
    if (!durable.ok()) co_return Unavailable(ToStd(durable.message()));
  }
  Response res;
  if (!out.hit.device_id.empty()) AddTrackingCookies(request, out.hit, cookie_path, res);
  std::string target =
      out.submission.return_url.empty() ? out.form->redirect_url : out.submission.return_url;
  if (ajax) {
    AddCors(request, ws, res);
    res.Set("Content-Type", "application/json");
    boost::json::object results;
    for (const auto& [alias, value] : out.submission.values) results[alias] = value;
    res.body = boost::json::serialize(boost::json::object{
        {"success", 1}, {"id", out.hit.contact_id}, {"sid", out.hit.device_id},
        {"message", out.form->message}, {"results", std::move(results)}});
    co_return res;
  }
  // Redirect only to the workspace's own sites: never an open redirect.
  if (!target.empty() && collect::OriginAllowed(OriginOf(target), ws.tracking_domains)) {
    res.status = 303;
    res.Set("Location", target);
    co_return res;
  }
  Response page = HtmlPage(200, out.form->name, StrCat("<p>", EscapeHtml(out.form->message), "</p>"));
  page.SetAll(res);
  co_return page;
}

Response TrackingRoutes::Health() const {
  Response res;
  res.Set("Content-Type", "application/json");
  res.Set("Cache-Control", "no-store");
  boost::json::object o{{"status", "ok"}, {"version", options_.version}};
  if (observability_.pipeline_stats) {
    pipeline::PipelineStats s = observability_.pipeline_stats();
    o["queued"] = s.queued;
    o["inbox_lag"] = s.inbox_lag;
    if (s.commit_failures > 0) o["status"] = "degraded";
  }
  res.body = boost::json::serialize(o);
  return res;
}

Response TrackingRoutes::Metrics() const {
  Response res;
  res.Set("Content-Type", "text/plain; version=0.0.4");
  std::string out;
  if (observability_.pipeline_stats) {
    pipeline::PipelineStats s = observability_.pipeline_stats();
    const std::pair<const char*, int64_t> gauges[] = {
        {"spoor_events_committed_total", s.committed},
        {"spoor_commits_total", s.commits},
        {"spoor_commits_delayed_total", s.delayed_commits},
        {"spoor_commits_on_io_threads_total", s.io_thread_commits},
        {"spoor_store_commit_failures_total", s.commit_failures},
        {"spoor_bus_full_total", s.rejected_full},
        {"spoor_events_processed_total", s.processed},
        {"spoor_events_duplicate_total", s.duplicates},
        {"spoor_events_undecodable_total", s.undecodable},
        {"spoor_process_failures_total", s.process_failures},
        {"spoor_queue_length", s.queued},
        {"spoor_inbox_lag", s.inbox_lag}};
    for (const auto& [name, value] : gauges) out += StrCat(name, " ", value, "\n");
  }
  if (observability_.counters) {
    for (const auto& [key, value] : observability_.counters->Snapshot()) {
      out += StrCat("spoor_", key.first, "_total{reason=\"", key.second, "\"} ", value, "\n");
    }
  }
  res.body = std::move(out);
  return res;
}

}  // namespace spoor::http
