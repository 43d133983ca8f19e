/*
 * admin_kb — the knowledge-base routes of the admin API: the file's
 * settings, items listed, searched, read, created, replaced and deleted,
 * reload, history and restore.  Writes build the new document and hand
 * it to admin_save().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "kb/kb_norm.h"

/* The kinds of value an item field may hold. */
enum admin_type {
	ADMIN_STRING,
	ADMIN_INTEGER,
	ADMIN_ARRAY,
	ADMIN_REPLY,		/* an object or an array */
};

/*
 * Check an item body before it is validated as part of the knowledge
 * base: fields of the wrong type are a 400, unknown fields a 422; the
 * fields the server keeps ("revision", "expired") and optional fields
 * set to null are dropped.  Returns 0, or -1 with res filled.
 */
static int
admin_item_shape(json_t *item, struct admin_result *res)
{
	static const struct {
		const char	*key;
		enum admin_type	 type;
		int		 required;
	} fields[] = {
		{ "id", ADMIN_STRING, 1 },
		{ "title", ADMIN_STRING, 1 },
		{ "keywords", ADMIN_ARRAY, 1 },
		{ "match", ADMIN_STRING, 0 },
		{ "priority", ADMIN_INTEGER, 0 },
		{ "menu_key", ADMIN_STRING, 0 },
		{ "menu_group", ADMIN_STRING, 0 },
		{ "menu_name", ADMIN_STRING, 0 },
		{ "reply", ADMIN_REPLY, 1 },
		{ "reply_mode", ADMIN_STRING, 0 },
		{ "source", ADMIN_STRING, 0 },
		{ "source_url", ADMIN_STRING, 0 },
		{ "updated", ADMIN_STRING, 0 },
		{ "valid_until", ADMIN_STRING, 0 },
		{ "period", ADMIN_STRING, 0 },
	};
	static const char *const names[] = {
		[ADMIN_STRING] = "a string",
		[ADMIN_INTEGER] = "an integer",
		[ADMIN_ARRAY] = "an array",
		[ADMIN_REPLY] = "a reply object or an array of them",
	};
	json_t *details, *v;
	const char *key;
	char line[160];
	size_t i;
	int ok;

	json_object_del(item, "revision");
	json_object_del(item, "expired");
	details = json_array();
	if (details == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		return -1;
	}
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		v = json_object_get(item, fields[i].key);
		if (v == NULL)
			continue;
		if (json_is_null(v) && !fields[i].required) {
			json_object_del(item, fields[i].key);
			continue;
		}
		switch (fields[i].type) {
		case ADMIN_STRING:
			ok = json_is_string(v);
			break;
		case ADMIN_INTEGER:
			ok = json_is_integer(v);
			break;
		case ADMIN_ARRAY:
			ok = json_is_array(v);
			break;
		default:
			ok = json_is_object(v) || json_is_array(v);
			break;
		}
		if (!ok) {
			snprintf(line, sizeof line, "%s: must be %s",
			    fields[i].key, names[fields[i].type]);
			json_array_append_new(details, json_string(line));
		}
	}
	if (json_array_size(details) > 0) {
		admin_errorf(res, 400, details, "a field has the wrong type");
		return -1;
	}
	json_object_foreach(item, key, v) {
		if (!kb_doc_item_key(key)) {
			snprintf(line, sizeof line, "unknown key \"%.64s\"",
			    key);
			json_array_append_new(details, json_string(line));
		}
	}
	if (json_array_size(details) > 0) {
		admin_errorf(res, 422, details, "the item has fields a "
		    "knowledge base does not know");
		return -1;
	}
	json_decref(details);
	return 0;
}

/* 1 when s is a usable item id ([a-z0-9-]{1,64}). */
static int
admin_valid_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > KB_MAX_ID)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* The synonym groups of doc, a new reference ([] when none). */
static json_t *
admin_synonyms(json_t *doc)
{
	json_t *j = json_object_get(doc, "synonyms");

	return j != NULL ? json_incref(j) : json_array();
}

