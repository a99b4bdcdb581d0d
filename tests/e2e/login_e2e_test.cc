// Sign-in at /s/login against a running spoor: the session cookie, CSRF,
// identical answers for unknown users and wrong passwords, the rate limit,
// sign-out, and signed-in users not being tracked.
#include <boost/json.hpp>
#include <string>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

class LoginE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto user = boost::json::parse(
                    RunSpoor({"user", "create", "--email", "admin@example.com", "--data", data()}))
                    .as_object();
    password_ = std::string(user.at("password").as_string());
    server_ = std::make_unique<SpoorServer>(data());
    ASSERT_TRUE(server_->ok()) << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }
  int port() const { return server_->port(); }
  // GET /s/login: the pre-session CSRF cookie (the form echoes it).
  std::string LoginCsrf() {
    HttpResponse page = Send(port(), {"GET", "/s/login", {}, ""});
    EXPECT_EQ(page.status, 200);
    std::string csrf = SetCookieValue(page, "spoor_login_csrf");
    EXPECT_FALSE(csrf.empty());
    EXPECT_EQ(InputValue(page.body, "csrf"), csrf);
    return csrf;
  }
  HttpResponse PostLogin(const std::string& csrf_cookie, const std::string& body) {
    return Send(port(), {"POST",
                         "/s/login",
                         {{"Cookie", "spoor_login_csrf=" + csrf_cookie},
                          {"Content-Type", "application/x-www-form-urlencoded"}},
                         body});
  }
  HttpResponse Login(const std::string& email, const std::string& password,
                     const std::string& back = "") {
    std::string csrf = LoginCsrf();
    return PostLogin(csrf, "csrf=" + csrf + "&email=" + UrlEncode(email) +
                               "&password=" + UrlEncode(password) + "&return=" + UrlEncode(back));
  }
  std::string Session() {
    HttpResponse r = Login("admin@example.com", password_);
    EXPECT_EQ(r.status, 303) << r.body;
    return SetCookieValue(r, "spoor_session");
  }

  TempDir dir_;
  std::string password_;
  std::unique_ptr<SpoorServer> server_;
};

TEST_F(LoginE2E, SuccessSetsAnHttpOnlyLaxSessionCookie) {
  HttpResponse r = Login("Admin@Example.com", password_, "/s/?tab=1");
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Header("location"), "/s/?tab=1");
  std::string cookie = SetCookieHeader(r, "spoor_session");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/;"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;  // plain HTTP
  std::string token = SetCookieValue(r, "spoor_session");
  EXPECT_GE(token.size(), 40u);
  HttpResponse home = Send(port(), {"GET", "/s/", {{"Cookie", "spoor_session=" + token}}, ""});
  EXPECT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("admin@example.com"), std::string::npos);
  EXPECT_FALSE(home.Header("content-security-policy").empty());
  HttpResponse anonymous = Send(port(), {"GET", "/s/", {}, ""});
  EXPECT_EQ(anonymous.status, 302);
  EXPECT_EQ(anonymous.Header("location").rfind("/s/login", 0), 0u);
}

TEST_F(LoginE2E, ReturnGoesOnlyToLocalPaths) {
  for (const char* evil :
       {"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"}) {
    HttpResponse r = Login("admin@example.com", password_, evil);
    ASSERT_EQ(r.status, 303) << evil;
    EXPECT_EQ(r.Header("location"), "/s/") << evil;
  }
}

TEST_F(LoginE2E, UnknownUserAndWrongPasswordAnswerAlike) {
  std::string csrf = LoginCsrf();
  HttpResponse wrong = PostLogin(csrf, "csrf=" + csrf + "&email=admin%40example.com&password=no");
  HttpResponse unknown =
      PostLogin(csrf, "csrf=" + csrf + "&email=nobody%40example.com&password=no");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.Headers("set-cookie"), wrong.Headers("set-cookie"));
  EXPECT_TRUE(SetCookieValue(wrong, "spoor_session").empty());
}

