/*
 * wx_share_redis — claim, wait for and store answers in Redis (see
 * wx_share_redis.h for the keys and the protocol).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <mbedtls/sha256.h>

#include "handlers/callback/wx_share_redis.h"
#include "lib/redis.h"

/* How often a waiter asks again whether the owner stored its answer. */
#define WX_SHARE_POLL_MS	50
#define WX_SHARE_DIGEST_HEX	32	/* 128 bits of SHA-256 */
#define WX_SHARE_MAX_KEY	512

/*
 * KEYS[1] the nonce record, KEYS[2] the retry entry, KEYS[3] the
 * resident's state; ARGV[1] the message's digest, ARGV[2] the nonce TTL,
 * ARGV[3] the claim TTL (ms).  One script, so no other instance runs
 * between the check and the claim.
 */
static const char wx_share_script[] =
    "local seen = redis.call('GET', KEYS[1])\n"
    "if seen and seen ~= ARGV[1] then return {'replay'} end\n"
    "if not seen then\n"
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "end\n"
    "local v = redis.call('GET', KEYS[2])\n"
    "if not v then\n"
    "  redis.call('SET', KEYS[2], 'c', 'PX', ARGV[3])\n"
    "  return {'new', redis.call('GET', KEYS[3]) or ''}\n"
    "end\n"
    "return {'have', v}\n";

struct wx_share_check;

struct wx_share_redis {
	struct wx_share		 share;		/* first: the public face */
	struct event_base	*base;
	struct redis		*redis;
	char			*prefix;
	long			 nonce_ms;
	long			 answer_ms;
	int			 closing;	/* freed once checks end */
	LIST_HEAD(, wx_share_check) checks;	/* waiting or in Redis */
};

/* One message being decided. */
struct wx_share_check {
	struct wx_share_redis	*sr;
	char			 nkey[WX_SHARE_MAX_KEY];
	char			 rkey[WX_SHARE_MAX_KEY];
	char			 ukey[WX_SHARE_MAX_KEY];
	char			 digest[WX_SHARE_DIGEST_HEX + 1];
	int			 polls;		/* left before giving up */
	struct event		*timer;
	int			 in_redis;	/* a reply is due */
	wx_share_fn		 fn;
	void			*arg;
	LIST_ENTRY(wx_share_check) entry;
};

