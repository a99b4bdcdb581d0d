-- wrk script: POST /mtc/event (application/x-www-form-urlencoded), one unique
-- page view per request, as Mautic's tracker sends it over CORS. Same
-- parameters, headers and environment as pixel.lua (see there).

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

local titles = {
  "How%20to%20track%20visitors%20without%20third-party%20cookies",
  "Pricing%20plans%20for%20small%20teams%20and%20agencies",
  "Spring%20sale%3A%2030%25%20off%20all%20annual%20plans",
}

local function query(i)
  return "page_url=https%3A%2F%2Fwww.example.com%2Fblog%2F2024%2Fpost-" .. i ..
      "&page_title=" .. titles[i % 3 + 1] ..
      "&page_language=en-US&page_referrer=https%3A%2F%2Fwww.example.com%2F" ..
      "&resolution=1920x1080" ..
      "&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale_2024" ..
      "&eid=" .. prefix .. "-" .. (tid or 1) .. "-" .. i
end

function request()
  n = n + 1
  sent = n
  local body = query(n)
  query_bytes = #body
  if ndev > 0 then
    wrk.headers["Cookie"] = "mautic_device_id=" .. devices[n % ndev + 1]
  end
  return wrk.format(nil, "/mtc/event", nil, body)
end

function done(summary, latency, requests)
  local total, qb = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("sent") or 0)
    qb = math.max(qb, t:get("query_bytes") or 0)
  end
  io.write(string.format("bench: sent %d\nbench: query_bytes %d\n", total, qb))
end
