/*
 * kb_load — read, validate and compile a knowledge-base file (DESIGN.md
 * "Knowledge base file").  Validation goes on after the first problem so
 * that one run of `wxkbctl check` names every error; a file with any error
 * is not compiled.  Item diagnostics name the item by its id, or by its
 * position ("#3") when the id itself is unusable.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "kb/kb_map.h"
#include "kb/kb_menu.h"
#include "kb/kb_norm.h"
#include "kb/kb_syn.h"
#include "lib/file.h"
#include "lib/utf8.h"

#define LD_MAX_MENU_KEY		128
#define LD_MAX_REPLIES		8
#define LD_MAX_ARTICLES		8
/* Bytes of a value quoted in a message. */
#define LD_QUOTE		48
/* Bytes of an item's normalized text kept for ranking (BM25, IDF). */
#define LD_DOC_MAX		8192

struct ld {
	struct kb	*kb;
	struct kb_diag	*diag;
	size_t		 nerrors;	/* errors of this load */
	int		 nomem;
	char		 item[KB_MAX_ID + 1];	/* item being read, or "" */
	struct kb_arena	 tmp;		/* normalized text, freed after */
	struct kb_map	*exact_kw;	/* normalized keyword -> item */
	struct kb_map	*contains_kw;
	struct kb_src	 src;
};

/* "revision" is kept by the admin API (docs/admin-api.md). */
static const char *const ld_top_keys[] = {
	"version", "revision", "account", "welcome", "fallback", "synonyms",
	"items", NULL
};
static const char *const ld_item_keys[] = {
	"id", "title", "keywords", "match", "priority", "menu_key",
	"menu_group", "menu_name", "reply", "reply_mode", "source",
	"source_url", "updated", "valid_until", "period", "revision", NULL
};
static const char *const ld_article_keys[] = {
	"title", "description", "url", "picurl", NULL
};

static const struct {
	const char		*name;
	enum kb_reply_type	 type;
	const char *const	 keys[7];
} ld_reply_types[] = {
	{ "text", KB_REPLY_TEXT, { "type", "content", NULL } },
	{ "news", KB_REPLY_NEWS, { "type", "articles", NULL } },
	{ "image", KB_REPLY_IMAGE, { "type", "media_id", NULL } },
	{ "voice", KB_REPLY_VOICE, { "type", "media_id", NULL } },
	{ "video", KB_REPLY_VIDEO,
	    { "type", "media_id", "title", "description", NULL } },
	{ "music", KB_REPLY_MUSIC,
	    { "type", "title", "description", "music_url", "hq_music_url",
	      "thumb_media_id", NULL } },
};

