// Who is who, against a running spoor: forms and their three answers, the
// mobile recipe (form once, then screens with the same cookie), the events
// API, tracked links with signed contact tokens, merges and unmerge.
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

constexpr char kAppUa[] = "ShopApp/2.3 (iPhone; iOS 17.1; Scale/3.00)";

boost::json::object Json(const std::string& s) { return boost::json::parse(s).as_object(); }

std::string Cookie(const HttpResponse& r, const std::string& name) {
  for (const std::string& c : r.Headers("set-cookie")) {
    if (c.rfind(name + "=", 0) == 0) return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
  }
  return "";
}


class IdentityE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    RunSpoor({"workspace", "domains", "add", "https://www.example.com", "--data", data()});
    auto form = Json(RunSpoor({"form", "create", "--name", "Newsletter", "--field",
                               "email:required", "--field", "firstname", "--tag", "newsletter",
                               "--consent", "tracking", "--data", data()}));
    form_id_ = std::to_string(form.at("id").as_int64());
    auto ws = Json(RunSpoor({"workspace", "show", "--data", data()}));
    write_key_ = std::string(ws.at("write_key").as_string());
    server_ = std::make_unique<SpoorServer>(data());
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }

  HttpResponse Post(const std::string& target, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> h = {},
                    const std::string& type = "application/x-www-form-urlencoded") {
    h.emplace_back("User-Agent", kBrowserUa);
    h.emplace_back("Content-Type", type);
    return Send(server_->port(), {"POST", target, h, body});
  }
  HttpResponse Get(const std::string& target, std::vector<std::pair<std::string, std::string>> h = {},
                   const char* ua = kBrowserUa) {
    h.emplace_back("User-Agent", ua);
    return Send(server_->port(), {"GET", target, h, ""});
  }
  boost::json::object Contact(const std::string& id) {
    return Json(RunSpoor({"contact", "show", id, "--data", data()}));
  }
  // Waits until the contact's timeline has `n` entries.
  boost::json::object ContactWithTimeline(const std::string& id, size_t n) {
    boost::json::object c;
    WaitFor([&] {
      std::string out = RunSpoor({"contact", "show", id, "--data", data()});
      if (out.empty()) return false;
      c = Json(out);
      return c.at("timeline").as_array().size() >= n;
    }, std::chrono::seconds(10));
    return c;
  }

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
  std::string form_id_, write_key_;
};

TEST_F(IdentityE2E, FormAnswersJsonWithAjax) {
  HttpResponse r = Post("/form/submit?formId=" + form_id_ + "&ajax=1",
                        "mauticform[email]=Ann%40X.com&mauticform[firstname]=Ann");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Json(r.body);
  EXPECT_EQ(body.at("success").as_int64(), 1);
  EXPECT_EQ(body.at("results").at("email").as_string(), "ann@x.com");
  std::string id = std::to_string(body.at("id").as_int64());
  EXPECT_EQ(Cookie(r, "mtc_id"), id);
  auto c = ContactWithTimeline(id, 1);
  EXPECT_EQ(c.at("fields").at("email").as_string(), "ann@x.com");
  EXPECT_EQ(c.at("fields").at("consent_tracking").as_string(), "1");
  EXPECT_EQ(c.at("tags").as_array().at(0).as_string(), "newsletter");
  EXPECT_EQ(c.at("timeline").as_array().at(0).at("type").as_string(), "form_submit");
}

TEST_F(IdentityE2E, FormValidationErrorsComeBackPerField) {
  HttpResponse r = Post("/form/submit?formId=" + form_id_ + "&ajax=1", "mauticform[email]=nope");
  EXPECT_EQ(r.status, 400);
  auto errors = Json(r.body).at("validationErrors").as_object();
  EXPECT_TRUE(errors.contains("email"));
  HttpResponse missing = Post("/form/submit?formId=" + form_id_, "firstname=%3Cb%3EAnn");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("email is required"), std::string::npos);
  EXPECT_EQ(missing.body.find("<b>Ann"), std::string::npos);
  EXPECT_EQ(Post("/form/submit?formId=999&ajax=1", "email=a%40b.c").status, 404);
  EXPECT_EQ(Get("/form/submit?formId=" + form_id_).status, 405);
}

