#include "spoor/http/push_routes.h"

#include "absl/strings/numbers.h"
#include "spoor/api/contacts.h"
#include "spoor/api/push.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"
#include "spoor/http/publish.h"

namespace spoor::http {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kReceiverPrefix = "/api/v1.0/orgs/";
constexpr std::string_view kReceiverSuffix = "/pushdatareceiver/events";


Response FromStatus(const absl::Status& s) {
  if (absl::IsNotFound(s)) return JsonError(404, "not_found", ToStd(s.message()));
  if (absl::IsInvalidArgument(s)) return JsonError(400, "invalid_request", ToStd(s.message()));
  if (absl::IsAlreadyExists(s)) return JsonError(409, "conflict", ToStd(s.message()));
  Response res = JsonError(503, "unavailable", "try again shortly");
  res.Set("Retry-After", "1");
  return res;
}

}  // namespace

bool PushRoutes::OwnsReceiver(std::string_view path) { return StartsWith(path, kReceiverPrefix); }

RouteBodyLimit PushRoutes::ReceiverBodyLimit(std::string_view method) {
  if (method != "POST") return 0;
  // The seed's contract: anything wrong, a body too large included, is a 400.
  return {api::kMaxPushBodyBytes, 400};
}

asio::awaitable<Response> PushRoutes::Receive(Request& request) {
  std::string_view rest = std::string_view(request.path).substr(kReceiverPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash) != kReceiverSuffix) {
    co_return JsonError(404, "not_found", "no such route");
  }
  if (request.method != "POST") {
    Response res = JsonError(405, "method_not_allowed", "interactions are sent with POST");
    res.Set("Allow", "POST");
    co_return res;
  }
  std::string_view org = rest.substr(0, slash);
  std::shared_ptr<const std::vector<store::Workspace>> all = config_.Workspaces();
  const store::Workspace* ws = nullptr;
  if (all) {
    for (const store::Workspace& w : *all) {
      if (w.uuid == org) ws = &w;
    }
  }
  if (ws == nullptr) co_return JsonError(400, "unknown_org", "orgId names no workspace");
  absl::StatusOr<api::PushInteraction> in = api::ParsePushInteraction(request.body);
  if (!in.ok()) co_return JsonError(400, "invalid_request", ToStd(in.status().message()));
  absl::StatusOr<store::PushSend> send = reader_.FindPushSend(in->tracking_id);
  if (absl::IsNotFound(send.status()) || (send.ok() && send->workspace_id != ws->id)) {
    co_return JsonError(400, "unknown_tracking_id", "TrackingId: no notification sent with it");
  }
  if (!send.ok()) co_return FromStatus(send.status());
  if (send->device_token != in->device_token) {
    co_return JsonError(400, "device_token_mismatch",
                        "DeviceToken: not the device this notification was sent to");
  }
  Event event = api::PushInteractionEvent(*in, *send, clock_.NowMicros());
  absl::Status durable = co_await Publish(bus_, event);
  if (!durable.ok()) co_return FromStatus(durable);
  co_return JsonResponse(202, json::object{{"accepted", true},
                                   {"status", api::PushStatusName(in->status)}});
}

asio::awaitable<absl::StatusOr<int64_t>> PushRoutes::ContactFor(const store::Workspace& ws,
                                                                const std::string& user_id,
                                                                const json::object* fields,
                                                                bool* created) {
  api::ContactWrite write;
  if (fields != nullptr) {
    write = api::ReadContactWrite(*fields, ws);
    if (!write.errors.empty()) {
      co_return absl::InvalidArgumentError(
          StrCat(write.errors[0].alias, ": ", write.errors[0].message));
    }
  }
  absl::StatusOr<uint64_t> spare = contact_ids_.Next();
  if (!spare.ok()) co_return spare.status();
  // The app's user id is an identity of kind external: the same resolution
  // as every other channel finds or creates the contact.
  std::vector<Event> events{
      api::ContactWriteEvent(write, ws.id, 0, *spare, clock_.NowMicros(), false)};
  events[0].user_id = user_id;
  absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
  if (!applied.ok()) co_return applied;
  absl::StatusOr<int64_t> id = reader_.EventContact(ws.id, events[0].id);
  if (id.ok() && created != nullptr) *created = static_cast<uint64_t>(*id) == *spare;
  co_return id;
}

