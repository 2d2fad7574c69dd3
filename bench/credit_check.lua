-- wrk script for bench_credit_check.py: one request per call, from a list of customers.
-- Environment: BENCH_MODE ("check" posts a new credit check, "baseline" gets one
-- customer), BENCH_TOKEN, BENCH_CUSTOMERS (a file of "id currency" lines), BENCH_RUN
-- (makes every order reference new). done() prints one JSON line of figures in ms.
local customers = {}
for line in io.lines(os.getenv("BENCH_CUSTOMERS")) do
  local id, currency = line:match("^(%d+) (%a+)$")
  customers[#customers + 1] = {id = id, currency = currency}
end
local mode = os.getenv("BENCH_MODE")
local headers = {
  ["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local run = os.getenv("BENCH_RUN")
local threads = {}
local sent = 0
failures = 0
first_failure = ""

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(1000 + thread_index)
end

function request()
  sent = sent + 1
  local customer = customers[math.random(#customers)]
  if mode == "baseline" then
    return wrk.format("GET", "/api/v1/customers/" .. customer.id .. "/", headers)
  end
  local body = string.format(
    '{"customer": %s, "order_amount": "%d.00", "currency": "%s", "order_reference": "%s-%d-%d"}',
    customer.id, math.random(100, 50000), customer.currency, run, thread_index, sent)
  return wrk.format("POST", "/api/v1/credit-checks/", headers, body)
end

function response(status, headers, body)
  local expected = (mode == "baseline") and 200 or 201
  if status ~= expected then
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. body:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local failed, first = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    if first == "" then first = thread:get("first_failure") end
  end
  first = first:gsub('[%c"\\]', " ")  -- stays a valid JSON string
  local errors = summary.errors
  io.write(string.format(
    '{"p50": %.4f, "p95": %.4f, "mean": %.4f, "requests": %d, "seconds": %.3f, "failed": %d, "socket_errors": %d, "first_failure": "%s"}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.mean / 1000,
    summary.requests, summary.duration / 1e6, failed,
    errors.connect + errors.read + errors.write + errors.timeout, first))
end
