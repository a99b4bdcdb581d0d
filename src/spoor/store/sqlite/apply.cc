#include "spoor/store/sqlite/apply.h"

#include <algorithm>

#include <boost/json.hpp>

#include "spoor/common/strings.h"
#include "spoor/common/status.h"

namespace spoor::store::sqlite {
namespace {

constexpr size_t kMaxCachedStrings = 200000;
constexpr size_t kMaxCachedSessions = 200000;

}  // namespace

struct Applier::Statements {
  Stmt config_version, load_timeouts, load_unique;
  Stmt event_exists, insert_contact, touch_contact, mark_identified;
  Stmt insert_device, touch_device;
  Stmt field_value, upsert_field, fill_field, identity_of_kind;
  Stmt add_tag, remove_tag;
  Stmt latest_session, covering_session, insert_session, extend_session, widen_session;
  Stmt insert_event, find_string, insert_string, count;
  Stmt live_contact, release_identity, delete_field, contact_fields;
  Stmt push_received, push_opened, push_dismissed;
};

Applier::Applier(Db& db) : db_(db) {}
Applier::~Applier() = default;

std::string HostOf(std::string_view s) {
  size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  size_t end = s.find_first_of("/?#");
  if (end != std::string_view::npos) s = s.substr(0, end);
  size_t at = s.rfind('@');
  if (at != std::string_view::npos) s.remove_prefix(at + 1);
  if (!s.empty() && s.front() != '[') {
    size_t colon = s.find(':');
    if (colon != std::string_view::npos) s = s.substr(0, colon);
  }
  return AsciiLower(s);
}

absl::StatusOr<std::unique_ptr<Applier>> Applier::Create(Db& db) {
  std::unique_ptr<Applier> applier(new Applier(db));
  SPOOR_RETURN_IF_ERROR(applier->Prepare());
  return applier;
}

absl::Status Applier::Prepare() {
  st_ = std::make_unique<Statements>();
  struct Named {
    Stmt* stmt;
    std::string_view sql;
  };
  const Named all[] = {
      {&st_->config_version, "SELECT value FROM meta WHERE key = 'config_version'"},
      {&st_->load_timeouts, "SELECT id, settings FROM workspaces"},
      {&st_->load_unique,
       "SELECT workspace_id, alias FROM field_definitions WHERE is_unique_identifier = 1"},
      {&st_->event_exists, "SELECT 1 FROM events WHERE workspace_id = ?1 AND event_id = ?2"},
      {&st_->insert_contact,
       "INSERT OR IGNORE INTO contacts(id, workspace_id, created_at, last_active) "
       "VALUES (?1, ?2, ?3, ?3)"},
      {&st_->touch_contact,
       "UPDATE contacts SET last_active = max(last_active, ?2) WHERE id = ?1"},
      {&st_->mark_identified, "UPDATE contacts SET identified = 1 WHERE id = ?1"},
      {&st_->insert_device,
       "INSERT OR IGNORE INTO devices(device_id, workspace_id, contact_id, created_at, last_seen,"
       " user_agent_id) VALUES (?1, ?2, ?3, ?4, ?4, ?5)"},
      {&st_->touch_device,
       "UPDATE devices SET last_seen = max(last_seen, ?2) WHERE device_id = ?1"},
      {&st_->field_value,
       "SELECT value FROM contact_fields WHERE contact_id = ?1 AND alias = ?2"},
      {&st_->fill_field,
       "INSERT OR IGNORE INTO contact_fields(contact_id, alias, value, source, event_id, "
       "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&st_->identity_of_kind,
       "SELECT value FROM identities WHERE contact_id = ?1 AND kind = ?2 AND value != ?3 LIMIT 1"},
      {&st_->upsert_field,
       "INSERT INTO contact_fields(contact_id, alias, value, source, event_id, updated_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(contact_id, alias) DO UPDATE SET "
       "value = excluded.value, source = excluded.source, event_id = excluded.event_id, "
       "updated_at = excluded.updated_at WHERE value != excluded.value"},
      {&st_->add_tag,
       "INSERT OR IGNORE INTO contact_tags(contact_id, tag, added_at) VALUES (?1, ?2, ?3)"},
      {&st_->remove_tag, "DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2"},
      {&st_->latest_session,
       "SELECT s.id, s.last_event_at, s.utm_campaign, s.utm_source, r.value FROM sessions s "
       "LEFT JOIN strings r ON r.id = s.referrer_id WHERE s.contact_id = ?1 "
       "ORDER BY s.last_event_at DESC LIMIT 1"},
      {&st_->covering_session,
       "SELECT s.id, s.last_event_at, s.utm_campaign, s.utm_source, r.value FROM sessions s "
       "LEFT JOIN strings r ON r.id = s.referrer_id WHERE s.contact_id = ?1 "
       "AND s.started_at <= ?2 + ?3 AND s.last_event_at >= ?2 - ?3 "
       "ORDER BY abs(s.started_at - ?2) LIMIT 1"},
      {&st_->widen_session,
       "UPDATE sessions SET started_at = min(started_at, ?2), last_event_at = max(last_event_at, ?2),"
       " event_count = event_count + 1, landing_url_id = CASE WHEN ?2 < started_at "
       "THEN coalesce(?3, landing_url_id) ELSE landing_url_id END, exit_url_id = CASE WHEN "
       "?2 >= last_event_at THEN coalesce(?3, exit_url_id) ELSE exit_url_id END WHERE id = ?1"},
      {&st_->insert_session,
       "INSERT INTO sessions(workspace_id, contact_id, device_id, started_at, last_event_at, "
       "event_count, landing_url_id, exit_url_id, referrer_id, utm_source, utm_medium, "
       "utm_campaign, utm_term, utm_content, channel, browser, os, device_type) "
       "VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"},
      {&st_->extend_session,
       "UPDATE sessions SET last_event_at = max(last_event_at, ?2), event_count = event_count + 1,"
       " exit_url_id = coalesce(?3, exit_url_id) WHERE id = ?1"},
      {&st_->insert_event,
       "INSERT INTO events(workspace_id, event_id, received_at, client_time, type, source, "
       "contact_id, device_id, session_id, url_id, title_id, referrer_id, language, utm_source, "
       "utm_medium, utm_campaign, utm_term, utm_content, channel, name, properties, ip, "
       "user_agent_id, event_time, origin_contact_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
       "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)"},
      {&st_->live_contact,
       "SELECT 1 FROM contacts WHERE id = ?1 AND workspace_id = ?2 AND merged_into IS NULL"},
      {&st_->release_identity,
       "DELETE FROM identities WHERE workspace_id = ?1 AND kind = ?2 AND contact_id = ?3"},
      {&st_->delete_field, "DELETE FROM contact_fields WHERE contact_id = ?1 AND alias = ?2"},
      {&st_->contact_fields, "SELECT alias FROM contact_fields WHERE contact_id = ?1"},
      {&st_->push_received,
       "UPDATE push_sends SET received_at = ?2 WHERE tracking_id = ?1 AND received_at IS NULL"},
      {&st_->push_opened,
       "UPDATE push_sends SET opened_at = ?2, received_at = coalesce(received_at, ?2) "
       "WHERE tracking_id = ?1 AND opened_at IS NULL"},
      {&st_->push_dismissed,
       "UPDATE push_sends SET dismissed_at = ?2, received_at = coalesce(received_at, ?2) "
       "WHERE tracking_id = ?1 AND dismissed_at IS NULL"},
      {&st_->find_string, "SELECT id FROM strings WHERE value = ?1"},
      {&st_->insert_string, "INSERT INTO strings(value) VALUES (?1)"},
      {&st_->count,
       "INSERT INTO counters(workspace_id, name, reason, value) VALUES (?1, ?2, ?3, 1) "
       "ON CONFLICT(workspace_id, name, reason) DO UPDATE SET value = value + 1"},
  };
  for (const Named& n : all) {
    SPOOR_ASSIGN_OR_RETURN(*n.stmt, db_.Prepare(n.sql));
  }
  SPOOR_ASSIGN_OR_RETURN(graph_, IdentityGraph::Create(db_));
  return absl::OkStatus();
}

absl::Status Applier::LoadRules() {
  SPOOR_ASSIGN_OR_RETURN(bool found, st_->config_version.Step());
  int64_t version = found ? st_->config_version.Int(0) : 0;
  st_->config_version.Reset();
  if (version == rules_version_) return absl::OkStatus();
  rules_.clear();
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, st_->load_timeouts.Step());
    if (!row) break;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(st_->load_timeouts.Text(1), ec);
    WorkspaceRules& rules = rules_[st_->load_timeouts.Int(0)];
    if (!ec && v.is_object()) {
      if (auto* p = v.get_object().if_contains("session_timeout_minutes"); p && p->is_int64()) {
        rules.session_timeout_us = std::max<int64_t>(1, p->get_int64()) * 60 * 1000000;
      }
    }
  }
  st_->load_timeouts.Reset();
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, st_->load_unique.Step());
    if (!row) break;
    rules_[st_->load_unique.Int(0)].unique_fields.emplace(st_->load_unique.Text(1));
  }
  st_->load_unique.Reset();
  rules_version_ = version;
  return absl::OkStatus();
}