static void
wx_share_digest(const char *key, char out[WX_SHARE_DIGEST_HEX + 1])
{
	unsigned char h[32];
	int i;

	(void)mbedtls_sha256_ret((const unsigned char *)key, strlen(key), h,
	    0);
	for (i = 0; i < WX_SHARE_DIGEST_HEX / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void
wx_share_release(struct wx_share_redis *sr)
{
	free(sr->prefix);
	free(sr);
}

/* Hand the verdict over; chk is gone after this (and sr when closing). */
static void
wx_share_finish(struct wx_share_check *chk, enum wx_share_verdict v,
    const char *answer, size_t len)
{
	struct wx_share_redis *sr = chk->sr;
	wx_share_fn fn = chk->fn;
	void *arg = chk->arg;

	LIST_REMOVE(chk, entry);
	event_free(chk->timer);
	free(chk);
	fn(arg, v, answer, len);
	if (sr->closing && LIST_EMPTY(&sr->checks))
		wx_share_release(sr);
}

static void wx_share_reply_cb(void *arg, const redisReply *reply);

static int
wx_share_send(struct wx_share_check *chk)
{
	struct wx_share_redis *sr = chk->sr;
	char nttl[24], cttl[24];
	const char *v[6];

	snprintf(nttl, sizeof nttl, "%ld", sr->nonce_ms);
	snprintf(cttl, sizeof cttl, "%d", WX_SHARE_CLAIM_MS);
	v[0] = chk->nkey;
	v[1] = chk->rkey;
	v[2] = chk->ukey;
	v[3] = chk->digest;
	v[4] = nttl;
	v[5] = cttl;
	if (sr->closing || redis_eval(sr->redis, wx_share_reply_cb, chk,
	    wx_share_script, 3, 6, v, NULL) != 0)
		return -1;
	chk->in_redis = 1;
	return 0;
}

static void
wx_share_reply_cb(void *arg, const redisReply *reply)
{
	struct wx_share_check *chk = arg;
	const redisReply *v;
	struct timeval tv = { 0, WX_SHARE_POLL_MS * 1000 };

	chk->in_redis = 0;
	if (reply == NULL || chk->sr->closing || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		wx_share_finish(chk, WX_SHARE_FAILED, NULL, 0);
		return;
	}
	if (strcmp(reply->element[0]->str, "replay") == 0) {
		wx_share_finish(chk, WX_SHARE_REPLAY, NULL, 0);
		return;
	}
	if (strcmp(reply->element[0]->str, "new") == 0) {
		v = reply->elements == 2 ? reply->element[1] : NULL;
		if (v != NULL && v->type == REDIS_REPLY_STRING)
			wx_share_finish(chk, WX_SHARE_NEW, v->str, v->len);
		else
			wx_share_finish(chk, WX_SHARE_NEW, NULL, 0);
		return;
	}
	v = reply->elements == 2 ? reply->element[1] : NULL;
	if (v == NULL || v->type != REDIS_REPLY_STRING || v->len < 1) {
		wx_share_finish(chk, WX_SHARE_FAILED, NULL, 0);
		return;
	}
	if (v->str[0] == 'a') {
		wx_share_finish(chk, WX_SHARE_ANSWERED, v->str + 1,
		    v->len - 1);
		return;
	}
	/*
	 * Claimed by an instance still at work: ask again shortly.  The
	 * claim expires in Redis after WX_SHARE_CLAIM_MS whatever happens
	 * here; the count only bounds a Redis that answers very slowly.
	 */
	if (--chk->polls <= 0) {
		wx_share_finish(chk, WX_SHARE_FAILED, NULL, 0);
		return;
	}
	evtimer_add(chk->timer, &tv);
}

static void
wx_share_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_share_check *chk = arg;

	(void)fd;
	(void)what;
	if (wx_share_send(chk) != 0)
		wx_share_finish(chk, WX_SHARE_FAILED, NULL, 0);
}

/* The key of a resident's state: no OpenID in clear. */
static int
wx_share_user_key(const struct wx_share_redis *sr, const char *user,
    char *out, size_t size)
{
	char digest[WX_SHARE_DIGEST_HEX + 1];
	int n;

	wx_share_digest(user, digest);
	n = snprintf(out, size, "%suser:%s", sr->prefix, digest);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int
wx_share_check_cb(void *impl, const char *nkey, const char *key,
    const char *user, wx_share_fn fn, void *arg)
{
	struct wx_share_redis *sr = impl;
	struct wx_share_check *chk;
	int n1, n2;

	if (sr->closing || !redis_is_up(sr->redis))
		return -1;
	chk = calloc(1, sizeof *chk);
	if (chk == NULL)
		return -1;
	chk->sr = sr;
	chk->fn = fn;
	chk->arg = arg;
	wx_share_digest(key, chk->digest);
	n1 = snprintf(chk->nkey, sizeof chk->nkey, "%snonce:%s", sr->prefix,
	    nkey);
	n2 = snprintf(chk->rkey, sizeof chk->rkey, "%sretry:%s", sr->prefix,
	    chk->digest);
	chk->timer = evtimer_new(sr->base, wx_share_poll_cb, chk);
	if (n1 < 0 || (size_t)n1 >= sizeof chk->nkey || n2 < 0 ||
	    (size_t)n2 >= sizeof chk->rkey || wx_share_user_key(sr, user,
	    chk->ukey, sizeof chk->ukey) != 0 || chk->timer == NULL) {
		if (chk->timer != NULL)
			event_free(chk->timer);
		free(chk);
		return -1;
	}
	chk->polls = WX_SHARE_WAIT_MS / WX_SHARE_POLL_MS;
	LIST_INSERT_HEAD(&sr->checks, chk, entry);
	if (wx_share_send(chk) != 0) {
		LIST_REMOVE(chk, entry);
		event_free(chk->timer);
		free(chk);
		return -1;
	}
	return 0;
}

/* SET key value PX ttl_ms, not waiting for the answer (best effort). */
static void
wx_share_set(struct wx_share_redis *sr, const char *key, const char *val,
    size_t len, long ttl_ms)
{
	char ttl[24];
	const char *argv[5] = { "SET", key, val, "PX", ttl };
	size_t argvlen[5];

	snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
	argvlen[0] = 3;
	argvlen[1] = strlen(key);
	argvlen[2] = len;
	argvlen[3] = 2;
	argvlen[4] = strlen(ttl);
	(void)redis_command(sr->redis, NULL, NULL, 5, argv, argvlen);
}

static void
wx_share_store_cb(void *impl, const char *key, const char *answer,
    size_t len)
{
	struct wx_share_redis *sr = impl;
	char digest[WX_SHARE_DIGEST_HEX + 1], rkey[WX_SHARE_MAX_KEY], *val;
	int n;

	if (sr->closing || !redis_is_up(sr->redis))
		return;
	wx_share_digest(key, digest);
	n = snprintf(rkey, sizeof rkey, "%sretry:%s", sr->prefix, digest);
	if (n < 0 || (size_t)n >= sizeof rkey)
		return;
	val = malloc(len + 1);
	if (val == NULL)
		return;
	val[0] = 'a';
	memcpy(val + 1, answer, len);
	/* Lost with the connection: waiters then take over, at worst. */
	wx_share_set(sr, rkey, val, len + 1, sr->answer_ms);
	free(val);
}

static void
wx_share_put_state_cb(void *impl, const char *user, const char *data,
    size_t len, long ttl)
{
	struct wx_share_redis *sr = impl;
	char ukey[WX_SHARE_MAX_KEY];

	if (sr->closing || !redis_is_up(sr->redis) ||
	    wx_share_user_key(sr, user, ukey, sizeof ukey) != 0)
		return;
	wx_share_set(sr, ukey, data, len, ttl * 1000);
}

static const struct wx_share_ops wx_share_redis_ops = {
	.check = wx_share_check_cb,
	.store = wx_share_store_cb,
	.put_state = wx_share_put_state_cb,
};

struct wx_share *
wx_share_redis_new(struct event_base *base, struct redis *r,
    const char *prefix, long nonce_ttl, long answer_ttl)
{
	struct wx_share_redis *sr;

	if (strlen(prefix) > 128)
		return NULL;
	sr = calloc(1, sizeof *sr);
	if (sr == NULL)
		return NULL;
	sr->prefix = strdup(prefix);
	if (sr->prefix == NULL) {
		free(sr);
		return NULL;
	}
	sr->share.ops = &wx_share_redis_ops;
	sr->share.impl = sr;
	sr->base = base;
	sr->redis = r;
	sr->nonce_ms = nonce_ttl * 1000;
	sr->answer_ms = answer_ttl * 1000;
	LIST_INIT(&sr->checks);
	return &sr->share;
}

void
wx_share_redis_free(struct wx_share *share)
{
	struct wx_share_redis *sr;
	struct wx_share_check *chk;
	int last;

	if (share == NULL)
		return;
	sr = share->impl;
	sr->closing = 1;
	/* Waiters end now; checks in Redis end when the connection does. */
	for (;;) {
		LIST_FOREACH(chk, &sr->checks, entry) {
			if (!chk->in_redis)
				break;
		}
		if (chk == NULL)
			break;
		last = LIST_FIRST(&sr->checks) == chk &&
		    LIST_NEXT(chk, entry) == NULL;
		wx_share_finish(chk, WX_SHARE_FAILED, NULL, 0);
		if (last)
			return;		/* sr went with it */
	}
	if (LIST_EMPTY(&sr->checks))
		wx_share_release(sr);
}
