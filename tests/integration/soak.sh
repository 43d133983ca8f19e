#!/usr/bin/env bash
# A bounded load run on loopback: wrk sends wxkbd in safe mode valid
# messages, WeChat's retries and, as every tenth request, a hostile one
# (tests/hostile/soak.lua).  Every valid message must be answered with a
# correct reply envelope (a sample is decrypted and checked against the
# question's sender), every hostile one with its status; the daemon must
# not crash, and its resident memory, sampled every second, must stay
# flat from the 10th second to the end.
#
# Environment: SOAK_SECONDS [20] (`make soak` runs 60), SOAK_CONNECTIONS
# [200], SOAK_THREADS [2], SOAK_REQUESTS distinct valid messages [20000],
# SOAK_RSS_GROWTH allowed growth after the 10th second, percent [10].
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

SECS=${SOAK_SECONDS:-20}
CONNS=${SOAK_CONNECTIONS:-200}
THREADS=${SOAK_THREADS:-2}
NREQ=${SOAK_REQUESTS:-20000}
GROWTH=${SOAK_RSS_GROWTH:-10}
TOOLS=$BUILD/tests
SAMPLER_PID=

soak_cleanup() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	cleanup
}
trap soak_cleanup EXIT

if ! command -v wrk >/dev/null; then
	ok 1 "soak: wrk is installed (make test-deps)"
	finish
fi
for t in hostile_export hostile_gen hostile_verify; do
	if [ ! -x "$TOOLS/$t" ]; then
		ok 1 "$TOOLS/$t is built (make tests)"
		finish
	fi
done

start_wxkbd WXKB_MODE=safe WXKB_LOG_LEVEL=warning || {
	ok 1 "wxkbd starts in safe mode"
	finish
}
export WXKB_TOKEN=$TOKEN WXKB_APPID=$APPID WXKB_AES_KEY=$AES_KEY

# The valid messages: the benchmark's generator when it is built, our own
# otherwise (the same file format).
gen=$BUILD/bench/gen_requests
if [ -x "$gen" ]; then
	"$gen" -m safe -n "$NREQ" -t "$THREADS" -r 10 "$WORK/valid" >/dev/null
else
	gen=$TOOLS/hostile_gen
	"$gen" -n "$NREQ" -t "$THREADS" -r 10 "$WORK/valid" >/dev/null
fi
ok $? "$NREQ valid safe-mode messages, 10% retries ($gen)"
"$TOOLS/hostile_export" -m safe -o "$WORK/hostile.lua" \
    tests/hostile/cases.txt |
    sed 's/^/# /'
ok "${PIPESTATUS[0]}" "the hostile requests of tests/hostile/cases.txt"

# VmRSS (KiB) of the daemon every second, with the second it was taken.
(
	t=0
	while [ -e "/proc/$WXKBD_PID/status" ]; do
		echo "$t $(awk '/^VmRSS:/ { print $2 }' "/proc/$WXKBD_PID/status")"
		sleep 1
		t=$((t + 1))
	done
) >"$WORK/rss" 2>/dev/null &
SAMPLER_PID=$!

WXKB_SOAK_REQUESTS=$WORK/valid WXKB_SOAK_HOSTILE=$WORK/hostile.lua \
    WXKB_SOAK_SAMPLES=$WORK/samples WXKB_SOAK_DEBUG=$WORK/unexpected \
    wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" --timeout 5s \
    -s tests/hostile/soak.lua "http://127.0.0.1:$PORT/wechat" \
    >"$WORK/wrk.out" 2>&1
rc=$?
kill "$SAMPLER_PID" 2>/dev/null
wait "$SAMPLER_PID" 2>/dev/null
SAMPLER_PID=
sed 's/^/# /' "$WORK/wrk.out"
line=$(grep '^WXKB_SOAK ' "$WORK/wrk.out")
[ "$rc" -eq 0 ] && [ -n "$line" ]
ok $? "wrk ran ${SECS} s with $CONNS connections"

# key=value pairs of the WXKB_SOAK line into V_key.
for kv in ${line#WXKB_SOAK }; do
	case $kv in
	*=*) eval "V_${kv%%=*}=\${kv#*=}" ;;
	esac
