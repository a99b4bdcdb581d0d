// Nothing acknowledged is lost: a loader sends pixel hits with unique URLs
// (and client event ids, so retries are safe) while the server is killed
// with SIGKILL several times and restarted on the same data directory.
// Every hit that got its GIF must be stored exactly once.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

TEST(Durability, KillNineLosesNothingAcknowledged) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  auto server = std::make_unique<SpoorServer>(data);
  ASSERT_TRUE(server->ok()) << server->log();
  std::atomic<int> port{server->port()};
  std::atomic<bool> done{false};
  std::mutex mu;
  std::set<std::string> acked;  // URLs whose GIF arrived
  std::atomic<int> sent{0};

  constexpr int kThreads = 4;
  constexpr int kHitsPerThread = 600;
  std::vector<std::thread> loaders;
  for (int t = 0; t < kThreads; ++t) {
    loaders.emplace_back([&, t] {
      for (int i = 0; i < kHitsPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::string target = "/mtracking.gif?page_url=https%3A%2F%2Fs.example%2F" + id +
                             "&eid=" + id;
        // Retry the same event id until the server answers (it may be down).
        for (int attempt = 0; attempt < 500; ++attempt) {
          ++sent;
          HttpResponse r = Send(port.load(), {"GET", target, {{"User-Agent", kBrowserUa}}, ""},
                                2000);
          if (r.status == 200 && r.body.size() == 43) {
            std::lock_guard<std::mutex> lock(mu);
            acked.insert("https://s.example/" + id);
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  // Kill the server three times while the load runs.
  for (int kill = 1; kill <= 3; ++kill) {
    WaitFor([&] {
      std::lock_guard<std::mutex> lock(mu);
      return acked.size() >= static_cast<size_t>(kill) * 500;
    }, std::chrono::seconds(60));
    server->Kill();
    server = std::make_unique<SpoorServer>(data);
    ASSERT_TRUE(server->ok()) << server->log();
    port = server->port();
  }
  for (auto& l : loaders) l.join();
  done = true;
  ASSERT_EQ(server->Stop(), 0);

  std::multiset<std::string> stored;
  for (const std::string& line : Export("events", data)) {
    stored.insert(std::string(boost::json::parse(line).at("url").as_string()));
  }
  ASSERT_EQ(acked.size(), static_cast<size_t>(kThreads * kHitsPerThread));
  size_t missing = 0, duplicated = 0;
  for (const std::string& url : acked) {
    size_t n = stored.count(url);
    if (n == 0) ++missing;
    if (n > 1) ++duplicated;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(stored.size(), acked.size());
  std::printf("acknowledged %zu hits over 3 SIGKILLs (%d requests sent), stored %zu\n",
              acked.size(), sent.load(), stored.size());
}

}  // namespace
}  // namespace spoor::e2e