static void ld_diag(struct ld *, int, int, int, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static void
ld_diag(struct ld *ld, int warning, int line, int column, const char *fmt,
    ...)
{
	struct kb_diag *d = ld->diag;
	struct kb_diag_entry *e, *n;
	size_t cap;
	va_list ap;

	if (warning)
		d->nwarnings++;
	else {
		d->nerrors++;
		ld->nerrors++;
	}
	if (d->n >= KB_MAX_DIAG)
		return;
	/* The capacity follows from n: 8, doubled each time n reaches a
	   power of two from 8 on. */
	if (d->n == 0 || (d->n >= 8 && (d->n & (d->n - 1)) == 0)) {
		cap = d->n == 0 ? 8 : d->n * 2;
		n = realloc(d->entries, cap * sizeof *n);
		if (n == NULL) {
			ld->nomem = 1;
			return;
		}
		d->entries = n;
	}
	e = &d->entries[d->n++];
	memset(e, 0, sizeof *e);
	e->warning = warning;
	e->line = line;
	e->column = column;
	snprintf(e->item_id, sizeof e->item_id, "%s", ld->item);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

#define ld_error(ld, ...)	ld_diag(ld, 0, 0, 0, __VA_ARGS__)
#define ld_warn(ld, ...)	ld_diag(ld, 1, 0, 0, __VA_ARGS__)

/* Up to LD_QUOTE bytes of s, cut at a character, controls as '?'. */
static const char *
ld_quote(char *buf, size_t size, const char *s)
{
	size_t i = 0, n, max = size - 4;

	while (*s != '\0') {
		n = 1;
		if ((unsigned char)*s >= 0xc0)
			while ((s[n] & 0xc0) == 0x80)
				n++;
		if (i + n > max) {
			memcpy(buf + i, "...", 3);
			i += 3;
			break;
		}
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf[i] = '?';
		else
			memcpy(buf + i, s, n);
		i += (unsigned char)*s < 0x20 || *s == 0x7f ? 1 : n;
		s += n;
	}
	buf[i] = '\0';
	return buf;
}

static void
ld_unknown_keys(struct ld *ld, json_t *obj, const char *where,
    const char *const *allowed)
{
	const char *key;
	json_t *v;
	char q[LD_QUOTE + 4];
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(key, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			ld_warn(ld, "%s%sunknown key \"%s\" ignored", where,
			    where[0] != '\0' ? ": " : "",
			    ld_quote(q, sizeof q, key));
	}
}

/*
 * The string member key of obj, copied into the arena.  NULL when it is
 * absent (an error when required) or invalid (an error).  Strings must
 * be non-empty and at most max bytes (0: no limit).
 */
static const char *
ld_str(struct ld *ld, json_t *obj, const char *where, const char *key,
    int required, size_t max)
{
	json_t *v;
	const char *s, *sep = where[0] != '\0' ? "." : "";
	size_t len;
	char *p;

	v = json_object_get(obj, key);
	if (v == NULL) {
		if (required)
			ld_error(ld, "%s%s%s: missing", where, sep, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		ld_error(ld, "%s%s%s: must be a string", where, sep, key);
		return NULL;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0) {
		ld_error(ld, "%s%s%s: must not be empty", where, sep, key);
		return NULL;
	}
	if (strlen(s) != len) {
		ld_error(ld, "%s%s%s: contains a NUL character", where, sep,
		    key);
		return NULL;
	}
	if (max != 0 && len > max) {
		ld_error(ld, "%s%s%s: longer than %zu bytes", where, sep, key,
		    max);
		return NULL;
	}
	p = kb_arena_strndup(&ld->kb->arena, s, len);
	if (p == NULL)
		ld->nomem = 1;
	return p;
}

/* 1 when s is "YYYY-MM-DD", a real date from 1900 on; fills y, m, d. */
static int
ld_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int i, leap, days;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1)
		return 0;
	leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	days = mdays[*m - 1] + (*m == 2 && leap);
	return *d <= days;
}

static int
ld_valid_id(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > KB_MAX_ID)
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* An optional "revision": an integer from 0 on. */
static void
ld_revision(struct ld *ld, json_t *obj)
{
	json_t *j = json_object_get(obj, "revision");

	if (j != NULL && (!json_is_integer(j) || json_integer_value(j) < 0))
		ld_error(ld, "revision: must be an integer from 0 on");
}

static void
ld_article(struct ld *ld, json_t *j, const char *where, struct kb_article *a)
{
	if (!json_is_object(j)) {
		ld_error(ld, "%s: must be an object", where);
		return;
	}
	ld_unknown_keys(ld, j, where, ld_article_keys);
	a->title = ld_str(ld, j, where, "title", 1, 0);
	a->description = ld_str(ld, j, where, "description", 0, 0);
	a->url = ld_str(ld, j, where, "url", 1, 0);
	a->picurl = ld_str(ld, j, where, "picurl", 0, 0);
}

/* Validate one reply object into r; where names it in messages. */
static void
ld_reply(struct ld *ld, json_t *j, const char *where, struct kb_reply *r)
{
	struct kb_article *arts;
	json_t *t, *a;
	char aw[64];
	size_t i, n, k;

	memset(r, 0, sizeof *r);
	if (!json_is_object(j)) {
		ld_error(ld, "%s: must be a reply object", where);
		return;
	}
	t = json_object_get(j, "type");
	if (t == NULL || !json_is_string(t)) {
		ld_error(ld, "%s.type: missing or not a string", where);
		return;
	}
	for (k = 0; k < sizeof ld_reply_types / sizeof ld_reply_types[0];
	    k++) {
		if (strcmp(json_string_value(t), ld_reply_types[k].name) == 0)
			break;
	}
	if (k == sizeof ld_reply_types / sizeof ld_reply_types[0]) {
		char q[LD_QUOTE + 4];

		ld_error(ld, "%s.type: \"%s\" is not text, news, image, voice,"
		    " video or music", where,
		    ld_quote(q, sizeof q, json_string_value(t)));
		return;
	}
	r->type = ld_reply_types[k].type;
	ld_unknown_keys(ld, j, where, ld_reply_types[k].keys);
	switch (r->type) {
	case KB_REPLY_TEXT:
		r->content = ld_str(ld, j, where, "content", 1, 0);
		break;
	case KB_REPLY_NEWS:
		a = json_object_get(j, "articles");
		if (!json_is_array(a)) {
			ld_error(ld, "%s.articles: %s", where, a == NULL ?
			    "missing" : "must be an array");
			break;
		}
		n = json_array_size(a);
		if (n < 1 || n > LD_MAX_ARTICLES) {
			ld_error(ld, "%s.articles: must hold 1 to %d articles,"
			    " not %zu", where, LD_MAX_ARTICLES, n);
			break;
		}
		arts = kb_arena_alloc(&ld->kb->arena, n * sizeof *arts);
		if (arts == NULL) {
			ld->nomem = 1;
			break;
		}
		memset(arts, 0, n * sizeof *arts);
		for (i = 0; i < n; i++) {
			snprintf(aw, sizeof aw, "%s.articles[%zu]", where, i);
			ld_article(ld, json_array_get(a, i), aw, &arts[i]);
		}
		r->articles = arts;
		r->narticles = n;
		break;
	case KB_REPLY_IMAGE:
	case KB_REPLY_VOICE:
		r->media_id = ld_str(ld, j, where, "media_id", 1, 0);
		break;
	case KB_REPLY_VIDEO:
		r->media_id = ld_str(ld, j, where, "media_id", 1, 0);
		r->title = ld_str(ld, j, where, "title", 0, 0);
		r->description = ld_str(ld, j, where, "description", 0, 0);
		break;
	case KB_REPLY_MUSIC:
		r->thumb_media_id = ld_str(ld, j, where, "thumb_media_id", 1,
		    0);
		r->title = ld_str(ld, j, where, "title", 0, 0);
		r->description = ld_str(ld, j, where, "description", 0, 0);
		r->music_url = ld_str(ld, j, where, "music_url", 0, 0);
		r->hq_music_url = ld_str(ld, j, where, "hq_music_url", 0, 0);
		break;
	}
}

static void
ld_item_replies(struct ld *ld, json_t *it, struct kb_item *item)
{
	struct kb_reply *r;
	json_t *j, *m;
	const char *mode = NULL;
	char w[32];
	size_t i, n;

	m = json_object_get(it, "reply_mode");
	if (m != NULL) {
		mode = json_is_string(m) ? json_string_value(m) : "";
		if (strcmp(mode, "all") == 0)
			item->reply_mode = KB_MODE_ALL;
		else if (strcmp(mode, "random_one") == 0)
			item->reply_mode = KB_MODE_RANDOM_ONE;
		else {
			ld_error(ld, "reply_mode: must be \"all\" or "
			    "\"random_one\"");
			mode = NULL;
		}
	}
	j = json_object_get(it, "reply");
	if (j == NULL) {
		ld_error(ld, "reply: missing");
		return;
	}
	if (json_is_object(j)) {
		if (m != NULL)
			ld_warn(ld, "reply_mode: ignored for a single reply");
		item->reply_mode = KB_MODE_ONE;
		n = 1;
	} else if (json_is_array(j)) {
		n = json_array_size(j);
		if (n < 1 || n > LD_MAX_REPLIES) {
			ld_error(ld, "reply: an array of 1 to %d replies, not "
			    "%zu", LD_MAX_REPLIES, n);
			return;
		}
		if (m == NULL)
			ld_error(ld, "reply_mode: required when reply is an "
			    "array (\"all\" or \"random_one\")");
	} else {
		ld_error(ld, "reply: must be a reply object or an array of "
		    "them");
		return;
	}
	r = kb_arena_alloc(&ld->kb->arena, n * sizeof *r);
	if (r == NULL) {
		ld->nomem = 1;
		return;
	}
	if (json_is_object(j))
		ld_reply(ld, j, "reply", &r[0]);
	else {
		for (i = 0; i < n; i++) {
			snprintf(w, sizeof w, "reply[%zu]", i);
			ld_reply(ld, json_array_get(j, i), w, &r[i]);
		}
	}
	item->replies = r;
	item->nreplies = n;
}

/* The label of item i for messages about another item. */
static const char *
ld_label(struct ld *ld, uint32_t i, char *buf, size_t size)
{
	const struct kb_item *it = &ld->kb->items[i];

	if (it->id != NULL)
		snprintf(buf, size, "\"%s\"", it->id);
	else
		snprintf(buf, size, "#%u", i + 1);
	return buf;
}

static void
ld_keywords(struct ld *ld, json_t *it, struct kb_item *item, uint32_t idx)
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
			    "bytes, not %zu", i, ld_quote(q, sizeof q, s),
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
			    ld_quote(q, sizeof q, s));
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
			    ld_quote(q, sizeof q, s));
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
			    "keyword of item %s", i, ld_quote(q, sizeof q, s),
			    ld_label(ld, other, lab, sizeof lab));
		else if (r == 1)
			ld_warn(ld, "keywords[%zu]: \"%s\" is also a keyword "
			    "of item %s", i, ld_quote(q, sizeof q, s),
			    ld_label(ld, other, lab, sizeof lab));
		else if (r < 0)
			ld->nomem = 1;
	}
}

