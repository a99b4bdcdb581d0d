// The Mautic-compatible tracking surface against a running spoor.
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

const std::string kGif(
    "\x47\x49\x46\x38\x39\x61\x01\x00\x01\x00\x90\x00\x00\xff\x00\x00\x00\x00\x00\x21\xf9\x04"
    "\x05\x10\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x04\x01\x00\x3b",
    43);

boost::json::object Json(const std::string& s) { return boost::json::parse(s).as_object(); }

std::string CookieFrom(const HttpResponse& r, const std::string& name) {
  for (const std::string& c : r.Headers("set-cookie")) {
    if (c.rfind(name + "=", 0) == 0) return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
  }
  return "";
}

class TrackingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RunSpoor({"workspace", "domains", "add", "https://www.example.com", "--data", data()});
    server_ = std::make_unique<SpoorServer>(data());
    ASSERT_TRUE(server_->ok()) << "server did not start; see " << server_->log();
  }
  std::string data() const { return dir_.path() + "/data"; }

  HttpResponse Get(const std::string& target, std::vector<std::pair<std::string, std::string>> h = {},
                   const char* ua = kBrowserUa) {
    h.emplace_back("User-Agent", ua);
    return Send(server_->port(), {"GET", target, h, ""});
  }
  HttpResponse PostEvent(const std::string& body,
                         std::vector<std::pair<std::string, std::string>> h = {}) {
    h.emplace_back("User-Agent", kBrowserUa);
    h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    h.emplace_back("X-Requested-With", "XMLHttpRequest");
    return Send(server_->port(), {"POST", "/mtc/event", h, body});
  }
  // Waits until `n` events are exported and returns them.
  std::vector<boost::json::object> Events(size_t n) {
    std::vector<std::string> lines;
    WaitFor([&] { return (lines = Export("events", data())).size() >= n; },
            std::chrono::seconds(10));
    std::vector<boost::json::object> out;
    for (const auto& l : lines) out.push_back(Json(l));
    return out;
  }
  std::vector<boost::json::object> Contacts() {
    std::vector<boost::json::object> out;
    for (const auto& l : Export("contacts", data())) out.push_back(Json(l));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
};

TEST_F(TrackingTest, HealthzAnswersJson) {
  HttpResponse r = Get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r.body).at("status").as_string(), "ok");
}

TEST_F(TrackingTest, PixelAnswersTheGifWithCookiesAndStoresThePageView) {
  HttpResponse r = Get("/mtracking.gif?page_url=https%3A%2F%2Fshop.example%2Fp%3Futm_campaign%3D"
                       "Spring%26utm_medium%3Demail&page_title=Some%20Cool%20Product"
                       "&page_referrer=https%3A%2F%2Fwww.google.com%2F&page_language=fr");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kGif);
  EXPECT_EQ(r.Header("content-type"), "image/gif");
  EXPECT_NE(r.Header("cache-control").find("no-cache"), std::string::npos);
  EXPECT_NE(r.Header("cache-control").find("private"), std::string::npos);
  std::string device = CookieFrom(r, "mautic_device_id");
  std::string contact = CookieFrom(r, "mtc_id");
  EXPECT_EQ(device.size(), 25u);
  EXPECT_FALSE(contact.empty());
  bool year = false;
  for (const auto& c : r.Headers("set-cookie")) {
    if (c.find("mautic_device_id=") == 0) year = c.find("Max-Age=31536000") != std::string::npos;
  }
  EXPECT_TRUE(year);
  auto events = Events(1);
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0];
  EXPECT_EQ(e.at("type").as_string(), "page_view");
  EXPECT_EQ(e.at("source").as_string(), "pixel");
  EXPECT_EQ(e.at("title").as_string(), "Some Cool Product");
  EXPECT_EQ(e.at("utm_campaign").as_string(), "Spring");
  EXPECT_EQ(e.at("channel").as_string(), "Email");
  EXPECT_EQ(e.at("language").as_string(), "fr");
  EXPECT_EQ(e.at("referrer").as_string(), "https://www.google.com/");
  EXPECT_EQ(std::to_string(e.at("contact_id").as_int64()), contact);
  EXPECT_EQ(e.at("device_id").as_string(), device);
  auto sessions = Export("sessions", data());
  ASSERT_EQ(sessions.size(), 1u);
  auto session = Json(sessions[0]);
  EXPECT_EQ(session.at("browser").as_string(), "Chrome");
  EXPECT_EQ(session.at("os").as_string(), "Linux");
  EXPECT_EQ(session.at("device_type").as_string(), "desktop");
  EXPECT_EQ(session.at("channel").as_string(), "Email");
  EXPECT_EQ(session.at("landing_url").as_string(), e.at("url").as_string());
}

