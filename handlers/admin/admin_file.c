/*
 * admin_file — the knowledge-base file as the admin API sees it: the
 * cached copy of the live file, its revision, items as answered, and
 * the two halves of a write (validate; keep, save and serve), through
 * which every write goes alike (admin_save.c joins them).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "lib/file.h"

void
admin_file_clear(struct admin_file *f)
{
	free(f->buf);
	json_decref(f->doc);
	memset(f, 0, sizeof *f);
}

/*
 * Read the knowledge-base file unless the cached copy is still it.
 * Returns 0, or -1 with res filled.
 */
int
admin_current(struct admin_api *a, struct admin_result *res)
{
	struct stat st;
	char *buf = NULL, *cause = NULL;
	json_t *doc;
	size_t len;

	if (stat(a->kb_path, &st) == -1) {
		admin_errorf(res, 500, admin_detail(strerror(errno)),
		    "the knowledge-base file cannot be read");
		return -1;
	}
	if (a->cur.doc != NULL && st.st_dev == a->cur.st.st_dev &&
	    st.st_ino == a->cur.st.st_ino &&
	    st.st_size == a->cur.st.st_size &&
	    st.st_mtim.tv_sec == a->cur.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == a->cur.st.st_mtim.tv_nsec)
		return 0;
	admin_file_clear(&a->cur);
	if (file_read(a->kb_path, KB_MAX_FILE, &buf, &len, &cause) != 0) {
		admin_errorf(res, 500, admin_detail(cause),
		    "the knowledge-base file cannot be read");
		free(cause);
		return -1;
	}
	doc = kb_doc_parse(buf, len, &cause);
	if (doc == NULL || kb_doc_items(doc) == NULL) {
		admin_errorf(res, 500, admin_detail(cause != NULL ? cause :
		    "items: missing or not an array"), "the knowledge-base "
		    "file is not usable; fix it and reload");
		free(cause);
		free(buf);
		json_decref(doc);
		return -1;
	}
	a->cur.buf = buf;
	a->cur.len = len;
	a->cur.doc = doc;
	a->cur.st = st;
	return 0;
}

/* The revision a write makes: above the file's and the history's. */
int64_t
admin_next_revision(const struct admin_api *a)
{
	int64_t rev = kb_doc_revision(a->cur.doc), kept;

	kept = kb_history_max(a->history);
	return (kept > rev ? kept : rev) + 1;
}

