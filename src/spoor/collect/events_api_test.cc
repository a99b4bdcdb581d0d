#include "spoor/collect/events_api.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::collect {
namespace {

using namespace std::string_view_literals;
using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
// 2024-05-01T12:00:00Z.
constexpr int64_t kNow = 1714564800LL * kSecond;

absl::StatusOr<ParsedEvents> Parse(std::string_view body, ApiAuth auth = ApiAuth::kWriteKey,
                                   const EventsApiLimits& limits = {}) {
  return ParseEventsBody(body, auth, kNow, limits);
}

// The single event of `body`; fails the test when parsing fails.
ApiEvent One(std::string_view body, ApiAuth auth = ApiAuth::kWriteKey) {
  auto parsed = Parse(body, auth);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " for " << body;
  if (!parsed.ok() || parsed->events.size() != 1) {
    ADD_FAILURE() << "expected one event";
    return {};
  }
  return parsed->events[0];
}

// The error message, or "OK".
std::string ErrorOf(std::string_view body, ApiAuth auth = ApiAuth::kWriteKey,
                    const EventsApiLimits& limits = {}) {
  auto parsed = Parse(body, auth, limits);
  if (parsed.ok()) return "OK";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

// Builds {"event":"e","properties":<props>}.
std::string WithProperties(std::string_view props) {
  return StrCat(R"({"event":"e","properties":)", props, "}");
}

// `levels` nested objects: {"a":{"a":...{}}}.
std::string Nested(int levels) {
  std::string out;
  for (int i = 0; i < levels; ++i) out += R"({"a":)";
  out += "1";
  for (int i = 0; i < levels; ++i) out += "}";
  return out;
}

std::string TimestampBody(std::string_view timestamp_json) {
  return StrCat(R"({"batch":[{"event":"e","timestamp":)", timestamp_json, "}]}");
}

TEST(EventsApi, SingleEvent) {
  ApiEvent ev = One(R"({
    "event_id": "evt-1", "event": "Signed Up", "type": "custom",
    "timestamp": "2024-05-01T11:00:00Z", "device_id": "dev1", "user_id": "u-42",
    "traits": {"email": "a@example.com", "firstname": "Ann"},
    "properties": {"plan": "pro", "seats": 3},
    "url": "https://example.com/signup", "title": "Sign up", "referrer": "https://r.example",
    "writeKey": "wk_1"})");
  EXPECT_EQ(ev.event_id, "evt-1");
  EXPECT_EQ(ev.name, "Signed Up");
  EXPECT_EQ(ev.type, "custom");
  EXPECT_EQ(ev.timestamp_us, kNow - kHour);
  EXPECT_EQ(ev.device_id, "dev1");
  EXPECT_EQ(ev.user_id, "u-42");
  EXPECT_EQ(ev.traits, (Pairs{{"email", "a@example.com"}, {"firstname", "Ann"}}));
  EXPECT_EQ(ev.properties_json, R"({"plan":"pro","seats":3})");
  EXPECT_EQ(ev.url, "https://example.com/signup");
  EXPECT_EQ(ev.title, "Sign up");
  EXPECT_EQ(ev.referrer, "https://r.example");
  EXPECT_EQ(ev.write_key, "wk_1");
  auto parsed = Parse(R"({"event":"x","writeKey":"wk_1"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->write_key, "wk_1");
}

TEST(EventsApi, Defaults) {
  ApiEvent ev = One(R"({"name":"Ping"})");
  EXPECT_EQ(ev.name, "Ping");
  EXPECT_EQ(ev.type, "custom");
  EXPECT_EQ(ev.timestamp_us, 0);
  EXPECT_EQ(ev.properties_json, "{}");
  EXPECT_TRUE(ev.event_id.empty());
  EXPECT_TRUE(ev.traits.empty());
  EXPECT_TRUE(ev.write_key.empty());
  EXPECT_EQ(One(R"({"event":"e","properties":null,"url":null})").properties_json, "{}");
}

TEST(EventsApi, BatchEnvelope) {
  auto parsed = Parse(R"({"writeKey":"wk_env","sentAt":"2024-05-01T12:00:00Z","batch":[
    {"type":"track","event":"A","messageId":"m1"},
    {"type":"track","event":"B","writeKey":"wk_item"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->write_key, "wk_env");
  ASSERT_EQ(parsed->events.size(), 2u);
  EXPECT_EQ(parsed->events[0].name, "A");
  EXPECT_EQ(parsed->events[0].event_id, "m1");
  EXPECT_EQ(parsed->events[0].write_key, "wk_env");
  EXPECT_EQ(parsed->events[1].name, "B");
  EXPECT_EQ(parsed->events[1].write_key, "wk_item");
}

TEST(EventsApi, TopLevelArray) {
  auto parsed = Parse(R"([{"event":"A"},{"event":"B"},{"event":"C"}])");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->events.size(), 3u);
  EXPECT_EQ(parsed->events[2].name, "C");
  EXPECT_TRUE(parsed->write_key.empty());
  EXPECT_EQ(ErrorOf(R"([{"event":"A"},{"properties":{}}])"), "[1].name: required");
}

TEST(EventsApi, MissingAndEmptyName) {
  EXPECT_EQ(ErrorOf(R"({"properties":{}})"), "name: required");
  EXPECT_EQ(ErrorOf(R"({"event":null})"), "name: required");
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"a"},{"event":"b"},{"userId":"u"}]})"),
            "batch[2].name: required");
  EXPECT_EQ(ErrorOf(R"({"event":""})"), "event: empty");
  EXPECT_EQ(ErrorOf(R"({"name":" \t\n "})"), "name: empty");
  EXPECT_EQ(ErrorOf(R"({"event":42})"), "event: must be a string");
  EXPECT_EQ(One(R"({"event":"  Trimmed \n"})").name, "Trimmed");
  EXPECT_EQ(One(R"({"event":"E","name":"N"})").name, "E");
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":")", std::string(201, 'x'), R"("})")),
            "event: longer than 200 bytes");
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":")", std::string(200, 'x'), R"("})")), "OK");
}