TEST_F(TrackingTest, BotsGetTheGifButAreNotTracked) {
  HttpResponse r = Get("/mtracking.gif?page_url=x", {}, "curl/8.0.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kGif);
  EXPECT_TRUE(r.Headers("set-cookie").empty());
  Get("/mtracking.gif?page_url=y");  // a real visit, to know processing caught up
  EXPECT_EQ(Events(1).size(), 1u);
  EXPECT_EQ(Contacts().size(), 1u);
}

TEST_F(TrackingTest, DoNotTrackIsHonouredByDefault) {
  HttpResponse r = Get("/mtracking.gif?page_url=x", {{"DNT", "1"}});
  EXPECT_EQ(r.body, kGif);
  EXPECT_TRUE(r.Headers("set-cookie").empty());
  r = Get("/mtracking.gif?page_url=x", {{"Sec-GPC", "1"}});
  EXPECT_TRUE(r.Headers("set-cookie").empty());
}

TEST_F(TrackingTest, MtcEventAnswersMauticJsonWithCorsForAllowedOrigin) {
  HttpResponse r = PostEvent("page_url=https%3A%2F%2Fwww.example.com%2F&page_title=Home",
                             {{"Origin", "https://www.example.com"}});
  ASSERT_EQ(r.status, 200);
  auto body = Json(r.body);
  EXPECT_EQ(body.at("success").as_int64(), 1);
  EXPECT_GT(body.at("id").as_int64(), 0);
  EXPECT_EQ(body.at("sid").as_string(), body.at("device_id").as_string());
  EXPECT_TRUE(body.at("events").as_array().empty());
  EXPECT_EQ(r.Header("access-control-allow-origin"), "https://www.example.com");
  EXPECT_EQ(r.Header("access-control-allow-credentials"), "true");

  std::string device(body.at("device_id").as_string());
  HttpResponse again = PostEvent("page_url=https%3A%2F%2Fwww.example.com%2Fb",
                                 {{"Cookie", "mautic_device_id=" + device}});
  EXPECT_EQ(Json(again.body).at("id").as_int64(), body.at("id").as_int64());
  HttpResponse by_param = PostEvent("page_url=c&mautic_device_id=" + device);
  EXPECT_EQ(Json(by_param.body).at("id").as_int64(), body.at("id").as_int64());
}

TEST_F(TrackingTest, CorsIsNeverGrantedToUnlistedOrigins) {
  HttpResponse r = PostEvent("page_url=x", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  HttpResponse pre = Send(server_->port(), {"OPTIONS", "/mtc/event",
                                            {{"Origin", "https://evil.example"},
                                             {"Access-Control-Request-Headers", "content-type"}}, ""});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("access-control-allow-origin"), "");
  HttpResponse ok = Send(server_->port(), {"OPTIONS", "/mtc/event",
                                           {{"Origin", "https://www.example.com"},
                                            {"Access-Control-Request-Headers", "content-type"}}, ""});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.Header("access-control-allow-origin"), "https://www.example.com");
  EXPECT_NE(ok.Header("access-control-allow-methods").find("POST"), std::string::npos);
}

TEST_F(TrackingTest, DomainsAddedWhileServingTakeEffect) {
  RunSpoor({"workspace", "domains", "add", "https://*.late.example", "--data", data()});
  EXPECT_TRUE(WaitFor(
      [&] {
        return PostEvent("page_url=x", {{"Origin", "https://a.late.example"}})
                   .Header("access-control-allow-origin") == "https://a.late.example";
      },
      std::chrono::seconds(5)));
}

TEST_F(TrackingTest, MtcReturnsTheTrackedContact) {
  HttpResponse first = Get("/mtracking.gif?page_url=x");
  std::string device = CookieFrom(first, "mautic_device_id");
  HttpResponse r = Get("/mtc", {{"Cookie", "mautic_device_id=" + device}});
  ASSERT_EQ(r.status, 200);
  auto body = Json(r.body);
  EXPECT_EQ(std::to_string(body.at("id").as_int64()), CookieFrom(first, "mtc_id"));
  EXPECT_EQ(body.at("device_id").as_string(), device);
}