void Applier::ForgetCaches() {
  strings_.clear();
  sessions_.clear();
  rules_version_ = -1;
}

absl::StatusOr<ApplyStats> Applier::Apply(absl::Span<const Event> events) {
  SPOOR_RETURN_IF_ERROR(LoadRules());
  if (strings_.size() > kMaxCachedStrings) strings_.clear();
  if (sessions_.size() > kMaxCachedSessions) sessions_.clear();
  ApplyStats stats;
  for (const Event& e : events) SPOOR_RETURN_IF_ERROR(ApplyOne(e, stats));
  return stats;
}

absl::Status Applier::ApplyOne(const Event& e, ApplyStats& stats) {
  if (e.type != EventType::kDeviceCreated) {
    st_->event_exists.Bind(1, e.workspace_id).Bind(2, e.id);
    absl::StatusOr<bool> exists = st_->event_exists.Step();
    st_->event_exists.Reset();
    SPOOR_RETURN_IF_ERROR(exists.status());
    if (*exists) {
      ++stats.duplicates;
      return absl::OkStatus();
    }
  }
  if (e.type == EventType::kContactDelete) return DeleteContact(e, stats);
  if (e.type == EventType::kPushInteraction) return ApplyPushInteraction(e, stats);
  // Server-side events may come with identifiers but no device or contact.
  SPOOR_ASSIGN_OR_RETURN(int64_t origin, OriginContact(e));
  if (origin == 0) {
    SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "events_dropped", "no_contact"));
    return absl::OkStatus();
  }
  if (e.type == EventType::kContactUpdate) return ApplyContactUpdate(e, origin, stats);
  SPOOR_RETURN_IF_ERROR(EnsureContactAndDevice(e, origin));
  if (e.type == EventType::kDeviceCreated) {
    ++stats.applied;
    return absl::OkStatus();
  }
  // Placed by event time: a device's owner then, not now.
  const int64_t at = e.client_time_us != 0 ? e.client_time_us : e.received_at_us;
  int64_t contact = origin;
  if (!e.device_id.empty()) {
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner, graph_->DeviceOwnerAt(e.device_id, at));
    if (owner) contact = *owner;
  }
  SPOOR_ASSIGN_OR_RETURN(contact, graph_->Root(contact));
  bool switched = false;
  SPOOR_ASSIGN_OR_RETURN(contact, Identify(e, contact, at, switched));
  SPOOR_RETURN_IF_ERROR(ApplyFields(e, contact, switched));
  SPOOR_RETURN_IF_ERROR(ApplyTags(e, contact));
  SPOOR_ASSIGN_OR_RETURN(int64_t session_id, Sessionize(e, contact, at));
  SPOOR_RETURN_IF_ERROR(InsertEvent(e, contact, session_id, at));
  ++stats.applied;
  return absl::OkStatus();
}

