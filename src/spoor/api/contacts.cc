#include "spoor/api/contacts.h"

#include <ctime>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "spoor/api/params.h"
#include "spoor/collect/user_agent.h"
#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::api {
namespace json = boost::json;

namespace {

// Keys of a write payload that are not contact fields.
constexpr std::string_view kNonFieldKeys[] = {
    "tags", "overwriteWithBlank", "id", "owner", "stage", "points", "ipAddress", "lastActive",
    "doNotContact", "frequencyRules", "companies", "color", "_items"};

bool LooksLikeEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ') return false;
  }
  return s.find('.', at) != std::string_view::npos;
}

// Trimmed of spaces and stray separators, and lower-cased as every other
// channel stores emails, so the same address is the same contact everywhere.
std::string CleanEmail(std::string_view s) {
  while (!s.empty() && (s.front() == ',' || s.front() == ' ' || s.front() == ';')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ',' || s.back() == ' ' || s.back() == ';')) s.remove_suffix(1);
  return AsciiLower(s);
}

bool IsZero(const json::value& v) {
  return (v.is_int64() && v.get_int64() == 0) || (v.is_uint64() && v.get_uint64() == 0) ||
         (v.is_double() && v.get_double() == 0.0) || (v.is_string() && v.get_string() == "0");
}

// camelCase (dateAdded) and Mautic's table alias (l.date_added) -> date_added.
std::string ColumnName(std::string_view s) {
  if (StartsWith(s, "l.")) s.remove_prefix(2);
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsDateColumn(std::string_view c) {
  return c == "date_added" || c == "date_modified" || c == "last_active" || c == "date_identified";
}

absl::StatusOr<std::string> FilterValue(std::string_view column, std::string text) {
  if (!IsDateColumn(column)) return text;
  std::optional<int64_t> us = ParseMauticTime(text);
  if (!us) return absl::InvalidArgumentError(StrCat("not a date: ", text));
  return StrCat(*us);
}

// One "where" entry: {col, expr, val}.
absl::Status ReadWhere(const json::value& entry, std::vector<store::ContactFilter>& out) {
  const json::object* o = entry.if_object();
  if (o == nullptr) return absl::InvalidArgumentError("where entries are {col, expr, val}");
  if (o->contains("internal")) return absl::OkStatus();  // Mautic drops these
  const json::value* col = o->if_contains("col");
  const json::value* expr = o->if_contains("expr");
  if (expr == nullptr || !expr->is_string()) {
    return absl::InvalidArgumentError("where[].expr is required");
  }
  std::string op(expr->get_string());
  if (op == "andX" || op == "orX") {
    return absl::InvalidArgumentError("where[].expr andX/orX is not supported; list conditions");
  }
  if (col == nullptr || !col->is_string()) return absl::InvalidArgumentError("where[].col is required");
  store::ContactFilter f;
  f.column = ColumnName(col->get_string());
  f.op = op;
  if (const json::value* val = o->if_contains("val")) {
    if (op == "in" || op == "notIn") {
      std::vector<const json::value*> items;
      if (val->is_string()) {
        for (std::string_view part : Split(val->get_string(), ',')) {
          SPOOR_ASSIGN_OR_RETURN(std::string v, FilterValue(f.column, std::string(part)));
          f.values.push_back(std::move(v));
        }
      } else {
        for (const json::value* e : Elements(*val)) {
          std::optional<std::string> text = ScalarText(*e);
          if (!text) return absl::InvalidArgumentError("where[].val must hold scalars");
          SPOOR_ASSIGN_OR_RETURN(std::string v, FilterValue(f.column, *text));
          f.values.push_back(std::move(v));
        }
      }
    } else {
      std::optional<std::string> text = ScalarText(*val);
      if (!text) return absl::InvalidArgumentError("where[].val must be a scalar");
      SPOOR_ASSIGN_OR_RETURN(std::string v, FilterValue(f.column, *text));
      f.values.push_back(std::move(v));
    }
  }
  out.push_back(std::move(f));
  return absl::OkStatus();
}

// Mautic's search string: "email:a@b.c", "is:anonymous", "!is:anonymous",
// "ids:1,2", "<alias>:value" (% wildcards), or plain words.
absl::Status ReadSearch(std::string_view search, const store::Workspace& ws,
                        store::ContactQuery& q) {
  std::vector<std::string> terms;
  std::string cur;
  bool quoted = false;
  for (char c : search) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ' ' && !quoted) {
      if (!cur.empty()) terms.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) terms.push_back(std::move(cur));
  std::string text;
  for (const std::string& term : terms) {
    if (term == "is:anonymous") {
      q.anonymous = true;
      continue;
    }
    if (term == "!is:anonymous") {
      q.anonymous = false;
      continue;
    }
    size_t colon = term.find(':');
    if (colon != std::string::npos) {
      std::string key = term.substr(0, colon);
      std::string value = term.substr(colon + 1);
      if (key == "ids") {
        store::ContactFilter f{"id", "in", {}};
        for (std::string_view id : Split(value, ',')) f.values.emplace_back(id);
        q.filters.push_back(std::move(f));
        continue;
      }
      for (const store::FieldDefinition& field : ws.fields) {
        if (field.alias != key) continue;
        q.filters.push_back({key, value.find('%') != std::string::npos ? "like" : "eq", {value}});
        key.clear();
        break;
      }
      if (key.empty()) continue;
    }
    text += StrCat(text.empty() ? "" : " ", term);
  }
  q.text = text;
  return absl::OkStatus();
}

