/*
 * cluster — what one wxkbd shares with the other instances of its account
 * through Redis (WXKB_REDIS): the connection, its up/down state in the
 * metrics and /healthz, and the shared retry cache and replay records.
 */
#ifndef CLUSTER_H
#define CLUSTER_H

struct admin_api;
struct admin_api_cfg;
struct config;
struct event_base;
struct cluster;
struct wx_share;
struct wx_token_share;
struct admin_stats_share;

/*
 * Connect to WXKB_REDIS (in the background: the first callbacks may be
 * served from local state).  Returns NULL without WXKB_REDIS, or NULL
 * with *cause (malloc'ed) when it cannot be set up.  nonce_ttl and
 * answer_ttl are the seconds replay records and answers are kept.
 */
struct cluster *cluster_new(struct event_base *, const struct config *,
	    long nonce_ttl, long answer_ttl, char **cause);

/*
 * Follow the cluster's knowledge base (cluster_kb.h): apply(arg, doc,
 * len) serves a newer one.  Returns 0, or -1 with *cause (malloc'ed).
 */
int	cluster_follow_kb(struct cluster *, struct event_base *,
	    const struct config *, int (*apply)(void *, const char *, size_t),
	    void *arg, char **cause);

/* The local knowledge base changed: publish it to the other instances. */
void	cluster_kb_changed(struct cluster *);

/*
 * The admin API's writes go through the cluster (cfg->cas), and the
 * changes the others make are kept in its history (attach, once made).
 * Without a cluster, nothing.
 */
void	cluster_admin_cfg(struct cluster *, struct admin_api_cfg *cfg);
void	cluster_admin_attach(struct cluster *, struct admin_api *);

/*
 * Share the statistics and unanswered questions of dispatch (borrowed)
 * with the other instances (cluster_stats.h).  Returns 0, or -1 with
 * *cause (malloc'ed).
 */
struct dispatch;
int	cluster_share_stats(struct cluster *, struct event_base *,
	    const struct config *, struct dispatch *, char **cause);

/* The cluster's merged statistics for the admin API, or NULL. */
const struct admin_stats_share *cluster_admin_stats(const struct cluster *);

/* The shared retry cache for wx_callback, or NULL without a cluster. */
const struct wx_share *cluster_share(const struct cluster *);

/* The access_token of every instance, or NULL without a cluster. */
const struct wx_token_share *cluster_token_share(const struct cluster *);

/* 1 when a cluster is configured and Redis is unreachable. */
int	cluster_degraded(const struct cluster *);

/*
 * Close the connection; callbacks still waiting on Redis are answered
 * from local state first, so call it while their handlers are alive.
 * NULL is a no-op.
 */
void	cluster_stop(struct cluster *);

/* Stop if not yet, and free; after the token's owner is gone. */
void	cluster_free(struct cluster *);

#endif
