// Bot and crawler detection from the User-Agent header. See bots.h.
#include "spoor/collect/bots.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <climits>
#include <cstdint>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "re2/re2.h"
#include "re2/set.h"
#include "yaml-cpp/yaml.h"

namespace spoor::collect {
namespace {

constexpr std::string_view kHeadlessChrome = "HeadlessChrome";
constexpr std::string_view kSpider = "Spider";
// Generous: the uap Spider set needs well under this; the budget only caps
// the lazily built DFA cache.
constexpr int64_t kSetMaxMem = int64_t{64} << 20;
constexpr int kNoMatch = INT_MAX;

// Verdict codes index BotDetector::Impl::reasons.
constexpr uint32_t kNotBot = 0;
constexpr uint32_t kUapBot = 1;
constexpr uint32_t kFirstSubstringCode = 2;

RE2::Options RegexOptions() {
  RE2::Options options;
  // Latin-1: every byte is one character, so hostile non-UTF-8 bytes in a
  // User-Agent cannot make a rule miss, and the DFA stays small.
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(kSetMaxMem);
  return options;
}

std::unique_ptr<RE2::Set> NewSet() {
  return std::make_unique<RE2::Set>(RegexOptions(), RE2::UNANCHORED);
}

// Finds any of a list of non-empty patterns in one left-to-right scan. A
// position is examined only when its first two bytes (or its single byte,
// for one-byte patterns) start some pattern; the bitmap fits in L1.
class SubstringMatcher {
 public:
  explicit SubstringMatcher(std::vector<std::string> patterns)
      : patterns_(std::move(patterns)) {
    for (size_t i = 0; i < patterns_.size(); ++i) {
      const std::string& p = patterns_[i];
      const auto first = static_cast<unsigned char>(p[0]);
      if (p.size() == 1) {
        single_[first] = true;
      } else {
        bigrams_.set(Bigram(first, static_cast<unsigned char>(p[1])));
      }
      by_first_[first].push_back(static_cast<int>(i));
    }
  }

  // Index of the pattern found at the earliest position (lowest index on a
  // tie), or -1.
  int Find(std::string_view text) const {
    const size_t n = text.size();
    for (size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      const bool candidate =
          single_[c] ||
          (i + 1 < n &&
           bigrams_.test(Bigram(c, static_cast<unsigned char>(text[i + 1]))));
      if (!candidate) continue;
      const std::string_view rest = text.substr(i);
      for (int id : by_first_[c]) {
        if (rest.starts_with(patterns_[id])) return id;
      }
    }
    return -1;
  }

 private:
  static size_t Bigram(unsigned char a, unsigned char b) {
    return (size_t{a} << 8) | b;
  }

  std::vector<std::string> patterns_;
  std::bitset<65536> bigrams_;
  std::array<bool, 256> single_{};
  std::array<std::vector<int>, 256> by_first_;
};

// One rule as read from uap's device_parsers.
struct UapEntry {
  std::string regex;
  bool case_insensitive = false;
  bool spider = false;
  int order = 0;  // position in device_parsers: uap stops at the first match
};

// Regexes compiled both into one RE2::Set (fast path) and one by one (used
// when the set's DFA runs out of memory). `order[i]` ranks set index i.
struct IndexedSet {
  std::unique_ptr<RE2::Set> set;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<int> order;
  size_t skipped = 0;
};

// Adds `pattern` to `out`; returns false (adding nothing) when RE2 rejects it.
bool AddPattern(const std::string& pattern, int order, IndexedSet& out,
                std::string* error) {
  auto re = std::make_unique<RE2>(pattern, RegexOptions());
  if (!re->ok()) {
    *error = re->error();
    return false;
  }
  if (out.set->Add(pattern, error) < 0) return false;
  out.regexes.push_back(std::move(re));
  out.order.push_back(order);
  return true;
}

absl::Status CompileSet(IndexedSet& s, std::string_view what) {
  if (s.regexes.empty()) {
    s.set.reset();
    return absl::OkStatus();
  }
  if (!s.set->Compile()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot compile the ", std::string(what), " regex set"));
  }
  return absl::OkStatus();
}

// Smallest order among the regexes of `s` matching `text`, or kNoMatch.
int MinMatchOrder(const IndexedSet& s, std::string_view text) {
  if (s.set == nullptr) return kNoMatch;
  RE2::Set::ErrorInfo info{};
  const re2::StringPiece piece(text.data(), text.size());
  // Boolean probe first: it stops early and allocates nothing.
  if (s.set->Match(piece, nullptr, &info)) {
    std::vector<int> hits;
    if (s.set->Match(piece, &hits, &info)) {
      int best = kNoMatch;
      for (int h : hits) best = std::min(best, s.order[h]);
      return best;
    }
  }
  if (info.kind != RE2::Set::kOutOfMemory) return kNoMatch;
  // Rare: DFA budget exhausted. Try the regexes one by one, in uap order.
  int best = kNoMatch;
  for (size_t i = 0; i < s.regexes.size(); ++i) {
    if (s.order[i] < best && RE2::PartialMatch(piece, *s.regexes[i])) {
      best = s.order[i];
    }
  }
  return best;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return std::move(content).str();
}

// Parses device_parsers. yaml-cpp throws; nothing escapes this function.
absl::StatusOr<std::vector<UapEntry>> ParseDeviceParsers(
    const std::string& yaml, const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    const YAML::Node parsers = root["device_parsers"];
    if (!parsers || !parsers.IsSequence()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no device_parsers sequence"));
    }
    std::vector<UapEntry> entries;
    for (size_t i = 0; i < parsers.size(); ++i) {
      const YAML::Node& p = parsers[i];
      UapEntry e;
      e.regex = p["regex"].as<std::string>();
      e.case_insensitive = p["regex_flag"].as<std::string>("") == "i";
      e.spider = p["device_replacement"].as<std::string>("") == kSpider;
      e.order = static_cast<int>(i);
      entries.push_back(std::move(e));
    }
    return entries;
  } catch (const std::exception& ex) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": malformed uap yaml: ", ex.what()));
  }
}

