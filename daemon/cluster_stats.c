/*
 * cluster_stats — publish this instance's counts, read the others', serve
 * the sum (see cluster_stats.h).  Keys under the prefix:
 *
 *   stats:instances	hash: instance id -> version of its snapshot
 *   stats:inst:ID	the snapshot of instance ID (kb_snapshot.h)
 *   stats:state	hash: question -> "TIME STATE", the latest change
 *   stats:state:at	sorted set of the questions by TIME (drops the oldest)
 *   stats:state:seq	bumped on every change: read the hash again
 *
 * None has a TTL: an instance's counts stay until it is retired by hand
 * (docs/operations.md), so that an instance down for a while loses
 * nothing.  Everything read from Redis is checked and bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/cluster_stats.h"
#include "daemon/config.h"
#include "daemon/instance_id.h"
#include "handlers/admin/admin_stats_share.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"
#include "kb/kb_snapshot.h"
#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "lib/redis.h"

#define CS_KEY_MAX	256
#define CS_VER_MAX	48	/* bytes of a snapshot's version */
/*
 * The main loop also answers callbacks: after making or reading a large
 * snapshot, wait this many times as long before the next, so that the
 * statistics never take more than 2 % of it.
 */
#define CS_PACE		50

/* KEYS snapshot, instances; ARGV id, snapshot, its version. */
static const char cs_publish_lua[] =
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])\n"
    "return 1\n";

/*
 * KEYS instances, state seq, state; ARGV the snapshots' key prefix, the
 * most instances to list.  {seq, instances, states, then id, version,
 * bytes of its snapshot for each}: the sizes, so that what is over its
 * limit is not read.
 */
static const char cs_poll_lua[] =
    "local all = redis.call('HGETALL', KEYS[1])\n"
    "local out = {redis.call('GET', KEYS[2]) or '0', tostring(#all / 2),\n"
    "  tostring(redis.call('HLEN', KEYS[3]))}\n"
    "for i = 1, math.min(#all, 2 * tonumber(ARGV[2])), 2 do\n"
    "  out[#out + 1] = all[i]\n"
    "  out[#out + 1] = all[i + 1]\n"
    "  out[#out + 1] = tostring(redis.call('STRLEN', ARGV[1] .. all[i]))\n"
    "end\n"
    "return out\n";

/*
 * KEYS state, state:at, state:seq; ARGV question, time, state, the most
 * changes kept.  An older change than the one stored is dropped (0).
 */
static const char cs_state_lua[] =
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if cur then\n"
    "  local t = tonumber(string.match(cur, '^%d+'))\n"
    "  if t and t > tonumber(ARGV[2]) then return 0 end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])\n"
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
    "local n = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])\n"
    "if n > 0 then\n"
    "  local old = redis.call('ZRANGE', KEYS[2], 0, n - 1)\n"
    "  redis.call('HDEL', KEYS[1], unpack(old))\n"
    "  redis.call('ZREM', KEYS[2], unpack(old))\n"
    "end\n"
    "redis.call('INCR', KEYS[3])\n"
    "return 1\n";

/* Another instance, as last read. */
struct cs_peer {
	char			 id[INSTANCE_ID_LEN + 1];
	char			 version[CS_VER_MAX + 1];	/* taken or
							   refused */
	struct kb_stats		*stats;		/* NULL until read */
	struct kb_unanswered	*unanswered;
	int			 fetching;
	int			 listed;	/* by the last poll */
};

/* A question's state change. */
struct cs_state {
	char			 text[KB_UNANSWERED_TEXT + 1];
	int			 state;
	time_t			 at;
};

