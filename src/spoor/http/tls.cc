#include "spoor/http/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/http/internal/tls_context.h"

namespace spoor::http {
namespace {

template <auto kFree>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslFree<GENERAL_NAMES_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslFree<X509_EXTENSION_free>>;

// The oldest queued OpenSSL error as text (the root cause), and clears the
// queue so a later call does not report a stale error.
std::string OpenSslError() {
  unsigned long code = ERR_peek_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : StrCat("OpenSSL error ", code);
}

absl::Status CheckReadable(const std::string& path, std::string_view what) {
  if (path.empty()) return absl::InvalidArgumentError(StrCat("no TLS ", what, " file given"));
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(
        StrCat("cannot read TLS ", what, " ", path, ": ", std::strerror(errno)));
  }
  std::fclose(f);
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A DNS name as certificates carry it: LDH labels, an optional leading "*.".
bool IsDnsName(std::string_view host) {
  if (StartsWith(host, "*.")) host.remove_prefix(2);
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

// `hosts` are validated: each is an IP address or a DNS name.
absl::StatusOr<NamesPtr> SubjectAltNames(const std::vector<std::string>& hosts) {
  NamesPtr names(GENERAL_NAMES_new());
  if (!names) return absl::InternalError(OpenSslError());
  for (const std::string& host : hosts) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) return absl::InternalError(OpenSslError());
    if (IsIpAddress(host)) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, a2i_IPADDRESS(host.c_str()));
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      std::string lower = AsciiLower(host);
      ASN1_STRING_set(dns, lower.data(), static_cast<int>(lower.size()));
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(names.get(), name);
  }
  return names;
}

absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return absl::InternalError(OpenSslError());
  return absl::OkStatus();
}

// Deliberately no keyUsage extension: OpenSSL only treats a certificate as
// self-issued (its own trust anchor) when keyUsage is absent or includes
// keyCertSign, and a server certificate should not claim keyCertSign.
absl::StatusOr<X509Ptr> NewCertificate(EVP_PKEY* key, const SelfSignedOptions& options,
                                       const std::vector<std::string>& hosts) {
  X509Ptr cert(X509_new());
  BignumPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return absl::InternalError(OpenSslError());
  }
  // Valid from an hour ago, so a client whose clock is a little behind accepts it.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), options.valid_days, 0, nullptr);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(hosts.front().c_str());
  const auto* org = reinterpret_cast<const unsigned char*>("Spoor (self-signed)");
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, org, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return absl::InternalError(OpenSslError());
  }
  SPOOR_ASSIGN_OR_RETURN(NamesPtr names, SubjectAltNames(hosts));
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return absl::InternalError(OpenSslError());
  }
  SPOOR_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SPOOR_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  SPOOR_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return absl::InternalError(OpenSslError());
  return cert;
}

absl::StatusOr<std::string> ToPem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return absl::InternalError(OpenSslError());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Writes through a temporary file and a rename, so a reader never sees half
// a key, and the key is never readable by others, not even briefly.
absl::Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string tmp = StrCat(path, ".tmp");
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::UnavailableError(StrCat("cannot write ", path, ": ", std::strerror(errno)));
  bool ok = fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < data.size();) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    unlink(tmp.c_str());
    return absl::UnavailableError(StrCat("cannot write ", path, ": ", std::strerror(saved)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteSelfSignedCertificate(const SelfSignedOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return absl::InvalidArgumentError("both a certificate file and a key file are needed");
  }
  if (options.valid_days < 1) return absl::InvalidArgumentError("validity must be at least a day");
  if (!options.overwrite) {
    for (const std::string& path : {options.cert_file, options.key_file}) {
      if (std::filesystem::exists(path)) {
        return absl::AlreadyExistsError(StrCat(path, " exists; remove it or pass --force"));
      }
    }
  }
  std::vector<std::string> hosts = options.hosts.empty() ? std::vector<std::string>{"localhost"}
                                                         : options.hosts;
  for (const std::string& host : hosts) {
    if (!IsIpAddress(host) && !IsDnsName(host)) {
      return absl::InvalidArgumentError(
          StrCat("'", host, "' is neither a DNS name nor an IP address"));
    }
  }
  for (const char* local : {"127.0.0.1", "::1"}) {
    if (std::find(hosts.begin(), hosts.end(), local) == hosts.end()) hosts.push_back(local);
  }
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return absl::InternalError(OpenSslError());
  SPOOR_ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(key.get(), options, hosts));
  SPOOR_ASSIGN_OR_RETURN(std::string key_pem, ToPem([&key](BIO* bio) {
                           return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0,
                                                           nullptr, nullptr);
                         }));
  SPOOR_ASSIGN_OR_RETURN(std::string cert_pem,
                         ToPem([&cert](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }));
  SPOOR_RETURN_IF_ERROR(WriteFileAtomically(options.key_file, key_pem, 0600));
  return WriteFileAtomically(options.cert_file, cert_pem, 0644);
}

namespace internal {

namespace {
// TLS 1.2 suites: forward secrecy and AEAD only (Mozilla's "intermediate"
// list). TLS 1.3 keeps OpenSSL's defaults, which are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

absl::StatusOr<PkeyPtr> ReadPrivateKey(const std::string& key_file) {
  BioPtr bio(BIO_new_file(key_file.c_str(), "rb"));
  if (!bio) return absl::NotFoundError(StrCat("cannot read TLS key ", key_file));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError(StrCat("TLS key ", key_file,
                                             " holds no usable PEM private key (", OpenSslError(),
                                             ")"));
  }
  return key;
}
}  // namespace

absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> NewServerTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  SPOOR_RETURN_IF_ERROR(CheckReadable(cert_file, "certificate"));
  SPOOR_RETURN_IF_ERROR(CheckReadable(key_file, "key"));
  ERR_clear_error();
  auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // Renegotiation only serves attacks on a server that needs no client
  // certificates; compression leaks secrets (CRIME).
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError(StrCat("TLS setup: ", OpenSslError()));
  }
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(StrCat("TLS certificate ", cert_file,
                                             " holds no usable PEM certificate (",
                                             OpenSslError(), ")"));
  }
  SPOOR_ASSIGN_OR_RETURN(PkeyPtr key, ReadPrivateKey(key_file));
  if (X509_check_private_key(SSL_CTX_get0_certificate(native), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(StrCat("TLS key ", key_file,
                                             " does not match the certificate ", cert_file));
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(StrCat("TLS key ", key_file, ": ", OpenSslError()));
  }
  return ctx;
}

}  // namespace internal
}  // namespace spoor::http
