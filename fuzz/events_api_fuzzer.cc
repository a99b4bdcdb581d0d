// Fuzzes the server-side events API parser (POST /api/v1/events) and the
// Authorization header helpers: no crash, no exception, and whatever is
// accepted is bounded, valid UTF-8 without NUL, with properties that are a
// valid JSON object.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spoor/collect/events_api.h"
#include "spoor/common/text.h"

namespace {

// 2024-05-01T12:00:00Z.
constexpr int64_t kNowUs = 1714564800LL * 1000000;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool Clean(std::string_view s) {
  return spoor::IsValidUtf8(s) && s.find('\0') == std::string_view::npos;
}

void CheckEvent(const spoor::collect::ApiEvent& ev, const spoor::collect::EventsApiLimits& limits,
                spoor::collect::ApiAuth auth) {
  for (std::string_view s :
       {std::string_view(ev.event_id), std::string_view(ev.name), std::string_view(ev.device_id),
        std::string_view(ev.user_id), std::string_view(ev.url), std::string_view(ev.title),
        std::string_view(ev.referrer), std::string_view(ev.write_key)}) {
    Check(Clean(s));
  }
  Check(!ev.name.empty() && ev.name.size() <= limits.max_name_bytes);
  Check(ev.type == "custom" || ev.type == "page_view" || ev.type == "identify");
  Check(ev.timestamp_us == 0 || ev.timestamp_us <= kNowUs + limits.max_future_us);
  if (auth == spoor::collect::ApiAuth::kWriteKey && ev.timestamp_us != 0) {
    Check(ev.timestamp_us >= kNowUs - limits.max_backdate_us_write_key);
  }
  Check(ev.traits.size() <= limits.max_keys);
  for (const auto& [k, v] : ev.traits) Check(Clean(k) && Clean(v) && !k.empty());
  Check(ev.properties_json.size() <= limits.max_properties_bytes);
  boost::system::error_code ec;
  boost::json::value props = boost::json::parse(ev.properties_json, ec);  // strict UTF-8
  Check(!ec && props.is_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  spoor::collect::EventsApiLimits limits;
  bool write_key_ok = false;
  for (auto auth : {spoor::collect::ApiAuth::kWriteKey, spoor::collect::ApiAuth::kBearer}) {
    auto parsed = spoor::collect::ParseEventsBody(in, auth, kNowUs, limits);
    if (auth == spoor::collect::ApiAuth::kWriteKey) write_key_ok = parsed.ok();
    // Bearer auth accepts everything a write key does (and older timestamps).
    if (auth == spoor::collect::ApiAuth::kBearer && write_key_ok) Check(parsed.ok());
    if (!parsed.ok()) {
      Check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
      continue;
    }
    Check(!parsed->events.empty() && parsed->events.size() <= limits.max_batch);
    Check(Clean(parsed->write_key));
    for (const auto& ev : parsed->events) CheckEvent(ev, limits, auth);
  }
  std::string key = spoor::collect::WriteKeyFromBasicAuth(in);
  Check(spoor::IsValidUtf8(key));
  for (unsigned char c : key) Check(c >= 0x20 && c != 0x7f);
  std::string token = spoor::collect::BearerToken(in);
  for (unsigned char c : token) Check(c > 0x20 && c < 0x7f);
  return 0;
}
