#include "spoor/http/api_routes.h"

#include <variant>

#include "absl/strings/numbers.h"
#include "spoor/api/forms.h"
#include "spoor/api/params.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"
#include "spoor/http/publish.h"

namespace spoor::http {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kNotFound = "Item was not found.";
constexpr std::string_view kForbidden = "You do not have access to the requested area/action.";


// Mautic's form validation answer: "alias: message, ..." and details by alias.
Response ValidationError(const std::vector<api::FieldError>& errors) {
  std::string message;
  json::object details;
  for (const api::FieldError& e : errors) {
    message += StrCat(message.empty() ? "" : ", ", e.alias, ": ", e.message);
    details[e.alias].emplace_array().emplace_back(e.message);
  }
  json::object err{{"code", 400}, {"message", message}, {"details", std::move(details)},
                   {"type", nullptr}};
  return JsonResponse(400, json::object{{"errors", json::array{std::move(err)}}});
}

std::optional<int64_t> ParseId(std::string_view s) {
  int64_t id;
  if (s.empty() || s.size() > 19 || !absl::SimpleAtoi(ToAbsl(s), &id) || id <= 0) {
    return std::nullopt;
  }
  return id;
}

Response BusUnavailable(const absl::Status& status) {
  Response res = MauticError(503, StrCat("The write could not be stored now: ", status.message()),
                             "unavailable");
  res.Set("Retry-After", "1");
  return res;
}

}  // namespace

Response MauticError(int status, std::string_view message, std::string_view type) {
  json::object err{{"code", status}, {"message", message}, {"details", json::array()}};
  err["type"] = type.empty() ? json::value(nullptr) : json::value(type);
  Response res = JsonResponse(status, json::object{{"errors", json::array{std::move(err)}}});
  res.UnsetLast();  // errors keep the default caching (Cache-Control)
  return res;
}

struct ApiRoutes::Call {
  Request& request;
  api::Principal principal;
  const store::Workspace& ws;
  json::object params;
  bool CanWrite() const { return principal.scope == "write"; }
};

bool ApiRoutes::Owns(std::string_view path) {
  return StartsWith(path, "/api/") && path != "/api/v1/events";
}

size_t ApiRoutes::BodyLimit(std::string_view method, std::string_view /*path*/) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return 0;
  return 1024 * 1024;
}

asio::awaitable<Response> ApiRoutes::Handle(Request& request) {
  Response res;
  absl::StatusOr<json::object> params =
      api::RequestParams(request.query, request.body, request.Header("content-type"));
  std::string access_token;
  if (params.ok()) {
    // Mautic also takes the token as access_token= in the query or body.
    if (const json::value* t = params->if_contains("access_token"); t && t->is_string()) {
      access_token = std::string(t->get_string());
    }
  }
  api::ApiCredentials credentials{request.Header("authorization"), access_token, request.remote_ip};
  api::ApiAuthResult who;
  if (StartsWith(credentials.authorization, "Basic ") ||
      StartsWith(credentials.authorization, "basic ")) {
    who = co_await RunOn<api::ApiAuthResult>(
        hashing_, [this, &credentials] { return auth_.Authenticate(credentials); });
  } else {
    who = auth_.Authenticate(credentials);
  }
  std::shared_ptr<const std::vector<store::Workspace>> all = config_.Workspaces();
  const store::Workspace* ws = nullptr;
  if (who.principal && all) {
    for (const store::Workspace& w : *all) {
      if (w.id == who.principal->workspace_id) ws = &w;
    }
  }
  if (!who.principal) {
    res = MauticError(who.status, who.message, who.type);
    if (who.status == 401) res.Set("WWW-Authenticate", "Bearer realm=\"spoor\"");
    if (who.retry_after_s > 0) res.Set("Retry-After", StrCat(who.retry_after_s));
  } else if (ws == nullptr) {
    res = MauticError(401, "API authorization denied.", "access_denied");
  } else if (!params.ok()) {
    res = MauticError(400, ToStd(params.status().message()));
  } else {
    params->erase("access_token");
    Call call{request, *who.principal, *ws, std::move(*params)};
    res = co_await Route(call);
  }
  res.Set("Mautic-Version", options_.version);
  co_return res;
}

