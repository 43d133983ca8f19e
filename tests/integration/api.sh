#!/usr/bin/env bash
# The daemon with the active API on, against the fake WeChat API on
# loopback: one token for everything, a long answer delivered whole
# through customer-service messages, a resident answered at once while the
# API stalls, and push / menu sync driven by wxkbctl through the daemon.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

start_fake_wechat itestsecret || { ok 1 "the fake WeChat API starts"; finish; }
control() { curl -s -m 5 -X POST -d "$1" "$API/control" >/dev/null; }
count() { curl -s -m 5 "$API/control/stats" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

# A knowledge base with one very long answer.
mkdir -p "$WORK/state"
long=$(printf '王哥庄街道政务公开第%03d条说明。' $(seq 1 100))
sed "s|\"items\": \[|\"items\": [{\"id\": \"long\", \"title\": \"长回答\", \"keywords\": [\"长回答测试\"], \"reply\": {\"type\": \"text\", \"content\": \"$long\"}},|" \
    kb/data/wanggezhuang.json >"$WORK/state/kb.json"
"$WXKBCTL" check "$WORK/state/kb.json" >/dev/null
ok $? "the test knowledge base with a ${#long}-character answer is valid"

start_wxkbd "WXKB_APPSECRET=itestsecret" "WXKB_API_BASE=$API" || { ok 1 "start"; finish; }
ok 0 "wxkbd starts with the API on"
sleep 0.5
is "$(count /cgi-bin/stable_token)" 1 "a cold start fetches one token"

"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --openid oLongAnswer1 '长回答测试' >"$WORK/long.out" 2>&1
ok $? "a resident asks for the long answer"
for _ in $(seq 1 50); do
	[ "$(grep -c 'custom/send' "$WORK/api.log")" -ge 2 ] && break
	sleep 0.1
done
passive=$(sed -n '2,$p' "$WORK/long.out" | tr -d '\n')
rest=$(grep 'custom/send' "$WORK/api.log" | grep -o '"content":"[^"]*"' | sed 's/"content":"//; s/"$//' | tr -d '\n')
is "$passive$rest" "$long" "passive part + customer-service parts, in order, make the whole answer"
grep 'custom/send' "$WORK/api.log" | grep -q '"touser":"oLongAnswer1"'
ok $? "the parts go to the resident who asked"

control '{"slow":10}'
start=$(date +%s%N)
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --openid oLongAnswer2 '长回答测试' >/dev/null
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 1000 ]
ok $? "with the API stalled for 10 s a resident is answered at once (${took} ms with the client's own start-up)"
control '{"clear":true}'

cat >"$WORK/article.json" <<'JSON'
{"title": "王哥庄街道2020年政府信息公开工作年度报告",
 "author": "王哥庄街道办事处", "digest": "一文看懂",
 "content": "<p>报告全文见崂山政务网。</p>",
 "content_source_url": "http://www.laoshan.gov.cn/",
 "thumb": "cover.jpg"}
JSON
cp tests/data/push/cover.jpg "$WORK/cover.jpg"
out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" push "$WORK/article.json" --publish 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
ok $rc "wxkbctl push --publish walks thumb, draft and publish"
for p in material/add_material draft/add freepublish/submit; do
	grep -q "cgi-bin/$p" "$WORK/api.log"
	ok $? "push called $p"
done
n=$(grep -c 'draft/add' "$WORK/api.log")
"$WXKBCTL" --config "$WORK/wxkbd.conf" push "$WORK/article.json" --publish >/dev/null 2>&1
is "$(grep -c 'draft/add' "$WORK/api.log")" "$n" "repeating the push sends nothing twice"

# The admin page's way: answered at once (202), then followed by key.
adm() { curl -s -m 5 -o "$WORK/adm.out" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" "$@"; }
b64=$(base64 -w0 tests/data/push/cover.jpg)
printf '{"article":{"title":"第二篇","content":"<p>正文</p>","thumb_name":"cover.jpg","thumb_base64":"%s"},"publish":false,"mass_send":false,"preview_wxname":"wxkb_tester01","wait":false}' "$b64" >"$WORK/push2.json"
is "$(adm -X POST -H 'Content-Type: application/json' --data-binary @"$WORK/push2.json" "http://127.0.0.1:$ADMIN_PORT/api/push")" 202 "POST /api/push with wait false answers 202 at once"
key=$(grep -o '"key":"wxkb-[0-9a-f]*"' "$WORK/adm.out" | cut -d'"' -f4)
grep -q '"state":"running"' "$WORK/adm.out"
ok $? "the first answer says the push runs"
for _ in $(seq 1 50); do
	adm "http://127.0.0.1:$ADMIN_PORT/api/push/$key" >/dev/null
	grep -q '"state":"running"' "$WORK/adm.out" || break
	sleep 0.1
done
grep -q '"state":"done"' "$WORK/adm.out" && grep -q '"preview":"done"' "$WORK/adm.out"
ok $? "GET /api/push/KEY follows it to the end: $(cat "$WORK/adm.out" | cut -c1-200)"
grep 'mass/preview' "$WORK/api.log" | grep -q '"towxname":"wxkb_tester01"'
ok $? "the preview went to the 微信号 as towxname"
is "$(adm "http://127.0.0.1:$ADMIN_PORT/api/push/wxkb-00000000000000000000000000000000")" 404 "an unknown push is a 404"
is "$(adm "http://127.0.0.1:$ADMIN_PORT/api/push/..%2Fkb")" 404 "a malformed key is a 404"
is "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ADMIN_PORT/api/push/$key")" 401 "GET /api/push/KEY needs the token"

out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" menu sync 2>&1)
ok $? "wxkbctl menu sync: $out"
grep 'menu/create' "$WORK/api.log" | grep -q '"key":"CONTACT"'
ok $? "the menu holds the knowledge base's menu keys"
is "$(count /cgi-bin/stable_token)" 1 "everything ran on the one token"
stop_wxkbd
ok $? "wxkbd stops cleanly with the API on"
grep -q 'itestsecret' "$WORK/wxkbd.log"
ok $((! $?)) "the AppSecret is not in the log"

# Audit finding 5: a hostile token endpoint hands out a token that would
# add a query parameter to every call and break the cache's JSON.
control '{"token":"TOK\"x&evil=1#"}'
rm -f "$WORK/state/access_token.json"
sends=$(grep -c 'custom/send' "$WORK/api.log")
start_wxkbd "WXKB_APPSECRET=itestsecret" "WXKB_API_BASE=$API" || { ok 1 "restart"; finish; }
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate --openid oLongAnswer3 '长回答测试' >/dev/null 2>&1
for _ in $(seq 1 150); do grep -q 'no usable access_token' "$WORK/wxkbd.log" && break; sleep 0.1; done
grep -q 'no usable access_token' "$WORK/wxkbd.log"
ok $? "a token with '\"', '&' or '#' is refused"
is "$(grep -c 'custom/send' "$WORK/api.log")" "$sends" "no call is made with it"
[ ! -e "$WORK/state/access_token.json" ]
ok $? "no cache holds it"
stop_wxkbd
finish
