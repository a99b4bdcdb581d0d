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

// The authorization-code flow, driven as a browser and a client app would:
// redirects are followed by hand.
class CodeFlowE2E : public ::testing::Test {
 protected:
  static constexpr char kRedirect[] = "https://app.example/cb?src=spoor";
  // RFC 7636 appendix B.
  static constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  static constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  void SetUp() override { Start({}); }
  void Start(std::vector<std::string> flags) {
    auto user = Json(RunSpoor({"user", "create", "--email", "admin@example.com", "--data", data()}));
    password_ = std::string(user.at("password").as_string());
    app_ = Json(RunSpoor({"client", "create", "--name", "Reports <App>", "--grant",
                          "authorization_code", "--redirect-uri", kRedirect, "--redirect-uri",
                          "https://app.example/other", "--data", data()}));
    spa_ = Json(RunSpoor({"client", "create", "--name", "SPA", "--public", "--redirect-uri",
                          "http://127.0.0.1:9/cb", "--data", data()}));
    server_ = std::make_unique<SpoorServer>(data(), flags);
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }
  int port() const { return server_->port(); }
  std::string Id(const boost::json::object& c) { return std::string(c.at("client_id").as_string()); }
  std::string Secret(const boost::json::object& c) {
    return std::string(c.at("client_secret").as_string());
  }
  HttpResponse Get(const std::string& target, const std::string& session = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!session.empty()) headers.emplace_back("Cookie", "spoor_session=" + session);
    return Send(port(), {"GET", target, headers, ""});
  }
  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::string& cookie = "") {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", "application/x-www-form-urlencoded"}};
    if (!cookie.empty()) headers.emplace_back("Cookie", cookie);
    return Send(port(), {"POST", target, headers, body});
  }
  std::string AuthorizeTarget(const std::string& client, const std::string& extra) {
    return "/oauth/v2/authorize?response_type=code&client_id=" + client + extra;
  }
  // Signs in through /s/login?return=..., as the redirect from authorize
  // asks; returns the session and checks the way back.
  std::string SignIn(const std::string& login_location, const std::string& expect_back) {
    HttpResponse page = Get(login_location);
    EXPECT_EQ(page.status, 200);
    std::string csrf = SetCookieValue(page, "spoor_login_csrf");
    HttpResponse r = Post("/s/login",
                          "csrf=" + csrf + "&email=admin%40example.com&password=" +
                              UrlEncode(password_) + "&return=" +
                              UrlEncode(InputValue(page.body, "return")),
                          "spoor_login_csrf=" + csrf);
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.Header("location"), expect_back);
    return SetCookieValue(r, "spoor_session");
  }
  // Consent page → approve (or deny); returns the redirect.
  HttpResponse Decide(const std::string& target, const std::string& session,
                      const std::string& decision) {
    HttpResponse consent = Get(target, session);
    EXPECT_EQ(consent.status, 200) << consent.body;
    std::string body = "decision=" + decision;
    for (const char* f : {"csrf", "client_id", "response_type", "redirect_uri", "state",
                          "code_challenge", "code_challenge_method"}) {
      std::string v = InputValue(consent.body, f);
      if (!v.empty()) body += std::string("&") + f + "=" + UrlEncode(v);
    }
    return Post("/oauth/v2/authorize", body, "spoor_session=" + session);
  }
  // The whole browser part: returns the code.
  std::string Code(const std::string& target) {
    HttpResponse first = Get(target);
    EXPECT_EQ(first.status, 302);
    std::string session = SignIn(first.Header("location"), target);
    HttpResponse done = Decide(target, session, "approve");
    EXPECT_EQ(done.status, 302) << done.body;
    return QueryValue(done.Header("location"), "code");
  }
  HttpResponse Token(const std::string& body) { return Post("/oauth/v2/token", body); }
  HttpResponse Exchange(const std::string& code, const std::string& redirect = kRedirect) {
    return Token("grant_type=authorization_code&client_id=" + Id(app_) + "&client_secret=" +
                 Secret(app_) + "&code=" + UrlEncode(code) + "&redirect_uri=" +
                 UrlEncode(redirect));
  }
  HttpResponse Refresh(const std::string& refresh) {
    return Token("grant_type=refresh_token&client_id=" + Id(app_) + "&client_secret=" +
                 Secret(app_) + "&refresh_token=" + UrlEncode(refresh));
  }
  int Events(const std::string& token) {
    return Send(port(), {"POST", "/api/v1/events",
                         {{"Authorization", "Bearer " + token},
                          {"Content-Type", "application/json"},
                          {"User-Agent", kBrowserUa}},
                         R"({"event":"signup","user_id":"u-1"})"})
        .status;
  }
  std::string Error(const HttpResponse& r) {
    return std::string(Json(r.body).at("error").as_string());
  }

  TempDir dir_;
  std::string password_;
  boost::json::object app_, spa_;
  std::unique_ptr<SpoorServer> server_;
};

