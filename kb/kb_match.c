/*
 * kb_match — the query path: normalize the message (kb_norm: NFKC, case,
 * traditional to simplified), rewrite it by the synonym groups (kb_syn),
 * one pass of the keyword automaton, rank the items the keywords belong
 * to, a second pass on pinyin syllables for homophones and typed pinyin,
 * the scope guards, and suggestions when nothing is confident.
 *
 * Ranking is by coverage, not by summed keyword length: an item scores
 * the characters of the message its keywords cover, each counted once
 * however many of its keywords overlap there, weighted by the IDF of the
 * rarest keyword covering it (IDF over the items' text, computed at load,
 * so 电话 or 网站, found in many items' replies, weigh little).  Ties go
 * to the higher priority, then to BM25 over the items' text (kb_bm25),
 * then to the earlier item.  Expired items never win.
 *
 * The pinyin pass reads the message and the keywords as toneless
 * syllables (kb_fold); it answers when it covers at least two syllables
 * and more of the message than the keywords did, so 政府凯放日 finds
 * 开放日 and "gongyigang butie" finds 公益岗.
 *
 * A hit is not confident, and the resident gets suggestions instead, when
 * the message is long (over MATCH_LONG_CP characters) and the item covers
 * under a fifth of it, or when the part its keywords do not cover names
 * another district, hospital or office and the keywords found are generic
 * or cover under half of it, or when it asks how to break into or attack
 * something (怎么黑进政府网站 gets no link).  A confident hit on an item whose `period`
 * does not hold a year the message names gives KB_RESULT_PERIOD.
 *
 * kb_query() allocates nothing: its scratch (about 90 KiB) is on the
 * stack, bounded by MATCH_MAX_HITS distinct keywords and MATCH_MAX_OCC
 * occurrences per message (beyond them a message is ranked on what was
 * found first).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_ac.h"
#include "kb/kb_fold.h"
#include "kb/kb_int.h"
#include "kb/kb_match_int.h"
#include "kb/kb_norm.h"
#include "kb/kb_syn.h"

/*
 * The automaton and pattern owner lists over n patterns: item i has
 * patterns [item_kw[i], item_kw[i + 1]).  *ac, *start, *owners are
 * allocated; ids (n entries) receives each pattern's id.
 */
static int
match_index(const char *const *pats, const uint16_t *lens, size_t n,
    const uint32_t *item_kw, size_t nitems, uint32_t *ids,
    struct kb_ac **ac, uint32_t **start, uint32_t **owners)
{
	uint32_t *pos = NULL;
	size_t np, i, k;
	int r;

	r = kb_ac_new(pats, lens, n, ids, ac);
	if (r != 0)
		return r;
	np = kb_ac_npatterns(*ac);
	r = KB_ERR_NOMEM;
	*start = calloc(np + 1, sizeof **start);
	*owners = malloc((n ? n : 1) * sizeof **owners);
	pos = malloc((np ? np : 1) * sizeof *pos);
	if (*start == NULL || *owners == NULL || pos == NULL)
		goto out;
	for (k = 0; k < n; k++)
		(*start)[ids[k] + 1]++;
	for (i = 0; i < np; i++) {
		(*start)[i + 1] += (*start)[i];
		pos[i] = (*start)[i];
	}
	/* Items in file order, so each owner list comes out ascending; an
	   item's patterns are distinct (the loader drops repeats of
	   keywords; equal syllable strings are skipped by the caller), so
	   no item appears twice in one list. */
	for (i = 0; i < nitems; i++) {
		for (k = item_kw[i]; k < item_kw[i + 1]; k++)
			(*owners)[pos[ids[k]]++] = (uint32_t)i;
	}
	r = 0;
out:
	free(pos);
	return r;
}

/* Encode syllables as bytes: two per syllable, 0x20 for a break.  The
   first byte of a syllable is >= 0x80 and the second < 0x80, so a match
   can only start on a syllable. */
static size_t
match_py_bytes(const uint16_t *syl, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (syl[i] == 0)
			out[o++] = 0x20;
		else {
			out[o++] = (char)(0x80 | (syl[i] >> 6));
			out[o++] = (char)(0x40 | (syl[i] & 0x3f));
		}
	}
	return o;
}

struct match_df {
	uint32_t	*last;		/* item + 1 that counted pattern */
	uint32_t	*df;
	uint32_t	 item;
};

