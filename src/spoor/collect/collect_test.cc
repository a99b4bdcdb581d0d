#include "spoor/collect/collect.h"

#include "gtest/gtest.h"

namespace spoor::collect {
namespace {

constexpr char kChrome[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Safari/537.36";

WorkspaceView TestWorkspace() {
  WorkspaceView ws;
  ws.id = 1;
  ws.uuid = "11111111-2222-4333-8444-555555555555";
  ws.is_default = true;
  for (const char* f : {"email", "firstname", "phone"}) ws.all_fields.insert(f);
  for (const char* f : {"email", "firstname"}) ws.public_fields.insert(f);
  ws.tracking_domains = {"https://www.example.com", "https://*.shop.example"};
  return ws;
}

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest()
      : allocator_(std::array<uint8_t, 32>{}, [this](uint64_t n) -> absl::StatusOr<uint64_t> {
          uint64_t start = next_;
          next_ += n;
          return start;
        }),
        clock_(1700000000000000),
        collector_(bots_.get(), identities_, allocator_, counters_, clock_) {}

  HitOutcome Pixel(std::string query, std::string cookie = "", std::string ua = kChrome) {
    query_ = std::move(query);
    cookie_ = std::move(cookie);
    ua_ = std::move(ua);
    HitRequest r;
    r.method = "GET";
    r.query = query_;
    r.cookie = cookie_;
    r.user_agent = ua_;
    r.client_ip = "203.0.113.9";
    r.dnt = dnt_;
    return collector_.Handle(Endpoint::kPixel, r, ws_);
  }

  std::unique_ptr<BotDetector> bots_ =
      std::move(*BotDetector::Create({"", "", DefaultBotSubstrings(), {}}));
  uint64_t next_ = 0;
  IdentityCache identities_;
  ContactIdAllocator allocator_;
  Counters counters_;
  FakeClock clock_;
  Collector collector_;
  WorkspaceView ws_ = TestWorkspace();
  std::string query_, cookie_, ua_, dnt_;
};

TEST_F(CollectorTest, NewVisitorGetsNewDeviceAndContact) {
  HitOutcome out = Pixel("page_url=https%3A%2F%2Fsite.example%2Fa&page_title=A");
  ASSERT_TRUE(out.event.has_value());
  EXPECT_TRUE(out.new_device);
  EXPECT_GT(out.contact_id, 0u);
  EXPECT_EQ(out.device_id.size(), 25u);
  EXPECT_EQ(out.event->url, "https://site.example/a");
  EXPECT_EQ(out.event->title, "A");
  EXPECT_EQ(out.event->source, EventSource::kPixel);
}

TEST_F(CollectorTest, KnownDeviceCookieKeepsItsContact) {
  HitOutcome first = Pixel("page_url=a");
  HitOutcome second = Pixel("page_url=b", "x=1; mautic_device_id=" + first.device_id);
  EXPECT_FALSE(second.new_device);
  EXPECT_EQ(second.contact_id, first.contact_id);
  EXPECT_EQ(second.device_id, first.device_id);
}

TEST_F(CollectorTest, DeviceIdParameterWorksWithoutCookie) {
  HitOutcome first = Pixel("page_url=a");
  HitOutcome second = Pixel("page_url=b&mautic_device_id=" + first.device_id);
  EXPECT_EQ(second.contact_id, first.contact_id);
}

TEST_F(CollectorTest, UnknownDeviceIdGetsANewOne) {
  HitOutcome out = Pixel("page_url=a", "mautic_device_id=aaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_TRUE(out.new_device);
  EXPECT_NE(out.device_id, "aaaaaaaaaaaaaaaaaaaaaaaaa");
}

TEST_F(CollectorTest, BotsAreCountedNotTracked) {
  HitOutcome out = Pixel("page_url=a", "", "curl/8.0");
  EXPECT_FALSE(out.event.has_value());
  EXPECT_EQ(out.skip_reason, "bot");
  EXPECT_EQ(counters_.Get("collect_skipped", "bot"), 1);
}

TEST_F(CollectorTest, DoNotTrackIsHonouredByDefault) {
  dnt_ = "1";
  HitOutcome out = Pixel("page_url=a");
  EXPECT_EQ(out.skip_reason, "do_not_track");
  ws_.honor_do_not_track = false;
  EXPECT_TRUE(Pixel("page_url=a").event.has_value());
}

TEST_F(CollectorTest, ExcludedIpsAreNotTracked) {
  ws_.excluded_ips.push_back(*ParseIpRange("203.0.113.0/24"));
  EXPECT_EQ(Pixel("page_url=a").skip_reason, "excluded_ip");
}

TEST_F(CollectorTest, OnlyPubliclyUpdatableFieldsAreKept) {
  HitOutcome out = Pixel("email=John%40X.com&firstname=John&phone=123&color=blue");
  ASSERT_TRUE(out.event.has_value());
  std::vector<std::pair<std::string, std::string>> expected = {{"email", "john@x.com"},
                                                               {"firstname", "John"}};
  EXPECT_EQ(out.event->fields, expected);
  EXPECT_EQ(counters_.Get("fields_ignored", "not_publicly_updatable"), 1);
  ASSERT_EQ(out.event->properties.size(), 2u);
  EXPECT_EQ(out.event->properties[0].first, "phone");
  EXPECT_EQ(out.event->properties[1].first, "color");
}

TEST_F(CollectorTest, TagsAddAndRemove) {
  HitOutcome out = Pixel("tags=ProductA,-ProductB");
  ASSERT_TRUE(out.event.has_value());
  EXPECT_EQ(out.event->tags_add, std::vector<std::string>{"ProductA"});
  EXPECT_EQ(out.event->tags_remove, std::vector<std::string>{"ProductB"});
}

TEST_F(CollectorTest, UtmIsLiftedFromPageUrlButExplicitWins) {
  HitOutcome out = Pixel(
      "page_url=https%3A%2F%2Fs.example%2Fx%3FUTM_Campaign%3DSpring%26utm_medium%3Demail"
      "&utm_medium=social");
  ASSERT_TRUE(out.event.has_value());
  EXPECT_EQ(out.event->utm.campaign, "Spring");
  EXPECT_EQ(out.event->utm.medium, "social");
}

TEST_F(CollectorTest, DParameterSuppliesPageAndFields) {
  // base64 of a:3:{s:8:"page_url";s:18:"https://s.example/";s:10:"page_title";s:4:"Cool";
  // s:5:"email";s:9:"a@b.local";}
  std::string d =
      "YTozOntzOjg6InBhZ2VfdXJsIjtzOjE4OiJodHRwczovL3MuZXhhbXBsZS8iO3M6MTA6InBhZ2VfdGl0bGUiO3M6"
      "NDoiQ29vbCI7czo1OiJlbWFpbCI7czo5OiJhQGIubG9jYWwiO30=";
  HitOutcome out = Pixel("d=" + d);
  ASSERT_TRUE(out.event.has_value()) << out.problem;
  EXPECT_EQ(out.event->url, "https://s.example/");
  EXPECT_EQ(out.event->title, "Cool");
  ASSERT_EQ(out.event->fields.size(), 1u);
  EXPECT_EQ(out.event->fields[0].second, "a@b.local");
}

TEST_F(CollectorTest, BadDParameterIsAProblemNotAnEvent) {
  HitOutcome out = Pixel("d=eyJqc29uIjp0cnVlfQ==");  // {"json":true}
  EXPECT_FALSE(out.event.has_value());
  EXPECT_FALSE(out.problem.ok());
  EXPECT_EQ(counters_.Get("collect_rejected", "bad_parameters"), 1);
}

TEST_F(CollectorTest, ClientEventIdIsUsedWhenSafe) {
  EXPECT_EQ(Pixel("eid=abc-123").event->id, "abc-123");
  EXPECT_NE(Pixel("eid=a%20b").event->id, "a b");
}

TEST_F(CollectorTest, MtcContactCreatesDeviceOnlyOnce) {
  HitRequest r;
  r.method = "GET";
  r.user_agent = kChrome;
  HitOutcome first = collector_.Handle(Endpoint::kMtcContact, r, ws_);
  ASSERT_TRUE(first.event.has_value());
  EXPECT_EQ(first.event->type, EventType::kDeviceCreated);
  std::string cookie = "mautic_device_id=" + first.device_id;
  r.cookie = cookie;
  HitOutcome second = collector_.Handle(Endpoint::kMtcContact, r, ws_);
  EXPECT_FALSE(second.event.has_value());
  EXPECT_EQ(second.contact_id, first.contact_id);
}

TEST_F(CollectorTest, CustomEventsCarryNameAndJsonProperties) {
  HitOutcome out = Pixel(
      "mt_type=event&event_name=video_play&event_properties=%7B%22video%22%3A%22intro%22%2C%22s%22"
      "%3A12%7D&page_url=x");
  ASSERT_TRUE(out.event.has_value()) << out.problem;
  EXPECT_EQ(out.event->type, EventType::kCustom);
  EXPECT_EQ(out.event->name, "video_play");
  EXPECT_EQ(out.event->properties_json, "{\"video\":\"intro\",\"s\":12}");
}

TEST_F(CollectorTest, CustomEventLimits) {
  EXPECT_FALSE(Pixel("mt_type=event").problem.ok());
  EXPECT_FALSE(Pixel("mt_type=event&event_name=a&event_properties=%5B1%5D").problem.ok());
  EXPECT_FALSE(Pixel("mt_type=event&event_name=a&event_properties=%7Bx").problem.ok());
  std::string deep = "mt_type=event&event_name=a&event_properties=";
  for (int i = 0; i < 10; ++i) deep += "%7B%22a%22%3A";
  deep += "1";
  for (int i = 0; i < 10; ++i) deep += "%7D";
  EXPECT_FALSE(Pixel(deep).problem.ok());
  EXPECT_FALSE(Pixel("mt_type=bogus&page_url=x").problem.ok());
  EXPECT_EQ(counters_.Get("collect_rejected", "bad_custom_event"), 5);
}

TEST(HitParams, RejectsTooManyParameters) {
  std::string q;
  for (int i = 0; i < 200; ++i) q += "k" + std::to_string(i) + "=v&";
  HitRequest r;
  r.query = q;
  EXPECT_FALSE(HitParams(r, {}).ok());
}

TEST(HitParams, BodyOverridesQuery) {
  HitRequest r;
  r.query = "page_title=q";
  r.body = "page_title=b";
  auto p = HitParams(r, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*FindParam(*p, "page_title"), "b");
}

TEST(Cookies, FindsNamedValue) {
  EXPECT_EQ(CookieValue("a=1; mautic_device_id=xyz; b=2", "mautic_device_id"), "xyz");
  EXPECT_EQ(CookieValue("xmautic_device_id=1", "mautic_device_id"), "");
  EXPECT_EQ(CookieValue("", "a"), "");
}

TEST(Cors, ExactAndGlobOrigins) {
  std::vector<std::string> d = {"https://www.example.com", "https://*.shop.example"};
  EXPECT_TRUE(OriginAllowed("https://www.example.com", d));
  EXPECT_TRUE(OriginAllowed("HTTPS://WWW.EXAMPLE.COM", d));
  EXPECT_TRUE(OriginAllowed("https://eu.shop.example", d));
  EXPECT_FALSE(OriginAllowed("http://www.example.com", d));
  EXPECT_FALSE(OriginAllowed("https://www.example.com.evil", d));
  EXPECT_FALSE(OriginAllowed("https://evilshop.example", d));
  EXPECT_FALSE(OriginAllowed("null", d));
  EXPECT_FALSE(OriginAllowed("", d));
}

TEST(IpRanges, V4AndV6) {
  auto net = ParseIpRange("10.0.0.0/8");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(IpInRange("10.1.2.3", *net));
  EXPECT_FALSE(IpInRange("11.1.2.3", *net));
  auto v6 = ParseIpRange("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(IpInRange("2001:db8::1", *v6));
  EXPECT_FALSE(IpInRange("10.1.2.3", *v6));
  EXPECT_FALSE(ParseIpRange("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseIpRange("nope").ok());
}

TEST(UrlHost, ExtractsHost) {
  EXPECT_EQ(UrlHost("https://User@WWW.Example.com:8443/a?b#c"), "www.example.com");
  EXPECT_EQ(UrlHost("example.com"), "example.com");
}

}  // namespace
}  // namespace spoor::collect
