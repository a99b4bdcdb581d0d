// What the subcommands share: the version and how a failure ends them.
#pragma once

#include <cstdio>
#include <string>

#include "absl/status/status.h"

namespace spoor {

inline constexpr char kVersion[] = "0.1.0";

// Prints `status` on stderr; returns the exit code: 2 for what the caller
// got wrong (bad input, nothing found), 1 for the rest.
inline int Fail(const absl::Status& status) {
  std::fprintf(stderr, "spoor: %s\n", std::string(status.message()).c_str());
  return absl::IsInvalidArgument(status) || absl::IsNotFound(status) ? 2 : 1;
}

}  // namespace spoor
