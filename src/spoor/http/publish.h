// Awaitable hand-offs: a handler co_awaits the commit (or, for API writes,
// the application) of its events on the bus, or slow work on a pool,
// without blocking its I/O thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <boost/asio.hpp>

#include "absl/status/status.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor::http {

enum class Until { kDurable, kApplied };

// Resumes with the status `submit(done)` eventually passes to `done`, or
// with the error `submit` returns at once; on the handler's own executor.
template <typename Submit>
boost::asio::awaitable<absl::Status> AwaitBus(Submit submit) {
  namespace asio = boost::asio;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(absl::Status)>(
      [&submit](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto complete = [shared](absl::Status status) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, status]() mutable { std::move(*shared)(status); });
        };
        absl::Status queued = submit(complete);
        if (!queued.ok()) complete(queued);
      },
      asio::use_awaitable);
}

// Resumes once the bus has made `event` durable, or refused it.
inline boost::asio::awaitable<absl::Status> Publish(pipeline::Bus& bus, const Event& event) {
  // The handler keeps `bus` and `event` alive across the await; nothing
  // here may refer to this function's own parameters once it returns.
  return AwaitBus([b = &bus, e = &event](auto done) { return b->Publish(*e, std::move(done)); });
}

// Resumes once the bus has made `events` durable (kDurable) or also applied
// them (kApplied), all in one commit, or refused them.
inline boost::asio::awaitable<absl::Status> Publish(pipeline::Bus& bus,
                                                    const std::vector<Event>& events,
                                                    Until until = Until::kDurable) {
  return AwaitBus([b = &bus, e = &events, until](auto done) {
    return until == Until::kApplied ? b->PublishApplied(*e, std::move(done))
                                    : b->PublishAll(*e, std::move(done));
  });
}

// Runs `fn` on `pool` (slow work such as argon2id, kept off the I/O
// threads), then hands its result to the awaiting coroutine on that
// coroutine's executor.
template <typename T>
boost::asio::awaitable<T> RunOn(boost::asio::thread_pool& pool, std::function<T()> fn) {
  namespace asio = boost::asio;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [&pool, &fn](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        asio::post(pool, [shared, work = std::move(fn)]() {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, result = work()]() mutable {
            std::move(*shared)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace spoor::http
