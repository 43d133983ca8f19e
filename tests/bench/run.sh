#!/usr/bin/env bash
# run.sh — the benchmark of BENCHMARKS.md: wrk against the bare evhttp
# baseline, then against wxkbd in plain and safe mode with the shipped
# knowledge base and in safe mode with a generated 10,000-item one; prints
# requests/s, p50, p99, errors, the ratio to the baseline, the servers'
# CPU use and wxkbd's resident memory during each run.  `make bench`
# builds the programs and runs this from the repository root.
#
# Everything listens on 127.0.0.1 only, every run is bounded, and every
# process started here is stopped on exit.
#
# Environment (defaults in brackets):
#   BUILD              build directory holding wxkbd and bench/ [build]
#   BENCH_DURATION     seconds of each wrk run [10]
#   BENCH_CONNECTIONS  wrk connections [50]
#   BENCH_THREADS      wrk threads [1 when pinned, 2 otherwise: wrk
#                      loads its threads' requests one after the other,
#                      and the first thread runs while the second loads,
#                      before wrk's clock starts; on one CPU a second
#                      thread adds nothing else]
#   BENCH_WORKERS      WXKB_WORKERS of wxkbd, and the baseline's loops [1]
#   BENCH_PIN          1: server on CPU 0, wrk on CPU 1 (taskset) [1 with
#                      one worker, 0 otherwise]
#   BENCH_REQUESTS     distinct requests generated per mode: more than
#                      a run sends, or the rest are repeats, which the
#                      daemon answers without dispatching
#                      [20000 per second of BENCH_DURATION]
#   BENCH_ROUNDS       runs of every target, interleaved; the median run
#                      (by requests/s) is reported [1]
#   BENCH_PACED_MS     also run safe mode, and the baseline, with each
#                      connection pausing this long on average between
#                      requests (latency below saturation); 0 skips
#                      both [10]
#   BENCH_TARGETS      which runs: baseline plain safe safe10k
#                      basepaced paced saferedis (safe mode with
#                      WXKB_REDIS on a private redis-server's unix
#                      socket, reported also as a ratio to safe)
#                      nginxsafe (a private nginx in front of one
#                      safe-mode wxkbd) saferedis2 (nginx in front of
#                      two sharing one redis-server, reported also as a
#                      ratio to nginxsafe) [all of them]; and failover
#                      (Redis, then one instance killed under load:
#                      tests/bench/failover.sh), run only when named
#   BENCH_LOG_LEVEL    WXKB_LOG_LEVEL of wxkbd [info, as shipped]
#   BENCH_KB_ITEMS     items of the generated knowledge base [10000]
#   BENCH_WXKBD        the wxkbd binary to measure [$BUILD/wxkbd]
#   BENCH_NICE         run server and wrk at this nice value (negative
#                      needs root) so that other work on a busy machine
#                      disturbs the figures less [unset: not changed]
#   BENCH_RETRY_PCT    percent of requests that repeat one sent just
#                      before, byte for byte, as WeChat's retries do [0;
#                      10 for failover]
#   BENCH_FAILOVER_SECONDS, BENCH_FAILOVER_MS, BENCH_FAILOVER_REQUESTS
#                      the failover phases: see tests/bench/failover.sh

set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-50}
WORKERS=${BENCH_WORKERS:-1}
NREQ=${BENCH_REQUESTS:-$((20000 * DURATION))}
ROUNDS=${BENCH_ROUNDS:-1}
PACED_MS=${BENCH_PACED_MS:-10}
ALL_TARGETS="baseline plain safe safe10k basepaced paced saferedis"
ALL_TARGETS="$ALL_TARGETS nginxsafe saferedis2"
TARGETS=${BENCH_TARGETS:-$ALL_TARGETS}
LOG_LEVEL=${BENCH_LOG_LEVEL:-info}
KB_ITEMS=${BENCH_KB_ITEMS:-10000}
RETRY_PCT=${BENCH_RETRY_PCT:-0}
if [ "$WORKERS" -gt 1 ]; then PIN=${BENCH_PIN:-0}; else PIN=${BENCH_PIN:-1}; fi
if [ "$PIN" = 1 ]; then THREADS=${BENCH_THREADS:-1}; else
	THREADS=${BENCH_THREADS:-2}; fi