TEST(EventsApi, BatchSize) {
  EventsApiLimits limits;
  limits.max_batch = 2;
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"a"},{"event":"b"}]})", ApiAuth::kWriteKey, limits),
            "OK");
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"a"},{"event":"b"},{"event":"c"}]})", ApiAuth::kWriteKey,
                    limits),
            "batch: more than 2 events");
  EXPECT_EQ(ErrorOf(R"([{"event":"a"},{"event":"b"},{"event":"c"}])", ApiAuth::kWriteKey, limits),
            "body: more than 2 events");
  EXPECT_EQ(ErrorOf(R"({"batch":[]})"), "batch: no events");
  EXPECT_EQ(ErrorOf("[]"), "body: no events");
  EXPECT_EQ(ErrorOf(R"({"batch":{"event":"a"}})"), "batch: must be an array");
  std::string big = "[";
  for (int i = 0; i < 501; ++i) big += (i ? "," : "") + std::string(R"({"event":"a"})");
  big += "]";
  EXPECT_EQ(ErrorOf(big), "body: more than 500 events");
}

TEST(EventsApi, BodyTooLarge) {
  EventsApiLimits limits;
  limits.max_body_bytes = 32;
  std::string body = R"({"event":"e","title":"0123456789"})";
  ASSERT_GT(body.size(), 32u);
  EXPECT_EQ(ErrorOf(body, ApiAuth::kWriteKey, limits), "body: larger than 32 bytes");
  EXPECT_EQ(ErrorOf(std::string(512 * 1024 + 1, ' ')), "body: larger than 524288 bytes");
}

TEST(EventsApi, DepthExceeded) {
  // The properties object is level 0: five levels inside it are allowed.
  EXPECT_EQ(ErrorOf(WithProperties(Nested(6))), "OK");
  EXPECT_EQ(ErrorOf(WithProperties(R"({"a":[[[[[1]]]]]})")), "OK");
  EXPECT_EQ(ErrorOf(WithProperties(Nested(7))), "properties: nested deeper than 5 levels");
  EXPECT_EQ(ErrorOf(WithProperties(R"({"a":[[[[[[1]]]]]]})")),
            "properties: nested deeper than 5 levels");
  EXPECT_EQ(ErrorOf(StrCat(R"({"batch":[)", WithProperties(Nested(7)), "]}")),
            "batch[0].properties: nested deeper than 5 levels");
  EXPECT_EQ(ErrorOf(StrCat(R"({"batch":[)", WithProperties(Nested(10)), "]}")),
            "batch[0].properties: nested deeper than 5 levels");
  // Beyond the parser's hard bound nothing is built at all.
  EXPECT_EQ(ErrorOf(WithProperties(Nested(50))), "body: nested too deeply");
  EXPECT_EQ(ErrorOf(std::string(100000, '[') + std::string(100000, ']')),
            "body: nested too deeply");
}