// The bodies byte for byte, as Mautic's tracker and its clients read them.
TEST_F(TrackingTest, MtcAnswersHaveMauticsExactShape) {
  HttpResponse first = Get("/mtracking.gif?page_url=x");
  const std::string device = CookieFrom(first, "mautic_device_id");
  const std::string id = CookieFrom(first, "mtc_id");
  const std::string cookie = "mautic_device_id=" + device;
  EXPECT_EQ(PostEvent("page_url=y", {{"Cookie", cookie}}).body,
            "{\"success\":1,\"id\":" + id + ",\"sid\":\"" + device + "\",\"device_id\":\"" +
                device + "\",\"events\":[]}");
  EXPECT_EQ(Get("/mtc", {{"Cookie", cookie}}).body,
            "{\"id\":" + id + ",\"sid\":\"" + device + "\",\"device_id\":\"" + device + "\"}");
  // Not tracked (Do-Not-Track): no contact to name.
  EXPECT_EQ(PostEvent("page_url=y", {{"DNT", "1"}}).body,
            "{\"success\":1,\"id\":null,\"sid\":null,\"device_id\":null,\"events\":[]}");
}

TEST_F(TrackingTest, TagsAreAddedAndRemoved) {
  HttpResponse first = Get("/mtracking.gif?page_url=x&tags=ProductA,ProductB");
  std::string cookie = "mautic_device_id=" + CookieFrom(first, "mautic_device_id");
  Get("/mtracking.gif?page_url=y&tags=-ProductA", {{"Cookie", cookie}});
  Events(2);
  auto contacts = Contacts();
  ASSERT_EQ(contacts.size(), 1u);
  auto tags = contacts[0].at("tags").as_array();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].as_string(), "ProductB");
}

TEST_F(TrackingTest, PublicRequestNamingAKnownEmailNeverGetsThatContact) {
  HttpResponse owner = Get("/mtracking.gif?page_url=x&email=owner%40x.com&firstname=Olga");
  std::string owner_id = CookieFrom(owner, "mtc_id");
  Events(1);
  HttpResponse intruder = PostEvent("page_url=y&email=owner%40x.com&firstname=Mallory");
  auto body = Json(intruder.body);
  EXPECT_NE(std::to_string(body.at("id").as_int64()), owner_id);
  Events(2);
  for (const auto& c : Contacts()) {
    const auto& fields = c.at("fields").as_object();
    if (std::to_string(c.at("id").as_int64()) == owner_id) {
      EXPECT_EQ(fields.at("firstname").as_string(), "Olga");
      EXPECT_EQ(fields.at("email").as_string(), "owner@x.com");
      EXPECT_EQ(c.at("field_sources").at("email").at("source").as_string(), "pixel");
    } else {
      EXPECT_FALSE(fields.contains("email"));
    }
  }
}

TEST_F(TrackingTest, DPayloadIsDecoded) {
  // base64(serialize(['page_url'=>'https://s.example/','page_title'=>'Cool','email'=>'a@b.local']))
  HttpResponse r = Get(
      "/mtracking.gif?d=YTozOntzOjg6InBhZ2VfdXJsIjtzOjE4OiJodHRwczovL3MuZXhhbXBsZS8iO3M6MTA6InBh"
      "Z2VfdGl0bGUiO3M6NDoiQ29vbCI7czo1OiJlbWFpbCI7czo5OiJhQGIubG9jYWwiO30%3D");
  EXPECT_EQ(r.body, kGif);
  auto events = Events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("url").as_string(), "https://s.example/");
  EXPECT_EQ(events[0].at("title").as_string(), "Cool");
}

