#!/usr/bin/env bash
# Faults around a running wxkbd, which keeps answering residents correctly
# through each of them: the WeChat API down, slow (10 s) and answering
# garbage or resetting; a storm of 50 SIGHUPs in a second while the
# knowledge-base file is swapped between good and broken versions; the
# wall clock stepping an hour forward and back (libfaketime); the
# unanswered-questions store failing to save.  A full disk and kill -9
# during an admin save are tests/integration/admin_api.sh's.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

FAKE=$BUILD/tests/fake_wechat
FAKE_PID=
FAKE_PORT=
SECRET=faultsecret0123456789
ASKER_PID=
# The knowledge base whose item "jobs" answers in three parts: the first
# passively, the other two through the customer-service API.
KB_PARTS=tests/data/kb/dispatch.json

faults_cleanup() {
	[ -n "$ASKER_PID" ] && kill "$ASKER_PID" 2>/dev/null
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	cleanup
}
trap faults_cleanup EXIT

start_fake() {
	"$FAKE" --appid "$APPID" --secret "$SECRET" --log "$WORK/fake.log" \
	    >"$WORK/fake.out" 2>&1 &
	FAKE_PID=$!
	for _ in $(seq 1 50); do
		FAKE_PORT=$(sed -n 's/^PORT=//p' "$WORK/fake.out")
		[ -n "$FAKE_PORT" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}

# fake_ctl JSON: steer the fake WeChat API (tests/tools/fake_wechat.c).
fake_ctl() {
	curl -s -m 5 -o /dev/null -X POST -H 'Content-Type: application/json' \
	    --data "$1" "http://127.0.0.1:$FAKE_PORT/control"
}

# Requests the fake API has seen for path $1.
fake_count() {
	grep -c "\"path\":\"$1\"" "$WORK/fake.log" 2>/dev/null
}

MSG_N=0
MSG_BASE=$(( $(date +%s) * 100000 ))
# ask TEXT [TS [NONCE [MSGID]]]: a plain-mode message from a resident;
# sets STATUS, BODY and TIME (seconds the answer took).
ask() {
	local ts=${2:-$(date +%s)} nonce=$3 msgid=$4 out=$WORK/resp
	MSG_N=$((MSG_N + 1))
	[ -n "$nonce" ] || nonce=$((MSG_BASE + MSG_N))
	[ -n "$msgid" ] || msgid=$((MSG_BASE + MSG_N))
	LAST_NONCE=$nonce
	LAST_MSGID=$msgid
	read -r STATUS TIME < <(curl -s -m 5 -o "$out" \
	    -w '%{http_code} %{time_total}\n' -X POST \
	    -H 'Content-Type: text/xml' \
	    --data-binary "$(text_xml oFaultResident0000000000001 "$msgid" "$1")" \
	    "$URL?$(plain_query "$ts" "$nonce")")
	BODY=$(cat "$out")
}

# fast SECONDS: 0 when TIME is below the bound.
fast() {
	awk -v t="$TIME" -v b="$1" 'BEGIN { exit !(t < b) }'
}

# wait_log PATTERN: up to 5 s for the daemon to log it.
wait_log() {
	for _ in $(seq 1 50); do
		grep -q "$1" "$WORK/wxkbd.log" && return 0
		sleep 0.1
	done
	return 1
}

# api_on LABEL: 0 when wxkbd says it uses the WeChat API; otherwise a
# failure: WXKB_APPSECRET is set, so the API must have started.
api_on() {
	grep -q 'event=api_on' "$WORK/wxkbd.log" && return 0
	ok 1 "$1 (the API never started although WXKB_APPSECRET is set: no api_on logged)"
	return 1
}

# stop_timed DESCRIPTION: SIGTERM, which must end wxkbd with 0 in 10 s.
stop_timed() {
	local start=$SECONDS rc
	stop_wxkbd
	rc=$?
	is "$rc" 0 "$1: SIGTERM stops wxkbd with status 0"
	[ $((SECONDS - start)) -le 10 ]
	ok $? "$1: and it stops within 10 s ($((SECONDS - start)) s)"
	grep -q 'level=crit\|AddressSanitizer\|LeakSanitizer\|runtime error:' \
	    "$WORK/wxkbd.log"
	ok $((! $?)) "$1: nothing critical and no sanitizer report in the log"
}

# check_answers LABEL: the multi-part item and the phone question are
# answered at once and correctly.  "At once" is a second: a reply that
# waited for the failing API would take its timeouts (5 s and more), and a
# shared, loaded machine can stretch a normal reply past 100 ms.
check_answers() {
	local i slow=0 wrong=0
	for i in 1 2 3 4 5; do
		ask '公益性岗位'
		[ "$STATUS" = 200 ] && echo "$BODY" | grep -q '岗位第一条' ||
		    wrong=$((wrong + 1))
		fast 1 || slow=$((slow + 1))
		echo "# $1: 公益性岗位 -> $STATUS in ${TIME}s"
	done
	ask '街道办电话多少'
	[ "$STATUS" = 200 ] && echo "$BODY" | grep -q 87841022 ||
	    wrong=$((wrong + 1))
	fast 1 || slow=$((slow + 1))
	is "$wrong" 0 "$1: every message answered 200 with its answer"
	is "$slow" 0 "$1: every message answered within 1 s, not after the API's timeouts"
}

# --- the WeChat API down --------------------------------------------------

mkdir -p "$WORK/state"
cp "$KB_PARTS" "$WORK/state/kb.json"
if start_wxkbd WXKB_MODE=plain "WXKB_APPSECRET=$SECRET" \
    WXKB_API_BASE=http://127.0.0.1:9; then
	ok 0 "API down: wxkbd starts with the WeChat API on a closed port"
	check_answers "API down"
	if api_on "API down: the failing API is logged"; then
		wait_log 'level=\(warning\|err\).*event=\(api_\|token_\)'
		ok $? "API down: the failing API is logged as a warning or error"
		grep -E 'event=(api|token)_' "$WORK/wxkbd.log" | head -2 |
		    cut -c1-160 | sed 's/^/# /'
	fi
	stop_timed "API down"
else
	ok 1 "API down: wxkbd starts with the WeChat API on a closed port"
fi

# --- the WeChat API slow, answering garbage, resetting --------------------

if [ -x "$FAKE" ] && start_fake; then
	rm -f "$WORK/state/"*token* 2>/dev/null
	if start_wxkbd WXKB_MODE=plain "WXKB_APPSECRET=$SECRET" \
	    "WXKB_API_BASE=http://127.0.0.1:$FAKE_PORT"; then
		ok 0 "fake API: wxkbd starts"
		if api_on "fake API: a token is fetched"; then
			for _ in $(seq 1 50); do
				[ "$(fake_count /cgi-bin/stable_token)" -gt 0 ] &&
				    break
				sleep 0.1
			done
			[ "$(fake_count /cgi-bin/stable_token)" -gt 0 ]
			ok $? "fake API: a token is fetched"
		fi

		fake_ctl '{"slow":10,"times":1000}'
		fake_ctl '{"slow":10,"times":1000,"path":"/cgi-bin/stable_token"}'
		check_answers "API slow (10 s)"
		if api_on "API slow: the later parts go to the slow API"; then
			sleep 0.5
			n=$(fake_count /cgi-bin/message/custom/send)
			[ "$n" -gt 0 ]
			ok $? "API slow: the later parts went to the slow API ($n calls held)"
		fi
		code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$PORT/healthz")
		is "$code" 200 "API slow: /healthz answers at once"

		fake_ctl '{"clear":true}'
		fake_ctl '{"garbage":true,"times":1000}'
		fake_ctl '{"garbage":true,"times":1000,"path":"/cgi-bin/stable_token"}'
		check_answers "API garbage"
		fake_ctl '{"clear":true}'
		fake_ctl '{"reset":true,"times":1000}'
		check_answers "API reset"
		fake_ctl '{"clear":true}'
		check_answers "API back"
		kill -0 "$WXKBD_PID" 2>/dev/null
		ok $? "fake API: wxkbd is still running"
		# Calls to the slow API are still open: the stop must not wait
		# for them.
		stop_timed "fake API"
	else
		ok 1 "fake API: wxkbd starts"
	fi
	stop_fake
else
	ok 1 "the fake WeChat API ($FAKE) starts"
fi

# --- a storm of SIGHUPs ---------------------------------------------------

items_of() {
	"$WXKBCTL" check "$1" | sed -n 's/.*ok: \([0-9]*\) items.*/\1/p'
}

cp "$KB_PARTS" "$WORK/kbA.json"
cp kb/data/wanggezhuang.json "$WORK/kbB.json"
head -c 300 "$KB_PARTS" >"$WORK/kbBad.json"
ITEMS_B=$(items_of "$WORK/kbB.json")
cp "$WORK/kbA.json" "$WORK/state/kb.json"
if start_wxkbd WXKB_MODE=plain; then
	# A resident asking all along, each answer checked.
	(
		i=0
		while [ ! -e "$WORK/stop-asking" ]; do
			i=$((i + 1))
			ask '街道办电话多少' "" "$((MSG_BASE + 50000 + i))" \
			    "$((MSG_BASE + 50000 + i))"
			if [ "$STATUS" = 200 ] &&
			    echo "$BODY" | grep -q 87841022; then
				echo good
			else
				echo "bad $STATUS"
			fi
		done >"$WORK/asked"
	) &
	ASKER_PID=$!
	sleep 0.3
	start=$(date +%s%N)
	for i in $(seq 1 50); do
		case $((i % 4)) in
		0) cp "$WORK/kbA.json" "$WORK/state/kb.json" ;;	# in place
		1) cp "$WORK/kbBad.json" "$WORK/state/kb.json" ;;
		2) cp "$WORK/kbB.json" "$WORK/state/kb.new" &&
		    mv "$WORK/state/kb.new" "$WORK/state/kb.json" ;;
		3) : ;;
		esac
		kill -HUP "$WXKBD_PID"
		sleep 0.005
	done
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	cp "$WORK/kbB.json" "$WORK/state/kb.new" &&
	    mv "$WORK/state/kb.new" "$WORK/state/kb.json"
	kill -HUP "$WXKBD_PID"
	echo "# 50 SIGHUPs in $took ms, then the good file and one more"
	items=
	for _ in $(seq 1 50); do
		health=$(curl -s -m 2 "http://127.0.0.1:$PORT/healthz")
		items=$(echo "$health" | sed -n 's/.*"items":\([0-9]*\).*/\1/p')
		[ "$items" = "$ITEMS_B" ] && break
		sleep 0.1
	done
	sleep 0.3
	touch "$WORK/stop-asking"
	wait "$ASKER_PID"
	ASKER_PID=
	rm -f "$WORK/stop-asking"
	echo "# $health"
	kill -0 "$WXKBD_PID" 2>/dev/null
	ok $? "SIGHUP storm: wxkbd is still running"
	is "$items" "$ITEMS_B" "SIGHUP storm: it ends serving the last good file"
	gen=$(echo "$health" | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
	[ "${gen:-0}" -ge 2 ]
	ok $? "SIGHUP storm: on a new generation ($gen)"
	good=$(grep -c '^good' "$WORK/asked")
	bad=$(grep -c '^bad' "$WORK/asked")
	echo "# answers during the storm: $good good, $bad bad"
	[ "$good" -ge 10 ]
	ok $? "SIGHUP storm: the resident kept getting answers ($good)"
	is "$bad" 0 "SIGHUP storm: no answer was wrong or refused"
	grep -q 'event=reload_failed' "$WORK/wxkbd.log"
	ok $? "SIGHUP storm: the broken file was refused (reload_failed)"
	stop_timed "SIGHUP storm"
else
	ok 1 "SIGHUP storm: wxkbd starts"
fi

# --- the wall clock jumping -----------------------------------------------

if [ -z "$LIBFAKETIME" ]; then
	ok 1 "wall clock jumps: libfaketime is installed (make test-deps)"
else
	echo "+0" >"$WORK/faketime"
	cp "$KB_PARTS" "$WORK/state/kb.json"
	if WXKBD_WRAPPER=$(clock_wrapper FAKETIME_DONT_FAKE_MONOTONIC=1) \
	    start_wxkbd WXKB_MODE=plain; then
		real=$(date +%s)
		ask '街道办电话多少' "$real"
		is "$STATUS" 200 "clock: a message stamped now is answered"

		echo "+3600" >"$WORK/faketime"
		ask '街道办电话多少' "$(date +%s)"
		is "$STATUS" 403 "clock +1 h: a message stamped with the real time is stale"
		fwd=$(( $(date +%s) + 3600 ))
		ask '街道办电话多少' "$fwd"
		is "$STATUS" 200 "clock +1 h: a message stamped with the new time is answered"
		echo "$BODY" | grep -q 87841022
		ok $? "clock +1 h: with the right answer"
		n=$LAST_NONCE m=$LAST_MSGID
		ask '街道办电话多少' "$fwd" "$n" "$m"
		is "$STATUS" 200 "clock +1 h: WeChat's retry gets the stored answer"
		ask '别的问题' "$fwd" "$n"
		is "$STATUS" 403 "clock +1 h: the same nonce with another message is a replay"

		echo "-3600" >"$WORK/faketime"
		ask '街道办电话多少' "$fwd"
		is "$STATUS" 403 "clock -1 h: the message stamped an hour ahead is now stale"
		ask '街道办电话多少' "$(date +%s)"
		is "$STATUS" 403 "clock -1 h: so is one stamped with the real time"
		back=$(( $(date +%s) - 3600 ))
		ask '街道办电话多少' "$back"
		is "$STATUS" 200 "clock -1 h: a message stamped with the new time is answered"
		n=$LAST_NONCE m=$LAST_MSGID
		ask '街道办电话多少' "$back" "$n" "$m"
		is "$STATUS" 200 "clock -1 h: WeChat's retry gets the stored answer"
		ask '别的问题' "$back" "$n"
		is "$STATUS" 403 "clock -1 h: the same nonce with another message is a replay"

		echo "+0" >"$WORK/faketime"
		ask '街道办电话多少' "$(date +%s)"
		is "$STATUS" 200 "clock back to real time: messages are answered again"
		echo "$BODY" | grep -q 87841022
		ok $? "clock back to real time: with the right answer"
		ask '别的问题' "$back" "$n"
		is "$STATUS" 403 "clock back to real time: the hour-old message is stale"
		stop_timed "clock"
	else
		ok 1 "clock: wxkbd starts under libfaketime"
	fi
fi

# --- the unanswered-questions store cannot be saved -----------------------

# Its file is replaced by a directory: the save (temp file, rename over
# it) fails.  The flush runs every 60 s and at exit; with libfaketime the
# daemon's clocks jump 65 s ahead to run it now.
cp "$KB_PARTS" "$WORK/state/kb.json"
echo "+0" >"$WORK/faketime"
wrapper=
[ -n "$LIBFAKETIME" ] && wrapper=$(clock_wrapper)
if WXKBD_WRAPPER=$wrapper start_wxkbd WXKB_MODE=plain; then
	rm -f "$WORK/state/unanswered.json"
	mkdir -p "$WORK/state/unanswered.json/occupied"
	ask '火星移民手续怎么办理'
	is "$STATUS" 200 "state: a question without answer gets the fallback"
	if [ -n "$wrapper" ]; then
		echo "+65" >"$WORK/faketime"
		ask '开放日' "$(( $(date +%s) + 65 ))"
		wait_log 'event=state_error.*unanswered'
		ok $? "state: the failed save is logged as state_error"
		grep 'event=state_error' "$WORK/wxkbd.log" | head -2 |
		    cut -c1-200 | sed 's/^/# /'
		ask '街道办电话多少' "$(( $(date +%s) + 65 ))"
		[ "$STATUS" = 200 ] && echo "$BODY" | grep -q 87841022
		ok $? "state: after the failed save, residents are still answered"
	else
		ok 1 "state: a save while running: libfaketime is installed (make test-deps)"
	fi
	stop_wxkbd
	is "$?" 0 "state: SIGTERM stops wxkbd with status 0 despite the failed save"
	grep -q 'event=state_error.*unanswered questions not saved' \
	    "$WORK/wxkbd.log"
	ok $? "state: the save at exit is refused with a clear state_error"
	rm -rf "$WORK/state/unanswered.json"
else
	ok 1 "state: wxkbd starts"
fi
finish