absl::Status Applier::EnsureContact(int64_t contact, int64_t workspace_id, int64_t at) {
  SPOOR_RETURN_IF_ERROR(
      st_->insert_contact.Bind(1, contact).Bind(2, workspace_id).Bind(3, at).Run());
  if (db_.Changes() == 0) {
    SPOOR_RETURN_IF_ERROR(st_->touch_contact.Bind(1, contact).Bind(2, at).Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Applier::OriginContact(const Event& e) {
  if (e.contact_id != 0) return static_cast<int64_t>(e.contact_id);
  const WorkspaceRules& rules = rules_[e.workspace_id];
  if (!e.user_id.empty()) {
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner,
                           graph_->Owner(e.workspace_id, "external", e.user_id));
    if (owner) return *owner;
  }
  for (const auto& [alias, value] : e.fields) {
    if (value.empty() || !rules.unique_fields.contains(alias)) continue;
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner, graph_->Owner(e.workspace_id, alias, value));
    if (owner) return *owner;
  }
  return static_cast<int64_t>(e.spare_contact_id);
}

absl::Status Applier::EnsureContactAndDevice(const Event& e, int64_t contact) {
  SPOOR_RETURN_IF_ERROR(EnsureContact(contact, e.workspace_id, e.received_at_us));
  if (e.device_id.empty()) return absl::OkStatus();
  SPOOR_ASSIGN_OR_RETURN(int64_t ua, StringId(e.user_agent));
  st_->insert_device.Bind(1, e.device_id).Bind(2, e.workspace_id).Bind(3, contact)
      .Bind(4, e.received_at_us);
  if (ua) st_->insert_device.Bind(5, ua);
  SPOOR_RETURN_IF_ERROR(st_->insert_device.Run());
  if (db_.Changes() == 0) {
    SPOOR_RETURN_IF_ERROR(st_->touch_device.Bind(1, e.device_id).Bind(2, e.received_at_us).Run());
  }
  return absl::OkStatus();
}

absl::Status Applier::Count(int64_t workspace_id, std::string_view name, std::string_view reason) {
  return st_->count.Bind(1, workspace_id).Bind(2, name).Bind(3, reason).Run();
}

absl::StatusOr<int64_t> Applier::Identify(const Event& e, int64_t contact, int64_t at,
                                          bool& switched) {
  const WorkspaceRules& rules = rules_[e.workspace_id];
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& [alias, value] : e.fields) {
    if (!value.empty() && rules.unique_fields.contains(alias)) ids.emplace_back(alias, value);
  }
  if (!e.user_id.empty()) ids.emplace_back("external", e.user_id);
  for (const auto& [kind, value] : ids) {
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner,
                           graph_->Owner(e.workspace_id, kind, value));
    if (owner && *owner == contact) continue;
    if (owner) {
      SPOOR_ASSIGN_OR_RETURN(bool identified, graph_->HasIdentity(contact));
      if (!identified) {
        // Deanonymization: the anonymous contact and its history join the
        // identified one.
        SPOOR_RETURN_IF_ERROR(graph_->Merge(e.workspace_id, *owner, contact,
                                            {e.id, kind, value, at}));
        SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "identity", "merged"));
      } else if (!e.device_id.empty()) {
        // Shared computer: two identified people are never merged; the
        // device moves to the one identified now, history stays.
        SPOOR_RETURN_IF_ERROR(
            graph_->MoveDevice(e.device_id, e.workspace_id, *owner, at, "identified"));
        SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "identity", "device_moved"));
      }
      contact = *owner;
      switched = true;
      continue;
    }
    st_->identity_of_kind.Bind(1, contact).Bind(2, kind).Bind(3, value);
    absl::StatusOr<bool> other = st_->identity_of_kind.Step();
    st_->identity_of_kind.Reset();
    SPOOR_RETURN_IF_ERROR(other.status());
    if (*other) {
      // This contact is someone else: a new person on a shared device.
      if (e.spare_contact_id == 0 || e.device_id.empty()) {
        SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "fields_ignored", "identifier_already_set"));
        continue;
      }
      auto fresh = static_cast<int64_t>(e.spare_contact_id);
      SPOOR_RETURN_IF_ERROR(EnsureContact(fresh, e.workspace_id, at));
      SPOOR_RETURN_IF_ERROR(graph_->MoveDevice(e.device_id, e.workspace_id, fresh, at, "identified"));
      SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "identity", "new_person_on_device"));
      contact = fresh;
    }
    SPOOR_RETURN_IF_ERROR(graph_->Claim(e.workspace_id, kind, value, contact, at));
    SPOOR_RETURN_IF_ERROR(st_->mark_identified.Bind(1, contact).Run());
  }
  return contact;
}