TEST(EventsApi, TooManyKeys) {
  EventsApiLimits limits;
  limits.max_keys = 4;
  EXPECT_EQ(ErrorOf(WithProperties(R"({"a":1,"b":{"c":2,"d":3}})"), ApiAuth::kWriteKey, limits),
            "OK");
  // Nested keys count too: a, b, c, d, e.
  EXPECT_EQ(
      ErrorOf(WithProperties(R"({"a":1,"b":{"c":2,"d":[{"e":1}]}})"), ApiAuth::kWriteKey, limits),
      "properties: more than 4 keys");
  std::string props = "{";
  for (int i = 0; i < 201; ++i) props += StrCat(i ? "," : "", "\"k", i, "\":", i);
  props += "}";
  EXPECT_EQ(ErrorOf(WithProperties(props)), "properties: more than 200 keys");
}

TEST(EventsApi, PropertiesTooLarge) {
  std::string ok = StrCat(R"({"s":")", std::string(32 * 1024 - 8, 'x'), R"("})");
  ASSERT_EQ(ok.size(), 32u * 1024);
  EXPECT_EQ(ErrorOf(WithProperties(ok)), "OK");
  std::string big = StrCat(R"({"s":")", std::string(32 * 1024 - 7, 'x'), R"("})");
  EXPECT_EQ(ErrorOf(WithProperties(big)), "properties: serialized longer than 32768 bytes");
  // The bound applies to the compact form, not to the client's whitespace.
  std::string spaced = StrCat(R"({ "s" :   ")", std::string(32 * 1024 - 8, 'x'), R"(" })");
  EXPECT_EQ(ErrorOf(WithProperties(spaced)), "OK");
}

TEST(EventsApi, PropertiesKeepJsonTypes) {
  ApiEvent ev = One(WithProperties(
      R"({ "f": 1.5, "i": 10, "n": -3, "big": 18446744073709551615, "e": 1e20, "z": -0.0,
           "arr": [true, false, null, "x"], "o": {}, "q": "say \"hi\"\n\\ \u0001 é" })"));
  EXPECT_EQ(ev.properties_json,
            R"({"f":1.5,"i":10,"n":-3,"big":18446744073709551615,"e":1e+20,"z":-0,)"
            R"("arr":[true,false,null,"x"],"o":{},"q":"say \"hi\"\n\\ \u0001 é"})");
  EXPECT_EQ(ErrorOf(WithProperties(R"({"x":1e400})")), "properties: number out of range");
  EXPECT_EQ(ErrorOf(WithProperties("[1,2]")), "properties: must be an object");
  EXPECT_EQ(ErrorOf(WithProperties(R"("text")")), "properties: must be an object");
}

TEST(EventsApi, TimestampFormats) {
  struct Case {
    std::string_view json;
    int64_t want_us;
  } cases[] = {
      {R"("2024-05-01T12:00:00Z")", kNow},
      {R"("2024-05-01t12:00:00z")", kNow},
      {R"("2024-05-01 12:00:00Z")", kNow},
      {R"("2024-05-01T12:00:00.123+02:00")", 1714557600123000},
      {R"("2024-05-01T12:00:00.5+0130")", kNow - 90 * kMinute + kSecond / 2},
      {R"("2024-05-01T11:59:59.1234567Z")", kNow - kSecond + 123456},
      {R"("2024-04-30T23:59:60Z")", kNow - 12 * kHour - kSecond},
      {"1714564800000", kNow},
      {"1714564799999.5", kNow - 500},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(TimestampBody(c.json));
    ASSERT_TRUE(parsed.ok()) << c.json << ": " << parsed.status();
    EXPECT_EQ(parsed->events[0].timestamp_us, c.want_us) << c.json;
  }
}

TEST(EventsApi, BadTimestamps) {
  constexpr std::string_view kFormat =
      "batch[0].timestamp: not an RFC 3339 date-time or epoch milliseconds";
  for (std::string_view bad :
       {R"("2024-05-01")", R"("2024-05-01T12:00:00")", R"("2024-05-01T12:00Z")",
        R"("2024-13-01T00:00:00Z")", R"("2023-02-29T00:00:00Z")", R"("2024-05-01T24:00:00Z")",
        R"("2024-05-01T12:60:00Z")", R"("2024-05-01T12:00:00.Z")", R"("2024-05-01T12:00:00+2")",
        R"("2024-05-01T12:00:00+24:00")", R"("2024-05-01T12:00:00Z ")", R"("yesterday")",
        R"("1714564800000")", R"("")", "true", R"({"ms":1})", "[1714564800000]"}) {
    EXPECT_EQ(ErrorOf(TimestampBody(bad), ApiAuth::kBearer), kFormat) << bad;
  }
  for (std::string_view bad : {"-1", "0", "1e300", "18446744073709551615", "253402300800000",
                               R"("1969-12-31T23:59:59Z")", R"("0000-01-01T00:00:00Z")"}) {
    EXPECT_EQ(ErrorOf(TimestampBody(bad), ApiAuth::kBearer), "batch[0].timestamp: out of range")
        << bad;
  }
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2024-02-29T00:00:00Z")"), ApiAuth::kBearer), "OK");
}

