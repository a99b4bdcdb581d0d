#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "spoor/common/testing/temp_dir.h"
#include "spoor/common/ids.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor::pipeline {
namespace {

using ::spoor::testing::TempDir;

Event MakeEvent(int64_t ws, uint64_t contact, int i) {
  Event e;
  e.id = NewEventId(1700000000000000 + i);
  e.workspace_id = ws;
  e.received_at_us = 1700000000000000 + i;
  e.contact_id = contact;
  e.device_id = "dev" + std::to_string(contact);
  e.url = "https://s.example/p/" + std::to_string(i);
  return e;
}

size_t CountEvents(store::Store& s) {
  size_t n = 0;
  EXPECT_TRUE(s.ExportEvents(std::nullopt, [&](std::string_view) { ++n; }).ok());
  return n;
}

// Publishes `e` and returns how long its acknowledgement took.
absl::Duration TimeToAck(LocalPipeline& pipeline, const Event& e) {
  absl::Notification done;
  const absl::Time start = absl::Now();
  absl::Time acked;
  absl::Status published = pipeline.Publish(e, [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    acked = absl::Now();
    done.Notify();
  });
  if (!published.ok()) {
    ADD_FAILURE() << published;  // nothing will be acknowledged
    return absl::ZeroDuration();
  }
  done.WaitForNotification();
  return acked - start;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options{dir_.path()};
    options.ingest = true;
    store_ = std::move(*store::OpenSqliteStore(options));
    ws_ = store_->EnsureDefaultWorkspace()->id;
  }
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  int64_t ws_ = 0;
};

TEST_F(PipelineTest, PublishAppliedAnswersOnceTheWriteCanBeReadBack) {
  auto pipeline = LocalPipeline::Start(*store_, {}, {});
  ASSERT_TRUE(pipeline.ok());
  // Durable-only traffic around it, so the applied waiter has company.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 3, i), [](absl::Status) {}).ok());
  }
  for (int round = 0; round < 20; ++round) {
    Event e;
    e.id = NewEventId(1700000001000000 + round);
    e.workspace_id = ws_;
    e.received_at_us = 1700000001000000 + round;
    e.type = EventType::kContactUpdate;
    e.source = EventSource::kApi;
    e.spare_contact_id = 1000 + static_cast<uint64_t>(round);
    e.fields = {{"email", "p" + std::to_string(round) + "@x.org"}, {"phone", "+55"}};
    absl::Notification done;
    absl::Status status = absl::UnknownError("not called");
    // The read happens in the callback: the write must already be applied.
    absl::StatusOr<store::ContactRecord> seen = absl::UnknownError("not read");
    ASSERT_TRUE((*pipeline)
                    ->PublishApplied({e},
                                     [&](absl::Status s) {
                                       status = s;
                                       auto id = store_->EventContact(ws_, e.id);
                                       if (id.ok()) seen = store_->GetContact(ws_, *id);
                                       done.Notify();
                                     })
                    .ok());
    done.WaitForNotification();
    ASSERT_TRUE(status.ok()) << status;
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(seen->id, 1000 + round);
    EXPECT_EQ(seen->fields.size(), 2u);
  }
}

TEST_F(PipelineTest, EveryAcknowledgedEventIsCommittedAndProcessed) {
  auto pipeline = LocalPipeline::Start(*store_, {}, {});
  ASSERT_TRUE(pipeline.ok());
  std::atomic<int> acked{0};
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE((*pipeline)
                    ->Publish(MakeEvent(ws_, 1 + static_cast<uint64_t>(i % 7), i),
                              [&](absl::Status s) {
                                EXPECT_TRUE(s.ok());
                                ++acked;
                              })
                    .ok());
  }
  (*pipeline)->WaitProcessed();
  EXPECT_EQ(acked.load(), 500);
  EXPECT_EQ(CountEvents(*store_), 500u);
  EXPECT_EQ((*pipeline)->Stats().committed, 500);
  EXPECT_LT((*pipeline)->Stats().commits, 500);  // group commit shares transactions
}

TEST_F(PipelineTest, BatchesCutAtTheMaxBatchKeepEveryBodyWhole) {
  PipelineOptions options;
  options.max_batch = 5;
  auto pipeline = LocalPipeline::Start(*store_, options, {});
  ASSERT_TRUE(pipeline.ok());
  std::atomic<int> acked{0};
  auto count = [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    ++acked;
  };
  // Single events and groups of three, queued faster than one commit, so
  // most batches stop short of the queue's end.
  int n = 0;
  for (int round = 0; round < 30; ++round) {
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, n++), count).ok());
    std::vector<Event> group;
    for (int k = 0; k < 3; ++k) group.push_back(MakeEvent(ws_, 2, n++));
    ASSERT_TRUE((*pipeline)->PublishAll(group, count).ok());
  }
  (*pipeline)->WaitProcessed();
  EXPECT_EQ(acked.load(), 60);
  EXPECT_EQ((*pipeline)->Stats().committed, n);
  EXPECT_GE((*pipeline)->Stats().commits, n / 5);
  std::set<std::string> urls;
  ASSERT_TRUE(store_->ExportEvents(std::nullopt, [&](std::string_view line) {
    auto json = boost::json::parse(line).as_object();
    urls.insert(std::string(json.at("url").as_string()));
  }).ok());
  ASSERT_EQ(urls.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(urls.contains("https://s.example/p/" + std::to_string(i))) << i;
  }
}