BENCH=$BUILD/bench
WXKBD=${BENCH_WXKBD:-$BUILD/wxkbd}
TOKEN=benchtoken2020
APPID=wx0123456789abcdef
AES_KEY=ThisIsAnOwnTestKeyForWeChatCryptoVectors012
ADMIN_TOKEN=bench-admin-token-0123456789

SERVER_PID=
SAMPLER_PID=
REDIS_PID=
NGINX_PID=
LOGFILE=
WORK=
# Every wxkbd of the current run: PIDs, admin ports, logs, state dirs.
INST_PIDS=()
INST_ADMIN=()
INST_LOGS=()
INST_DIRS=()

cleanup() {
	local p
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	for p in $NGINX_PID $REDIS_PID "${INST_PIDS[@]}" $SERVER_PID; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

# --- preconditions -------------------------------------------------------

if ! command -v wrk >/dev/null; then
	cat >&2 <<-EOF
	bench: wrk is not installed.  On Debian or Ubuntu:
	    sudo apt-get install wrk
	then run 'make bench' again.  (.ci/run does not run the benchmark.)
	EOF
	exit 1
fi
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
for p in "$WXKBD" "$BENCH/baseline" "$BENCH/gen_requests" "$BENCH/gen_kb"; do
	[ -x "$p" ] || die "$p missing: run 'make BUILD=$BUILD bench'"
done
for t in $TARGETS; do
	case $t in
	baseline | plain | safe | safe10k | basepaced | paced) ;;
	saferedis | saferedis2 | nginxsafe | failover)
		if [ "$t" != nginxsafe ] && ! command -v redis-server >/dev/null
		then
			die "$t needs redis-server (make test-deps)"
		fi
		if [ "$t" != saferedis ] && ! command -v nginx >/dev/null &&
		    ! [ -x /usr/sbin/nginx ]; then
			die "$t needs nginx (make test-deps)"
		fi ;;
	*) die "unknown target '$t' in BENCH_TARGETS (known: baseline" \
	    "plain safe safe10k basepaced paced saferedis nginxsafe" \
	    "saferedis2 failover)" ;;
	esac
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
NCPU=$(nproc)
if [ "$PIN" = 1 ] &&
    { [ "$NCPU" -lt 2 ] || ! command -v taskset >/dev/null; }; then
	echo "bench: fewer than 2 CPUs or no taskset: not pinning" >&2
	PIN=0
fi
# The words that start the server and wrk on their CPUs and at BENCH_NICE.
# Every step execs, so the process keeps the PID it was started with.
SERVER_RUN=()
CLIENT_RUN=()
if [ "$PIN" = 1 ]; then
	SERVER_RUN=(taskset -c 0)
	CLIENT_RUN=(taskset -c 1)
