#include "spoor/config.h"

#include <cstdio>
#include <filesystem>

#include "gtest/gtest.h"

namespace spoor {
namespace {

TEST(ParseListen, HostAndPort) {
  http::ServerOptions s;
  ASSERT_TRUE(ParseListen("0.0.0.0:9000", s).ok());
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 9000);
  ASSERT_TRUE(ParseListen("[::1]:0", s).ok());
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 0);
  EXPECT_FALSE(ParseListen("9000", s).ok());
  EXPECT_FALSE(ParseListen("h:99999", s).ok());
  EXPECT_FALSE(ParseListen("h:80x", s).ok());
  EXPECT_FALSE(ParseListen(":80", s).ok());
}

TEST(ValidateOrigin, AcceptsOriginsAndLeadingWildcards) {
  EXPECT_TRUE(ValidateOrigin("https://www.example.com").ok());
  EXPECT_TRUE(ValidateOrigin("http://localhost:3000").ok());
  EXPECT_TRUE(ValidateOrigin("https://*.example.com").ok());
  EXPECT_FALSE(ValidateOrigin("www.example.com").ok());
  EXPECT_FALSE(ValidateOrigin("ftp://x").ok());
  EXPECT_FALSE(ValidateOrigin("https://x.com/path").ok());
  EXPECT_FALSE(ValidateOrigin("https://x.*.com").ok());
  EXPECT_FALSE(ValidateOrigin("*").ok());
}

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string Write(const char* text) {
    path_ = (std::filesystem::temp_directory_path() / ("spoor-cfg-" + std::to_string(getpid()) +
                                                       ".toml")).string();
    FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs(text, f);
    std::fclose(f);
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(ConfigFileTest, FileThenFlags) {
  ServeFlags flags;
  flags.config_file = Write("listen = \"127.0.0.1:7000\"\nthreads = 3\nmax_queue = 77\n"
                            "synchronous = \"normal\"\nbot_substrings = [\"X\"]\n"
                            "process_yield_ms = 5\nprocess_max_lag_ms = 1500\n"
                            "export_page_rows = 250\ncommit_delay_us = 0\n"
                            "commit_siblings = 4\ncommit_delay_events = 100\n"
                            "io_spin_us = 50\n");
  flags.threads = 1;
  auto cfg = ResolveServeConfig(flags);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->server.port, 7000);
  EXPECT_EQ(cfg->server.threads, 1);
  EXPECT_EQ(cfg->pipeline.max_queue, 77u);
  EXPECT_EQ(cfg->pipeline.process_yield_ms, 5);
  EXPECT_EQ(cfg->pipeline.process_max_lag_ms, 1500);
  EXPECT_EQ(cfg->export_page_rows, 250);
  EXPECT_EQ(cfg->pipeline.commit_delay_us, 0);
  EXPECT_EQ(cfg->pipeline.commit_siblings, 4u);
  EXPECT_EQ(cfg->pipeline.commit_delay_events, 100u);
  EXPECT_EQ(cfg->server.spin_us, 50);
  EXPECT_FALSE(cfg->synchronous_full);
  EXPECT_EQ(cfg->bot_substrings, std::vector<std::string>{"X"});
}

TEST_F(ConfigFileTest, BadValuesAreClearErrors) {
  ServeFlags flags;
  for (const char* text :
       {"threads = \"many\"\n", "synchronous = \"off\"\n", "max_queue = 0\n",
        "commit_delay_us = -1\n", "commit_delay_us = 1000000\n", "commit_siblings = 0\n",
        "commit_delay_events = 0\n", "commit_delay_events = 9000\n", "process_yield_ms = -1\n",
        "process_max_lag_ms = -5\n", "export_page_rows = 0\n", "io_spin_us = -5\n",
        "io_spin_us = 20000\n"}) {
    flags.config_file = Write(text);
    EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status())) << text;
  }
  flags.config_file = "/nonexistent/spoor.toml";
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status()));
}

TEST(ResolveServeConfig, TlsIsOffByDefault) {
  auto cfg = ResolveServeConfig(ServeFlags{});
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_FALSE(cfg->server.tls());
  EXPECT_FALSE(cfg->server.tls_listen);
}

TEST(ResolveServeConfig, SpinningIsDecidedByTheServerUnlessSet) {
  auto cfg = ResolveServeConfig(ServeFlags{});
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->server.spin_us, http::ServerOptions::kSpinAuto);
}

