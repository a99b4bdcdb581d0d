#include "spoor/api/authenticator.h"

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "spoor/auth/auth.h"
#include "spoor/common/testing/temp_dir.h"

namespace spoor::api {
namespace {

using ::spoor::testing::TempDir;

// "viewer@example.com:viewer-password-1" and a wrong password, base64.
constexpr char kViewerBasic[] = "Basic dmlld2VyQGV4YW1wbGUuY29tOnZpZXdlci1wYXNzd29yZC0x";
constexpr char kWrongBasic[] = "Basic dmlld2VyQGV4YW1wbGUuY29tOndyb25n";
constexpr char kUnknownBasic[] = "Basic bm9ib2R5QGV4YW1wbGUuY29tOndyb25n";

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore({dir_.path()});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    auto ws = store_->EnsureDefaultWorkspace();
    ASSERT_TRUE(ws.ok());
    workspace_id_ = ws->id;
    auto hash = auth::HashPassword("viewer-password-1");
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(store_->CreateUser("viewer@example.com", *hash, "viewer").ok());
    auto accounts = Accounts::Create(*store_, clock_);
    ASSERT_TRUE(accounts.ok());
    accounts_ = std::move(*accounts);
    oauth_ = std::make_unique<OAuthServer>(*store_, clock_);
    store::ApiClient client;
    client.client_id = "cl_test";
    client.secret_hash = auth::HashSecret("cs_test");
    client.name = "Test";
    client.grants = {"client_credentials"};
    client.workspace_id = workspace_id_;
    ASSERT_TRUE(store_->CreateClient(client).ok());
  }
  Authenticator Make(bool basic) { return Authenticator(*oauth_, *accounts_, *store_, {basic}); }
  std::string AccessToken() {
    TokenAnswer a = oauth_->Token({{"grant_type", "client_credentials"},
                                   {"client_id", "cl_test"},
                                   {"client_secret", "cs_test"}},
                                  "");
    EXPECT_EQ(a.status, 200) << a.body;
    return std::string(boost::json::parse(a.body).at("access_token").as_string());
  }

  TempDir dir_;
  FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<OAuthServer> oauth_;
  int64_t workspace_id_ = 0;
};

TEST_F(AuthenticatorTest, BasicWhileDisabledIsMauticsForbidden) {
  ApiAuthResult r = Make(false).Authenticate({kViewerBasic, "", "10.0.0.1"});
  EXPECT_FALSE(r.principal);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.type, "access_denied");
  EXPECT_EQ(r.message,
            "Basic Auth disabled. You need to enable HTTP basic auth in the API settings of "
            "Mautic's Configuration.");
}

TEST_F(AuthenticatorTest, BasicAuthenticatesAViewerForReading) {
  ApiAuthResult r = Make(true).Authenticate({kViewerBasic, "", "10.0.0.1"});
  ASSERT_TRUE(r.principal) << r.message;
  EXPECT_EQ(r.principal->workspace_id, workspace_id_);
  EXPECT_EQ(r.principal->scope, "read");
  EXPECT_EQ(r.principal->role, "viewer");
  EXPECT_GT(r.principal->user_id, 0);
}

TEST_F(AuthenticatorTest, BasicFailuresLookAlikeAndAreRateLimited) {
  Authenticator a = Make(true);
  ApiAuthResult wrong = a.Authenticate({kWrongBasic, "", "10.0.0.2"});
  ApiAuthResult unknown = a.Authenticate({kUnknownBasic, "", "10.0.0.3"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.message, "Authorization denied, invalid credentials.");
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.message, wrong.message);
  for (int i = 0; i < 4; ++i) a.Authenticate({kWrongBasic, "", "10.0.0.2"});
  ApiAuthResult limited = a.Authenticate({kViewerBasic, "", "10.0.0.2"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(limited.retry_after_s, 0);
  EXPECT_FALSE(limited.principal);
}

TEST_F(AuthenticatorTest, BearerFromTheHeaderOrTheAccessTokenParameter) {
  Authenticator a = Make(false);
  std::string token = AccessToken();
  std::string header = "Bearer " + token;
  ApiAuthResult by_header = a.Authenticate({header, "", "10.0.0.1"});
  ASSERT_TRUE(by_header.principal);
  EXPECT_EQ(by_header.principal->client_id, "cl_test");
  EXPECT_EQ(by_header.principal->scope, "write");
  EXPECT_TRUE(a.Authenticate({"", token, "10.0.0.1"}).principal);
  EXPECT_EQ(a.Authenticate({header, token, "10.0.0.1"}).status, 400);
  ApiAuthResult none = a.Authenticate({"", "", "10.0.0.1"});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.message, "API authorization denied.");
  ApiAuthResult forged = a.Authenticate({"Bearer at_forged", "", "10.0.0.1"});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.type, "invalid_grant");
  clock_.Advance(3601'000'000);
  EXPECT_EQ(a.Authenticate({header, "", "10.0.0.1"}).message,
            "The access token provided has expired.");
}

}  // namespace
}  // namespace spoor::api
