#!/usr/bin/env bash
# Audit finding 1: an exact replay of a captured safe-mode request is
# never dispatched twice -- not after its stored answer expired (+61 s),
# not at the edge of the timestamp window (skew - 1 s), not when two
# worker loops receive copies at once.  The daemon's clock is moved with
# libfaketime; nothing sleeps.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if [ -z "$LIBFAKETIME" ]; then
	ok 1 "libfaketime is installed (apt-get install faketime)"
	finish
fi

# answered: how many times the daemon dispatched a question (kb_hit lines).
answered() {
	grep -c 'event=kb_hit' "$WORK/wxkbd.log"
}

for workers in 1 2; do
	echo "+0" >"$WORK/faketime"
	rm -f "$WORK/state/stats.json"
	if ! WXKBD_WRAPPER=$(clock_wrapper FAKETIME_DONT_FAKE_MONOTONIC=1) \
	    start_wxkbd WXKB_MODE=safe WXKB_WORKERS=$workers; then
		ok 1 "workers=$workers: wxkbd starts under libfaketime"
		continue
	fi
	now=$(date +%s)
	safe_request "$now" "$((7100 + workers))" \
	    "$(text_xml oReplayVictim "73000000000000000$workers" '街道办电话多少')"
	post "$SAFE_QUERY" "$SAFE_BODY"
	is "$STATUS" 200 "workers=$workers: the message is answered"
	echo "$BODY" | grep -q '<Encrypt>'
	ok $? "workers=$workers: with an encrypted reply"
	is "$(answered)" 1 "workers=$workers: dispatched once"

	for skew in 61 299; do
		# The daemon's now: the request's timestamp plus skew seconds.
		echo "+$((now + skew - $(date +%s)))" >"$WORK/faketime"
		for i in 1 2 3 4; do
			post "$SAFE_QUERY" "$SAFE_BODY"
			[ "$STATUS" = 200 ] && [ "$BODY" = success ] || break
		done
		is "$STATUS $BODY" "200 success" \
		    "workers=$workers: +$skew s, four replays get 'success'"
		is "$(answered)" 1 "workers=$workers: +$skew s, nothing dispatched again"
	done
	echo "+$((now + 302 - $(date +%s)))" >"$WORK/faketime"
	post "$SAFE_QUERY" "$SAFE_BODY"
	is "$STATUS" 403 "workers=$workers: past the window the timestamp is stale"

	# Two copies at once, on whichever loops the kernel picks.
	echo "+0" >"$WORK/faketime"
	now=$(date +%s)
	safe_request "$now" "$((7200 + workers))" \
	    "$(text_xml oReplayVictim "73000000000000001$workers" '邮编')"
	pids=
	for i in 1 2 3 4; do
		curl -s -m 5 -o /dev/null -X POST --data-binary "$SAFE_BODY" \
		    "$URL?$SAFE_QUERY" &
		pids="$pids $!"
	done
	wait $pids
	grep -c 'event=kb_hit\|event=kb_miss' "$WORK/wxkbd.log" >"$WORK/n"
	is "$(cat "$WORK/n")" 2 "workers=$workers: four copies at once are dispatched once"
	stop_wxkbd
	is "$?" 0 "workers=$workers: wxkbd stops cleanly"
done

# Audit finding 4: in compat mode an unencrypted message naming a
# resident's FromUserName and MsgId does not shadow the real, encrypted
# one; nor does a '|' in the identifiers make two messages one.
start_wxkbd WXKB_MODE=compat || { ok 1 "start in compat mode"; finish; }
now=$(date +%s)
post "$(plain_query "$now" 8101)" "$(text_xml oVictim 7300000000000000555 '别的问题')"
is "$STATUS" 200 "compat: the unencrypted forgery is answered"
safe_request "$now" 8102 "$(text_xml oVictim 7300000000000000555 '街道办电话多少')"
post "$SAFE_QUERY" "$SAFE_BODY"
echo "$BODY" | grep -q '<Encrypt>'
ok $? "compat: the resident's encrypted message gets its own encrypted answer"
is "$(grep -c 'event=retry' "$WORK/wxkbd.log")" 0 \
    "compat: it was not taken for a retry of the forgery"
is "$(answered)" 1 "compat: it was dispatched (kb_hit)"
post "$(plain_query "$now" 8103)" "$(text_xml 'oA|B' 7 '邮编')"
post "$(plain_query "$now" 8104)" "$(text_xml oA 'B|7' '邮编')"
is "$(grep -c 'event=kb_hit' "$WORK/wxkbd.log")" 3 \
    "'oA|B' with MsgId 7 and 'oA' with MsgId 'B|7' are two messages"
stop_wxkbd
finish
