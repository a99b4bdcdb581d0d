#include "spoor/http/internal/run_loop.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

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
    std::function<IdleWork()> idle = [&] {
      if (rounds == 3) return IdleWork::kNone;
      order.push_back("idle");
      const int round = ++rounds;
      asio::post(ioc, [&, round] {
        order.push_back("handler");
        if (round == 3) ioc.stop();
      });
      return IdleWork::kDone;
    };
    asio::post(ioc, [&] { order.push_back("first"); });
    RunLoop(ioc, spin, idle);
    EXPECT_EQ(order, (std::vector<std::string>{"first", "idle", "handler", "idle", "handler",
                                               "idle", "handler"}))
        << spin.count();
  }
}

// Work under way (kWaiting) is looked at again though no handler comes: at
// once when its descriptor says it is done, else within the recheck. With
// no spin, a loop that slept through a wait of 30 ms was woken far sooner
// than any handler (the only other one is a stop 2 s away).
TEST(RunLoopTest, IdleWorkUnderWayIsLookedAtAgainWithoutAHandler) {
  for (bool with_fd : {true, false}) {
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ASSERT_GE(efd, 0);
    std::atomic<bool> done{false};
    int calls_after_done = 0;
    std::chrono::steady_clock::time_point landed_at;
    std::function<IdleWork()> idle = [&] {
      if (!done) return IdleWork::kWaiting;
      if (calls_after_done++ == 0) {
        landed_at = std::chrono::steady_clock::now();
        ioc.stop();
        return IdleWork::kDone;
      }
      return IdleWork::kNone;
    };
    const auto start = std::chrono::steady_clock::now();
    std::thread disk([&] {
      std::this_thread::sleep_for(milliseconds(30));
      done = true;
      const uint64_t one = 1;
      if (with_fd) {
        EXPECT_EQ(write(efd, &one, sizeof(one)), 8);
      }
    });
    asio::steady_timer far(ioc, std::chrono::seconds(2));
    far.async_wait([&](boost::system::error_code) { ioc.stop(); });
    const double cpu_before = ThreadCpuMs();
    RunLoop(ioc, microseconds(0), idle, with_fd ? efd : -1);
    const double cpu_ms = ThreadCpuMs() - cpu_before;
    disk.join();
    close(efd);
    ASSERT_EQ(calls_after_done, 1) << with_fd;
    EXPECT_LT(landed_at - start, milliseconds(500)) << with_fd;
    // It slept between looks: 30 ms of spinning would cost about 30 ms.
    EXPECT_LT(cpu_ms, 20.0) << with_fd;
  }
}

}  // namespace
}  // namespace spoor::http::internal
