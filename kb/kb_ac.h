/*
 * kb_ac — an Aho-Corasick automaton over byte strings, built once from a
 * fixed set of patterns and read-only afterwards.  States are numbered in
 * breadth-first order and keep their outgoing edges as one sorted run of a
 * shared edge array (the root has a 256-entry table), so memory grows with
 * the total length of the patterns, not with 256 per state.
 */
#ifndef KB_AC_H
#define KB_AC_H

#include <stddef.h>
#include <stdint.h>

#define KB_AC_MAX_PATTERN	1024	/* bytes of one pattern */

struct kb_ac;

/*
 * Build the automaton of n patterns: pats[i] has lens[i] bytes (1 ..
 * KB_AC_MAX_PATTERN).  ids[i] receives the pattern id of pats[i]: equal
 * patterns share one id, ids run from 0 to kb_ac_npatterns() - 1.  Returns
 * 0 and *out (free with kb_ac_free()), or KB_ERR_NOMEM / KB_ERR_SCHEMA (a
 * length out of range).
 */
int	kb_ac_new(const char *const *pats, const uint16_t *lens, size_t n,
	    uint32_t *ids, struct kb_ac **out);

/* Free the automaton; NULL is a no-op. */
void	kb_ac_free(struct kb_ac *);

/* Number of distinct patterns, and the length of pattern id. */
size_t	kb_ac_npatterns(const struct kb_ac *);
size_t	kb_ac_pattern_len(const struct kb_ac *, uint32_t id);

/* Bytes allocated by the automaton. */
size_t	kb_ac_memory(const struct kb_ac *);

/*
 * Called for every occurrence of pattern id ending just before offset end;
 * returning non-zero stops the scan.
 */
typedef int (*kb_ac_hit_cb)(uint32_t id, size_t end, void *arg);

/*
 * One pass over len bytes of text, reporting occurrences in order of their
 * end offset (longest first for one end).  Does not allocate.
 */
void	kb_ac_scan(const struct kb_ac *, const char *text, size_t len,
	    kb_ac_hit_cb cb, void *arg);

#endif
