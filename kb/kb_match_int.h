/*
 * kb_match_int — the scratch of one query, shared by kb_match.c (the
 * automaton passes and the decision), kb_match_rank.c (ranking) and
 * kb_match_guard.c (the scope guards).
 * Nothing outside these three files includes this header.
 */
#ifndef KB_MATCH_INT_H
#define KB_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kb/kb.h"

struct kb_ac;

#define MATCH_MAX_HITS	512
#define MATCH_HASH	1024	/* power of two, twice MATCH_MAX_HITS */
/* Up to this many hits are deduplicated by a scan, sparing most messages
   the clearing of the hash table. */
#define MATCH_FEW	16
#define MATCH_MAX_OCC	1024
#define MATCH_TEXT	(2 * KB_MAX_QUERY + 1)	/* rewritten message */
#define MATCH_CAND	16	/* candidate items kept for ties/BM25 */
#define MATCH_ITEM_OCC	32	/* occurrences of one item weighed */
#define MATCH_LONG_CP	30	/* a longer message needs coverage */
#define MATCH_GENERIC_DF 3	/* a keyword in this many items' text */
#define MATCH_BM25_Q	128	/* query bigrams for BM25 */
#define MATCH_PY_OCC	256
#define MATCH_TIE	1e-9

struct match_occ {
	uint32_t	 slot;		/* index into hits */
	uint32_t	 next;		/* next occurrence of the slot, or
					   UINT32_MAX */
	uint16_t	 bstart, bend;	/* bytes of the rewritten text */
};

struct match {
	const struct kb_ac *ac;
	size_t		 n;			/* rewritten length */
	uint32_t	 hits[MATCH_MAX_HITS];	/* distinct pattern ids */
	uint32_t	 first[MATCH_MAX_HITS];	/* first occurrence of each */
	size_t		 nhits;
	uint32_t	 seen[MATCH_HASH];	/* slot + 1; 0 empty; in use
						   past MATCH_FEW hits */
	uint32_t	 whole;			/* id equal to the whole
						   message, or UINT32_MAX */
	struct match_occ occ[MATCH_MAX_OCC];
	size_t		 nocc;
	char		 q[MATCH_TEXT];		/* rewritten message */
	unsigned char	 mark[MATCH_TEXT];	/* 1: from a synonym */
	uint16_t	 cpos[MATCH_TEXT + 1];	/* codepoints before byte */
	uint64_t	 qk[MATCH_BM25_Q];	/* bigrams of q, for BM25 */
	size_t		 nq;
	int		 have_qk;		/* made only when needed */
};

/* How one item covers the message. */
struct match_cover {
	uint32_t	 item;
	double		 score;		/* IDF-weighted characters */
	size_t		 covered;	/* characters */
	int		 generic;	/* only generic keywords */
	int		 synonym;	/* overlaps a rewritten word */
	uint32_t	 slots[KB_MAX_KEYWORDS];
	size_t		 nslots;
};

/* kb_match_rank.c: the contains items over the keywords found in m, best
   first, into top (MATCH_CAND); returns how many. */
size_t	 kb_match_rank(const struct kb *, const struct match *m, time_t now,
	    struct match_cover *top);
/* kb_match_rank.c: BM25 of item for the message; m's bigrams are made
   on first use. */
double	 kb_match_rank_bm25(const struct kb *, struct match *m,
	    uint32_t item);

/* kb_match_guard.c: 1 when the part of the message c does not cover
   names another place or office. */
int	 kb_match_guard_foreign(const struct kb *, const struct match *m,
	    const struct match_cover *c);
/* kb_match_guard.c: 1 when the message (q, n bytes, normalized) asks how
   to break into or attack something. */
int	 kb_match_guard_hostile(const char *q, size_t n);
/* kb_match_guard.c: the first year s names (1900..2099), or 0. */
int	 kb_match_guard_year(const char *s, size_t n);

#endif
