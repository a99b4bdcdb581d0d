#include "spoor/store/sqlite/sqlite_store.h"

#include <thread>

#include <filesystem>

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "spoor/common/strings.h"
#include "absl/synchronization/mutex.h"
#include "spdlog/spdlog.h"
#include "spoor/common/clock.h"
#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/store/sqlite/accounts.h"
#include "spoor/store/sqlite/apply.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/sqlite/contacts.h"
#include "spoor/store/sqlite/export.h"
#include "spoor/store/sqlite/push.h"
#include "spoor/store/sqlite/migrations.h"
#include "spoor/store/sqlite/own_api.h"
#include "spoor/store/journal.h"

namespace spoor::store::sqlite {
namespace {

constexpr char kDbFile[] = "spoor.db";
// Acknowledged events live in the journal, files of their own: an
// acknowledgement then syncs one sequential append, never the processor's
// index pages or their checkpoints.
constexpr char kJournalDir[] = "journal";
// Where versions before the journal kept them.
constexpr char kOldInboxFile[] = "inbox.db";

const FieldDefinition kDefaultFields[] = {
    {"email", "Email", "email", true, true},
    {"firstname", "First name", "text", false, true},
    {"lastname", "Last name", "text", false, true},
    {"company", "Company", "text", false, true},
    {"phone", "Phone", "tel", false, false},
    {"city", "City", "text", false, false},
    {"country", "Country", "text", false, false},
    {"preferred_locale", "Preferred locale", "text", false, false},
    {"timezone", "Timezone", "text", false, false},
};

std::string SettingsToJson(const WorkspaceSettings& s) {
  boost::json::object o;
  o["session_timeout_minutes"] = s.session_timeout_minutes;
  o["honor_do_not_track"] = s.honor_do_not_track;
  o["anonymize_ip"] = s.anonymize_ip;
  o["track_by_tracking_url"] = s.track_by_tracking_url;
  boost::json::array ips;
  for (const auto& ip : s.excluded_ips) ips.emplace_back(ip);
  o["excluded_ips"] = std::move(ips);
  return boost::json::serialize(o);
}

WorkspaceSettings SettingsFromJson(std::string_view text) {
  WorkspaceSettings s;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.get_object();
  if (auto* p = o.if_contains("session_timeout_minutes"); p && p->is_int64()) {
    s.session_timeout_minutes = static_cast<int>(p->get_int64());
  }
  if (auto* p = o.if_contains("honor_do_not_track"); p && p->is_bool()) {
    s.honor_do_not_track = p->get_bool();
  }
  if (auto* p = o.if_contains("anonymize_ip"); p && p->is_bool()) s.anonymize_ip = p->get_bool();
  if (auto* p = o.if_contains("track_by_tracking_url"); p && p->is_bool()) {
    s.track_by_tracking_url = p->get_bool();
  }
  if (auto* p = o.if_contains("excluded_ips"); p && p->is_array()) {
    for (const auto& ip : p->get_array()) {
      if (ip.is_string()) s.excluded_ips.emplace_back(ip.get_string());
    }
  }
  return s;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Db> db, std::unique_ptr<Journal> journal, bool synchronous_full)
      : synchronous_pragma_(synchronous_full ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL"),
        db_(std::move(db)),
        journal_(std::move(journal)) {}

  absl::StatusOr<int64_t> AppendInbox(absl::Span<const std::string_view> bodies) override {
    if (journal_ == nullptr) return absl::FailedPreconditionError("store opened without its journal");
    return journal_->Append(bodies);
  }

  absl::StatusOr<std::vector<InboxRow>> ReadInbox(int64_t after_seq, int limit) override {
    if (journal_ == nullptr) return std::vector<InboxRow>{};
    return journal_->Read(after_seq, limit);
  }

  absl::StatusOr<int64_t> ProcessedSeq() override {
    absl::MutexLock lock(&mu_);
    return ReadMetaInt("inbox_processed_seq", 0);
  }

  absl::StatusOr<ApplyStats> ApplyEvents(absl::Span<const Event> events,
                                         int64_t through_seq) override {
    absl::MutexLock lock(&mu_);
    SPOOR_RETURN_IF_ERROR(CheckWritable());
    if (!applier_) {
      SPOOR_ASSIGN_OR_RETURN(applier_, Applier::Create(*db_));
    }
    // The journal already holds these events durably: a lost apply is redone
    // from it at restart, so applying commits with synchronous=NORMAL. Every
    // other write of the main file (configuration, API writes that have no
    // other copy) commits with the file's FULL. So does the apply that lets
    // a journal segment go: its commit makes every earlier one durable too.
    const int64_t releasable = journal_ ? journal_->OldestSealedThrough() : 0;
    const bool release = releasable > 0 && through_seq >= releasable;
    if (!release) SPOOR_RETURN_IF_ERROR(Latch(db_->Exec("PRAGMA synchronous=NORMAL")));
    absl::Status began = db_->Exec("BEGIN IMMEDIATE");
    if (!began.ok()) (void)db_->Exec(synchronous_pragma_);
    SPOOR_RETURN_IF_ERROR(Latch(began));
    absl::StatusOr<ApplyStats> stats = applier_->Apply(events);
    absl::Status status = stats.status();
    std::vector<DeviceMove> moves = applier_->graph().TakeDeviceMoves();
    if (stats.ok()) {
      for (DeviceMove& m : moves) {
        stats->device_moves.push_back({std::move(m.device_id), m.workspace_id, m.contact_id});
      }
    }
    if (status.ok()) status = WriteMetaInt("inbox_processed_seq", through_seq);
    if (status.ok()) status = db_->Exec("COMMIT");
    if (!status.ok()) {
      (void)db_->Exec("ROLLBACK");
      applier_->ForgetCaches();
    }
    (void)db_->Exec(synchronous_pragma_);
    SPOOR_RETURN_IF_ERROR(Latch(status));
    if (release) SPOOR_RETURN_IF_ERROR(journal_->Release(through_seq));
    return stats;
  }

  absl::Status AddCounters(absl::Span<const CounterDelta> deltas) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT INTO counters(workspace_id, name, reason, value) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT(workspace_id, name, reason) DO UPDATE SET value = value + excluded.value"));
    SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    for (const CounterDelta& d : deltas) {
      absl::Status status = stmt.Bind(1, d.workspace_id).Bind(2, d.name).Bind(3, d.reason)
                                .Bind(4, d.value).Run();
      if (!status.ok()) {
        (void)db_->Exec("ROLLBACK");
        return status;
      }
    }
    return db_->Exec("COMMIT");
  }

