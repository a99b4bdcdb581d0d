-- wrk script: POST /api/v1.0/orgs/{org}/pushdatareceiver/events, as an app
-- reports that a notification was received, opened or dismissed. The sends
-- (tracking id, device token) come from BENCH_PUSH_SENDS, a file with one
-- "tracking_id device_token" per line; BENCH_PUSH_ORG is the workspace id.
-- Requests cycle through sends and statuses, so the first pass stores new
-- interactions and later ones are repeats (stored once, still 202).

-- setup() and done() come from common.lua.
dofile((os.getenv("BENCH_LUA_DIR") or ".") .. "/common.lua")

local sends, nsends, path, n

function init(args)
  sends = {}
  local f = assert(io.open(os.getenv("BENCH_PUSH_SENDS"), "r"))
  for line in f:lines() do
    local id, token = line:match("^(%S+) (%S+)$")
    if id then sends[#sends + 1] = {id, token} end
  end
  f:close()
  nsends = #sends
  path = "/api/v1.0/orgs/" .. os.getenv("BENCH_PUSH_ORG") .. "/pushdatareceiver/events"
  n = (tid or 1) * 7919
  sent = 0
  query_bytes = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  wrk.headers["User-Agent"] = "Shop/2.1 (Android 14; Pixel 8)"
end

function request()
  n = n + 1
  sent = sent + 1
  local s = sends[n % nsends + 1]
  local status = math.floor(n / nsends) % 3
  local body = '{"TrackingId":"' .. s[1] .. '","DeviceToken":"' .. s[2] ..
      '","PushNotificationStatus":"' .. status .. '"}'
  query_bytes = #body
  return wrk.format(nil, path, nil, body)
end