/* GET /api/kb */
void
admin_kb_get(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb *kb;
	json_t *doc;
	int64_t rev;

	(void)req;
	(void)arg;
	if (admin_current(a, res) != 0)
		return;
	doc = a->cur.doc;
	rev = kb_doc_revision(doc);
	kb = dispatch_kb_acquire(a->dispatch);
	admin_etag(res, rev);
	admin_reply(res, 200, json_pack("{sIsIsO?sO?sO?sosI}", "revision",
	    (json_int_t)rev, "generation", (json_int_t)(kb != NULL ?
	    kb_generation(kb) : 0), "account", json_object_get(doc,
	    "account"), "welcome", json_object_get(doc, "welcome"),
	    "fallback", json_object_get(doc, "fallback"), "synonyms",
	    admin_synonyms(doc), "items",
	    (json_int_t)json_array_size(kb_doc_items(doc))));
	kb_unref(kb);
}

json_t *
admin_kb_settings(json_t *doc)
{
	return json_pack("{sIsO?sO?sO?so}", "revision",
	    (json_int_t)kb_doc_revision(doc), "account",
	    json_object_get(doc, "account"), "welcome",
	    json_object_get(doc, "welcome"), "fallback",
	    json_object_get(doc, "fallback"), "synonyms",
	    admin_synonyms(doc));
}

/* PUT /api/kb: the welcome and fallback replies, the synonym groups. */
void
admin_kb_put(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *body, *doc = NULL, *v, *cur;
	const char *key;
	int64_t want, rev;
	int changed = 0;

	(void)arg;
	body = admin_body(req, res);
	if (body == NULL)
		return;
	if (admin_need_match(req, res, &want) != 0 ||
	    admin_current(a, res) != 0)
		goto out;
	json_object_del(body, "revision");
	json_object_foreach(body, key, v) {
		if (strcmp(key, "synonyms") == 0) {
			/* Each group is checked by the loader (422). */
			if (!json_is_array(v)) {
				admin_errorf(res, 400, NULL, "synonyms: must be "
				    "an array of groups (arrays of strings)");
				goto out;
			}
			continue;
		}
		if (strcmp(key, "welcome") != 0 &&
		    strcmp(key, "fallback") != 0) {
			admin_errorf(res, 422, NULL, "unknown key \"%.64s\": "
			    "only welcome, fallback and synonyms can be set "
			    "here", key);
			goto out;
		}
		if (!json_is_object(v)) {
			admin_errorf(res, 400, NULL, "%s: must be a reply "
			    "object", key);
			goto out;
		}
	}
	rev = kb_doc_revision(a->cur.doc);
	if (want != rev) {
		admin_errorf(res, 412, json_pack("{so}", "current",
		    admin_kb_settings(a->cur.doc)),
		    "the knowledge base changed since revision %" PRId64
		    " (now %" PRId64 ")", want, rev);
		goto out;
	}
	json_object_foreach(body, key, v) {
		cur = strcmp(key, "synonyms") == 0 ? admin_synonyms(a->cur.doc) :
		    json_incref(json_object_get(a->cur.doc, key));
		if (!json_equal(v, cur))
			changed = 1;
		json_decref(cur);
	}
	if (!changed) {
		admin_etag(res, rev);
		admin_reply(res, 200, json_pack("{sI}", "revision",
		    (json_int_t)rev));
		goto out;
	}
	doc = json_deep_copy(a->cur.doc);
	if (doc == NULL || json_object_update(doc, body) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	/* No groups: the file goes without the key, as before it had one. */
	v = json_object_get(doc, "synonyms");
	if (v != NULL && json_array_size(v) == 0)
		json_object_del(doc, "synonyms");
	admin_entry(&what, admin_next_revision(a), req->now, "settings", NULL);
	(void)admin_save(a, doc, &what, rev, 200, 0, req->now, res);
out:
	json_decref(doc);
	json_decref(body);
}

/*
 * Split a search into at most ADMIN_MAX_WORDS normalized words (white space
 * and the ideographic space separate them) into words[], each malloc'ed.
 * Returns how many.
 */
static size_t
admin_words(const char *q, char **words)
{
	const char *p = q, *start;
	size_t n = 0, len;
	char *w;

	while (*p != '\0' && n < ADMIN_MAX_WORDS) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    strncmp(p, "\xe3\x80\x80", 3) == 0)
			p += *p == '\xe3' ? 3 : 1;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r' && strncmp(p, "\xe3\x80\x80", 3) != 0)
			p++;
		len = (size_t)(p - start);
		if (len == 0)
			break;
		w = malloc(len * 3 + 16);
		if (w == NULL)
			break;
		if (kb_norm(start, len, w, len * 3 + 16) == 0) {
			free(w);
			continue;
		}
		words[n++] = w;
	}
	return n;
}

