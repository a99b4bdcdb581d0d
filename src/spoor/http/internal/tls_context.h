// The server-side TLS context: certificate chain and key from PEM files,
// TLS 1.2 or newer, no compression, no renegotiation, modern AEAD ciphers.
// The context is immutable once built and shared by every TLS connection.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"

namespace spoor::http::internal {

// Errors: NotFound when a file cannot be read, InvalidArgument when it holds
// no usable PEM certificate or key, or when the key is not the certificate's.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> NewServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace spoor::http::internal