// The uap rules: Spider regexes, and the non-Spider regexes that precede a
// Spider one in device_parsers (they win in uap's first-match order).
struct UapRules {
  IndexedSet spiders;
  IndexedSet precedence;
};

void AddUapEntry(const UapEntry& e, IndexedSet& into) {
  const std::string pattern =
      e.case_insensitive ? absl::StrCat("(?i)", e.regex) : e.regex;
  std::string error;
  if (!AddPattern(pattern, e.order, into, &error)) ++into.skipped;
}

absl::StatusOr<UapRules> LoadUapRules(const std::string& path,
                                      const std::string& content) {
  absl::StatusOr<std::string> yaml =
      content.empty() ? ReadFile(path) : absl::StatusOr<std::string>(content);
  if (!yaml.ok()) return yaml.status();
  absl::StatusOr<std::vector<UapEntry>> entries =
      ParseDeviceParsers(*yaml, path);
  if (!entries.ok()) return entries.status();
  int last_spider = -1;
  for (const UapEntry& e : *entries) {
    if (e.spider) last_spider = e.order;
  }
  UapRules rules;
  rules.spiders.set = NewSet();
  rules.precedence.set = NewSet();
  for (const UapEntry& e : *entries) {
    if (e.spider) {
      AddUapEntry(e, rules.spiders);
    } else if (e.order < last_spider) {
      AddUapEntry(e, rules.precedence);
    }
  }
  absl::Status status = CompileSet(rules.spiders, "uap Spider");
  if (status.ok()) status = CompileSet(rules.precedence, "uap device");
  if (!status.ok()) return status;
  return rules;
}

