/*
 * admin_int — the inside of the admin API, shared by its files:
 * admin_api.c (the object, routing, answers that come later),
 * admin_reply.c (requests and answers), admin_file.c (the file and its
 * writes), admin_kb.c (the knowledge-base routes), admin_stats.c (query
 * preview and statistics) and the other routes' files.  Nothing else
 * includes this header; admin_ is the prefix of what it declares.
 */
#ifndef ADMIN_INT_H
#define ADMIN_INT_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "kb/kb.h"
#include "kb/kb_history.h"

#define ADMIN_JSON	"application/json; charset=utf-8"
#define ADMIN_CSV		"text/csv; charset=utf-8"
#define ADMIN_PUSHES	16		/* ended pushes remembered */
#define ADMIN_PUSH_KEY_MAX 64		/* bytes of a push's key */
#define ADMIN_MAX_PARAM	KB_MAX_QUERY	/* bytes of a decoded value */
#define ADMIN_MAX_WORDS	16		/* words of a search */
#define ADMIN_MAX_ARG	(KB_MAX_ID + 1)	/* bytes of a path segment */

/* The knowledge-base file as last read, kept while it is unchanged. */
struct admin_file {
	char		*buf;
	size_t		 len;
	json_t		*doc;		/* NULL: nothing cached */
	struct stat	 st;		/* of the file read */
};

struct admin_save;

struct admin_api {
	char		*kb_path;
	struct dispatch	*dispatch;
	admin_reload_fn	 reload;
	void		*reload_arg;
	struct wx_api	*api;
	struct wx_push	*push;
	struct kb_history *history;
	const struct admin_stats_share *stats_share;	/* or NULL */
	/* Reports of ended pushes nobody waited for, for GET /api/push/KEY. */
	struct admin_ended {
		char		 key[ADMIN_PUSH_KEY_MAX + 1];
		json_t		*report;
	}		 ended[ADMIN_PUSHES];
	size_t		 next_ended;
	struct admin_file	 cur;
	/* The person of the request being served, for the history. */
	char		 person[ADMIN_PERSON_MAX + 1];
	admin_cas_fn	 cas;		/* NULL: one instance */
	void		*cas_arg;
	struct admin_save *saving;	/* the write waiting on the cluster */
};

/* One route for one method; arg is the path segment matched by '*'. */
typedef void (*admin_fn)(struct admin_api *, const struct admin_request *,
    const char *arg, struct admin_result *);

/* An answer that comes later; admin_pending_finish() ends it. */
struct admin_pending {
	admin_done_fn	 done;
	void		*arg;
	int		 gone;		/* the client left: no done */
	int		 serving;	/* still inside admin_api_serve */
	int		 finished;
	char		 person[ADMIN_PERSON_MAX + 1];
};

/* A route that answers later: it calls admin_pending_finish() once. */
typedef void (*admin_async_fn)(struct admin_api *,
    const struct admin_request *, const char *arg, struct admin_pending *);

/* Answer p with status and j (stolen), and forget p. */
void	admin_pending_finish(struct admin_pending *p, int status, json_t *j);

/* Answer p with res (its person set here; released), and forget p. */
void	admin_pending_result(struct admin_pending *p, struct admin_result *res);

/* Forget the cached file: the next admin_current() reads it again. */
void	admin_file_clear(struct admin_file *);

/*
 * Answer status with j as compact JSON (the reference is stolen; NULL,
 * or a failure to serialize, is a 500).
 */
void	admin_reply(struct admin_result *, int status, json_t *j);