TEST(EventsApi, Backdating) {
  std::string ts73 = StrCat(kNow / 1000 - 73 * 3600 * 1000);
  EXPECT_EQ(ErrorOf(TimestampBody(ts73), ApiAuth::kWriteKey),
            "batch[0].timestamp: more than 72 hours in the past");
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2024-04-28T11:00:00Z")"), ApiAuth::kWriteKey),
            "batch[0].timestamp: more than 72 hours in the past");
  auto bearer = Parse(TimestampBody(ts73), ApiAuth::kBearer);
  ASSERT_TRUE(bearer.ok()) << bearer.status();
  EXPECT_EQ(bearer->events[0].timestamp_us, kNow - 73 * kHour);
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2010-01-01T00:00:00Z")"), ApiAuth::kBearer), "OK");
  std::string ts71 = StrCat(kNow / 1000 - 71 * 3600 * 1000);
  EXPECT_EQ(ErrorOf(TimestampBody(ts71), ApiAuth::kWriteKey), "OK");
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2024-04-28T12:00:00Z")"), ApiAuth::kWriteKey), "OK");
}

TEST(EventsApi, Future) {
  std::string plus10 = StrCat(kNow / 1000 + 10 * 60 * 1000);
  EXPECT_EQ(ErrorOf(TimestampBody(plus10), ApiAuth::kWriteKey),
            "batch[0].timestamp: more than 5 minutes in the future");
  EXPECT_EQ(ErrorOf(TimestampBody(plus10), ApiAuth::kBearer),
            "batch[0].timestamp: more than 5 minutes in the future");
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2024-05-01T12:04:00Z")"), ApiAuth::kWriteKey), "OK");
  EXPECT_EQ(ErrorOf(TimestampBody(R"("2024-05-01T12:05:01Z")"), ApiAuth::kBearer),
            "batch[0].timestamp: more than 5 minutes in the future");
}

TEST(EventsApi, EventId) {
  EXPECT_EQ(One(R"({"event":"e","event_id":"A-z_0.9:x"})").event_id, "A-z_0.9:x");
  EXPECT_EQ(One(R"({"event":"e","event_id":"0191e5c2-7b1a-7cc0-8a4e-5b8e5a1f2c3d"})").event_id,
            "0191e5c2-7b1a-7cc0-8a4e-5b8e5a1f2c3d");
  EXPECT_EQ(One(StrCat(R"({"event":"e","event_id":")", std::string(64, 'a'), R"("})")).event_id,
            std::string(64, 'a'));
  constexpr std::string_view kRefused = "must be 1 to 64 characters of [A-Za-z0-9._:-]";
  for (std::string_view bad :
       {R"("a b")", R"("a/b")", R"("caf\u00e9")", R"("")", "42", R"("<script>")"}) {
    EXPECT_EQ(ErrorOf(StrCat(R"({"event":"e","event_id":)", bad, "}")),
              StrCat("event_id: ", kRefused))
        << bad;
  }
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":"e","event_id":")", std::string(65, 'a'), R"("})")),
            StrCat("event_id: ", kRefused));
}

TEST(EventsApi, MessageIdAlias) {
  EXPECT_EQ(One(R"({"event":"e","messageId":"ajs-next-1a2b"})").event_id, "ajs-next-1a2b");
  EXPECT_EQ(One(R"({"event":"e","event_id":"mine","messageId":"theirs"})").event_id, "mine");
  EXPECT_EQ(ErrorOf(R"({"event":"e","messageId":"a b"})"),
            "messageId: must be 1 to 64 characters of [A-Za-z0-9._:-]");
}

