#include "spoor/api/push.h"

#include "absl/strings/numbers.h"
#include "spoor/common/clock.h"
#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::api {
namespace json = boost::json;

namespace {

absl::Status Bad(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(StrCat(field, ": ", problem));
}

absl::StatusOr<std::string> Text(const json::object& o, std::string_view key, size_t max,
                                 bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Bad(key, "is required");
    return std::string();
  }
  if (!v->is_string()) return Bad(key, "must be a string");
  std::string_view s = v->get_string();
  if (required && s.empty()) return Bad(key, "must not be empty");
  if (s.size() > max) return Bad(key, StrCat("is longer than ", max, " bytes"));
  return RepairUtf8(s);
}

json::object Figures(const store::PushStats::Figures& f) {
  json::object o{{"sent", f.sent}, {"received", f.received}, {"opened", f.opened},
                 {"dismissed", f.dismissed}};
  o["open_rate"] = f.sent > 0 ? static_cast<double>(f.opened) / static_cast<double>(f.sent) : 0.0;
  if (f.open_delays_us.empty()) {
    o["median_time_to_open_s"] = nullptr;
  } else {
    size_t n = f.open_delays_us.size();
    int64_t median = n % 2 == 1 ? f.open_delays_us[n / 2]
                                : (f.open_delays_us[n / 2 - 1] + f.open_delays_us[n / 2]) / 2;
    o["median_time_to_open_s"] = static_cast<double>(median) / 1e6;
  }
  return o;
}

}  // namespace

std::string_view PushStatusName(PushStatus status) {
  switch (status) {
    case PushStatus::kReceived: return "received";
    case PushStatus::kOpened: return "opened";
    case PushStatus::kDismissed: return "dismissed";
  }
  return "unknown";
}

absl::StatusOr<PushInteraction> ParsePushInteraction(std::string_view body) {
  if (body.size() > kMaxPushBodyBytes) {
    return absl::InvalidArgumentError(StrCat("body is larger than ", kMaxPushBodyBytes, " bytes"));
  }
  json::parse_options options;
  options.max_depth = 4;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) return absl::InvalidArgumentError("body is not JSON");
  const json::object* o = v.if_object();
  if (o == nullptr) return absl::InvalidArgumentError("body must be a JSON object");
  PushInteraction in;

  const json::value* id = o->if_contains("TrackingId");
  if (id == nullptr) return Bad("TrackingId", "is required");
  if (!id->is_string()) return Bad("TrackingId", "must be a string");
  std::string tracking = AsciiLower(id->get_string());
  if (!IsUuid(tracking)) return Bad("TrackingId", "is not a UUID");
  if (tracking == "00000000-0000-0000-0000-000000000000") {
    return Bad("TrackingId", "is the all-zero UUID of a notification without tracking");
  }
  in.tracking_id = std::move(tracking);

  const json::value* token = o->if_contains("DeviceToken");
  if (token == nullptr) return Bad("DeviceToken", "is required");
  if (!token->is_string()) return Bad("DeviceToken", "must be a string");
  if (token->get_string().empty()) return Bad("DeviceToken", "must not be empty");
  if (token->get_string().size() > kMaxDeviceTokenBytes) return Bad("DeviceToken", "is too long");
  in.device_token = std::string(token->get_string());

  const json::value* status = o->if_contains("PushNotificationStatus");
  if (status == nullptr) return Bad("PushNotificationStatus", "is required");
  int64_t code = -1;
  if (status->is_int64()) {
    code = status->get_int64();
  } else if (status->is_uint64()) {
    code = -1;
  } else if (status->is_string()) {
    // The seed's own Swift and Java samples send the status as a string.
    std::string_view s = status->get_string();
    if (s.empty() || s.size() > 3 || !absl::SimpleAtoi(ToAbsl(s), &code)) {
      return Bad("PushNotificationStatus", "must be 0, 1 or 2");
    }
  } else {
    return Bad("PushNotificationStatus", "must be a number or a numeric string");
  }
  if (code < 0 || code > 2) return Bad("PushNotificationStatus", "must be 0, 1 or 2");
  in.status = static_cast<PushStatus>(code);
  return in;
}

Event PushInteractionEvent(const PushInteraction& in, const store::PushSend& send, int64_t now_us) {
  Event e;
  e.id = StrCat("push-", in.tracking_id, "-", static_cast<int>(in.status));
  e.workspace_id = send.workspace_id;
  e.received_at_us = now_us;
  e.type = EventType::kPushInteraction;
  e.source = EventSource::kPush;
  e.contact_id = static_cast<uint64_t>(send.contact_id);
  e.name = std::string(PushStatusName(in.status));
  e.utm.medium = "push";
  e.utm.source = send.platform;
  e.properties = {{"tracking_id", in.tracking_id},
                  {"status", std::string(PushStatusName(in.status))},
                  {"notification_id", StrCat(send.notification_id)},
                  {"platform", send.platform}};
  return e;
}

