#include "spoor/collect/channels.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace spoor::collect {
namespace {

std::string RulesPath() {
  const char* env = std::getenv("SPOOR_CHANNELS_JSON");
  return env != nullptr && *env != '\0' ? env : SPOOR_SOURCE_DIR "/rules/channels.json";
}

const ChannelRules& DefaultRules() {
  static const ChannelRules* rules = [] {
    auto loaded = ChannelRules::FromFile(RulesPath());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return static_cast<ChannelRules*>(nullptr);
    }
    return loaded->release();
  }();
  if (rules == nullptr) std::abort();
  return *rules;
}

struct Case {
  const char* name;
  const char* source;
  const char* medium;
  const char* campaign;
  const char* referrer;
  const char* page_host;
  const char* channel;
  const char* icon;  // nullptr: not checked.
};

// clang-format off
const Case kCases[] = {
  // Mautic's utm_medium table.
  {"mautic_social_with_source", "twitter", "social", "", "", "", "Organic Social", "twitter"},
  {"mautic_social_no_source", "", "social", "", "", "", "Organic Social", "share-alt"},
  {"mautic_socialmedia", "", "socialmedia", "", "", "", "Organic Social", "share-alt"},
  {"mautic_email", "mautic", "email", "", "", "", "Email", "envelope"},
  {"mautic_newsletter", "", "newsletter", "spring", "", "", "Email", "envelope"},
  {"mautic_banner", "", "banner", "", "", "", "Display", "bullseye"},
  {"mautic_ad", "acme", "ad", "", "", "", "Display", "bullseye"},
  {"mautic_cpc_unknown_source", "acme", "cpc", "", "", "", "Paid Search", "money"},
  {"mautic_location", "", "location", "", "", "", "Location", "map-marker"},
  {"mautic_device_with_source", "iPad", "device", "", "", "", "Device", "ipad"},
  {"mautic_device_no_source", "", "device", "", "", "", "Device", "tablet"},
  // Organic search by referrer.
  {"google_bare_host", "", "", "", "google.com", "", "Organic Search", "search"},
  {"google_co_uk_url", "", "", "", "https://www.google.co.uk/search?q=spoor", "", "Organic Search", "search"},
  {"google_com_br", "", "", "", "www.google.com.br", "", "Organic Search", nullptr},
  {"bing", "", "", "", "https://www.bing.com/", "", "Organic Search", nullptr},
  {"yandex_ru", "", "", "", "yandex.ru", "", "Organic Search", nullptr},
  {"duckduckgo", "", "", "", "duckduckgo.com", "", "Organic Search", nullptr},
  {"source_google_only", "google", "", "", "", "", "Organic Search", nullptr},
  {"medium_organic", "", "organic", "", "", "", "Organic Search", nullptr},
  // Paid.
  {"cpc_google", "google", "cpc", "", "", "", "Paid Search", "money"},
  {"ppc_bing", "bing", "ppc", "", "", "", "Paid Search", nullptr},
  {"cpc_facebook", "facebook", "cpc", "", "", "", "Paid Social", "money"},
  {"paid_social_instagram", "instagram", "paid_social", "", "", "", "Paid Social", nullptr},
  {"cpm_google_is_paid", "google", "cpm", "", "", "", "Paid Search", nullptr},
  {"cpm_alone_is_display", "", "cpm", "", "", "", "Display", nullptr},
  {"paid_youtube_is_display", "youtube", "cpv", "", "", "", "Display", nullptr},
  {"paid_shopping_campaign", "acme", "cpc", "summer_shopping", "", "", "Paid Search", "shopping-cart"},
  {"workshop_is_not_shopping", "acme", "cpc", "workshop", "", "", "Paid Search", "money"},
  // Organic social.
  {"t_co", "", "", "", "t.co", "", "Organic Social", "share-alt"},
  {"facebook_url", "", "", "", "https://m.facebook.com/story.php?id=1", "", "Organic Social", nullptr},
  {"linkedin", "", "", "", "www.linkedin.com", "", "Organic Social", nullptr},
  {"pinterest_fr", "", "", "", "pinterest.fr", "", "Organic Social", nullptr},
  {"youtube_referrer", "", "", "", "https://www.youtube.com/watch?v=x", "", "Organic Social", nullptr},
  {"source_facebook_only", "Facebook", "", "", "", "", "Organic Social", "facebook"},
  // AI assistants.
  {"chatgpt_referrer", "", "", "", "chatgpt.com", "", "AI Assistants", "comments"},
  {"chat_openai_url", "", "", "", "https://chat.openai.com/c/123", "", "AI Assistants", nullptr},
  {"perplexity", "", "", "", "www.perplexity.ai", "", "AI Assistants", nullptr},
  {"gemini_not_search", "", "", "", "https://gemini.google.com/app", "", "AI Assistants", nullptr},
  {"copilot", "", "", "", "copilot.microsoft.com", "", "AI Assistants", nullptr},
  {"claude", "", "", "", "claude.ai", "", "AI Assistants", nullptr},
  {"utm_source_chatgpt", "chatgpt.com", "", "", "", "", "AI Assistants", nullptr},
  {"utm_source_chatgpt_wins_over_referrer", "chatgpt.com", "", "", "google.com", "", "AI Assistants", nullptr},
  // Other GA4 channels.
  {"affiliate", "partnerx", "affiliate", "", "", "", "Affiliates", "handshake-o"},
  {"push", "onesignal", "push", "", "", "", "Mobile Push Notifications", "bell"},
  {"web_push", "", "web-push", "", "", "", "Mobile Push Notifications", nullptr},
  {"firebase", "firebase", "", "", "", "", "Mobile Push Notifications", nullptr},
  {"medium_referral", "partner-site", "referral", "", "", "", "Referral", "link"},
  {"android_gmail_app", "", "", "", "android-app://com.google.android.gm/", "", "Email", nullptr},
  {"android_google_app", "", "", "", "android-app://com.google.android.googlequicksearchbox/", "", "Organic Search", nullptr},
  {"url_in_query_is_not_scheme", "", "", "", "some-blog.example/r?u=https://google.com", "", "Referral", nullptr},
  {"webmail_referrer", "", "", "", "https://mail.google.com/mail/u/0/", "", "Email", nullptr},
  {"source_email", "email", "", "", "", "", "Email", nullptr},
  // Referral / Direct / Other.
  {"blog_referral", "", "", "", "some-blog.example", "", "Referral", "link"},
  {"blog_url_with_port_and_user", "", "", "", "http://user@Some-Blog.example:8080/post", "", "Referral", nullptr},
  {"google_lookalike_tld", "", "", "", "google.evil.net", "", "Referral", nullptr},
  {"google_lookalike_prefix", "", "", "", "notgoogle.com", "", "Referral", nullptr},
  {"same_site_referrer", "", "", "", "https://www.example.com/pricing", "example.com", "Direct", "sign-in"},
  {"same_site_subdomain", "", "", "", "blog.example.com", "www.example.com", "Direct", nullptr},
  {"other_site_with_page_host", "", "", "", "example.org", "example.com", "Referral", nullptr},
  {"nothing", "", "", "", "", "", "Direct", "sign-in"},
  {"ga4_direct_none", "(direct)", "(none)", "", "", "", "Direct", nullptr},
  {"whitespace_only_utm", "  ", " ", "", "", "", "Direct", nullptr},
  {"unknown_medium_with_source", "acme", "qr-code", "", "", "", "Other", "question"},
  {"campaign_only", "", "", "spring", "google.com", "", "Other", nullptr},
  {"utm_beats_referrer", "mautic", "email", "", "www.google.com", "", "Email", nullptr},
  // Case-insensitivity.
  {"upper_cpc_google", "Google", "CPC", "", "", "", "Paid Search", nullptr},
  {"upper_referrer", "", "", "", "HTTPS://WWW.GOOGLE.DE/", "", "Organic Search", nullptr},
  {"upper_social_icon", "Twitter", "Social", "", "", "", "Organic Social", "twitter"},
  {"upper_email", "", "EMAIL", "", "", "", "Email", nullptr},
  {"unsafe_source_icon", "<b>x\"", "social", "", "", "", "Organic Social", "share-alt"},
};
// clang-format on

