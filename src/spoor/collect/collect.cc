#include "spoor/collect/collect.h"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>

#include "absl/strings/numbers.h"

#include <boost/json.hpp>

#include "spoor/collect/php_serialize.h"
#include "spoor/common/ids.h"
#include "spoor/common/signed_token.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::collect {
namespace {

// Parameters with a meaning of their own; anything else that is not a field
// is kept as an event property.
const absl::flat_hash_set<std::string>& KnownParams() {
  static const auto* known = new absl::flat_hash_set<std::string>{
      "page_url", "page_title", "page_referrer", "referrer", "page_language", "language",
      "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "tags", "d", "eid",
      "mautic_device_id", "mtc_id", "ct", "url", "title", "mt_type", "event_name",
      "event_properties"};
  return *known;
}

// Sets key=value unless the key is present (or replaces it when `override`).
void Merge(Params& params, std::string key, std::string value, bool override) {
  for (auto& [k, v] : params) {
    if (k == key) {
      if (override) v = std::move(value);
      return;
    }
  }
  params.emplace_back(std::move(key), std::move(value));
}

std::string Clean(std::string_view value, size_t max_bytes) {
  return TruncateUtf8(TrimAscii(value), max_bytes);
}

// ParamOr's value, moved out of `params`.
std::string TakeParamOr(Params& params, std::string_view a, std::string_view b) {
  for (std::string_view name : {a, b}) {
    if (name.empty()) continue;
    for (auto& [k, v] : params) {
      if (k != name) continue;
      if (v.empty() && name == a) break;  // an empty `a` defers to `b`
      return std::move(v);
    }
  }
  return {};
}

const std::string& ParamOr(const Params& params, std::string_view a, std::string_view b) {
  static const std::string kEmpty;
  if (const std::string* v = FindParam(params, a); v && !v->empty()) return *v;
  if (!b.empty()) {
    if (const std::string* v = FindParam(params, b)) return *v;
  }
  return kEmpty;
}

std::string AnonymizeIp(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    size_t dot = ip.rfind('.');
    return ip.substr(0, dot) + ".0";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    for (int i = 6; i < 16; ++i) v6.s6_addr[i] = 0;
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &v6, buf, sizeof(buf))) return buf;
  }
  return "";
}

bool LooksLikeEmail(std::string_view v) {
  size_t at = v.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < v.size() && v.size() <= 254 &&
         v.find_first_of(" <>\"") == std::string_view::npos;
}

// Validates a custom event's properties: a JSON object within the limits.
absl::StatusOr<std::string> ValidProperties(std::string_view text, const CollectLimits& limits) {
  if (text.size() > limits.max_event_properties_bytes) {
    return absl::InvalidArgumentError("event_properties: too large");
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_event_properties_depth;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec || !v.is_object()) {
    return absl::InvalidArgumentError("event_properties: not a JSON object (or nested too deep)");
  }
  return boost::json::serialize(v);
}

}  // namespace

const WorkspaceView* CollectConfig::Find(std::string_view uuid) const {
  for (const WorkspaceView& ws : workspaces) {
    if (uuid.empty() ? ws.is_default : ws.uuid == uuid) return &ws;
  }
  return nullptr;
}

absl::StatusOr<IpRange> ParseIpRange(std::string_view text) {
  std::string s(TrimAscii(text));
  IpRange range;
  size_t slash = s.find('/');
  std::string addr = s.substr(0, slash);
  if (inet_pton(AF_INET, addr.c_str(), range.addr.data()) == 1) {
    range.v4 = true;
    range.prefix_bits = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), range.addr.data()) == 1) {
    range.prefix_bits = 128;
  } else {
    return absl::InvalidArgumentError(StrCat("not an IP address or network: ", s));
  }
  if (slash != std::string::npos) {
    std::string bits = s.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), ::isdigit) ||
        std::stoi(bits) > range.prefix_bits) {
      return absl::InvalidArgumentError(StrCat("bad prefix length in ", s));
    }
    range.prefix_bits = std::stoi(bits);
  }
  return range;
}