std::optional<int64_t> IntParam(const json::object& params, std::string_view key) {
  const json::value* v = params.if_contains(key);
  if (v == nullptr) return std::nullopt;
  std::optional<std::string> text = ScalarText(*v);
  int64_t n;
  if (!text || !absl::SimpleAtoi(ToAbsl(*text), &n)) return std::nullopt;
  return n;
}

std::string StringParam(const json::object& params, std::string_view key) {
  const json::value* v = params.if_contains(key);
  if (v == nullptr) return "";
  return ScalarText(*v).value_or("");
}

// Stable small ids for tags (Mautic's tags have ids; ours are names).
int64_t TagId(std::string_view tag) {
  uint32_t h = 2166136261u;
  for (char c : tag) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return static_cast<int64_t>(h & 0x7fffffff);
}

// Spoor's event types, Mautic's event keys for them, and their labels.
struct EventKey {
  std::string_view type, key, label;
};
constexpr EventKey kEventKeys[] = {
    {"page_view", "page.hit", "Page hit"},
    {"form_submit", "form.submitted", "Form submitted"},
    {"contact_update", "lead.source.identified", "Contact written through the API"},
    {"identify", "lead.identified", "Contact identified"},
    {"push_interaction", "push.interaction", "Push notification"},
    {"phone_call", "phone.call", "Phone call"},
};

std::pair<std::string, std::string> MauticEventType(std::string_view type) {
  for (const EventKey& k : kEventKeys) {
    if (k.type == type) return {std::string(k.key), std::string(k.label)};
  }
  return {StrCat("spoor.", type), "Event"};
}

// A Mautic event key (or Spoor's own type name) -> Spoor's type name.
std::string SpoorEventType(std::string_view name) {
  for (const EventKey& k : kEventKeys) {
    if (k.key == name) return std::string(k.type);
  }
  if (StartsWith(name, "spoor.")) name.remove_prefix(6);
  return std::string(name);
}

}  // namespace