asio::awaitable<Response> ApiRoutes::Route(Call& call) {
  std::string_view path = call.request.path;
  if (StartsWith(path, "/api/contacts")) {
    std::string_view rest = path.substr(std::string_view("/api/contacts").size());
    if (rest.empty() || rest.front() == '/') co_return co_await Contacts(call, rest);
  }
  if (StartsWith(path, "/api/fields/")) co_return Fields(call, path.substr(12));
  if (PushRoutes::OwnsApi(path)) {
    co_return co_await push_.Manage(call.request, call.principal, call.ws, call.params);
  }
  if (path == "/api/forms" || StartsWith(path, "/api/forms/")) co_return co_await Forms(call, path.substr(10));
  co_return MauticError(404, kNotFound);
}

asio::awaitable<Response> ApiRoutes::Contacts(Call& call, std::string_view rest) {
  const std::string& method = call.request.method;
  const bool read = method == "GET" || method == "HEAD";
  if (!read && !call.CanWrite()) co_return MauticError(403, kForbidden, "access_denied");
  if (rest.empty() || rest == "/") {
    if (read) co_return ListContacts(call);
    co_return MauticError(405, "Use GET to list contacts.");
  }
  std::vector<std::string_view> parts = Split(rest.substr(1), '/');
  if (parts.back().empty()) parts.pop_back();  // a trailing slash
  if (parts.size() == 1 && parts[0] == "new" && method == "POST") {
    co_return co_await CreateContact(call);
  }
  if (parts.size() == 1 && parts[0] == "activity" && read) co_return Activity(call, 0);
  if (parts.size() == 2 && parts[0] == "batch") {
    if (parts[1] == "new" && method == "POST") co_return co_await BatchNew(call);
    if (parts[1] == "edit" && (method == "PUT" || method == "PATCH")) {
      co_return co_await BatchEdit(call, method == "PUT");
    }
    if (parts[1] == "delete" && method == "DELETE") co_return co_await BatchDelete(call);
    co_return MauticError(404, kNotFound);
  }
  std::optional<int64_t> id = ParseId(parts[0]);
  if (!id) co_return MauticError(404, kNotFound);
  if (parts.size() == 1 && read) co_return GetContact(call, *id);
  if (parts.size() == 2) {
    if (parts[1] == "edit" && (method == "PUT" || method == "PATCH")) {
      co_return co_await EditContact(call, *id, method == "PUT");
    }
    if (parts[1] == "delete" && method == "DELETE") co_return co_await DeleteContact(call, *id);
    if (parts[1] == "activity" && read) co_return Activity(call, *id);
    if (parts[1] == "devices" && read) co_return Devices(call, *id);
  }
  if (parts.size() == 3 && parts[1] == "utm" && parts[2] == "add" && method == "POST") {
    co_return co_await AddUtm(call, *id);
  }
  co_return MauticError(404, kNotFound);
}

Response ApiRoutes::ListContacts(Call& call) {
  absl::StatusOr<store::ContactQuery> query = api::ReadContactQuery(call.params, call.ws);
  if (!query.ok()) return MauticError(400, ToStd(query.status().message()));
  absl::StatusOr<store::ContactPage> page = store_.ListContacts(*query);
  if (absl::IsInvalidArgument(page.status())) {
    return MauticError(400, ToStd(page.status().message()));
  }
  if (!page.ok()) return MauticError(503, "The contacts could not be read now.", "unavailable");
  return JsonResponse(200, api::RenderContactList(*page, call.ws));
}

Response ApiRoutes::GetContact(Call& call, int64_t id) {
  absl::StatusOr<store::ContactRecord> c = store_.GetContact(call.ws.id, id);
  if (absl::IsNotFound(c.status())) return MauticError(404, kNotFound);
  if (!c.ok()) return MauticError(503, "The contact could not be read now.", "unavailable");
  return JsonResponse(200, json::object{{"contact", api::RenderContact(*c, call.ws)}});
}