struct cluster_stats {
	struct redis		*state;		/* NULL once stopped */
	struct dispatch		*dispatch;
	struct event		*timer;
	struct admin_stats_share share;
	char			 id[INSTANCE_ID_LEN + 1];
	char			 nonce[17];	/* this process's */
	char			 version[CS_VER_MAX + 1];	/* published */
	char			*published;	/* its bytes; NULL: publish */
	size_t			 published_len;
	char			*sending;	/* in flight */
	size_t			 sending_len;
	char			 sending_version[CS_VER_MAX + 1];
	int			 polling, reading_states, pushing;
	double			 publish_after;	/* monotonic seconds */
	double			 poll_after;
	int			 warned_many, warned_shared, warned_bad;
	int			 warned_states;
	struct cs_peer		 peers[CLUSTER_STATS_PEERS];
	size_t			 npeers;
	char			 seq[CS_VER_MAX + 1];	/* of the states held */
	struct cs_state		*states;	/* as in Redis */
	size_t			 nstates;
	struct cs_state		*pending;	/* not yet in Redis */
	size_t			 npending;
	char			 instances_key[CS_KEY_MAX];
	char			 snap_prefix[CS_KEY_MAX];
	char			 snap_key[CS_KEY_MAX + INSTANCE_ID_LEN];
	char			 state_key[CS_KEY_MAX];
	char			 state_at_key[CS_KEY_MAX];
	char			 seq_key[CS_KEY_MAX];
};

/* A fetch in flight: the peer is found again by id (the table moves). */
struct cs_fetch {
	struct cluster_stats	*cs;
	char			 id[INSTANCE_ID_LEN + 1];
	char			 version[CS_VER_MAX + 1];
};

static double
cs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The earliest time work begun at start may be done again. */
static double
cs_pace(double start)
{
	double end = cs_now();

	return end + (end - start) * CS_PACE;
}

static int
cs_up(const struct cluster_stats *cs)
{
	return cs->state != NULL && redis_is_up(cs->state);
}

/*
 * cmd key (GET, HGETALL) for fn with a struct cs_fetch of id and version
 * (fn frees it).  0 when sent.
 */
static int
cs_get(struct cluster_stats *cs, const char *cmd, const char *key,
    const char *id, const char *version, redis_reply_fn fn)
{
	const char *argv[2];
	struct cs_fetch *f;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	f->cs = cs;
	snprintf(f->id, sizeof f->id, "%s", id);
	snprintf(f->version, sizeof f->version, "%s", version);
	argv[0] = cmd;
	argv[1] = key;
	if (redis_command(cs->state, fn, f, 2, argv, NULL) != 0) {
		free(f);
		return -1;
	}
	return 0;
}

/* ---- publishing this instance's counts ---- */

static void
cs_publish_cb(void *arg, const redisReply *reply)
{
	struct cluster_stats *cs = arg;

	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER) {
		free(cs->published);
		cs->published = cs->sending;
		cs->published_len = cs->sending_len;
		memcpy(cs->version, cs->sending_version, sizeof cs->version);
	} else
		free(cs->sending);	/* sent again from the next tick */
	cs->sending = NULL;
}

static void
cs_publish(struct cluster_stats *cs)
{
	const char *v[5];
	size_t vlen[5] = { 0, 0, 0, 0, 0 }, len = 0;
	struct timeval tv;
	json_t *st, *un;
	char *buf = NULL;
	double start;

	if (cs->sending != NULL || cs_now() < cs->publish_after)
		return;
	start = cs_now();
	st = dispatch_stats_json(cs->dispatch);
	un = dispatch_unanswered_json(cs->dispatch, 0);
	if (st != NULL && un != NULL)
		buf = kb_snapshot_dump(st, un, &len);
	json_decref(st);
	json_decref(un);
	cs->publish_after = cs_pace(start);
	if (buf == NULL)
		return;
	if (cs->published != NULL && len == cs->published_len &&
	    memcmp(buf, cs->published, len) == 0) {
		free(buf);
		return;
	}
	gettimeofday(&tv, NULL);
	snprintf(cs->sending_version, sizeof cs->sending_version,
	    "%lld.%03ld-%s", (long long)tv.tv_sec, (long)tv.tv_usec / 1000,
	    cs->nonce);
	v[0] = cs->snap_key;
	v[1] = cs->instances_key;
	v[2] = cs->id;
	v[3] = buf;
	v[4] = cs->sending_version;
	vlen[3] = len;
	if (redis_eval(cs->state, cs_publish_cb, cs, cs_publish_lua, 2, 5, v,
	    vlen) != 0) {
		free(buf);
		return;
	}
	cs->sending = buf;
	cs->sending_len = len;
}

