#include "spoor/api/v1.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "spoor/auth/auth.h"
#include "spoor/collect/collect.h"
#include "spoor/common/clock.h"
#include "spoor/common/event.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::api::v1 {

namespace json = boost::json;

namespace {

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/workspace", Op::kGetWorkspace, Access::kRead},
    {"PATCH", "/api/v1/workspace/settings", Op::kPatchSettings, Access::kAdmin},
    {"GET", "/api/v1/tracking-domains", Op::kListDomains, Access::kRead},
    {"POST", "/api/v1/tracking-domains", Op::kAddDomain, Access::kAdmin},
    {"DELETE", "/api/v1/tracking-domains/{origin}", Op::kDeleteDomain, Access::kAdmin},
    {"GET", "/api/v1/fields", Op::kListFields, Access::kRead},
    {"POST", "/api/v1/fields", Op::kUpsertField, Access::kAdmin},
    {"GET", "/api/v1/links", Op::kListLinks, Access::kRead},
    {"POST", "/api/v1/links", Op::kCreateLink, Access::kWrite},
    {"GET", "/api/v1/links/{id}", Op::kGetLink, Access::kRead},
    {"GET", "/api/v1/forms", Op::kListForms, Access::kRead},
    {"POST", "/api/v1/forms", Op::kCreateForm, Access::kWrite},
    {"GET", "/api/v1/forms/{id}", Op::kGetForm, Access::kRead},
    {"GET", "/api/v1/contacts", Op::kListContacts, Access::kRead},
    {"GET", "/api/v1/contacts/{id}", Op::kGetContact, Access::kRead},
    {"GET", "/api/v1/contacts/{id}/timeline", Op::kContactTimeline, Access::kRead},
    {"GET", "/api/v1/events", Op::kListEvents, Access::kRead},
    {"GET", "/api/v1/export/contacts", Op::kExportContacts, Access::kRead},
    {"GET", "/api/v1/export/events", Op::kExportEvents, Access::kRead},
    {"GET", "/api/v1/export/sessions", Op::kExportSessions, Access::kRead},
    {"GET", "/api/v1/clients", Op::kListClients, Access::kAdmin},
    {"POST", "/api/v1/clients", Op::kCreateClient, Access::kAdmin},
    {"DELETE", "/api/v1/clients/{client_id}", Op::kDeleteClient, Access::kAdmin},
};

// Whether `path` fits `pattern`; the {param} segment's raw text goes to `param`.
bool PathMatches(std::string_view pattern, std::string_view path, std::string_view& param) {
  std::vector<std::string_view> want = Split(pattern, '/');
  std::vector<std::string_view> got = Split(path, '/');
  if (got.size() == want.size() + 1 && got.back().empty()) got.pop_back();  // trailing slash
  if (want.size() != got.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (got[i].empty()) return false;
      param = got[i];
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  return true;
}

absl::Status Invalid(std::string_view what) { return absl::InvalidArgumentError(ToAbsl(what)); }

bool Printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// A string member, required or not; type and size checked.
absl::StatusOr<std::optional<std::string>> OptString(const json::object& o, std::string_view key,
                                                     size_t max_bytes) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Invalid(StrCat(key, " must be a string"));
  std::string_view s(v->get_string().data(), v->get_string().size());
  if (s.size() > max_bytes) return Invalid(StrCat(key, " is longer than ", max_bytes, " bytes"));
  if (!IsValidUtf8(s)) return Invalid(StrCat(key, " is not UTF-8"));
  return std::optional<std::string>(std::string(s));
}

absl::StatusOr<std::optional<bool>> OptBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return Invalid(StrCat(key, " must be true or false"));
  return std::optional<bool>(v->get_bool());
}