absl::Status Applier::ApplyFields(const Event& e, int64_t contact, bool fill_gaps_only) {
  const WorkspaceRules& rules = rules_[e.workspace_id];
  std::string source(EventSourceName(e.source));
  for (const auto& [alias, value] : e.fields) {
    if (value.empty()) continue;
    // An identifier, or a request that landed on someone else's contact,
    // never replaces a value the contact already has.
    bool fill = fill_gaps_only || rules.unique_fields.contains(alias);
    Stmt& q = fill ? st_->fill_field : st_->upsert_field;
    SPOOR_RETURN_IF_ERROR(q.Bind(1, contact).Bind(2, alias).Bind(3, value).Bind(4, source)
                              .Bind(5, e.id).Bind(6, e.received_at_us).Run());
    if (fill && db_.Changes() == 0) {
      SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "fields_ignored", "already_set"));
    }
  }
  return absl::OkStatus();
}

absl::Status Applier::ApplyTags(const Event& e, int64_t contact) {
  for (const std::string& tag : e.tags_add) {
    SPOOR_RETURN_IF_ERROR(
        st_->add_tag.Bind(1, contact).Bind(2, tag).Bind(3, e.received_at_us).Run());
  }
  for (const std::string& tag : e.tags_remove) {
    SPOOR_RETURN_IF_ERROR(st_->remove_tag.Bind(1, contact).Bind(2, tag).Run());
  }
  return absl::OkStatus();
}

