#include "spoor/http/publish.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace spoor::http {
namespace {

namespace asio = boost::asio;

// Completions handed over from another thread, as the bus's writer does.
struct Handoff {
  std::vector<pipeline::DoneFn> pending;
  absl::Status Submit(pipeline::DoneFn done) {
    pending.push_back(std::move(done));
    return absl::OkStatus();
  }
};

TEST(AwaitBusTest, EveryWaiterResumesOnceWithItsOwnStatus) {
  asio::io_context loop;
  Handoff handoff;
  constexpr int kWaiters = 100;
  std::vector<std::string> seen(kWaiters);
  int resumed = 0;
  for (int i = 0; i < kWaiters; ++i) {
    asio::co_spawn(
        loop,
        [&, i]() -> asio::awaitable<void> {
          absl::Status s = co_await AwaitBus([&](auto done) { return handoff.Submit(std::move(done)); });
          seen[static_cast<size_t>(i)] = std::string(s.message());
          ++resumed;
        },
        asio::detached);
  }
  loop.poll();  // every coroutine is now waiting (each keeps the loop busy)
  ASSERT_EQ(handoff.pending.size(), static_cast<size_t>(kWaiters));
  std::thread writer([&] {
    for (int i = 0; i < kWaiters; ++i) {
      std::move(handoff.pending[static_cast<size_t>(i)])(absl::UnavailableError(std::to_string(i)));
    }
  });
  writer.join();
  // One drain resumes the whole burst: one handler run for 100 waiters.
  EXPECT_EQ(loop.poll_one(), 1u);
  EXPECT_EQ(resumed, kWaiters);
  for (int i = 0; i < kWaiters; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], std::to_string(i));
  EXPECT_EQ(loop.poll(), 0u);
}

TEST(AwaitBusTest, ARefusalAtSubmitResumesWithIt) {
  asio::io_context loop;
  absl::Status got;
  asio::co_spawn(
      loop,
      [&]() -> asio::awaitable<void> {
        got = co_await AwaitBus([](auto) { return absl::UnavailableError("queue full"); });
      },
      asio::detached);
  loop.run();
  EXPECT_TRUE(absl::IsUnavailable(got)) << got;
}

TEST(AwaitBusTest, CompletionsArrivingDuringADrainAreNotLost) {
  asio::io_context loop;
  Handoff handoff;
  constexpr int kWaiters = 2000;
  int resumed = 0;
  for (int i = 0; i < kWaiters; ++i) {
    asio::co_spawn(
        loop,
        [&]() -> asio::awaitable<void> {
          absl::Status s = co_await AwaitBus([&](auto done) { return handoff.Submit(std::move(done)); });
          if (s.ok()) ++resumed;
        },
        asio::detached);
  }
  loop.poll();
  ASSERT_EQ(handoff.pending.size(), static_cast<size_t>(kWaiters));
  std::thread runner([&] { loop.run(); });  // returns once every coroutine has ended
  for (auto& done : handoff.pending) std::move(done)(absl::OkStatus());
  runner.join();
  EXPECT_EQ(resumed, kWaiters);
}

TEST(AwaitBusTest, ALoopDestroyedWithWaitersStillQueuedFreesThem) {
  Handoff handoff;
  bool finished = false;
  int frames_freed = 0;
  struct CountsItsEnd {
    int* ends;
    ~CountsItsEnd() { ++*ends; }
  };
  {
    asio::io_context loop;
    asio::co_spawn(
        loop,
        [&]() -> asio::awaitable<void> {
          CountsItsEnd local{&frames_freed};
          (void)co_await AwaitBus([&](auto done) { return handoff.Submit(std::move(done)); });
          finished = true;
        },
        asio::detached);
    loop.poll();
    ASSERT_EQ(handoff.pending.size(), 1u);
    std::move(handoff.pending.front())(absl::OkStatus());
  }
  EXPECT_FALSE(finished);
  EXPECT_EQ(frames_freed, 1);
}

}  // namespace
}  // namespace spoor::http
