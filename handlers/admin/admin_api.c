/*
 * admin_api — the admin JSON API's common ground: the route table, the
 * request checks (body, Content-Type, If-Match, parameters), the answers
 * and errors, the cached knowledge-base file, and admin_commit(), through
 * which every write is validated, kept, saved and served alike.  The
 * routes themselves are in admin_kb.c and admin_stats.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"
#include "kb/kb_doc.h"
#include "kb/kb_history.h"
#include "lib/pct.h"
#include "lib/file.h"

void
admin_file_clear(struct admin_file *f)
{
	free(f->buf);
	json_decref(f->doc);
	memset(f, 0, sizeof *f);
}

struct admin_api *
admin_api_new(const struct admin_api_cfg *cfg, char **cause, char **warning)
{
	struct admin_api *a;

	*cause = NULL;
	*warning = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		goto nomem;
	a->kb_path = strdup(cfg->kb_path);
	if (a->kb_path == NULL)
		goto nomem;
	a->history = kb_history_open(cfg->state_dir, warning);
	if (a->history == NULL)
		goto nomem;
	a->dispatch = cfg->dispatch;
	a->reload = cfg->reload;
	a->reload_arg = cfg->reload_arg;
	a->api = cfg->api;
	a->push = cfg->push;
	return a;
nomem:
	admin_api_free(a);
	*cause = strdup("out of memory");
	return NULL;
}

void
admin_api_free(struct admin_api *a)
{
	if (a == NULL)
		return;
	admin_file_clear(&a->cur);
	admin_pushes_clear(a);
	kb_history_free(a->history);
	free(a->kb_path);
	free(a);
}

void
admin_result_cleanup(struct admin_result *res)
{
	free(res->body);
	free(res->message);
	memset(res, 0, sizeof *res);
}

/* Answer status with j (the reference is stolen) as compact JSON. */
void
admin_reply(struct admin_result *res, int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	char *body;
	size_t n;

	json_decref(j);
	free(res->body);
	res->body = NULL;
	res->len = 0;
	res->content_type = ADMIN_JSON;
	if (text == NULL) {
		static const char nomem[] = "{\"error\":\"out of memory\"}\n";

		res->status = 500;
		res->body = strdup(nomem);
		res->len = res->body != NULL ? strlen(res->body) : 0;
		return;
	}
	n = strlen(text);
	/* Grown in place when possible; text stays valid when not. */
	body = realloc(text, n + 2);
	if (body == NULL) {
		res->body = text;
		res->len = n;
	} else {
		body[n] = '\n';
		body[n + 1] = '\0';
		res->body = body;
		res->len = n + 1;
	}
	res->status = status;
}

void
admin_set_header(struct admin_result *res, const char *name,
    const char *fmt, ...)
{
	struct admin_header *h;
	va_list ap;

	if (res->nheaders == ADMIN_API_MAX_HEADERS)
		return;
	h = &res->headers[res->nheaders++];
	h->name = name;
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof h->value, fmt, ap);
	va_end(ap);
}

void
admin_etag(struct admin_result *res, int64_t rev)
{
	admin_set_header(res, "ETag", "\"%" PRId64 "\"", rev);
}

/*
 * {"error": message, "details": details} (details stolen, may be NULL;
 * an object is merged in instead, for "current" and the like).
 */
void
admin_errorf(struct admin_result *res, int status, json_t *details,
    const char *fmt, ...)
{
	json_t *j;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	j = json_pack("{ss}", "error", msg);
	if (j != NULL && json_is_array(details))
		json_object_set(j, "details", details);
	else if (j != NULL && json_is_object(details))
		json_object_update(j, details);
	json_decref(details);
	admin_reply(res, status, j);
}

/* A details array of one string (or none when s is NULL). */
json_t *
admin_detail(const char *s)
{
	return s != NULL ? json_pack("[s]", s) : NULL;
}

static void
admin_not_allowed(struct admin_result *res, const char *allow)
{
	admin_set_header(res, "Allow", "%s", allow);
	admin_errorf(res, 405, NULL, "method not allowed here (allowed: %s)",
	    allow);
}

