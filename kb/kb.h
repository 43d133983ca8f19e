/*
 * kb — one compiled, immutable generation of the knowledge base (DESIGN.md
 * "Knowledge base file").  Loading validates the file, normalizes every
 * keyword and builds the keyword automaton once; queries never allocate
 * shared state, so a generation can be read by any number of requests while
 * a newer one is built.  Generations are reference-counted: a request holds
 * a reference for as long as it uses items from it.
 *
 * kb/ knows nothing of HTTP, libevent or the journal.
 */
#ifndef KB_H
#define KB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/file.h"

/* Limits of DESIGN.md and the knowledge-base issue. */
#define KB_MAX_FILE		(16 * 1024 * 1024)
#define KB_MAX_ITEMS		20000
#define KB_MAX_KEYWORDS		32
#define KB_MAX_KEYWORD_BYTES	64
#define KB_MAX_ID		64
#define KB_MAX_SUGGESTIONS	3
#define KB_MAX_QUERY		4096	/* bytes of a message considered */
#define KB_MAX_DIAG		1000	/* diagnostics kept per load; the
					   rest are only counted */

/* The file errors keep lib/file.h's numbers, so a read's result passes up. */
enum kb_err {
	KB_OK = FILE_OK,
	KB_ERR_IO = FILE_ERR_IO,	/* cannot open/read the file */
	KB_ERR_TOOBIG = FILE_ERR_TOOBIG, /* file over KB_MAX_FILE */
	KB_ERR_SYNTAX = FILE_ERR_SYNTAX, /* not JSON: line:column in the diagnostics */
	KB_ERR_SCHEMA = -4,		/* JSON, but breaks a rule of the schema */
	KB_ERR_NOMEM = FILE_ERR_NOMEM,
};

enum kb_reply_type {
	KB_REPLY_TEXT = 1,
	KB_REPLY_NEWS,
	KB_REPLY_IMAGE,
	KB_REPLY_VOICE,
	KB_REPLY_VIDEO,
	KB_REPLY_MUSIC,
};

enum kb_reply_mode {
	KB_MODE_ONE = 0,	/* a single reply object */
	KB_MODE_ALL,		/* "all": first passive, rest by API */
	KB_MODE_RANDOM_ONE,	/* "random_one" */
};

enum kb_match_mode {
	KB_MATCH_CONTAINS = 0,
	KB_MATCH_EXACT,
};

struct kb_article {
	const char	*title;
	const char	*description;
	const char	*url;
	const char	*picurl;
};

struct kb_reply {
	enum kb_reply_type type;
	const char	*content;		/* text */
	const char	*media_id;		/* image, voice, video */
	const char	*title;			/* video, music */
	const char	*description;		/* video, music */
	const char	*music_url;		/* music */
	const char	*hq_music_url;		/* music */
	const char	*thumb_media_id;	/* music */
	const struct kb_article *articles;	/* news */
	size_t		 narticles;
};

struct kb_item {
	const char	*id;
	const char	*title;
	const char *const *keywords;		/* as written in the file */
	size_t		 nkeywords;
	enum kb_match_mode match;
	long		 priority;
	const char	*menu_key;		/* NULL when none */
	const char	*menu_group;		/* NULL when none */
	const char	*menu_name;		/* the button's name; NULL:
						   the title */
	const struct kb_reply *replies;		/* 1 or more */
	size_t		 nreplies;
	enum kb_reply_mode reply_mode;
	const char	*source;		/* NULL when none */
	const char	*source_url;		/* NULL when none */
	const char	*updated;		/* "YYYY-MM-DD" or NULL */
	const char	*valid_until;		/* "YYYY-MM-DD" or NULL */
	time_t		 expires;		/* first second after valid_until
						   (local time); 0 = never */
	const char	*period;		/* "2020" or "2019-2020": the
						   years its figures describe;
						   NULL when none */
	int		 period_from, period_to;	/* 0 when none */
};

/* One problem found while loading; line/column are 0 when not known. */
struct kb_diag_entry {
	int	 warning;		/* 1 warning, 0 error */
	int	 line, column;
	char	 item_id[KB_MAX_ID + 1];	/* "" when not item-specific */
	char	 message[256];
};

/*
 * Every error and warning of one load, in file order.  Only the first
 * KB_MAX_DIAG are kept in entries; nerrors and nwarnings count them all.
 * Zero-initialize before the first use.
 */
struct kb_diag {
	struct kb_diag_entry *entries;
	size_t	 n, nerrors, nwarnings;
};

/* Text of a kb_err value. */
const char *kb_strerror(int);

struct kb;

/*
 * Load, validate and compile the file at path.  On success *out holds one
 * reference.  Every error and warning found is appended to diag (may be
 * NULL); free it with kb_diag_cleanup().  generation is stored in the new
 * knowledge base as its generation number.  Returns a kb_err.
 */
int	kb_load_file(const char *path, uint64_t generation, struct kb **out,
	    struct kb_diag *diag);

/* As kb_load_file() from len bytes of JSON in memory. */
int	kb_load_buffer(const char *json, size_t len, uint64_t generation,
	    struct kb **out, struct kb_diag *diag);

void	kb_ref(struct kb *);
void	kb_unref(struct kb *);		/* frees at zero; NULL is a no-op */