TEST_F(LoginE2E, RepeatedFailuresAreRateLimited) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login("admin@example.com", "wrong-password").status, 401);
  }
  HttpResponse limited = Login("admin@example.com", password_);
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(std::stoi(limited.Header("retry-after")), 0);
  EXPECT_TRUE(SetCookieValue(limited, "spoor_session").empty());
}

TEST_F(LoginE2E, PostsWithoutCsrfAreForbidden) {
  std::string csrf = LoginCsrf();
  HttpResponse no_field =
      PostLogin(csrf, "email=admin%40example.com&password=" + UrlEncode(password_));
  EXPECT_EQ(no_field.status, 403);
  HttpResponse no_cookie = Send(
      port(), {"POST",
               "/s/login",
               {{"Content-Type", "application/x-www-form-urlencoded"}},
               "csrf=" + csrf + "&email=admin%40example.com&password=" + UrlEncode(password_)});
  EXPECT_EQ(no_cookie.status, 403);
  std::string session = Session();
  HttpResponse logout = Send(port(), {"POST",
                                      "/s/logout",
                                      {{"Cookie", "spoor_session=" + session},
                                       {"Content-Type", "application/x-www-form-urlencoded"}},
                                      "csrf=forged"});
  EXPECT_EQ(logout.status, 403);
  // The session survived the forged request.
  EXPECT_EQ(Send(port(), {"GET", "/s/", {{"Cookie", "spoor_session=" + session}}, ""}).status, 200);
}

TEST_F(LoginE2E, LogoutEndsTheSession) {
  std::string session = Session();
  HttpResponse home = Send(port(), {"GET", "/s/", {{"Cookie", "spoor_session=" + session}}, ""});
  std::string csrf = InputValue(home.body, "csrf");
  ASSERT_FALSE(csrf.empty());
  HttpResponse out = Send(port(), {"POST",
                                   "/s/logout",
                                   {{"Cookie", "spoor_session=" + session},
                                    {"Content-Type", "application/x-www-form-urlencoded"}},
                                   "csrf=" + csrf});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(SetCookieValue(out, "spoor_session"), "");
  EXPECT_NE(SetCookieHeader(out, "spoor_session").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Send(port(), {"GET", "/s/", {{"Cookie", "spoor_session=" + session}}, ""}).status, 302);
}

TEST_F(LoginE2E, SignedInUsersAreNotTracked) {
  std::string session = Session();
  HttpResponse admin =
      Send(port(), {"GET",
                    "/mtracking.gif?page_url=https%3A%2F%2Fsite.example%2Fa",
                    {{"User-Agent", kBrowserUa}, {"Cookie", "spoor_session=" + session}},
                    ""});
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.Header("content-type"), "image/gif");
  EXPECT_EQ(admin.body.size(), 43u);
  EXPECT_TRUE(SetCookieValue(admin, "mautic_device_id").empty());
  // A forged session cookie is tracked like any visitor.
  HttpResponse visitor =
      Send(port(), {"GET",
                    "/mtracking.gif?page_url=https%3A%2F%2Fsite.example%2Fb",
                    {{"User-Agent", kBrowserUa}, {"Cookie", "spoor_session=ss_forged"}},
                    ""});
  EXPECT_EQ(visitor.status, 200);
  EXPECT_FALSE(SetCookieValue(visitor, "mautic_device_id").empty());
  std::vector<std::string> events;
  ASSERT_TRUE(WaitFor([&] { return !(events = Export("events", data())).empty(); },
                      std::chrono::seconds(10)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("site.example/b"), std::string::npos);
  HttpResponse metrics = Send(port(), {"GET", "/metrics", {}, ""});
  EXPECT_NE(metrics.body.find("spoor_collect_skipped_total{reason=\"admin\"} 1"), std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace spoor::e2e