TEST(ResolveServeConfig, CertAndKeyWithoutTlsListenMeanHttpsOnly) {
  ServeFlags flags;
  flags.listen = "127.0.0.1:8443";
  flags.tls_cert = "site.crt";
  flags.tls_key = "site.key";
  auto cfg = ResolveServeConfig(flags);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->server.tls());
  EXPECT_EQ(cfg->server.tls_cert_file, "site.crt");
  EXPECT_EQ(cfg->server.tls_key_file, "site.key");
  EXPECT_FALSE(cfg->server.tls_listen);
  EXPECT_EQ(cfg->server.port, 8443);
}

TEST(ResolveServeConfig, TlsListenAddsAnHttpsListener) {
  ServeFlags flags;
  flags.tls_cert = "site.crt";
  flags.tls_key = "site.key";
  flags.tls_listen = "[::1]:8443";
  auto cfg = ResolveServeConfig(flags);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->server.tls_listen);
  EXPECT_EQ(cfg->server.tls_host, "::1");
  EXPECT_EQ(cfg->server.tls_port, 8443);
  EXPECT_EQ(cfg->server.port, 8080);  // HTTP stays where it was
}

TEST(ResolveServeConfig, HalfATlsSetupIsAnError) {
  ServeFlags cert_only;
  cert_only.tls_cert = "site.crt";
  auto a = ResolveServeConfig(cert_only);
  EXPECT_TRUE(absl::IsInvalidArgument(a.status()));
  EXPECT_NE(a.status().message().find("--tls-key"), absl::string_view::npos) << a.status();
  ServeFlags key_only;
  key_only.tls_key = "site.key";
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(key_only).status()));
  ServeFlags listen_only;
  listen_only.tls_listen = "127.0.0.1:8443";
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(listen_only).status()));
  ServeFlags bad_listen;
  bad_listen.tls_cert = "site.crt";
  bad_listen.tls_key = "site.key";
  bad_listen.tls_listen = "8443";
  auto b = ResolveServeConfig(bad_listen);
  EXPECT_TRUE(absl::IsInvalidArgument(b.status()));
  EXPECT_NE(b.status().message().find("--tls-listen"), absl::string_view::npos) << b.status();
}

TEST(ResolveServeConfig, HttpAndHttpsCannotShareAPort) {
  ServeFlags flags;
  flags.listen = "127.0.0.1:9000";
  flags.tls_cert = "site.crt";
  flags.tls_key = "site.key";
  flags.tls_listen = "127.0.0.1:9000";
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status()));
}

TEST_F(ConfigFileTest, TlsKeysThenFlags) {
  ServeFlags flags;
  flags.config_file = Write("tls_cert = \"a.crt\"\ntls_key = \"a.key\"\n"
                            "tls_listen = \"0.0.0.0:8443\"\n");
  auto cfg = ResolveServeConfig(flags);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->server.tls_cert_file, "a.crt");
  EXPECT_EQ(cfg->server.tls_key_file, "a.key");
  EXPECT_EQ(cfg->server.tls_host, "0.0.0.0");
  EXPECT_EQ(cfg->server.tls_port, 8443);
  flags.tls_cert = "b.crt";
  flags.tls_key = "b.key";
  cfg = ResolveServeConfig(flags);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->server.tls_cert_file, "b.crt");
  EXPECT_EQ(cfg->server.tls_key_file, "b.key");
  flags = ServeFlags{};
  flags.config_file = Write("tls_cert = \"a.crt\"\n");
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status()));
}

TEST_F(ConfigFileTest, ApiAuthSettings) {
  ServeFlags flags;
  auto defaults = ResolveServeConfig(flags);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->access_token_lifetime_s, 3600);
  EXPECT_EQ(defaults->refresh_token_lifetime_s, 14 * 86400);
  EXPECT_FALSE(defaults->api_basic_auth);
  flags.config_file = Write("api_basic_auth = true\naccess_token_lifetime = 600\n");
  auto file = ResolveServeConfig(flags);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->api_basic_auth);
  EXPECT_EQ(file->access_token_lifetime_s, 600);
  flags.access_token_lifetime_s = 1;
  EXPECT_EQ(ResolveServeConfig(flags)->access_token_lifetime_s, 1);
  flags.access_token_lifetime_s = -5;
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status()));
  flags.access_token_lifetime_s = 0;
  flags.config_file = Write("api_basic_auth = \"yes\"\n");
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveServeConfig(flags).status()));
}

}  // namespace
}  // namespace spoor
