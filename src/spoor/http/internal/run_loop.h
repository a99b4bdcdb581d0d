// An I/O thread's event loop, with a short spin before each sleep.
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>

namespace spoor::http::internal {

// Runs `ioc` until it is stopped (or has no work left). With `spin` > 0, a
// thread that runs out of work polls for up to `spin` before it sleeps,
// for as long as its waits for work stay shorter than `spin`: under load
// the next answer or request is microseconds away, and waking a sleeping
// thread (an interrupt; on a virtual machine, an exit to the host) costs
// more than that wait. A wait longer than `spin` (a quiet spell) turns the
// spinning off until a wait is short again, so an idle or lightly loaded
// server does not burn its cores.
void RunLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin);

}  // namespace spoor::http::internal
