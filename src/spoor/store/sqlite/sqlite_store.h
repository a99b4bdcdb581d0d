// SQLite engine of the store (the embedded default): WAL mode, synchronous
// FULL, migrations at open. See store/store.h for the contract.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace spoor::store::sqlite
