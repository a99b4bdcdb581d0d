// The normalized tracking event: what every collect endpoint produces, what
// the bus carries and what the store keeps. A plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace spoor {

enum class EventType : uint8_t {
  kPageView = 1,
  kCustom = 2,
  kFormSubmit = 3,
  kPushInteraction = 4,
  kPhoneCall = 5,
  kIdentify = 6,
  // A device and its anonymous contact came into being with no page view
  // (GET /mtc). Creates the contact; adds no row to the events table.
  kDeviceCreated = 7,
  // An authenticated API write to a contact (create or update): its values
  // replace the contact's, identifiers included. No session.
  kContactUpdate = 8,
  // An authenticated API delete: the contact and everything of it go.
  kContactDelete = 9,
};

enum class EventSource : uint8_t { kJs = 1, kPixel = 2, kApi = 3, kMobile = 4, kPush = 5, kCall = 6 };

std::string_view EventTypeName(EventType type);
std::string_view EventSourceName(EventSource source);

struct Utm {
  std::string source, medium, campaign, term, content;
  bool empty() const {
    return source.empty() && medium.empty() && campaign.empty() && term.empty() && content.empty();
  }
};

struct Event {
  std::string id;  // client-supplied (eid) or server-made UUIDv7
  int64_t workspace_id = 0;
  int64_t received_at_us = 0;  // server receive time: truth for sessions and reports
  int64_t client_time_us = 0;  // 0 when the client sent none
  EventType type = EventType::kPageView;
  EventSource source = EventSource::kPixel;
  uint64_t contact_id = 0;
  std::string device_id;
  bool new_device = false;  // minted by the request that carried this event
  // A contact id reserved by the receiver for events that carry a unique
  // identifier: the processor uses it when a new person shows up on a device
  // that already belongs to someone else (shared computer). 0 = none.
  uint64_t spare_contact_id = 0;
  // The app's own user id (identity kind "external"), from the events API.
  std::string user_id;
  std::string url, title, referrer, language;
  Utm utm;
  std::string channel;  // filled by the processor
  // Filled by the processor from the user agent (not encoded).
  std::string browser, os, device_type;
  std::string name;     // custom event name
  // Publicly updatable contact field values, already filtered by the receiver.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> tags_add, tags_remove;
  // Everything else the request carried (resolution, timezone, platform, ...).
  std::vector<std::pair<std::string, std::string>> properties;
  // Structured properties (a JSON object, already validated and bounded) of a
  // custom event; `properties` are added to it.
  std::string properties_json;
  std::string ip, user_agent;
  // kContactUpdate only: fields the event does not name are cleared (PUT).
  bool replace_fields = false;
  // kContactUpdate only: empty values clear fields (Mautic's overwriteWithBlank).
  bool overwrite_blank = false;
};

// Compact binary encoding used by the inbox and the bus. Versioned: the
// first byte is the format version.
std::string EncodeEvent(const Event& event);
// The same bytes, appended to `out`.
void AppendEncodedEvent(const Event& event, std::string& out);
// Errors: DataLoss for a truncated or unknown encoding.
absl::StatusOr<Event> DecodeEvent(std::string_view bytes);

}  // namespace spoor