TEST_F(PipelineTest, RetriedEventIsStoredOnce) {
  auto pipeline = LocalPipeline::Start(*store_, {}, {});
  ASSERT_TRUE(pipeline.ok());
  Event e = MakeEvent(ws_, 5, 1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*pipeline)->Publish(e, [](absl::Status) {}).ok());
  (*pipeline)->WaitProcessed();
  EXPECT_EQ(CountEvents(*store_), 1u);
  EXPECT_EQ((*pipeline)->Stats().duplicates, 2);
}

TEST_F(PipelineTest, FullQueueIsRefusedAtOnce) {
  PipelineOptions options;
  options.max_queue = 0;
  auto pipeline = LocalPipeline::Start(*store_, options, {});
  ASSERT_TRUE(pipeline.ok());
  bool called = false;
  absl::Status s = (*pipeline)->Publish(MakeEvent(ws_, 1, 1), [&](absl::Status) { called = true; });
  EXPECT_TRUE(absl::IsUnavailable(s));
  EXPECT_FALSE(called);
  EXPECT_EQ((*pipeline)->Stats().rejected_full, 1);
}

TEST_F(PipelineTest, UnprocessedInboxRowsAreProcessedAtStart) {
  const std::string first = EncodeEvent(MakeEvent(ws_, 1, 1));
  const std::string second = EncodeEvent(MakeEvent(ws_, 2, 2));
  ASSERT_TRUE(store_->AppendInbox({first, second, "garbage"}).ok());
  auto pipeline = LocalPipeline::Start(*store_, {}, {});
  ASSERT_TRUE(pipeline.ok());
  EXPECT_EQ(CountEvents(*store_), 2u);
}

TEST_F(PipelineTest, EnrichmentRunsBeforeApply) {
  auto pipeline =
      LocalPipeline::Start(*store_, {}, {[](Event& e) { e.channel = "Direct"; }, nullptr});
  ASSERT_TRUE(pipeline.ok());
  ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, 1), [](absl::Status) {}).ok());
  (*pipeline)->WaitProcessed();
  std::string line;
  ASSERT_TRUE(store_->ExportEvents(std::nullopt, [&](std::string_view l) { line = l; }).ok());
  EXPECT_NE(line.find("\"channel\":\"Direct\""), std::string::npos) << line;
}

