#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/spdlog.h"
#include "spoor/common/status.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor::pipeline {

class LocalPipeline::Impl {
 public:
  Impl(store::Store& store, PipelineOptions options, PipelineHooks hooks)
      : store_(store), options_(options), hooks_(std::move(hooks)) {}

  absl::Status Recover() {
    SPOOR_ASSIGN_OR_RETURN(processed_seq_, store_.ProcessedSeq());
    while (true) {
      SPOOR_ASSIGN_OR_RETURN(bool more, ProcessChunk(options_.process_chunk));
      if (!more) return absl::OkStatus();
    }
  }

  void StartThreads() {
    writer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "spoor-commit");
      RunWriter();
    });
    processor_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "spoor-process");
      RunProcessor();
    });
  }

  // Encodes `events` outside the lock, then copies them to the end of the
  // staged bytes: no allocation per event, and the writer never frees what
  // a request thread allocated (a free into another thread's arena takes
  // that arena's lock).
  absl::Status Publish(absl::Span<const Event> events, DoneFn done, bool wait_applied = false) {
    thread_local std::string encoded;
    thread_local std::vector<uint32_t> sizes;
    encoded.clear();
    sizes.clear();
    for (const Event& e : events) {
      const size_t before = encoded.size();
      AppendEncodedEvent(e, encoded);
      sizes.push_back(static_cast<uint32_t>(encoded.size() - before));
    }
    absl::Status status = Stage(encoded, sizes, std::move(done), wait_applied);
    if (encoded.capacity() > kKeptBufferBytes) std::string().swap(encoded);
    return status;
  }

  bool CommitStaged() {
    // Each committer has its own: the next commit may begin while the last
    // one's answers are still being handed out.
    thread_local Batch batch;
    {
      absl::MutexLock lock(&mu_);
      if (committing_ || queue_.empty()) return false;
      Take(batch);
      committing_ = true;
      ++stats_.io_thread_commits;
    }
    Commit(batch);
    return true;
  }

  // Commits what is queued, then processes the whole inbox, then returns.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    if (writer_.joinable()) writer_.join();
    {
      absl::MutexLock lock(&mu_);
      writer_done_ = true;
    }
    if (processor_.joinable()) processor_.join();
  }

  PipelineStats Stats() const {
    absl::MutexLock lock(&mu_);
    PipelineStats s = stats_;
    s.queued = static_cast<int64_t>(queued_events_);
    return s;
  }

  void WaitProcessed() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->queue_.empty() && self->stats_.inbox_lag == 0 && !self->committing_;
        },
        this));
  }

 private:
  // One publish: its events commit together.
  struct Pending {
    size_t events = 0;  // how many of the staged bodies are its own
    DoneFn done;
    bool wait_applied = false;  // answer after processing, not after the commit
  };

  // What the writer commits at once: the publishes, and their bodies back
  // to back. Kept between commits, so its buffers are reused.
  struct Batch {
    std::vector<Pending> publishes;
    std::string bytes;
    std::vector<uint32_t> sizes;
    std::vector<std::string_view> bodies;  // into `bytes`
  };

  // Buffers grown past this by a burst are given back once it is over.
  static constexpr size_t kKeptBufferBytes = 4 << 20;
  static constexpr size_t kKeptPublishes = 4096;

  absl::Status Stage(std::string_view encoded, absl::Span<const uint32_t> sizes, DoneFn done,
                     bool wait_applied) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("shutting down");
    if (queued_events_ + sizes.size() > options_.max_queue) {
      ++stats_.rejected_full;
      return absl::UnavailableError("ingest queue full");
    }
    queued_events_ += sizes.size();
    staged_.append(encoded);
    staged_sizes_.insert(staged_sizes_.end(), sizes.begin(), sizes.end());
    if (queue_.empty()) queue_since_ = absl::Now();
    queue_.push_back({sizes.size(), std::move(done), wait_applied});
    return absl::OkStatus();
  }

  // Moves up to max_batch events' publishes and bodies (at least one
  // publish) from the queue to `batch`, whose lists are empty.
  void Take(Batch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t count = 0;
    size_t events = 0;
    while (count < queue_.size() &&
           (count == 0 || events + queue_[count].events <= options_.max_batch)) {
      events += queue_[count++].events;
    }
    queued_events_ -= events;
    if (count == queue_.size()) {
      // The usual case: all of it, by swapping lists. The writer then never
      // frees what a request thread allocated, nor the other way round, and
      // in a steady flow neither allocates.
      batch.publishes.swap(queue_);
      batch.bytes.swap(staged_);
      batch.sizes.swap(staged_sizes_);
      return;
    }
    const auto taken = queue_.begin() + static_cast<ptrdiff_t>(count);
    batch.publishes.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(taken));
    queue_.erase(queue_.begin(), taken);
    size_t bytes = 0;
    for (size_t i = 0; i < events; ++i) bytes += staged_sizes_[i];
    batch.bytes.assign(staged_, 0, bytes);
    staged_.erase(0, bytes);
    batch.sizes.assign(staged_sizes_.begin(), staged_sizes_.begin() + static_cast<ptrdiff_t>(events));
    staged_sizes_.erase(staged_sizes_.begin(), staged_sizes_.begin() + static_cast<ptrdiff_t>(events));
  }

  // The writer: only commits, so acknowledgements never wait for processing.
  void RunWriter() {
    Batch batch;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (!AwaitWritersTurn()) return;
        Take(batch);
        committing_ = true;
      }
      Commit(batch);
    }
  }

  // Returns true when the writer should commit what is queued, false once
  // stopping with everything committed. When the event loops commit, the
  // writer leaves the queue to them for commit_backstop_us. It sleeps on
  // a timer while events come and go, and on the queue only once it is
  // found empty: under load, stages seldom have a writer to wake.
  bool AwaitWritersTurn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto queued = [](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return !self->queue_.empty() || self->stopping_;
    };
    auto idle = [](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return !self->committing_;
    };
    while (true) {
      mu_.Await(absl::Condition(+queued, this));
      if (stopping_) {
        mu_.Await(absl::Condition(+idle, this));  // a loop's commit, ending
        return !queue_.empty();
      }
      if (!options_.io_threads_commit) {
        if (committing_) {
          mu_.Await(absl::Condition(+idle, this));  // CommitStaged, called anyway
          continue;
        }
        if (queued_events_ >= options_.commit_siblings) AwaitSiblings();
        if (committing_ || queue_.empty()) continue;  // taken while it waited
        return true;
      }
      const absl::Duration backstop = absl::Microseconds(options_.commit_backstop_us);
      const absl::Time now = absl::Now();
      const absl::Time due = queue_since_ + backstop;
      if (!committing_ && now >= due) return true;
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), std::max(due, now + backstop / 2));
    }
  }

  // Called with the events that arrived while the previous commit was
  // written queued: enough of them means requests keep coming faster than
  // syncs end, so a short wait lets one sync carry more of them. Waits up to
  // commit_delay_us, and not past a third of it without a new event (the
  // senders are all waiting on this commit) or once commit_delay_events are
  // queued.
  void AwaitSiblings() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (options_.commit_delay_us <= 0 || queued_events_ >= options_.commit_delay_events) return;
    const absl::Duration delay = absl::Microseconds(options_.commit_delay_us);
    const absl::Time deadline = absl::Now() + delay;
    auto enough = [](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return self->queued_events_ >= self->options_.commit_delay_events || self->stopping_;
    };
    ++stats_.delayed_commits;
    while (!enough(this)) {
      const size_t seen = queued_events_;
      const absl::Time now = absl::Now();
      if (now >= deadline) return;
      mu_.AwaitWithDeadline(absl::Condition(+enough, this), std::min(deadline, now + delay / 3));
      if (queued_events_ == seen) return;
    }
  }

  // The processor: applies the inbox at a lower priority. Ingest goes
  // first: while commits keep coming, processing waits for a quiet spell
  // (process_yield_ms), so a burst is acknowledged at the rate the
  // receivers and the journal allow and applied after it. It waits no
  // longer than process_max_lag_ms behind the oldest unapplied commit, and
  // not at all when a publish waits for its application (API writes).
  void RunProcessor() {
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
    bool busy = false;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                                   return self->stats_.inbox_lag > 0 || self->writer_done_;
                                 },
                                 this),
                             absl::Milliseconds(500));
        WaitForQuiet();
        processing_ = true;
        // Still busy (overdue, or a waiting publish): small bites, so the
        // store's lock is never held long while requests may need it.
        busy = !queue_.empty() || committing_;
      }
      absl::StatusOr<bool> more =
          ProcessChunk(busy ? options_.process_chunk_busy : options_.process_chunk);
      bool done;
      {
        absl::MutexLock lock(&mu_);
        processing_ = false;
        if (!more.ok()) ++stats_.process_failures;
        done = writer_done_ && more.ok() && !*more;
      }
      if (!more.ok()) {
        spdlog::warn("processing the inbox failed: {}", more.status().ToString());
        absl::SleepFor(absl::Milliseconds(100));  // back off; the rows stay in the inbox
      }
      if (done) return;
    }
  }

  // Returns when processing should go ahead: commits have paused for
  // process_yield_ms, the oldest unapplied commit is process_max_lag_ms old,
  // a publish waits for its application, or the writer has stopped.
  void WaitForQuiet() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Duration yield = absl::Milliseconds(options_.process_yield_ms);
    const absl::Duration max_lag = absl::Milliseconds(options_.process_max_lag_ms);
    auto urgent = [](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return self->writer_done_ || !self->apply_waiters_.empty();
    };
    while (!urgent(this)) {
      const absl::Time now = absl::Now();
      const absl::Time overdue = lag_since_ + max_lag;
      if (stats_.inbox_lag == 0 || now >= overdue) return;
      const bool idle = queue_.empty() && !committing_;
      const absl::Time quiet = last_commit_ + yield;
      if (idle && now >= quiet) return;
      // A commit under way ends a yield from now at the earliest.
      mu_.AwaitWithDeadline(absl::Condition(+urgent, this), std::min(overdue, idle ? quiet : now + yield));
    }
  }

  void Commit(Batch& batch) {
    std::vector<std::string_view>& bodies = batch.bodies;
    bodies.clear();
    for (size_t i = 0, at = 0; i < batch.sizes.size(); at += batch.sizes[i++]) {
      bodies.emplace_back(batch.bytes.data() + at, batch.sizes[i]);
    }
    absl::StatusOr<int64_t> last_seq = store_.AppendInbox(bodies);
    absl::Status status = last_seq.status();
    if (!status.ok()) spdlog::error("commit of {} events failed: {}", bodies.size(), status.ToString());
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        stats_.committed += static_cast<int64_t>(bodies.size());
        last_commit_ = absl::Now();
        if (stats_.inbox_lag == 0) lag_since_ = last_commit_;
        stats_.inbox_lag += static_cast<int64_t>(bodies.size());
        ++stats_.commits;
        // Sequence numbers are consecutive: walk back from the last.
        int64_t seq = *last_seq - static_cast<int64_t>(bodies.size());
        for (Pending& p : batch.publishes) {
          seq += static_cast<int64_t>(p.events);
          if (p.wait_applied) apply_waiters_.emplace(seq, std::move(p.done));
        }
      } else {
        ++stats_.commit_failures;
      }
      committing_ = false;
    }
    for (Pending& p : batch.publishes) {
      if (p.done) std::move(p.done)(status);
    }
    batch.publishes.clear();
    batch.bytes.clear();
    batch.sizes.clear();
    if (batch.bytes.capacity() > kKeptBufferBytes || batch.publishes.capacity() > kKeptPublishes) {
      std::vector<Pending>().swap(batch.publishes);
      std::string().swap(batch.bytes);
      std::vector<uint32_t>().swap(batch.sizes);
      std::vector<std::string_view>().swap(batch.bodies);
    }
  }

  // Runs the waiters of every publish applied through `seq`.
  void WakeApplied(int64_t seq) {
    std::vector<DoneFn> ready;
    {
      absl::MutexLock lock(&mu_);
      while (!apply_waiters_.empty() && apply_waiters_.begin()->first <= seq) {
        ready.push_back(std::move(apply_waiters_.begin()->second));
        apply_waiters_.erase(apply_waiters_.begin());
      }
    }
    for (DoneFn& done : ready) std::move(done)(absl::OkStatus());
  }

  // Processes up to `limit` inbox rows. Returns whether rows may remain.
  absl::StatusOr<bool> ProcessChunk(int limit) {
    SPOOR_ASSIGN_OR_RETURN(std::vector<store::InboxRow> rows,
                           store_.ReadInbox(processed_seq_, limit));
    if (rows.empty()) {
      absl::MutexLock lock(&mu_);
      stats_.inbox_lag = 0;
      return false;
    }
    std::vector<Event> events;
    events.reserve(rows.size());
    int64_t undecodable = 0;
    for (const store::InboxRow& row : rows) {
      absl::StatusOr<Event> event = DecodeEvent(row.body);
      if (!event.ok()) {
        ++undecodable;
        spdlog::warn("inbox row {} is undecodable: {}", row.seq, event.status().ToString());
        continue;
      }
      if (hooks_.enrich) hooks_.enrich(*event);
      events.push_back(std::move(*event));
    }
    int64_t through = rows.back().seq;
    SPOOR_ASSIGN_OR_RETURN(store::ApplyStats applied, store_.ApplyEvents(events, through));
    processed_seq_ = through;
    if (!applied.device_moves.empty() && hooks_.device_moves) {
      hooks_.device_moves(applied.device_moves);
    }
    {
      absl::MutexLock lock(&mu_);
      stats_.processed += applied.applied;
      stats_.duplicates += applied.duplicates;
      stats_.undecodable += undecodable;
      stats_.inbox_lag =
          std::max<int64_t>(0, stats_.inbox_lag - static_cast<int64_t>(rows.size()));
    }
    WakeApplied(through);
    return static_cast<int>(rows.size()) == limit;
  }

  store::Store& store_;
  const PipelineOptions options_;
  PipelineHooks hooks_;
  int64_t processed_seq_ = 0;  // processor thread only (and Recover before it starts)
  std::thread writer_;
  std::thread processor_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  // The encoded bodies of queue_'s publishes, in order, back to back.
  std::string staged_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> staged_sizes_ ABSL_GUARDED_BY(mu_);
  // Publishes waiting to be applied, by the sequence number of their last event.
  std::multimap<int64_t, DoneFn> apply_waiters_ ABSL_GUARDED_BY(mu_);
  size_t queued_events_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time queue_since_ ABSL_GUARDED_BY(mu_);  // when the queue last became non-empty
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  bool processing_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_commit_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // When the inbox last went from applied to not: its oldest unapplied commit.
  absl::Time lag_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  PipelineStats stats_ ABSL_GUARDED_BY(mu_);
};