std::string MauticTime(int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<int64_t> ParseMauticTime(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  std::string text(s);
  int n = 0;
  char sep = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
    return std::nullopt;
  }
  if (text.size() > 10) {
    int m = 0;
    if (std::sscanf(text.c_str() + 10, "%c%2d:%2d:%2d%n", &sep, &h, &mi, &sec, &m) != 4 ||
        (sep != ' ' && sep != 'T')) {
      return std::nullopt;
    }
    std::string_view rest = std::string_view(text).substr(10 + static_cast<size_t>(m));
    if (!rest.empty() && rest != "Z" && rest != "+00:00") return std::nullopt;
  }
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      sec > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

ContactWrite ReadContactWrite(const json::object& params, const store::Workspace& ws,
                              const ContactLimits& limits) {
  ContactWrite w;
  for (const auto& [key, value] : params) {
    std::string_view k = key;
    if (std::find(std::begin(kNonFieldKeys), std::end(kNonFieldKeys), k) != std::end(kNonFieldKeys)) {
      continue;
    }
    if (StartsWith(k, "consent_") && k.size() <= 64) {
      // A consent (consent_tracking, ...): granted "1" or withdrawn "0".
      std::optional<std::string> text = ScalarText(value);
      if (text && (*text == "1" || *text == "true")) w.fields.emplace_back(key, "1");
      else if (text && (*text == "0" || *text == "false")) w.fields.emplace_back(key, "0");
      else w.errors.push_back({std::string(k), "A consent is true or false."});
      continue;
    }
    const store::FieldDefinition* def = nullptr;
    for (const store::FieldDefinition& f : ws.fields) {
      if (f.alias == k) def = &f;
    }
    if (def == nullptr) continue;  // not a field of this workspace: ignored, as Mautic does
    if (IsZero(value)) continue;
    std::optional<std::string> text = ScalarText(value);
    if (!text) {
      w.errors.push_back({def->alias, "This value should be a string or a number."});
      continue;
    }
    if (text->size() > limits.max_value_bytes) {
      w.errors.push_back({def->alias, StrCat("This value is too long (at most ",
                                             limits.max_value_bytes, " bytes).")});
      continue;
    }
    std::string v = RepairUtf8(*text);
    if (def->type == "email") {
      v = CleanEmail(v);
      if (!v.empty() && !LooksLikeEmail(v)) {
        w.errors.push_back({def->alias, "A valid email is required."});
        continue;
      }
    }
    w.fields.emplace_back(def->alias, std::move(v));
  }
  if (const json::value* tags = params.if_contains("tags")) {
    std::vector<std::string> names;
    if (tags->is_string()) {
      for (std::string_view t : Split(tags->get_string(), ',')) names.emplace_back(t);
    } else {
      for (const json::value* t : Elements(*tags)) {
        std::optional<std::string> text = ScalarText(*t);
        if (text) names.push_back(std::move(*text));
      }
    }
    for (std::string& name : names) {
      std::string t(TrimAscii(name));
      bool remove = StartsWith(t, "-");
      if (remove) t.erase(0, 1);
      t = std::string(TrimAscii(t));
      if (t.empty()) continue;
      if (t.size() > limits.max_tag_bytes) {
        w.errors.push_back({"tags", StrCat("A tag is longer than ", limits.max_tag_bytes, " bytes.")});
        break;
      }
      (remove ? w.tags_remove : w.tags_add).push_back(RepairUtf8(t));
    }
    if (w.tags_add.size() + w.tags_remove.size() > limits.max_tags) {
      w.errors.push_back({"tags", StrCat("At most ", limits.max_tags, " tags at a time.")});
    }
  }
  if (const json::value* blank = params.if_contains("overwriteWithBlank")) {
    std::optional<std::string> text = ScalarText(*blank);
    w.overwrite_blank = text && (*text == "1" || *text == "true");
  }
  return w;
}

Event ContactWriteEvent(const ContactWrite& write, int64_t workspace_id, uint64_t contact_id,
                        uint64_t spare_id, int64_t now_us, bool replace_fields) {
  Event e;
  e.id = NewEventId(now_us);
  e.workspace_id = workspace_id;
  e.received_at_us = now_us;
  e.type = EventType::kContactUpdate;
  e.source = EventSource::kApi;
  e.contact_id = contact_id;
  e.spare_contact_id = spare_id;
  e.fields = write.fields;
  e.tags_add = write.tags_add;
  e.tags_remove = write.tags_remove;
  e.overwrite_blank = write.overwrite_blank;
  e.replace_fields = replace_fields;
  return e;
}

absl::StatusOr<store::ContactQuery> ReadContactQuery(const json::object& params,
                                                     const store::Workspace& ws,
                                                     const ContactLimits& limits) {
  store::ContactQuery q;
  q.workspace_id = ws.id;
  q.limit = limits.default_page;
  if (params.contains("start")) {
    std::optional<int64_t> start = IntParam(params, "start");
    if (!start || *start < 0) return absl::InvalidArgumentError("start must be a number >= 0");
    q.start = *start;
  }
  if (params.contains("limit")) {
    std::optional<int64_t> limit = IntParam(params, "limit");
    if (!limit || *limit < 0) return absl::InvalidArgumentError("limit must be a number >= 0");
    // Mautic: 0 means the default page size.
    q.limit = *limit == 0 ? limits.default_page
                          : static_cast<int>(std::min<int64_t>(*limit, limits.max_page));
  }
  std::string order_by = StringParam(params, "orderBy");
  if (!order_by.empty()) q.order_by = ColumnName(order_by);
  std::string dir = AsciiLower(StringParam(params, "orderByDir"));
  if (!dir.empty() && dir != "asc" && dir != "desc") {
    return absl::InvalidArgumentError("orderByDir is ASC or DESC");
  }
  q.descending = dir == "desc";
  if (const json::value* where = params.if_contains("where")) {
    if (!where->is_array() && !where->is_object()) {
      return absl::InvalidArgumentError("where must be a list of {col, expr, val}");
    }
    for (const json::value* entry : Elements(*where)) {
      SPOOR_RETURN_IF_ERROR(ReadWhere(*entry, q.filters));
    }
  }
  if (q.filters.size() > 20) return absl::InvalidArgumentError("at most 20 where conditions");
  std::string search = StringParam(params, "search");
  if (search.size() > 1000) return absl::InvalidArgumentError("search is too long");
  SPOOR_RETURN_IF_ERROR(ReadSearch(search, ws, q));
  return q;
}

absl::StatusOr<store::ActivityQuery> ReadActivityQuery(const json::object& params,
                                                       int64_t workspace_id, int64_t contact_id) {
  store::ActivityQuery q;
  q.workspace_id = workspace_id;
  q.contact_id = contact_id;
  if (const json::value* f = params.if_contains("filters")) {
    const json::object* filters = f->if_object();
    if (filters == nullptr) return absl::InvalidArgumentError("filters must be an array");
    q.text = StringParam(*filters, "search");
    auto types = [&](std::string_view key, std::vector<std::string>& out) {
      const json::value* v = filters->if_contains(key);
      if (v == nullptr) return;
      for (const json::value* e : Elements(*v)) {
        // Mautic's keys map back to ours; ours are accepted as they are.
        out.push_back(SpoorEventType(ScalarText(*e).value_or("")));
      }
    };
    types("includeEvents", q.include_types);
    types("excludeEvents", q.exclude_types);
    for (auto [key, slot] : {std::pair{"dateFrom", &q.from_us}, std::pair{"dateTo", &q.to_us}}) {
      std::string text = StringParam(*filters, key);
      if (text.empty()) continue;
      std::optional<int64_t> us = ParseMauticTime(text);
      if (!us) return absl::InvalidArgumentError(StrCat("filters[", key, "] is not a date"));
      *slot = *us;
    }
  }
  if (const json::value* order = params.if_contains("order")) {
    std::vector<const json::value*> parts = Elements(*order);
    if (parts.size() >= 2) {
      std::string dir = AsciiLower(ScalarText(*parts[1]).value_or(""));
      if (dir != "asc" && dir != "desc") return absl::InvalidArgumentError("order[1] is ASC or DESC");
      q.ascending = dir == "asc";
    }
  }
  int64_t page = IntParam(params, "page").value_or(1);
  int64_t limit = IntParam(params, "limit").value_or(25);
  if (page < 1 || limit < 1 || limit > 1000 || page > 1000000) {
    return absl::InvalidArgumentError("page >= 1 and 1 <= limit <= 1000");
  }
  q.limit = static_cast<int>(limit);
  q.offset = (page - 1) * limit;
  return q;
}

json::object RenderField(const store::FieldDefinition& f, int order) {
  return json::object{{"isPublished", true},
                      {"dateAdded", nullptr},
                      {"createdBy", nullptr},
                      {"createdByUser", nullptr},
                      {"dateModified", nullptr},
                      {"modifiedBy", nullptr},
                      {"modifiedByUser", nullptr},
                      {"id", order},
                      {"label", f.label},
                      {"alias", f.alias},
                      {"type", f.type},
                      {"group", "core"},
                      {"order", order},
                      {"object", "lead"},
                      {"defaultValue", nullptr},
                      {"isRequired", false},
                      {"isPubliclyUpdatable", f.is_publicly_updatable},
                      {"isUniqueIdentifier", f.is_unique_identifier},
                      {"properties", json::array()}};
}

json::object RenderContact(const store::ContactRecord& c, const store::Workspace& ws) {
  json::object core;
  json::object all;
  all["id"] = c.id;
  int order = 0;
  for (const store::FieldDefinition& f : ws.fields) {
    ++order;
    const std::string* value = nullptr;
    for (const auto& [alias, v] : c.fields) {
      if (alias == f.alias) value = &v;
    }
    json::value v = value ? json::value(*value)
                          : (f.alias == "company" ? json::value(nullptr) : json::value(""));
    core[f.alias] = json::object{{"id", StrCat(order)},
                                 {"label", f.label},
                                 {"alias", f.alias},
                                 {"type", f.type},
                                 {"group", "core"},
                                 {"object", "lead"},
                                 {"is_fixed", "0"},
                                 {"properties", json::array()},
                                 {"default_value", nullptr},
                                 {"value", value ? json::value(*value) : json::value(nullptr)},
                                 {"normalizedValue", value ? json::value(*value) : json::value(nullptr)}};
    all[f.alias] = std::move(v);
  }
  all["points"] = 0;
  json::array tags;
  for (const std::string& t : c.tags) {
    tags.push_back(json::object{{"id", TagId(t)}, {"tag", t}, {"description", nullptr}});
  }
  return json::object{
      {"isPublished", true},
      {"dateAdded", MauticTime(c.created_at_us)},
      {"dateModified", MauticTime(c.modified_at_us)},
      {"createdBy", nullptr},
      {"createdByUser", nullptr},
      {"modifiedBy", nullptr},
      {"modifiedByUser", nullptr},
      {"id", c.id},
      {"points", 0},
      {"color", nullptr},
      {"fields", json::object{{"core", std::move(core)},
                              {"social", json::array()},
                              {"personal", json::array()},
                              {"professional", json::array()},
                              {"all", std::move(all)}}},
      {"lastActive", MauticTime(c.last_active_us)},
      {"owner", nullptr},
      {"ipAddresses", json::array()},
      {"tags", std::move(tags)},
      {"utmtags", json::array()},
      {"stage", nullptr},
      {"dateIdentified",
       c.identified_at_us ? json::value(MauticTime(c.identified_at_us)) : json::value(nullptr)},
      {"preferredProfileImage", "gravatar"},
      {"doNotContact", json::array()},
      {"frequencyRules", json::array()}};
}

json::object RenderContactList(const store::ContactPage& page, const store::Workspace& ws) {
  json::object contacts;
  for (const store::ContactRecord& c : page.contacts) {
    contacts[StrCat(c.id)] = RenderContact(c, ws);
  }
  // Mautic sends the total as a string, and an empty list as {}.
  return json::object{{"total", StrCat(page.total)}, {"contacts", std::move(contacts)}};
}

json::object RenderActivity(const store::ActivityPage& page, const store::ActivityQuery& q) {
  json::array events;
  json::object types;
  for (const store::ActivityRecord& a : page.events) {
    auto [key, label] = MauticEventType(a.type);
    types[key] = label;
    json::object details{{"type", a.type}, {"source", a.source}};
    auto put = [&details](const char* k, const std::string& v) {
      if (!v.empty()) details[k] = v;
    };
    put("name", a.name);
    put("url", a.url);
    put("title", a.title);
    put("referrer", a.referrer);
    put("channel", a.channel);
    put("utm_source", a.utm_source);
    put("utm_medium", a.utm_medium);
    put("utm_campaign", a.utm_campaign);
    put("utm_term", a.utm_term);
    put("utm_content", a.utm_content);
    if (!a.properties_json.empty()) {
      boost::system::error_code ec;
      json::value props = json::parse(a.properties_json, ec);
      if (!ec) details["properties"] = std::move(props);
    }
    std::string label_text = !a.utm_campaign.empty() ? a.utm_campaign
                             : !a.title.empty()      ? a.title
                             : !a.name.empty()       ? a.name
                                                     : label;
    events.push_back(json::object{{"event", key},
                                  {"eventId", a.event_id},
                                  {"eventLabel", label_text},
                                  {"eventType", label},
                                  {"timestamp", MauticTime(a.at_us)},
                                  {"contactId", a.contact_id},
                                  {"details", std::move(details)}});
  }
  int64_t max_pages = q.limit > 0 ? (page.total + q.limit - 1) / q.limit : 0;
  json::array include, exclude;
  for (const auto& t : q.include_types) include.emplace_back(t);
  for (const auto& t : q.exclude_types) exclude.emplace_back(t);
  return json::object{{"events", std::move(events)},
                      {"filters", json::object{{"search", q.text},
                                               {"includeEvents", std::move(include)},
                                               {"excludeEvents", std::move(exclude)}}},
                      {"order", json::array{"timestamp", q.ascending ? "ASC" : "DESC"}},
                      {"types", std::move(types)},
                      {"total", page.total},
                      {"page", q.limit > 0 ? q.offset / q.limit + 1 : 1},
                      {"limit", q.limit},
                      {"maxPages", max_pages}};
}

json::object RenderDevices(const std::vector<store::DeviceRecord>& devices, int64_t contact) {
  json::array out;
  for (const store::DeviceRecord& d : devices) {
    collect::DeviceInfo info = collect::ClassifyUserAgent(d.user_agent);
    out.push_back(json::object{{"id", d.device_id},
                               {"lead", contact},
                               {"clientInfo", json::object{{"type", "browser"},
                                                           {"name", info.browser},
                                                           {"userAgent", d.user_agent}}},
                               {"device", info.device_type},
                               {"deviceBrand", ""},
                               {"deviceModel", ""},
                               {"deviceOsName", info.os},
                               {"deviceOsShortName", ""},
                               {"deviceOsVersion", ""},
                               {"deviceOsPlatform", ""},
                               {"dateAdded", MauticTime(d.created_at_us)},
                               {"lastSeen", MauticTime(d.last_seen_us)}});
  }
  return json::object{{"total", static_cast<int64_t>(out.size())}, {"devices", std::move(out)}};
}

}  // namespace spoor::api
