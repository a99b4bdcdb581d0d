// Numbered schema migrations for the SQLite engine. Migration N brings
// PRAGMA user_version from N-1 to N. Never edit a released migration: add one.
#pragma once

#include <string_view>

#include "absl/types/span.h"

namespace spoor::store::sqlite {

absl::Span<const std::string_view> Migrations();

}  // namespace spoor::store::sqlite
