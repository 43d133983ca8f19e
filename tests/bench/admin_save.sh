#!/usr/bin/env bash
# What a knowledge-base edit costs when it goes through the cluster's
# compare-and-set (WXKB_REDIS, a private redis-server on a unix socket)
# against one instance alone, measured in the same run: N saves of one
# item in a row (one curl, one connection, each If-Match the revision the
# previous save made), best of ROUNDS.  A benchmark, not a test: it
# prints milliseconds per save and the ratio.
#   BUILD=build bash tests/bench/admin_save.sh [N] [ROUNDS]
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/redis_lib.sh

N=${1:-50}
ROUNDS=${2:-5}
trap 'kill -9 $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; cleanup' EXIT
redis_installed || { echo "redis-server is not installed"; exit 1; }

# saves: N PUTs of the item hello on the running wxkbd; prints the
# milliseconds they took, or nothing when one of them failed.
saves() {
	local rev args=() i t0 t1 codes
	rev=$(curl -s -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "http://127.0.0.1:$ADMIN_PORT/api/kb" | grep -o '"revision":[0-9]*' |
	    head -n 1 | cut -d: -f2)
	item=$(curl -s -m 5 -D - -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "http://127.0.0.1:$ADMIN_PORT/api/kb/items/hello" | tr -d '\r' |
	    sed -n 's/^[Ee][Tt]ag: "\([0-9]*\)"/\1/p')
	for i in $(seq 1 "$N"); do
		[ "$i" -gt 1 ] && args+=(--next)
		args+=(-s -o /dev/null -w '%{http_code}\n' -X PUT
		    -H "Authorization: Bearer $ADMIN_TOKEN"
		    -H "If-Match: $item" -H 'Content-Type: application/json'
		    --data-binary "{\"id\":\"hello\",\"title\":\"你好\",\"keywords\":[\"你好\"],\"reply\":{\"type\":\"text\",\"content\":\"第${rev}-$i次\"}}"
		    "http://127.0.0.1:$ADMIN_PORT/api/kb/items/hello")
		item=$((rev + i))
	done
	t0=$(date +%s%N)
	codes=$(curl -m 60 "${args[@]}" | sort -u)
	t1=$(date +%s%N)
	[ "$codes" = 200 ] || { echo "# answers: $codes" >&2; return; }
	echo $(((t1 - t0) / 1000000))
}

# best MODE: the best of ROUNDS runs of saves.
best() {
	local b= t
	for _ in $(seq 1 "$ROUNDS"); do
		t=$(saves)
		[ -n "$t" ] || { echo "failed"; return; }
		[ -z "$b" ] || [ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}

cp tests/data/kb/small.json "$WORK/kb.json"
mkdir -p "$WORK/state"
cp "$WORK/kb.json" "$WORK/state/kb.json"
start_wxkbd >/dev/null || exit 1
alone=$(best)
stop_wxkbd
start_redis || exit 1
rm -rf "$WORK/state"
mkdir -p "$WORK/state"
cp "$WORK/kb.json" "$WORK/state/kb.json"
start_wxkbd WXKB_REDIS="unix:$SOCK" WXKB_REDIS_PREFIX=bench: >/dev/null || exit 1
sleep 0.5	# the first check seeds Redis
cluster=$(best)
stop_wxkbd
echo "$N saves, best of $ROUNDS: one instance ${alone} ms, through Redis ${cluster} ms"
awk -v a="$alone" -v c="$cluster" -v n="$N" 'BEGIN {
	printf "per save: %.2f ms alone, %.2f ms through Redis; ratio %.2f\n",
	    a / n, c / n, c / a }'