absl::StatusOr<IndexedSet> CompileExtraRegexes(
    const std::vector<std::string>& regexes) {
  IndexedSet out;
  out.set = NewSet();
  for (size_t i = 0; i < regexes.size(); ++i) {
    std::string error;
    if (!AddPattern(regexes[i], static_cast<int>(i), out, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad bot regex #", i, " '", regexes[i], "': ", error));
    }
  }
  absl::Status status = CompileSet(out, "operator bot");
  if (!status.ok()) return status;
  return out;
}

// Two-way set-associative verdict cache: a User-Agent lives in one of the
// two slots of the bucket its hash picks; a newcomer replaces the bucket's
// less recently used slot. Buckets are split into shards, each behind its
// own mutex, so concurrent callers rarely contend. Memory is bounded by
// kCacheSlots keys of at most kMaxUserAgentBytes.
class VerdictCache {
 public:
  static constexpr size_t kShards = 64;
  static constexpr size_t kBucketsPerShard =
      BotDetector::kCacheSlots / kShards / 2;

  std::optional<uint32_t> Lookup(std::string_view key, size_t hash) {
    Shard& shard = ShardFor(hash);
    absl::MutexLock lock(&shard.mu);
    Bucket& bucket = shard.buckets[BucketIndex(hash)];
    const int way = bucket.Find(key, hash);
    if (way < 0) return std::nullopt;
    bucket.recent = way;
    return bucket.slots[way].verdict;
  }

  void Insert(std::string_view key, size_t hash, uint32_t verdict) {
    Shard& shard = ShardFor(hash);
    absl::MutexLock lock(&shard.mu);
    Bucket& bucket = shard.buckets[BucketIndex(hash)];
    int way = bucket.Find(key, hash);  // another thread may have added it
    if (way < 0) way = 1 - bucket.recent;
    Slot& slot = bucket.slots[way];
    slot.key.assign(key.data(), key.size());  // reuses the slot's capacity
    slot.hash = hash;
    slot.verdict = verdict;
    slot.used = true;
    bucket.recent = way;
  }

 private:
  struct Slot {
    std::string key;
    size_t hash = 0;
    uint32_t verdict = kNotBot;
    bool used = false;
  };
  struct Bucket {
    int Find(std::string_view key, size_t hash) const {
      for (int way = 0; way < 2; ++way) {
        const Slot& s = slots[way];
        if (s.used && s.hash == hash && s.key == key) return way;
      }
      return -1;
    }
    std::array<Slot, 2> slots;
    int recent = 0;  // way hit or filled last
  };
  struct alignas(64) Shard {
    absl::Mutex mu;
    std::array<Bucket, kBucketsPerShard> buckets ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(size_t hash) { return shards_[hash % kShards]; }
  static size_t BucketIndex(size_t hash) {
    return (hash / kShards) % kBucketsPerShard;
  }

  std::array<Shard, kShards> shards_;
};

bool IsBlank(std::string_view ua) {
  return std::all_of(ua.begin(), ua.end(), [](char c) {
    return absl::ascii_isspace(static_cast<unsigned char>(c));
  });
}

}  // namespace

std::vector<std::string> DefaultBotSubstrings() {
  // Mautic's list. "HeadlessChrome" is deliberately absent: browser tests
  // drive headless Chromium and must be tracked.
  return {
      "Googlebot",
      "bingbot",
      "MSNBOT",
      "Baiduspider",
      "YandexBot",
      "AhrefsBot",
      "facebookexternalhit",
      "Facebot",
      "Applebot",
      "Wget",
      "wget",
      "curl",
      "python-requests",
      "Python-urllib",
      "Go-http-client",
      "okhttp",
      "Apache-HttpClient",
      "libwww",
      "axios",
      "PhantomJS",
      "Java/",
      "zgrab",
  };
}

struct BotDetector::Impl {
  Impl(std::vector<std::string> subs, UapRules uap_rules, IndexedSet extra_set)
      : substrings(subs),
        uap(std::move(uap_rules)),
        extra(std::move(extra_set)) {
    reasons = {"", "uap"};
    for (const std::string& s : subs) reasons.push_back("substring:" + s);
    extra_base = static_cast<uint32_t>(reasons.size());
    for (size_t i = 0; i < extra.regexes.size(); ++i) {
      reasons.push_back(absl::StrCat("regex:", i));
    }
  }

  // True when uap's first matching device parser is a Spider one.
  bool UapSaysSpider(std::string_view ua) const {
    const int spider = MinMatchOrder(uap.spiders, ua);
    if (spider == kNoMatch) return false;
    if (ua.find(kHeadlessChrome) != std::string_view::npos) return false;
    return MinMatchOrder(uap.precedence, ua) > spider;
  }

  uint32_t Compute(std::string_view ua) const {
    if (int id = substrings.Find(ua); id >= 0) {
      return kFirstSubstringCode + static_cast<uint32_t>(id);
    }
    if (UapSaysSpider(ua)) return kUapBot;
    if (int n = MinMatchOrder(extra, ua); n != kNoMatch) {
      return extra_base + static_cast<uint32_t>(n);
    }
    return kNotBot;
  }

  SubstringMatcher substrings;
  UapRules uap;
  IndexedSet extra;
  std::vector<std::string> reasons;  // indexed by verdict code
  uint32_t extra_base = 0;
  mutable VerdictCache cache;
};

absl::StatusOr<std::unique_ptr<BotDetector>> BotDetector::Create(
    const BotRules& rules) {
  for (const std::string& s : rules.substrings) {
    if (s.empty()) return absl::InvalidArgumentError("empty bot substring");
  }
  UapRules uap;
  if (!rules.uap_regexes_path.empty() || !rules.uap_regexes_yaml.empty()) {
    absl::StatusOr<UapRules> loaded = LoadUapRules(
        rules.uap_regexes_yaml.empty() ? rules.uap_regexes_path : "(built-in regexes.yaml)",
        rules.uap_regexes_yaml);
    if (!loaded.ok()) return loaded.status();
    uap = std::move(*loaded);
  }
  absl::StatusOr<IndexedSet> extra = CompileExtraRegexes(rules.extra_regexes);
  if (!extra.ok()) return extra.status();
  auto impl = std::make_unique<Impl>(rules.substrings, std::move(uap),
                                     std::move(*extra));
  return std::unique_ptr<BotDetector>(new BotDetector(std::move(impl)));
}

BotDetector::BotDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BotDetector::~BotDetector() = default;

std::string BotDetector::Classify(std::string_view user_agent) const {
  if (IsBlank(user_agent)) return "empty user agent";
  const std::string_view ua = user_agent.substr(0, kMaxUserAgentBytes);
  const size_t hash = absl::HashOf(ua);
  std::optional<uint32_t> verdict = impl_->cache.Lookup(ua, hash);
  if (!verdict.has_value()) {
    verdict = impl_->Compute(ua);
    impl_->cache.Insert(ua, hash, *verdict);
  }
  return impl_->reasons[*verdict];
}

size_t BotDetector::skipped_regexes() const {
  return impl_->uap.spiders.skipped;
}
size_t BotDetector::compiled_regexes() const {
  return impl_->uap.spiders.regexes.size();
}
size_t BotDetector::precedence_regexes() const {
  return impl_->uap.precedence.regexes.size();
}
size_t BotDetector::skipped_precedence_regexes() const {
  return impl_->uap.precedence.skipped;
}

}  // namespace spoor::collect
