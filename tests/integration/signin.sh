#!/usr/bin/env bash
# Staff sign-in on the real daemon (docs/admin-api.md, "Sessions"):
# accounts made by wxkbctl user, the session cookie and its flags, the
# CSRF token a change must carry, the editor's refusal to push, history
# and audit naming the person, sign-out, a new password ending sessions,
# the Secure flag behind TLS, and failed sign-ins backing off.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

# req METHOD PATH [BODY [HEADER...]]: with the cookie jar; sets STATUS,
# BODY and HEADERS.
req() {
	local m=$1 p=$2 body=${3:-} args
	shift 3 2>/dev/null || shift $#
	args=(-s -m 10 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}'
	    -b "$WORK/jar" -c "$WORK/jar" -X "$m")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json'
	    --data-binary "$body")
	for h in "$@"; do args+=(-H "$h"); done
	STATUS=$(curl "${args[@]}" "$A$p")
	BODY=$(cat "$WORK/body")
	HEADERS=$(tr -d '\r' <"$WORK/headers")
}
csrf() { echo "$BODY" | sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p'; }
item() { # KEYWORD: the reply item report-download with KEYWORD
	printf '{"id":"report-download","title":"年度报告电子版在哪下载","keywords":["%s","电子版"],"reply":{"type":"text","content":"请到崂山政务网下载年报。"}}' "$1"
}
signin() { # NAME PASSWORD
	req POST /api/session "{\"name\":\"$1\",\"password\":\"$2\"}"
}

start_wxkbd || { ok 1 "start"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
CTL=("$WXKBCTL" --config "$WORK/wxkbd.conf")

# --- accounts -----------------------------------------------------------
echo 'wangfang-pass-2020' | "${CTL[@]}" user add 王芳 >/dev/null 2>&1
ok $? "wxkbctl user add makes an editor from a password on stdin"
echo 'li-publisher-2020' | "${CTL[@]}" user add lijun --role publisher >/dev/null 2>&1
ok $? "and a publisher"
echo 'short' | "${CTL[@]}" user add zhao >/dev/null 2>&1
is $? 1 "a password under 8 characters is refused"
echo 'token-token-token' | "${CTL[@]}" user add token >/dev/null 2>&1
is $? 2 "the name the bearer token acts as is refused"
is "$("${CTL[@]}" user list | tr '\t\n' ': ')" "王芳:editor lijun:publisher " \
    "wxkbctl user list names them with their roles"
is "$(stat -c %a "$WORK/state/users.json")" 600 "the accounts file is 0600"
! grep -q 'wangfang-pass-2020' "$WORK/state/users.json"
ok $? "it holds no clear password"

# --- sign-in ------------------------------------------------------------
req GET /api/session
is "$STATUS" 401 "GET /api/session without a session: 401"
signin 王芳 wrong-password
is "$STATUS" 401 "a wrong password: 401"
echo "$BODY" | grep -q '"message_zh":"用户名或密码不对"'
ok $? "with a Chinese message"
signin nobody wangfang-pass-2020
is "$STATUS" 401 "an unknown name: 401 alike"
grep -q 'event=admin_signin_failed' "$WORK/wxkbd.log"
ok $? "failed sign-ins are logged"
! grep -q 'wrong-password' "$WORK/wxkbd.log"
ok $? "without the password tried"
req POST /api/session 'name=王芳&password=x'
is "$STATUS" 400 "a body that is not JSON: 400"
req POST /api/session '{"name":1,"password":"x"}'
is "$STATUS" 400 "a name that is not a string: 400"
req POST /api/session '{"name":"王芳","password":"a","password":"b"}'
is "$STATUS" 400 "a key given twice: 400"
req POST /api/session "{\"name\":\"王芳\",\"password\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
is "$STATUS" 400 "a body over 4 KiB: 400"
req POST /api/session "{\"name\":\"王芳\",\"password\":\"$(head -c 1100 /dev/zero | tr '\0' x)\"}"
is "$STATUS" 401 "a password over 1 KiB is simply wrong"
req PUT /api/session '{}'
is "$STATUS" 405 "PUT /api/session: 405"
kill -0 "$WXKBD_PID"
ok $? "wxkbd is still up"

signin 王芳 wangfang-pass-2020
is "$STATUS" 200 "the right password signs in"
cookie=$(echo "$HEADERS" | grep -i '^Set-Cookie: wxkb_session=')
echo "$cookie" | grep -q 'HttpOnly' && echo "$cookie" | grep -q 'SameSite=Strict' &&
    echo "$cookie" | grep -q 'Path=/'
ok $? "the cookie is HttpOnly and SameSite=Strict ($cookie)"
! echo "$cookie" | grep -q 'Secure'
ok $? "and not Secure on plain loopback"
echo "$BODY" | grep -q '"name":"王芳"' && echo "$BODY" | grep -q '"role":"editor"'
ok $? "the answer names the person and the role"
token=$(csrf)
is "${#token}" 64 "and gives a CSRF token"
grep -q 'event=admin_signin .*person=王芳' "$WORK/wxkbd.log"
ok $? "the sign-in is logged with the person"
req GET /api/session
is "$STATUS" 200 "GET /api/session says who is signed in"
is "$(csrf)" "$token" "with the same CSRF token"

# --- reads and changes with the session -----------------------------------
req GET /api/kb/items/report-download
is "$STATUS" 200 "a read needs only the cookie"
req PUT /api/kb/items/report-download "$(item 下载年报)" 'If-Match: 0'
is "$STATUS" 403 "a change without the CSRF token: 403"
echo "$BODY" | grep -q 'message_zh'
ok $? "with a Chinese message"
req PUT /api/kb/items/report-download "$(item 下载年报)" 'If-Match: 0' \
    "X-CSRF-Token: $(printf '%064d' 0)"
is "$STATUS" 403 "a wrong CSRF token: 403"
! grep -q '下载年报' "$WORK/state/kb.json"
ok $? "and nothing changed"
req PUT /api/kb/items/report-download "$(item 下载年报)" 'If-Match: 0' \
    "X-CSRF-Token: $token"
is "$STATUS" 200 "the editor changes an answer with the CSRF token"
grep -q 'event=kb_audit .*person=王芳 item=report-download action=update' "$WORK/wxkbd.log"
ok $? "the audit line names the person"
grep -q 'event=kb_audit .*by 王芳' "$WORK/wxkbd.log"
ok $? "and so does its message"
req GET /api/kb/history
echo "$BODY" | grep -q '"revision":1[^}]*"by":"王芳"'
ok $? "the history entry names the person"
req GET /api/kb/items/report-download/history
echo "$BODY" | grep -q '"by":"王芳"'
ok $? "so does the item's history"

req POST /api/menu/sync '{}' "X-CSRF-Token: $token"
is "$STATUS" 403 "an editor may not sync the menu"
echo "$BODY" | grep -q '"message_zh":"只有发布员'
ok $? "and is told so in Chinese"
req POST /api/push '{}' "X-CSRF-Token: $token"
is "$STATUS" 403 "nor push an article"

# The bearer token still works for scripts, and is named "token".
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X PUT \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H 'If-Match: 1' \
    -H 'Content-Type: application/json' --data-binary "$(item 年报下载)" \
    "$A/api/kb/items/report-download")
is "$code" 200 "the bearer token still changes answers"
grep -q 'event=kb_audit .*person=token item=report-download' "$WORK/wxkbd.log"
ok $? "and is named token in the audit"

# --- sign-out -------------------------------------------------------------
req DELETE /api/session
is "$STATUS" 403 "sign-out without the CSRF token: 403"
req DELETE /api/session '' "X-CSRF-Token: $token"
is "$STATUS" 200 "sign-out"
echo "$HEADERS" | grep -qi '^Set-Cookie: wxkb_session=;.*Max-Age=0'
ok $? "clears the cookie"
grep -q 'event=admin_signout .*person=王芳' "$WORK/wxkbd.log"
ok $? "and is logged"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' \
    -H "Cookie: $(echo "$cookie" | sed 's/^Set-Cookie: //I; s/;.*//')" \
    "$A/api/kb")