namespace {

bool BreaksSession(const Event& e, std::string_view campaign, std::string_view source,
                   std::string_view referrer_host) {
  std::string ref_host = e.referrer.empty() ? std::string() : HostOf(e.referrer);
  bool external_referrer = !ref_host.empty() && ref_host != HostOf(e.url);
  bool new_campaign = (!e.utm.campaign.empty() && e.utm.campaign != campaign) ||
                      (!e.utm.source.empty() && e.utm.source != source);
  return new_campaign || (external_referrer && ref_host != referrer_host);
}

}  // namespace

absl::StatusOr<int64_t> Applier::Sessionize(const Event& e, int64_t contact, int64_t at) {
  const int64_t timeout = rules_[e.workspace_id].session_timeout_us;
  auto it = sessions_.find(static_cast<uint64_t>(contact));
  if (it != sessions_.end() && at >= it->second.last_event_at) {
    // In order: the common case, decided from memory.
    SessionState& s = it->second;
    if (at - s.last_event_at > timeout ||
        BreaksSession(e, s.utm_campaign, s.utm_source, s.referrer_host)) {
      return StartSession(e, contact, at, &s);
    }
    SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
    st_->extend_session.Bind(1, s.id).Bind(2, at);
    if (url) st_->extend_session.Bind(3, url);
    SPOOR_RETURN_IF_ERROR(st_->extend_session.Run());
    s.last_event_at = at;
    return s.id;
  }
  // Late or first seen: find the session whose span (± timeout) holds it.
  SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> covering, CoveringSession(e, contact, at));
  if (covering) {
    SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
    st_->widen_session.Bind(1, *covering).Bind(2, at);
    if (url) st_->widen_session.Bind(3, url);
    SPOOR_RETURN_IF_ERROR(st_->widen_session.Run());
    sessions_.erase(static_cast<uint64_t>(contact));
    return *covering;
  }
  SessionState fresh;
  SPOOR_ASSIGN_OR_RETURN(int64_t id, StartSession(e, contact, at, &fresh));
  if (it == sessions_.end()) sessions_.emplace(static_cast<uint64_t>(contact), std::move(fresh));
  return id;
}

absl::StatusOr<std::optional<int64_t>> Applier::CoveringSession(const Event& e, int64_t contact,
                                                                int64_t at) {
  const int64_t timeout = rules_[e.workspace_id].session_timeout_us;
  st_->covering_session.Bind(1, contact).Bind(2, at).Bind(3, timeout);
  absl::StatusOr<bool> row = st_->covering_session.Step();
  std::optional<int64_t> out;
  if (row.ok() && *row) {
    std::string campaign(st_->covering_session.Text(2));
    std::string source(st_->covering_session.Text(3));
    std::string referrer = HostOf(st_->covering_session.Text(4));
    if (!BreaksSession(e, campaign, source, referrer)) out = st_->covering_session.Int(0);
  }
  st_->covering_session.Reset();
  SPOOR_RETURN_IF_ERROR(row.status());
  return out;
}