/* GET /api/kb/items[?q=WORDS] */
void
admin_items_get(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	char q[ADMIN_MAX_PARAM + 1], *words[ADMIN_MAX_WORDS];
	json_t *out, *item, *it;
	size_t nwords = 0, i;
	int r;

	(void)arg;
	r = admin_param(req->query, "q", q, sizeof q);
	if (r < 0) {
		admin_errorf(res, 400, NULL, "q: badly encoded or longer than "
		    "%d bytes", ADMIN_MAX_PARAM);
		return;
	}
	if (admin_current(a, res) != 0)
		return;
	if (r == 1)
		nwords = admin_words(q, words);
	out = json_array();
	json_array_foreach(kb_doc_items(a->cur.doc), i, item) {
		r = kb_doc_item_search(item, (const char *const *)words,
		    nwords);
		if (r < 0 || out == NULL) {
			json_decref(out);
			out = NULL;
			break;
		}
		if (r == 1) {
			it = admin_item(item, req->now);
			if (it == NULL ||
			    json_array_append_new(out, it) != 0) {
				json_decref(out);
				out = NULL;
				break;
			}
		}
	}
	for (i = 0; i < nwords; i++)
		free(words[i]);
	if (out == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		return;
	}
	admin_etag(res, kb_doc_revision(a->cur.doc));
	admin_reply(res, 200, json_pack("{sIso}", "revision",
	    (json_int_t)kb_doc_revision(a->cur.doc), "items", out));
}

/*
 * An item posted without "id" gets "item-N", N the revision it is
 * created at (with "-2", "-3"... should that be taken): staff never have
 * to make up an id, and an id once used is not handed out again.
 */
static int
admin_new_id(struct admin_api *a, json_t *body, struct admin_result *res)
{
	char id[KB_MAX_ID + 1];
	int64_t n = admin_next_revision(a);
	int k;

	if (json_object_get(body, "id") != NULL)
		return 0;
	snprintf(id, sizeof id, "item-%" PRId64, n);
	for (k = 2; kb_doc_find(a->cur.doc, id, NULL) != NULL && k < 1000;
	    k++)
		snprintf(id, sizeof id, "item-%" PRId64 "-%d", n, k);
	if (json_object_set_new(body, "id", json_string(id)) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		return -1;
	}
	return 0;
}