/* Fill the audit fields of a change. */
void
admin_audit(struct admin_result *res, const char *action, const char *item,
    int64_t old_rev, int64_t new_rev)
{
	res->event = "kb_audit";
	res->log = ADMIN_LOG_NOTICE;
	res->action = action;
	snprintf(res->item, sizeof res->item, "%s", item != NULL ? item : "");
	res->old_revision = old_rev;
	res->new_revision = new_rev;
	free(res->message);
	if (asprintf(&res->message, "knowledge base %s%s%s: revision %"
	    PRId64 " -> %" PRId64 " by %s", action, item != NULL ? " " : "",
	    item != NULL ? item : "", old_rev, new_rev,
	    res->person[0] != '\0' ? res->person : "(unknown)") == -1)
		res->message = NULL;
}

/* Note a failure to log. */
void
admin_log_failure(struct admin_result *res, const char *event,
    enum admin_log level, const char *what, const char *cause)
{
	res->event = event;
	res->log = level;
	free(res->message);
	if (asprintf(&res->message, "%s: %s", what, cause != NULL ? cause :
	    "unknown reason") == -1)
		res->message = NULL;
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

/*
 * An If-Match header: "5", "\"5\"" or W/"5".  Returns 1 with *rev, 0 when
 * absent, -1 when it is not a revision.
 */
int
admin_if_match(const char *h, int64_t *rev)
{
	int64_t v = 0;
	int quoted = 0, digits = 0;

	if (h == NULL)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h == '\0')
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	if (*h == '"') {
		quoted = 1;
		h++;
	}
	for (; *h >= '0' && *h <= '9'; h++) {
		if (++digits > 16)
			return -1;
		v = v * 10 + (*h - '0');
	}
	if (digits == 0 || (quoted && *h++ != '"'))
		return -1;
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h != '\0' || v > KB_DOC_MAX_REVISION)
		return -1;
	*rev = v;
	return 1;
}

/* The If-Match revision a write needs: 0, or -1 with res filled. */
int
admin_need_match(const struct admin_request *req, struct admin_result *res,
    int64_t *rev)
{
	switch (admin_if_match(req->if_match, rev)) {
	case 1:
		return 0;
	case 0:
		admin_errorf(res, 428, NULL, "a write needs If-Match with the "
		    "revision it edited");
		return -1;
	default:
		admin_errorf(res, 400, NULL, "If-Match must be a revision "
		    "number");
		return -1;
	}
}

/* 1 when ct is application/json, with no charset other than UTF-8. */
static int
admin_is_json(const char *ct)
{
	static const char mt[] = "application/json";
	const char *p;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, mt, sizeof mt - 1) != 0)
		return 0;
	p = ct + sizeof mt - 1;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	p = strcasestr(p, "charset=");
	if (p == NULL)
		return 1;
	p += 8;
	if (*p == '"')
		p++;
	return strncasecmp(p, "utf-8", 5) == 0 && (p[5] == '\0' ||
	    p[5] == '"' || p[5] == ';' || p[5] == ' ');
}

/*
 * The request body as a JSON object (new reference), or NULL with res
 * filled: 413, 415 or 400.
 */
