/*
 * kb_int — the inside of one knowledge-base generation, shared by the kb/
 * files that build and read it (kb.c, kb_load*.c, kb_match*.c, kb_syn.c,
 * kb_bm25.c, kb_suggest.c).
 * Nothing outside kb/ includes this header.
 */
#ifndef KB_INT_H
#define KB_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kb/kb.h"

struct kb_ac;
struct kb_map;

/* Longest normalized keyword or title kept (bytes). */
#define KB_NORM_MAX		1024

/* Bump allocator: everything of a generation freed at once. */
struct kb_arena_chunk {
	struct kb_arena_chunk *next;
	size_t		 size, used;
	unsigned char	 data[];
};

struct kb_arena {
	struct kb_arena_chunk *head;
	size_t		 total;		/* bytes allocated from malloc */
};

/*
 * Decode up to max codepoints of len bytes of normalized (valid) UTF-8
 * into cp; returns how many.  A sequence cut at the end is dropped.
 */
size_t	kb_decode(const char *s, size_t len, uint32_t *cp, size_t max);

/* qsort comparison of two uint64_t. */
int	kb_cmp_u64(const void *, const void *);

/* size bytes aligned for any type, or NULL; lives until cleanup. */
void	*kb_arena_alloc(struct kb_arena *, size_t size);
/* A NUL-terminated copy of len bytes of s, or NULL. */
char	*kb_arena_strndup(struct kb_arena *, const char *s, size_t len);
void	 kb_arena_cleanup(struct kb_arena *);

/*
 * Normalized text of a generation's items, made by the loader for the
 * compilers and freed once they are done.
 */
struct kb_src {
	size_t		 nkw;		/* keywords of all items, without an
					   item's repeats after normalization */
	const char	**kw;		/* normalized keyword bytes */
	uint16_t	*kwlen;
	uint32_t	*item_kw;	/* nitems + 1: item i has keywords
					   [item_kw[i], item_kw[i + 1]) */
	const char	**title;	/* normalized title of each item */
	uint16_t	*titlelen;
	const char	**doc;		/* title, keywords and reply text
					   of each item, normalized */
	uint32_t	*doclen;
};

/* BM25 over character bigrams of each item's text (kb_bm25.c). */
struct kb_bm25 {
	uint64_t	*keys;		/* sorted bigram keys */
	uint32_t	*start;		/* nkeys + 1 */
	uint32_t	*item;		/* postings: item, ascending */
	uint16_t	*tf;		/* and the bigram's count there */
	size_t		 nkeys, npost;
	uint32_t	*dl;		/* bigrams of each item */
	double		 avgdl;
	size_t		 memory;
};

/* Bigram index for suggestions (kb_suggest.c). */
struct kb_suggest_index {
	uint64_t	*keys;		/* sorted: a << 21 | b, or a << 21 for
					   the unigram a */
	uint32_t	*post_start;	/* nkeys + 1 */
	uint32_t	*post;		/* item << 6 | string, ascending */
	size_t		 nkeys;
	uint32_t	*slot;		/* hash of keys: index + 1, 0 empty */
	unsigned	 slot_bits;	/* the table has 1 << slot_bits */
	uint32_t	*str_base;	/* nitems: first string of item i in
					   nbi/nuni (title, then keywords) */
	uint16_t	*nbi;		/* distinct bigrams of each string */
	uint16_t	*nuni;		/* distinct codepoints of each string */
	uint64_t	*stop;		/* filler bigrams/unigrams ignored */
	size_t		 nstop;
	size_t		 memory;
};

struct kb {
	atomic_int	 refs;
	uint64_t	 generation;
	struct kb_arena	 arena;		/* items, replies, strings */
	const char	*account;
	struct kb_reply	 welcome;
	struct kb_reply	 fallback;
	struct kb_item	*items;
	size_t		 nitems;
	size_t		 nkeywords;	/* as written, over all items */
	struct kb_map	*by_id;
	struct kb_map	*by_menu;
	struct kb_ac	*ac;
	uint32_t	*own_start;	/* npatterns + 1 */
	uint32_t	*owners;	/* items of each pattern, ascending */
	size_t		 nowners;
	float		*idf;		/* of each pattern, over the items'
					   text (kb_match.c) */
	uint8_t		*generic;	/* pattern found in the text of
					   several items */
	uint16_t	*pat_cp;	/* codepoints of each pattern */
	const char	**pat_text;	/* normalized text of each pattern */
	struct kb_ac	*py_ac;		/* keywords as syllables */
	uint32_t	*py_start;	/* npy patterns + 1 */
	uint32_t	*py_owners;	/* items of each syllable pattern */
	uint32_t	*py_kw;		/* a keyword pattern of each */
	size_t		 npy_owners;
	struct kb_ac	*syn_ac;	/* synonym members (kb_syn.c) */
	const char	**syn_canon;	/* canonical text of each member */
	uint16_t	*syn_canon_len;
	size_t		 nsyn_groups;
	const char	*phone;		/* see kb_phone() */
	struct kb_bm25	 bm;
	struct kb_suggest_index sx;
};

/* An empty generation with one reference, or NULL. */
struct kb *kb_new(uint64_t generation);

/* Build the automaton and the pattern owner lists; returns a kb_err. */
int	kb_match_build(struct kb *, const struct kb_src *);
void	kb_match_cleanup(struct kb *);

/* Build the BM25 index over src->doc; returns a kb_err. */
int	kb_bm25_build(struct kb *, const struct kb_src *);
void	kb_bm25_cleanup(struct kb *);

/* Bigram keys of normalized text into keys (at most max); returns n. */
size_t	kb_bm25_keys(const char *norm, size_t len, uint64_t *keys,
	    size_t max);

/* BM25 score of item for the query keys (distinct). */
double	kb_bm25_score(const struct kb *, const uint64_t *keys, size_t n,
	    uint32_t item);

/* Build the suggestion index; returns a kb_err. */
int	kb_suggest_build(struct kb *, const struct kb_src *);
void	kb_suggest_cleanup(struct kb *);

/*
 * Up to KB_MAX_SUGGESTIONS non-expired items close to the normalized text
 * (len bytes) into out, best first; returns how many.  Does not allocate.
 */
size_t	kb_suggest_query(const struct kb *, const char *norm, size_t len,
	    time_t now, const struct kb_item **out);

#endif