/* POST /api/kb/items */
void
admin_items_post(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *body, *doc = NULL, *idj, *cur;
	const char *id;
	int64_t want, rev;

	(void)arg;
	body = admin_body(req, res);
	if (body == NULL)
		return;
	if (admin_need_match(req, res, &want) != 0 ||
	    admin_current(a, res) != 0 || admin_new_id(a, body, res) != 0 ||
	    admin_item_shape(body, res) != 0)
		goto out;
	rev = kb_doc_revision(a->cur.doc);
	idj = json_object_get(body, "id");
	id = json_is_string(idj) ? json_string_value(idj) : NULL;
	cur = id != NULL ? kb_doc_find(a->cur.doc, id, NULL) : NULL;
	if (cur != NULL) {
		admin_errorf(res, 409, admin_current_item(cur, req->now, rev),
		    "an item with the id \"%s\" exists already", id);
		goto out;
	}
	admin_entry(&what, admin_next_revision(a), req->now, "create", id);
	doc = json_deep_copy(a->cur.doc);
	if (doc == NULL || json_object_set_new(body, "revision",
	    json_integer(what.revision)) != 0 ||
	    json_array_append(kb_doc_items(doc), body) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	(void)admin_save(a, doc, &what, rev, 201, 1, req->now, res);
out:
	json_decref(doc);
	json_decref(body);
}

/* GET /api/kb/items/{id} */
void
admin_item_get(struct admin_api *a, const struct admin_request *req,
    const char *id, struct admin_result *res)
{
	json_t *item;

	if (admin_current(a, res) != 0)
		return;
	item = admin_valid_id(id) ? kb_doc_find(a->cur.doc, id, NULL) : NULL;
	if (item == NULL) {
		admin_errorf(res, 404, NULL, "no item \"%.64s\"", id);
		return;
	}
	admin_etag(res, kb_doc_item_revision(item));
	admin_reply(res, 200, json_pack("{sIso}", "revision",
	    (json_int_t)kb_doc_revision(a->cur.doc), "item",
	    admin_item(item, req->now)));
}

/*
 * The item id as it is now, if the write's If-Match still names its
 * revision: returns it (borrowed), or NULL with res filled (412 with the
 * current item or null, 404 for an id that cannot be).
 */
static json_t *
admin_item_unchanged(struct admin_api *a, const struct admin_request *req,
    const char *id, int64_t want, struct admin_result *res)
{
	json_t *item;
	int64_t rev = kb_doc_revision(a->cur.doc);

	if (!admin_valid_id(id)) {
		admin_errorf(res, 404, NULL, "no item \"%.64s\"", id);
		return NULL;
	}
	item = kb_doc_find(a->cur.doc, id, NULL);
	if (item == NULL) {
		admin_errorf(res, 412, admin_current_item(NULL, req->now, rev),
		    "the item \"%s\" was deleted (or never existed)", id);
		return NULL;
	}
	if (kb_doc_item_revision(item) != want) {
		admin_errorf(res, 412, admin_current_item(item, req->now, rev),
		    "the item \"%s\" changed since revision %" PRId64
		    " (now %" PRId64 ")", id, want,
		    kb_doc_item_revision(item));
		return NULL;
	}
	return item;
}

/* PUT /api/kb/items/{id} */
void
admin_item_put(struct admin_api *a, const struct admin_request *req,
    const char *id, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *body, *doc = NULL, *idj, *cur;
	int64_t want, rev;

	body = admin_body(req, res);
	if (body == NULL)
		return;
	if (admin_need_match(req, res, &want) != 0 ||
	    admin_item_shape(body, res) != 0)
		goto out;
	idj = json_object_get(body, "id");
	if (idj == NULL)
		json_object_set_new(body, "id", json_string(id));
	else if (strcmp(json_string_value(idj), id) != 0) {
		admin_errorf(res, 422, NULL, "id: \"%.64s\" is not the id in "
		    "the path (\"%.64s\"); to rename, create and delete",
		    json_string_value(idj), id);
		goto out;
	}
	if (admin_current(a, res) != 0)
		goto out;
	cur = admin_item_unchanged(a, req, id, want, res);
	if (cur == NULL)
		goto out;
	rev = kb_doc_revision(a->cur.doc);
	if (kb_doc_item_same(cur, body)) {
		/* Nothing to write: the answer a write would give. */
		admin_etag(res, kb_doc_item_revision(cur));
		admin_reply(res, 200, json_pack("{sIso}", "revision",
		    (json_int_t)rev, "item", admin_item(cur, req->now)));
		goto out;
	}
	admin_entry(&what, admin_next_revision(a), req->now, "update", id);
	doc = json_deep_copy(a->cur.doc);
	if (doc == NULL || json_object_set_new(body, "revision",
	    json_integer(what.revision)) != 0 ||
	    kb_doc_put(doc, json_incref(body)) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	(void)admin_save(a, doc, &what, rev, 200, 1, req->now, res);
out:
	json_decref(doc);
	json_decref(body);
}

/* DELETE /api/kb/items/{id} */
void
admin_item_delete(struct admin_api *a, const struct admin_request *req,
    const char *id, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *doc = NULL;
	int64_t want, rev;

	if (admin_need_match(req, res, &want) != 0 ||
	    admin_current(a, res) != 0 ||
	    admin_item_unchanged(a, req, id, want, res) == NULL)
		return;
	rev = kb_doc_revision(a->cur.doc);
	admin_entry(&what, admin_next_revision(a), req->now, "delete", id);
	doc = json_deep_copy(a->cur.doc);
	if (doc == NULL || kb_doc_delete(doc, id) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	(void)admin_save(a, doc, &what, rev, 200, 0, req->now, res);
out:
	json_decref(doc);
}

/* POST /api/kb/reload: the file as it is on disk, if it is valid. */
void
admin_reload(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb_diag diag;
	struct kb *kb = NULL;
	uint64_t gen;
	char *text;

	(void)req;
	(void)arg;
	memset(&diag, 0, sizeof diag);
	/* Validate first: the diagnostics go back to the admin. */
	if (kb_load_file(a->kb_path, 0, &kb, &diag) != KB_OK) {
		admin_errorf(res, 422, admin_diag_details(&diag, 0), "the "
		    "knowledge-base file is not valid; the served one stays");
		text = kb_diag_format(&diag, a->kb_path);
		admin_log_failure(res, "reload_failed", ADMIN_LOG_ERR,
		    "knowledge base not reloaded", text != NULL ? text :
		    "invalid");
		free(text);
		kb_diag_cleanup(&diag);
		return;
	}
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	admin_file_clear(&a->cur);
	if (a->reload(a->reload_arg, &gen) != 0) {
		admin_errorf(res, 500, NULL, "the knowledge base could not be "
		    "loaded; the served one stays (see the journal)");
		return;
	}
	admin_reply(res, 200, json_pack("{sI}", "generation", (json_int_t)gen));
}

/* GET /api/kb/history */
void
admin_history_get(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	json_t *j;

	(void)req;
	(void)arg;
	if (admin_current(a, res) != 0)
		return;
	j = kb_history_json(a->history, kb_doc_revision(a->cur.doc),
	    a->cur.st.st_mtime);
	if (j != NULL) {
		json_object_set_new(j, "revision",
		    json_integer(kb_doc_revision(a->cur.doc)));
		admin_history_titles(a, j);
	}
	admin_reply(res, 200, j);
}

/* "digits" into *rev; 1 when it is a revision. */
static int
admin_parse_revision(const char *s, int64_t *rev)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 16)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || s[i] != '\0' || v > KB_DOC_MAX_REVISION)
		return 0;
	*rev = v;
	return 1;
}

