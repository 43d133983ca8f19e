#!/usr/bin/env bash
# WXKB_REDIS: the knowledge base of two instances is one.  An edit is a
# compare-and-set in Redis before it is confirmed: two saves of one item
# at the same moment on A and B end, every round, with one 2xx and one
# 409, and both instances serve the winner byte for byte.  Every change
# is in every instance's history with who made it: a save on A is listed
# and restorable on B; an instance that was down catches up every change
# made meanwhile.  Redis away: a save gets 503 and no file changes.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/redis_lib.sh

PREFIX=wxkbkb:
PID_A=
PID_B=
ROUNDS=10

trap 'stop_all $PID_A $PID_B $REDIS_PID' EXIT

if ! redis_installed; then
	ok 1 "redis-server and redis-cli are installed (make deps)"
	finish
fi

# node NAME: a wxkbd on the shared Redis with its own state dir and
# knowledge base (kept across restarts; no "revision" yet, as a file
# never edited); sets PID_NAME and ADMIN_NAME.
node() {
	local name=$1 saved=$WORK rc
	WORK=$saved/$name
	mkdir -p "$WORK/state"
	[ -f "$WORK/state/kb.json" ] || cat >"$WORK/state/kb.json" <<-KB
	{"version":1,"account":"测试",
	 "welcome":{"type":"text","content":"欢迎"},
	 "fallback":{"type":"text","content":"没有找到答案"},
	 "items":[
	  {"id":"hours","title":"办公时间","keywords":["办公时间"],
	   "reply":{"type":"text","content":"初始内容"}},
	  {"id":"phone","title":"联系电话","keywords":["联系电话"],
	   "reply":{"type":"text","content":"电话初始"}}
	 ]}
	KB
	start_wxkbd WXKB_REDIS="unix:$SOCK" WXKB_REDIS_PREFIX="$PREFIX"
	rc=$?
	eval "PID_$name=\$WXKBD_PID ADMIN_$name=\$ADMIN_PORT"
	WXKBD_PID=
	WORK=$saved
	return $rc
}

# api NAME METHOD PATH [IF-MATCH [BODY]]: NAME's admin API; sets STATUS
# and BODY.
api() {
	local port out=$WORK/api.$RANDOM.$$
	eval "port=\$ADMIN_$1"
	STATUS=$(curl -s -m 5 -o "$out" -w '%{http_code}' -X "$2" \
	    -H "Authorization: Bearer $ADMIN_TOKEN" \
	    ${4:+-H "If-Match: $4"} ${5:+-H 'Content-Type: application/json'} \
	    ${5:+--data-binary "$5"} "http://127.0.0.1:$port$3")
	BODY=$(cat "$out")
	rm -f "$out"
}

# item_body CONTENT: the item hours answering CONTENT.
item_body() {
	printf '{"id":"hours","title":"办公时间","keywords":["办公时间"],"reply":{"type":"text","content":"%s"}}' "$1"
}

# item_rev NAME: the revision of the item hours on NAME.
item_rev() {
	api "$1" GET /api/kb/items/hours
	echo "$BODY" | grep -o '"revision":[0-9]*' | tail -n 1 | cut -d: -f2
}

# kb_rev NAME: the knowledge base's revision on NAME.
kb_rev() {
	api "$1" GET /api/kb
	echo "$BODY" | grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2
}

