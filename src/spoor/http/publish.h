// Awaitable hand-offs: a handler co_awaits the commit (or, for API writes,
// the application) of its events on the bus, or slow work on a pool,
// without blocking its I/O thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio.hpp>

#include "absl/status/status.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor::http {

enum class Until { kDurable, kApplied };

namespace internal {

// Hands completions from other threads (the bus's writer) to one event
// loop: the first of a burst posts one drain, the others only join its
// list. A commit of many events then wakes each loop once, not once per
// event.
class CompletionMailbox final : public boost::asio::execution_context::service {
 public:
  // One waiting handler; runs, then deletes itself, on its loop.
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void Resume() = 0;
    absl::Status status;
    Waiter* next = nullptr;
  };

  using key_type = CompletionMailbox;
  static inline boost::asio::execution_context::id id;

  explicit CompletionMailbox(boost::asio::execution_context& context)
      : boost::asio::execution_context::service(context) {}

  // From any thread.
  template <typename Executor>
  void Deliver(Waiter* waiter, const Executor& executor) {
    bool post;
    {
      std::lock_guard<std::mutex> lock(mu_);
      (tail_ ? tail_->next : head_) = waiter;
      tail_ = waiter;
      post = !scheduled_;
      scheduled_ = true;
    }
    if (post) boost::asio::post(executor, [this] { Drain(); });
  }

 private:
  void Drain() {
    Waiter* waiter;
    {
      std::lock_guard<std::mutex> lock(mu_);
      waiter = head_;
      head_ = tail_ = nullptr;
      scheduled_ = false;
    }
    while (waiter != nullptr) {
      Waiter* next = waiter->next;
      waiter->Resume();
      waiter = next;
    }
  }

  // The loop is going away: its coroutines are destroyed unresumed, as
  // asio does with the operations it still holds.
  void shutdown() override {
    std::lock_guard<std::mutex> lock(mu_);
    while (head_ != nullptr) delete std::exchange(head_, head_->next);
    tail_ = nullptr;
  }

  std::mutex mu_;
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  bool scheduled_ = false;  // a Drain is posted and has not yet taken the list
};

}  // namespace internal

// Resumes with the status `submit(done)` eventually passes to `done`, or
// with the error `submit` returns at once; on the handler's own executor,
// through its loop's mailbox. Not a coroutine: the initiation (which owns
// `submit`) runs when the result is awaited.
template <typename Submit>
boost::asio::awaitable<absl::Status> AwaitBus(Submit submit) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(absl::Status)>(
      [submit = std::move(submit)](auto handler) {
        using Awaiting = decltype(handler);
        using Executor = asio::associated_executor_t<Awaiting>;
        struct Waiter final : internal::CompletionMailbox::Waiter {
          Waiter(Awaiting h, Executor e) : handler(std::move(h)), executor(std::move(e)) {}
          void Resume() override {
            Awaiting h = std::move(handler);
            absl::Status s = std::move(status);
            delete this;
            std::move(h)(std::move(s));
          }
          Awaiting handler;
          Executor executor;
        };
        Executor executor = asio::get_associated_executor(handler);
        auto& mailbox = asio::use_service<internal::CompletionMailbox>(
            asio::query(executor, asio::execution::context));
        auto* waiter = new Waiter(std::move(handler), std::move(executor));
        auto complete = [&mailbox, waiter](absl::Status status) {
          waiter->status = std::move(status);
          mailbox.Deliver(waiter, waiter->executor);
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