/* ---- reading the others' ---- */

static struct cs_peer *
cs_peer_find(struct cluster_stats *cs, const char *id)
{
	size_t i;

	for (i = 0; i < cs->npeers; i++)
		if (strcmp(cs->peers[i].id, id) == 0)
			return &cs->peers[i];
	return NULL;
}

static void
cs_peer_clear(struct cs_peer *p)
{
	kb_stats_free(p->stats);
	kb_unanswered_free(p->unanswered);
	memset(p, 0, sizeof *p);
}

static void
cs_fetch_cb(void *arg, const redisReply *reply)
{
	struct cs_fetch *f = arg;
	struct cluster_stats *cs = f->cs;
	struct kb_unanswered *un;
	struct kb_stats *st;
	struct cs_peer *p;
	char name[64], *cause = NULL;
	double start;
	int r;

	p = cs_peer_find(cs, f->id);
	if (p == NULL)			/* retired meanwhile */
		goto out;
	p->fetching = 0;
	if (reply == NULL)		/* Redis away: read it again later */
		goto out;
	/* Taken or refused, this version is not read again. */
	memcpy(p->version, f->version, sizeof p->version);
	if (reply->type == REDIS_REPLY_NIL)
		goto out;
	snprintf(name, sizeof name, "snapshot of instance %s", f->id);
	if (reply->type != REDIS_REPLY_STRING) {
		log_warn("stats_refused", "%s: not a string", name);
		goto out;
	}
	start = cs_now();
	r = kb_snapshot_parse(reply->str, reply->len, name, &st, &un, &cause);
	cs->poll_after = cs_pace(start);
	if (r != 0) {
		/* Its last good counts stay in the view. */
		log_warn("stats_refused", "%s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		goto out;
	}
	kb_stats_free(p->stats);
	kb_unanswered_free(p->unanswered);
	p->stats = st;
	p->unanswered = un;
out:
	free(f);
}

static void
cs_fetch(struct cluster_stats *cs, struct cs_peer *p, const char *version)
{
	char key[CS_KEY_MAX + INSTANCE_ID_LEN];

	snprintf(key, sizeof key, "%s%s", cs->snap_prefix, p->id);
	if (cs_get(cs, "GET", key, p->id, version, cs_fetch_cb) == 0)
		p->fetching = 1;
}

static int
cs_state_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cs_state *)a)->text,
	    ((const struct cs_state *)b)->text);
}

/* "TIME STATE" into *at and *state; 1 when it is one. */
static int
cs_state_value(const char *s, size_t len, time_t *at, int *state)
{
	char buf[40], *end;
	long long t;

	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return 0;
	errno = 0;
	t = strtoll(buf, &end, 10);
	if (errno != 0 || *end != ' ' || t < 0)
		return 0;
	*state = kb_unanswered_state_parse(end + 1);
	*at = (time_t)t;
	return *state >= 0;
}