  absl::StatusOr<int64_t> UnmergeContact(int64_t contact,
                                         std::vector<DeviceOwner>* moves) override {
    absl::MutexLock lock(&mu_);
    SPOOR_RETURN_IF_ERROR(CheckWritable());
    if (!applier_) {
      SPOOR_ASSIGN_OR_RETURN(applier_, Applier::Create(*db_));
    }
    SPOOR_RETURN_IF_ERROR(Latch(db_->Exec("BEGIN IMMEDIATE")));
    absl::StatusOr<int64_t> winner = applier_->graph().Unmerge(contact, SystemClock().NowMicros());
    absl::Status status = winner.status();
    // The server reloads its device map when the configuration version moves.
    if (status.ok()) status = BumpConfigVersion();
    if (status.ok()) status = db_->Exec("COMMIT");
    std::vector<DeviceMove> moved = applier_->graph().TakeDeviceMoves();
    if (!status.ok()) {
      (void)db_->Exec("ROLLBACK");
      applier_->ForgetCaches();
      return status;
    }
    applier_->ForgetCaches();
    if (moves) {
      for (DeviceMove& m : moved) moves->push_back({std::move(m.device_id), m.workspace_id, m.contact_id});
    }
    return winner;
  }

  // --- push notifications ---
  absl::StatusOr<PushApp> CreatePushApp(int64_t workspace_id, std::string_view name,
                                        std::string_view platform) override {
    absl::MutexLock lock(&mu_);
    return Durably([&] {
      return sqlite::CreatePushApp(*db_, workspace_id, name, platform, SystemClock().NowMicros());
    });
  }
  absl::StatusOr<std::vector<PushApp>> ListPushApps(int64_t workspace_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ListPushApps(*db_, workspace_id);
  }
  absl::StatusOr<PushApp> GetPushApp(int64_t workspace_id, std::string_view app_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::GetPushApp(*db_, workspace_id, app_id);
  }
  absl::StatusOr<PushApp> UpdatePushApp(int64_t workspace_id, std::string_view app_id,
                                        std::string_view name, std::string_view platform) override {
    absl::MutexLock lock(&mu_);
    return Durably([&] { return sqlite::UpdatePushApp(*db_, workspace_id, app_id, name, platform); });
  }
  absl::Status RegisterPushDevice(int64_t workspace_id, const PushDevice& device) override {
    absl::MutexLock lock(&mu_);
    return Durably([&] {
      return sqlite::RegisterPushDevice(*db_, workspace_id, device, SystemClock().NowMicros());
    });
  }
  absl::Status UnregisterPushDevice(int64_t workspace_id, std::string_view app_id,
                                    std::string_view device_token) override {
    absl::MutexLock lock(&mu_);
    return Durably([&] {
      return sqlite::UnregisterPushDevice(*db_, workspace_id, app_id, device_token,
                                          SystemClock().NowMicros());
    });
  }
  absl::StatusOr<std::vector<PushDevice>> ListPushDevices(int64_t workspace_id,
                                                          std::string_view app_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ListPushDevices(*db_, workspace_id, app_id);
  }
  absl::StatusOr<std::pair<PushNotification, std::vector<PushSend>>> CreatePushNotification(
      int64_t workspace_id, const PushNotification& notification,
      const std::vector<std::string>& device_tokens,
      const std::vector<int64_t>& contact_ids) override {
    absl::MutexLock lock(&mu_);
    return Durably([&] {
      return sqlite::CreatePushNotification(*db_, workspace_id, notification, device_tokens,
                                            contact_ids, SystemClock().NowMicros());
    });
  }
  absl::StatusOr<PushDevice> FindPushDevice(int64_t workspace_id,
                                            std::string_view device_token) override {
    absl::MutexLock lock(&mu_);
    return sqlite::FindPushDevice(*db_, workspace_id, device_token);
  }
  absl::StatusOr<PushSend> FindPushSend(std::string_view tracking_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::FindPushSend(*db_, tracking_id);
  }
  absl::StatusOr<PushStats> GetPushStats(int64_t workspace_id, int64_t notification_id,
                                         std::string_view app_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::GetPushStats(*db_, workspace_id, notification_id, app_id);
  }

