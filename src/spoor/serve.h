// `spoor serve`: opens the store, starts the pipeline and the HTTP server
// with every route, and runs until SIGTERM or SIGINT, then drains.
#pragma once

#include "spoor/config.h"

namespace spoor {

// Returns the process's exit code.
int Serve(const ServeConfig& cfg);

}  // namespace spoor
