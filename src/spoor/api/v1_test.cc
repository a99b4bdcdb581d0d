#include "spoor/api/v1.h"

#include "gtest/gtest.h"

namespace spoor::api::v1 {
namespace {

TEST(V1Cursor, RoundTripsAndRefusesOtherListsAndJunk) {
  std::string c = EncodeCursor("contacts", 4815162342);
  EXPECT_EQ(*DecodeCursor("contacts", c), 4815162342);
  EXPECT_FALSE(DecodeCursor("events", c).ok());
  EXPECT_FALSE(DecodeCursor("contacts", "not a cursor").ok());
  EXPECT_FALSE(DecodeCursor("contacts", EncodeCursor("contacts", 0)).ok());
  EXPECT_FALSE(DecodeCursor("contacts", std::string(200, 'A')).ok());
}

TEST(V1Routes, MatchesTemplatesAndReportsAllowedMethods) {
  RouteMatch m = MatchRoute("DELETE", "/api/v1/tracking-domains/https%3A%2F%2Fa.org");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, Op::kDeleteDomain);
  EXPECT_EQ(m.param, "https://a.org");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/contacts/7/timeline").route->op, Op::kContactTimeline);
  RouteMatch wrong = MatchRoute("PUT", "/api/v1/links");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allow, "GET, POST");
  RouteMatch none = MatchRoute("GET", "/api/v1/links/a/b");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allow.empty());
}

TEST(V1Query, RefusesUnknownAndRepeatedParameters) {
  EXPECT_TRUE(ReadQuery("limit=5&cursor=", {"limit", "cursor"}).ok());
  EXPECT_FALSE(ReadQuery("limit=5&limit=6", {"limit"}).ok());
  EXPECT_FALSE(ReadQuery("page=2", {"limit"}).ok());
  absl::StatusOr<Params> q = ReadQuery("limit=0", {"limit"});
  EXPECT_FALSE(ReadPage(*q, "contacts").ok());
}

TEST(V1Settings, PatchIsStrict) {
  store::WorkspaceSettings s;
  boost::json::object ok{{"session_timeout_minutes", 45}, {"excluded_ips", {"10.0.0.0/8"}}};
  ASSERT_TRUE(PatchSettings(ok, s).ok());
  EXPECT_EQ(s.session_timeout_minutes, 45);
  EXPECT_FALSE(PatchSettings({{"session_timeout_minutes", 2000}}, s).ok());
  EXPECT_FALSE(PatchSettings({{"anonymize_ip", "yes"}}, s).ok());
  EXPECT_FALSE(PatchSettings({{"excluded_ips", {"nope"}}}, s).ok());
  EXPECT_FALSE(PatchSettings({{"other", true}}, s).ok());
  EXPECT_EQ(s.session_timeout_minutes, 45);
}

TEST(V1Origin, AcceptsOriginsAndLeadingWildcardsOnly) {
  EXPECT_TRUE(ValidateOrigin("https://www.example.com").ok());
  EXPECT_TRUE(ValidateOrigin("http://localhost:8080").ok());
  EXPECT_TRUE(ValidateOrigin("https://*.example.com").ok());
  EXPECT_FALSE(ValidateOrigin("www.example.com").ok());
  EXPECT_FALSE(ValidateOrigin("https://a.org/path").ok());
  EXPECT_FALSE(ValidateOrigin("https://a.*.org").ok());
  EXPECT_FALSE(ValidateOrigin("https://a b.org").ok());
}

}  // namespace
}  // namespace spoor::api::v1
