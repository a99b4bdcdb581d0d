-- wrk script: Mautic tracking-pixel hits (GET /mtracking.gif?...), one unique
-- page view per request, as Mautic's tracker sends it when it falls back to
-- the pixel. Used against Spoor and against nginx (same requests).
--
-- Environment (set by bench/run):
--   BENCH_EID_PREFIX  prefix of the client event ids (eid); must differ per
--                     run, since a repeated eid is stored once
--   BENCH_DEVICES     comma-separated mautic_device_id values to send as the
--                     cookie, rotated per request (empty: no cookie)
-- Event id: PREFIX-THREAD-COUNTER (<= 64 chars, [A-Za-z0-9._:-]).
-- done() prints "bench: sent N" (requests generated, an upper bound of what
-- the server could have stored) and "bench: query_bytes N".

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
  wrk.method = "GET"
  wrk.body = nil
  wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
      "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
  wrk.headers["Accept"] = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
  wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
  wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
  wrk.headers["Referer"] = "https://www.example.com/blog/"
  wrk.headers["Sec-Fetch-Dest"] = "image"
  wrk.headers["Sec-Fetch-Mode"] = "no-cors"
  wrk.headers["Sec-Fetch-Site"] = "cross-site"
end

local function cookie(i)
  if ndev > 0 then
    wrk.headers["Cookie"] = "mautic_device_id=" .. devices[i % ndev + 1]
  end
end

function request()
  n = n + 1
  sent = n
  local q = page_view_query(prefix, n)
  query_bytes = #q
  cookie(n)
  return wrk.format(nil, "/mtracking.gif?" .. q)
end
