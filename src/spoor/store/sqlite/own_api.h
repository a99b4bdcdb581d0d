// Reads for Spoor's own API (/api/v1/): keyset-paged event lists.
// Internal to store/sqlite; callers hold the store's lock.
#pragma once

#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

absl::StatusOr<EventPage> ListEvents(Db& db, const EventQuery& query);

}  // namespace spoor::store::sqlite
