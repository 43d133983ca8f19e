/*
 * wx_token_redis — the cluster's access_token in Redis (see
 * wx_token_redis.h for the keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "handlers/wechat/wx_token.h"
#include "handlers/wechat/wx_token_redis.h"
#include "lib/redis.h"

#define WX_TOKEN_KEY_MAX	256

/* KEYS token, lock; ARGV not_before, lock id, lock ms. */
static const char wx_token_acquire_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local nl = string.find(v, '\\n', 1, true)\n"
    "  if nl and tonumber(string.sub(v, 1, nl - 1)) > tonumber(ARGV[1])\n"
    "  then return {'found', v} end\n"
    "end\n"
    "if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then\n"
    "  return {'locked'}\n"
    "end\n"
    "return {'busy'}\n";

/* KEYS token, lock; ARGV value, ttl ms, lock id. */
static const char wx_token_put_lua[] =
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "if redis.call('GET', KEYS[2]) == ARGV[3] then\n"
    "  redis.call('DEL', KEYS[2])\n"
    "end\n"
    "return 1\n";

/* KEYS token; ARGV the refused token. */
static const char wx_token_invalidate_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local nl = string.find(v, '\\n', 1, true)\n"
    "  if nl and string.sub(v, nl + 1) == ARGV[1] then\n"
    "    redis.call('DEL', KEYS[1])\n"
    "    return 1\n"
    "  end\n"
    "end\n"
    "return 0\n";

struct wx_token_redis {
	struct wx_token_share	 share;
	struct redis		*redis;
	char			 key[WX_TOKEN_KEY_MAX];
	char			 lock[WX_TOKEN_KEY_MAX];
	char			 id[33];	/* this instance's lock value */
	wx_token_share_fn	 fn;		/* acquire in flight, or NULL */
	void			*arg;
	int			 pending;	/* a reply is due */
};

static void
wx_token_redis_reply_cb(void *arg, const redisReply *reply)
{
	struct wx_token_redis *tr = arg;
	wx_token_share_fn fn = tr->fn;
	const redisReply *v;
	const char *nl;
	char *end, tok[WX_TOKEN_MAX];
	long long exp;
	size_t n;

	tr->pending = 0;
	tr->fn = NULL;
	if (fn == NULL)
		return;		/* cancelled */
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		fn(tr->arg, WX_TSHARE_FAILED, NULL, 0);
		return;
	}
	if (strcmp(reply->element[0]->str, "locked") == 0) {
		fn(tr->arg, WX_TSHARE_LOCKED, NULL, 0);
		return;
	}
	if (strcmp(reply->element[0]->str, "busy") == 0) {
		fn(tr->arg, WX_TSHARE_BUSY, NULL, 0);
		return;
	}
	v = reply->elements == 2 ? reply->element[1] : NULL;
	nl = v != NULL && v->type == REDIS_REPLY_STRING ?
	    memchr(v->str, '\n', v->len) : NULL;
	n = nl != NULL ? v->len - (size_t)(nl + 1 - v->str) : 0;
	exp = nl != NULL ? strtoll(v->str, &end, 10) : 0;
	if (nl == NULL || end != nl || exp <= 0 || n == 0 ||
	    n >= sizeof tok || memchr(nl + 1, '\0', n) != NULL) {
		fn(tr->arg, WX_TSHARE_FAILED, NULL, 0);
		return;
	}
	memcpy(tok, nl + 1, n);
	tok[n] = '\0';
	fn(tr->arg, WX_TSHARE_FOUND, tok, (time_t)exp);
	mbedtls_platform_zeroize(tok, sizeof tok);
}

static int
wx_token_redis_acquire(void *impl, time_t not_before, wx_token_share_fn fn,
    void *arg)
{
	struct wx_token_redis *tr = impl;
	char nb[24], ms[24];
	const char *v[5] = { tr->key, tr->lock, nb, tr->id, ms };

	if (tr->pending)
		return -1;	/* one wx_token, one acquire at a time */
	snprintf(nb, sizeof nb, "%lld", (long long)not_before);
	snprintf(ms, sizeof ms, "%d", WX_TOKEN_LOCK_MS);
	if (redis_eval(tr->redis, wx_token_redis_reply_cb, tr,
	    wx_token_acquire_lua, 2, 5, v, NULL) != 0)
		return -1;
	tr->pending = 1;
	tr->fn = fn;
	tr->arg = arg;
	return 0;
}

static void
wx_token_redis_put(void *impl, const char *token, time_t expires)
{
	struct wx_token_redis *tr = impl;
	char val[WX_TOKEN_MAX + 32], ms[24];
	const char *v[5] = { tr->key, tr->lock, val, ms, tr->id };
	long long left = (long long)(expires - time(NULL));

	if (left <= 0)
		return;
	snprintf(val, sizeof val, "%lld\n%s", (long long)expires, token);
	snprintf(ms, sizeof ms, "%lld", left * 1000);
	(void)redis_eval(tr->redis, NULL, NULL, wx_token_put_lua, 2, 5, v,
	    NULL);
	mbedtls_platform_zeroize(val, sizeof val);
}

static void
wx_token_redis_invalidate(void *impl, const char *failed)
{
	struct wx_token_redis *tr = impl;
	const char *v[2] = { tr->key, failed };

	(void)redis_eval(tr->redis, NULL, NULL, wx_token_invalidate_lua, 1, 2,
	    v, NULL);
}

static void
wx_token_redis_cancel(void *impl)
{
	struct wx_token_redis *tr = impl;

	tr->fn = NULL;
}

static const struct wx_token_share_ops wx_token_redis_ops = {
	.acquire = wx_token_redis_acquire,
	.put = wx_token_redis_put,
	.invalidate = wx_token_redis_invalidate,
	.cancel = wx_token_redis_cancel,
};

struct wx_token_share *
wx_token_redis_new(struct redis *r, const char *prefix)
{
	struct wx_token_redis *tr;
	unsigned char rnd[16];
	FILE *fp;
	int i, n1, n2;

	fp = fopen("/dev/urandom", "rb");
	if (fp == NULL)
		return NULL;
	n1 = fread(rnd, 1, sizeof rnd, fp) == sizeof rnd;
	fclose(fp);
	tr = n1 ? calloc(1, sizeof *tr) : NULL;
	if (tr == NULL)
		return NULL;
	for (i = 0; i < 16; i++)
		snprintf(tr->id + 2 * i, 3, "%02x", rnd[i]);
	n1 = snprintf(tr->key, sizeof tr->key, "%stoken", prefix);
	n2 = snprintf(tr->lock, sizeof tr->lock, "%stoken:lock", prefix);
	if (n1 < 0 || (size_t)n1 >= sizeof tr->key || n2 < 0 ||
	    (size_t)n2 >= sizeof tr->lock) {
		free(tr);
		return NULL;
	}
	tr->redis = r;
	tr->share.ops = &wx_token_redis_ops;
	tr->share.impl = tr;
	return &tr->share;
}

void
wx_token_redis_free(struct wx_token_share *share)
{
	if (share != NULL)
		free(share->impl);
}
