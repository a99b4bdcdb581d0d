#include "spoor/collect/user_agent.h"

namespace spoor::collect {
namespace {

bool Has(std::string_view ua, std::string_view token) {
  return ua.find(token) != std::string_view::npos;
}

std::string Browser(std::string_view ua) {
  // Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
  if (Has(ua, "Edg/") || Has(ua, "EdgA/") || Has(ua, "EdgiOS/")) return "Edge";
  if (Has(ua, "OPR/") || Has(ua, "Opera")) return "Opera";
  if (Has(ua, "SamsungBrowser/")) return "Samsung Internet";
  if (Has(ua, "Firefox/") || Has(ua, "FxiOS/")) return "Firefox";
  if (Has(ua, "Chrome/") || Has(ua, "CriOS/") || Has(ua, "HeadlessChrome")) return "Chrome";
  if (Has(ua, "Safari/") && Has(ua, "Version/")) return "Safari";
  if (!Has(ua, "Mozilla/") && Has(ua, "/")) return "App";
  return "Other";
}

std::string Os(std::string_view ua) {
  if (Has(ua, "iPad")) return "iPadOS";
  if (Has(ua, "iPhone") || Has(ua, "iPod") || Has(ua, "iOS")) return "iOS";
  if (Has(ua, "Android")) return "Android";
  if (Has(ua, "CrOS")) return "ChromeOS";
  if (Has(ua, "Windows")) return "Windows";
  if (Has(ua, "Mac OS X") || Has(ua, "Macintosh")) return "macOS";
  if (Has(ua, "Linux") || Has(ua, "X11")) return "Linux";
  return "Other";
}

std::string DeviceType(std::string_view ua, std::string_view os) {
  if (os == "iPadOS" || Has(ua, "Tablet") || (os == "Android" && !Has(ua, "Mobile"))) {
    return "tablet";
  }
  if (os == "iOS" || Has(ua, "Mobile") || Has(ua, "Android")) return "mobile";
  if (os == "Windows" || os == "macOS" || os == "Linux" || os == "ChromeOS") return "desktop";
  return "other";
}

}  // namespace

DeviceInfo ClassifyUserAgent(std::string_view ua) {
  DeviceInfo info;
  info.browser = Browser(ua);
  info.os = Os(ua);
  info.device_type = DeviceType(ua, info.os);
  return info;
}

}  // namespace spoor::collect