// Publishes an event every few milliseconds on its own thread until stopped,
// so commits never pause.
class Stream {
 public:
  Stream(Bus& pipeline, int64_t ws) {
    thread_ = std::thread([this, &pipeline, ws] {
      for (int i = 0; !stop_; ++i) {
        EXPECT_TRUE(pipeline.Publish(MakeEvent(ws, 9, 100000 + i), [](absl::Status) {}).ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~Stream() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A pipeline whose processor waits for `yield_ms` of quiet, at most
// `max_lag_ms` behind.
absl::StatusOr<std::unique_ptr<LocalPipeline>> StartPatient(store::Store& store, int yield_ms,
                                                            int max_lag_ms) {
  PipelineOptions options;
  options.process_yield_ms = yield_ms;
  options.process_max_lag_ms = max_lag_ms;
  return LocalPipeline::Start(store, options, {});
}

TEST_F(PipelineTest, ABurstIsAppliedOnceCommitsPause) {
  auto pipeline = StartPatient(*store_, /*yield_ms=*/2000, /*max_lag_ms=*/60000);
  ASSERT_TRUE(pipeline.ok());
  Stream stream(**pipeline, ws_);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  stream.Stop();
  PipelineStats during = (*pipeline)->Stats();
  EXPECT_GT(during.committed, 20);
  EXPECT_EQ(during.processed, 0);  // acknowledged, and left for the quiet
  (*pipeline)->WaitProcessed();
  EXPECT_EQ((*pipeline)->Stats().processed, (*pipeline)->Stats().committed);
  EXPECT_EQ(CountEvents(*store_), static_cast<size_t>(during.committed));
}

TEST_F(PipelineTest, ProcessingNeverFallsFurtherBehindThanTheMaxLag) {
  // Commits never pause long enough.
  auto pipeline = StartPatient(*store_, /*yield_ms=*/60000, /*max_lag_ms=*/200);
  ASSERT_TRUE(pipeline.ok());
  const auto start = std::chrono::steady_clock::now();
  Stream stream(**pipeline, ws_);
  while ((*pipeline)->Stats().processed == 0 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GT((*pipeline)->Stats().processed, 0) << "nothing applied while commits kept coming";
  EXPECT_GE(waited, std::chrono::milliseconds(150));
}

TEST_F(PipelineTest, APublishWaitingForItsApplicationDoesNotWaitForTheQuiet) {
  auto pipeline = StartPatient(*store_, /*yield_ms=*/60000, /*max_lag_ms=*/600000);
  ASSERT_TRUE(pipeline.ok());
  Stream stream(**pipeline, ws_);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  absl::Notification applied;
  ASSERT_TRUE((*pipeline)
                  ->PublishApplied({MakeEvent(ws_, 4, 1)}, [&](absl::Status) { applied.Notify(); })
                  .ok());
  EXPECT_TRUE(applied.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST_F(PipelineTest, StopCommitsWhatIsQueued) {
  auto pipeline = LocalPipeline::Start(*store_, {}, {});
  ASSERT_TRUE(pipeline.ok());
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 3, i), [&](absl::Status s) {
      if (s.ok()) ++ok;
    }).ok());
  }
  (*pipeline)->Stop();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(CountEvents(*store_), 100u);
  EXPECT_TRUE(absl::IsUnavailable((*pipeline)->Publish(MakeEvent(ws_, 3, 999), [](absl::Status) {})));
}

// Options where any queued event counts as load, so the writer always waits
// (up to `delay`) for `events` to gather.
PipelineOptions DelayedCommits(absl::Duration delay, size_t events) {
  PipelineOptions options;
  options.commit_delay_us = static_cast<int>(absl::ToInt64Microseconds(delay));
  options.commit_siblings = 1;
  options.commit_delay_events = events;
  return options;
}

TEST_F(PipelineTest, ADelayedCommitGoesAheadOnceEnoughEventsWait) {
  auto pipeline = LocalPipeline::Start(*store_, DelayedCommits(absl::Seconds(30), 5), {});
  ASSERT_TRUE(pipeline.ok());
  std::atomic<int> acked{0};
  const absl::Time start = absl::Now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, i), [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      ++acked;
    }).ok());
    // The writer has the first one and waits for company.
    if (i == 0) absl::SleepFor(absl::Milliseconds(50));
  }
  (*pipeline)->WaitProcessed();
  EXPECT_EQ(acked.load(), 5);
  // One sync for all five, without waiting out the delay or its quiet third.
  EXPECT_EQ((*pipeline)->Stats().commits, 1);
  EXPECT_EQ((*pipeline)->Stats().delayed_commits, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(PipelineTest, ADelayedCommitGoesAheadWhenNothingMoreArrives) {
  // Nothing else will come: the wait ends after a third of the delay.
  auto pipeline =
      LocalPipeline::Start(*store_, DelayedCommits(absl::Milliseconds(300), 100), {});
  ASSERT_TRUE(pipeline.ok());
  EXPECT_GE(TimeToAck(**pipeline, MakeEvent(ws_, 1, 1)), absl::Milliseconds(100));
  EXPECT_EQ((*pipeline)->Stats().delayed_commits, 1);
  EXPECT_EQ((*pipeline)->Stats().committed, 1);
}

TEST_F(PipelineTest, CommitsDoNotWaitWithoutLoadOrWhenTurnedOff) {
  PipelineOptions quiet = DelayedCommits(absl::Seconds(30), 100);
  quiet.commit_siblings = 2;  // one event at a time never makes a load
  PipelineOptions off = DelayedCommits(absl::Seconds(30), 100);
  off.commit_delay_us = 0;
  int n = 0;
  for (const PipelineOptions& options : {quiet, off}) {
    auto pipeline = LocalPipeline::Start(*store_, options, {});
    ASSERT_TRUE(pipeline.ok());
    const absl::Time start = absl::Now();
    for (int i = 0; i < 20; ++i) {
      absl::Notification done;
      ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, n++), [&](absl::Status s) {
        EXPECT_TRUE(s.ok()) << s;
        done.Notify();
      }).ok());
      done.WaitForNotification();
    }
    EXPECT_EQ((*pipeline)->Stats().delayed_commits, 0);
    EXPECT_EQ((*pipeline)->Stats().commits, 20);
    EXPECT_LT(absl::Now() - start, absl::Seconds(10));
    (*pipeline)->WaitProcessed();
  }
  EXPECT_EQ(CountEvents(*store_), 40u);
}

