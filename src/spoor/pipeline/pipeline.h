// The pipeline: the bus that makes accepted events durable (group commit)
// and the processor that turns the durable inbox into contacts, devices,
// sessions and event rows.
//
// The bus is bounded: when its queue is full Publish fails at once with
// Unavailable (the edge answers 503 + Retry-After), never growing memory.
// A writer thread commits (group commit) and runs the `done` callbacks, which
// must only hand work back to their own thread; a processor thread, at lower
// priority, applies the committed inbox.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spoor/common/event.h"
#include "spoor/store/store.h"

namespace spoor::pipeline {

using DoneFn = absl::AnyInvocable<void(absl::Status) &&>;

class Bus {
 public:
  virtual ~Bus() = default;
  // Queues `event` for a durable commit; `done` runs once with OK after the
  // commit, or with the error that failed it. Errors (returned at once, and
  // `done` is then not called): Unavailable when the queue is full or the
  // bus is stopping.
  virtual absl::Status Publish(const Event& event, DoneFn done) = 0;
  // Publishes several events as one unit: all are committed in the same
  // transaction, or none is. Errors as Publish.
  virtual absl::Status PublishAll(const std::vector<Event>& events, DoneFn done) = 0;
  // As PublishAll, but `done` runs only once the events are also applied
  // (contacts, fields, tags updated), so the caller can read what they did.
  // For API writes, whose answers show the written contact.
  virtual absl::Status PublishApplied(const std::vector<Event>& events, DoneFn done) = 0;
};

struct PipelineOptions {
  size_t max_queue = 20000;        // events waiting for a commit
  size_t max_batch = 8192;         // events in one commit
  // Group commit under load: when at least commit_siblings events arrived
  // while the previous commit was being written, the next one waits up to
  // commit_delay_us for more to join it, and goes ahead as soon as
  // commit_delay_events are queued or none arrived for a third of the delay.
  // Fewer syncs for the same events: less CPU per event and a shorter tail
  // under heavy load, at up to commit_delay_us more latency. 0 turns it off.
  int commit_delay_us = 300;
  size_t commit_siblings = 8;
  size_t commit_delay_events = 48;
  // The event loops commit: each I/O thread calls CommitStaged when it runs
  // out of work, and the writer thread only commits what has waited
  // commit_backstop_us for them (publishes from elsewhere). A loop's batch is
  // then written and answered on the thread that parsed it, with no
  // hand-over to the writer and back: each hand-over waits for a thread to
  // be scheduled, which on a busy machine costs more than the sync itself.
  bool io_threads_commit = false;
  int commit_backstop_us = 2000;
  int process_chunk = 512;         // inbox rows per processing transaction when idle
  int process_chunk_busy = 16;     // ... while commits are waiting
  int process_yield_ms = 20;       // the quiet between commits processing waits for
  int process_max_lag_ms = 30000;  // ... but never longer than this behind a commit
};

struct PipelineStats {
  int64_t committed = 0;
  int64_t commits = 0;
  int64_t commit_failures = 0;
  int64_t delayed_commits = 0;  // commits that waited for more events (commit_delay_us)
  int64_t io_thread_commits = 0;  // commits made by CommitStaged
  int64_t rejected_full = 0;
  int64_t processed = 0;
  int64_t duplicates = 0;
  int64_t undecodable = 0;
  int64_t process_failures = 0;
  int64_t queued = 0;
  int64_t inbox_lag = 0;  // committed but not yet processed (approximate)
};

// Hooks run on the writer thread. `enrich` runs on each event before it is
// applied (channel grouping, ...); `device_moves` after a batch moved devices
// to other contacts (merges, shared computers), for the receiver's cache.
struct PipelineHooks {
  std::function<void(Event&)> enrich;
  std::function<void(const std::vector<store::DeviceOwner>&)> device_moves;
};

// The in-process bus and processor on the embedded store.
class LocalPipeline final : public Bus {
 public:
  // Starts the writer thread. Before it returns, every event already in the
  // inbox but not yet processed (left by a crash) is processed.
  static absl::StatusOr<std::unique_ptr<LocalPipeline>> Start(store::Store& store,
                                                              PipelineOptions options,
                                                              PipelineHooks hooks);
  ~LocalPipeline() override;  // Stop()s

  absl::Status Publish(const Event& event, DoneFn done) override;
  absl::Status PublishAll(const std::vector<Event>& events, DoneFn done) override;
  absl::Status PublishApplied(const std::vector<Event>& events, DoneFn done) override;
  // Commits what is staged, on the calling thread, unless nothing is staged
  // or another commit is under way (what is left then is taken by the next
  // call on any loop, or by the writer within commit_backstop_us).
  // Returns whether it committed. For event loops with nothing else to do:
  // the commit blocks the caller for a sync. With io_threads_commit set,
  // the loops must call it, or publishes wait commit_backstop_us.
  bool CommitStaged();
  // Commits what is queued, processes the whole inbox, and joins the writer.
  void Stop();
  PipelineStats Stats() const;
  // Blocks until every event committed so far has been processed (tests, export).
  void WaitProcessed();

  class Impl;

 private:
  explicit LocalPipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoor::pipeline