absl::StatusOr<std::vector<std::string>> StringList(const json::value& v, std::string_view key,
                                                    size_t max_items, size_t max_bytes) {
  if (!v.is_array()) return Invalid(StrCat(key, " must be an array of strings"));
  if (v.get_array().size() > max_items) {
    return Invalid(StrCat(key, " has more than ", max_items, " items"));
  }
  std::vector<std::string> out;
  for (const json::value& item : v.get_array()) {
    if (!item.is_string() || item.get_string().size() > max_bytes) {
      return Invalid(StrCat(key, " must be an array of strings of at most ", max_bytes, " bytes"));
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

absl::Status OnlyKeys(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : o) {
    std::string_view k(key.data(), key.size());
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return Invalid(StrCat("unknown member '", TruncateUtf8(k, 64), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReadTime(std::string_view text, std::string_view key) {
  absl::Time t;
  std::string err;
  if (text.size() > 64 || !absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) {
    return Invalid(StrCat(key, " must be an RFC 3339 time such as 2024-05-01T00:00:00Z"));
  }
  int64_t us = absl::ToUnixMicros(t);
  if (us <= 0) return Invalid(StrCat(key, " must be after 1970"));
  return us;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

json::value TimeOrNull(int64_t us) { return us > 0 ? json::value(FormatTime(us)) : json::value(nullptr); }

}  // namespace

absl::Span<const Route> Routes() { return kRoutes; }

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  for (const Route& r : kRoutes) {
    std::string_view param;
    if (!PathMatches(r.path, path, param)) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      match.route = &r;
      match.param = PercentDecode(param, false);
      return match;
    }
    if (match.allow.find(r.method) == std::string::npos) {
      match.allow += StrCat(match.allow.empty() ? "" : ", ", r.method);
    }
  }
  return match;
}

absl::StatusOr<Params> ReadQuery(std::string_view query,
                                 std::initializer_list<std::string_view> allowed) {
  SPOOR_ASSIGN_OR_RETURN(Params params, ParseQuery(query, QueryLimits{32, 64, 4096}));
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& key = params[i].first;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Invalid(StrCat("unknown parameter '", TruncateUtf8(key, 64), "'"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (params[j].first == key) return Invalid(StrCat("parameter '", key, "' is repeated"));
    }
  }
  return params;
}

absl::StatusOr<json::object> ReadJsonObject(std::string_view body, const Limits& limits) {
  if (body.size() > limits.max_body) {
    return Invalid(StrCat("the body is larger than ", limits.max_body, " bytes"));
  }
  json::parse_options options;
  options.max_depth = static_cast<size_t>(limits.max_depth);
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec) return Invalid(StrCat("the body is not valid JSON: ", ec.message()));
  if (!v.is_object()) return Invalid("the body must be a JSON object");
  return std::move(v.get_object());
}

std::string EncodeCursor(std::string_view kind, int64_t position) {
  std::string out;
  absl::WebSafeBase64Escape(StrCat("v1:", kind, ":", position), &out);
  return out;
}

absl::StatusOr<int64_t> DecodeCursor(std::string_view kind, std::string_view cursor) {
  std::string text;
  int64_t position = 0;
  std::string prefix = StrCat("v1:", kind, ":");
  if (cursor.size() > 128 || !absl::WebSafeBase64Unescape(ToAbsl(cursor), &text) ||
      !StartsWith(text, prefix) ||
      !absl::SimpleAtoi(ToAbsl(std::string_view(text).substr(prefix.size())), &position) ||
      position <= 0) {
    return Invalid("cursor is not one this list returned");
  }
  return position;
}

absl::StatusOr<Page> ReadPage(const Params& query, std::string_view kind, const Limits& limits) {
  Page page;
  page.limit = limits.default_page;
  if (const std::string* l = FindParam(query, "limit")) {
    if (l->size() > 6 || !absl::SimpleAtoi(*l, &page.limit) || page.limit < 1 ||
        page.limit > limits.max_page) {
      return Invalid(StrCat("limit must be 1 to ", limits.max_page));
    }
  }
  if (const std::string* c = FindParam(query, "cursor"); c && !c->empty()) {
    SPOOR_ASSIGN_OR_RETURN(page.position, DecodeCursor(kind, *c));
  }
  return page;
}

absl::Status ReadEventFilters(const Params& query, store::EventQuery& q) {
  if (const std::string* v = FindParam(query, "from")) {
    SPOOR_ASSIGN_OR_RETURN(q.from_us, ReadTime(*v, "from"));
  }
  if (const std::string* v = FindParam(query, "to")) {
    SPOOR_ASSIGN_OR_RETURN(q.to_us, ReadTime(*v, "to"));
  }
  if (q.from_us && q.to_us && q.from_us > q.to_us) return Invalid("from is after to");
  if (const std::string* v = FindParam(query, "contact_id")) {
    if (v->size() > 19 || !absl::SimpleAtoi(*v, &q.contact_id) || q.contact_id <= 0) {
      return Invalid("contact_id must be a contact id");
    }
  }
  for (const char* key : {"type", "types"}) {
    const std::string* v = FindParam(query, key);
    if (v == nullptr) continue;
    for (std::string_view name : Split(*v, ',')) {
      bool known = false;
      for (int t = 1; t <= 16 && !known; ++t) {
        known = !name.empty() && EventTypeName(static_cast<EventType>(t)) == name;
      }
      if (!known) return Invalid(StrCat("unknown event type '", TruncateUtf8(name, 64), "'"));
      if (q.types.size() >= 16) return Invalid("too many event types");
      q.types.emplace_back(name);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOrigin(std::string_view origin) {
  size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos ||
      (origin.substr(0, scheme) != "http" && origin.substr(0, scheme) != "https")) {
    return Invalid(StrCat("an origin looks like https://www.example.com, got '",
                          TruncateUtf8(origin, 256), "'"));
  }
  std::string_view host = origin.substr(scheme + 3);
  if (host.empty() || host.size() > 262 || !Printable(host) ||
      host.find_first_of("/?#") != std::string_view::npos) {
    return Invalid(StrCat("an origin has no path, query or spaces: '", TruncateUtf8(origin, 256),
                          "'"));
  }
  if (host.find('*') != std::string_view::npos &&
      (!StartsWith(host, "*.") || host.find('*', 1) != std::string_view::npos)) {
    return Invalid("a wildcard may only start the host: https://*.example.com");
  }
  return absl::OkStatus();
}

absl::Status PatchSettings(const json::object& patch, store::WorkspaceSettings& s) {
  SPOOR_RETURN_IF_ERROR(OnlyKeys(patch, {"session_timeout_minutes", "honor_do_not_track",
                                         "anonymize_ip", "track_by_tracking_url", "excluded_ips"}));
  if (patch.empty()) return Invalid("send at least one setting");
  if (const json::value* v = patch.if_contains("session_timeout_minutes")) {
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > 1440) {
      return Invalid("session_timeout_minutes must be an integer from 1 to 1440");
    }
    s.session_timeout_minutes = static_cast<int>(v->get_int64());
  }
  for (auto [key, out] : {std::pair<std::string_view, bool*>{"honor_do_not_track", &s.honor_do_not_track},
                          {"anonymize_ip", &s.anonymize_ip},
                          {"track_by_tracking_url", &s.track_by_tracking_url}}) {
    SPOOR_ASSIGN_OR_RETURN(std::optional<bool> b, OptBool(patch, key));
    if (b) *out = *b;
  }
  if (const json::value* v = patch.if_contains("excluded_ips")) {
    SPOOR_ASSIGN_OR_RETURN(std::vector<std::string> ips, StringList(*v, "excluded_ips", 100, 64));
    for (const std::string& ip : ips) {
      if (!collect::ParseIpRange(ip).ok()) {
        return Invalid(StrCat("excluded_ips: '", ip, "' is not an address or CIDR range"));
      }
    }
    s.excluded_ips = std::move(ips);
  }
  return absl::OkStatus();
}

absl::StatusOr<store::FieldDefinition> ReadField(const json::object& body,
                                                 const std::vector<store::FieldDefinition>& existing) {
  SPOOR_RETURN_IF_ERROR(OnlyKeys(body, {"alias", "label", "type", "isUniqueIdentifier",
                                        "isPubliclyUpdatable"}));
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> alias, OptString(body, "alias", 64));
  if (!alias) return Invalid("alias is required");
  absl::StatusOr<collect::FormField> spec = collect::ParseFieldSpec(*alias);
  if (!spec.ok() || alias->find(':') != std::string::npos) {
    return Invalid("alias must be lower-case letters, digits and _ (at most 64)");
  }
  store::FieldDefinition f{*alias, *alias, "text", false, false};
  for (const store::FieldDefinition& e : existing) {
    if (e.alias == *alias) f = e;
  }
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> label, OptString(body, "label", 255));
  if (label) {
    if (label->empty()) return Invalid("label must not be empty");
    f.label = *label;
  }
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> type, OptString(body, "type", 16));
  if (type) {
    static constexpr std::string_view kTypes[] = {"text", "email", "tel", "number", "url",
                                                  "date", "datetime", "boolean"};
    if (std::find(std::begin(kTypes), std::end(kTypes), *type) == std::end(kTypes)) {
      return Invalid("type must be one of text, email, tel, number, url, date, datetime, boolean");
    }
    f.type = *type;
  }
  SPOOR_ASSIGN_OR_RETURN(std::optional<bool> unique, OptBool(body, "isUniqueIdentifier"));
  if (unique) f.is_unique_identifier = *unique;
  SPOOR_ASSIGN_OR_RETURN(std::optional<bool> pub, OptBool(body, "isPubliclyUpdatable"));
  if (pub) f.is_publicly_updatable = *pub;
  return f;
}

absl::StatusOr<std::string> ReadLinkUrl(const json::object& body) {
  SPOOR_RETURN_IF_ERROR(OnlyKeys(body, {"url"}));
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> given, OptString(body, "url", 4096));
  const std::string url = given.value_or("");
  if (!(StartsWith(url, "https://") || StartsWith(url, "http://")) || url.size() <= 8 ||
      !Printable(url)) {
    return Invalid("url must be an absolute http(s) URL without spaces");
  }
  return url;
}

