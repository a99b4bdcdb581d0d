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
  Stmt field_owner, field_value, upsert_field;
  Stmt add_tag, remove_tag;
  Stmt latest_session, insert_session, extend_session;
  Stmt insert_event, find_string, insert_string, count;
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
      {&st_->field_owner,
       "SELECT f.contact_id FROM contact_fields f JOIN contacts c ON c.id = f.contact_id "
       "WHERE f.alias = ?1 AND f.value = ?2 AND c.workspace_id = ?3 AND f.contact_id != ?4 "
       "AND c.merged_into IS NULL LIMIT 1"},
      {&st_->field_value,
       "SELECT value FROM contact_fields WHERE contact_id = ?1 AND alias = ?2"},
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
      {&st_->insert_session,
       "INSERT INTO sessions(workspace_id, contact_id, device_id, started_at, last_event_at, "
       "event_count, landing_url_id, exit_url_id, referrer_id, utm_source, utm_medium, "
       "utm_campaign, utm_term, utm_content, channel) "
       "VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
      {&st_->extend_session,
       "UPDATE sessions SET last_event_at = max(last_event_at, ?2), event_count = event_count + 1,"
       " exit_url_id = coalesce(?3, exit_url_id) WHERE id = ?1"},
      {&st_->insert_event,
       "INSERT INTO events(workspace_id, event_id, received_at, client_time, type, source, "
       "contact_id, device_id, session_id, url_id, title_id, referrer_id, language, utm_source, "
       "utm_medium, utm_campaign, utm_term, utm_content, channel, name, properties, ip, "
       "user_agent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
       " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"},
      {&st_->find_string, "SELECT id FROM strings WHERE value = ?1"},
      {&st_->insert_string, "INSERT INTO strings(value) VALUES (?1)"},
      {&st_->count,
       "INSERT INTO counters(workspace_id, name, reason, value) VALUES (?1, ?2, ?3, 1) "
       "ON CONFLICT(workspace_id, name, reason) DO UPDATE SET value = value + 1"},
  };
  for (const Named& n : all) {
    SPOOR_ASSIGN_OR_RETURN(*n.stmt, db_.Prepare(n.sql));
  }
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
  SPOOR_RETURN_IF_ERROR(EnsureContactAndDevice(e));
  if (e.type == EventType::kDeviceCreated) {
    ++stats.applied;
    return absl::OkStatus();
  }
  SPOOR_RETURN_IF_ERROR(ApplyFields(e));
  SPOOR_RETURN_IF_ERROR(ApplyTags(e));
  SPOOR_ASSIGN_OR_RETURN(int64_t session_id, Sessionize(e));
  SPOOR_RETURN_IF_ERROR(InsertEvent(e, session_id));
  ++stats.applied;
  return absl::OkStatus();
}

absl::Status Applier::EnsureContactAndDevice(const Event& e) {
  auto contact = static_cast<int64_t>(e.contact_id);
  SPOOR_RETURN_IF_ERROR(
      st_->insert_contact.Bind(1, contact).Bind(2, e.workspace_id).Bind(3, e.received_at_us).Run());
  if (db_.Changes() == 0) {
    SPOOR_RETURN_IF_ERROR(st_->touch_contact.Bind(1, contact).Bind(2, e.received_at_us).Run());
  }
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

absl::Status Applier::ApplyFields(const Event& e) {
  const auto contact = static_cast<int64_t>(e.contact_id);
  const WorkspaceRules& rules = rules_[e.workspace_id];
  std::string source(EventSourceName(e.source));
  for (const auto& [alias, value] : e.fields) {
    if (value.empty()) continue;
    if (rules.unique_fields.contains(alias)) {
      // A public request never claims another contact's identifier nor
      // replaces the identifier this contact already has.
      st_->field_owner.Bind(1, alias).Bind(2, value).Bind(3, e.workspace_id).Bind(4, contact);
      absl::StatusOr<bool> owned = st_->field_owner.Step();
      st_->field_owner.Reset();
      SPOOR_RETURN_IF_ERROR(owned.status());
      if (*owned) {
        SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "fields_ignored", "identifier_of_other_contact"));
        continue;
      }
      st_->field_value.Bind(1, contact).Bind(2, alias);
      absl::StatusOr<bool> has = st_->field_value.Step();
      bool differs = has.ok() && *has && st_->field_value.Text(0) != value;
      st_->field_value.Reset();
      SPOOR_RETURN_IF_ERROR(has.status());
      if (differs) {
        SPOOR_RETURN_IF_ERROR(Count(e.workspace_id, "fields_ignored", "identifier_already_set"));
        continue;
      }
      SPOOR_RETURN_IF_ERROR(st_->mark_identified.Bind(1, contact).Run());
    }
    SPOOR_RETURN_IF_ERROR(st_->upsert_field.Bind(1, contact).Bind(2, alias).Bind(3, value)
                              .Bind(4, source).Bind(5, e.id).Bind(6, e.received_at_us).Run());
  }
  return absl::OkStatus();
}