asio::awaitable<Response> ApiRoutes::CreateContact(Call& call) {
  api::ContactWrite write = api::ReadContactWrite(call.params, call.ws);
  if (!write.errors.empty()) co_return ValidationError(write.errors);
  absl::StatusOr<uint64_t> spare = contact_ids_.Next();
  if (!spare.ok()) co_return BusUnavailable(spare.status());
  std::vector<Event> events{
      api::ContactWriteEvent(write, call.ws.id, 0, *spare, clock_.NowMicros(), false)};
  absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
  if (!applied.ok()) co_return BusUnavailable(applied);
  absl::StatusOr<int64_t> id = store_.EventContact(call.ws.id, events[0].id);
  absl::StatusOr<store::ContactRecord> c =
      id.ok() ? store_.GetContact(call.ws.id, *id) : absl::StatusOr<store::ContactRecord>(id.status());
  if (!c.ok()) co_return MauticError(503, "The contact was stored but could not be read back.");
  // 201 for a new contact; 200 when a unique identifier matched an existing one.
  const bool created = static_cast<uint64_t>(c->id) == *spare;
  Response res = JsonResponse(created ? 201 : 200, json::object{{"contact", api::RenderContact(*c, call.ws)}});
  if (created) res.Set("Location", StrCat("/api/contacts/", c->id));
  co_return res;
}

asio::awaitable<Response> ApiRoutes::EditContact(Call& call, int64_t id, bool put) {
  absl::StatusOr<store::ContactRecord> existing = store_.GetContact(call.ws.id, id);
  if (absl::IsNotFound(existing.status())) {
    // PUT creates when the id is unknown (with a new id); PATCH does not.
    if (put) co_return co_await CreateContact(call);
    co_return MauticError(404, kNotFound);
  }
  if (!existing.ok()) co_return MauticError(503, "The contact could not be read now.", "unavailable");
  api::ContactWrite write = api::ReadContactWrite(call.params, call.ws);
  if (!write.errors.empty()) co_return ValidationError(write.errors);
  std::vector<Event> events{api::ContactWriteEvent(write, call.ws.id, static_cast<uint64_t>(id), 0,
                                                   clock_.NowMicros(), put)};
  absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
  if (!applied.ok()) co_return BusUnavailable(applied);
  absl::StatusOr<store::ContactRecord> c = store_.GetContact(call.ws.id, id);
  if (absl::IsNotFound(c.status())) co_return MauticError(404, kNotFound);  // deleted meanwhile
  if (!c.ok()) co_return MauticError(503, "The contact was stored but could not be read back.");
  co_return JsonResponse(200, json::object{{"contact", api::RenderContact(*c, call.ws)}});
}

asio::awaitable<Response> ApiRoutes::DeleteContact(Call& call, int64_t id) {
  absl::StatusOr<store::ContactRecord> c = store_.GetContact(call.ws.id, id);
  if (absl::IsNotFound(c.status())) co_return MauticError(404, kNotFound);
  if (!c.ok()) co_return MauticError(503, "The contact could not be read now.", "unavailable");
  Event e = api::ContactWriteEvent({}, call.ws.id, static_cast<uint64_t>(id), 0,
                                   clock_.NowMicros(), false);
  e.type = EventType::kContactDelete;
  std::vector<Event> events{std::move(e)};
  absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
  if (!applied.ok()) co_return BusUnavailable(applied);
  json::object body = api::RenderContact(*c, call.ws);
  body["id"] = nullptr;  // as Mautic answers a delete
  co_return JsonResponse(200, json::object{{"contact", std::move(body)}});
}

// The items of a batch (a JSON array body), or Mautic's error for it.
static std::variant<const json::array*, Response> BatchItems(const json::object& params) {
  const json::value* items = params.if_contains("_items");
  if (items == nullptr) return MauticError(400, "Send a JSON array of contacts.");
  if (items->as_array().size() > api::ContactLimits{}.max_batch) {
    return MauticError(500, StrCat("A max of ", api::ContactLimits{}.max_batch,
                                   " entities are supported at a time."));
  }
  return &items->as_array();
}