  // --- contacts API ---
  absl::StatusOr<ContactPage> ListContacts(const ContactQuery& query) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ListContacts(*db_, query);
  }
  absl::StatusOr<ContactRecord> GetContact(int64_t workspace_id, int64_t id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::GetContact(*db_, workspace_id, id);
  }
  absl::StatusOr<int64_t> EventContact(int64_t workspace_id, std::string_view event_id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::EventContact(*db_, workspace_id, event_id);
  }
  absl::StatusOr<std::vector<DeviceRecord>> ContactDevices(int64_t workspace_id,
                                                           int64_t id) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ContactDevices(*db_, workspace_id, id);
  }
  absl::StatusOr<ActivityPage> Activity(const ActivityQuery& query) override {
    absl::MutexLock lock(&mu_);
    return sqlite::Activity(*db_, query);
  }

  // --- own API ---
  absl::StatusOr<EventPage> ListEvents(const EventQuery& query) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ListEvents(*db_, query);
  }

  absl::StatusOr<std::string> ShowContact(int64_t contact, const TimelineQuery& query) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ShowContact(*db_, contact, query);
  }

  absl::StatusOr<uint64_t> ReserveContactCounter(uint64_t count) override {
    absl::MutexLock lock(&mu_);
    SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    absl::StatusOr<int64_t> next = ReadMetaInt("contact_counter", 0);
    absl::Status status = next.status();
    if (status.ok() && static_cast<uint64_t>(*next) + count >= kMaxContactId) {
      status = absl::ResourceExhaustedError("contact ids exhausted");
    }
    if (status.ok()) status = WriteMetaInt("contact_counter", *next + static_cast<int64_t>(count));
    if (status.ok()) status = db_->Exec("COMMIT");
    if (!status.ok()) {
      (void)db_->Exec("ROLLBACK");
      return status;
    }
    return static_cast<uint64_t>(*next);
  }

  absl::StatusOr<std::array<uint8_t, 32>> Secret(std::string_view name) override {
    absl::MutexLock lock(&mu_);
    std::string key = StrCat("secret:", name);
    SPOOR_ASSIGN_OR_RETURN(Stmt get, db_->Prepare("SELECT value FROM meta WHERE key = ?1"));
    get.Bind(1, key);
    SPOOR_ASSIGN_OR_RETURN(bool found, get.Step());
    std::array<uint8_t, 32> secret{};
    if (found && get.Text(0).size() == secret.size()) {
      std::copy(get.Text(0).begin(), get.Text(0).end(), secret.begin());
      return secret;
    }
    get.Reset();
    RandomBytes(secret.data(), secret.size());
    SPOOR_ASSIGN_OR_RETURN(Stmt put,
                           db_->Prepare("INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)"));
    SPOOR_RETURN_IF_ERROR(put.Bind(1, key)
                              .BindBlob(2, std::string_view(reinterpret_cast<char*>(secret.data()),
                                                            secret.size()))
                              .Run());
    return secret;
  }

  absl::StatusOr<Workspace> EnsureDefaultWorkspace() override {
    {
      absl::MutexLock lock(&mu_);
      SPOOR_ASSIGN_OR_RETURN(Stmt stmt,
                             db_->Prepare("SELECT id FROM workspaces WHERE is_default = 1"));
      SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
      if (!found) SPOOR_RETURN_IF_ERROR(CreateDefaultWorkspace());
      stmt.Reset();
      SPOOR_RETURN_IF_ERROR(EnsureWriteKeys());
    }
    return FindWorkspace("");
  }

  absl::StatusOr<std::vector<Workspace>> LoadWorkspaces() override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(
        Stmt stmt,
        db_->Prepare("SELECT id, uuid, name, is_default, settings, write_key FROM workspaces"));
    std::vector<Workspace> out;
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      Workspace ws;
      ws.id = stmt.Int(0);
      ws.uuid = stmt.Text(1);
      ws.name = stmt.Text(2);
      ws.is_default = stmt.Int(3) != 0;
      ws.settings = SettingsFromJson(stmt.Text(4));
      ws.write_key = stmt.Text(5);
      out.push_back(std::move(ws));
    }
    for (Workspace& ws : out) SPOOR_RETURN_IF_ERROR(LoadWorkspaceDetails(ws));
    return out;
  }

  absl::StatusOr<Workspace> FindWorkspace(std::string_view uuid) override {
    SPOOR_ASSIGN_OR_RETURN(std::vector<Workspace> all, LoadWorkspaces());
    for (Workspace& ws : all) {
      if (uuid.empty() ? ws.is_default : ws.uuid == uuid) return std::move(ws);
    }
    return absl::NotFoundError(uuid.empty() ? std::string("no default workspace")
                                            : StrCat("no workspace ", uuid));
  }

  absl::Status AddTrackingDomain(int64_t workspace_id, std::string_view origin) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT OR IGNORE INTO tracking_domains(workspace_id, origin) VALUES (?1, ?2)"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, workspace_id).Bind(2, origin).Run());
    return BumpConfigVersion();
  }

  absl::Status RemoveTrackingDomain(int64_t workspace_id, std::string_view origin) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "DELETE FROM tracking_domains WHERE workspace_id = ?1 AND origin = ?2"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, workspace_id).Bind(2, origin).Run());
    if (db_->Changes() == 0) {
      return absl::NotFoundError(StrCat("no tracking domain ", origin));
    }
    return BumpConfigVersion();
  }

  absl::StatusOr<int64_t> CreateForm(int64_t workspace_id, std::string_view name,
                                     std::string_view definition) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT INTO forms(workspace_id, name, definition, created_at) VALUES (?1, ?2, ?3, ?4)"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, workspace_id).Bind(2, name).Bind(3, definition)
                              .Bind(4, SystemClock().NowMicros()).Run());
    int64_t id = db_->LastInsertRowid();
    SPOOR_RETURN_IF_ERROR(BumpConfigVersion());
    return id;
  }

  // --- forms API ---
  absl::Status UpdateForm(int64_t workspace_id, int64_t id, std::string_view name,
                          std::string_view definition) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "UPDATE forms SET name = ?3, definition = ?4 WHERE id = ?1 AND workspace_id = ?2"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, id).Bind(2, workspace_id).Bind(3, name)
                              .Bind(4, definition).Run());
    if (db_->Changes() == 0) return absl::NotFoundError(StrCat("no form ", id));
    return BumpConfigVersion();
  }

  absl::Status DeleteForm(int64_t workspace_id, int64_t id) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "DELETE FROM forms WHERE id = ?1 AND workspace_id = ?2"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, id).Bind(2, workspace_id).Run());
    if (db_->Changes() == 0) return absl::NotFoundError(StrCat("no form ", id));
    return BumpConfigVersion();
  }

  absl::StatusOr<std::string> CreateLink(int64_t workspace_id, std::string_view url) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT INTO links(id, workspace_id, url, created_at) VALUES (?1, ?2, ?3, ?4)"));
    std::string id = RandomHex(6);
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, id).Bind(2, workspace_id).Bind(3, url)
                              .Bind(4, SystemClock().NowMicros()).Run());
    SPOOR_RETURN_IF_ERROR(BumpConfigVersion());
    return id;
  }

  absl::StatusOr<int64_t> CreateUser(std::string_view email, std::string_view password_hash,
                                     std::string_view role) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT INTO users(email, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)"));
    absl::Status st = stmt.Bind(1, email).Bind(2, password_hash).Bind(3, role)
                          .Bind(4, SystemClock().NowMicros()).Run();
    if (absl::IsInvalidArgument(st)) {
      return absl::AlreadyExistsError(StrCat("a user with email ", email, " exists"));
    }
    SPOOR_RETURN_IF_ERROR(st);
    return db_->LastInsertRowid();
  }

  absl::Status CreateClient(const ApiClient& c) override {
    absl::MutexLock lock(&mu_);
    return InsertClient(*db_, c, SystemClock().NowMicros());
  }

  absl::StatusOr<ApiClient> FindClient(std::string_view client_id) override {
    absl::MutexLock lock(&mu_);
    return SelectClient(*db_, client_id);
  }

  absl::Status RevokeClient(std::string_view client_id) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "UPDATE api_clients SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, client_id).Bind(2, SystemClock().NowMicros()).Run());
    if (db_->Changes() == 0) return absl::NotFoundError("no such active client");
    SPOOR_ASSIGN_OR_RETURN(Stmt tokens, db_->Prepare(
        "UPDATE oauth_tokens SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL"));
    return tokens.Bind(1, client_id).Bind(2, SystemClock().NowMicros()).Run();
  }

  absl::Status SaveToken(const OAuthToken& t) override {
    absl::MutexLock lock(&mu_);
    return InsertToken(*db_, t, SystemClock().NowMicros());
  }

  absl::StatusOr<OAuthToken> FindToken(std::string_view token_hash) override {
    absl::MutexLock lock(&mu_);
    return SelectToken(*db_, token_hash);
  }

  // --- users, sessions, OAuth2 ---
  absl::StatusOr<User> FindUserByEmail(std::string_view email) override {
    absl::MutexLock lock(&mu_);
    return sqlite::FindUserByEmail(*db_, email);
  }

  absl::StatusOr<User> FindUser(int64_t id) override {
    absl::MutexLock lock(&mu_);
    return FindUserById(*db_, id);
  }

  absl::StatusOr<std::vector<ApiClient>> ListClients() override {
    absl::MutexLock lock(&mu_);
    return SelectClients(*db_);
  }

  absl::Status SaveWebSession(const WebSession& session) override {
    absl::MutexLock lock(&mu_);
    return InsertWebSession(*db_, session, SystemClock().NowMicros());
  }

  absl::StatusOr<WebSession> FindWebSession(std::string_view token_hash, int64_t now_us) override {
    absl::MutexLock lock(&mu_);
    return SelectWebSession(*db_, token_hash, now_us);
  }

  absl::Status DeleteWebSession(std::string_view token_hash, int64_t now_us) override {
    absl::MutexLock lock(&mu_);
    return DeleteWebSessions(*db_, token_hash, now_us);
  }

  absl::Status SaveAuthorizationCode(const AuthorizationCode& code) override {
    absl::MutexLock lock(&mu_);
    return InsertCode(*db_, code, SystemClock().NowMicros());
  }

  absl::StatusOr<AuthorizationCode> ConsumeAuthorizationCode(std::string_view code_hash) override {
    absl::MutexLock lock(&mu_);
    return ConsumeCode(*db_, code_hash, SystemClock().NowMicros());
  }

  absl::StatusOr<bool> RevokeToken(std::string_view token_hash) override {
    absl::MutexLock lock(&mu_);
    return RevokeOneToken(*db_, token_hash, SystemClock().NowMicros());
  }

  absl::Status RevokeTokenFamily(std::string_view family) override {
    absl::MutexLock lock(&mu_);
    return RevokeFamily(*db_, family, SystemClock().NowMicros());
  }
  // --- end of users, sessions, OAuth2 ---

  absl::Status UpsertField(int64_t workspace_id, const FieldDefinition& f) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare(
        "INSERT INTO field_definitions(workspace_id, alias, label, type, is_unique_identifier, "
        "is_publicly_updatable) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(workspace_id, alias) "
        "DO UPDATE SET label = excluded.label, type = excluded.type, "
        "is_unique_identifier = excluded.is_unique_identifier, "
        "is_publicly_updatable = excluded.is_publicly_updatable"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, workspace_id).Bind(2, f.alias).Bind(3, f.label)
                              .Bind(4, f.type).Bind(5, int64_t{f.is_unique_identifier})
                              .Bind(6, int64_t{f.is_publicly_updatable}).Run());
    return BumpConfigVersion();
  }

  absl::Status SetWorkspaceSettings(int64_t workspace_id,
                                    const WorkspaceSettings& settings) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt,
                           db_->Prepare("UPDATE workspaces SET settings = ?2 WHERE id = ?1"));
    SPOOR_RETURN_IF_ERROR(stmt.Bind(1, workspace_id).Bind(2, SettingsToJson(settings)).Run());
    return BumpConfigVersion();
  }

  absl::Status ForEachDevice(
      const std::function<void(std::string_view, int64_t, uint64_t)>& fn) override {
    absl::MutexLock lock(&mu_);
    SPOOR_ASSIGN_OR_RETURN(
        Stmt stmt, db_->Prepare("SELECT device_id, workspace_id, contact_id FROM devices"));
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      fn(stmt.Text(0), stmt.Int(1), static_cast<uint64_t>(stmt.Int(2)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> ConfigVersion() override {
    absl::MutexLock lock(&mu_);
    return ReadMetaInt("config_version", 0);
  }

  absl::Status ExportContacts(std::optional<int64_t> workspace_id,
                              const std::function<void(std::string_view)>& line) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ExportContacts(*db_, workspace_id, line);
  }
  absl::Status ExportEvents(std::optional<int64_t> workspace_id,
                            const std::function<void(std::string_view)>& line) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ExportEvents(*db_, workspace_id, line);
  }
  absl::Status ExportSessions(std::optional<int64_t> workspace_id,
                              const std::function<void(std::string_view)>& line) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ExportSessions(*db_, workspace_id, line);
  }
  absl::Status ExportPageOf(ExportKind kind, std::optional<int64_t> workspace_id, ExportPage& page,
                            const std::function<void(std::string_view)>& line) override {
    absl::MutexLock lock(&mu_);
    page.rows = 0;
    // One snapshot for the page's reads (its rows and their merges).
    SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN"));
    absl::Status status = absl::InvalidArgumentError("unknown export");
    switch (kind) {
      case ExportKind::kContacts:
        status = sqlite::ExportContacts(*db_, workspace_id, line, &page);
        break;
      case ExportKind::kEvents:
        status = sqlite::ExportEvents(*db_, workspace_id, line, &page);
        break;
      case ExportKind::kSessions:
        status = sqlite::ExportSessions(*db_, workspace_id, line, &page);
        break;
    }
    absl::Status ended = db_->Exec(status.ok() ? "COMMIT" : "ROLLBACK");
    return status.ok() ? ended : status;
  }
  absl::Status ExportCounters(const std::function<void(std::string_view)>& line) override {
    absl::MutexLock lock(&mu_);
    return sqlite::ExportCounters(*db_, line);
  }

 private:
  // After an I/O error the connection is never trusted again (PostgreSQL's
  // fsync lesson): every later write fails until the process restarts.
  absl::Status Latch(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (absl::IsUnavailable(status) && latched_.ok()) latched_ = status;
    return status;
  }
  absl::Status CheckWritable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return latched_; }

  static absl::Status StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }
  // Runs `fn` in one transaction (on disk when it returns: outside
  // ApplyEvents the main file commits with synchronous=FULL by default).
  template <typename Fn>
  auto Durably(Fn fn) -> decltype(fn()) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_RETURN_IF_ERROR(CheckWritable());
    SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    auto result = fn();
    absl::Status status = StatusOf(result);
    if (status.ok()) status = db_->Exec("COMMIT");
    if (!status.ok()) (void)db_->Exec("ROLLBACK");
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<int64_t> ReadMetaInt(std::string_view key, int64_t fallback)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db_->Prepare("SELECT value FROM meta WHERE key = ?1"));
    stmt.Bind(1, key);
    SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
    return found ? stmt.Int(0) : fallback;
  }

  absl::Status WriteMetaInt(std::string_view key, int64_t value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(Stmt stmt,
                           db_->Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)"));
    return stmt.Bind(1, key).Bind(2, value).Run();
  }

  absl::Status BumpConfigVersion() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(int64_t v, ReadMetaInt("config_version", 0));
    return WriteMetaInt("config_version", v + 1);
  }

  absl::Status EnsureWriteKeys() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(Stmt missing,
                           db_->Prepare("SELECT id FROM workspaces WHERE write_key IS NULL"));
    std::vector<int64_t> ids;
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, missing.Step());
      if (!row) break;
      ids.push_back(missing.Int(0));
    }
    SPOOR_ASSIGN_OR_RETURN(Stmt set,
                           db_->Prepare("UPDATE workspaces SET write_key = ?2 WHERE id = ?1"));
    for (int64_t id : ids) {
      SPOOR_RETURN_IF_ERROR(set.Bind(1, id).Bind(2, StrCat("wk_", RandomHex(16))).Run());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Workspace> CreateWorkspace(std::string_view name) override {
    std::string uuid;
    {
      absl::MutexLock lock(&mu_);
      SPOOR_RETURN_IF_ERROR(CheckWritable());
      SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
      absl::StatusOr<std::string> made = InsertWorkspace(name, false);
      absl::Status status = made.status();
      if (status.ok()) status = EnsureWriteKeys();
      if (status.ok()) status = BumpConfigVersion();
      if (status.ok()) status = db_->Exec("COMMIT");
      if (!status.ok()) {
        (void)db_->Exec("ROLLBACK");
        return status;
      }
      uuid = *made;
    }
    return FindWorkspace(uuid);
  }

  absl::Status CreateDefaultWorkspace() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    absl::Status status = InsertWorkspace("Default", true).status();
    if (status.ok()) status = BumpConfigVersion();
    if (status.ok()) return db_->Exec("COMMIT");
    (void)db_->Exec("ROLLBACK");
    return status;
  }

  // Returns the new workspace's uuid.
  absl::StatusOr<std::string> InsertWorkspace(std::string_view name, bool is_default)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(Stmt ws, db_->Prepare(
        "INSERT INTO workspaces(uuid, name, is_default, settings, created_at) "
        "VALUES (?1, ?4, ?5, ?2, ?3)"));
    std::string uuid = NewUuidV4();
    SPOOR_RETURN_IF_ERROR(ws.Bind(1, uuid)
                              .Bind(2, SettingsToJson(WorkspaceSettings{}))
                              .Bind(3, SystemClock().NowMicros())
                              .Bind(4, name)
                              .Bind(5, int64_t{is_default})
                              .Run());
    int64_t id = db_->LastInsertRowid();
    SPOOR_ASSIGN_OR_RETURN(Stmt field, db_->Prepare(
        "INSERT INTO field_definitions(workspace_id, alias, label, type, is_unique_identifier, "
        "is_publicly_updatable) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    for (const FieldDefinition& f : kDefaultFields) {
      SPOOR_RETURN_IF_ERROR(field.Bind(1, id).Bind(2, f.alias).Bind(3, f.label).Bind(4, f.type)
                                .Bind(5, int64_t{f.is_unique_identifier})
                                .Bind(6, int64_t{f.is_publicly_updatable})
                                .Run());
    }
    return uuid;
  }

  absl::Status LoadWorkspaceDetails(Workspace& ws) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    SPOOR_ASSIGN_OR_RETURN(Stmt domains, db_->Prepare(
        "SELECT origin FROM tracking_domains WHERE workspace_id = ?1 ORDER BY origin"));
    domains.Bind(1, ws.id);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, domains.Step());
      if (!row) break;
      ws.tracking_domains.emplace_back(domains.Text(0));
    }
    SPOOR_ASSIGN_OR_RETURN(Stmt fields, db_->Prepare(
        "SELECT alias, label, type, is_unique_identifier, is_publicly_updatable "
        "FROM field_definitions WHERE workspace_id = ?1 ORDER BY alias"));
    fields.Bind(1, ws.id);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, fields.Step());
      if (!row) break;
      ws.fields.push_back({std::string(fields.Text(0)), std::string(fields.Text(1)),
                           std::string(fields.Text(2)), fields.Int(3) != 0, fields.Int(4) != 0});
    }
    SPOOR_ASSIGN_OR_RETURN(Stmt forms, db_->Prepare(
        "SELECT id, name, definition, created_at FROM forms WHERE workspace_id = ?1 ORDER BY id"));
    forms.Bind(1, ws.id);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, forms.Step());
      if (!row) break;
      ws.forms.push_back({forms.Int(0), std::string(forms.Text(1)), std::string(forms.Text(2)),
                          forms.Int(3)});
    }
    SPOOR_ASSIGN_OR_RETURN(Stmt links,
                           db_->Prepare("SELECT id, url FROM links WHERE workspace_id = ?1"));
    links.Bind(1, ws.id);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, links.Step());
      if (!row) break;
      ws.links.push_back({std::string(links.Text(0)), std::string(links.Text(1))});
    }
    return absl::OkStatus();
  }

  const char* const synchronous_pragma_;  // the main file's, outside ApplyEvents
  absl::Mutex mu_;
  std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Journal> journal_;  // null unless opened for ingest
  std::unique_ptr<Applier> applier_ ABSL_GUARDED_BY(mu_);
  absl::Status latched_ ABSL_GUARDED_BY(mu_);
};

