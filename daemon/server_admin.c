/*
 * server_admin — the admin listener's side of the server: the Host check,
 * the bearer tokens and their back-off, /metrics, /healthz with the
 * reason, the page, and every /api/ route through the admin API.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon/admin_guard.h"
#include "daemon/admin_signin.h"
#include "daemon/cluster.h"
#include "daemon/config.h"
#include "daemon/server_int.h"
#include "daemon/users.h"
#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_page.h"
#include "handlers/callback/wx_sig.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/metrics.h"

/* 1 when the request carries "Authorization: Bearer <want>". */
static int
server_bearer(struct evhttp_request *req, const char *want)
{
	const char *h;
	size_t n = strlen(want);

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (n == 0 || h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	return strlen(h) == n && wx_sig_equal(h, want, n);
}

/* The client's address of req into buf. */
static const char *
server_peer(struct evhttp_request *req)
{
	char *peer = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer,
	    &port);
	return peer != NULL ? peer : "?";
}

/*
 * 1 when addr must still wait after failed sign-ins: answered 429 with
 * Retry-After.
 */
static int
server_backing_off(struct server *s, struct evhttp_request *req,
    const char *addr)
{
	char body[192], retry[24];
	long wait;
	int n;

	wait = admin_guard_wait(s->guard, addr, admin_guard_now());
	if (wait <= 0)
		return 0;
	n = snprintf(body, sizeof body, "{\"error\":\"too many failed "
	    "sign-ins from this address; try again in %ld s\",\"message_zh"
	    "\":\"登录失败次数太多，请 %ld 秒后再试\"}\n", wait, wait);
	snprintf(retry, sizeof retry, "%ld", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", retry);
	http_send(req, 429, "application/json; charset=utf-8", body,
	    (size_t)n);
	return 1;
}

/*
 * Let the request through when it carries the admin token (or, for
 * /metrics, the metrics token), or for the API a staff session, and its
 * address is not backing off; otherwise answer 429, 401 or 403 and log
 * the address.  *person and *role say who it is ("token" for a token).
 */
static int
server_admin_gate(struct server *s, struct evhttp_request *req,
    const char *path, int metrics, const char **person,
    enum admin_role *role)
{
	static const char unauthorized[] =
	    "{\"error\":\"no or wrong admin token\",\"message_zh\":"
	    "\"请先登录\"}\n";
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *addr = server_peer(req);
	unsigned failures;
	int r;

	if (server_backing_off(s, req, addr))
		return 0;
	*person = USERS_TOKEN_NAME;
	*role = ADMIN_ROLE_PUBLISHER;
	if (server_bearer(req, s->cfg->admin_token) ||
	    (metrics && server_bearer(req, s->cfg->metrics_token))) {
		admin_guard_succeeded(s->guard, addr);
		return 1;
	}
	if (!metrics) {
		r = admin_signin_who(s->signin, req, person, role);
		if (r != 0)
			return r > 0;
	}
	failures = admin_guard_failed(s->guard, addr, admin_guard_now());
	/* A warning: rate-limited per event by the log module. */
	log_warn("admin_unauthorized", "admin call to %s from %s without a "
	    "valid token (%u failures in a row)", path, addr, failures);
	evhttp_add_header(out, "WWW-Authenticate", "Bearer");
	http_send(req, 401, "application/json; charset=utf-8", unauthorized,
	    sizeof unauthorized - 1);
	return 0;
}

static void
server_metrics(struct evhttp_request *req)
{
	char *text;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_send_text(req, 405, "method not allowed\n");
		return;
	}
	text = metrics_render();
	if (text == NULL) {
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	http_send(req, 200, METRICS_CONTENT_TYPE, text, strlen(text));
	free(text);
}

static enum admin_method
server_admin_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return ADMIN_GET;
	case EVHTTP_REQ_POST:
		return ADMIN_POST;
	case EVHTTP_REQ_PUT:
		return ADMIN_PUT;
	case EVHTTP_REQ_DELETE:
		return ADMIN_DELETE;
	default:
		return ADMIN_OTHER;
	}
}