is "$code" 401 "the old cookie no longer opens the API"

# --- roles and a new password -----------------------------------------------
signin lijun li-publisher-2020
is "$STATUS" 200 "the publisher signs in"
echo "$BODY" | grep -q '"role":"publisher"'
ok $? "as publisher"
req POST /api/menu/sync '{}' "X-CSRF-Token: $(csrf)"
[ "$STATUS" != 403 ] && [ "$STATUS" != 401 ]
ok $? "the publisher is not refused the menu sync (status $STATUS: the API is off here)"
echo 'li-new-password-1' | "${CTL[@]}" user passwd lijun >/dev/null 2>&1
ok $? "wxkbctl user passwd sets a new password"
req GET /api/kb
is "$STATUS" 401 "a new password ends the sessions signed in with the old"
echo "$BODY" | grep -q '登录已过期'
ok $? "with a Chinese message"
signin lijun li-new-password-1
is "$STATUS" 200 "the new password signs in"
"${CTL[@]}" user del lijun >/dev/null 2>&1
ok $? "wxkbctl user del"
req GET /api/kb
is "$STATUS" 401 "a deleted account's session ends"

# --- passwords checked off the loop ---------------------------------------
# A password takes most of a second to check; residents' callbacks on the
# same loop must not wait for it.  Whatever finishes first writes first.
ORDER=$WORK/order
: >"$ORDER"
( curl -s -m 10 -o /dev/null -H 'Content-Type: application/json' \
    --data-binary '{"name":"王芳","password":"wangfang-pass-2020"}' \
    "$A/api/session"; echo signin >>"$ORDER" ) &