/* 1 when s is "YYYY" or "YYYY-YYYY" (from <= to, 1900..2999). */
static int
ld_period(const char *s, int *from, int *to)
{
	size_t i, n = strlen(s);

	if (n != 4 && n != 9)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 4 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return 0;
	}
	*from = atoi(s);
	*to = n == 9 ? atoi(s + 5) : *from;
	return *from >= 1900 && *to <= 2999 && *from <= *to;
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
static void
ld_doc(struct ld *ld, const struct kb_item *item, uint32_t idx)
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
static int
ld_synonyms(struct ld *ld, json_t *root)
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
				    i, k, ld_quote(q, sizeof q, s));
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
					    k, ld_quote(q, sizeof q, s));
				else
					ld_error(ld, "synonyms[%zu][%zu]: \"%s\" "
					    "is also in group %u", i, k,
					    ld_quote(q, sizeof q, s), other);
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

/* The office phone: the first run of 7..12 digits in the fallback. */
static void
ld_phone(struct ld *ld)
{
	const char *s = ld->kb->fallback.content, *p;
	size_t n;

	ld->kb->phone = "";
	for (p = s; p != NULL && *p != '\0'; p += n > 0 ? n : 1) {
		n = strspn(p, "0123456789");
		if (n >= 7 && n <= 12) {
			ld->kb->phone = kb_arena_strndup(&ld->kb->arena, p, n);
			if (ld->kb->phone == NULL)
				ld->nomem = 1;
			return;
		}
	}
}

