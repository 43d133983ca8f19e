#!/usr/bin/env bash
# The admin page end to end: the real wxkbd serves /admin/ and the API,
# headless Chromium (Debian's, driven by playwright-core) signs in, edits
# the contact item's keywords and saves, and wxkbctl simulate then gets
# the new answer; conflicts, invalid edits, unanswered questions, history,
# push with a cover image, menu sync and the phone layout too (tests/browser/editor.test.js prints the TAP).
#
#   tests/integration/browser.sh [--screenshot]
# --screenshot (or SCREENSHOT=1) also writes docs/admin-editor.png; the
# screenshots, laptop and phone size, are kept in $BUILD/browser/ (or
# WXKB_OUT) as the test's artifacts.  Push and menu sync go to the fake
# WeChat API (tests/tools/fake_wechat.c) on loopback.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if [ "${1:-}" = --screenshot ]; then
	export SCREENSHOT=1
fi

# Installed by make test-deps; missing, they are a failure, not a skip.
why=
if ! command -v node >/dev/null; then
	why="node is installed"
elif [ ! -d tests/browser/node_modules/playwright-core ]; then
	why="playwright-core is installed (cd tests/browser && npm ci)"
elif [ ! -x /usr/bin/chromium ]; then
	why="/usr/bin/chromium is installed (apt-get install chromium)"
fi
if [ -n "$why" ]; then
	ok 1 "$why (make test-deps)"
	finish
fi

# The fake WeChat API on loopback: push and menu sync go through to it.
if ! start_fake_wechat btestsecret; then
	echo "not ok 1 - the fake WeChat API starts"
	exit 1
fi
# Publishing takes one "still publishing" poll, as on the platform.
curl -s -m 5 -X POST -d '{"publish_polls":1,"publish_status":0}' \
    "$API/control" >/dev/null

start_wxkbd "WXKB_APPSECRET=btestsecret" "WXKB_API_BASE=$API" ||
    { ok 1 "wxkbd starts"; finish; }

# Two questions residents asked that nobody answers yet: the page's list
# of unanswered questions starts from these.
for q in '请问垃圾分类几点收' '社区医院几点开门' '今天天气怎么样'; do
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate "$q" >/dev/null 2>&1
done

WXKB_ADMIN_URL="http://127.0.0.1:$ADMIN_PORT" \
WXKB_ADMIN_TOKEN="$ADMIN_TOKEN" \
WXKBCTL="$WXKBCTL" \
WXKBD_CONF="$WORK/wxkbd.conf" \
WXKB_OUT="${WXKB_OUT:-$BUILD/browser}" \
WXKB_FAKE_API="$API" \
WXKB_FAKE_LOG="$WORK/api.log" \
COVER="$PWD/tests/data/push/cover.jpg" \
    timeout 280 node tests/browser/editor.test.js | tee "$WORK/browser.tap"
rc=${PIPESTATUS[0]}
n=$(sed -n 's/^1\.\.//p' "$WORK/browser.tap")

if ! kill -0 "$WXKBD_PID" 2>/dev/null; then
	echo "not ok $((${n:-0} + 1)) - wxkbd still runs after the browser test"
	sed 's/^/# /' "$WORK/wxkbd.log" | tail -n 30
	rc=1
elif [ "$rc" -ne 0 ]; then
	echo "# wxkbd log:"
	sed 's/^/# /' "$WORK/wxkbd.log" | tail -n 30
fi
exit "$rc"
