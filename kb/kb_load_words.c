/*
 * kb_load_words — the words of a knowledge-base file: an item's keywords
 * (normalized, checked against every other item's), the synonym groups,
 * and the normalized text of an item that ranking reads.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_load_int.h"
#include "kb/kb_map.h"
#include "kb/kb_menu.h"
#include "kb/kb_norm.h"
#include "kb/kb_syn.h"
#include "lib/file.h"
#include "lib/utf8.h"

void
kb_load_words_keywords(struct ld *ld, json_t *it, struct kb_item *item,
    uint32_t idx)
{
	struct kb_src *src = &ld->src;
	const char **kws;
	json_t *a, *k;
	const char *s;
	char nbuf[KB_NORM_MAX + 1], q[LD_QUOTE + 4], lab[KB_MAX_ID + 8];
	char sbuf[KB_NORM_MAX + 1];
	size_t i, j, n, len, nlen, first = src->nkw;
	struct kb_map *m;
	uint32_t other;
	char *norm;
	int r;

	a = json_object_get(it, "keywords");
	if (!json_is_array(a)) {
		ld_error(ld, "keywords: %s", a == NULL ? "missing" :
		    "must be an array of strings");
		return;
	}
	n = json_array_size(a);
	if (n < 1 || n > KB_MAX_KEYWORDS) {
		ld_error(ld, "keywords: must hold 1 to %d keywords, not %zu",
		    KB_MAX_KEYWORDS, n);
		if (n == 0)
			return;
		n = KB_MAX_KEYWORDS;
	}
	kws = kb_arena_alloc(&ld->kb->arena, n * sizeof *kws);
	if (kws == NULL) {
		ld->nomem = 1;
		return;
	}
	item->keywords = kws;
	item->nkeywords = 0;
	m = item->match == KB_MATCH_EXACT ? ld->exact_kw : ld->contains_kw;
	for (i = 0; i < n; i++) {
		k = json_array_get(a, i);
		if (!json_is_string(k)) {
			ld_error(ld, "keywords[%zu]: must be a string", i);
			continue;
		}
		s = json_string_value(k);
		len = json_string_length(k);
		if (len < 1 || len > KB_MAX_KEYWORD_BYTES) {
			ld_error(ld, "keywords[%zu]: \"%s\" must be 1 to %d "
			    "bytes, not %zu", i, kb_load_quote(q, sizeof q, s),
			    KB_MAX_KEYWORD_BYTES, len);
			continue;
		}
		if (!utf8_valid(s, len)) {
			ld_error(ld, "keywords[%zu]: not valid UTF-8 text", i);
			continue;
		}
		nlen = kb_norm(s, len, sbuf, sizeof sbuf);
		if (nlen == 0) {
			ld_error(ld, "keywords[%zu]: \"%s\" has no letter or "
			    "digit left after normalization", i,
			    kb_load_quote(q, sizeof q, s));
			continue;
		}
		/* Questions are rewritten by the synonym groups: so are
		   keywords, or a keyword holding a member never matches. */
		nlen = kb_syn_apply(ld->kb, sbuf, nlen, nbuf, sizeof nbuf,
		    NULL);
		kws[item->nkeywords] = kb_arena_strndup(&ld->kb->arena, s,
		    len);
		if (kws[item->nkeywords] == NULL) {
			ld->nomem = 1;
			return;
		}
		item->nkeywords++;
		ld->kb->nkeywords++;

		/* The same keyword twice in one item counts once. */
		for (j = first; j < src->nkw; j++) {
			if (src->kwlen[j] == nlen &&
			    memcmp(src->kw[j], nbuf, nlen) == 0)
				break;
		}
		if (j < src->nkw) {
			ld_warn(ld, "keywords[%zu]: \"%s\" repeats another "
			    "keyword of this item once normalized (and "
			    "rewritten by the synonyms)", i,
			    kb_load_quote(q, sizeof q, s));
			continue;
		}
		norm = kb_arena_strndup(&ld->tmp, nbuf, nlen);
		if (norm == NULL) {
			ld->nomem = 1;
			return;
		}
		src->kw[src->nkw] = norm;
		src->kwlen[src->nkw] = (uint16_t)nlen;
		src->nkw++;

		r = kb_map_put(m, norm, nlen, idx, &other);
		if (r == 1 && item->match == KB_MATCH_EXACT)
			ld_error(ld, "keywords[%zu]: \"%s\" is also an exact "
			    "keyword of item %s", i,
			    kb_load_quote(q, sizeof q, s),
			    kb_load_label(ld, other, lab, sizeof lab));
		else if (r == 1)
			ld_warn(ld, "keywords[%zu]: \"%s\" is also a keyword "
			    "of item %s", i, kb_load_quote(q, sizeof q, s),
			    kb_load_label(ld, other, lab, sizeof lab));
		else if (r < 0)
			ld->nomem = 1;
	}
}

/* Append the normalized, rewritten text s to the item's text in doc. */
static size_t
ld_doc_add(struct ld *ld, char *doc, size_t n, const char *s)
{
	char tmp[LD_DOC_MAX];
	size_t len;

	if (s == NULL || n + 1 >= LD_DOC_MAX)
		return n;
	len = kb_norm(s, strlen(s), tmp, sizeof tmp);
	return n + kb_syn_apply(ld->kb, tmp, len, doc + n, LD_DOC_MAX - n,
	    NULL);
}

