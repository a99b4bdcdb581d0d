// Benchmarks for spoor::collect::BotDetector::Classify: a repeated browser UA
// (cache hit), never-seen browser UAs (full rule evaluation), and bot UAs.
// The uap file comes from SPOOR_UAP_REGEXES, else the repository's
// node_modules copy.
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "spoor/collect/bots.h"

namespace spoor::collect {
namespace {

constexpr char kChrome[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/124.0.0.0 Safari/537.36";
constexpr char kGooglebot[] =
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile "
    "Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)";
constexpr size_t kDistinct = 1000;

const BotDetector& Detector() {
  static const BotDetector* const detector = [] {
    const char* env = std::getenv("SPOOR_UAP_REGEXES");
    BotRules rules;
    rules.uap_regexes_path =
        (env != nullptr && *env != '\0')
            ? env
            : SPOOR_SOURCE_DIR "/node_modules/uap-core/regexes.yaml";
    rules.substrings = DefaultBotSubstrings();
    auto created = BotDetector::Create(rules);
    if (!created.ok()) std::abort();
    return created->release();
  }();
  return *detector;
}

// The i-th of kDistinct browser UAs; `epoch` makes every batch unseen.
std::string BrowserUa(size_t i, size_t epoch) {
  const std::string v = std::to_string(100 + i % 30) + ".0." +
                        std::to_string(epoch) + "." + std::to_string(i);
  switch (i % 4) {
    case 0:
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/" +
             v + " Safari/537.36";
    case 1:
      return "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/" +
             v + " Mobile Safari/537.36";
    case 2:
      return "Mozilla/5.0 (X11; Linux x86_64; rv:" + v +
             ") Gecko/20100101 Firefox/" + v;
    default:
      return "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
             "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/" +
             v + " Mobile/15E148 Safari/604.1";
  }
}

void BM_ClassifyCachedChrome(benchmark::State& state) {
  const BotDetector& detector = Detector();
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.Classify(kChrome));
  }
}
BENCHMARK(BM_ClassifyCachedChrome)->Threads(1)->Threads(2);

// Every call sees a UA the cache has never seen: the batch of kDistinct UAs
// is rebuilt (untimed) with a new epoch each time it is used up.
void BM_ClassifyUncachedBrowsers(benchmark::State& state) {
  const BotDetector& detector = Detector();
  std::vector<std::string> uas;
  size_t epoch = 0;
  size_t next = kDistinct;
  for (auto _ : state) {
    if (next == kDistinct) {
      state.PauseTiming();
      uas.clear();
      ++epoch;
      for (size_t i = 0; i < kDistinct; ++i) uas.push_back(BrowserUa(i, epoch));
      next = 0;
      state.ResumeTiming();
    }
    std::string verdict = detector.Classify(uas[next++]);
    if (!verdict.empty()) state.SkipWithError("browser UA flagged as bot");
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_ClassifyUncachedBrowsers);

// The same 1000 browser UAs over and over: all fit in the cache.
void BM_ClassifyWarm1000Browsers(benchmark::State& state) {
  const BotDetector& detector = Detector();
  std::vector<std::string> uas;
  for (size_t i = 0; i < kDistinct; ++i) uas.push_back(BrowserUa(i, 0));
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.Classify(uas[next]));
    next = (next + 1) % kDistinct;
  }
}
BENCHMARK(BM_ClassifyWarm1000Browsers);

void BM_ClassifyCachedBot(benchmark::State& state) {
  const BotDetector& detector = Detector();
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.Classify(kGooglebot));
  }
}
BENCHMARK(BM_ClassifyCachedBot);

// Never-seen bots: a substring hit (curl) and a uap-only one (SemrushBot,
// which also runs uap's precedence set).
void BM_ClassifyUncachedBots(benchmark::State& state) {
  const BotDetector& detector = Detector();
  const bool uap = state.range(0) == 1;
  std::vector<std::string> uas;
  size_t epoch = 0;
  size_t next = kDistinct;
  for (auto _ : state) {
    if (next == kDistinct) {
      state.PauseTiming();
      uas.clear();
      ++epoch;
      for (size_t i = 0; i < kDistinct; ++i) {
        const std::string v = std::to_string(epoch) + "." + std::to_string(i);
        uas.push_back(uap ? "Mozilla/5.0 (compatible; SemrushBot/" + v +
                                "; +http://www.semrush.com/bot.html)"
                          : "curl/" + v);
      }
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(detector.Classify(uas[next++]));
  }
}
BENCHMARK(BM_ClassifyUncachedBots)->Arg(0)->Arg(1);

// Reference point: the naive substring check, one find() per pattern.
void BM_BaselineNaiveSubstrings(benchmark::State& state) {
  const std::vector<std::string> subs = DefaultBotSubstrings();
  const std::string_view ua = kChrome;
  for (auto _ : state) {
    bool hit = false;
    for (const std::string& s : subs) {
      hit |= ua.find(s) != std::string_view::npos;
    }
    benchmark::DoNotOptimize(hit);
  }
}
BENCHMARK(BM_BaselineNaiveSubstrings);

}  // namespace
}  // namespace spoor::collect
