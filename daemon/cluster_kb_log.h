/*
 * cluster_kb_log — the knowledge base's history as the cluster keeps it
 * in Redis: a list, newest first, of one element per change, "REV\n" then
 * the change's note (kb_history's form, plus "old": the revision it was
 * made from) then "\n" and the version it replaced.  Any instance reads it
 * to keep in its own history the changes made on the others.
 */
#ifndef CLUSTER_KB_LOG_H
#define CLUSTER_KB_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "kb/kb_history.h"

#define CLUSTER_KB_LOG_NOTE_MAX	1024	/* bytes of "REV\n" and the note */

/*
 * "REV\n" and the note of the change that made note->revision from
 * old_rev: what the save script is given (it appends "\n" and the version
 * replaced).  malloc'ed and NUL-terminated, with *len; NULL when out of
 * memory.
 */
char	*cluster_kb_log_note(const struct kb_history_entry *note,
	    int64_t old_rev, size_t *len);

/*
 * One element of the list (len bytes from Redis: checked, never
 * trusted) into *note, *old_rev, and the version replaced: *old (inside e)
 * and *old_len.  Returns 0, or -1 when it is not a well-formed element.
 */
int	cluster_kb_log_parse(const char *e, size_t len,
	    struct kb_history_entry *note, int64_t *old_rev, const char **old,
	    size_t *old_len);

#endif
