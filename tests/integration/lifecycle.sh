#!/usr/bin/env bash
# Start-up checks, SIGHUP reload (a broken file keeps the old answers),
# SIGTERM with requests in flight, --check-config and --help.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

"$WXKBD" --help | grep -q -- '--check-config'
ok $? "wxkbd --help lists --check-config"
"$WXKBD" --version | grep -q '^wxkbd '
ok $? "wxkbd --version"

# Each bad configuration stops the daemon with one line naming the key.
bad() {
	local want=$1; shift
	local out
	out=$(env -i PATH="$PATH" "$@" "$WXKBD" --config /dev/null \
	    --check-config 2>&1)
	local rc=$?
	[ "$rc" -eq 1 ] && echo "$out" | grep -q "$want" && \
	    [ "$(echo "$out" | wc -l)" -eq 1 ]
	ok $? "refused with one line naming $want: $out"
}
bad WXKB_TOKEN WXKB_TOKEN='bad token!' WXKB_KB=kb/data/wanggezhuang.json
bad WXKB_AES_KEY WXKB_TOKEN=abc123 WXKB_MODE=safe WXKB_APPID=wx1 WXKB_AES_KEY=short
bad WXKB_MODE WXKB_TOKEN=abc123 WXKB_MODE=secure
bad WXKB_APPID WXKB_TOKEN=abc123 WXKB_MODE=compat WXKB_AES_KEY=ThisIsAnOwnTestKeyForWeChatCryptoVectors012
out=$(env -i PATH="$PATH" WXKB_TOKEN=abc123 WXKB_ADMIN_LISTEN= \
    WXKB_KB=kb/data/wanggezhuang.json "$WXKBD" --config /dev/null --check-config 2>&1)
ok $? "--check-config accepts a good configuration: $out"

start_wxkbd || { ok 1 "wxkbd starts"; finish; }
ok 0 "wxkbd starts"
ask() {
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate "$1" 2>&1
}
ask '传真' | grep -q 87841022
ok $? "generation 1 answers 传真"

# A broken file: the old generation keeps serving.
cp "$WORK/state/kb.json" "$WORK/kb.good"
printf '{"version": 1, "items": [' >"$WORK/state/kb.json"
kill -HUP "$WXKBD_PID"
sleep 0.5
ask '传真' | grep -q 87841022
ok $? "after a SIGHUP with a broken file the old answers are served"
grep -q 'reload_failed\|not loaded' "$WORK/wxkbd.log"
ok $? "the failed reload is logged"
curl -s -m 5 "http://127.0.0.1:$PORT/healthz" | grep -q '"generation":1'
ok $? "the generation is still 1"
health=$(curl -s -m 5 "http://127.0.0.1:$ADMIN_PORT/healthz")
echo "$health" | grep -q '"last_reload":"failed"' &&
    echo "$health" | grep -q '"last_reload_error":"[^"]*kb.json:1:[0-9]*: error: [^"]*expected'
ok $? "the admin /healthz says the last reload failed and why: $health"
health=$(curl -s -m 5 "http://127.0.0.1:$PORT/healthz")
echo "$health" | grep -q '"last_reload":"failed"' &&
    ! echo "$health" | grep -q 'last_reload_error\|kb.json'
ok $? "the public /healthz says it failed, without file names: $health"
metrics() {
	curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "http://127.0.0.1:$ADMIN_PORT/metrics"
}
metrics | grep -q '^wxkb_kb_reloads_total{result="error"} 1$'
ok $? "the failed reload moves wxkb_kb_reloads_total{result=\"error\"}"
metrics | grep -q '^wxkb_kb_reloads_total{result="ok"} 1$'
ok $? "wxkb_kb_reloads_total{result=\"ok\"} counts the first load only"
metrics | grep -q '^wxkb_kb_reloads_total{.*failed'
ok $((! $?)) "no undocumented result series beside ok and error"

# A good new file: served as generation 2.
sed 's/87841022/87840000/g' "$WORK/kb.good" >"$WORK/state/kb.json"
kill -HUP "$WXKBD_PID"
sleep 0.5
curl -s -m 5 "http://127.0.0.1:$PORT/healthz" | grep -q '"generation":2'
ok $? "a valid file is served as generation 2"
ask '传真' | grep -q 87840000
ok $? "generation 2 answers from the new file"
health=$(curl -s -m 5 "http://127.0.0.1:$PORT/healthz")
echo "$health" | grep -q '"last_reload":"ok"' &&
    ! echo "$health" | grep -q 'last_reload_error'
ok $? "after a good reload /healthz says ok again: $health"