absl::StatusOr<int64_t> Applier::StartSession(const Event& e, int64_t contact, int64_t at,
                                              SessionState* s) {
  SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
  SPOOR_ASSIGN_OR_RETURN(int64_t referrer, StringId(e.referrer));
  Stmt& q = st_->insert_session;
  q.Bind(1, e.workspace_id).Bind(2, contact).BindText(3, e.device_id).Bind(4, at);
  if (url) q.Bind(5, url);
  if (referrer) q.Bind(6, referrer);
  q.BindText(7, e.utm.source).BindText(8, e.utm.medium).BindText(9, e.utm.campaign)
      .BindText(10, e.utm.term).BindText(11, e.utm.content).BindText(12, e.channel)
      .BindText(13, e.browser).BindText(14, e.os).BindText(15, e.device_type);
  SPOOR_RETURN_IF_ERROR(q.Run());
  int64_t id = db_.LastInsertRowid();
  if (s != nullptr) {
    s->id = id;
    s->last_event_at = at;
    s->utm_campaign = e.utm.campaign;
    s->utm_source = e.utm.source;
    s->referrer_host = e.referrer.empty() ? std::string() : HostOf(e.referrer);
  }
  return id;
}

absl::Status Applier::InsertEvent(const Event& e, int64_t contact, int64_t session_id,
                                  int64_t at) {
  SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
  SPOOR_ASSIGN_OR_RETURN(int64_t title, StringId(e.title));
  SPOOR_ASSIGN_OR_RETURN(int64_t referrer, StringId(e.referrer));
  SPOOR_ASSIGN_OR_RETURN(int64_t ua, StringId(e.user_agent));
  Stmt& q = st_->insert_event;
  q.Bind(1, e.workspace_id).Bind(2, e.id).Bind(3, e.received_at_us);
  if (e.client_time_us) q.Bind(4, e.client_time_us);
  q.Bind(5, int64_t{static_cast<uint8_t>(e.type)}).Bind(6, int64_t{static_cast<uint8_t>(e.source)})
      .Bind(7, contact).BindText(8, e.device_id).Bind(9, session_id);
  if (url) q.Bind(10, url);
  if (title) q.Bind(11, title);
  if (referrer) q.Bind(12, referrer);
  q.BindText(13, e.language).BindText(14, e.utm.source).BindText(15, e.utm.medium)
      .BindText(16, e.utm.campaign).BindText(17, e.utm.term).BindText(18, e.utm.content)
      .BindText(19, e.channel).BindText(20, e.name);
  if (!e.properties.empty() || !e.properties_json.empty()) {
    boost::json::object props;
    if (!e.properties_json.empty()) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(e.properties_json, ec);
      if (!ec && v.is_object()) props = std::move(v.as_object());
    }
    for (const auto& [k, v] : e.properties) {
      if (!props.contains(k)) props[k] = v;
    }
    q.Bind(21, boost::json::serialize(props));
  }
  q.BindText(22, e.ip);
  if (ua) q.Bind(23, ua);
  q.Bind(24, at).Bind(25, static_cast<int64_t>(e.contact_id != 0 ? e.contact_id : contact));
  return q.Run();
}

absl::StatusOr<int64_t> Applier::StringId(std::string_view s) {
  if (s.empty()) return 0;
  if (auto it = strings_.find(ToAbsl(s)); it != strings_.end()) return it->second;
  st_->find_string.Bind(1, s);
  absl::StatusOr<bool> found = st_->find_string.Step();
  int64_t id = found.ok() && *found ? st_->find_string.Int(0) : 0;
  st_->find_string.Reset();
  SPOOR_RETURN_IF_ERROR(found.status());
  if (id == 0) {
    SPOOR_RETURN_IF_ERROR(st_->insert_string.Bind(1, s).Run());
    id = db_.LastInsertRowid();
  }
  strings_.emplace(std::string(s), id);
  return id;
}

}  // namespace spoor::store::sqlite

