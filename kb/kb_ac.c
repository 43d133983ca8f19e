/*
 * kb_ac — the keyword automaton (Aho-Corasick over bytes).
 *
 * Construction sorts the distinct patterns; every trie state then covers a
 * contiguous range of the sorted list, and visiting the states breadth-first
 * hands out state numbers and edge slots in order, so each state's edges are
 * one sorted run of the edge arrays with no per-state allocation.  Failure
 * links are computed in the same breadth-first order.  Each state costs
 * about 21 bytes; a knowledge base of 50,000 keywords makes a few hundred
 * thousand states.
 *
 * A state with many edges that all carry UTF-8 continuation bytes (the
 * second and third bytes of CJK characters, near the root of a Chinese
 * knowledge base, where every scan passes) gets all 64 of them, missing
 * ones pointing at state 0, so its transition is an index instead of a
 * search.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_ac.h"

#define AC_NONE		UINT32_MAX
/* Above this many edges a state is searched by bisection. */
#define AC_LINEAR	8
/* Continuation bytes 0x80 .. 0xbf: a dense run has all 64. */
#define AC_DENSE	64

struct kb_ac {
	uint32_t	 nstates;
	uint32_t	 npatterns;
	uint32_t	*edge_start;	/* nstates + 1: edges of s are
					   [edge_start[s], edge_start[s+1]) */
	uint8_t		*label;		/* edge byte, sorted per state */
	uint32_t	*target;	/* edge destination state */
	uint32_t	*fail;		/* longest proper suffix state */
	uint32_t	*out;		/* nearest suffix state that ends a
					   pattern; 0 (the root) when none */
	uint32_t	*pat;		/* pattern ending here, or AC_NONE */
	uint16_t	*patlen;	/* npatterns */
	uint32_t	 root[256];	/* root transitions; 0 stays at root */
	size_t		 memory;
};

struct ac_sort {
	const char *const *pats;
	const uint16_t *lens;
};

static int
ac_cmp(const void *a, const void *b, void *arg)
{
	const struct ac_sort *as = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	size_t li = as->lens[i], lj = as->lens[j];
	int c;

	c = memcmp(as->pats[i], as->pats[j], li < lj ? li : lj);
	if (c != 0)
		return c;
	if (li != lj)
		return li < lj ? -1 : 1;
	return i < j ? -1 : i > j;
}