# in_step: both instances at one revision (bounded: 3 s).
in_step() {
	for _ in $(seq 1 30); do
		[ -n "$(kb_rev A)" ] && [ "$(kb_rev A)" = "$(kb_rev B)" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# put_bg NAME REV CONTENT: a PUT of the item in the background; the
# status goes to $WORK/put.NAME, the body to $WORK/body.NAME.
put_bg() {
	local port
	eval "port=\$ADMIN_$1"
	curl -s -m 5 -o "$WORK/body.$1" -w '%{http_code}' -X PUT \
	    -H "Authorization: Bearer $ADMIN_TOKEN" -H "If-Match: $2" \
	    -H 'Content-Type: application/json' --data-binary \
	    "$(item_body "$3")" "http://127.0.0.1:$port/api/kb/items/hours" \
	    >"$WORK/put.$1" &
	PUTS="$PUTS $!"
}

start_redis
ok $? "a private redis-server answers on its unix socket"
if ! node A || ! node B; then
	ok 1 "two instances start on the shared Redis"
	finish
fi
ok 0 "two instances start on the shared Redis"
in_step
ok $? "both follow one knowledge base"

# met: wait (bounded: 0.4 s, inside the instances' 500 ms timeout) until
# the scripts of both saves are held in the paused Redis; 0 when they are.
met() {
	for _ in $(seq 1 20); do
		[ "$(rcli client list | grep -c 'flags=b[a-zA-Z]* .*cmd=eval')" = 2 ] &&
		    return 0
		sleep 0.02
	done
	return 1
}

# race ROUNDS PAUSE: ROUNDS times, one save of the item on A and one on B
# with the same If-Match, launched together.  With PAUSE, Redis holds
# every script (CLIENT PAUSE) until both saves have reached it, so that
# both meet in the compare-and-set; a round where they did not meet in
# time (a slow machine) is run again, at most 5 times in all.  Without,
# the first is often served on the other instance before the second is
# read, and that one is refused by its If-Match: 412.  Counts rounds with
# one 200 and one refusal (GOOD; REFUSED: the statuses of the refusals),
# with the refusal's body naming the winner (TOLD), and with both
# instances serving the winner right after (SERVED).  C409 counts every
# 409, of the rounds run again too.
C409=0
race() {
	local r=0 again=0 rev sa sb win lose items_a items_b
	GOOD=0 TOLD=0 SERVED=0 REFUSED=
	while [ "$r" -lt "$1" ]; do
		r=$((r + 1))
		in_step || { echo "# round $r: not in step"; continue; }
		rev=$(item_rev A)
		PUTS=
		[ "$2" = pause ] && rcli client pause 2000 write >/dev/null
		put_bg A "$rev" "甲$2第${r}-${again}轮"
		put_bg B "$rev" "乙$2第${r}-${again}轮"
		if [ "$2" = pause ]; then
			met
			m=$?
			rcli client unpause >/dev/null
			if [ "$m" != 0 ] && [ "$again" -lt 5 ]; then
				wait $PUTS
				C409=$((C409 + $(cat "$WORK/put.A" "$WORK/put.B" | grep -c 409)))
				echo "# round $r: the saves did not meet in Redis; again"
				again=$((again + 1)) r=$((r - 1))
				continue
			fi
		fi
		wait $PUTS
		sa=$(cat "$WORK/put.A") sb=$(cat "$WORK/put.B")
		C409=$((C409 + $(cat "$WORK/put.A" "$WORK/put.B" | grep -c 409)))
		case "$sa:$sb" in
		200:409 | 200:412) win=甲$2第${r}-${again}轮 lose=B ;;
		409:200 | 412:200) win=乙$2第${r}-${again}轮 lose=A ;;
		*) echo "# round $r: A $sa, B $sb"; continue ;;
		esac
		GOOD=$((GOOD + 1))
		REFUSED="$REFUSED $(cat "$WORK/put.$lose")"
		grep -q "\"current\":{[^}]*$win" "$WORK/body.$lose" &&
		    { [ "$(cat "$WORK/put.$lose")" = 412 ] ||
		    grep -q '另一位同事刚刚保存了修改' "$WORK/body.$lose"; } &&
		    TOLD=$((TOLD + 1))
		# At once: the loser took the winner before it answered.
		api A GET /api/kb/items; items_a=$BODY
		api B GET /api/kb/items; items_b=$BODY
		if [ "$items_a" = "$items_b" ] &&
		    echo "$items_a" | grep -q "$win" &&
		    cmp -s "$WORK/A/state/kb.json" "$WORK/B/state/kb.json"; then
			SERVED=$((SERVED + 1))
		else
			echo "# round $r: the instances differ after the saves"
		fi
	done
}

# --- two saves of one item at the same moment on A and B ---
race "$ROUNDS" pause
is "$GOOD" "$ROUNDS" "$ROUNDS rounds of two saves in Redis at once: one 200 each time"
is "$(echo $REFUSED | tr ' ' '\n' | sort -u | tr '\n' ' ')" "409 " "and one 409, never a second 200"
is "$TOLD" "$ROUNDS" "the 409 says so in Chinese and gives the winning item as current"
is "$SERVED" "$ROUNDS" "after each round both serve the winner, file and items byte for byte"
n=$(cat "$WORK/A/wxkbd.log" "$WORK/B/wxkbd.log" | grep -c 'event=kb_conflict')
is "$n" "$C409" "each 409 is logged once as kb_conflict"
# The very first change (from revision 0, a file never edited) is in
# both histories too: Redis was seeded with that file before it.
first=0
for x in A B; do
	api "$x" GET /api/kb/history
	echo "$BODY" | grep -q '"revision":1,"action":"update",[^}]*"by":"token"' &&
	    echo "$BODY" | grep -q '"revision":0,' && first=$((first + 1))
done
is "$first" 2 "both histories hold the first change and the file it replaced"
race "$ROUNDS" free
echo "# refusals without a pause:$REFUSED"
is "$GOOD:$TOLD:$SERVED" "$ROUNDS:$ROUNDS:$ROUNDS" "$ROUNDS rounds launched together without a pause: one 200, one 409 or 412, one version served"

