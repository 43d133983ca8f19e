#!/usr/bin/env bash
# The admin API on the real daemon (docs/admin-api.md): every endpoint,
# the token, If-Match and two editors at once, validation, an edit that a
# resident then gets, history and restore, statistics and the CSV export,
# the audit lines, persistence across a restart, a full disk refused with
# 507, and kill -9 during saves leaving a knowledge base that checks.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

# api METHOD PATH [IF-MATCH [BODY]]: sets STATUS, BODY and HEADERS.
api() {
	local args=(-s -m 10 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}'
	    -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN")
	[ -n "${3:-}" ] && args+=(-H "If-Match: $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json'
	    --data-binary "$4")
	STATUS=$(curl "${args[@]}" "$A$2")
	BODY=$(cat "$WORK/body")
	HEADERS=$(tr -d '\r' <"$WORK/headers")
}

# json KEY: the first integer value of "KEY" in BODY (compact JSON).
json() {
	echo "$BODY" | grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# etag: the ETag of the last answer, without quotes.
etag() {
	echo "$HEADERS" | sed -n 's/^ETag: "\([0-9]*\)"$/\1/p'
}

item_json() { # ID KEYWORD CONTENT
	printf '{"id":"%s","title":"年度报告电子版在哪下载","keywords":["%s","电子版"],"reply":{"type":"text","content":"%s"}}' "$1" "$2" "$3"
}

start_wxkbd || { ok 1 "start"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
CTL=("$WXKBCTL" --config "$WORK/wxkbd.conf")

# --- the token ----------------------------------------------------------
code=$(curl -s -m 5 -o "$WORK/body" -w '%{http_code}' "$A/api/kb")
is "$code" 401 "no token: 401"
grep -q '"error"' "$WORK/body"
ok $? "the 401 is a JSON error"
# Nine failures in all: one fewer than starts the back-off (hardening.sh).
for _ in $(seq 1 8); do
	curl -s -m 5 -o /dev/null -H 'Authorization: Bearer wrong' "$A/api/kb"
done
n=$(grep -c 'event=admin_unauthorized' "$WORK/wxkbd.log")
[ "$n" -ge 1 ] && [ "$n" -le 9 ]
ok $? "failed sign-ins are logged ($n lines for 9)"

# --- reads --------------------------------------------------------------
# The items of the shipped file (each "id" at the items' indentation).
nitems=$(grep -c '^      "id": ' kb/data/wanggezhuang.json)
api GET /api/kb
is "$STATUS" 200 "GET /api/kb"
is "$(json revision)" 0 "the shipped file is revision 0"
is "$(json items)" "$nitems" "GET /api/kb counts the items"
is "$(etag)" 0 "GET /api/kb has the ETag of the revision"
echo "$HEADERS" | grep -qx 'Cache-Control: no-store' &&
    echo "$HEADERS" | grep -qx 'X-Content-Type-Options: nosniff' &&
    echo "$HEADERS" | grep -qx 'Content-Type: application/json; charset=utf-8'
ok $? "API answers carry no-store, nosniff and a JSON content type"
api GET '/api/kb/items?q=%E4%B8%8B%E8%BD%BD'
is "$STATUS" 200 "GET /api/kb/items?q= (下载)"
echo "$BODY" | grep -q '"id":"report-download"'
ok $? "the search finds report-download"
api GET /api/kb/items
is "$(echo "$BODY" | grep -o '"expired":' | wc -l)" "$nitems" "GET /api/kb/items lists every item with its expired flag"
api GET /api/kb/items/report-download
is "$STATUS" 200 "GET /api/kb/items/{id}"
rev=$(etag)
is "$rev" 0 "the item's ETag is its revision"
api GET /api/kb/items/no-such-item
is "$STATUS" 404 "an unknown item is 404"

# --- an edit that residents get at once ---------------------------------
before=$("${CTL[@]}" simulate '哪里下载报告' 2>&1)
api PUT /api/kb/items/report-download 0 "$(item_json report-download 哪里下载 '请到崂山政务网下载年报。')"
is "$STATUS" 200 "PUT an item with the revision it edited"
is "$(json revision)" 1 "the write made revision 1"
after=$("${CTL[@]}" simulate '哪里下载报告' 2>&1)
echo "$after" | grep -q '请到崂山政务网下载年报。' && ! echo "$before" | grep -q '请到崂山政务网下载年报。'
ok $? "a resident gets the new answer right after the 200"
"$WXKBCTL" check "$WORK/state/kb.json" >/dev/null 2>&1
ok $? "the file written checks with wxkbctl check"
grep -q '"revision": 1' "$WORK/state/kb.json"
ok $? "the file carries its revision"
grep -q 'event=kb_audit.*item=report-download action=update old_revision=0 new_revision=1' "$WORK/wxkbd.log"
ok $? "the change is an audit line with item, action and revisions"

# Two staff save the same item from the same revision, at once.
api GET /api/kb/items/apply-how
r=$(etag)
for who in alice bob; do
	curl -s -m 10 -o "$WORK/$who.body" -w '%{http_code}\n' -X PUT \
	    -H "Authorization: Bearer $ADMIN_TOKEN" -H "If-Match: $r" \
	    -H 'Content-Type: application/json' --data-binary \
	    "{\"title\":\"依申请公开怎么申请\",\"keywords\":[\"依申请公开\"],\"reply\":{\"type\":\"text\",\"content\":\"$who 写的\"}}" \
	    "$A/api/kb/items/apply-how" >"$WORK/$who.code" &
	pids="${pids:-} $!"
done
wait $pids
codes=$(cat "$WORK/alice.code" "$WORK/bob.code" | sort | tr '\n' ' ')
is "$codes" "200 412 " "two saves from one revision: one 200, one 412"
loser=alice; [ "$(cat "$WORK/alice.code")" = 200 ] && loser=bob
winner=bob; [ "$loser" = bob ] && winner=alice
grep -q "\"current\":{.*$winner 写的" "$WORK/$loser.body"
ok $? "the 412 carries the winner's item, so nothing is lost"
grep -q "$winner 写的" "$WORK/state/kb.json" && ! grep -q "$loser 写的" "$WORK/state/kb.json"
ok $? "the file holds the first save only"

# --- refusals -----------------------------------------------------------
api PUT /api/kb/items/report-download 0 "$(item_json report-download x y)"
is "$STATUS" 412 "a stale If-Match is 412"
echo "$BODY" | grep -q '"current":{"id":"report-download"'
ok $? "the 412 carries the current item"
api PUT /api/kb/items/report-download '' "$(item_json report-download x y)"
is "$STATUS" 428 "a write without If-Match is 428"
api POST /api/kb/items 1 '{"id":"bad id","title":"t","keywords":["k"],"reply":{"type":"text","content":"c"}}'
is "$STATUS" 422 "an invalid item is 422"
echo "$BODY" | grep -q '"details":\["[^"]*id: must be'
ok $? "the 422 lists the problems as wxkbctl check words them"
api POST /api/kb/items 1 '{"id":"x","title":"t","keywords":"k","reply":{}}'
is "$STATUS" 400 "a field of the wrong type is 400"
api POST /api/kb/items 1 '{"id":'
is "$STATUS" 400 "a body that is not JSON is 400"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H 'If-Match: 1' \
    -H 'Content-Type: text/plain' --data 'x' "$A/api/kb/items")
is "$code" 415 "a body that is not application/json is 415"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H 'If-Match: 1' \
    -H 'Content-Type: application/json' --data-binary "@$WORK/big.json" \
    "$A/api/kb/items")