TEST_F(CodeFlowE2E, FullFlowIssuesTokensThatWork) {
  std::string target = AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect) +
                                                     "&state=" + UrlEncode("s t&8"));
  HttpResponse first = Get(target);
  ASSERT_EQ(first.status, 302);
  EXPECT_EQ(first.Header("location"), "/s/login?return=" + UrlEncode(target));
  std::string session = SignIn(first.Header("location"), target);
  HttpResponse consent = Get(target, session);
  ASSERT_EQ(consent.status, 200);
  EXPECT_NE(consent.body.find("Reports &lt;App&gt;"), std::string::npos);  // named, escaped
  EXPECT_EQ(consent.Header("x-frame-options"), "DENY");
  HttpResponse done = Decide(target, session, "approve");
  ASSERT_EQ(done.status, 302) << done.body;
  std::string location = done.Header("location");
  EXPECT_EQ(location.rfind(std::string(kRedirect) + "&code=", 0), 0u) << location;
  EXPECT_EQ(QueryValue(location, "state"), "s t&8");
  HttpResponse token = Exchange(QueryValue(location, "code"));
  ASSERT_EQ(token.status, 200) << token.body;
  auto body = Json(token.body);
  EXPECT_EQ(body.at("token_type").as_string(), "bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 3600);
  EXPECT_EQ(body.at("scope").as_string(), "write");
  EXPECT_FALSE(body.at("refresh_token").as_string().empty());
  EXPECT_EQ(Events(std::string(body.at("access_token").as_string())), 200);
}

TEST_F(CodeFlowE2E, DenyRedirectsWithAccessDeniedAndState) {
  std::string target = AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect) +
                                                     "&state=xyz");
  std::string session = SignIn(Get(target).Header("location"), target);
  HttpResponse denied = Decide(target, session, "deny");
  ASSERT_EQ(denied.status, 302);
  EXPECT_EQ(QueryValue(denied.Header("location"), "error"), "access_denied");
  EXPECT_EQ(QueryValue(denied.Header("location"), "state"), "xyz");
  EXPECT_TRUE(QueryValue(denied.Header("location"), "code").empty());
}

TEST_F(CodeFlowE2E, BadClientOrRedirectUriIsShownNeverRedirected) {
  for (const std::string& target :
       {AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode("https://evil.example/cb")),
        AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(std::string(kRedirect) + "&x=1")),
        AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode("HTTPS://app.example/cb?src=spoor")),
        AuthorizeTarget(Id(app_), ""),  // two registered: one must be named
        AuthorizeTarget("cl_unknown", "&redirect_uri=" + UrlEncode(kRedirect))}) {
    HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_TRUE(r.Header("location").empty()) << target;
    EXPECT_EQ(r.Header("content-type").rfind("text/html", 0), 0u);
  }
  // Once the redirect URI is good, errors go back to it, with the state.
  HttpResponse bad_type = Get("/oauth/v2/authorize?response_type=token&client_id=" + Id(app_) +
                              "&redirect_uri=" + UrlEncode(kRedirect) + "&state=q");
  ASSERT_EQ(bad_type.status, 302);
  EXPECT_EQ(QueryValue(bad_type.Header("location"), "error"), "unsupported_response_type");
  EXPECT_EQ(QueryValue(bad_type.Header("location"), "state"), "q");
  HttpResponse plain = Get(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect) +
                                                         "&code_challenge=" + kVerifier +
                                                         "&code_challenge_method=plain"));
  ASSERT_EQ(plain.status, 302);
  EXPECT_EQ(QueryValue(plain.Header("location"), "error"), "invalid_request");
}

TEST_F(CodeFlowE2E, TokenRequestMustNameTheSameRedirectUri) {
  std::string code =
      Code(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect)));
  HttpResponse other = Exchange(code, "https://app.example/other");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(Error(other), "invalid_grant");
}

TEST_F(CodeFlowE2E, WrongClientSecretIsInvalidClient) {
  std::string code = Code(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect)));
  HttpResponse r = Token("grant_type=authorization_code&client_id=" + Id(app_) +
                         "&client_secret=cs_wrong&code=" + UrlEncode(code) +
                         "&redirect_uri=" + UrlEncode(kRedirect));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Error(r), "invalid_client");
  EXPECT_EQ(Exchange(code).status, 200);  // the code was not spent by the failure
}

