/*
 * cluster_kb — the knowledge base of the cluster in Redis (see
 * cluster_kb.h).  Keys: PREFIX kb:doc (the document), PREFIX kb:rev (its
 * revision), PREFIX kb:history (the changes, newest first, each with the
 * version it replaced: cluster_kb_log.h), channel PREFIX kb (the
 * revision, on every change).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/cluster_kb.h"
#include "daemon/cluster_kb_log.h"
#include "daemon/config.h"
#include "handlers/admin/admin_api.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/redis.h"

#define CLUSTER_KB_CHECK_S	30
#define CLUSTER_KB_KEY_MAX	256
#define CLUSTER_KB_ARGS_MAX	5	/* ARGV of a script */

/*
 * Every script has KEYS rev, doc, channel, history.  since(): what an
 * instance behind the cluster needs, {status, revision, document, the
 * changes after revision mine, newest first}.
 */
#define CLUSTER_KB_SINCE_LUA \
    "local function since(status, cur, mine)\n" \
    "  local out = {status, tostring(cur)," \
    " redis.call('GET', KEYS[2]) or ''}\n" \
    "  local i = 0\n" \
    "  while true do\n" \
    "    local e = redis.call('LINDEX', KEYS[4], i)\n" \
    "    if not e then break end\n" \
    "    local r = tonumber(string.match(e, '^(%d+)\\n'))\n" \
    "    if r == nil or r <= mine then break end\n" \
    "    out[#out + 1] = e\n" \
    "    i = i + 1\n" \
    "  end\n" \
    "  return out\n" \
    "end\n"

/*
 * ARGV base, revision, document, note ("REV\nJSON"), cap.  Compare-and-
 * set: when the cluster is no longer at base (another instance saved
 * first), "lost" and since(base).  Else the version replaced goes into the
 * history with the note (at most cap kept), the document is set and the
 * revision published: "won".  An empty Redis (restarted without its
 * data: no kb:rev) takes any revision, 0 too; one already at or past it
 * answers "old".  Base -1 seeds: the newer revision wins, no history.
 */
static const char cluster_kb_save_lua[] = CLUSTER_KB_SINCE_LUA
    "local have = redis.call('GET', KEYS[1])\n"
    "local cur = tonumber(have or '0')\n"
    "local base = tonumber(ARGV[1])\n"
    "if have and base >= 0 and cur ~= base then\n"
    "  return since('lost', cur, base)\n"
    "end\n"
    "if have and tonumber(ARGV[2]) <= cur then\n"
    "  return {'old', tostring(cur)}\n"
    "end\n"
    "local old = redis.call('GET', KEYS[2])\n"
    "if old and base >= 0 then\n"
    "  redis.call('LPUSH', KEYS[4], ARGV[4] .. '\\n' .. old)\n"
    "  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[5]) - 1)\n"
    "end\n"
    "redis.call('SET', KEYS[2], ARGV[3])\n"
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "redis.call('PUBLISH', KEYS[3], ARGV[2])\n"
    "return {'won', ARGV[2]}\n";

/*
 * ARGV above, mine: newer than above, "newer" and since(mine); no
 * knowledge base in Redis, "empty".
 */
static const char cluster_kb_check_lua[] = CLUSTER_KB_SINCE_LUA
    "local have = redis.call('GET', KEYS[1])\n"
    "if not have then return {'empty', '0'} end\n"
    "local cur = tonumber(have)\n"
    "if cur > tonumber(ARGV[1]) then\n"
    "  return since('newer', cur, tonumber(ARGV[2]))\n"
    "end\n"
    "return {'same', tostring(cur)}\n";

struct cluster_kb {
	struct redis		*state;
	struct redis		*sub;
	const struct config	*cfg;
	cluster_kb_apply_fn	 apply;
	void			*apply_arg;
	struct admin_api	*admin;		/* keeps the history, or NULL */
	struct event		*timer;
	int			 checking;	/* a check is in Redis */
	int			 force_next;	/* a forced check waits */
	int			 check_after;	/* a check waits for the save */
	int64_t			 seen;		/* revision last applied from or
						   saved to Redis */
	int64_t			 asked;		/* local revision of the check */
	int64_t			 publishing;	/* revision in flight (-1: 0),
						   or 0 */
	int64_t			 saving;	/* an admin's, in flight, or 0 */
	admin_cas_done_fn	 saved;		/* its answer */
	void			*saved_arg;
	char			 rev_key[CLUSTER_KB_KEY_MAX];
	char			 doc_key[CLUSTER_KB_KEY_MAX];
	char			 hist_key[CLUSTER_KB_KEY_MAX];
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

/*
 * The status word and revision of a script's answer, or NULL when it is
 * not one (Redis away, an error).
 */
static const char *
cluster_kb_status(const redisReply *reply, int64_t *rev)
{
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 2 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    reply->element[1]->type != REDIS_REPLY_STRING)
		return NULL;
	*rev = strtoll(reply->element[1]->str, NULL, 10);
	return reply->element[0]->str;
}

