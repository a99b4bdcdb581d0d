#include "spoor/store/sqlite/push.h"

#include <algorithm>
#include <map>

#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store::sqlite {
namespace {

bool KnownPlatform(std::string_view p) { return p == "ios" || p == "android" || p == "web"; }

absl::StatusOr<int64_t> AppRowId(Db& db, int64_t workspace_id, std::string_view app_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT id FROM push_apps WHERE uuid = ?1 AND workspace_id = ?2"));
  s.Bind(1, app_id).Bind(2, workspace_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return absl::NotFoundError("no such push app");
  return s.Int(0);
}

}  // namespace

absl::StatusOr<PushApp> CreatePushApp(Db& db, int64_t workspace_id, std::string_view name,
                                      std::string_view platform, int64_t now_us) {
  if (name.empty() || name.size() > 200) return absl::InvalidArgumentError("name: 1 to 200 bytes");
  if (!KnownPlatform(platform)) return absl::InvalidArgumentError("platform: ios, android or web");
  PushApp app{NewUuidV4(), workspace_id, std::string(name), std::string(platform), now_us};
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "INSERT INTO push_apps(uuid, workspace_id, name, platform, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5)"));
  SPOOR_RETURN_IF_ERROR(s.Bind(1, app.id).Bind(2, workspace_id).Bind(3, name).Bind(4, platform)
                            .Bind(5, now_us).Run());
  return app;
}

absl::StatusOr<std::vector<PushApp>> ListPushApps(Db& db, int64_t workspace_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT uuid, name, platform, created_at FROM push_apps WHERE workspace_id = ?1 ORDER BY id"));
  s.Bind(1, workspace_id);
  std::vector<PushApp> out;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({std::string(s.Text(0)), workspace_id, std::string(s.Text(1)),
                   std::string(s.Text(2)), s.Int(3)});
  }
  return out;
}

absl::StatusOr<PushApp> GetPushApp(Db& db, int64_t workspace_id, std::string_view app_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT uuid, name, platform, created_at FROM push_apps WHERE uuid = ?1 AND workspace_id = ?2"));
  s.Bind(1, app_id).Bind(2, workspace_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return absl::NotFoundError("no such push app");
  return PushApp{std::string(s.Text(0)), workspace_id, std::string(s.Text(1)),
                 std::string(s.Text(2)), s.Int(3)};
}

absl::StatusOr<PushApp> UpdatePushApp(Db& db, int64_t workspace_id, std::string_view app_id,
                                      std::string_view name, std::string_view platform) {
  SPOOR_RETURN_IF_ERROR(AppRowId(db, workspace_id, app_id).status());
  if (!name.empty() && name.size() > 200) return absl::InvalidArgumentError("name: 1 to 200 bytes");
  if (!platform.empty() && !KnownPlatform(platform)) {
    return absl::InvalidArgumentError("platform: ios, android or web");
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "UPDATE push_apps SET name = coalesce(?3, name), platform = coalesce(?4, platform) "
      "WHERE uuid = ?1 AND workspace_id = ?2"));
  s.Bind(1, app_id).Bind(2, workspace_id).BindText(3, name).BindText(4, platform);
  SPOOR_RETURN_IF_ERROR(s.Run());
  return GetPushApp(db, workspace_id, app_id);
}

absl::Status RegisterPushDevice(Db& db, int64_t workspace_id, const PushDevice& d, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(int64_t app, AppRowId(db, workspace_id, d.app_id));
  SPOOR_ASSIGN_OR_RETURN(Stmt owner, db.Prepare(
      "SELECT app_id FROM push_devices WHERE workspace_id = ?1 AND device_token = ?2"));
  owner.Bind(1, workspace_id).Bind(2, d.device_token);
  SPOOR_ASSIGN_OR_RETURN(bool exists, owner.Step());
  if (exists && owner.Int(0) != app) {
    return absl::AlreadyExistsError("this device token is registered to another app");
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt up, db.Prepare(
      "INSERT INTO push_devices(workspace_id, device_token, app_id, contact_id, user_id, platform, "
      "locale, app_version, registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT(workspace_id, device_token) DO UPDATE SET contact_id = excluded.contact_id, "
      "user_id = excluded.user_id, platform = excluded.platform, locale = excluded.locale, "
      "app_version = excluded.app_version, registered_at = excluded.registered_at, "
      "unregistered_at = NULL"));
  SPOOR_RETURN_IF_ERROR(up.Bind(1, workspace_id).Bind(2, d.device_token).Bind(3, app)
                            .Bind(4, d.contact_id).BindText(5, d.user_id).Bind(6, d.platform)
                            .BindText(7, d.locale).BindText(8, d.app_version).Bind(9, now_us).Run());
  // The token is the contact's identity of kind push_token; a move re-points it.
  SPOOR_ASSIGN_OR_RETURN(Stmt id, db.Prepare(
      "INSERT INTO identities(workspace_id, kind, value, contact_id, created_at) "
      "VALUES (?1, 'push_token', ?2, ?3, ?4) ON CONFLICT(workspace_id, kind, value) "
      "DO UPDATE SET contact_id = excluded.contact_id"));
  return id.Bind(1, workspace_id).Bind(2, d.device_token).Bind(3, d.contact_id).Bind(4, now_us).Run();
}

