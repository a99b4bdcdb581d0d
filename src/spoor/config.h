// Server configuration: defaults, then the TOML config file, then flags.
// Every limit and timeout of the server is here, validated at start.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "spoor/http/http.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor {

struct ServeFlags {
  std::string data_dir;
  std::string listen;
  std::string config_file;
  std::string ready_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_listen;
  int threads = 0;
  bool secure_cookies = false;
  bool trust_proxy_headers = false;
  int64_t access_token_lifetime_s = 0;  // 0: not given
  bool api_basic_auth = false;
};

struct ServeConfig {
  std::string data_dir = "./data";
  http::ServerOptions server;
  // The I/O threads commit what they parse (PipelineOptions::io_threads_commit).
  pipeline::PipelineOptions pipeline{.io_threads_commit = true};
  bool synchronous_full = true;
  int export_page_rows = 1000;  // rows per read of a streamed API export
  bool secure_cookies = false;
  bool trust_proxy_headers = false;
  std::vector<std::string> bot_substrings;  // added to the default list
  std::vector<std::string> bot_regexes;
  std::string channel_rules_path;  // empty: the built-in rules
  std::string ready_file;
  // OAuth2 lifetimes (Mautic's defaults: 1 hour, 14 days).
  int64_t access_token_lifetime_s = 3600;
  int64_t refresh_token_lifetime_s = 14 * 86400;
  // HTTP Basic with a user's email and password on the REST API.
  bool api_basic_auth = false;
};

void AddServeFlags(CLI::App& app, ServeFlags& flags);
// Errors: InvalidArgument naming the bad key or flag.
absl::StatusOr<ServeConfig> ResolveServeConfig(const ServeFlags& flags);
// Splits "host:port" ("[::1]:80" for IPv6). Errors: InvalidArgument.
absl::Status ParseListen(std::string_view listen, http::ServerOptions& server);
// The same for the HTTPS listener: sets tls_host, tls_port and tls_listen.
absl::Status ParseTlsListen(std::string_view listen, http::ServerOptions& server);
// Accepts scheme://host[:port] with an optional leading "*." in the host.
absl::Status ValidateOrigin(std::string_view origin);

}  // namespace spoor
