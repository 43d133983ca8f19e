# shellcheck shell=bash
# failover.sh — what a resident sees when Redis or an instance dies
# under load; sourced by tests/bench/run.sh for BENCH_TARGETS=failover
# (uses its start_redis, start_wxkbd, launch_wxkbd, start_nginx, die).
#
# A private nginx in front of two plain-mode wxkbd sharing one private
# redis-server (append-only file on, as docs/high-availability.md asks),
# all on loopback.  wrk sends paced traffic in three phases of
# BENCH_FAILOVER_SECONDS each: steady; Redis killed with -9 after a
# quarter of the phase and restarted a quarter later; the second instance
# killed with -9 and restarted the same way.
#
# Duplicate dispatch: every message asks the random_one item of
# tests/bench/kb_dice.json (8 replies) and has a sender of its own
# (gen_requests -u 0), so callback.lua can remember the first answer to
# each message by the reply's ToUserName and count the retries
# (BENCH_RETRY_PCT, 10 % here by default) answered with another reply.
# A message dispatched twice shows up 7 times in 8.  Plain mode, so that
# the answers are readable; the retry cache and its claims are the same
# in safe mode.
#
# Environment (defaults in brackets):
#   BENCH_FAILOVER_SECONDS  length of each phase [12]
#   BENCH_FAILOVER_MS       mean pause of each wrk connection between
#                           its requests, so the load is steady and below
#                           saturation [20]
#   BENCH_FAILOVER_REQUESTS distinct requests generated per phase; wrk
#                           sends them in turn, so a phase that sends
#                           more repeats them as retries [40000]

FO_SECONDS=${BENCH_FAILOVER_SECONDS:-12}
FO_PACE=${BENCH_FAILOVER_MS:-20}
FO_RETRY=${BENCH_RETRY_PCT:-10}
FO_AT=$((FO_SECONDS / 4))
[ "$FO_AT" -ge 1 ] || FO_AT=1
FO_REDIS=(--appendonly yes --appendfsync everysec)

declare -A FO_OUT

# fo_redis down|up: kill Redis with -9; start it again on its files.
fo_redis() {
	if [ "$1" = down ]; then
		kill -9 "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
		return
	fi
	start_redis "${FO_REDIS[@]}"
	fo_wait_ok 0 1
}

# fo_instance down|up: kill the second wxkbd with -9; start it again.
fo_instance() {
	if [ "$1" = down ]; then
		kill -9 "${INST_PIDS[1]}" 2>/dev/null
		wait "${INST_PIDS[1]}" 2>/dev/null
		return
	fi
	local t0
	t0=$(date +%s.%N)
	launch_wxkbd "${INST_DIRS[1]}" || die "wxkbd did not start again"
	INST_PIDS[1]=$LAUNCHED_PID
	fo_wait_ok 1
	FO_RECOVER=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f", b - a }')
}

# fo_wait_ok INDEX...: seconds until these instances' /healthz say "ok"
# again (at most 15 s), into FO_RECOVER.
fo_wait_ok() {
	local t0 i port all
	t0=$(date +%s.%N)
	for _ in $(seq 1 150); do
		all=1
		for i in "$@"; do
			port=$(sed -n 's/^WXKB_LISTEN=127.0.0.1://p' \
			    "${INST_DIRS[$i]}/wxkbd.conf")
			curl -s -m 1 "http://127.0.0.1:$port/healthz" |
			    grep -q '"status":"ok"' || all=0
		done
		[ "$all" = 1 ] && break
		sleep 0.1
	done
	FO_RECOVER=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f", b - a }')
	[ "$all" = 1 ] || FO_RECOVER=">15"
}

# fo_phase NAME [EVENT]: one phase of wrk through nginx; EVENT (fo_redis
# or fo_instance) goes down after FO_AT s and up FO_AT s later.
fo_phase() {
	local name=$1 event=${2:-} wrkpid line lines0 moved per
	FO_RECOVER=-
	lines0=$(wc -l <"$NGINX_LOG")
	"${CLIENT_RUN[@]}" env WXKB_BENCH_REQUESTS="$WORK/fo-$name" \
	    WXKB_BENCH_DELAY_MS="$FO_PACE" WXKB_BENCH_TALLY=1 \
	    wrk -t "$THREADS" -c "$CONNS" -d "${FO_SECONDS}s" --timeout 5s \
	    -s tests/bench/callback.lua "http://127.0.0.1:$PORT/wechat" \
	    >"$WORK/fo-$name.wrk" 2>&1 &
	wrkpid=$!
	if [ -n "$event" ]; then
		sleep "$FO_AT"
		"$event" down
		sleep "$FO_AT"
		"$event" up
	fi
	wait "$wrkpid"
	line=$(grep '^WXKB_BENCH ' "$WORK/fo-$name.wrk")
	if [ -z "$line" ]; then
		sed 's/^/  | /' "$WORK/fo-$name.wrk" >&2
		die "wrk of the failover phase $name printed no result"
	fi
	sleep 1.5	# nginx writes its log buffer every second
	# Requests nginx moved to the other instance ("A, B" in
	# $upstream_addr) and the share each instance answered.
	moved=$(tail -n +"$((lines0 + 1))" "$NGINX_LOG" | grep -c ', ')
	per=$(tail -n +"$((lines0 + 1))" "$NGINX_LOG" | awk '
	    { a = ""
	      for (i = 3; i <= NF; i++) if ($i ~ /:/) a = $i
	      sub(/,$/, "", a); if (a != "") c[a]++ }
	    END { for (k in c) printf "%s%s=%d", (o++ ? " " : ""), k, c[k] }')
	FO_OUT[$name]="$line moved=$moved recover=$FO_RECOVER"
	FO_OUT[$name,per]=$per
	echo "  failover $name: $(echo "$line" | cut -d' ' -f2-4)," \
	    "moved $moved, answered by$(echo " $per" |
	    sed 's/127\.0\.0\.1://g')"
}

