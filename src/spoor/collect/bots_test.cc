// Tests for BotDetector: browsers pass, crawlers and HTTP libraries are
// flagged, rules load and fail cleanly, the cache is consistent.
#include "spoor/collect/bots.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace spoor::collect {
namespace {

constexpr char kChrome[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/124.0.0.0 Safari/537.36";
constexpr char kChromeAndroid[] =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36";
constexpr char kFirefox[] =
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
constexpr char kFirefoxAndroid[] =
    "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0";
constexpr char kSafari[] =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15";
constexpr char kSafariIphone[] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 "
    "Safari/604.1";
constexpr char kHeadlessChrome[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.6367.29 Safari/537.36";
// A real phone whose brand trips uap's catch-all "bot" Spider rule; uap
// names the device first (Cubot), so it is not a crawler.
constexpr char kCubotPhone[] =
    "Mozilla/5.0 (Linux; Android 11; CUBOT KINGKONG 5 Pro) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/110.0.0.0 Mobile Safari/537.36";
// SemrushBot is in no substring list; only uap's Spider rules catch it.
constexpr char kSemrush[] =
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; "
    "+http://www.semrush.com/bot.html)";

std::string UapPath() {
  const char* env = std::getenv("SPOOR_UAP_REGEXES");
  if (env != nullptr && *env != '\0') return env;
  return SPOOR_SOURCE_DIR "/node_modules/uap-core/regexes.yaml";
}

BotRules DefaultRules() {
  BotRules rules;
  rules.uap_regexes_path = UapPath();
  rules.substrings = DefaultBotSubstrings();
  return rules;
}

std::unique_ptr<BotDetector> MakeDetector(const BotRules& rules) {
  absl::StatusOr<std::unique_ptr<BotDetector>> detector =
      BotDetector::Create(rules);
  EXPECT_TRUE(detector.ok()) << detector.status();
  return detector.ok() ? std::move(*detector) : nullptr;
}

// Loading uap's rules takes a few hundred ms; tests that use the default
// rules share one detector (it is thread-safe and never reset).
const BotDetector* Shared() {
  static const BotDetector* const detector =
      MakeDetector(DefaultRules()).release();
  return detector;
}

TEST(BotDetector, LoadsUapSpiderRegexes) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_GE(detector->compiled_regexes(), 5u);
  EXPECT_GT(detector->precedence_regexes(), 100u);
  EXPECT_LE(detector->skipped_regexes(), 2u);
}

TEST(BotDetector, RealBrowsersAreNotBots) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  for (const char* ua : {kChrome, kChromeAndroid, kFirefox, kFirefoxAndroid,
                         kSafari, kSafariIphone}) {
    EXPECT_EQ(detector->Classify(ua), "") << ua;
  }
}

TEST(BotDetector, HeadlessChromeIsNotABot) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify(kHeadlessChrome), "");
  // Even when a uap Spider rule (WebPageTest's PTST) matches, a
  // HeadlessChrome UA is exempt from the uap verdict.
  const std::string ptst = std::string(kHeadlessChrome) + " PTST/240501.123";
  EXPECT_EQ(detector->Classify(ptst), "");
  EXPECT_EQ(detector->Classify(std::string(kChrome) + " PTST/240501.123"),
            "uap");
}

TEST(BotDetector, DefaultListHasMautics) {
  const std::vector<std::string> list = DefaultBotSubstrings();
  for (const char* must : {"Googlebot", "bingbot", "curl", "python-requests",
                           "Go-http-client", "okhttp", "Java/", "zgrab"}) {
    EXPECT_NE(std::find(list.begin(), list.end(), must), list.end()) << must;
  }
  for (const std::string& s : list) {
    EXPECT_EQ(std::string("HeadlessChrome").find(s), std::string::npos) << s;
  }
}

TEST(BotDetector, UapFirstMatchOrderKeepsRealPhones) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify(kCubotPhone), "");
}

TEST(BotDetector, KnownCrawlersAndClientsAreBots) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify("Mozilla/5.0 (compatible; Googlebot/2.1; "
                               "+http://www.google.com/bot.html)"),
            "substring:Googlebot");
  EXPECT_EQ(detector->Classify("Mozilla/5.0 (compatible; bingbot/2.0; "
                               "+http://www.bing.com/bingbot.htm)"),
            "substring:bingbot");
  EXPECT_EQ(detector->Classify("curl/8.0"), "substring:curl");
  EXPECT_EQ(detector->Classify("python-requests/2.31"),
            "substring:python-requests");
  EXPECT_EQ(detector->Classify("Go-http-client/1.1"),
            "substring:Go-http-client");
  EXPECT_EQ(detector->Classify("okhttp/4.9"), "substring:okhttp");
}

TEST(BotDetector, UapOnlySpiderIsABot) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify(kSemrush), "uap");
  // Without uap rules the same UA passes: the verdict really is uap's.
  BotRules no_uap = DefaultRules();
  no_uap.uap_regexes_path.clear();
  auto plain = MakeDetector(no_uap);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->Classify(kSemrush), "");
  EXPECT_EQ(plain->compiled_regexes(), 0u);
}

