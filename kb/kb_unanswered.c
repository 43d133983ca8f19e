/*
 * kb_unanswered — bounded counter of unanswered questions.  Entries live in
 * one fixed array; an open-addressing table (linear probing, backward-shift
 * deletion) finds a question's entry in O(1).  Eviction scans the array,
 * which is cheap at a thousand entries and only happens when it is full.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_map.h"
#include "kb/kb_unanswered.h"
#include "lib/cause.h"
#include "lib/file.h"

#define UN_EMPTY	UINT32_MAX

struct kb_unanswered {
	struct kb_unanswered_entry *e;
	size_t		 n, max;
	uint32_t	*slot;		/* entry index, or UN_EMPTY */
	size_t		 mask;
};

struct kb_unanswered *
kb_unanswered_new(size_t max)
{
	struct kb_unanswered *u;
	size_t size = 16, i;

	if (max == 0)
		max = KB_UNANSWERED_MAX;
	if (max > UINT32_MAX / 4)
		return NULL;
	while (size < 2 * max)
		size *= 2;
	u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->e = calloc(max, sizeof *u->e);
	u->slot = malloc(size * sizeof *u->slot);
	if (u->e == NULL || u->slot == NULL) {
		kb_unanswered_free(u);
		return NULL;
	}
	for (i = 0; i < size; i++)
		u->slot[i] = UN_EMPTY;
	u->max = max;
	u->mask = size - 1;
	return u;
}

void
kb_unanswered_free(struct kb_unanswered *u)
{
	if (u == NULL)
		return;
	free(u->e);
	free(u->slot);
	free(u);
}

void
kb_unanswered_clear(struct kb_unanswered *u)
{
	size_t i;

	for (i = 0; i <= u->mask; i++)
		u->slot[i] = UN_EMPTY;
	memset(u->e, 0, u->max * sizeof *u->e);
	u->n = 0;
}

size_t
kb_unanswered_count(const struct kb_unanswered *u)
{
	return u->n;
}

static size_t
un_home(const struct kb_unanswered *u, const char *text)
{
	return (size_t)kb_map_hash(text, strlen(text)) & u->mask;
}

/* The slot holding text, or the empty slot where it would go. */
static size_t
un_find(const struct kb_unanswered *u, const char *text)
{
	size_t i;

	for (i = un_home(u, text);; i = (i + 1) & u->mask) {
		if (u->slot[i] == UN_EMPTY ||
		    strcmp(u->e[u->slot[i]].text, text) == 0)
			return i;
	}
}

