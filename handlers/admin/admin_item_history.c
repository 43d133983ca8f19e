/*
 * admin_item_history — one item through the kept versions of the
 * knowledge base (docs/admin-api.md): GET /api/kb/items/{id}/history
 * lists what the item was after each change to it, and POST
 * /api/kb/items/{id}/restore brings one of those back as a new revision
 * while every other item stays as it is now.  The titles of the changes
 * in GET /api/kb/history come from here too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/admin/admin_int.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"

/*
 * The version of the knowledge base that history entry e names: the live
 * file (borrowed, with a new reference) or a kept one, parsed.  NULL when
 * it is not kept or cannot be read: that version is left out.
 */
static json_t *
ih_doc(struct admin_api *a, json_t *e)
{
	json_t *doc;
	char *buf = NULL, *cause = NULL;
	size_t len;

	if (json_is_true(json_object_get(e, "current")))
		return json_incref(a->cur.doc);
	if (kb_history_read(a->history, json_integer_value(json_object_get(e,
	    "revision")), &buf, &len, &cause) != 0) {
		free(cause);
		return NULL;
	}
	doc = kb_doc_parse(buf, len, &cause);
	free(buf);
	free(cause);
	if (doc != NULL && kb_doc_items(doc) == NULL) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The history entry of revision rev in list, or NULL. */
static json_t *
ih_entry(json_t *list, int64_t rev)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e) {
		if (json_integer_value(json_object_get(e, "revision")) == rev)
			return e;
	}
	return NULL;
}

/* Append {"revision", "saved", "action", "current", "item"} to out. */
static void
ih_add(json_t *out, json_t *list, int64_t rev, const char *action,
    int current, json_t *item)
{
	json_t *e = ih_entry(list, rev), *v;

	if (action == NULL)
		action = e != NULL ? json_string_value(json_object_get(e,
		    "action")) : NULL;
	v = json_pack("{sIsOsssbso}", "revision", (json_int_t)rev, "saved",
	    e != NULL ? json_object_get(e, "saved") : json_null(), "action",
	    action != NULL ? action : "file", "current", current, "item",
	    item != NULL ? item : json_null());
	if (v != NULL && e != NULL &&
	    json_object_get(e, "restored") != NULL)
		json_object_set(v, "restored", json_object_get(e, "restored"));
	if (v != NULL && e != NULL && json_object_get(e, "by") != NULL)
		json_object_set(v, "by", json_object_get(e, "by"));
	json_array_append_new(out, v);
}

/*
 * What the item id was after each change to it, newest first: one entry
 * per item revision found in the live file and the versions kept, and a
 * "delete" entry (item null) where it went missing.  A new array.
 */
static json_t *
ih_versions(struct admin_api *a, const char *id, time_t now)
{
	json_t *hist, *list, *out, *e, *doc, *item, *gone = NULL;
	int64_t seen = -1, rev;
	int gone_current = 0, first = 1;
	size_t i;

	out = json_array();
	hist = kb_history_json(a->history, kb_doc_revision(a->cur.doc),
	    a->cur.st.st_mtime);
	list = json_object_get(hist, "versions");
	json_array_foreach(list, i, e) {
		doc = ih_doc(a, e);
		if (doc == NULL)
			continue;
		item = kb_doc_find(doc, id, NULL);
		if (item == NULL) {
			/* Oldest version of a run without it: the delete. */
			if (gone == NULL)
				gone_current = first;
			gone = e;
		} else {
			if (gone != NULL) {
				ih_add(out, list, json_integer_value(
				    json_object_get(gone, "revision")),
				    "delete", gone_current, NULL);
				gone = NULL;
			}
			rev = kb_doc_item_revision(item);
			if (rev != seen)
				ih_add(out, list, rev, NULL, first &&
				    json_array_size(out) == 0,
				    admin_item(item, now));
			seen = rev;
		}
		first = 0;
		json_decref(doc);
	}
	json_decref(hist);
	return out;
}

/* GET /api/kb/items/{id}/history */
void
admin_item_history(struct admin_api *a, const struct admin_request *req,
    const char *id, struct admin_result *res)
{
	json_t *vs, *v;
	const char *title = NULL;
	size_t i;

	if (admin_current(a, res) != 0)
		return;
	vs = ih_versions(a, id, req->now);
	if (vs == NULL || json_array_size(vs) == 0) {
		json_decref(vs);
		admin_errorf(res, 404, NULL, "no item \"%.64s\" in the "
		    "knowledge base or its history", id);
		return;
	}
	json_array_foreach(vs, i, v) {
		if (title == NULL)
			title = json_string_value(json_object_get(
			    json_object_get(v, "item"), "title"));
	}
	admin_reply(res, 200, json_pack("{sssssIso}", "id", id, "title",
	    title != NULL ? title : "", "revision",
	    (json_int_t)kb_doc_revision(a->cur.doc), "versions", vs));
}