static void
cs_states_cb(void *arg, const redisReply *reply)
{
	struct cs_fetch *f = arg;	/* version: the seq asked for */
	struct cluster_stats *cs = f->cs;
	const redisReply *k, *v;
	struct cs_state *n;
	size_t i, bad = 0, cnt = 0;

	cs->reading_states = 0;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		goto out;
	if (reply->elements % 2 != 0 ||
	    reply->elements > 2 * (size_t)CLUSTER_STATS_STATES) {
		log_warn("stats_refused", "question states in Redis: %zu "
		    "fields, more than %d are kept", reply->elements / 2,
		    CLUSTER_STATS_STATES);
		snprintf(cs->seq, sizeof cs->seq, "%s", f->version);
		goto out;
	}
	n = calloc(reply->elements / 2 + 1, sizeof *n);
	if (n == NULL)
		goto out;
	for (i = 0; i + 1 < reply->elements; i += 2) {
		k = reply->element[i];
		v = reply->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || k->len == 0 ||
		    k->len > KB_UNANSWERED_TEXT ||
		    strlen(k->str) != k->len ||
		    v->type != REDIS_REPLY_STRING ||
		    !cs_state_value(v->str, v->len, &n[cnt].at,
		    &n[cnt].state)) {
			bad++;
			continue;
		}
		memcpy(n[cnt].text, k->str, k->len + 1);
		cnt++;
	}
	if (bad > 0)
		log_warn("stats_refused", "question states in Redis: %zu "
		    "malformed, left out", bad);
	qsort(n, cnt, sizeof *n, cs_state_cmp);
	free(cs->states);
	cs->states = n;
	cs->nstates = cnt;
	snprintf(cs->seq, sizeof cs->seq, "%s", f->version);
out:
	free(f);
}

static void
cs_read_states(struct cluster_stats *cs, const char *seq)
{
	if (cs->reading_states || strcmp(seq, cs->seq) == 0)
		return;
	if (cs_get(cs, "HGETALL", cs->state_key, "", seq, cs_states_cb) == 0)
		cs->reading_states = 1;
}

/* Our own entry: gone (Redis lost it) or another process's. */
static void
cs_own_entry(struct cluster_stats *cs, const redisReply *ver)
{
	const char *dash;

	if (cs->published == NULL)
		return;
	if (ver != NULL && ver->len == strlen(cs->version) &&
	    memcmp(ver->str, cs->version, ver->len) == 0)
		return;
	/* Publish again; and say so when another process uses our id. */
	free(cs->published);
	cs->published = NULL;
	dash = ver != NULL ? memchr(ver->str, '-', ver->len) : NULL;
	if (dash != NULL && !cs->warned_shared &&
	    (size_t)(ver->str + ver->len - dash - 1) == strlen(cs->nonce) &&
	    memcmp(dash + 1, cs->nonce, strlen(cs->nonce)) != 0) {
		cs->warned_shared = 1;
		log_err("stats_id_shared", "another instance publishes its "
		    "statistics as %s too (a copied state dir?): remove %s "
		    "from the state dir of one of them and restart it",
		    cs->id, INSTANCE_ID_FILE);
	}
}