/* The item's text for ranking: title, keywords, replies. */
void
kb_load_words_doc(struct ld *ld, const struct kb_item *item, uint32_t idx)
{
	char *doc;
	size_t n = 0, i, a;

	doc = malloc(LD_DOC_MAX);
	if (doc == NULL) {
		ld->nomem = 1;
		return;
	}
	n = ld_doc_add(ld, doc, n, item->title);
	for (i = 0; i < item->nkeywords; i++)
		n = ld_doc_add(ld, doc, n, item->keywords[i]);
	for (i = 0; i < item->nreplies; i++) {
		n = ld_doc_add(ld, doc, n, item->replies[i].content);
		n = ld_doc_add(ld, doc, n, item->replies[i].title);
		n = ld_doc_add(ld, doc, n, item->replies[i].description);
		for (a = 0; a < item->replies[i].narticles; a++) {
			n = ld_doc_add(ld, doc, n,
			    item->replies[i].articles[a].title);
			n = ld_doc_add(ld, doc, n,
			    item->replies[i].articles[a].description);
		}
	}
	ld->src.doc[idx] = kb_arena_strndup(&ld->tmp, doc, n);
	ld->src.doclen[idx] = (uint32_t)n;
	if (ld->src.doc[idx] == NULL)
		ld->nomem = 1;
	free(doc);
}

/*
 * The top-level "synonyms": an array of groups, each an array of 2 to
 * KB_SYN_MAX_MEMBERS strings; the first is the form the others are
 * rewritten to.  A member may be in one group only.
 */
int
kb_load_words_synonyms(struct ld *ld, json_t *root)
{
	char nbuf[KB_MAX_KEYWORD_BYTES * 4 + 1], q[LD_QUOTE + 4];
	const char **mem = NULL;
	uint16_t *len = NULL;
	uint32_t *grp = NULL, *first = NULL, other;
	struct kb_map *seen = NULL;
	json_t *a, *g, *m;
	const char *s;
	size_t ng, i, k, nm, n = 0, slen, nlen;
	int r = 0;

	a = json_object_get(root, "synonyms");
	if (a == NULL)
		return 0;
	if (!json_is_array(a)) {
		ld_error(ld, "synonyms: must be an array of groups (arrays "
		    "of strings)");
		return 0;
	}
	ng = json_array_size(a);
	if (ng > KB_SYN_MAX_GROUPS) {
		ld_error(ld, "synonyms: %zu groups, more than %d", ng,
		    KB_SYN_MAX_GROUPS);
		return 0;
	}
	nm = ng * KB_SYN_MAX_MEMBERS;
	mem = calloc(nm + 1, sizeof *mem);
	len = calloc(nm + 1, sizeof *len);
	grp = calloc(nm + 1, sizeof *grp);
	first = calloc(ng + 1, sizeof *first);
	seen = kb_map_new(nm + 1);
	if (mem == NULL || len == NULL || grp == NULL || first == NULL ||
	    seen == NULL) {
		r = KB_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < ng; i++) {
		g = json_array_get(a, i);
		if (!json_is_array(g) || json_array_size(g) < 2 ||
		    json_array_size(g) > KB_SYN_MAX_MEMBERS) {
			ld_error(ld, "synonyms[%zu]: must be an array of 2 to "
			    "%d strings", i, KB_SYN_MAX_MEMBERS);
			continue;
		}
		first[i] = (uint32_t)n;
		for (k = 0; k < json_array_size(g); k++) {
			m = json_array_get(g, k);
			s = json_string_value(m);
			slen = json_string_length(m);
			if (s == NULL || slen < 1 ||
			    slen > KB_MAX_KEYWORD_BYTES ||
			    !utf8_valid(s, slen)) {
				ld_error(ld, "synonyms[%zu][%zu]: must be 1 to "
				    "%d bytes of UTF-8 text", i, k,
				    KB_MAX_KEYWORD_BYTES);
				if (k == 0)
					break;
				continue;
			}
			nlen = kb_norm(s, slen, nbuf, sizeof nbuf);
			if (nlen == 0) {
				ld_error(ld, "synonyms[%zu][%zu]: \"%s\" has no "
				    "letter or digit left after normalization",
				    i, k, kb_load_quote(q, sizeof q, s));
				if (k == 0)
					break;
				continue;
			}
			mem[n] = kb_arena_strndup(&ld->tmp, nbuf, nlen);
			if (mem[n] == NULL) {
				r = KB_ERR_NOMEM;
				goto out;
			}
			if (kb_map_put(seen, mem[n], nlen, (uint32_t)i,
			    &other) == 1) {
				if (other == i)
					ld_warn(ld, "synonyms[%zu][%zu]: \"%s\" "
					    "repeats a member of its group", i,
					    k, kb_load_quote(q, sizeof q, s));
				else
					ld_error(ld, "synonyms[%zu][%zu]: \"%s\" "
					    "is also in group %u", i, k,
					    kb_load_quote(q, sizeof q, s), other);
				continue;
			}
			len[n] = (uint16_t)nlen;
			grp[n] = (uint32_t)i;
			n++;
		}
	}
	ld->kb->nsyn_groups = ng;
	if (ld->nerrors == 0)
		r = kb_syn_build(ld->kb, mem, len, grp, first, n);
out:
	free(mem);
	free(len);
	free(grp);
	free(first);
	kb_map_free(seen);
	return r;
}