is "$code" 413 "a body over 1 MiB is 413"
api DELETE /api/kb
is "$STATUS" 405 "DELETE /api/kb is 405"
echo "$HEADERS" | grep -qx 'Allow: GET, PUT'
ok $? "the 405 says what is allowed"
api GET /api/nothing
is "$STATUS" 404 "an unknown path is 404"
api GET /api/kb
is "$(json revision)" 2 "refused writes made no revision"

# --- create, delete, settings -------------------------------------------
api POST /api/kb/items 2 '{"id":"garbage","title":"垃圾分类","keywords":["垃圾分类"],"reply":{"type":"text","content":"每周二、五收。"}}'
is "$STATUS" 201 "POST /api/kb/items creates"
is "$(json revision)" 3 "the create made revision 3"
api POST /api/kb/items 3 '{"id":"garbage","title":"垃圾分类","keywords":["垃圾分类"],"reply":{"type":"text","content":"x"}}'
is "$STATUS" 409 "POST of an id that exists is 409"
"${CTL[@]}" simulate '垃圾分类' 2>&1 | grep -q '每周二、五收。'
ok $? "the new item answers residents"
api DELETE /api/kb/items/garbage 3
is "$STATUS" 200 "DELETE an item"
api GET /api/kb/items/garbage
is "$STATUS" 404 "the deleted item is gone"
api PUT /api/kb 4 '{"welcome":{"type":"text","content":"欢迎！这是新的欢迎语。"}}'
is "$STATUS" 200 "PUT /api/kb sets the welcome reply"
api GET /api/kb
echo "$BODY" | grep -q '欢迎！这是新的欢迎语。'
ok $? "GET /api/kb shows it"

