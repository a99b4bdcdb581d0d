// The participation platform's flow (seed 004), end to end over HTTPS: an
// admin makes API credentials with a redirect URI; the platform runs the
// authorization-code flow against a live spoor; then every participant who
// votes becomes an anonymous contact carrying a phone number, through
// Mautic's /api/contacts/new. Also the server-to-server client credentials
// flow and the refresh of an expiring token.
#include <set>
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

namespace json = boost::json;

json::object Json(const std::string& s) { return json::parse(s).as_object(); }

constexpr char kRedirect[] = "https://ej.example/mautic/callback";

class Seed004E2E : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.path() + "/tls.crt";
    std::string key = dir_.path() + "/tls.key";
    int code = -1;
    RunSpoor({"tls", "self-signed", "--cert", cert_, "--key", key}, &code);
    ASSERT_EQ(code, 0);
    auto admin = Json(RunSpoor({"user", "create", "--email", "admin@ej.example", "--data", data()}));
    password_ = std::string(admin.at("password").as_string());
    // Settings > API credentials: a name and a redirect URI give an id and a secret.
    ej_ = Json(RunSpoor({"client", "create", "--name", "EJ", "--grant", "authorization_code",
                         "--redirect-uri", kRedirect, "--data", data()}));
    server_ = std::make_unique<SpoorServer>(
        data(), std::vector<std::string>{"--tls-cert", cert_, "--tls-key", key});
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }
  HttpResponse Https(const std::string& method, const std::string& target,
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     const std::string& body = "") {
    // Verified against the server's own certificate: a real TLS client.
    return SendTls(server_->port(), {method, target, std::move(headers), body}, cert_);
  }
  HttpResponse Form(const std::string& target, const std::string& body, const std::string& cookie = "") {
    std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!cookie.empty()) h.emplace_back("Cookie", cookie);
    return Https("POST", target, h, body);
  }
  std::string Id() const { return std::string(ej_.at("client_id").as_string()); }
  std::string Secret() const { return std::string(ej_.at("client_secret").as_string()); }

  // The admin, in a browser, authorizes the platform; returns the code.
  std::string Authorize(const std::string& state) {
    std::string target = "/oauth/v2/authorize?client_id=" + Id() +
                         "&grant_type=authorization_code&response_type=code&redirect_uri=" +
                         UrlEncode(kRedirect) + "&state=" + state;
    HttpResponse first = Https("GET", target);
    EXPECT_EQ(first.status, 302) << first.body;
    HttpResponse page = Https("GET", first.Header("location"));
    EXPECT_EQ(page.status, 200);
    std::string csrf = SetCookieValue(page, "spoor_login_csrf");
    HttpResponse login = Form("/s/login",
                              "csrf=" + csrf + "&email=admin%40ej.example&password=" +
                                  UrlEncode(password_) + "&return=" +
                                  UrlEncode(InputValue(page.body, "return")),
                              "spoor_login_csrf=" + csrf);
    EXPECT_EQ(login.status, 303) << login.body;
    // Over HTTPS the session cookie is Secure.
    std::string set_cookie;
    for (const std::string& c : login.Headers("set-cookie")) {
      if (c.rfind("spoor_session=", 0) == 0) set_cookie = c;
    }
    EXPECT_NE(set_cookie.find("Secure"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
    std::string session = SetCookieValue(login, "spoor_session");
    HttpResponse consent = Https("GET", login.Header("location"), {{"Cookie", "spoor_session=" + session}});
    EXPECT_EQ(consent.status, 200) << consent.body;
    EXPECT_NE(consent.body.find("EJ"), std::string::npos);
    std::string body = "decision=approve";
    for (const char* f : {"csrf", "client_id", "response_type", "redirect_uri", "state"}) {
      std::string v = InputValue(consent.body, f);
      if (!v.empty()) body += std::string("&") + f + "=" + UrlEncode(v);
    }
    HttpResponse done = Form("/oauth/v2/authorize", body, "spoor_session=" + session);
    EXPECT_EQ(done.status, 302) << done.body;
    std::string location = done.Header("location");
    EXPECT_EQ(location.rfind(std::string(kRedirect) + "?", 0), 0u) << location;
    EXPECT_EQ(QueryValue(location, "state"), state);
    return QueryValue(location, "code");
  }

  TempDir dir_;
  std::string cert_, password_;
  json::object ej_;
  std::unique_ptr<SpoorServer> server_;
};

TEST_F(Seed004E2E, AuthorizedPlatformCreatesAHundredAnonymousParticipants) {
  std::string code = Authorize("xyz-123");
  ASSERT_FALSE(code.empty());
  // The platform's server exchanges the code, as Mautic's api-library does.
  HttpResponse token = Form("/oauth/v2/token",
                            "grant_type=authorization_code&client_id=" + Id() + "&client_secret=" +
                                UrlEncode(Secret()) + "&code=" + UrlEncode(code) +
                                "&redirect_uri=" + UrlEncode(kRedirect));
  ASSERT_EQ(token.status, 200) << token.body;
  json::object t = Json(token.body);
  std::string access(t.at("access_token").as_string());
  std::string refresh(t.at("refresh_token").as_string());
  EXPECT_EQ(t.at("expires_in").as_int64(), 3600);

  auto api = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> h{{"Authorization", "Bearer " + access}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return Https(method, target, h, body);
  };
  // Every participant who votes: an anonymous contact with a phone number.
  std::set<int64_t> ids;
  std::set<std::string> phones;
  for (int i = 0; i < 100; ++i) {
    std::string phone = "+55619" + std::to_string(80000000 + i);
    phones.insert(phone);
    HttpResponse r = api("POST", "/api/contacts/new",
                         R"({"phone":")" + phone + R"(","tags":["ej-participant"]})");
    ASSERT_EQ(r.status, 201) << i << " " << r.body;
    json::object c = Json(r.body).at("contact").as_object();
    EXPECT_TRUE(c.at("dateIdentified").is_null());  // anonymous: no identifier
    ids.insert(c.at("id").as_int64());
  }
  EXPECT_EQ(ids.size(), 100u);

  // Listed back, in two pages.
  std::set<int64_t> listed;
  for (int start : {0, 60}) {
    HttpResponse page = api("GET", "/api/contacts?search=is:anonymous&orderBy=id&limit=60&start=" +
                                       std::to_string(start));
    ASSERT_EQ(page.status, 200) << page.body;
    json::object body = Json(page.body);
    EXPECT_EQ(body.at("total").as_string(), "100");
    for (const auto& kv : body.at("contacts").as_object()) {
      const json::object& all = kv.value().as_object().at("fields").as_object().at("all").as_object();
      EXPECT_EQ(phones.count(std::string(all.at("phone").as_string())), 1u);
      listed.insert(std::stoll(std::string(kv.key())));
    }
  }
  EXPECT_EQ(listed, ids);

  // Each one is in the operator's export.
  std::set<int64_t> exported;
  for (const std::string& line : Export("contacts", data())) {
    json::object c = Json(line);
    if (c.contains("fields") && c.at("fields").as_object().contains("phone")) {
      exported.insert(c.at("id").as_int64());
    }
  }
  EXPECT_EQ(exported, ids);

  // An expiring token is refreshed; the new one works, the old refresh token is spent.
  HttpResponse renewed = Form("/oauth/v2/token", "grant_type=refresh_token&client_id=" + Id() +
                                                     "&client_secret=" + UrlEncode(Secret()) +
                                                     "&refresh_token=" + UrlEncode(refresh));
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  access = std::string(Json(renewed.body).at("access_token").as_string());
  EXPECT_EQ(api("GET", "/api/contacts?limit=1").status, 200);
  EXPECT_EQ(Form("/oauth/v2/token", "grant_type=refresh_token&client_id=" + Id() + "&client_secret=" +
                                        UrlEncode(Secret()) + "&refresh_token=" + UrlEncode(refresh))
                .status,
            400);
}

TEST_F(Seed004E2E, ServerToServerWithClientCredentials) {
  auto s2s = Json(RunSpoor({"client", "create", "--name", "EJ worker", "--data", data()}));
  HttpResponse token = Form("/oauth/v2/token",
                            "grant_type=client_credentials&client_id=" +
                                std::string(s2s.at("client_id").as_string()) + "&client_secret=" +
                                UrlEncode(std::string(s2s.at("client_secret").as_string())));
  ASSERT_EQ(token.status, 200) << token.body;
  std::string access(Json(token.body).at("access_token").as_string());
  HttpResponse created = Https("POST", "/api/contacts/new",
                               {{"Authorization", "Bearer " + access}, {"Content-Type", "application/json"}},
                               R"({"phone":"+5561999990000","email":"voter@ej.example"})");
  ASSERT_EQ(created.status, 201) << created.body;
  HttpResponse again = Https("POST", "/api/contacts/new",
                             {{"Authorization", "Bearer " + access}, {"Content-Type", "application/json"}},
                             R"({"email":"VOTER@ej.example","firstname":"Ana"})");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again.body).at("contact").as_object().at("id"),
            Json(created.body).at("contact").as_object().at("id"));
  // Plain HTTP is not served on the HTTPS port.
  EXPECT_EQ(Send(server_->port(), {"GET", "/healthz", {}, ""}).status, 0);
}

}  // namespace
}  // namespace spoor::e2e
