// Spoor's own REST API (/api/v1/), HTTP-free: the route table (what the
// server serves, and what docs/openapi.json must describe), strict request
// parsing (query parameters, JSON bodies, opaque cursors) and the JSON shapes
// of answers. Errors are absl::Status: InvalidArgument (400), NotFound (404),
// AlreadyExists (409), PermissionDenied (403); the HTTP edge maps them.
//
// Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "spoor/collect/forms.h"
#include "spoor/common/text.h"
#include "spoor/store/store.h"

namespace spoor::api::v1 {

// --- routes ---

enum class Op {
  kGetWorkspace, kPatchSettings,
  kListDomains, kAddDomain, kDeleteDomain,
  kListFields, kUpsertField,
  kListLinks, kCreateLink, kGetLink,
  kListForms, kCreateForm, kGetForm,
  kListContacts, kGetContact, kContactTimeline,
  kListEvents,
  kExportContacts, kExportEvents, kExportSessions,
  kListClients, kCreateClient, kDeleteClient,
};

// Who may call a route: read scope, write scope, or an administrator (write
// scope, and, when the token acts for a user, that user's role is admin).
enum class Access { kRead, kWrite, kAdmin };

struct Route {
  std::string_view method;
  std::string_view path;  // template: "/api/v1/links/{id}"; one {param} at most
  Op op;
  Access access;
};

// Every route V1Routes serves, in the order they are matched.
absl::Span<const Route> Routes();

struct RouteMatch {
  const Route* route = nullptr;  // set when method and path match
  std::string param;             // the {param} segment, percent-decoded
  // When no route matched: the methods the path has ("GET, POST"), empty
  // when no route has that path.
  std::string allow;
};
RouteMatch MatchRoute(std::string_view method, std::string_view path);

// --- requests ---

struct Limits {
  int default_page = 100;
  int max_page = 1000;
  size_t max_body = 64 * 1024;  // JSON bodies of the configuration routes
  int max_depth = 8;
  size_t max_list = 100;        // excluded IPs, redirect URIs, form fields, ...
  size_t max_text = 2048;       // a URL, a name, an origin
};

// The query string's parameters: each at most once, all among `allowed`.
// Errors: InvalidArgument naming the parameter.
absl::StatusOr<Params> ReadQuery(std::string_view query,
                                 std::initializer_list<std::string_view> allowed);
// A JSON object body. Errors: InvalidArgument (not JSON, not an object, too
// deep or too large).
absl::StatusOr<boost::json::object> ReadJsonObject(std::string_view body, const Limits& limits = {});

// Opaque page cursors: `kind` keeps one list's cursor out of another.
std::string EncodeCursor(std::string_view kind, int64_t position);
absl::StatusOr<int64_t> DecodeCursor(std::string_view kind, std::string_view cursor);

struct Page {
  int limit = 100;
  int64_t position = 0;  // decoded cursor; 0 = the first page
};
// limit= (1..max_page) and cursor= of `query`.
absl::StatusOr<Page> ReadPage(const Params& query, std::string_view kind, const Limits& limits = {});

// from=/to= (RFC 3339), type=a,b (event type names) and contact_id= of an
// events list, into `q`.
absl::Status ReadEventFilters(const Params& query, store::EventQuery& q);

// Accepts scheme://host[:port] (http or https), optionally with a leading
// "*." in the host. Errors: InvalidArgument.
absl::Status ValidateOrigin(std::string_view origin);

// Applies a partial settings object to `settings`. Errors: InvalidArgument
// for an unknown key, a wrong type or a value out of range.
absl::Status PatchSettings(const boost::json::object& patch, store::WorkspaceSettings& settings);

// A field definition from {alias, label, type, isUniqueIdentifier,
// isPubliclyUpdatable}, over the existing definition of that alias if any.
absl::StatusOr<store::FieldDefinition> ReadField(const boost::json::object& body,
                                                 const std::vector<store::FieldDefinition>& existing);

// {url}: an absolute http(s) URL. Errors: InvalidArgument.
absl::StatusOr<std::string> ReadLinkUrl(const boost::json::object& body);

// A form definition as `spoor form create` stores it (collect/forms.h),
// with a name. Errors: InvalidArgument.
absl::StatusOr<collect::FormDefinition> ReadForm(const boost::json::object& body);

// A redirect URI a client may register: absolute https (http only on
// loopback), no fragment, printable. Errors: InvalidArgument.
absl::Status ValidateRedirectUri(std::string_view uri);

struct ClientSpec {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grants;  // empty: the default for the kind
  std::string scope = "write";
  bool is_public = false;
};
// {name, redirect_uris, grants, scope, public}. Errors: InvalidArgument.
absl::StatusOr<ClientSpec> ReadClientSpec(const boost::json::object& body);
// Checks a spec and fills in its grants. Errors: InvalidArgument.
absl::Status CompleteClientSpec(ClientSpec& spec);

struct NewClient {
  store::ApiClient client;
  std::string secret;  // shown once; empty for a public client
};
// A client of `workspace_id` with a new id and secret (stored hashed).
NewClient MakeClient(const ClientSpec& spec, int64_t workspace_id);

// --- answers ---

boost::json::object RenderSettings(const store::WorkspaceSettings& s);
boost::json::object RenderWorkspace(const store::Workspace& ws, bool with_write_key);
boost::json::object RenderField(const store::FieldDefinition& f);
// `path` is where the link redirects from (/r/ID, under /w/UUID/ for a
// workspace other than the default).
boost::json::object RenderLink(const store::LinkRecord& link, const store::Workspace& ws);
boost::json::object RenderForm(const store::FormRecord& form);
boost::json::object RenderContact(const store::ContactRecord& c);
boost::json::object RenderDevice(const store::DeviceRecord& d);
boost::json::object RenderEvent(const store::ActivityRecord& e);
boost::json::object RenderClient(const store::ApiClient& c, std::string_view workspace_uuid);
// {"data": [...], "next_cursor": "..." | null}
boost::json::object RenderPage(boost::json::array data, std::optional<std::string> next_cursor);

}  // namespace spoor::api::v1
