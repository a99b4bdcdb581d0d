#include "spoor/http/v1_routes.h"

#include "absl/strings/numbers.h"
#include "spoor/common/strings.h"
#include "spoor/http/publish.h"

namespace spoor::http {

namespace asio = boost::asio;
namespace json = boost::json;
namespace v1 = api::v1;

namespace {

constexpr size_t kBodyLimit = 64 * 1024;

Response Json(int status, const json::object& body) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "application/json");
  res.Set("Cache-Control", "no-store");
  res.body = json::serialize(body);
  return res;
}

Response NoContent() {
  Response res;
  res.status = 204;
  return res;
}

// The one place a Status becomes an HTTP answer.
Response StatusError(const absl::Status& status) {
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return JsonError(400, "bad_request", message);
    case absl::StatusCode::kNotFound:
      return JsonError(404, "not_found", message.empty() ? "not found" : message);
    case absl::StatusCode::kAlreadyExists:
      return JsonError(409, "conflict", message);
    case absl::StatusCode::kPermissionDenied:
      return JsonError(403, "forbidden", message);
    default: {
      Response res = JsonError(503, "unavailable", "the store cannot answer now; retry later");
      res.Set("Retry-After", "1");
      return res;
    }
  }
}

Response NotFound(std::string_view what) { return JsonError(404, "not_found", StrCat("no such ", what)); }

std::optional<int64_t> ParseId(std::string_view s) {
  int64_t id;
  if (s.empty() || s.size() > 19 || !absl::SimpleAtoi(ToAbsl(s), &id) || id <= 0) return std::nullopt;
  return id;
}

Response AuthError(const api::ApiAuthResult& who) {
  std::string_view code = who.status == 400   ? "bad_request"
                          : who.status == 403 ? "forbidden"
                          : who.status == 429 ? "too_many_requests"
                          : who.status == 503 ? "unavailable"
                                              : "unauthorized";
  Response res = JsonError(who.status, code, who.message);
  if (who.status == 401) res.Set("WWW-Authenticate", "Bearer realm=\"spoor\"");
  if (who.retry_after_s > 0) res.Set("Retry-After", StrCat(who.retry_after_s));
  return res;
}

}  // namespace

struct V1Routes::Call {
  Request& request;
  const v1::Route& route;
  std::string param;
  api::Principal principal;
  store::Workspace ws;  // as the store has it now
  bool CanWrite() const { return principal.scope == "write"; }
  bool IsAdmin() const {
    return CanWrite() && (principal.user_id == 0 || principal.role == "admin");
  }
};

bool V1Routes::Owns(std::string_view method, std::string_view path) {
  if (path != "/api/v1" && !StartsWith(path, "/api/v1/")) return false;
  return path != "/api/v1/events" || method == "GET" || method == "HEAD";
}

size_t V1Routes::BodyLimit(std::string_view method, std::string_view /*path*/) {
  return method == "POST" || method == "PATCH" || method == "PUT" ? kBodyLimit : 0;
}

