/*
 * cluster_stats — the statistics and unanswered questions of the
 * instances of a cluster, merged for every instance's admin page.
 *
 * Each instance counts locally exactly as one instance does (its state
 * files stay the truth of what it counted) and, every few seconds when
 * its counts changed, publishes them whole as a snapshot (kb_snapshot.h)
 * under an id of its own, kept in the state dir across restarts.  It
 * reads the others' snapshots when they change, and the admin routes
 * serve the sum.  A question's state (ignored, handled) set on any
 * instance goes to a shared hash with its time; the latest change wins.
 * The callback path does not touch Redis for any of this.  While Redis is
 * away the routes serve the last snapshots read plus the local counts,
 * and state changes wait here; both reach Redis when it returns.
 */
#ifndef CLUSTER_STATS_H
#define CLUSTER_STATS_H

struct config;
struct dispatch;
struct event_base;
struct redis;
struct cluster_stats;
struct admin_stats_share;

/* Seconds between publishing and reading snapshots. */
#define CLUSTER_STATS_TICK_S	2
/* Instances read: the others beyond are left out (and logged). */
#define CLUSTER_STATS_PEERS	32
/* State changes kept in Redis: the oldest beyond are dropped. */
#define CLUSTER_STATS_STATES	10000
/* State changes kept here while Redis is away. */
#define CLUSTER_STATS_PENDING	1000

/*
 * Share the counts of dispatch (borrowed) through state (borrowed).
 * Returns NULL with *cause (malloc'ed) when the instance id cannot be
 * read or kept.
 */
struct cluster_stats *cluster_stats_new(struct event_base *,
	    const struct config *, struct redis *state, struct dispatch *,
	    char **cause);

/* The merged view for the admin routes. */
const struct admin_stats_share *cluster_stats_share(struct cluster_stats *);

/*
 * Stop talking to Redis: after redis_free() of state (whose callbacks
 * still reach this), before the event loop runs again.  The view keeps
 * answering, from what was read.  NULL is a no-op.
 */
void	cluster_stats_stop(struct cluster_stats *);

/* Stop if not yet, and free; after the admin API.  NULL is a no-op. */
void	cluster_stats_free(struct cluster_stats *);

#endif