TEST(EventsApi, DeviceAndUserAliases) {
  EXPECT_EQ(One(R"({"event":"e","anonymousId":"anon-1"})").device_id, "anon-1");
  EXPECT_EQ(One(R"({"event":"e","anonymous_id":"anon-2"})").device_id, "anon-2");
  EXPECT_EQ(One(R"({"event":"e","device_id":"d","anonymousId":"a"})").device_id, "d");
  EXPECT_EQ(One(R"({"event":"e","userId":"u-1"})").user_id, "u-1");
  EXPECT_EQ(One(R"({"event":"e","userId":12345})").user_id, "12345");
  EXPECT_EQ(ErrorOf(R"({"event":"e","userId":1.5})"), "userId: must be a string or an integer");
  EXPECT_EQ(ErrorOf(R"({"event":"e","anonymousId":7})"), "anonymousId: must be a string");
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":"e","device_id":")", std::string(201, 'd'), R"("})")),
            "device_id: longer than 200 bytes");
}

TEST(EventsApi, TraitsFlattening) {
  ApiEvent ev = One(R"({"type":"identify","event":"identify","traits":{
      "email":"a@example.com","firstname":"Ann","age":42,"score":9.5,"vip":true,
      "churned":false,"phone":null}})");
  EXPECT_EQ(ev.type, "identify");
  EXPECT_EQ(ev.traits, (Pairs{{"email", "a@example.com"},
                              {"firstname", "Ann"},
                              {"age", "42"},
                              {"score", "9.5"},
                              {"vip", "true"},
                              {"churned", "false"}}));
  EXPECT_EQ(ErrorOf(R"({"event":"e","traits":{"address":{"city":"Paris"}}})"),
            "traits.address: must be a string, number or bool");
  EXPECT_EQ(ErrorOf(R"({"event":"e","traits":{"tags":["a"]}})"),
            "traits.tags: must be a string, number or bool");
  EXPECT_EQ(ErrorOf(R"({"event":"e","traits":["a"]})"), "traits: must be an object");
  EXPECT_EQ(ErrorOf(R"({"event":"e","traits":{"":"x"}})"), "traits: empty key");
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":"e","traits":{"bio":")", std::string(513, 'b'), R"("}})")),
            "traits.bio: longer than 512 bytes");
}

TEST(EventsApi, Types) {
  EXPECT_EQ(One(R"({"event":"e","type":"page_view"})").type, "page_view");
  EXPECT_EQ(One(R"({"event":"e","type":"page"})").type, "page_view");
  EXPECT_EQ(One(R"({"event":"e","type":"track"})").type, "custom");
  EXPECT_EQ(ErrorOf(R"({"event":"e","type":"alias"})"),
            R"(type: must be "custom", "page_view" or "identify")");
}

TEST(EventsApi, PageFields) {
  ApiEvent ev = One(R"({"event":"e","context":{"page":{"url":"https://a/1","title":"T",
                        "referrer":"https://r"},"ip":"1.2.3.4"}})");
  EXPECT_EQ(ev.url, "https://a/1");
  EXPECT_EQ(ev.title, "T");
  EXPECT_EQ(ev.referrer, "https://r");
  ApiEvent top = One(R"({"event":"e","url":"https://top","context":{"page":{"url":"https://ctx",
                         "title":"Ctx"}}})");
  EXPECT_EQ(top.url, "https://top");
  EXPECT_EQ(top.title, "Ctx");
  EXPECT_EQ(ErrorOf(R"({"event":"e","context":"x"})"), "context: must be an object");
  EXPECT_EQ(ErrorOf(R"({"event":"e","context":{"page":1}})"), "context.page: must be an object");
  EXPECT_EQ(ErrorOf(R"({"event":"e","context":{"page":{"title":1}}})"),
            "context.page.title: must be a string");
  EXPECT_EQ(ErrorOf(StrCat(R"({"event":"e","url":")", std::string(4097, 'u'), R"("})")),
            "url: longer than 4096 bytes");
}

TEST(EventsApi, InvalidJson) {
  for (std::string_view bad :
       {""sv, "{"sv, R"({"event":"e",})"sv, R"({"event":"e"} x)"sv, "nul"sv, R"({'event':'e'})"sv,
        R"({"event":"\uD800"})"sv, "{\"event\":\"a\tb\"}"sv, "{\"event\":\"a\0b\"}"sv}) {
    std::string error = ErrorOf(bad);
    EXPECT_TRUE(StartsWith(error, "body: invalid JSON (")) << bad << " -> " << error;
  }
}

