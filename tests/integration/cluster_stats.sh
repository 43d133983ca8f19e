#!/usr/bin/env bash
# WXKB_REDIS: the unanswered questions and answer statistics of two
# wxkbd instances (a private redis-server on a unix socket in the test's
# own directory, never the system's, never a TCP port) are seen, summed,
# on both: on /api/stats/unanswered, /api/stats/items, the CSV export and
# `wxkbctl stats`.  A message and its retry on the other instance count
# once; a state set on one is seen on the other; what is asked while
# Redis is away reaches the other instance when it returns; a restarted
# instance keeps its id; a malformed snapshot in Redis is refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/redis_lib.sh

PREFIX=wxkbs:
PID_A=
PID_B=
trap 'stop_all $PID_A $PID_B $REDIS_PID' EXIT

if ! redis_installed; then
	ok 1 "redis-server and redis-cli are installed (make deps)"
	finish
fi

# With its append-only file: a restarted Redis keeps what it had, as
# docs/high-availability.md asks of a production one.
start_redis_aof() {
	start_redis --appendonly yes --appendfsync always
}

# start_inst NAME: a wxkbd with its own state dir (the shipped knowledge
# base) on the shared Redis; sets PID_NAME, PORT_NAME and ADMIN_NAME.
start_inst() {
	local name=$1 saved=$WORK rc
	WORK=$saved/$name
	mkdir -p "$WORK/state"
	start_wxkbd WXKB_REDIS="unix:$SOCK" WXKB_REDIS_PREFIX="$PREFIX"
	rc=$?
	eval "PID_$name=\$WXKBD_PID PORT_$name=\$PORT ADMIN_$name=\$ADMIN_PORT"
	WXKBD_PID=
	WORK=$saved
	return $rc
}

stop_inst() {
	local pid
	eval "pid=\$PID_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "PID_$1="
}

# ask NAME MSGID TEXT: a resident's message to instance NAME.
NONCE=90000
ask() {
	NONCE=$((NONCE + 1))
	to "$1"
	post "$(plain_query "$(date +%s)" "$NONCE")" \
	    "$(text_xml oStatsResident "$2" "$3")"
	[ "$STATUS" = 200 ]
}

# api NAME PATH [CURL ARGS]: GET (or what the arguments say) NAME's
# admin API; prints the body.
api() {
	local port
	eval "port=\$ADMIN_$1"
	curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" "${@:3}" \
	    "http://127.0.0.1:$port$2"
}

pick() {
	"$BUILD/tests/json_pick" "$@"
}

# field JSON TEXT KEY: KEY of the question TEXT in /api/stats/unanswered.
field() {
	printf '%s' "$1" | pick questions "text=$2" "$3"
}

# within NAME TENTHS TEXT KEY WANT: NAME's /api/stats/unanswered shows
# WANT as KEY of question TEXT within TENTHS tenths of a second.
within() {
	local got
	for _ in $(seq 1 "$2"); do
		got=$(field "$(api "$1" /api/stats/unanswered)" "$3" "$4")
		[ "$got" = "$5" ] && return 0
		sleep 0.1
	done
	echo "# $1: $3 has $4 '$got', want '$5'"
	return 1
}

# items NAME: "HITS_OF_report-about ANSWERED TOTAL_TODAY INSTANCES CLUSTER"
# from NAME's /api/stats/items; today is a date of WXKB_TIMEZONE's
# default zone.
items() {
	local j today a s u
	j=$(api "$1" /api/stats/items)
	today=$(TZ=Asia/Shanghai date +%F)
	a=$(printf '%s' "$j" | pick days "date=$today" answered)
	s=$(printf '%s' "$j" | pick days "date=$today" suggested)
	u=$(printf '%s' "$j" | pick days "date=$today" unanswered)
	echo "$(printf '%s' "$j" | pick items id=report-about hits)" \
	    "${a:-0} $((${a:-0} + ${s:-0} + ${u:-0}))" \
	    "$(printf '%s' "$j" | pick instances)" \
	    "$(printf '%s' "$j" | pick cluster)"
}

