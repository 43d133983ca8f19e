#!/usr/bin/env bash
# Audit findings 2, 6 and 8 against the real daemon: /metrics needs a
# token and tells no decryption check from another; unsafe
# configurations are refused with a line naming the fix; the admin
# listener answers only its own Host names and backs off an address that
# guesses tokens; no core file is written.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

# --- refused configurations (finding 6) ----------------------------------
check() {
	env -i PATH="$PATH" WXKB_KB=kb/data/wanggezhuang.json \
	    WXKB_STATE_DIR="$WORK/state" "$@" "$WXKBD" --config "$CONF" \
	    --check-config 2>&1
}
CONF=systemd/wxkbd.conf
mkdir -p "$WORK/state"
out=$(check)
rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q 'WXKB_TOKEN: is the demo Token.*WXKB_DEMO=yes'
ok $? "the shipped configuration's demo Token is refused outside make run: $out"
out=$(check WXKB_TOKEN=realToken2026)
echo "$out" | grep -q 'WXKB_ADMIN_TOKEN: is the demo admin token'
ok $? "so is its demo admin token: $out"
out=$(check WXKB_DEMO=yes)
ok $? "make run's WXKB_DEMO=yes accepts the demo values: $out"
grep -q 'WXKB_DEMO=yes .*--config systemd/wxkbd.conf' Makefile
ok $? "make run sets WXKB_DEMO=yes"

CONF=/dev/null
base=(WXKB_TOKEN=realToken2026 WXKB_ADMIN_TOKEN=a-real-admin-token-0123)
out=$(check "${base[@]}" WXKB_API_BASE=http://api.weixin.qq.com)
echo "$out" | grep -q 'WXKB_API_BASE: http:// would send the AppSecret'
ok $? "an http:// API base off loopback is refused: $out"
out=$(check "${base[@]}" WXKB_API_BASE=http://127.0.0.1:9)
ok $? "an http:// API base on loopback (a test server) is accepted: $out"
out=$(check "${base[@]}" WXKB_ADMIN_LISTEN=0.0.0.0:8081)
echo "$out" | grep -q 'WXKB_ADMIN_LISTEN: 0.0.0.0:8081 is not a loopback address.*WXKB_ADMIN_INSECURE_LISTEN=yes'
ok $? "an admin listener on every address is refused: $out"
out=$(check "${base[@]}" WXKB_ADMIN_LISTEN=0.0.0.0:8081 WXKB_ADMIN_INSECURE_LISTEN=yes)
ok $? "... unless WXKB_ADMIN_INSECURE_LISTEN=yes: $out"

start_wxkbd WXKB_ADMIN_LISTEN=0.0.0.0:1 >/dev/null
ok $((! $?)) "wxkbd itself does not start with such an admin listener"
grep -q 'WXKB_ADMIN_LISTEN' "$WORK/wxkbd.log"
ok $? "and says why"

# --- /metrics (finding 2) ------------------------------------------------
echo "+0" >"$WORK/faketime"
METRICS_TOKEN=prometheus-scrape-token-01
WXKBD_WRAPPER=$(clock_wrapper FAKETIME_DONT_FAKE_MONOTONIC=1) \
    start_wxkbd WXKB_MODE=safe WXKB_METRICS_TOKEN=$METRICS_TOKEN \
    WXKB_ADMIN_HOSTS=wxkb-admin.example.org || { ok 1 "start"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
code() { curl -s -m 5 -o "$WORK/out" -w '%{http_code}' "$@"; }
is "$(code "$A/metrics")" 401 "/metrics without a token is 401"
is "$(code -H "Authorization: Bearer $ADMIN_TOKEN" "$A/metrics")" 200 \
    "/metrics with the admin token"
is "$(code -H "Authorization: Bearer $METRICS_TOKEN" "$A/metrics")" 200 \
    "/metrics with WXKB_METRICS_TOKEN"
is "$(code -H "Authorization: Bearer $METRICS_TOKEN" "$A/api/kb")" 401 \
    "the metrics token opens nothing else"

# Three ciphertexts, each failing another check, correctly signed: the
# client and the metrics see the same thing for all three.
now=$(date +%s)
bodies=
for kind in appid padding base64; do
	case $kind in
	appid) enc=$(APPID=wxSomeoneElse0000 encrypt "$(text_xml oX 1 x)") ;;
	padding) enc=$(head -c 64 /dev/urandom | base64 -w0) ;;
	base64) enc='!!!!' ;;
	esac
	q="signature=$(sig "$TOKEN" "$now" "9$kind")&timestamp=$now&nonce=9$kind&encrypt_type=aes&msg_signature=$(sig "$TOKEN" "$now" "9$kind" "$enc")"
	post "$q" "<xml><Encrypt><![CDATA[$enc]]></Encrypt></xml>"
	bodies="$bodies $STATUS:$BODY"
done
is "$bodies" " 400:bad request 400:bad request 400:bad request" \
    "every decryption failure answers the same"
curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" "$A/metrics" |
    grep '^wxkb_decrypt_failures_total' >"$WORK/dec"
is "$(cat "$WORK/dec")" 'wxkb_decrypt_failures_total{reason="undecryptable"} 3' \
    "the metrics count them under one reason"