absl::StatusOr<PushAppInput> ReadPushApp(const json::object& params, bool partial) {
  PushAppInput in;
  SPOOR_ASSIGN_OR_RETURN(in.name, Text(params, "name", 200, !partial));
  SPOOR_ASSIGN_OR_RETURN(in.platform, Text(params, "platform", 16, !partial));
  if (!in.platform.empty() && in.platform != "ios" && in.platform != "android" &&
      in.platform != "web") {
    return Bad("platform", "must be ios, android or web");
  }
  return in;
}

absl::StatusOr<PushDeviceInput> ReadPushDevice(const json::object& params) {
  PushDeviceInput in;
  SPOOR_ASSIGN_OR_RETURN(in.device_token, Text(params, "device_token", kMaxDeviceTokenBytes, true));
  SPOOR_ASSIGN_OR_RETURN(in.user_id, Text(params, "user_id", 256, false));
  SPOOR_ASSIGN_OR_RETURN(in.platform, Text(params, "platform", 16, true));
  if (in.platform != "ios" && in.platform != "android" && in.platform != "web") {
    return Bad("platform", "must be ios, android or web");
  }
  SPOOR_ASSIGN_OR_RETURN(in.locale, Text(params, "locale", 35, false));
  SPOOR_ASSIGN_OR_RETURN(in.app_version, Text(params, "app_version", 64, false));
  return in;
}

absl::StatusOr<PushNotificationInput> ReadPushNotification(const json::object& params) {
  PushNotificationInput in;
  store::PushNotification& n = in.notification;
  SPOOR_ASSIGN_OR_RETURN(n.app_id, Text(params, "app", 64, true));
  SPOOR_ASSIGN_OR_RETURN(n.title, Text(params, "title", 512, true));
  SPOOR_ASSIGN_OR_RETURN(n.body, Text(params, "body", 4096, false));
  SPOOR_ASSIGN_OR_RETURN(n.campaign, Text(params, "campaign", 200, false));
  SPOOR_ASSIGN_OR_RETURN(n.deep_link, Text(params, "deep_link", 2048, false));
  constexpr size_t kMaxTargets = 10000;
  if (const json::value* tokens = params.if_contains("device_tokens")) {
    if (!tokens->is_array()) return Bad("device_tokens", "must be an array of strings");
    for (const json::value& t : tokens->get_array()) {
      if (!t.is_string() || t.get_string().empty() || t.get_string().size() > kMaxDeviceTokenBytes) {
        return Bad("device_tokens", "must hold non-empty strings");
      }
      in.device_tokens.emplace_back(t.get_string());
    }
  }
  if (const json::value* ids = params.if_contains("contact_ids")) {
    if (!ids->is_array()) return Bad("contact_ids", "must be an array of ids");
    for (const json::value& id : ids->get_array()) {
      if (!id.is_int64() || id.get_int64() <= 0) return Bad("contact_ids", "must hold positive ids");
      in.contact_ids.push_back(id.get_int64());
    }
  }
  if (in.device_tokens.empty() && in.contact_ids.empty()) {
    return absl::InvalidArgumentError("name device_tokens or contact_ids");
  }
  if (in.device_tokens.size() + in.contact_ids.size() > kMaxTargets) {
    return absl::InvalidArgumentError(StrCat("at most ", kMaxTargets, " targets at a time"));
  }
  return in;
}

json::object RenderPushApp(const store::PushApp& app) {
  return json::object{{"id", app.id}, {"name", app.name}, {"platform", app.platform},
                      {"created_at", FormatTime(app.created_at_us)}};
}

json::object RenderPushDevice(const store::PushDevice& d) {
  json::object o{{"device_token", d.device_token}, {"app", d.app_id}, {"contact_id", d.contact_id},
                 {"platform", d.platform}, {"registered_at", FormatTime(d.registered_at_us)}};
  o["user_id"] = d.user_id.empty() ? json::value(nullptr) : json::value(d.user_id);
  o["locale"] = d.locale.empty() ? json::value(nullptr) : json::value(d.locale);
  o["app_version"] = d.app_version.empty() ? json::value(nullptr) : json::value(d.app_version);
  return o;
}

json::object RenderPushStats(const store::PushStats& stats) {
  json::object o = Figures(stats.all);
  json::object platforms;
  for (const auto& [platform, f] : stats.by_platform) platforms[platform] = Figures(f);
  o["by_platform"] = std::move(platforms);
  return o;
}

}  // namespace spoor::api
