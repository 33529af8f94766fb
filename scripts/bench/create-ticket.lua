-- wrk script: POST a new ticket with the bearer token from $TOKEN; with $PREFER set (e.g.
-- "wait=10") the ingress answers only once the ticket is applied (end-to-end latency).
--
-- Without $RATE every connection sends its next request as soon as the answer arrives (closed
-- loop: the throughput ceiling, where latency is only the queue). With $RATE (requests per second
-- in all) requests go out on a fixed schedule, whichever connection is free takes the next slot
-- (open loop, as independent users arrive), and a request that could not leave on time counts as
-- late: the latency figures hold only while "late" stays at zero.
wrk.method = "POST"
wrk.body = '{"title":"Benchmark ticket","description":"Created by scripts/bench","category":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local prefer = os.getenv("PREFER")
if prefer ~= nil and prefer ~= "" then
  wrk.headers["Prefer"] = prefer
end

local expected = tonumber(os.getenv("EXPECTED_STATUS") or "202")
unexpected = 0
late = 0

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock, timespec *now);
]]
local clock = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local interval = nil -- ms between this thread's requests
local next_slot = nil
function init(args)
  local rate = tonumber(os.getenv("RATE") or "0")
  if rate > 0 then
    interval = 1000 * tonumber(os.getenv("THREADS") or "1") / rate
  end
end

if os.getenv("RATE") ~= nil and tonumber(os.getenv("RATE")) > 0 then
  function delay()
    local now = now_ms()
    next_slot = next_slot or now
    local slot = next_slot
    next_slot = next_slot + interval
    if now - slot > 10 then
      late = late + 1
    end
    return math.max(0, math.floor(slot - now))
  end
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local wrong, behind = 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("unexpected")
    behind = behind + thread:get("late")
  end
  io.write(string.format("requests %d in %.1f s: %.0f/s\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d, unexpected status %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status, wrong))
  if os.getenv("RATE") then
    io.write(string.format("late (sent > 10 ms after their slot): %d\n", behind))
  end
end
