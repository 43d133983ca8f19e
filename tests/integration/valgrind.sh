#!/usr/bin/env bash
# The real daemon under valgrind memcheck: valid traffic in plain and safe
# mode, hostile requests, a reload, the admin API with a push, and SIGTERM
# must leave zero errors and zero definitely lost bytes.  Skipped for sanitizer builds (valgrind and
# ASan cannot share a process).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if ! command -v valgrind >/dev/null; then
	ok 1 "valgrind is installed (make test-deps)"
	finish
fi
if nm -D "$WXKBD" 2>/dev/null | grep -q __asan_init; then
	echo "ok 1 # SKIP $WXKBD is built with AddressSanitizer: valgrind and ASan cannot share a process"
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

# The admin API and a push followed by key, against the fake WeChat API.
start_fake_wechat vtestsecret || { ok 1 "the fake WeChat API starts"; finish; }
vlog="$WORK/valgrind-admin.log"
WXKBD_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$vlog" \
    start_wxkbd "WXKB_APPSECRET=vtestsecret" "WXKB_API_BASE=$API" ||
    { ok 1 "admin: start under valgrind"; finish; }
adm() { curl -s -m 20 -o "$WORK/adm" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' "$@"; }
A="http://127.0.0.1:$ADMIN_PORT"
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '食堂好吃吗' >/dev/null
printf '{"article":{"title":"t","content":"c","thumb_name":"c.jpg","thumb_base64":"%s"},"preview_wxname":"wxkb_tester01","wait":false}' \
    "$(base64 -w0 tests/data/push/cover.jpg)" >"$WORK/push.json"
adm --data-binary @"$WORK/push.json" "$A/api/push" >/dev/null
key=$(grep -o 'wxkb-[0-9a-f]*' "$WORK/adm" | head -n 1)
for _ in $(seq 1 100); do
	adm "$A/api/push/$key" >/dev/null
	grep -q '"state":"running"' "$WORK/adm" || break
	sleep 0.2
done
grep -q '"state":"done"' "$WORK/adm"
ok $? "admin: a push followed by key under valgrind"
# ETag of a GET: the revision a write names.
etag() { curl -s -m 20 -D - -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" "$1" | tr -d '\r' | sed -n 's/^ETag: "\([0-9]*\)"$/\1/p'; }
is "$(adm -X DELETE -H "If-Match: $(etag "$A/api/kb/items/contact-fax")" "$A/api/kb/items/contact-fax")" 200 "admin: an item deleted under valgrind"
adm "$A/api/kb/items/contact-fax/history" >/dev/null
adm "$A/api/kb/history" >/dev/null
kbrev=$(etag "$A/api/kb")
is "$(adm -X POST -H "If-Match: $kbrev" --data-binary '{"revision":0}' "$A/api/kb/items/contact-fax/restore")" 200 "admin: one item restored under valgrind"
adm "$A/api/menu/preview" >/dev/null
adm -X POST --data-binary '{"text":"食堂好吃吗","state":"ignored"}' "$A/api/stats/unanswered/state" >/dev/null
adm "$A/api/stats/unanswered" >/dev/null
adm "$A/api/stats/export" >/dev/null
stop_wxkbd
rc=$?
sed 's/^/# /' "$vlog" | head -40
is "$rc" 0 "admin: valgrind reports no error and no definite leak"
finish