namespace spoor::store::sqlite {

absl::Status Applier::ApplyContactUpdate(const Event& e, int64_t origin, ApplyStats& stats) {
  const int64_t at = e.received_at_us;
  if (e.contact_id != 0) {
    // An edit by id: the contact must still be there (not deleted or merged
    // since the request was checked).
    st_->live_contact.Bind(1, origin).Bind(2, e.workspace_id);
    absl::StatusOr<bool> live = st_->live_contact.Step();
    st_->live_contact.Reset();
    SPOOR_RETURN_IF_ERROR(live.status());
    if (!*live) return Count(e.workspace_id, "api_writes_dropped", "contact_missing");
  }
  SPOOR_RETURN_IF_ERROR(EnsureContact(origin, e.workspace_id, at));
  SPOOR_ASSIGN_OR_RETURN(int64_t contact, graph_->Root(origin));
  const WorkspaceRules& rules = rules_[e.workspace_id];
  std::string source(EventSourceName(e.source));

  // Identifiers: claimed, replacing this contact's former value of the kind;
  // one held by another contact is left alone (an edit never merges).
  absl::flat_hash_set<std::string> taken;
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& [alias, value] : e.fields) {
    if (!value.empty() && rules.unique_fields.contains(alias)) ids.emplace_back(alias, value);
  }
  if (!e.user_id.empty()) ids.emplace_back("external", e.user_id);
  for (const auto& [kind, value] : ids) {
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner, graph_->Owner(e.workspace_id, kind, value));
    if (owner && *owner == contact) continue;
    if (owner) {
      taken.insert(kind);
      SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "fields_ignored", "identifier_taken"));
      continue;
    }
    SPOOR_RETURN_IF_ERROR(
        st_->release_identity.Bind(1, e.workspace_id).Bind(2, kind).Bind(3, contact).Run());
    SPOOR_RETURN_IF_ERROR(graph_->Claim(e.workspace_id, kind, value, contact, at));
    SPOOR_RETURN_IF_ERROR(st_->mark_identified.Bind(1, contact).Run());
  }

  absl::flat_hash_set<std::string> named;
  for (const auto& [alias, value] : e.fields) {
    named.insert(alias);
    if (taken.contains(alias)) continue;
    if (value.empty()) {
      if (!e.overwrite_blank) continue;  // Mautic: a blank never erases unless asked
      SPOOR_RETURN_IF_ERROR(st_->delete_field.Bind(1, contact).Bind(2, alias).Run());
      if (rules.unique_fields.contains(alias)) {
        SPOOR_RETURN_IF_ERROR(
            st_->release_identity.Bind(1, e.workspace_id).Bind(2, alias).Bind(3, contact).Run());
      }
      continue;
    }
    SPOOR_RETURN_IF_ERROR(st_->upsert_field.Bind(1, contact).Bind(2, alias).Bind(3, value)
                              .Bind(4, source).Bind(5, e.id).Bind(6, at).Run());
  }
  if (e.replace_fields) {
    std::vector<std::string> stale;
    st_->contact_fields.Bind(1, contact);
    while (true) {
      absl::StatusOr<bool> row = st_->contact_fields.Step();
      if (!row.ok()) {
        st_->contact_fields.Reset();
        return row.status();
      }
      if (!*row) break;
      std::string alias(st_->contact_fields.Text(0));
      if (!named.contains(alias)) stale.push_back(std::move(alias));
    }
    st_->contact_fields.Reset();
    for (const std::string& alias : stale) {
      SPOOR_RETURN_IF_ERROR(st_->delete_field.Bind(1, contact).Bind(2, alias).Run());
      if (rules.unique_fields.contains(alias)) {
        SPOOR_RETURN_IF_ERROR(
            st_->release_identity.Bind(1, e.workspace_id).Bind(2, alias).Bind(3, contact).Run());
      }
    }
  }
  SPOOR_RETURN_IF_ERROR(ApplyTags(e, contact));
  // The write is kept in the timeline (no session: it is not a visit).
  SPOOR_RETURN_IF_ERROR(InsertEvent(e, contact, 0, at));
  ++stats.applied;
  return absl::OkStatus();
}