static uint32_t
ac_goto(const struct kb_ac *ac, uint32_t s, uint8_t c)
{
	uint32_t lo, hi, mid;

	if (s == 0)
		return ac->root[c];
	lo = ac->edge_start[s];
	hi = ac->edge_start[s + 1];
	if (hi - lo == AC_DENSE && ac->label[lo] == 0x80 &&
	    ac->label[hi - 1] == 0xbf)
		return (c & 0xc0) == 0x80 ? ac->target[lo + (c & 0x3f)] : 0;
	if (hi - lo <= AC_LINEAR) {
		for (; lo < hi; lo++) {
			if (ac->label[lo] == c)
				return ac->target[lo];
		}
		return 0;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ac->label[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ac->edge_start[s + 1] && ac->label[lo] == c)
		return ac->target[lo];
	return 0;
}

/* Room for n more edges. */
static int
ac_edges_reserve(struct kb_ac *ac, size_t *cap, size_t ne, size_t n)
{
	uint8_t *l;
	uint32_t *t;
	size_t c = *cap;

	if (ne + n <= c)
		return 0;
	while (c < ne + n)
		c = c < 1024 ? 1024 : c * 2;
	l = realloc(ac->label, c * sizeof *l);
	if (l == NULL)
		return -1;
	ac->label = l;
	t = realloc(ac->target, c * sizeof *t);
	if (t == NULL)
		return -1;
	ac->target = t;
	*cap = c;
	return 0;
}

/* Shrink p to n elements of size sz; keeps p when realloc declines. */
static void *
ac_shrink(void *p, size_t n, size_t sz)
{
	void *q;

	q = realloc(p, (n ? n : 1) * sz);
	return q ? q : p;
}

int
kb_ac_new(const char *const *pats, const uint16_t *lens, size_t n,
    uint32_t *ids, struct kb_ac **out)
{
	struct kb_ac *ac = NULL;
	struct ac_sort as = { pats, lens };
	uint32_t *order = NULL, *uniq = NULL, *qlo = NULL, *qhi = NULL;
	uint16_t *qdep = NULL;
	size_t i, nu, total, maxst, nq, ne, s, e, ecap = 0, nkids;
	uint32_t lo, hi, b, f, g, t, d, first;
	uint8_t c;
	int dense;
	int r = KB_ERR_NOMEM;

	*out = NULL;
	if (n > UINT32_MAX / 2)
		return KB_ERR_SCHEMA;
	for (i = 0; i < n; i++) {
		if (lens[i] == 0 || lens[i] > KB_AC_MAX_PATTERN)
			return KB_ERR_SCHEMA;
	}
	ac = calloc(1, sizeof *ac);
	order = malloc((n ? n : 1) * sizeof *order);
	uniq = malloc((n ? n : 1) * sizeof *uniq);
	if (ac == NULL || order == NULL || uniq == NULL)
		goto out;
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, n, sizeof *order, ac_cmp, &as);

	/* Distinct patterns in sorted order; the id is the rank. */
	nu = 0;
	total = 0;
	for (i = 0; i < n; i++) {
		if (nu == 0 || lens[uniq[nu - 1]] != lens[order[i]] ||
		    memcmp(pats[uniq[nu - 1]], pats[order[i]],
		    lens[order[i]]) != 0) {
			uniq[nu++] = order[i];
			total += lens[order[i]];
		}
		ids[order[i]] = (uint32_t)(nu - 1);
	}
	ac->npatterns = (uint32_t)nu;
	ac->patlen = malloc((nu ? nu : 1) * sizeof *ac->patlen);
	if (ac->patlen == NULL)
		goto out;
	for (i = 0; i < nu; i++)
		ac->patlen[i] = lens[uniq[i]];

	maxst = total + 1;
	if (maxst > UINT32_MAX - 1) {
		r = KB_ERR_SCHEMA;
		goto out;
	}
	qlo = malloc(maxst * sizeof *qlo);
	qhi = malloc(maxst * sizeof *qhi);
	qdep = malloc(maxst * sizeof *qdep);
	ac->edge_start = malloc((maxst + 1) * sizeof *ac->edge_start);
	ac->pat = malloc(maxst * sizeof *ac->pat);
	if (qlo == NULL || qhi == NULL || qdep == NULL ||
	    ac->edge_start == NULL || ac->pat == NULL)
		goto out;

	/* Breadth-first: state s covers uniq[qlo[s] .. qhi[s]) at depth
	   qdep[s]; all of them share the first qdep[s] bytes. */
	qlo[0] = 0;
	qhi[0] = (uint32_t)nu;
	qdep[0] = 0;
	nq = 1;
	ne = 0;
	for (s = 0; s < nq; s++) {
		lo = qlo[s];
		hi = qhi[s];
		d = qdep[s];
		ac->edge_start[s] = (uint32_t)ne;
		ac->pat[s] = AC_NONE;
		/* A pattern ending here sorts before its extensions. */
		if (lo < hi && lens[uniq[lo]] == d) {
			ac->pat[s] = lo;
			lo++;
		}
		/* Count the children and see whether they can go dense. */
		nkids = 0;
		dense = 1;
		for (b = lo; b < hi; b++) {
			c = (uint8_t)pats[uniq[b]][d];
			if (b == lo || c != (uint8_t)pats[uniq[b - 1]][d]) {
				nkids++;
				if ((c & 0xc0) != 0x80)
					dense = 0;
			}
		}
		dense = dense && nkids > AC_LINEAR;
		if (ac_edges_reserve(ac, &ecap, ne, dense ? AC_DENSE : nkids))
			goto out;
		if (dense) {
			for (i = 0; i < AC_DENSE; i++) {
				ac->label[ne + i] = (uint8_t)(0x80 + i);
				ac->target[ne + i] = 0;
			}
		}
		first = (uint32_t)ne;
		while (lo < hi) {
			c = (uint8_t)pats[uniq[lo]][d];
			for (b = lo + 1; b < hi &&
			    (uint8_t)pats[uniq[b]][d] == c; b++)
				;
			qlo[nq] = lo;
			qhi[nq] = b;
			qdep[nq] = (uint16_t)(d + 1);
			if (dense)
				ac->target[first + (c & 0x3f)] = (uint32_t)nq;
			else {
				ac->label[ne] = c;
				ac->target[ne] = (uint32_t)nq;
				ne++;
			}
			nq++;
			lo = b;
		}
		if (dense)
			ne += AC_DENSE;
	}
	ac->edge_start[nq] = (uint32_t)ne;
	ac->nstates = (uint32_t)nq;
	free(qlo);
	free(qhi);
	free(qdep);
	qlo = qhi = NULL;
	qdep = NULL;

	ac->edge_start = ac_shrink(ac->edge_start, nq + 1,
	    sizeof *ac->edge_start);
	ac->label = ac_shrink(ac->label, ne, sizeof *ac->label);
	ac->target = ac_shrink(ac->target, ne, sizeof *ac->target);
	ac->pat = ac_shrink(ac->pat, nq, sizeof *ac->pat);
	ac->fail = malloc(nq * sizeof *ac->fail);
	ac->out = malloc(nq * sizeof *ac->out);
	if (ac->fail == NULL || ac->out == NULL)
		goto out;

	for (e = ac->edge_start[0]; e < ac->edge_start[1]; e++) {
		if (ac->target[e] != 0)
			ac->root[ac->label[e]] = ac->target[e];
	}
	ac->fail[0] = 0;
	ac->out[0] = 0;
	/* Parents come before children, so fail[s] is known when s's
	   children are visited, and fail targets are shallower. */
	for (s = 0; s < nq; s++) {
		for (e = ac->edge_start[s]; e < ac->edge_start[s + 1]; e++) {
			t = ac->target[e];
			c = ac->label[e];
			if (t == 0)
				continue;	/* a gap of a dense run */
			g = 0;
			if (s != 0) {
				f = ac->fail[s];
				for (;;) {
					g = ac_goto(ac, f, c);
					if (g != 0 || f == 0)
						break;
					f = ac->fail[f];
				}
			}
			ac->fail[t] = g;
			ac->out[t] = ac->pat[g] != AC_NONE ? g : ac->out[g];
		}
	}

	ac->memory = sizeof *ac + (nq + 1) * sizeof *ac->edge_start +
	    ne * (sizeof *ac->label + sizeof *ac->target) +
	    nq * (sizeof *ac->fail + sizeof *ac->out + sizeof *ac->pat) +
	    nu * sizeof *ac->patlen;
	*out = ac;
	ac = NULL;
	r = 0;
out:
	free(order);
	free(uniq);
	free(qlo);
	free(qhi);
	free(qdep);
	kb_ac_free(ac);
	return r;
}

