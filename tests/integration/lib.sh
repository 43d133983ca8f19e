# Shared by the integration tests: start the real wxkbd on a private
# loopback port with its own state directory, talk to it, clean up.
# Every request goes to 127.0.0.1 only, with a bounded timeout.

BUILD=${BUILD:-build}
WXKBD=$BUILD/wxkbd
WXKBCTL=$BUILD/wxkbctl
T_N=0
T_FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wxkb-it.XXXXXX")
WXKBD_PID=

# A failed script leaves the logs of its work directory (the daemon's
# among them) in $TEST_LOGS/NAME/ when tests/run.sh set it.
cleanup() {
	local keep
	if [ -n "$WXKBD_PID" ]; then
		kill "$WXKBD_PID" 2>/dev/null
		wait "$WXKBD_PID" 2>/dev/null
	fi
	if [ "$T_FAILED" -gt 0 ] && [ -n "${TEST_LOGS:-}" ]; then
		keep=$TEST_LOGS/$(basename "$0" .sh)
		mkdir -p "$keep" &&
		    find "$WORK" -name '*.log' -exec cp {} "$keep/" \; 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# ok CONDITION-EXIT-STATUS DESCRIPTION: print a TAP line.
ok() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		T_FAILED=$((T_FAILED + 1))
		echo "not ok $T_N - $2"
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3 (got '$1', want '$2')"
	fi
}