/* Element i of a since() answer as a change; 0, or -1 when malformed. */
static int
cluster_kb_change(const redisReply *reply, size_t i,
    struct kb_history_entry *note, int64_t *old_rev, const char **old,
    size_t *old_len)
{
	const redisReply *e = reply->element[i];

	if (e->type != REDIS_REPLY_STRING)
		return -1;
	return cluster_kb_log_parse(e->str, e->len, note, old_rev, old,
	    old_len);
}

/* Log the change note as taken here from the cluster. */
static void
cluster_kb_log_sync(const struct kb_history_entry *note, int64_t old_rev)
{
	char oldrev[24], newrev[24];
	struct log_kv kv[5];

	snprintf(oldrev, sizeof oldrev, "%" PRId64, old_rev);
	snprintf(newrev, sizeof newrev, "%" PRId64, note->revision);
	kv[0] = (struct log_kv){ "PERSON", note->by };
	kv[1] = (struct log_kv){ "ITEM", note->item };
	kv[2] = (struct log_kv){ "ACTION", note->action };
	kv[3] = (struct log_kv){ "OLD_REVISION", oldrev };
	kv[4] = (struct log_kv){ "NEW_REVISION", newrev };
	log_msg(LOG_NOTICE, "kb_sync", kv, 5, "knowledge base revision %"
	    PRId64 " from the cluster: %s%s%s by %s", note->revision,
	    note->action, note->item[0] != '\0' ? " " : "", note->item,
	    note->by[0] != '\0' ? note->by : "(unknown)");
}

/*
 * Serve the cluster's revision r from a since() answer: keep the changes
 * it lists in the history, oldest first, as the instances that made them
 * kept them, then write and serve the document.  0, or -1 when it is not
 * valid here or cannot be served (the local one keeps serving).
 */
static int
cluster_kb_take(struct cluster_kb *ck, const redisReply *reply, int64_t r)
{
	struct kb_history_entry note;
	const redisReply *d;
	struct kb_diag diag;
	struct kb *kb = NULL;
	const char *old;
	char *cause;
	int64_t old_rev;
	size_t i, old_len, logged = 0;

	if (reply->elements < 3)
		return -1;
	d = reply->element[2];
	if (d->type != REDIS_REPLY_STRING || d->len > KB_MAX_FILE)
		return -1;
	memset(&diag, 0, sizeof diag);
	if (kb_load_buffer(d->str, d->len, 0, &kb, &diag) != KB_OK) {
		log_err("kb_sync_failed", "the knowledge base of revision %"
		    PRId64 " in Redis is not valid here; the local one keeps "
		    "serving", r);
		kb_diag_cleanup(&diag);
		return -1;
	}
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	for (i = reply->elements; ck->admin != NULL && i-- > 3;) {
		if (cluster_kb_change(reply, i, &note, &old_rev, &old,
		    &old_len) != 0 || note.revision > r)
			continue;
		cause = NULL;
		if (admin_api_keep(ck->admin, old_rev, old, old_len, &note,
		    &cause) != 0)
			log_warn("kb_sync_failed", "knowledge-base history: "
			    "revision %" PRId64 " not kept: %s", old_rev,
			    cause != NULL ? cause : "?");
		free(cause);
	}
	if (ck->apply(ck->apply_arg, d->str, d->len) != 0)
		return -1;
	ck->seen = r;
	for (i = reply->elements; i-- > 3;) {
		if (cluster_kb_change(reply, i, &note, &old_rev, &old,
		    &old_len) != 0 || note.revision > r) {
			log_warn("kb_sync_failed", "a change in the cluster's "
			    "knowledge-base history is malformed; skipped");
			continue;
		}
		cluster_kb_log_sync(&note, old_rev);
		logged++;
	}
	if (logged == 0)
		log_notice("kb_sync", "knowledge base revision %" PRId64
		    " from the cluster", r);
	return 0;
}

/*
 * EVAL script over the four keys with nargs arguments (lens NULL: they
 * are strings); fn gets the answer.  0, or -1 when Redis is away.
 */
