// Parser for the server-side events API, `POST /api/v1/events`: servers and
// apps send custom events as JSON, one at a time or in batches (Segment's
// `{"batch": [...]}` shape is accepted). This module only turns a request
// body into validated, bounded ApiEvent values; authentication, workspace
// lookup and publishing belong to the caller.
//
// Guarantees on hostile input: no crash, no exception escapes, bounded
// nesting (Boost.JSON's parser enforces a hard depth bound), and every string
// handed back is valid UTF-8 without NUL characters.
//
// Pure functions with no shared state: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace spoor::collect {

struct EventsApiLimits {
  size_t max_body_bytes = 512 * 1024;
  size_t max_batch = 500;
  size_t max_name_bytes = 200;
  size_t max_properties_bytes = 32 * 1024;  // serialized JSON of one event's properties
  size_t max_depth = 5;                     // nesting inside properties
  size_t max_keys = 200;                    // total keys inside one event's properties
  int64_t max_backdate_us_write_key = 72LL * 3600 * 1000000;
  int64_t max_future_us = 5LL * 60 * 1000000;
  // Bounds on the other strings of one event (the same as the pixel's).
  size_t max_id_bytes = 200;      // device_id, user_id, write key
  size_t max_url_bytes = 4096;    // url, referrer
  size_t max_title_bytes = 1024;  // title
  size_t max_trait_bytes = 512;   // one trait value
};

enum class ApiAuth { kWriteKey, kBearer };

struct ApiEvent {
  // Client "event_id" or "messageId" (IsAcceptableClientEventId), else empty.
  std::string event_id;
  // "event" or "name": required, trimmed, non-empty.
  std::string name;
  // "custom" (default), "page_view" or "identify".
  std::string type = "custom";
  // From "timestamp"; 0 when absent (the caller uses the receive time).
  int64_t timestamp_us = 0;
  // "device_id", "anonymousId" or "anonymous_id".
  std::string device_id;
  // "user_id" or "userId": the app's own login id.
  std::string user_id;
  // "traits": flat object of contact fields (email, firstname, ...), values
  // as text.
  std::vector<std::pair<std::string, std::string>> traits;
  // "properties" re-serialized compactly; "{}" when absent.
  std::string properties_json;
  // Top-level "url"/"title"/"referrer", else "context": {"page": {...}}.
  std::string url, title, referrer;
  // The item's "writeKey", else the batch envelope's.
  std::string write_key;
};

struct ParsedEvents {
  std::vector<ApiEvent> events;
  std::string write_key;  // from the envelope (or the single event)
};

// Parses a request body: one event object; `{"batch": [...]}` (with an
// optional "writeKey"); or a top-level array of events. All or nothing: any
// invalid item rejects the whole request.
//
// Errors are InvalidArgument with a message naming the item and the field:
// "batch[3].timestamp: more than 72 hours in the past" (envelope),
// "[3].name: required" (top-level array), "name: required" (single event),
// "body: ..." for problems with the body as a whole.
//
// Rules:
// - Body at most `max_body_bytes`; at most `max_batch` events, at least one.
// - Aliases: when several are present, the first listed in ApiEvent wins
//   ("event_id" over "messageId", "event" over "name", ...). A JSON null is
//   the same as an absent field. Unknown fields are ignored (but still
//   checked for UTF-8 and NUL). A repeated key keeps its last value.
// - "type" also takes Segment's "track" (custom) and "page" (page_view).
// - "timestamp": an RFC 3339 / ISO 8601 string ("2024-05-01T12:00:00Z",
//   "2024-05-01T14:00:00.123+02:00"; 'T', 't' or ' ' between date and time;
//   offset "Z", "±HH:MM" or "±HHMM"; fraction beyond microseconds is cut;
//   second 60 counts as 59) or a number of milliseconds since the epoch.
//   Must be after the epoch and before year 10000. With kWriteKey, more than
//   `max_backdate_us_write_key` before `now_us` is rejected; with any auth,
//   more than `max_future_us` after `now_us` is rejected.
// - "properties": an object; null or absent gives "{}". Nesting inside it is
//   at most `max_depth` (the properties object itself is level 0, each
//   object or array inside adds one); at most `max_keys` keys in all its
//   objects together; its compact serialization at most
//   `max_properties_bytes`. Numbers stay JSON numbers (integers exactly,
//   other numbers in shortest round-trip form); non-finite numbers (1e400)
//   are rejected.
// - "traits": a flat object; string, number and bool values become text
//   (bools "true"/"false"), nulls are skipped, nested values are rejected.
//   At most `max_keys` traits of `max_trait_bytes` each.
// - UTF-8: invalid UTF-8 in any object key is rejected (keys name things:
//   a silently altered key would land in the wrong field); invalid
//   sequences in string values are repaired to U+FFFD (RepairUtf8), so a
//   single bad byte in a title does not lose an event. Bounds apply after
//   repair. A NUL character (raw or "\u0000") in any key or value is
//   rejected.
absl::StatusOr<ParsedEvents> ParseEventsBody(std::string_view body, ApiAuth auth, int64_t now_us,
                                             const EventsApiLimits& limits = {});

// The write key from "Authorization: Basic base64(key:)" (the user name is
// the key, the password is ignored). Empty when the header is not Basic, the
// base64 or the decoded text is malformed, or the key is empty or holds
// control characters.
std::string WriteKeyFromBasicAuth(std::string_view authorization_header);

// "Bearer xyz" -> "xyz" (scheme case-insensitive); empty otherwise.
std::string BearerToken(std::string_view authorization_header);

}  // namespace spoor::collect
