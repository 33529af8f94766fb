-- wrk script for the benchmarks. MODE says what each request is:
--   create  POST a new ticket as $TOKEN (the default); with $PREFER (e.g. "wait=10") the ingress
--           answers only once the ticket is applied (end-to-end latency)
--   ticket  GET one ticket, a different one each time (ids from the file $IDS), as $TOKEN_READ
--   list    GET the first page of the ticket list (50, newest first), as $TOKEN_READ
--   reads   the reads of a help desk at work: per 80, 45 one ticket and 20 list pages (as
--           $TOKEN_READ, a manager) and 15 chat pages of a ticket (as $TOKEN, its owner)
--   writes  its writes: per 20, 10 chat posts (as $TOKEN), 5 status changes (as $TOKEN_READ)
--           and 5 new tickets — run beside `reads` at a quarter of its rate, 80 : 20 in all
--
-- Without $RATE every connection sends its next request as soon as the answer arrives (closed
-- loop: the throughput ceiling, where latency is only the queue). With $RATE (requests per second
-- in all) requests go out on a fixed schedule, whichever connection is free takes the next slot
-- (open loop, as independent users arrive), and a request that could not leave on time counts as
-- late: the latency figures hold only while "late" stays at zero.
local mode = os.getenv("MODE") or "create"
local token = "Bearer " .. (os.getenv("TOKEN") or "")
local token_read = "Bearer " .. (os.getenv("TOKEN_READ") or os.getenv("TOKEN") or "")
local prefer = os.getenv("PREFER")
local new_ticket = '{"title":"Benchmark ticket","description":"Created by scripts/bench","category":"bench"}'

local ids = {}
local ids_file = os.getenv("IDS")
if ids_file ~= nil and ids_file ~= "" then
  for line in io.lines(ids_file) do
    if line ~= "" then table.insert(ids, line) end
  end
end
local function some_ticket()
  return ids[math.random(#ids)]
end

local function create()
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = token }
  if prefer ~= nil and prefer ~= "" then headers["Prefer"] = prefer end
  return wrk.format("POST", "/api/v1/tickets", headers, new_ticket)
end
local function get(path, bearer)
  return wrk.format("GET", path, { ["Authorization"] = bearer }, nil)
end
local function post(path, bearer, body)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Authorization"] = bearer }, body)
end
local function write(pick)
  if pick <= 10 then
    return post("/api/v1/tickets/" .. some_ticket() .. "/messages", token, '{"body":"Any news? (scripts/bench)"}')
  elseif pick <= 15 then
    local status = (math.random(2) == 1) and "in_progress" or "waiting_for_client"
    return post("/api/v1/tickets/" .. some_ticket() .. "/status", token_read, '{"status":"' .. status .. '"}')
  end
  return create()
end

local kinds = {
  create = create,
  ticket = function() return get("/api/v1/tickets/" .. some_ticket(), token_read) end,
  list = function() return get("/api/v1/tickets?limit=50", token_read) end,
  reads = function()
    local pick = math.random(80)
    if pick <= 45 then return get("/api/v1/tickets/" .. some_ticket(), token_read) end
    if pick <= 65 then return get("/api/v1/tickets?limit=50", token_read) end
    return get("/api/v1/tickets/" .. some_ticket() .. "/messages", token)
  end,
  writes = function() return write(math.random(20)) end,
}
local make = kinds[mode] or error("unknown MODE " .. mode)
function request()
  return make()
end

-- Any 2xx counts as expected unless $EXPECTED_STATUS names one status.
local expected = tonumber(os.getenv("EXPECTED_STATUS") or "0")
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
  math.randomseed(os.time() + tonumber(tostring(args):match("0x(%x+)") or "0", 16))
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
  if (expected ~= 0 and status ~= expected) or (expected == 0 and (status < 200 or status > 299)) then
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
