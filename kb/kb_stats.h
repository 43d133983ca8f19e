/*
 * kb_stats — how well the knowledge base answers: how often each item was
 * served, and per day how many questions were answered, got only
 * suggestions, or got the fallback (the "answer rate").  Bounded:
 * KB_STATS_DAYS days (the oldest day falls out) and KB_STATS_ITEMS items
 * (a new item replaces the least-served one).  Days are local dates, as
 * the office reads them.  Kept across restarts in a JSON file of the
 * state dir.  No OpenID or question text is kept here.  Not thread-safe.
 */
#ifndef KB_STATS_H
#define KB_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define KB_STATS_DAYS		400
#define KB_STATS_ITEMS		20000
#define KB_STATS_FILE_MAX	(8 * 1024 * 1024)

/* What one resident's question got. */
enum kb_stats_outcome {
	KB_STATS_ANSWERED = 0,	/* an item (a match or a numbered choice) */
	KB_STATS_SUGGESTED,	/* only a list of suggestions */
	KB_STATS_UNANSWERED,	/* the fallback */
};

/* One day's counts; date is "YYYY-MM-DD". */
struct kb_stats_day {
	char		 date[11];
	uint64_t	 answered;
	uint64_t	 suggested;
	uint64_t	 unanswered;
};

struct kb_stats;

/* Empty statistics, or NULL when out of memory. */
struct kb_stats *kb_stats_new(void);

/*
 * Statistics filled from the file at path (see kb_stats_load()); NULL
 * only when out of memory.  A file that exists but is refused leaves them
 * empty and sets *cause (if cause is not NULL; malloc'ed) to a reason to
 * log; otherwise *cause is NULL.
 */
struct kb_stats *kb_stats_open(const char *path, char **cause);

/* Free; NULL is a no-op. */
void	kb_stats_free(struct kb_stats *);

/* Count one question with this outcome on the local day of now. */
void	kb_stats_question(struct kb_stats *, enum kb_stats_outcome,
	    time_t now);

/*
 * Count one serving of the item id (1 to KB_MAX_ID bytes).  Returns 0,
 * or KB_ERR_SCHEMA for an unusable id, KB_ERR_NOMEM.
 */
int	kb_stats_hit(struct kb_stats *, const char *id);

/* Times the item id was served. */
uint64_t kb_stats_hits(const struct kb_stats *, const char *id);

/*
 * The counts of the day "YYYY-MM-DD" into *day (zeros when none).
 * Returns 1 when the day has counts, 0 otherwise.
 */
int	kb_stats_day(const struct kb_stats *, const char *date,
	    struct kb_stats_day *day);

/*
 * {"version": 1, "items": [{"id", "hits"}...] (most served first),
 * "days": [{"date", "answered", "suggested", "unanswered"}...] (oldest
 * first)}: a new reference, or NULL when out of memory.
 */
json_t	*kb_stats_json(const struct kb_stats *);

/*
 * Replace the contents with the file at path (written by kb_stats_save()).
 * A missing file is empty statistics (returns 0).  Otherwise a file that
 * cannot be used leaves them empty and returns a kb_err with *cause
 * (malloc'ed, caller frees).
 */
int	kb_stats_load(struct kb_stats *, const char *path, char **cause);

/*
 * Replace the contents with the document root (as kb_stats_json() makes
 * it), checked as a file is: for one from another instance.  Returns 0,
 * or a kb_err with *cause (malloc'ed; name says where root came from)
 * and the statistics empty.
 */
int	kb_stats_from_json(struct kb_stats *, const json_t *root,
	    const char *name, char **cause);

/*
 * Add the hits and day counts of src to dst (the merged view of several
 * instances).  Returns 0 or KB_ERR_NOMEM.
 */
int	kb_stats_add(struct kb_stats *dst, const struct kb_stats *src);

/* Write to path atomically, mode 0600.  Returns 0 or a kb_err + *cause. */
int	kb_stats_save(const struct kb_stats *, const char *path, char **cause);

#endif