static void
cs_poll_cb(void *arg, const redisReply *reply)
{
	struct cluster_stats *cs = arg;
	const redisReply *id, *ver, *len, *own = NULL;
	struct cs_peer *p;
	long long total, bytes;
	size_t i, j;
	int bad = 0;

	cs->polling = 0;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 3 || (reply->elements - 3) % 3 != 0)
		return;
	for (i = 0; i < reply->elements; i++)
		if (reply->element[i]->type != REDIS_REPLY_STRING)
			return;
	total = strtoll(reply->element[1]->str, NULL, 10);
	if (total > CLUSTER_STATS_PEERS && !cs->warned_many) {
		cs->warned_many = 1;
		log_warn("stats_instances", "%lld instances publish "
		    "statistics, only %d are read: retire those that are "
		    "gone (docs/operations.md)", total, CLUSTER_STATS_PEERS);
	}
	for (i = 0; i < cs->npeers; i++)
		cs->peers[i].listed = 0;
	for (i = 3; i + 2 < reply->elements; i += 3) {
		id = reply->element[i];
		ver = reply->element[i + 1];
		len = reply->element[i + 2];
		if (strcmp(id->str, cs->id) == 0) {
			own = ver;
			continue;
		}
		if (!instance_id_valid(id->str, id->len) || ver->len == 0 ||
		    ver->len > CS_VER_MAX || strlen(ver->str) != ver->len) {
			bad++;
			continue;
		}
		p = cs_peer_find(cs, id->str);
		if (p == NULL && cs->npeers < CLUSTER_STATS_PEERS) {
			p = &cs->peers[cs->npeers++];
			memcpy(p->id, id->str, INSTANCE_ID_LEN + 1);
		}
		if (p == NULL)
			continue;
		p->listed = 1;
		if (p->fetching || strcmp(p->version, ver->str) == 0)
			continue;
		bytes = strtoll(len->str, NULL, 10);
		if (bytes > (long long)KB_SNAPSHOT_MAX) {
			log_warn("stats_refused", "snapshot of instance %s: "
			    "%lld bytes, more than %d", p->id, bytes,
			    KB_SNAPSHOT_MAX);
			memcpy(p->version, ver->str, ver->len + 1);
			continue;
		}
		cs_fetch(cs, p, ver->str);
	}
	if (bad > 0 && !cs->warned_bad) {
		cs->warned_bad = 1;
		log_warn("stats_refused", "%d entries of the instances' "
		    "list in Redis are malformed, left out", bad);
	}
	cs_own_entry(cs, own);
	/* Instances retired by hand leave the view. */
	for (i = j = 0; i < cs->npeers; i++) {
		if (!cs->peers[i].listed) {
			cs_peer_clear(&cs->peers[i]);
			continue;
		}
		if (i != j) {
			cs->peers[j] = cs->peers[i];
			memset(&cs->peers[i], 0, sizeof cs->peers[i]);
		}
		j++;
	}
	cs->npeers = j;
	if (strtoll(reply->element[2]->str, NULL, 10) <= CLUSTER_STATS_STATES)
		cs_read_states(cs, reply->element[0]->str);
	else if (!cs->warned_states) {
		cs->warned_states = 1;
		log_warn("stats_refused", "question states in Redis: more "
		    "than %d, not read", CLUSTER_STATS_STATES);
	}
}

static void
cs_poll(struct cluster_stats *cs)
{
	const char *v[5];
	char max[16];

	if (cs->polling || cs_now() < cs->poll_after)
		return;
	snprintf(max, sizeof max, "%d", CLUSTER_STATS_PEERS + 1);
	v[0] = cs->instances_key;
	v[1] = cs->seq_key;
	v[2] = cs->state_key;
	v[3] = cs->snap_prefix;
	v[4] = max;
	if (redis_eval(cs->state, cs_poll_cb, cs, cs_poll_lua, 3, 5, v,
	    NULL) == 0)
		cs->polling = 1;
}

/* ---- state changes ---- */

/* Put (or replace) change c among the states held. */
static void
cs_state_keep(struct cluster_stats *cs, const struct cs_state *c)
{
	struct cs_state *s, *n;

	s = bsearch(c, cs->states, cs->nstates, sizeof *s, cs_state_cmp);
	if (s != NULL) {
		if (c->at >= s->at)
			*s = *c;
		return;
	}
	if (cs->nstates >= CLUSTER_STATS_STATES)
		return;		/* Redis has it; read again on its seq */
	n = realloc(cs->states, (cs->nstates + 1) * sizeof *n);
	if (n == NULL)
		return;
	cs->states = n;
	cs->states[cs->nstates++] = *c;
	qsort(cs->states, cs->nstates, sizeof *n, cs_state_cmp);
}

static void cs_push(struct cluster_stats *);

static void
cs_push_cb(void *arg, const redisReply *reply)
{
	struct cluster_stats *cs = arg;

	cs->pushing = 0;
	if (reply == NULL || cs->npending == 0)
		return;			/* again from the next tick */
	if (reply->type != REDIS_REPLY_INTEGER) {
		log_warn("stats_state_failed", "a question's state not kept "
		    "in Redis: %s", reply->type == REDIS_REPLY_ERROR ?
		    reply->str : "unexpected reply");
		return;
	}
	cs_state_keep(cs, &cs->pending[0]);
	cs->npending--;
	memmove(&cs->pending[0], &cs->pending[1],
	    cs->npending * sizeof cs->pending[0]);
	if (cs_up(cs))
		cs_push(cs);
}

