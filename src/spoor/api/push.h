// Push notification tracking without the HTTP: the public interaction
// receiver's strict body parser (seed 002's endpoint), the management API's
// payloads, and the figures' JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "spoor/common/event.h"
#include "spoor/store/store.h"

namespace spoor::api {

// Seed 002's statuses; 1 (opened) is the one the seed's samples send.
enum class PushStatus { kReceived = 0, kOpened = 1, kDismissed = 2 };
std::string_view PushStatusName(PushStatus status);

struct PushInteraction {
  std::string tracking_id;  // lower-case UUID
  std::string device_token;
  PushStatus status = PushStatus::kOpened;
};

constexpr size_t kMaxPushBodyBytes = 8 * 1024;
constexpr size_t kMaxDeviceTokenBytes = 4096;

// {"TrackingId": uuid, "DeviceToken": token, "PushNotificationStatus": 0|1|2
// or "0"|"1"|"2"}. Errors: InvalidArgument naming the problem (not JSON, not
// an object, a field missing or of the wrong type, a malformed or all-zero
// TrackingId, an unknown status, too large).
absl::StatusOr<PushInteraction> ParsePushInteraction(std::string_view body);

// The event that records `interaction` of `send`. Its id is derived from
// the tracking id and the status, so a repeated interaction is stored once.
Event PushInteractionEvent(const PushInteraction& interaction, const store::PushSend& send,
                           int64_t now_us);

struct PushAppInput {
  std::string name, platform;
};
// Errors: InvalidArgument. With `partial`, both are optional.
absl::StatusOr<PushAppInput> ReadPushApp(const boost::json::object& params, bool partial);

struct PushDeviceInput {
  std::string device_token, user_id, platform, locale, app_version;
};
absl::StatusOr<PushDeviceInput> ReadPushDevice(const boost::json::object& params);

struct PushNotificationInput {
  store::PushNotification notification;
  std::vector<std::string> device_tokens;
  std::vector<int64_t> contact_ids;
};
absl::StatusOr<PushNotificationInput> ReadPushNotification(const boost::json::object& params);

boost::json::object RenderPushApp(const store::PushApp& app);
boost::json::object RenderPushDevice(const store::PushDevice& device);
// sent, received, opened, dismissed, open_rate (opened / sent devices),
// median time to open, the same by platform.
boost::json::object RenderPushStats(const store::PushStats& stats);

}  // namespace spoor::api
