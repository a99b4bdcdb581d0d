// Routes of the public tracking surface (Mautic-compatible): /mtc.js,
// /mtracking.gif, /mtc/event, /mtc, plus /healthz and /metrics. Handlers are
// glue: read the request into collect::HitRequest, call the Collector,
// publish the event and wait until it is durable, render the answer.
//
// Thread-safety: one TrackingRoutes serves every I/O thread.
#pragma once

#include <memory>
#include <array>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "absl/synchronization/mutex.h"
#include "spoor/api/oauth.h"
#include "spoor/collect/collect.h"
#include "spoor/http/http.h"
#include "spoor/pipeline/pipeline.h"

namespace spoor::http {

// Holds the current collect configuration; swapped whole when it changes.
class ConfigHolder {
 public:
  std::shared_ptr<const collect::CollectConfig> Get() const {
    absl::MutexLock lock(&mu_);
    return config_;
  }
  void Set(std::shared_ptr<const collect::CollectConfig> config) {
    absl::MutexLock lock(&mu_);
    config_ = std::move(config);
  }
  // The workspaces as stored (field definitions with labels, forms), for the APIs.
  std::shared_ptr<const std::vector<store::Workspace>> Workspaces() const {
    absl::MutexLock lock(&mu_);
    return workspaces_;
  }
  void SetWorkspaces(std::shared_ptr<const std::vector<store::Workspace>> workspaces) {
    absl::MutexLock lock(&mu_);
    workspaces_ = std::move(workspaces);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const collect::CollectConfig> config_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const std::vector<store::Workspace>> workspaces_ ABSL_GUARDED_BY(mu_);
};

struct TrackingOptions {
  // Mark cookies Secure (+ SameSite=None) even on plain HTTP: for a server
  // behind a TLS-terminating proxy.
  bool secure_cookies = false;
  // Believe X-Forwarded-For / X-Forwarded-Proto (only behind a proxy you run).
  bool trust_proxy_headers = false;
  std::string version = "0.1.0";
  // Verifies signed contact tokens (ct) of tracked links.
  std::array<uint8_t, 32> link_key{};
  // Whether a Cookie header carries a valid session of a signed-in user
  // (such requests are not tracked). Unset: none is.
  std::function<bool(std::string_view cookie_header)> is_user_session;
};

// Health and metrics sources, read on demand.
struct Observability {
  std::function<pipeline::PipelineStats()> pipeline_stats;
  collect::Counters* counters = nullptr;
};

class TrackingRoutes {
 public:
  TrackingRoutes(const collect::Collector& collector, pipeline::Bus& bus, ConfigHolder& config,
                 Observability observability, std::string tracker_js, TrackingOptions options,
                 const api::OAuthServer& oauth);

  boost::asio::awaitable<Response> Handle(Request& request);
  // Per-route body limits.
  static size_t BodyLimit(std::string_view method, std::string_view path);

 private:
  // What a tracking route runs with besides the request, owned by the
  // route's coroutine: the configuration it was routed by (alive until the
  // route ends, even if a newer one replaces it meanwhile), its workspace
  // (in that configuration) and the path its cookies are scoped to.
  struct Route {
    std::shared_ptr<const collect::CollectConfig> config;
    const collect::WorkspaceView* ws = nullptr;
    std::string cookie_path;
  };
  boost::asio::awaitable<Response> Track(collect::Endpoint endpoint, Request& request, Route route);
  boost::asio::awaitable<Response> IngestApiEvents(Request& request,
                                                   std::shared_ptr<const collect::CollectConfig> config);
  boost::asio::awaitable<Response> FollowLink(Request& request, Route route, std::string_view link_id);
  boost::asio::awaitable<Response> SubmitForm(Request& request, Route route);
  void AddTrackingCookies(const Request& request, const collect::HitOutcome& out,
                          std::string_view cookie_path, Response& res) const;
  Response Health() const;
  Response Metrics() const;
  void AddCors(const Request& request, const collect::WorkspaceView& ws, Response& res) const;
  collect::HitRequest ToHit(const Request& request) const;

  const collect::Collector& collector_;
  pipeline::Bus& bus_;
  ConfigHolder& config_;
  Observability observability_;
  std::string tracker_js_;
  TrackingOptions options_;
  const api::OAuthServer& oauth_;
};

// The 43-byte transparent GIF Mautic answers with.
std::string_view TrackingGif();

}  // namespace spoor::http
