// Push notification tracking (seed 002), its five steps over HTTP against a
// running spoor: app, user mapping, device registration, sends, and the
// public interaction receiver; then the figures, the timelines, consent and
// every 400 the receiver owes.
#include <cstdio>
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

namespace json = boost::json;

json::object Json(const std::string& s) { return json::parse(s).as_object(); }

class PushE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Json(RunSpoor({"client", "create", "--name", "App backend", "--data", data()}));
    server_ = std::make_unique<SpoorServer>(data());
    ASSERT_TRUE(server_->ok()) << server_->log();
    token_ = ClientCredentialsToken(port(), std::string(c.at("client_id").as_string()),
                                    std::string(c.at("client_secret").as_string()));
    ASSERT_FALSE(token_.empty());
  }
  std::string data() const { return dir_.path() + "/data"; }
  int port() const { return server_->port(); }
  HttpResponse Api(const std::string& method, const std::string& target, const std::string& body = "") {
    HttpRequest req{method, target, {{"Authorization", "Bearer " + token_}}, body};
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    return Send(port(), req);
  }
  HttpResponse Interaction(const std::string& body, const std::string& org = "") {
    return Send(port(), {"POST",
                         "/api/v1.0/orgs/" + (org.empty() ? server_->workspace_id() : org) +
                             "/pushdatareceiver/events",
                         {{"Content-Type", "application/json"}}, body});
  }
  static std::string Open(const std::string& tracking, const std::string& token,
                          const std::string& status = "1") {
    return R"({"TrackingId":")" + tracking + R"(","DeviceToken":")" + token +
           R"(","PushNotificationStatus":)" + status + "}";
  }
  std::string NewApp(const std::string& name, const std::string& platform) {
    HttpResponse r = Api("POST", "/api/v1/push/apps", R"({"name":")" + name + R"(","platform":")" + platform + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(Json(r.body).at("id").as_string());
  }
  void Register(const std::string& app, const std::string& body) {
    HttpResponse r = Api("POST", "/api/v1/push/apps/" + app + "/devices", body);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
  std::string token_;
};

