/*
 * admin_signin — staff sign-in on the admin listener (admin_signin.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "daemon/admin_guard.h"
#include "daemon/admin_signin.h"
#include "daemon/passwd.h"
#include "daemon/passwd_check.h"
#include "daemon/session.h"
#include "daemon/users.h"
#include "lib/http.h"
#include "lib/log.h"

#define SIGNIN_JSON	"application/json; charset=utf-8"
#define SIGNIN_MAX_BODY	4096

struct admin_signin {
	char		*path;		/* users.json */
	int		 secure;
	struct stat	 st;		/* of the accounts read; ino 0: none */
	struct users	 users;
	struct session_store sessions;
	struct passwd_check *check;
};

/* A sign-in whose password is being checked. */
struct signin_wait {
	struct admin_signin *g;
	struct admin_guard *guard;
	struct evhttp_request *req;	/* NULL: the client left */
	char		 name[USERS_NAME_MAX + 1];
	char		 hash[PASSWD_HASH_SIZE];	/* as checked */
	char		 addr[64];
	int		 known;		/* name is an account */
};

struct admin_signin *
admin_signin_new(struct event_base *base, const char *state_dir, int secure)
{
	struct admin_signin *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->path = users_path(state_dir);
	g->check = passwd_check_new(base);
	if (g->path == NULL || g->check == NULL) {
		passwd_check_free(g->check);
		free(g->path);
		free(g);
		return NULL;
	}
	g->secure = secure;
	session_init(&g->sessions, SESSION_IDLE);
	return g;
}

void
admin_signin_free(struct admin_signin *g)
{
	if (g == NULL)
		return;
	passwd_check_free(g->check);
	free(g->path);
	/* The hashes and session ids do not outlive the daemon's memory. */
	memset(g, 0, sizeof *g);
	free(g);
}

/* The accounts as the file is now: read again when it changed. */
static void
signin_users(struct admin_signin *g)
{
	struct stat st;
	char *cause = NULL;

	if (stat(g->path, &st) != 0) {
		if (g->st.st_ino != 0 && errno == ENOENT)
			log_notice("admin_users", "%s is gone: no staff "
			    "account", g->path);
		memset(&g->st, 0, sizeof g->st);
		g->users.n = 0;
		return;
	}
	if (st.st_ino == g->st.st_ino && st.st_size == g->st.st_size &&
	    st.st_mtim.tv_sec == g->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == g->st.st_mtim.tv_nsec)
		return;
	g->st = st;
	if (users_load(&g->users, g->path, &cause) != 0) {
		log_msg(LOG_ERR, "admin_users", NULL, 0, "%s; no staff "
		    "account can sign in until it is fixed", cause);
		free(cause);
	}
}

/* The session of req's cookie, still valid for its account, or NULL. */
static struct session *
signin_session(struct admin_signin *g, struct evhttp_request *req,
    int *had_cookie)
{
	char id[SESSION_TOKEN_LEN + 1];
	struct users_entry *u;
	struct session *s;

	*had_cookie = session_cookie(evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Cookie"), id);
	if (!*had_cookie)
		return NULL;
	s = session_find(&g->sessions, id, time(NULL));
	if (s == NULL)
		return NULL;
	signin_users(g);
	u = users_find(&g->users, s->name);
	if (u == NULL || strcmp(u->hash, s->hash) != 0) {
		session_close(s);
		return NULL;
	}
	return s;
}

/* Set the cookie to id, or clear it when id is NULL. */
static void
signin_cookie(struct admin_signin *g, struct evhttp_request *req,
    const char *id)
{
	char v[256];

	snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    SESSION_COOKIE, id != NULL ? id : "", g->secure ? "; Secure" : "",
	    id != NULL ? "" : "; Max-Age=0");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Set-Cookie", v);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
}

/* Answer status with j (stolen). */
static void
signin_reply(struct evhttp_request *req, int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (text == NULL) {
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	http_send(req, status, SIGNIN_JSON, text, strlen(text));
	free(text);
}

/* {"error", "message_zh"} with status. */
static void
signin_error(struct evhttp_request *req, int status, const char *error,
    const char *zh)
{
	signin_reply(req, status, json_pack("{ssss}", "error", error,
	    "message_zh", zh));
}

/* {"name", "role", "csrf"} of a session. */
static void
signin_whoami(struct admin_signin *g, struct evhttp_request *req,
    const struct session *s)
{
	struct users_entry *u = users_find(&g->users, s->name);

	signin_reply(req, 200, json_pack("{ssssss}", "name", s->name, "role",
	    users_role_name(u != NULL ? u->role : USERS_EDITOR), "csrf",
	    s->csrf));
}

/* The name and password of a sign-in body into *name, *pw: 0 or -1. */
static int
signin_body(struct evhttp_request *req, json_t **root, const char **name,
    const char **pw, size_t *pwlen)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");
	size_t len = evbuffer_get_length(b);

	*root = NULL;
	if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
	    len == 0 || len > SIGNIN_MAX_BODY)
		return -1;
	*root = json_loadb((const char *)evbuffer_pullup(b, -1), len,
	    JSON_REJECT_DUPLICATES, NULL);
	if (json_unpack(*root, "{s:s, s:s%}", "name", name, "password", pw,
	    pwlen) != 0)
		return -1;
	return 0;
}

/* The client of a sign-in being checked left: keep counting it. */
static void
signin_gone_cb(struct evhttp_connection *evcon, void *arg)
{
	struct signin_wait *w = arg;

	(void)evcon;
	w->req = NULL;
}

