# Shared by the tests of several instances (cluster*.sh),
# after lib.sh: a private redis-server on a unix socket in the test's own
# directory, never the system's, never a TCP port.  Sets REDIS_DIR, SOCK
# and REDIS_PID; the caller kills REDIS_PID on exit.  Also what every
# such test asks of an instance: its health, and aiming post() at it.

REDIS_DIR=$WORK/redis
SOCK=$REDIS_DIR/redis.sock
REDIS_PID=

# redis_installed: 0 when redis-server and redis-cli are there.
redis_installed() {
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null
}

rcli() {
	redis-cli -s "$SOCK" "$@"
}

# start_redis [OPTION VALUE...]: until it answers PING (bounded: 5 s);
# the options are added to (and override) redis-server's below.
start_redis() {
	mkdir -p "$REDIS_DIR"
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
	    --dir "$REDIS_DIR" --save '' --appendonly no \
	    --maxmemory-policy noeviction "$@" >>"$REDIS_DIR/log" 2>&1 &
	REDIS_PID=$!
	for _ in $(seq 1 50); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	return 1
}

kill_redis() {
	kill -9 "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
	rm -f "$SOCK"
}

# Instances are started by each test as NAME (A, B, ...), with PID_NAME
# and PORT_NAME set.
# health NAME: the status word of NAME's /healthz.
health() {
	local port
	eval "port=\$PORT_$1"
	curl -s -m 2 "http://127.0.0.1:$port/healthz" |
	    sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

# wait_health NAME WORD: until /healthz says WORD (bounded: 10 s).
wait_health() {
	for _ in $(seq 1 100); do
		[ "$(health "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# to NAME: aim post() at instance NAME.
to() {
	local port
	eval "port=\$PORT_$1"
	URL="http://127.0.0.1:$port/wechat"
}

# start_pair: the test's start_inst A and B on the shared Redis, both ok
# in /healthz (two checks); finishes the test when they do not start.
start_pair() {
	if ! start_inst A || ! start_inst B; then
		ok 1 "two instances start on the shared Redis"
		finish
	fi
	ok 0 "two instances start on the shared Redis"
	wait_health A ok && wait_health B ok
	ok $? "both report ok in /healthz once Redis is up"
}

# stop_all PID...: kill -9 and reap each (instances, Redis, fakes), then
# lib.sh's cleanup; for the EXIT trap.
stop_all() {
	local p
	for p in "$@"; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	cleanup
}