# --- query preview ------------------------------------------------------
api GET '/api/query?q=%E5%93%AA%E9%87%8C%E4%B8%8B%E8%BD%BD%E6%8A%A5%E5%91%8A'
is "$STATUS" 200 "GET /api/query"
echo "$BODY" | grep -q '"result":"hit"' && echo "$BODY" | grep -q '请到崂山政务网下载年报。'
ok $? "the preview gives the item and the reply a resident gets"
api GET '/api/query?q=%E8%AF%B7%E9%97%AE%E5%9E%83%E5%9C%BE%E5%A4%9A%E5%B0%91%E9%92%B1'
echo "$BODY" | grep -q '"result":"miss"' && echo "$BODY" | grep -q '抱歉，暂时没有找到相关答案'
ok $? "a miss previews the fallback"

# --- history and restore ------------------------------------------------
api GET /api/kb/history
is "$STATUS" 200 "GET /api/kb/history"
is "$(echo "$BODY" | grep -o '"revision":[0-9]*,"action":"[a-z]*","current":[a-z]*' | head -n 2 | tr '\n' ' ')" \
    '"revision":5,"action":"settings","current":true "revision":4,"action":"delete","current":false ' \
    "the live version comes first, then the kept ones, newest first"
echo "$BODY" | grep -q '"saved":"[0-9-]*T[0-9:]*Z"'
ok $? "versions say when they were saved"
api POST /api/kb/history/3/restore
is "$STATUS" 200 "POST /api/kb/history/{revision}/restore"
is "$(json revision)" 6 "the restore is a new revision"
"${CTL[@]}" simulate '垃圾分类' 2>&1 | grep -q '每周二、五收。'
ok $? "the restored version is served"
grep -q 'event=kb_audit.*action=restore' "$WORK/wxkbd.log"
ok $? "the restore is an audit line"
api POST /api/kb/history/999/restore
is "$STATUS" 404 "restoring a version not kept is 404"

# --- reload -------------------------------------------------------------
api POST /api/kb/reload
is "$STATUS" 200 "POST /api/kb/reload"
gen=$(json generation)
[ -n "$gen" ] && [ "$gen" -gt 1 ]
ok $? "the reload answers the new generation ($gen)"
"${CTL[@]}" reload >/dev/null 2>&1
ok $? "wxkbctl reload still works"

# --- statistics ---------------------------------------------------------
for q in 电话多少 电话多少 电话多少 '今天天气怎么样' 公益性; do
	"${CTL[@]}" simulate "$q" >/dev/null 2>&1
