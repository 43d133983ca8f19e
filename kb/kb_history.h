/*
 * kb_history — earlier versions of the knowledge-base file, kept in the
 * state dir so that an edit made through the admin API can be undone:
 * STATE_DIR/history/kb-<revision>.json, the newest KB_HISTORY_KEEP of
 * them, and STATE_DIR/history/index.json, which says when each revision
 * was saved and by what change.  Every file is replaced atomically.  Not
 * thread-safe.
 */
#ifndef KB_HISTORY_H
#define KB_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "kb/kb.h"

#define KB_HISTORY_KEEP		50	/* versions kept */
#define KB_HISTORY_DIR		"history"
#define KB_HISTORY_INDEX_MAX	(1024 * 1024)	/* bytes of index.json */

/* How one revision came to be. */
/* Bytes of the name of who made a version. */
#define KB_HISTORY_BY_MAX	64

struct kb_history_entry {
	int64_t	 revision;
	time_t	 saved;			/* when it became the live file */
	char	 action[16];		/* "create", "update", "delete",
					   "settings", "restore"; "file" for
					   a version not made by the API */
	char	 item[KB_MAX_ID + 1];	/* the item changed, or "" */
	int64_t	 restored;		/* "restore": the revision brought
					   back; otherwise 0 */
	char	 by[KB_HISTORY_BY_MAX + 1];	/* who made it ("token" for
					   the bearer token), or "" */
};

struct kb_history;

/*
 * One note as the index keeps it: {"revision", "saved" (seconds since
 * the epoch), "action", and "item", "restored", "by" when set}.  A new
 * reference, or NULL when out of memory.
 */
json_t	*kb_history_entry_json(const struct kb_history_entry *);

/*
 * The note v (as kb_history_entry_json() makes it, from any source: it is
 * checked) into *e.  Returns 0, or -1 when it is not one; strings too long
 * are left empty.
 */
int	kb_history_entry_parse(const json_t *v, struct kb_history_entry *e);

/*
 * The history under state_dir (the directory is made by the first
 * kb_history_push(); temporary files of saves killed half-way are
 * removed).  NULL only when out of memory.  An index that
 * cannot be read is started afresh and *cause (if cause is not NULL)
 * gets a malloc'ed reason to log; otherwise *cause is NULL.
 */
struct kb_history *kb_history_open(const char *state_dir, char **cause);

/* Free; NULL is a no-op. */
void	kb_history_free(struct kb_history *);

/*
 * The highest revision the history knows of (kept or noted), 0 when none:
 * a new revision must be above it, so that no kept version is overwritten
 * even when the live file was replaced by an older one.
 */
int64_t	kb_history_max(const struct kb_history *);

/*
 * Before the live file at revision old_rev (len bytes of old, written at
 * old_saved) is replaced by revision next->revision: keep the old bytes
 * as a version, note how the next revision is made, and drop the versions
 * beyond KB_HISTORY_KEEP.  Returns 0, or a kb_err with *cause (malloc'ed,
 * caller frees) naming the file and the reason; the live file is then not
 * to be replaced.
 */
int	kb_history_push(struct kb_history *, int64_t old_rev, const char *old,
	    size_t len, time_t old_saved, const struct kb_history_entry *next,
	    char **cause);

/*
 * The live version (revision current, its file written at current_saved)
 * then the versions kept, newest first: {"versions": [{"revision",
 * "saved" (UTC, "2026-11-29T10:00:00Z", or null), "action", "item" (or
 * null), "current" (true for the live one only), and "restored" for a
 * restore}, ...]}.  A new reference, or NULL when out of memory.
 */
json_t	*kb_history_json(const struct kb_history *, int64_t current,
	    time_t current_saved);

/*
 * Read the kept version rev into *buf (malloc'ed, NUL-terminated, caller
 * frees) and *len.  Returns 0; KB_ERR_IO with errno ENOENT when it is not
 * kept; another kb_err with *cause (malloc'ed) otherwise.
 */
int	kb_history_read(const struct kb_history *, int64_t rev, char **buf,
	    size_t *len, char **cause);

#endif