TEST_F(PushE2E, FiveStepsFiguresTimelinesAndConsent) {
  // 1. App configuration.
  std::string app = NewApp("Shop", "ios");
  HttpResponse apps = Api("GET", "/api/v1/push/apps");
  ASSERT_EQ(apps.status, 200);
  EXPECT_EQ(Json(apps.body).at("data").as_array().size(), 1u);
  HttpResponse renamed = Api("PATCH", "/api/v1/push/apps/" + app, R"({"name":"Shop app"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Json(renamed.body).at("name").as_string(), "Shop app");

  // 2. User mapping: the app's user id finds or creates the contact.
  HttpResponse ann = Api("POST", "/api/v1/push/apps/" + app + "/users",
                         R"({"user_id":"u-ann","email":"ann@shop.example","consent_tracking":true})");
  ASSERT_EQ(ann.status, 201) << ann.body;
  int64_t ann_id = Json(ann.body).at("contact_id").as_int64();
  HttpResponse again = Api("POST", "/api/v1/push/apps/" + app + "/users", R"({"user_id":"u-ann"})");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again.body).at("contact_id").as_int64(), ann_id);

  // 3. Devices: Ann's phone (consent), Bob's (no consent).
  Register(app, R"({"device_token":"tok-ann","user_id":"u-ann","platform":"ios","locale":"fr-FR","app_version":"2.1"})");
  Register(app, R"({"device_token":"tok-bob","user_id":"u-bob","platform":"android"})");
  HttpResponse devices = Api("GET", "/api/v1/push/apps/" + app + "/devices");
  ASSERT_EQ(devices.status, 200);
  EXPECT_EQ(Json(devices.body).at("data").as_array().size(), 2u);

  // 4. A notification: one send per device, each with its tracking id.
  HttpResponse sent = Api("POST", "/api/v1/push/notifications",
                          R"({"app":")" + app + R"(","title":"Sale","body":"-20%","campaign":"black-friday",
                              "device_tokens":["tok-ann"],"contact_ids":[)" +
                              std::to_string(ann_id) + R"(]})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  json::object n = Json(sent.body);
  ASSERT_EQ(n.at("sends").as_array().size(), 1u) << sent.body;  // the same device named twice
  HttpResponse to_bob = Api("POST", "/api/v1/push/notifications",
                            R"({"app":")" + app + R"(","title":"Sale","device_tokens":["tok-bob"]})");
  ASSERT_EQ(to_bob.status, 201) << to_bob.body;
  ASSERT_EQ(Json(to_bob.body).at("sends").as_array().size(), 1u) << to_bob.body;
  std::string ann_tracking(n.at("sends").as_array()[0].at("tracking_id").as_string());
  std::string bob_tracking(Json(to_bob.body).at("sends").as_array()[0].at("tracking_id").as_string());

  // 5. Interactions, as the seed's samples send them (status as a string too).
  HttpResponse opened = Interaction(Open(ann_tracking, "tok-ann", "\"1\""));
  EXPECT_EQ(opened.status, 202) << opened.body;
  EXPECT_EQ(Interaction(Open(ann_tracking, "tok-ann", "1")).status, 202);  // repeated: stored once
  EXPECT_EQ(Interaction(Open(bob_tracking, "tok-bob", "0")).status, 202);
  EXPECT_EQ(Interaction(Open(bob_tracking, "tok-bob", "1")).status, 202);

  // Figures of Ann's notification and of the app.
  json::object stats;
  ASSERT_TRUE(WaitFor([&] {
    HttpResponse r = Api("GET", "/api/v1/push/notifications/" + std::to_string(n.at("id").as_int64()) + "/stats");
    if (r.status != 200) return false;
    stats = Json(r.body);
    return stats.at("opened").as_int64() == 1;
  }, std::chrono::seconds(5)));
  EXPECT_EQ(stats.at("sent").as_int64(), 1);
  EXPECT_EQ(stats.at("received").as_int64(), 1);
  EXPECT_DOUBLE_EQ(stats.at("open_rate").as_double(), 1.0);
  EXPECT_FALSE(stats.at("median_time_to_open_s").is_null());
  ASSERT_TRUE(WaitFor([&] {
    HttpResponse r = Api("GET", "/api/v1/push/apps/" + app + "/report");
    stats = Json(r.body);
    return r.status == 200 && stats.at("opened").as_int64() == 2;
  }, std::chrono::seconds(5)));
  EXPECT_EQ(stats.at("sent").as_int64(), 2);
  EXPECT_DOUBLE_EQ(stats.at("open_rate").as_double(), 1.0);
  EXPECT_EQ(stats.at("by_platform").at("android").at("opened").as_int64(), 1);
  EXPECT_EQ(stats.at("by_platform").at("ios").at("sent").as_int64(), 1);

  // Consent: Ann's open is on her timeline, once, with the push channel;
  // Bob's (no consent) only in the figures.
  HttpResponse timeline = Api("GET", "/api/contacts/" + std::to_string(ann_id) + "/activity");
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  int pushes = 0;
  const json::object activity = Json(timeline.body);
  for (const json::value& e : activity.at("events").as_array()) {
    if (e.at("event") == "push.interaction") {
      ++pushes;
      EXPECT_EQ(e.at("details").at("channel").as_string(), "Mobile Push Notifications");
    }
  }
  EXPECT_EQ(pushes, 1);
  int bob_pushes = 0;
  for (const std::string& line : Export("events", data())) {
    if (line.find("push_interaction") != std::string::npos &&
        line.find(bob_tracking) != std::string::npos) {
      ++bob_pushes;
    }
  }
  EXPECT_EQ(bob_pushes, 0);

  // Re-registering Bob's token for Ann moves it; unregistering ends it.
  Register(app, R"({"device_token":"tok-bob","user_id":"u-ann","platform":"android"})");
  const json::object listed = Json(Api("GET", "/api/v1/push/apps/" + app + "/devices").body);
  for (const json::value& d : listed.at("data").as_array()) {
    EXPECT_EQ(d.at("contact_id").as_int64(), ann_id) << json::serialize(d);
  }
  EXPECT_EQ(Api("DELETE", "/api/v1/push/apps/" + app + "/devices/tok-bob").status, 200);
  EXPECT_EQ(Api("DELETE", "/api/v1/push/apps/" + app + "/devices/tok-bob").status, 404);
  // A token belongs to one app.
  std::string other = NewApp("Other", "android");
  EXPECT_EQ(Api("POST", "/api/v1/push/apps/" + other + "/devices",
                R"({"device_token":"tok-ann","platform":"android"})").status, 409);
}