asio::awaitable<Response> V1Routes::Handle(Request& request) {
  v1::RouteMatch match = v1::MatchRoute(request.method, request.path);
  if (match.route == nullptr && match.allow.empty()) {
    co_return JsonError(404, "no_such_route", StrCat("no route ", request.path));
  }
  if (match.route == nullptr) {
    Response res = JsonError(405, "method_not_allowed", StrCat("use ", match.allow));
    res.Set("Allow", match.allow);
    co_return res;
  }
  // Tokens travel in the Authorization header only (never in URLs).
  api::ApiCredentials credentials{request.Header("authorization"), {}, request.remote_ip};
  api::ApiAuthResult who;
  std::string_view authorization = TrimAscii(credentials.authorization);
  if (authorization.size() > 6 && AsciiLower(authorization.substr(0, 6)) == "basic ") {
    std::function<api::ApiAuthResult()> check = [this, &credentials] {
      return auth_.Authenticate(credentials);
    };
    who = co_await RunOn<api::ApiAuthResult>(work_, std::move(check));
  } else {
    who = auth_.Authenticate(credentials);
  }
  if (!who.principal) co_return AuthError(who);
  std::string uuid;
  if (std::shared_ptr<const std::vector<store::Workspace>> all = config_.Workspaces()) {
    for (const store::Workspace& w : *all) {
      if (w.id == who.principal->workspace_id) uuid = w.uuid;
    }
  }
  absl::StatusOr<store::Workspace> ws =
      uuid.empty() ? absl::NotFoundError("") : reader_.FindWorkspace(uuid);
  if (absl::IsNotFound(ws.status())) {
    co_return JsonError(401, "unauthorized", "the token's workspace no longer exists");
  }
  if (!ws.ok()) co_return StatusError(ws.status());
  Call call{request, *match.route, std::move(match.param), std::move(*who.principal),
            std::move(*ws)};
  if ((call.route.access == v1::Access::kWrite && !call.CanWrite()) ||
      (call.route.access == v1::Access::kAdmin && !call.IsAdmin())) {
    co_return JsonError(403, "forbidden",
                        call.route.access == v1::Access::kWrite
                            ? "this needs a token with write scope"
                            : "this needs write scope and, for a user, the admin role");
  }
  if (request.method == "POST" || request.method == "PATCH") {
    std::string type = AsciiLower(request.Header("content-type"));
    if (!StartsWith(type, "application/json")) {
      co_return JsonError(415, "unsupported_media_type", "send Content-Type: application/json");
    }
  }
  co_return co_await Dispatch(call);
}

asio::awaitable<Response> V1Routes::Dispatch(Call& call) {
  switch (call.route.op) {
    case v1::Op::kGetWorkspace: co_return GetWorkspace(call);
    case v1::Op::kPatchSettings: co_return co_await PatchSettings(call);
    case v1::Op::kListDomains: co_return ListDomains(call);
    case v1::Op::kAddDomain: co_return co_await AddDomain(call);
    case v1::Op::kDeleteDomain: co_return co_await DeleteDomain(call);
    case v1::Op::kListFields: co_return ListFields(call);
    case v1::Op::kUpsertField: co_return co_await UpsertField(call);
    case v1::Op::kListLinks: co_return ListLinks(call);
    case v1::Op::kCreateLink: co_return co_await CreateLink(call);
    case v1::Op::kGetLink: co_return GetLink(call);
    case v1::Op::kListForms: co_return ListForms(call);
    case v1::Op::kCreateForm: co_return co_await CreateForm(call);
    case v1::Op::kGetForm: co_return GetForm(call);
    case v1::Op::kListContacts: co_return ListContacts(call);
    case v1::Op::kGetContact: co_return GetContact(call);
    case v1::Op::kContactTimeline: {
      std::optional<int64_t> id = ParseId(call.param);
      if (!id) co_return NotFound("contact");
      co_return ListEvents(call, *id);
    }
    case v1::Op::kListEvents: co_return ListEvents(call, 0);
    case v1::Op::kExportContacts:
    case v1::Op::kExportEvents:
    case v1::Op::kExportSessions: co_return co_await Export(call, call.route.op);
    case v1::Op::kListClients: co_return ListClients(call);
    case v1::Op::kCreateClient: co_return co_await CreateClient(call);
    case v1::Op::kDeleteClient: co_return co_await DeleteClient(call);
  }
  co_return JsonError(404, "no_such_route", "no such route");
}

asio::awaitable<absl::Status> V1Routes::Write(std::function<absl::Status()> write) {
  // Named, not temporaries: GCC 12 mishandles temporaries with destructors
  // inside co_await expressions.
  std::function<absl::Status()> job = [this, write = std::move(write)] {
    absl::Status status = write();
    if (status.ok() && options_.config_changed) options_.config_changed();
    return status;
  };
  absl::Status status = co_await RunOn<absl::Status>(work_, std::move(job));
  co_return status;
}

// --- configuration ---

Response V1Routes::GetWorkspace(Call& call) {
  if (absl::StatusOr<Params> q = v1::ReadQuery(call.request.query, {}); !q.ok()) {
    return StatusError(q.status());
  }
  return Json(200, v1::RenderWorkspace(call.ws, call.CanWrite()));
}

