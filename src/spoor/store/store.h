// The store: everything Spoor keeps. One interface, engines beside it
// (sqlite/ now, postgres/ later).
//
// Thread-safety: a Store is safe to call from several threads; writes are
// serialized inside. In the server, one writer thread makes every write
// (group commit), and readers (export, API) use their own Store opened
// read-only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "spoor/common/event.h"

namespace spoor::store {

struct FieldDefinition {
  std::string alias;
  std::string label;
  std::string type = "text";
  bool is_unique_identifier = false;
  bool is_publicly_updatable = false;
};

struct WorkspaceSettings {
  int session_timeout_minutes = 30;
  bool honor_do_not_track = true;  // DNT: 1 and Sec-GPC: 1 are not tracked
  bool anonymize_ip = false;
  // Identify visitors by the signed contact token (ct) of tracked links.
  bool track_by_tracking_url = false;
  std::vector<std::string> excluded_ips;  // addresses or CIDRs
};

struct FormRecord {
  int64_t id = 0;
  std::string name;
  std::string definition;  // JSON, see collect/forms.h
  int64_t created_at_us = 0;
};

struct LinkRecord {
  std::string id;
  std::string url;
};

struct ApiClient {
  std::string client_id;
  std::string secret_hash;
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grants;  // client_credentials, authorization_code, refresh_token
  int64_t workspace_id = 0;
  std::string scope = "write";      // read | write
  bool revoked = false;
  bool is_public = false;           // no secret; PKCE required
};

struct OAuthToken {
  std::string token_hash;
  std::string kind = "access";      // access | refresh
  std::string client_id;
  int64_t workspace_id = 0;
  std::string scope;
  int64_t expires_at_us = 0;
  bool revoked = false;
  // Tokens issued from one authorization code, and every refresh of them,
  // share a family (the code's hash): reuse of the code or of a rotated
  // refresh token revokes the whole family. Empty for client_credentials.
  std::string family;
  int64_t user_id = 0;              // 0: the client itself
};

struct User {
  int64_t id = 0;
  std::string email;
  std::string password_hash;
  std::string role;                 // admin | editor | viewer
};

// A signed-in browser: the cookie's token is kept hashed.
struct WebSession {
  std::string token_hash;
  int64_t user_id = 0;
  int64_t expires_at_us = 0;
};

// An OAuth2 authorization code, kept hashed, single use.
struct AuthorizationCode {
  std::string code_hash;
  std::string client_id;
  int64_t user_id = 0;
  // As the authorization request sent it (empty when it was left out).
  std::string redirect_uri;
  std::string code_challenge;       // S256; empty without PKCE
  int64_t workspace_id = 0;
  std::string scope;
  int64_t expires_at_us = 0;
  bool used = false;
};

struct Workspace {
  int64_t id = 0;
  std::string write_key;  // public: it can only add events
  std::string uuid;
  std::string name;
  bool is_default = false;
  WorkspaceSettings settings;
  std::vector<std::string> tracking_domains;  // origins and https://*.x globs
  std::vector<FieldDefinition> fields;
  std::vector<FormRecord> forms;
  std::vector<LinkRecord> links;
};

struct InboxRow {
  int64_t seq = 0;
  std::string body;
};

struct StoreOptions {
  std::string data_dir;
  bool read_only = false;
  // FULL: a commit survives power loss. NORMAL only survives a process kill.
  bool synchronous_full = true;
  // Opens the journal, the ingest path (AppendInbox, ReadInbox): what the
  // server does, one process at a time. Other writers (the CLI) leave it.
  bool ingest = false;
  // The journal's segment size; 0 for the default.
  uint64_t journal_segment_bytes = 0;
};

enum class ExportKind { kContacts, kEvents, kSessions };

// One page of a paged export: the rows whose key is above `after`.
struct ExportPage {
  int64_t after = 0;  // the last key given so far (keys are positive)
  int limit = 1000;
  int rows = 0;  // rows this page gave
};

// Counts what was not stored and why (bots, DNT, ignored fields, ...).
struct CounterDelta {
  int64_t workspace_id = 0;
  std::string name;
  std::string reason;
  int64_t value = 0;
};

// A device now owned by another contact (merge, shared computer, unmerge):
// the receiver's identity cache must follow.
struct DeviceOwner {
  std::string device_id;
  int64_t workspace_id = 0;
  uint64_t contact_id = 0;
};

// Applied outcome of one batch, for logs and tests.
struct ApplyStats {
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t undecodable = 0;
  std::vector<DeviceOwner> device_moves;
};

// Which timeline entries to return: newest first, `limit` of them, older
// than the `before` cursor (the previous page's next_before), optionally of
// some types and within [from_us, to_us].
struct TimelineQuery {
  int limit = 100;
  std::string before;              // opaque cursor; empty = newest
  std::vector<std::string> types;  // page_view, custom, form_submit, ...
  int64_t from_us = 0;
  int64_t to_us = 0;               // 0 = no bound
};

// --- contacts, as the REST APIs read them ---

struct ContactRecord {
  int64_t id = 0;
  int64_t workspace_id = 0;
  int64_t created_at_us = 0;
  int64_t modified_at_us = 0;     // latest field write, else created_at
  int64_t last_active_us = 0;
  int64_t identified_at_us = 0;   // first identifier claimed; 0 = anonymous
  std::vector<std::pair<std::string, std::string>> fields;  // alias -> value
  std::vector<std::string> tags;
};

// One condition on a contact column: a built-in (id, date_added,
// date_modified, last_active, date_identified) or a field alias. Values are
// always bound, never spliced into SQL.
struct ContactFilter {
  std::string column;
  // eq neq lt lte gt gte like notLike in notIn isNull isNotNull
  std::string op = "eq";
  std::vector<std::string> values;
};

struct ContactQuery {
  int64_t workspace_id = 0;
  int64_t start = 0;
  int limit = 30;
  std::string order_by = "id";  // a built-in column or a field alias
  bool descending = false;
  std::vector<ContactFilter> filters;  // all must hold
  std::string text;                    // in any field value (LIKE, escaped)
  std::optional<bool> anonymous;
  // Keyset pagination for Spoor's own API: ids greater than this (by id).
  int64_t after_id = 0;
};

struct ContactPage {
  int64_t total = 0;
  std::vector<ContactRecord> contacts;
};

struct DeviceRecord {
  std::string device_id;
  int64_t created_at_us = 0;
  int64_t last_seen_us = 0;
  std::string user_agent;
};

struct ActivityRecord {
  std::string event_id;
  int64_t contact_id = 0;
  int64_t at_us = 0;
  std::string type;  // EventTypeName
  std::string source;
  std::string name, url, title, referrer, channel, properties_json;
  std::string utm_source, utm_medium, utm_campaign, utm_term, utm_content;
};

struct ActivityQuery {
  int64_t workspace_id = 0;
  int64_t contact_id = 0;  // 0 = every contact of the workspace
  std::vector<std::string> include_types, exclude_types;
  std::string text;        // in url, title or name
  int64_t from_us = 0, to_us = 0;
  bool ascending = false;
  int64_t offset = 0;
  int limit = 25;
};

struct ActivityPage {
  int64_t total = 0;
  std::vector<ActivityRecord> events;
};

// --- push notifications ---

struct PushApp {
  std::string id;  // uuid
  int64_t workspace_id = 0;
  std::string name;
  std::string platform;  // ios | android | web
  int64_t created_at_us = 0;
};

struct PushDevice {
  std::string device_token;
  std::string app_id;
  int64_t contact_id = 0;
  std::string user_id, platform, locale, app_version;
  int64_t registered_at_us = 0;
};

struct PushNotification {
  int64_t id = 0;
  std::string app_id;
  std::string title, body, campaign, deep_link;
  int64_t created_at_us = 0;
};

// One notification sent to one device.
struct PushSend {
  std::string tracking_id;  // uuid, carried in the notification's data
  int64_t workspace_id = 0;
  int64_t notification_id = 0;
  std::string device_token;
  int64_t contact_id = 0;
  std::string platform;
};

struct PushStats {
  struct Figures {
    int64_t sent = 0, received = 0, opened = 0, dismissed = 0;
    std::vector<int64_t> open_delays_us;  // opened_at - sent_at, ascending
  };
  Figures all;
  std::vector<std::pair<std::string, Figures>> by_platform;
};

// --- own API ---

// Events of a workspace (or of one contact and the contacts merged into
// it), newest stored first, by keyset: those stored before `before_seq`.
struct EventQuery {
  int64_t workspace_id = 0;
  int64_t contact_id = 0;          // 0 = every contact of the workspace
  std::vector<std::string> types;  // EventTypeName values; empty = all
  int64_t from_us = 0, to_us = 0;  // event time bounds; 0 = none
  int64_t before_seq = 0;          // 0 = from the newest
  int limit = 100;
};

struct EventRecord {
  int64_t seq = 0;  // the keyset position
  ActivityRecord event;
};

struct EventPage {
  std::vector<EventRecord> events;
  bool more = false;  // events remain after the last one
};

class Store {
 public:
  virtual ~Store() = default;

