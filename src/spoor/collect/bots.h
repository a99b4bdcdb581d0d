// Bot and crawler detection from the User-Agent header, for the hot path of
// the pixel and event endpoints.
//
// Three rule sources, checked in this order:
//   1. Case-sensitive "contains" substrings (Mautic's list plus the
//      operator's), matched in a single scan of the User-Agent.
//   2. uap-core's `device_parsers` whose `device_replacement` is `Spider`,
//      compiled into one RE2::Set. uap's first-match order is honoured: a
//      Spider hit is dropped when an earlier non-Spider device parser also
//      matches (uap would have named the device, e.g. a CUBOT phone, before
//      reaching its catch-all "bot" rule). A User-Agent containing
//      "HeadlessChrome" is never flagged by uap rules (browser tests).
//   3. Operator-supplied RE2 regexes.
// Only the first kMaxUserAgentBytes bytes of a User-Agent are considered.
// Verdicts are memoised in a bounded cache keyed by that prefix.
//
// Thread-safety: Create() builds an immutable detector; Classify() and the
// accessors may be called concurrently from any number of threads (the cache
// is internally synchronised by sharded mutexes). Nothing throws.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace spoor::collect {

struct BotRules {
  std::string uap_regexes_path;            // regexes.yaml; empty = no uap rules
  std::string uap_regexes_yaml;            // its content, used instead of the path when set
  std::vector<std::string> substrings;     // case-sensitive "contains"
  std::vector<std::string> extra_regexes;  // RE2 syntax, operator-supplied
};

// Default Mautic-compatible substring list.
std::vector<std::string> DefaultBotSubstrings();

class BotDetector {
 public:
  // User-Agent bytes considered; the rest is ignored.
  static constexpr size_t kMaxUserAgentBytes = 1024;
  // Capacity of the verdict cache (distinct User-Agents remembered).
  static constexpr size_t kCacheSlots = 4096;

  // Loads and compiles the rules (uap regexes that RE2 cannot compile are
  // skipped and counted). Errors: NotFound for an unreadable yaml,
  // InvalidArgument for a malformed yaml, a bad extra regex or an empty
  // substring.
  static absl::StatusOr<std::unique_ptr<BotDetector>> Create(
      const BotRules& rules);

  ~BotDetector();
  BotDetector(const BotDetector&) = delete;
  BotDetector& operator=(const BotDetector&) = delete;

  // Returns the reason a UA is a bot ("substring:curl", "uap", "regex:N"
  // with N the 0-based index in extra_regexes, "empty user agent"), or an
  // empty string when it is not a bot. An empty (or all-whitespace) UA is a
  // bot. Thread-safe.
  std::string Classify(std::string_view user_agent) const;

  // uap Spider regexes RE2 could not compile / compiled into the set.
  size_t skipped_regexes() const;
  size_t compiled_regexes() const;
  // Non-Spider uap device regexes used only to honour uap's first-match
  // order (compiled / skipped).
  size_t precedence_regexes() const;
  size_t skipped_precedence_regexes() const;

 private:
  struct Impl;
  explicit BotDetector(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace spoor::collect