asio::awaitable<Response> ApiRoutes::BatchNew(Call& call) {
  auto batch = BatchItems(call.params);
  if (Response* error = std::get_if<Response>(&batch)) co_return std::move(*error);
  const json::array& list = *std::get<const json::array*>(batch);
  std::vector<Event> events;
  std::vector<uint64_t> spares;
  std::vector<int> item_event(list.size(), -1);
  json::object errors;
  json::array codes;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) {
      errors[StrCat(i)] = json::object{{"message", "This is a bad request."}, {"code", 400},
                                       {"type", "api"}};
      continue;
    }
    api::ContactWrite write = api::ReadContactWrite(list[i].as_object(), call.ws);
    if (!write.errors.empty()) {
      std::string message;
      for (const auto& e : write.errors) message += StrCat(message.empty() ? "" : ", ", e.alias, ": ", e.message);
      errors[StrCat(i)] = json::object{{"message", message}, {"code", 400}, {"type", "api"}};
      continue;
    }
    absl::StatusOr<uint64_t> spare = contact_ids_.Next();
    if (!spare.ok()) co_return BusUnavailable(spare.status());
    item_event[i] = static_cast<int>(events.size());
    spares.push_back(*spare);
    events.push_back(api::ContactWriteEvent(write, call.ws.id, 0, *spare, clock_.NowMicros(), false));
  }
  if (!events.empty()) {
    absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
    if (!applied.ok()) co_return BusUnavailable(applied);
  }
  json::array contacts;
  for (size_t i = 0; i < list.size(); ++i) {
    if (item_event[i] < 0) {
      contacts.emplace_back(nullptr);
      codes.emplace_back(400);
      continue;
    }
    auto k = static_cast<size_t>(item_event[i]);
    absl::StatusOr<int64_t> id = store_.EventContact(call.ws.id, events[k].id);
    absl::StatusOr<store::ContactRecord> c =
        id.ok() ? store_.GetContact(call.ws.id, *id) : absl::StatusOr<store::ContactRecord>(id.status());
    if (!c.ok()) {
      contacts.emplace_back(nullptr);
      codes.emplace_back(500);
      continue;
    }
    codes.emplace_back(static_cast<uint64_t>(c->id) == spares[k] ? 201 : 200);
    contacts.emplace_back(api::RenderContact(*c, call.ws));
  }
  json::object body{{"contacts", std::move(contacts)}, {"statusCodes", std::move(codes)}};
  if (!errors.empty()) body["errors"] = std::move(errors);
  co_return JsonResponse(201, body);
}

asio::awaitable<Response> ApiRoutes::BatchEdit(Call& call, bool put) {
  auto batch = BatchItems(call.params);
  if (Response* error = std::get_if<Response>(&batch)) co_return std::move(*error);
  const json::array& list = *std::get<const json::array*>(batch);
  std::vector<Event> events;
  std::vector<int> item_event(list.size(), -1);
  std::vector<int> status(list.size(), 400);
  std::vector<uint64_t> spares(list.size(), 0);
  json::object errors;
  for (size_t i = 0; i < list.size(); ++i) {
    auto fail = [&](int code, std::string_view message) {
      status[i] = code;
      errors[StrCat(i)] = json::object{{"message", message}, {"code", code}, {"type", "api"}};
    };
    if (!list[i].is_object()) {
      fail(400, "This is a bad request.");
      continue;
    }
    const json::object& item = list[i].as_object();
    std::optional<int64_t> id;
    if (const json::value* v = item.if_contains("id")) id = ParseId(api::ScalarText(*v).value_or(""));
    std::optional<store::ContactRecord> existing;
    if (id) {
      absl::StatusOr<store::ContactRecord> c = store_.GetContact(call.ws.id, *id);
      if (c.ok()) existing = std::move(*c);
      else if (!absl::IsNotFound(c.status())) co_return MauticError(503, "The contacts could not be read now.");
    }
    if (!existing && !put) {
      fail(404, kNotFound);
      continue;
    }
    api::ContactWrite write = api::ReadContactWrite(item, call.ws);
    if (!write.errors.empty()) {
      fail(400, StrCat(write.errors[0].alias, ": ", write.errors[0].message));
      continue;
    }
    if (!existing) {
      absl::StatusOr<uint64_t> spare = contact_ids_.Next();
      if (!spare.ok()) co_return BusUnavailable(spare.status());
      spares[i] = *spare;
    }
    item_event[i] = static_cast<int>(events.size());
    events.push_back(api::ContactWriteEvent(
        write, call.ws.id, existing ? static_cast<uint64_t>(existing->id) : 0, spares[i],
        clock_.NowMicros(), put && existing.has_value()));
  }
  if (!events.empty()) {
    absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
    if (!applied.ok()) co_return BusUnavailable(applied);
  }
  json::array contacts, codes;
  for (size_t i = 0; i < list.size(); ++i) {
    absl::StatusOr<store::ContactRecord> c = absl::NotFoundError("");
    if (item_event[i] >= 0) {
      absl::StatusOr<int64_t> id =
          store_.EventContact(call.ws.id, events[static_cast<size_t>(item_event[i])].id);
      if (id.ok()) c = store_.GetContact(call.ws.id, *id);
      status[i] = !c.ok() ? 500 : (spares[i] != 0 && static_cast<uint64_t>(c->id) == spares[i]) ? 201 : 200;
    }
    contacts.push_back(c.ok() ? json::value(api::RenderContact(*c, call.ws)) : json::value(nullptr));
    codes.emplace_back(status[i]);
  }
  json::object body{{"contacts", std::move(contacts)}, {"statusCodes", std::move(codes)}};
  if (!errors.empty()) body["errors"] = std::move(errors);
  co_return JsonResponse(200, body);
}

