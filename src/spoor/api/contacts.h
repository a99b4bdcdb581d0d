// Mautic's contacts API without the HTTP: reading a write request into an
// event, list and activity parameters into store queries, and store records
// into Mautic's JSON shapes (§6 of the Mautic reference).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "spoor/common/event.h"
#include "spoor/store/store.h"

namespace spoor::api {

struct ContactLimits {
  size_t max_value_bytes = 4096;
  size_t max_tags = 50;
  size_t max_tag_bytes = 100;
  int default_page = 30;
  int max_page = 1000;
  size_t max_batch = 200;  // Mautic's api_batch_max_limit
};

// One field's validation problem, as Mautic reports it ("email: ...").
struct FieldError {
  std::string alias;
  std::string message;
};

struct ContactWrite {
  std::vector<std::pair<std::string, std::string>> fields;  // known aliases only
  std::vector<std::string> tags_add, tags_remove;
  bool overwrite_blank = false;
  std::vector<FieldError> errors;  // non-empty: refuse the write (400)
};

// Reads a create/edit payload. Unknown keys are ignored (as Mautic does);
// numeric 0 values are dropped ("0 was not meant to overwrite"); emails are
// trimmed of spaces and stray commas and must look like one.
ContactWrite ReadContactWrite(const boost::json::object& params, const store::Workspace& ws,
                              const ContactLimits& limits = {});

// The event that applies `write`: to `contact_id` (an edit), or, when 0, to
// the owner of its unique identifiers or else the new contact `spare_id`.
Event ContactWriteEvent(const ContactWrite& write, int64_t workspace_id, uint64_t contact_id,
                        uint64_t spare_id, int64_t now_us, bool replace_fields);

// GET /api/contacts parameters: search, start, limit, orderBy, orderByDir,
// where[]. Errors: InvalidArgument (unknown column or operator, bad value).
absl::StatusOr<store::ContactQuery> ReadContactQuery(const boost::json::object& params,
                                                     const store::Workspace& ws,
                                                     const ContactLimits& limits = {});

// Activity parameters: filters[search|includeEvents|excludeEvents|dateFrom|
// dateTo], order[0..1], page, limit.
absl::StatusOr<store::ActivityQuery> ReadActivityQuery(const boost::json::object& params,
                                                       int64_t workspace_id, int64_t contact_id);

boost::json::object RenderContact(const store::ContactRecord& c, const store::Workspace& ws);
// {"total": "<n>", "contacts": {"<id>": {...}}} (an object even when empty).
boost::json::object RenderContactList(const store::ContactPage& page, const store::Workspace& ws);
boost::json::object RenderActivity(const store::ActivityPage& page, const store::ActivityQuery& q);
boost::json::object RenderDevices(const std::vector<store::DeviceRecord>& devices, int64_t contact);
boost::json::object RenderField(const store::FieldDefinition& f, int order);

// Mautic's date format (PHP "c", UTC): 2015-07-21T12:27:12+00:00.
std::string MauticTime(int64_t micros);
// "2015-07-21", "2015-07-21 12:27:12" or RFC 3339 -> microseconds (UTC).
std::optional<int64_t> ParseMauticTime(std::string_view text);

}  // namespace spoor::api
