// API credentials and OAuth2 client credentials against a running spoor;
// bearer tokens on the events API.
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

boost::json::object Json(const std::string& s) { return boost::json::parse(s).as_object(); }

class OAuthE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = Json(RunSpoor({"client", "create", "--name", "EJ", "--data", data()}));
    reader_ = Json(RunSpoor({"client", "create", "--name", "Reports", "--scope", "read",
                             "--data", data()}));
    server_ = std::make_unique<SpoorServer>(data());
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }
  std::string Id(const boost::json::object& c) { return std::string(c.at("client_id").as_string()); }
  std::string Secret(const boost::json::object& c) {
    return std::string(c.at("client_secret").as_string());
  }
  HttpResponse Token(const std::string& body) {
    return Send(server_->port(), {"POST", "/oauth/v2/token",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}}, body});
  }
  HttpResponse Events(const std::string& token, const std::string& body) {
    return Send(server_->port(), {"POST", "/api/v1/events",
                                  {{"Authorization", "Bearer " + token},
                                   {"Content-Type", "application/json"},
                                   {"User-Agent", kBrowserUa}},
                                  body});
  }

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
  boost::json::object client_, reader_;
};

TEST_F(OAuthE2E, ClientCredentialsTokenSendsEventsAnyTime) {
  EXPECT_EQ(Id(client_).rfind("cl_", 0), 0u);
  HttpResponse r = Token("grant_type=client_credentials&client_id=" + Id(client_) +
                         "&client_secret=" + Secret(client_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  auto body = Json(r.body);
  EXPECT_EQ(body.at("token_type").as_string(), "bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 3600);
  EXPECT_FALSE(body.contains("refresh_token"));
  std::string token(body.at("access_token").as_string());
  // A bearer token may backdate events beyond the write key's 72 hours.
  HttpResponse sent = Events(token, R"({"event":"vote","user_id":"p-1",
      "timestamp":"2026-01-02T03:04:05Z","traits":{"phone":"+5561999990000"}})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  std::vector<std::string> events;
  WaitFor([&] { return !(events = Export("events", data())).empty(); }, std::chrono::seconds(10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Json(events[0]).at("event_time").as_string(), "2026-01-02T03:04:05.000Z");
  auto contacts = Export("contacts", data());
  ASSERT_EQ(contacts.size(), 1u);
  // A bearer token may set fields that are not publicly updatable.
  EXPECT_EQ(Json(contacts[0]).at("fields").at("phone").as_string(), "+5561999990000");
}

TEST_F(OAuthE2E, TokenErrorsAreRfc6749Json) {
  HttpResponse wrong = Token("grant_type=client_credentials&client_id=" + Id(client_) +
                             "&client_secret=nope");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(Json(wrong.body).at("error").as_string(), "invalid_client");
  HttpResponse unknown = Token("grant_type=client_credentials&client_id=cl_nope&client_secret=x");
  EXPECT_EQ(unknown.body, wrong.body);  // unknown client and wrong secret look the same
  HttpResponse basic = Send(server_->port(),
                            {"POST", "/oauth/v2/token",
                             {{"Authorization", "Basic Y2xfbm9wZTp4"},  // cl_nope:x
                              {"Content-Type", "application/x-www-form-urlencoded"}},
                             "grant_type=client_credentials"});
  EXPECT_EQ(basic.status, 401);
  EXPECT_FALSE(basic.Header("www-authenticate").empty());
  EXPECT_EQ(Json(Token("client_id=x").body).at("error").as_string(), "invalid_request");
  HttpResponse grant = Token("grant_type=password&client_id=" + Id(client_) + "&client_secret=" +
                             Secret(client_));
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(Json(grant.body).at("error").as_string(), "unsupported_grant_type");
}

TEST_F(OAuthE2E, BadRevokedAndReadOnlyTokensCannotWrite) {
  EXPECT_EQ(Events("at_forged", R"({"event":"x"})").status, 401);
  auto read = Json(Token("grant_type=client_credentials&client_id=" + Id(reader_) +
                         "&client_secret=" + Secret(reader_)).body);
  EXPECT_EQ(Events(std::string(read.at("access_token").as_string()), R"({"event":"x"})").status,
            403);
  auto write = Json(Token("grant_type=client_credentials&client_id=" + Id(client_) +
                          "&client_secret=" + Secret(client_)).body);
  std::string token(write.at("access_token").as_string());
  EXPECT_EQ(Events(token, R"({"event":"x"})").status, 200);
  int code = -1;
  RunSpoor({"client", "revoke", Id(client_), "--data", data()}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Events(token, R"({"event":"y"})").status, 401);
  EXPECT_EQ(Token("grant_type=client_credentials&client_id=" + Id(client_) + "&client_secret=" +
                  Secret(client_)).status, 400);
}

TEST_F(OAuthE2E, UsersAreCreatedWithArgon2id) {
  std::string out = RunSpoor({"user", "create", "--email", "Admin@Example.com", "--data", data()});
  auto user = Json(out);
  EXPECT_EQ(user.at("email").as_string(), "admin@example.com");
  EXPECT_GE(user.at("password").as_string().size(), 20u);  // generated, shown once
  int code = 0;
  RunSpoor({"user", "create", "--email", "admin@example.com", "--data", data()}, &code);
  EXPECT_NE(code, 0);
}

}  // namespace
}  // namespace spoor::e2e
