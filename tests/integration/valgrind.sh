#!/usr/bin/env bash
# The real daemon under valgrind memcheck: valid traffic in plain and safe
# mode, hostile requests, a reload and SIGTERM must leave zero errors and
# zero definitely lost bytes.  Skipped for sanitizer builds (valgrind and
# ASan cannot share a process).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if ! command -v valgrind >/dev/null; then
	echo "ok 1 # SKIP valgrind is not installed"
	exit 0
fi
if nm -D "$WXKBD" 2>/dev/null | grep -q __asan_init; then
	echo "ok 1 # SKIP $WXKBD is built with AddressSanitizer"
	exit 0
fi

for mode in plain safe; do
	vlog="$WORK/valgrind-$mode.log"
	WXKBD_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$vlog" \
	    start_wxkbd "WXKB_MODE=$mode" || { ok 1 "$mode: start under valgrind"; continue; }
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '街道办电话多少' >/dev/null
	ok $? "$mode: a question is answered under valgrind"
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '食堂好吃吗' >/dev/null
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --event subscribe >/dev/null
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --event click CONTACT >/dev/null
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --verify >/dev/null
	now=$(date +%s)
	post "$(plain_query "$now" 1)" '<!DOCTYPE x [<!ENTITY a "b">]><xml/>'
	post "signature=0&timestamp=$now&nonce=2" '<xml/>'
	q="$(plain_query "$now" 3)&encrypt_type=aes&msg_signature=$(sig "$TOKEN" "$now" 3 QUJD)"
	post "$q" '<xml><Encrypt>QUJD</Encrypt></xml>'
	head -c 70000 /dev/zero | tr '\0' x >"$WORK/big"
	curl -s -m 10 -o /dev/null -X POST --data-binary @"$WORK/big" "$URL?$(plain_query "$now" 4)"
	kill -HUP "$WXKBD_PID"
	sleep 1
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '传真' >/dev/null
	ok $? "$mode: answered after a reload under valgrind"
	stop_wxkbd
	rc=$?
	sed 's/^/# /' "$vlog" | head -40
	is "$rc" 0 "$mode: valgrind reports no error and no definite leak"
done
finish