bool IpInRange(std::string_view ip, const IpRange& range) {
  std::array<uint8_t, 16> a{};
  std::string s(ip);
  if (range.v4 ? inet_pton(AF_INET, s.c_str(), a.data()) != 1
               : inet_pton(AF_INET6, s.c_str(), a.data()) != 1) {
    return false;
  }
  int bits = range.prefix_bits;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (range.addr[i] & mask)) return false;
  }
  return true;
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view part = TrimAscii(header.substr(0, semi));
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      std::string_view value = part.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

absl::StatusOr<Params> HitParams(const HitRequest& request, const CollectLimits& limits) {
  SPOOR_ASSIGN_OR_RETURN(Params params, ParseQuery(request.query, limits.query));
  if (!request.body.empty()) {
    SPOOR_ASSIGN_OR_RETURN(Params body, ParseQuery(request.body, limits.query));
    for (auto& [k, v] : body) Merge(params, std::move(k), std::move(v), /*override=*/true);
  }
  const std::string* d = FindParam(params, "d");
  if (d != nullptr && !d->empty() && FindParam(params, "page_url") == nullptr) {
    auto decoded = DecodeTrackingPayload(*d);
    if (!decoded.ok()) {
      return absl::InvalidArgumentError(StrCat("d: ", ToStd(decoded.status().message())));
    }
    for (auto& [k, v] : *decoded) Merge(params, RepairUtf8(k), RepairUtf8(v), false);
  }
  if (params.size() > limits.query.max_params) {
    return absl::InvalidArgumentError("too many parameters");
  }
  const std::string* page_url = FindParam(params, "page_url");
  size_t q = page_url ? page_url->find('?') : std::string::npos;
  if (q != std::string::npos) {
    std::string_view query(*page_url);
    query = query.substr(q + 1, query.find('#', q) - q - 1);
    QueryLimits lifted_limits = limits.query;
    auto lifted = ParseQuery(query, lifted_limits);
    if (lifted.ok()) {
      for (auto& [k, v] : *lifted) {
        if (params.size() >= limits.query.max_params) break;
        Merge(params, AsciiLower(k), std::move(v), false);
      }
    }
  }
  return params;
}

