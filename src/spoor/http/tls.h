// TLS material for the HTTP edge: self-signed certificates for trying Spoor
// out over HTTPS. The server loads its certificate itself (ServerOptions).
// Stateless functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace spoor::http {

struct SelfSignedOptions {
  std::string cert_file;  // written as PEM
  std::string key_file;   // written as unencrypted PKCS#8 PEM, mode 0600
  // DNS names or IP addresses for the subjectAltName; the first is also the
  // subject CN. 127.0.0.1 and ::1 are always added, so local clients verify.
  std::vector<std::string> hosts = {"localhost"};
  int valid_days = 365;
  bool overwrite = false;  // otherwise existing files are an error
};

// Writes an EC P-256 key and a self-signed X.509 v3 server certificate for it.
// Errors: InvalidArgument for a bad host name, AlreadyExists when a file is
// there and `overwrite` is false, Internal/Unavailable from OpenSSL or the
// file system.
absl::Status WriteSelfSignedCertificate(const SelfSignedOptions& options);

}  // namespace spoor::http
