// Push notifications in the embedded store: apps, devices, notifications
// and sends, and their figures. Internal to store/sqlite; callers hold the
// store's lock and, for writes, the transaction.
#pragma once

#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

absl::StatusOr<PushApp> CreatePushApp(Db& db, int64_t workspace_id, std::string_view name,
                                      std::string_view platform, int64_t now_us);
absl::StatusOr<std::vector<PushApp>> ListPushApps(Db& db, int64_t workspace_id);
absl::StatusOr<PushApp> GetPushApp(Db& db, int64_t workspace_id, std::string_view app_id);
absl::StatusOr<PushApp> UpdatePushApp(Db& db, int64_t workspace_id, std::string_view app_id,
                                      std::string_view name, std::string_view platform);
absl::Status RegisterPushDevice(Db& db, int64_t workspace_id, const PushDevice& device,
                                int64_t now_us);
absl::Status UnregisterPushDevice(Db& db, int64_t workspace_id, std::string_view app_id,
                                  std::string_view device_token, int64_t now_us);
absl::StatusOr<std::vector<PushDevice>> ListPushDevices(Db& db, int64_t workspace_id,
                                                        std::string_view app_id);
absl::StatusOr<std::pair<PushNotification, std::vector<PushSend>>> CreatePushNotification(
    Db& db, int64_t workspace_id, const PushNotification& notification,
    const std::vector<std::string>& device_tokens, const std::vector<int64_t>& contact_ids,
    int64_t now_us);
absl::StatusOr<PushSend> FindPushSend(Db& db, std::string_view tracking_id);
absl::StatusOr<PushDevice> FindPushDevice(Db& db, int64_t workspace_id,
                                          std::string_view device_token);
absl::StatusOr<PushStats> GetPushStats(Db& db, int64_t workspace_id, int64_t notification_id,
                                       std::string_view app_id);

}  // namespace spoor::store::sqlite