class ChannelCaseTest : public testing::TestWithParam<Case> {};

TEST_P(ChannelCaseTest, Classifies) {
  const Case& c = GetParam();
  ChannelInput in{c.source, c.medium, c.campaign, c.referrer, c.page_host};
  ChannelResult r = DefaultRules().Classify(in);
  EXPECT_EQ(r.channel, c.channel);
  if (c.icon != nullptr) {
    EXPECT_EQ(r.icon, c.icon);
  }
}

INSTANTIATE_TEST_SUITE_P(ChannelRules, ChannelCaseTest,
                         testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(ChannelRules, LoadsDefaultFile) {
  auto rules = ChannelRules::FromFile(RulesPath());
  ASSERT_TRUE(rules.ok()) << rules.status();
}

TEST(ChannelRules, MissingFileIsNotFound) {
  auto rules = ChannelRules::FromFile("/nonexistent/channels.json");
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kNotFound);
}

TEST(ChannelRules, ConcurrentClassify) {
  const ChannelRules& rules = DefaultRules();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&rules] {
      for (int i = 0; i < 500; ++i) {
        ChannelInput in{"", "", "", "https://www.google.fr/", ""};
        EXPECT_EQ(rules.Classify(in).channel, "Organic Search");
      }
    });
  }
  for (auto& th : threads) th.join();
}