absl::Status Migrate(Db& db) {
  SPOOR_ASSIGN_OR_RETURN(Stmt version, db.Prepare("PRAGMA user_version"));
  SPOOR_ASSIGN_OR_RETURN(bool row, version.Step());
  int64_t current = row ? version.Int(0) : 0;
  version.Reset();
  auto migrations = Migrations();
  if (current > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(StrCat(
        "data directory has schema version ", current, ", newer than this binary's ",
        migrations.size()));
  }
  for (size_t i = static_cast<size_t>(current); i < migrations.size(); ++i) {
    SPOOR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    absl::Status status = db.Exec(migrations[i]);
    if (status.ok()) status = db.Exec(StrCat("PRAGMA user_version = ", i + 1));
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) {
      (void)db.Exec("ROLLBACK");
      return status;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MetaInt(Db& db, std::string_view key) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.Bind(1, key);
  SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

// Events that earlier versions acknowledged but had not applied move to the
// journal: inbox.db's rows keep their seqs (the processed watermark counts
// in them); the rows of spoor.db's older inbox table follow. Then the old
// copies go. Run again after a crash, rows already moved are skipped (and
// an event moved twice is stored once: its id is the same).
absl::Status MoveOldInboxes(Db& db, Journal& journal, const std::string& data_dir) {
  const std::filesystem::path inbox_path = std::filesystem::path(data_dir) / kOldInboxFile;
  int moved = 0;
  if (std::filesystem::exists(inbox_path)) {
    SPOOR_ASSIGN_OR_RETURN(int64_t processed, MetaInt(db, "inbox_processed_seq"));
    SPOOR_ASSIGN_OR_RETURN(std::unique_ptr<Db> inbox, Db::Open(inbox_path.string(), false));
    SPOOR_ASSIGN_OR_RETURN(Stmt rows, inbox->Prepare(
        "SELECT seq, body FROM inbox WHERE seq > ?1 ORDER BY seq"));
    rows.Bind(1, std::max(processed, journal.last_seq()));
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      SPOOR_RETURN_IF_ERROR(journal.AppendWithSeq(rows.Int(0), rows.Text(1)));
      ++moved;
    }
  }
  SPOOR_ASSIGN_OR_RETURN(int64_t legacy_processed, MetaInt(db, "processed_seq"));
  SPOOR_ASSIGN_OR_RETURN(Stmt legacy,
                         db.Prepare("SELECT body FROM inbox WHERE seq > ?1 ORDER BY seq"));
  legacy.Bind(1, legacy_processed);
  int legacy_moved = 0;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, legacy.Step());
    if (!row) break;
    SPOOR_RETURN_IF_ERROR(journal.AppendWithSeq(journal.last_seq() + 1, legacy.Text(0)));
    ++legacy_moved;
  }
  legacy.Reset();
  SPOOR_RETURN_IF_ERROR(journal.Sync());
  if (legacy_moved > 0 || legacy_processed > 0) {
    SPOOR_RETURN_IF_ERROR(
        db.Exec("DELETE FROM inbox; DELETE FROM meta WHERE key = 'processed_seq'"));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(inbox_path.string() + suffix, ec);
  }
  if (moved + legacy_moved > 0) {
    spdlog::info("moved {} unprocessed events from an older inbox to the journal",
                 moved + legacy_moved);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  std::error_code ec;
  if (!options.read_only) std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        StrCat("cannot create data directory ", options.data_dir, ": ", ec.message()));
  }
  std::string path = (std::filesystem::path(options.data_dir) / kDbFile).string();
  if (options.read_only && !std::filesystem::exists(path)) {
    return absl::NotFoundError(StrCat("no Spoor data in ", options.data_dir));
  }
  SPOOR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, options.read_only));
  std::unique_ptr<Journal> journal;
  if (!options.read_only) {
    SPOOR_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
    // FULL for configuration and API writes; ApplyEvents lowers it to NORMAL
    // for its own transactions (their events are durable in the journal).
    SPOOR_RETURN_IF_ERROR(db->Exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                            : "PRAGMA synchronous=NORMAL"));
    SPOOR_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
    SPOOR_RETURN_IF_ERROR(Migrate(*db));
  }
  if (!options.read_only && options.ingest) {
    JournalOptions journal_options;
    journal_options.dir = (std::filesystem::path(options.data_dir) / kJournalDir).string();
    journal_options.sync = options.synchronous_full;
    if (options.journal_segment_bytes > 0) {
      journal_options.segment_bytes = options.journal_segment_bytes;
    }
    SPOOR_ASSIGN_OR_RETURN(journal_options.floor_seq, MetaInt(*db, "inbox_processed_seq"));
    SPOOR_ASSIGN_OR_RETURN(journal, Journal::Open(journal_options));
    SPOOR_RETURN_IF_ERROR(MoveOldInboxes(*db, *journal, options.data_dir));
  }
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(db), std::move(journal), options.synchronous_full));
}

}  // namespace spoor::store::sqlite

namespace spoor::store {
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options) {
  return sqlite::OpenStore(options);
}
}  // namespace spoor::store
