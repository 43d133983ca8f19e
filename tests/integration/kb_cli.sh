#!/usr/bin/env bash
# wxkbctl check and query on their own, the question table through
# wxkbctl query, and unanswered questions that survive a restart.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

out=$("$WXKBCTL" check kb/data/wanggezhuang.json 2>&1)
ok $? "wxkbctl check accepts the shipped knowledge base: $out"
printf '{"version": 1,\n  "items": [\n' >"$WORK/broken.json"
out=$("$WXKBCTL" check "$WORK/broken.json" 2>&1)
rc=$?
echo "$out" | grep -qE "broken.json:[0-9]+:[0-9]+: error"
ok $((rc != 1 || $?)) "wxkbctl check names line:column of a syntax error, exit 1"
cat >"$WORK/dup.json" <<'JSON'
{"version": 1, "account": "t",
 "welcome": {"type": "text", "content": "w"},
 "fallback": {"type": "text", "content": "f"},
 "items": [
  {"id": "a", "title": "A", "keywords": ["电话"], "match": "exact", "reply": {"type": "text", "content": "x"}},
  {"id": "a", "title": "B", "keywords": ["电话"], "match": "exact", "reply": {"type": "text", "content": "y"}}
 ]}
JSON
out=$("$WXKBCTL" check "$WORK/dup.json" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "item a" && [ "$rc" -eq 1 ]
ok $? "wxkbctl check names the item of a duplicate id and exact keyword"

# The question table, through the command an operator would use.
bad=0
n=0
while IFS=$'\t' read -r q want; do
	case "$q" in '#'*|'') continue ;; esac
	n=$((n + 1))
	got=$("$WXKBCTL" query --kb kb/data/wanggezhuang.json "$q" |
	    sed -n 's/^item: //p')
	[ -z "$got" ] && got=-
	if [ "$got" != "$want" ]; then
		echo "# \"$q\": want $want, got $got"
		bad=$((bad + 1))
	fi
done <tests/data/kb_questions.tsv
is "$bad" 0 "wxkbctl query gives the expected item for all $n questions"

# Unanswered questions are kept across a restart.
start_wxkbd || { ok 1 "start"; finish; }
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '请问垃圾分类几点收' >/dev/null
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate '请问垃圾分类几点收' >/dev/null
stop_wxkbd
start_wxkbd || { ok 1 "restart"; finish; }
out=$("$WXKBCTL" --config "$WORK/wxkbd.conf" stats 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -qE '^ +2  请问垃圾分类几点收'
ok $? "an unanswered question asked twice survives a restart with its count"
grep -q '垃圾分类' "$WORK/state/unanswered.json" && ! grep -q 'o-wxkbctl' "$WORK/state/unanswered.json"
ok $? "the stored question carries no OpenID"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ADMIN_PORT/api/stats/unanswered")
is "$code" 401 "the statistics need the admin token"
stop_wxkbd
finish
