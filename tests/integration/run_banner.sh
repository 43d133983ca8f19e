#!/usr/bin/env bash
# What `make run` prints leads a newcomer to the admin page: the URL it
# names serves the page, and the sign-in it names is accepted.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

make -n run BUILD="$BUILD" 2>/dev/null | grep -q 'run_banner.sh systemd/wxkbd.conf'
ok $? "make run prints the banner for the configuration it starts with"

out=$(sh daemon/run_banner.sh systemd/wxkbd.conf)
echo "$out" | grep -q 'http://127.0.0.1:8081/admin/'
ok $? "the demo configuration's admin page is named"
echo "$out" | grep -q '管理口令 (admin token): demo-admin-token-change-me'
ok $? "and the admin token for scripts"
! echo "$out" | grep -q '用户名'
ok $? "no demo staff login outside the demo configuration"

start_wxkbd || { ok 1 "wxkbd starts"; finish; }
out=$(sh daemon/run_banner.sh "$WORK/wxkbd.conf" "$WXKBCTL")
url=$(echo "$out" | sed -n 's/.*(admin page): *//p')
token=$(echo "$out" | sed -n 's/.*(admin token): *//p')
is "$url" "http://127.0.0.1:$ADMIN_PORT/admin/" "the banner names the admin listener configured"
is "$(curl -s -m 5 -o "$WORK/page" -w '%{http_code}' "$url")" 200 "the URL printed serves the admin page"
grep -q '知识库管理' "$WORK/page"
ok $? "it is the admin page"
is "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$ADMIN_PORT/api/kb")" 200 "the admin token printed is accepted"
! [ -e "$WORK/state/users.json" ]
ok $? "no staff account made without WXKB_DEMO=yes"
out=$(WXKB_DEMO=yes sh daemon/run_banner.sh "$WORK/wxkbd.conf" "$WXKBCTL")
name=$(echo "$out" | sed -n 's/.*(name): *//p')
pw=$(echo "$out" | sed -n 's/.*(password): *//p')
is "$name" demo "the demo configuration prints a staff login"
[ "${#pw}" -ge 12 ]
ok $? "with a random password"
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "{\"name\":\"$name\",\"password\":\"$pw\"}" \
    "http://127.0.0.1:$ADMIN_PORT/api/session")" 200 "the staff login printed signs in"
out2=$(WXKB_DEMO=yes sh daemon/run_banner.sh "$WORK/wxkbd.conf" "$WXKBCTL")
is "$(echo "$out2" | sed -n 's/.*(password): *//p')" "$pw" "a second run prints the same login"
cmd=$(echo "$out" | sed -n "s/^ *\(.*simulate '街道办电话多少'\)$/\1/p")
eval "$cmd" | grep -q 87841022
ok $? "the command printed to act as WeChat gets the office phone"

out=$(WXKB_ADMIN_LISTEN= sh daemon/run_banner.sh "$WORK/wxkbd.conf")
! echo "$out" | grep -q 'admin page'
ok $? "no admin page named when the environment turns the listener off"
finish