asio::awaitable<Response> V1Routes::PatchSettings(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  store::WorkspaceSettings settings = call.ws.settings;
  if (absl::Status s = v1::PatchSettings(*body, settings); !s.ok()) co_return StatusError(s);
  const int64_t ws = call.ws.id;
  std::function<absl::Status()> saved_job = [this, ws, settings] {
    return writer_.SetWorkspaceSettings(ws, settings);
  };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  call.ws.settings = settings;
  co_return Json(200, v1::RenderWorkspace(call.ws, call.CanWrite()));
}

Response V1Routes::ListDomains(Call& call) {
  json::array data;
  for (const std::string& d : call.ws.tracking_domains) data.push_back(json::object{{"origin", d}});
  return Json(200, v1::RenderPage(std::move(data), std::nullopt));
}

asio::awaitable<Response> V1Routes::AddDomain(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  const json::value* v = body->if_contains("origin");
  if (v == nullptr || !v->is_string() || body->size() != 1) {
    co_return JsonError(400, "bad_request", "send {\"origin\": \"https://www.example.com\"}");
  }
  std::string origin(v->get_string());
  if (absl::Status s = v1::ValidateOrigin(origin); !s.ok()) co_return StatusError(s);
  for (const std::string& d : call.ws.tracking_domains) {
    if (d == origin) co_return JsonError(409, "conflict", StrCat(origin, " is already allowed"));
  }
  const int64_t ws = call.ws.id;
  std::function<absl::Status()> saved_job = [this, ws, origin] { return writer_.AddTrackingDomain(ws, origin); };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  Response res = Json(201, json::object{{"origin", origin}});
  res.Set("Location", StrCat("/api/v1/tracking-domains/", PercentEncode(origin)));
  co_return res;
}

asio::awaitable<Response> V1Routes::DeleteDomain(Call& call) {
  const int64_t ws = call.ws.id;
  std::string origin = call.param;
  std::function<absl::Status()> removed_job = [this, ws, origin] { return writer_.RemoveTrackingDomain(ws, origin); };
  absl::Status removed = co_await Write(std::move(removed_job));
  if (absl::IsNotFound(removed)) co_return NotFound("tracking domain");
  if (!removed.ok()) co_return StatusError(removed);
  co_return NoContent();
}

Response V1Routes::ListFields(Call& call) {
  json::array data;
  for (const store::FieldDefinition& f : call.ws.fields) data.push_back(v1::RenderField(f));
  return Json(200, v1::RenderPage(std::move(data), std::nullopt));
}

asio::awaitable<Response> V1Routes::UpsertField(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  absl::StatusOr<store::FieldDefinition> field = v1::ReadField(*body, call.ws.fields);
  if (!field.ok()) co_return StatusError(field.status());
  bool created = true;
  for (const store::FieldDefinition& f : call.ws.fields) created = created && f.alias != field->alias;
  if (created && call.ws.fields.size() >= 500) {
    co_return JsonError(409, "conflict", "a workspace has at most 500 fields");
  }
  const int64_t ws = call.ws.id;
  store::FieldDefinition f = *field;
  std::function<absl::Status()> saved_job = [this, ws, f] { return writer_.UpsertField(ws, f); };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  co_return Json(created ? 201 : 200, v1::RenderField(f));
}

Response V1Routes::ListLinks(Call& call) {
  json::array data;
  for (const store::LinkRecord& l : call.ws.links) data.push_back(v1::RenderLink(l, call.ws));
  return Json(200, v1::RenderPage(std::move(data), std::nullopt));
}

asio::awaitable<Response> V1Routes::CreateLink(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  absl::StatusOr<std::string> url = v1::ReadLinkUrl(*body);
  if (!url.ok()) co_return StatusError(url.status());
  const int64_t ws = call.ws.id;
  std::string id;
  std::function<absl::Status()> saved_job = [this, ws, u = *url, &id]() -> absl::Status {
    absl::StatusOr<std::string> made = writer_.CreateLink(ws, u);
    if (made.ok()) id = *made;
    return made.status();
  };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  Response res = Json(201, v1::RenderLink({id, *url}, call.ws));
  res.Set("Location", StrCat("/api/v1/links/", id));
  co_return res;
}

