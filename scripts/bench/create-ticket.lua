-- wrk script: POST a new ticket with the bearer token from $TOKEN; with $PREFER set (e.g.
-- "wait=10") the ingress answers only once the ticket is applied (end-to-end latency).
wrk.method = "POST"
wrk.body = '{"title":"Benchmark ticket","description":"Created by scripts/bench","category":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local prefer = os.getenv("PREFER")
if prefer ~= nil and prefer ~= "" then
  wrk.headers["Prefer"] = prefer
end

local expected = tonumber(os.getenv("EXPECTED_STATUS") or "202")
local unexpected = 0

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d in %.1f s: %.0f/s\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end
