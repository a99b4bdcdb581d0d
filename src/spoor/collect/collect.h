// The receiver: turns tracking requests (pixel, /mtc/event, /mtc) into one
// normalized Event, decides whether the request is tracked at all, and which
// device and contact it belongs to. Knows nothing of HTTP libraries or of the
// store: the edge hands it a plain HitRequest and publishes what it returns.
//
// Thread-safety: Collector is safe to share between I/O threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "spoor/collect/bots.h"
#include "spoor/collect/counters.h"
#include "spoor/collect/events_api.h"
#include "spoor/collect/forms.h"
#include "spoor/collect/identity.h"
#include "spoor/common/clock.h"
#include "spoor/common/event.h"
#include "spoor/common/text.h"

namespace spoor::collect {

// One IPv4 or IPv6 network (an address is a /32 or /128).
struct IpRange {
  std::array<uint8_t, 16> addr{};
  int prefix_bits = 0;
  bool v4 = false;
};
// Parses "1.2.3.4", "10.0.0.0/8", "2001:db8::/32". Errors: InvalidArgument.
absl::StatusOr<IpRange> ParseIpRange(std::string_view text);
bool IpInRange(std::string_view ip, const IpRange& range);

// What the receiver needs to know of a workspace.
struct WorkspaceView {
  int64_t id = 0;
  std::string uuid;
  bool is_default = false;
  bool honor_do_not_track = true;
  bool anonymize_ip = false;
  std::vector<IpRange> excluded_ips;
  std::vector<std::string> tracking_domains;  // exact origins and https://*.x globs
  absl::flat_hash_set<std::string> public_fields;
  absl::flat_hash_set<std::string> all_fields;
  absl::flat_hash_set<std::string> unique_fields;
  absl::flat_hash_map<int64_t, FormDefinition> forms;
  absl::flat_hash_map<std::string, std::string> links;  // tracked link id -> URL
  bool track_by_tracking_url = false;
  std::string write_key;
};

// Immutable snapshot of every workspace; replaced whole on change.
struct CollectConfig {
  std::vector<WorkspaceView> workspaces;
  const WorkspaceView* Find(std::string_view uuid) const;  // empty → default
};

struct CollectLimits {
  QueryLimits query;
  size_t max_url_bytes = 4096;
  size_t max_title_bytes = 1024;
  size_t max_field_bytes = 512;
  size_t max_tags = 20;
  size_t max_tag_bytes = 100;
  size_t max_properties = 50;
  size_t max_property_bytes = 1024;
  size_t max_event_name_bytes = 200;
  size_t max_event_properties_bytes = 32 * 1024;
  size_t max_event_properties_depth = 6;
};

enum class Endpoint { kPixel, kMtcEvent, kMtcContact };

// The parts of an HTTP request the receiver looks at.
struct HitRequest {
  std::string_view method;
  std::string_view query;
  std::string_view body;  // form-encoded (POST /mtc/event)
  std::string_view cookie;
  std::string_view user_agent;
  std::string_view referer;
  std::string_view dnt;
  std::string_view sec_gpc;
  std::string_view purpose;  // Sec-Purpose or Purpose: prefetch/prerender
  std::string_view content_type;
  std::string client_ip;
  // Carries a valid session of a signed-in user: not tracked (Mautic's rule).
  bool user_session = false;
};

struct HitOutcome {
  // When set, the edge publishes it and answers only once it is durable.
  std::optional<Event> event;
  // Non-empty when the request is not tracked (bot, dnt, excluded_ip, ...).
  std::string skip_reason;
  uint64_t contact_id = 0;
  std::string device_id;
  bool new_device = false;  // minted by this request
  // Hostile or malformed input: counted; the pixel still answers its GIF.
  absl::Status problem;
};

struct FormOutcome {
  HitOutcome hit;                        // the event to publish, device and contact
  const FormDefinition* form = nullptr;  // null: no such form
  FormSubmission submission;             // values, per-field errors, answer mode
};

class Collector {
 public:
  Collector(const BotDetector* bots, IdentityCache& identities, ContactIdAllocator& contact_ids,
            Counters& counters, const Clock& clock, CollectLimits limits = {});

  HitOutcome Handle(Endpoint endpoint, const HitRequest& request, const WorkspaceView& ws) const;
  // Events of POST /api/v1/events, ready to publish as one unit. With a
  // write key (public) only publicly updatable traits are kept.
  absl::StatusOr<std::vector<Event>> ApiEvents(const ParsedEvents& parsed, ApiAuth auth,
                                               const HitRequest& request,
                                               const WorkspaceView& ws) const;
  // A tracked link click (/r/{id}). A valid signed contact token (`ct`)
  // identifies a visitor who has no device cookie yet, when the workspace
  // tracks by tracking URL. `key` verifies tokens.
  HitOutcome LinkClick(std::string_view link_id, const std::string& url, const HitRequest& request,
                       const WorkspaceView& ws, const std::array<uint8_t, 32>& key) const;
  // POST /form/submit?formId=N. A submission with errors publishes nothing.
  FormOutcome HandleForm(const HitRequest& request, const WorkspaceView& ws) const;

 private:
  std::string SkipReason(const HitRequest& request, const WorkspaceView& ws) const;
  // A server-stamped event of `type` for the device and contact in `who`.
  Event NewEvent(EventType type, const WorkspaceView& ws, const HitOutcome& who) const;
  // Moves the values it keeps out of `params` (page, title, referrer,
  // language, UTM, event id): read those before, not after.
  absl::Status FillEvent(Params& params, const HitRequest& request, const WorkspaceView& ws,
                         Event& event) const;
  // Events that carry a unique identifier get a spare contact id, for a new
  // person on a device that belongs to someone else.
  absl::Status ReserveSpareContact(const WorkspaceView& ws, Event& e) const;
  // mt_type=event: a custom event with a name and JSON properties.
  absl::Status FillCustomEvent(const Params& params, Event& e) const;
  absl::Status Identify(const Params& params, const HitRequest& request, const WorkspaceView& ws,
                        HitOutcome& out) const;

  const BotDetector* bots_;
  IdentityCache& identities_;
  ContactIdAllocator& contact_ids_;
  Counters& counters_;
  const Clock& clock_;
  CollectLimits limits_;
};

// Value of cookie `name` in a Cookie header, or empty.
std::string_view CookieValue(std::string_view header, std::string_view name);

// The merged hit parameters of a request: query, then body (body wins), then
// the `d` payload and the page URL's own query string (explicit ones win).
// Errors: InvalidArgument for limits, NUL bytes, or an undecodable `d`.
absl::StatusOr<Params> HitParams(const HitRequest& request, const CollectLimits& limits);

// Splits "A, -B,C" into tags to add and remove.
void ParseTags(std::string_view value, const CollectLimits& limits, std::vector<std::string>& add,
               std::vector<std::string>& remove);

// Lower-cased host of a URL ("https://A.b:8/x" → "a.b"); a bare host is
// returned lower-cased.
std::string UrlHost(std::string_view url_or_host);

// CORS: whether `origin` (scheme://host[:port]) is allowed by `domains`
// (exact origins, or globs like https://*.example.com; case-insensitive).
bool OriginAllowed(std::string_view origin, const std::vector<std::string>& domains);

}  // namespace spoor::collect
