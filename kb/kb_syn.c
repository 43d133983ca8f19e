/*
 * kb_syn — synonym rewriting with one pass of an automaton over the
 * members of every group.  Occurrences are collected (at most SYN_MAX_OCC
 * per message; the rest of a message holding more is left as it is) and
 * the leftmost-longest non-overlapping ones are replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_ac.h"
#include "kb/kb_int.h"
#include "kb/kb_syn.h"

#define SYN_MAX_OCC	256

struct syn_occ {
	uint32_t	 id;		/* member pattern */
	uint32_t	 start, len;
};

struct syn_scan {
	const struct kb_ac *ac;
	struct syn_occ	 occ[SYN_MAX_OCC];
	size_t		 n;
};

int
kb_syn_build(struct kb *kb, const char *const *mem, const uint16_t *len,
    const uint32_t *grp, const uint32_t *first, size_t n)
{
	uint32_t *ids = NULL;
	size_t i, np;
	int r;

	if (n == 0)
		return 0;
	ids = malloc(n * sizeof *ids);
	if (ids == NULL)
		return KB_ERR_NOMEM;
	r = kb_ac_new(mem, len, n, ids, &kb->syn_ac);
	if (r != 0)
		goto out;
	np = kb_ac_npatterns(kb->syn_ac);
	r = KB_ERR_NOMEM;
	kb->syn_canon = kb_arena_alloc(&kb->arena, np * sizeof
	    *kb->syn_canon);
	kb->syn_canon_len = kb_arena_alloc(&kb->arena, np * sizeof
	    *kb->syn_canon_len);
	if (kb->syn_canon == NULL || kb->syn_canon_len == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		kb->syn_canon[ids[i]] = kb_arena_strndup(&kb->arena,
		    mem[first[grp[i]]], len[first[grp[i]]]);
		if (kb->syn_canon[ids[i]] == NULL)
			goto out;
		kb->syn_canon_len[ids[i]] = len[first[grp[i]]];
	}
	r = 0;
out:
	free(ids);
	return r;
}

void
kb_syn_cleanup(struct kb *kb)
{
	kb_ac_free(kb->syn_ac);
	kb->syn_ac = NULL;
}

static int
syn_hit_cb(uint32_t id, size_t end, void *arg)
{
	struct syn_scan *s = arg;
	size_t len = kb_ac_pattern_len(s->ac, id);

	if (s->n == SYN_MAX_OCC)
		return 1;
	s->occ[s->n].id = id;
	s->occ[s->n].start = (uint32_t)(end - len);
	s->occ[s->n].len = (uint32_t)len;
	s->n++;
	return 0;
}

/* Leftmost first, then longest. */
static int
syn_cmp(const void *a, const void *b)
{
	const struct syn_occ *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->len > y->len ? -1 : x->len < y->len;
}

/* Append len bytes of s to out, cutting at a character when full. */
static size_t
syn_put(char *out, size_t o, size_t outsz, const char *s, size_t len,
    unsigned char *mark, unsigned char m)
{
	size_t k;

	if (o + len + 1 > outsz) {
		len = outsz - 1 - o;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out + o, s, len);
	if (mark != NULL) {
		for (k = 0; k < len; k++)
			mark[o + k] = m;
	}
	return o + len;
}

size_t
kb_syn_apply(const struct kb *kb, const char *in, size_t len, char *out,
    size_t outsz, unsigned char *mark)
{
	struct syn_scan s;
	size_t i, pos = 0, o = 0;

	if (outsz == 0)
		return 0;
	s.n = 0;
	s.ac = kb->syn_ac;
	if (kb->syn_ac != NULL)
		kb_ac_scan(kb->syn_ac, in, len, syn_hit_cb, &s);
	if (s.n > 1)
		qsort(s.occ, s.n, sizeof s.occ[0], syn_cmp);
	for (i = 0; i < s.n && o + 1 < outsz; i++) {
		if (s.occ[i].start < pos)
			continue;
		o = syn_put(out, o, outsz, in + pos, s.occ[i].start - pos,
		    mark, 0);
		/* The group's own first word stands as it is: only a word
		   that was really rewritten is marked. */
		o = syn_put(out, o, outsz, kb->syn_canon[s.occ[i].id],
		    kb->syn_canon_len[s.occ[i].id], mark,
		    kb->syn_canon_len[s.occ[i].id] != s.occ[i].len ||
		    memcmp(in + s.occ[i].start, kb->syn_canon[s.occ[i].id],
		    s.occ[i].len) != 0);
		pos = s.occ[i].start + s.occ[i].len;
	}
	if (o + 1 < outsz)
		o = syn_put(out, o, outsz, in + pos, len - pos, mark, 0);
	out[o] = '\0';
	return o;
}