asio::awaitable<Response> ApiRoutes::BatchDelete(Call& call) {
  std::string ids_text;
  if (const json::value* v = call.params.if_contains("ids")) {
    if (v->is_string()) {
      ids_text = std::string(v->get_string());
    } else {
      for (const json::value* e : api::Elements(*v)) {
        ids_text += StrCat(ids_text.empty() ? "" : ",", api::ScalarText(*e).value_or(""));
      }
    }
  }
  std::vector<std::string_view> parts = Split(ids_text, ',');
  api::ContactLimits limits;
  if (ids_text.empty()) co_return MauticError(400, "ids is required (ids=1,2,3).");
  if (parts.size() > limits.max_batch) {
    co_return MauticError(500, StrCat("A max of ", limits.max_batch,
                                      " entities are supported at a time."));
  }
  std::vector<Event> events;
  json::array contacts;
  json::object errors;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::optional<int64_t> id = ParseId(TrimAscii(parts[i]));
    absl::StatusOr<store::ContactRecord> c =
        id ? store_.GetContact(call.ws.id, *id) : absl::NotFoundError("");
    if (!c.ok()) {
      errors[StrCat(i)] = json::object{{"message", kNotFound}, {"code", 404}, {"type", "api"}};
      continue;
    }
    json::object body = api::RenderContact(*c, call.ws);
    body["id"] = nullptr;
    contacts.push_back(std::move(body));
    Event e = api::ContactWriteEvent({}, call.ws.id, static_cast<uint64_t>(*id), 0,
                                     clock_.NowMicros(), false);
    e.type = EventType::kContactDelete;
    events.push_back(std::move(e));
  }
  if (!events.empty()) {
    absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
    if (!applied.ok()) co_return BusUnavailable(applied);
  }
  json::object body{{"contacts", std::move(contacts)}};
  if (!errors.empty()) body["errors"] = std::move(errors);
  co_return JsonResponse(200, body);
}

asio::awaitable<Response> ApiRoutes::AddUtm(Call& call, int64_t id) {
  absl::StatusOr<store::ContactRecord> existing = store_.GetContact(call.ws.id, id);
  if (absl::IsNotFound(existing.status())) co_return MauticError(404, kNotFound);
  if (!existing.ok()) co_return MauticError(503, "The contact could not be read now.");
  auto text = [&](std::string_view key) {
    const json::value* v = call.params.if_contains(key);
    std::string s = v ? api::ScalarText(*v).value_or("") : "";
    return RepairUtf8(s.substr(0, 2048));
  };
  Event e = api::ContactWriteEvent({}, call.ws.id, static_cast<uint64_t>(id), 0,
                                   clock_.NowMicros(), false);
  e.utm = {text("utm_source"), text("utm_medium"), text("utm_campaign"), text("utm_term"),
           text("utm_content")};
  e.url = text("url");
  e.referrer = text("referer");
  e.user_agent = text("useragent");
  e.name = "utm";
  if (e.utm.empty()) co_return MauticError(400, "Send at least one utm_* value.");
  std::vector<Event> events{std::move(e)};
  absl::Status applied = co_await Publish(bus_, events, Until::kApplied);
  if (!applied.ok()) co_return BusUnavailable(applied);
  co_return GetContact(call, id);
}

