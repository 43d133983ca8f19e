#!/usr/bin/env bash
# WXKB_REDIS: two wxkbd instances share one Redis (a private redis-server
# on a unix socket in the test's own directory, never the system's, never
# a TCP port).  A retry on the other instance gets the byte-identical
# answer of one dispatch; a replay is refused by both; a claim held by a
# dead instance is taken over; Redis killed mid-traffic costs no callback
# and its return is noticed; an instance killed with -9 leaves the other
# serving its retries.  Against the fake WeChat API, the cluster fetches
# one access_token, and one more when WeChat refuses it.  An edit saved on
# one instance is served by the other; one that loses the compare-and-set
# is refused with 409; while Redis is away edits get 503 (more on the
# knowledge base in cluster_kb.sh).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/redis_lib.sh

PREFIX=wxkbt:
FAKE_PID=
PID_A=
PID_B=

trap 'stop_all $PID_A $PID_B $REDIS_PID $FAKE_PID' EXIT

if ! redis_installed; then
	ok 1 "redis-server and redis-cli are installed (make deps)"
	finish
fi

# A knowledge base with one item of 8 random replies (the most an item
# holds): two dispatches of one message would most likely differ; and two
# items a vague question gets as a numbered list.
write_kb() {
	local i replies=
	for i in $(seq 1 8); do
		replies="$replies${replies:+,}{\"type\":\"text\",\"content\":\"测试回复第${i}号\"}"
	done
	cat >"$1" <<-KB
	{"version":1,"account":"测试",
	 "welcome":{"type":"text","content":"欢迎"},
	 "fallback":{"type":"text","content":"没有找到答案"},
	 "items":[
	  {"id":"dice","title":"随机","keywords":["骰子"],"match":"exact",
	   "reply_mode":"random_one","reply":[$replies]},
	  {"id":"apply","title":"依申请公开办理流程","keywords":["依申请公开"],
	   "reply":{"type":"text","content":"测试条目甲"}},
	  {"id":"active","title":"主动公开信息情况","keywords":["主动公开"],
	   "reply":{"type":"text","content":"测试条目乙"}}
	 ]}
	KB
}

# start_inst NAME: a wxkbd with its own state dir on the shared Redis;
# sets PID_NAME and PORT_NAME.
start_inst() {
	local name=$1 saved=$WORK rc
	WORK=$saved/$name
	mkdir -p "$WORK/state"
	write_kb "$WORK/state/kb.json"
	start_wxkbd WXKB_REDIS="unix:$SOCK" WXKB_REDIS_PREFIX="$PREFIX" \
	    WXKB_APPSECRET=itestsecret WXKB_API_BASE="$API"
	rc=$?
	eval "PID_$name=\$WXKBD_PID PORT_$name=\$PORT"
	WXKBD_PID=
	WORK=$saved
	return $rc
}

