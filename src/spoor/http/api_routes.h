// Routes of the REST APIs: Mautic's (/api/contacts, /api/fields/contact,
// ...) with its paths, verbs, JSON shapes and status codes, and Spoor's own
// under /api/v1/. Every request is authenticated (OAuth2 bearer token, or
// HTTP Basic when enabled) and sees only its workspace: another workspace's ids answer as missing ones.
// Handlers are glue: authenticate, parse, call api::, publish writes through
// the bus and wait until they are applied, then read the result back.
//
// Thread-safety: one ApiRoutes serves every I/O thread.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <boost/asio/thread_pool.hpp>

#include "spoor/api/authenticator.h"
#include "spoor/api/contacts.h"
#include "spoor/collect/identity.h"
#include "spoor/common/clock.h"
#include "spoor/http/http.h"
#include "spoor/http/push_routes.h"
#include "spoor/http/tracking.h"
#include "spoor/pipeline/pipeline.h"
#include "spoor/store/store.h"

namespace spoor::http {

struct ApiOptions {
  std::string version = "0.1.0";  // sent as Mautic-Version
  // Configuration the APIs change (forms) is written through this store (the
  // writer's; null: the forms API is read-only), then reload_config makes
  // every route see it at once.
  store::Store* config_store = nullptr;
  std::function<absl::Status()> reload_config;
};

class ApiRoutes {
 public:
  ApiRoutes(const api::Authenticator& auth, store::Store& store, pipeline::Bus& bus,
            const ConfigHolder& config, collect::ContactIdAllocator& contact_ids,
            const Clock& clock, PushRoutes& push, ApiOptions options)
      : auth_(auth),
        store_(store),
        bus_(bus),
        config_(config),
        contact_ids_(contact_ids),
        clock_(clock),
        push_(push),
        options_(std::move(options)) {}

  // Whether `path` is one of these routes (every /api/ path but the events
  // ingest endpoint, which belongs to the tracking surface).
  static bool Owns(std::string_view path);
  static size_t BodyLimit(std::string_view method, std::string_view path);
  boost::asio::awaitable<Response> Handle(Request& request);

 private:
  struct Call;  // one authenticated request
  boost::asio::awaitable<Response> Route(Call& call);
  boost::asio::awaitable<Response> Contacts(Call& call, std::string_view rest);
  boost::asio::awaitable<Response> CreateContact(Call& call);
  boost::asio::awaitable<Response> EditContact(Call& call, int64_t id, bool put);
  boost::asio::awaitable<Response> DeleteContact(Call& call, int64_t id);
  boost::asio::awaitable<Response> BatchNew(Call& call);
  boost::asio::awaitable<Response> BatchEdit(Call& call, bool put);
  boost::asio::awaitable<Response> BatchDelete(Call& call);
  boost::asio::awaitable<Response> AddUtm(Call& call, int64_t id);
  Response ListContacts(Call& call);
  Response GetContact(Call& call, int64_t id);
  Response Activity(Call& call, int64_t id);
  Response Devices(Call& call, int64_t id);
  Response Fields(Call& call, std::string_view rest);
  // --- forms API ---
  boost::asio::awaitable<Response> Forms(Call& call, std::string_view rest);
  boost::asio::awaitable<Response> SaveForm(Call& call, std::optional<int64_t> id, bool put);
  boost::asio::awaitable<Response> DeleteForm(Call& call, int64_t id);
  boost::asio::awaitable<absl::Status> WriteConfig(std::function<absl::Status()> write);

  const api::Authenticator& auth_;
  store::Store& store_;
  pipeline::Bus& bus_;
  const ConfigHolder& config_;
  collect::ContactIdAllocator& contact_ids_;
  const Clock& clock_;
  PushRoutes& push_;
  ApiOptions options_;
  // HTTP Basic checks (argon2id) run here, off the I/O threads.
  boost::asio::thread_pool hashing_{1};
};

// Mautic's error body: {"errors":[{"code":status,"message":...,"details":[],"type":type}]}.
Response MauticError(int status, std::string_view message, std::string_view type = {});

}  // namespace spoor::http