done
api GET /api/stats/items
is "$STATUS" 200 "GET /api/stats/items"
echo "$BODY" | grep -q '"items":\[{"id":"contact","title":"[^"]*","hits":3}'
ok $? "the most served item comes first with its hits"
# Days are the office's (WXKB_TIMEZONE, Asia/Shanghai by default).
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
month=$(TZ=Asia/Shanghai date +%Y-%m)
echo "$BODY" | grep -q "\"date\":\"$today\",\"answered\":[0-9]*,\"suggested\":[0-9]*,\"unanswered\":[1-9]"
ok $? "today's answered/suggested/unanswered counts"
api GET /api/stats/unanswered
is "$STATUS" 200 "GET /api/stats/unanswered"
echo "$BODY" | grep -q '今天天气怎么样'
ok $? "the unanswered question is listed"
api GET "/api/stats/export?month=$month"
is "$STATUS" 200 "GET /api/stats/export?month="
echo "$HEADERS" | grep -qx 'Content-Type: text/csv; charset=utf-8'
ok $? "the export is text/csv in UTF-8"
echo "$HEADERS" | grep -q '^Content-Disposition: attachment; filename="wxkb-stats-'
ok $? "the export is a download"
head -n 1 "$WORK/body" | tr -d '\r' | sed 's/^\xef\xbb\xbf//' | grep -qx '日期,答上,给出建议,未答上,回答率'
ok $? "the CSV starts with its header row, in Chinese"
rows=$(grep -c "^$month-[0-9][0-9]," "$WORK/body")
is "$rows" "$(TZ=Asia/Shanghai date +%d | sed 's/^0//')" "one row per day of the month so far, none to come"
grep -q "^$today," "$WORK/body"
ok $? "today is the last row of days"
grep -q '今天天气怎么样' "$WORK/body"
ok $? "the CSV lists the month's unanswered questions"
api GET /api/stats/export?month=13
is "$STATUS" 400 "a bad month is 400"