static int
cluster_kb_eval(struct cluster_kb *ck, const char *script, int nargs,
    const char **args, const size_t *lens, redis_reply_fn fn)
{
	const char *v[4 + CLUSTER_KB_ARGS_MAX] = { ck->rev_key, ck->doc_key,
	    ck->channel, ck->hist_key };
	size_t len[4 + CLUSTER_KB_ARGS_MAX] = { 0 };
	int i;

	if (nargs > CLUSTER_KB_ARGS_MAX)
		return -1;
	for (i = 0; i < nargs; i++) {
		v[4 + i] = args[i];
		len[4 + i] = lens != NULL ? lens[i] : 0;
	}
	return redis_eval(ck->state, fn, ck, script, 4, 4 + nargs, v, len);
}

/*
 * Send the save script for doc (revision note->revision, made from base);
 * fn gets the answer.  0, or -1 when Redis is away or out of memory.
 */
static int
cluster_kb_send(struct cluster_kb *ck, int64_t base, const char *doc,
    size_t len, const struct kb_history_entry *note, redis_reply_fn fn)
{
	const char *args[5];
	size_t lens[5];
	char bases[24], revs[24], cap[24], *notes;
	int r;

	notes = cluster_kb_log_note(note, base, &lens[3]);
	if (notes == NULL)
		return -1;
	snprintf(bases, sizeof bases, "%" PRId64, base);
	snprintf(revs, sizeof revs, "%" PRId64, note->revision);
	snprintf(cap, sizeof cap, "%d", KB_HISTORY_KEEP);
	args[0] = bases;
	args[1] = revs;
	args[2] = doc;
	args[3] = notes;
	args[4] = cap;
	lens[0] = strlen(bases);
	lens[1] = strlen(revs);
	lens[2] = len;
	lens[4] = strlen(cap);
	r = cluster_kb_eval(ck, cluster_kb_save_lua, 5, args, lens, fn);
	free(notes);
	return r;
}

/* A check asked for while a save was in flight. */
static void
cluster_kb_check_later(struct cluster_kb *ck)
{
	int force = ck->force_next;

	if (!ck->check_after)
		return;
	ck->check_after = 0;
	ck->force_next = 0;
	cluster_kb_check(ck, force);
}

static void
cluster_kb_publish_cb(void *arg, const redisReply *reply)
{
	struct cluster_kb *ck = arg;
	const char *status;
	int64_t rev = ck->publishing, r;

	ck->publishing = 0;
	status = cluster_kb_status(reply, &r);
	if (status == NULL)
		return;		/* Redis away: the next check publishes */
	if (strcmp(status, "won") == 0)
		ck->seen = rev > 0 ? rev : 0;
	else if (strcmp(status, "lost") == 0) {
		log_warn("kb_conflict", "knowledge base revision %" PRId64
		    " of the file here lost to an edit saved meanwhile on "
		    "another instance; serving that one", rev > 0 ? rev : 0);
		(void)cluster_kb_take(ck, reply, r);
	}
}

/*
 * Offer the local file to the cluster when it is newer than what this
 * instance last saw there (compare-and-set on that), or seed it: when
 * Redis has none (so that the first edit's version is kept there even at
 * revision 0), or one older than this instance saw (Redis lost its data
 * and another instance seeded it first), the newer wins.
 */
static void
cluster_kb_offer(struct cluster_kb *ck, int seed)
{
	struct kb_history_entry note;
	char *buf;
	size_t len;
	int64_t rev;

	if (ck == NULL || ck->publishing != 0 || ck->saving != 0 ||
	    cluster_kb_local(ck, &buf, &len, &rev) != 0)
		return;
	/* An admin's edit is in Redis already; the file was not changed. */
	if (rev > ck->seen || seed) {
		memset(&note, 0, sizeof note);
		note.revision = rev;
		note.saved = time(NULL);
		snprintf(note.action, sizeof note.action, "file");
		if (cluster_kb_send(ck, seed ? -1 : ck->seen, buf, len,
		    &note, cluster_kb_publish_cb) == 0)
			ck->publishing = rev > 0 ? rev : -1;
	}
	free(buf);
}

void
cluster_kb_publish(struct cluster_kb *ck)
{
	cluster_kb_offer(ck, 0);
}

