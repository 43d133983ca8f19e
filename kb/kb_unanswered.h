/*
 * kb_unanswered — the questions the knowledge base could not answer (those
 * that got only suggestions or the fallback), counted by their normalized
 * text for the admin page and `wxkbctl stats`.  No OpenID or other
 * identity is kept.  The store is bounded: when it is full, a new question
 * replaces the least-asked one (the longest unseen among equals).  It is
 * kept across restarts in a JSON file of the state dir.  Not thread-safe.
 */
#ifndef KB_UNANSWERED_H
#define KB_UNANSWERED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define KB_UNANSWERED_MAX	1000	/* default number of questions */
#define KB_UNANSWERED_TEXT	256	/* bytes of a question kept */
#define KB_UNANSWERED_FILE_MAX	(4 * 1024 * 1024)

/*
 * What staff made of a question.  A handled question asked again later
 * is open again (the answer did not reach that resident); an ignored one
 * stays ignored.
 */
enum kb_unanswered_state {
	KB_UNANSWERED_OPEN = 0,
	KB_UNANSWERED_IGNORED,
	KB_UNANSWERED_HANDLED,
};

struct kb_unanswered_entry {
	char		 text[KB_UNANSWERED_TEXT + 1];	/* normalized */
	uint32_t	 count;		/* times asked (saturates) */
	time_t		 first_seen;
	time_t		 last_seen;
	enum kb_unanswered_state state;
	time_t		 state_at;	/* when the state was set; 0: never */
};

struct kb_unanswered;

/* An empty store of up to max questions (0: KB_UNANSWERED_MAX), or NULL. */
struct kb_unanswered *kb_unanswered_new(size_t max);

/*
 * A store of KB_UNANSWERED_MAX questions filled from the file at path (see
 * kb_unanswered_load()); NULL only when out of memory.  When the file
 * exists but is refused, the store starts empty and *cause (if cause is not
 * NULL) gets a malloc'ed reason to log; otherwise *cause is NULL.
 */
struct kb_unanswered *kb_unanswered_open(const char *path, char **cause);

/* Free the store; NULL is a no-op. */
void	kb_unanswered_free(struct kb_unanswered *);

/* Forget every question. */
void	kb_unanswered_clear(struct kb_unanswered *);

/*
 * Count one asking of the normalized text (NUL-terminated, such as
 * kb_result.normalized; cut at a character after KB_UNANSWERED_TEXT bytes)
 * at now.  Returns 0, or KB_ERR_SCHEMA when text is empty.
 */
int	kb_unanswered_record(struct kb_unanswered *, const char *text,
	    time_t now);

/*
 * Set the state of the question text (normalized, as listed) at now.
 * Returns 0, or KB_ERR_IO with errno ENOENT when it is not held.
 */
int	kb_unanswered_set_state(struct kb_unanswered *, const char *text,
	    enum kb_unanswered_state state, time_t now);

/* "open", "ignored", "handled"; and back (-1 when s is none of them). */
const char *kb_unanswered_state_name(enum kb_unanswered_state);
int	kb_unanswered_state_parse(const char *s);

/* Number of questions held. */
size_t	kb_unanswered_count(const struct kb_unanswered *);

/*
 * Up to max entries into out, most asked first (then most recent, then by
 * text); returns how many.  The pointers stay valid until the store is
 * next changed.
 */
size_t	kb_unanswered_sorted(const struct kb_unanswered *,
	    const struct kb_unanswered_entry **out, size_t max);

/*
 * {"version": 1, "questions": [{"text", "count", "first_seen",
 * "last_seen", "state", "state_at"?}, ...]} with up to limit questions
 * (0: all), sorted as kb_unanswered_sorted(); a new reference, or NULL
 * when out of memory.  "state_at" only once a state was set.
 */
json_t	*kb_unanswered_json(const struct kb_unanswered *, size_t limit);

/*
 * Replace the store's contents with the file at path (written by
 * kb_unanswered_save()).  A missing file is an empty store (returns 0).
 * A file that is unreadable, too large, not JSON or breaks the format
 * leaves the store empty and returns KB_ERR_IO, KB_ERR_TOOBIG,
 * KB_ERR_SYNTAX or KB_ERR_SCHEMA with *cause (malloc'ed, caller frees).
 */
int	kb_unanswered_load(struct kb_unanswered *, const char *path,
	    char **cause);

/*
 * Replace the store's contents with the document root (as
 * kb_unanswered_json() makes it), checked as a file is: for one from
 * another instance.  Returns 0, or a kb_err with *cause (malloc'ed; name
 * says where root came from) and the store empty.
 */
int	kb_unanswered_from_json(struct kb_unanswered *, const json_t *root,
	    const char *name, char **cause);

/*
 * Merge the questions of src into dst (the view of several instances):
 * by text, counts summed (saturating), the earliest first_seen, the
 * latest last_seen, the latest state change; a handled question asked
 * after its mark is open.  A full dst gives up its least-asked entries.
 */
void	kb_unanswered_merge(struct kb_unanswered *dst,
	    const struct kb_unanswered *src);

/*
 * Take the state change (state at time at) of the question text when it
 * is later than the one held.  Returns 0, or KB_ERR_IO with errno ENOENT
 * when text is not held.
 */
int	kb_unanswered_merge_state(struct kb_unanswered *, const char *text,
	    enum kb_unanswered_state state, time_t at);

/*
 * Write the store to path atomically, mode 0600.  Returns 0 or a kb_err
 * with *cause (malloc'ed, caller frees).
 */
int	kb_unanswered_save(const struct kb_unanswered *, const char *path,
	    char **cause);

#endif