absl::StatusOr<collect::FormDefinition> ReadForm(const json::object& body) {
  SPOOR_RETURN_IF_ERROR(OnlyKeys(body, {"name", "fields", "add_tags", "remove_tags", "consents",
                                        "redirect_url", "message"}));
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> name, OptString(body, "name", 255));
  if (!name || name->empty()) return Invalid("name is required");
  SPOOR_RETURN_IF_ERROR(OptString(body, "redirect_url", 2048).status());
  SPOOR_RETURN_IF_ERROR(OptString(body, "message", 2048).status());
  for (const char* key : {"add_tags", "remove_tags", "consents"}) {
    if (const json::value* v = body.if_contains(key)) {
      SPOOR_RETURN_IF_ERROR(StringList(*v, key, 100, 255).status());
    }
  }
  const json::value* fields = body.if_contains("fields");
  if (fields == nullptr || !fields->is_array() || fields->get_array().empty() ||
      fields->get_array().size() > 100) {
    return Invalid("fields must be an array of 1 to 100 field objects");
  }
  for (const json::value& f : fields->get_array()) {
    if (!f.is_object()) return Invalid("fields must be an array of 1 to 100 field objects");
    SPOOR_RETURN_IF_ERROR(OnlyKeys(f.get_object(), {"alias", "contact_field", "type", "required"}));
    SPOOR_RETURN_IF_ERROR(OptString(f.get_object(), "contact_field", 64).status());
    SPOOR_RETURN_IF_ERROR(OptBool(f.get_object(), "required").status());
  }
  absl::StatusOr<collect::FormDefinition> form = collect::ParseFormDefinition(json::serialize(body));
  if (!form.ok()) return Invalid(ToStd(form.status().message()));
  return form;
}