TEST_F(PushE2E, EveryWrongInteractionIs400AndStoresNothing) {
  std::string app = NewApp("Shop", "android");
  Register(app, R"({"device_token":"tok-1","platform":"android"})");
  HttpResponse sent = Api("POST", "/api/v1/push/notifications",
                          R"({"app":")" + app + R"(","title":"Hi","device_tokens":["tok-1"]})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  std::string tracking(Json(sent.body).at("sends").as_array()[0].at("tracking_id").as_string());
  std::string other_ws = std::string(
      Json(RunSpoor({"workspace", "create", "--name", "Other", "--data", data()})).at("id").as_string());
  const std::pair<std::string, std::string> bad[] = {
      {Open(tracking, "tok-1"), "00000000-1111-2222-3333-444444444444"},  // unknown org
      {Open(tracking, "tok-1"), other_ws},                               // another org's send
      {Open("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "tok-1"), ""},       // unknown TrackingId
      {Open("00000000-0000-0000-0000-000000000000", "tok-1"), ""},       // all-zero
      {Open(tracking, "tok-2"), ""},                                     // token mismatch
      {Open(tracking, "tok-1", "7"), ""},                                // unknown status
      {Open(tracking, "tok-1", "[1]"), ""},                              // wrong type
      {R"({"TrackingId":")" + tracking + R"(","DeviceToken":"tok-1"})", ""},  // missing field
      {"{not json", ""},
      {"[]", ""},
      {R"({"TrackingId":")" + tracking + R"(","DeviceToken":")" + std::string(20000, 'x') +
           R"(","PushNotificationStatus":1})",
       ""},  // too large
  };
  // Let the new workspace reach the running server.
  ASSERT_TRUE(WaitFor([&] {
    return Interaction(Open(tracking, "tok-1"), other_ws).body.find("unknown_org") == std::string::npos;
  }, std::chrono::seconds(5)));
  for (const auto& [body, org] : bad) {
    HttpResponse r = Interaction(body, org);
    EXPECT_EQ(r.status, 400) << body.substr(0, 120) << " " << r.body;
    EXPECT_TRUE(Json(r.body).at("error").as_object().contains("message")) << r.body;
  }
  HttpResponse get = Send(port(), {"GET", "/api/v1.0/orgs/" + server_->workspace_id() +
                                              "/pushdatareceiver/events", {}, ""});
  EXPECT_EQ(get.status, 405);
  HttpResponse stats = Api("GET", "/api/v1/push/apps/" + app + "/report");
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(Json(stats.body).at("opened").as_int64(), 0);
  EXPECT_EQ(Json(stats.body).at("received").as_int64(), 0);
  // The right one still works.
  EXPECT_EQ(Interaction(Open(tracking, "tok-1")).status, 202);
}

TEST_F(PushE2E, ManagementNeedsAWriteTokenAndItsOwnWorkspace) {
  std::string app = NewApp("Shop", "web");
  auto reader = Json(RunSpoor({"client", "create", "--name", "Reports", "--scope", "read", "--data", data()}));
  std::string read_token = ClientCredentialsToken(
      port(), std::string(reader.at("client_id").as_string()),
      std::string(reader.at("client_secret").as_string()));
  HttpRequest create{"POST", "/api/v1/push/apps", {{"Authorization", "Bearer " + read_token},
                                                   {"Content-Type", "application/json"}},
                     R"({"name":"X","platform":"ios"})"};
  EXPECT_EQ(Send(port(), create).status, 403);
  HttpRequest list{"GET", "/api/v1/push/apps/" + app, {{"Authorization", "Bearer " + read_token}}, ""};
  EXPECT_EQ(Send(port(), list).status, 200);
  EXPECT_EQ(Send(port(), {"GET", "/api/v1/push/apps", {}, ""}).status, 401);
  EXPECT_EQ(Api("GET", "/api/v1/push/apps/not-an-app").status, 404);
  EXPECT_EQ(Api("POST", "/api/v1/push/apps", R"({"name":"X","platform":"symbian"})").status, 400);
  EXPECT_EQ(Api("POST", "/api/v1/push/apps/" + app + "/devices", R"({"platform":"web"})").status, 400);
  EXPECT_EQ(Api("POST", "/api/v1/push/notifications",
                R"({"app":")" + app + R"(","title":"x","device_tokens":["never-registered"]})").status, 400);
}