/* The password of w was checked (ok 1 or 0), or never (-1: shutdown). */
static void
signin_checked(void *arg, int ok)
{
	struct signin_wait *w = arg;
	struct evhttp_request *req = w->req;
	struct admin_signin *g = w->g;
	struct users_entry *u = NULL;
	struct session *s;
	unsigned failures;

	if (req != NULL)
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    req), NULL, NULL);
	if (ok < 0)
		goto out;
	/* The accounts may have changed while the password was checked. */
	if (ok && w->known) {
		signin_users(g);
		u = users_find(&g->users, w->name);
		if (u != NULL && strcmp(u->hash, w->hash) != 0)
			u = NULL;
	}
	if (u == NULL) {
		/* Counted even when the client left without waiting. */
		failures = admin_guard_failed(w->guard, w->addr,
		    admin_guard_now());
		log_warn("admin_signin_failed", "failed sign-in from %s (%u "
		    "failures in a row)", w->addr, failures);
		if (req != NULL)
			signin_error(req, 401, "wrong name or password",
			    "用户名或密码不对");
		goto out;
	}
	admin_guard_succeeded(w->guard, w->addr);
	if (req == NULL)
		goto out;
	s = session_open(&g->sessions, u, time(NULL));
	if (s == NULL) {
		signin_error(req, 500, "no random bytes for a session",
		    "服务器暂时无法登录，请稍后再试");
		goto out;
	}
	log_msg(LOG_NOTICE, "admin_signin", (struct log_kv[]){
	    { "PERSON", s->name } }, 1, "%s signed in from %s", s->name,
	    w->addr);
	signin_cookie(g, req, s->id);
	signin_whoami(g, req, s);
out:
	free(w);
}

/*
 * POST /api/session: sign in.  The password is checked on passwd_check's
 * thread; the answer comes when it is done.
 */
static void
signin_post(struct admin_signin *g, struct admin_guard *guard,
    struct evhttp_request *req, const char *addr)
{
	const char *name, *pw;
	struct users_entry *u;
	struct signin_wait *w;
	json_t *root;
	size_t pwlen;

	if (signin_body(req, &root, &name, &pw, &pwlen) != 0) {
		json_decref(root);
		signin_error(req, 400, "send JSON {\"name\", \"password\"}",
		    "请填写用户名和密码");
		return;
	}
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		json_decref(root);
		signin_error(req, 500, "out of memory",
		    "服务器暂时无法登录，请稍后再试");
		return;
	}
	signin_users(g);
	u = users_find(&g->users, name);
	w->g = g;
	w->guard = guard;
	w->req = req;
	w->known = u != NULL;
	snprintf(w->name, sizeof w->name, "%s", name);
	/* An unknown name takes as long as a known one. */
	snprintf(w->hash, sizeof w->hash, "%s", u != NULL ? u->hash :
	    PASSWD_DUMMY);
	snprintf(w->addr, sizeof w->addr, "%s", addr);
	if (passwd_check_start(g->check, pw, pwlen, w->hash, signin_checked,
	    w) != 0) {
		json_decref(root);
		free(w);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "2");
		signin_error(req, 503, "too many sign-ins at once; try again",
		    "同时登录的人太多，请稍后再试");
		return;
	}
	json_decref(root);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    signin_gone_cb, w);
}

void
admin_signin_serve(struct admin_signin *g, struct admin_guard *guard,
    struct evhttp_request *req, const char *addr)
{
	const char *csrf = evhttp_find_header(
	    evhttp_request_get_input_headers(req), SESSION_CSRF_HEADER);
	struct session *s;
	int had;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_POST:
		signin_post(g, guard, req, addr);
		return;
	case EVHTTP_REQ_GET:
		s = signin_session(g, req, &had);
		if (s == NULL)
			signin_error(req, 401, "not signed in", "尚未登录");
		else
			signin_whoami(g, req, s);
		return;
	case EVHTTP_REQ_DELETE:
		s = signin_session(g, req, &had);
		if (s != NULL && !session_csrf_ok(s, csrf)) {
			signin_error(req, 403, "missing or wrong CSRF token",
			    "页面已过期，请刷新后再试");
			return;
		}
		if (s != NULL) {
			log_msg(LOG_NOTICE, "admin_signout", (struct log_kv[]){
			    { "PERSON", s->name } }, 1, "%s signed out",
			    s->name);
			session_close(s);
		}
		signin_cookie(g, req, NULL);
		signin_reply(req, 200, json_pack("{sb}", "signed_in", 0));
		return;
	default:
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, POST, DELETE");
		signin_error(req, 405, "method not allowed here (allowed: "
		    "GET, POST, DELETE)", "不支持的操作");
	}
}

int
admin_signin_who(struct admin_signin *g, struct evhttp_request *req,
    const char **person, enum admin_role *role)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct users_entry *u;
	struct session *s;
	int had;

	s = signin_session(g, req, &had);
	if (!had)
		return 0;
	if (s == NULL) {
		signin_error(req, 401, "the session ended; sign in again",
		    "登录已过期，请重新登录");
		return -1;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD &&
	    !session_csrf_ok(s, evhttp_find_header(
	    evhttp_request_get_input_headers(req), SESSION_CSRF_HEADER))) {
		signin_error(req, 403, "missing or wrong CSRF token",
		    "页面已过期，请刷新后再试");
		return -1;
	}
	u = users_find(&g->users, s->name);
	*person = s->name;
	*role = u != NULL && u->role == USERS_PUBLISHER ?
	    ADMIN_ROLE_PUBLISHER : ADMIN_ROLE_EDITOR;
	return 1;
}
