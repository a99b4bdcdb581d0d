#include "spoor/common/status.h"

#include <cstdio>
#include <cstdlib>

namespace spoor::internal {

void CheckFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "SPOOR_CHECK failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}

}  // namespace spoor::internal