absl::Status Applier::DeleteContact(const Event& e, ApplyStats& stats) {
  const auto contact = static_cast<int64_t>(e.contact_id);
  st_->live_contact.Bind(1, contact).Bind(2, e.workspace_id);
  absl::StatusOr<bool> live = st_->live_contact.Step();
  st_->live_contact.Reset();
  SPOOR_RETURN_IF_ERROR(live.status());
  if (!*live) {
    ++stats.duplicates;  // already gone: a retried delete
    return absl::OkStatus();
  }
  // The contact and every contact merged into it, transitively.
  SPOOR_ASSIGN_OR_RETURN(Stmt family, db_.Prepare(
      "WITH RECURSIVE f(id) AS (SELECT ?1 UNION SELECT c.id FROM contacts c JOIN f "
      "ON c.merged_into = f.id) SELECT id FROM f"));
  family.Bind(1, contact);
  std::vector<int64_t> ids;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, family.Step());
    if (!row) break;
    ids.push_back(family.Int(0));
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt devices, db_.Prepare("SELECT device_id FROM devices WHERE contact_id = ?1"));
  for (int64_t id : ids) {
    devices.Bind(1, id);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, devices.Step());
      if (!row) break;
      stats.device_moves.push_back({std::string(devices.Text(0)), e.workspace_id, 0});
    }
    devices.Reset();
  }
  constexpr std::string_view kDeletes[] = {
      "DELETE FROM device_history WHERE device_id IN (SELECT device_id FROM devices "
      "WHERE contact_id = ?1)",
      "DELETE FROM devices WHERE contact_id = ?1",
      "DELETE FROM contact_fields WHERE contact_id = ?1",
      "DELETE FROM contact_tags WHERE contact_id = ?1",
      "DELETE FROM identities WHERE contact_id = ?1",
      "DELETE FROM sessions WHERE contact_id = ?1",
      "DELETE FROM events WHERE contact_id = ?1",
      "DELETE FROM merges WHERE winner_id = ?1 OR loser_id = ?1",
      "DELETE FROM contacts WHERE id = ?1",
  };
  for (std::string_view sql : kDeletes) {
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_.Prepare(sql));
    for (int64_t id : ids) {
      SPOOR_RETURN_IF_ERROR(stmt.Bind(1, id).Run());
    }
  }
  for (int64_t id : ids) sessions_.erase(static_cast<uint64_t>(id));
  ++stats.applied;
  return Count(e.workspace_id, "contacts", "deleted");
}

}  // namespace spoor::store::sqlite

namespace spoor::store::sqlite {

absl::Status Applier::ApplyPushInteraction(const Event& e, ApplyStats& stats) {
  std::string tracking_id, status;
  for (const auto& [k, v] : e.properties) {
    if (k == "tracking_id") tracking_id = v;
    if (k == "status") status = v;
  }
  Stmt* figure = status == "opened"      ? &st_->push_opened
                 : status == "received"  ? &st_->push_received
                 : status == "dismissed" ? &st_->push_dismissed
                                         : nullptr;
  if (figure == nullptr || tracking_id.empty()) {
    return Count(e.workspace_id, "push_interactions_dropped", "malformed");
  }
  const int64_t at = e.received_at_us;
  SPOOR_RETURN_IF_ERROR(figure->Bind(1, tracking_id).Bind(2, at).Run());
  if (e.contact_id == 0) return Count(e.workspace_id, "push_interactions", "no_contact");
  SPOOR_ASSIGN_OR_RETURN(int64_t contact, graph_->Root(static_cast<int64_t>(e.contact_id)));
  // Only with the contact's tracking consent does the interaction join the
  // person's timeline; otherwise it stays in the notification's figures.
  st_->field_value.Bind(1, contact).Bind(2, "consent_tracking");
  absl::StatusOr<bool> has = st_->field_value.Step();
  bool consent = has.ok() && *has && st_->field_value.Text(0) == "1";
  st_->field_value.Reset();
  SPOOR_RETURN_IF_ERROR(has.status());
  if (!consent) return Count(e.workspace_id, "push_interactions", "no_consent");
  SPOOR_RETURN_IF_ERROR(InsertEvent(e, contact, 0, at));
  SPOOR_RETURN_IF_ERROR(st_->touch_contact.Bind(1, contact).Bind(2, at).Run());
  ++stats.applied;
  return absl::OkStatus();
}

}  // namespace spoor::store::sqlite
