/*
 * active — glue between wxkbd and the active WeChat API (handlers/wx_*).
 * The API objects belong to the main loop; a request answered on a
 * worker loop queues its customer-service work here and wakes the main
 * loop, which runs the queue in order.
 */
#include <sys/queue.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "daemon/active.h"
#include "daemon/config.h"
#include "handlers/callback/dispatch.h"
#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_article.h"
#include "handlers/wechat/wx_autoreply.h"
#include "handlers/wechat/wx_cs.h"
#include "handlers/wechat/wx_menu.h"
#include "handlers/wechat/wx_push.h"
#include "kb/kb.h"
#include "lib/http.h"
#include "lib/log.h"

/* An article with its cover as Base64 is a few MiB at most. */
#define ACTIVE_MAX_BODY	(4 * 1024 * 1024)

/* Customer-service work handed from any loop to the main one. */
struct active_job {
	TAILQ_ENTRY(active_job)	 entry;
	int			 observe;	/* else: send text */
	enum wx_cs_event	 ev;
	time_t			 now;
	size_t			 len;
	char			*text;
	char			 openid[];
};
TAILQ_HEAD(active_jobs, active_job);

struct active {
	struct event_base	*base;
	struct dispatch		*dispatch;
	struct wx_api		*api;
	struct wx_cs		*cs;
	struct wx_push		*push;
	pthread_mutex_t		 lock;		/* jobs */
	struct active_jobs	 jobs;
	struct event		*wake;
};

/* An admin request waiting for WeChat; gone when the client left. */
struct active_pending {
	struct active		*a;
	struct evhttp_request	*req;
	int			 gone;
};

static void
active_queue(struct active *a, struct active_job *j)
{
	pthread_mutex_lock(&a->lock);
	TAILQ_INSERT_TAIL(&a->jobs, j, entry);
	pthread_mutex_unlock(&a->lock);
	event_active(a->wake, EV_READ, 0);
}

static struct active_job *
active_job_new(const char *openid, const char *text, size_t len)
{
	size_t n = strlen(openid);
	struct active_job *j = calloc(1, sizeof *j + n + 1);

	if (j == NULL)
		return NULL;
	memcpy(j->openid, openid, n + 1);
	if (text != NULL) {
		j->text = malloc(len + 1);
		if (j->text == NULL) {
			free(j);
			return NULL;
		}
		memcpy(j->text, text, len);
		j->text[len] = '\0';
		j->len = len;
	}
	return j;
}

/* The dispatch_send_fn: queue the part; the main loop sends it. */
static int
active_send(void *arg, const char *openid, const char *text, size_t len)
{
	struct active_job *j = active_job_new(openid, text, len);

	if (j == NULL)
		return -1;
	active_queue(arg, j);
	return 0;
}

int
active_dispatch(void *arg, const struct wx_msg *msg, time_t now,
    struct wx_dispatch_out *out)
{
	struct active *a = arg;
	struct active_job *j;
	enum wx_cs_event ev;

	/* Open the window first: the answer's later parts depend on it. */
	if (msg->from_user != NULL && wx_cs_event_of(msg, &ev)) {
		j = active_job_new(msg->from_user, NULL, 0);
		if (j != NULL) {
			j->observe = 1;
			j->ev = ev;
			j->now = now;
			active_queue(a, j);
		}
	}
	return dispatch_message(a->dispatch, msg, now, out);
}

static void
active_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct active *a = arg;
	struct active_jobs todo;
	struct active_job *j;

	(void)fd;
	(void)what;
	TAILQ_INIT(&todo);
	pthread_mutex_lock(&a->lock);
	TAILQ_CONCAT(&todo, &a->jobs, entry);
	pthread_mutex_unlock(&a->lock);
	while ((j = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, j, entry);
		if (j->observe)
			wx_cs_interaction(a->cs, j->openid, j->ev, j->now);
		else
			(void)wx_cs_send_text(a->cs, j->openid, j->text,
			    j->len);
		free(j->text);
		free(j);
	}
}

