#include "spoor/config.h"

#include <charconv>
#include <thread>

#include <toml.hpp>

#include "spoor/api/v1.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor {

void AddServeFlags(CLI::App& app, ServeFlags& flags) {
  app.add_option("--data", flags.data_dir, "Data directory (default ./data)");
  app.add_option("--listen", flags.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  app.add_option("--config", flags.config_file, "TOML configuration file");
  app.add_option("--threads", flags.threads, "I/O threads (default: one per core)");
  app.add_option("--ready-file", flags.ready_file,
                 "Write {url, workspace_id, pid[, tls_port]} as JSON here once listening");
  app.add_option("--tls-cert", flags.tls_cert,
                 "PEM certificate (chain) for HTTPS; needs --tls-key");
  app.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-listen", flags.tls_listen,
                 "HOST:PORT for HTTPS beside HTTP on --listen (without it, --listen speaks "
                 "HTTPS only)");
  app.add_flag("--secure-cookies", flags.secure_cookies,
               "Mark tracking cookies Secure; SameSite=None (behind a TLS proxy)");
  app.add_flag("--trust-proxy-headers", flags.trust_proxy_headers,
               "Believe X-Forwarded-For/-Proto (only behind your own proxy)");
  app.add_option("--access-token-lifetime", flags.access_token_lifetime_s,
                 "OAuth2 access token lifetime in seconds (default 3600)");
  app.add_flag("--api-basic-auth", flags.api_basic_auth,
               "Accept HTTP Basic (a user's email and password) on the REST API");
}

namespace {

absl::Status ParseHostPort(std::string_view flag, std::string_view listen, std::string& host_out,
                           uint16_t& port_out) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(StrCat(flag, " wants HOST:PORT, got '", listen, "'"));
  }
  std::string_view host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    return absl::InvalidArgumentError(StrCat("bad port in ", flag, " '", listen, "'"));
  }
  host_out = std::string(host);
  port_out = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseListen(std::string_view listen, http::ServerOptions& server) {
  return ParseHostPort("--listen", listen, server.host, server.port);
}

absl::Status ParseTlsListen(std::string_view listen, http::ServerOptions& server) {
  SPOOR_RETURN_IF_ERROR(ParseHostPort("--tls-listen", listen, server.tls_host, server.tls_port));
  server.tls_listen = true;
  return absl::OkStatus();
}

absl::Status ValidateOrigin(std::string_view origin) { return api::v1::ValidateOrigin(origin); }