static int
match_df_cb(uint32_t id, size_t end, void *arg)
{
	struct match_df *d = arg;

	(void)end;
	if (d->last[id] != d->item + 1) {
		d->last[id] = d->item + 1;
		d->df[id]++;
	}
	return 0;
}

/* IDF of each keyword over the items' text, and its codepoints. */
static int
match_weights(struct kb *kb, const struct kb_src *src, const uint32_t *ids)
{
	struct match_df d;
	size_t np = kb_ac_npatterns(kb->ac), i, k;
	double n = (double)kb->nitems, df;
	const char *s;

	kb->idf = malloc((np ? np : 1) * sizeof *kb->idf);
	kb->generic = malloc(np ? np : 1);
	kb->pat_cp = malloc((np ? np : 1) * sizeof *kb->pat_cp);
	kb->pat_text = kb_arena_alloc(&kb->arena, (np ? np : 1) *
	    sizeof *kb->pat_text);
	d.last = calloc(np ? np : 1, sizeof *d.last);
	d.df = calloc(np ? np : 1, sizeof *d.df);
	if (kb->idf == NULL || kb->generic == NULL || kb->pat_cp == NULL ||
	    kb->pat_text == NULL || d.last == NULL || d.df == NULL) {
		free(d.last);
		free(d.df);
		return KB_ERR_NOMEM;
	}
	memset(kb->pat_text, 0, (np ? np : 1) * sizeof *kb->pat_text);
	for (d.item = 0; d.item < kb->nitems; d.item++)
		kb_ac_scan(kb->ac, src->doc[d.item], src->doclen[d.item],
		    match_df_cb, &d);
	for (k = 0; k < src->nkw; k++) {
		if (kb->pat_text[ids[k]] != NULL)
			continue;
		kb->pat_text[ids[k]] = kb_arena_strndup(&kb->arena,
		    src->kw[k], src->kwlen[k]);
		if (kb->pat_text[ids[k]] == NULL) {
			free(d.last);
			free(d.df);
			return KB_ERR_NOMEM;
		}
		kb->pat_cp[ids[k]] = 0;
		for (s = src->kw[k]; s < src->kw[k] + src->kwlen[k]; s++)
			kb->pat_cp[ids[k]] += ((unsigned char)*s & 0xc0) !=
			    0x80;
	}
	for (i = 0; i < np; i++) {
		/* A keyword is in its own item's text: df >= 1. */
		df = d.df[i] > 0 ? d.df[i] : 1;
		kb->idf[i] = (float)log(1 + (n - df + 0.5) / (df + 0.5));
		kb->generic[i] = d.df[i] >= MATCH_GENERIC_DF;
	}
	free(d.last);
	free(d.df);
	return 0;
}

/* Keywords as syllables: those of two syllables or more. */
static int
match_py_build(struct kb *kb, const struct kb_src *src, const uint32_t *ids)
{
	const char **pats = NULL;
	uint16_t *lens = NULL, syl[KB_FOLD_MAX_SYL];
	uint32_t *item_kw = NULL, *pid = NULL, *kwid = NULL;
	char *buf = NULL;
	size_t i, k, j, n = 0, ns, b, off = 0;
	int r = KB_ERR_NOMEM;

	pats = calloc(src->nkw + 1, sizeof *pats);
	lens = calloc(src->nkw + 1, sizeof *lens);
	kwid = calloc(src->nkw + 1, sizeof *kwid);
	pid = calloc(src->nkw + 1, sizeof *pid);
	item_kw = calloc(kb->nitems + 1, sizeof *item_kw);
	buf = malloc(src->nkw * 2 * (KB_MAX_KEYWORD_BYTES + 1) + 1);
	if (pats == NULL || lens == NULL || kwid == NULL || pid == NULL ||
	    item_kw == NULL || buf == NULL)
		goto out;
	for (i = 0; i < kb->nitems; i++) {
		item_kw[i] = (uint32_t)n;
		for (k = src->item_kw[i]; k < src->item_kw[i + 1]; k++) {
			/* Only keywords of ideographs: one typed in letters
			   (laoshan) must not match a place name. */
			for (j = 0; j < src->kwlen[k] &&
			    (unsigned char)src->kw[k][j] >= 0x80; j++)
				;
			if (j < src->kwlen[k])
				continue;
			ns = kb_fold_syllables(src->kw[k], src->kwlen[k], syl,
			    KB_FOLD_MAX_SYL);
			for (j = 0; j < ns && syl[j] != 0; j++)
				;
			if (ns < 2 || j < ns || ns > KB_MAX_KEYWORD_BYTES)
				continue;
			b = match_py_bytes(syl, ns, buf + off);
			/* Homophone keywords of one item count once. */
			for (j = item_kw[i]; j < n; j++) {
				if (lens[j] == b && memcmp(pats[j], buf + off,
				    b) == 0)
					break;
			}
			if (j < n)
				continue;
			pats[n] = buf + off;
			lens[n] = (uint16_t)b;
			kwid[n] = ids[k];
			off += b;
			n++;
		}
	}
	item_kw[kb->nitems] = (uint32_t)n;
	if (n == 0) {
		r = 0;
		goto out;
	}
	r = match_index(pats, lens, n, item_kw, kb->nitems, pid, &kb->py_ac,
	    &kb->py_start, &kb->py_owners);
	if (r != 0)
		goto out;
	kb->npy_owners = n;
	r = KB_ERR_NOMEM;
	kb->py_kw = malloc(kb_ac_npatterns(kb->py_ac) * sizeof *kb->py_kw);
	if (kb->py_kw == NULL)
		goto out;
	for (k = 0; k < n; k++)
		kb->py_kw[pid[k]] = kwid[k];
	r = 0;
out:
	free(pats);
	free(lens);
	free(kwid);
	free(pid);
	free(item_kw);
	free(buf);
	return r;
}