absl::Status ValidateRedirectUri(std::string_view uri) {
  bool loopback = StartsWith(uri, "http://localhost") || StartsWith(uri, "http://127.0.0.1") ||
                  StartsWith(uri, "http://[::1]");
  if (!StartsWith(uri, "https://") && !loopback) {
    return Invalid(StrCat("redirect URI must be https (or http on localhost): ",
                          TruncateUtf8(uri, 256)));
  }
  if (uri.size() > 2048 || !Printable(uri) || uri.find('#') != std::string_view::npos) {
    return Invalid(StrCat("redirect URI must be at most 2048 printable characters, without #: ",
                          TruncateUtf8(uri, 256)));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClientSpec> ReadClientSpec(const json::object& body) {
  SPOOR_RETURN_IF_ERROR(OnlyKeys(body, {"name", "redirect_uris", "grants", "scope", "public"}));
  ClientSpec spec;
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> name, OptString(body, "name", 255));
  if (!name || name->empty()) return Invalid("name is required");
  spec.name = *name;
  if (const json::value* v = body.if_contains("redirect_uris")) {
    SPOOR_ASSIGN_OR_RETURN(spec.redirect_uris, StringList(*v, "redirect_uris", 20, 2048));
  }
  if (const json::value* v = body.if_contains("grants")) {
    SPOOR_ASSIGN_OR_RETURN(spec.grants, StringList(*v, "grants", 3, 32));
  }
  SPOOR_ASSIGN_OR_RETURN(std::optional<std::string> scope, OptString(body, "scope", 8));
  if (scope) spec.scope = *scope;
  SPOOR_ASSIGN_OR_RETURN(std::optional<bool> is_public, OptBool(body, "public"));
  spec.is_public = is_public.value_or(false);
  SPOOR_RETURN_IF_ERROR(CompleteClientSpec(spec));
  return spec;
}

absl::Status CompleteClientSpec(ClientSpec& spec) {
  if (spec.scope != "read" && spec.scope != "write") return Invalid("scope must be read or write");
  for (const std::string& uri : spec.redirect_uris) SPOOR_RETURN_IF_ERROR(ValidateRedirectUri(uri));
  std::vector<std::string>& grants = spec.grants;
  for (const std::string& g : grants) {
    if (g != "client_credentials" && g != "authorization_code" && g != "refresh_token") {
      return Invalid("grants are client_credentials, authorization_code and refresh_token");
    }
  }
  if (grants.empty()) grants = {spec.is_public ? "authorization_code" : "client_credentials"};
  auto has = [&grants](std::string_view g) {
    return std::find(grants.begin(), grants.end(), g) != grants.end();
  };
  // authorization_code implies refresh_token (Mautic's clients have both).
  if (has("authorization_code") && !has("refresh_token")) grants.push_back("refresh_token");
  if (has("authorization_code") && spec.redirect_uris.empty()) {
    return Invalid("authorization_code needs a redirect URI");
  }
  if (spec.is_public && has("client_credentials")) {
    return Invalid("a public client cannot use client_credentials");
  }
  return absl::OkStatus();
}

NewClient MakeClient(const ClientSpec& spec, int64_t workspace_id) {
  NewClient out;
  store::ApiClient& c = out.client;
  c.client_id = auth::NewSecret("cl_").substr(0, 27);
  if (!spec.is_public) out.secret = auth::NewSecret("cs_");
  c.secret_hash = spec.is_public ? "" : auth::HashSecret(out.secret);
  c.name = spec.name;
  c.redirect_uris = spec.redirect_uris;
  c.grants = spec.grants;
  c.workspace_id = workspace_id;
  c.scope = spec.scope;
  c.is_public = spec.is_public;
  return out;
}

json::object RenderSettings(const store::WorkspaceSettings& s) {
  return {{"session_timeout_minutes", s.session_timeout_minutes},
          {"honor_do_not_track", s.honor_do_not_track},
          {"anonymize_ip", s.anonymize_ip},
          {"track_by_tracking_url", s.track_by_tracking_url},
          {"excluded_ips", Strings(s.excluded_ips)}};
}

json::object RenderWorkspace(const store::Workspace& ws, bool with_write_key) {
  json::object o{{"id", ws.uuid},
                 {"name", ws.name},
                 {"default", ws.is_default},
                 {"settings", RenderSettings(ws.settings)},
                 {"tracking_domains", Strings(ws.tracking_domains)}};
  if (with_write_key) o["write_key"] = ws.write_key;
  return o;
}

json::object RenderField(const store::FieldDefinition& f) {
  return {{"alias", f.alias},
          {"label", f.label},
          {"type", f.type},
          {"isUniqueIdentifier", f.is_unique_identifier},
          {"isPubliclyUpdatable", f.is_publicly_updatable}};
}

json::object RenderLink(const store::LinkRecord& link, const store::Workspace& ws) {
  return {{"id", link.id},
          {"url", link.url},
          {"path", StrCat(ws.is_default ? "" : StrCat("/w/", ws.uuid), "/r/", link.id)}};
}

json::object RenderForm(const store::FormRecord& form) {
  boost::system::error_code ec;
  json::value v = json::parse(form.definition, ec);
  json::object o = !ec && v.is_object() ? std::move(v.get_object()) : json::object();
  o["id"] = form.id;
  o["name"] = form.name;
  return o;
}

json::object RenderContact(const store::ContactRecord& c) {
  json::object fields;
  for (const auto& [alias, value] : c.fields) fields[alias] = value;
  return {{"id", c.id},
          {"created_at", TimeOrNull(c.created_at_us)},
          {"modified_at", TimeOrNull(c.modified_at_us)},
          {"last_active", TimeOrNull(c.last_active_us)},
          {"identified_at", TimeOrNull(c.identified_at_us)},
          {"fields", std::move(fields)},
          {"tags", Strings(c.tags)}};
}

json::object RenderDevice(const store::DeviceRecord& d) {
  return {{"id", d.device_id},
          {"created_at", TimeOrNull(d.created_at_us)},
          {"last_seen", TimeOrNull(d.last_seen_us)},
          {"user_agent", d.user_agent}};
}

json::object RenderEvent(const store::ActivityRecord& e) {
  json::value properties = nullptr;
  if (!e.properties_json.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(e.properties_json, ec);
    if (!ec) properties = std::move(v);
  }
  auto text = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
  return {{"id", e.event_id},
          {"contact_id", e.contact_id},
          {"at", TimeOrNull(e.at_us)},
          {"type", e.type},
          {"source", e.source},
          {"name", text(e.name)},
          {"url", text(e.url)},
          {"title", text(e.title)},
          {"referrer", text(e.referrer)},
          {"channel", text(e.channel)},
          {"properties", std::move(properties)},
          {"utm",
           {{"source", text(e.utm_source)},
            {"medium", text(e.utm_medium)},
            {"campaign", text(e.utm_campaign)},
            {"term", text(e.utm_term)},
            {"content", text(e.utm_content)}}}};
}

json::object RenderClient(const store::ApiClient& c, std::string_view workspace_uuid) {
  return {{"client_id", c.client_id},         {"name", c.name},
          {"redirect_uris", Strings(c.redirect_uris)}, {"grants", Strings(c.grants)},
          {"scope", c.scope},                 {"workspace_id", workspace_uuid},
          {"public", c.is_public},            {"revoked", c.revoked}};
}

json::object RenderPage(json::array data, std::optional<std::string> next_cursor) {
  return {{"data", std::move(data)},
          {"next_cursor", next_cursor ? json::value(*next_cursor) : json::value(nullptr)}};
}

}  // namespace spoor::api::v1
