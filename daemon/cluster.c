/*
 * cluster — the Redis connection shared state goes through, and the
 * degraded mode while it is away.
 */
#include <stdlib.h>

#include "daemon/cluster.h"
#include "daemon/cluster_kb.h"
#include "daemon/cluster_stats.h"
#include "daemon/config.h"
#include "handlers/admin/admin_api.h"
#include "handlers/callback/wx_share_redis.h"
#include "handlers/wechat/wx_token_redis.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/redis.h"

/* Loopback or a unix socket answers in well under a millisecond. */
#define CLUSTER_TIMEOUT_MS	500

struct cluster {
	struct redis	*redis;
	struct wx_share	*share;
	struct wx_token_share *token;
	struct cluster_kb *kb;		/* NULL until followed */
	struct cluster_stats *stats;	/* NULL until shared */
};

static void
cluster_state_cb(void *arg, int up)
{
	(void)arg;
	metrics_gauge_set(M_REDIS_UP, NULL, up ? 1 : 0);
}

struct cluster *
cluster_new(struct event_base *base, const struct config *cfg,
    long nonce_ttl, long answer_ttl, char **cause)
{
	struct redis_opts o = { 0 };
	struct cluster *c;

	*cause = NULL;
	if (*cfg->redis == '\0')
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		fatal("calloc");
	o.url = cfg->redis;
	o.password = cfg->redis_password;
	o.name = "state";
	o.timeout_ms = CLUSTER_TIMEOUT_MS;
	o.on_state = cluster_state_cb;
	o.state_arg = c;
	metrics_gauge_set(M_REDIS_UP, NULL, 0);
	c->redis = redis_new(base, &o, cause);
	if (c->redis == NULL)
		goto fail;
	c->share = wx_share_redis_new(base, c->redis, cfg->redis_prefix,
	    nonce_ttl, answer_ttl);
	c->token = wx_token_redis_new(c->redis, cfg->redis_prefix);
	if (c->share == NULL || c->token == NULL)
		fatalx("out of memory or no randomness");
	log_notice("cluster", "state shared through Redis under %s",
	    cfg->redis_prefix);
	return c;
fail:
	cluster_free(c);
	return NULL;
}

const struct wx_share *
cluster_share(const struct cluster *c)
{
	return c != NULL ? c->share : NULL;
}

const struct wx_token_share *
cluster_token_share(const struct cluster *c)
{
	return c != NULL ? c->token : NULL;
}

int
cluster_follow_kb(struct cluster *c, struct event_base *base,
    const struct config *cfg, int (*apply)(void *, const char *, size_t),
    void *arg, char **cause)
{
	c->kb = cluster_kb_new(base, cfg, c->redis, apply, arg, cause);
	return c->kb != NULL ? 0 : -1;
}

int
cluster_share_stats(struct cluster *c, struct event_base *base,
    const struct config *cfg, struct dispatch *d, char **cause)
{
	c->stats = cluster_stats_new(base, cfg, c->redis, d, cause);
	return c->stats != NULL ? 0 : -1;
}

const struct admin_stats_share *
cluster_admin_stats(const struct cluster *c)
{
	return c != NULL ? cluster_stats_share(c->stats) : NULL;
}

void
cluster_kb_changed(struct cluster *c)
{
	if (c != NULL)
		cluster_kb_publish(c->kb);
}

void
cluster_admin_cfg(struct cluster *c, struct admin_api_cfg *cfg)
{
	if (c == NULL || c->kb == NULL)
		return;
	cfg->cas = cluster_kb_save;
	cfg->cas_arg = c->kb;
}

void
cluster_admin_attach(struct cluster *c, struct admin_api *a)
{
	if (c != NULL)
		cluster_kb_attach(c->kb, a);
}

int
cluster_degraded(const struct cluster *c)
{
	return c != NULL && !redis_is_up(c->redis);
}

void
cluster_stop(struct cluster *c)
{
	if (c == NULL)
		return;
	wx_share_redis_free(c->share);
	c->share = NULL;
	/* A check in flight is answered (NULL) before its owner goes. */
	redis_free(c->redis);
	c->redis = NULL;
	cluster_kb_free(c->kb);
	c->kb = NULL;
	cluster_stats_stop(c->stats);
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cluster_stop(c);
	cluster_stats_free(c->stats);
	wx_token_redis_free(c->token);
	free(c);
}