struct active *
active_new(struct event_base *base, const struct config *cfg,
    const unsigned char uid_key[16], struct dispatch *d,
    const struct wx_token_share *token_share, char **cause)
{
	struct wx_api_cfg ac;
	struct wx_cs_cfg cc;
	struct wx_push_cfg pc;
	struct active *a;
	const char *why = NULL;

	*cause = NULL;
	if (*cfg->appsecret == '\0')
		return NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		fatal("calloc");
	a->base = base;
	a->dispatch = d;
	pthread_mutex_init(&a->lock, NULL);
	TAILQ_INIT(&a->jobs);
	a->wake = event_new(base, -1, 0, active_wake_cb, a);
	memset(&ac, 0, sizeof ac);
	ac.base = cfg->api_base;
	ac.appid = cfg->appid;
	ac.appsecret = cfg->appsecret;
	ac.state_dir = cfg->state_dir;
	ac.token_share = token_share;
	a->api = wx_api_new(base, &ac, &why);
	if (a->api == NULL || a->wake == NULL)
		goto fail;
	memset(&cc, 0, sizeof cc);
	memcpy(cc.uid_key, uid_key, sizeof cc.uid_key);
	a->cs = wx_cs_new(a->api, base, &cc);
	memset(&pc, 0, sizeof pc);
	pc.state_dir = cfg->state_dir;
	memcpy(pc.uid_key, uid_key, sizeof pc.uid_key);
	a->push = wx_push_new(a->api, base, &pc, &why);
	if (a->cs == NULL || a->push == NULL)
		goto fail;
	(void)wx_api_start(a->api);
	dispatch_set_sender(d, active_send, a);
	log_notice("api_on", "WeChat API on at %s", cfg->api_base);
	return a;
fail:
	if (asprintf(cause, "WeChat API: %s", why != NULL ? why :
	    "out of memory") == -1)
		*cause = NULL;
	active_free(a);
	return NULL;
}

void
active_free(struct active *a)
{
	struct active_job *j;

	if (a == NULL)
		return;
	dispatch_set_sender(a->dispatch, NULL, NULL);
	while ((j = TAILQ_FIRST(&a->jobs)) != NULL) {
		TAILQ_REMOVE(&a->jobs, j, entry);
		free(j->text);
		free(j);
	}
	wx_push_free(a->push);
	wx_cs_free(a->cs);
	wx_api_free(a->api);
	if (a->wake != NULL)
		event_free(a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static void
active_gone_cb(struct evhttp_connection *evcon, void *arg)
{
	struct active_pending *p = arg;

	(void)evcon;
	p->gone = 1;
}

static struct active_pending *
active_hold(struct active *a, struct evhttp_request *req)
{
	struct active_pending *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	p->a = a;
	p->req = req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    active_gone_cb, p);
	return p;
}

/* Answer a held request with j (stolen), unless its client left. */
static void
active_answer(struct active_pending *p, int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (!p->gone) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    p->req), NULL, NULL);
		if (text != NULL)
			http_send(p->req, status, "application/json; "
			    "charset=utf-8", text, strlen(text));
		else
			http_send_text(p->req, 500, "out of memory\n");
	}
	free(text);
	free(p);
}

static void
active_error(struct evhttp_request *req, int status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (text == NULL) {
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	http_send(req, status, "application/json; charset=utf-8", text,
	    strlen(text));
	free(text);
}

/* The status for a WeChat failure: the platform's word or its absence. */
static int
active_api_status(const struct wx_api_res *res)
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
active_api_json(const struct wx_api_res *res)
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
active_push_cb(void *arg, const struct wx_push_report *r)
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

	active_answer(arg, s, wx_push_report_json(r));
}

static void
active_menu_cb(void *arg, const struct wx_api_res *res)
{
	struct active_pending *p = arg;
	json_t *j = active_api_json(res);

	if (j != NULL && res->err == WX_API_OK && res->json != NULL)
		json_object_set(j, "wechat", res->json);
	active_answer(p, active_api_status(res), j);
}

