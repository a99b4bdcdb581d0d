// Contact reads for the REST APIs: filtered, sorted, paged lists, one
// contact, its devices and activity. Internal to store/sqlite; callers hold
// the store's lock.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

absl::StatusOr<ContactPage> ListContacts(Db& db, const ContactQuery& query);
absl::StatusOr<ContactRecord> GetContact(Db& db, int64_t workspace_id, int64_t id);
absl::StatusOr<int64_t> EventContact(Db& db, int64_t workspace_id, std::string_view event_id);
absl::StatusOr<std::vector<DeviceRecord>> ContactDevices(Db& db, int64_t workspace_id, int64_t id);
absl::StatusOr<ActivityPage> Activity(Db& db, const ActivityQuery& query);

}  // namespace spoor::store::sqlite