  // --- ingest path (writer thread) ---
  // Appends encoded events in one durable transaction, with consecutive
  // sequence numbers. Returns the last one, only after the commit is on disk.
  // Errors: Unavailable (disk full, I/O error; the store then refuses writes
  // until restarted).
  virtual absl::StatusOr<int64_t> AppendInbox(absl::Span<const std::string_view> bodies) = 0;
  // Rows with seq > `after_seq`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<InboxRow>> ReadInbox(int64_t after_seq, int limit) = 0;
  virtual absl::StatusOr<int64_t> ProcessedSeq() = 0;
  // Applies processed events and advances the processed watermark to
  // `through_seq`, in one transaction. An event id already stored for its
  // workspace is skipped (counted as a duplicate).
  virtual absl::StatusOr<ApplyStats> ApplyEvents(absl::Span<const Event> events,
                                                 int64_t through_seq) = 0;
  virtual absl::Status AddCounters(absl::Span<const CounterDelta> deltas) = 0;
  // Reverses the latest merge of `contact` into another: fields, tags,
  // devices and identities it brought go back. Returns the former winner.
  // Errors: NotFound when the contact was not merged.
  virtual absl::StatusOr<int64_t> UnmergeContact(int64_t contact, std::vector<DeviceOwner>* moves) = 0;

