-- wrk script for bench/server.sh: cycles through a list of request paths
-- (one per line, the file given after --), each thread from its own place
-- in the list, and prints the results as one JSON line at the end.
-- With "errors" after the file, it also counts the answers that are not 2xx
-- and prints the first few (status and body; not the path: a thread's
-- connections answer out of order): only for slow servers, as reading every
-- answer in Lua costs wrk time.
local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    threads[#threads + 1] = thread
end

function init(args)
    paths = {}
    for line in io.lines(args[1]) do
        if #line > 0 then paths[#paths + 1] = line end
    end
    i = ((tid or 0) * 101) % #paths
    bad, nbad = "", 0
    if args[2] == "errors" then
        -- wrk asks for the answers only when this function exists after init
        response = function(status, headers, body)
            if status < 200 or status > 299 then
                nbad = nbad + 1
                if nbad <= 3 then
                    bad = bad .. status .. " " .. body:gsub("%s+", " ") .. "\n"
                end
            end
        end
    end
end

function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
        '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
        '"p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
        e.status, e.timeout, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.mean, latency.max))
    for _, t in ipairs(threads) do
        local b = t:get("bad")
        if b and #b > 0 then io.write(b) end
    end
end
