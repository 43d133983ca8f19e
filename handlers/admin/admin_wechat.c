/*
 * admin_wechat — the routes of the admin API that wait for WeChat: push an
 * article, read and sync the menu, import the platform's auto-replies.
 * They run on the main loop and answer through a pending handle when the
 * WeChat API has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_int.h"
#include "handlers/callback/dispatch.h"
#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_article.h"
#include "handlers/wechat/wx_autoreply.h"
#include "handlers/wechat/wx_menu.h"
#include "handlers/wechat/wx_push.h"
#include "kb/kb.h"

_Static_assert(ADMIN_PUSH_KEY_MAX >= WX_PUSH_KEY_LEN, "a push key fits");

/* An article with its cover as Base64 is a few MiB at most. */
#define ADMIN_PUSH_MAX_BODY	(4 * 1024 * 1024)

/* One route's work while WeChat answers. */
struct admin_call {
	struct admin_api	*a;
	struct admin_pending	*p;
};

/* Answer p with {"error": msg} and status. */
static void
admin_wechat_error(struct admin_pending *p, int status, const char *msg)
{
	admin_pending_finish(p, status, json_pack("{s:s}", "error", msg));
}

/* 1 when the API is on; else p is answered 503. */
static int
admin_wechat_on(struct admin_api *a, struct admin_pending *p)
{
	if (a->api != NULL)
		return 1;
	admin_wechat_error(p, 503, "the WeChat API is off: set "
	    "WXKB_APPSECRET (the AppSecret credential)");
	return 0;
}

/* The status for a WeChat failure: the platform's word or its absence. */
static int
admin_wechat_status(const struct wx_api_res *res)
{
	switch (res->err) {
	case WX_API_OK:
		return 200;
	case WX_API_ERR_ERRCODE:
		return 502;
	case WX_API_ERR_OFF:
	case WX_API_ERR_BREAKER:
	case WX_API_ERR_TOKEN:
		return 503;
	default:
		return 504;
	}
}

static json_t *
admin_wechat_json(const struct wx_api_res *res)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	if (res->err != WX_API_OK) {
		json_object_set_new(j, "error", json_string(res->message));
		if (res->errcode != 0)
			json_object_set_new(j, "errcode",
			    json_integer(res->errcode));
	}
	return j;
}

static void
admin_push_cb(void *arg, const struct wx_push_report *r)
{
	static const int status[] = {
		[-WX_PUSH_OK] = 200,
		[-WX_PUSH_ERR_INVALID] = 422,
		[-WX_PUSH_ERR_API] = 502,
		[-WX_PUSH_ERR_STATE] = 507,
		[-WX_PUSH_ERR_PUBLISH] = 502,
		[-WX_PUSH_ERR_TIMEOUT] = 504,
		[-WX_PUSH_ERR_BUSY] = 409,
		[-WX_PUSH_ERR_NOMEM] = 500,
	};
	int s = r->err <= 0 && -r->err < (int)(sizeof status /
	    sizeof status[0]) ? status[-r->err] : 500;

	admin_pending_finish(arg, s, wx_push_report_json(r));
}

/* A push nobody waits for ended: keep its report for GET /api/push/KEY. */
static void
admin_push_bg_cb(void *arg, const struct wx_push_report *r)
{
	struct admin_api *a = arg;
	struct admin_ended *e = NULL;
	size_t i;

	for (i = 0; i < ADMIN_PUSHES && e == NULL; i++)
		if (strcmp(a->ended[i].key, r->key) == 0)
			e = &a->ended[i];
	if (e == NULL) {
		e = &a->ended[a->next_ended];
		a->next_ended = (a->next_ended + 1) % ADMIN_PUSHES;
	}
	json_decref(e->report);
	snprintf(e->key, sizeof e->key, "%s", r->key);
	e->report = wx_push_report_json(r);
}

void
admin_pushes_clear(struct admin_api *a)
{
	size_t i;

	for (i = 0; i < ADMIN_PUSHES; i++) {
		json_decref(a->ended[i].report);
		a->ended[i].report = NULL;
	}
}

/*
 * POST /api/push: the article and its options.  "wait": false answers
 * 202 with the progress at once, and the page follows GET /api/push/KEY;
 * otherwise the answer is the report when the push has ended.
 */
void
admin_push(struct admin_api *a, const struct admin_request *req,
    const char *seg, struct admin_pending *p)
{
	struct wx_push_opts opts;
	struct wx_article art;
	json_error_t jerr;
	json_t *j, *w;
	char key[WX_PUSH_KEY_LEN + 1], *cause = NULL;
	int r, wait = 1;

	(void)seg;
	if (!admin_wechat_on(a, p))
		return;
	if (req->len > ADMIN_PUSH_MAX_BODY) {
		admin_wechat_error(p, 413, "body too large");
		return;
	}
	j = json_loadb(req->body, req->len, 0, &jerr);
	if (j == NULL) {
		admin_wechat_error(p, 400, "the body is not JSON");
		return;
	}
	if ((w = json_object_get(j, "wait")) != NULL) {
		if (!json_is_boolean(w)) {
			json_decref(j);
			admin_wechat_error(p, 400, "wait: must be true or "
			    "false");
			return;
		}
		wait = json_is_true(w);
		json_object_del(j, "wait");
	}
	memset(&art, 0, sizeof art);
	memset(&opts, 0, sizeof opts);
	r = wx_article_request_parse(j, &art, &opts, &cause);
	json_decref(j);
	if (r != 0)
		r = WX_PUSH_ERR_INVALID;
	else if (wait)
		r = wx_push_start(a->push, &art, &opts, admin_push_cb, p,
		    &cause);
	else {
		wx_article_key(&art, key);
		r = wx_push_start(a->push, &art, &opts, admin_push_bg_cb, a,
		    &cause);
		if (r == WX_PUSH_OK)
			admin_pending_finish(p, 202, wx_push_progress(a->push,
			    key));
	}
	wx_article_cleanup(&art);
	if (r != WX_PUSH_OK)
		admin_wechat_error(p, r == WX_PUSH_ERR_BUSY ? 409 : 422,
		    cause != NULL ? cause : wx_push_strerror(r));
	free(cause);
}

