#!/usr/bin/env bash
# The benchmark's own programs still run (they are not part of wxkbd, so
# nothing else notices when a change breaks them).  One untimed pass
# each: this checks that they work and measures nothing.
. "$(dirname "$0")/lib.sh"

B=$BUILD/bench

# run NAME CMD...: ok when CMD exits 0; its output as a comment if not.
run() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	ok $rc "$name"
	[ $rc -eq 0 ] || sed 's/^/# /' <<<"$out"
}

run "stages: every stage and the whole handler take the shipped questions" \
    "$B/stages" -i 1
run "gen_kb writes a knowledge base of 500 items and questions for it" \
    "$B/gen_kb" -n 500 "$WORK/kb.json" "$WORK/q.tsv"
run "stages runs against the generated knowledge base" \
    "$B/stages" -k "$WORK/kb.json" -q "$WORK/q.tsv" -i 1
run "gen_requests writes signed safe-mode requests" \
    "$B/gen_requests" -m safe -n 20 -q tests/data/kb_questions.tsv \
    "$WORK/req"
n=$(find "$WORK" -maxdepth 1 -name 'req*' | wc -l)
[ "$n" -gt 0 ]
ok $? "gen_requests wrote its files ($n)"

finish