# add_item NAME ID KEYWORD TEXT: create an item through NAME's admin API
# (If-Match: the knowledge base's revision); sets STATUS and BODY.
add_item() {
	local port rev
	port=$(sed -n 's/^WXKB_ADMIN_LISTEN=127.0.0.1://p' "$WORK/$1/wxkbd.conf")
	rev=$(curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "http://127.0.0.1:$port/api/kb" | grep -o '"revision":[0-9]*' |
	    head -n 1 | cut -d: -f2)
	STATUS=$(curl -s -m 5 -o "$WORK/admin.out" -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer $ADMIN_TOKEN" -H "If-Match: ${rev:-0}" \
	    -H 'Content-Type: application/json' --data-binary \
	    "{\"id\":\"$2\",\"title\":\"$2\",\"keywords\":[\"$3\"],\"reply\":{\"type\":\"text\",\"content\":\"$4\"}}" \
	    "http://127.0.0.1:$port/api/kb/items")
	BODY=$(cat "$WORK/admin.out")
}

# probe NAME TEXT: BODY is NAME's answer to TEXT, SAYS the same without its
# CreateTime.  Each probe takes a nonce and a message id of its own (a
# repeated nonce would be refused as a replay).
probes=0
probe() {
	probes=$((probes + 1))
	to "$1"
	post "$(plain_query "$now" "$((200000 + probes))")" \
	    "$(text_xml oClusterKb "$((7400000000900000 + probes))" "$2")"
	SAYS=$(echo "$BODY" | sed 's/<CreateTime>[0-9]*<\/CreateTime>//')
}
# served_within NAME TENTHS TEXT WANT: NAME answers TEXT with WANT within
# TENTHS tenths of a second.
served_within() {
	local i
	for i in $(seq 1 "$2"); do
		probe "$1" "$3"
		echo "$BODY" | grep -q "$4" && return 0
		sleep 0.1
	done
	return 1
}

# The Redis key of the retry entry of OPENID's message MSGID.
# retry_key OPENID MSGID: the Redis key of the plain text message
# text_xml OPENID MSGID '骰子' sends (the daemon's own key, digested).
retry_key() {
	text_xml "$1" "$2" '骰子' | "$BUILD/tests/msg_key" |
	    tr -d '\n' | sha256sum | cut -c1-32 | sed "s/^/${PREFIX}retry:/"
}

"$BUILD/tests/fake_wechat" --port 0 --log "$WORK/api.log" \
    --appid wx0123456789abcdef --secret itestsecret >"$WORK/fake.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 50); do grep -q '^PORT=' "$WORK/fake.out" && break; sleep 0.1; done
API="http://127.0.0.1:$(sed -n 's/^PORT=//p' "$WORK/fake.out")"
count() { curl -s -m 5 "$API/control/stats" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

start_redis
ok $? "a private redis-server answers on its unix socket"
start_pair

# --- one access_token for the cluster ---
for _ in $(seq 1 30); do
	[ "$(count /cgi-bin/stable_token)" = 1 ] && break
	sleep 0.1
done
sleep 0.5	# time for a second, wrong, fetch to show
is "$(count /cgi-bin/stable_token)" 1 "two instances start: one token fetch for the cluster"
# menu NAME: an API call through instance NAME.  The fake has no menu:
# its 46003 proves the call got past the token check.
menu() {
	"$WXKBCTL" --config "$WORK/$1/wxkbd.conf" menu show >"$WORK/menu.out" 2>&1
	grep -q 'no custom menu exists' "$WORK/menu.out" ||
	    { sed "s/^/# $1: /" "$WORK/menu.out"; return 1; }
}
menu A && menu B
ok $? "both instances call the API with it"
is "$(count /cgi-bin/stable_token)" 1 "still one token fetch"
curl -s -m 5 -X POST -d '{"rotate":true}' "$API/control" >/dev/null
menu A && menu B
ok $? "after WeChat rotates the token both instances still get through"
is "$(count /cgi-bin/stable_token)" 2 "one refresh for the cluster on 40001, not one per instance"

# --- one dispatch for a message and its retry, on either instance ---
now=$(date +%s)
same=0
for i in $(seq 1 8); do
	msg=$(text_xml oClusterU1 "74000000000000001$i" '骰子')
	q=$(plain_query "$now" "$((81000 + i))")
	to A; post "$q" "$msg"; a_status=$STATUS; a_body=$BODY
	to B; post "$q" "$msg"; b_status=$STATUS; b_body=$BODY
	[ "$a_status" = 200 ] && [ "$b_status" = 200 ] &&
	    [ "$a_body" = "$b_body" ] && [ -n "$a_body" ] && same=$((same + 1))
done
is "$same" 8 "8 messages to A, each retried on B: byte-identical answers"
hits=$(grep -c 'event=kb_hit' "$WORK/A/wxkbd.log")
retries=$(grep -c 'event=retry' "$WORK/B/wxkbd.log")
is "$hits:$retries" "8:8" "A dispatched each once, B answered each from Redis"
grep -q 'event=kb_hit' "$WORK/B/wxkbd.log"
ok $((! $?)) "B dispatched none of them"

# Retry to B and A at once: still one answer.
msg=$(text_xml oClusterU2 7400000000000000200 '骰子')
q=$(plain_query "$now" 82000)
to A; curl -s -m 5 -o "$WORK/par_a" -X POST --data-binary "$msg" "$URL?$q" &
pa=$!
to B; curl -s -m 5 -o "$WORK/par_b" -X POST --data-binary "$msg" "$URL?$q" &
pb=$!
wait $pa $pb
cmp -s "$WORK/par_a" "$WORK/par_b" && grep -q '测试回复' "$WORK/par_a"
ok $? "the same message to A and B at once: one answer for both"

# --- replays ---
to A; post "$(plain_query "$now" 83000)" "$(text_xml oClusterU3 7400000000000000300 '骰子')"
is "$STATUS" 200 "A answers a message"
to B; post "$(plain_query "$now" 83000)" "$(text_xml oClusterU3 7400000000000000301 '骰子')"
is "$STATUS" 403 "B refuses another message under the nonce A saw"
grep -q 'event=replay' "$WORK/B/wxkbd.log"
ok $? "B logs the replay"

# --- an edit saved on A is served by B ---
add_item A kb-edit-one 新增测试一 测试条目丙
is "$STATUS" 201 "A saves a new item through its admin API"
served_within B 10 新增测试一 测试条目丙
ok $? "B serves the item within 1 s"
grep -q 'event=kb_sync' "$WORK/B/wxkbd.log"
ok $? "B logs the revision it took from the cluster"

# Two admins save at once, on A and on B: the cluster ends up with one
# version, whichever won the compare-and-set in Redis.
add_item A kb-race-a 并发测试甲 测试并发甲 &
race_a=$!
add_item B kb-race-b 并发测试乙 测试并发乙
wait "$race_a"
for _ in $(seq 1 50); do
	same=0
	for kw in 并发测试甲 并发测试乙; do
		probe A "$kw"
		a_says=$SAYS
		probe B "$kw"
		[ -n "$a_says" ] && [ "$a_says" = "$SAYS" ] &&
		    same=$((same + 1))
	done
	[ "$same" = 2 ] && break
	sleep 0.1
done
is "$same" 2 "two edits saved at once on A and B: both serve one version"
# A revision stored in Redis behind A's back (as if another instance had
# saved just before A): A's edit loses the compare-and-set, is refused
# with 409, and A serves the cluster's version.
write_kb "$WORK/other.json"
sed -i 's/^{"version":1,/{"version":1,"revision":900,/' "$WORK/other.json"
rcli set "${PREFIX}kb:doc" "$(cat "$WORK/other.json")" >/dev/null
rcli set "${PREFIX}kb:rev" 900 >/dev/null
add_item A kb-lost 丢失测试 测试条目戊
is "$STATUS" 409 "A refuses an edit while Redis holds a newer revision"
served_within A 20 新增测试一 没有找到答案
ok $? "A gives way to the cluster's version"
grep -q 'event=kb_conflict' "$WORK/A/wxkbd.log"
ok $? "A logs the lost compare-and-set"

# --- the digit reply to a suggestion list reaches another instance ---
to A; post "$(plain_query "$now" 83100)" "$(text_xml oClusterU9 7400000000000000900 '公开办理')"
echo "$BODY" | grep -q '回复数字查看'
ok $? "A answers a vague question with a numbered list"
to B; post "$(plain_query "$now" 83101)" "$(text_xml oClusterU9 7400000000000000901 '2')"
echo "$BODY" | grep -q '测试条目乙'
ok $? "the digit sent to B opens the item A listed second"
to A; post "$(plain_query "$now" 83102)" "$(text_xml oClusterU9 7400000000000000902 '1')"
echo "$BODY" | grep -q '测试条目甲'
ok $? "and the next digit, back on A, the first"
n=$(rcli exists "${PREFIX}user:$(printf oClusterU9 | sha256sum | cut -c1-32)")
keys=$(rcli --scan --pattern "${PREFIX}*" | grep -c 'oCluster')
is "$n:$keys" "1:0" "the list is kept under a digest of the OpenID, never the OpenID"

# --- a claim left by an instance that died before answering ---
key=$(retry_key oClusterU4 7400000000000000400)
rcli set "$key" c px 1500 >/dev/null
to B; post "$(plain_query "$now" 84000)" "$(text_xml oClusterU4 7400000000000000400 '骰子')"
echo "$BODY" | grep -q '测试回复'
ok $? "a claim whose owner died expires and B takes the message over"
# A claim whose owner answers while B waits: B serves that answer.
key=$(retry_key oClusterU5 7400000000000000500)
rcli set "$key" c px 3000 >/dev/null
(sleep 0.5; rcli set "$key" 'a<xml><Content>stored by the owner</Content></xml>' px 60000 >/dev/null) &
owner=$!
to B; post "$(plain_query "$now" 85000)" "$(text_xml oClusterU5 7400000000000000500 '骰子')"
wait "$owner"
is "$BODY" '<xml><Content>stored by the owner</Content></xml>' \
    "B waits for a pending claim and serves the owner's answer"

# A client that hangs up while B waits on a claim costs B nothing.
key=$(retry_key oClusterU10 7400000000000001000)
rcli set "$key" c px 1000 >/dev/null
to B
curl -s -m 0.3 -o /dev/null -X POST --data-binary \
    "$(text_xml oClusterU10 7400000000000001000 '骰子')" \
    "$URL?$(plain_query "$now" 85100)"
sleep 1.2
[ "$(health B)" = ok ] && kill -0 "$PID_B"
ok $? "B survives a client that hangs up while it waits on a claim"

# --- Redis killed mid-traffic ---
fail=0
for i in $(seq 1 40); do
	[ "$i" = 15 ] && kill_redis
	if [ $((i % 2)) = 0 ]; then to A; else to B; fi
	post "$(plain_query "$now" "$((86000 + i))")" "$(text_xml oClusterU6 "74000000000000006$((10 + i))" '骰子')"
	echo "$BODY" | grep -q '测试回复' || fail=$((fail + 1))
done
is "$fail" 0 "40 callbacks while Redis is killed: none failed"
is "$(health A):$(health B)" "degraded:degraded" "/healthz says degraded on both"
n=$(grep -c 'event=redis_down' "$WORK/A/wxkbd.log")
is "$n" 1 "the outage is logged once as a warning"
curl -s -m 2 "http://127.0.0.1:$(eval echo \$PORT_A)/healthz" >/dev/null
metrics=$(grep -c '^wxkb_redis_up 0' < <(curl -s -m 2 -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:$(sed -n 's/^WXKB_ADMIN_LISTEN=127.0.0.1://p' "$WORK/A/wxkbd.conf")/metrics"))
is "$metrics" 1 "/metrics shows wxkb_redis_up 0"
add_item A kb-edit-two 新增测试二 测试条目丁
is "$STATUS" 503 "an admin edit while Redis is away gets 503"
echo "$BODY" | grep -q '暂停保存修改'
ok $? "with a clear Chinese message"
# Degraded: a retry to the same instance is still answered from its cache.
to A; post "$(plain_query "$now" 86040)" "$(text_xml oClusterU6 7400000000000000650 '骰子')"
first=$BODY
post "$(plain_query "$now" 86040)" "$(text_xml oClusterU6 7400000000000000650 '骰子')"
is "$BODY" "$first" "degraded: a retry to the same instance gets the same answer"

# --- Redis back ---
start_redis
ok $? "Redis restarts on the same socket"
wait_health A ok && wait_health B ok
ok $? "both instances reconnect and report ok"
grep -q 'event=redis_up.*is back' "$WORK/A/wxkbd.log"
ok $? "the return is logged"
add_item A kb-edit-two 新增测试二 测试条目丁
is "$STATUS" 201 "with Redis back, edits are saved again"
served_within B 100 新增测试二 测试条目丁
ok $? "and B serves them once it has resubscribed"
msg=$(text_xml oClusterU7 7400000000000000700 '骰子')
q=$(plain_query "$now" 87000)
to A; post "$q" "$msg"; a_body=$BODY
to B; post "$q" "$msg"
[ -n "$a_body" ] && [ "$BODY" = "$a_body" ]
ok $? "after the outage a retry on B gets A's answer again"

# --- an instance killed with -9 mid-traffic ---
fail=0
for i in $(seq 1 20); do
	msg=$(text_xml oClusterU8 "74000000000000008$((10 + i))" '骰子')
	q=$(plain_query "$now" "$((88000 + i))")
	if [ "$i" -le 10 ]; then
		to A; post "$q" "$msg"; a_body=$BODY
		[ "$i" = 10 ] && { kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null; PID_A=; }
	fi
	# WeChat retries every message; the balancer sends it to B.
	to B; post "$q" "$msg"
	if [ "$i" -le 10 ] && [ "$BODY" != "$a_body" ]; then
		fail=$((fail + 1))
	fi
	echo "$BODY" | grep -q '测试回复' || fail=$((fail + 1))
done
is "$fail" 0 "A killed -9 mid-traffic: B serves every retry with A's answer"

kill -TERM "$PID_B"
wait "$PID_B"
is "$?" 0 "B stops cleanly with SIGTERM"
PID_B=
finish
