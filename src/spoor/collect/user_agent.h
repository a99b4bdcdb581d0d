// Device information from a User-Agent: browser family, OS family and device
// type (desktop, mobile, tablet, bot, other). Ordered substring rules, no
// regexes: cheap enough for every event. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace spoor::collect {

struct DeviceInfo {
  std::string browser;      // Chrome, Firefox, Safari, Edge, Opera, Samsung Internet, App, Other
  std::string os;           // Windows, macOS, iOS, iPadOS, Android, Linux, ChromeOS, Other
  std::string device_type;  // desktop, mobile, tablet, other
};

DeviceInfo ClassifyUserAgent(std::string_view ua);

}  // namespace spoor::collect