TEST_F(CodeFlowE2E, ReusedCodeIsRefusedAndRevokesItsTokens) {
  std::string code = Code(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect)));
  HttpResponse first = Exchange(code);
  ASSERT_EQ(first.status, 200);
  auto tokens = Json(first.body);
  std::string access(tokens.at("access_token").as_string());
  EXPECT_EQ(Events(access), 200);
  HttpResponse again = Exchange(code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(Error(again), "invalid_grant");
  EXPECT_EQ(Events(access), 401);
  EXPECT_EQ(Error(Refresh(std::string(tokens.at("refresh_token").as_string()))), "invalid_grant");
}

TEST_F(CodeFlowE2E, RefreshTokensRotateAndReplayRevokesTheFamily) {
  std::string code = Code(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect)));
  auto first = Json(Exchange(code).body);
  std::string r1(first.at("refresh_token").as_string());
  HttpResponse second = Refresh(r1);
  ASSERT_EQ(second.status, 200) << second.body;
  auto b2 = Json(second.body);
  std::string r2(b2.at("refresh_token").as_string());
  std::string a2(b2.at("access_token").as_string());
  EXPECT_NE(r2, r1);
  EXPECT_EQ(Events(a2), 200);
  HttpResponse third = Refresh(r2);  // the new one works, once
  ASSERT_EQ(third.status, 200);
  auto b3 = Json(third.body);
  std::string a3(b3.at("access_token").as_string());
  std::string r3(b3.at("refresh_token").as_string());
  EXPECT_EQ(Error(Refresh(r2)), "invalid_grant");  // rotated: a replay
  // The replay revoked the whole family, the newest tokens too.
  EXPECT_EQ(Error(Refresh(r3)), "invalid_grant");
  EXPECT_EQ(Events(a3), 401);
  EXPECT_EQ(Error(Refresh("rt_unknown")), "invalid_grant");
}

TEST_F(CodeFlowE2E, PublicClientsMustUsePkce) {
  const std::string spa_redirect = "http://127.0.0.1:9/cb";
  EXPECT_TRUE(spa_.at("client_secret").is_null());
  // Without a code_challenge: an error sent back to the (registered) app.
  HttpResponse without = Get(AuthorizeTarget(Id(spa_), "&state=z"));
  ASSERT_EQ(without.status, 302);
  EXPECT_EQ(without.Header("location").rfind(spa_redirect + "?error=invalid_request", 0), 0u)
      << without.Header("location");
  std::string pkce = std::string("&code_challenge=") + kChallenge + "&code_challenge_method=S256";
  std::string code = Code(AuthorizeTarget(Id(spa_), pkce));
  auto exchange = [&](const std::string& code_value, const std::string& verifier) {
    std::string body = "grant_type=authorization_code&client_id=" + Id(spa_) +
                       "&code=" + UrlEncode(code_value);
    if (!verifier.empty()) body += "&code_verifier=" + verifier;
    return Token(body);
  };
  HttpResponse missing = exchange(code, "");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Error(missing), "invalid_request");
  std::string code2 = Code(AuthorizeTarget(Id(spa_), pkce));
  HttpResponse wrong = exchange(code2, std::string(kVerifier).replace(0, 1, "e"));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(Error(wrong), "invalid_grant");
  std::string code3 = Code(AuthorizeTarget(Id(spa_), pkce));
  HttpResponse right = exchange(code3, kVerifier);
  ASSERT_EQ(right.status, 200) << right.body;
  EXPECT_TRUE(Json(right.body).contains("refresh_token"));
  // A public client has no secret to use client_credentials with.
  HttpResponse cc = Token("grant_type=client_credentials&client_id=" + Id(spa_));
  EXPECT_EQ(cc.status, 400);
}

class ShortTokensE2E : public CodeFlowE2E {
 protected:
  void SetUp() override { Start({"--access-token-lifetime", "1"}); }
};

TEST_F(ShortTokensE2E, AccessTokensExpire) {
  std::string code = Code(AuthorizeTarget(Id(app_), "&redirect_uri=" + UrlEncode(kRedirect)));
  auto tokens = Json(Exchange(code).body);
  EXPECT_EQ(tokens.at("expires_in").as_int64(), 1);
  std::string access(tokens.at("access_token").as_string());
  auto contacts = [&] {
    return Send(port(), {"GET", "/api/contacts", {{"Authorization", "Bearer " + access}}, ""});
  };
  EXPECT_NE(contacts().status, 401);
  ASSERT_TRUE(WaitFor([&] { return contacts().status == 401; }, std::chrono::seconds(5)));
  EXPECT_NE(contacts().body.find("expired"), std::string::npos);
  // A refresh still works after the access token expired.
  EXPECT_EQ(Refresh(std::string(tokens.at("refresh_token").as_string())).status, 200);
}

}  // namespace
}  // namespace spoor::e2e
