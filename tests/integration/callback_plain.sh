#!/usr/bin/env bash
# The public listener in plain mode, talked to as WeChat would: URL
# verification, messages, retries, replays and every refusal's status.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

start_wxkbd WXKB_MODE=plain || { ok 1 "wxkbd starts"; finish; }
ok 0 "wxkbd starts in plain mode"

now=$(date +%s)
s=$(sig "$TOKEN" "$now" 12345)
got=$(curl -s -m 5 "$URL?signature=$s&timestamp=$now&nonce=12345&echostr=4375120948345356249")
is "$got" "4375120948345356249" "GET verification echoes echostr exactly"

code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?signature=0000000000000000000000000000000000000000&timestamp=$now&nonce=12345&echostr=1")
is "$code" 403 "GET with a forged signature is 403"
S=$(echo "$s" | tr a-f A-F)
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?signature=$S&timestamp=$now&nonce=12345&echostr=1")
is "$code" 403 "GET with an upper-case signature is 403"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?timestamp=$now&nonce=12345&echostr=1")
is "$code" 403 "GET without a signature is 403"
old=$((now - 301))
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?signature=$(sig "$TOKEN" $old 1)&timestamp=$old&nonce=1&echostr=1")
is "$code" 403 "GET with a stale timestamp is 403"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?signature=$s&signature=$s&timestamp=$now&nonce=12345&echostr=1")
is "$code" 400 "a duplicated parameter is 400"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL?signature=$s&timestamp=$now&nonce=12345&echostr=%zz")
is "$code" 400 "bad percent-encoding is 400"

q=$(plain_query "$now" 1001)
post "$q" "$(text_xml oResident1 7301234567890123456 '街道办电话多少啊？')"
is "$STATUS" 200 "a text message is answered with 200"
echo "$BODY" | grep -q '87841022'
ok $? "the answer to 街道办电话多少啊？ holds the office phone"
echo "$BODY" | grep -q '<ToUserName><!\[CDATA\[oResident1\]\]></ToUserName>'
ok $? "the reply is addressed to the resident"
first=$(echo "$BODY" | sed 's/<CreateTime>[0-9]*<\/CreateTime>//')

q=$(plain_query "$now" 1002)
post "$q" "$(text_xml oResident1 7301234567890123456 '街道办电话多少啊？')"
again=$(echo "$BODY" | sed 's/<CreateTime>[0-9]*<\/CreateTime>//')
is "$STATUS" 200 "WeChat's retry (new nonce, same MsgId) is answered"
is "$again" "$first" "the retry gets the same answer"

q=$(plain_query "$now" 1002)
post "$q" "$(text_xml oResident1 7301234567890123456 '街道办电话多少啊？')"
is "$STATUS" 200 "a repeated nonce carrying the same message is a retry"
post "$q" "$(text_xml oResident1 7301234567890123999 '别的问题')"
is "$STATUS" 403 "a repeated nonce carrying another message is a replay"

q=$(plain_query "$now" 1003)
post "$q" '<xml><ToUserName>a</ToUserName>'
is "$STATUS" 400 "truncated XML is 400"
q=$(plain_query "$now" 1004)
post "$q" '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
is "$STATUS" 400 "a DOCTYPE is 400"
q=$(plain_query "$now" 1005)
post "$q" '<xml><MsgType>text</MsgType></xml>'
is "$STATUS" 400 "a message without FromUserName is 400"

head -c 65537 /dev/zero | tr '\0' 'a' >"$WORK/big"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST --data-binary @"$WORK/big" "$URL?$(plain_query "$now" 1006)")
is "$code" 413 "a body of 64 KiB + 1 is 413"
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://127.0.0.1:$PORT/healthz")
is "$code" 400 "headers over 8 KiB are refused with 400"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT --data x "$URL?$(plain_query "$now" 1007)")
is "$code" 405 "PUT is 405"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
is "$code" 404 "an unknown path is 404"
health=$(curl -s -m 5 "http://127.0.0.1:$PORT/healthz")
echo "$health" | grep -q '"generation":1'
ok $? "/healthz reports generation 1"

q=$(plain_query "$now" 1008)
post "$q" '<xml><ToUserName><![CDATA[gh_test0000000]]></ToUserName><FromUserName><![CDATA[oResident2]]></FromUserName><CreateTime>1700000100</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>'
echo "$BODY" | grep -q '<MsgType><!\[CDATA\[text\]\]></MsgType>'
ok $? "subscribe is answered with the welcome text"
q=$(plain_query "$now" 1009)
post "$q" '<xml><ToUserName><![CDATA[gh_test0000000]]></ToUserName><FromUserName><![CDATA[oResident2]]></FromUserName><CreateTime>1700000101</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event></xml>'
is "$BODY" "success" "unsubscribe is answered with success"

out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '怎么申请政府信息公开' 2>&1)
ok $? "wxkbctl simulate gets an answer in plain mode"
echo "# $out" | head -3

kill -0 "$WXKBD_PID"
ok $? "wxkbd is still serving after every refusal"
grep -q 'oResident1' "$WORK/wxkbd.log"
ok $((! $?)) "no clear OpenID in the log"
grep -q "$TOKEN" "$WORK/wxkbd.log"
ok $((! $?)) "no token in the log"
stop_wxkbd
is "$?" 0 "SIGTERM stops wxkbd with status 0"
finish