# --- a save on A is in B's history, and restorable there ---
in_step
before=$(kb_rev A)
api A PUT /api/kb/items/hours "$(item_rev A)" "$(item_body 周一至周五上午九点)"
is "$STATUS" 200 "A saves an edit"
saved=$(echo "$BODY" | grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2)
in_step
api B GET /api/kb/history
echo "$BODY" | grep -q "{\"revision\":$saved,\"action\":\"update\",\"current\":true,\"saved\":\"[^\"]*\",\"item\":\"hours\",\"by\":\"token\""
ok $? "B's history lists A's change with its action, item and person"
echo "$BODY" | grep -q "\"revision\":$before,"
ok $? "and keeps the version A's change replaced"
api B GET /api/kb/items/hours/history
echo "$BODY" | grep -q "\"revision\":$saved,[^}]*\"action\":\"update\"[^}]*周一至周五上午九点"
ok $? "B's item history shows the change"
grep -q "event=kb_sync.*revision $saved from the cluster: update hours by token" "$WORK/B/wxkbd.log"
ok $? "B logs kb_sync with the action and the person"
api B POST "/api/kb/history/$before/restore" "$saved"
is "$STATUS" 200 "B restores the version before A's change"
back=0
for _ in $(seq 1 10); do
	api A GET /api/kb/items/hours
	echo "$BODY" | grep -q "周一至周五上午九点" || { back=1; break; }
	sleep 0.1
done
is "$back" 1 "A serves the restored version within 1 s"
in_step
api B POST /api/kb/items/hours/restore "$(item_rev B)" "{\"revision\":$saved}"
is "$STATUS" 200 "B brings back A's version of the item from its item history"
api A GET /api/kb/items/hours
echo "$BODY" | grep -q "周一至周五上午九点"
ok $? "A serves it"

# --- an instance down for several edits catches up all of them ---
kill -TERM "$PID_B"
wait "$PID_B"
PID_B=
made=
for c in 一 二 三; do
	api A PUT /api/kb/items/hours "$(item_rev A)" "$(item_body "停机期间第${c}次")"
	[ "$STATUS" = 200 ] && made="$made $(echo "$BODY" | grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2)"
done
is "$(echo $made | wc -w)" 3 "A saves three edits while B is down"
node B
ok $? "B starts again"
in_step
ok $? "B catches up with A"
api B GET /api/kb/history
have=0
for r in $made; do
	echo "$BODY" | grep -q "\"revision\":$r,\"action\":\"update\",[^}]*\"by\":\"token\"" &&
	    have=$((have + 1))
done
is "$have" 3 "B's history has all three, with who made them"

# --- Redis away: nothing saved anywhere; back: saves work ---
in_step
rev=$(item_rev A)
sum=$(cat "$WORK/A/state/kb.json" "$WORK/B/state/kb.json" | md5sum)
kill_redis
api A PUT /api/kb/items/hours "$rev" "$(item_body 不应保存)"
is "$STATUS" 503 "with Redis killed a save gets 503"
echo "$BODY" | grep -q '暂停保存修改'
ok $? "with the Chinese message"
api B PUT /api/kb/items/hours "$rev" "$(item_body 不应保存)"
is "$STATUS" 503 "on either instance"
is "$(cat "$WORK/A/state/kb.json" "$WORK/B/state/kb.json" | md5sum)" "$sum" "the file is unchanged on both"
start_redis
ok $? "Redis restarts (empty)"
# An older knowledge base seeded there first (as by an instance that was
# behind): the instances put back their newer one, never take it.
rcli set "${PREFIX}kb:doc" '{"version":1,"revision":1,"items":[{"id":"hours","title":"办公时间","keywords":["办公时间"],"reply":{"type":"text","content":"旧的种子"}}]}' >/dev/null
rcli set "${PREFIX}kb:rev" 1 >/dev/null
newest=1
for _ in $(seq 1 100); do
	[ "$(rcli get "${PREFIX}kb:rev")" = "$(kb_rev A)" ] &&
	    [ "$(kb_rev A)" = "$(kb_rev B)" ] && [ "$(kb_rev A)" -gt 1 ] &&
	    { newest=0; break; }
	sleep 0.1
done
ok "$newest" "a Redis seeded with an older revision gets the instances' newer one back"
api B GET /api/kb/items/hours
echo "$BODY" | grep -q 旧的种子
ok $((! $?)) "and no instance serves the older one"
up=1
for _ in $(seq 1 100); do
	api A PUT /api/kb/items/hours "$rev" "$(item_body 恢复后保存)"
	[ "$STATUS" = 503 ] || { up=0; break; }
	sleep 0.1
done
is "$up:$STATUS" "0:200" "once an instance is back on Redis, a save works"
got=1
for _ in $(seq 1 100); do
	api B GET /api/kb/items/hours
	echo "$BODY" | grep -q 恢复后保存 && { got=0; break; }
	sleep 0.1
done
ok "$got" "and the other instance serves it"

kill -TERM "$PID_A" "$PID_B"
wait "$PID_A"
ra=$?
wait "$PID_B"
is "$ra:$?" 0:0 "both stop cleanly"
PID_A= PID_B=
finish
