#include "spoor/http/internal/run_loop.h"

#include <time.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gtest/gtest.h"

namespace spoor::http::internal {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;
using std::chrono::milliseconds;

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

TEST(RunLoopTest, RunsWhatOtherThreadsPostUntilStopped) {
  for (microseconds spin : {microseconds(0), microseconds(200)}) {
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    std::atomic<int> ran{0};
    std::thread poster([&] {
      for (int i = 0; i < 200; ++i) {
        asio::post(ioc, [&] { ++ran; });
        if (i % 20 == 0) std::this_thread::sleep_for(microseconds(300));
      }
      asio::post(ioc, [&] { ioc.stop(); });
    });
    RunLoop(ioc, spin);
    poster.join();
    EXPECT_EQ(ran.load(), 200) << spin.count();
  }
}

TEST(RunLoopTest, ReturnsWhenNothingIsLeftToWaitFor) {
  asio::io_context ioc;
  bool ran = false;
  asio::post(ioc, [&] { ran = true; });
  RunLoop(ioc, microseconds(200));
  EXPECT_TRUE(ran);
}

// Work every 5 ms with a 3 ms spin: spinning after each piece would burn
// about 60 ms of CPU over these 100 ms; sleeps longer than the spin turn it
// off after the first.
TEST(RunLoopTest, DoesNotSpinThroughQuietSpells) {
  asio::io_context ioc;
  asio::steady_timer timer(ioc);
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 20) return;
    timer.expires_after(milliseconds(5));
    timer.async_wait([&](boost::system::error_code) { tick(); });
  };
  asio::post(ioc, tick);
  const double cpu_before = ThreadCpuMs();
  RunLoop(ioc, microseconds(3000));
  const double cpu_ms = ThreadCpuMs() - cpu_before;
  EXPECT_EQ(ticks, 20);
  EXPECT_LT(cpu_ms, 25.0);
}

// Idle work runs each time the loop has no handler ready, before it sleeps,
// and what it posts runs at once: a handler posted by the idle work of
// one round is followed by the idle work of the next.
TEST(RunLoopTest, RunsIdleWorkWhenOutOfHandlersAndWhatItPosts) {
  for (microseconds spin : {microseconds(0), microseconds(200)}) {
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    std::vector<std::string> order;
    int rounds = 0;
    std::function<bool()> idle = [&] {
      if (rounds == 3) return false;
      order.push_back("idle");
      const int round = ++rounds;
      asio::post(ioc, [&, round] {
        order.push_back("handler");
        if (round == 3) ioc.stop();
      });
      return true;
    };
    asio::post(ioc, [&] { order.push_back("first"); });
    RunLoop(ioc, spin, idle);
    EXPECT_EQ(order, (std::vector<std::string>{"first", "idle", "handler", "idle", "handler",
                                               "idle", "handler"}))
        << spin.count();
  }
}

}  // namespace
}  // namespace spoor::http::internal
