-- Shared by the wrk scripts (pixel.lua, mtc_event.lua, push.lua), loaded
-- with dofile from BENCH_LUA_DIR (set by bench/run): thread numbering, the
-- "bench: sent / query_bytes" report, and the page view every tracking
-- request carries. Each script keeps the globals `sent` (requests made) and
-- `query_bytes` (size of the last query or body) up to date.

local threads = {}

-- Runs in the main Lua state: numbers the threads (global `tid` in each).
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function done(summary, latency, requests)
  local total, qb = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("sent") or 0)
    qb = math.max(qb, t:get("query_bytes") or 0)
  end
  io.write(string.format("bench: sent %d\nbench: query_bytes %d\n", total, qb))
end

function split(s)
  local out = {}
  for v in string.gmatch(s or "", "[^,]+") do out[#out + 1] = v end
  return out
end

local titles = {
  "How%20to%20track%20visitors%20without%20third-party%20cookies",
  "Pricing%20plans%20for%20small%20teams%20and%20agencies",
  "Spring%20sale%3A%2030%25%20off%20all%20annual%20plans",
}

-- Page view number i with event id PREFIX-THREAD-i; about 300 bytes.
function page_view_query(prefix, i)
  return "page_url=https%3A%2F%2Fwww.example.com%2Fblog%2F2024%2Fpost-" .. i ..
      "&page_title=" .. titles[i % 3 + 1] ..
      "&page_language=en-US&page_referrer=https%3A%2F%2Fwww.example.com%2F" ..
      "&resolution=1920x1080" ..
      "&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale_2024" ..
      "&eid=" .. prefix .. "-" .. (tid or 1) .. "-" .. i
end
