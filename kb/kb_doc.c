/*
 * kb_doc — editing the knowledge-base file as a JSON tree.  The tree keeps
 * whatever the file holds; only kb_doc_dump() puts keys in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kb/kb_doc.h"
#include "kb/kb_norm.h"

/* The shapes whose keys have an order of their own. */
enum doc_shape {
	DOC_TOP,
	DOC_ITEM,
	DOC_REPLY,
	DOC_ARTICLE,
};

static const char *const doc_top_keys[] = {
	"version", "revision", "account", "welcome", "fallback", "synonyms",
	"items", NULL
};
static const char *const doc_item_keys[] = {
	"id", "title", "keywords", "match", "priority", "menu_key",
	"menu_group", "menu_name", "reply", "reply_mode", "source",
	"source_url", "updated", "valid_until", "period", "revision", NULL
};
static const char *const doc_reply_keys[] = {
	"type", "content", "media_id", "title", "description", "music_url",
	"hq_music_url", "thumb_media_id", "articles", NULL
};
static const char *const doc_article_keys[] = {
	"title", "description", "url", "picurl", NULL
};

static void
doc_cause(char **cause, const char *what)
{
	if (cause != NULL)
		*cause = strdup(what);
}

json_t *
kb_doc_parse(const char *buf, size_t len, char **cause)
{
	json_error_t jerr;
	json_t *doc, *rev;

	if (cause != NULL)
		*cause = NULL;
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		if (cause != NULL && asprintf(cause, "%d:%d: %s", jerr.line,
		    jerr.column, jerr.text) == -1)
			*cause = NULL;
		return NULL;
	}
	if (!json_is_object(doc)) {
		doc_cause(cause, "the top level is not an object");
		json_decref(doc);
		return NULL;
	}
	rev = json_object_get(doc, "revision");
	if (rev != NULL && (!json_is_integer(rev) ||
	    json_integer_value(rev) < 0 ||
	    json_integer_value(rev) > KB_DOC_MAX_REVISION)) {
		doc_cause(cause, "revision: not an integer from 0 to 2^53");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The integer member key of obj when it is in [0, max]; else 0. */
static int64_t
doc_revision_of(const json_t *obj)
{
	json_t *j = json_object_get(obj, "revision");
	json_int_t v;

	if (!json_is_integer(j))
		return 0;
	v = json_integer_value(j);
	return v >= 0 && v <= KB_DOC_MAX_REVISION ? (int64_t)v : 0;
}

int64_t
kb_doc_revision(const json_t *doc)
{
	return doc_revision_of(doc);
}

int
kb_doc_set_revision(json_t *doc, int64_t revision)
{
	return json_object_set_new(doc, "revision",
	    json_integer((json_int_t)revision)) == 0 ? 0 : -1;
}

json_t *
kb_doc_items(const json_t *doc)
{
	json_t *items = json_object_get(doc, "items");

	return json_is_array(items) ? items : NULL;
}

json_t *
kb_doc_find(const json_t *doc, const char *id, size_t *index)
{
	json_t *items = kb_doc_items(doc), *it, *j;
	size_t i;

	json_array_foreach(items, i, it) {
		j = json_object_get(it, "id");
		if (json_is_string(j) &&
		    strcmp(json_string_value(j), id) == 0) {
			if (index != NULL)
				*index = i;
			return it;
		}
	}
	return NULL;
}

int64_t
kb_doc_item_revision(const json_t *item)
{
	return doc_revision_of(item);
}

int
kb_doc_put(json_t *doc, json_t *item)
{
	json_t *items = kb_doc_items(doc), *id;
	size_t i;
	int r = -1;

	id = json_object_get(item, "id");
	if (items == NULL || !json_is_string(id))
		goto out;
	if (kb_doc_find(doc, json_string_value(id), &i) != NULL)
		r = json_array_set(items, i, item);
	else
		r = json_array_append(items, item);
out:
	json_decref(item);
	return r == 0 ? 0 : -1;
}

int
kb_doc_delete(json_t *doc, const char *id)
{
	size_t i;

	if (kb_doc_find(doc, id, &i) == NULL)
		return -1;
	return json_array_remove(kb_doc_items(doc), i) == 0 ? 0 : -1;
}

/* "YYYY-MM-DD" into y, m, d; 1 when it has that shape. */
static int
doc_date(const char *s, int *y, int *m, int *d)
{
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	return *y >= 1900 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

int
kb_doc_item_expired(const json_t *item, time_t now)
{
	json_t *j = json_object_get(item, "valid_until");
	struct tm tm;
	time_t end;
	int y, m, d;

	if (!json_is_string(j) || !doc_date(json_string_value(j), &y, &m, &d))
		return 0;
	/* The first second of the next day, as kb_load computes it. */
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	tm.tm_isdst = -1;
	end = mktime(&tm);
	return end != (time_t)-1 && now >= end;
}

/* What a search looks at while it runs. */
struct doc_search {
	const char *const *words;
	size_t		 n;
	unsigned char	*found;		/* one flag per word */
	size_t		 left;		/* words not found yet */
	int		 nomem;
};

/* Normalize the string j and mark the words it holds. */
static void
doc_search_str(struct doc_search *s, const json_t *j)
{
	const char *str;
	char *norm;
	size_t len, cap, i;

	if (!json_is_string(j) || s->left == 0 || s->nomem)
		return;
	str = json_string_value(j);
	len = json_string_length(j);
	/* NFKC may lengthen text; a cut only shortens what is searched. */
	cap = len * 3 + 16;
	norm = malloc(cap);
	if (norm == NULL) {
		s->nomem = 1;
		return;
	}
	kb_norm(str, len, norm, cap);
	for (i = 0; i < s->n; i++) {
		if (!s->found[i] && strstr(norm, s->words[i]) != NULL) {
			s->found[i] = 1;
			s->left--;
		}
	}
	free(norm);
}

static void
doc_search_reply(struct doc_search *s, const json_t *r)
{
	json_t *a;
	size_t i;

	doc_search_str(s, json_object_get(r, "content"));
	doc_search_str(s, json_object_get(r, "title"));
	doc_search_str(s, json_object_get(r, "description"));
	json_array_foreach(json_object_get(r, "articles"), i, a) {
		doc_search_str(s, json_object_get(a, "title"));
		doc_search_str(s, json_object_get(a, "description"));
	}
}

int
kb_doc_item_search(const json_t *item, const char *const *words, size_t n)
{
	struct doc_search s;
	json_t *j, *reply;
	size_t i;
	int r;

	if (n == 0)
		return 1;
	memset(&s, 0, sizeof s);
	s.words = words;
	s.n = n;
	s.left = n;
	s.found = calloc(n, 1);
	if (s.found == NULL)
		return -1;
	doc_search_str(&s, json_object_get(item, "id"));
	doc_search_str(&s, json_object_get(item, "title"));
	json_array_foreach(json_object_get(item, "keywords"), i, j)
		doc_search_str(&s, j);
	reply = json_object_get(item, "reply");
	if (json_is_array(reply)) {
		json_array_foreach(reply, i, j)
			doc_search_reply(&s, j);
	} else
		doc_search_reply(&s, reply);
	r = s.nomem ? -1 : s.left == 0;
	free(s.found);
	return r;
}

int
kb_doc_item_same(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;
	size_t na = 0, nb = 0;

	if (!json_is_object(a) || !json_is_object(b))
		return 0;
	json_object_foreach((json_t *)(uintptr_t)a, key, v) {
		if (strcmp(key, "revision") == 0)
			continue;
		na++;
		if (!json_equal(v, json_object_get(b, key)))
			return 0;
	}
	json_object_foreach((json_t *)(uintptr_t)b, key, v) {
		if (strcmp(key, "revision") != 0)
			nb++;
	}
	return na == nb;
}

int
kb_doc_item_key(const char *key)
{
	size_t i;

	for (i = 0; doc_item_keys[i] != NULL; i++) {
		if (strcmp(key, doc_item_keys[i]) == 0)
			return 1;
	}
	return 0;
}

static json_t *doc_ordered(const json_t *, enum doc_shape);

/* A copy of j in which the objects of known shape have ordered keys. */
static json_t *
doc_value(const json_t *j, const char *key, enum doc_shape parent)
{
	json_t *copy, *v;
	size_t i;
	int nested = -1;

	if (parent == DOC_TOP && (strcmp(key, "welcome") == 0 ||
	    strcmp(key, "fallback") == 0))
		nested = DOC_REPLY;
	else if (parent == DOC_TOP && strcmp(key, "items") == 0)
		nested = DOC_ITEM;
	else if (parent == DOC_ITEM && strcmp(key, "reply") == 0)
		nested = DOC_REPLY;
	else if (parent == DOC_REPLY && strcmp(key, "articles") == 0)
		nested = DOC_ARTICLE;
	if (nested < 0)
		return json_deep_copy(j);
	if (json_is_object(j))
		return doc_ordered(j, (enum doc_shape)nested);
	if (!json_is_array(j))
		return json_deep_copy(j);
	copy = json_array();
	if (copy == NULL)
		return NULL;
	json_array_foreach(j, i, v) {
		if (json_array_append_new(copy, json_is_object(v) ?
		    doc_ordered(v, (enum doc_shape)nested) :
		    json_deep_copy(v)) != 0) {
			json_decref(copy);
			return NULL;
		}
	}
	return copy;
}

/* 1 when key is one of keys. */
static int
doc_listed(const char *const *keys, const char *key)
{
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], key) == 0)
			return 1;
	}
	return 0;
}

