/*
 * cluster_kb — publish and follow the knowledge base in Redis (see
 * cluster_kb.h).  Keys: PREFIX kb:doc (the document), PREFIX kb:rev (its
 * revision), channel PREFIX kb (the revision, on every change).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/cluster_kb.h"
#include "daemon/config.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/redis.h"

#define CLUSTER_KB_CHECK_S	30
#define CLUSTER_KB_KEY_MAX	256

/*
 * KEYS rev, doc, channel; ARGV revision, document, the revision this
 * instance last saw in Redis.  Compare-and-set: when another instance
 * published since (the stored revision moved on), -1.  An empty Redis
 * (restarted without its data) takes any revision.
 */
static const char cluster_kb_publish_lua[] =
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if cur ~= 0 and cur ~= tonumber(ARGV[3]) then return -1 end\n"
    "if tonumber(ARGV[1]) <= cur then return 0 end\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('PUBLISH', KEYS[3], ARGV[1])\n"
    "return 1\n";

/* KEYS rev, doc; ARGV the revision served here.  Newer: {rev, doc}. */
static const char cluster_kb_check_lua[] =
    "local r = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if r > tonumber(ARGV[1]) then\n"
    "  return {tostring(r), redis.call('GET', KEYS[2])}\n"
    "end\n"
    "return {tostring(r)}\n";

struct cluster_kb {
	struct redis		*state;
	struct redis		*sub;
	const struct config	*cfg;
	cluster_kb_apply_fn	 apply;
	void			*apply_arg;
	struct event		*timer;
	int			 checking;	/* a check is in Redis */
	int			 force_next;	/* a forced check waits */
	int64_t			 seen;		/* revision last applied from or
						   published to Redis */
	int64_t			 asked;		/* local revision of the check */
	int64_t			 publishing;	/* revision in flight, or 0 */
	char			 rev_key[CLUSTER_KB_KEY_MAX];
	char			 doc_key[CLUSTER_KB_KEY_MAX];
	char			 channel[CLUSTER_KB_KEY_MAX];
};

/* The local file and its revision; *buf malloc'ed.  0 or -1. */
static int
cluster_kb_local(const struct cluster_kb *ck, char **buf, size_t *len,
    int64_t *rev)
{
	json_t *doc;

	*buf = NULL;
	if (file_read(ck->cfg->kb, KB_MAX_FILE, buf, len, NULL) != 0)
		return -1;
	doc = kb_doc_parse(*buf, *len, NULL);
	if (doc == NULL) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	*rev = kb_doc_revision(doc);
	json_decref(doc);
	return 0;
}

static void cluster_kb_check(struct cluster_kb *, int force);

static void
cluster_kb_publish_cb(void *arg, const redisReply *reply)
{
	struct cluster_kb *ck = arg;
	int64_t rev = ck->publishing;

	ck->publishing = 0;
	if (reply == NULL || reply->type != REDIS_REPLY_INTEGER)
		return;		/* Redis away: the next check publishes */
	if (reply->integer == 1) {
		ck->seen = rev;
		return;
	}
	if (reply->integer < 0) {
		log_warn("kb_conflict", "knowledge base revision %" PRId64
		    " saved here lost to an edit saved at the same time on "
		    "another instance; serving that one: make the change "
		    "again", rev);
		cluster_kb_check(ck, 1);
	}
}

void
cluster_kb_publish(struct cluster_kb *ck)
{
	const char *argv[9];
	size_t argvlen[9];
	char *buf, revs[24], seen[24];
	size_t len, i;
	int64_t rev;

	if (ck == NULL || ck->publishing != 0 ||
	    cluster_kb_local(ck, &buf, &len, &rev) != 0)
		return;
	snprintf(revs, sizeof revs, "%" PRId64, rev);
	snprintf(seen, sizeof seen, "%" PRId64, ck->seen);
	argv[0] = "EVAL";
	argv[1] = cluster_kb_publish_lua;
	argv[2] = "3";
	argv[3] = ck->rev_key;
	argv[4] = ck->doc_key;
	argv[5] = ck->channel;
	argv[6] = revs;
	argv[7] = buf;
	argv[8] = seen;
	for (i = 0; i < 9; i++)
		argvlen[i] = strlen(argv[i]);
	argvlen[7] = len;
	if (rev > 0 && redis_command(ck->state, cluster_kb_publish_cb, ck, 9,
	    argv, argvlen) == 0)
		ck->publishing = rev;
	free(buf);
}

