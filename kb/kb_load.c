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
#include "kb/kb_load_int.h"
#include "kb/kb_map.h"
#include "kb/kb_menu.h"
#include "kb/kb_norm.h"
#include "kb/kb_syn.h"
#include "lib/file.h"
#include "lib/utf8.h"

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

void
kb_load_diag(struct ld *ld, int warning, int line, int column,
    const char *fmt, ...)
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


/* Up to LD_QUOTE bytes of s, cut at a character, controls as '?'. */
const char *
kb_load_quote(char *buf, size_t size, const char *s)
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

void
kb_load_unknown_keys(struct ld *ld, json_t *obj, const char *where,
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
			    kb_load_quote(q, sizeof q, key));
	}
}

/*
 * The string member key of obj, copied into the arena.  NULL when it is
 * absent (an error when required) or invalid (an error).  Strings must
 * be non-empty and at most max bytes (0: no limit).
 */
const char *
kb_load_str(struct ld *ld, json_t *obj, const char *where, const char *key,
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


/* The label of item i for messages about another item. */
const char *
kb_load_label(struct ld *ld, uint32_t i, char *buf, size_t size)
{
	const struct kb_item *it = &ld->kb->items[i];

	if (it->id != NULL)
		snprintf(buf, size, "\"%s\"", it->id);
	else
		snprintf(buf, size, "#%u", i + 1);
	return buf;
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
	kb_load_unknown_keys(ld, it, "", ld_item_keys);
	ld_revision(ld, it);

	item->title = kb_load_str(ld, it, "", "title", 1, 0);
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

	kb_load_words_keywords(ld, it, item, idx);

	item->menu_key = kb_load_str(ld, it, "", "menu_key", 0,
	    LD_MAX_MENU_KEY);
	if (item->menu_key != NULL && kb_map_put(ld->kb->by_menu,
	    item->menu_key, strlen(item->menu_key), idx, &other) == 1)
		ld_error(ld, "menu_key: \"%s\" is also the menu_key of item %s",
		    kb_load_quote(q, sizeof q, item->menu_key),
		    kb_load_label(ld, other, lab, sizeof lab));
	item->menu_group = kb_load_str(ld, it, "", "menu_group", 0,
	    LD_MAX_MENU_KEY);
	/* Held to what WeChat shows: a long title is cut to "...". */
	item->menu_name = kb_load_str(ld, it, "", "menu_name", 0, 0);
	if (item->menu_name != NULL && item->menu_key == NULL)
		ld_error(ld, "menu_name: there is no menu_key: the item is "
		    "not in the menu");
	else if (item->menu_name != NULL && kb_menu_name_check(
	    item->menu_name, item->menu_group == NULL, why, sizeof why) != 0)
		ld_error(ld, "menu_name: %s", why);

	kb_load_reply_item(ld, it, item);

	item->source = kb_load_str(ld, it, "", "source", 0, 0);
	item->source_url = kb_load_str(ld, it, "", "source_url", 0, 0);
	item->updated = kb_load_str(ld, it, "", "updated", 0, 0);
	if (item->updated != NULL && !ld_date(item->updated, &y, &m, &d))
		ld_error(ld, "updated: \"%s\" is not a date YYYY-MM-DD",
		    kb_load_quote(q, sizeof q, item->updated));
	item->valid_until = kb_load_str(ld, it, "", "valid_until", 0, 0);
	if (item->valid_until != NULL) {
		if (!ld_date(item->valid_until, &y, &m, &d))
			ld_error(ld, "valid_until: \"%s\" is not a date "
			    "YYYY-MM-DD", kb_load_quote(q, sizeof q,
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
	item->period = kb_load_str(ld, it, "", "period", 0, 16);
	if (item->period != NULL && !ld_period(item->period,
	    &item->period_from, &item->period_to))
		ld_error(ld, "period: \"%s\" is not a year YYYY or years "
		    "YYYY-YYYY", kb_load_quote(q, sizeof q, item->period));
	kb_load_words_doc(ld, item, idx);
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
		kb_load_reply(ld, j, key, r);
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
	kb_load_unknown_keys(ld, root, "", ld_top_keys);
	j = json_object_get(root, "version");
	if (j == NULL)
		ld_error(ld, "version: missing (must be 1)");
	else if (!json_is_integer(j) || json_integer_value(j) != 1)
		ld_error(ld, "version: must be 1");
	ld_revision(ld, root);
	ld->kb->account = kb_load_str(ld, root, "", "account", 1, 0);
	ld_top_reply(ld, root, "welcome", &ld->kb->welcome);
	ld_top_reply(ld, root, "fallback", &ld->kb->fallback);
	ld_phone(ld);
	r = kb_load_words_synonyms(ld, root);
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
		kb_load_diag(&ld, 0, jerr.line > 0 ? jerr.line : 1,
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