/* POST /api/kb/items/{id}/restore {"revision": N} */
void
admin_item_restore(struct admin_api *a, const struct admin_request *req,
    const char *id, struct admin_result *res)
{
	struct kb_history_entry what;
	json_t *body, *vs = NULL, *v, *from = NULL, *doc = NULL, *cur, *item;
	json_int_t want_item;
	int64_t want, rev, have;
	size_t i;

	body = admin_body(req, res);
	if (body == NULL)
		return;
	if (!json_is_integer(json_object_get(body, "revision")) ||
	    json_object_size(body) != 1) {
		admin_errorf(res, 400, admin_detail("revision: the item's version "
		    "to bring back, an integer"), "the body must be "
		    "{\"revision\": N}");
		goto out;
	}
	want_item = json_integer_value(json_object_get(body, "revision"));
	if (admin_need_match(req, res, &want) != 0 || admin_current(a, res) != 0)
		goto out;
	rev = kb_doc_revision(a->cur.doc);
	/* If-Match: the item's revision, or the base's when it is gone. */
	cur = kb_doc_find(a->cur.doc, id, NULL);
	have = cur != NULL ? kb_doc_item_revision(cur) : rev;
	if (want != have) {
		admin_errorf(res, 412, admin_current_item(cur, req->now, rev),
		    "the item \"%s\" changed since revision %" PRId64 " (now %"
		    PRId64 ")", id, want, have);
		goto out;
	}
	vs = ih_versions(a, id, req->now);
	json_array_foreach(vs, i, v) {
		if (json_integer_value(json_object_get(v, "revision")) ==
		    want_item && json_is_object(json_object_get(v, "item")))
			from = json_object_get(v, "item");
	}
	if (from == NULL) {
		admin_errorf(res, 404, NULL, "no version %" JSON_INTEGER_FORMAT
		    " of item \"%s\" is kept", want_item, id);
		goto out;
	}
	if (cur != NULL && want_item == have) {
		/* The live version already: nothing to write. */
		admin_etag(res, rev);
		admin_reply(res, 200, json_pack("{sI}", "revision",
		    (json_int_t)rev));
		goto out;
	}
	admin_entry(&what, admin_next_revision(a), req->now, "restore", id);
	what.restored = want_item;
	doc = json_deep_copy(a->cur.doc);
	item = json_deep_copy(from);
	if (item != NULL) {
		json_object_del(item, "expired");
		json_object_set_new(item, "revision",
		    json_integer(what.revision));
	}
	if (doc == NULL || item == NULL) {
		json_decref(item);
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	if (kb_doc_put(doc, item) != 0) {
		admin_errorf(res, 500, NULL, "out of memory");
		goto out;
	}
	(void)admin_save(a, doc, &what, rev, 200, 1, req->now, res);
out:
	json_decref(doc);
	json_decref(vs);
	json_decref(body);
}

/*
 * Name the item of every entry of a GET /api/kb/history answer by its
 * title: as it is now, or, for an item since deleted, as the newest
 * version kept that still holds it.
 */
void
admin_history_titles(struct admin_api *a, json_t *hist)
{
	json_t *list = json_object_get(hist, "versions"), *e, *doc, *it;
	json_t *titles = json_object();
	const char *id;
	size_t i, j;
	int found;

	json_array_foreach(list, i, e) {
		id = json_string_value(json_object_get(e, "item"));
		if (id == NULL || titles == NULL)
			continue;
		if (json_object_get(titles, id) == NULL) {
			it = kb_doc_find(a->cur.doc, id, NULL);
			found = it != NULL;
			json_object_set(titles, id, found ?
			    json_object_get(it, "title") : json_null());
			for (j = i; !found && j < json_array_size(list); j++) {
				doc = ih_doc(a, json_array_get(list, j));
				it = doc != NULL ? kb_doc_find(doc, id, NULL) :
				    NULL;
				found = it != NULL;
				if (found)
					json_object_set(titles, id,
					    json_object_get(it, "title"));
				json_decref(doc);
			}
		}
		if (json_is_string(json_object_get(titles, id)))
			json_object_set(e, "title", json_object_get(titles,
			    id));
	}
	json_decref(titles);
}
