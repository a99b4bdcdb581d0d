// NDJSON export of contacts, events, sessions and counters. Internal to
// store/sqlite. Output is built with Boost.JSON: values are stored raw and
// escaped here, on output only.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

using LineFn = std::function<void(std::string_view)>;

// Everything, or with `page` the rows after its cursor, at most its limit
// (the cursor then moves to the last row given).
absl::Status ExportContacts(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                            ExportPage* page = nullptr);
absl::Status ExportEvents(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                          ExportPage* page = nullptr);
absl::Status ExportSessions(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                            ExportPage* page = nullptr);
absl::Status ExportCounters(Db& db, const LineFn& line);
absl::StatusOr<std::string> ShowContact(Db& db, int64_t contact, const TimelineQuery& query);

}  // namespace spoor::store::sqlite
