#include "spoor/store/sqlite/migrations.h"

namespace spoor::store::sqlite {
namespace {

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;

CREATE TABLE workspaces(
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL);

CREATE TABLE tracking_domains(
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  origin TEXT NOT NULL,
  PRIMARY KEY(workspace_id, origin)) WITHOUT ROWID;

CREATE TABLE field_definitions(
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  alias TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'text',
  is_unique_identifier INTEGER NOT NULL DEFAULT 0,
  is_publicly_updatable INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(workspace_id, alias)) WITHOUT ROWID;

-- The append-only log of acknowledged events, in arrival order. A 2xx means
-- the event's row here is committed. Kept as the raw record.
CREATE TABLE inbox(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);

CREATE TABLE contacts(
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_active INTEGER NOT NULL,
  identified INTEGER NOT NULL DEFAULT 0,
  merged_into INTEGER);
CREATE INDEX contacts_workspace ON contacts(workspace_id, id);

-- One row per field value, with where it came from.
CREATE TABLE contact_fields(
  contact_id INTEGER NOT NULL,
  alias TEXT NOT NULL,
  value TEXT NOT NULL,
  source TEXT NOT NULL,
  event_id TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(contact_id, alias)) WITHOUT ROWID;
CREATE INDEX contact_fields_value ON contact_fields(alias, value);

CREATE TABLE contact_tags(
  contact_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(contact_id, tag)) WITHOUT ROWID;

CREATE TABLE devices(
  device_id TEXT PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  user_agent_id INTEGER) WITHOUT ROWID;
CREATE INDEX devices_contact ON devices(contact_id);

-- URLs, titles, referrers and user agents, stored once.
CREATE TABLE strings(id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);

CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  device_id TEXT,
  started_at INTEGER NOT NULL,
  last_event_at INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  landing_url_id INTEGER,
  exit_url_id INTEGER,
  referrer_id INTEGER,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  channel TEXT);
CREATE INDEX sessions_contact ON sessions(contact_id, last_event_at);

CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  client_time INTEGER,
  type INTEGER NOT NULL,
  source INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  device_id TEXT,
  session_id INTEGER,
  url_id INTEGER, title_id INTEGER, referrer_id INTEGER,
  language TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  channel TEXT,
  name TEXT,
  properties TEXT,
  ip TEXT,
  user_agent_id INTEGER);
CREATE UNIQUE INDEX events_dedup ON events(workspace_id, event_id);
CREATE INDEX events_contact ON events(contact_id, received_at);

CREATE TABLE counters(
  workspace_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  reason TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY(workspace_id, name, reason)) WITHOUT ROWID;
)sql";

// Identity graph: identities by (kind, value), device ownership over time,
// and reversible merges with what each one moved.
constexpr std::string_view kMigration2 = R"sql(
CREATE TABLE identities(
  workspace_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  contact_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(workspace_id, kind, value)) WITHOUT ROWID;
CREATE INDEX identities_contact ON identities(contact_id);

CREATE TABLE device_history(
  device_id TEXT NOT NULL,
  since INTEGER NOT NULL,
  contact_id INTEGER NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY(device_id, since)) WITHOUT ROWID;

CREATE TABLE merges(
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  winner_id INTEGER NOT NULL,
  loser_id INTEGER NOT NULL,
  cause_event_id TEXT,
  identifier_kind TEXT,
  identifier_value TEXT,
  merged_at INTEGER NOT NULL,
  unmerged_at INTEGER,
  moved TEXT NOT NULL DEFAULT '{}');
CREATE INDEX merges_loser ON merges(loser_id);
CREATE INDEX merges_winner ON merges(winner_id);

ALTER TABLE events ADD COLUMN event_time INTEGER;
ALTER TABLE events ADD COLUMN origin_contact_id INTEGER;

INSERT OR IGNORE INTO identities(workspace_id, kind, value, contact_id, created_at)
  SELECT c.workspace_id, f.alias, f.value, f.contact_id, f.updated_at
  FROM contact_fields f JOIN contacts c ON c.id = f.contact_id
  JOIN field_definitions d ON d.workspace_id = c.workspace_id AND d.alias = f.alias
  WHERE d.is_unique_identifier = 1;
)sql";

// Forms, tracked links, and each workspace's public write key.
constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE forms(
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL);

CREATE TABLE links(
  id TEXT PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL) WITHOUT ROWID;

ALTER TABLE workspaces ADD COLUMN write_key TEXT;
)sql";

// A visit's device, from its first event's user agent.
constexpr std::string_view kMigration4 = R"sql(
ALTER TABLE sessions ADD COLUMN browser TEXT;
ALTER TABLE sessions ADD COLUMN os TEXT;
ALTER TABLE sessions ADD COLUMN device_type TEXT;
)sql";

// Users, API clients and OAuth2 tokens (secrets stored hashed).
constexpr std::string_view kMigration5 = R"sql(
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL);

CREATE TABLE api_clients(
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  redirect_uris TEXT NOT NULL DEFAULT '[]',
  grants TEXT NOT NULL DEFAULT '[]',
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  scope TEXT NOT NULL DEFAULT 'write',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER);

CREATE TABLE oauth_tokens(
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  client_id TEXT NOT NULL,
  workspace_id INTEGER NOT NULL,
  scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER) WITHOUT ROWID;
)sql";

// Browser sessions, OAuth2 authorization codes, public clients, and token
// families (refresh rotation, code replay revocation).
constexpr std::string_view kMigration6 = R"sql(
CREATE TABLE web_sessions(
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE oauth_codes(
  code_hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  workspace_id INTEGER NOT NULL,
  scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER) WITHOUT ROWID;

ALTER TABLE api_clients ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE oauth_tokens ADD COLUMN family TEXT;
ALTER TABLE oauth_tokens ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX oauth_tokens_family ON oauth_tokens(family) WHERE family IS NOT NULL;
)sql";

// Push notifications: apps, registered devices, notifications and one send
// per device with its tracking id and what became of it.
constexpr std::string_view kMigration7 = R"sql(
CREATE TABLE push_apps(
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  created_at INTEGER NOT NULL);

CREATE TABLE push_devices(
  workspace_id INTEGER NOT NULL,
  device_token TEXT NOT NULL,
  app_id INTEGER NOT NULL REFERENCES push_apps(id),
  contact_id INTEGER NOT NULL,
  user_id TEXT,
  platform TEXT NOT NULL,
  locale TEXT,
  app_version TEXT,
  registered_at INTEGER NOT NULL,
  unregistered_at INTEGER,
  PRIMARY KEY(workspace_id, device_token)) WITHOUT ROWID;
CREATE INDEX push_devices_contact ON push_devices(contact_id);

CREATE TABLE push_notifications(
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  app_id INTEGER NOT NULL REFERENCES push_apps(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  campaign TEXT,
  deep_link TEXT,
  created_at INTEGER NOT NULL);

CREATE TABLE push_sends(
  tracking_id TEXT PRIMARY KEY,
  notification_id INTEGER NOT NULL REFERENCES push_notifications(id),
  workspace_id INTEGER NOT NULL,
  device_token TEXT NOT NULL,
  contact_id INTEGER NOT NULL,
  platform TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER,
  opened_at INTEGER,
  dismissed_at INTEGER) WITHOUT ROWID;
CREATE INDEX push_sends_notification ON push_sends(notification_id);
)sql";

constexpr std::string_view kAll[] = {kMigration1, kMigration2, kMigration3, kMigration4,
                                     kMigration5, kMigration6, kMigration7};

}  // namespace

absl::Span<const std::string_view> Migrations() { return kAll; }

}  // namespace spoor::store::sqlite