void
kb_ac_free(struct kb_ac *ac)
{
	if (ac == NULL)
		return;
	free(ac->edge_start);
	free(ac->label);
	free(ac->target);
	free(ac->fail);
	free(ac->out);
	free(ac->pat);
	free(ac->patlen);
	free(ac);
}

size_t
kb_ac_npatterns(const struct kb_ac *ac)
{
	return ac->npatterns;
}

size_t
kb_ac_pattern_len(const struct kb_ac *ac, uint32_t id)
{
	return id < ac->npatterns ? ac->patlen[id] : 0;
}

size_t
kb_ac_memory(const struct kb_ac *ac)
{
	return ac == NULL ? 0 : ac->memory;
}

void
kb_ac_scan(const struct kb_ac *ac, const char *text, size_t len,
    kb_ac_hit_cb cb, void *arg)
{
	const uint8_t *p = (const uint8_t *)text;
	uint32_t s = 0, t, o;
	size_t i;

	if (ac->nstates <= 1)
		return;
	for (i = 0; i < len; i++) {
		for (;;) {
			if (s == 0) {
				s = ac->root[p[i]];
				break;
			}
			t = ac_goto(ac, s, p[i]);
			if (t != 0) {
				s = t;
				break;
			}
			s = ac->fail[s];
		}
		o = ac->pat[s] != AC_NONE ? s : ac->out[s];
		while (o != 0) {
			if (cb(ac->pat[o], i + 1, arg) != 0)
				return;
			o = ac->out[o];
		}
	}
}