TEST_F(TrackingTest, HostileInputGetsTheGifOrAClearError) {
  // A PHP object in d: the pixel still answers its GIF, nothing is stored.
  HttpResponse obj = Get("/mtracking.gif?d=Tzo4OiJzdGRDbGFzcyI6MDp7fQ%3D%3D");
  EXPECT_EQ(obj.status, 200);
  EXPECT_EQ(obj.body, kGif);
  HttpResponse nul = Get("/mtracking.gif?page_url=a%00b");
  EXPECT_EQ(nul.body, kGif);
  HttpResponse bad_json = PostEvent("page_url=a%00b");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_TRUE(Json(bad_json.body).contains("error"));
  std::string many = "/mtracking.gif?";
  for (int i = 0; i < 500; ++i) many += "k" + std::to_string(i) + "=v&";
  EXPECT_EQ(Get(many).body, kGif);
  // Headers over the limit: 431, connection closed, server alive.
  std::string raw = "GET /mtracking.gif HTTP/1.1\r\nHost: x\r\nX-Big: " +
                    std::string(40000, 'a') + "\r\n\r\n";
  EXPECT_NE(SendRaw(server_->port(), raw).find(" 431 "), std::string::npos);
  EXPECT_NE(SendRaw(server_->port(), "NONSENSE\r\n\r\n").find(" 400 "), std::string::npos);
  std::string big_body(100 * 1024, 'a');
  HttpResponse too_big = Send(server_->port(), {"POST", "/mtc/event",
                                                {{"User-Agent", kBrowserUa}}, big_body});
  EXPECT_EQ(too_big.status, 413);
  Get("/mtracking.gif?page_url=ok");
  auto events = Events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("url").as_string(), "ok");
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(TrackingTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string out = SendRaw(server_->port(),
                            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t first = out.find("HTTP/1.1 200 OK\r\n");
  size_t second = out.find("HTTP/1.1 404 Not Found\r\n");
  size_t third = out.rfind("HTTP/1.1 200 OK\r\n");
  ASSERT_NE(first, std::string::npos) << out;
  ASSERT_NE(second, std::string::npos) << out;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(out.find("Connection: close\r\n", third), std::string::npos) << out;
  // HTTP/1.0 is answered in kind, and closed unless asked otherwise.
  std::string old = SendRaw(server_->port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << old;
}

TEST_F(TrackingTest, AnswersLargerThanTheSocketBufferArriveWhole) {
  // Pipelined requests for the tracker, read only after a pause: the answers
  // outgrow the socket's buffers, so most are sent in part and finished by
  // the loop once the client reads.
  const HttpResponse one = Get("/mtc.js");
  ASSERT_EQ(one.status, 200);
  ASSERT_GT(one.body.size(), 4000u);
  constexpr int kRequests = 800;
  std::string requests;
  for (int i = 1; i < kRequests; ++i) requests += "GET /mtc.js HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "GET /mtc.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = SendRaw(server_->port(), requests, 20000, /*read_after_ms=*/300);
  int answers = 0;
  size_t end = 0;  // of the last whole answer
  for (size_t at; (at = out.find("HTTP/1.1 200 OK\r\n", end)) != std::string::npos;) {
    ASSERT_EQ(at, end) << "stray bytes before answer " << answers;
    const size_t body = out.find("\r\n\r\n", at);
    ASSERT_NE(body, std::string::npos);
    ASSERT_EQ(out.compare(body + 4, one.body.size(), one.body), 0) << "answer " << answers;
    ++answers;
    end = body + 4 + one.body.size();
  }
  EXPECT_EQ(answers, kRequests);
  EXPECT_EQ(end, out.size());
}

TEST_F(TrackingTest, SilentClientIsCutOffAtTheReadTimeout) {
  ASSERT_EQ(server_->Stop(), 0);
  std::string config = dir_.path() + "/spoor.toml";
  std::ofstream(config) << "read_timeout_seconds = 1\n";
  server_ = std::make_unique<SpoorServer>(data(), std::vector<std::string>{"--config", config});
  ASSERT_TRUE(server_->ok()) << server_->log();
  auto start = std::chrono::steady_clock::now();
  // A header that never ends, then silence: closed without an answer.
  EXPECT_EQ(SendRaw(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n"), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // A body that never arrives is cut off the same way.
  start = std::chrono::steady_clock::now();
  SendRaw(server_->port(),
          "POST /mtc/event HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(TrackingTest, ASecondServerOnTheSameDataRefusesToStart) {
  int code = 0;
  std::string out = RunSpoorWithStderr({"serve", "--data", data(), "--listen", "127.0.0.1:0"},
                                       &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124) << "the second server kept running: " << out;  // timeout's status
  EXPECT_NE(out.find("in use by another spoor process"), std::string::npos) << out;
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(TrackingTest, InvalidUtf8IsRepairedNotStoredRaw) {
  Get("/mtracking.gif?page_url=x&page_title=caf%C3%A9%FF");
  auto events = Events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("title").as_string(), "caf\xC3\xA9\xEF\xBF\xBD");
}

TEST_F(TrackingTest, RetriedEventIdIsStoredOnce) {
  for (int i = 0; i < 3; ++i) Get("/mtracking.gif?page_url=x&eid=retry-1");
  Get("/mtracking.gif?page_url=y&eid=other-2");
  auto events = Events(2);
  EXPECT_EQ(events.size(), 2u);
}

// The number on a /metrics line, or -1 when the line is missing.
long Metric(const std::string& body, const std::string& name) {
  const std::string lines = "\n" + body;
  size_t at = lines.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stol(lines.substr(at + name.size() + 2));
}

// By default the I/O threads commit what they parse; with
// io_threads_commit = false the commit thread does, and hits are stored
// the same.
TEST(CommitPath, IoThreadsCommitByDefaultAndTheCommitThreadWhenTurnedOff) {
  for (bool io_threads : {true, false}) {
    TempDir dir;
    const std::string config = dir.path() + "/spoor.toml";
    std::ofstream(config) << "io_threads_commit = " << (io_threads ? "true" : "false") << "\n";
    SpoorServer server(dir.path() + "/data", {"--config", config});
    ASSERT_TRUE(server.ok()) << server.log();
    for (int i = 0; i < 5; ++i) {
      HttpResponse r = Send(server.port(), {"GET", "/mtracking.gif?page_url=p" + std::to_string(i),
                                            {{"User-Agent", kBrowserUa}}, ""});
      EXPECT_EQ(r.status, 200);
    }
    const std::string metrics = Send(server.port(), {"GET", "/metrics", {}, ""}).body;
    EXPECT_EQ(Metric(metrics, "spoor_events_committed_total"), 5) << metrics;
    const long on_io_threads = Metric(metrics, "spoor_commits_on_io_threads_total");
    if (io_threads) {
      EXPECT_GT(on_io_threads, 0) << metrics;
    } else {
      EXPECT_EQ(on_io_threads, 0) << metrics;
    }
    EXPECT_EQ(server.Stop(), 0);
    EXPECT_EQ(Export("events", dir.path() + "/data").size(), 5u);
  }
}

TEST_F(TrackingTest, WorkspacePathsAndUnknownWorkspaces) {
  HttpResponse ok = Get("/w/" + server_->workspace_id() + "/mtracking.gif?page_url=x");
  EXPECT_EQ(ok.body, kGif);
  bool scoped = false;
  for (const auto& c : ok.Headers("set-cookie")) {
    scoped = scoped || c.find("Path=/w/" + server_->workspace_id() + "/") != std::string::npos;
  }
  EXPECT_TRUE(scoped);
  EXPECT_EQ(Get("/w/00000000-0000-4000-8000-000000000000/mtracking.gif").status, 404);
  EXPECT_EQ(Get("/nope").status, 404);
}

TEST_F(TrackingTest, TrackerScriptIsServed) {
  HttpResponse r = Get("/mtc.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("javascript"), std::string::npos);
  EXPECT_NE(r.body.find("MauticTrackingObject"), std::string::npos);
}

TEST_F(TrackingTest, SigtermDrainsAndKeepsEveryAcknowledgedEvent) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Get("/mtracking.gif?page_url=p" + std::to_string(i)).status, 200);
  }
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_EQ(Export("events", data()).size(), 50u);
}

TEST_F(TrackingTest, FullQueueAnswers503WithRetryAfter) {
  server_->Stop();
  std::string config = dir_.path() + "/tiny.toml";
  FILE* f = fopen(config.c_str(), "w");
  fputs("max_queue = 1\n", f);
  fclose(f);
  // With a one-slot queue, concurrent hits overflow it; count the answers.
  server_ = std::make_unique<SpoorServer>(data(), std::vector<std::string>{"--config", config});
  ASSERT_TRUE(server_->ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        HttpResponse r = Get("/mtracking.gif?page_url=t" + std::to_string(t) + "-" +
                             std::to_string(i));
        if (r.status == 200) ++ok;
        else if (r.status == 503 && r.Header("retry-after") == "1") ++unavailable;
        else ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(unavailable.load(), 0);
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_EQ(Export("events", data()).size(), static_cast<size_t>(ok.load()));
}

}  // namespace
}  // namespace spoor::e2e