static json_t *
doc_ordered(const json_t *obj, enum doc_shape shape)
{
	static const char *const *const orders[] = {
		[DOC_TOP] = doc_top_keys,
		[DOC_ITEM] = doc_item_keys,
		[DOC_REPLY] = doc_reply_keys,
		[DOC_ARTICLE] = doc_article_keys,
	};
	const char *const *order = orders[shape];
	const char *key;
	json_t *out, *v;
	size_t i;

	out = json_object();
	if (out == NULL)
		return NULL;
	for (i = 0; order[i] != NULL; i++) {
		v = json_object_get(obj, order[i]);
		if (v != NULL && json_object_set_new(out, order[i],
		    doc_value(v, order[i], shape)) != 0)
			goto fail;
	}
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		if (!doc_listed(order, key) && json_object_set_new(out, key,
		    json_deep_copy(v)) != 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

char *
kb_doc_dump(const json_t *doc, size_t *len)
{
	json_t *ordered;
	char *text, *nl;
	size_t n;

	ordered = doc_ordered(doc, DOC_TOP);
	if (ordered == NULL)
		return NULL;
	text = json_dumps(ordered, JSON_INDENT(2));
	json_decref(ordered);
	if (text == NULL)
		return NULL;
	n = strlen(text);
	nl = realloc(text, n + 2);
	if (nl == NULL) {
		free(text);
		return NULL;
	}
	nl[n] = '\n';
	nl[n + 1] = '\0';
	*len = n + 1;
	return nl;
}