fi
if [ -n "${BENCH_NICE:-}" ]; then
	# A session of its own: with autogroup scheduling nice only ranks
	# the processes of one session, so the session gets it too.
	nice_run=(setsid sh -c 'echo "$0" >/proc/self/autogroup 2>/dev/null
	    exec nice -n "$0" "$@"' "$BENCH_NICE")
	SERVER_RUN=("${nice_run[@]}" "${SERVER_RUN[@]}")
	CLIENT_RUN=("${nice_run[@]}" "${CLIENT_RUN[@]}")
fi
TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wxkb-bench.XXXXXX") || exit 1

# A port nothing listens on, below the kernel's range of local ports of
# outgoing connections: one of those (nginx to an instance, wrk) cannot
# be bound although nothing listens on it.
EPHEMERAL_LO=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
[ "${EPHEMERAL_LO:-0}" -gt 12000 ] 2>/dev/null || EPHEMERAL_LO=32768
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((10000 + RANDOM % (EPHEMERAL_LO - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port"
}

# --- inputs --------------------------------------------------------------

echo "bench: generating $NREQ requests per mode and a" \
    "$KB_ITEMS-item knowledge base"
# The large knowledge base gets its own questions and, for one in six,
# the shipped ones, which it mostly cannot answer.
if [[ " $TARGETS " == *" safe10k "* ]]; then
	"$BENCH/gen_kb" -n "$KB_ITEMS" "$WORK/kb10k.json" "$WORK/q10k.tsv" ||
	    die "gen_kb failed"
	cat "$WORK/q10k.tsv" tests/data/kb_questions.tsv >"$WORK/q10k-mix.tsv"
fi
export WXKB_TOKEN=$TOKEN WXKB_APPID=$APPID WXKB_AES_KEY=$AES_KEY
gen() {
	"$BENCH/gen_requests" -n "$NREQ" -t "$THREADS" -r "$RETRY_PCT" "$@" \
	    >/dev/null ||
	    die "gen_requests $* failed"
}
# wanted T...: one of these targets is to run.
wanted() {
	local t
	for t in "$@"; do
		[[ " $TARGETS " == *" $t "* ]] && return 0
	done
	return 1
}
if wanted plain; then gen -m plain "$WORK/plain"; fi
if wanted baseline basepaced safe paced saferedis nginxsafe saferedis2; then
	gen -m safe "$WORK/safe"
fi
if wanted safe10k; then gen -m safe -q "$WORK/q10k-mix.tsv" "$WORK/safe10k"; fi
unset WXKB_TOKEN WXKB_APPID WXKB_AES_KEY

# --- one run -------------------------------------------------------------

# Resident memory of pid in KiB ("-" when gone).
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -
}

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

wait_http() {
	for _ in $(seq 1 100); do
		if curl -s -m 1 -o /dev/null -X POST \
		    "http://127.0.0.1:$1/"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# A private redis-server on a unix socket for saferedis, fresh for each
# run (answers kept from an earlier round would turn it into retries);
# never the system's instance, no TCP port.  It is a server: on the
# server's CPU.  start_redis [OPTION...]: more options (the failover
# bench turns the append-only file on and restarts it).
start_redis() {
	if [ -n "$REDIS_PID" ]; then
		kill -TERM "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
	fi
	rm -f "$WORK/redis.sock"
	"${SERVER_RUN[@]}" redis-server --port 0 \
	    --unixsocket "$WORK/redis.sock" --unixsocketperm 700 \
	    --dir "$WORK" --save '' --appendonly no \
	    --maxmemory-policy noeviction "$@" >>"$WORK/redis.log" 2>&1 &
	REDIS_PID=$!
	for _ in $(seq 1 50); do
		[ -S "$WORK/redis.sock" ] && return
		sleep 0.1
	done
	die "redis-server did not start"
}

# start_wxkbd MODE KB [KEY=value]: wxkbd with a fresh state directory;
# sets SERVER_PID (the first instance of the run), PORT, ADMIN_PORT and
# adds the instance to the INST_ arrays.
start_wxkbd() {
	local dir=$WORK/state-$1-$RANDOM$RANDOM
	mkdir -p "$dir"
	cp "$2" "$dir/kb.json"
	PORT=$(free_port)
	ADMIN_PORT=$(free_port)
	cat >"$dir/wxkbd.conf" <<-CONF
	WXKB_LISTEN=127.0.0.1:$PORT
	WXKB_ADMIN_LISTEN=127.0.0.1:$ADMIN_PORT
	WXKB_ADMIN_TOKEN=$ADMIN_TOKEN
	WXKB_TOKEN=$TOKEN
	WXKB_APPID=$APPID
	WXKB_AES_KEY=$AES_KEY
	WXKB_MODE=$1
	WXKB_KB=$dir/kb.json
	WXKB_STATE_DIR=$dir
	WXKB_API_BASE=http://127.0.0.1:9
	WXKB_MAX_CLOCK_SKEW=86400
	WXKB_LOG_LEVEL=$LOG_LEVEL
	${3:-}
	CONF
	launch_wxkbd "$dir" || die "wxkbd did not start"
	INST_PIDS+=("$LAUNCHED_PID")
	INST_ADMIN+=("$ADMIN_PORT")
	INST_LOGS+=("$dir/wxkbd.log")
	INST_DIRS+=("$dir")
	[ -n "$SERVER_PID" ] || SERVER_PID=$LAUNCHED_PID
	[ -n "$LOGFILE" ] || LOGFILE=$dir/wxkbd.log
}

# launch_wxkbd DIR: start the wxkbd configured in DIR (again, after a
# kill) and wait until it answers and, with Redis, is connected; sets
# LAUNCHED_PID.  Returns 1 if it does not answer.
launch_wxkbd() {
	local port
	port=$(sed -n 's/^WXKB_LISTEN=127.0.0.1://p' "$1/wxkbd.conf")
	# The log goes to a file: one line per request, as under journald.
	"${SERVER_RUN[@]}" env WXKB_WORKERS="$WORKERS" "$WXKBD" \
	    --config "$1/wxkbd.conf" >>"$1/wxkbd.log" 2>&1 &
	LAUNCHED_PID=$!
	if ! wait_http "$port"; then
		sed 's/^/  | /' "$1/wxkbd.log" >&2
		return 1
	fi
	for _ in $(seq 1 50); do
		curl -s -m 1 "http://127.0.0.1:$port/healthz" |
		    grep -q '"status":"ok"' && break
		sleep 0.1
	done
}

# start_nginx PORT...: a private nginx (own prefix, configuration, pid
# and logs in the bench's directory; one worker, on the server's CPU) in
# front of the wxkbd instances on these ports, configured as
# docs/high-availability.md recommends; sets NGINX_PID and PORT, its
# port.  With NGINX_LOG set, each request is logged with the instances
# it went to ($upstream_addr) and their statuses.
start_nginx() {
	local dir=$WORK/nginx p servers='' log="access_log off;"
	mkdir -p "$dir/temp"
	for p in "$@"; do
		servers="$servers    server 127.0.0.1:$p max_fails=2 fail_timeout=5s;
"
	done
	if [ -n "${NGINX_LOG:-}" ]; then
		log="log_format up '\$msec \$status \$upstream_addr \$upstream_status';
    access_log $NGINX_LOG up buffer=64k flush=1s;"
	fi
	PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-CONF
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 1024; }
	http {
	    $log
	    client_body_temp_path $dir/temp/body;
	    proxy_temp_path $dir/temp/proxy;
	    fastcgi_temp_path $dir/temp/fastcgi;
	    uwsgi_temp_path $dir/temp/uwsgi;
	    scgi_temp_path $dir/temp/scgi;
	    upstream wxkbd {
	$servers
	        keepalive 16;
	    }
	    server {
	        listen 127.0.0.1:$PORT;
	        client_max_body_size 64k;
	        location = /wechat {
	            proxy_pass http://wxkbd;
	            proxy_http_version 1.1;
	            proxy_set_header Connection "";
	            proxy_set_header Host \$host;
	            proxy_connect_timeout 1s;
	            proxy_read_timeout 4s;
	            proxy_next_upstream error timeout http_502 http_503
	                non_idempotent;
	            proxy_next_upstream_tries 2;
	            proxy_next_upstream_timeout 4s;
	        }
	        location / { return 404; }
	    }
	}
	CONF
	"${SERVER_RUN[@]}" "$NGINX" -e "$dir/error.log" -p "$dir" \
	    -c "$dir/nginx.conf" -g 'daemon off;' >>"$dir/stderr.log" 2>&1 &
	NGINX_PID=$!
	if ! wait_http "$PORT"; then
		cat "$dir/error.log" "$dir/stderr.log" | sed 's/^/  | /' >&2
		die "nginx did not start"
	fi
}

stop_nginx() {
	[ -n "$NGINX_PID" ] || return
	kill -TERM "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}

start_baseline() {
	PORT=$(free_port)
	"${SERVER_RUN[@]}" "$BENCH/baseline" -w "$WORKERS" "127.0.0.1:$PORT" &
	SERVER_PID=$!
	wait_http "$PORT" || die "baseline did not start"
	LOGFILE=
}

# Stop every server of the run: nginx, the wxkbd instances (or the
# baseline), Redis.
stop_server() {
	local p
	stop_nginx
	for p in "${INST_PIDS[@]}" $SERVER_PID $REDIS_PID; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SERVER_PID=
	REDIS_PID=
	LOGFILE=
	INST_PIDS=()
	INST_ADMIN=()
	INST_LOGS=()
	INST_DIRS=()
}

# The children of PID (nginx's workers).
children() {
	pgrep -P "$1" 2>/dev/null | tr '\n' ' '
}

# CPU ticks of the servers of the run by role: "wxkbd redis nginx".
role_ticks() {
	local p w=0 r=0 n=0
	for p in "${INST_PIDS[@]}"; do
		w=$((w + $(cpu_ticks "$p")))
	done
	[ ${#INST_PIDS[@]} -gt 0 ] || w=$(cpu_ticks "$SERVER_PID")
	[ -n "$REDIS_PID" ] && r=$(cpu_ticks "$REDIS_PID")
	if [ -n "$NGINX_PID" ]; then
		for p in $NGINX_PID $(children "$NGINX_PID"); do
			n=$((n + $(cpu_ticks "$p")))
		done
	fi
	echo "$w $r $n"
}

# The counters of /metrics that prove every request took the full path;
# check_metrics [ADMIN_PORT].
check_metrics() {
	local m
	m=$(curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "http://127.0.0.1:${1:-$ADMIN_PORT}/metrics") || return
	echo "$m" | awk '
	    /^wxkb_http_requests_total\{route="callback"/ {
		split($1, a, "status=\""); split(a[2], b, "\"")
		st = st sprintf(" %s:%d", b[1], $2) }
	    /^wxkb_retry_cache_hits_total / { retry = $2 }
	    /^wxkb_replays_total / { replay = $2 }
	    /^wxkb_bad_signatures_total / { badsig = $2 }
	    /^wxkb_kb_results_total\{/ && $2 > 0 {
		split($1, a, "result=\""); split(a[2], b, "\"")
		kb = kb sprintf(" %s:%d", b[1], $2) }
	    END { printf "status%s; retry-cache hits %d, replays %d, " \
		"bad signatures %d; kb%s\n", st, retry, replay, badsig, kb }'
}

# The bare server, saturated or paced: no /metrics, no memory figures.
is_baseline() {
	[ "$1" = baseline ] || [ "$1" = basepaced ]
}

# The paced runs are off with BENCH_PACED_MS=0; failover is no row of
# the table.
skipped() {
	[ "$1" = failover ] && return 0
	{ [ "$1" = paced ] || [ "$1" = basepaced ]; } && [ "$PACED_MS" = 0 ]
}

declare -A R_RPS R_P50 R_P99 R_ERR R_CPU R_US R_WRKCPU R_MEM R_NOTE R_ALL
declare -A R_ROLES

# run TARGET: one run of wrk against it; results into the R_ arrays.
run() {
	local t=$1 reqs delay=0 mode kb line rss0 rssmid rssend hwm c0 c1
	local samples n wrkout wrkcpu note="" anon t0 t1 i p1
	case $t in
	baseline) reqs=$WORK/safe; start_baseline ;;
	basepaced) reqs=$WORK/safe; delay=$PACED_MS; start_baseline ;;
	plain) reqs=$WORK/plain; start_wxkbd plain kb/data/wanggezhuang.json ;;
	safe) reqs=$WORK/safe; start_wxkbd safe kb/data/wanggezhuang.json ;;
	safe10k) reqs=$WORK/safe10k; start_wxkbd safe "$WORK/kb10k.json" ;;
	paced) reqs=$WORK/safe; delay=$PACED_MS
	    start_wxkbd safe kb/data/wanggezhuang.json ;;
	saferedis) reqs=$WORK/safe; start_redis
	    start_wxkbd safe kb/data/wanggezhuang.json \
	    "WXKB_REDIS=unix:$WORK/redis.sock" ;;
	nginxsafe) reqs=$WORK/safe
	    start_wxkbd safe kb/data/wanggezhuang.json
	    start_nginx "$PORT" ;;
	saferedis2) reqs=$WORK/safe; start_redis
	    start_wxkbd safe kb/data/wanggezhuang.json \
	    "WXKB_REDIS=unix:$WORK/redis.sock"
	    p1=$PORT
	    start_wxkbd safe kb/data/wanggezhuang.json \
	    "WXKB_REDIS=unix:$WORK/redis.sock"
	    start_nginx "$p1" "$PORT" ;;
	esac
	rss0=$(rss_kb "$SERVER_PID")
	: >"$WORK/rss"
	(while [ -e "/proc/$SERVER_PID/status" ]; do
		rss_kb "$SERVER_PID"
		sleep 0.5
	done) >>"$WORK/rss" 2>/dev/null &
	SAMPLER_PID=$!
	t0=$(role_ticks)
	TIMEFORMAT='%U %S'
	wrkout=$( { time "${CLIENT_RUN[@]}" env WXKB_BENCH_REQUESTS="$reqs" \
	    WXKB_BENCH_DELAY_MS="$delay" wrk -t "$THREADS" -c "$CONNS" \
	    -d "${DURATION}s" --timeout 5s -s tests/bench/callback.lua \
	    "http://127.0.0.1:$PORT/wechat" 2>&1; } 2>&1 )
	t1=$(role_ticks)
	c0=$(echo "$t0" | awk '{ print $1 + $2 + $3 }')
	c1=$(echo "$t1" | awk '{ print $1 + $2 + $3 }')
	rssend=$(rss_kb "$SERVER_PID")
	anon=$(awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
	    END { printf "%.1f MiB anonymous (heap, stacks), %.1f MiB " \
	    "file-backed (program and libraries)", a / 1024, f / 1024 }' \
	    "/proc/$SERVER_PID/status" 2>/dev/null)
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" \
	    2>/dev/null)
	kill "$SAMPLER_PID" 2>/dev/null
	wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=
	line=$(echo "$wrkout" | grep '^WXKB_BENCH ')
	wrkcpu=$(echo "$wrkout" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$wrkout" | sed 's/^/  | /' >&2
		stop_server
		die "wrk against $t printed no result"
	fi
	if [ ${#INST_PIDS[@]} -eq 1 ]; then
		note=$(check_metrics)
	elif [ ${#INST_PIDS[@]} -gt 1 ]; then
		# Each instance's share: nginx must spread the load.
		for i in "${!INST_ADMIN[@]}"; do
			note="$note
    instance $((i + 1)): $(check_metrics "${INST_ADMIN[$i]}")"
		done
	fi
	for i in "${INST_LOGS[@]}"; do
		if grep -q 'level=err\|level=crit' "$i"; then
			note="$note; errors in the log"
			break
		fi
	done
	stop_server
	# key=value pairs of the WXKB_BENCH line into shell variables.
	local requests duration_us rps p50_us p90_us p99_us max_us mean_us
	local bad_status empty_body connect read write timeout sent distinct
	eval "$(echo "$line" | cut -d' ' -f2- | tr ' ' '\n' |
	    grep -E '^[a-z0-9_]+=[0-9.]+$')"
	samples=$(grep -c '^[0-9]' "$WORK/rss")
	n=$(( (samples + 1) / 2 ))
	rssmid=$(grep '^[0-9]' "$WORK/rss" | sed -n "${n}p")
	R_ALL[$t]="${R_ALL[$t]:-} $rps"
	R_RPS[$t,$2]=$rps
	R_P50[$t,$2]=$p50_us
	R_P99[$t,$2]=$p99_us
	R_ERR[$t,$2]=$((bad_status + empty_body + connect + read + write +
	    timeout))
	R_CPU[$t,$2]=$(awk -v c="$((c1 - c0))" -v t="$TICKS" \
	    -v d="$duration_us" \
	    'BEGIN { printf "%.0f%%", 100 * c / t / (d / 1e6) }')
	# Server CPU time per answered request: steadier than requests/s
	# when other work takes turns on the server's CPU.
	R_US[$t,$2]=$(awk -v c="$((c1 - c0))" -v t="$TICKS" -v n="$requests" \
	    'BEGIN { printf "%.1f", (n > 0 ? 1e6 * c / t / n : 0) }')
	R_WRKCPU[$t,$2]=$(echo "$wrkcpu" | awk -v d="$duration_us" \
	    '{ printf "%.0f%%", 100 * ($1 + $2) / (d / 1e6) }')
	if is_baseline "$t"; then
		R_MEM[$t,$2]="-"
	else
		R_MEM[$t,$2]=$(awk -v a="$rss0" -v b="${rssmid:-0}" \
		    -v c="$rssend" -v h="${hwm:-0}" 'BEGIN {
		    printf "%.1f/%.1f/%.1f/%.1f", a / 1024, b / 1024,
		    c / 1024, h / 1024 }')
	fi
	R_NOTE[$t,$2]="$note; sent $sent, $distinct distinct"
	if [ "$sent" -gt "$distinct" ]; then
		R_NOTE[$t,$2]="${R_NOTE[$t,$2]}
    WARNING: wrk sent more than the distinct requests; the rest were
    repeats, answered without dispatch: raise BENCH_REQUESTS"
	fi
	# Who spent the servers' CPU, per request (Redis, nginx if any).
	R_ROLES[$t,$2]=$(echo "$t0 $t1" | awk -v t="$TICKS" -v n="$requests" '
	    function us(a, b) { return n > 0 ? 1e6 * (b - a) / t / n : 0 }
	    { printf "wxkbd %.1f", us($1, $4)
	      if ($5 > $2) printf ", redis %.1f", us($2, $5)
	      if ($6 > $3) printf ", nginx %.1f", us($3, $6) }')
	R_NOTE[$t,$2]="${R_NOTE[$t,$2]}
    server us/req: ${R_ROLES[$t,$2]}"
	if ! is_baseline "$t"; then
		R_NOTE[$t,$2]="${R_NOTE[$t,$2]}
    RSS at the end: $anon
    RSS MiB each second: $(grep '^[0-9]' "$WORK/rss" | awk 'NR % 2 == 1 {
		printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1024 }')"
	fi
	printf '  round %s %-9s %8.0f req/s  p50 %5.2f ms  p99 %6.2f ms' \
	    "$2" "$t" "$rps" "$(echo "$p50_us" | awk '{ print $1 / 1000 }')" \
	    "$(echo "$p99_us" | awk '{ print $1 / 1000 }')"
	printf '  errors %s\n' "${R_ERR[$t,$2]}"
}

# --- the runs ------------------------------------------------------------

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs ($CPU_MODEL)," \
    "kernel $(uname -r)"
echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(other work on the machine lowers and scatters the figures)"
if [ "$PIN" = 1 ]; then
	echo "bench: server pinned to CPU 0, wrk to CPU 1 (taskset)"
else
	echo "bench: no pinning: server and wrk share all CPUs"
fi
if [ -n "${BENCH_NICE:-}" ]; then
	echo "bench: server and wrk at nice $BENCH_NICE"
fi
echo "bench: wrk $THREADS threads, $CONNS connections, ${DURATION} s per" \
    "run, $ROUNDS round(s); $WORKERS worker(s); wxkbd log level $LOG_LEVEL;" \
    "$NREQ distinct requests per mode, ${RETRY_PCT}% retries"

ROWS=0
for r in $(seq 1 "$ROUNDS"); do
	for t in $TARGETS; do
		skipped "$t" && continue
		run "$t" "$r"
		ROWS=1
	done
done

if wanted failover; then
	. tests/bench/failover.sh
	failover_bench
fi
[ "$ROWS" = 1 ] || exit 0

# --- the table -----------------------------------------------------------

# The round with the median requests/s of target t.
median_round() {
	local t=$1 r
	for r in $(seq 1 "$ROUNDS"); do
		echo "${R_RPS[$t,$r]} $r"
	done | sort -n |
	    awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }'
}

label() {
	case $1 in
	baseline) echo "baseline (evhttp)" ;;
	plain) echo "wxkbd plain" ;;
	safe) echo "wxkbd safe" ;;
	safe10k) echo "wxkbd safe, ${KB_ITEMS} items" ;;
	paced) echo "wxkbd safe, paced ~${PACED_MS}ms" ;;
	basepaced) echo "baseline, paced ~${PACED_MS}ms" ;;
	saferedis) echo "wxkbd safe, WXKB_REDIS" ;;
	nginxsafe) echo "nginx + 1 safe" ;;
	saferedis2) echo "nginx + 2 safe, WXKB_REDIS" ;;
	esac
}

