#include "spoor/api/push.h"

#include "gtest/gtest.h"

namespace spoor::api {
namespace {

constexpr char kId[] = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

std::string Body(std::string_view id, std::string_view token, std::string_view status) {
  return std::string(R"({"TrackingId":)") + std::string(id) + R"(,"DeviceToken":)" +
         std::string(token) + R"(,"PushNotificationStatus":)" + std::string(status) + "}";
}

TEST(ParsePushInteraction, AcceptsNumbersAndTheSamplesNumericStrings) {
  auto a = ParsePushInteraction(Body("\"3F2504E0-4F89-41D3-9A0C-0305E82C3301\"", "\"tok\"", "1"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->tracking_id, kId);  // case folded
  EXPECT_EQ(a->status, PushStatus::kOpened);
  auto b = ParsePushInteraction(Body(std::string("\"") + kId + "\"", "\"tok\"", "\"2\""));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->status, PushStatus::kDismissed);
  auto c = ParsePushInteraction(Body(std::string("\"") + kId + "\"", "\"tok\"", "0"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, PushStatus::kReceived);
}

TEST(ParsePushInteraction, NamesEveryProblem) {
  std::string id = std::string("\"") + kId + "\"";
  struct Case {
    std::string body;
    std::string problem;
  } cases[] = {
      {"not json", "not JSON"},
      {"[1]", "JSON object"},
      {R"({"DeviceToken":"t","PushNotificationStatus":1})", "TrackingId: is required"},
      {Body("12", "\"t\"", "1"), "TrackingId: must be a string"},
      {Body("\"abc\"", "\"t\"", "1"), "TrackingId: is not a UUID"},
      {Body("\"00000000-0000-0000-0000-000000000000\"", "\"t\"", "1"), "all-zero"},
      {R"({"TrackingId":")" + std::string(kId) + R"(","PushNotificationStatus":1})",
       "DeviceToken: is required"},
      {Body(id, "7", "1"), "DeviceToken: must be a string"},
      {Body(id, "\"\"", "1"), "DeviceToken: must not be empty"},
      {R"({"TrackingId":")" + std::string(kId) + R"(","DeviceToken":"t"})",
       "PushNotificationStatus: is required"},
      {Body(id, "\"t\"", "3"), "must be 0, 1 or 2"},
      {Body(id, "\"t\"", "-1"), "must be 0, 1 or 2"},
      {Body(id, "\"t\"", "\"x\""), "must be 0, 1 or 2"},
      {Body(id, "\"t\"", "1.0"), "must be a number or a numeric string"},
      {Body(id, "\"t\"", "true"), "must be a number or a numeric string"},
      {Body(id, "\"t\"", "null"), "must be a number or a numeric string"},
      {Body(id, "\"" + std::string(9000, 'x') + "\"", "1"), "larger than"},
  };
  for (const Case& c : cases) {
    auto r = ParsePushInteraction(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(std::string(r.status().message()).find(c.problem), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

TEST(PushInteractionEvent, IsIdempotentPerTrackingIdAndStatus) {
  store::PushSend send{kId, 4, 9, "tok", 77, "ios"};
  PushInteraction in{kId, "tok", PushStatus::kOpened};
  Event a = PushInteractionEvent(in, send, 1);
  Event b = PushInteractionEvent(in, send, 2);
  EXPECT_EQ(a.id, b.id);
  in.status = PushStatus::kDismissed;
  EXPECT_NE(PushInteractionEvent(in, send, 3).id, a.id);
  EXPECT_EQ(a.type, EventType::kPushInteraction);
  EXPECT_EQ(a.contact_id, 77u);
  EXPECT_EQ(a.utm.medium, "push");
}

TEST(RenderPushStats, RatesAndMedian) {
  store::PushStats s;
  s.all = {4, 3, 2, 1, {10000000, 30000000}};
  s.by_platform.push_back({"ios", {1, 1, 1, 0, {10000000}}});
  boost::json::object o = RenderPushStats(s);
  EXPECT_EQ(o.at("sent").as_int64(), 4);
  EXPECT_DOUBLE_EQ(o.at("open_rate").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(o.at("median_time_to_open_s").as_double(), 20.0);
  EXPECT_DOUBLE_EQ(o.at("by_platform").at("ios").at("open_rate").as_double(), 1.0);
  store::PushStats none;
  EXPECT_TRUE(RenderPushStats(none).at("median_time_to_open_s").is_null());
}

TEST(ReadPushNotification, NeedsTargetsAndBoundsThem) {
  auto o = [](std::string_view s) { return boost::json::parse(s).as_object(); };
  EXPECT_FALSE(ReadPushNotification(o(R"({"app":"a","title":"t"})")).ok());
  EXPECT_FALSE(ReadPushNotification(o(R"({"app":"a","title":"t","device_tokens":"x"})")).ok());
  EXPECT_FALSE(ReadPushNotification(o(R"({"app":"a","title":"t","contact_ids":[-1]})")).ok());
  EXPECT_FALSE(ReadPushNotification(o(R"({"title":"t","contact_ids":[1]})")).ok());
  auto ok = ReadPushNotification(o(R"({"app":"a","title":"t","device_tokens":["x"],"contact_ids":[5]})"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->contact_ids, std::vector<int64_t>{5});
}

}  // namespace
}  // namespace spoor::api