LocalPipeline::LocalPipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalPipeline::~LocalPipeline() { Stop(); }

absl::StatusOr<std::unique_ptr<LocalPipeline>> LocalPipeline::Start(store::Store& store,
                                                                    PipelineOptions options,
                                                                    PipelineHooks hooks) {
  auto impl = std::make_unique<Impl>(store, options, std::move(hooks));
  SPOOR_RETURN_IF_ERROR(impl->Recover());
  impl->StartThreads();
  return std::unique_ptr<LocalPipeline>(new LocalPipeline(std::move(impl)));
}

absl::Status LocalPipeline::Publish(const Event& event, DoneFn done) {
  return impl_->Publish(absl::MakeConstSpan(&event, 1), std::move(done));
}

absl::Status LocalPipeline::PublishAll(const std::vector<Event>& events, DoneFn done) {
  return impl_->Publish(events, std::move(done));
}
absl::Status LocalPipeline::PublishApplied(const std::vector<Event>& events, DoneFn done) {
  return impl_->Publish(events, std::move(done), /*wait_applied=*/true);
}

bool LocalPipeline::CommitStaged() { return impl_->CommitStaged(); }
void LocalPipeline::Stop() { impl_->Stop(); }
PipelineStats LocalPipeline::Stats() const { return impl_->Stats(); }
void LocalPipeline::WaitProcessed() { impl_->WaitProcessed(); }

}  // namespace spoor::pipeline
