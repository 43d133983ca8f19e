/*
 * kb_history — kept versions of the knowledge base and their index.  The
 * directory listing says which versions are kept; the index only says how
 * each came to be, so a version whose index entry is lost is still listed
 * and can be restored.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "lib/cause.h"
#include "lib/file.h"

/* Index entries kept: the kept versions and the live one, with room. */
#define HI_ENTRIES	(KB_HISTORY_KEEP + 14)

struct kb_history {
	char			*dir;		/* STATE_DIR/history */
	char			*index_path;
	struct kb_history_entry	 e[HI_ENTRIES];	/* by revision, ascending */
	size_t			 n;
};

static const char *const hi_actions[] = {
	"create", "update", "delete", "settings", "restore", "file", NULL
};

static int
hi_action_known(const char *s)
{
	size_t i;

	for (i = 0; hi_actions[i] != NULL; i++) {
		if (strcmp(s, hi_actions[i]) == 0)
			return 1;
	}
	return 0;
}

/* The position of the entry for rev, or h->n when there is none. */
static size_t
hi_find(const struct kb_history *h, int64_t rev)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (h->e[i].revision == rev)
			break;
	}
	return i;
}

/* Add or replace e, keeping the order; the oldest falls out when full. */
static void
hi_note(struct kb_history *h, const struct kb_history_entry *e)
{
	size_t i = hi_find(h, e->revision);

	if (i < h->n) {
		h->e[i] = *e;
		return;
	}
	if (h->n == HI_ENTRIES) {
		if (e->revision < h->e[0].revision)
			return;
		memmove(&h->e[0], &h->e[1], (h->n - 1) * sizeof h->e[0]);
		h->n--;
	}
	for (i = h->n; i > 0 && h->e[i - 1].revision > e->revision; i--)
		h->e[i] = h->e[i - 1];
	h->e[i] = *e;
	h->n++;
}

/* "kb-<digits>.json" into *rev; 1 when name has that form. */
static int
hi_name_rev(const char *name, int64_t *rev)
{
	const char *p;
	int64_t v = 0;

	if (strncmp(name, "kb-", 3) != 0)
		return 0;
	for (p = name + 3; *p >= '0' && *p <= '9'; p++) {
		if (p - name > 3 + 16)
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (p == name + 3 || strcmp(p, ".json") != 0 ||
	    v > KB_DOC_MAX_REVISION)
		return 0;
	*rev = v;
	return 1;
}

static int
hi_cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The kept revisions, newest first, into a malloc'ed array (*n of them);
 * an absent directory is none.  NULL with *n 0 when none or out of memory.
 */
static int64_t *
hi_scan(const struct kb_history *h, size_t *n)
{
	struct dirent *de;
	int64_t *revs = NULL, *nr, rev;
	size_t cap = 0;
	DIR *d;

	*n = 0;
	d = opendir(h->dir);
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (!hi_name_rev(de->d_name, &rev))
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			nr = realloc(revs, cap * sizeof *revs);
			if (nr == NULL)
				break;
			revs = nr;
		}
		revs[(*n)++] = rev;
	}
	closedir(d);
	if (revs != NULL)
		qsort(revs, *n, sizeof *revs, hi_cmp_desc);
	return revs;
}

static void
hi_version_path(const struct kb_history *h, int64_t rev, char *buf,
    size_t size)
{
	snprintf(buf, size, "%s/kb-%" PRId64 ".json", h->dir, rev);
}

int
kb_history_entry_parse(const json_t *v, struct kb_history_entry *e)
{
	const json_t *j;

	memset(e, 0, sizeof *e);
	j = json_object_get(v, "revision");
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > KB_DOC_MAX_REVISION)
		return -1;
	e->revision = json_integer_value(j);
	j = json_object_get(v, "saved");
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	e->saved = (time_t)json_integer_value(j);
	j = json_object_get(v, "action");
	if (!json_is_string(j) || !hi_action_known(json_string_value(j)))
		return -1;
	snprintf(e->action, sizeof e->action, "%s", json_string_value(j));
	j = json_object_get(v, "item");
	if (json_is_string(j) && json_string_length(j) <= KB_MAX_ID)
		snprintf(e->item, sizeof e->item, "%s", json_string_value(j));
	j = json_object_get(v, "by");
	if (json_is_string(j) && json_string_length(j) <= KB_HISTORY_BY_MAX)
		snprintf(e->by, sizeof e->by, "%s", json_string_value(j));
	j = json_object_get(v, "restored");
	if (json_is_integer(j) && json_integer_value(j) >= 0 &&
	    json_integer_value(j) <= KB_DOC_MAX_REVISION)
		e->restored = json_integer_value(j);
	return 0;
}

