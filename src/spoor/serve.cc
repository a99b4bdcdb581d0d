#include "spoor/serve.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "spdlog/spdlog.h"
#include "spoor/api/authenticator.h"
#include "spoor/api/push.h"
#include "spoor/api/v1.h"
#include "spoor/api/oauth.h"
#include "spoor/auth/auth.h"
#include "spoor/collect/bots.h"
#include "spoor/collect/channels.h"
#include "spoor/collect/collect.h"
#include "spoor/collect/user_agent.h"
#include "spoor/common/clock.h"
#include "spoor/common/status.h"
#include "spoor/common/signed_token.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "spoor/common/strings.h"
#include "spoor/cli.h"
#include "spoor/config.h"
#include "spoor/http/http.h"
#include "spoor/http/router.h"
#include "spoor/http/tls.h"
#include "spoor/http/tracking.h"
#include "spoor/pipeline/pipeline.h"
#include "spoor/store/store.h"

namespace spoor::assets {
extern const std::string_view kTrackerJs;
extern const std::string_view kChannelRules;
extern const std::string_view kUapRegexes;
}  // namespace spoor::assets

namespace spoor {
namespace {

collect::CollectConfig ToCollectConfig(const std::vector<store::Workspace>& workspaces) {
  collect::CollectConfig config;
  for (const store::Workspace& ws : workspaces) {
    collect::WorkspaceView v;
    v.id = ws.id;
    v.uuid = ws.uuid;
    v.is_default = ws.is_default;
    v.honor_do_not_track = ws.settings.honor_do_not_track;
    v.anonymize_ip = ws.settings.anonymize_ip;
    for (const std::string& ip : ws.settings.excluded_ips) {
      auto range = collect::ParseIpRange(ip);
      if (range.ok()) v.excluded_ips.push_back(*range);
      else spdlog::warn("workspace {}: ignoring excluded IP {}", ws.uuid, ip);
    }
    v.tracking_domains = ws.tracking_domains;
    v.track_by_tracking_url = ws.settings.track_by_tracking_url;
    v.write_key = ws.write_key;
    for (const store::FormRecord& f : ws.forms) {
      auto form = collect::ParseFormDefinition(f.definition);
      if (!form.ok()) {
        spdlog::warn("workspace {}: form {} is unreadable: {}", ws.uuid, f.id,
                     std::string(form.status().message()));
        continue;
      }
      form->id = f.id;
      if (!form->published) continue;  // takes no submissions
      v.forms.emplace(f.id, std::move(*form));
    }
    for (const store::LinkRecord& l : ws.links) v.links.emplace(l.id, l.url);
    for (const store::FieldDefinition& f : ws.fields) {
      v.all_fields.insert(f.alias);
      if (f.is_publicly_updatable) v.public_fields.insert(f.alias);
      if (f.is_unique_identifier) v.unique_fields.insert(f.alias);
    }
    config.workspaces.push_back(std::move(v));
  }
  return config;
}

absl::Status LoadConfig(store::Store& store, http::ConfigHolder& holder) {
  SPOOR_ASSIGN_OR_RETURN(std::vector<store::Workspace> all, store.LoadWorkspaces());
  holder.Set(std::make_shared<const collect::CollectConfig>(ToCollectConfig(all)));
  holder.SetWorkspaces(std::make_shared<const std::vector<store::Workspace>>(std::move(all)));
  return absl::OkStatus();
}

// tls_port 0: no HTTPS, and the field is left out.
void WriteReadyFile(const std::string& path, const std::string& url, const std::string& ws,
                    uint16_t tls_port) {
  boost::json::object o{{"url", url}, {"workspace_id", ws}, {"pid", getpid()}};
  if (tls_port != 0) o["tls_port"] = tls_port;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << boost::json::serialize(o) << "\n";
  }
  std::filesystem::rename(tmp, path);
}

std::string Url(std::string_view scheme, const std::string& host, uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return StrCat(scheme, "://", ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
}

std::string Snippet(const std::string& url) {
  return StrCat(
      "<script>\n"
      "    (function(w,d,t,u,n,a,m){w['MauticTrackingObject']=n;\n"
      "        w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)},a=d.createElement(t),\n"
      "        m=d.getElementsByTagName(t)[0];a.async=1;a.src=u;m.parentNode.insertBefore(a,m)\n"
      "    })(window,document,'script','",
      url, "/mtc.js','mt');\n\n    mt('send', 'pageview');\n</script>\n");
}

}  // namespace

int Serve(const ServeConfig& cfg) {
  SystemClock clock;
  store::StoreOptions store_options{cfg.data_dir, /*read_only=*/false, cfg.synchronous_full};
  store_options.ingest = true;
  auto opened = store::OpenSqliteStore(store_options);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<store::Store> store = std::move(*opened);
  auto ws = store->EnsureDefaultWorkspace();
  if (!ws.ok()) return Fail(ws.status());

  collect::BotRules bot_rules;
  bot_rules.uap_regexes_yaml = std::string(assets::kUapRegexes);
  bot_rules.substrings = collect::DefaultBotSubstrings();
  for (const auto& s : cfg.bot_substrings) bot_rules.substrings.push_back(s);
  bot_rules.extra_regexes = cfg.bot_regexes;
  auto bots = collect::BotDetector::Create(bot_rules);
  if (!bots.ok()) return Fail(bots.status());
  auto channels = cfg.channel_rules_path.empty()
                      ? collect::ChannelRules::FromJson(assets::kChannelRules)
                      : collect::ChannelRules::FromFile(cfg.channel_rules_path);
  if (!channels.ok()) return Fail(channels.status());

  collect::IdentityCache identities;
  auto load_devices = [&store, &identities] {
    return store->ForEachDevice([&](std::string_view device, int64_t wsid, uint64_t contact) {
      identities.Put(device, wsid, contact);
    });
  };

  const collect::ChannelRules& rules = **channels;
  pipeline::PipelineHooks hooks;
  hooks.enrich = [&rules](Event& e) {
    collect::ChannelInput in;
    in.utm_source = e.utm.source;
    in.utm_medium = e.utm.medium;
    in.utm_campaign = e.utm.campaign;
    in.referrer = e.referrer;
    in.page_host = collect::UrlHost(e.url);
    e.channel = rules.Classify(in).channel;
    collect::DeviceInfo device = collect::ClassifyUserAgent(e.user_agent);
    e.browser = std::move(device.browser);
    e.os = std::move(device.os);
    e.device_type = std::move(device.device_type);
  };
  hooks.device_moves = [&identities](const std::vector<store::DeviceOwner>& moves) {
    for (const auto& m : moves) identities.Put(m.device_id, m.workspace_id, m.contact_id);
  };
  auto pipeline = pipeline::LocalPipeline::Start(*store, cfg.pipeline, hooks);
  if (!pipeline.ok()) return Fail(pipeline.status());
  // Loaded once recovery has applied the inbox, so its devices are included.
  if (absl::Status loaded = load_devices(); !loaded.ok()) return Fail(loaded);

  auto key = store->Secret("contact_ids");
  if (!key.ok()) return Fail(key.status());
  collect::ContactIdAllocator contact_ids(
      *key, [&store](uint64_t n) { return store->ReserveContactCounter(n); });
  collect::Counters counters;
  collect::Collector collector(bots->get(), identities, contact_ids, counters, clock);

  http::ConfigHolder config;
  if (absl::Status s = LoadConfig(*store, config); !s.ok()) return Fail(s);
  // Reloads come from the watcher below and from API writes (forms).
  std::mutex reload_mu;
  auto reload_config = [&store, &config, &reload_mu] {
    std::lock_guard<std::mutex> lock(reload_mu);
    return LoadConfig(*store, config);
  };
  http::Observability obs{[&pipeline] { return (*pipeline)->Stats(); }, &counters};
  auto link_key = store->Secret("link_tokens");
  if (!link_key.ok()) return Fail(link_key.status());
  api::OAuthOptions oauth_options;
  oauth_options.access_token_lifetime_s = cfg.access_token_lifetime_s;
  oauth_options.refresh_token_lifetime_s = cfg.refresh_token_lifetime_s;
  api::OAuthServer oauth(*store, clock, oauth_options);
  auto accounts = api::Accounts::Create(*store, clock);
  if (!accounts.ok()) return Fail(accounts.status());
  http::AuthRoutes auth_routes(oauth, **accounts, {cfg.trust_proxy_headers, cfg.secure_cookies});
  http::TrackingOptions tracking_options{
      cfg.secure_cookies, cfg.trust_proxy_headers, kVersion, *link_key,
      [&auth_routes](std::string_view cookie) { return auth_routes.HasUserSession(cookie); }};
  http::TrackingRoutes routes(collector, **pipeline, config, obs, std::string(assets::kTrackerJs),
                              tracking_options, oauth);

  // The APIs read through their own connection, beside the writer's.
  auto reader = store::OpenSqliteStore({cfg.data_dir, /*read_only=*/true});
  if (!reader.ok()) return Fail(reader.status());
  api::Authenticator api_auth(oauth, **accounts, *store, {cfg.api_basic_auth});
  http::PushRoutes push_routes(*store, **reader, **pipeline, config, contact_ids, clock);
  http::ApiOptions api_options{kVersion, store.get(), reload_config};
  http::ApiRoutes api_routes(api_auth, **reader, **pipeline, config, contact_ids, clock, push_routes,
                             api_options);
  http::V1Options v1_options;
  v1_options.config_changed = [&reload_config] { (void)reload_config(); };
  v1_options.export_page_rows = cfg.export_page_rows;
  http::V1Routes v1_routes(api_auth, *store, **reader, config, std::move(v1_options));
  http::Router router(routes, auth_routes, api_routes, v1_routes, push_routes);

  http::ServerOptions server_options = cfg.server;
  if (cfg.pipeline.io_threads_commit) {
    server_options.idle_work = [p = pipeline->get()] { return p->CommitStaged(); };
  }
  auto server = http::Server::Start(
      server_options, [&router](http::Request& r) { return router.Handle(r); },
      &http::Router::BodyLimit);
  if (!server.ok()) return Fail(server.status());

  // Without --tls-listen the one listener speaks HTTPS; with it, HTTPS is a
  // second URL and the snippet uses it (a page on HTTPS cannot load an http:
  // script).
  bool https_only = server_options.tls() && !server_options.tls_listen;
  std::string url = Url(https_only ? "https" : "http", server_options.host, (*server)->port());
  std::string https_url =
      server_options.tls_listen
          ? Url("https", server_options.tls_host, (*server)->tls_port())
          : std::string();
  spdlog::info("spoor {} listening on {}{}{}", kVersion, url, https_url.empty() ? "" : " and ",
               https_url);
  std::string urls = StrCat("  URL:        ", url, "\n");
  if (!https_url.empty()) urls += StrCat("  HTTPS:      ", https_url, "\n");
  std::printf("Spoor is running.\n%s  Workspace:  %s\n  Data:       %s\n\n"
              "Paste this snippet into your site's pages, before </body>:\n\n%s\n",
              urls.c_str(), ws->uuid.c_str(), cfg.data_dir.c_str(),
              Snippet(https_url.empty() ? url : https_url).c_str());
  std::fflush(stdout);
  if (!cfg.ready_file.empty()) {
    WriteReadyFile(cfg.ready_file, url, ws->uuid, (*server)->tls_port());
  }

  // Configuration written by other processes (spoor workspace domains ...)
  // is picked up within a second.
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    int64_t seen = store->ConfigVersion().value_or(0);
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      int64_t now = store->ConfigVersion().value_or(seen);
      if (now != seen && reload_config().ok()) {
        // Device owners may have changed outside the server (unmerge).
        (void)load_devices();
        seen = now;
      }
    }
  });

  (*server)->WaitForSignal();
  spdlog::info("draining: finishing in-flight requests");
  stop = true;
  watcher.join();
  (*server)->Drain(10);
  (*pipeline)->Stop();
  std::vector<store::CounterDelta> deltas;
  for (const auto& [k, v] : counters.Snapshot()) deltas.push_back({0, k.first, k.second, v});
  if (!deltas.empty()) (void)store->AddCounters(deltas);
  spdlog::info("stopped; every acknowledged event is committed");
  return 0;
}

}  // namespace spoor