/* Log what an admin API call asks to: an audit line or a failure. */
static void
server_admin_log(const struct admin_result *res)
{
	char oldrev[24], newrev[24];
	struct log_kv kv[5];
	size_t n = 0;

	if (res->event == NULL || res->log == ADMIN_LOG_NONE)
		return;
	if (res->log != ADMIN_LOG_NOTICE) {
		log_msg(res->log == ADMIN_LOG_ERR ? LOG_ERR : LOG_WARNING,
		    res->event, NULL, 0, "%s", res->message != NULL ?
		    res->message : "admin API failure");
		return;
	}
	snprintf(oldrev, sizeof oldrev, "%" PRId64, res->old_revision);
	snprintf(newrev, sizeof newrev, "%" PRId64, res->new_revision);
	kv[n++] = (struct log_kv){ "PERSON", res->person };
	kv[n++] = (struct log_kv){ "ITEM", res->item };
	kv[n++] = (struct log_kv){ "ACTION", res->action };
	kv[n++] = (struct log_kv){ "OLD_REVISION", oldrev };
	kv[n++] = (struct log_kv){ "NEW_REVISION", newrev };
	log_msg(LOG_NOTICE, res->event, kv, n, "%s", res->message != NULL ?
	    res->message : "knowledge base changed");
}

/* admin_api_serve's done: send the answer on the request (arg). */
static void
server_admin_done(void *arg, struct admin_result *res)
{
	struct evhttp_request *req = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	size_t i;

	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    NULL, NULL);
	for (i = 0; i < res->nheaders; i++)
		evhttp_add_header(out, res->headers[i].name,
		    res->headers[i].value);
	http_send(req, res->status, res->content_type, res->body, res->len);
	server_admin_log(res);
}

/* The client of an answer that waits for WeChat left. */
static void
server_admin_gone_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	admin_pending_cancel(arg);
}

/* Every /api/ route, through the admin API's one table. */
static void
server_admin_api(struct server *s, struct evhttp_request *req,
    const char *path, const char *query, const char *person,
    enum admin_role role)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct admin_pending *p;
	struct admin_request ar;

	memset(&ar, 0, sizeof ar);
	ar.method = server_admin_method(req);
	/*
	 * An edit saved while Redis is away would not reach the other
	 * instances, and could overwrite one of theirs when it returns.
	 */
	if (cluster_degraded(s->cluster) && ar.method != ADMIN_GET &&
	    strncmp(path, "/api/kb", 7) == 0) {
		static const char away[] = "{\"error\":\""
		    ADMIN_API_AWAY_ZH "\"}\n";

		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "10");
		http_send(req, 503, "application/json; charset=utf-8", away,
		    sizeof away - 1);
		return;
	}
	ar.path = path;
	ar.query = query;
	ar.if_match = evhttp_find_header(in, "If-Match");
	ar.content_type = evhttp_find_header(in, "Content-Type");
	ar.len = evbuffer_get_length(body);
	ar.body = ar.len > 0 ? (const char *)evbuffer_pullup(body, -1) : "";
	ar.now = time(NULL);
	ar.person = person;
	ar.role = role;
	p = admin_api_serve(s->admin_api, &ar, server_admin_done, req);
	if (p != NULL)
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    req), server_admin_gone_cb, p);
}

void
server_admin_cb(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	const char *path, *query, *person;
	enum admin_role role;

	/* A browser led here by DNS rebinding names another host. */
	if (!admin_guard_host_ok(s->guard, evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Host"))) {
		http_send_text(req, 421, "unknown host\n");
		return;
	}
	path = http_path(req, &query);
	if (path == NULL) {
		http_send_text(req, 400, "bad request\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		server_healthz(s, req, 1);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (server_admin_gate(s, req, path, 1, &person, &role))
			server_metrics(req);
		return;
	}
	if (admin_page_serve(req, path))
		return;
	if (strncmp(path, "/api/", 5) != 0) {
		http_send_text(req, 404, "not found\n");
		return;
	}
	if (strcmp(path, "/api/session") == 0) {
		if (!server_backing_off(s, req, server_peer(req)))
			admin_signin_serve(s->signin, s->guard, req,
			    server_peer(req));
		return;
	}
	if (!server_admin_gate(s, req, path, 0, &person, &role))
		return;
	server_admin_api(s, req, path, query, person, role);
}