/* Empty slot i and move later entries of its probe run back. */
static void
un_unslot(struct kb_unanswered *u, size_t i)
{
	size_t j = i, home;

	for (;;) {
		u->slot[i] = UN_EMPTY;
		for (;;) {
			j = (j + 1) & u->mask;
			if (u->slot[j] == UN_EMPTY)
				return;
			home = un_home(u, u->e[u->slot[j]].text);
			/* j may move to i unless its home lies in (i, j]. */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		u->slot[i] = u->slot[j];
		i = j;
	}
}

/* Copy at most KB_UNANSWERED_TEXT bytes, cut at a character boundary. */
static void
un_copy(char *dst, const char *src, size_t len)
{
	if (len > KB_UNANSWERED_TEXT) {
		len = KB_UNANSWERED_TEXT;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Index of the entry to give up: fewest askings, then longest unseen. */
static size_t
un_victim(const struct kb_unanswered *u)
{
	size_t i, v = 0;

	for (i = 1; i < u->n; i++) {
		if (u->e[i].count < u->e[v].count ||
		    (u->e[i].count == u->e[v].count &&
		    u->e[i].last_seen < u->e[v].last_seen))
			v = i;
	}
	return v;
}

/* Put entry e (text set) in; it must not be present. */
static void
un_insert(struct kb_unanswered *u, const struct kb_unanswered_entry *e)
{
	size_t k;

	if (u->n < u->max)
		k = u->n++;
	else {
		k = un_victim(u);
		un_unslot(u, un_find(u, u->e[k].text));
	}
	u->e[k] = *e;
	u->slot[un_find(u, e->text)] = (uint32_t)k;
}

int
kb_unanswered_record(struct kb_unanswered *u, const char *text, time_t now)
{
	struct kb_unanswered_entry ne;
	struct kb_unanswered_entry *e;
	size_t i;

	if (text[0] == '\0')
		return KB_ERR_SCHEMA;
	un_copy(ne.text, text, strnlen(text, KB_UNANSWERED_TEXT + 1));
	i = un_find(u, ne.text);
	if (u->slot[i] != UN_EMPTY) {
		e = &u->e[u->slot[i]];
		if (e->count < UINT32_MAX)
			e->count++;
		if (now > e->last_seen)
			e->last_seen = now;
		if (e->state == KB_UNANSWERED_HANDLED && now > e->state_at)
			e->state = KB_UNANSWERED_OPEN;
		return 0;
	}
	ne.state = KB_UNANSWERED_OPEN;
	ne.state_at = 0;
	ne.count = 1;
	ne.first_seen = ne.last_seen = now;
	un_insert(u, &ne);
	return 0;
}

static const char *const un_states[] = {
	[KB_UNANSWERED_OPEN] = "open",
	[KB_UNANSWERED_IGNORED] = "ignored",
	[KB_UNANSWERED_HANDLED] = "handled",
};

const char *
kb_unanswered_state_name(enum kb_unanswered_state st)
{
	return (size_t)st < sizeof un_states / sizeof un_states[0] ?
	    un_states[st] : "open";
}

int
kb_unanswered_state_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof un_states / sizeof un_states[0];
	    i++)
		if (strcmp(s, un_states[i]) == 0)
			return (int)i;
	return -1;
}

/* The entry of text, or NULL with errno ENOENT. */
static struct kb_unanswered_entry *
un_held(struct kb_unanswered *u, const char *text)
{
	size_t i = un_find(u, text);

	if (strlen(text) > KB_UNANSWERED_TEXT || u->slot[i] == UN_EMPTY) {
		errno = ENOENT;
		return NULL;
	}
	return &u->e[u->slot[i]];
}

int
kb_unanswered_set_state(struct kb_unanswered *u, const char *text,
    enum kb_unanswered_state state, time_t now)
{
	struct kb_unanswered_entry *e = un_held(u, text);

	if (e == NULL)
		return KB_ERR_IO;
	e->state = state;
	e->state_at = now;
	return 0;
}

static int
un_cmp(const void *a, const void *b)
{
	const struct kb_unanswered_entry *x, *y;

	x = *(const struct kb_unanswered_entry *const *)a;
	y = *(const struct kb_unanswered_entry *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->last_seen != y->last_seen)
		return x->last_seen > y->last_seen ? -1 : 1;
	return strcmp(x->text, y->text);
}

size_t
kb_unanswered_sorted(const struct kb_unanswered *u,
    const struct kb_unanswered_entry **out, size_t max)
{
	const struct kb_unanswered_entry **all;
	size_t i, n;

	if (max >= u->n) {
		for (i = 0; i < u->n; i++)
			out[i] = &u->e[i];
		qsort(out, u->n, sizeof *out, un_cmp);
		return u->n;
	}
	all = malloc((u->n ? u->n : 1) * sizeof *all);
	if (all == NULL)
		return 0;
	for (i = 0; i < u->n; i++)
		all[i] = &u->e[i];
	qsort(all, u->n, sizeof *all, un_cmp);
	n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}

json_t *
kb_unanswered_json(const struct kb_unanswered *u, size_t limit)
{
	const struct kb_unanswered_entry **list;
	json_t *root = NULL, *arr, *q;
	size_t i, n;

	list = malloc((u->n ? u->n : 1) * sizeof *list);
	if (list == NULL)
		return NULL;
	n = kb_unanswered_sorted(u, list, u->n);
	if (limit != 0 && n > limit)
		n = limit;
	arr = json_array();
	if (arr == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		q = json_pack("{s:s, s:I, s:I, s:I, s:s}", "text",
		    list[i]->text, "count", (json_int_t)list[i]->count,
		    "first_seen", (json_int_t)list[i]->first_seen,
		    "last_seen", (json_int_t)list[i]->last_seen, "state",
		    kb_unanswered_state_name(list[i]->state));
		if (q != NULL && list[i]->state_at != 0)
			json_object_set_new(q, "state_at", json_integer(
			    (json_int_t)list[i]->state_at));
		if (q == NULL || json_array_append_new(arr, q) != 0) {
			json_decref(arr);
			goto out;
		}
	}
	root = json_pack("{s:i, s:o}", "version", 1, "questions", arr);
out:
	free(list);
	return root;
}

static int
un_int(json_t *q, const char *key, json_int_t min, json_int_t max,
    json_int_t *v)
{
	json_t *j;

	j = json_object_get(q, key);
	if (!json_is_integer(j))
		return 0;
	*v = json_integer_value(j);
	return *v >= min && *v <= max;
}

int
kb_unanswered_from_json(struct kb_unanswered *u, const json_t *root,
    const char *name, char **cause)
{
	struct kb_unanswered_entry ne;
	json_t *arr, *q, *t;
	json_int_t count, first, last, at;
	size_t i, n;
	int r, st;

	if (cause != NULL)
		*cause = NULL;
	kb_unanswered_clear(u);
	r = KB_ERR_SCHEMA;
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		cause_set(cause, "%s: not an unanswered-questions file "
		    "(version 1)", name);
		goto out;
	}
	arr = json_object_get(root, "questions");
	if (!json_is_array(arr)) {
		cause_set(cause, "%s: \"questions\" must be an array", name);
		goto out;
	}
	n = json_array_size(arr);
	/* The file is sorted most-asked first: keep the head. */
	if (n > u->max)
		n = u->max;
	for (i = 0; i < n; i++) {
		q = json_array_get(arr, i);
		t = json_object_get(q, "text");
		if (!json_is_object(q) || !json_is_string(t) ||
		    json_string_length(t) == 0 ||
		    json_string_length(t) > KB_UNANSWERED_TEXT ||
		    strlen(json_string_value(t)) != json_string_length(t)) {
			cause_set(cause, "%s: questions[%zu]: bad \"text\"",
			    name, i);
			goto out;
		}
		if (!un_int(q, "count", 1, UINT32_MAX, &count) ||
		    !un_int(q, "first_seen", 0, INT64_MAX, &first) ||
		    !un_int(q, "last_seen", first, INT64_MAX, &last)) {
			cause_set(cause, "%s: questions[%zu]: \"count\", "
			    "\"first_seen\" and \"last_seen\" must be "
			    "integers, count >= 1, first <= last", name, i);
			goto out;
		}
		un_copy(ne.text, json_string_value(t), json_string_length(t));
		if (u->slot[un_find(u, ne.text)] != UN_EMPTY) {
			cause_set(cause, "%s: questions[%zu]: repeated text",
			    name, i);
			goto out;
		}
		/* "state" and "state_at" are optional: older files lack them. */
		st = json_object_get(q, "state") == NULL ? KB_UNANSWERED_OPEN :
		    kb_unanswered_state_parse(json_string_value(
		    json_object_get(q, "state")));
		at = 0;
		if (st < 0 || (json_object_get(q, "state_at") != NULL &&
		    !un_int(q, "state_at", 0, INT64_MAX, &at))) {
			cause_set(cause, "%s: questions[%zu]: \"state\" must "
			    "be open, ignored or handled, \"state_at\" an "
			    "integer", name, i);
			goto out;
		}
		ne.count = (uint32_t)count;
		ne.first_seen = (time_t)first;
		ne.last_seen = (time_t)last;
		ne.state = (enum kb_unanswered_state)st;
		ne.state_at = (time_t)at;
		un_insert(u, &ne);
	}
	r = 0;
out:
	if (r != 0)
		kb_unanswered_clear(u);
	return r;
}

