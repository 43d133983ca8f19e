#!/usr/bin/env bash
# Run every test: the cmocka programs in $BUILD/tests/ and the scripts in
# tests/integration/.  One line per program or script; the output of a
# failing one is shown and kept in $BUILD/test-logs/NAME.log (with the
# daemon's own logs of a failed script under $BUILD/test-logs/NAME/), the
# rest is kept quiet.  The last line is "N passed, N failed, N skipped",
# counting test cases.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
TEST_LOGS=$BUILD/test-logs
export TEST_LOGS
rm -rf "$TEST_LOGS"
mkdir -p "$TEST_LOGS" || exit 1
logdir=$(mktemp -d "${TMPDIR:-/tmp}/wxkb-tests.XXXXXX")
trap 'rm -rf "$logdir"' EXIT
passed=0
failed=0
skipped=0

# Count "ok"/"not ok" lines of TAP output in $1; a program that failed
# without a "not ok" line still counts as one failure.
tally() {
	local log=$1 rc=$2 name=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log")
	s=$(grep -cE '^(not )?ok [0-9]+.*# SKIP' "$log")
	f=$(($(grep -cE '^not ok [0-9]+' "$log") - \
	    $(grep -cE '^not ok [0-9]+.*# SKIP' "$log")))
	p=$((p - $(grep -cE '^ok [0-9]+.*# SKIP' "$log")))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -eq 0 ]; then
		printf 'ok    %-34s %3d passed%s\n' "$name" "$p" \
		    "$([ "$s" -gt 0 ] && echo ", $s skipped")"
	else
		printf 'FAIL  %-34s %3d passed, %d failed (exit %d)\n' \
		    "$name" "$p" "$f" "$rc"
		sed 's/^/      | /' "$log" | tail -n 80
		cp "$log" "$TEST_LOGS/$name.log"
		echo "      (whole log: $TEST_LOGS/$name.log)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$logdir/$name.log" 2>&1
	tally "$logdir/$name.log" $? "$name"
done

for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case $name in lib | *_lib) continue ;; esac
	timeout 600 bash "$t" >"$logdir/$name.log" 2>&1
	tally "$logdir/$name.log" $? "$name"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