void	kb_diag_cleanup(struct kb_diag *);
/*
 * One line per entry into a malloc'ed string (caller frees; NULL when out
 * of memory): "file:line:col: error: message" when the position is known,
 * "file: item <id>: error: message" for an item, "file: error: message"
 * otherwise ("warning" for warnings), then a count of entries not kept.
 */
char	*kb_diag_format(const struct kb_diag *, const char *filename);

uint64_t kb_generation(const struct kb *);
size_t	kb_nitems(const struct kb *);
size_t	kb_nkeywords(const struct kb *);
const struct kb_item *kb_item_at(const struct kb *, size_t i);
const char *kb_account(const struct kb *);
const struct kb_reply *kb_welcome(const struct kb *);
const struct kb_reply *kb_fallback(const struct kb *);

/* The item with this id / menu key, or NULL.  Expired items are NULL. */
const struct kb_item *kb_find_id(const struct kb *, const char *id,
	    time_t now);
const struct kb_item *kb_find_menu_key(const struct kb *, const char *key,
	    time_t now);

/* 1 when item is past its valid_until at now. */
int	kb_item_expired(const struct kb_item *, time_t now);

/* Memory taken by the compiled structures of a generation, in bytes. */
struct kb_memstat {
	size_t	 automaton;	/* keyword, pinyin and synonym automata,
				   pattern owners and weights */
	size_t	 suggest;	/* bigram indexes: suggestions, BM25 */
	size_t	 items;		/* items, replies, strings, id/menu maps */
	size_t	 total;
};

/* Total bytes; fills *st too when it is not NULL. */
size_t	kb_memory(const struct kb *, struct kb_memstat *st);

enum kb_result_kind {
	KB_RESULT_HIT = 0,	/* item is the answer */
	KB_RESULT_SUGGEST,	/* no confident match; suggestions[] are
				   close */
	KB_RESULT_MISS,		/* nothing close: use kb_fallback() */
	KB_RESULT_EMPTY,	/* nothing left after normalization */
	KB_RESULT_PERIOD,	/* item would answer, but the message asks
				   about year, outside the item's period */
};

/* Which pass found the item (HIT, PERIOD, or the weak one of SUGGEST). */
enum kb_stage {
	KB_STAGE_NONE = 0,
	KB_STAGE_EXACT,		/* the whole message is an exact keyword */
	KB_STAGE_KEYWORD,	/* keywords as written */
	KB_STAGE_SYNONYM,	/* keywords after a synonym group */
	KB_STAGE_PINYIN,	/* keywords read as toneless pinyin */
	KB_STAGE_BM25,		/* keywords tied; BM25 over the items'
				   text chose */
};

/* Why a keyword match was not confident enough to answer. */
enum kb_weak {
	KB_WEAK_NONE = 0,
	KB_WEAK_LONG,		/* a long message, little of it covered */
	KB_WEAK_FOREIGN,	/* names another district, hospital or
				   office; only generic words matched */
	KB_WEAK_INTENT,		/* asks how to break into or attack
				   something: never answered with a link */
};

#define KB_MAX_WHY	4	/* matched keywords kept for explaining */

struct kb_result {
	enum kb_result_kind kind;
	const struct kb_item *item;		/* HIT, PERIOD */
	int	 exact;				/* HIT by an exact item */
	enum kb_stage stage;
	enum kb_weak weak;			/* SUGGEST after a weak hit */
	int	 year;				/* PERIOD: the year asked */
	size_t	 covered, total;		/* characters (or syllables
						   for pinyin) covered, of */
	double	 score;				/* IDF-weighted coverage */
	const char *matched[KB_MAX_WHY];	/* normalized keywords, owned
						   by the generation */
	size_t	 nmatched;
	const struct kb_item *suggestions[KB_MAX_SUGGESTIONS];
	size_t	 nsuggestions;			/* SUGGEST: 1..3 */
	/* The normalized message (NUL-terminated), for statistics. */
	char	 normalized[KB_MAX_QUERY + 1];
};

/*
 * Match len bytes of a resident's text (any bytes: invalid UTF-8 is
 * skipped; only the first KB_MAX_QUERY bytes count) against the
 * generation: normalization, synonyms, keywords ranked by coverage,
 * pinyin, the guards and suggestions of docs/matching.md; expired items
 * are never returned.  Fills res.  Deterministic; does not allocate: its
 * scratch is about 90 KiB of stack (threads get megabytes), and a message
 * holding more than 512 distinct keywords is ranked on the first 512
 * found.
 */
void	kb_query(const struct kb *, const char *text, size_t len, time_t now,
	    struct kb_result *res);

/* Name of a stage: "exact", "keyword", "synonym", "pinyin", "bm25". */
const char *kb_stage_name(enum kb_stage);

/*
 * Why res came out as it did, one line for operators (wxkbctl query, the
 * admin page): the stage, the keywords matched, the coverage and what made
 * a hit too weak, into buf (size bytes, NUL-terminated).  Returns buf.
 */
char	*kb_result_why(const struct kb_result *, char *buf, size_t size);

/*
 * The office phone: the first run of 7 to 12 digits in the fallback
 * reply's text, which every reply of last resort repeats; "" when none.
 */
const char *kb_phone(const struct kb *);

/* The synonym groups as written in the file (members per group). */
size_t	kb_nsynonym_groups(const struct kb *);

#endif