/* "wxkb-" and 32 lower-case hex digits, as wx_article_key() makes. */
static int
admin_push_key_ok(const char *key)
{
	size_t i;

	if (strlen(key) != WX_PUSH_KEY_LEN || strncmp(key, "wxkb-", 5) != 0)
		return 0;
	for (i = 5; i < WX_PUSH_KEY_LEN; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' &&
		    key[i] <= 'f')))
			return 0;
	return 1;
}

/* GET /api/push/KEY: the push running, or its report once ended. */
void
admin_push_get(struct admin_api *a, const struct admin_request *req,
    const char *key, struct admin_result *res)
{
	json_t *j = NULL;
	size_t i;

	(void)req;
	if (a->api == NULL) {
		admin_errorf(res, 503, NULL, "the WeChat API is off: set "
		    "WXKB_APPSECRET (the AppSecret credential)");
		return;
	}
	if (admin_push_key_ok(key))
		j = wx_push_progress(a->push, key);
	for (i = 0; i < ADMIN_PUSHES && j == NULL && admin_push_key_ok(key);
	    i++)
		if (a->ended[i].report != NULL &&
		    strcmp(a->ended[i].key, key) == 0)
			j = json_incref(a->ended[i].report);
	if (j == NULL) {
		admin_errorf(res, 404, NULL, "no such push: it ended before "
		    "the daemon last started, or never began");
		return;
	}
	admin_reply(res, 200, j);
}

static void
admin_menu_cb(void *arg, const struct wx_api_res *res)
{
	json_t *j = admin_wechat_json(res);

	if (j != NULL && res->err == WX_API_OK && res->json != NULL)
		json_object_set(j, "wechat", res->json);
	admin_pending_finish(arg, admin_wechat_status(res), j);
}

void
admin_menu_sync(struct admin_api *a, const struct admin_request *req,
    const char *seg, struct admin_pending *p)
{
	struct kb *kb;
	char *cause = NULL;

	(void)seg;
	if (!admin_wechat_on(a, p))
		return;
	kb = dispatch_kb_acquire(a->dispatch);
	if (kb == NULL) {
		admin_wechat_error(p, 500, "not ready");
		return;
	}
	if (wx_menu_sync(a->api, kb, req->now, admin_menu_cb, p,
	    &cause) == NULL) {
		admin_wechat_error(p, 422, cause != NULL ? cause :
		    "menu invalid");
		free(cause);
	}
	kb_unref(kb);
}

static void
admin_menu_get_cb(void *arg, const struct wx_api_res *res)
{
	json_t *j = admin_wechat_json(res);
	char *text;

	if (j != NULL && res->err == WX_API_OK && res->json != NULL) {
		json_object_set(j, "menu", json_object_get(res->json,
		    "menu"));
		text = wx_menu_text(res->json);
		if (text != NULL)
			json_object_set_new(j, "text", json_string(text));
		free(text);
	}
	admin_pending_finish(arg, admin_wechat_status(res), j);
}

void
admin_menu_get(struct admin_api *a, const struct admin_request *req,
    const char *seg, struct admin_pending *p)
{
	(void)req;
	(void)seg;
	if (admin_wechat_on(a, p) && wx_menu_get(a->api, admin_menu_get_cb,
	    p) == NULL)
		admin_wechat_error(p, 500, "the call could not start");
}

static void
admin_import_cb(void *arg, const struct wx_api_res *res)
{
	struct admin_call *c = arg;
	struct kb *kb = dispatch_kb_acquire(c->a->dispatch);
	json_t *j = admin_wechat_json(res), *kbj = NULL;
	char *warnings = NULL, *cause = NULL;
	int status = admin_wechat_status(res);

	if (j != NULL && res->err == WX_API_OK) {
		if (wx_autoreply_convert(res->json, kb != NULL ?
		    kb_account(kb) : NULL, &kbj, &warnings, &cause) == 0) {
			json_object_set_new(j, "kb", kbj);
			json_object_set_new(j, "warnings", json_string(
			    warnings != NULL ? warnings : ""));
		} else {
			json_object_set_new(j, "error", json_string(cause));
			status = 502;
		}
	}
	free(warnings);
	free(cause);
	kb_unref(kb);
	admin_pending_finish(c->p, status, j);
	free(c);
}

void
admin_import(struct admin_api *a, const struct admin_request *req,
    const char *seg, struct admin_pending *p)
{
	struct admin_call *c;

	(void)req;
	(void)seg;
	if (!admin_wechat_on(a, p))
		return;
	c = malloc(sizeof *c);
	if (c == NULL) {
		admin_wechat_error(p, 500, "out of memory");
		return;
	}
	c->a = a;
	c->p = p;
	if (wx_autoreply_fetch(a->api, admin_import_cb, c) == NULL) {
		free(c);
		admin_wechat_error(p, 500, "the call could not start");
	}
}