static void
active_menu_get_cb(void *arg, const struct wx_api_res *res)
{
	struct active_pending *p = arg;
	json_t *j = active_api_json(res);
	char *text;

	if (j != NULL && res->err == WX_API_OK && res->json != NULL) {
		json_object_set(j, "menu", json_object_get(res->json,
		    "menu"));
		text = wx_menu_text(res->json);
		if (text != NULL)
			json_object_set_new(j, "text", json_string(text));
		free(text);
	}
	active_answer(p, active_api_status(res), j);
}

static void
active_import_cb(void *arg, const struct wx_api_res *res)
{
	struct active_pending *p = arg;
	struct kb *kb = dispatch_kb_acquire(p->a->dispatch);
	json_t *j = active_api_json(res), *kbj = NULL;
	char *warnings = NULL, *cause = NULL;
	int status = active_api_status(res);

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
	active_answer(p, status, j);
}

static void
active_push(struct active *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct active_pending *p;
	struct wx_push_opts opts;
	struct wx_article art;
	json_error_t jerr;
	json_t *j;
	char *cause = NULL;
	size_t len = evbuffer_get_length(in);
	int r;

	j = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, &jerr);
	if (j == NULL) {
		active_error(req, 400, "the body is not JSON");
		return;
	}
	memset(&art, 0, sizeof art);
	memset(&opts, 0, sizeof opts);
	r = wx_article_request_parse(j, &art, &opts, &cause);
	json_decref(j);
	if (r != 0) {
		active_error(req, 422, cause != NULL ? cause : "invalid");
		free(cause);
		wx_article_cleanup(&art);
		return;
	}
	p = active_hold(a, req);
	if (p == NULL) {
		wx_article_cleanup(&art);
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	r = wx_push_start(a->push, &art, &opts, active_push_cb, p, &cause);
	wx_article_cleanup(&art);
	if (r != WX_PUSH_OK) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    req), NULL, NULL);
		free(p);
		active_error(req, r == WX_PUSH_ERR_BUSY ? 409 : 422,
		    cause != NULL ? cause : wx_push_strerror(r));
		free(cause);
	}
}

static void
active_menu_sync(struct active *a, struct evhttp_request *req)
{
	struct kb *kb = dispatch_kb_acquire(a->dispatch);
	struct active_pending *p = active_hold(a, req);
	char *cause = NULL;

	if (p == NULL || kb == NULL) {
		free(p);
		kb_unref(kb);
		http_send_text(req, 500, "not ready\n");
		return;
	}
	if (wx_menu_sync(a->api, kb, time(NULL), active_menu_cb, p,
	    &cause) == NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    req), NULL, NULL);
		free(p);
		active_error(req, 422, cause != NULL ? cause : "menu invalid");
		free(cause);
	}
	kb_unref(kb);
}

int
active_route(struct active *a, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct active_pending *p;
	int post;

	if (strcmp(path, "/api/push") != 0 &&
	    strcmp(path, "/api/menu/sync") != 0 &&
	    strcmp(path, "/api/menu") != 0 &&
	    strcmp(path, "/api/import-autoreply") != 0)
		return 0;
	post = strcmp(path, "/api/menu") != 0;
	if (m != (post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET)) {
		active_error(req, 405, "method not allowed");
		return 1;
	}
	if (a == NULL) {
		active_error(req, 503, "the WeChat API is off: set "
		    "WXKB_APPSECRET (the AppSecret credential)");
		return 1;
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    ACTIVE_MAX_BODY) {
		active_error(req, 413, "body too large");
		return 1;
	}
	if (strcmp(path, "/api/push") == 0) {
		active_push(a, req);
		return 1;
	}
	if (strcmp(path, "/api/menu/sync") == 0) {
		active_menu_sync(a, req);
		return 1;
	}
	p = active_hold(a, req);
	if (p == NULL) {
		http_send_text(req, 500, "out of memory\n");
		return 1;
	}
	if (strcmp(path, "/api/menu") == 0)
		wx_menu_get(a->api, active_menu_get_cb, p);
	else
		wx_autoreply_fetch(a->api, active_import_cb, p);
	return 1;
}