  // --- contact ids ---
  // Reserves `count` counter values and returns the first. Durable.
  virtual absl::StatusOr<uint64_t> ReserveContactCounter(uint64_t count) = 0;
  // A 32-byte secret kept in the store, created on first use.
  virtual absl::StatusOr<std::array<uint8_t, 32>> Secret(std::string_view name) = 0;

  // --- configuration ---
  virtual absl::StatusOr<Workspace> EnsureDefaultWorkspace() = 0;
  // A new workspace with the default contact fields and a write key.
  virtual absl::StatusOr<Workspace> CreateWorkspace(std::string_view name) = 0;
  virtual absl::StatusOr<std::vector<Workspace>> LoadWorkspaces() = 0;
  // Resolves a workspace by uuid; empty selects the default workspace.
  virtual absl::StatusOr<Workspace> FindWorkspace(std::string_view uuid) = 0;
  virtual absl::Status AddTrackingDomain(int64_t workspace_id, std::string_view origin) = 0;
  virtual absl::Status RemoveTrackingDomain(int64_t workspace_id, std::string_view origin) = 0;
  // Stores a form definition; returns its id.
  virtual absl::StatusOr<int64_t> CreateForm(int64_t workspace_id, std::string_view name,
                                             std::string_view definition) = 0;
  // --- forms API ---
  // Replaces a form's name and definition. Errors: NotFound, also for
  // another workspace's form.
  virtual absl::Status UpdateForm(int64_t workspace_id, int64_t id, std::string_view name,
                                  std::string_view definition) = 0;
  // Errors: NotFound, also for another workspace's form.
  virtual absl::Status DeleteForm(int64_t workspace_id, int64_t id) = 0;

