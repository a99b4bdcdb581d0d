// Status helpers shared by every module.
//
// Spoor code returns absl::Status / absl::StatusOr<T> across module
// boundaries and throws nothing. These two macros keep the happy path flat.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SPOOR_STATUS_CONCAT_INNER_(a, b) a##b
#define SPOOR_STATUS_CONCAT_(a, b) SPOOR_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` yields a non-OK status.
#define SPOOR_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    if (absl::Status spoor_status_ = (expr);        \
        !spoor_status_.ok()) {                      \
      return spoor_status_;                         \
    }                                               \
  } while (false)

// `SPOOR_ASSIGN_OR_RETURN(T v, Call());` declares `v` from a StatusOr or
// returns its error.
#define SPOOR_ASSIGN_OR_RETURN(lhs, expr) \
  SPOOR_ASSIGN_OR_RETURN_IMPL_(SPOOR_STATUS_CONCAT_(spoor_statusor_, __LINE__), lhs, expr)
#define SPOOR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// Broken invariants: log and abort. Never for input from the network.
#define SPOOR_CHECK(cond)                                                         \
  do {                                                                            \
    if (!(cond)) ::spoor::internal::CheckFailed(#cond, __FILE__, __LINE__);       \
  } while (false)

namespace spoor::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace spoor::internal