int
kb_match_build(struct kb *kb, const struct kb_src *src)
{
	uint32_t *ids;
	int r;

	ids = malloc((src->nkw ? src->nkw : 1) * sizeof *ids);
	if (ids == NULL)
		return KB_ERR_NOMEM;
	r = match_index(src->kw, src->kwlen, src->nkw, src->item_kw,
	    kb->nitems, ids, &kb->ac, &kb->own_start, &kb->owners);
	if (r == 0) {
		kb->nowners = src->nkw;
		r = match_weights(kb, src, ids);
	}
	if (r == 0)
		r = match_py_build(kb, src, ids);
	free(ids);
	return r;
}

void
kb_match_cleanup(struct kb *kb)
{
	kb_ac_free(kb->ac);
	kb_ac_free(kb->py_ac);
	free(kb->own_start);
	free(kb->owners);
	free(kb->py_start);
	free(kb->py_owners);
	free(kb->py_kw);
	free(kb->idf);
	free(kb->generic);
	free(kb->pat_cp);
	kb->ac = kb->py_ac = NULL;
	kb->own_start = kb->owners = kb->py_start = kb->py_owners = NULL;
	kb->py_kw = NULL;
	kb->idf = NULL;
	kb->generic = NULL;
	kb->pat_cp = NULL;
}

/* The slot of pattern id, adding it when new; UINT32_MAX when full. */
static uint32_t
match_slot(struct match *m, uint32_t id)
{
	size_t h, i;

	if (m->nhits < MATCH_FEW) {
		for (i = 0; i < m->nhits; i++) {
			if (m->hits[i] == id)
				return (uint32_t)i;
		}
		m->first[m->nhits] = UINT32_MAX;
		m->hits[m->nhits++] = id;
		if (m->nhits == MATCH_FEW) {
			/* From now on, the hash table. */
			memset(m->seen, 0, sizeof m->seen);
			for (i = 0; i < m->nhits; i++) {
				for (h = (m->hits[i] * 2654435761u) &
				    (MATCH_HASH - 1); m->seen[h] != 0;
				    h = (h + 1) & (MATCH_HASH - 1))
					;
				m->seen[h] = (uint32_t)i + 1;
			}
		}
		return (uint32_t)(m->nhits - 1);
	}
	for (h = (id * 2654435761u) & (MATCH_HASH - 1);;
	    h = (h + 1) & (MATCH_HASH - 1)) {
		if (m->seen[h] == 0)
			break;
		if (m->hits[m->seen[h] - 1] == id)
			return m->seen[h] - 1;
	}
	if (m->nhits == MATCH_MAX_HITS)
		return UINT32_MAX;
	m->seen[h] = (uint32_t)m->nhits + 1;
	m->first[m->nhits] = UINT32_MAX;
	m->hits[m->nhits++] = id;
	return (uint32_t)(m->nhits - 1);
}