TEST_F(IdentityE2E, FormRedirectsOnlyToAllowedDomains) {
  HttpResponse ok = Post("/form/submit?formId=" + form_id_,
                         "email=b%40x.com&mauticform[return]=https%3A%2F%2Fwww.example.com%2Fthanks");
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(ok.Header("location"), "https://www.example.com/thanks");
  HttpResponse evil = Post("/form/submit?formId=" + form_id_,
                           "email=c%40x.com&mauticform[return]=https%3A%2F%2Fevil.example%2F");
  EXPECT_EQ(evil.status, 200);
  EXPECT_EQ(evil.Header("location"), "");
  EXPECT_NE(evil.body.find("Thank you."), std::string::npos);
}

TEST_F(IdentityE2E, FormAcceptsJson) {
  HttpResponse r = Post("/form/submit?formId=" + form_id_ + "&ajax=1",
                        R"({"mauticform":{"email":"d@x.com","firstname":"Dee"}})", {},
                        "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).at("results").at("firstname").as_string(), "Dee");
}

TEST_F(IdentityE2E, FormSubmitDeanonymizesEarlierVisits) {
  HttpResponse visit = Get("/mtracking.gif?page_url=https%3A%2F%2Fwww.example.com%2Fpricing");
  std::string cookie = "mautic_device_id=" + Cookie(visit, "mautic_device_id");
  std::string anon = Cookie(visit, "mtc_id");
  // A known contact with that email already exists (created through another device).
  Post("/form/submit?formId=" + form_id_ + "&ajax=1", "email=erin%40x.com");
  HttpResponse known = Post("/form/submit?formId=" + form_id_ + "&ajax=1", "email=erin%40x.com",
                            {{"Cookie", cookie}});
  ASSERT_EQ(known.status, 200);
  auto c = ContactWithTimeline(anon, 3);
  EXPECT_EQ(c.at("fields").at("email").as_string(), "erin@x.com");
  EXPECT_NE(std::to_string(c.at("id").as_int64()), anon);  // the anonymous one joined erin
  EXPECT_EQ(c.at("merges").as_array().size(), 1u);
  // Unmerge through the CLI restores both.
  int code = -1;
  RunSpoor({"contacts", "unmerge", anon, "--data", data()}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(std::to_string(Contact(anon).at("id").as_int64()), anon);
}

TEST_F(IdentityE2E, MobileRecipeFormThenScreensWithTheSameCookie) {
  // The app posts the form once and keeps the cookie (a cookie jar) ...
  HttpResponse form = Send(server_->port(),
                           {"POST", "/form/submit?formId=" + form_id_,
                            {{"User-Agent", kAppUa},
                             {"Content-Type", "application/x-www-form-urlencoded"}},
                            "mauticform[email]=myemail%40somewhere.com"});
  ASSERT_EQ(form.status, 200);
  std::string jar = "mautic_device_id=" + Cookie(form, "mautic_device_id") +
                    "; mtc_id=" + Cookie(form, "mtc_id");
  // ... then sends one pixel per screen, reusing it.
  for (const char* screen : {"home_screen", "cart_screen", "checkout_screen"}) {
    HttpResponse r = Get(std::string("/mtracking.gif?page_url=") + screen +
                             "&email=myemail%40somewhere.com",
                         {{"Cookie", jar}}, kAppUa);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.size(), 43u);
  }
  auto c = ContactWithTimeline(Cookie(form, "mtc_id"), 4);
  auto timeline = c.at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 4u);
  EXPECT_EQ(timeline[0].at("url").as_string(), "checkout_screen");
  EXPECT_EQ(timeline[2].at("url").as_string(), "home_screen");
  EXPECT_EQ(timeline[3].at("type").as_string(), "form_submit");
  EXPECT_EQ(c.at("devices").as_array().size(), 1u);
}

