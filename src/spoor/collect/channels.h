// Default channel grouping: which marketing channel brought a visit.
//
// The rules are data (data/channels.json), not code: an ordered list of
// rules, first match wins, each with ANDed conditions on the UTM parameters
// and the referrer host, plus named host/source lists. The semantics follow
// Google Analytics 4's default channel group, extended with Mautic's
// utm_medium table (location, device, ...) and an "AI Assistants" channel.
// See the "_doc" field of data/channels.json for the format.
//
// Thread-safety: a ChannelRules is immutable once built; Classify() may be
// called concurrently from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace spoor::collect {

struct ChannelInput {
  std::string_view utm_source, utm_medium, utm_campaign;
  // Full URL or host only (the JS tracker sends host only); may be empty.
  std::string_view referrer;
  // Host of the page itself: a referrer from the same site is not a
  // referral (GA4 treats internal referrals as no referral at all).
  std::string_view page_host;
};

struct ChannelResult {
  std::string channel;
  std::string icon;
};

class ChannelRules {
 public:
  // Parses and validates the JSON rules. Errors: InvalidArgument naming the
  // bad rule index / field (e.g. "rules[3].when.medium_regex: ...").
  static absl::StatusOr<std::unique_ptr<ChannelRules>> FromJson(
      std::string_view json);
  // Reads `path` and calls FromJson. Errors: NotFound / InvalidArgument.
  static absl::StatusOr<std::unique_ptr<ChannelRules>> FromFile(
      const std::string& path);

  ChannelRules(const ChannelRules&) = delete;
  ChannelRules& operator=(const ChannelRules&) = delete;
  ~ChannelRules();

  // Thread-safe; allocates nothing beyond the result strings. When no rule
  // matches, returns the file's "fallback" channel.
  ChannelResult Classify(const ChannelInput& in) const;

  struct Impl;  // Defined in channels.cc.

 private:
  explicit ChannelRules(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace spoor::collect
