/*
 * admin_stats_share — where the statistics routes (/api/stats/..., the CSV
 * export, and so `wxkbctl stats`) read their figures when the instances
 * of a cluster share them: the cluster's merged view instead of this
 * instance's counts alone.  Without it (one instance) they read the
 * dispatcher's.
 */
#ifndef ADMIN_STATS_SHARE_H
#define ADMIN_STATS_SHARE_H

#include <time.h>

#include <jansson.h>

struct admin_stats_share {
	/*
	 * {"version", "items", "days"} as kb_stats_json() has them, summed
	 * over the instances, with "cluster": "ok" or "degraded" and
	 * "instances": how many were merged.  A new reference, or NULL when
	 * out of memory.
	 */
	json_t	*(*stats)(void *arg);

	/* The same for kb_unanswered_json(): the questions merged. */
	json_t	*(*unanswered)(void *arg);

	/*
	 * Mark the question text (as listed) state (enum
	 * kb_unanswered_state) at now, on every instance.  Returns 0, -1
	 * when no instance holds the question, -2 when it cannot be kept
	 * now (too many changes wait for Redis).
	 */
	int	(*set_state)(void *arg, const char *text, int state, time_t now);

	void	*arg;
};

#endif
