-- wrk script of the soak (tests/integration/soak.sh): each thread sends the
-- valid safe-mode messages of its own file ($WXKB_SOAK_REQUESTS.<thread>.lua,
-- written by tests/bench/gen_requests or hostile_gen: complete requests
-- separated by NUL bytes, some of them WeChat's byte-for-byte retries)
-- and, as every tenth request, one of the hostile requests of
-- $WXKB_SOAK_HOSTILE (written by hostile_export, with the status each gets).
--
-- Every answer is checked as it comes: a 200 must be a reply envelope
-- whose Nonce is that of a valid message (the daemon echoes the
-- request's nonce) or "success" (a message sent again after its stored
-- answer expired or was evicted: it is never dispatched twice; soak.sh
-- bounds how many), any other status must be one the hostile requests
-- get.  One 200 in $WXKB_SOAK_SAMPLE_EVERY (with its request) goes to
-- $WXKB_SOAK_SAMPLES.<thread> for hostile_verify, which verifies the
-- signature, decrypts it and checks it answers the resident who asked.
-- done() prints one line "WXKB_SOAK key=value ..." for soak.sh.

local threads = {}
local statuses = { 400, 403, 404, 405 }
-- The reply envelope (protocol doc §3.6), capturing its Nonce.
local envelope = "^<xml><Encrypt><!%[CDATA%[[A-Za-z0-9+/=]+%]%]></Encrypt>" ..
    "<MsgSignature><!%[CDATA%[%x+%]%]></MsgSignature>" ..
    "<TimeStamp>%d+</TimeStamp><Nonce><!%[CDATA%[(%d+)%]%]></Nonce></xml>$"

function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

local function split(data)
	local out, i = {}, 1
	while true do
		local j = data:find("\0", i, true)
		if j == nil then
			break
		end
		out[#out + 1] = data:sub(i, j - 1)
		i = j + 1
	end
	return out
end

function init(args)
	local prefix = os.getenv("WXKB_SOAK_REQUESTS")
	local hpath = os.getenv("WXKB_SOAK_HOSTILE")
	if prefix == nil or hpath == nil then
		error("WXKB_SOAK_REQUESTS and WXKB_SOAK_HOSTILE must be set")
	end
	valid = split(dofile(prefix .. "." .. id .. ".lua").data)
	local h = dofile(hpath)
	hostile = split(h.data)
	hostile_expect = h.expect
	if #valid == 0 or #hostile == 0 or #hostile ~= #hostile_expect then
		error("no requests, or hostile requests without statuses")
	end
	-- The request behind each nonce, for the checks and the samples.
	by_nonce = {}
	for _, r in ipairs(valid) do
		local n = r:match("[?&]nonce=(%d+)")
		if n == nil then
			error("a valid request without a nonce")
		end
		by_nonce[n] = r
	end
	nvalid, nhostile = #valid, #hostile
	next_valid, next_hostile, n = 0, 0, 0
	sent_valid, sent_hostile, answered, bad_body, bad_status = 0, 0, 0, 0, 0
	again = 0
	for _, s in ipairs(statuses) do
		_G["sent_" .. s] = 0
		_G["got_" .. s] = 0
	end
	every = tonumber(os.getenv("WXKB_SOAK_SAMPLE_EVERY") or "500") or 500
	sampled = 0
	local spath = os.getenv("WXKB_SOAK_SAMPLES")
	samples = spath ~= nil and io.open(spath .. "." .. id, "wb") or nil
	-- Unexpected 200 bodies, to see what they were.
	local dpath = os.getenv("WXKB_SOAK_DEBUG")
	debug = dpath ~= nil and io.open(dpath .. "." .. id, "wb") or nil
end

function request()
	n = n + 1
	if n % 10 == 0 then
		next_hostile = next_hostile % nhostile + 1
		local st = hostile_expect[next_hostile]
		_G["sent_" .. st] = (_G["sent_" .. st] or 0) + 1
		sent_hostile = sent_hostile + 1
		return hostile[next_hostile]
	end
	next_valid = next_valid % nvalid + 1
	sent_valid = sent_valid + 1
	return valid[next_valid]
end

function response(status, headers, body)
	if status == 200 and body == "success" then
		again = again + 1
		return
	end
	if status == 200 then
		local nonce = body:match(envelope)
		local req = nonce ~= nil and by_nonce[nonce] or nil
		if req == nil then
			bad_body = bad_body + 1
			if debug ~= nil and bad_body <= 20 then
				debug:write(body:sub(1, 300), "\n")
				debug:flush()
			end
			return
		end
		answered = answered + 1
		if samples ~= nil and answered % every == 1 then
			samples:write(string.format("S %d %d\n", #req, #body))
			samples:write(req, body, "\n")
			samples:flush()
			sampled = sampled + 1
		end
		return
	end
	if _G["got_" .. status] ~= nil then
		_G["got_" .. status] = _G["got_" .. status] + 1
	else
		bad_status = bad_status + 1
	end
end

function done(summary, latency, requests)
	local keys = { "sent_valid", "sent_hostile", "answered", "again",
	    "bad_body", "bad_status", "sampled" }
	for _, s in ipairs(statuses) do
		keys[#keys + 1] = "sent_" .. s
		keys[#keys + 1] = "got_" .. s
	end
	local total = {}
	for _, k in ipairs(keys) do
		total[k] = 0
		for _, t in ipairs(threads) do
			total[k] = total[k] + (t:get(k) or 0)
		end
	end
	local e = summary.errors
	local line = string.format("WXKB_SOAK requests=%d duration_us=%d " ..
	    "rps=%.0f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d " ..
	    "write=%d timeout=%d", summary.requests, summary.duration,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99), latency.max,
	    e.connect, e.read, e.write, e.timeout)
	for _, k in ipairs(keys) do
		line = line .. string.format(" %s=%d", k, total[k])
	end
	io.write(line .. "\n")
end