static void
ld_item(struct ld *ld, json_t *it, uint32_t idx)
{
	struct kb_item *item = &ld->kb->items[idx];
	struct kb_src *src = &ld->src;
	char nbuf[KB_NORM_MAX + 1], q[LD_QUOTE + 4], lab[KB_MAX_ID + 8];
	char why[160];
	char sbuf[KB_NORM_MAX + 1];
	const char *s;
	json_t *j;
	size_t len;
	uint32_t other;
	struct tm tm;
	int y, m, d;

	snprintf(ld->item, sizeof ld->item, "#%u", idx + 1);
	src->item_kw[idx] = (uint32_t)src->nkw;
	if (!json_is_object(it)) {
		ld_error(ld, "must be an object");
		return;
	}

	j = json_object_get(it, "id");
	if (j == NULL)
		ld_error(ld, "id: missing");
	else if (!json_is_string(j) ||
	    !ld_valid_id(json_string_value(j), json_string_length(j)) ||
	    strlen(json_string_value(j)) != json_string_length(j))
		ld_error(ld, "id: must be 1 to %d characters of a-z, 0-9 and "
		    "\"-\"", KB_MAX_ID);
	else {
		s = json_string_value(j);
		len = json_string_length(j);
		item->id = kb_arena_strndup(&ld->kb->arena, s, len);
		if (item->id == NULL) {
			ld->nomem = 1;
			return;
		}
		snprintf(ld->item, sizeof ld->item, "%s", s);
		if (kb_map_put(ld->kb->by_id, item->id, len, idx, &other) == 1)
			ld_error(ld, "id: duplicate, also the id of item #%u",
			    other + 1);
	}
	ld_unknown_keys(ld, it, "", ld_item_keys);
	ld_revision(ld, it);

	item->title = ld_str(ld, it, "", "title", 1, 0);
	if (item->title != NULL) {
		len = kb_norm(item->title, strlen(item->title), sbuf,
		    sizeof sbuf);
		len = kb_syn_apply(ld->kb, sbuf, len, nbuf, sizeof nbuf, NULL);
		src->title[idx] = kb_arena_strndup(&ld->tmp, nbuf, len);
		src->titlelen[idx] = (uint16_t)len;
		if (src->title[idx] == NULL)
			ld->nomem = 1;
	}

	item->match = KB_MATCH_CONTAINS;
	j = json_object_get(it, "match");
	if (j != NULL) {
		s = json_is_string(j) ? json_string_value(j) : "";
		if (strcmp(s, "exact") == 0)
			item->match = KB_MATCH_EXACT;
		else if (strcmp(s, "contains") != 0)
			ld_error(ld, "match: must be \"contains\" or "
			    "\"exact\"");
	}

	j = json_object_get(it, "priority");
	if (j != NULL) {
		if (!json_is_integer(j) ||
		    json_integer_value(j) < LONG_MIN ||
		    json_integer_value(j) > LONG_MAX)
			ld_error(ld, "priority: must be an integer");
		else
			item->priority = (long)json_integer_value(j);
	}

	ld_keywords(ld, it, item, idx);

	item->menu_key = ld_str(ld, it, "", "menu_key", 0, LD_MAX_MENU_KEY);
	if (item->menu_key != NULL && kb_map_put(ld->kb->by_menu,
	    item->menu_key, strlen(item->menu_key), idx, &other) == 1)
		ld_error(ld, "menu_key: \"%s\" is also the menu_key of item %s",
		    ld_quote(q, sizeof q, item->menu_key),
		    ld_label(ld, other, lab, sizeof lab));
	item->menu_group = ld_str(ld, it, "", "menu_group", 0,
	    LD_MAX_MENU_KEY);
	/* Held to what WeChat shows: a long title is cut to "...". */
	item->menu_name = ld_str(ld, it, "", "menu_name", 0, 0);
	if (item->menu_name != NULL && item->menu_key == NULL)
		ld_error(ld, "menu_name: there is no menu_key: the item is "
		    "not in the menu");
	else if (item->menu_name != NULL && kb_menu_name_check(
	    item->menu_name, item->menu_group == NULL, why, sizeof why) != 0)
		ld_error(ld, "menu_name: %s", why);

	ld_item_replies(ld, it, item);

	item->source = ld_str(ld, it, "", "source", 0, 0);
	item->source_url = ld_str(ld, it, "", "source_url", 0, 0);
	item->updated = ld_str(ld, it, "", "updated", 0, 0);
	if (item->updated != NULL && !ld_date(item->updated, &y, &m, &d))
		ld_error(ld, "updated: \"%s\" is not a date YYYY-MM-DD",
		    ld_quote(q, sizeof q, item->updated));
	item->valid_until = ld_str(ld, it, "", "valid_until", 0, 0);
	if (item->valid_until != NULL) {
		if (!ld_date(item->valid_until, &y, &m, &d))
			ld_error(ld, "valid_until: \"%s\" is not a date "
			    "YYYY-MM-DD", ld_quote(q, sizeof q,
			    item->valid_until));
		else {
			/* Served through the whole day, local time. */
			memset(&tm, 0, sizeof tm);
			tm.tm_year = y - 1900;
			tm.tm_mon = m - 1;
			tm.tm_mday = d + 1;
			tm.tm_isdst = -1;
			item->expires = mktime(&tm);
			if (item->expires == (time_t)-1)
				ld_error(ld, "valid_until: date out of range");
			/* 0 means "never": move a real 0 by a second. */
			if (item->expires == 0)
				item->expires = 1;
		}
	}
	item->period = ld_str(ld, it, "", "period", 0, 16);
	if (item->period != NULL && !ld_period(item->period,
	    &item->period_from, &item->period_to))
		ld_error(ld, "period: \"%s\" is not a year YYYY or years "
		    "YYYY-YYYY", ld_quote(q, sizeof q, item->period));
	ld_doc(ld, item, idx);
}