# A start-up failure is one line at priority err with its WXKB_EVENT and
# the reason: a listener already taken names its key.
fail_start() {
	local want=$1 conf=$2 out rc
	out=$(env -i PATH="$PATH" timeout 10 "$WXKBD" --config "$conf" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] && echo "$out" | grep -q "level=err event=$want" &&
	    [ "$(echo "$out" | grep -c 'level=err')" -eq 1 ]
	ok $? "start-up refused: $want: $(echo "$out" | grep 'level=err')"
	LAST_OUT=$out
}
mkdir -p "$WORK/fail"
sed "s|^WXKB_LISTEN=.*|WXKB_LISTEN=127.0.0.1:$PORT|; s|^WXKB_STATE_DIR=.*|WXKB_STATE_DIR=$WORK/fail|" \
    "$WORK/wxkbd.conf" >"$WORK/fail-public.conf"
fail_start listen_failed "$WORK/fail-public.conf"
echo "$LAST_OUT" | grep -q 'msg="WXKB_LISTEN: cannot listen on 127.0.0.1:'"$PORT"
ok $? "a taken public port names WXKB_LISTEN"
p2=$(free_port)
sed "s|^WXKB_LISTEN=.*|WXKB_LISTEN=127.0.0.1:$p2|; s|^WXKB_STATE_DIR=.*|WXKB_STATE_DIR=$WORK/fail|" \
    "$WORK/wxkbd.conf" >"$WORK/fail-admin.conf"
fail_start listen_failed "$WORK/fail-admin.conf"
echo "$LAST_OUT" | grep -q 'msg="WXKB_ADMIN_LISTEN: cannot listen on 127.0.0.1:'"$ADMIN_PORT"
ok $? "a taken admin port names WXKB_ADMIN_LISTEN"
printf 'WXKB_TOKEN=abc123\nWXKB_MODE=secure\n' >"$WORK/fail-mode.conf"
fail_start config_error "$WORK/fail-mode.conf"
echo "$LAST_OUT" | grep -q 'msg="WXKB_MODE: must be'
ok $? "a bad value names its key"
printf '{"version": 1, "items": [' >"$WORK/fail/kb.json"
printf 'WXKB_TOKEN=abc123\nWXKB_ADMIN_LISTEN=\nWXKB_LISTEN=127.0.0.1:%s\nWXKB_KB=%s\nWXKB_STATE_DIR=%s\n' \
    "$(free_port)" "$WORK/fail/kb.json" "$WORK/fail" >"$WORK/fail-kb.conf"
fail_start kb_load_failed "$WORK/fail-kb.conf"
n=$(echo "$LAST_OUT" | grep -c "expected")
is "$n" 1 "a knowledge base that does not load is reported once"
echo "$LAST_OUT" | grep -q 'keeps serving\|generation 0'
ok $((! $?)) "and not as if an old generation were serving"

# The admin reload needs the token.
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$ADMIN_PORT/api/kb/reload")
is "$code" 401 "admin reload without a token is 401"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer wrong-token-wrong-token' "http://127.0.0.1:$ADMIN_PORT/api/kb/reload")
is "$code" 401 "admin reload with a wrong token is 401"
"$WXKBCTL" --config "$WORK/wxkbd.conf" reload >/dev/null 2>&1
ok $? "wxkbctl reload"
curl -s -m 5 "http://127.0.0.1:$PORT/healthz" | grep -q '"generation":3'
ok $? "wxkbctl reload made generation 3"

# A file that loads with a warning: served, and the warning logged.
{ printf '{"x_note": 1,'; tail -c +2 "$WORK/kb.good"; } >"$WORK/state/kb.json"
kill -HUP "$WXKBD_PID"
sleep 0.5
curl -s -m 5 "http://127.0.0.1:$PORT/healthz" | grep -q '"generation":4'
ok $? "a file with an unknown key is served as generation 4"
grep -q 'event=reload_warning.*unknown key \\"x_note\\" ignored' "$WORK/wxkbd.log"
ok $? "its warning is logged as reload_warning"

# SIGTERM while requests are in flight: they are answered, exit 0.
for i in 1 2 3 4 5; do
	( ask "电话$i" >"$WORK/inflight.$i" 2>&1 ) &
done
kill -TERM "$WXKBD_PID"
wait "$WXKBD_PID"
rc=$?
WXKBD_PID=
wait
is "$rc" 0 "SIGTERM exits 0"
n=0
for i in 1 2 3 4 5; do
	sed 's/^/# /' "$WORK/inflight.$i"
	grep -q 'MsgType' "$WORK/inflight.$i" && n=$((n + 1))
	grep -q "Connection refused\|Could not connect\|Couldn't connect" "$WORK/inflight.$i" && n=$((n + 1))
done
is "$n" 5 "every request sent around SIGTERM was answered or refused at connect, none cut"
finish
