// An I/O thread's event loop, with a short spin before each sleep.
#pragma once

#include <chrono>
#include <functional>

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
//
// `idle_work`, when set, runs each time the loop finds no handler ready,
// before it spins on or sleeps; it returns whether it did anything (whose
// handlers are then run at once). The pipeline's commit runs there: the
// thread that parsed a batch of requests writes it and answers it, with no
// hand-over to another thread and back.
void RunLoop(boost::asio::io_context& ioc, std::chrono::microseconds spin,
             const std::function<bool()>& idle_work = nullptr);

}  // namespace spoor::http::internal