/* An item as answered: with its "revision" and "expired" (new ref). */
json_t *
admin_item(json_t *item, time_t now)
{
	json_t *j = json_copy(item);

	if (j == NULL)
		return NULL;
	if (json_object_set_new(j, "revision",
	    json_integer(kb_doc_item_revision(item))) != 0 ||
	    json_object_set_new(j, "expired",
	    json_boolean(kb_doc_item_expired(item, now))) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* {"current": ITEM or null} for a 409 or 412. */
json_t *
admin_current_item(json_t *item, time_t now, int64_t kb_rev)
{
	return json_pack("{soso}", "revision", json_integer(kb_rev),
	    "current", item != NULL ? admin_item(item, now) : json_null());
}

/* One problem of a load, worded as `wxkbctl check` words it. */
json_t *
admin_diag_details(const struct kb_diag *d, int warnings)
{
	const struct kb_diag_entry *e;
	json_t *arr = json_array();
	char line[512];
	size_t i, more;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {
		e = &d->entries[i];
		if (e->warning != warnings)
			continue;
		if (e->line > 0)
			snprintf(line, sizeof line, "%d:%d: %s", e->line,
			    e->column, e->message);
		else if (e->item_id[0] != '\0')
			snprintf(line, sizeof line, "item %s: %s", e->item_id,
			    e->message);
		else
			snprintf(line, sizeof line, "%s", e->message);
		json_array_append_new(arr, json_string(line));
	}
	more = (warnings ? d->nwarnings : d->nerrors);
	if (more > json_array_size(arr)) {
		snprintf(line, sizeof line, "%zu more not shown",
		    more - json_array_size(arr));
		json_array_append_new(arr, json_string(line));
	}
	return arr;
}

/* 1 when f holds the bytes of the file at path (len of them). */
static int
admin_file_holds(const char *path, const char *text, size_t len)
{
	char *buf = NULL;
	size_t n;
	int same;

	if (file_read(path, KB_MAX_FILE, &buf, &n, NULL) != 0)
		return 0;
	same = n == len && memcmp(buf, text, len) == 0;
	free(buf);
	return same;
}

/*
 * The first half of a write: doc as revision what->revision, validated
 * exactly as `wxkbctl check`.  Returns 0 with the text to save (*text,
 * malloc'ed), the note to keep (what, by the request's person) and the
 * loader's warnings (a new array); or -1 with res filled (422, 500).
 */
int
admin_commit_prepare(struct admin_api *a, json_t *doc,
    const struct kb_history_entry *what, struct admin_result *res,
    char **text, size_t *len, struct kb_history_entry *note,
    json_t **warnings)
{
	struct kb_diag diag;
	struct kb *kb = NULL;

	*text = NULL;
	*warnings = NULL;
	*note = *what;
	snprintf(note->by, sizeof note->by, "%s", a->person);
	if (what->revision > KB_DOC_MAX_REVISION ||
	    kb_doc_set_revision(doc, what->revision) != 0) {
		admin_errorf(res, 500, NULL, "no revision left to give");
		return -1;
	}
	*text = kb_doc_dump(doc, len);
	if (*text == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		return -1;
	}
	memset(&diag, 0, sizeof diag);
	if (kb_load_buffer(*text, *len, 0, &kb, &diag) != KB_OK) {
		admin_errorf(res, 422, admin_diag_details(&diag, 0),
		    "the change would make the knowledge base invalid; "
		    "nothing was saved");
		kb_diag_cleanup(&diag);
		free(*text);
		*text = NULL;
		return -1;
	}
	kb_unref(kb);
	*warnings = admin_diag_details(&diag, 1);
	kb_diag_cleanup(&diag);
	return 0;
}

/*
 * The second half: keep the version a->cur holds with the note, replace
 * the file with text, and serve it.  Returns 0 with *generation, or -1
 * with res filled (507, 500) and the file and the generation as they
 * were.  a->cur is read afresh next.
 */
int
admin_commit_finish(struct admin_api *a, const char *text, size_t len,
    const struct kb_history_entry *note, struct admin_result *res,
    uint64_t *generation)
{
	char *cause = NULL;
	mode_t mode = a->cur.st.st_mode & 0777;
	int r = -1;

	if (kb_history_push(a->history, kb_doc_revision(a->cur.doc),
	    a->cur.buf, a->cur.len, a->cur.st.st_mtime, note, &cause) != 0) {
		admin_errorf(res, 507, admin_detail(cause),
		    "the change could not be saved: the previous version "
		    "cannot be kept in the state dir; the knowledge base is "
		    "unchanged");
		admin_log_failure(res, "kb_save_failed", ADMIN_LOG_WARNING,
		    "knowledge-base history not written, change refused",
		    cause);
		goto out;
	}
	if (mode == 0)
		mode = 0600;
	if (file_write_atomic(a->kb_path, text, len, mode, &cause) != 0) {
		/* Only a failed fsync of the directory leaves the new file. */
		if (admin_file_holds(a->kb_path, text, len))
			(void)file_write_atomic(a->kb_path, a->cur.buf,
			    a->cur.len, mode, NULL);
		admin_errorf(res, 507, admin_detail(cause),
		    "the change could not be saved; the knowledge base is "
		    "unchanged");
		admin_log_failure(res, "kb_save_failed", ADMIN_LOG_WARNING,
		    "knowledge base not written, change refused", cause);
		goto out;
	}
	if (a->reload(a->reload_arg, generation) != 0) {
		/* Put the old file back: file and generation must agree. */
		(void)file_write_atomic(a->kb_path, a->cur.buf, a->cur.len,
		    mode, NULL);
		admin_errorf(res, 500, NULL, "the change was saved but could "
		    "not be served, and was undone");
		admin_log_failure(res, "kb_save_failed", ADMIN_LOG_WARNING,
		    "new knowledge base not served, change undone",
		    "see the reload error");
		goto out;
	}
	r = 0;
out:
	/* Whatever happened, read the file afresh next time. */
	admin_file_clear(&a->cur);
	free(cause);
	return r;
}

/* A note for the history: what made revision rev. */
void
admin_entry(struct kb_history_entry *e, int64_t rev, time_t now,
    const char *action, const char *item)
{
	memset(e, 0, sizeof *e);
	e->revision = rev;
	e->saved = now;
	snprintf(e->action, sizeof e->action, "%s", action);
	snprintf(e->item, sizeof e->item, "%s", item != NULL ? item : "");
}

/* The answer to a write: revision, generation, warnings when any. */
json_t *
admin_written(int64_t rev, uint64_t generation, json_t *warnings)
{
	json_t *j;

	j = json_pack("{sIsI}", "revision", (json_int_t)rev, "generation",
	    (json_int_t)generation);
	if (j != NULL && json_array_size(warnings) > 0)
		json_object_set(j, "warnings", warnings);
	json_decref(warnings);
	return j;
}

/* As admin_written(), with the item written (stolen). */
json_t *
admin_written_item(int64_t rev, uint64_t generation, json_t *warnings,
    json_t *item)
{
	json_t *j = admin_written(rev, generation, warnings);

	if (j == NULL || item == NULL ||
	    json_object_set_new(j, "item", item) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}