/* Count the keywords of all items, to size the tables up front. */
static size_t
ld_count_keywords(json_t *items, size_t n)
{
	size_t i, k, total = 0;
	json_t *a;

	for (i = 0; i < n; i++) {
		a = json_object_get(json_array_get(items, i), "keywords");
		k = json_array_size(a);
		total += k > KB_MAX_KEYWORDS ? KB_MAX_KEYWORDS : k;
	}
	return total;
}

static int
ld_alloc_src(struct ld *ld, size_t nitems, size_t nkw)
{
	struct kb_src *src = &ld->src;

	src->kw = calloc(nkw + 1, sizeof *src->kw);
	src->kwlen = calloc(nkw + 1, sizeof *src->kwlen);
	src->item_kw = calloc(nitems + 1, sizeof *src->item_kw);
	src->title = calloc(nitems + 1, sizeof *src->title);
	src->titlelen = calloc(nitems + 1, sizeof *src->titlelen);
	src->doc = calloc(nitems + 1, sizeof *src->doc);
	src->doclen = calloc(nitems + 1, sizeof *src->doclen);
	ld->exact_kw = kb_map_new(nkw);
	ld->contains_kw = kb_map_new(nkw);
	ld->kb->by_id = kb_map_new(nitems);
	ld->kb->by_menu = kb_map_new(nitems);
	if (src->kw == NULL || src->kwlen == NULL || src->item_kw == NULL ||
	    src->title == NULL || src->titlelen == NULL ||
	    src->doc == NULL || src->doclen == NULL ||
	    ld->exact_kw == NULL || ld->contains_kw == NULL ||
	    ld->kb->by_id == NULL || ld->kb->by_menu == NULL)
		return KB_ERR_NOMEM;
	return 0;
}

