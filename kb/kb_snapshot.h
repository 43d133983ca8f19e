/*
 * kb_snapshot — what one instance counted (its statistics and unanswered
 * questions) as one compact JSON document, for the other instances of a
 * cluster to merge into the view their admin pages show:
 *
 *   {"version": 1, "stats": kb_stats_json(), "unanswered":
 *    kb_unanswered_json()}
 *
 * A snapshot read back comes from the network: it is checked as the
 * state files are, and refused whole with a reason when it breaks them.
 */
#ifndef KB_SNAPSHOT_H
#define KB_SNAPSHOT_H

#include <stddef.h>

#include <jansson.h>

#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"

/* The largest snapshot: both state files at their limits. */
#define KB_SNAPSHOT_MAX		(KB_STATS_FILE_MAX + KB_UNANSWERED_FILE_MAX)

/*
 * The snapshot of stats and unanswered (as kb_stats_json() and
 * kb_unanswered_json() make them; borrowed): a malloc'ed NUL-terminated
 * string with its length in *len, or NULL when out of memory or larger
 * than KB_SNAPSHOT_MAX.  The same counts give the same bytes.
 */
char	*kb_snapshot_dump(json_t *stats, json_t *unanswered, size_t *len);

/*
 * Read the snapshot buf (len bytes) into the new *stats and *unanswered
 * (a store of up to KB_UNANSWERED_MAX questions).  Returns 0, or a kb_err
 * with *cause (malloc'ed; name says whose snapshot it is) and both NULL.
 */
int	kb_snapshot_parse(const char *buf, size_t len, const char *name,
	    struct kb_stats **stats, struct kb_unanswered **unanswered,
	    char **cause);

#endif