# --- Host (finding 6) ----------------------------------------------------
is "$(code -H 'Host: evil.example' "$A/healthz")" 421 "a foreign Host is refused (DNS rebinding)"
is "$(code -H 'Host: evil.example' -H "Authorization: Bearer $ADMIN_TOKEN" "$A/api/kb")" 421 \
    "even with the token"
is "$(code -H "Host: localhost:$ADMIN_PORT" "$A/healthz")" 200 "Host localhost is served"
is "$(code -H "Host: wxkb-admin.example.org" "$A/healthz")" 200 "a WXKB_ADMIN_HOSTS name is served"
is "$(code -H "Host: WXKB-ADMIN.example.org:443" "$A/admin/")" 200 "in any case, with a port"

# --- back-off (finding 6): ten failures, then a wait ---------------------
n401=0
for i in $(seq 1 9); do
	[ "$(code -H 'Authorization: Bearer wrong-guess' "$A/api/kb")" = 401 ] &&
	    n401=$((n401 + 1))
done
# The tenth failure and the right token from one curl, milliseconds apart:
# the first wait is a second, which a loaded machine could let run out
# between two processes.
last=$(curl -s -m 5 -o /dev/null -w '%{http_code} ' \
    -H 'Authorization: Bearer wrong-guess' "$A/api/kb" --next \
    -s -m 5 -o "$WORK/out" -D "$WORK/hdr" -w '%{http_code}' \
    -H "Authorization: Bearer $ADMIN_TOKEN" "$A/api/kb")
[ "${last% *}" = 401 ] && n401=$((n401 + 1))
is "$n401" 10 "ten wrong tokens are each 401"
is "${last#* }" 429 "then even the right token must wait"
grep -qi '^Retry-After: 1' "$WORK/hdr"
ok $? "429 says how long (Retry-After)"
grep -q 'admin_unauthorized.*from 127.0.0.1' "$WORK/wxkbd.log"
ok $? "failures are logged with the address"
echo "+2" >"$WORK/faketime"
is "$(code -H "Authorization: Bearer $ADMIN_TOKEN" "$A/api/kb")" 200 \
    "after the wait the right token works"
code -H 'Authorization: Bearer wrong-guess' "$A/api/kb" >/dev/null
is "$(code -H "Authorization: Bearer $ADMIN_TOKEN" "$A/api/kb")" 200 \
    "a success starts the count afresh"
for i in $(seq 1 10); do code -H 'Authorization: Bearer wrong' "$A/api/kb" >/dev/null; done
# Failures 11 to 14, each once the wait before it is over: 2, 4, 8, 16 s.
off=2
for wait in 1 2 4 8; do
	off=$((off + wait + 1))
	echo "+$off" >"$WORK/faketime"
	code -H 'Authorization: Bearer wrong' "$A/api/kb" >/dev/null
done
code -D "$WORK/hdr" "$A/api/kb" >/dev/null
grep -qiE '^Retry-After: 1[56]' "$WORK/hdr"
ok $? "the wait doubles with each further failure ($(grep -i '^Retry-After' "$WORK/hdr" | tr -d '\r'))"
stop_wxkbd

# --- wxkbctl push reads only files beside the article (finding 3) ---------
mkdir -p "$WORK/art/sub"
echo '<p>secret</p>' >"$WORK/secret.html"
cp tests/data/push/cover.jpg "$WORK/art/"
ln -s ../secret.html "$WORK/art/link.html"
for name in ../secret.html "$WORK/secret.html" link.html; do
	printf '{"title": "T", "content_file": "%s", "thumb": "cover.jpg"}\n' \
	    "$name" >"$WORK/art/article.json"
	out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" push "$WORK/art/article.json" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] && echo "$out" | grep -q 'content_file'
	ok $? "wxkbctl push refuses content_file $name (exit $rc): $out"
done

# --- no core file (finding 8) --------------------------------------------
mkdir -p "$WORK/cores"
core_files() { find "$WORK/cores" -type f -name 'core*' | wc -l; }
(cd "$WORK/cores" && ulimit -c unlimited && exec sleep 30) &
ctl=$!
sleep 0.2
kill -QUIT "$ctl"
wait "$ctl" 2>/dev/null
if [ "$(core_files)" -eq 0 ]; then
	ok 0 "no core file # SKIP core dumps go to $(cat /proc/sys/kernel/core_pattern) here"
else
	rm -f "$WORK/cores"/core*
	start_wxkbd || { ok 1 "start"; finish; }
	kill "$WXKBD_PID"; wait "$WXKBD_PID"; WXKBD_PID=
	(cd "$WORK/cores" && ulimit -c unlimited &&
	    exec "$OLDPWD/$WXKBD" --config "$WORK/wxkbd.conf") >"$WORK/core.log" 2>&1 &
	WXKBD_PID=$!
	for _ in $(seq 1 50); do
		curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
		sleep 0.1
	done
	kill -QUIT "$WXKBD_PID"
	wait "$WXKBD_PID" 2>/dev/null
	WXKBD_PID=
	is "$(core_files)" 0 "wxkbd killed by SIGQUIT leaves no core file (a control process did)"
fi
finish
