#include "spoor/collect/events_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::collect {
namespace {

namespace json = boost::json;

// Containers around the properties object in the deepest legal body:
// envelope, batch array, item, properties.
constexpr size_t kLevelsAboveProperties = 4;
// Extra levels the parser allows, so that properties a little too deep get
// a message naming the item rather than "nested too deeply".
constexpr size_t kDepthSlack = 4;
// Caps the configured depth so that recursion over the tree stays shallow.
constexpr size_t kMaxConfigurableDepth = 64;
// Timestamps must be before 10000-01-01T00:00:00Z.
constexpr int64_t kMaxTimestampUs = 253402300800LL * 1000000;
constexpr int64_t kMicrosPerSecond = 1000000;
// Longest client key quoted back in an error message.
constexpr size_t kMaxKeyInMessage = 64;

// ---------------------------------------------------------------------------
// Error messages.

// "batch[3]" + "name" -> "batch[3].name"; "" + "name" -> "name".
std::string Where(std::string_view label, std::string_view field) {
  if (label.empty()) return field.empty() ? std::string("body") : std::string(field);
  if (field.empty()) return std::string(label);
  return StrCat(label, ".", field);
}

absl::Status Invalid(std::string_view label, std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(ToAbsl(StrCat(Where(label, field), ": ", what)));
}

std::string DurationText(int64_t us) {
  constexpr int64_t kMinute = 60 * kMicrosPerSecond;
  constexpr int64_t kHour = 60 * kMinute;
  auto unit = [](int64_t n, std::string_view name) {
    return StrCat(n, " ", name, n == 1 ? "" : "s");
  };
  if (us != 0 && us % kHour == 0) return unit(us / kHour, "hour");
  if (us != 0 && us % kMinute == 0) return unit(us / kMinute, "minute");
  if (us % kMicrosPerSecond == 0) return unit(us / kMicrosPerSecond, "second");
  return unit(us, "microsecond");
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

// ---------------------------------------------------------------------------
// UTF-8 and NUL checks over the parsed tree.

std::string_view View(json::string_view s) { return {s.data(), s.size()}; }

// Error text for an unacceptable object key, or nullptr.
const char* KeyProblem(json::string_view key) {
  if (View(key).find('\0') != std::string_view::npos) return "NUL character in a key";
  if (!IsValidUtf8(View(key))) return "invalid UTF-8 in a key";
  return nullptr;
}

// Rejects NUL characters and repairs invalid UTF-8 in every string value,
// rejects bad keys and non-finite numbers. Returns an error text or nullptr.
// Recursion is bounded by the parser's max_depth.
const char* SanitizeTree(json::value& v) {
  if (json::string* s = v.if_string()) {
    std::string_view text = View(*s);
    if (text.find('\0') != std::string_view::npos) return "NUL character in a string";
    if (!IsValidUtf8(text)) {
      std::string repaired = RepairUtf8(text);
      *s = json::string_view(repaired.data(), repaired.size());
    }
  } else if (const double* d = v.if_double()) {
    if (!std::isfinite(*d)) return "number out of range";
  } else if (json::array* a = v.if_array()) {
    for (json::value& e : *a) {
      if (const char* problem = SanitizeTree(e)) return problem;
    }
  } else if (json::object* o = v.if_object()) {
    for (json::key_value_pair& kv : *o) {
      if (const char* problem = KeyProblem(kv.key())) return problem;
      if (const char* problem = SanitizeTree(kv.value())) return problem;
    }
  }
  return nullptr;
}

// Sanitizes each field of an item (or envelope), naming the field on error.
absl::Status SanitizeFields(json::object& obj, std::string_view label) {
  for (json::key_value_pair& kv : obj) {
    if (const char* problem = KeyProblem(kv.key())) return Invalid(label, "", problem);
    if (const char* problem = SanitizeTree(kv.value())) {
      return Invalid(label, TruncateUtf8(View(kv.key()), kMaxKeyInMessage), problem);
    }
  }
  return absl::OkStatus();
}

struct TreeStats {
  size_t keys = 0;
  size_t depth = 0;  // deepest container; the root container is level 0
};

void Measure(const json::value& v, size_t depth, TreeStats& stats) {
  if (const json::array* a = v.if_array()) {
    stats.depth = std::max(stats.depth, depth);
    for (const json::value& e : *a) Measure(e, depth + 1, stats);
  } else if (const json::object* o = v.if_object()) {
    stats.depth = std::max(stats.depth, depth);
    stats.keys += o->size();
    for (const json::key_value_pair& kv : *o) Measure(kv.value(), depth + 1, stats);
  }
}

// ---------------------------------------------------------------------------
// Compact serialization (Boost.JSON would print 1.5 as "1.5E0").

void AppendDouble(double d, std::string& out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendJson(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out.append("null");
      break;
    case json::kind::bool_:
      out.append(v.get_bool() ? "true" : "false");
      break;
    case json::kind::int64:
      out.append(std::to_string(v.get_int64()));
      break;
    case json::kind::uint64:
      out.append(std::to_string(v.get_uint64()));
      break;
    case json::kind::double_:
      AppendDouble(v.get_double(), out);
      break;
    case json::kind::string:
      AppendJsonString(out, View(v.get_string()));
      break;
    case json::kind::array: {
      out.push_back('[');
      for (const json::value& e : v.get_array()) {
        if (out.back() != '[') out.push_back(',');
        AppendJson(e, out);
      }
      out.push_back(']');
      break;
    }
    case json::kind::object: {
      out.push_back('{');
      for (const json::key_value_pair& kv : v.get_object()) {
        if (out.back() != '{') out.push_back(',');
        AppendJsonString(out, View(kv.key()));
        out.push_back(':');
        AppendJson(kv.value(), out);
      }
      out.push_back('}');
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// Timestamps.

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  bool Take(char c) {
    if (AtEnd() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool TakeOneOf(std::string_view chars) {
    if (AtEnd() || chars.find(s_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }
  bool IsDigit() const { return !AtEnd() && s_[pos_] >= '0' && s_[pos_] <= '9'; }
  // Reads exactly `n` decimal digits.
  bool Digits(int n, int& out) {
    out = 0;
    for (int i = 0; i < n; ++i) {
      if (!IsDigit()) return false;
      out = out * 10 + (s_[pos_++] - '0');
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// "YYYY-MM-DD" -> days since the epoch.
std::optional<int64_t> ParseDate(Cursor& c) {
  int y, m, d;
  if (!c.Digits(4, y) || !c.Take('-') || !c.Digits(2, m) || !c.Take('-') || !c.Digits(2, d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(m)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

// "HH:MM:SS[.fraction]" -> microseconds since midnight.
std::optional<int64_t> ParseTime(Cursor& c) {
  int h, m, s;
  if (!c.Digits(2, h) || !c.Take(':') || !c.Digits(2, m) || !c.Take(':') || !c.Digits(2, s)) {
    return std::nullopt;
  }
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  int64_t us = (int64_t{h} * 3600 + m * 60 + std::min(s, 59)) * kMicrosPerSecond;
  if (c.Take('.')) {
    if (!c.IsDigit()) return std::nullopt;
    int64_t scale = 100000;
    for (int digit; c.IsDigit(); scale /= 10) {
      c.Digits(1, digit);
      us += digit * scale;
    }
  }
  return us;
}

// "Z", "+HH:MM" or "-HHMM" -> offset east of UTC in seconds.
std::optional<int64_t> ParseOffset(Cursor& c) {
  if (c.TakeOneOf("Zz")) return 0;
  int sign = c.Peek() == '-' ? -1 : 1;
  if (!c.TakeOneOf("+-")) return std::nullopt;
  int h, m;
  if (!c.Digits(2, h)) return std::nullopt;
  c.Take(':');
  if (!c.Digits(2, m) || h > 23 || m > 59) return std::nullopt;
  return sign * (int64_t{h} * 3600 + m * 60);
}

// RFC 3339 date-time -> microseconds since the epoch.
std::optional<int64_t> ParseDateTime(std::string_view text) {
  Cursor c(text);
  std::optional<int64_t> days = ParseDate(c);
  if (!days || !c.TakeOneOf("Tt ")) return std::nullopt;
  std::optional<int64_t> time_us = ParseTime(c);
  if (!time_us) return std::nullopt;
  std::optional<int64_t> offset_s = ParseOffset(c);
  if (!offset_s || !c.AtEnd()) return std::nullopt;
  return (*days * 86400 - *offset_s) * kMicrosPerSecond + *time_us;
}

// A "timestamp" value -> microseconds since the epoch, or an error text.
std::variant<int64_t, const char*> TimestampUs(const json::value& v) {
  constexpr const char* kFormat = "not an RFC 3339 date-time or epoch milliseconds";
  constexpr const char* kRange = "out of range";
  int64_t us;
  if (const json::string* s = v.if_string()) {
    std::optional<int64_t> parsed = ParseDateTime(View(*s));
    if (!parsed) return kFormat;
    us = *parsed;
  } else if (const int64_t* ms_int = v.if_int64()) {
    if (*ms_int <= 0 || *ms_int >= kMaxTimestampUs / 1000) return kRange;
    us = *ms_int * 1000;
  } else if (const double* ms_double = v.if_double()) {
    double ms = *ms_double;
    if (!(ms > 0 && ms < static_cast<double>(kMaxTimestampUs / 1000))) return kRange;
    us = static_cast<int64_t>(ms * 1000);
  } else if (v.is_uint64()) {
    return kRange;
  } else {
    return kFormat;
  }
  if (us <= 0 || us >= kMaxTimestampUs) return kRange;
  return us;
}

// ---------------------------------------------------------------------------
// Field readers.

struct Item {
  const json::object& obj;
  std::string label;
  ApiAuth auth;
  int64_t now_us;
  const EventsApiLimits& limits;

  absl::Status Error(std::string_view field, std::string_view what) const {
    return Invalid(label, field, what);
  }
};

// The first of `names` present with a non-null value; sets `found`.
const json::value* Find(const json::object& obj, std::initializer_list<std::string_view> names,
                        std::string_view& found) {
  for (std::string_view name : names) {
    const json::value* v = obj.if_contains(json::string_view(name.data(), name.size()));
    if (v != nullptr && !v->is_null()) {
      found = name;
      return v;
    }
  }
  return nullptr;
}

std::string TooLong(size_t max_bytes) { return StrCat("longer than ", max_bytes, " bytes"); }

// Reads an optional string field, bounded by `max_bytes`.
absl::Status ReadString(const json::object& obj, std::initializer_list<std::string_view> names,
                        const Item& item, std::string_view prefix, size_t max_bytes,
                        std::string& out) {
  std::string_view found;
  const json::value* v = Find(obj, names, found);
  if (v == nullptr) return absl::OkStatus();
  std::string field = StrCat(prefix, found);
  if (!v->is_string()) return item.Error(field, "must be a string");
  std::string_view text = View(v->get_string());
  if (text.size() > max_bytes) return item.Error(field, TooLong(max_bytes));
  out.assign(text);
  return absl::OkStatus();
}

// Text of a scalar (string, number, bool); false for other kinds.
bool ScalarText(const json::value& v, std::string& out) {
  out.clear();
  switch (v.kind()) {
    case json::kind::string:
      out.assign(View(v.get_string()));
      return true;
    case json::kind::bool_:
      out = v.get_bool() ? "true" : "false";
      return true;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      AppendJson(v, out);
      return true;
    default:
      return false;
  }
}

absl::Status ReadEventId(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"event_id", "messageId"}, found);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string() || !IsAcceptableClientEventId(View(v->get_string()))) {
    return item.Error(found, "must be 1 to 64 characters of [A-Za-z0-9._:-]");
  }
  ev.event_id.assign(View(v->get_string()));
  return absl::OkStatus();
}

absl::Status ReadName(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"event", "name"}, found);
  if (v == nullptr) return item.Error("name", "required");
  if (!v->is_string()) return item.Error(found, "must be a string");
  std::string_view name = TrimAscii(View(v->get_string()));
  if (name.empty()) return item.Error(found, "empty");
  if (name.size() > item.limits.max_name_bytes) {
    return item.Error(found, TooLong(item.limits.max_name_bytes));
  }
  ev.name.assign(name);
  return absl::OkStatus();
}

absl::Status ReadType(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"type"}, found);
  if (v == nullptr) return absl::OkStatus();
  constexpr const char* kAllowed = "must be \"custom\", \"page_view\" or \"identify\"";
  if (!v->is_string()) return item.Error("type", kAllowed);
  std::string_view type = View(v->get_string());
  if (type == "custom" || type == "track") {
    ev.type = "custom";
  } else if (type == "page_view" || type == "page") {
    ev.type = "page_view";
  } else if (type == "identify") {
    ev.type = "identify";
  } else {
    return item.Error("type", kAllowed);
  }
  return absl::OkStatus();
}

absl::Status ReadTimestamp(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"timestamp"}, found);
  if (v == nullptr) return absl::OkStatus();
  std::variant<int64_t, const char*> us = TimestampUs(*v);
  if (const char* const* problem = std::get_if<const char*>(&us)) {
    return item.Error("timestamp", *problem);
  }
  int64_t ts = std::get<int64_t>(us);
  const EventsApiLimits& limits = item.limits;
  if (item.auth == ApiAuth::kWriteKey &&
      ts < SaturatingAdd(item.now_us, -std::max<int64_t>(limits.max_backdate_us_write_key, 0))) {
    return item.Error(
        "timestamp",
        StrCat("more than ", DurationText(limits.max_backdate_us_write_key), " in the past"));
  }
  if (ts > SaturatingAdd(item.now_us, std::max<int64_t>(limits.max_future_us, 0))) {
    return item.Error("timestamp",
                      StrCat("more than ", DurationText(limits.max_future_us), " in the future"));
  }
  ev.timestamp_us = ts;
  return absl::OkStatus();
}

absl::Status ReadIds(const Item& item, ApiEvent& ev) {
  const size_t max = item.limits.max_id_bytes;
  SPOOR_RETURN_IF_ERROR(ReadString(item.obj, {"device_id", "anonymousId", "anonymous_id"}, item, "",
                                   max, ev.device_id));
  SPOOR_RETURN_IF_ERROR(ReadString(item.obj, {"writeKey"}, item, "", max, ev.write_key));
  std::string_view found;
  const json::value* v = Find(item.obj, {"user_id", "userId"}, found);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string() && !v->is_int64() && !v->is_uint64()) {
    return item.Error(found, "must be a string or an integer");
  }
  ScalarText(*v, ev.user_id);
  if (ev.user_id.size() > max) return item.Error(found, TooLong(max));
  return absl::OkStatus();
}

absl::Status ReadTraits(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"traits"}, found);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return item.Error("traits", "must be an object");
  const EventsApiLimits& limits = item.limits;
  if (v->get_object().size() > limits.max_keys) {
    return item.Error("traits", StrCat("more than ", limits.max_keys, " traits"));
  }
  for (const json::key_value_pair& kv : v->get_object()) {
    std::string_view key = View(kv.key());
    if (key.empty()) return item.Error("traits", "empty key");
    if (key.size() > limits.max_name_bytes) {
      return item.Error("traits", StrCat("a key is ", TooLong(limits.max_name_bytes)));
    }
    if (kv.value().is_null()) continue;
    std::string text;
    std::string field = StrCat("traits.", TruncateUtf8(key, kMaxKeyInMessage));
    if (!ScalarText(kv.value(), text)) return item.Error(field, "must be a string, number or bool");
    if (text.size() > limits.max_trait_bytes) {
      return item.Error(field, TooLong(limits.max_trait_bytes));
    }
    ev.traits.emplace_back(key, std::move(text));
  }
  return absl::OkStatus();
}

absl::Status ReadProperties(const Item& item, ApiEvent& ev) {
  std::string_view found;
  const json::value* v = Find(item.obj, {"properties"}, found);
  if (v == nullptr) {
    ev.properties_json = "{}";
    return absl::OkStatus();
  }
  if (!v->is_object()) return item.Error("properties", "must be an object");
  const EventsApiLimits& limits = item.limits;
  TreeStats stats;
  Measure(*v, 0, stats);
  if (stats.depth > limits.max_depth) {
    return item.Error("properties", StrCat("nested deeper than ", limits.max_depth, " levels"));
  }
  if (stats.keys > limits.max_keys) {
    return item.Error("properties", StrCat("more than ", limits.max_keys, " keys"));
  }
  AppendJson(*v, ev.properties_json);
  if (ev.properties_json.size() > limits.max_properties_bytes) {
    return item.Error("properties", StrCat("serialized ", TooLong(limits.max_properties_bytes)));
  }
  return absl::OkStatus();
}

// url, title, referrer: top level first, else context.page.
absl::Status ReadPage(const Item& item, ApiEvent& ev) {
  const json::object* page = nullptr;
  std::string_view found;
  if (const json::value* context = Find(item.obj, {"context"}, found)) {
    if (!context->is_object()) return item.Error("context", "must be an object");
    if (const json::value* p = Find(context->get_object(), {"page"}, found)) {
      if (!p->is_object()) return item.Error("context.page", "must be an object");
      page = &p->get_object();
    }
  }
  const EventsApiLimits& limits = item.limits;
  struct PageField {
    std::string_view name;
    size_t max_bytes;
    std::string& out;
  } fields[] = {{"url", limits.max_url_bytes, ev.url},
                {"title", limits.max_title_bytes, ev.title},
                {"referrer", limits.max_url_bytes, ev.referrer}};
  for (PageField& f : fields) {
    SPOOR_RETURN_IF_ERROR(ReadString(item.obj, {f.name}, item, "", f.max_bytes, f.out));
    if (f.out.empty() && page != nullptr) {
      SPOOR_RETURN_IF_ERROR(ReadString(*page, {f.name}, item, "context.page.", f.max_bytes, f.out));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Items and the body.

struct Request {
  ApiAuth auth;
  int64_t now_us;
  const EventsApiLimits& limits;
};

absl::StatusOr<ApiEvent> ParseItem(json::value& v, std::string label, const Request& request,
                                   std::string_view envelope_key) {
  if (!v.is_object()) return Invalid(label, "", "must be an object");
  SPOOR_RETURN_IF_ERROR(SanitizeFields(v.get_object(), label));
  Item item{v.get_object(), std::move(label), request.auth, request.now_us, request.limits};
  ApiEvent ev;
  SPOOR_RETURN_IF_ERROR(ReadEventId(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadName(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadType(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadTimestamp(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadIds(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadTraits(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadProperties(item, ev));
  SPOOR_RETURN_IF_ERROR(ReadPage(item, ev));
  if (ev.write_key.empty()) ev.write_key.assign(envelope_key);
  return ev;
}

// Parses every element of `items`; `prefix` is "batch" or "" (top-level
// array).
absl::Status ParseItems(json::array& items, std::string_view prefix, const Request& request,
                        ParsedEvents& out) {
  if (items.empty()) return Invalid(prefix, "", "no events");
  if (items.size() > request.limits.max_batch) {
    return Invalid(prefix, "", StrCat("more than ", request.limits.max_batch, " events"));
  }
  out.events.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    SPOOR_ASSIGN_OR_RETURN(
        ApiEvent ev, ParseItem(items[i], StrCat(prefix, "[", i, "]"), request, out.write_key));
    out.events.push_back(std::move(ev));
  }
  return absl::OkStatus();
}

// `{"batch": [...], "writeKey": ...}`.
absl::Status ParseEnvelope(json::object& envelope, const Request& request, ParsedEvents& out) {
  json::value* batch = envelope.if_contains("batch");
  if (batch == nullptr || !batch->is_array()) return Invalid("batch", "", "must be an array");
  for (json::key_value_pair& kv : envelope) {
    if (kv.key() == "batch") continue;
    if (const char* problem = KeyProblem(kv.key())) return Invalid("", "", problem);
    if (const char* problem = SanitizeTree(kv.value())) {
      return Invalid(TruncateUtf8(View(kv.key()), kMaxKeyInMessage), "", problem);
    }
  }
  if (const json::value* key = envelope.if_contains("writeKey"); key && !key->is_null()) {
    if (!key->is_string()) return Invalid("writeKey", "", "must be a string");
    if (key->get_string().size() > request.limits.max_id_bytes) {
      return Invalid("writeKey", "", TooLong(request.limits.max_id_bytes));
    }
    out.write_key.assign(View(key->get_string()));
  }
  return ParseItems(batch->get_array(), "batch", request, out);
}

absl::Status ParseRoot(json::value& root, const Request& request, ParsedEvents& out) {
  if (json::array* items = root.if_array()) return ParseItems(*items, "", request, out);
  json::object* obj = root.if_object();
  if (obj == nullptr) return Invalid("", "", "must be a JSON object or array");
  if (obj->contains("batch")) return ParseEnvelope(*obj, request, out);
  SPOOR_ASSIGN_OR_RETURN(ApiEvent ev, ParseItem(root, "", request, ""));
  out.write_key = ev.write_key;
  out.events.push_back(std::move(ev));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedEvents> ParseEventsBody(std::string_view body, ApiAuth auth, int64_t now_us,
                                             const EventsApiLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return Invalid("", "", StrCat("larger than ", limits.max_body_bytes, " bytes"));
  }
  json::parse_options options;
  options.max_depth =
      std::min(limits.max_depth, kMaxConfigurableDepth) + kLevelsAboveProperties + kDepthSlack;
  options.allow_invalid_utf8 = true;  // repaired or rejected below, with a better message
  json::monotonic_resource memory;
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec, &memory, options);
  if (ec == json::error::too_deep) return Invalid("", "", "nested too deeply");
  if (ec) return Invalid("", "", StrCat("invalid JSON (", ec.message(), ")"));
  ParsedEvents out;
  SPOOR_RETURN_IF_ERROR(ParseRoot(root, Request{auth, now_us, limits}, out));
  return out;
}

std::string WriteKeyFromBasicAuth(std::string_view authorization_header) {
  std::optional<BasicAuth> basic = ParseBasicAuth(authorization_header);
  return basic ? basic->user : std::string();
}

std::string BearerToken(std::string_view authorization_header) {
  std::string_view header = TrimAscii(authorization_header);
  if (header.size() < 7 || AsciiLower(header.substr(0, 7)) != "bearer ") return "";
  std::string_view token = TrimAscii(header.substr(7));
  for (unsigned char c : token) {
    if (c <= 0x20 || c >= 0x7f) return "";
  }
  return std::string(token);
}

}  // namespace spoor::collect
