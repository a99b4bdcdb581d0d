#include "spoor/http/tls.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gtest/gtest.h"
#include "spoor/http/internal/tls_context.h"

namespace spoor::http {
namespace {

using internal::NewServerTlsContext;

class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "spoor-tls-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  SelfSignedOptions Options(const std::string& stem) const {
    SelfSignedOptions o;
    o.cert_file = Path(stem + ".crt");
    o.key_file = Path(stem + ".key");
    return o;
  }
  std::unique_ptr<X509, decltype(&X509_free)> ReadCert(const std::string& path) const {
    std::FILE* f = std::fopen(path.c_str(), "r");
    X509* cert = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
    if (f) std::fclose(f);
    return {cert, &X509_free};
  }
  void WriteText(const std::string& path, const std::string& text) const {
    std::ofstream(path) << text;
  }
  std::string dir_;
};

TEST_F(TlsFiles, SelfSignedCertificateLoadsIntoTheServerContext) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  EXPECT_TRUE(NewServerTlsContext(o.cert_file, o.key_file).ok());
}

TEST_F(TlsFiles, KeyIsReadableByItsOwnerOnly) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  struct stat st {};
  ASSERT_EQ(stat(o.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(o.key_file + ".tmp"));
}

TEST_F(TlsFiles, NamesHostsAndLoopbackAndLastsAYear) {
  SelfSignedOptions o = Options("site");
  o.hosts = {"spoor.test", "*.spoor.test", "10.1.2.3"};
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  auto cert = ReadCert(o.cert_file);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert.get(), "spoor.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "a.spoor.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.1.2.3", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get())), 1);
  EXPECT_GE(days, 364);
  EXPECT_LE(days, 365);
  // Self-signed: it verifies as its own trust anchor.
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);
}

TEST_F(TlsFiles, DefaultHostIsLocalhost) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  auto cert = ReadCert(o.cert_file);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
}

TEST_F(TlsFiles, RefusesToOverwriteUnlessAsked) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(WriteSelfSignedCertificate(o)));
  o.overwrite = true;
  EXPECT_TRUE(WriteSelfSignedCertificate(o).ok());
}

TEST_F(TlsFiles, RejectsHostsThatAreNotNames) {
  for (const char* host : {"a,DNS:evil.com", "", "-bad..name", "white space"}) {
    SelfSignedOptions o = Options("bad");
    o.hosts = {host};
    absl::Status status = WriteSelfSignedCertificate(o);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << "'" << host << "': " << status;
    EXPECT_FALSE(std::filesystem::exists(o.key_file)) << host;
  }
}

TEST_F(TlsFiles, MissingFilesAreNotFound) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  auto no_cert = NewServerTlsContext(Path("nope.crt"), o.key_file);
  EXPECT_TRUE(absl::IsNotFound(no_cert.status()));
  EXPECT_NE(no_cert.status().message().find("nope.crt"), absl::string_view::npos);
  EXPECT_TRUE(absl::IsNotFound(NewServerTlsContext(o.cert_file, Path("nope.key")).status()));
}

TEST_F(TlsFiles, FilesWithoutPemAreInvalid) {
  SelfSignedOptions o = Options("localhost");
  ASSERT_TRUE(WriteSelfSignedCertificate(o).ok());
  WriteText(Path("junk.pem"), "not a certificate\n");
  auto bad_cert = NewServerTlsContext(Path("junk.pem"), o.key_file);
  EXPECT_TRUE(absl::IsInvalidArgument(bad_cert.status()));
  EXPECT_NE(bad_cert.status().message().find("no usable PEM certificate"), absl::string_view::npos)
      << bad_cert.status();
  auto bad_key = NewServerTlsContext(o.cert_file, Path("junk.pem"));
  EXPECT_TRUE(absl::IsInvalidArgument(bad_key.status()));
  EXPECT_NE(bad_key.status().message().find("no usable PEM private key"), absl::string_view::npos)
      << bad_key.status();
  // A key file passed as the certificate is refused, not mistaken for one.
  EXPECT_TRUE(absl::IsInvalidArgument(NewServerTlsContext(o.key_file, o.key_file).status()));
}

TEST_F(TlsFiles, KeyOfAnotherCertificateIsRefused) {
  SelfSignedOptions a = Options("a"), b = Options("b");
  ASSERT_TRUE(WriteSelfSignedCertificate(a).ok());
  ASSERT_TRUE(WriteSelfSignedCertificate(b).ok());
  auto mixed = NewServerTlsContext(a.cert_file, b.key_file);
  EXPECT_TRUE(absl::IsInvalidArgument(mixed.status()));
  EXPECT_NE(mixed.status().message().find("does not match"), absl::string_view::npos)
      << mixed.status();
}

}  // namespace
}  // namespace spoor::http