static void
cs_push(struct cluster_stats *cs)
{
	const char *v[7];
	char at[24], max[16];
	const struct cs_state *c;

	if (cs->pushing || cs->npending == 0 || !cs_up(cs))
		return;
	c = &cs->pending[0];
	snprintf(at, sizeof at, "%lld", (long long)c->at);
	snprintf(max, sizeof max, "%d", CLUSTER_STATS_STATES);
	v[0] = cs->state_key;
	v[1] = cs->state_at_key;
	v[2] = cs->seq_key;
	v[3] = c->text;
	v[4] = at;
	v[5] = kb_unanswered_state_name((enum kb_unanswered_state)c->state);
	v[6] = max;
	if (redis_eval(cs->state, cs_push_cb, cs, cs_state_lua, 3, 7, v,
	    NULL) == 0)
		cs->pushing = 1;
}

static void
cs_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster_stats *cs = arg;

	(void)fd;
	(void)what;
	if (!cs_up(cs))
		return;
	cs_publish(cs);
	cs_poll(cs);
	cs_push(cs);
}

/* ---- the merged view ---- */

static struct kb_unanswered *
cs_merged_unanswered(struct cluster_stats *cs)
{
	struct kb_unanswered *m, *local;
	json_t *lj;
	size_t i;

	m = kb_unanswered_new(KB_UNANSWERED_MAX * (cs->npeers + 1));
	local = kb_unanswered_new(0);
	lj = dispatch_unanswered_json(cs->dispatch, 0);
	if (m == NULL || local == NULL) {
		kb_unanswered_free(m);
		m = NULL;
		goto out;
	}
	if (lj != NULL && kb_unanswered_from_json(local, lj, "local", NULL)
	    == 0)
		kb_unanswered_merge(m, local);
	for (i = 0; i < cs->npeers; i++)
		if (cs->peers[i].unanswered != NULL)
			kb_unanswered_merge(m, cs->peers[i].unanswered);
	for (i = 0; i < cs->nstates; i++)
		(void)kb_unanswered_merge_state(m, cs->states[i].text,
		    (enum kb_unanswered_state)cs->states[i].state,
		    cs->states[i].at);
	for (i = 0; i < cs->npending; i++)
		(void)kb_unanswered_merge_state(m, cs->pending[i].text,
		    (enum kb_unanswered_state)cs->pending[i].state,
		    cs->pending[i].at);
out:
	kb_unanswered_free(local);
	json_decref(lj);
	return m;
}

/* "cluster" and "instances" of a view. */
static json_t *
cs_mark(struct cluster_stats *cs, json_t *j)
{
	size_t i, n = 1;

	if (j == NULL)
		return NULL;
	for (i = 0; i < cs->npeers; i++)
		if (cs->peers[i].stats != NULL)
			n++;
	json_object_set_new(j, "cluster", json_string(cs_up(cs) ? "ok" :
	    "degraded"));
	json_object_set_new(j, "instances", json_integer((json_int_t)n));
	return j;
}

static json_t *
cs_stats_view(void *arg)
{
	struct cluster_stats *cs = arg;
	struct kb_stats *m, *local;
	json_t *lj, *j = NULL;
	size_t i;

	m = kb_stats_new();
	local = kb_stats_new();
	lj = dispatch_stats_json(cs->dispatch);
	if (m == NULL || local == NULL)
		goto out;
	if (lj != NULL && kb_stats_from_json(local, lj, "local", NULL) == 0)
		(void)kb_stats_add(m, local);
	for (i = 0; i < cs->npeers; i++)
		if (cs->peers[i].stats != NULL)
			(void)kb_stats_add(m, cs->peers[i].stats);
	j = cs_mark(cs, kb_stats_json(m));
out:
	json_decref(lj);
	kb_stats_free(local);
	kb_stats_free(m);
	return j;
}

static json_t *
cs_unanswered_view(void *arg)
{
	struct cluster_stats *cs = arg;
	struct kb_unanswered *m = cs_merged_unanswered(cs);
	json_t *j;

	if (m == NULL)
		return NULL;
	j = cs_mark(cs, kb_unanswered_json(m, 0));
	kb_unanswered_free(m);
	return j;
}

