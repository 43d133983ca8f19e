/*
 * kb_snapshot — one instance's counts as one JSON document (see
 * kb_snapshot.h); the checks are those of the state files.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_snapshot.h"
#include "lib/cause.h"

char *
kb_snapshot_dump(json_t *stats, json_t *unanswered, size_t *len)
{
	json_t *root;
	char *s;

	root = json_pack("{s:i, s:O, s:O}", "version", 1, "stats", stats,
	    "unanswered", unanswered);
	s = root != NULL ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	json_decref(root);
	if (s == NULL)
		return NULL;
	*len = strlen(s);
	if (*len > KB_SNAPSHOT_MAX) {
		free(s);
		return NULL;
	}
	return s;
}

int
kb_snapshot_parse(const char *buf, size_t len, const char *name,
    struct kb_stats **stats, struct kb_unanswered **unanswered,
    char **cause)
{
	json_error_t jerr;
	json_t *root = NULL;
	int r;

	*stats = NULL;
	*unanswered = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (len > KB_SNAPSHOT_MAX) {
		cause_set(cause, "%s: %zu bytes, more than %d", name, len,
		    KB_SNAPSHOT_MAX);
		return KB_ERR_TOOBIG;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		cause_set(cause, "%s: not JSON (%s at byte %d)", name,
		    jerr.text, jerr.position);
		return KB_ERR_SYNTAX;
	}
	r = KB_ERR_SCHEMA;
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		cause_set(cause, "%s: not a snapshot (version 1)", name);
		goto out;
	}
	*stats = kb_stats_new();
	*unanswered = kb_unanswered_new(0);
	if (*stats == NULL || *unanswered == NULL) {
		r = KB_ERR_NOMEM;
		cause_set(cause, "%s: out of memory", name);
		goto out;
	}
	r = kb_stats_from_json(*stats, json_object_get(root, "stats"), name,
	    cause);
	if (r == 0)
		r = kb_unanswered_from_json(*unanswered, json_object_get(root,
		    "unanswered"), name, cause);
out:
	if (r != 0) {
		kb_stats_free(*stats);
		kb_unanswered_free(*unanswered);
		*stats = NULL;
		*unanswered = NULL;
	}
	json_decref(root);
	return r;
}
