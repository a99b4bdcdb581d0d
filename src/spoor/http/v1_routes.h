// Routes of Spoor's own REST API under /api/v1/ (the route table is
// api::v1::Routes()): the authenticated principal's workspace, its settings,
// tracking domains, fields, links, forms, contacts, events, exports and API
// clients. JSON in and out, errors as {"error":{"code","message"}}, cursor
// pagination. Handlers are glue: authenticate, match, parse with api::v1,
// call the store, render. Configuration writes run on a worker thread (they
// fsync), then the running server's configuration is reloaded.
//
// Every request sees only its token's workspace: another workspace's ids
// answer 404 like missing ones. Unknown routes answer 404 "no_such_route",
// a known path with another method 405 "method_not_allowed".
//
// Thread-safety: one V1Routes serves every I/O thread.
#pragma once

#include <functional>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "spoor/api/authenticator.h"
#include "spoor/api/v1.h"
#include "spoor/http/http.h"
#include "spoor/http/tracking.h"
#include "spoor/store/store.h"

namespace spoor::http {

struct V1Options {
  // Called (on a worker thread) after a configuration write, so that the
  // running server's collect configuration follows at once.
  std::function<void()> config_changed;
  // Rows per read of a streamed export.
  int export_page_rows = 1000;
};

class V1Routes {
 public:
  // `writer` makes configuration writes; `reader` serves reads. Both, and
  // the others, must outlive this object.
  V1Routes(const api::Authenticator& auth, store::Store& writer, store::Store& reader,
           const ConfigHolder& config, V1Options options)
      : auth_(auth), writer_(writer), reader_(reader), config_(config), options_(std::move(options)) {}

  // Every /api/v1/ path except the events ingest endpoint (POST, OPTIONS
  // /api/v1/events), which belongs to the tracking surface.
  static bool Owns(std::string_view method, std::string_view path);
  static size_t BodyLimit(std::string_view method, std::string_view path);
  boost::asio::awaitable<Response> Handle(Request& request);

 private:
  struct Call;
  boost::asio::awaitable<Response> Dispatch(Call& call);
  // Configuration.
  Response GetWorkspace(Call& call);
  boost::asio::awaitable<Response> PatchSettings(Call& call);
  Response ListDomains(Call& call);
  boost::asio::awaitable<Response> AddDomain(Call& call);
  boost::asio::awaitable<Response> DeleteDomain(Call& call);
  Response ListFields(Call& call);
  boost::asio::awaitable<Response> UpsertField(Call& call);
  Response ListLinks(Call& call);
  boost::asio::awaitable<Response> CreateLink(Call& call);
  Response GetLink(Call& call);
  Response ListForms(Call& call);
  boost::asio::awaitable<Response> CreateForm(Call& call);
  Response GetForm(Call& call);
  // Data.
  Response ListContacts(Call& call);
  Response GetContact(Call& call);
  Response ListEvents(Call& call, int64_t contact_id);
  boost::asio::awaitable<Response> Export(Call& call, api::v1::Op op);
  // API clients.
  Response ListClients(Call& call);
  boost::asio::awaitable<Response> CreateClient(Call& call);
  boost::asio::awaitable<Response> DeleteClient(Call& call);

  // Runs a configuration write off the I/O thread, then reloads the config.
  boost::asio::awaitable<absl::Status> Write(std::function<absl::Status()> write);

  const api::Authenticator& auth_;
  store::Store& writer_;
  store::Store& reader_;
  const ConfigHolder& config_;
  V1Options options_;
  // Argon2id checks (HTTP Basic), configuration writes and exports run here.
  boost::asio::thread_pool work_{1};
};

}  // namespace spoor::http