Response V1Routes::GetLink(Call& call) {
  for (const store::LinkRecord& l : call.ws.links) {
    if (l.id == call.param) return Json(200, v1::RenderLink(l, call.ws));
  }
  return NotFound("link");
}

Response V1Routes::ListForms(Call& call) {
  json::array data;
  for (const store::FormRecord& f : call.ws.forms) data.push_back(v1::RenderForm(f));
  return Json(200, v1::RenderPage(std::move(data), std::nullopt));
}

asio::awaitable<Response> V1Routes::CreateForm(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  absl::StatusOr<collect::FormDefinition> form = v1::ReadForm(*body);
  if (!form.ok()) co_return StatusError(form.status());
  store::FormRecord record{0, form->name, collect::FormDefinitionToJson(*form)};
  const int64_t ws = call.ws.id;
  std::function<absl::Status()> saved_job = [this, ws, &record]() -> absl::Status {
    absl::StatusOr<int64_t> id = writer_.CreateForm(ws, record.name, record.definition);
    if (id.ok()) record.id = *id;
    return id.status();
  };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  Response res = Json(201, v1::RenderForm(record));
  res.Set("Location", StrCat("/api/v1/forms/", record.id));
  co_return res;
}

Response V1Routes::GetForm(Call& call) {
  std::optional<int64_t> id = ParseId(call.param);
  for (const store::FormRecord& f : call.ws.forms) {
    if (id && f.id == *id) return Json(200, v1::RenderForm(f));
  }
  return NotFound("form");
}

// --- data ---

Response V1Routes::ListContacts(Call& call) {
  absl::StatusOr<Params> q = v1::ReadQuery(call.request.query, {"limit", "cursor"});
  if (!q.ok()) return StatusError(q.status());
  absl::StatusOr<v1::Page> page = v1::ReadPage(*q, "contacts");
  if (!page.ok()) return StatusError(page.status());
  store::ContactQuery query;
  query.workspace_id = call.ws.id;
  query.limit = page->limit + 1;
  query.after_id = page->position;
  absl::StatusOr<store::ContactPage> found = reader_.ListContacts(query);
  if (!found.ok()) return StatusError(found.status());
  std::optional<std::string> next;
  if (found->contacts.size() > static_cast<size_t>(page->limit)) {
    found->contacts.pop_back();
    next = v1::EncodeCursor("contacts", found->contacts.back().id);
  }
  json::array data;
  for (const store::ContactRecord& c : found->contacts) data.push_back(v1::RenderContact(c));
  return Json(200, v1::RenderPage(std::move(data), next));
}

Response V1Routes::GetContact(Call& call) {
  std::optional<int64_t> id = ParseId(call.param);
  if (!id) return NotFound("contact");
  absl::StatusOr<store::ContactRecord> c = reader_.GetContact(call.ws.id, *id);
  if (absl::IsNotFound(c.status())) return NotFound("contact");
  if (!c.ok()) return StatusError(c.status());
  absl::StatusOr<std::vector<store::DeviceRecord>> devices = reader_.ContactDevices(call.ws.id, *id);
  if (absl::IsNotFound(devices.status())) return NotFound("contact");
  if (!devices.ok()) return StatusError(devices.status());
  json::object body = v1::RenderContact(*c);
  json::array list;
  for (const store::DeviceRecord& d : *devices) list.push_back(v1::RenderDevice(d));
  body["devices"] = std::move(list);
  return Json(200, body);
}

Response V1Routes::ListEvents(Call& call, int64_t contact_id) {
  absl::StatusOr<Params> q =
      contact_id != 0
          ? v1::ReadQuery(call.request.query, {"limit", "cursor", "type", "types", "from", "to"})
          : v1::ReadQuery(call.request.query,
                          {"limit", "cursor", "type", "types", "from", "to", "contact_id"});
  if (!q.ok()) return StatusError(q.status());
  absl::StatusOr<v1::Page> page = v1::ReadPage(*q, "events");
  if (!page.ok()) return StatusError(page.status());
  store::EventQuery query;
  query.workspace_id = call.ws.id;
  query.contact_id = contact_id;
  query.limit = page->limit;
  query.before_seq = page->position;
  if (absl::Status s = v1::ReadEventFilters(*q, query); !s.ok()) return StatusError(s);
  absl::StatusOr<store::EventPage> found = reader_.ListEvents(query);
  if (absl::IsNotFound(found.status())) return NotFound("contact");
  if (!found.ok()) return StatusError(found.status());
  std::optional<std::string> next;
  if (found->more && !found->events.empty()) {
    next = v1::EncodeCursor("events", found->events.back().seq);
  }
  json::array data;
  for (const store::EventRecord& e : found->events) data.push_back(v1::RenderEvent(e.event));
  return Json(200, v1::RenderPage(std::move(data), next));
}

