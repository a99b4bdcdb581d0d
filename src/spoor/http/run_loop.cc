#include "spoor/http/internal/run_loop.h"

namespace spoor::http::internal {

void RunLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin,
             const std::function<bool()>& idle_work) {
  using Clock = std::chrono::steady_clock;
  auto worked = [&idle_work] { return idle_work != nullptr && idle_work(); };
  // Without a spin, every wait is a quiet spell: the loop never spins.
  bool spinning = spin.count() > 0;
  while (!ioc.stopped()) {
    if (ioc.poll() > 0 || worked()) continue;
    // Out of work: how long until the next piece decides the next spin.
    const Clock::time_point idle_since = Clock::now();
    if (spinning) {
      bool ran = false;
      while (!ran && !ioc.stopped() && Clock::now() - idle_since < spin) {
        ran = ioc.poll() > 0 || worked();
      }
      if (ran) continue;
    }
    if (ioc.run_one() == 0) return;  // stopped, or nothing left to wait for
    spinning = Clock::now() - idle_since < spin;
  }
}

}  // namespace spoor::http::internal
