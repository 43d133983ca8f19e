#!/usr/bin/env bash
# The journal as an operator reads it, through a real systemd-journald:
# the structured fields, priorities and rate limit of the log module
# (test_log's journal test), start-up failures at priority err with their
# WXKB_EVENT, and a kb_miss entry that carries no resident's question.
#
# The test starts a journald of its own in a private mount namespace (a
# tmpfs over /run and /var/log), so it needs root but neither a running
# systemd nor the machine's journal, which it never touches.
cd "$(dirname "$0")/../.." || exit 1

if [ -z "${WXKB_JOURNAL_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok 1 # SKIP not root: a private journald needs a mount namespace"
		exit 0
	fi
	exec unshare -m --propagation private env WXKB_JOURNAL_NS=1 \
	    bash "$0" "$@"
fi
. tests/integration/lib.sh
JOURNALD=/lib/systemd/systemd-journald
JPID=

journal_cleanup() {
	[ -n "$JPID" ] && kill "$JPID" 2>/dev/null && wait "$JPID" 2>/dev/null
	cleanup
}
trap journal_cleanup EXIT

if [ ! -x "$JOURNALD" ]; then
	ok 1 "$JOURNALD is installed (make test-deps)"
	finish
fi
mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log &&
    mkdir -p /run/systemd/journal /run/log
ok $? "a private /run and /var/log"
# journald names its files by the machine ID; a bare container may have
# none: give it one, in a private /etc.
if [ ! -s /etc/machine-id ]; then
	mkdir -p "$WORK/etc"
	mount -t tmpfs tmpfs "$WORK/etc" && mkdir "$WORK/etc/u" "$WORK/etc/w" &&
	    mount -t overlay overlay \
	    -o "lowerdir=/etc,upperdir=$WORK/etc/u,workdir=$WORK/etc/w" /etc &&
	    tr -d '-' </proc/sys/kernel/random/uuid >/etc/machine-id
	ok $? "a machine ID for the private journald"
fi
"$JOURNALD" >"$WORK/journald.log" 2>&1 &
JPID=$!
for _ in $(seq 1 100); do
	[ -S /run/systemd/journal/socket ] && [ -S /run/systemd/journal/stdout ] && break
	sleep 0.05
done
[ -S /run/systemd/journal/socket ]
ok $? "systemd-journald listens on /run/systemd/journal/"

# The fields, the priority, newlines in values, the rate limit.
WXKB_TEST_JOURNAL=1 CMOCKA_MESSAGE_OUTPUT=TAP "$BUILD/tests/test_log" \
    >"$WORK/test_log.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/test_log.out"
ok "$rc" "test_log: the journal entries carry PRIORITY, WXKB_EVENT and the fields"

# journaled CMD...: run CMD with its stderr on a journal stream, as
# systemd does for a service (JOURNAL_STREAM names that stream).
journaled() {
	systemd-cat -t wxkbd-stream sh -c \
	    'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' sh "$@"
}
# jfind MATCH...: the MESSAGEs of matching entries at warning or worse,
# waiting up to 5 s for the first.
jfind() {
	local out
	for _ in $(seq 1 50); do
		out=$(journalctl --no-pager -q -p warning -o cat "$@" 2>/dev/null)
		[ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

# A refused start: priority err, its event, the key; nothing on stdout.
printf 'WXKB_TOKEN=abc123\nWXKB_MODE=secure\n' >"$WORK/bad.conf"
journaled "$WXKBD" --config "$WORK/bad.conf"
is "$?" 1 "a bad configuration: wxkbd exits 1"
msg=$(jfind WXKB_EVENT=config_error SYSLOG_IDENTIFIER=wxkbd PRIORITY=3)
echo "$msg" | grep -q '^WXKB_MODE: must be plain, compat or safe'
ok $? "journalctl -p warning WXKB_EVENT=config_error names the key: $msg"

mkdir -p "$WORK/kbfail"
printf '{"version": 1, "items": [' >"$WORK/kbfail/kb.json"
printf 'WXKB_TOKEN=abc123\nWXKB_ADMIN_LISTEN=\nWXKB_LISTEN=127.0.0.1:%s\nWXKB_KB=%s\nWXKB_STATE_DIR=%s\n' \
    "$(free_port)" "$WORK/kbfail/kb.json" "$WORK/kbfail" >"$WORK/kbfail.conf"
journaled "$WXKBD" --config "$WORK/kbfail.conf"
is "$?" 1 "a broken knowledge base: wxkbd exits 1"
msg=$(jfind WXKB_EVENT=kb_load_failed SYSLOG_IDENTIFIER=wxkbd PRIORITY=3)
echo "$msg" | grep -q "kb.json:1:[0-9]*: error: .*expected"
ok $? "journalctl -p warning WXKB_EVENT=kb_load_failed gives the error: $(echo "$msg" | tail -n 1)"
n=$(journalctl --no-pager -q -o cat SYSLOG_IDENTIFIER=wxkbd 2>/dev/null |
    grep -c 'expected')
is "$n" 1 "the knowledge-base error is in the journal once"

# kb_miss: the journal says a question went unanswered, never which.
WXKBD_WRAPPER=journaled start_wxkbd || { ok 1 "wxkbd starts under the journal"; finish; }
q='社区食堂几点开门呢'
"$WXKBCTL" --config "$WORK/wxkbd.conf" simulate "$q" >/dev/null 2>&1
for _ in $(seq 1 50); do
	journalctl --no-pager -q SYSLOG_IDENTIFIER=wxkbd WXKB_EVENT=kb_miss \
	    -o json >"$WORK/miss.json" 2>/dev/null
	[ -s "$WORK/miss.json" ] && break
	sleep 0.1
done
grep -q '"KB_RESULT":"\(miss\|suggest\)"' "$WORK/miss.json"
ok $? "an unanswered question is a kb_miss entry with KB_RESULT"
grep -q "$q" "$WORK/miss.json"
ok $((! $?)) "the entry does not hold the resident's question"
"$WXKBCTL" --config "$WORK/wxkbd.conf" stats 2>&1 | grep -q "$q"
ok $? "wxkbctl stats lists the question instead"
stop_wxkbd
finish
