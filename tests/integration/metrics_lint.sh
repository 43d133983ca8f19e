#!/usr/bin/env bash
# /metrics under Prometheus' own linter (promtool check metrics, Debian's
# prometheus package), after traffic that fills the labelled families.
# One complaint is known and accepted: promtool reads the "kb" of
# wxkb_kb_* (knowledge base) as kilobytes; docs/operations.md says why
# those names stay.  Any other complaint fails.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

if ! command -v promtool >/dev/null; then
	ok 1 "promtool is installed (make test-deps)"
	finish
fi
start_wxkbd || { ok 1 "wxkbd starts"; finish; }
now=$(date +%s)
curl -s -m 5 -o /dev/null "$URL?signature=0000000000000000000000000000000000000000&timestamp=$now&nonce=1&echostr=1"
for q in '街道办电话多少' '社区食堂几点开门呢'; do
	"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate "$q" >/dev/null 2>&1
done
"$WXKBCTL" --config "$WORK/wxkbd.conf" reload >/dev/null 2>&1
curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:$ADMIN_PORT/metrics" >"$WORK/metrics.txt"
grep -q '^wxkb_reply_latency_seconds_bucket' "$WORK/metrics.txt"
ok $? "/metrics scraped with series in it"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/lint.txt" 2>&1
echo "# promtool exit $?"
sed 's/^/# promtool: /' "$WORK/lint.txt"
other=$(grep -v '^wxkb_kb_[a-z_]* metric names should not contain abbreviated units$' \
    "$WORK/lint.txt" | grep -v '^$')
is "$other" "" "promtool check metrics: no complaint but the known kb one"
# A new family does not join the exception unnoticed.
n=$(grep -c 'abbreviated units' "$WORK/lint.txt")
[ "$n" -le 6 ]
ok $? "the known complaint covers the six wxkb_kb_* families, no more ($n)"
stop_wxkbd
finish