/* Add a header (name static) to the answer; past the room, dropped. */
void	admin_set_header(struct admin_result *, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ETag: "rev". */
void	admin_etag(struct admin_result *, int64_t rev);

/*
 * Answer status with {"error": message} and details (stolen, may be
 * NULL): an array goes in as "details", an object's members are merged
 * in (for "current" and the like).
 */
void	admin_errorf(struct admin_result *, int status, json_t *details,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ["s"], or NULL when s is NULL. */
json_t	*admin_detail(const char *s);

/* Fill the audit fields of a change to log (kb_audit). */
void	admin_audit(struct admin_result *, const char *action,
	    const char *item, int64_t old_rev, int64_t new_rev);

/* Note a failure to log: event, level, what failed and why. */
void	admin_log_failure(struct admin_result *, const char *event,
	    enum admin_log level, const char *what, const char *cause);

/*
 * Make sure a->cur holds the knowledge-base file as it is now.  Returns
 * 0, or -1 with the answer filled (500: unreadable or unusable file).
 */
int	admin_current(struct admin_api *, struct admin_result *);

/* The revision the next write makes: above the file's and the history's. */
int64_t	admin_next_revision(const struct admin_api *);

/* An item as answered, with "revision" and "expired": a new reference. */
json_t	*admin_item(json_t *item, time_t now);

/* {"revision": kb_rev, "current": ITEM or null} for a 409 or 412. */
json_t	*admin_current_item(json_t *item, time_t now, int64_t kb_rev);

/*
 * An If-Match header: "5", "\"5\"" or W/"5".  Returns 1 with *rev, 0 when
 * absent, -1 when it is not a revision.
 */
int	admin_if_match(const char *h, int64_t *rev);

/* The If-Match a write needs into *rev: 0, or -1 with 428 or 400. */
int	admin_need_match(const struct admin_request *, struct admin_result *,
	    int64_t *rev);

/*
 * The request body as a JSON object (new reference), or NULL with the
 * answer filled: 413, 415 or 400.
 */
json_t	*admin_body(const struct admin_request *, struct admin_result *);

/*
 * The query parameter name, percent-decoded ('+' is a space) into buf.
 * Returns 1 when found, 0 when absent, -1 when it is badly encoded, holds
 * a NUL or does not fit.
 */
int	admin_param(const char *query, const char *name, char *buf,
	    size_t size);

/* The errors (warnings 0) or warnings (1) of a load as a new array. */
json_t	*admin_diag_details(const struct kb_diag *, int warnings);

/*
 * A write in two halves (admin_file.c): prepare validates doc as revision
 * what->revision and gives its text, the note and the loader's warnings;
 * finish keeps the version a->cur holds, saves text and serves it.  See
 * there.
 */
int	admin_commit_prepare(struct admin_api *, json_t *doc,
	    const struct kb_history_entry *what, struct admin_result *,
	    char **text, size_t *len, struct kb_history_entry *note,
	    json_t **warnings);
int	admin_commit_finish(struct admin_api *, const char *text, size_t len,
	    const struct kb_history_entry *note, struct admin_result *,
	    uint64_t *generation);

/*
 * Save doc (borrowed) as the change what made from revision old_rev, and
 * answer status with the revision (and the item what->item when
 * with_item), audited (admin_save.c).  One instance: done here; returns
 * 0 with res filled, or -1 with the error.  With other instances the
 * cluster must take it first: returns 0 with res untouched and
 * admin_save_waiting() true; the route's caller then hands the answer to
 * admin_save_send().
 */
int	admin_save(struct admin_api *, json_t *doc,
	    const struct kb_history_entry *what, int64_t old_rev, int status,
	    int with_item, time_t now, struct admin_result *res);

/* 1 when a write waits for admin_save_send(). */
int	admin_save_waiting(const struct admin_api *);

/* Ask the cluster to take the waiting write; p is answered once. */
void	admin_save_send(struct admin_api *, const struct admin_request *,
	    const char *arg, struct admin_pending *p);

/* Drop a write still waiting (admin_api_free). */
void	admin_save_clear(struct admin_api *);

/* {"revision", "account", "welcome", "fallback", "synonyms"} of doc. */
json_t	*admin_kb_settings(json_t *doc);

/* A note for the history: action (on item, or NULL) made rev at now. */
void	admin_entry(struct kb_history_entry *, int64_t rev, time_t now,
	    const char *action, const char *item);

/*
 * The answer to a write: {"revision", "generation", "warnings" when
 * there are any} (warnings stolen), and "item" (stolen) for
 * admin_written_item().  A new reference, or NULL.
 */
json_t	*admin_written(int64_t rev, uint64_t generation, json_t *warnings);
json_t	*admin_written_item(int64_t rev, uint64_t generation,
	    json_t *warnings, json_t *item);

/* The knowledge-base routes (admin_kb.c). */
void	admin_kb_get(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_kb_put(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_items_get(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_items_post(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_item_get(struct admin_api *, const struct admin_request *,
	    const char *id, struct admin_result *);
void	admin_item_put(struct admin_api *, const struct admin_request *,
	    const char *id, struct admin_result *);
void	admin_item_delete(struct admin_api *, const struct admin_request *,
	    const char *id, struct admin_result *);
void	admin_reload(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_history_get(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_restore(struct admin_api *, const struct admin_request *,
	    const char *revision, struct admin_result *);

/* One item's history (admin_item_history.c). */
void	admin_item_history(struct admin_api *, const struct admin_request *,
	    const char *id, struct admin_result *);
void	admin_item_restore(struct admin_api *, const struct admin_request *,
	    const char *id, struct admin_result *);

/* Add "title" to the entries of a GET /api/kb/history answer. */
void	admin_history_titles(struct admin_api *, json_t *hist);

/* The menu a sync would send (admin_menu.c). */
void	admin_menu_preview(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);

/* The query preview and statistics routes (admin_stats.c). */
void	admin_query(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_unanswered(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_unanswered_state(struct admin_api *,
	    const struct admin_request *, const char *, struct admin_result *);
void	admin_stats_items(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);
void	admin_stats_export(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_result *);

/* The routes that wait for WeChat (admin_wechat.c). */
void	admin_push(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_pending *);
void	admin_menu_get(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_pending *);
void	admin_menu_sync(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_pending *);
void	admin_import(struct admin_api *, const struct admin_request *,
	    const char *, struct admin_pending *);
void	admin_push_get(struct admin_api *, const struct admin_request *,
	    const char *key, struct admin_result *);

/* Forget the reports of ended pushes (admin_api_free). */
void	admin_pushes_clear(struct admin_api *);

#endif
