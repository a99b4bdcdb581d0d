// HTTPS: `spoor tls self-signed`, HTTP and HTTPS side by side, HTTPS only,
// what TLS changes for requests (Secure cookies, OAuth2), and what a TLS
// listener does with clients it must refuse.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include <openssl/ssl.h>

#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

using ::testing::HasSubstr;

HttpRequest Get(const std::string& target) {
  return {"GET", target, {{"User-Agent", kBrowserUa}}, ""};
}

// The first IPv4 address of this machine that is not loopback, or "".
std::string NonLoopbackIpv4() {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return "";
  std::string found;
  for (ifaddrs* i = all; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) && std::string(text).rfind("127.", 0))
      found = text;
  }
  freeifaddrs(all);
  return found;
}

class TlsE2E : public ::testing::Test {
 protected:
  std::string data() const { return dir_.path() + "/data"; }
  std::string Cert(const std::string& stem = "localhost") const {
    return dir_.path() + "/" + stem + ".crt";
  }
  std::string Key(const std::string& stem = "localhost") const {
    return dir_.path() + "/" + stem + ".key";
  }
  // `spoor tls self-signed` into the temp dir; returns its exit status.
  int MakeCert(const std::string& stem = "localhost") {
    int code = -1;
    RunSpoor({"tls", "self-signed", "--cert", Cert(stem), "--key", Key(stem)}, &code);
    return code;
  }
  void StartSideBySide(std::vector<std::string> more = {}) {
    ASSERT_EQ(MakeCert(), 0);
    std::vector<std::string> flags = {"--tls-cert", Cert(), "--tls-key", Key(), "--tls-listen",
                                      "127.0.0.1:0"};
    flags.insert(flags.end(), more.begin(), more.end());
    server_ = std::make_unique<SpoorServer>(data(), flags);
    ASSERT_TRUE(server_->ok()) << server_->log();
    ASSERT_GT(server_->tls_port(), 0);
    ASSERT_NE(server_->tls_port(), server_->port());
  }

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
};

