/*
 * cluster_kb_log — one change of the cluster's knowledge-base history:
 * written by the instance that saves, read by every other (see
 * cluster_kb_log.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/cluster_kb_log.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"

char *
cluster_kb_log_note(const struct kb_history_entry *note, int64_t old_rev,
    size_t *len)
{
	json_t *j;
	char *text, *out = NULL;

	j = kb_history_entry_json(note);
	if (j == NULL || json_object_set_new(j, "old",
	    json_integer(old_rev)) != 0) {
		json_decref(j);
		return NULL;
	}
	/* Compact: no newline inside, so the first one ends the note. */
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return NULL;
	if (asprintf(&out, "%" PRId64 "\n%s", note->revision, text) == -1)
		out = NULL;
	free(text);
	if (out != NULL)
		*len = strlen(out);
	return out;
}

/* The digits of s up to its first '\n' as a revision; -1 when not. */
static int64_t
cluster_kb_log_rev(const char *s, size_t len, size_t *used)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 16)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || i == len || s[i] != '\n' || v > KB_DOC_MAX_REVISION)
		return -1;
	*used = i + 1;
	return v;
}

int
cluster_kb_log_parse(const char *e, size_t len,
    struct kb_history_entry *note, int64_t *old_rev, const char **old,
    size_t *old_len)
{
	const char *nl;
	json_t *j, *o;
	size_t at;
	int64_t rev;
	int r = -1;

	rev = cluster_kb_log_rev(e, len, &at);
	if (rev <= 0)
		return -1;
	nl = memchr(e + at, '\n', len - at);
	if (nl == NULL || (size_t)(nl - e) > CLUSTER_KB_LOG_NOTE_MAX)
		return -1;
	j = json_loadb(e + at, (size_t)(nl - (e + at)),
	    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j) || kb_history_entry_parse(j, note) != 0 ||
	    note->revision != rev)
		goto out;
	o = json_object_get(j, "old");
	if (!json_is_integer(o) || json_integer_value(o) < 0 ||
	    json_integer_value(o) >= rev)
		goto out;
	*old_rev = json_integer_value(o);
	*old = nl + 1;
	*old_len = len - (size_t)(nl + 1 - e);
	if (*old_len == 0 || *old_len > KB_MAX_FILE)
		goto out;
	r = 0;
out:
	json_decref(j);
	return r;
}