absl::Status UnregisterPushDevice(Db& db, int64_t workspace_id, std::string_view app_id,
                                  std::string_view device_token, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(int64_t app, AppRowId(db, workspace_id, app_id));
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "UPDATE push_devices SET unregistered_at = ?4 WHERE workspace_id = ?1 AND device_token = ?2 "
      "AND app_id = ?3 AND unregistered_at IS NULL"));
  SPOOR_RETURN_IF_ERROR(s.Bind(1, workspace_id).Bind(2, device_token).Bind(3, app).Bind(4, now_us).Run());
  if (db.Changes() == 0) return absl::NotFoundError("no such registered device");
  SPOOR_ASSIGN_OR_RETURN(Stmt id, db.Prepare(
      "DELETE FROM identities WHERE workspace_id = ?1 AND kind = 'push_token' AND value = ?2"));
  return id.Bind(1, workspace_id).Bind(2, device_token).Run();
}

absl::StatusOr<std::vector<PushDevice>> ListPushDevices(Db& db, int64_t workspace_id,
                                                        std::string_view app_id) {
  SPOOR_ASSIGN_OR_RETURN(int64_t app, AppRowId(db, workspace_id, app_id));
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT device_token, contact_id, user_id, platform, locale, app_version, registered_at "
      "FROM push_devices WHERE workspace_id = ?1 AND app_id = ?2 AND unregistered_at IS NULL "
      "ORDER BY registered_at, device_token"));
  s.Bind(1, workspace_id).Bind(2, app);
  std::vector<PushDevice> out;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({std::string(s.Text(0)), std::string(app_id), s.Int(1), std::string(s.Text(2)),
                   std::string(s.Text(3)), std::string(s.Text(4)), std::string(s.Text(5)), s.Int(6)});
  }
  return out;
}

absl::StatusOr<std::pair<PushNotification, std::vector<PushSend>>> CreatePushNotification(
    Db& db, int64_t workspace_id, const PushNotification& n,
    const std::vector<std::string>& device_tokens, const std::vector<int64_t>& contact_ids,
    int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(int64_t app, AppRowId(db, workspace_id, n.app_id));
  // The devices: named tokens must be registered to this app.
  std::vector<std::pair<std::string, std::pair<int64_t, std::string>>> targets;
  SPOOR_ASSIGN_OR_RETURN(Stmt by_token, db.Prepare(
      "SELECT contact_id, platform FROM push_devices WHERE workspace_id = ?1 AND device_token = ?2 "
      "AND app_id = ?3 AND unregistered_at IS NULL"));
  for (const std::string& token : device_tokens) {
    by_token.Bind(1, workspace_id).Bind(2, token).Bind(3, app);
    SPOOR_ASSIGN_OR_RETURN(bool found, by_token.Step());
    if (!found) {
      by_token.Reset();
      return absl::InvalidArgumentError(StrCat("device token not registered to this app: ", token));
    }
    targets.push_back({token, {by_token.Int(0), std::string(by_token.Text(1))}});
    by_token.Reset();
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt by_contact, db.Prepare(
      "SELECT device_token, contact_id, platform FROM push_devices WHERE workspace_id = ?1 "
      "AND contact_id = ?2 AND app_id = ?3 AND unregistered_at IS NULL ORDER BY device_token"));
  for (int64_t contact : contact_ids) {
    by_contact.Bind(1, workspace_id).Bind(2, contact).Bind(3, app);
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool row, by_contact.Step());
      if (!row) break;
      targets.push_back({std::string(by_contact.Text(0)),
                         {by_contact.Int(1), std::string(by_contact.Text(2))}});
    }
    by_contact.Reset();
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                targets.end());
  SPOOR_ASSIGN_OR_RETURN(Stmt ins, db.Prepare(
      "INSERT INTO push_notifications(workspace_id, app_id, title, body, campaign, deep_link, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  SPOOR_RETURN_IF_ERROR(ins.Bind(1, workspace_id).Bind(2, app).Bind(3, n.title).Bind(4, n.body)
                            .BindText(5, n.campaign).BindText(6, n.deep_link).Bind(7, now_us).Run());
  PushNotification made = n;
  made.id = db.LastInsertRowid();
  made.created_at_us = now_us;
  SPOOR_ASSIGN_OR_RETURN(Stmt send, db.Prepare(
      "INSERT INTO push_sends(tracking_id, notification_id, workspace_id, device_token, contact_id, "
      "platform, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  std::vector<PushSend> sends;
  for (const auto& [token, who] : targets) {
    PushSend s{NewUuidV4(), workspace_id, made.id, token, who.first, who.second};
    SPOOR_RETURN_IF_ERROR(send.Bind(1, s.tracking_id).Bind(2, made.id).Bind(3, workspace_id)
                              .Bind(4, token).Bind(5, s.contact_id).Bind(6, s.platform)
                              .Bind(7, now_us).Run());
    sends.push_back(std::move(s));
  }
  return std::make_pair(std::move(made), std::move(sends));
}

absl::StatusOr<PushDevice> FindPushDevice(Db& db, int64_t workspace_id,
                                          std::string_view device_token) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT d.device_token, a.uuid, d.contact_id, d.user_id, d.platform, d.locale, "
      "d.app_version, d.registered_at FROM push_devices d JOIN push_apps a ON a.id = d.app_id "
      "WHERE d.workspace_id = ?1 AND d.device_token = ?2 AND d.unregistered_at IS NULL"));
  s.Bind(1, workspace_id).Bind(2, device_token);
  SPOOR_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return absl::NotFoundError("no such registered device");
  return PushDevice{std::string(s.Text(0)), std::string(s.Text(1)), s.Int(2),
                    std::string(s.Text(3)), std::string(s.Text(4)), std::string(s.Text(5)),
                    std::string(s.Text(6)), s.Int(7)};
}