Response ApiRoutes::Activity(Call& call, int64_t id) {
  absl::StatusOr<store::ActivityQuery> q = api::ReadActivityQuery(call.params, call.ws.id, id);
  if (!q.ok()) return MauticError(400, ToStd(q.status().message()));
  absl::StatusOr<store::ActivityPage> page = store_.Activity(*q);
  if (absl::IsNotFound(page.status())) return MauticError(404, kNotFound);
  if (!page.ok()) return MauticError(503, "The activity could not be read now.", "unavailable");
  return JsonResponse(200, api::RenderActivity(*page, *q));
}

Response ApiRoutes::Devices(Call& call, int64_t id) {
  absl::StatusOr<std::vector<store::DeviceRecord>> devices = store_.ContactDevices(call.ws.id, id);
  if (absl::IsNotFound(devices.status())) return MauticError(404, kNotFound);
  if (!devices.ok()) return MauticError(503, "The devices could not be read now.", "unavailable");
  return JsonResponse(200, api::RenderDevices(*devices, id));
}

Response ApiRoutes::Fields(Call& call, std::string_view rest) {
  std::vector<std::string_view> parts = Split(rest, '/');
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts[0] != "contact") return MauticError(404, kNotFound);
  if (call.request.method != "GET") {
    return MauticError(405, "Contact fields are read here; define them with `spoor field set`.");
  }
  if (parts.size() == 1) {
    json::array fields;
    int order = 0;
    for (const store::FieldDefinition& f : call.ws.fields) fields.push_back(api::RenderField(f, ++order));
    return JsonResponse(200, json::object{{"total", static_cast<int64_t>(fields.size())},
                                  {"fields", std::move(fields)}});
  }
  std::optional<int64_t> id = parts.size() == 2 ? ParseId(parts[1]) : std::nullopt;
  if (!id || *id > static_cast<int64_t>(call.ws.fields.size())) return MauticError(404, kNotFound);
  return JsonResponse(200, json::object{{"field", api::RenderField(call.ws.fields[static_cast<size_t>(*id - 1)],
                                                           static_cast<int>(*id))}});
}

// --- forms API ---

asio::awaitable<Response> ApiRoutes::Forms(Call& call, std::string_view rest) {
  const std::string& method = call.request.method;
  const bool read = method == "GET" || method == "HEAD";
  if (!read && !call.CanWrite()) co_return MauticError(403, kForbidden, "access_denied");
  std::vector<std::string_view> parts = Split(rest.empty() ? rest : rest.substr(1), '/');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // a trailing slash
  if (parts.empty()) {
    if (!read) co_return MauticError(405, "Use GET to list forms.");
    absl::StatusOr<json::object> list = api::ListForms(call.ws, call.params);
    if (!list.ok()) co_return MauticError(400, ToStd(list.status().message()));
    co_return JsonResponse(200, *list);
  }
  if (parts.size() == 1 && parts[0] == "new" && method == "POST") {
    co_return co_await SaveForm(call, std::nullopt, false);
  }
  std::optional<int64_t> id = ParseId(parts[0]);
  if (!id) co_return MauticError(404, kNotFound);
  if (parts.size() == 1 && read) {
    int64_t created = 0;
    absl::StatusOr<collect::FormDefinition> form = api::FindForm(call.ws, *id, &created);
    if (absl::IsNotFound(form.status())) co_return MauticError(404, kNotFound);
    if (!form.ok()) co_return MauticError(500, "The form's definition is unreadable.");
    co_return JsonResponse(200, json::object{{"form", api::RenderForm(*form, created)}});
  }
  if (parts.size() == 2 && parts[1] == "edit" && (method == "PUT" || method == "PATCH")) {
    co_return co_await SaveForm(call, id, method == "PUT");
  }
  if (parts.size() == 2 && parts[1] == "delete" && method == "DELETE") {
    co_return co_await DeleteForm(call, *id);
  }
  co_return MauticError(404, kNotFound);
}

