#include "spoor/collect/channels.h"

#include <boost/json.hpp>
#include <re2/re2.h>

#include <array>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "spoor/common/status.h"

namespace spoor::collect {
namespace {

namespace json = boost::json;

constexpr size_t kMaxHostBytes = 253;          // RFC 1035 limit.
constexpr size_t kMaxJsonBytes = 4 << 20;      // Rules file size cap.
constexpr size_t kMaxNameBytes = 64;           // Channel and icon names.
constexpr size_t kMaxSourceIconBytes = 64;     // utm_source used as icon.

// A named list of hosts / sources. Entries are lowercase.
struct HostList {
  // "example.com": matches example.com and any subdomain of it. Bare names
  // ("facebook") only ever match a utm_source equal to them.
  absl::flat_hash_set<std::string> exact;
  // "google.*" stored as "google": matches google.<tld>, google.<sld>.<cc>
  // and their subdomains; as a utm_source, also the bare name "google".
  absl::flat_hash_set<std::string> any_tld;
};

struct Rule {
  std::string channel;
  std::string icon;
  bool icon_from_source = false;
  std::unique_ptr<RE2> medium_re;
  std::unique_ptr<RE2> source_re;
  std::unique_ptr<RE2> campaign_re;
  const HostList* source_list = nullptr;
  const HostList* referrer_list = nullptr;
  bool no_utm = false;
  bool has_utm = false;
  bool no_referrer = false;
  bool has_referrer = false;
};

// Per-call view of the input, normalized. Points into caller buffers.
struct Context {
  std::string_view source, medium, campaign;  // Trimmed, original case.
  std::string_view source_key;  // Lowercased; host if a URL; may be empty.
  std::string_view ref_host;    // Lowercased external referrer host or "".
  bool has_utm = false;
};

using HostBuffer = std::array<char, kMaxHostBytes + 1>;

// This Abseil build has its own absl::string_view (not std::string_view).
absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

struct ChannelRules::Impl {
  std::map<std::string, HostList, std::less<>> lists;  // Stable addresses.
  std::vector<Rule> rules;
  std::string fallback_channel;
  std::string fallback_icon;
};

namespace {

// ---------------------------------------------------------------------------
// Host helpers (no allocation).

// Lowercases `in` into `buf`; returns "" when it does not fit.
std::string_view LowerInto(std::string_view in, HostBuffer& buf) {
  if (in.size() > kMaxHostBytes) return {};
  for (size_t i = 0; i < in.size(); ++i) buf[i] = absl::ascii_tolower(in[i]);
  return std::string_view(buf.data(), in.size());
}

// True when s[0, end) is a URL scheme: ALPHA *( ALPHA / DIGIT / + - . ).
bool IsScheme(std::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// Host part of a URL or of a bare "host[:port][/path]"; original case.
std::string_view ExtractHost(std::string_view s) {
  s = TrimAscii(s);
  size_t sep = s.find("://");
  if (sep != std::string_view::npos && IsScheme(s.substr(0, sep))) {
    s.remove_prefix(sep + 3);
  } else if (s.starts_with("//")) {
    s.remove_prefix(2);
  }
  s = s.substr(0, s.find_first_of("/?#"));
  if (size_t at = s.rfind('@'); at != std::string_view::npos) {
    s.remove_prefix(at + 1);
  }
  if (!s.empty() && s.front() == '[') {  // IPv6 literal.
    size_t close = s.find(']');
    s = close == std::string_view::npos ? s.substr(1) : s.substr(1, close - 1);
  } else {
    s = s.substr(0, s.find(':'));
  }
  while (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

// Extracts and lowercases a host into `buf`.
std::string_view NormalizeHost(std::string_view raw, HostBuffer& buf) {
  return LowerInto(ExtractHost(raw), buf);
}

bool IsSubdomainOf(std::string_view host, std::string_view parent) {
  return host.size() > parent.size() && host.ends_with(parent) &&
         host[host.size() - parent.size() - 1] == '.';
}

std::string_view StripWww(std::string_view host) {
  if (host.starts_with("www.")) host.remove_prefix(4);
  return host;
}

// Same site: equal (ignoring "www.") or the referrer is a subdomain of the
// page's host. Both arguments are lowercase hosts.
bool IsSameSite(std::string_view ref_host, std::string_view page_host) {
  if (page_host.empty()) return false;
  ref_host = StripWww(ref_host);
  page_host = StripWww(page_host);
  return ref_host == page_host || IsSubdomainOf(ref_host, page_host);
}

// True if `host` or one of its parent domains is in `set`.
bool SuffixIn(const absl::flat_hash_set<std::string>& set,
              std::string_view host) {
  while (!host.empty()) {
    if (set.contains(Av(host))) return true;
    size_t dot = host.find('.');
    if (dot == std::string_view::npos) return false;
    host.remove_prefix(dot + 1);
  }
  return false;
}

// A two-label public suffix we accept for "name.*": "co.uk", "com.au".
bool IsCountrySecondLevel(std::string_view sld, std::string_view cc) {
  return sld.size() >= 2 && sld.size() <= 3 && cc.size() == 2 &&
         absl::ascii_isalpha(cc[0]) && absl::ascii_isalpha(cc[1]);
}

// Matches "name.*" entries: host = [sub.]name.<tld> or [sub.]name.<sld>.<cc>.
bool AnyTldMatch(const HostList& list, std::string_view host) {
  if (list.any_tld.empty()) return false;
  size_t last = host.rfind('.');
  if (last == std::string_view::npos || last == 0) return false;
  // One-label suffix: "google.fr".
  if (SuffixIn(list.any_tld, host.substr(0, last))) return true;
  size_t prev = host.rfind('.', last - 1);
  if (prev == std::string_view::npos || prev == 0) return false;
  std::string_view sld = host.substr(prev + 1, last - prev - 1);
  if (!IsCountrySecondLevel(sld, host.substr(last + 1))) return false;
  // Two-label suffix: "google.co.uk".
  return SuffixIn(list.any_tld, host.substr(0, prev));
}

bool HostInList(const HostList& list, std::string_view host) {
  return !host.empty() &&
         (SuffixIn(list.exact, host) || AnyTldMatch(list, host));
}

bool SourceInList(const HostList& list, std::string_view source_key) {
  if (source_key.empty()) return false;
  return list.any_tld.contains(Av(source_key)) || HostInList(list, source_key);
}

// utm_source as a CSS icon name: [a-z0-9._-]{1,64}, else "".
std::string SourceIcon(std::string_view source) {
  if (source.empty() || source.size() > kMaxSourceIconBytes) return {};
  std::string icon(source);
  for (char& c : icon) {
    c = absl::ascii_tolower(c);
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return {};
  }
  return icon;
}

// ---------------------------------------------------------------------------
// Matching.

bool RegexOk(const std::unique_ptr<RE2>& re, std::string_view text) {
  return re == nullptr || RE2::PartialMatch(text, *re);
}

bool Matches(const Rule& rule, const Context& ctx) {
  if (rule.no_utm && ctx.has_utm) return false;
  if (rule.has_utm && !ctx.has_utm) return false;
  if (rule.no_referrer && !ctx.ref_host.empty()) return false;
  if (rule.has_referrer && ctx.ref_host.empty()) return false;
  if (!RegexOk(rule.medium_re, ctx.medium)) return false;
  if (!RegexOk(rule.source_re, ctx.source)) return false;
  if (!RegexOk(rule.campaign_re, ctx.campaign)) return false;
  if (rule.source_list != nullptr &&
      !SourceInList(*rule.source_list, ctx.source_key)) {
    return false;
  }
  return rule.referrer_list == nullptr ||
         HostInList(*rule.referrer_list, ctx.ref_host);
}

// ---------------------------------------------------------------------------
// Parsing.

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("channel rules: ", Av(where), ": ", Av(what)));
}

// Validates and adds one list entry ("example.com", "google.*", "facebook").
absl::Status AddListEntry(const json::value& v, const std::string& where,
                          HostList& list) {
  const json::string* s = v.if_string();
  if (s == nullptr) return Invalid(where, "must be a string");
  std::string entry = absl::AsciiStrToLower(Av(*s));
  bool any_tld = std::string_view(entry).ends_with(".*");
  if (any_tld) entry.resize(entry.size() - 2);
  std::string_view e = entry;
  if (e.empty() || e.size() > kMaxHostBytes || e.front() == '.' ||
      e.back() == '.') {
    return Invalid(where, absl::StrCat("bad entry \"", Av(*s), "\""));
  }
  for (char c : e) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_') {
      return Invalid(where, absl::StrCat("bad character in \"", Av(*s), "\""));
    }
  }
  (any_tld ? list.any_tld : list.exact).insert(std::move(entry));
  return absl::OkStatus();
}

absl::Status ParseLists(const json::value* v, ChannelRules::Impl& impl) {
  if (v == nullptr) return absl::OkStatus();
  const json::object* obj = v->if_object();
  if (obj == nullptr) return Invalid("lists", "must be an object");
  for (const auto& [key, val] : *obj) {
    std::string name(key);
    std::string where = absl::StrCat("lists.", name);
    const json::array* arr = val.if_array();
    if (arr == nullptr) return Invalid(where, "must be an array of strings");
    HostList& list = impl.lists[name];
    for (size_t i = 0; i < arr->size(); ++i) {
      SPOOR_RETURN_IF_ERROR(
          AddListEntry((*arr)[i], absl::StrCat(where, "[", i, "]"), list));
    }
  }
  return absl::OkStatus();
}

absl::Status CompileRegex(const json::value& v, const std::string& where,
                          std::unique_ptr<RE2>& out) {
  const json::string* s = v.if_string();
  if (s == nullptr) return Invalid(where, "must be a string");
  RE2::Options options;
  options.set_case_sensitive(false);  // Same as a leading (?i).
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(std::string_view(*s), options);
  if (!re->ok()) {
    return Invalid(where, absl::StrCat("invalid regex: ", re->error()));
  }
  out = std::move(re);
  return absl::OkStatus();
}

absl::Status ResolveList(const json::value& v, const std::string& where,
                         const ChannelRules::Impl& impl, const HostList*& out) {
  const json::string* s = v.if_string();
  if (s == nullptr) return Invalid(where, "must be a list name (string)");
  auto it = impl.lists.find(std::string_view(*s));
  if (it == impl.lists.end()) {
    return Invalid(where, absl::StrCat("unknown list \"", Av(*s), "\""));
  }
  out = &it->second;
  return absl::OkStatus();
}

absl::Status RequireTrue(const json::value& v, const std::string& where,
                         bool& out) {
  const bool* b = v.if_bool();
  if (b == nullptr || !*b) return Invalid(where, "must be true");
  out = true;
  return absl::OkStatus();
}

absl::Status ParseCondition(std::string_view key, const json::value& v,
                            const std::string& where,
                            const ChannelRules::Impl& impl, Rule& rule) {
  if (key == "medium_regex") return CompileRegex(v, where, rule.medium_re);
  if (key == "source_regex") return CompileRegex(v, where, rule.source_re);
  if (key == "campaign_regex") return CompileRegex(v, where, rule.campaign_re);
  if (key == "source_in") return ResolveList(v, where, impl, rule.source_list);
  if (key == "referrer_host_in") {
    return ResolveList(v, where, impl, rule.referrer_list);
  }
  if (key == "no_utm") return RequireTrue(v, where, rule.no_utm);
  if (key == "has_utm") return RequireTrue(v, where, rule.has_utm);
  if (key == "no_referrer") return RequireTrue(v, where, rule.no_referrer);
  if (key == "has_referrer") return RequireTrue(v, where, rule.has_referrer);
  return Invalid(where, "unknown condition");
}

absl::Status ParseWhen(const json::value* v, const std::string& where,
                       const ChannelRules::Impl& impl, Rule& rule) {
  if (v == nullptr) return Invalid(where, "missing \"when\"");
  const json::object* obj = v->if_object();
  if (obj == nullptr) return Invalid(where, "must be an object");
  size_t conditions = 0;
  for (const auto& [key, val] : *obj) {
    std::string_view k = key;
    if (k.starts_with("_")) continue;  // Comments.
    SPOOR_RETURN_IF_ERROR(
        ParseCondition(k, val, absl::StrCat(where, ".", Av(k)), impl, rule));
    ++conditions;
  }
  if (conditions == 0) return Invalid(where, "needs at least one condition");
  if ((rule.no_utm && rule.has_utm) ||
      (rule.no_referrer && rule.has_referrer) ||
      (rule.no_referrer && rule.referrer_list != nullptr)) {
    return Invalid(where, "contradictory conditions");
  }
  return absl::OkStatus();
}

// A channel or icon name: non-empty printable string of bounded size.
absl::Status ParseName(const json::object& obj, std::string_view field,
                       const std::string& where, std::string& out) {
  const json::value* v = obj.if_contains(field);
  const json::string* s = v == nullptr ? nullptr : v->if_string();
  if (s == nullptr || s->empty() || s->size() > kMaxNameBytes) {
    return Invalid(absl::StrCat(where, ".", Av(field)),
                   absl::StrCat("must be a string of 1..", kMaxNameBytes,
                                " bytes"));
  }
  out.assign(s->data(), s->size());
  return absl::OkStatus();
}

absl::Status CheckKeys(const json::object& obj, const std::string& where,
                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, val] : obj) {
    std::string_view k = key;
    if (k.starts_with("_")) continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || a == k;
    if (!known) {
      return Invalid(absl::StrCat(where, ".", Av(k)), "unknown field");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseRule(const json::value& v, size_t index,
                       const ChannelRules::Impl& impl, Rule& rule) {
  std::string where = absl::StrCat("rules[", index, "]");
  const json::object* obj = v.if_object();
  if (obj == nullptr) return Invalid(where, "must be an object");
  SPOOR_RETURN_IF_ERROR(
      CheckKeys(*obj, where, {"channel", "icon", "icon_from_source", "when"}));
  SPOOR_RETURN_IF_ERROR(ParseName(*obj, "channel", where, rule.channel));
  SPOOR_RETURN_IF_ERROR(ParseName(*obj, "icon", where, rule.icon));
  if (const json::value* f = obj->if_contains("icon_from_source")) {
    if (!f->is_bool()) {
      return Invalid(where + ".icon_from_source", "must be a boolean");
    }
    rule.icon_from_source = f->get_bool();
  }
  return ParseWhen(obj->if_contains("when"), where + ".when", impl, rule);
}

absl::Status ParseRules(const json::value* v, ChannelRules::Impl& impl) {
  const json::array* arr = v == nullptr ? nullptr : v->if_array();
  if (arr == nullptr || arr->empty()) {
    return Invalid("rules", "must be a non-empty array");
  }
  impl.rules.resize(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    SPOOR_RETURN_IF_ERROR(ParseRule((*arr)[i], i, impl, impl.rules[i]));
  }
  return absl::OkStatus();
}

absl::Status ParseFallback(const json::value* v, ChannelRules::Impl& impl) {
  const json::object* obj = v == nullptr ? nullptr : v->if_object();
  if (obj == nullptr) {
    return Invalid("fallback", "must be an object {channel, icon}");
  }
  SPOOR_RETURN_IF_ERROR(CheckKeys(*obj, "fallback", {"channel", "icon"}));
  SPOOR_RETURN_IF_ERROR(
      ParseName(*obj, "channel", "fallback", impl.fallback_channel));
  return ParseName(*obj, "icon", "fallback", impl.fallback_icon);
}

absl::Status ParseDocument(std::string_view text, ChannelRules::Impl& impl) {
  if (text.size() > kMaxJsonBytes) return Invalid("document", "too large");
  boost::system::error_code ec;
  json::value doc =
      json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return Invalid("document", absl::StrCat("bad JSON: ", ec.message()));
  const json::object* root = doc.if_object();
  if (root == nullptr) return Invalid("document", "must be a JSON object");
  SPOOR_RETURN_IF_ERROR(
      CheckKeys(*root, "document", {"version", "lists", "rules", "fallback"}));
  if (const json::value* ver = root->if_contains("version")) {
    if (!ver->is_int64() || ver->get_int64() != 1) {
      return Invalid("version", "unsupported (expected 1)");
    }
  }
  SPOOR_RETURN_IF_ERROR(ParseLists(root->if_contains("lists"), impl));
  SPOOR_RETURN_IF_ERROR(ParseRules(root->if_contains("rules"), impl));
  return ParseFallback(root->if_contains("fallback"), impl);
}

}  // namespace

ChannelRules::ChannelRules(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

ChannelRules::~ChannelRules() = default;

absl::StatusOr<std::unique_ptr<ChannelRules>> ChannelRules::FromJson(
    std::string_view json) {
  auto impl = std::make_unique<Impl>();
  SPOOR_RETURN_IF_ERROR(ParseDocument(json, *impl));
  return std::unique_ptr<ChannelRules>(new ChannelRules(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<ChannelRules>> ChannelRules::FromFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("channel rules: cannot open ", path));
  }
  std::string text;
  char chunk[8192];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxJsonBytes) {
      return Invalid(path, "too large");
    }
  }
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("channel rules: error reading ", path));
  }
  return FromJson(text);
}