json_t *
admin_body(const struct admin_request *req, struct admin_result *res)
{
	json_error_t jerr;
	json_t *j;

	if (req->len > ADMIN_API_MAX_BODY) {
		admin_errorf(res, 413, NULL, "the body is larger than %d bytes",
		    ADMIN_API_MAX_BODY);
		return NULL;
	}
	if (!admin_is_json(req->content_type)) {
		admin_errorf(res, 415, NULL, "the body must be application/json "
		    "in UTF-8");
		return NULL;
	}
	j = json_loadb(req->body != NULL ? req->body : "", req->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		admin_errorf(res, 400, NULL, "the body is not JSON: %d:%d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		admin_errorf(res, 400, NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/*
 * The query parameter name, percent-decoded ('+' is a space) into buf.
 * Returns 1 when found, 0 when absent, -1 when it is badly encoded, holds
 * a NUL or does not fit.
 */
int
admin_param(const char *query, const char *name, char *buf, size_t size)
{
	const char *p, *end, *v;
	size_t nlen = strlen(name);

	for (p = query; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 :
	    end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) < nlen || strncmp(p, name, nlen) != 0 ||
		    (p[nlen] != '=' && p + nlen != end))
			continue;
		v = p + nlen + (p[nlen] == '=');
		return pct_decode(v, (size_t)(end - v), buf, size) < 0 ? -1 : 1;
	}
	return 0;
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
 * Make doc the live file as revision what->revision: validate it exactly
 * as `wxkbctl check`, keep the version it replaces, replace the file, and
 * serve it.  Returns 0 with *generation and the loader's warnings (a new
 * array in *warnings); or -1 with res filled, the file and the generation
 * as they were.
 */
int
admin_commit(struct admin_api *a, json_t *doc,
    const struct kb_history_entry *what, struct admin_result *res,
    uint64_t *generation, json_t **warnings)
{
	struct kb_history_entry note;
	struct kb_diag diag;
	struct kb *kb = NULL;
	char *text, *cause = NULL;
	size_t len;
	mode_t mode = a->cur.st.st_mode & 0777;
	int r = -1;

	*warnings = NULL;
	memset(&diag, 0, sizeof diag);
	note = *what;
	snprintf(note.by, sizeof note.by, "%s", a->person);
	if (what->revision > KB_DOC_MAX_REVISION ||
	    kb_doc_set_revision(doc, what->revision) != 0) {
		admin_errorf(res, 500, NULL, "no revision left to give");
		return -1;
	}
	text = kb_doc_dump(doc, &len);
	if (text == NULL) {
		admin_errorf(res, 500, NULL, "out of memory");
		return -1;
	}
	if (kb_load_buffer(text, len, 0, &kb, &diag) != KB_OK) {
		admin_errorf(res, 422, admin_diag_details(&diag, 0),
		    "the change would make the knowledge base invalid; "
		    "nothing was saved");
		goto out;
	}
	kb_unref(kb);
	*warnings = admin_diag_details(&diag, 1);
	if (kb_history_push(a->history, kb_doc_revision(a->cur.doc),
	    a->cur.buf, a->cur.len, a->cur.st.st_mtime, &note, &cause) != 0) {
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
	if (r != 0) {
		json_decref(*warnings);
		*warnings = NULL;
	}
	/* Whatever happened, read the file afresh next time. */
	admin_file_clear(&a->cur);
	kb_diag_cleanup(&diag);
	free(cause);
	free(text);
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

/*
 * The routes of /api/: '*' in a path is one segment, handed to the
 * handler.  The routes that wait for WeChat answer through a pending
 * handle (aget, apost) instead of at once.
 */
static const struct admin_route {
	const char	*path;
	const char	*allow;
	admin_fn	 get, post, put, del;
	admin_async_fn	 aget, apost;
	int		 publish;	/* a change needs a publisher */
} admin_routes[] = {
	{ "/api/kb", "GET, PUT", .get = admin_kb_get, .put = admin_kb_put },
	{ "/api/kb/items", "GET, POST", .get = admin_items_get,
	    .post = admin_items_post },
	{ "/api/kb/items/*", "GET, PUT, DELETE", .get = admin_item_get,
	    .put = admin_item_put, .del = admin_item_delete },
	{ "/api/kb/items/*/history", "GET", .get = admin_item_history },
	{ "/api/kb/items/*/restore", "POST", .post = admin_item_restore },
	{ "/api/kb/reload", "POST", .post = admin_reload },
	{ "/api/kb/history", "GET", .get = admin_history_get },
	{ "/api/kb/history/*/restore", "POST", .post = admin_restore },
	{ "/api/query", "GET", .get = admin_query },
	{ "/api/menu/preview", "GET", .get = admin_menu_preview },
	{ "/api/stats/unanswered", "GET", .get = admin_unanswered },
	{ "/api/stats/unanswered/state", "POST",
	    .post = admin_unanswered_state },
	{ "/api/stats/items", "GET", .get = admin_stats_items },
	{ "/api/stats/export", "GET", .get = admin_stats_export },
	{ "/api/push", "POST", .apost = admin_push, .publish = 1 },
	{ "/api/push/*", "GET", .get = admin_push_get },
	{ "/api/menu", "GET", .aget = admin_menu_get },
	{ "/api/menu/sync", "POST", .apost = admin_menu_sync,
	    .publish = 1 },
	{ "/api/import-autoreply", "POST", .apost = admin_import },
};

/* 1 when path fits pat; the segment matched by '*' goes to arg. */
static int
admin_match(const char *pat, const char *path, char *arg, size_t size)
{
	size_t n;

	arg[0] = '\0';
	while (*pat != '\0') {
		if (*pat == '*') {
			n = strcspn(path, "/");
			if (n == 0 || n >= size)
				return 0;
			memcpy(arg, path, n);
			arg[n] = '\0';
			path += n;
			pat++;
		} else if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/*
 * The handler of req into *fn or *afn (the other NULL), and the segment
 * matched by '*' into arg.  Returns 0, or -1 with res filled (404, 405).
 */
static int
admin_pick(const struct admin_request *req, char *arg, size_t size,
    admin_fn *fn, admin_async_fn *afn, struct admin_result *res)
{
	const struct admin_route *rt = NULL;
	size_t i;

	*fn = NULL;
	*afn = NULL;
	for (i = 0; i < sizeof admin_routes / sizeof admin_routes[0]; i++) {
		if (req->path != NULL && admin_match(admin_routes[i].path,
		    req->path, arg, size)) {
			rt = &admin_routes[i];
			break;
		}
	}
	if (rt == NULL) {
		admin_errorf(res, 404, NULL, "no such path");
		return -1;
	}
	switch (req->method) {
	case ADMIN_GET:
		*fn = rt->get;
		*afn = rt->aget;
		break;
	case ADMIN_POST:
		*fn = rt->post;
		*afn = rt->apost;
		break;
	case ADMIN_PUT:
		*fn = rt->put;
		break;
	case ADMIN_DELETE:
		*fn = rt->del;
		break;
	case ADMIN_OTHER:
		break;
	}
	if (*fn == NULL && *afn == NULL) {
		admin_not_allowed(res, rt->allow);
		return -1;
	}
	if (rt->publish && req->method != ADMIN_GET &&
	    req->role != ADMIN_ROLE_PUBLISHER) {
		admin_reply(res, 403, json_pack("{ssss}", "error",
		    "this needs the publisher role", "message_zh",
		    "只有发布员可以群发文章和同步菜单；请联系管理员"));
		return -1;
	}
	return 0;
}

struct admin_pending *
admin_api_serve(struct admin_api *a, const struct admin_request *req,
    admin_done_fn done, void *arg)
{
	struct admin_result res;
	struct admin_pending *p;
	char seg[ADMIN_MAX_ARG + 1];
	admin_async_fn afn;
	admin_fn fn;

	memset(&res, 0, sizeof res);
	snprintf(a->person, sizeof a->person, "%s",
	    req->person != NULL ? req->person : "");
	snprintf(res.person, sizeof res.person, "%s", a->person);
	if (admin_pick(req, seg, sizeof seg, &fn, &afn, &res) != 0)
		goto answer;
	if (fn != NULL) {
		fn(a, req, seg, &res);
		goto answer;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		admin_errorf(&res, 500, NULL, "out of memory");
		goto answer;
	}
	p->done = done;
	p->arg = arg;
	snprintf(p->person, sizeof p->person, "%s", a->person);
	p->serving = 1;
	afn(a, req, seg, p);
	p->serving = 0;
	if (!p->finished)
		return p;
	free(p);
	return NULL;
answer:
	done(arg, &res);
	admin_result_cleanup(&res);
	return NULL;
}

void
admin_pending_finish(struct admin_pending *p, int status, json_t *j)
{
	struct admin_result res;

	memset(&res, 0, sizeof res);
	snprintf(res.person, sizeof res.person, "%s", p->person);
	admin_reply(&res, status, j);
	if (!p->gone)
		p->done(p->arg, &res);
	admin_result_cleanup(&res);
	if (p->serving)
		p->finished = 1;
	else
		free(p);
}

void
admin_pending_cancel(struct admin_pending *p)
{
	p->gone = 1;
}

/* admin_api_handle's done: the result moves to the caller's. */
static void
admin_handle_done(void *arg, struct admin_result *res)
{
	memcpy(arg, res, sizeof *res);
	memset(res, 0, sizeof *res);
}

void
admin_api_handle(struct admin_api *a, const struct admin_request *req,
    struct admin_result *res)
{
	struct admin_pending *p;

	memset(res, 0, sizeof *res);
	p = admin_api_serve(a, req, admin_handle_done, res);
	if (p != NULL) {
		admin_pending_cancel(p);
		admin_errorf(res, 500, NULL, "this route answers later");
	}
}