finish() {
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# A free loopback port below the kernel's range of outgoing local ports:
# there, a busy machine's own connections cannot take it between our
# probe and the bind.
free_port() {
	local p low=32768
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$low" -gt 12000 ] 2>/dev/null || low=32768
	for _ in $(seq 1 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo 28080
}

# start_wxkbd [KEY=value ...]: run wxkbd with a fresh config; exports
# PORT, ADMIN_PORT, URL and the secrets used.  A port taken between our
# probe and the bind (another test on the machine) means another try.
start_wxkbd() {
	local try
	for try in 1 2 3 4 5; do
		start_wxkbd_once "$@" && return 0
		grep -q 'Address already in use' "$WORK/wxkbd.log" || break
	done
	echo "# wxkbd did not start:"; sed 's/^/# /' "$WORK/wxkbd.log"
	return 1
}

start_wxkbd_once() {
	PORT=$(free_port)
	ADMIN_PORT=$(free_port)
	while [ "$ADMIN_PORT" = "$PORT" ]; do ADMIN_PORT=$(free_port); done
	TOKEN=${TOKEN:-itoken2020}
	APPID=${APPID:-wx0123456789abcdef}
	AES_KEY=${AES_KEY:-ThisIsAnOwnTestKeyForWeChatCryptoVectors012}
	ADMIN_TOKEN=${ADMIN_TOKEN:-integration-admin-token}
	mkdir -p "$WORK/state"
	[ -f "$WORK/state/kb.json" ] || cp kb/data/wanggezhuang.json "$WORK/state/kb.json"
	cat >"$WORK/wxkbd.conf" <<-CONF
	WXKB_LISTEN=127.0.0.1:$PORT
	WXKB_ADMIN_LISTEN=127.0.0.1:$ADMIN_PORT
	WXKB_TOKEN=$TOKEN
	WXKB_APPID=$APPID
	WXKB_AES_KEY=$AES_KEY
	WXKB_ADMIN_TOKEN=$ADMIN_TOKEN
	WXKB_KB=$WORK/state/kb.json
	WXKB_STATE_DIR=$WORK/state
	WXKB_API_BASE=http://127.0.0.1:9
	CONF
	for kv in "$@"; do echo "$kv" >>"$WORK/wxkbd.conf"; done
	URL="http://127.0.0.1:$PORT/wechat"
	${WXKBD_WRAPPER:-} "$WXKBD" --config "$WORK/wxkbd.conf" \
	    >"$WORK/wxkbd.log" 2>&1 &
	WXKBD_PID=$!
	for _ in $(seq 1 100); do
		if curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
			return 0
		fi
		kill -0 "$WXKBD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$WXKBD_PID" 2>/dev/null
	wait "$WXKBD_PID" 2>/dev/null
	WXKBD_PID=
	return 1
}

# start_fake_wechat SECRET: the fake WeChat API (tests/tools/fake_wechat.c)
# on a free loopback port, logging to $WORK/api.log; sets API (its base
# URL) and FAKE_PID, stopped on exit.  Returns 1 when it does not start.
start_fake_wechat() {
	"$BUILD/tests/fake_wechat" --port 0 --log "$WORK/api.log" \
	    --appid wx0123456789abcdef --secret "$1" >"$WORK/fake.out" 2>&1 &
	FAKE_PID=$!
	trap 'kill $FAKE_PID 2>/dev/null; cleanup' EXIT
	for _ in $(seq 1 50); do
		grep -q '^PORT=' "$WORK/fake.out" && break
		sleep 0.1
	done
	API="http://127.0.0.1:$(sed -n 's/^PORT=//p' "$WORK/fake.out")"
	[ "$API" != "http://127.0.0.1:" ]
}

LIBFAKETIME=
for f in /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$f" ] && LIBFAKETIME=$f && break
done

# clock_wrapper [VAR=value ...]: a WXKBD_WRAPPER under which the daemon's
# wall clock is real time plus what $WORK/faketime says; with
# FAKETIME_DONT_FAKE_MONOTONIC=1 its timers are left alone, as an NTP
# step does.
clock_wrapper() {
	local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}
	# libfaketime comes first in the library list: tell ASan it is fine.
	echo "env LD_PRELOAD=$LIBFAKETIME FAKETIME_TIMESTAMP_FILE=$WORK/faketime" \
	    "FAKETIME_NO_CACHE=1 ASAN_OPTIONS=${asan}verify_asan_link_order=0 $*"
}

stop_wxkbd() {
	kill -TERM "$WXKBD_PID" 2>/dev/null
	wait "$WXKBD_PID"
	local rc=$?
	WXKBD_PID=
	return $rc
}

# sig TOKEN TS NONCE [ENCRYPT]: the WeChat signature, computed by sha1sum.
sig() {
	printf '%s\n' "$@" | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -c1-40
}

# post QUERY BODY: POST to the callback; sets STATUS and BODY.
post() {
	local out="$WORK/resp"
	STATUS=$(curl -s -m 5 -o "$out" -w '%{http_code}' -X POST \
	    -H 'Content-Type: text/xml' --data-binary "$2" "$URL?$1")
	BODY=$(cat "$out")
}

# A plain text message from OPENID with MSGID and CONTENT.  Its
# CreateTime is the script's start, so that the same arguments make the
# very same message, as WeChat's retries are.
T_CREATED=$(date +%s)
text_xml() {
	printf '<xml><ToUserName><![CDATA[gh_test0000000]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId></xml>' "$1" "$T_CREATED" "$3" "$2"
}

# plain_query TS NONCE: a signed plain-mode query string.
plain_query() {
	echo "signature=$(sig "$TOKEN" "$1" "$2")&timestamp=$1&nonce=$2&openid=oTest"
}

# encrypt XML: WeChat's Encrypt value for XML (protocol doc §3) with
# $AES_KEY and $APPID, by openssl: 16 random bytes, the length in four
# bytes big-endian, the message, the AppID, padded to 32 bytes.
encrypt() {
	local key iv n pad f="$WORK/enc.plain"
	key=$(printf '%s=' "$AES_KEY" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	iv=${key:0:32}
	head -c 16 /dev/urandom >"$f"
	n=$(printf '%s' "$1" | wc -c)
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((n >> 24 & 255)) \
	    $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))" >>"$f"
	printf '%s%s' "$1" "$APPID" >>"$f"
	pad=$((32 - $(wc -c <"$f") % 32))
	for _ in $(seq 1 "$pad"); do printf "$(printf '\\%03o' "$pad")"; done >>"$f"
	openssl enc -aes-256-cbc -nopad -K "$key" -iv "$iv" -in "$f" | base64 -w0
}

# safe_request TS NONCE XML: sets SAFE_QUERY and SAFE_BODY, a safe-mode
# request carrying XML as WeChat would send it.
safe_request() {
	local enc
	enc=$(encrypt "$3")
	SAFE_QUERY="signature=$(sig "$TOKEN" "$1" "$2")&timestamp=$1&nonce=$2&openid=oTest&encrypt_type=aes&msg_signature=$(sig "$TOKEN" "$1" "$2" "$enc")"
	SAFE_BODY="<xml><ToUserName><![CDATA[gh_test0000000]]></ToUserName><Encrypt><![CDATA[$enc]]></Encrypt></xml>"
}