TEST(BotDetector, OperatorSubstringAndRegex) {
  BotRules rules = DefaultRules();
  rules.substrings.push_back("AcmeMonitor");
  rules.extra_regexes = {"^Nope$", "(?i)internal-probe/\\d+"};
  auto detector = MakeDetector(rules);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify("Mozilla/5.0 AcmeMonitor/3"),
            "substring:AcmeMonitor");
  EXPECT_EQ(detector->Classify("Mozilla/5.0 (X11) INTERNAL-Probe/42"),
            "regex:1");
  EXPECT_EQ(detector->Classify("Nope"), "regex:0");
  EXPECT_EQ(detector->Classify(kChrome), "");
}

TEST(BotDetector, SubstringsAreCaseSensitive) {
  BotRules rules;
  rules.substrings = {"curl"};
  auto detector = MakeDetector(rules);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify("CURL/8.0"), "");
  EXPECT_EQ(detector->Classify("x curl"), "substring:curl");
}

TEST(BotDetector, EmptyUserAgentIsABot) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->Classify(""), "empty user agent");
  EXPECT_EQ(detector->Classify("  \t"), "empty user agent");
}

TEST(BotDetector, OnlyTheFirstKilobyteIsConsidered) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  std::string padded(BotDetector::kMaxUserAgentBytes, 'a');
  EXPECT_EQ(detector->Classify(padded + "curl/8.0"), "");
  padded.replace(padded.size() - 4, 4, "curl");
  EXPECT_EQ(detector->Classify(padded), "substring:curl");
}

TEST(BotDetector, HostileBytesDoNotBreakMatching) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  std::string ua = "\xff\xfe\x80 curl/8.0";
  ua.push_back('\0');
  EXPECT_EQ(detector->Classify(ua), "substring:curl");
  EXPECT_EQ(detector->Classify("\xc3\x28\xa0\xa1 SemrushBot/7"), "uap");
}

TEST(BotDetector, BadExtraRegexIsAnError) {
  BotRules rules;
  rules.extra_regexes = {"ok", "(unclosed"};
  absl::StatusOr<std::unique_ptr<BotDetector>> detector =
      BotDetector::Create(rules);
  ASSERT_FALSE(detector.ok());
  EXPECT_EQ(detector.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(detector.status().message().find("#1"), std::string::npos);
}

TEST(BotDetector, EmptySubstringIsAnError) {
  BotRules rules;
  rules.substrings = {"curl", ""};
  EXPECT_EQ(BotDetector::Create(rules).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BotDetector, MissingYamlIsNotFound) {
  BotRules rules;
  rules.uap_regexes_path = "/nonexistent/spoor/regexes.yaml";
  EXPECT_EQ(BotDetector::Create(rules).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BotDetector, MalformedYamlIsInvalidArgument) {
  const std::string path = ::testing::TempDir() + "/spoor_bots_malformed.yaml";
  for (const char* text : {"device_parsers: [ {regex: 'a'\n", "foo: 1\n",
                           "device_parsers:\n  - regex: [1, 2]\n"}) {
    std::ofstream(path, std::ios::trunc) << text;
    BotRules rules;
    rules.uap_regexes_path = path;
    EXPECT_EQ(BotDetector::Create(rules).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
  std::remove(path.c_str());
}

TEST(BotDetector, UnsupportedUapRegexesAreSkipped) {
  const std::string path = ::testing::TempDir() + "/spoor_bots_small.yaml";
  std::ofstream(path, std::ios::trunc)
      << "device_parsers:\n"
         "  - regex: 'Foo(?=Bar)'\n"  // lookahead: RE2 cannot compile it
         "    device_replacement: 'Spider'\n"
         "  - regex: 'crawly'\n"
         "    regex_flag: 'i'\n"
         "    device_replacement: 'Spider'\n"
         "  - regex: 'Phone'\n"
         "    device_replacement: 'Generic'\n";
  BotRules rules;
  rules.uap_regexes_path = path;
  auto detector = MakeDetector(rules);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->compiled_regexes(), 1u);
  EXPECT_EQ(detector->skipped_regexes(), 1u);
  EXPECT_EQ(detector->precedence_regexes(), 0u);  // after the last Spider
  EXPECT_EQ(detector->Classify("Mozilla/5.0 CRAWLY/1"), "uap");
  EXPECT_EQ(detector->Classify("FooBar"), "");
  std::remove(path.c_str());
}

TEST(BotDetector, CacheReturnsTheSameAnswer) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(detector->Classify(kChrome), "");
    EXPECT_EQ(detector->Classify(kSemrush), "uap");
    EXPECT_EQ(detector->Classify("curl/8.0"), "substring:curl");
  }
  // More distinct UAs than cache slots: evictions must not change answers.
  for (size_t i = 0; i < 2 * BotDetector::kCacheSlots; ++i) {
    const std::string ua = std::string(kFirefox) + " x/" + std::to_string(i);
    ASSERT_EQ(detector->Classify(ua), "") << ua;
    ASSERT_EQ(detector->Classify(ua + " curl"), "substring:curl");
  }
  EXPECT_EQ(detector->Classify(kChrome), "");
  EXPECT_EQ(detector->Classify(kSemrush), "uap");
}

TEST(BotDetector, ConcurrentClassifyIsConsistent) {
  const BotDetector* detector = Shared();
  ASSERT_NE(detector, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> errors(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string ua =
            std::string(kChrome) + " v/" + std::to_string(i % 300);
        if (!detector->Classify(ua).empty()) ++errors[t];
        if (detector->Classify(kSemrush) != "uap") ++errors[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int e : errors) EXPECT_EQ(e, 0);
}

}  // namespace
}  // namespace spoor::collect
