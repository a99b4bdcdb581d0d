// spoor: one binary. Explicit wiring of every module; no globals.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "spdlog/spdlog.h"
#include "spoor/api/accounts.h"
#include "spoor/api/authenticator.h"
#include "spoor/api/push.h"
#include "spoor/api/v1.h"
#include "spoor/api/oauth.h"
#include "spoor/auth/auth.h"
#include "spoor/collect/collect.h"
#include "spoor/common/clock.h"
#include "spoor/common/status.h"
#include "spoor/common/signed_token.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "spoor/common/strings.h"
#include "spoor/cli.h"
#include "spoor/config.h"
#include "spoor/http/http.h"
#include "spoor/http/tls.h"
#include "spoor/pipeline/pipeline.h"
#include "spoor/serve.h"
#include "spoor/store/store.h"

namespace spoor {
namespace {

absl::StatusOr<store::Workspace> PickWorkspace(store::Store& store, const std::string& uuid) {
  SPOOR_RETURN_IF_ERROR(store.EnsureDefaultWorkspace().status());
  return store.FindWorkspace(uuid);
}

int Domains(const std::string& action, const std::string& origin, const std::string& data,
            const std::string& workspace) {
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  if (action == "list") {
    for (const auto& d : ws->tracking_domains) std::printf("%s\n", d.c_str());
    return 0;
  }
  if (origin.empty()) return Fail(absl::InvalidArgumentError("an ORIGIN is required"));
  absl::Status valid = ValidateOrigin(origin);
  if (action == "add" && !valid.ok()) return Fail(valid);
  absl::Status s = action == "add" ? (*store)->AddTrackingDomain(ws->id, origin)
                                   : (*store)->RemoveTrackingDomain(ws->id, origin);
  if (!s.ok()) return Fail(s);
  std::printf("%s %s for workspace %s\n", action == "add" ? "added" : "removed", origin.c_str(),
              ws->uuid.c_str());
  return 0;
}

int ShowWorkspace(const std::string& data, const std::string& workspace,
                  const std::string& create_name = {}) {
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = create_name.empty() ? PickWorkspace(**store, workspace)
                                : (*store)->CreateWorkspace(create_name);
  if (!ws.ok()) return Fail(ws.status());
  boost::json::array domains, fields;
  for (const auto& d : ws->tracking_domains) domains.emplace_back(d);
  for (const auto& f : ws->fields) {
    fields.emplace_back(boost::json::object{{"alias", f.alias},
                                            {"label", f.label},
                                            {"type", f.type},
                                            {"isUniqueIdentifier", f.is_unique_identifier},
                                            {"isPubliclyUpdatable", f.is_publicly_updatable}});
  }
  boost::json::object o{{"id", ws->uuid},          {"name", ws->name},
                        {"write_key", ws->write_key},
                        {"default", ws->is_default}, {"tracking_domains", domains},
                        {"fields", fields},
                        {"settings",
                         {{"session_timeout_minutes", ws->settings.session_timeout_minutes},
                          {"honor_do_not_track", ws->settings.honor_do_not_track},
                          {"anonymize_ip", ws->settings.anonymize_ip}}}};
  std::printf("%s\n", boost::json::serialize(o).c_str());
  return 0;
}

int Export(const std::string& what, const std::string& data, const std::string& workspace) {
  auto store = store::OpenSqliteStore({data, /*read_only=*/true});
  if (!store.ok()) return Fail(store.status());
  std::optional<int64_t> ws_id;
  if (!workspace.empty()) {
    auto ws = (*store)->FindWorkspace(workspace);
    if (!ws.ok()) return Fail(ws.status());
    ws_id = ws->id;
  }
  auto line = [](std::string_view l) {
    std::fwrite(l.data(), 1, l.size(), stdout);
    std::fputc('\n', stdout);
  };
  absl::Status s;
  if (what == "contacts") s = (*store)->ExportContacts(ws_id, line);
  else if (what == "events") s = (*store)->ExportEvents(ws_id, line);
  else if (what == "sessions") s = (*store)->ExportSessions(ws_id, line);
  else s = (*store)->ExportCounters(line);
  if (!s.ok()) return Fail(s);
  return 0;
}

int CreateForm(const std::string& data, const std::string& workspace, const std::string& name,
               const std::vector<std::string>& specs, const std::vector<std::string>& tags,
               const std::vector<std::string>& consents, const std::string& redirect,
               const std::string& message) {
  collect::FormDefinition form;
  form.name = name;
  for (const std::string& spec : specs) {
    auto field = collect::ParseFieldSpec(spec);
    if (!field.ok()) return Fail(field.status());
    form.fields.push_back(std::move(*field));
  }
  for (const std::string& tag : tags) {
    if (!tag.empty() && tag[0] == '-') form.remove_tags.push_back(tag.substr(1));
    else form.add_tags.push_back(tag);
  }
  form.consents = consents;
  form.redirect_url = redirect;
  if (!message.empty()) form.message = message;
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  auto id = (*store)->CreateForm(ws->id, name, collect::FormDefinitionToJson(form));
  if (!id.ok()) return Fail(id.status());
  form.id = *id;
  std::printf("%s\n", collect::FormDefinitionToJson(form).c_str());
  return 0;
}

int CreatePushApp(const std::string& data, const std::string& workspace, const std::string& name,
                  const std::string& platform) {
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  auto app = (*store)->CreatePushApp(ws->id, name, platform);
  if (!app.ok()) return Fail(app.status());
  boost::json::object o = api::RenderPushApp(*app);
  o["workspace"] = ws->uuid;
  std::printf("%s\n", boost::json::serialize(o).c_str());
  return 0;
}

int CreateLink(const std::string& data, const std::string& workspace, const std::string& url,
               int64_t contact, int expires_days) {
  if (!(StartsWith(url, "https://") || StartsWith(url, "http://")) || url.size() > 4096 ||
      url.find_first_of(" \r\n\t") != std::string::npos) {
    return Fail(absl::InvalidArgumentError("--url must be an absolute http(s) URL"));
  }
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  auto id = (*store)->CreateLink(ws->id, url);
  if (!id.ok()) return Fail(id.status());
  std::string path = StrCat(ws->is_default ? "" : StrCat("/w/", ws->uuid), "/r/", *id);
  boost::json::object o{{"id", *id}, {"url", url}, {"path", path}};
  if (contact > 0) {
    auto key = (*store)->Secret("link_tokens");
    if (!key.ok()) return Fail(key.status());
    int64_t expires = expires_days > 0 ? SystemClock().NowMicros() / 1000000 + expires_days * 86400LL : 0;
    o["path_for_contact"] = StrCat(path, "?ct=",
                                   SignContactToken(*key, ws->id, static_cast<uint64_t>(contact), expires));
  }
  std::printf("%s\n", boost::json::serialize(o).c_str());
  return 0;
}

int SetWorkspace(const std::string& data, const std::string& workspace, const std::string& key,
                 const std::string& value) {
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  store::WorkspaceSettings s = ws->settings;
  auto flag = [&](bool& out) -> absl::Status {
    if (value == "on" || value == "true") out = true;
    else if (value == "off" || value == "false") out = false;
    else return absl::InvalidArgumentError(StrCat(key, " takes on or off"));
    return absl::OkStatus();
  };
  absl::Status st;
  if (key == "track_by_tracking_url") st = flag(s.track_by_tracking_url);
  else if (key == "honor_do_not_track") st = flag(s.honor_do_not_track);
  else if (key == "anonymize_ip") st = flag(s.anonymize_ip);
  else if (key == "session_timeout_minutes") {
    int minutes = 0;
    if (!absl::SimpleAtoi(ToAbsl(value), &minutes) || minutes < 1 || minutes > 1440) {
      st = absl::InvalidArgumentError("session_timeout_minutes takes 1 to 1440");
    }
    s.session_timeout_minutes = minutes;
  } else if (key == "excluded_ips") {
    s.excluded_ips.clear();
    for (absl::string_view ip : absl::StrSplit(ToAbsl(value), ',', absl::SkipEmpty())) {
      if (auto r = collect::ParseIpRange(ToStd(ip)); !r.ok()) st = r.status();
      s.excluded_ips.emplace_back(ip);
    }
  } else {
    st = absl::InvalidArgumentError(StrCat(
        "unknown setting ", key, " (track_by_tracking_url, honor_do_not_track, anonymize_ip, "
        "session_timeout_minutes, excluded_ips)"));
  }
  if (!st.ok()) return Fail(st);
  if (absl::Status saved = (*store)->SetWorkspaceSettings(ws->id, s); !saved.ok()) return Fail(saved);
  return ShowWorkspace(data, workspace);
}

int SetField(const std::string& data, const std::string& workspace, const std::string& alias,
             const std::string& label, const std::string& type, const std::string& unique,
             const std::string& is_public) {
  auto spec = collect::ParseFieldSpec(alias);  // validates the alias
  if (!spec.ok() || alias.find(':') != std::string::npos) {
    return Fail(absl::InvalidArgumentError("a field alias is lower-case letters, digits and _"));
  }
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  store::FieldDefinition f{alias, alias, "text", false, false};
  for (const auto& existing : ws->fields) {
    if (existing.alias == alias) f = existing;
  }
  if (!label.empty()) f.label = label;
  if (!type.empty()) f.type = type;
  auto flag = [](const std::string& v, bool& out) {
    if (v == "on" || v == "true") out = true;
    else if (v == "off" || v == "false") out = false;
    else return !v.empty() ? false : true;
    return true;
  };
  if (!flag(unique, f.is_unique_identifier) || !flag(is_public, f.is_publicly_updatable)) {
    return Fail(absl::InvalidArgumentError("--unique-identifier and --publicly-updatable take on or off"));
  }
  if (absl::Status st = (*store)->UpsertField(ws->id, f); !st.ok()) return Fail(st);
  return ShowWorkspace(data, workspace);
}

int CreateUser(const std::string& data, const std::string& email, const std::string& role) {
  if (email.find('@') == std::string::npos || email.size() > 254) {
    return Fail(absl::InvalidArgumentError("--email must be an email address"));
  }
  std::string password;
  bool generated = false;
  if (!isatty(STDIN_FILENO)) std::getline(std::cin, password);
  if (password.empty()) {
    password = auth::NewSecret("").substr(0, 24);
    generated = true;
  } else if (password.size() < 12) {
    return Fail(absl::InvalidArgumentError("a password needs at least 12 characters"));
  }
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return Fail(hash.status());
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto id = (*store)->CreateUser(AsciiLower(email), *hash, role);
  if (!id.ok()) return Fail(id.status());
  boost::json::object o{{"id", *id}, {"email", AsciiLower(email)}, {"role", role}};
  if (generated) o["password"] = password;  // shown once
  std::printf("%s\n", boost::json::serialize(o).c_str());
  return 0;
}

int ListClients(const std::string& data) {
  auto store = store::OpenSqliteStore({data, /*read_only=*/true});
  if (!store.ok()) return Fail(store.status());
  auto clients = (*store)->ListClients();
  if (!clients.ok()) return Fail(clients.status());
  auto workspaces = (*store)->LoadWorkspaces();
  if (!workspaces.ok()) return Fail(workspaces.status());
  for (const store::ApiClient& c : *clients) {
    std::string uuid;
    for (const auto& w : *workspaces) {
      if (w.id == c.workspace_id) uuid = w.uuid;
    }
    std::printf("%s\n", boost::json::serialize(api::v1::RenderClient(c, uuid)).c_str());
  }
  return 0;
}

int CreateClient(const std::string& data, const std::string& workspace, const std::string& name,
                 const std::vector<std::string>& redirects, std::vector<std::string> grants,
                 const std::string& scope, bool is_public) {
  api::v1::ClientSpec spec{name, redirects, std::move(grants), scope, is_public};
  if (absl::Status st = api::v1::CompleteClientSpec(spec); !st.ok()) return Fail(st);
  auto store = store::OpenSqliteStore({data});
  if (!store.ok()) return Fail(store.status());
  auto ws = PickWorkspace(**store, workspace);
  if (!ws.ok()) return Fail(ws.status());
  api::v1::NewClient made = api::v1::MakeClient(spec, ws->id);
  if (absl::Status st = (*store)->CreateClient(made.client); !st.ok()) return Fail(st);
  boost::json::object out = api::v1::RenderClient(made.client, ws->uuid);
  out["client_secret"] = is_public ? boost::json::value(nullptr) : boost::json::value(made.secret);
  std::printf("%s\n", boost::json::serialize(out).c_str());
  return 0;
}

int ContactCommand(const std::string& action, int64_t contact, const std::string& data,
                   const store::TimelineQuery& query) {
  auto store = store::OpenSqliteStore({data, /*read_only=*/action == "show"});
  if (!store.ok()) return Fail(store.status());
  if (action == "show") {
    auto shown = (*store)->ShowContact(contact, query);
    if (!shown.ok()) return Fail(shown.status());
    std::printf("%s\n", shown->c_str());
    return 0;
  }
  auto winner = (*store)->UnmergeContact(contact, nullptr);
  if (!winner.ok()) return Fail(winner.status());
  std::printf("{\"unmerged\":%lld,\"from\":%lld}\n", static_cast<long long>(contact),
              static_cast<long long>(*winner));
  return 0;
}

int SelfSigned(const http::SelfSignedOptions& options) {
  if (absl::Status s = http::WriteSelfSignedCertificate(options); !s.ok()) return Fail(s);
  std::printf("wrote %s and %s (key readable by you only); valid for %d days for:",
              options.cert_file.c_str(), options.key_file.c_str(), options.valid_days);
  for (const std::string& host : options.hosts) std::printf(" %s", host.c_str());
  std::printf(" (and 127.0.0.1, ::1)\nBrowsers warn about a self-signed certificate; it is for trying "
              "Spoor out. Clients can trust it with its file (curl --cacert %s).\n",
              options.cert_file.c_str());
  return 0;
}

int Main(int argc, char** argv) {
#ifdef NDEBUG
  // Abseil built without NDEBUG (as Debian ships it) checks every lock
  // order against a graph of all locks taken so far, on every lock: a
  // debugging aid, kept for the tests and debug builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  CLI::App app{"Spoor: who your visitors and contacts are, and what they do."};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  AddServeFlags(*serve, serve_flags);

  std::string data = "./data", workspace;
  CLI::App* ws_cmd = app.add_subcommand("workspace", "Show and configure workspaces");
  ws_cmd->require_subcommand(1);
  CLI::App* show = ws_cmd->add_subcommand("show", "Print a workspace as JSON");
  std::string ws_name;
  CLI::App* ws_create = ws_cmd->add_subcommand("create", "Create a workspace; prints it as JSON");
  ws_create->add_option("--name", ws_name, "Its name")->required();
  ws_create->add_option("--data", data, "Data directory")->capture_default_str();
  CLI::App* domains = ws_cmd->add_subcommand("domains", "Manage tracking domains (CORS origins)");
  std::string action, origin;
  domains->add_option("action", action, "add | remove | list")
      ->required()
      ->check(CLI::IsMember({"add", "remove", "list"}));
  domains->add_option("origin", origin, "An origin (https://www.example.com) or glob (https://*.example.com)");
  for (CLI::App* c : {show, domains}) {
    c->add_option("--data", data, "Data directory")->capture_default_str();
    c->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");
  }

  std::string what;
  CLI::App* exp = app.add_subcommand("export", "Print stored data as NDJSON (safe while serving)");
  exp->add_option("what", what, "contacts | events | sessions | counters")
      ->required()
      ->check(CLI::IsMember({"contacts", "events", "sessions", "counters"}));
  exp->add_option("--data", data, "Data directory")->capture_default_str();
  exp->add_option("--workspace", workspace, "Workspace id (all workspaces when omitted)");

  std::string set_key, set_value;
  CLI::App* ws_set = ws_cmd->add_subcommand("set", "Change a workspace setting");
  ws_set->add_option("key", set_key,
                     "track_by_tracking_url | honor_do_not_track | anonymize_ip | "
                     "session_timeout_minutes | excluded_ips")->required();
  ws_set->add_option("value", set_value, "on/off, a number, or a comma-separated list")->required();
  ws_set->add_option("--data", data, "Data directory")->capture_default_str();
  ws_set->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");

  std::string user_email, user_role = "admin";
  CLI::App* user_cmd = app.add_subcommand("user", "Users of the UI and API");
  user_cmd->require_subcommand(1);
  CLI::App* user_create = user_cmd->add_subcommand(
      "create", "Create a user; the password is read from stdin, or generated and printed once");
  user_create->add_option("--email", user_email, "Email (the login)")->required();
  user_create->add_option("--role", user_role, "admin, editor or viewer")
      ->check(CLI::IsMember({"admin", "editor", "viewer"}))
      ->capture_default_str();
  user_create->add_option("--data", data, "Data directory")->capture_default_str();

  std::string client_name, client_scope = "write";
  std::vector<std::string> client_redirects, client_grants;
  std::string revoke_id;
  bool client_public = false;
  CLI::App* client_cmd = app.add_subcommand("client", "API credentials (OAuth2 clients)");
  client_cmd->require_subcommand(1);
  CLI::App* client_create = client_cmd->add_subcommand(
      "create", "Create API credentials; prints client_id and client_secret (shown once)");
  client_create->add_option("--name", client_name, "Name")->required();
  client_create->add_option("--redirect-uri", client_redirects, "Redirect URI (repeatable)");
  client_create->add_option("--grant", client_grants,
                            "client_credentials | authorization_code (repeatable; default "
                            "client_credentials)")
      ->check(CLI::IsMember({"client_credentials", "authorization_code", "refresh_token"}));
  client_create->add_flag("--public", client_public,
                          "A public client (no secret; PKCE required), e.g. a browser app");
  client_create->add_option("--scope", client_scope, "read or write")
      ->check(CLI::IsMember({"read", "write"}))
      ->capture_default_str();
  client_create->add_option("--data", data, "Data directory")->capture_default_str();
  client_create->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");
  CLI::App* client_list =
      client_cmd->add_subcommand("list", "Print every client as a JSON line (no secrets)");
  client_list->add_option("--data", data, "Data directory")->capture_default_str();
  CLI::App* client_revoke = client_cmd->add_subcommand("revoke", "Revoke a client and its tokens");
  client_revoke->add_option("client_id", revoke_id, "Client id")->required();
  client_revoke->add_option("--data", data, "Data directory")->capture_default_str();

  std::string field_alias, field_label, field_type, field_unique, field_public;
  CLI::App* field_cmd = app.add_subcommand("field", "Contact field definitions");
  field_cmd->require_subcommand(1);
  CLI::App* field_set = field_cmd->add_subcommand("set", "Create or change a contact field");
  field_set->add_option("alias", field_alias, "Field alias (lower-case letters, digits, _)")->required();
  field_set->add_option("--label", field_label, "Label");
  field_set->add_option("--type", field_type, "text, email, tel, number, ...");
  field_set->add_option("--unique-identifier", field_unique,
                        "on: values identify a contact (merges, deanonymization)");
  field_set->add_option("--publicly-updatable", field_public,
                        "on: tracking requests may set it");
  field_set->add_option("--data", data, "Data directory")->capture_default_str();
  field_set->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");

  std::string link_url;
  int64_t link_contact = 0;
  int link_days = 0;
  CLI::App* link_cmd = app.add_subcommand("link", "Tracked links (/r/ID)");
  link_cmd->require_subcommand(1);
  CLI::App* link_create = link_cmd->add_subcommand("create", "Create a tracked link; prints JSON");
  link_create->add_option("--url", link_url, "Where the link goes")->required();
  link_create->add_option("--contact", link_contact,
                          "Also print the link signed for this contact (?ct=...)");
  link_create->add_option("--expires-days", link_days, "Signed link lifetime (0 = no expiry)");
  link_create->add_option("--data", data, "Data directory")->capture_default_str();
  link_create->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");

  std::string form_name, redirect, message;
  std::vector<std::string> field_specs, form_tags, consents;
  std::string push_name, push_platform;
  CLI::App* push_cmd = app.add_subcommand("push", "Push notification tracking");
  push_cmd->require_subcommand(1);
  CLI::App* push_app = push_cmd->add_subcommand("app", "Apps that receive push notifications");
  push_app->require_subcommand(1);
  CLI::App* push_app_create = push_app->add_subcommand("create", "Create an app; prints it as JSON");
  push_app_create->add_option("--name", push_name, "Its name")->required();
  push_app_create->add_option("--platform", push_platform, "ios, android or web")
      ->required()
      ->check(CLI::IsMember({"ios", "android", "web"}));
  push_app_create->add_option("--data", data, "Data directory")->capture_default_str();
  push_app_create->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");

  CLI::App* form_cmd = app.add_subcommand("form", "Manage forms");
  form_cmd->require_subcommand(1);
  CLI::App* form_create = form_cmd->add_subcommand("create", "Create a form; prints it as JSON with its id");
  form_create->add_option("--name", form_name, "Form name")->required();
  form_create->add_option("--field", field_specs,
                          "NAME[:TYPE][:required], repeatable; TYPE is text, email, tel, number, "
                          "checkbox, textarea or hidden; the field sets the contact field of the "
                          "same name");
  form_create->add_option("--tag", form_tags, "Tag to add (or -TAG to remove) on submit; repeatable");
  form_create->add_option("--consent", consents, "Consent the submission grants (e.g. tracking)");
  form_create->add_option("--redirect", redirect, "URL to go to after a submit (an allowed domain)");
  form_create->add_option("--message", message, "Message shown after a submit");
  form_create->add_option("--data", data, "Data directory")->capture_default_str();
  form_create->add_option("--workspace", workspace, "Workspace id (default workspace when omitted)");

  // `spoor contact show ID` and `spoor contacts unmerge ID` (both spellings work).
  int64_t contact_id = 0;
  store::TimelineQuery timeline;
  std::string from_date, to_date;
  std::vector<CLI::App*> contact_cmds;
  for (const char* name : {"contact", "contacts"}) {
    CLI::App* cmd = app.add_subcommand(name, "Show a contact and its timeline, undo a merge");
    cmd->require_subcommand(1);
    for (const char* verb : {"show", "unmerge"}) {
      CLI::App* sub = cmd->add_subcommand(
          verb, std::string(verb) == "show"
                    ? "Print a contact (fields, tags, devices, merges) and its timeline as JSON"
                    : "Undo the latest merge of this contact into another");
      sub->add_option("id", contact_id, "Contact id")->required();
      sub->add_option("--data", data, "Data directory")->capture_default_str();
      if (std::string(verb) == "show") {
        sub->add_option("--limit", timeline.limit, "Timeline entries per page (1-1000)")
            ->capture_default_str();
        sub->add_option("--before", timeline.before, "Cursor: the previous page's next_before");
        sub->add_option("--type", timeline.types, "Only these event types (repeatable)");
        sub->add_option("--from", from_date, "Only events at or after this time (RFC 3339)");
        sub->add_option("--to", to_date, "Only events at or before this time (RFC 3339)");
      }
      contact_cmds.push_back(sub);
    }
  }

  http::SelfSignedOptions self_signed;
  std::vector<std::string> tls_hosts;
  CLI::App* tls_cmd = app.add_subcommand("tls", "HTTPS certificates");
  tls_cmd->require_subcommand(1);
  CLI::App* tls_self = tls_cmd->add_subcommand(
      "self-signed",
      "Write an EC P-256 key (mode 0600) and a self-signed certificate for it, for trying "
      "HTTPS out: spoor serve --tls-cert CERT --tls-key KEY. Browsers warn about it; use a "
      "certificate from a CA (Let's Encrypt) for real sites");
  tls_self->add_option("--cert", self_signed.cert_file, "Certificate file to write (PEM)")
      ->required();
  tls_self->add_option("--key", self_signed.key_file, "Private key file to write (PEM)")
      ->required();
  tls_self->add_option("--host", tls_hosts,
                       "DNS name or IP address it is for (repeatable; default localhost; "
                       "127.0.0.1 and ::1 are always included)");
  tls_self->add_option("--days", self_signed.valid_days, "Validity in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  tls_self->add_flag("--force", self_signed.overwrite, "Replace existing files");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (serve->parsed()) {
    auto cfg = ResolveServeConfig(serve_flags);
    if (!cfg.ok()) return Fail(cfg.status());
    return Serve(*cfg);
  }
  if (tls_self->parsed()) {
    if (!tls_hosts.empty()) self_signed.hosts = tls_hosts;
    return SelfSigned(self_signed);
  }
  if (show->parsed()) return ShowWorkspace(data, workspace);
  if (ws_create->parsed()) return ShowWorkspace(data, "", ws_name);
  if (domains->parsed()) return Domains(action, origin, data, workspace);
  if (exp->parsed()) return Export(what, data, workspace);
  if (ws_set->parsed()) return SetWorkspace(data, workspace, set_key, set_value);
  if (user_create->parsed()) return CreateUser(data, user_email, user_role);
  if (client_create->parsed()) {
    return CreateClient(data, workspace, client_name, client_redirects, client_grants, client_scope,
                        client_public);
  }
  if (client_list->parsed()) return ListClients(data);
  if (client_revoke->parsed()) {
    auto store = store::OpenSqliteStore({data});
    if (!store.ok()) return Fail(store.status());
    if (absl::Status st = (*store)->RevokeClient(revoke_id); !st.ok()) return Fail(st);
    std::printf("{\"revoked\":\"%s\"}\n", revoke_id.c_str());
    return 0;
  }
  if (field_set->parsed()) {
    return SetField(data, workspace, field_alias, field_label, field_type, field_unique, field_public);
  }
  if (link_create->parsed()) return CreateLink(data, workspace, link_url, link_contact, link_days);
  if (push_app_create->parsed()) return CreatePushApp(data, workspace, push_name, push_platform);
  if (form_create->parsed()) {
    return CreateForm(data, workspace, form_name, field_specs, form_tags, consents, redirect,
                      message);
  }
  for (CLI::App* sub : contact_cmds) {
    if (sub->parsed()) {
      for (auto [text, out] : {std::pair{&from_date, &timeline.from_us},
                               std::pair{&to_date, &timeline.to_us}}) {
        if (text->empty()) continue;
        absl::Time t;
        std::string err;
        if (!absl::ParseTime(absl::RFC3339_full, *text, &t, &err)) {
          return Fail(absl::InvalidArgumentError(StrCat("bad time '", *text, "': ", err)));
        }
        *out = absl::ToUnixMicros(t);
      }
      return ContactCommand(sub->get_name(), contact_id, data, timeline);
    }
  }
  return 0;
}

}  // namespace
}  // namespace spoor

int main(int argc, char** argv) { return spoor::Main(argc, argv); }