# fo_get NAME KEY: KEY=value of the phase's result line.
fo_get() {
	echo "${FO_OUT[$1]}" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

failover_bench() {
	local p1 name i
	echo
	echo "failover: nginx, 2 plain-mode wxkbd, Redis (append-only);" \
	    "wrk $CONNS connections pausing ~$FO_PACE ms, ${FO_RETRY}%" \
	    "retries; phases of $FO_SECONDS s, events at ${FO_AT} s and" \
	    "$((2 * FO_AT)) s"
	export WXKB_TOKEN=$TOKEN
	i=0
	for name in steady redis instance; do
		i=$((i + 1))
		"$BENCH/gen_requests" -m plain -u 0 -q tests/bench/q_dice.tsv \
		    -n "${BENCH_FAILOVER_REQUESTS:-40000}" -t "$THREADS" \
		    -r "$FO_RETRY" -s "$(( $(date +%s) + i ))" \
		    "$WORK/fo-$name" >/dev/null ||
		    die "gen_requests for failover failed"
	done
	unset WXKB_TOKEN
	start_redis "${FO_REDIS[@]}"
	for i in 1 2; do
		start_wxkbd plain tests/bench/kb_dice.json \
		    "WXKB_REDIS=unix:$WORK/redis.sock"
		[ "$i" = 1 ] && p1=$PORT
	done
	NGINX_LOG=$WORK/nginx-access.log
	: >"$NGINX_LOG"
	start_nginx "$p1" "$PORT"

	fo_phase steady
	fo_phase redis fo_redis
	fo_phase instance fo_instance

	echo
	printf '%-22s %8s %7s %7s %6s %7s %7s %7s %8s %6s %8s\n' phase \
	    requests non200 sockerr p50ms p99ms maxms retries differ moved \
	    "ok after"
	for name in steady redis instance; do
		printf '%-22s %8s %7s %7s %6.2f %7.2f %7.2f %7s %8s %6s %8s\n' \
		    "$(case $name in steady) echo "steady" ;;
		    redis) echo "Redis -9, ${FO_AT} s down" ;;
		    instance) echo "instance -9, ${FO_AT} s down" ;; esac)" \
		    "$(fo_get "$name" requests)" \
		    "$(( $(fo_get "$name" bad_status) + $(fo_get "$name" empty_body) ))" \
		    "$(( $(fo_get "$name" connect) + $(fo_get "$name" read) +
		    $(fo_get "$name" write) + $(fo_get "$name" timeout) ))" \
		    "$(awk -v v="$(fo_get "$name" p50_us)" 'BEGIN { print v / 1000 }')" \
		    "$(awk -v v="$(fo_get "$name" p99_us)" 'BEGIN { print v / 1000 }')" \
		    "$(awk -v v="$(fo_get "$name" max_us)" 'BEGIN { print v / 1000 }')" \
		    "$(fo_get "$name" repeats)" "$(fo_get "$name" differing)" \
		    "$(fo_get "$name" moved)" "$(fo_get "$name" recover)"
	done
	echo "(non200: answers other than 200 with a body; sockerr: wrk's"
	echo " connect/read/write errors and timeouts (5 s); retries: answers"
	echo " to a message answered before; differ: of those, answered with"
	echo " another of the 8 replies, i.e. dispatched again; moved: requests"
	echo " nginx passed on to the other instance; ok after: seconds from"
	echo " the restart until /healthz said ok on the instances concerned)"
	# What the instances logged above info: the outage, errors.
	for i in "${!INST_LOGS[@]}"; do
		echo "instance $((i + 1)) logged: $(grep -v 'level=info' \
		    "${INST_LOGS[$i]}" | grep -o 'level=[a-z]* event=[a-z_]*' |
		    sed 's/level=//; s/ event=/ /' | sort | uniq -c |
		    awk '{ printf "%s%s %s x%d", (NR > 1 ? ", " : ""), $2, $3,
		    $1 }')"
	done
	stop_server
	NGINX_LOG=
}
