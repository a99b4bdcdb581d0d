#include "spoor/collect/user_agent.h"

#include "gtest/gtest.h"

namespace spoor::collect {
namespace {

struct Case {
  const char* ua;
  const char* browser;
  const char* os;
  const char* type;
};

TEST(ClassifyUserAgent, CommonDevices) {
  const Case cases[] = {
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/120.0.0.0 Safari/537.36", "Chrome", "Windows", "desktop"},
      {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge", "Windows", "desktop"},
      {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/17.1 Safari/605.1.15", "Safari", "macOS", "desktop"},
      {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
       "Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iOS", "mobile"},
      {"Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/17.1 Mobile/15E148 Safari/604.1", "Safari", "iPadOS", "tablet"},
      {"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome", "Android", "mobile"},
      {"Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
       "SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36", "Samsung Internet", "Android",
       "tablet"},
      {"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux",
       "desktop"},
      {"ShopApp/2.3 (iPhone; iOS 17.1; Scale/3.00)", "App", "iOS", "mobile"},
      {"", "Other", "Other", "other"},
  };
  for (const Case& c : cases) {
    DeviceInfo info = ClassifyUserAgent(c.ua);
    EXPECT_EQ(info.browser, c.browser) << c.ua;
    EXPECT_EQ(info.os, c.os) << c.ua;
    EXPECT_EQ(info.device_type, c.type) << c.ua;
  }
}

}  // namespace
}  // namespace spoor::collect
