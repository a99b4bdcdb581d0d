-- wrk script: POST /mtc/event (application/x-www-form-urlencoded), one unique
-- page view per request, as Mautic's tracker sends it over CORS. Same
-- parameters, headers and environment as pixel.lua (see there).

-- setup(), done(), split() and page_view_query() come from common.lua.
dofile((os.getenv("BENCH_LUA_DIR") or ".") .. "/common.lua")

local prefix, devices, ndev, n

function init(args)
  prefix = os.getenv("BENCH_EID_PREFIX") or ("b" .. os.time())
  devices = split(os.getenv("BENCH_DEVICES"))
  ndev = #devices
  n = 0
  sent = 0
  query_bytes = 0
  wrk.method = "POST"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
      "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
  wrk.headers["Accept"] = "*/*"
  wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
  wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = "https://www.example.com"
  wrk.headers["Referer"] = "https://www.example.com/blog/"
  wrk.headers["Sec-Fetch-Dest"] = "empty"
  wrk.headers["Sec-Fetch-Mode"] = "cors"
  wrk.headers["Sec-Fetch-Site"] = "cross-site"
end

function request()
  n = n + 1
  sent = n
  local body = page_view_query(prefix, n)
  query_bytes = #body
  if ndev > 0 then
    wrk.headers["Cookie"] = "mautic_device_id=" .. devices[n % ndev + 1]
  end
  return wrk.format(nil, "/mtc/event", nil, body)
end