TEST_F(TlsE2E, SelfSignedWritesAPrivateKeyAndRefusesToOverwrite) {
  ASSERT_EQ(MakeCert(), 0);
  struct stat st {};
  ASSERT_EQ(stat(Key().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream cert(Cert());
  std::string first_line;
  std::getline(cert, first_line);
  EXPECT_EQ(first_line, "-----BEGIN CERTIFICATE-----");
  EXPECT_NE(MakeCert(), 0);
  int code = -1;
  RunSpoor({"tls", "self-signed", "--cert", Cert(), "--key", Key(), "--force"}, &code);
  EXPECT_EQ(code, 0);
}

TEST_F(TlsE2E, HttpAndHttpsSideBySide) {
  StartSideBySide();
  HttpResponse https = SendTls(server_->tls_port(), Get("/healthz"), Cert());
  EXPECT_EQ(https.status, 200) << server_->log();
  EXPECT_THAT(https.body, HasSubstr("\"ok\""));
  EXPECT_EQ(Send(server_->port(), Get("/healthz")).status, 200);
  // Each listener speaks only its own protocol.
  EXPECT_EQ(Send(server_->tls_port(), Get("/healthz")).status, 0);
  EXPECT_EQ(SendTls(server_->port(), Get("/healthz")).status, 0);
}

TEST_F(TlsE2E, ClientsVerifyTheCertificateAgainstItsFile) {
  StartSideBySide();
  ASSERT_EQ(MakeCert("other"), 0);
  EXPECT_EQ(SendTls(server_->tls_port(), Get("/healthz"), Cert()).status, 200);
  // Verification is real: a certificate the server does not use is no anchor.
  EXPECT_EQ(SendTls(server_->tls_port(), Get("/healthz"), Cert("other")).status, 0);
}

TEST_F(TlsE2E, PixelOverHttpsSetsSecureCookies) {
  StartSideBySide();
  HttpResponse https = SendTls(server_->tls_port(), Get("/mtracking.gif?page_url=x"), Cert());
  ASSERT_EQ(https.status, 200);
  std::vector<std::string> cookies = https.Headers("set-cookie");
  ASSERT_EQ(cookies.size(), 2u);
  for (const std::string& c : cookies) EXPECT_THAT(c, HasSubstr("; SameSite=None; Secure"));
  // The same hit over plain HTTP keeps Lax cookies: the difference is the TLS.
  HttpResponse http = Send(server_->port(), Get("/mtracking.gif?page_url=y"));
  ASSERT_EQ(http.status, 200);
  for (const std::string& c : http.Headers("set-cookie")) {
    EXPECT_THAT(c, HasSubstr("; SameSite=Lax"));
    EXPECT_THAT(c, ::testing::Not(HasSubstr("Secure")));
  }
}

TEST_F(TlsE2E, OAuthTokenOverHttps) {
  auto client = boost::json::parse(RunSpoor({"client", "create", "--name", "EJ", "--data", data()}))
                    .as_object();
  StartSideBySide();
  std::string body = "grant_type=client_credentials&client_id=" +
                     std::string(client.at("client_id").as_string()) +
                     "&client_secret=" + std::string(client.at("client_secret").as_string());
  HttpResponse r = SendTls(server_->tls_port(),
                           {"POST", "/oauth/v2/token",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}, body},
                           Cert());
  ASSERT_EQ(r.status, 200) << r.body;
  auto token = boost::json::parse(r.body).as_object();
  EXPECT_EQ(token.at("token_type").as_string(), "bearer");
  EXPECT_FALSE(token.at("access_token").as_string().empty());
}

// The token endpoint wants HTTPS from anywhere but loopback: a client on
// another address gets a token only because the request arrived over TLS.
TEST_F(TlsE2E, OAuthTokenOverHttpsFromBeyondLoopback) {
  std::string ip = NonLoopbackIpv4();
  if (ip.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
  auto client = boost::json::parse(RunSpoor({"client", "create", "--name", "EJ", "--data", data()}))
                    .as_object();
  int code = -1;
  RunSpoor({"tls", "self-signed", "--cert", Cert(), "--key", Key(), "--host", ip}, &code);
  ASSERT_EQ(code, 0);
  server_ = std::make_unique<SpoorServer>(
      data(), std::vector<std::string>{"--tls-cert", Cert(), "--tls-key", Key(), "--tls-listen",
                                       ip + ":0"});
  ASSERT_TRUE(server_->ok()) << server_->log();
  std::string body = "grant_type=client_credentials&client_id=" +
                     std::string(client.at("client_id").as_string()) +
                     "&client_secret=" + std::string(client.at("client_secret").as_string());
  HttpResponse r = SendTls(ip, server_->tls_port(),
                           {"POST", "/oauth/v2/token",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}, body},
                           Cert());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(boost::json::parse(r.body).at("access_token").as_string().empty());
}

TEST_F(TlsE2E, RefusesTlsBelow12) {
  StartSideBySide();
  EXPECT_EQ(TlsHandshakeError(server_->tls_port(), TLS1_2_VERSION), "");
  EXPECT_EQ(TlsHandshakeError(server_->tls_port(), TLS1_3_VERSION), "");
  // The server answers a TLS 1.1 hello with a protocol_version alert (not a
  // client that failed to offer anything).
  EXPECT_THAT(TlsHandshakeError(server_->tls_port(), TLS1_1_VERSION),
              HasSubstr("protocol version"));
  EXPECT_EQ(SendTls(server_->tls_port(), Get("/healthz"), Cert()).status, 200);
}

TEST_F(TlsE2E, GarbageOnTheTlsPortOnlyClosesThatConnection) {
  StartSideBySide();
  std::string junk(64 * 1024, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  SendRaw(server_->tls_port(), junk);
  // A record header that promises a ClientHello, then nonsense.
  SendRaw(server_->tls_port(), std::string("\x16\x03\x01\x00\x30\x01\x00\x00\x2c", 9) + junk);
  SendRaw(server_->tls_port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(SendTls(server_->tls_port(), Get("/healthz"), Cert()).status, 200);
  EXPECT_EQ(Send(server_->port(), Get("/healthz")).status, 200);
  EXPECT_EQ(server_->Stop(), 0);
}

TEST_F(TlsE2E, SilentTlsClientIsCutOffAtTheReadTimeout) {
  std::string config = dir_.path() + "/spoor.toml";
  std::ofstream(config) << "read_timeout_seconds = 1\n";
  StartSideBySide({"--config", config});
  auto start = std::chrono::steady_clock::now();
  SendRaw(server_->tls_port(), "");  // connects, sends nothing, reads until closed
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(SendTls(server_->tls_port(), Get("/healthz"), Cert()).status, 200);
}

TEST_F(TlsE2E, CertWithoutTlsListenServesHttpsOnly) {
  ASSERT_EQ(MakeCert(), 0);
  server_ = std::make_unique<SpoorServer>(data(),
                                          std::vector<std::string>{"--tls-cert", Cert(),
                                                                   "--tls-key", Key()});
  ASSERT_TRUE(server_->ok()) << server_->log();
  EXPECT_EQ(server_->tls_port(), server_->port());
  EXPECT_EQ(SendTls(server_->port(), Get("/healthz"), Cert()).status, 200);
  EXPECT_EQ(Send(server_->port(), Get("/healthz")).status, 0);
}

TEST_F(TlsE2E, WithoutTlsTheReadyFileHasNoTlsPort) {
  server_ = std::make_unique<SpoorServer>(data());
  ASSERT_TRUE(server_->ok()) << server_->log();
  EXPECT_EQ(server_->tls_port(), 0);
}

TEST_F(TlsE2E, KeyOfAnotherCertificateStopsTheStart) {
  ASSERT_EQ(MakeCert("a"), 0);
  ASSERT_EQ(MakeCert("b"), 0);
  int code = 0;
  std::string out = RunSpoorWithStderr({"serve", "--data", data(), "--listen", "127.0.0.1:0",
                                        "--tls-cert", Cert("a"), "--tls-key", Key("b")},
                                       &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124) << "spoor kept running: " << out;  // timeout(1)'s status
  EXPECT_THAT(out, HasSubstr("does not match the certificate"));
}

TEST_F(TlsE2E, MissingOrBadFilesStopTheStart) {
  ASSERT_EQ(MakeCert(), 0);
  int code = 0;
  std::string out = RunSpoorWithStderr({"serve", "--data", data(), "--listen", "127.0.0.1:0",
                                        "--tls-cert", Cert("missing"), "--tls-key", Key()},
                                       &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124);
  EXPECT_THAT(out, HasSubstr("cannot read TLS certificate"));
  out = RunSpoorWithStderr({"serve", "--data", data(), "--listen", "127.0.0.1:0", "--tls-cert",
                            Key(), "--tls-key", Key()},
                           &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124);
  EXPECT_THAT(out, HasSubstr("no usable PEM certificate"));
}

TEST_F(TlsE2E, CertWithoutKeyIsAnError) {
  ASSERT_EQ(MakeCert(), 0);
  int code = 0;
  std::string out = RunSpoorWithStderr(
      {"serve", "--data", data(), "--listen", "127.0.0.1:0", "--tls-cert", Cert()}, &code);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(out, HasSubstr("--tls-key"));
}

}  // namespace
}  // namespace spoor::e2e
