/*
 * admin_api — the admin JSON API's front: the object, the one route table
 * of /api/ (synchronous and asynchronous routes), the choice of a route
 * for a request, and the answers that come later (admin_pending).  The
 * request checks and answers are in admin_reply.c, the knowledge-base
 * file and its writes in admin_file.c, the routes themselves in
 * admin_kb.c, admin_stats.c and their neighbours.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "kb/kb_history.h"

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
	a->cas = cfg->cas;
	a->cas_arg = cfg->cas_arg;
	a->stats_share = cfg->stats_share;
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
	admin_save_clear(a);
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

static void
admin_not_allowed(struct admin_result *res, const char *allow)
{
	admin_set_header(res, "Allow", "%s", allow);
	admin_errorf(res, 405, NULL, "method not allowed here (allowed: %s)",
	    allow);
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
		/* A write the other instances must take first answers later. */
		if (!admin_save_waiting(a))
			goto answer;
		admin_result_cleanup(&res);
		afn = admin_save_send;
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
	admin_reply(&res, status, j);
	admin_pending_result(p, &res);
}

void
admin_pending_result(struct admin_pending *p, struct admin_result *res)
{
	snprintf(res->person, sizeof res->person, "%s", p->person);
	if (!p->gone)
		p->done(p->arg, res);
	admin_result_cleanup(res);
	if (p->serving)
		p->finished = 1;
	else
		free(p);
}

int
admin_api_keep(struct admin_api *a, int64_t old_rev, const char *old,
    size_t len, const struct kb_history_entry *next, char **cause)
{
	/* The file is about to change under the cached copy. */
	admin_file_clear(&a->cur);
	return kb_history_push(a->history, old_rev, old, len, 0, next, cause);
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