# logged NAME PATTERN: NAME's log has a line matching PATTERN within 5 s.
logged() {
	for _ in $(seq 1 50); do
		grep -q "$2" "$WORK/$1/wxkbd.log" && return 0
		sleep 0.1
	done
	return 1
}

# items_within NAME WANT DESCRIPTION: items NAME says WANT within 8 s.
items_within() {
	local got
	for _ in $(seq 1 80); do
		got=$(items "$1")
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	is "$got" "$2" "$3"
}

start_redis_aof
ok $? "a private redis-server answers on its unix socket"
start_pair

# --- questions asked on either instance, seen on both ---
ask A 7500000000000000001 '火星移民怎么办理' &&
    ask A 7500000000000000002 '火星移民怎么办理' &&
    ask A 7500000000000000003 '外星人签证' &&
    ask B 7500000000000000004 '火星移民怎么办理' &&
    ask B 7500000000000000005 '量子计算机补贴' &&
    ask A 7500000000000000006 '年报' &&
    ask B 7500000000000000007 '年报' &&
    ask B 7500000000000000008 '年报'
ok $? "eight questions answered, four by A and four by B"
within A 80 '火星移民怎么办理' count 3 && within B 80 '火星移民怎么办理' count 3
ok $? "a question asked on A (twice) and B (once): count 3 on both"
within B 80 '外星人签证' count 1 && within A 80 '量子计算机补贴' count 1
ok $? "a question asked on one instance only is listed on the other"
items_within A "3 3 8 2 ok" "A: item hits and today's counts summed over 2 instances"
items_within B "3 3 8 2 ok" "B: the same figures"
first_a=$(field "$(api A /api/stats/unanswered)" '火星移民怎么办理' first_seen)
first_b=$(field "$(api B /api/stats/unanswered)" '火星移民怎么办理' first_seen)
is "$first_b" "$first_a" "first_seen merged the same on both (the earliest)"

# --- a message and its retry on the other instance: counted once ---
msg=$(text_xml oStatsResident 7500000000000000009 '星际旅行补助')
q=$(plain_query "$(date +%s)" 99001)
to A; post "$q" "$msg"; a_body=$BODY
to B; post "$q" "$msg"; b_body=$BODY
[ -n "$a_body" ] && [ "$a_body" = "$b_body" ]
ok $? "a message to A and its retry to B get the same answer"
sleep $((2 * 2 + 1))
within A 50 '星际旅行补助' count 1 && within B 50 '星际旅行补助' count 1
ok $? "the message and its retry are counted once, on both"
items_within B "3 3 9 2 ok" "today's count grew by one, not two"

# --- a state set on one instance is seen on the other ---
api B /api/stats/unanswered/state -X POST -H 'Content-Type: application/json' \
    --data-binary '{"text":"外星人签证","state":"handled"}' -o "$WORK/state.out" \
    -w '%{http_code}' >"$WORK/state.code"
is "$(cat "$WORK/state.code")" 200 "B marks handled a question only A holds"
within A 80 '外星人签证' state handled && within B 10 '外星人签证' state handled
ok $? "handled on B: handled on A too"
api A /api/stats/unanswered/state -X POST -H 'Content-Type: application/json' \
    --data-binary '{"text":"火星移民怎么办理","state":"ignored"}' >/dev/null
within B 80 '火星移民怎么办理' state ignored
ok $? "ignored on A: ignored on B"
code=$(api A /api/stats/unanswered/state -X POST -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    --data-binary '{"text":"从没有人问过的问题","state":"handled"}')
is "$code" 404 "a question no instance holds: 404"

# --- the CSV export and wxkbctl stats show the cluster's figures ---
api B /api/stats/export >"$WORK/export.csv"
grep -q '^火星移民怎么办理,3,' "$WORK/export.csv" &&
    grep -q '^外星人签证,1,.*已处理' "$WORK/export.csv"