TEST(EventsApi, NonObjectItems) {
  EXPECT_EQ(ErrorOf(R"([{"event":"a"}, 1])"), "[1]: must be an object");
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"a"},"b"]})"), "batch[1]: must be an object");
  EXPECT_EQ(ErrorOf(R"({"batch":[null]})"), "batch[0]: must be an object");
  EXPECT_EQ(ErrorOf(R"("event")"), "body: must be a JSON object or array");
  EXPECT_EQ(ErrorOf("42"), "body: must be a JSON object or array");
  EXPECT_EQ(ErrorOf("null"), "body: must be a JSON object or array");
}

TEST(EventsApi, NulCharacters) {
  EXPECT_EQ(ErrorOf(R"({"event":"a\u0000b"})"), "event: NUL character in a string");
  EXPECT_EQ(ErrorOf(WithProperties(R"({"k":["x","\u0000"]})")),
            "properties: NUL character in a string");
  EXPECT_EQ(ErrorOf(WithProperties(R"({"k\u0000":1})")), "properties: NUL character in a key");
  EXPECT_EQ(ErrorOf(R"({"event":"e","ignored\u0000":1})"), "body: NUL character in a key");
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"e","ignored":{"x":"\u0000"}}]})"),
            "batch[0].ignored: NUL character in a string");
  EXPECT_EQ(ErrorOf(R"({"batch":[{"event":"e"}],"writeKey":"k\u0000"})"),
            "writeKey: NUL character in a string");
}

TEST(EventsApi, InvalidUtf8) {
  // Values are repaired...
  ApiEvent ev = One("{\"event\":\"caf\xff\",\"properties\":{\"t\":\"\xc3(\"}}");
  EXPECT_EQ(ev.name, "caf\xEF\xBF\xBD");
  EXPECT_EQ(ev.properties_json, "{\"t\":\"\xEF\xBF\xBD(\"}");
  EXPECT_TRUE(IsValidUtf8(ev.properties_json));
  ApiEvent traits = One("{\"event\":\"e\",\"traits\":{\"city\":\"Z\xfcrich\"}}");
  EXPECT_EQ(traits.traits, (Pairs{{"city", "Z\xEF\xBF\xBDrich"}}));
  // ...keys are rejected.
  EXPECT_EQ(ErrorOf("{\"event\":\"e\",\"properties\":{\"k\xff\":1}}"),
            "properties: invalid UTF-8 in a key");
  EXPECT_EQ(ErrorOf("{\"event\":\"e\",\"traits\":{\"\xed\xa0\x80\":1}}"),
            "traits: invalid UTF-8 in a key");
  EXPECT_EQ(ErrorOf("{\"batch\":[{\"event\":\"e\",\"\xc0\xaf\":1}]}"),
            "batch[0]: invalid UTF-8 in a key");
  EXPECT_EQ(ErrorOf("{\"batch\":[{\"event\":\"e\"}],\"\xff\":1}"), "body: invalid UTF-8 in a key");
  // A bad byte cannot push an event id past its charset check.
  EXPECT_EQ(ErrorOf("{\"event\":\"e\",\"event_id\":\"a\xff\"}"),
            "event_id: must be 1 to 64 characters of [A-Za-z0-9._:-]");
}

TEST(EventsApi, WriteKeyFromBasicAuth) {
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic d2tfMTIzOg=="), "wk_123");
  EXPECT_EQ(WriteKeyFromBasicAuth("basic   d2tfMTIzOg==  "), "wk_123");
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic d2tfMTIzOg"), "wk_123");  // padding optional
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic d2tfMTIzOnNlY3JldA=="), "wk_123");
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic d2tfMTIz"), "");  // no colon
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic OnB3"), "");      // empty user name
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic !!!!"), "");
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic "), "");
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic"), "");
  EXPECT_EQ(WriteKeyFromBasicAuth("Bearer d2tfMTIzOg=="), "");
  EXPECT_EQ(WriteKeyFromBasicAuth("d2tfMTIzOg=="), "");
  EXPECT_EQ(WriteKeyFromBasicAuth(""), "");
  EXPECT_EQ(WriteKeyFromBasicAuth("Basic AAo6"), "");  // "\0\n:": control characters
}

TEST(EventsApi, BearerToken) {
  EXPECT_EQ(BearerToken("Bearer xyz"), "xyz");
  EXPECT_EQ(BearerToken("bearer  abc.DEF-_~+/=  "), "abc.DEF-_~+/=");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Bearer a b"), "");
  EXPECT_EQ(BearerToken("Basic xyz"), "");
  EXPECT_EQ(BearerToken("Bearerxyz"), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace spoor::collect
