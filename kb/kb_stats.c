/*
 * kb_stats — item hits in an open-addressing table, day counts in a
 * sorted array; both bounded, both saved as one JSON file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_stats.h"
#include "lib/cause.h"
#include "lib/file.h"

struct st_item {
	char		 id[KB_MAX_ID + 1];
	uint64_t	 hits;
};

struct kb_stats {
	struct st_item	*items;
	size_t		 nitems, cap;
	uint32_t	*slot;		/* item index + 1; 0 is empty */
	size_t		 nslots;	/* a power of two, > 2 * cap */
	struct kb_stats_day days[KB_STATS_DAYS];	/* date ascending */
	size_t		 ndays;
};

static uint32_t
st_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int
st_valid_id(const char *s, size_t len)
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

/* The slot holding id, or the empty slot where it would go. */
static size_t
st_slot(const struct kb_stats *s, const char *id)
{
	size_t mask = s->nslots - 1, i = st_hash(id) & mask;

	while (s->slot[i] != 0 &&
	    strcmp(s->items[s->slot[i] - 1].id, id) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Rebuild the table for the items held, with room for cap of them. */
static int
st_rehash(struct kb_stats *s, size_t cap)
{
	struct st_item *items;
	uint32_t *slot;
	size_t nslots = 16, i;

	while (nslots <= 2 * cap)
		nslots *= 2;
	if (cap != s->cap) {
		items = realloc(s->items, cap * sizeof *items);
		if (items == NULL)
			return KB_ERR_NOMEM;
		s->items = items;
		s->cap = cap;
	}
	slot = calloc(nslots, sizeof *slot);
	if (slot == NULL)
		return KB_ERR_NOMEM;
	free(s->slot);
	s->slot = slot;
	s->nslots = nslots;
	for (i = 0; i < s->nitems; i++)
		s->slot[st_slot(s, s->items[i].id)] = (uint32_t)(i + 1);
	return 0;
}

struct kb_stats *
kb_stats_new(void)
{
	struct kb_stats *s;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	if (st_rehash(s, 64) != 0) {
		kb_stats_free(s);
		return NULL;
	}
	return s;
}

void
kb_stats_free(struct kb_stats *s)
{
	if (s == NULL)
		return;
	free(s->items);
	free(s->slot);
	free(s);
}

static void
st_clear(struct kb_stats *s)
{
	s->nitems = 0;
	memset(s->slot, 0, s->nslots * sizeof *s->slot);
	s->ndays = 0;
}

/* The day "date" (creating it unless it is older than all when full). */
static struct kb_stats_day *
st_day(struct kb_stats *s, const char *date)
{
	size_t i;

	if (s->ndays > 0 && strcmp(s->days[s->ndays - 1].date, date) == 0)
		return &s->days[s->ndays - 1];
	for (i = s->ndays; i > 0 && strcmp(s->days[i - 1].date, date) > 0;
	    i--)
		;
	if (i > 0 && strcmp(s->days[i - 1].date, date) == 0)
		return &s->days[i - 1];
	if (s->ndays == KB_STATS_DAYS) {
		if (i == 0)
			return NULL;
		/* The oldest day falls out. */
		memmove(&s->days[0], &s->days[1],
		    (s->ndays - 1) * sizeof s->days[0]);
		i--;
		s->ndays--;
	}
	memmove(&s->days[i + 1], &s->days[i],
	    (s->ndays - i) * sizeof s->days[0]);
	memset(&s->days[i], 0, sizeof s->days[i]);
	snprintf(s->days[i].date, sizeof s->days[i].date, "%s", date);
	s->ndays++;
	return &s->days[i];
}

void
kb_stats_question(struct kb_stats *s, enum kb_stats_outcome o, time_t now)
{
	struct kb_stats_day *d;
	struct tm tm;
	char date[16];

	if (localtime_r(&now, &tm) == NULL)
		return;
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	d = st_day(s, date);
	if (d == NULL)
		return;
	switch (o) {
	case KB_STATS_ANSWERED:
		d->answered++;
		break;
	case KB_STATS_SUGGESTED:
		d->suggested++;
		break;
	case KB_STATS_UNANSWERED:
		d->unanswered++;
		break;
	}
}

/* a + b, held at INT64_MAX so that it stays a JSON integer. */
static uint64_t
st_sum(uint64_t a, uint64_t b)
{
	return a > (uint64_t)INT64_MAX - b ? (uint64_t)INT64_MAX : a + b;
}

/* Add n (at most INT64_MAX) hits to id. */
static int
st_add(struct kb_stats *s, const char *id, uint64_t n)
{
	size_t i, least;
	int r;

	if (!st_valid_id(id, strlen(id)))
		return KB_ERR_SCHEMA;
	i = st_slot(s, id);
	if (s->slot[i] != 0) {
		s->items[s->slot[i] - 1].hits = st_sum(
		    s->items[s->slot[i] - 1].hits, n);
		return 0;
	}
	if (s->nitems == KB_STATS_ITEMS) {
		/* Full: the least-served item makes room. */
		least = 0;
		for (i = 1; i < s->nitems; i++) {
			if (s->items[i].hits < s->items[least].hits)
				least = i;
		}
		snprintf(s->items[least].id, sizeof s->items[least].id, "%s",
		    id);
		s->items[least].hits = n;
		return st_rehash(s, s->cap);
	}
	if (s->nitems == s->cap) {
		r = st_rehash(s, s->cap * 2 > KB_STATS_ITEMS ? KB_STATS_ITEMS :
		    s->cap * 2);
		if (r != 0)
			return r;
		i = st_slot(s, id);
	}
	snprintf(s->items[s->nitems].id, sizeof s->items[s->nitems].id,
	    "%s", id);
	s->items[s->nitems].hits = n;
	s->nitems++;
	s->slot[i] = (uint32_t)s->nitems;
	return 0;
}

int
kb_stats_hit(struct kb_stats *s, const char *id)
{
	return st_add(s, id, 1);
}

uint64_t
kb_stats_hits(const struct kb_stats *s, const char *id)
{
	size_t i;

	if (!st_valid_id(id, strlen(id)))
		return 0;
	i = st_slot(s, id);
	return s->slot[i] != 0 ? s->items[s->slot[i] - 1].hits : 0;
}

int
kb_stats_day(const struct kb_stats *s, const char *date,
    struct kb_stats_day *day)
{
	size_t i;

	memset(day, 0, sizeof *day);
	snprintf(day->date, sizeof day->date, "%.10s", date);
	for (i = 0; i < s->ndays; i++) {
		if (strcmp(s->days[i].date, date) == 0) {
			*day = s->days[i];
			return 1;
		}
	}
	return 0;
}

static int
st_cmp_hits(const void *a, const void *b)
{
	const struct st_item *x = *(const struct st_item *const *)a;
	const struct st_item *y = *(const struct st_item *const *)b;

	if (x->hits != y->hits)
		return x->hits < y->hits ? 1 : -1;
	return strcmp(x->id, y->id);
}

json_t *
kb_stats_json(const struct kb_stats *s)
{
	const struct st_item **order = NULL;
	const struct kb_stats_day *d;
	json_t *root, *items, *days, *v;
	size_t i;

	root = json_object();
	items = json_array();
	days = json_array();
	if (root == NULL || items == NULL || days == NULL ||
	    json_object_set_new(root, "version", json_integer(1)) != 0 ||
	    json_object_set(root, "items", items) != 0 ||
	    json_object_set(root, "days", days) != 0)
		goto fail;
	order = malloc((s->nitems + 1) * sizeof *order);
	if (order == NULL)
		goto fail;
	for (i = 0; i < s->nitems; i++)
		order[i] = &s->items[i];
	qsort(order, s->nitems, sizeof *order, st_cmp_hits);
	for (i = 0; i < s->nitems; i++) {
		v = json_pack("{sssI}", "id", order[i]->id, "hits",
		    (json_int_t)order[i]->hits);
		if (json_array_append_new(items, v) != 0)
			goto fail;
	}
	for (i = 0; i < s->ndays; i++) {
		d = &s->days[i];
		v = json_pack("{sssIsIsI}", "date", d->date, "answered",
		    (json_int_t)d->answered, "suggested",
		    (json_int_t)d->suggested, "unanswered",
		    (json_int_t)d->unanswered);
		if (json_array_append_new(days, v) != 0)
			goto fail;
	}
	free(order);
	json_decref(items);
	json_decref(days);
	return root;
fail:
	free(order);
	json_decref(items);
	json_decref(days);
	json_decref(root);
	return NULL;
}

/* The integer member key of o, from 0 on, into *v; 1 when it is one. */
static int
st_count(const json_t *o, const char *key, uint64_t *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return 0;
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

/* 1 when s is "YYYY-MM-DD" in digits. */
static int
st_date_shape(const char *s)
{
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	return 1;
}

int
kb_stats_from_json(struct kb_stats *s, const json_t *root, const char *name,
    char **cause)
{
	struct kb_stats_day nd, seen, *d;
	json_t *arr, *v, *j;
	uint64_t hits;
	size_t i;
	int r = KB_ERR_SCHEMA;

	if (cause != NULL)
		*cause = NULL;
	st_clear(s);
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		cause_set(cause, "%s: not a statistics file (version 1)", name);
		goto out;
	}
	arr = json_object_get(root, "items");
	if (json_array_size(arr) > KB_STATS_ITEMS ||
	    json_array_size(json_object_get(root, "days")) > KB_STATS_DAYS) {
		cause_set(cause, "%s: more items or days than are kept", name);
		goto out;
	}
	json_array_foreach(arr, i, v) {
		j = json_object_get(v, "id");
		if (!json_is_string(j) || !st_valid_id(json_string_value(j),
		    json_string_length(j)) || !st_count(v, "hits", &hits) ||
		    kb_stats_hits(s, json_string_value(j)) != 0) {
			cause_set(cause, "%s: items[%zu] is malformed", name, i);
			goto out;
		}
		if (st_add(s, json_string_value(j), hits) != 0) {
			r = KB_ERR_NOMEM;
			cause_set(cause, "%s: out of memory", name);
			goto out;
		}
	}
	arr = json_object_get(root, "days");
	json_array_foreach(arr, i, v) {
		memset(&nd, 0, sizeof nd);
		j = json_object_get(v, "date");
		if (!json_is_string(j) || !st_date_shape(json_string_value(j))
		    || !st_count(v, "answered", &nd.answered) ||
		    !st_count(v, "suggested", &nd.suggested) ||
		    !st_count(v, "unanswered", &nd.unanswered) ||
		    kb_stats_day(s, json_string_value(j), &seen) != 0) {
			cause_set(cause, "%s: days[%zu] is malformed or "
			    "repeated", name, i);
			goto out;
		}
		d = st_day(s, json_string_value(j));
		if (d != NULL) {
			d->answered = nd.answered;
			d->suggested = nd.suggested;
			d->unanswered = nd.unanswered;
		}
	}
	r = 0;
out:
	if (r != 0)
		st_clear(s);
	return r;
}

int
kb_stats_load(struct kb_stats *s, const char *path, char **cause)
{
	json_t *root = NULL;
	int r;

	if (cause != NULL)
		*cause = NULL;
	st_clear(s);
	r = file_read_json(path, KB_STATS_FILE_MAX, &root, cause);
	if (r == KB_OK && root != NULL)
		r = kb_stats_from_json(s, root, path, cause);
	json_decref(root);
	return r;
}

int
kb_stats_add(struct kb_stats *dst, const struct kb_stats *src)
{
	struct kb_stats_day *d;
	size_t i;
	int r;

	for (i = 0; i < src->nitems; i++) {
		r = st_add(dst, src->items[i].id, src->items[i].hits);
		if (r != 0)
			return r;
	}
	for (i = 0; i < src->ndays; i++) {
		d = st_day(dst, src->days[i].date);
		if (d == NULL)
			continue;	/* older than all the days kept */
		d->answered = st_sum(d->answered, src->days[i].answered);
		d->suggested = st_sum(d->suggested, src->days[i].suggested);
		d->unanswered = st_sum(d->unanswered,
		    src->days[i].unanswered);
	}
	return 0;
}

struct kb_stats *
kb_stats_open(const char *path, char **cause)
{
	struct kb_stats *s;

	if (cause != NULL)
		*cause = NULL;
	s = kb_stats_new();
	if (s == NULL)
		return NULL;
	/* A refused file leaves s empty; the reason goes to the caller. */
	(void)kb_stats_load(s, path, cause);
	return s;
}

int
kb_stats_save(const struct kb_stats *s, const char *path, char **cause)
{
	json_t *root;
	char *text;
	int r;

	if (cause != NULL)
		*cause = NULL;
	root = kb_stats_json(s);
	text = root != NULL ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	if (text == NULL) {
		cause_set(cause, "%s: out of memory", path);
		return KB_ERR_NOMEM;
	}
	r = file_write_atomic(path, text, strlen(text), 0600, cause);
	free(text);
	return r;
}
