// Applies decoded events to the relational tables inside the caller's
// transaction: contacts, devices, field values with provenance, tags,
// sessions and the event rows. Internal to store/sqlite; one owner.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "spoor/common/event.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/sqlite/identity.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

class Applier {
 public:
  static absl::StatusOr<std::unique_ptr<Applier>> Create(Db& db);

  // Applies `events` in order. Caller owns the transaction.
  absl::StatusOr<ApplyStats> Apply(absl::Span<const Event> events);
  // Drops in-memory caches (after a rolled-back transaction).
  void ForgetCaches();
  IdentityGraph& graph() { return *graph_; }

 private:
  struct SessionState {
    int64_t id = 0;
    int64_t last_event_at = 0;
    std::string utm_campaign, utm_source, referrer_host;
  };
  struct WorkspaceRules {
    int64_t session_timeout_us = 30LL * 60 * 1000000;
    absl::flat_hash_set<std::string> unique_fields;
  };

  explicit Applier(Db& db);
  absl::Status Prepare();
  absl::Status LoadRules();
  absl::Status ApplyOne(const Event& e, ApplyStats& stats);
  absl::Status EnsureContactAndDevice(const Event& e, int64_t contact);
  // The contact an event arrived with; for events without one, the owner of
  // its identifiers, else its spare contact id (0 when it has none).
  absl::StatusOr<int64_t> OriginContact(const Event& e);
  absl::Status EnsureContact(int64_t contact, int64_t workspace_id, int64_t at);
  // Resolves the event's contact through identifiers (merges, shared
  // computers). Sets `switched` when the event lands on a contact other than
  // its device's: then its field values only fill gaps.
  absl::StatusOr<int64_t> Identify(const Event& e, int64_t contact, int64_t at, bool& switched);
  absl::Status ApplyFields(const Event& e, int64_t contact, bool fill_gaps_only);
  absl::Status ApplyTags(const Event& e, int64_t contact);
  absl::StatusOr<int64_t> Sessionize(const Event& e, int64_t contact, int64_t at);
  absl::StatusOr<int64_t> StartSession(const Event& e, int64_t contact, int64_t at,
                                       SessionState* state);
  absl::StatusOr<std::optional<int64_t>> CoveringSession(const Event& e, int64_t contact,
                                                         int64_t at);
  absl::Status InsertEvent(const Event& e, int64_t contact, int64_t session_id, int64_t at);
  // kContactUpdate: an authenticated write; its values replace the contact's.
  absl::Status ApplyContactUpdate(const Event& e, int64_t origin, ApplyStats& stats);
  // kContactDelete: the contact, the contacts merged into it, and all their
  // fields, tags, identities, devices, sessions and events.
  absl::Status DeleteContact(const Event& e, ApplyStats& stats);
  // kPushInteraction: the send's figures always; the contact's timeline
  // only with the contact's tracking consent.
  absl::Status ApplyPushInteraction(const Event& e, ApplyStats& stats);
  absl::Status Count(int64_t workspace_id, std::string_view name, std::string_view reason);
  // Dictionary id of `s`, or 0 for an empty string.
  absl::StatusOr<int64_t> StringId(std::string_view s);

  Db& db_;
  std::unique_ptr<IdentityGraph> graph_;
  int64_t rules_version_ = -1;
  absl::flat_hash_map<int64_t, WorkspaceRules> rules_;
  absl::flat_hash_map<std::string, int64_t> strings_;
  absl::flat_hash_map<uint64_t, SessionState> sessions_;
  struct Statements;
  std::unique_ptr<Statements> st_;

 public:
  ~Applier();
};

// Host of a URL ("https://a.b:8/x" → "a.b"), or the input when it is a bare
// host. Lower-cased.
std::string HostOf(std::string_view url_or_host);

}  // namespace spoor::store::sqlite
