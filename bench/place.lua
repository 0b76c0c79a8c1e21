-- wrk script for make bench: place distinct orders on mockplat (POST /__sim/orders), for the
-- memory-per-order figure. BENCH_SEQ_BASE makes each wrk run's sequence numbers new.
local n = 0
local base = tonumber(os.getenv("BENCH_SEQ_BASE") or "0")
local shop = os.getenv("BENCH_SHOP") or "sp-1"
request = function()
  n = n + 1
  local body = string.format(
    '{"seq":%d,"shop":"%s","buyer":"b%07d","lines":[{"sku":"SKU-00","qty":1}]}',
    base + n, shop, n % 100000)
  return wrk.format("POST", "/__sim/orders", {["Content-Type"] = "application/json"}, body)
end