static int
cs_set_state(void *arg, const char *text, int state, time_t now)
{
	struct cluster_stats *cs = arg;
	struct kb_unanswered *m;
	struct cs_state *c;
	int here, held;

	if (strlen(text) == 0 || strlen(text) > KB_UNANSWERED_TEXT)
		return -1;
	/* Held here: the local file and snapshot carry the change too. */
	here = dispatch_unanswered_set_state(cs->dispatch, text, state,
	    now) == 0;
	if (!here) {
		m = cs_merged_unanswered(cs);
		held = m != NULL && kb_unanswered_merge_state(m, text,
		    (enum kb_unanswered_state)state, now) == 0;
		kb_unanswered_free(m);
		if (!held)
			return -1;
	}
	if (cs->npending == CLUSTER_STATS_PENDING)
		return here ? 0 : -2;
	c = &cs->pending[cs->npending++];
	memset(c, 0, sizeof *c);
	memcpy(c->text, text, strlen(text) + 1);
	c->state = state;
	c->at = now;
	cs_push(cs);
	return 0;
}

/* ---- life ---- */

struct cluster_stats *
cluster_stats_new(struct event_base *base, const struct config *cfg,
    struct redis *state, struct dispatch *dispatch, char **cause)
{
	struct timeval tv = { CLUSTER_STATS_TICK_S, 0 };
	unsigned char raw[8];
	struct cluster_stats *cs;

	cs = calloc(1, sizeof *cs);
	if (cs == NULL)
		fatal("calloc");
	if (instance_id_load(cfg->state_dir, cs->id, cause) != 0) {
		free(cs);
		return NULL;
	}
	if (rand_bytes(raw, sizeof raw) != 0)
		fatalx("no randomness");
	digest_hex(raw, sizeof raw, cs->nonce);
	cs->pending = calloc(CLUSTER_STATS_PENDING, sizeof *cs->pending);
	if (cs->pending == NULL)
		fatal("calloc");
	cs->state = state;
	cs->dispatch = dispatch;
	snprintf(cs->instances_key, sizeof cs->instances_key,
	    "%sstats:instances", cfg->redis_prefix);
	snprintf(cs->snap_prefix, sizeof cs->snap_prefix, "%sstats:inst:",
	    cfg->redis_prefix);
	snprintf(cs->snap_key, sizeof cs->snap_key, "%s%s", cs->snap_prefix,
	    cs->id);
	snprintf(cs->state_key, sizeof cs->state_key, "%sstats:state",
	    cfg->redis_prefix);
	snprintf(cs->state_at_key, sizeof cs->state_at_key,
	    "%sstats:state:at", cfg->redis_prefix);
	snprintf(cs->seq_key, sizeof cs->seq_key, "%sstats:state:seq",
	    cfg->redis_prefix);
	cs->share.stats = cs_stats_view;
	cs->share.unanswered = cs_unanswered_view;
	cs->share.set_state = cs_set_state;
	cs->share.arg = cs;
	cs->timer = event_new(base, -1, EV_PERSIST, cs_timer_cb, cs);
	if (cs->timer == NULL || event_add(cs->timer, &tv) != 0)
		fatalx("cannot arm the statistics timer");
	return cs;
}

const struct admin_stats_share *
cluster_stats_share(struct cluster_stats *cs)
{
	return cs != NULL ? &cs->share : NULL;
}

void
cluster_stats_stop(struct cluster_stats *cs)
{
	if (cs == NULL)
		return;
	cs->state = NULL;
	if (cs->timer != NULL)
		event_free(cs->timer);
	cs->timer = NULL;
}

void
cluster_stats_free(struct cluster_stats *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	cluster_stats_stop(cs);
	for (i = 0; i < cs->npeers; i++)
		cs_peer_clear(&cs->peers[i]);
	free(cs->published);
	free(cs->sending);
	free(cs->states);
	free(cs->pending);
	free(cs);
}
