// Push notification tracking over HTTP: seed 002's public interaction
// receiver (POST /api/v1.0/orgs/{orgId}/pushdatareceiver/events: 202 when
// correct, 400 with the problem otherwise) and the authenticated management
// API under /api/v1/push/ (apps, user mapping, devices, notifications,
// figures). Interactions go through the bus like every other event.
//
// Thread-safety: one PushRoutes serves every I/O thread.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include "spoor/api/oauth.h"
#include "spoor/collect/identity.h"
#include "spoor/common/clock.h"
#include "spoor/http/http.h"
#include "spoor/http/tracking.h"
#include "spoor/pipeline/pipeline.h"
#include "spoor/store/store.h"

namespace spoor::http {

class PushRoutes {
 public:
  // `writer` makes the management writes; `reader` serves lookups and figures.
  PushRoutes(store::Store& writer, store::Store& reader, pipeline::Bus& bus,
             const ConfigHolder& config, collect::ContactIdAllocator& contact_ids,
             const Clock& clock)
      : writer_(writer),
        reader_(reader),
        bus_(bus),
        config_(config),
        contact_ids_(contact_ids),
        clock_(clock) {}

  // The public receiver's paths.
  static bool OwnsReceiver(std::string_view path);
  static RouteBodyLimit ReceiverBodyLimit(std::string_view method);
  boost::asio::awaitable<Response> Receive(Request& request);

  // /api/v1/push/..., for an authenticated principal of workspace `ws`.
  static bool OwnsApi(std::string_view path) { return path.substr(0, 13) == "/api/v1/push/"; }
  boost::asio::awaitable<Response> Manage(Request& request, const api::Principal& principal,
                                          const store::Workspace& ws,
                                          const boost::json::object& params);

 private:
  boost::asio::awaitable<absl::StatusOr<int64_t>> ContactFor(const store::Workspace& ws,
                                                             const std::string& user_id,
                                                             const boost::json::object* fields,
                                                             bool* created);
  boost::asio::awaitable<Response> MapUser(const store::Workspace& ws, const boost::json::object& params);
  boost::asio::awaitable<Response> RegisterDevice(const store::Workspace& ws, std::string_view app,
                                                  const boost::json::object& params);

  store::Store& writer_;
  store::Store& reader_;
  pipeline::Bus& bus_;
  const ConfigHolder& config_;
  collect::ContactIdAllocator& contact_ids_;
  const Clock& clock_;
};

}  // namespace spoor::http
