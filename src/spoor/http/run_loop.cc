#include "spoor/http/internal/run_loop.h"

#include <unistd.h>

#include <memory>
#include <optional>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace spoor::http::internal {

// How long a loop with work under way sleeps at most before it looks again.
constexpr std::chrono::microseconds kRecheck{100};

void RunLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin,
             const std::function<IdleWork()>& idle_work, int wake_fd) {
  using Clock = std::chrono::steady_clock;
  auto work = [&idle_work] { return idle_work != nullptr ? idle_work() : IdleWork::kNone; };
  // The loop's own view of wake_fd, and whether a wait on it is pending (the
  // wait's handler may outlive this frame, in a loop stopped with it queued).
  std::optional<boost::asio::posix::stream_descriptor> wake;
  if (wake_fd >= 0) {
    const int fd = dup(wake_fd);
    if (fd >= 0) wake.emplace(ioc, fd);
  }
  auto armed = std::make_shared<bool>(false);
  boost::asio::steady_timer recheck(ioc);
  auto timed = std::make_shared<bool>(false);
  // Without a spin, every wait is a quiet spell: the loop never spins.
  bool spinning = spin.count() > 0;
  while (!ioc.stopped()) {
    if (ioc.poll() > 0) continue;
    IdleWork done = work();
    if (done == IdleWork::kDone) continue;
    // Out of work: how long until the next piece decides the next spin.
    const Clock::time_point idle_since = Clock::now();
    if (spinning) {
      bool ran = false;
      while (!ran && !ioc.stopped() && Clock::now() - idle_since < spin) {
        ran = ioc.poll() > 0 || (done = work()) == IdleWork::kDone;
      }
      if (ran) continue;
    }
    if (done == IdleWork::kWaiting) {
      // Sleep until wake_fd says the work is done, or kRecheck at most.
      if (!*timed) {
        *timed = true;
        recheck.expires_after(kRecheck);
        recheck.async_wait([timed](const boost::system::error_code&) { *timed = false; });
      }
      if (wake && !*armed) {
        *armed = true;
        wake->async_wait(boost::asio::posix::descriptor_base::wait_read,
                         [armed, fd = wake->native_handle()](const boost::system::error_code& ec) {
                           *armed = false;
                           uint64_t count;
                           if (!ec) (void)!read(fd, &count, sizeof(count));
                         });
        // What completed before the wait began wakes no one: look once more.
        if (work() == IdleWork::kDone) continue;
      }
    }
    if (ioc.run_one() == 0) return;  // stopped, or nothing left to wait for
    spinning = Clock::now() - idle_since < spin;
  }
}

}  // namespace spoor::http::internal
