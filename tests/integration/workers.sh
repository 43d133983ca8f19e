#!/usr/bin/env bash
# WXKB_WORKERS=2: two event loops share the port; the retry cache, the
# per-user suggestion state and reloads stay correct across them.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

start_wxkbd WXKB_WORKERS=2 || { ok 1 "start with two workers"; finish; }
ok 0 "wxkbd starts with two workers"
grep -q 'event=workers' "$WORK/wxkbd.log"
ok $? "the start-up log names the worker loops"

# Each curl is a new connection, so the kernel spreads them over both.
now=$(date +%s)
msg=$(text_xml oWorker1 7301234567890000001 '邮编')
declare -A seen
for i in $(seq 1 20); do
	post "$(plain_query "$now" "$((5000 + i))")" "$msg"
	seen["$(echo "$BODY" | sed 's/<CreateTime>[0-9]*<\/CreateTime>//')"]=1
	[ "$STATUS" = 200 ] || break
done
is "$STATUS" 200 "20 deliveries of one message are all answered"
is "${#seen[@]}" 1 "every retry, on whichever loop, gets the same answer"

# A numbered suggestion list, answered on (probably) another loop.
post "$(plain_query "$now" 6001)" "$(text_xml oWorker2 7301234567890000002 '申请')"
echo "$BODY" | grep -q '回复数字查看'
ok $? "a vague question gets a numbered list"
n=0
for i in $(seq 1 6); do
	post "$(plain_query "$now" "$((6100 + i))")" "$(text_xml oWorker2 "73012345678900001$i" '1')"
	echo "$BODY" | grep -q '回复数字查看\|抱歉' || n=$((n + 1))
done
is "$n" 6 "the follow-up '1' is understood on every loop"

kill -HUP "$WXKBD_PID"
sleep 0.5
for i in 1 2 3 4; do
	curl -s -m 5 "http://127.0.0.1:$PORT/healthz" | grep -q '"generation":2' || n=0
done
is "$n" 6 "after a reload every loop serves generation 2"
stop_wxkbd
is "$?" 0 "SIGTERM stops every loop, exit 0"
finish
