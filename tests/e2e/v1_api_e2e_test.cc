// Spoor's own API (/api/v1/) against a running spoor: each route's happy
// path and shape, cursor pagination, scopes, workspace isolation, strict
// input, and docs/openapi.json checked against the live routes both ways.
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "api_fixture.h"
#include "harness.h"
#include "spoor/api/v1.h"
#include "spoor/common/strings.h"

namespace spoor::e2e {
namespace {

namespace json = boost::json;

std::string ErrorCode(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.as_object().at("error").as_object().at("code").as_string());
}

class V1ApiE2E : public ApiTest {
 protected:
  void SetUp() override { StartWithClients("V1"); }

  // Creates `n` contacts through the Mautic batch endpoint; returns their ids.
  std::set<int64_t> MakeContacts(int n) {
    std::set<int64_t> ids;
    for (int done = 0; done < n;) {
      int batch = std::min(100, n - done);
      json::array items;
      for (int i = 0; i < batch; ++i) {
        items.push_back(json::object{{"email", "c" + std::to_string(done + i) + "@x.org"}});
      }
      HttpResponse r = Api("POST", "/api/contacts/batch/new", json::serialize(items));
      EXPECT_EQ(r.status, 201) << r.body;
      json::object answer = JsonObject(r.body);
      for (const json::value& c : answer.at("contacts").as_array()) {
        ids.insert(c.as_object().at("id").as_int64());
      }
      done += batch;
    }
    return ids;
  }
};

TEST_F(V1ApiE2E, WorkspaceShowsSettingsAndTheWriteKeyOnlyToWriters) {
  HttpResponse r = Api("GET", "/api/v1/workspace");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  json::object ws = JsonObject(r.body);
  EXPECT_EQ(ws.at("id").as_string(), server_->workspace_id());
  EXPECT_EQ(ws.at("settings").as_object().at("session_timeout_minutes").as_int64(), 30);
  EXPECT_TRUE(ws.at("tracking_domains").is_array());
  EXPECT_TRUE(ws.contains("write_key"));
  json::object seen_by_reader = JsonObject(Api("GET", "/api/v1/workspace", "", reader_).body);
  EXPECT_FALSE(seen_by_reader.contains("write_key"));
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/workspace", "", other_).body).at("id"), other_ws_.at("id"));
}

TEST_F(V1ApiE2E, SettingsPatchIsValidatedAndStored) {
  HttpResponse r = Api("PATCH", "/api/v1/workspace/settings",
                       R"({"session_timeout_minutes":45,"anonymize_ip":true,
                           "excluded_ips":["10.0.0.0/8","192.0.2.7"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object s = JsonObject(Api("GET", "/api/v1/workspace").body).at("settings").as_object();
  EXPECT_EQ(s.at("session_timeout_minutes").as_int64(), 45);
  EXPECT_TRUE(s.at("anonymize_ip").as_bool());
  EXPECT_EQ(s.at("excluded_ips").as_array().size(), 2u);
  EXPECT_TRUE(s.at("honor_do_not_track").as_bool());  // untouched
  for (const char* bad : {R"({"session_timeout_minutes":0})", R"({"session_timeout_minutes":"5"})",
                          R"({"anonymize_ip":1})", R"({"excluded_ips":["not-an-ip"]})",
                          R"({"colour":"red"})", R"({})", R"([1])", R"({"a":)"}) {
    HttpResponse b = Api("PATCH", "/api/v1/workspace/settings", bad);
    EXPECT_EQ(b.status, 400) << bad << " " << b.body;
    EXPECT_EQ(ErrorCode(b), "bad_request") << bad;
  }
  // The CLI sees what the API wrote (the store is the one truth).
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/workspace").body).at("settings").as_object()
                .at("session_timeout_minutes").as_int64(), 45);
}

TEST_F(V1ApiE2E, TrackingDomainsAddListConflictAndDelete) {
  HttpResponse r = Api("POST", "/api/v1/tracking-domains", R"({"origin":"https://shop.example.com"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JsonObject(r.body).at("origin").as_string(), "https://shop.example.com");
  EXPECT_EQ(Api("POST", "/api/v1/tracking-domains", R"({"origin":"https://shop.example.com"})").status,
            409);
  EXPECT_EQ(Api("POST", "/api/v1/tracking-domains", R"({"origin":"https://*.example.org"})").status, 201);
  for (const char* bad : {R"({"origin":"shop.example.com"})", R"({"origin":"https://x.org/path"})",
                          R"({"origin":"https://a.*.org"})", R"({"origin":5})", R"({})"}) {
    HttpResponse b = Api("POST", "/api/v1/tracking-domains", bad);
    EXPECT_EQ(b.status, 400) << bad;
    EXPECT_EQ(ErrorCode(b), "bad_request");
  }
  json::object list = JsonObject(Api("GET", "/api/v1/tracking-domains").body);
  ASSERT_EQ(list.at("data").as_array().size(), 2u);
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/tracking-domains", "", other_).body).at("data").as_array().size(),
            0u);
  // Another workspace cannot remove it.
  EXPECT_EQ(Api("DELETE", "/api/v1/tracking-domains/https%3A%2F%2Fshop.example.com", "", other_).status,
            404);
  EXPECT_EQ(Api("DELETE", "/api/v1/tracking-domains/https%3A%2F%2Fshop.example.com").status, 204);
  HttpResponse again = Api("DELETE", "/api/v1/tracking-domains/https%3A%2F%2Fshop.example.com");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "not_found");
  // The running collector follows: a CORS preflight from the remaining domain is allowed.
  EXPECT_TRUE(WaitFor(
      [&] {
        HttpResponse p = Send(server_->port(), {"OPTIONS", "/mtc/event",
                                                {{"Origin", "https://a.example.org"},
                                                 {"Access-Control-Request-Method", "POST"}},
                                                ""});
        return p.Header("access-control-allow-origin") == "https://a.example.org";
      },
      std::chrono::seconds(5)));
}

TEST_F(V1ApiE2E, FieldsCreateThenUpdate) {
  HttpResponse r = Api("POST", "/api/v1/fields",
                       R"({"alias":"member_no","label":"Member number","type":"number",
                           "isUniqueIdentifier":true})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object f = JsonObject(r.body);
  EXPECT_EQ(f.at("label").as_string(), "Member number");
  EXPECT_TRUE(f.at("isUniqueIdentifier").as_bool());
  EXPECT_FALSE(f.at("isPubliclyUpdatable").as_bool());
  r = Api("POST", "/api/v1/fields", R"({"alias":"member_no","isPubliclyUpdatable":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonObject(r.body).at("label").as_string(), "Member number");
  EXPECT_TRUE(JsonObject(r.body).at("isPubliclyUpdatable").as_bool());
  bool listed = false;
  json::object fields = JsonObject(Api("GET", "/api/v1/fields").body);
  for (const json::value& v : fields.at("data").as_array()) {
    listed = listed || v.as_object().at("alias") == "member_no";
  }
  EXPECT_TRUE(listed);
  for (const char* bad : {R"({"alias":"Bad Alias"})", R"({"alias":"x","type":"blob"})",
                          R"({"label":"no alias"})", R"({"alias":"x","isUniqueIdentifier":"yes"})"}) {
    EXPECT_EQ(Api("POST", "/api/v1/fields", bad).status, 400) << bad;
  }
}

TEST_F(V1ApiE2E, LinksAndFormsCreateGetAndList) {
  HttpResponse r = Api("POST", "/api/v1/links", R"({"url":"https://example.com/offer?a=1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object link = JsonObject(r.body);
  std::string id(link.at("id").as_string());
  EXPECT_EQ(link.at("path").as_string(), "/r/" + id);
  HttpResponse got = Api("GET", "/api/v1/links/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(JsonObject(got.body).at("url").as_string(), "https://example.com/offer?a=1");
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/links").body).at("data").as_array().size(), 1u);
  EXPECT_EQ(Api("GET", "/api/v1/links/" + id, "", other_).status, 404);
  EXPECT_EQ(Api("POST", "/api/v1/links", R"({"url":"ftp://x"})").status, 400);
  // The redirect works at once.
  HttpResponse hop = Send(server_->port(), {"GET", "/r/" + id, {{"User-Agent", kBrowserUa}}, ""});
  EXPECT_EQ(hop.status, 302) << hop.body;

  r = Api("POST", "/api/v1/forms",
          R"({"name":"Newsletter","fields":[{"alias":"email","contact_field":"email","type":"email",
              "required":true}],"add_tags":["news"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object form = JsonObject(r.body);
  int64_t form_id = form.at("id").as_int64();
  EXPECT_EQ(form.at("name").as_string(), "Newsletter");
  EXPECT_EQ(form.at("fields").as_array().size(), 1u);
  HttpResponse fg = Api("GET", "/api/v1/forms/" + std::to_string(form_id));
  ASSERT_EQ(fg.status, 200) << fg.body;
  EXPECT_EQ(JsonObject(fg.body).at("add_tags").as_array()[0].as_string(), "news");
  EXPECT_EQ(Api("GET", "/api/v1/forms/" + std::to_string(form_id), "", other_).status, 404);
  EXPECT_EQ(Api("GET", "/api/v1/forms/999999").status, 404);
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/forms").body).at("data").as_array().size(), 1u);
  for (const char* bad : {R"({"name":"x","fields":[]})", R"({"fields":[{"alias":"email"}]})",
                          R"({"name":"x","fields":[{"alias":"Bad"}]})",
                          R"({"name":"x","fields":[{"alias":"a","type":"blob"}]})"}) {
    EXPECT_EQ(Api("POST", "/api/v1/forms", bad).status, 400) << bad;
  }
}

TEST_F(V1ApiE2E, ContactsCursorWalksEveryContactOnce) {
  std::set<int64_t> made = MakeContacts(250);
  ASSERT_EQ(made.size(), 250u);
  std::set<int64_t> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    HttpResponse r = Api("GET", "/api/v1/contacts?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object page = JsonObject(r.body);
    ++pages;
    for (const json::value& c : page.at("data").as_array()) {
      EXPECT_TRUE(seen.insert(c.as_object().at("id").as_int64()).second) << "duplicate";
      EXPECT_TRUE(c.as_object().at("fields").as_object().contains("email"));
    }
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, made);
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/contacts", "", other_).body).at("data").as_array().size(), 0u);
  for (const char* bad : {"?limit=0", "?limit=1001", "?limit=x", "?cursor=abc", "?page=2",
                          "?limit=5&limit=6"}) {
    HttpResponse b = Api("GET", std::string("/api/v1/contacts") + bad);
    EXPECT_EQ(b.status, 400) << bad;
    EXPECT_EQ(ErrorCode(b), "bad_request") << bad;
  }
  // An events cursor is not a contacts cursor.
  HttpResponse events = Api("GET", "/api/v1/events?limit=1");
  std::string ec(JsonObject(events.body).at("next_cursor").as_string());
  EXPECT_EQ(Api("GET", "/api/v1/contacts?cursor=" + ec).status, 400);
}

TEST_F(V1ApiE2E, ContactDetailTimelineAndEvents) {
  int64_t id = *MakeContacts(3).begin();
  HttpResponse tagged = Api("PATCH", "/api/contacts/" + std::to_string(id) + "/edit",
                            R"({"firstname":"Ann","tags":["vip"]})");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  HttpResponse r = Api("GET", "/api/v1/contacts/" + std::to_string(id));
  ASSERT_EQ(r.status, 200) << r.body;
  json::object c = JsonObject(r.body);
  EXPECT_EQ(c.at("fields").as_object().at("firstname").as_string(), "Ann");
  EXPECT_EQ(c.at("tags").as_array()[0].as_string(), "vip");
  EXPECT_TRUE(c.at("devices").is_array());
  EXPECT_EQ(Api("GET", "/api/v1/contacts/" + std::to_string(id), "", other_).status, 404);
  EXPECT_EQ(Api("GET", "/api/v1/contacts/123", "", other_).status, 404);
  EXPECT_EQ(Api("GET", "/api/v1/contacts/abc").status, 404);

  HttpResponse t = Api("GET", "/api/v1/contacts/" + std::to_string(id) + "/timeline?limit=1");
  ASSERT_EQ(t.status, 200) << t.body;
  json::object tl = JsonObject(t.body);
  ASSERT_EQ(tl.at("data").as_array().size(), 1u);
  EXPECT_EQ(tl.at("data").as_array()[0].as_object().at("contact_id").as_int64(), id);
  ASSERT_FALSE(tl.at("next_cursor").is_null());  // two writes: two events
  json::object second = JsonObject(Api("GET", "/api/v1/contacts/" + std::to_string(id) +
                                        "/timeline?limit=1&cursor=" +
                                        std::string(tl.at("next_cursor").as_string())).body);
  ASSERT_EQ(second.at("data").as_array().size(), 1u);
  EXPECT_NE(second.at("data").as_array()[0].as_object().at("id"),
            tl.at("data").as_array()[0].as_object().at("id"));
  EXPECT_EQ(Api("GET", "/api/v1/contacts/" + std::to_string(id) + "/timeline", "", other_).status, 404);
  EXPECT_EQ(Api("GET", "/api/v1/contacts/" + std::to_string(id) + "/timeline?types=nope").status, 400);
  EXPECT_EQ(Api("GET", "/api/v1/contacts/" + std::to_string(id) + "/timeline?from=yesterday").status,
            400);
  // Filters: a window in the future holds nothing.
  json::object future = JsonObject(Api("GET", "/api/v1/contacts/" + std::to_string(id) +
                                            "/timeline?from=2999-01-01T00:00:00Z").body);
  EXPECT_EQ(future.at("data").as_array().size(), 0u);

  // Workspace events, walked 2 at a time: 4 events (3 creations, 1 edit).
  std::set<std::string> ids;
  std::string cursor;
  for (int i = 0; i < 10; ++i) {
    HttpResponse e = Api("GET", "/api/v1/events?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(e.status, 200) << e.body;
    json::object page = JsonObject(e.body);
    for (const json::value& ev : page.at("data").as_array()) {
      EXPECT_TRUE(ids.insert(std::string(ev.as_object().at("id").as_string())).second);
      EXPECT_TRUE(ev.as_object().contains("type"));
    }
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(ids.size(), 4u);
  json::object mine = JsonObject(Api("GET", "/api/v1/events?contact_id=" + std::to_string(id)).body);
  EXPECT_EQ(mine.at("data").as_array().size(), 2u);
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/events", "", other_).body).at("data").as_array().size(), 0u);
  EXPECT_EQ(Api("GET", "/api/v1/events?contact_id=" + std::to_string(id), "", other_).status, 404);
}

TEST_F(V1ApiE2E, ExportsAreNdjsonOfTheWorkspace) {
  MakeContacts(5);
  for (const char* what : {"contacts", "events", "sessions"}) {
    HttpResponse r = Api("GET", std::string("/api/v1/export/") + what);
    ASSERT_EQ(r.status, 200) << what << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/x-ndjson");
    std::istringstream lines(r.body);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      EXPECT_TRUE(json::parse(line).is_object());
      ++n;
    }
    if (std::string(what) != "sessions") {
      EXPECT_EQ(n, 5) << what;
    }
    HttpResponse other = Api("GET", std::string("/api/v1/export/") + what, "", other_);
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.body, "") << what;
  }
}

// Exports read 7 rows at a time, so a few dozen rows take several reads.
class V1ExportE2E : public V1ApiE2E {
 protected:
  void SetUp() override {
    const std::string config = dir_.path() + "/spoor.toml";
    std::ofstream(config) << "export_page_rows = 7\n";
    StartWithClients("V1", {"--config", config});
  }

  std::string RawExport(const std::string& what, const std::string& version) {
    return SendRaw(server_->port(), "GET /api/v1/export/" + what + " HTTP/" + version +
                                        "\r\nHost: x\r\nAuthorization: Bearer " + writer_ +
                                        "\r\nConnection: close\r\n\r\n");
  }
};

std::multiset<std::string> LinesOf(const std::string& ndjson) {
  std::multiset<std::string> lines;
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

TEST_F(V1ExportE2E, LongExportsArriveWholeInPiecesTheSameAsTheCli) {
  std::set<int64_t> made = MakeContacts(30);
  ASSERT_EQ(made.size(), 30u);
  const std::string ws = server_->workspace_id();
  for (const std::string what : {"contacts", "events", "sessions"}) {
    HttpResponse r = Api("GET", "/api/v1/export/" + what);
    ASSERT_EQ(r.status, 200) << what << r.body;
    std::multiset<std::string> lines = LinesOf(r.body);
    if (what != "sessions") {  // contacts made by the API have no sessions
      EXPECT_EQ(lines.size(), 30u) << what;
    }
    EXPECT_EQ(lines, LinesOf(RunSpoor({"export", what, "--data", data(), "--workspace", ws})))
        << what;
  }
  std::set<int64_t> exported;
  for (const std::string& line : LinesOf(Api("GET", "/api/v1/export/contacts").body)) {
    exported.insert(json::parse(line).as_object().at("id").as_int64());
  }
  EXPECT_EQ(exported, made);

  // HTTP/1.1: chunked, a piece per read (30 rows, 7 a read: 5 pieces), and
  // the last chunk.
  std::string raw = RawExport("contacts", "1.1");
  ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 300);
  const size_t body_at = raw.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  const std::string head = raw.substr(0, body_at);
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_TRUE(raw.ends_with("\r\n0\r\n\r\n")) << raw.substr(raw.size() - 40);
  std::string body;
  int pieces = 0;
  for (size_t at = body_at + 4;;) {
    const size_t eol = raw.find("\r\n", at);
    ASSERT_NE(eol, std::string::npos);
    const size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    body += raw.substr(eol + 2, size);
    ++pieces;
    at = eol + 2 + size + 2;
  }
  EXPECT_EQ(pieces, 5);
  EXPECT_EQ(LinesOf(body).size(), 30u);

  // HTTP/1.0: no chunks; the body ends with the connection.
  raw = RawExport("contacts", "1.0");
  ASSERT_EQ(raw.rfind("HTTP/1.0 200", 0), 0u) << raw.substr(0, 300);
  EXPECT_EQ(raw.find("chunked"), std::string::npos);
  EXPECT_EQ(LinesOf(raw.substr(raw.find("\r\n\r\n") + 4)).size(), 30u);
}

TEST_F(V1ExportE2E, AReaderLeavingMidwayLeavesTheServerWell) {
  MakeContacts(60);
  namespace asio = boost::asio;
  asio::io_context io;
  for (int i = 0; i < 5; ++i) {
    // Asks, reads the first bytes, then resets the connection with the rest
    // of the answer (9 pieces) still to come.
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
    asio::write(socket, asio::buffer("GET /api/v1/export/events HTTP/1.1\r\nHost: x\r\n"
                                     "Authorization: Bearer " + writer_ + "\r\n\r\n"));
    char first[64];
    ASSERT_GT(socket.read_some(asio::buffer(first)), 0u);
    socket.set_option(asio::socket_base::linger(true, 0));
    socket.close();
  }
  HttpResponse r = Api("GET", "/api/v1/export/contacts");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(LinesOf(r.body).size(), 60u);
  HttpRequest health;
  health.target = "/healthz";
  EXPECT_EQ(Send(server_->port(), health).status, 200);
}

TEST_F(V1ApiE2E, ClientsCreateShowSecretOnceListAndRevoke) {
  HttpResponse r = Api("POST", "/api/v1/clients", R"({"name":"CRM sync","scope":"read"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object c = JsonObject(r.body);
  EXPECT_EQ(c.at("scope").as_string(), "read");
  EXPECT_EQ(c.at("grants").as_array()[0].as_string(), "client_credentials");
  ASSERT_TRUE(c.at("client_secret").is_string());
  std::string id(c.at("client_id").as_string());
  // The new client works.
  std::string token = TokenFor(c);
  EXPECT_EQ(Api("GET", "/api/v1/workspace", "", token).status, 200);
  EXPECT_EQ(Api("POST", "/api/v1/links", R"({"url":"https://e.com"})", token).status, 403);

  HttpResponse list = Api("GET", "/api/v1/clients");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("secret"), std::string::npos);
  bool listed = false;
  json::object clients = JsonObject(list.body);
  for (const json::value& v : clients.at("data").as_array()) {
    listed = listed || v.as_object().at("client_id").as_string() == id;
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(JsonObject(Api("GET", "/api/v1/clients", "", other_).body).at("data").as_array().size(), 1u);

  EXPECT_EQ(Api("DELETE", "/api/v1/clients/" + id, "", other_).status, 404);
  EXPECT_EQ(Api("DELETE", "/api/v1/clients/" + id).status, 204);
  EXPECT_EQ(ClientCredentialsToken(server_->port(), id,
                                   std::string(c.at("client_secret").as_string())),
            "");  // revoked: no new tokens
  EXPECT_EQ(Api("GET", "/api/v1/workspace", "", token).status, 401);  // nor old ones
  EXPECT_EQ(Api("DELETE", "/api/v1/clients/cl_nothing").status, 404);

  for (const char* bad : {R"({"scope":"read"})", R"({"name":"x","scope":"admin"})",
                          R"({"name":"x","grants":["authorization_code"]})",
                          R"({"name":"x","grants":["authorization_code"],
                              "redirect_uris":["http://evil.example.com/cb"]})",
                          R"({"name":"x","public":true,"grants":["client_credentials"]})"}) {
    EXPECT_EQ(Api("POST", "/api/v1/clients", bad).status, 400) << bad;
  }
  HttpResponse pkce = Api("POST", "/api/v1/clients",
                          R"({"name":"SPA","public":true,"redirect_uris":["https://app.example.com/cb"]})");
  ASSERT_EQ(pkce.status, 201) << pkce.body;
  EXPECT_TRUE(JsonObject(pkce.body).at("client_secret").is_null());
  EXPECT_EQ(JsonObject(pkce.body).at("grants").as_array().size(), 2u);
}

TEST_F(V1ApiE2E, ReadScopeCannotWrite) {
  for (const api::v1::Route& route : api::v1::Routes()) {
    if (route.access == api::v1::Access::kRead) continue;
    std::string path(route.path);
    if (size_t b = path.find('{'); b != std::string::npos) path = path.substr(0, b) + "x";
    HttpResponse r = Api(std::string(route.method), path,
                         route.method == "POST" || route.method == "PATCH" ? R"({"name":"x"})" : "",
                         reader_);
    EXPECT_EQ(r.status, 403) << route.method << " " << path;
    EXPECT_EQ(ErrorCode(r), "forbidden");
  }
  EXPECT_EQ(Api("GET", "/api/v1/clients", "", reader_).status, 403);
}

TEST_F(V1ApiE2E, AuthenticationAndProtocolErrorsAreJson) {
  HttpResponse none = Send(server_->port(), {"GET", "/api/v1/workspace", {}, ""});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorCode(none), "unauthorized");
  EXPECT_EQ(Api("GET", "/api/v1/workspace", "", "bogus").status, 401);
  // Tokens in URLs are not accepted here.
  EXPECT_EQ(Send(server_->port(), {"GET", "/api/v1/workspace?access_token=" + writer_, {}, ""}).status, 401);
  HttpResponse unknown = Api("GET", "/api/v1/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "no_such_route");
  HttpResponse wrong = Api("PUT", "/api/v1/links", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(ErrorCode(wrong), "method_not_allowed");
  EXPECT_EQ(wrong.Header("allow"), "GET, POST");
  HttpRequest form{"POST", "/api/v1/links",
                   {{"Authorization", "Bearer " + writer_},
                    {"Content-Type", "application/x-www-form-urlencoded"}},
                   "url=https://e.com"};
  EXPECT_EQ(Send(server_->port(), form).status, 415);
  HttpResponse big = Api("POST", "/api/v1/links", "{\"url\":\"https://e.com/" +
                                                      std::string(70000, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Api("POST", "/api/v1/links", "{\"url\":").status, 400);
  // The ingest endpoint keeps POST /api/v1/events.
  HttpResponse ingest = Send(server_->port(), {"POST", "/api/v1/events",
                                               {{"Content-Type", "application/json"}}, "{}"});
  EXPECT_NE(ingest.status, 404);
  EXPECT_NE(ErrorCode(ingest), "no_such_route");
}

// Every path and method of docs/openapi.json is served, and every route the
// server serves is described there.
TEST_F(V1ApiE2E, OpenApiFileMatchesTheRoutes) {
  std::ifstream in(SPOOR_OPENAPI_FILE);
  ASSERT_TRUE(in.good()) << SPOOR_OPENAPI_FILE;
  std::stringstream text;
  text << in.rdbuf();
  json::object doc = JsonObject(text.str());
  EXPECT_TRUE(doc.contains("openapi"));
  const json::object& paths = doc.at("paths").as_object();
  std::set<std::pair<std::string, std::string>> described;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters") continue;
      std::string upper(method);
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      described.insert({upper, std::string(path)});
      EXPECT_TRUE(op.as_object().contains("responses")) << path << " " << method;
    }
  }
  for (const api::v1::Route& route : api::v1::Routes()) {
    EXPECT_TRUE(described.count({std::string(route.method), std::string(route.path)}))
        << route.method << " " << route.path << " is served but not in docs/openapi.json";
  }
  for (const auto& [method, path] : described) {
    std::string target = path;
    if (size_t b = target.find('{'); b != std::string::npos) {
      size_t e = target.find('}', b);
      std::string param = target.substr(b, e - b + 1);
      // Mautic's routes answer an unknown id as an unknown route: use live ids.
      std::string value = "1";
      if (StartsWith(path, "/api/contacts/")) value = std::to_string(*MakeContacts(1).begin());
      if (param == "{origin}") value = "https%3A%2F%2Fnone.example.com";
      target = target.substr(0, b) + value + target.substr(e + 1);
    }
    HttpResponse r = Api(method, target, method == "GET" || method == "DELETE" ? "" : "{}");
    EXPECT_NE(r.status, 405) << method << " " << target << ": " << r.body;
    EXPECT_NE(ErrorCode(r), "no_such_route") << method << " " << target;
    if (!StartsWith(path, "/api/v1/")) {
      EXPECT_NE(r.status, 404) << method << " " << target << ": " << r.body;
    }
  }
}

}  // namespace
}  // namespace spoor::e2e