asio::awaitable<Response> V1Routes::Export(Call& call, v1::Op op) {
  if (absl::StatusOr<Params> q = v1::ReadQuery(call.request.query, {}); !q.ok()) {
    co_return StatusError(q.status());
  }
  // Streamed a page at a time, each read on the work pool: memory stays at
  // one page however large the workspace, and the store is free between
  // pages however slowly the client reads.
  const int64_t ws = call.ws.id;
  const store::ExportKind kind = op == v1::Op::kExportContacts ? store::ExportKind::kContacts
                                 : op == v1::Op::kExportEvents ? store::ExportKind::kEvents
                                                               : store::ExportKind::kSessions;
  auto page = std::make_shared<store::ExportPage>();
  page->limit = options_.export_page_rows;
  Response res;
  res.Set("Content-Type", "application/x-ndjson");
  res.Set("Cache-Control", "no-store");
  res.stream = [this, ws, kind, page](std::string& out) -> asio::awaitable<absl::StatusOr<bool>> {
    std::function<absl::Status()> job = [this, ws, kind, page, &out] {
      return reader_.ExportPageOf(kind, ws, *page, [&out](std::string_view line) {
        out.append(line);
        out.push_back('\n');
      });
    };
    absl::Status read = co_await RunOn<absl::Status>(work_, std::move(job));
    if (!read.ok()) co_return read;
    co_return page->rows == page->limit;  // a short page is the last
  };
  co_return res;
}

// --- API clients ---

Response V1Routes::ListClients(Call& call) {
  absl::StatusOr<std::vector<store::ApiClient>> clients = reader_.ListClients();
  if (!clients.ok()) return StatusError(clients.status());
  json::array data;
  for (const store::ApiClient& c : *clients) {
    if (c.workspace_id == call.ws.id) data.push_back(v1::RenderClient(c, call.ws.uuid));
  }
  return Json(200, v1::RenderPage(std::move(data), std::nullopt));
}

asio::awaitable<Response> V1Routes::CreateClient(Call& call) {
  absl::StatusOr<json::object> body = v1::ReadJsonObject(call.request.body);
  if (!body.ok()) co_return StatusError(body.status());
  absl::StatusOr<v1::ClientSpec> spec = v1::ReadClientSpec(*body);
  if (!spec.ok()) co_return StatusError(spec.status());
  v1::NewClient made = v1::MakeClient(*spec, call.ws.id);
  store::ApiClient client = made.client;
  std::function<absl::Status()> saved_job = [this, client] { return writer_.CreateClient(client); };
  absl::Status saved = co_await Write(std::move(saved_job));
  if (!saved.ok()) co_return StatusError(saved);
  json::object out = v1::RenderClient(made.client, call.ws.uuid);
  out["client_secret"] = spec->is_public ? json::value(nullptr) : json::value(made.secret);
  Response res = Json(201, out);
  res.Set("Location", StrCat("/api/v1/clients/", made.client.client_id));
  co_return res;
}

asio::awaitable<Response> V1Routes::DeleteClient(Call& call) {
  absl::StatusOr<store::ApiClient> found = reader_.FindClient(call.param);
  if (absl::IsNotFound(found.status()) || (found.ok() && found->workspace_id != call.ws.id)) {
    co_return NotFound("client");
  }
  if (!found.ok()) co_return StatusError(found.status());
  std::string id = found->client_id;
  std::function<absl::Status()> revoked_job = [this, id] { return writer_.RevokeClient(id); };
  absl::Status revoked = co_await Write(std::move(revoked_job));
  if (!revoked.ok()) co_return StatusError(revoked);
  co_return NoContent();
}

}  // namespace spoor::http