int
kb_unanswered_load(struct kb_unanswered *u, const char *path, char **cause)
{
	json_t *root = NULL;
	int r;

	if (cause != NULL)
		*cause = NULL;
	kb_unanswered_clear(u);
	r = file_read_json(path, KB_UNANSWERED_FILE_MAX, &root, cause);
	if (r == KB_OK && root != NULL)
		r = kb_unanswered_from_json(u, root, path, cause);
	json_decref(root);
	return r;
}

/*
 * Take the state change (state, at) when it is the later one; a reopened
 * question (open since the handled mark of the same second) stays open.
 * A handled question asked again after its mark is open again.
 */
static void
un_take_state(struct kb_unanswered_entry *e, enum kb_unanswered_state state,
    time_t at)
{
	if (at > e->state_at || (at == e->state_at &&
	    state == KB_UNANSWERED_OPEN)) {
		e->state = state;
		e->state_at = at;
	}
	if (e->state == KB_UNANSWERED_HANDLED && e->last_seen > e->state_at)
		e->state = KB_UNANSWERED_OPEN;
}

void
kb_unanswered_merge(struct kb_unanswered *dst,
    const struct kb_unanswered *src)
{
	const struct kb_unanswered_entry *se;
	struct kb_unanswered_entry *e;
	size_t i, k;

	for (i = 0; i < src->n; i++) {
		se = &src->e[i];
		k = un_find(dst, se->text);
		if (dst->slot[k] == UN_EMPTY) {
			un_insert(dst, se);
			continue;
		}
		e = &dst->e[dst->slot[k]];
		e->count = se->count > UINT32_MAX - e->count ? UINT32_MAX :
		    e->count + se->count;
		if (se->first_seen < e->first_seen)
			e->first_seen = se->first_seen;
		if (se->last_seen > e->last_seen)
			e->last_seen = se->last_seen;
		un_take_state(e, se->state, se->state_at);
	}
}

int
kb_unanswered_merge_state(struct kb_unanswered *u, const char *text,
    enum kb_unanswered_state state, time_t at)
{
	struct kb_unanswered_entry *e = un_held(u, text);

	if (e == NULL)
		return KB_ERR_IO;
	un_take_state(e, state, at);
	return 0;
}

struct kb_unanswered *
kb_unanswered_open(const char *path, char **cause)
{
	struct kb_unanswered *u;

	if (cause != NULL)
		*cause = NULL;
	u = kb_unanswered_new(0);
	if (u == NULL)
		return NULL;
	/* A refused file leaves u empty; the reason goes to the caller. */
	(void)kb_unanswered_load(u, path, cause);
	return u;
}

int
kb_unanswered_save(const struct kb_unanswered *u, const char *path,
    char **cause)
{
	json_t *root;
	char *text;
	int r;

	if (cause != NULL)
		*cause = NULL;
	root = kb_unanswered_json(u, 0);
	if (root == NULL) {
		cause_set(cause, "%s: out of memory", path);
		return KB_ERR_NOMEM;
	}
	text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	if (text == NULL) {
		cause_set(cause, "%s: out of memory", path);
		return KB_ERR_NOMEM;
	}
	r = file_write_atomic(path, text, strlen(text), 0600, cause);
	free(text);
	return r;
}