BASE_RPS=
if [[ " $TARGETS " == *" baseline "* ]]; then
	BASE_RPS=${R_RPS[baseline,$(median_round baseline)]}
fi
BASE_US=
if [ -n "$BASE_RPS" ]; then
	BASE_US=${R_US[baseline,$(median_round baseline)]}
fi
echo
printf '%-26s %8s %6s %7s %6s %5s %6s %6s %5s %6s  %s\n' target "req/s" \
    "p50ms" "p99ms" errors ratio srvCPU "us/req" ratio wrkCPU \
    "RSS MiB start/mid/end/peak"
for t in $TARGETS; do
	skipped "$t" && continue
	r=$(median_round "$t")
	ratio=-
	cratio=-
	if [ -n "$BASE_RPS" ] && [ "$t" != paced ] &&
	    [ "$t" != basepaced ]; then
		ratio=$(awk -v a="${R_RPS[$t,$r]}" -v b="$BASE_RPS" \
		    'BEGIN { printf "%.2f", a / b }')
		cratio=$(awk -v a="${R_US[$t,$r]}" -v b="$BASE_US" \
		    'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
	fi
	printf '%-26s %8.0f %6.2f %7.2f %6s %5s %6s %6s %5s %6s  %s\n' \
	    "$(label "$t")" "${R_RPS[$t,$r]}" \
	    "$(awk -v v="${R_P50[$t,$r]}" 'BEGIN { print v / 1000 }')" \
	    "$(awk -v v="${R_P99[$t,$r]}" 'BEGIN { print v / 1000 }')" \
	    "${R_ERR[$t,$r]}" "$ratio" "${R_CPU[$t,$r]}" "${R_US[$t,$r]}" \
	    "$cratio" "${R_WRKCPU[$t,$r]}" "${R_MEM[$t,$r]}"
done
echo "(ratio: requests/s over the baseline's; us/req: server CPU time per"
echo " request, and its ratio baseline/target, which other work on the"
echo " machine disturbs less; srvCPU: the server's share of one CPU)"
echo
for t in $TARGETS; do
	skipped "$t" && continue
	is_baseline "$t" && continue
	r=$(median_round "$t")
	echo "$(label "$t"):${R_NOTE[$t,$r]}"
	if [ "$ROUNDS" -gt 1 ]; then
		echo "    req/s of the rounds:${R_ALL[$t]}"
	fi
done
if [ "$ROUNDS" -gt 1 ] && [ -n "$BASE_RPS" ]; then
	echo "baseline (evhttp): req/s of the rounds:${R_ALL[baseline]}"
fi
# pair_ratio A B: target A against B of the same run, both measured.
pair_ratio() {
	local a b
	[[ " $TARGETS " == *" $1 "* ]] && [[ " $TARGETS " == *" $2 "* ]] ||
	    return 0
	a=$(median_round "$1")
	b=$(median_round "$2")
	echo "$(label "$1") / $(label "$2"): req/s" \
	    "$(awk -v a="${R_RPS[$1,$a]}" -v b="${R_RPS[$2,$b]}" \
	    'BEGIN { printf "%.2f", a / b }'), server us/req" \
	    "$(awk -v a="${R_US[$1,$a]}" -v b="${R_US[$2,$b]}" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
}
# Shared state costs a Redis round trip per message: against safe mode
# alone, measured in the same run.
pair_ratio saferedis safe
# Two instances on one Redis behind nginx, against nginx in front of one
# without Redis: on a machine of two CPUs this is the cost of the shared
# state and of a second process, not the gain of a second machine.
pair_ratio saferedis2 nginxsafe

# --- the targets of the issue --------------------------------------------

verdict() {
	if awk -v v="$2" -v lim="$3" -v op="$4" 'BEGIN {
	    exit !(op == "ge" ? v >= lim : v < lim) }'; then
		printf '  %-52s %-7s met\n' "$1" "$2"
	else
		printf '  %-52s %-7s NOT met\n' "$1" "$2"
	fi
}
echo
echo "targets of the issue (one worker, this machine):"
if [ -n "$BASE_RPS" ]; then
	for t in safe plain; do
		[[ " $TARGETS " == *" $t "* ]] || continue
		r=$(median_round "$t")
		lim=0.60
		[ "$t" = plain ] && lim=0.75
		v=$(awk -v a="${R_RPS[$t,$r]}" -v b="$BASE_RPS" \
		    'BEGIN { printf "%.2f", a / b }')
		verdict "$t / baseline >= $lim" "$v" "$lim" ge
	done
fi
for t in safe paced; do
	[[ " $TARGETS " == *" $t "* ]] || continue
	skipped "$t" && continue
	r=$(median_round "$t")
	v=$(awk -v v="${R_P99[$t,$r]}" 'BEGIN { printf "%.2f", v / 1000 }')
	verdict "p99 at $CONNS connections < 2 ms ($(label "$t"))" "$v" 2 lt
done
# What the bare server itself reaches under the paced load.
if [[ " $TARGETS " == *" basepaced "* ]] && ! skipped basepaced; then
	r=$(median_round basepaced)
	printf '  %-52s %-7s\n' "  for comparison, p99 of $(label basepaced)" \
	    "$(awk -v v="${R_P99[basepaced,$r]}" \
	    'BEGIN { printf "%.2f", v / 1000 }')"
fi
for t in safe safe10k; do
	[[ " $TARGETS " == *" $t "* ]] || continue
	r=$(median_round "$t")
	lim=16
	[ "$t" = safe10k ] && lim=64
	verdict "peak RSS < $lim MiB ($(label "$t"))" \
	    "$(echo "${R_MEM[$t,$r]}" | cut -d/ -f4)" "$lim" lt
done