SIGNIN_PID=$!
sleep 0.1
curl -s -m 10 -o /dev/null "http://127.0.0.1:$PORT/healthz"
echo healthz >>"$ORDER"
wait "$SIGNIN_PID"
is "$(tr '\n' ' ' <"$ORDER")" "healthz signin " \
    "the public listener answers while a password is being checked"
# More sign-ins at once than the checker queues: the rest are refused.
pids=
for i in 1 2 3 4 5 6 7; do
	curl -s -m 20 -o "$WORK/par.$i" -w '%{http_code}\n' \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"name":"王芳","password":"wangfang-pass-2020"}' \
	    "$A/api/session" >"$WORK/par.$i.status" &
	pids="$pids $!"
done
wait $pids
statuses=$(cat "$WORK"/par.*.status | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
is "$(cat "$WORK"/par.*.status | grep -vc '^200$\|^503$')" 0 \
    "seven sign-ins at once: each is signed in or refused ($statuses)"
n200=$(grep -l '^200$' "$WORK"/par.*.status | wc -l)
[ "$n200" -ge 4 ] && [ "$n200" -lt 7 ]
ok $? "the checker's queue of four is signed in, the rest refused ($n200 signed in)"
grep -l '同时登录的人太多' "$WORK"/par.? >/dev/null
ok $? "the others get 503 with a Chinese message"

# --- back-off -------------------------------------------------------------
for _ in $(seq 1 9); do signin 王芳 not-the-password; done
# The tenth failure and the right password from one curl: the first wait
# is a second, which a loaded machine could let pass between two.
STATUS=$(curl -s -m 10 -o /dev/null -w '%{http_code} ' \
    -H 'Content-Type: application/json' \
    --data-binary '{"name":"王芳","password":"not-the-password"}' \
    "$A/api/session" --next -s -m 10 -o "$WORK/body" -D "$WORK/headers" \
    -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"name":"王芳","password":"wangfang-pass-2020"}' \
    "$A/api/session")
is "$STATUS" "401 429" "after ten failed sign-ins the right password waits too"
grep -q '^Retry-After: 1' "$WORK/headers"
ok $? "for a second (Retry-After)"
grep -q '登录失败次数太多' "$WORK/body"
ok $? "with a Chinese message"

# --- behind TLS: Secure -------------------------------------------------------
stop_wxkbd
start_wxkbd WXKB_ADMIN_INSECURE_LISTEN=yes || { ok 1 "restart"; finish; }
A="http://127.0.0.1:$ADMIN_PORT"
signin 王芳 wangfang-pass-2020
is "$STATUS" 200 "accounts outlive a restart"
echo "$HEADERS" | grep -i '^Set-Cookie: wxkb_session=' | grep -q '; Secure'
ok $? "behind TLS (WXKB_ADMIN_INSECURE_LISTEN=yes) the cookie is Secure"
finish