void ParseTags(std::string_view value, const CollectLimits& limits, std::vector<std::string>& add,
               std::vector<std::string>& remove) {
  while (!value.empty() && add.size() + remove.size() < limits.max_tags) {
    size_t comma = value.find(',');
    std::string_view tag = TrimAscii(value.substr(0, comma));
    bool minus = !tag.empty() && tag.front() == '-';
    if (minus) tag = TrimAscii(tag.substr(1));
    if (!tag.empty()) {
      std::string clean = TruncateUtf8(tag, limits.max_tag_bytes);
      (minus ? remove : add).push_back(std::move(clean));
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

std::string UrlHost(std::string_view s) {
  size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  s = s.substr(0, s.find_first_of("/?#"));
  size_t at = s.rfind('@');
  if (at != std::string_view::npos) s.remove_prefix(at + 1);
  if (!s.empty() && s.front() != '[') s = s.substr(0, s.find(':'));
  return AsciiLower(s);
}

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& domains) {
  if (origin.empty() || origin == "null") return false;
  std::string lower = AsciiLower(origin);
  for (const std::string& domain : domains) {
    std::string pattern = AsciiLower(domain);
    while (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
    if (pattern == lower) return true;
    if (pattern.find('*') != std::string::npos &&
        fnmatch(pattern.c_str(), lower.c_str(), FNM_CASEFOLD) == 0) {
      return true;
    }
  }
  return false;
}

Collector::Collector(const BotDetector* bots, IdentityCache& identities,
                     ContactIdAllocator& contact_ids, Counters& counters, const Clock& clock,
                     CollectLimits limits)
    : bots_(bots),
      identities_(identities),
      contact_ids_(contact_ids),
      counters_(counters),
      clock_(clock),
      limits_(limits) {}

std::string Collector::SkipReason(const HitRequest& request, const WorkspaceView& ws) const {
  if (request.user_session) return "admin";
  if (request.method == "HEAD") return "head_request";
  if (request.purpose.find("prefetch") != std::string_view::npos ||
      request.purpose.find("prerender") != std::string_view::npos) {
    return "prefetch";
  }
  if (bots_ != nullptr && !bots_->Classify(request.user_agent).empty()) return "bot";
  for (const IpRange& range : ws.excluded_ips) {
    if (IpInRange(request.client_ip, range)) return "excluded_ip";
  }
  if (ws.honor_do_not_track && (TrimAscii(request.dnt) == "1" || TrimAscii(request.sec_gpc) == "1")) {
    return "do_not_track";
  }
  return "";
}

absl::Status Collector::Identify(const Params& params, const HitRequest& request,
                                 const WorkspaceView& ws, HitOutcome& out) const {
  std::string_view device = CookieValue(request.cookie, "mautic_device_id");
  if (device.empty()) {
    if (const std::string* p = FindParam(params, "mautic_device_id")) device = *p;
  }
  if (!device.empty() && IsWellFormedDeviceId(device)) {
    if (std::optional<uint64_t> contact = identities_.Find(device, ws.id)) {
      out.device_id = std::string(device);
      out.contact_id = *contact;
      return absl::OkStatus();
    }
    counters_.Add("identity", "unknown_device_id");
  }
  SPOOR_ASSIGN_OR_RETURN(out.contact_id, contact_ids_.Next());
  out.device_id = NewDeviceId();
  out.new_device = true;
  identities_.Put(out.device_id, ws.id, out.contact_id);
  counters_.Add("identity", "new_device");
  return absl::OkStatus();
}

absl::Status Collector::FillEvent(Params& params, const HitRequest& request,
                                  const WorkspaceView& ws, Event& e) const {
  std::string eid = TakeParamOr(params, "eid", "");
  if (IsAcceptableClientEventId(eid)) e.id = std::move(eid);
  else e.id = NewEventId(e.received_at_us);
  e.url = TakeParamOr(params, "page_url", "url");
  if (e.url.empty()) e.url = request.referer;
  TrimAndTruncateUtf8(e.url, limits_.max_url_bytes);
  auto take = [&params](std::string& to, std::string_view a, std::string_view b, size_t max) {
    to = TakeParamOr(params, a, b);
    TrimAndTruncateUtf8(to, max);
  };
  take(e.title, "page_title", "title", limits_.max_title_bytes);
  take(e.referrer, "page_referrer", "referrer", limits_.max_url_bytes);
  take(e.language, "page_language", "language", 35);
  take(e.utm.source, "utm_source", "", 255);
  take(e.utm.medium, "utm_medium", "", 255);
  take(e.utm.campaign, "utm_campaign", "", 255);
  take(e.utm.term, "utm_term", "", 255);
  take(e.utm.content, "utm_content", "", 255);
  if (const std::string* tags = FindParam(params, "tags")) {
    ParseTags(*tags, limits_, e.tags_add, e.tags_remove);
  }
  for (const auto& [key, value] : params) {
    // One hash for both lookups (the sets share their hasher).
    const size_t hash = ws.all_fields.hash_function()(ToAbsl(key));
    if (ws.all_fields.find(ToAbsl(key), hash) != ws.all_fields.end()) {
      if (!ws.public_fields.contains(ToAbsl(key))) {
        // Never applied to the contact; kept on the event, as Mautic keeps
        // the whole hit query.
        counters_.Add("fields_ignored", "not_publicly_updatable");
        if (e.properties.size() < limits_.max_properties) {
          e.properties.emplace_back(key, TruncateUtf8(value, limits_.max_property_bytes));
        }
      } else if (key == "email" && !LooksLikeEmail(TrimAscii(value))) {
        if (!TrimAscii(value).empty()) counters_.Add("fields_ignored", "invalid_email");
      } else if (!TrimAscii(value).empty()) {
        std::string v = Clean(value, limits_.max_field_bytes);
        if (key == "email") v = AsciiLower(v);
        e.fields.emplace_back(key, std::move(v));
      }
    } else if (KnownParams().find(ToAbsl(key), hash) == KnownParams().end() &&
               !key.starts_with("utm_")) {
      if (e.properties.size() < limits_.max_properties && key.size() <= 64) {
        e.properties.emplace_back(key, TruncateUtf8(value, limits_.max_property_bytes));
      } else {
        counters_.Add("collect_truncated", "properties");
      }
    }
  }
  e.ip = ws.anonymize_ip ? AnonymizeIp(request.client_ip) : request.client_ip;
  e.user_agent = TruncateUtf8(request.user_agent, 512);
  return absl::OkStatus();
}

Event Collector::NewEvent(EventType type, const WorkspaceView& ws, const HitOutcome& who) const {
  Event e;
  e.workspace_id = ws.id;
  e.received_at_us = clock_.NowMicros();
  e.id = NewEventId(e.received_at_us);
  e.type = type;
  e.source = EventSource::kJs;
  e.contact_id = who.contact_id;
  e.device_id = who.device_id;
  e.new_device = who.new_device;
  return e;
}

FormOutcome Collector::HandleForm(const HitRequest& request, const WorkspaceView& ws) const {
  FormOutcome out;
  for (const IpRange& range : ws.excluded_ips) {
    if (IpInRange(request.client_ip, range)) out.hit.skip_reason = "excluded_ip";
  }
  if (request.user_session) {
    out.hit.skip_reason = "admin";
    counters_.Add("collect_skipped", "admin");
  }
  absl::StatusOr<Params> params = ParseQuery(request.query, limits_.query);
  if (params.ok() && !request.body.empty()) {
    absl::StatusOr<Params> body =
        request.content_type.find("json") != std::string_view::npos
            ? JsonBodyToParams(request.body, limits_.query)
            : ParseQuery(request.body, limits_.query);
    if (!body.ok()) params = body.status();
    else for (auto& kv : *body) params->push_back(std::move(kv));
  }
  if (!params.ok()) {
    counters_.Add("collect_rejected", "bad_form_body");
    out.hit.problem = params.status();
    return out;
  }
  const std::string* id_text = FindParam(*params, "mauticform[formId]");
  if (id_text == nullptr) id_text = FindParam(*params, "formId");
  int64_t form_id = 0;
  if (id_text == nullptr || !absl::SimpleAtoi(ToAbsl(*id_text), &form_id)) return out;
  auto it = ws.forms.find(form_id);
  if (it == ws.forms.end()) return out;
  out.form = &it->second;
  out.submission = ReadSubmission(*out.form, *params);
  if (!out.submission.errors.empty() || !out.hit.skip_reason.empty()) return out;
  if (absl::Status s = Identify(*params, request, ws, out.hit); !s.ok()) {
    out.hit.problem = s;
    return out;
  }
  Event e = NewEvent(EventType::kFormSubmit, ws, out.hit);
  e.url = Clean(ParamOr(*params, "page_url", ""), limits_.max_url_bytes);
  if (e.url.empty()) e.url = Clean(request.referer, limits_.max_url_bytes);
  e.name = out.form->name;
  boost::json::object values;
  for (const auto& [alias, value] : out.submission.values) {
    values[alias] = value;
    for (const FormField& f : out.form->fields) {
      if (f.alias == alias && !f.contact_field.empty()) e.fields.emplace_back(f.contact_field, value);
    }
  }
  for (const std::string& consent : out.form->consents) {
    e.fields.emplace_back(StrCat("consent_", consent), "1");
  }
  e.tags_add = out.form->add_tags;
  e.tags_remove = out.form->remove_tags;
  e.properties_json = boost::json::serialize(
      boost::json::object{{"form_id", form_id}, {"form", out.form->name}, {"values", values}});
  e.ip = ws.anonymize_ip ? AnonymizeIp(request.client_ip) : request.client_ip;
  e.user_agent = TruncateUtf8(request.user_agent, 512);
  if (absl::Status s = ReserveSpareContact(ws, e); !s.ok()) {
    out.hit.problem = s;
    return out;
  }
  out.hit.event = std::move(e);
  return out;
}

namespace {

bool AcceptableApiDeviceId(std::string_view id) {
  return id.size() >= 8 && IsAcceptableClientEventId(id);
}

EventType ApiEventType(std::string_view type) {
  if (type == "page_view") return EventType::kPageView;
  if (type == "identify") return EventType::kIdentify;
  return EventType::kCustom;
}

}  // namespace

absl::StatusOr<std::vector<Event>> Collector::ApiEvents(const ParsedEvents& parsed, ApiAuth auth,
                                                        const HitRequest& request,
                                                        const WorkspaceView& ws) const {
  std::vector<Event> out;
  out.reserve(parsed.events.size());
  const int64_t now = clock_.NowMicros();
  for (size_t i = 0; i < parsed.events.size(); ++i) {
    const ApiEvent& a = parsed.events[i];
    Event e;
    e.workspace_id = ws.id;
    e.received_at_us = now;
    e.id = a.event_id.empty() ? NewEventId(now) : a.event_id;
    e.type = ApiEventType(a.type);
    e.source = EventSource::kApi;
    e.name = a.name;
    e.client_time_us = a.timestamp_us;
    e.url = a.url;
    e.title = a.title;
    e.referrer = a.referrer;
    e.properties_json = a.properties_json;
    e.user_id = a.user_id;
    for (const auto& [key, value] : a.traits) {
      bool allowed = auth == ApiAuth::kBearer ? ws.all_fields.contains(ToAbsl(key))
                                              : ws.public_fields.contains(ToAbsl(key));
      if (!allowed) {
        counters_.Add("fields_ignored", "not_publicly_updatable");
        continue;
      }
      e.fields.emplace_back(key, key == "email" ? AsciiLower(value) : value);
    }
    if (!a.device_id.empty()) {
      if (!AcceptableApiDeviceId(a.device_id)) {
        return absl::InvalidArgumentError(StrCat("[", i, "].device_id: 8 to 64 of [A-Za-z0-9._:-]"));
      }
      e.device_id = a.device_id;
      if (std::optional<uint64_t> c = identities_.Find(a.device_id, ws.id)) {
        e.contact_id = *c;
      } else {
        SPOOR_ASSIGN_OR_RETURN(e.contact_id, contact_ids_.Next());
        identities_.Put(a.device_id, ws.id, e.contact_id);
        e.new_device = true;
      }
    }
    if (e.contact_id == 0) {
      SPOOR_ASSIGN_OR_RETURN(e.spare_contact_id, contact_ids_.Next());
    } else {
      SPOOR_RETURN_IF_ERROR(ReserveSpareContact(ws, e));
    }
    e.ip = ws.anonymize_ip ? AnonymizeIp(request.client_ip) : request.client_ip;
    e.user_agent = TruncateUtf8(request.user_agent, 512);
    out.push_back(std::move(e));
  }
  return out;
}

HitOutcome Collector::LinkClick(std::string_view link_id, const std::string& url,
                                const HitRequest& request, const WorkspaceView& ws,
                                const std::array<uint8_t, 32>& key) const {
  HitOutcome out;
  out.skip_reason = SkipReason(request, ws);
  if (!out.skip_reason.empty()) {
    counters_.Add("collect_skipped", out.skip_reason);
    return out;
  }
  absl::StatusOr<Params> params = ParseQuery(request.query, limits_.query);
  if (!params.ok()) params = Params{};
  bool has_cookie = !CookieValue(request.cookie, "mautic_device_id").empty();
  const std::string* ct = FindParam(*params, "ct");
  std::optional<uint64_t> token_contact;
  if (ct != nullptr && ws.track_by_tracking_url && !has_cookie) {
    absl::StatusOr<ContactToken> token = VerifyContactToken(key, *ct, clock_.NowMicros() / 1000000);
    if (token.ok() && token->workspace_id == ws.id) {
      token_contact = token->contact_id;
    } else {
      counters_.Add("identity", "bad_contact_token");
    }
  }
  if (token_contact) {
    out.device_id = NewDeviceId();
    out.contact_id = *token_contact;
    out.new_device = true;
    identities_.Put(out.device_id, ws.id, out.contact_id);
    counters_.Add("identity", "by_tracking_url");
  } else if (absl::Status s = Identify(*params, request, ws, out); !s.ok()) {
    out.problem = s;
    return out;
  }
  Event e = NewEvent(EventType::kCustom, ws, out);
  e.name = "link_click";
  e.url = url;
  e.referrer = Clean(request.referer, limits_.max_url_bytes);
  e.properties_json = boost::json::serialize(boost::json::object{
      {"link_id", std::string(link_id)}, {"identified_by_token", token_contact.has_value()}});
  e.ip = ws.anonymize_ip ? AnonymizeIp(request.client_ip) : request.client_ip;
  e.user_agent = TruncateUtf8(request.user_agent, 512);
  out.event = std::move(e);
  return out;
}

absl::Status Collector::FillCustomEvent(const Params& params, Event& e) const {
  const std::string* type = FindParam(params, "mt_type");
  if (type == nullptr || *type == "pageview" || *type == "page_view") return absl::OkStatus();
  if (*type != "event") return absl::InvalidArgumentError("mt_type: unknown type");
  std::string name(TrimAscii(ParamOr(params, "event_name", "")));
  if (name.empty()) return absl::InvalidArgumentError("event_name: required for mt_type=event");
  if (name.size() > limits_.max_event_name_bytes) {
    return absl::InvalidArgumentError("event_name: too long");
  }
  e.type = EventType::kCustom;
  e.name = std::move(name);
  if (const std::string* props = FindParam(params, "event_properties"); props && !props->empty()) {
    SPOOR_ASSIGN_OR_RETURN(e.properties_json, ValidProperties(*props, limits_));
  }
  return absl::OkStatus();
}

absl::Status Collector::ReserveSpareContact(const WorkspaceView& ws, Event& e) const {
  for (const auto& [alias, value] : e.fields) {
    if (ws.unique_fields.contains(ToAbsl(alias))) {
      SPOOR_ASSIGN_OR_RETURN(e.spare_contact_id, contact_ids_.Next());
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

HitOutcome Collector::Handle(Endpoint endpoint, const HitRequest& request,
                             const WorkspaceView& ws) const {
  HitOutcome out;
  out.skip_reason = SkipReason(request, ws);
  if (!out.skip_reason.empty()) {
    counters_.Add("collect_skipped", out.skip_reason);
    return out;
  }
  absl::StatusOr<Params> params = HitParams(request, limits_);
  if (!params.ok()) {
    counters_.Add("collect_rejected", "bad_parameters");
    out.problem = params.status();
    return out;
  }
  if (absl::Status s = Identify(*params, request, ws, out); !s.ok()) {
    out.problem = s;
    return out;
  }
  // A known device's /mtc makes no event.
  if (endpoint == Endpoint::kMtcContact && !out.new_device) return out;
  // Built where it is handed over; taken back if the request turns out
  // to be a problem.
  Event& e = out.event.emplace();
  e.workspace_id = ws.id;
  e.received_at_us = clock_.NowMicros();
  e.contact_id = out.contact_id;
  e.device_id = out.device_id;
  e.new_device = out.new_device;
  if (endpoint == Endpoint::kMtcContact) {
    e.type = EventType::kDeviceCreated;
    e.id = NewEventId(e.received_at_us);
    e.user_agent = TruncateUtf8(request.user_agent, 512);
    return out;
  }
  e.type = EventType::kPageView;
  e.source = endpoint == Endpoint::kPixel ? EventSource::kPixel : EventSource::kJs;
  absl::Status s = FillEvent(*params, request, ws, e);
  if (s.ok()) {
    s = FillCustomEvent(*params, e);
    if (!s.ok()) counters_.Add("collect_rejected", "bad_custom_event");
  }
  if (s.ok()) s = ReserveSpareContact(ws, e);
  if (!s.ok()) {
    out.event.reset();
    out.problem = s;
  }
  return out;
}

}  // namespace spoor::collect