ok $? "B's CSV export lists the merged questions with their state"
"$WXKBCTL" --config "$WORK/B/wxkbd.conf" stats >"$WORK/ctl.out" 2>&1
grep -q '3.*火星移民怎么办理' "$WORK/ctl.out" && grep -q '外星人签证' "$WORK/ctl.out" &&
    grep -q '^(2 instances; cluster ok)$' "$WORK/ctl.out"
ok $? "wxkbctl stats on B shows the merged questions, of 2 instances"

# --- Redis away: counted locally, shared when it returns ---
sleep 1
kill_redis
wait_health A degraded && wait_health B degraded
ok $? "Redis killed: both degraded"
ask A 7500000000000000010 '深海养殖许可' && ask A 7500000000000000011 '深海养殖许可'
ok $? "questions are answered while Redis is away"
un_a=$(api A /api/stats/unanswered)
is "$(printf '%s' "$un_a" | grep -o '"cluster": *"[a-z]*"' | tr -d ' ')" \
    '"cluster":"degraded"' "A's list says the cluster is degraded"
is "$(field "$un_a" '深海养殖许可' count):$(field "$un_a" '量子计算机补贴' count)" \
    "2:1" "A lists its new question and still B's, as last read"
start_redis_aof
ok $? "Redis restarted"
wait_health A ok && wait_health B ok
ok $? "both ok again"
within B 100 '深海养殖许可' count 2
ok $? "the questions of the outage reach B"
within A 30 '外星人签证' state handled
ok $? "a state change from before the outage is still seen"

# --- a restarted instance keeps its id: no double counting ---
id_a=$(cat "$WORK/A/state/instance-id")
stop_inst A
start_inst A
ok $? "A restarted"
wait_health A ok
is "$(cat "$WORK/A/state/instance-id")" "$id_a" "A keeps its instance id"
sleep 5
is "$(rcli hlen "${PREFIX}stats:instances")" 2 "two instances in Redis, not three"
within B 30 '火星移民怎么办理' count 3 && within A 30 '深海养殖许可' count 2
ok $? "after the restart the counts are the same, not doubled"
items_within B "3 3 11 2 ok" "B's figures after A's restart"

# --- a malformed snapshot in Redis is refused, not served or crashed on ---
bad=ffffffffffffffffffffffffffffffff
rcli set "${PREFIX}stats:inst:$bad" '{"version":1,"stats":{"version":1,"items":[{"id":"x","hits":-5}],"days":[]},"unanswered":{"version":1,"questions":[]}}' >/dev/null
rcli hset "${PREFIX}stats:instances" "$bad" 1-x >/dev/null
rcli hset "${PREFIX}stats:instances" '../evil' 1-x >/dev/null
logged A 'stats_refused.*snapshot of instance ffff.*items\[0\]'
ok $? "a malformed snapshot is refused with its reason in the log"
items_within A "3 3 11 2 ok" "the figures are unchanged, the process alive"
rcli hset "${PREFIX}stats:state" '一个问题' 'not a time' >/dev/null
rcli incr "${PREFIX}stats:state:seq" >/dev/null
logged B 'stats_refused.*question states.*1 malformed, left out'
ok $? "a malformed question state in Redis is left out, with a log line"
within B 10 '外星人签证' state handled
ok $? "the well-formed states still apply"
rcli hdel "${PREFIX}stats:state" '一个问题' >/dev/null
rcli hdel "${PREFIX}stats:instances" "$bad" '../evil' >/dev/null
rcli del "${PREFIX}stats:inst:$bad" >/dev/null

# What the cluster keeps for the shipped knowledge base.
for k in $(rcli --scan --pattern "${PREFIX}stats:*"); do
	echo "# $k: $(rcli memory usage "$k") bytes ($(rcli type "$k"))"
done
kill -0 "$PID_A" && kill -0 "$PID_B"
ok $? "both instances still run"
finish
