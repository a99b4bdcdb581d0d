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

local threads = {}

-- Runs in the main Lua state: numbers the threads (global `tid` in each).
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local prefix, devices, ndev, n

local function split(s)
  local out = {}
  for v in string.gmatch(s or "", "[^,]+") do out[#out + 1] = v end
  return out
end

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

local titles = {
  "How%20to%20track%20visitors%20without%20third-party%20cookies",
  "Pricing%20plans%20for%20small%20teams%20and%20agencies",
  "Spring%20sale%3A%2030%25%20off%20all%20annual%20plans",
}

-- One page view; the query is about 300 bytes.
local function query(i)
  return "page_url=https%3A%2F%2Fwww.example.com%2Fblog%2F2024%2Fpost-" .. i ..
      "&page_title=" .. titles[i % 3 + 1] ..
      "&page_language=en-US&page_referrer=https%3A%2F%2Fwww.example.com%2F" ..
      "&resolution=1920x1080" ..
      "&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale_2024" ..
      "&eid=" .. prefix .. "-" .. (tid or 1) .. "-" .. i
end

local function cookie(i)
  if ndev > 0 then
    wrk.headers["Cookie"] = "mautic_device_id=" .. devices[i % ndev + 1]
  end
end

function request()
  n = n + 1
  sent = n
  local q = query(n)
  query_bytes = #q
  cookie(n)
  return wrk.format(nil, "/mtracking.gif?" .. q)
end

function done(summary, latency, requests)
  local total, qb = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("sent") or 0)
    qb = math.max(qb, t:get("query_bytes") or 0)
  end
  io.write(string.format("bench: sent %d\nbench: query_bytes %d\n", total, qb))
end