// Consent given on a site's form counts for the app: the form's contact is
// found again by email when the app maps its user.
TEST_F(PushE2E, ConsentFromAFormLetsOpensJoinTheTimeline) {
  auto form = Json(RunSpoor({"form", "create", "--name", "Newsletter", "--field", "email:email",
                             "--consent", "tracking", "--data", data()}));
  std::string form_id = std::to_string(form.at("id").as_int64());
  HttpResponse sub;
  ASSERT_TRUE(WaitFor([&] {
    sub = Send(port(), {"POST", "/form/submit?formId=" + form_id + "&ajax=1",
                        {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", kBrowserUa}},
                        "mauticform[email]=cleo%40shop.example"});
    return sub.status != 404;
  }, std::chrono::seconds(5)));
  ASSERT_EQ(sub.status, 200) << sub.body;
  int64_t from_form = Json(sub.body).at("id").as_int64();
  std::string app = NewApp("Shop", "ios");
  HttpResponse mapped;
  ASSERT_TRUE(WaitFor([&] {
    mapped = Api("POST", "/api/v1/push/apps/" + app + "/users",
                 R"({"user_id":"u-cleo","email":"cleo@shop.example"})");
    return mapped.status == 200 && Json(mapped.body).at("contact_id").as_int64() == from_form;
  }, std::chrono::seconds(5))) << mapped.body;
  Register(app, R"({"device_token":"tok-cleo","user_id":"u-cleo","platform":"ios"})");
  HttpResponse sent = Api("POST", "/api/v1/push/notifications",
                          R"({"app":")" + app + R"(","title":"Hi","device_tokens":["tok-cleo"]})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  std::string tracking(Json(sent.body).at("sends").as_array()[0].at("tracking_id").as_string());
  ASSERT_EQ(Interaction(Open(tracking, "tok-cleo")).status, 202);
  ASSERT_TRUE(WaitFor([&] {
    HttpResponse r = Api("GET", "/api/contacts/" + std::to_string(from_form) +
                                    "/activity?filters[includeEvents][]=push.interaction");
    return r.status == 200 && Json(r.body).at("total").as_int64() == 1;
  }, std::chrono::seconds(5)));
}

// The Java client shipped for Android apps (JDK 17, java.net.http), compiled
// and run against the live server: an open answers 202, a bad one 400.
TEST_F(PushE2E, JavaClientReportsAnOpen) {
  std::string app = NewApp("Shop", "android");
  Register(app, R"({"device_token":"tok-java","platform":"android"})");
  HttpResponse sent = Api("POST", "/api/v1/push/notifications",
                          R"({"app":")" + app + R"(","title":"Hi","device_tokens":["tok-java"]})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  std::string tracking(Json(sent.body).at("sends").as_array()[0].at("tracking_id").as_string());
  std::string classes = dir_.path() + "/classes";
  std::string compile = std::string(SPOOR_JAVAC) + " -d " + classes + " " + SPOOR_SOURCE_DIR +
                        "/tests/clients/PushInteractionClient.java 2>&1";
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
  auto run = [&](const std::string& token) {
    std::string cmd = std::string(SPOOR_JAVA) + " -cp " + classes + " PushInteractionClient http://127.0.0.1:" +
                      std::to_string(port()) + " " + server_->workspace_id() + " " + tracking + " " +
                      token + " 1 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) out += buf;
    if (p != nullptr) pclose(p);
    return out;
  };
  std::string ok = run("tok-java");
  EXPECT_EQ(ok.substr(0, 4), "202\n") << ok;
  std::string bad = run("someone-else");
  EXPECT_EQ(bad.substr(0, 4), "400\n") << bad;
  EXPECT_NE(bad.find("DeviceToken"), std::string::npos) << bad;
}

}  // namespace
}  // namespace spoor::e2e
