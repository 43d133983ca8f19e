#!/usr/bin/env bash
# Operating wxkbd: the sd_notify sequence with a watchdog, /metrics in
# valid exposition syntax with counters that move, rate-limited warnings,
# the unit file under systemd-analyze, make install, first-start seeding.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

# --- sd_notify: READY, WATCHDOG, RELOADING/READY, STOPPING -------------
sock="$WORK/notify.sock"
"$BUILD/tests/notify_sink" "$sock" 8 >"$WORK/notify.out" &
sink=$!
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 start_wxkbd || { ok 1 "start"; finish; }
sleep 1
kill -HUP "$WXKBD_PID"
sleep 0.5
stop_wxkbd
ok $? "wxkbd stops with status 0 under a notify socket"
kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null
sed 's/^/# notify: /' "$WORK/notify.out" | grep -v WATCHDOG
seq=$(grep -oE 'READY=1|RELOADING=1|STOPPING=1' "$WORK/notify.out" | tr '\n' ' ')
is "$seq" "READY=1 RELOADING=1 READY=1 STOPPING=1 " "notify sequence READY, RELOADING, READY, STOPPING"
grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9]' "$WORK/notify.out"
ok $? "RELOADING=1 carries MONOTONIC_USEC"
nitems=$(grep -c '^      "id": ' kb/data/wanggezhuang.json)
grep -q "STATUS=generation 1, $nitems items" "$WORK/notify.out"
ok $? "READY carries a STATUS line with the generation and items"
n=$(grep -c '^WATCHDOG=1$' "$WORK/notify.out")
[ "$n" -ge 3 ]
ok $? "the event loop pings the watchdog ($n pings in ~1.5 s at 0.2 s)"

# --- /metrics ------------------------------------------------------------
start_wxkbd || { ok 1 "start"; finish; }
M="http://127.0.0.1:$ADMIN_PORT/metrics"
metric() { curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" "$M" | grep -E "^$1" | awk '{s+=$NF} END {print s+0}'; }
before=$(metric 'wxkb_bad_signatures_total')
hits0=$(metric 'wxkb_kb_results_total\{result="hit"\}')
now=$(date +%s)
for i in $(seq 1 30); do
	curl -s -m 5 -o /dev/null "$URL?signature=0000000000000000000000000000000000000000&timestamp=$now&nonce=$i&echostr=1"
done
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '传真' >/dev/null
after=$(metric 'wxkb_bad_signatures_total')
hits1=$(metric 'wxkb_kb_results_total\{result="hit"\}')
is "$((after - before))" 30 "wxkb_bad_signatures_total moves with forged requests"
is "$((hits1 - hits0))" 1 "wxkb_kb_results_total{result=\"hit\"} moves with an answer"
curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" "$M" >"$WORK/metrics.txt"
bad=$(grep -vE '^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [+-]?Inf$' "$WORK/metrics.txt")
is "$bad" "" "every /metrics line is valid exposition syntax"
for f in wxkb_http_requests_total wxkb_reply_latency_seconds_bucket \
    wxkb_kb_generation process_resident_memory_bytes process_open_fds \
    process_start_time_seconds wxkb_decrypt_failures_total; do
	grep -q "^# TYPE ${f%_bucket}" "$WORK/metrics.txt"
	ok $? "/metrics declares $f"
done
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
is "$code" 404 "/metrics is not on the public listener"

# --- rate-limited warnings --------------------------------------------
lines=$(grep -c 'event=bad_signature' "$WORK/wxkbd.log")
[ "$lines" -le 11 ]
ok $? "30 forged requests log at most a burst of warnings ($lines lines)"
stop_wxkbd

# --- the unit under systemd-analyze ------------------------------------
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$WORK/man/man8" "$WORK/man/man1"
	cp docs/wxkbd.8 "$WORK/man/man8/"
	cp docs/wxkbctl.1 "$WORK/man/man1/"
	sed "s|/usr/local/bin/wxkbd|$PWD/$WXKBD|" systemd/wxkbd.service \
	    >"$WORK/wxkbd.service"
	out=$(MANPATH="$WORK/man" systemd-analyze verify "$WORK/wxkbd.service" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ "$rc" -eq 0 ] && [ -z "$out" ]
	ok $? "systemd-analyze verify is clean"
	exp=$(systemd-analyze security --offline=true "$WORK/wxkbd.service" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "# exposure: $exp"
	awk -v e="$exp" 'BEGIN { exit !(e != "" && e + 0 < 2.0) }'
	ok $? "systemd-analyze security exposure below 2.0 (got $exp)"
else
	ok 1 "systemd-analyze is installed"
fi

# --- make install, and a first start seeds the state dir -------------
dest="$WORK/dest"
make -s install BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr/local >"$WORK/install.log" 2>&1
ok $? "make install DESTDIR=..."
for f in usr/local/bin/wxkbd usr/local/bin/wxkbctl etc/wxkbd/wxkbd.conf \
    usr/local/share/wxkbd/wanggezhuang.json lib/systemd/system/wxkbd.service \
    usr/local/share/man/man8/wxkbd.8 usr/local/share/man/man1/wxkbctl.1; do
	[ -f "$dest/$f" ]
	ok $? "installed $f"
done
echo "# changed" >>"$dest/etc/wxkbd/wxkbd.conf"
make -s install BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr/local >>"$WORK/install.log" 2>&1
grep -q '^# changed' "$dest/etc/wxkbd/wxkbd.conf"
ok $? "a second make install keeps the existing configuration"

# A first start without a knowledge base copies the shipped one; where it
# is not installed (a build tree), the daemon says so and does not start.
mkdir -p "$WORK/state2"
sed -e "s|$WORK/state|$WORK/state2|g" -e 's|^WXKB_ADMIN_LISTEN=.*|WXKB_ADMIN_LISTEN=|' \
    "$WORK/wxkbd.conf" >"$WORK/seed.conf"
timeout 10 "$WXKBD" --config "$WORK/seed.conf" >"$WORK/seed.log" 2>&1 &
seedpid=$!
shipped=/usr/local/share/wxkbd/wanggezhuang.json
if [ -f "$shipped" ]; then
	for _ in $(seq 1 50); do [ -f "$WORK/state2/kb.json" ] && break; sleep 0.1; done
	kill -TERM "$seedpid" 2>/dev/null; wait "$seedpid"
	cmp -s "$WORK/state2/kb.json" "$shipped"
	ok $? "a first start copies the shipped knowledge base into the state dir"
else
	wait "$seedpid"
	rc=$?
	grep -q "kb_seed_failed.*$shipped" "$WORK/seed.log" && [ "$rc" -eq 1 ]
	ok $? "without the shipped file a first start names it and exits 1"
fi
finish