static int
match_hit_cb(uint32_t id, size_t end, void *arg)
{
	struct match *m = arg;
	size_t len = kb_ac_pattern_len(m->ac, id);
	struct match_occ *o;
	uint32_t slot;

	if (end == m->n && len == m->n)
		m->whole = id;
	slot = match_slot(m, id);
	if (slot == UINT32_MAX || m->nocc == MATCH_MAX_OCC)
		return 0;
	o = &m->occ[m->nocc];
	o->slot = slot;
	o->bstart = (uint16_t)(end - len);
	o->bend = (uint16_t)end;
	o->next = m->first[slot];
	m->first[slot] = (uint32_t)m->nocc++;
	return 0;
}

/* The exact item whose keyword is the whole message, or NULL. */
static const struct kb_item *
match_exact(const struct kb *kb, uint32_t id, time_t now)
{
	const struct kb_item *it;
	uint32_t k;

	for (k = kb->own_start[id]; k < kb->own_start[id + 1]; k++) {
		it = &kb->items[kb->owners[k]];
		if (it->match == KB_MATCH_EXACT && !kb_item_expired(it, now))
			return it;
	}
	return NULL;
}


struct match_py_cand {
	uint32_t	 item;
	size_t		 len;		/* syllables of its longest match */
	uint32_t	 kw;		/* that keyword's pattern */
};

struct match_py {
	const struct kb *kb;
	time_t		 now;
	struct match_py_cand c[MATCH_CAND];
	size_t		 n;
	size_t		 nocc;
};

static int
match_py_cb(uint32_t id, size_t end, void *arg)
{
	struct match_py *p = arg;
	const struct kb *kb = p->kb;
	size_t len = kb_ac_pattern_len(kb->py_ac, id) / 2, k, i;
	const struct kb_item *it;

	(void)end;
	if (++p->nocc > MATCH_PY_OCC)
		return 1;
	for (k = kb->py_start[id]; k < kb->py_start[id + 1]; k++) {
		it = &kb->items[kb->py_owners[k]];
		if (it->match != KB_MATCH_CONTAINS || kb_item_expired(it,
		    p->now))
			continue;
		for (i = 0; i < p->n && p->c[i].item != kb->py_owners[k]; i++)
			;
		if (i == p->n) {
			if (p->n == MATCH_CAND)
				continue;
			p->c[p->n].item = kb->py_owners[k];
			p->c[p->n].len = 0;
			p->n++;
		}
		if (len > p->c[i].len) {
			p->c[i].len = len;
			p->c[i].kw = kb->py_kw[id];
		}
	}
	return 0;
}

/*
 * The item whose keyword's syllables the message holds most of; a tie
 * goes to the higher priority, then to BM25.
 * Returns its index in p->c, or -1.
 */
static int
match_pinyin(const struct kb *kb, struct match *m, time_t now,
    struct match_py *p)
{
	uint16_t syl[KB_FOLD_MAX_SYL];
	char buf[2 * KB_FOLD_MAX_SYL];
	const struct kb_item *x, *y;
	size_t ns, nb, i;
	int best = -1;

	p->kb = kb;
	p->now = now;
	p->n = 0;
	p->nocc = 0;
	if (kb->py_ac == NULL)
		return -1;
	ns = kb_fold_syllables(m->q, m->n, syl, KB_FOLD_MAX_SYL);
	nb = match_py_bytes(syl, ns, buf);
	kb_ac_scan(kb->py_ac, buf, nb, match_py_cb, p);
	for (i = 0; i < p->n; i++) {
		if (best < 0 || p->c[i].len > p->c[best].len) {
			best = (int)i;
			continue;
		}
		if (p->c[i].len < p->c[best].len)
			continue;
		x = &kb->items[p->c[i].item];
		y = &kb->items[p->c[best].item];
		if (x->priority > y->priority || (x->priority == y->priority &&
		    kb_match_rank_bm25(kb, m, p->c[i].item) >
		    kb_match_rank_bm25(kb, m, p->c[best].item)))
			best = (int)i;
	}
	return best;
}


/* Suggestions from ranked candidates by BM25, then by bigram overlap. */
static void
match_suggest(const struct kb *kb, struct match *m,
    const struct match_cover *top, size_t ntop, time_t now,
    struct kb_result *res)
{
	const struct kb_item *more[KB_MAX_SUGGESTIONS];
	double sc[MATCH_CAND], x;
	uint32_t idx[MATCH_CAND], t;
	size_t i, j, n, k;