absl::StatusOr<PushSend> FindPushSend(Db& db, std::string_view tracking_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT tracking_id, workspace_id, notification_id, device_token, contact_id, platform "
      "FROM push_sends WHERE tracking_id = ?1"));
  s.Bind(1, tracking_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return absl::NotFoundError("no such send");
  return PushSend{std::string(s.Text(0)), s.Int(1), s.Int(2), std::string(s.Text(3)), s.Int(4),
                  std::string(s.Text(5))};
}

absl::StatusOr<PushStats> GetPushStats(Db& db, int64_t workspace_id, int64_t notification_id,
                                       std::string_view app_id) {
  std::string sql =
      "SELECT s.platform, s.sent_at, s.received_at, s.opened_at, s.dismissed_at FROM push_sends s "
      "JOIN push_notifications n ON n.id = s.notification_id WHERE n.workspace_id = ?1 ";
  Stmt s;
  if (notification_id != 0) {
    SPOOR_ASSIGN_OR_RETURN(Stmt check, db.Prepare(
        "SELECT 1 FROM push_notifications WHERE id = ?1 AND workspace_id = ?2"));
    check.Bind(1, notification_id).Bind(2, workspace_id);
    SPOOR_ASSIGN_OR_RETURN(bool found, check.Step());
    if (!found) return absl::NotFoundError("no such notification");
    SPOOR_ASSIGN_OR_RETURN(s, db.Prepare(sql + "AND n.id = ?2"));
    s.Bind(1, workspace_id).Bind(2, notification_id);
  } else {
    SPOOR_ASSIGN_OR_RETURN(int64_t app, AppRowId(db, workspace_id, app_id));
    SPOOR_ASSIGN_OR_RETURN(s, db.Prepare(sql + "AND n.app_id = ?2"));
    s.Bind(1, workspace_id).Bind(2, app);
  }
  PushStats stats;
  std::map<std::string, PushStats::Figures> platforms;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    for (PushStats::Figures* f : {&stats.all, &platforms[std::string(s.Text(0))]}) {
      ++f->sent;
      // An open implies the notification arrived.
      if (!s.IsNull(2) || !s.IsNull(3)) ++f->received;
      if (!s.IsNull(3)) {
        ++f->opened;
        f->open_delays_us.push_back(std::max<int64_t>(0, s.Int(3) - s.Int(1)));
      }
      if (!s.IsNull(4)) ++f->dismissed;
    }
  }
  std::sort(stats.all.open_delays_us.begin(), stats.all.open_delays_us.end());
  for (auto& [platform, f] : platforms) {
    std::sort(f.open_delays_us.begin(), f.open_delays_us.end());
    stats.by_platform.emplace_back(platform, std::move(f));
  }
  return stats;
}

}  // namespace spoor::store::sqlite