json_t *
kb_history_entry_json(const struct kb_history_entry *e)
{
	json_t *v;

	v = json_pack("{sIsIss}", "revision", (json_int_t)e->revision,
	    "saved", (json_int_t)e->saved, "action", e->action);
	if (v == NULL)
		return NULL;
	if ((e->item[0] != '\0' && json_object_set_new(v, "item",
	    json_string(e->item)) != 0) || (e->restored != 0 &&
	    json_object_set_new(v, "restored",
	    json_integer(e->restored)) != 0) ||
	    (e->by[0] != '\0' && json_object_set_new(v, "by",
	    json_string(e->by)) != 0)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static int
hi_load_index(struct kb_history *h, char **cause)
{
	struct kb_history_entry e;
	json_t *root = NULL, *arr, *v;
	size_t i;
	int r;

	r = file_read_json(h->index_path, KB_HISTORY_INDEX_MAX, &root,
	    cause);
	if (r != KB_OK || root == NULL)
		goto out;
	r = KB_ERR_SCHEMA;
	arr = json_object_get(root, "versions");
	if (!json_is_array(arr)) {
		cause_set(cause, "%s: not a history index", h->index_path);
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (kb_history_entry_parse(v, &e) != 0)
			goto bad;
		hi_note(h, &e);
	}
	r = 0;
	goto out;
bad:
	cause_set(cause, "%s: versions[%zu] is malformed", h->index_path, i);
	h->n = 0;
out:
	json_decref(root);
	return r;
}

/*
 * Remove the temporary files of saves that were killed half-way (the
 * directory is this history's alone).
 */
static void
hi_sweep(const struct kb_history *h)
{
	struct dirent *de;
	DIR *d;

	d = opendir(h->dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".kb-", 4) == 0 ||
		    strncmp(de->d_name, ".index.json.", 12) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

struct kb_history *
kb_history_open(const char *state_dir, char **cause)
{
	struct kb_history *h;

	if (cause != NULL)
		*cause = NULL;
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	if (asprintf(&h->dir, "%s/%s", state_dir, KB_HISTORY_DIR) == -1) {
		h->dir = NULL;
		goto fail;
	}
	if (asprintf(&h->index_path, "%s/index.json", h->dir) == -1) {
		h->index_path = NULL;
		goto fail;
	}
	hi_sweep(h);
	/* An unreadable index leaves the history nameless, not lost. */
	(void)hi_load_index(h, cause);
	return h;
fail:
	kb_history_free(h);
	return NULL;
}

void
kb_history_free(struct kb_history *h)
{
	if (h == NULL)
		return;
	free(h->dir);
	free(h->index_path);
	free(h);
}

int64_t
kb_history_max(const struct kb_history *h)
{
	int64_t *revs, max = 0;
	size_t n;

	revs = hi_scan(h, &n);
	if (n > 0)
		max = revs[0];
	free(revs);
	if (h->n > 0 && h->e[h->n - 1].revision > max)
		max = h->e[h->n - 1].revision;
	return max;
}

static json_t *
hi_index_json(const struct kb_history *h)
{
	json_t *root, *arr, *v;
	size_t i;

	root = json_object();
	arr = json_array();
	if (root == NULL || arr == NULL ||
	    json_object_set_new(root, "version", json_integer(1)) != 0 ||
	    json_object_set(root, "versions", arr) != 0)
		goto fail;
	for (i = 0; i < h->n; i++) {
		v = kb_history_entry_json(&h->e[i]);
		if (v == NULL || json_array_append_new(arr, v) != 0)
			goto fail;
	}
	json_decref(arr);
	return root;
fail:
	json_decref(arr);
	json_decref(root);
	return NULL;
}

/* Drop the versions beyond the newest KB_HISTORY_KEEP, and their notes. */
static void
hi_prune(struct kb_history *h)
{
	char path[4096];
	int64_t *revs, oldest;
	size_t n, i, k;

	revs = hi_scan(h, &n);
	for (i = KB_HISTORY_KEEP; i < n; i++) {
		hi_version_path(h, revs[i], path, sizeof path);
		(void)unlink(path);
	}
	if (n >= KB_HISTORY_KEEP) {
		oldest = revs[KB_HISTORY_KEEP - 1];
		for (i = k = 0; i < h->n; i++) {
			if (h->e[i].revision >= oldest)
				h->e[k++] = h->e[i];
		}
		h->n = k;
	}
	free(revs);
}

int
kb_history_push(struct kb_history *h, int64_t old_rev, const char *old,
    size_t len, time_t old_saved, const struct kb_history_entry *next,
    char **cause)
{
	struct kb_history_entry prev;
	json_t *idx;
	char path[4096], *text;
	int r;

	if (cause != NULL)
		*cause = NULL;
	if (mkdir(h->dir, 0700) == -1 && errno != EEXIST) {
		cause_set(cause, "create %s: %s", h->dir, errno == ENOSPC ?
		    "no space left on the device (disk full)" :
		    strerror(errno));
		return KB_ERR_IO;
	}
	hi_version_path(h, old_rev, path, sizeof path);
	r = file_write_atomic(path, old, len, 0600, cause);
	if (r != 0)
		return r;
	/* A version the API did not make gets a note of its own. */
	if (hi_find(h, old_rev) == h->n) {
		memset(&prev, 0, sizeof prev);
		prev.revision = old_rev;
		prev.saved = old_saved;
		snprintf(prev.action, sizeof prev.action, "file");
		hi_note(h, &prev);
	}
	hi_note(h, next);
	hi_prune(h);
	idx = hi_index_json(h);
	text = idx != NULL ? json_dumps(idx, JSON_INDENT(1)) : NULL;
	json_decref(idx);
	if (text == NULL) {
		cause_set(cause, "%s: out of memory", h->index_path);
		return KB_ERR_NOMEM;
	}
	r = file_write_atomic(h->index_path, text, strlen(text), 0600,
	    cause);
	free(text);
	return r;
}

/* One version of the list; e NULL: one the index knows nothing of. */
static json_t *
hi_version_json(const struct kb_history_entry *e, int64_t rev, time_t saved,
    int current)
{
	struct kb_history_entry none;
	struct tm tm;
	char when[32];
	json_t *v;

	if (e == NULL) {
		memset(&none, 0, sizeof none);
		none.revision = rev;
		none.saved = saved;
		snprintf(none.action, sizeof none.action, "file");
		e = &none;
	}
	v = json_pack("{sIsssb}", "revision", (json_int_t)e->revision,
	    "action", e->action, "current", current);
	if (v == NULL)
		return NULL;
	if (e->saved > 0 && gmtime_r(&e->saved, &tm) != NULL) {
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json_object_set_new(v, "saved", json_string(when)) != 0)
			goto fail;
	} else if (json_object_set_new(v, "saved", json_null()) != 0)
		goto fail;
	if (json_object_set_new(v, "item", e->item[0] != '\0' ?
	    json_string(e->item) : json_null()) != 0)
		goto fail;
	if (e->restored != 0 && json_object_set_new(v, "restored",
	    json_integer(e->restored)) != 0)
		goto fail;
	if (e->by[0] != '\0' && json_object_set_new(v, "by",
	    json_string(e->by)) != 0)
		goto fail;
	return v;
fail:
	json_decref(v);
	return NULL;
}

json_t *
kb_history_json(const struct kb_history *h, int64_t current,
    time_t current_saved)
{
	json_t *root, *arr;
	int64_t *revs;
	size_t n, i, k;

	revs = hi_scan(h, &n);
	root = json_object();
	arr = json_array();
	if (root == NULL || arr == NULL ||
	    json_object_set(root, "versions", arr) != 0)
		goto fail;
	if (current >= 0) {
		k = hi_find(h, current);
		if (json_array_append_new(arr, hi_version_json(k < h->n ?
		    &h->e[k] : NULL, current, current_saved, 1)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		/* A copy of the live version (a save that failed after). */
		if (revs[i] == current)
			continue;
		k = hi_find(h, revs[i]);
		if (json_array_append_new(arr, hi_version_json(k < h->n ?
		    &h->e[k] : NULL, revs[i], 0, 0)) != 0)
			goto fail;
	}
	free(revs);
	json_decref(arr);
	return root;
fail:
	free(revs);
	json_decref(arr);
	json_decref(root);
	return NULL;
}

int
kb_history_read(const struct kb_history *h, int64_t rev, char **buf,
    size_t *len, char **cause)
{
	char path[4096];

	hi_version_path(h, rev, path, sizeof path);
	return file_read(path, KB_MAX_FILE, buf, len, cause);
}