done
errors=$(( ${V_connect:-0} + ${V_read:-0} + ${V_write:-0} + ${V_timeout:-0} ))
echo "# soak: ${V_requests:-0} requests (${V_rps:-0}/s), p99 ${V_p99_us:-0} us;" \
    "valid sent ${V_sent_valid:-0}, answered ${V_answered:-0};" \
    "hostile sent ${V_sent_hostile:-0}; socket errors $errors"
[ "${V_answered:-0}" -gt 0 ]
ok $? "valid messages were answered (${V_answered:-0})"
missing=$(( ${V_sent_valid:-0} - ${V_answered:-0} - ${V_again:-0} ))
# Requests still in flight when wrk stops are sent but never answered.
[ "$missing" -ge 0 ] && [ "$missing" -le "$CONNS" ]
ok $? "every valid message answered with an envelope or, sent again, 'success' ($missing in flight)"
# wrk goes round the messages again and again: a message whose answer
# has left the bounded retry cache gets "success", never a second
# dispatch.  Only a repeat may: the first round, 9 in 10 of the messages
# (the rest are retries), must all get their envelope.
[ "${V_again:-0}" -le $(( ${V_sent_valid:-0} - NREQ * 9 / 10 )) ]
ok $? "only messages sent again got 'success' (${V_again:-0} of ${V_sent_valid:-0})"
is "${V_bad_body:-x}" 0 "every 200 was a valid message's envelope"
cat "$WORK"/unexpected.* 2>/dev/null | cut -c1-200 | sort | uniq -c |
    head -5 | sed 's/^/# unexpected 200 body: /'
is "${V_bad_status:-x}" 0 "no answer had a status the requests do not get"
for s in 400 403 404 405; do
	sent=$(eval echo "\${V_sent_$s:-0}")
	got=$(eval echo "\${V_got_$s:-0}")
	[ "$got" -le "$sent" ] && [ $((sent - got)) -le "$CONNS" ]
	ok $? "hostile requests due $s got it ($got of $sent)"
done
is "$errors" 0 "no connect, read, write or timeout errors"

samples=$(cat "$WORK"/samples.* 2>/dev/null | grep -c '^S ')
cat "$WORK"/samples.* >"$WORK/samples" 2>/dev/null
out=$("$TOOLS/hostile_verify" "$WORK/samples" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
ok $rc "sampled replies ($samples) are signed, decrypt and answer their sender"

kill -0 "$WXKBD_PID" 2>/dev/null
ok $? "wxkbd is still running"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
is "$code" 200 "/healthz answers after the soak"

# Resident memory: flat from the 10th second to the end.
rss10=$(awk '$1 == 10 { print $2 }' "$WORK/rss")
rssend=$(awk 'NF == 2 && $2 != "" { v = $2 } END { print v }' "$WORK/rss")
rssmax=$(awk 'NF == 2 && $1 >= 10 && $2 > m { m = $2 } END { print m + 0 }' "$WORK/rss")
echo "# VmRSS KiB each second: $(awk '{ printf "%s ", $2 }' "$WORK/rss")"
echo "# soak: VmRSS at 10 s ${rss10:-?} KiB, at the end ${rssend:-?} KiB," \
    "highest after 10 s ${rssmax:-?} KiB"
unfit=
grep -q 'libasan' "/proc/$WXKBD_PID/maps" 2>/dev/null &&
    unfit="AddressSanitizer build: its quarantine holds freed memory"
grep -q 'vgpreload' "/proc/$WXKBD_PID/maps" 2>/dev/null && unfit="under valgrind"
[ "$SECS" -lt 15 ] && unfit="a run of ${SECS} s is too short to judge"
if [ -n "$unfit" ]; then
	ok 0 "VmRSS flat from the 10th second # SKIP $unfit"
elif [ -z "$rss10" ] || [ -z "$rssend" ]; then
	ok 1 "VmRSS was sampled"
else
	awk -v a="$rss10" -v m="$rssmax" -v g="$GROWTH" \
	    'BEGIN { exit !(m <= a * (100 + g) / 100) }'
	rc=$?
	what="highest $rssmax KiB, at most ${GROWTH}% above $rss10"
	ok $rc "VmRSS flat from the 10th second: $what"
fi

grep -q 'level=crit\|AddressSanitizer\|LeakSanitizer\|runtime error:' \
    "$WORK/wxkbd.log"
ok $((! $?)) "nothing critical and no sanitizer report in the log"
stop_wxkbd
is "$?" 0 "SIGTERM stops wxkbd with status 0"
finish