namespace {

// Sets `out` from `key` when the file has it; toml11 throws on a wrong type.
template <typename T>
void Read(const toml::value& file, const char* key, T& out) {
  if (file.contains(key)) out = toml::find<T>(file, key);
}

absl::Status ApplyToml(const std::string& path, ServeConfig& cfg) {
  try {
    const toml::value file = toml::parse(path);
    Read(file, "data", cfg.data_dir);
    if (file.contains("listen")) {
      SPOOR_RETURN_IF_ERROR(ParseListen(toml::find<std::string>(file, "listen"), cfg.server));
    }
    if (file.contains("tls_listen")) {
      SPOOR_RETURN_IF_ERROR(
          ParseTlsListen(toml::find<std::string>(file, "tls_listen"), cfg.server));
    }
    Read(file, "tls_cert", cfg.server.tls_cert_file);
    Read(file, "tls_key", cfg.server.tls_key_file);
    Read(file, "threads", cfg.server.threads);
    Read(file, "secure_cookies", cfg.secure_cookies);
    Read(file, "trust_proxy_headers", cfg.trust_proxy_headers);
    std::string synchronous = "full";
    Read(file, "synchronous", synchronous);
    if (synchronous != "full" && synchronous != "normal") {
      return absl::InvalidArgumentError("synchronous must be \"full\" or \"normal\"");
    }
    cfg.synchronous_full = synchronous == "full";
    Read(file, "max_queue", cfg.pipeline.max_queue);
    Read(file, "commit_delay_us", cfg.pipeline.commit_delay_us);
    Read(file, "commit_siblings", cfg.pipeline.commit_siblings);
    Read(file, "commit_delay_events", cfg.pipeline.commit_delay_events);
    Read(file, "io_threads_commit", cfg.pipeline.io_threads_commit);
    Read(file, "process_yield_ms", cfg.pipeline.process_yield_ms);
    Read(file, "process_max_lag_ms", cfg.pipeline.process_max_lag_ms);
    Read(file, "export_page_rows", cfg.export_page_rows);
    Read(file, "header_limit", cfg.server.header_limit);
    Read(file, "read_timeout_seconds", cfg.server.read_timeout_seconds);
    Read(file, "io_spin_us", cfg.server.spin_us);
    Read(file, "bot_substrings", cfg.bot_substrings);
    Read(file, "bot_regexes", cfg.bot_regexes);
    Read(file, "channel_rules", cfg.channel_rules_path);
    Read(file, "access_token_lifetime", cfg.access_token_lifetime_s);
    Read(file, "refresh_token_lifetime", cfg.refresh_token_lifetime_s);
    Read(file, "api_basic_auth", cfg.api_basic_auth);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(StrCat("config file ", path, ": ", e.what()));
  }
  return absl::OkStatus();
}

// Half a TLS setup is a mistake worth stopping for: serving plain HTTP when
// HTTPS was meant would put OAuth2 secrets and cookies on the wire.
absl::Status ValidateTls(const http::ServerOptions& server) {
  bool cert = !server.tls_cert_file.empty(), key = !server.tls_key_file.empty();
  if (cert != key) {
    return absl::InvalidArgumentError(
        StrCat("HTTPS needs both --tls-cert and --tls-key (tls_cert and tls_key in the config "
               "file); only the ", cert ? "certificate" : "key", " was given"));
  }
  if (server.tls_listen && !cert) {
    return absl::InvalidArgumentError("--tls-listen needs --tls-cert and --tls-key");
  }
  if (server.tls_listen && server.tls_port != 0 && server.tls_port == server.port &&
      server.tls_host == server.host) {
    return absl::InvalidArgumentError("--tls-listen and --listen must differ");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServeConfig> ResolveServeConfig(const ServeFlags& flags) {
  ServeConfig cfg;
  cfg.server.port = 8080;
  cfg.server.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!flags.config_file.empty()) SPOOR_RETURN_IF_ERROR(ApplyToml(flags.config_file, cfg));
  if (!flags.data_dir.empty()) cfg.data_dir = flags.data_dir;
  if (!flags.listen.empty()) SPOOR_RETURN_IF_ERROR(ParseListen(flags.listen, cfg.server));
  if (!flags.tls_listen.empty()) SPOOR_RETURN_IF_ERROR(ParseTlsListen(flags.tls_listen, cfg.server));
  if (!flags.tls_cert.empty()) cfg.server.tls_cert_file = flags.tls_cert;
  if (!flags.tls_key.empty()) cfg.server.tls_key_file = flags.tls_key;
  if (flags.threads > 0) cfg.server.threads = flags.threads;
  cfg.secure_cookies = cfg.secure_cookies || flags.secure_cookies;
  cfg.trust_proxy_headers = cfg.trust_proxy_headers || flags.trust_proxy_headers;
  cfg.ready_file = flags.ready_file;
  if (flags.access_token_lifetime_s != 0) cfg.access_token_lifetime_s = flags.access_token_lifetime_s;
  cfg.api_basic_auth = cfg.api_basic_auth || flags.api_basic_auth;
  if (cfg.access_token_lifetime_s < 1 || cfg.access_token_lifetime_s > 30 * 86400) {
    return absl::InvalidArgumentError("access_token_lifetime must be 1 to 2592000 seconds");
  }
  if (cfg.refresh_token_lifetime_s < 60 || cfg.refresh_token_lifetime_s > 365 * 86400) {
    return absl::InvalidArgumentError("refresh_token_lifetime must be 60 to 31536000 seconds");
  }
  if (cfg.server.threads < 1 || cfg.server.threads > 256) {
    return absl::InvalidArgumentError("threads must be between 1 and 256");
  }
  if (cfg.server.spin_us != http::ServerOptions::kSpinAuto &&
      (cfg.server.spin_us < 0 || cfg.server.spin_us > 10000)) {
    return absl::InvalidArgumentError("io_spin_us must be 0 to 10000");
  }
  if (cfg.server.header_limit < 1024) {
    return absl::InvalidArgumentError("header_limit must be at least 1024 bytes");
  }
  if (cfg.pipeline.max_queue < 1) return absl::InvalidArgumentError("max_queue must be positive");
  if (cfg.pipeline.commit_delay_us < 0 || cfg.pipeline.commit_delay_us > 100000) {
    return absl::InvalidArgumentError("commit_delay_us must be 0 to 100000");
  }
  if (cfg.pipeline.commit_siblings < 1) {
    return absl::InvalidArgumentError("commit_siblings must be positive");
  }
  if (cfg.pipeline.commit_delay_events < 1 ||
      cfg.pipeline.commit_delay_events > cfg.pipeline.max_batch) {
    return absl::InvalidArgumentError(
        StrCat("commit_delay_events must be 1 to ", cfg.pipeline.max_batch));
  }
  if (cfg.pipeline.process_yield_ms < 0 || cfg.pipeline.process_yield_ms > 60000) {
    return absl::InvalidArgumentError("process_yield_ms must be 0 to 60000");
  }
  if (cfg.pipeline.process_max_lag_ms < 0 || cfg.pipeline.process_max_lag_ms > 3600000) {
    return absl::InvalidArgumentError("process_max_lag_ms must be 0 to 3600000");
  }
  if (cfg.export_page_rows < 1 || cfg.export_page_rows > 100000) {
    return absl::InvalidArgumentError("export_page_rows must be 1 to 100000");
  }
  SPOOR_RETURN_IF_ERROR(ValidateTls(cfg.server));
  return cfg;
}

}  // namespace spoor