  // Stores a tracked link to `url` under a new random id.
  virtual absl::StatusOr<std::string> CreateLink(int64_t workspace_id, std::string_view url) = 0;
  // Errors: AlreadyExists for a taken email.
  virtual absl::StatusOr<int64_t> CreateUser(std::string_view email,
                                             std::string_view password_hash,
                                             std::string_view role) = 0;
  virtual absl::Status CreateClient(const ApiClient& client) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<ApiClient> FindClient(std::string_view client_id) = 0;
  virtual absl::Status RevokeClient(std::string_view client_id) = 0;
  virtual absl::Status SaveToken(const OAuthToken& token) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<OAuthToken> FindToken(std::string_view token_hash) = 0;
  // --- users, sessions, OAuth2 ---
  // Errors: NotFound.
  virtual absl::StatusOr<User> FindUserByEmail(std::string_view email) = 0;
  virtual absl::StatusOr<User> FindUser(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<ApiClient>> ListClients() = 0;
  virtual absl::Status SaveWebSession(const WebSession& session) = 0;
  // Errors: NotFound (also once expired at `now_us`).
  virtual absl::StatusOr<WebSession> FindWebSession(std::string_view token_hash,
                                                    int64_t now_us) = 0;
  // Deletes that session and every session expired at `now_us`.
  virtual absl::Status DeleteWebSession(std::string_view token_hash, int64_t now_us) = 0;
  virtual absl::Status SaveAuthorizationCode(const AuthorizationCode& code) = 0;
  // Marks the code used and returns it as it was before (`used` tells a
  // replay). Errors: NotFound.
  virtual absl::StatusOr<AuthorizationCode> ConsumeAuthorizationCode(std::string_view code_hash) = 0;
  // Revokes the token if it is not yet revoked; returns whether this call
  // did (false: it was revoked already, e.g. a replayed refresh token).
  virtual absl::StatusOr<bool> RevokeToken(std::string_view token_hash) = 0;
  virtual absl::Status RevokeTokenFamily(std::string_view family) = 0;

  // Creates or updates a field definition.
  virtual absl::Status UpsertField(int64_t workspace_id, const FieldDefinition& field) = 0;
  virtual absl::Status SetWorkspaceSettings(int64_t workspace_id,
                                            const WorkspaceSettings& settings) = 0;
  // Every device id with its contact, for the receiver's identity cache.
  virtual absl::Status ForEachDevice(
      const std::function<void(std::string_view device_id, int64_t workspace_id,
                               uint64_t contact_id)>& fn) = 0;
  // Incremented whenever configuration changes, by any process.
  virtual absl::StatusOr<int64_t> ConfigVersion() = 0;

  // --- reading out ---
  // Calls `line` with one JSON object per row (NDJSON).
  virtual absl::Status ExportContacts(std::optional<int64_t> workspace_id,
                                      const std::function<void(std::string_view)>& line) = 0;
  virtual absl::Status ExportEvents(std::optional<int64_t> workspace_id,
                                    const std::function<void(std::string_view)>& line) = 0;
  virtual absl::Status ExportSessions(std::optional<int64_t> workspace_id,
                                      const std::function<void(std::string_view)>& line) = 0;
  virtual absl::Status ExportCounters(const std::function<void(std::string_view)>& line) = 0;
  // One page of a contacts, events or sessions export, in key order (id;
  // seq for events): the rows keyed above `page.after`, at most
  // `page.limit`, each given to `line`; `page.after` moves to the last row
  // given and `page.rows` counts them. A page shorter than its limit is the
  // last. Each page is a short read: a slow reader of a long export holds
  // no lock between pages.
  virtual absl::Status ExportPageOf(ExportKind kind, std::optional<int64_t> workspace_id,
                                    ExportPage& page,
                                    const std::function<void(std::string_view)>& line) = 0;
  // One contact (resolving merges) with its fields, tags, devices, merges
  // and its timeline: every event of it and of contacts merged into it,
  // newest first, with session boundaries. Errors: NotFound.
  virtual absl::StatusOr<std::string> ShowContact(int64_t contact, const TimelineQuery& query) = 0;

  // --- contacts API ---
  // Errors: InvalidArgument for an unknown column or operator.
  virtual absl::StatusOr<ContactPage> ListContacts(const ContactQuery& query) = 0;
  // A live (not merged away, not deleted) contact of the workspace.
  // Errors: NotFound, also for another workspace's contact.
  virtual absl::StatusOr<ContactRecord> GetContact(int64_t workspace_id, int64_t id) = 0;
  // The contact an applied event now belongs to (following merges).
  // Errors: NotFound.
  virtual absl::StatusOr<int64_t> EventContact(int64_t workspace_id, std::string_view event_id) = 0;
  virtual absl::StatusOr<std::vector<DeviceRecord>> ContactDevices(int64_t workspace_id,
                                                                   int64_t id) = 0;
  // A contact's timeline (with the contacts merged into it), or the
  // workspace's. Errors: NotFound for an unknown contact.
  virtual absl::StatusOr<ActivityPage> Activity(const ActivityQuery& query) = 0;

  // --- push notifications (writes are durable on return) ---
  // Errors: InvalidArgument.
  virtual absl::StatusOr<PushApp> CreatePushApp(int64_t workspace_id, std::string_view name,
                                                std::string_view platform) = 0;
  virtual absl::StatusOr<std::vector<PushApp>> ListPushApps(int64_t workspace_id) = 0;
  // Errors: NotFound (also for another workspace's app).
  virtual absl::StatusOr<PushApp> GetPushApp(int64_t workspace_id, std::string_view app_id) = 0;
  virtual absl::StatusOr<PushApp> UpdatePushApp(int64_t workspace_id, std::string_view app_id,
                                                std::string_view name, std::string_view platform) = 0;
  // Registers (or moves) a device token to `device.contact_id`, and records
  // it as the contact's identity of kind push_token. Errors: NotFound (app),
  // AlreadyExists (the token belongs to another app).
  virtual absl::Status RegisterPushDevice(int64_t workspace_id, const PushDevice& device) = 0;
  // Errors: NotFound.
  virtual absl::Status UnregisterPushDevice(int64_t workspace_id, std::string_view app_id,
                                            std::string_view device_token) = 0;
  virtual absl::StatusOr<std::vector<PushDevice>> ListPushDevices(int64_t workspace_id,
                                                                  std::string_view app_id) = 0;
  // A registered device by its token. Errors: NotFound.
  virtual absl::StatusOr<PushDevice> FindPushDevice(int64_t workspace_id,
                                                    std::string_view device_token) = 0;
  // Creates the notification and one send per registered (app) device among
  // `device_tokens`, plus every registered device of `contact_ids`. Returns
  // the sends. Errors: NotFound (app), InvalidArgument (an unknown token).
  virtual absl::StatusOr<std::pair<PushNotification, std::vector<PushSend>>> CreatePushNotification(
      int64_t workspace_id, const PushNotification& notification,
      const std::vector<std::string>& device_tokens, const std::vector<int64_t>& contact_ids) = 0;
  // Errors: NotFound.
  virtual absl::StatusOr<PushSend> FindPushSend(std::string_view tracking_id) = 0;
  // Figures of one notification (`notification_id` != 0) or of every
  // notification of an app. Errors: NotFound.
  virtual absl::StatusOr<PushStats> GetPushStats(int64_t workspace_id, int64_t notification_id,
                                                 std::string_view app_id) = 0;

  // --- own API ---
  // A page of events (see EventQuery). Errors: NotFound for a contact not
  // of the workspace; InvalidArgument for an unknown type name.
  virtual absl::StatusOr<EventPage> ListEvents(const EventQuery& query) = 0;
};

// Opens (creating and migrating when writable) the embedded SQLite store in
// options.data_dir.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options);

}  // namespace spoor::store