PipelineOptions LoopsCommit(absl::Duration backstop) {
  PipelineOptions options;
  options.io_threads_commit = true;
  options.commit_backstop_us = static_cast<int>(absl::ToInt64Microseconds(backstop));
  return options;
}

TEST_F(PipelineTest, CommitStagedCommitsAndAnswersOnTheCallingThread) {
  auto pipeline = LocalPipeline::Start(*store_, LoopsCommit(absl::Seconds(60)), {});
  ASSERT_TRUE(pipeline.ok());
  EXPECT_FALSE((*pipeline)->CommitStaged());  // nothing staged
  std::vector<std::thread::id> answered_on;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, i), [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      answered_on.push_back(std::this_thread::get_id());
    }).ok());
  }
  EXPECT_TRUE(answered_on.empty());  // the writer leaves them to the loops
  EXPECT_TRUE((*pipeline)->CommitStaged());
  ASSERT_EQ(answered_on.size(), 3u);
  for (std::thread::id id : answered_on) EXPECT_EQ(id, std::this_thread::get_id());
  EXPECT_FALSE((*pipeline)->CommitStaged());
  PipelineStats stats = (*pipeline)->Stats();
  EXPECT_EQ(stats.commits, 1);
  EXPECT_EQ(stats.io_thread_commits, 1);
  EXPECT_EQ(stats.committed, 3);
  (*pipeline)->WaitProcessed();
  EXPECT_EQ(CountEvents(*store_), 3u);
}

TEST_F(PipelineTest, TheWriterCommitsWhatNoLoopTakesAfterTheBackstop) {
  auto pipeline = LocalPipeline::Start(*store_, LoopsCommit(absl::Milliseconds(50)), {});
  ASSERT_TRUE(pipeline.ok());
  EXPECT_GE(TimeToAck(**pipeline, MakeEvent(ws_, 1, 1)), absl::Milliseconds(50));
  EXPECT_EQ((*pipeline)->Stats().commits, 1);
  EXPECT_EQ((*pipeline)->Stats().io_thread_commits, 0);
}

// Loops and the writer race for the queue: every publish is committed and
// answered exactly once, whoever commits it. The backstop leaves the loops
// time to take some even on a busy machine: with 200 µs, a loop kept off
// its core that long let the writer take the first batch, and every later
// call found the writer's commit under way.
TEST_F(PipelineTest, LoopsAndTheWriterCommitEveryPublishOnce) {
  auto pipeline = LocalPipeline::Start(*store_, LoopsCommit(absl::Milliseconds(5)), {});
  ASSERT_TRUE(pipeline.ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  std::vector<std::atomic<int>> answers(kThreads * kPerThread);
  std::vector<std::thread> loops;
  for (int t = 0; t < kThreads; ++t) {
    loops.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1 + t, n), [&answers, n](absl::Status s) {
          EXPECT_TRUE(s.ok()) << s;
          ++answers[n];
        }).ok());
        if (i % 3 == t % 3) (*pipeline)->CommitStaged();
      }
      while ((*pipeline)->CommitStaged()) {
      }
    });
  }
  for (std::thread& loop : loops) loop.join();
  (*pipeline)->Stop();
  for (int n = 0; n < kThreads * kPerThread; ++n) EXPECT_EQ(answers[n].load(), 1) << n;
  PipelineStats stats = (*pipeline)->Stats();
  EXPECT_EQ(stats.committed, kThreads * kPerThread);
  EXPECT_GT(stats.io_thread_commits, 0);
  EXPECT_EQ(CountEvents(*store_), static_cast<size_t>(kThreads * kPerThread));
}

// Stop commits what waits at once: a writer in its commit delay, or events
// staged for loops that will not come (io_threads_commit).
TEST_F(PipelineTest, StopDoesNotWaitOutACommitDelayOrTheBackstop) {
  int n = 0;
  for (const PipelineOptions& options :
       {DelayedCommits(absl::Seconds(60), 100), LoopsCommit(absl::Seconds(60))}) {
    auto pipeline = LocalPipeline::Start(*store_, options, {});
    ASSERT_TRUE(pipeline.ok());
    std::atomic<bool> acked{false};
    ASSERT_TRUE((*pipeline)->Publish(MakeEvent(ws_, 1, n++), [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      acked = true;
    }).ok());
    // The writer is waiting: the delay's quiet third alone would last 20 s.
    absl::SleepFor(absl::Milliseconds(50));
    const absl::Time start = absl::Now();
    (*pipeline)->Stop();
    EXPECT_LT(absl::Now() - start, absl::Seconds(10));
    EXPECT_TRUE(acked.load());
    EXPECT_EQ((*pipeline)->Stats().io_thread_commits, 0);
    EXPECT_EQ(CountEvents(*store_), static_cast<size_t>(n));
  }
}

}  // namespace
}  // namespace spoor::pipeline