static void
ld_cleanup(struct ld *ld)
{
	free(ld->src.kw);
	free(ld->src.kwlen);
	free(ld->src.item_kw);
	free(ld->src.title);
	free(ld->src.titlelen);
	free(ld->src.doc);
	free(ld->src.doclen);
	kb_map_free(ld->exact_kw);
	kb_map_free(ld->contains_kw);
	kb_arena_cleanup(&ld->tmp);
}

static void
ld_top_reply(struct ld *ld, json_t *root, const char *key,
    struct kb_reply *r)
{
	json_t *j;

	j = json_object_get(root, key);
	if (j == NULL)
		ld_error(ld, "%s: missing (a reply object)", key);
	else if (!json_is_object(j))
		ld_error(ld, "%s: must be a reply object", key);
	else
		ld_reply(ld, j, key, r);
}

static int
ld_root(struct ld *ld, json_t *root)
{
	json_t *j, *items;
	size_t i, n, nkw;
	int r;

	if (!json_is_object(root)) {
		ld_error(ld, "the top level must be an object");
		return KB_ERR_SCHEMA;
	}
	ld_unknown_keys(ld, root, "", ld_top_keys);
	j = json_object_get(root, "version");
	if (j == NULL)
		ld_error(ld, "version: missing (must be 1)");
	else if (!json_is_integer(j) || json_integer_value(j) != 1)
		ld_error(ld, "version: must be 1");
	ld_revision(ld, root);
	ld->kb->account = ld_str(ld, root, "", "account", 1, 0);
	ld_top_reply(ld, root, "welcome", &ld->kb->welcome);
	ld_top_reply(ld, root, "fallback", &ld->kb->fallback);
	ld_phone(ld);
	r = ld_synonyms(ld, root);
	if (r != 0)
		return r;

	items = json_object_get(root, "items");
	n = 0;
	if (items == NULL)
		ld_error(ld, "items: missing (an array of items)");
	else if (!json_is_array(items))
		ld_error(ld, "items: must be an array");
	else {
		n = json_array_size(items);
		if (n > KB_MAX_ITEMS) {
			ld_error(ld, "items: %zu items, more than %d", n,
			    KB_MAX_ITEMS);
			n = KB_MAX_ITEMS;
		} else if (n == 0)
			ld_warn(ld, "items: empty, every message gets the "
			    "fallback");
	}

	nkw = ld_count_keywords(items, n);
	r = ld_alloc_src(ld, n, nkw);
	if (r != 0)
		return r;
	ld->kb->items = kb_arena_alloc(&ld->kb->arena,
	    (n ? n : 1) * sizeof *ld->kb->items);
	if (ld->kb->items == NULL)
		return KB_ERR_NOMEM;
	memset(ld->kb->items, 0, (n ? n : 1) * sizeof *ld->kb->items);
	ld->kb->nitems = n;
	for (i = 0; i < n && !ld->nomem; i++)
		ld_item(ld, json_array_get(items, i), (uint32_t)i);
	ld->src.item_kw[n] = (uint32_t)ld->src.nkw;
	ld->item[0] = '\0';
	if (ld->nomem)
		return KB_ERR_NOMEM;
	if (ld->nerrors > 0)
		return KB_ERR_SCHEMA;
	return 0;
}