asio::awaitable<absl::Status> ApiRoutes::WriteConfig(std::function<absl::Status()> write) {
  if (options_.config_store == nullptr) {
    co_return absl::FailedPreconditionError("configuration is read-only here");
  }
  // Named, not a temporary in the co_await expression: GCC 12 may destroy
  // such a temporary twice.
  std::function<absl::Status()> job = [this, write = std::move(write)] {
    absl::Status written = write();
    if (!written.ok()) return written;
    return options_.reload_config ? options_.reload_config() : absl::OkStatus();
  };
  absl::Status done = co_await RunOn<absl::Status>(hashing_, std::move(job));
  co_return done;
}

// POST new (no id), PATCH (merge into the form), PUT (replace, or create
// when the id is unknown).
asio::awaitable<Response> ApiRoutes::SaveForm(Call& call, std::optional<int64_t> id, bool put) {
  std::optional<collect::FormDefinition> existing;
  if (id) {
    absl::StatusOr<collect::FormDefinition> found = api::FindForm(call.ws, *id, nullptr);
    if (found.ok()) existing = std::move(*found);
    else if (!put || !absl::IsNotFound(found.status())) co_return MauticError(404, kNotFound);
  }
  api::FormWrite write =
      api::ReadFormWrite(call.params, call.ws, existing && !put ? &*existing : nullptr);
  if (!write.errors.empty()) co_return ValidationError(write.errors);
  collect::FormDefinition& form = write.form;
  const int64_t ws_id = call.ws.id;
  int64_t form_id = existing ? existing->id : 0;
  if (existing) {
    form.consents = existing->consents;  // not part of Mautic's model: kept
    form.modified_at_us = clock_.NowMicros();
    form.id = 0;
    std::string definition = collect::FormDefinitionToJson(form);
    std::function<absl::Status()> update = [this, ws_id, form_id, name = form.name, definition] {
      return options_.config_store->UpdateForm(ws_id, form_id, name, definition);
    };
    absl::Status saved = co_await WriteConfig(std::move(update));
    if (absl::IsNotFound(saved)) co_return MauticError(404, kNotFound);  // deleted meanwhile
    if (!saved.ok()) co_return MauticError(503, "The form could not be stored now.", "unavailable");
  } else {
    form.id = 0;
    form.modified_at_us = 0;
    std::string definition = collect::FormDefinitionToJson(form);
    std::function<absl::Status()> create = [this, ws_id, &form_id, name = form.name, definition] {
      absl::StatusOr<int64_t> created = options_.config_store->CreateForm(ws_id, name, definition);
      if (created.ok()) form_id = *created;
      return created.status();
    };
    absl::Status saved = co_await WriteConfig(std::move(create));
    if (!saved.ok()) co_return MauticError(503, "The form could not be stored now.", "unavailable");
  }
  // Read back from the configuration every route now serves.
  std::shared_ptr<const std::vector<store::Workspace>> all = config_.Workspaces();
  for (const store::Workspace& w : all ? *all : std::vector<store::Workspace>()) {
    if (w.id != ws_id) continue;
    int64_t created = 0;
    absl::StatusOr<collect::FormDefinition> stored = api::FindForm(w, form_id, &created);
    if (!stored.ok()) break;
    Response res = JsonResponse(existing ? 200 : 201, json::object{{"form", api::RenderForm(*stored, created)}});
    if (!existing) res.Set("Location", StrCat("/api/forms/", form_id));
    co_return res;
  }
  co_return MauticError(503, "The form was stored but could not be read back.", "unavailable");
}

asio::awaitable<Response> ApiRoutes::DeleteForm(Call& call, int64_t id) {
  int64_t created = 0;
  absl::StatusOr<collect::FormDefinition> form = api::FindForm(call.ws, id, &created);
  if (!form.ok()) co_return MauticError(404, kNotFound);
  const int64_t ws_id = call.ws.id;
  std::function<absl::Status()> remove = [this, ws_id, id] {
    return options_.config_store->DeleteForm(ws_id, id);
  };
  absl::Status deleted = co_await WriteConfig(std::move(remove));
  if (absl::IsNotFound(deleted)) co_return MauticError(404, kNotFound);
  if (!deleted.ok()) co_return MauticError(503, "The form could not be deleted now.", "unavailable");
  json::object body = api::RenderForm(*form, created);
  body["id"] = nullptr;  // as Mautic answers a delete
  co_return JsonResponse(200, json::object{{"form", std::move(body)}});
}

}  // namespace spoor::http
