-- POST /emit load for wrk. Usage:
--   wrk -t2 -c32 -d10s -s emulator/tools/wrk_emit.lua http://127.0.0.1:PORT -- SECRET
-- (start the emulator with e.g. `buildable-emulator --port 8080 --secret bench=SECRET`).
local secret = "bench-secret"

function init(args)
  if args[1] then secret = args[1] end
  wrk.method = "POST"
  wrk.path = "/emit"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Buildable-Secret"] = secret
  wrk.body = '{"event":"bench.emit","payload":{"salutation":"Hello World!","n":42}}'
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("emits/s: %.0f, non-2xx: %d, socket errors: %d\n",
    summary.requests / (summary.duration / 1e6), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