/*
 * Build the automaton and the suggestion index.  Called once the JSON tree
 * and the validation maps are gone, so that they and the compilers'
 * scratch are not in memory at the same time.
 */
static int
ld_compile(struct ld *ld)
{
	int r;

	kb_map_free(ld->exact_kw);
	kb_map_free(ld->contains_kw);
	ld->exact_kw = ld->contains_kw = NULL;
	r = kb_match_build(ld->kb, &ld->src);
	if (r == 0)
		r = kb_bm25_build(ld->kb, &ld->src);
	if (r == 0)
		r = kb_suggest_build(ld->kb, &ld->src);
	return r;
}

int
kb_load_buffer(const char *json, size_t len, uint64_t generation,
    struct kb **out, struct kb_diag *diag)
{
	struct kb_diag local = { 0 };
	json_error_t jerr;
	json_t *root = NULL;
	struct ld ld;
	int r;

	*out = NULL;
	memset(&ld, 0, sizeof ld);
	ld.diag = diag != NULL ? diag : &local;
	if (len > KB_MAX_FILE) {
		ld_error(&ld, "file is %zu bytes, more than %d", len,
		    KB_MAX_FILE);
		r = KB_ERR_TOOBIG;
		goto out;
	}
	ld.kb = kb_new(generation);
	if (ld.kb == NULL) {
		r = KB_ERR_NOMEM;
		goto out;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			r = KB_ERR_NOMEM;
			goto out;
		}
		ld_diag(&ld, 0, jerr.line > 0 ? jerr.line : 1,
		    jerr.column > 0 ? jerr.column : 1, "%s", jerr.text);
		r = KB_ERR_SYNTAX;
		goto out;
	}
	r = ld_root(&ld, root);
	json_decref(root);
	root = NULL;
	if (r == 0)
		r = ld_compile(&ld);
	if (r == 0) {
		*out = ld.kb;
		ld.kb = NULL;
	}
out:
	if (r == KB_ERR_NOMEM)
		ld_error(&ld, "out of memory");
	json_decref(root);
	ld_cleanup(&ld);
	kb_unref(ld.kb);
	kb_diag_cleanup(&local);
	return r;
}

int
kb_load_file(const char *path, uint64_t generation, struct kb **out,
    struct kb_diag *diag)
{
	struct kb_diag local = { 0 };
	struct ld ld;
	char *buf = NULL, *cause = NULL;
	size_t len;
	int r;

	*out = NULL;
	r = file_read(path, KB_MAX_FILE, &buf, &len, &cause);
	if (r != 0) {
		memset(&ld, 0, sizeof ld);
		ld.diag = diag != NULL ? diag : &local;
		ld_error(&ld, "%s", cause != NULL ? cause : kb_strerror(r));
		free(cause);
		kb_diag_cleanup(&local);
		return r;
	}
	r = kb_load_buffer(buf, len, generation, out, diag);
	free(buf);
	return r;
}