	for (i = 0; i < ntop; i++) {
		idx[i] = top[i].item;
		sc[i] = kb_match_rank_bm25(kb, m, top[i].item);
		for (j = i; j > 0 && sc[j - 1] < sc[j]; j--) {
			x = sc[j];
			sc[j] = sc[j - 1];
			sc[j - 1] = x;
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	for (i = 0; i < ntop && res->nsuggestions < KB_MAX_SUGGESTIONS; i++)
		res->suggestions[res->nsuggestions++] = &kb->items[idx[i]];
	n = kb_suggest_query(kb, m->q, m->n, now, more);
	for (i = 0; i < n && res->nsuggestions < KB_MAX_SUGGESTIONS; i++) {
		for (k = 0; k < res->nsuggestions; k++) {
			if (res->suggestions[k] == more[i])
				break;
		}
		if (k == res->nsuggestions)
			res->suggestions[res->nsuggestions++] = more[i];
	}
}

/* Keep the matched keywords of c for explaining. */
static void
match_why(const struct kb *kb, const struct match *m,
    const struct match_cover *c, struct kb_result *res)
{
	size_t i;

	res->nmatched = 0;
	for (i = 0; i < c->nslots && res->nmatched < KB_MAX_WHY; i++)
		res->matched[res->nmatched++] = kb->pat_text[m->hits[c->slots[i]]];
}

void
kb_query(const struct kb *kb, const char *text, size_t len, time_t now,
    struct kb_result *res)
{
	struct match_cover top[MATCH_CAND];
	const struct kb_item *it;
	struct match_py py;
	struct match m;
	size_t n, i, ntop = 0, b;
	double s0, s1;
	int year, pb;

	memset(res, 0, offsetof(struct kb_result, normalized));
	res->kind = KB_RESULT_MISS;
	if (len > KB_MAX_QUERY)
		len = KB_MAX_QUERY;
	n = kb_norm(text, len, res->normalized, sizeof res->normalized);
	if (n == 0) {
		res->kind = KB_RESULT_EMPTY;
		return;
	}
	m.n = kb_syn_apply(kb, res->normalized, n, m.q, sizeof m.q, m.mark);
	m.cpos[0] = 0;
	for (b = 0; b < m.n; b++)
		m.cpos[b + 1] = (uint16_t)(m.cpos[b] +
		    (((unsigned char)m.q[b] & 0xc0) != 0x80));
	res->total = m.cpos[m.n];

	m.ac = kb->ac;
	m.nhits = 0;
	m.nocc = 0;
	m.have_qk = 0;
	m.whole = UINT32_MAX;
	if (kb->ac != NULL)
		kb_ac_scan(kb->ac, m.q, m.n, match_hit_cb, &m);

	if (m.whole != UINT32_MAX) {
		it = match_exact(kb, m.whole, now);
		if (it != NULL) {
			res->kind = KB_RESULT_HIT;
			res->item = it;
			res->exact = 1;
			res->stage = KB_STAGE_EXACT;
			res->covered = res->total;
			res->matched[0] = kb->pat_text[m.whole];
			res->nmatched = 1;
			return;
		}
	}
	if (m.nhits > 0)
		ntop = kb_match_rank(kb, &m, now, top);
	pb = match_pinyin(kb, &m, now, &py);

	if (pb >= 0 && py.c[pb].len >= 2 &&
	    (ntop == 0 || py.c[pb].len > top[0].covered)) {
		res->item = &kb->items[py.c[pb].item];
		res->stage = KB_STAGE_PINYIN;
		res->covered = py.c[pb].len;
		res->matched[0] = kb->pat_text[py.c[pb].kw];
		res->nmatched = 1;
		if (res->total > MATCH_LONG_CP && res->covered * 5 < res->total)
			res->weak = KB_WEAK_LONG;
	} else if (ntop > 0) {
		res->item = &kb->items[top[0].item];
		res->stage = top[0].synonym ? KB_STAGE_SYNONYM :
		    KB_STAGE_KEYWORD;
		res->covered = top[0].covered;
		res->score = top[0].score;
		match_why(kb, &m, &top[0], res);
		/* A tie of coverage and priority: the items' text decides. */
		if (ntop > 1 && fabs(top[0].score - top[1].score) <= MATCH_TIE &&
		    kb->items[top[0].item].priority ==
		    kb->items[top[1].item].priority) {
			s0 = kb_match_rank_bm25(kb, &m, top[0].item);
			s1 = kb_match_rank_bm25(kb, &m, top[1].item);
			if (s1 > s0) {
				res->item = &kb->items[top[1].item];
				res->covered = top[1].covered;
				match_why(kb, &m, &top[1], res);
			}
			res->stage = KB_STAGE_BM25;
		}
		if (res->total > MATCH_LONG_CP &&
		    res->covered * 5 < res->total)
			res->weak = KB_WEAK_LONG;
		else if ((top[0].generic || res->covered * 2 < res->total) &&
		    kb_match_guard_foreign(kb, &m, &top[0]))
			res->weak = KB_WEAK_FOREIGN;
	}

	if (res->item != NULL && kb_match_guard_hostile(m.q, m.n))
		res->weak = KB_WEAK_INTENT;
	if (res->item != NULL && res->weak == KB_WEAK_NONE) {
		year = kb_match_guard_year(res->normalized, n);
		if (year != 0 && res->item->period != NULL &&
		    (year < res->item->period_from ||
		    year > res->item->period_to)) {
			res->kind = KB_RESULT_PERIOD;
			res->year = year;
			return;
		}
		res->kind = KB_RESULT_HIT;
		return;
	}
	if (res->item == NULL)
		res->stage = KB_STAGE_NONE;
	res->item = NULL;
	match_suggest(kb, &m, top, ntop, now, res);
	if (res->nsuggestions > 0)
		res->kind = KB_RESULT_SUGGEST;
	for (i = res->nsuggestions; i < KB_MAX_SUGGESTIONS; i++)
		res->suggestions[i] = NULL;
}

const char *
kb_stage_name(enum kb_stage s)
{
	switch (s) {
	case KB_STAGE_NONE:
		return "none";
	case KB_STAGE_EXACT:
		return "exact";
	case KB_STAGE_KEYWORD:
		return "keyword";
	case KB_STAGE_SYNONYM:
		return "synonym";
	case KB_STAGE_PINYIN:
		return "pinyin";
	case KB_STAGE_BM25:
		return "bm25";
	}
	return "none";
}

char *
kb_result_why(const struct kb_result *res, char *buf, size_t size)
{
	static const char *const weak[] = {
		[KB_WEAK_NONE] = "",
		[KB_WEAK_LONG] = "; too weak: a long message, little of it "
		    "covered",
		[KB_WEAK_FOREIGN] = "; too weak: it names another place or "
		    "office",
		[KB_WEAK_INTENT] = "; not answered: it asks how to break in "
		    "or attack",
	};
	size_t o = 0, i;
	int w;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (res->stage == KB_STAGE_NONE) {
		snprintf(buf, size, "no keyword, synonym or pinyin match");
		return buf;
	}
	w = snprintf(buf, size, "stage %s: ", kb_stage_name(res->stage));
	o = w > 0 && (size_t)w < size ? (size_t)w : size - 1;
	for (i = 0; i < res->nmatched && o + 1 < size; i++) {
		w = snprintf(buf + o, size - o, "%s%s", i > 0 ? ", " : "",
		    res->matched[i]);
		o = w > 0 && (size_t)w < size - o ? o + (size_t)w : size - 1;
	}
	if (o + 1 < size) {
		w = snprintf(buf + o, size - o, "; covers %zu %s of %zu "
		    "characters", res->covered, res->stage == KB_STAGE_PINYIN ?
		    "syllables" : "characters", res->total);
		o = w > 0 && (size_t)w < size - o ? o + (size_t)w : size - 1;
	}
	if (res->score > 0 && o + 1 < size) {
		w = snprintf(buf + o, size - o, ", weighted %.1f", res->score);
		o = w > 0 && (size_t)w < size - o ? o + (size_t)w : size - 1;
	}
	if (res->kind == KB_RESULT_PERIOD && o + 1 < size) {
		w = snprintf(buf + o, size - o, "; asks about %d, outside %s",
		    res->year, res->item->period);
		o = w > 0 && (size_t)w < size - o ? o + (size_t)w : size - 1;
	}
	if (o + 1 < size)
		snprintf(buf + o, size - o, "%s", weak[res->weak]);
	return buf;
}
