/*
 * dispatch — reply = dispatch(msg): what a resident gets for a message or
 * an event, from the current knowledge-base generation (DESIGN.md
 * "Matching"; the knowledge-base issue, items 4-6).  Holds the per-user
 * suggestion state that lets a resident answer "2" to a numbered list.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "handlers/callback/wx_callback.h"

/* Passive text above this many bytes is split (WeChat's limit ~2048). */
#define DISPATCH_MAX_TEXT	2000
/* How long a numbered suggestion list can be answered. */
#define DISPATCH_SUGGEST_TTL	600
/* Bytes of a suggestion list, NUL included. */
#define DISPATCH_SUGGEST_MAX	1024

struct kb;
struct kb_result;
struct kb_stats;
struct kb_unanswered;
struct dispatch;
struct wx_share;

/*
 * Sends the parts of an answer after the first (customer-service API).
 * Returns 0 when queued.  May be NULL: the text is then shortened.
 */
typedef int (*dispatch_send_fn)(void *arg, const char *openid,
	    const char *text, size_t len);

/* A new dispatcher without a knowledge base; NULL on allocation failure. */
struct dispatch *dispatch_new(void);
void	dispatch_free(struct dispatch *);

/*
 * Serve kb from now on: takes a reference of its own and drops the one on
 * the previous generation (requests holding it finish on it).
 */
void	dispatch_set_kb(struct dispatch *, struct kb *kb);

/* A reference on the generation served now (kb_unref it), or NULL. */
struct kb *dispatch_kb_acquire(struct dispatch *);

/*
 * The unanswered store, read, marked or saved under the dispatcher's lock
 * while workers record into it: kb_unanswered_json(),
 * kb_unanswered_set_state() (state is an enum kb_unanswered_state; -1
 * when there is no store) and kb_unanswered_save().
 */
json_t	*dispatch_unanswered_json(struct dispatch *, size_t limit);
int	dispatch_unanswered_set_state(struct dispatch *, const char *text,
	    int state, time_t now);
int	dispatch_unanswered_save(struct dispatch *, const char *path,
	    char **cause);

/*
 * The statistics, read or saved under the dispatcher's lock while workers
 * count into them: kb_stats_json() (NULL without statistics) and
 * kb_stats_save() (0 without statistics).
 */
json_t	*dispatch_stats_json(struct dispatch *);
int	dispatch_stats_save(struct dispatch *, const char *path,
	    char **cause);

/*
 * Count questions by outcome and items by servings here (borrowed; may be
 * NULL).
 */
void	dispatch_set_stats(struct dispatch *, struct kb_stats *);

/*
 * The text a resident gets for a SUGGEST result of kb (the numbered list,
 * ending with the office phone) or a PERIOD one (which years the figures
 * are from, and the phone), as sent: into text (size bytes,
 * DISPATCH_SUGGEST_MAX is enough), NUL-terminated.  Returns its length,
 * or 0 for another kind of result or when it does not fit.  This is the
 * only place these texts are made: `wxkbctl query` and the admin page
 * show them from here.
 */
size_t	dispatch_result_text(const struct kb *, const struct kb_result *,
	    char *text, size_t size);

/* Record misses and suggestions here (borrowed; may be NULL). */
void	dispatch_set_unanswered(struct dispatch *, struct kb_unanswered *);

/* Deliver the rest of long answers through fn (may be NULL). */
void	dispatch_set_sender(struct dispatch *, dispatch_send_fn fn,
	    void *arg);

/*
 * Keep each resident's suggestion list also in share (borrowed, may be
 * NULL), so that the digit reply may reach another instance.
 */
void	dispatch_set_share(struct dispatch *, const struct wx_share *share);

/*
 * The import_state hook of wx_callback (arg is a struct dispatch): take
 * the suggestion list another instance stored for openid.  A blob longer
 * than any list is ignored.
 */
void	dispatch_import_state(void *arg, const char *openid, const char *data,
	    size_t len, time_t now);

/* The wx_dispatch_fn of wx_callback: arg is a struct dispatch. */
int	dispatch_message(void *arg, const struct wx_msg *msg, time_t now,
	    struct wx_dispatch_out *out);

#endif