TEST_F(IdentityE2E, EventsApiWithWriteKey) {
  std::string auth = "Basic " + Base64(write_key_ + ":");
  std::string body = R"({"batch":[
    {"event":"signup","event_id":"evt-1","user_id":"u-42","traits":{"email":"fay@x.com"},
     "properties":{"plan":"pro","seats":3,"tags":["a","b"]}},
    {"event":"upgrade","event_id":"evt-2","user_id":"u-42","properties":{"from":"pro"}}]})";
  HttpResponse r = Post("/api/v1/events", body, {{"Authorization", auth}}, "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).at("accepted").as_int64(), 2);
  // The same event ids again: stored once.
  EXPECT_EQ(Post("/api/v1/events", body, {{"Authorization", auth}}, "application/json").status, 200);
  std::vector<std::string> events;
  WaitFor([&] { return (events = Export("events", data())).size() >= 2; }, std::chrono::seconds(10));
  ASSERT_EQ(events.size(), 2u);
  auto e = Json(events[0]);
  EXPECT_EQ(e.at("type").as_string(), "custom");
  EXPECT_EQ(e.at("name").as_string(), "signup");
  EXPECT_EQ(e.at("properties").at("seats").as_int64(), 3);
  EXPECT_EQ(Json(events[1]).at("contact_id"), e.at("contact_id"));
  EXPECT_EQ(Contact(std::to_string(e.at("contact_id").as_int64())).at("fields").at("email").as_string(),
            "fay@x.com");
}

TEST_F(IdentityE2E, EventsApiRejectsBadKeysAndBadBodiesWholly) {
  std::string ok = R"({"event":"x"})";
  EXPECT_EQ(Post("/api/v1/events", ok, {}, "application/json").status, 401);
  EXPECT_EQ(Post("/api/v1/events", ok, {{"Authorization", "Basic " + Base64("wk_nope:")}},
                 "application/json").status, 401);
  std::string auth = "Basic " + Base64(write_key_ + ":");
  HttpResponse partial = Post("/api/v1/events", R"([{"event":"good"},{"name":""}])",
                              {{"Authorization", auth}}, "application/json");
  EXPECT_EQ(partial.status, 400);
  EXPECT_NE(Json(partial.body).at("error").at("message").as_string().find("[1]"), std::string::npos);
  HttpResponse old = Post("/api/v1/events", R"({"event":"x","timestamp":"2001-01-01T00:00:00Z"})",
                          {{"Authorization", auth}}, "application/json");
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(Post("/api/v1/events", "{not json", {{"Authorization", auth}}, "application/json").status,
            400);
  // writeKey in the body works too.
  EXPECT_EQ(Post("/api/v1/events", R"({"writeKey":")" + write_key_ + R"(","batch":[{"event":"y"}]})",
                 {}, "application/json").status, 200);
  std::vector<std::string> events;
  WaitFor([&] { return !(events = Export("events", data())).empty(); }, std::chrono::seconds(10));
  ASSERT_EQ(events.size(), 1u);  // nothing of the rejected requests was stored
  EXPECT_EQ(Json(events[0]).at("name").as_string(), "y");
}

TEST_F(IdentityE2E, TrackedLinksRedirectAndIdentifyBySignedToken) {
  server_->Stop();
  RunSpoor({"workspace", "set", "track_by_tracking_url", "on", "--data", data()});
  server_ = std::make_unique<SpoorServer>(data());
  ASSERT_TRUE(server_->ok());
  HttpResponse form = Post("/form/submit?formId=" + form_id_ + "&ajax=1", "email=gil%40x.com");
  std::string gil = Cookie(form, "mtc_id");
  auto link = Json(RunSpoor({"link", "create", "--url", "https://www.example.com/offer?x=1",
                             "--contact", gil, "--data", data()}));
  std::string path(link.at("path_for_contact").as_string());
  WaitFor([&] { return Get(path).status == 302; }, std::chrono::seconds(5));  // config reload
  HttpResponse click = Get(path);
  ASSERT_EQ(click.status, 302);
  EXPECT_EQ(click.Header("location"), "https://www.example.com/offer?x=1");
  EXPECT_EQ(Cookie(click, "mtc_id"), gil);
  // A modified token never identifies.
  std::string tampered = path;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  HttpResponse bad = Get(tampered);
  EXPECT_EQ(bad.status, 302);
  EXPECT_NE(Cookie(bad, "mtc_id"), gil);
  // Extra parameters never change where a link goes.
  HttpResponse redirect = Get(std::string(link.at("path").as_string()) +
                              "?url=https%3A%2F%2Fevil.example%2F");
  EXPECT_EQ(redirect.Header("location"), "https://www.example.com/offer?x=1");
  EXPECT_EQ(Get("/r/doesnotexist").status, 404);
}

}  // namespace
}  // namespace spoor::e2e
