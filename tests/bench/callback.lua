-- wrk script of the wxkb benchmark.  Each wrk thread loads its own file
-- written by gen_requests ($WXKB_BENCH_REQUESTS.<thread>.lua: complete
-- HTTP requests separated by NUL bytes) and sends them in turn, so no two
-- threads send the same request.  A response is an error unless its
-- status is 200 and its body is not empty.  done() prints one line,
-- "WXKB_BENCH key=value ...", that tests/bench/run.sh reads.
--
-- Environment: WXKB_BENCH_REQUESTS (the file prefix, required),
-- WXKB_BENCH_DELAY_MS (mean pause of each connection between its
-- requests; unset or 0: none, wrk sends as fast as answers come back),
-- WXKB_BENCH_TALLY (1: plain-mode answers to requests with a sender of
-- their own, gen_requests -u 0: remember the first answer to each
-- message, by its ToUserName, and count the later answers that differ:
-- a retry dispatched a second time, seen with a random_one item).

local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

function init(args)
	local prefix = os.getenv("WXKB_BENCH_REQUESTS")
	if prefix == nil then
		error("WXKB_BENCH_REQUESTS is not set")
	end
	local t = dofile(prefix .. "." .. id .. ".lua")
	local data = t.data
	reqs = {}
	local i = 1
	while true do
		local j = data:find("\0", i, true)
		if j == nil then
			break
		end
		reqs[#reqs + 1] = data:sub(i, j - 1)
		i = j + 1
	end
	if #reqs == 0 then
		error(prefix .. "." .. id .. ".lua holds no request")
	end
	nreqs = #reqs
	math.randomseed(id)
	next_req = 0
	sent = 0
	bad_status = 0
	empty_body = 0
	tally = os.getenv("WXKB_BENCH_TALLY") == "1"
	first = {}
	messages = 0
	repeats = 0
	differing = 0
	untallied = 0
	status_5xx = 0
end

function request()
	next_req = next_req % nreqs + 1
	sent = sent + 1
	return reqs[next_req]
end

function response(status, headers, body)
	if status ~= 200 then
		bad_status = bad_status + 1
		if status >= 500 then
			status_5xx = status_5xx + 1
		end
	elseif body == nil or #body == 0 then
		empty_body = empty_body + 1
	elseif tally then
		local who = body:match("<ToUserName><!%[CDATA%[(.-)%]%]>")
		local text = body:match("<Content><!%[CDATA%[(.-)%]%]>")
		if who == nil or text == nil then
			untallied = untallied + 1
		elseif first[who] == nil then
			first[who] = text
			messages = messages + 1
		else
			repeats = repeats + 1
			if first[who] ~= text then
				differing = differing + 1
			end
		end
	end
end

-- Pacing: only defined when asked for, as wrk then arms a timer for
-- every request.  The pause is drawn from 0 to twice the mean so that
-- the connections do not fire together in bursts.
local pause = tonumber(os.getenv("WXKB_BENCH_DELAY_MS") or "0") or 0
if pause > 0 then
	function delay()
		return math.random(0, 2 * pause)
	end
end

function done(summary, latency, requests)
	local bad, empty, sent_all, distinct = 0, 0, 0, 0
	local msgs, reps, diff, untal, s5 = 0, 0, 0, 0, 0
	for _, t in ipairs(threads) do
		bad = bad + t:get("bad_status")
		empty = empty + t:get("empty_body")
		sent_all = sent_all + t:get("sent")
		distinct = distinct + t:get("nreqs")
		msgs = msgs + t:get("messages")
		reps = reps + t:get("repeats")
		diff = diff + t:get("differing")
		untal = untal + t:get("untallied")
		s5 = s5 + t:get("status_5xx")
	end
	local e = summary.errors
	io.write(string.format("WXKB_BENCH requests=%d duration_us=%d " ..
	    "rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
	    "mean_us=%.1f bad_status=%d empty_body=%d connect=%d read=%d " ..
	    "write=%d timeout=%d sent=%d distinct=%d status_5xx=%d " ..
	    "messages=%d repeats=%d differing=%d untallied=%d\n",
	    summary.requests, summary.duration,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, latency.mean,
	    bad, empty, e.connect, e.read, e.write, e.timeout,
	    sent_all, distinct, s5, msgs, reps, diff, untal))
end
