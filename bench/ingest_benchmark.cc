// The ingest path without HTTP: the receiver turning a pixel request into an
// Event (parsing, bot check, identity cache), and the processor applying
// batches (identity resolution, merges, sessionization, dictionary rows).
// Prints figures; decides nothing.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "spoor/collect/collect.h"
#include "spoor/common/ids.h"
#include "spoor/common/text.h"
#include "spoor/store/journal.h"
#include "spoor/store/store.h"

namespace spoor {
namespace {

constexpr char kUa[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";

collect::WorkspaceView Workspace() {
  collect::WorkspaceView ws;
  ws.id = 1;
  ws.is_default = true;
  for (const char* f : {"email", "firstname", "lastname"}) {
    ws.all_fields.insert(f);
    ws.public_fields.insert(f);
  }
  ws.unique_fields.insert("email");
  return ws;
}

void BM_ReceiverPixel(benchmark::State& state) {
  collect::BotRules rules;
  rules.uap_regexes_path = SPOOR_SOURCE_DIR "/node_modules/uap-core/regexes.yaml";
  rules.substrings = collect::DefaultBotSubstrings();
  auto bots = collect::BotDetector::Create(rules);
  collect::IdentityCache identities;
  uint64_t next = 0;
  collect::ContactIdAllocator ids({}, [&](uint64_t n) -> absl::StatusOr<uint64_t> {
    uint64_t s = next;
    next += n;
    return s;
  });
  collect::Counters counters;
  SystemClock clock;
  collect::Collector collector(bots->get(), identities, ids, counters, clock);
  collect::WorkspaceView ws = Workspace();
  std::string device = NewDeviceId();
  identities.Put(device, ws.id, 42);
  std::string cookie = "mautic_device_id=" + device + "; mtc_id=42";
  std::string query =
      "page_url=https%3A%2F%2Fshop.example.com%2Fproducts%2Fblue-widget%3Futm_source%3Dnewsletter"
      "%26utm_medium%3Demail%26utm_campaign%3Dspring&page_title=Blue%20Widget%20%E2%80%94%20Shop"
      "&page_referrer=https%3A%2F%2Fwww.google.com%2F&page_language=en-US&resolution=1920x1080"
      "&timezone_offset=-60&platform=Win32&counter=0&eid=e1234567890abcdefghijk";
  for (auto _ : state) {
    collect::HitRequest r;
    r.method = "GET";
    r.query = query;
    r.cookie = cookie;
    r.user_agent = kUa;
    r.client_ip = "203.0.113.7";
    collect::HitOutcome out = collector.Handle(collect::Endpoint::kPixel, r, ws);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceiverPixel);

// ParseQuery alone, on a query as bench/run's pixel.lua sends it.
void BM_ParseQuery(benchmark::State& state) {
  const std::string query =
      "page_url=https%3A%2F%2Fwww.example.com%2Fblog%2F2024%2Fpost-12345"
      "&page_title=How%20to%20track%20visitors%20without%20third-party%20cookies"
      "&page_language=en-US&page_referrer=https%3A%2F%2Fwww.example.com%2F"
      "&resolution=1920x1080&utm_source=newsletter&utm_medium=email"
      "&utm_campaign=spring_sale_2024&eid=w1234-1-12345";
  for (auto _ : state) {
    absl::StatusOr<Params> params = ParseQuery(query, QueryLimits{});
    benchmark::DoNotOptimize(params);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseQuery);

// A store in a fresh temporary folder, removed afterwards.
struct ScratchStore {
  ScratchStore() {
    std::string path = (std::filesystem::temp_directory_path() / "spoor-bench-XXXXXX").string();
    dir = mkdtemp(path.data());
    store::StoreOptions options{dir};
    options.ingest = true;
    store = std::move(*store::OpenSqliteStore(options));
  }
  ~ScratchStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<store::Store> store;
};

// Applies batches of 1000 page views spread over `range(0)` contacts; every
// 50th event identifies its contact by email (so merges happen too).
void BM_ProcessorApply(benchmark::State& state) {
  ScratchStore scratch;
  store::Store* store = scratch.store.get();
  int64_t ws = store->EnsureDefaultWorkspace()->id;
  const int contacts = static_cast<int>(state.range(0));
  int64_t t = 1700000000000000, seq = 0, n = 0;
  for (auto _ : state) {
    std::vector<Event> batch;
    batch.reserve(1000);
    for (int i = 0; i < 1000; ++i, ++n) {
      Event e;
      e.id = NewEventId(t);
      e.workspace_id = ws;
      e.received_at_us = (t += 20000);
      e.contact_id = static_cast<uint64_t>(1 + n % contacts);
      e.device_id = "device" + std::to_string(n % contacts);
      e.url = "https://shop.example.com/p/" + std::to_string(n % 500);
      e.title = "Product " + std::to_string(n % 500);
      e.referrer = n % 7 == 0 ? "https://www.google.com/" : "";
      e.user_agent = kUa;
      if (n % 50 == 0) e.fields = {{"email", "user" + std::to_string(n % 977) + "@x.com"}};
      batch.push_back(std::move(e));
    }
    auto stats = store->ApplyEvents(batch, ++seq);
    if (!stats.ok()) state.SkipWithError(std::string(stats.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ProcessorApply)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->MinTime(3);

// Lists pages of `range(0)` contacts (each with three fields and two tags)
// out of 2000, as the contacts APIs do.
void BM_ListContacts(benchmark::State& state) {
  ScratchStore scratch;
  store::Store* store = scratch.store.get();
  int64_t ws = store->EnsureDefaultWorkspace()->id;
  std::vector<Event> events;
  int64_t t = 1700000000000000;
  for (int i = 1; i <= 2000; ++i) {
    Event e;
    e.id = NewEventId(t += 1000);
    e.workspace_id = ws;
    e.received_at_us = t;
    e.contact_id = static_cast<uint64_t>(i);
    e.device_id = "device" + std::to_string(i);
    e.url = "https://shop.example.com/";
    e.fields = {{"email", "user" + std::to_string(i) + "@x.com"},
                {"firstname", "First" + std::to_string(i)},
                {"lastname", "Last" + std::to_string(i)}};
    e.tags_add = {"customer", "tag" + std::to_string(i % 10)};
    events.push_back(std::move(e));
  }
  if (auto applied = store->ApplyEvents(events, 1); !applied.ok()) {
    state.SkipWithError(std::string(applied.status().message()).c_str());
  }
  store::ContactQuery q;
  q.workspace_id = ws;
  q.limit = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto page = store->ListContacts(q);
    if (!page.ok()) state.SkipWithError(std::string(page.status().message()).c_str());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ListContacts)->Arg(30)->Arg(200)->Unit(benchmark::kMicrosecond);

void BM_AppendInbox(benchmark::State& state) {
  ScratchStore scratch;
  store::Store* store = scratch.store.get();
  Event e;
  e.id = NewEventId(1700000000000000);
  e.url = std::string(120, 'u');
  e.title = std::string(40, 't');
  e.user_agent = kUa;
  const std::string body = EncodeEvent(e);
  std::vector<std::string_view> bodies(static_cast<size_t>(state.range(0)), body);
  for (auto _ : state) {
    absl::Status s = store->AppendInbox(bodies).status();
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AppendInbox)->Arg(1)->Arg(64)->Arg(1024)->Unit(benchmark::kMicrosecond);

// The journal alone: appends of range(0) events of about 300 bytes, each
// synced, written directly (range(1) = 1) or through the page cache (0).
// The I/O thread waits this long per commit; cpu is what it spends.
void BM_JournalAppend(benchmark::State& state) {
  std::string path = (std::filesystem::temp_directory_path() / "spoor-bench-XXXXXX").string();
  const std::string dir = mkdtemp(path.data());
  {
    store::JournalOptions options;
    options.dir = dir + "/journal";
    options.direct_io = state.range(1) == 1;
    auto journal = store::Journal::Open(options);
    if (!journal.ok()) {
      state.SkipWithError(std::string(journal.status().message()).c_str());
      return;
    }
    const std::string body(300, 'e');
    std::vector<std::string_view> bodies(static_cast<size_t>(state.range(0)), body);
    for (auto _ : state) {
      absl::Status s = (*journal)->Append(bodies).status();
      if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalAppend)
    ->ArgsProduct({{1, 64, 1024}, {0, 1}})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace spoor