static void
cluster_kb_check_cb(void *arg, const redisReply *reply)
{
	struct cluster_kb *ck = arg;
	const redisReply *d;
	struct kb_diag diag;
	struct kb *kb = NULL;
	int64_t r;

	ck->checking = 0;
	if (ck->force_next && reply != NULL) {
		ck->force_next = 0;
		cluster_kb_check(ck, 1);
		return;
	}
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING)
		return;
	r = strtoll(reply->element[0]->str, NULL, 10);
	if (reply->elements == 1) {
		/*
		 * The same number as ours but not one we took or gave: the
		 * contents may differ (two saves at once), take the cluster's.
		 */
		if (r == ck->asked && r != ck->seen && r > 0) {
			cluster_kb_check(ck, 1);
			return;
		}
		/* Ours is newer: the cluster should have it. */
		cluster_kb_publish(ck);
		return;
	}
	d = reply->element[1];
	if (d->type != REDIS_REPLY_STRING || d->len > KB_MAX_FILE)
		return;
	memset(&diag, 0, sizeof diag);
	if (kb_load_buffer(d->str, d->len, 0, &kb, &diag) != KB_OK) {
		log_err("kb_sync_failed", "the knowledge base of revision %"
		    PRId64 " in Redis is not valid here; the local one keeps "
		    "serving", r);
		kb_diag_cleanup(&diag);
		return;
	}
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	if (ck->apply(ck->apply_arg, d->str, d->len) != 0)
		return;
	ck->seen = r;
	log_notice("kb_sync", "knowledge base revision %" PRId64 " from the "
	    "cluster", r);
}

/*
 * Is the cluster's revision newer than the file's?  Apply it then; with
 * force, whatever its revision (after a lost compare-and-set the two may
 * carry the same number).
 */
static void
cluster_kb_check(struct cluster_kb *ck, int force)
{
	const char *argv[6];
	char *buf, revs[24];
	size_t len;
	int64_t rev = 0;

	if (ck->checking) {
		ck->force_next |= force;
		return;
	}
	if (cluster_kb_local(ck, &buf, &len, &rev) == 0)
		free(buf);
	ck->asked = rev;
	if (force)
		rev = -1;
	snprintf(revs, sizeof revs, "%" PRId64, rev);
	argv[0] = "EVAL";
	argv[1] = cluster_kb_check_lua;
	argv[2] = "2";
	argv[3] = ck->rev_key;
	argv[4] = ck->doc_key;
	argv[5] = revs;
	if (redis_command(ck->state, cluster_kb_check_cb, ck, 6, argv,
	    NULL) == 0)
		ck->checking = 1;
}

static void
cluster_kb_message_cb(void *arg, const char *msg, size_t len)
{
	(void)msg;
	(void)len;
	/* A new revision, or a (re)subscription: messages may be lost. */
	cluster_kb_check(arg, 0);
}

static void
cluster_kb_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cluster_kb_check(arg, 0);
}

struct cluster_kb *
cluster_kb_new(struct event_base *base, const struct config *cfg,
    struct redis *state, cluster_kb_apply_fn apply, void *arg, char **cause)
{
	struct timeval tv = { CLUSTER_KB_CHECK_S, 0 };
	struct redis_opts o = { 0 };
	struct cluster_kb *ck;

	ck = calloc(1, sizeof *ck);
	if (ck == NULL)
		fatal("calloc");
	ck->state = state;
	ck->cfg = cfg;
	ck->apply = apply;
	ck->apply_arg = arg;
	snprintf(ck->rev_key, sizeof ck->rev_key, "%skb:rev",
	    cfg->redis_prefix);
	snprintf(ck->doc_key, sizeof ck->doc_key, "%skb:doc",
	    cfg->redis_prefix);
	snprintf(ck->channel, sizeof ck->channel, "%skb", cfg->redis_prefix);
	o.url = cfg->redis;
	o.password = cfg->redis_password;
	o.name = "pubsub";
	o.timeout_ms = 500;
	o.quiet = 1;		/* the state connection tells of outages */
	ck->sub = redis_new(base, &o, cause);
	if (ck->sub == NULL) {
		free(ck);
		return NULL;
	}
	if (redis_subscribe(ck->sub, ck->channel, cluster_kb_message_cb,
	    ck) != 0)
		fatalx("cannot subscribe to %s", ck->channel);
	ck->timer = event_new(base, -1, EV_PERSIST, cluster_kb_timer_cb, ck);
	if (ck->timer == NULL || event_add(ck->timer, &tv) != 0)
		fatalx("cannot arm the knowledge-base check");
	return ck;
}

void
cluster_kb_free(struct cluster_kb *ck)
{
	if (ck == NULL)
		return;
	redis_free(ck->sub);
	event_free(ck->timer);
	free(ck);
}
