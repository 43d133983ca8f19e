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
echo "$out" | grep -q '登录口令 (sign in with): demo-admin-token-change-me'
ok $? "and how to sign in to it"

start_wxkbd || { ok 1 "wxkbd starts"; finish; }
out=$(sh daemon/run_banner.sh "$WORK/wxkbd.conf" "$WXKBCTL")
url=$(echo "$out" | sed -n 's/.*(admin page): *//p')
token=$(echo "$out" | sed -n 's/.*(sign in with): *//p')
is "$url" "http://127.0.0.1:$ADMIN_PORT/admin/" "the banner names the admin listener configured"
is "$(curl -s -m 5 -o "$WORK/page" -w '%{http_code}' "$url")" 200 "the URL printed serves the admin page"
grep -q '知识库管理' "$WORK/page"
ok $? "it is the admin page"
is "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$ADMIN_PORT/api/kb")" 200 "the sign-in printed is accepted"
cmd=$(echo "$out" | sed -n "s/^ *\(.*simulate '街道办电话多少'\)$/\1/p")
eval "$cmd" | grep -q 87841022
ok $? "the command printed to act as WeChat gets the office phone"

out=$(WXKB_ADMIN_LISTEN= sh daemon/run_banner.sh "$WORK/wxkbd.conf")
! echo "$out" | grep -q 'admin page'
ok $? "no admin page named when the environment turns the listener off"
finish