constexpr char kMinimalRules[] = R"({
  "lists": {"engines": ["google.*", "example.com"]},
  "rules": [
    {"channel": "Search", "icon": "search",
     "when": {"no_utm": true, "referrer_host_in": "engines"}},
    {"channel": "Tagged", "icon": "tag", "when": {"source_regex": "^x$"}}
  ],
  "fallback": {"channel": "Other", "icon": "question"}
})";

TEST(ChannelRules, CustomRulesAndFallback) {
  auto rules = ChannelRules::FromJson(kMinimalRules);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ((*rules)->Classify({"", "", "", "a.example.com", ""}).channel,
            "Search");
  EXPECT_EQ((*rules)->Classify({"X", "", "", "", ""}).channel, "Tagged");
  ChannelResult r = (*rules)->Classify({"", "", "", "", ""});
  EXPECT_EQ(r.channel, "Other");
  EXPECT_EQ(r.icon, "question");
}

// Expects FromJson(json) to fail with InvalidArgument mentioning `needle`.
void ExpectInvalid(const std::string& json, const std::string& needle) {
  auto rules = ChannelRules::FromJson(json);
  ASSERT_FALSE(rules.ok()) << json;
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rules.status().message().find(needle), std::string::npos)
      << rules.status().message() << " lacks " << needle;
}

std::string WithRule(const std::string& rule) {
  return R"({"lists": {"l": ["a.com"]}, "rules": [
    {"channel": "A", "icon": "a", "when": {"has_utm": true}}, )" +
         rule + R"(], "fallback": {"channel": "Other", "icon": "q"}})";
}

TEST(ChannelRules, InvalidJson) {
  ExpectInvalid("{\"rules\": [", "bad JSON");
  ExpectInvalid("", "bad JSON");
  ExpectInvalid("[]", "must be a JSON object");
}

TEST(ChannelRules, BadRegex) {
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b",
                             "when": {"medium_regex": "(unclosed"}})"),
                "rules[1].when.medium_regex: invalid regex");
}

TEST(ChannelRules, UnknownCondition) {
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b",
                             "when": {"medium_glob": "x*"}})"),
                "rules[1].when.medium_glob: unknown condition");
}

TEST(ChannelRules, UnknownListName) {
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b",
                             "when": {"source_in": "nope"}})"),
                "rules[1].when.source_in: unknown list \"nope\"");
}

TEST(ChannelRules, StructuralErrors) {
  ExpectInvalid(WithRule(R"({"icon": "b", "when": {"has_utm": true}})"),
                "rules[1].channel");
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b"})"),
                "rules[1].when: missing");
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b", "when": {}})"),
                "rules[1].when: needs at least one condition");
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b",
                             "when": {"no_utm": false}})"),
                "rules[1].when.no_utm: must be true");
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b", "colour": "red",
                             "when": {"has_utm": true}})"),
                "rules[1].colour: unknown field");
  ExpectInvalid(WithRule(R"({"channel": "B", "icon": "b",
                             "when": {"no_utm": true, "has_utm": true}})"),
                "contradictory");
  ExpectInvalid(R"({"rules": [], "fallback": {"channel": "O", "icon": "q"}})",
                "rules: must be a non-empty array");
  ExpectInvalid(R"({"rules": [{"channel": "A", "icon": "a",
                               "when": {"has_utm": true}}]})",
                "fallback");
  ExpectInvalid(R"({"lists": {"l": ["bad/entry"]}, "rules": []})",
                "lists.l[0]");
  ExpectInvalid(R"({"lists": {"l": ["*.com"]}, "rules": []})", "lists.l[0]");
  ExpectInvalid(R"({"version": 2, "rules": []})", "version");
}

}  // namespace
}  // namespace spoor::collect