ChannelResult ChannelRules::Classify(const ChannelInput& in) const {
  HostBuffer source_buf, ref_buf, page_buf;
  Context ctx;
  ctx.source = TrimAscii(in.utm_source);
  ctx.medium = TrimAscii(in.utm_medium);
  ctx.campaign = TrimAscii(in.utm_campaign);
  ctx.has_utm = !ctx.source.empty() || !ctx.medium.empty() ||
                !ctx.campaign.empty();
  bool source_is_url = ctx.source.find_first_of("/:") != std::string_view::npos;
  ctx.source_key = source_is_url ? NormalizeHost(ctx.source, source_buf)
                                 : LowerInto(ctx.source, source_buf);
  std::string_view ref = NormalizeHost(in.referrer, ref_buf);
  if (!IsSameSite(ref, NormalizeHost(in.page_host, page_buf))) {
    ctx.ref_host = ref;
  }
  for (const Rule& rule : impl_->rules) {
    if (!Matches(rule, ctx)) continue;
    ChannelResult result{rule.channel, {}};
    if (rule.icon_from_source) result.icon = SourceIcon(ctx.source);
    if (result.icon.empty()) result.icon = rule.icon;
    return result;
  }
  return ChannelResult{impl_->fallback_channel, impl_->fallback_icon};
}

}  // namespace spoor::collect