asio::awaitable<Response> PushRoutes::MapUser(const store::Workspace& ws, const json::object& params) {
  const json::value* uid = params.if_contains("user_id");
  if (uid == nullptr || !uid->is_string() || uid->get_string().empty() ||
      uid->get_string().size() > 256) {
    co_return JsonError(400, "invalid_request", "user_id: a string of 1 to 256 bytes is required");
  }
  bool created = false;
  absl::StatusOr<int64_t> contact = co_await ContactFor(ws, std::string(uid->get_string()), &params, &created);
  if (!contact.ok()) co_return FromStatus(contact.status());
  co_return JsonResponse(created ? 201 : 200, json::object{{"user_id", uid->get_string()},
                                                  {"contact_id", *contact},
                                                  {"created", created}});
}

asio::awaitable<Response> PushRoutes::RegisterDevice(const store::Workspace& ws, std::string_view app,
                                                     const json::object& params) {
  absl::StatusOr<api::PushDeviceInput> in = api::ReadPushDevice(params);
  if (!in.ok()) co_return FromStatus(in.status());
  absl::StatusOr<store::PushApp> found = reader_.GetPushApp(ws.id, app);
  if (!found.ok()) co_return FromStatus(found.status());
  int64_t contact = 0;
  if (!in->user_id.empty()) {
    absl::StatusOr<int64_t> c = co_await ContactFor(ws, in->user_id, nullptr, nullptr);
    if (!c.ok()) co_return FromStatus(c.status());
    contact = *c;
  } else if (absl::StatusOr<store::PushDevice> known = reader_.FindPushDevice(ws.id, in->device_token);
             known.ok()) {
    contact = known->contact_id;  // a refresh of an anonymous device keeps its contact
  } else {
    absl::StatusOr<int64_t> c = co_await ContactFor(ws, "", nullptr, nullptr);
    if (!c.ok()) co_return FromStatus(c.status());
    contact = *c;
  }
  store::PushDevice device{in->device_token, std::string(app), contact, in->user_id,
                           in->platform, in->locale, in->app_version, clock_.NowMicros()};
  if (absl::Status s = writer_.RegisterPushDevice(ws.id, device); !s.ok()) co_return FromStatus(s);
  co_return JsonResponse(201, api::RenderPushDevice(device));
}