absl::Status Applier::ApplyTags(const Event& e) {
  const auto contact = static_cast<int64_t>(e.contact_id);
  for (const std::string& tag : e.tags_add) {
    SPOOR_RETURN_IF_ERROR(
        st_->add_tag.Bind(1, contact).Bind(2, tag).Bind(3, e.received_at_us).Run());
  }
  for (const std::string& tag : e.tags_remove) {
    SPOOR_RETURN_IF_ERROR(st_->remove_tag.Bind(1, contact).Bind(2, tag).Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Applier::Sessionize(const Event& e) {
  auto it = sessions_.find(e.contact_id);
  if (it == sessions_.end()) {
    SessionState loaded;
    st_->latest_session.Bind(1, static_cast<int64_t>(e.contact_id));
    absl::StatusOr<bool> row = st_->latest_session.Step();
    if (row.ok() && *row) {
      loaded.id = st_->latest_session.Int(0);
      loaded.last_event_at = st_->latest_session.Int(1);
      loaded.utm_campaign = st_->latest_session.Text(2);
      loaded.utm_source = st_->latest_session.Text(3);
      loaded.referrer_host = HostOf(st_->latest_session.Text(4));
    }
    st_->latest_session.Reset();
    SPOOR_RETURN_IF_ERROR(row.status());
    it = sessions_.emplace(e.contact_id, std::move(loaded)).first;
  }
  SessionState& s = it->second;
  const WorkspaceRules& rules = rules_[e.workspace_id];
  std::string ref_host = e.referrer.empty() ? std::string() : HostOf(e.referrer);
  bool external_referrer = !ref_host.empty() && ref_host != HostOf(e.url);
  bool new_campaign = (!e.utm.campaign.empty() && e.utm.campaign != s.utm_campaign) ||
                      (!e.utm.source.empty() && e.utm.source != s.utm_source);
  if (s.id == 0 || e.received_at_us - s.last_event_at > rules.session_timeout_us ||
      new_campaign || (external_referrer && ref_host != s.referrer_host)) {
    return StartSession(e, s);
  }
  SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
  st_->extend_session.Bind(1, s.id).Bind(2, e.received_at_us);
  if (url) st_->extend_session.Bind(3, url);
  SPOOR_RETURN_IF_ERROR(st_->extend_session.Run());
  s.last_event_at = std::max(s.last_event_at, e.received_at_us);
  return s.id;
}

absl::StatusOr<int64_t> Applier::StartSession(const Event& e, SessionState& s) {
  SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
  SPOOR_ASSIGN_OR_RETURN(int64_t referrer, StringId(e.referrer));
  Stmt& q = st_->insert_session;
  q.Bind(1, e.workspace_id).Bind(2, static_cast<int64_t>(e.contact_id)).BindText(3, e.device_id)
      .Bind(4, e.received_at_us);
  if (url) q.Bind(5, url);
  if (referrer) q.Bind(6, referrer);
  q.BindText(7, e.utm.source).BindText(8, e.utm.medium).BindText(9, e.utm.campaign)
      .BindText(10, e.utm.term).BindText(11, e.utm.content).BindText(12, e.channel);
  SPOOR_RETURN_IF_ERROR(q.Run());
  s.id = db_.LastInsertRowid();
  s.last_event_at = e.received_at_us;
  s.utm_campaign = e.utm.campaign;
  s.utm_source = e.utm.source;
  s.referrer_host = e.referrer.empty() ? std::string() : HostOf(e.referrer);
  return s.id;
}

absl::Status Applier::InsertEvent(const Event& e, int64_t session_id) {
  SPOOR_ASSIGN_OR_RETURN(int64_t url, StringId(e.url));
  SPOOR_ASSIGN_OR_RETURN(int64_t title, StringId(e.title));
  SPOOR_ASSIGN_OR_RETURN(int64_t referrer, StringId(e.referrer));
  SPOOR_ASSIGN_OR_RETURN(int64_t ua, StringId(e.user_agent));
  Stmt& q = st_->insert_event;
  q.Bind(1, e.workspace_id).Bind(2, e.id).Bind(3, e.received_at_us);
  if (e.client_time_us) q.Bind(4, e.client_time_us);
  q.Bind(5, int64_t{static_cast<uint8_t>(e.type)}).Bind(6, int64_t{static_cast<uint8_t>(e.source)})
      .Bind(7, static_cast<int64_t>(e.contact_id)).BindText(8, e.device_id).Bind(9, session_id);
  if (url) q.Bind(10, url);
  if (title) q.Bind(11, title);
  if (referrer) q.Bind(12, referrer);
  q.BindText(13, e.language).BindText(14, e.utm.source).BindText(15, e.utm.medium)
      .BindText(16, e.utm.campaign).BindText(17, e.utm.term).BindText(18, e.utm.content)
      .BindText(19, e.channel).BindText(20, e.name);
  if (!e.properties.empty()) {
    boost::json::object props;
    for (const auto& [k, v] : e.properties) props[k] = v;
    q.Bind(21, boost::json::serialize(props));
  }
  q.BindText(22, e.ip);
  if (ua) q.Bind(23, ua);
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
