-- wrk script for make bench: the same request the load generator's HTTP path sends in
-- bench-http (bench/run.sh sets BENCH_BODY and, when the mock has one, BENCH_TOKEN).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["X-Sim-Token"] = token
end