asio::awaitable<Response> PushRoutes::Manage(Request& request, const api::Principal& principal,
                                             const store::Workspace& ws, const json::object& params) {
  const std::string& method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  if (!read && principal.scope != "write") {
    co_return JsonError(403, "insufficient_scope", "this token may read but not write");
  }
  std::vector<std::string_view> parts = Split(std::string_view(request.path).substr(13), '/');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();
  const size_t n = parts.size();
  auto no_method = [] { return JsonError(405, "method_not_allowed", "not with this method"); };

  if (n >= 1 && parts[0] == "apps") {
    if (n == 1) {
      if (read) {
        absl::StatusOr<std::vector<store::PushApp>> apps = reader_.ListPushApps(ws.id);
        if (!apps.ok()) co_return FromStatus(apps.status());
        json::array data;
        for (const auto& a : *apps) data.push_back(api::RenderPushApp(a));
        co_return JsonResponse(200, json::object{{"data", std::move(data)}});
      }
      if (method != "POST") co_return no_method();
      absl::StatusOr<api::PushAppInput> in = api::ReadPushApp(params, false);
      if (!in.ok()) co_return FromStatus(in.status());
      absl::StatusOr<store::PushApp> app = writer_.CreatePushApp(ws.id, in->name, in->platform);
      if (!app.ok()) co_return FromStatus(app.status());
      co_return JsonResponse(201, api::RenderPushApp(*app));
    }
    std::string app_id(parts[1]);
    if (n == 2) {
      if (read) {
        absl::StatusOr<store::PushApp> app = reader_.GetPushApp(ws.id, app_id);
        if (!app.ok()) co_return FromStatus(app.status());
        co_return JsonResponse(200, api::RenderPushApp(*app));
      }
      if (method != "PATCH") co_return no_method();
      absl::StatusOr<api::PushAppInput> in = api::ReadPushApp(params, true);
      if (!in.ok()) co_return FromStatus(in.status());
      absl::StatusOr<store::PushApp> app = writer_.UpdatePushApp(ws.id, app_id, in->name, in->platform);
      if (!app.ok()) co_return FromStatus(app.status());
      co_return JsonResponse(200, api::RenderPushApp(*app));
    }
    if (parts[2] == "users" && n == 3) {
      if (method != "POST") co_return no_method();
      absl::StatusOr<store::PushApp> app = reader_.GetPushApp(ws.id, app_id);
      if (!app.ok()) co_return FromStatus(app.status());
      co_return co_await MapUser(ws, params);
    }
    if (parts[2] == "devices") {
      if (n == 3 && read) {
        absl::StatusOr<std::vector<store::PushDevice>> devices = reader_.ListPushDevices(ws.id, app_id);
        if (!devices.ok()) co_return FromStatus(devices.status());
        json::array data;
        for (const auto& d : *devices) data.push_back(api::RenderPushDevice(d));
        co_return JsonResponse(200, json::object{{"data", std::move(data)}});
      }
      if (n == 3 && method == "POST") co_return co_await RegisterDevice(ws, app_id, params);
      if (n == 4 && method == "DELETE") {
        std::string token = PercentDecode(parts[3], false);
        absl::Status s = writer_.UnregisterPushDevice(ws.id, app_id, token);
        if (!s.ok()) co_return FromStatus(s);
        co_return JsonResponse(200, json::object{{"device_token", token}, {"unregistered", true}});
      }
      co_return no_method();
    }
    if (parts[2] == "report" && n == 3 && read) {
      absl::StatusOr<store::PushStats> stats = reader_.GetPushStats(ws.id, 0, app_id);
      if (!stats.ok()) co_return FromStatus(stats.status());
      co_return JsonResponse(200, api::RenderPushStats(*stats));
    }
  }
  if (n >= 1 && parts[0] == "notifications") {
    if (n == 1) {
      if (method != "POST") co_return no_method();
      absl::StatusOr<api::PushNotificationInput> in = api::ReadPushNotification(params);
      if (!in.ok()) co_return FromStatus(in.status());
      auto made = writer_.CreatePushNotification(ws.id, in->notification, in->device_tokens,
                                                 in->contact_ids);
      if (!made.ok()) co_return FromStatus(made.status());
      json::array sends;
      for (const store::PushSend& s : made->second) {
        sends.push_back(json::object{{"device_token", s.device_token},
                                     {"tracking_id", s.tracking_id},
                                     {"contact_id", s.contact_id}});
      }
      co_return JsonResponse(201, json::object{{"id", made->first.id},
                                       {"app", made->first.app_id},
                                       {"sends", std::move(sends)}});
    }
    int64_t id = 0;
    if (n == 3 && parts[2] == "stats" && read && absl::SimpleAtoi(ToAbsl(parts[1]), &id) && id > 0) {
      absl::StatusOr<store::PushStats> stats = reader_.GetPushStats(ws.id, id, "");
      if (!stats.ok()) co_return FromStatus(stats.status());
      co_return JsonResponse(200, api::RenderPushStats(*stats));
    }
  }
  co_return JsonError(404, "not_found", "no such route");
}

}  // namespace spoor::http