static void
cluster_kb_save_cb(void *arg, const redisReply *reply)
{
	struct cluster_kb *ck = arg;
	admin_cas_done_fn done = ck->saved;
	const char *status;
	int64_t rev = ck->saving, r;

	ck->saving = 0;
	ck->saved = NULL;
	status = cluster_kb_status(reply, &r);
	if (status == NULL) {
		/*
		 * Away, or no answer in time (the edit may have reached
		 * Redis: the check after the reconnection brings it here).
		 */
		(void)done(ck->saved_arg, ADMIN_CAS_AWAY);
		return;
	}
	if (strcmp(status, "won") == 0) {
		ck->seen = rev;
		/* Not saved here: take it back from the cluster. */
		if (done(ck->saved_arg, ADMIN_CAS_WON) != 0) {
			ck->check_after = 1;
			ck->force_next = 1;
		}
	} else {
		/* Lost (or the cluster is past it): serve the winner first. */
		if (strcmp(status, "lost") == 0)
			(void)cluster_kb_take(ck, reply, r);
		else
			ck->check_after = 1;
		(void)done(ck->saved_arg, ADMIN_CAS_LOST);
	}
	cluster_kb_check_later(ck);
}

int
cluster_kb_save(void *arg, int64_t base, const char *doc, size_t len,
    const struct kb_history_entry *note, admin_cas_done_fn done,
    void *done_arg)
{
	struct cluster_kb *ck = arg;

	if (ck->saving != 0 || cluster_kb_send(ck, base, doc, len, note,
	    cluster_kb_save_cb) != 0)
		return -1;
	ck->saving = note->revision;
	ck->saved = done;
	ck->saved_arg = done_arg;
	return 0;
}

void
cluster_kb_attach(struct cluster_kb *ck, struct admin_api *admin)
{
	if (ck != NULL)
		ck->admin = admin;
}

static void
cluster_kb_check_cb(void *arg, const redisReply *reply)
{
	struct cluster_kb *ck = arg;
	const char *status;
	int64_t r;

	ck->checking = 0;
	if (ck->force_next && reply != NULL) {
		ck->force_next = 0;
		cluster_kb_check(ck, 1);
		return;
	}
	status = cluster_kb_status(reply, &r);
	if (status == NULL)
		return;
	if (strcmp(status, "empty") == 0) {
		cluster_kb_offer(ck, 1);
		return;
	}
	if (strcmp(status, "same") == 0) {
		/*
		 * The same number as ours but not one we took or gave: the
		 * contents may differ (a file edited by hand), take the
		 * cluster's.
		 */
		if (r == ck->asked && r != ck->seen && r > 0) {
			cluster_kb_check(ck, 1);
			return;
		}
		/*
		 * Ours is newer: the cluster should have it; seeded when the
		 * cluster went back behind what this instance saw there.
		 */
		cluster_kb_offer(ck, r < ck->seen);
		return;
	}
	if (strcmp(status, "newer") == 0)
		(void)cluster_kb_take(ck, reply, r);
}

/*
 * Is the cluster's revision newer than the file's?  Apply it then; with
 * force, whatever its revision (the two may carry the same number).
 * Waits while an admin's save is in Redis: its answer comes first.
 */
static void
cluster_kb_check(struct cluster_kb *ck, int force)
{
	const char *args[2];
	char *buf, above[24], mine[24];
	size_t len;
	int64_t rev = 0;

	if (ck->checking || ck->saving != 0) {
		ck->check_after |= ck->saving != 0;
		ck->force_next |= force;
		return;
	}
	if (cluster_kb_local(ck, &buf, &len, &rev) == 0)
		free(buf);
	ck->asked = rev;
	snprintf(above, sizeof above, "%" PRId64, force ? -1 : rev);
	snprintf(mine, sizeof mine, "%" PRId64, rev);
	args[0] = above;
	args[1] = mine;
	if (cluster_kb_eval(ck, cluster_kb_check_lua, 2, args, NULL,
	    cluster_kb_check_cb) == 0)
		ck->checking = 1;
}

static void
cluster_kb_message_cb(void *arg, const char *msg, size_t len)
{
	struct cluster_kb *ck = arg;
	char buf[24];
	int64_t rev;

	/* The revision of this instance's own save, or one it has. */
	if (msg != NULL && len > 0 && len < sizeof buf) {
		memcpy(buf, msg, len);
		buf[len] = '\0';
		rev = strtoll(buf, NULL, 10);
		if (rev > 0 && (rev <= ck->seen || rev == ck->saving))
			return;
	}
	/* A new revision, or a (re)subscription: messages may be lost. */
	cluster_kb_check(ck, 0);
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
	snprintf(ck->hist_key, sizeof ck->hist_key, "%skb:history",
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