# --- persistence across a restart ---------------------------------------
api GET /api/kb
rev_before=$(json revision)
stop_wxkbd
ok $? "wxkbd stops cleanly"
start_wxkbd || { ok 1 "restart"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
api GET /api/kb
is "$(json revision)" "$rev_before" "the revision survives a restart"
api GET /api/kb/history
echo "$BODY" | grep -q '"action":"restore"'
ok $? "the history survives a restart"
api GET /api/stats/items
echo "$BODY" | grep -q '"id":"contact","title":"[^"]*","hits":3'
ok $? "the statistics survive a restart"
api GET /api/kb/items/apply-how
api PUT /api/kb/items/apply-how "$(etag)" '{"title":"依申请公开怎么申请","keywords":["依申请公开"],"reply":{"type":"text","content":"重启以后的修改"}}'
is "$STATUS" 200 "writes go on after a restart"
is "$(json revision)" "$((rev_before + 1))" "revisions go on from where they were"
stop_wxkbd

# --- a full disk --------------------------------------------------------
# The file size limit stands in for a full disk: the history copy fits,
# the larger new file does not.  SIGXFSZ is ignored, so writes fail.
size=$(stat -c %s "$WORK/state/kb.json")
cat >"$WORK/fsize.sh" <<-EOF
	#!/bin/sh
	trap '' XFSZ
	exec prlimit --fsize=$((size + 30000)) -- "\$@"
	EOF
chmod +x "$WORK/fsize.sh"
cp "$WORK/state/kb.json" "$WORK/kb.before"
WXKBD_WRAPPER="$WORK/fsize.sh" start_wxkbd || { ok 1 "start with a file size limit"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
api GET /api/kb
rev=$(json revision)
gen=$(json generation)
long=$(head -c 60000 /dev/zero | tr '\0' 'x')
api POST /api/kb/items "$rev" "{\"id\":\"big\",\"title\":\"大\",\"keywords\":[\"很大的条目\"],\"reply\":{\"type\":\"text\",\"content\":\"$long\"}}"
is "$STATUS" 507 "a full disk refuses the change with 507"
echo "$BODY" | grep -q '"error":"the change could not be saved' && echo "$BODY" | grep -q 'File too large'
ok $? "with a clear error naming the cause"
cmp -s "$WORK/state/kb.json" "$WORK/kb.before"
ok $? "the old file stays as it was"
api GET /api/kb
is "$(json revision)/$(json generation)" "$rev/$gen" "the old revision and generation stay"
grep -q 'event=kb_save_failed' "$WORK/wxkbd.log"
ok $? "the failure is logged"
ls -a "$WORK/state" | grep -q '^\.kb\.json\.'
ok $((! $?)) "no temporary file is left behind"
stop_wxkbd

# --- kill -9 while saving -----------------------------------------------
# Writes in a loop, the daemon killed at a random moment, 20 times: the
# file is always the old or the new one, never torn, and holds at least
# every save that was answered 200.
writer() { # ROUND
	local i=0 r code
	while :; do
		i=$((i + 1))
		r=$(curl -s -m 5 -D - -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" \
		    "$A/api/kb/items/report-download" | tr -d '\r' |
		    sed -n 's/^ETag: "\([0-9]*\)"$/\1/p')
		[ -n "$r" ] || { sleep 0.01; continue; }
		code=$(curl -s -m 5 -o "$WORK/wbody" -w '%{http_code}' -X PUT \
		    -H "Authorization: Bearer $ADMIN_TOKEN" \
		    -H "If-Match: $r" -H 'Content-Type: application/json' \
		    --data-binary "$(item_json report-download "下载$1x$i" "第 $1 轮第 $i 次保存")" \
		    "$A/api/kb/items/report-download")
		[ "$code" = 200 ] && grep -o '"revision":[0-9]*' "$WORK/wbody" |
		    head -n 1 | cut -d: -f2 >>"$WORK/acked"
	done
}
torn=0
lost=0
last=0
backwards=0
for round in $(seq 1 20); do
	start_wxkbd >/dev/null || { torn=$((torn + 1)); continue; }
	A="http://127.0.0.1:$ADMIN_PORT"
	writer "$round" &
	wpid=$!
	sleep "0.$((RANDOM % 50 + 10))"
	kill -9 "$WXKBD_PID"
	wait "$WXKBD_PID" 2>/dev/null
	WXKBD_PID=
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	if ! "$WXKBCTL" check "$WORK/state/kb.json" >"$WORK/check.out" 2>&1; then
		torn=$((torn + 1))
		echo "# round $round:"; sed 's/^/#   /' "$WORK/check.out"
	fi
	r=$(grep -m 1 -o '"revision": [0-9]*' "$WORK/state/kb.json" | cut -d' ' -f2)
	[ "${r:-0}" -lt "$last" ] && backwards=$((backwards + 1))
	acked=$(tail -n 1 "$WORK/acked" 2>/dev/null)
	[ "${r:-0}" -lt "${acked:-0}" ] && lost=$((lost + 1))
	last=${r:-0}
done
# A temporary file left behind is a kill that landed inside a save.
echo "# temporary files left by kills inside a save: $(ls -a "$WORK/state" "$WORK/state/history" | grep -c '^\.[a-z]')"
is "$torn" 0 "after 20 kill -9 during saves the file always checks"
is "$backwards" 0 "and its revision never goes back"
is "$lost" 0 "and it holds every save answered 200"
[ "$last" -gt "$rev_before" ]
ok $? "saves were made between the kills (revision $last, $(wc -l <"$WORK/acked") answered)"
start_wxkbd || { ok 1 "start after the kills"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
api GET /api/kb
is "$(json revision)" "$last" "the daemon starts on the last saved revision"
stop_wxkbd

# --- the office's time zone ---------------------------------------------
# A day of the statistics is a date in WXKB_TIMEZONE: two zones 26 hours
# apart never share a date, so each run's one day names its own zone.
for zone in Etc/GMT+12 Pacific/Kiritimati; do
	dir="$WORK/tz-$(echo "$zone" | tr '/+' '__')"
	mkdir -p "$dir"
	start_wxkbd "WXKB_TIMEZONE=$zone" "WXKB_STATE_DIR=$dir" ||
	    { ok 1 "start in $zone"; continue; }
	A="http://127.0.0.1:$ADMIN_PORT"
	"${CTL[@]}" simulate '电话多少' >/dev/null 2>&1
	api GET /api/stats/items
	days=$(echo "$BODY" | grep -o '"date":"[0-9-]*"' | cut -d'"' -f4 | tr '\n' ' ')
	is "$days" "$(TZ=$zone date +%Y-%m-%d) " "in $zone the day counted is $zone's date"
	stop_wxkbd
done
out=$(WXKB_TIMEZONE=Mars/Base "$WXKBD" --config "$WORK/wxkbd.conf" --check-config 2>&1)
rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q 'WXKB_TIMEZONE: no time zone .*Mars/Base'
ok $? "an unknown time zone is refused with the key named: $out"
finish