/*
 * Give the items of a restored document the revision at which they last
 * changed: their current one when they are as they are now, rev when not.
 */
static void
admin_stamp_restored(json_t *doc, json_t *current, int64_t rev)
{
	json_t *item, *idj, *now;
	size_t i;

	json_array_foreach(kb_doc_items(doc), i, item) {
		idj = json_object_get(item, "id");
		now = json_is_string(idj) ? kb_doc_find(current,
		    json_string_value(idj), NULL) : NULL;
		if (!json_is_object(item))
			continue;
		json_object_set_new(item, "revision", json_integer(
		    now != NULL && kb_doc_item_same(now, item) ?
		    kb_doc_item_revision(now) : rev));
	}
}

/* POST /api/kb/history/{revision}/restore */
void
admin_restore(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *doc = NULL;
	char *buf = NULL, *cause = NULL;
	int64_t from, want, rev;
	size_t len;
	int m;

	if (!admin_parse_revision(arg, &from)) {
		admin_errorf(res, 404, NULL, "no such version");
		return;
	}
	/* If-Match is optional here: with it, a stale page is refused. */
	m = admin_if_match(req->if_match, &want);
	if (m < 0) {
		admin_errorf(res, 400, NULL, "If-Match must be a revision "
		    "number");
		return;
	}
	if (admin_current(a, res) != 0)
		return;
	rev = kb_doc_revision(a->cur.doc);
	if (m == 1 && want != rev) {
		admin_errorf(res, 412, json_pack("{sI}", "revision",
		    (json_int_t)rev), "the knowledge base changed since "
		    "revision %" PRId64 " (now %" PRId64 ")", want, rev);
		return;
	}
	if (from == rev) {
		/* The live version already: nothing to write. */
		admin_etag(res, rev);
		admin_reply(res, 200, json_pack("{sI}", "revision",
		    (json_int_t)rev));
		return;
	}
	if (kb_history_read(a->history, from, &buf, &len, &cause) != 0) {
		if (errno == ENOENT)
			admin_errorf(res, 404, NULL, "revision %" PRId64 " is "
			    "not in the history", from);
		else
			admin_errorf(res, 500, admin_detail(cause), "revision %"
			    PRId64 " cannot be read", from);
		goto out;
	}
	free(cause);
	cause = NULL;
	doc = kb_doc_parse(buf, len, &cause);
	if (doc == NULL || kb_doc_items(doc) == NULL) {
		admin_errorf(res, 422, admin_detail(cause != NULL ? cause :
		    "items: missing"), "revision %" PRId64 " is not a usable "
		    "knowledge base", from);
		goto out;
	}
	admin_entry(&what, admin_next_revision(a), req->now, "restore", NULL);
	what.restored = from;
	admin_stamp_restored(doc, a->cur.doc, what.revision);
	(void)admin_save(a, doc, &what, rev, 200, 0, req->now, res);
out:
	json_decref(doc);
	free(buf);
	free(cause);
}
