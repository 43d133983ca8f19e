/*
 * server — the daemon's listeners and the knowledge-base generations they
 * serve: start and stop, reload, the public routes (the admin listener's
 * are in server_admin.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "daemon/active.h"
#include "daemon/admin_guard.h"
#include "daemon/admin_signin.h"
#include "daemon/cluster.h"
#include "daemon/config.h"
#include "daemon/config_safety.h"
#include "daemon/server.h"
#include "daemon/server_int.h"
#include "daemon/tally.h"
#include "handlers/admin/admin_api.h"
#include "handlers/admin/admin_page.h"
#include "handlers/callback/dispatch.h"
#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_sig.h"
#include "kb/kb.h"
#include "kb/kb_stats.h"
#include "kb/kb_unanswered.h"
#include "lib/file.h"
#include "lib/http.h"
#include "lib/http_conns.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/rand.h"

#ifndef WXKB_SHAREDIR
#define WXKB_SHAREDIR		"/usr/local/share/wxkbd"
#endif
/* The shipped knowledge base a first start begins with. */
#define SERVER_SHIPPED_KB	WXKB_SHAREDIR "/wanggezhuang.json"
#define SERVER_UID_KEY		"uid.key"
#define SERVER_UNANSWERED	"unanswered.json"
#define SERVER_STATS		"stats.json"
/*
 * Bodies the admin listener reads; each route refuses more than its own
 * limit with a 413 of its own (ADMIN_API_MAX_BODY for the knowledge base,
 * 4 MiB for an article push).
 */
#define SERVER_ADMIN_MAX_BODY	(5 * 1024 * 1024)
/* Connections of the admin listener at most (WXKB_MAX_CONNECTIONS too). */
#define SERVER_ADMIN_MAX_CONNS	64


static uint64_t
server_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * The key that hashes OpenIDs in logs and state: kept in the state dir so
 * that one resident keeps one hash across restarts; random if it cannot.
 */
static void
server_uid_key(const struct config *cfg, unsigned char key[16])
{
	char path[4096];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/%s", cfg->state_dir, SERVER_UID_KEY);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		n = read(fd, key, 16);
		close(fd);
		if (n == 16)
			return;
	}
	if (rand_bytes(key, 16) != 0)
		fatal("getrandom");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, key, 16) != 16 || fsync(fd) != 0) {
		log_warn("state_error", "cannot keep %s: %s; OpenID hashes "
		    "change at restart", path, strerror(errno));
	}
	if (fd != -1)
		close(fd);
}

/*
 * On the first start the live file does not exist yet: begin with a copy
 * of the shipped knowledge base, so that edits never touch the original.
 */
static void
server_seed_kb(const struct config *cfg)
{
	char *buf = NULL, *cause = NULL;
	size_t len;

	if (access(cfg->kb, F_OK) == 0 || errno != ENOENT)
		return;
	if (file_read(SERVER_SHIPPED_KB, KB_MAX_FILE, &buf, &len,
	    &cause) != 0) {
		log_warn("kb_seed_failed", "%s is missing and the shipped "
		    "knowledge base cannot be read: %s", cfg->kb,
		    cause != NULL ? cause : "?");
		free(cause);
		return;
	}
	if (file_write_atomic(cfg->kb, buf, len, 0600, &cause) != 0) {
		log_warn("kb_seed_failed", "cannot create %s: %s", cfg->kb,
		    cause != NULL ? cause : "?");
		free(cause);
	} else
		log_notice("kb_seeded", "created %s from %s", cfg->kb,
		    SERVER_SHIPPED_KB);
	free(buf);
}

/* Keep the first line of a failed load's diagnostics for /healthz. */
static void
server_set_reload_error(struct server *s, const char *text)
{
	size_t n = text != NULL ? strcspn(text, "\n") : 0;

	if (n >= sizeof s->reload_error) {
		/* Cut before a character, not inside one. */
		n = sizeof s->reload_error - 1;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	pthread_mutex_lock(&s->reload_mtx);
	if (n > 0)
		memcpy(s->reload_error, text, n);
	s->reload_error[n] = '\0';
	pthread_mutex_unlock(&s->reload_mtx);
}

/*
 * Load the file and serve it as the next generation.  On failure *why is
 * the malloc'ed diagnostics (may be NULL) and nothing else changes.
 */
static int
server_load(struct server *s, char **why)
{
	struct kb_diag diag;
	struct kb *kb = NULL;
	char *text;
	int r, warned;

	*why = NULL;
	memset(&diag, 0, sizeof diag);
	r = kb_load_file(s->cfg->kb, s->generation + 1, &kb, &diag);
	s->last_reload = time(NULL);
	s->last_reload_ok = r == KB_OK;
	metrics_counter_inc(M_KB_RELOADS, r == KB_OK ? "result=\"ok\"" :
	    "result=\"error\"");
	metrics_gauge_set(M_KB_LAST_RELOAD_OK, NULL, r == KB_OK ? 1 : 0);
	metrics_gauge_set(M_KB_LAST_RELOAD_TIME, NULL,
	    (double)s->last_reload);
	text = kb_diag_format(&diag, s->cfg->kb);
	warned = diag.nwarnings > 0;
	kb_diag_cleanup(&diag);
	if (r != KB_OK) {
		server_set_reload_error(s, text != NULL && *text != '\0' ?
		    text : "the knowledge base could not be loaded");
		*why = text;
		return -1;
	}
	server_set_reload_error(s, NULL);
	if (warned)
		log_warn("reload_warning", "%s", text != NULL ? text : "");
	free(text);
	s->generation++;
	metrics_gauge_set(M_KB_GENERATION, NULL, (double)s->generation);
	metrics_gauge_set(M_KB_ITEMS, NULL, (double)kb_nitems(kb));
	dispatch_set_kb(s->dispatch, kb);
	kb_unref(kb);
	/*
	 * The old generation's pages stay in malloc's heap once freed; give
	 * them back, or every reload of a large file grows the process.
	 */
	malloc_trim(0);
	log_notice("reload", "knowledge base generation %" PRIu64 ": %zu "
	    "items, %zu keywords", s->generation, kb_nitems(kb),
	    kb_nkeywords(kb));
	return 0;
}

int
server_reload(struct server *s)
{
	char *why;

	if (server_load(s, &why) == 0)
		return 0;
	log_err("reload_failed", "knowledge base %s not loaded, "
	    "generation %" PRIu64 " keeps serving:\n%s", s->cfg->kb,
	    s->generation, why != NULL ? why : "");
	free(why);
	return -1;
}

static enum wx_method
server_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return WX_METHOD_GET;
	case EVHTTP_REQ_POST:
		return WX_METHOD_POST;
	default:
		return WX_METHOD_OTHER;
	}
}

/*
 * 200 while a generation serves, with the outcome of the last reload and,
 * when it failed and with_reason (the admin listener; the public one
 * does not show file names and contents), why: the old generation still
 * serves.
 */
void
server_healthz(struct server *s, struct evhttp_request *req,
    int with_reason)
{
	struct kb *kb;
	json_t *j, *e;
	char *body, *line, error[SERVER_RELOAD_ERROR_MAX];

	if (server_method(req) != WX_METHOD_GET) {
		http_send_text(req, 405, "method not allowed\n");
		return;
	}
	pthread_mutex_lock(&s->reload_mtx);
	memcpy(error, s->reload_error, sizeof error);
	pthread_mutex_unlock(&s->reload_mtx);
	kb = dispatch_kb_acquire(s->dispatch);
	/* Degraded still serves: a balancer must keep sending to it. */
	j = json_pack("{s:s, s:I, s:I, s:s}", "status",
	    cluster_degraded(s->cluster) ? "degraded" : "ok",
	    "generation", (json_int_t)(kb != NULL ? kb_generation(kb) : 0),
	    "items", (json_int_t)(kb != NULL ? kb_nitems(kb) : 0),
	    "last_reload", error[0] != '\0' ? "failed" : "ok");
	kb_unref(kb);
	if (j != NULL && error[0] != '\0' && with_reason) {
		/* A reason that is not UTF-8 (a file name) is left out. */
		e = json_string(error);
		json_object_set_new(j, "last_reload_error", e != NULL ? e :
		    json_string("(not UTF-8)"));
	}
	body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL || asprintf(&line, "%s\n", body) == -1) {
		free(body);
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	http_send(req, 200, "application/json", line, strlen(line));
	free(line);
	free(body);
}

/* A callback while it is being answered (it may wait on Redis). */
struct server_call {
	struct evhttp_request	*req;
	uint64_t		 start;
};

static void
server_callback_done(void *arg, struct wx_result *res)
{
	struct server_call *call = arg;
	uint64_t took;

	http_send(call->req, res->status, res->content_type, res->body,
	    res->len);
	took = server_now_us() - call->start;
	tally_callback(res, took);
}

static void
server_callback_done_free(void *arg, struct wx_result *res)
{
	server_callback_done(arg, res);
	free(arg);
}

static void
server_callback(struct server *s, struct evhttp_request *req,
    const char *query)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct server_call call, *heap;
	size_t len = evbuffer_get_length(in);
	const char *body;

	body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "";
	call.req = req;
	call.start = server_now_us();
	if (s->cluster == NULL) {
		/* One instance: always answered before the call returns. */
		wx_callback_start(s->callback, server_method(req), query,
		    body, len, time(NULL), server_callback_done, &call);
		return;
	}
	heap = malloc(sizeof *heap);
	if (heap == NULL) {
		http_send_text(req, 500, "out of memory\n");
		return;
	}
	*heap = call;
	wx_callback_start(s->callback, server_method(req), query, body, len,
	    time(NULL), server_callback_done_free, heap);
}

void
server_public_cb(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	const char *path, *query;

	atomic_fetch_add(&s->requests, 1);
	path = http_path(req, &query);
	if (path == NULL)
		http_send_text(req, 400, "bad request\n");
	else if (strcmp(path, s->cfg->path) == 0)
		server_callback(s, req, query);
	else if (strcmp(path, "/healthz") == 0) {
		server_healthz(s, req, 0);
		tally_http(TALLY_HEALTHZ, 200);
	} else {
		http_send_text(req, 404, "not found\n");
		tally_http(TALLY_OTHER, 404);
	}
}

/* The admin API's reload: serve the file as a new generation. */
static int
server_admin_reload_cb(void *arg, uint64_t *generation)
{
	struct server *s = arg;

	if (server_reload(s) != 0)
		return -1;
	*generation = s->generation;
	cluster_kb_changed(s->cluster);
	return 0;
}

/* A newer knowledge base from another instance: the file, then serve. */
static int
server_cluster_apply(void *arg, const char *doc, size_t len)
{
	struct server *s = arg;
	char *cause = NULL;

	if (file_write_atomic(s->cfg->kb, doc, len, 0600, &cause) != 0) {
		log_warn("kb_save_failed", "knowledge base from the cluster "
		    "not written: %s", cause != NULL ? cause : "?");
		free(cause);
		return -1;
	}
	return server_reload(s);
}

static enum wx_mode
server_mode(enum config_mode m)
{
	switch (m) {
	case CONFIG_MODE_COMPAT:
		return WX_MODE_COMPAT;
	case CONFIG_MODE_SAFE:
		return WX_MODE_SAFE;
	case CONFIG_MODE_PLAIN:
		break;
	}
	return WX_MODE_PLAIN;
}

/* Prefix *cause with the configuration key it is about. */
static void
server_cause_key(char **cause, const char *key)
{
	char *c;

	if (asprintf(&c, "%s: %s", key, *cause != NULL ? *cause :
	    "cannot listen") == -1)
		return;
	free(*cause);
	*cause = c;
}

struct server *
server_new(struct event_base *base, const struct config *cfg, char **cause,
    const char **event)
{
	struct wx_callback_cfg cc;
	struct admin_api_cfg ac;
	struct server *s;
	const char *why = NULL;
	char *cause2 = NULL;

	*cause = NULL;
	*event = "config_error";
	s = calloc(1, sizeof *s);
	if (s == NULL)
		fatal("calloc");
	s->base = base;
	s->cfg = cfg;
	tally_init();
	if (pthread_mutex_init(&s->reload_mtx, NULL) != 0)
		fatalx("pthread_mutex_init failed");
	s->dispatch = dispatch_new();
	if (s->dispatch == NULL)
		fatalx("cannot create the dispatcher");
	server_seed_kb(cfg);
	if (server_load(s, &cause2) != 0) {
		/* Said once, by the caller: nothing serves yet. */
		*event = "kb_load_failed";
		if (asprintf(cause, "knowledge base %s not loaded:\n%s",
		    cfg->kb, cause2 != NULL ? cause2 : "") == -1)
			*cause = NULL;
		free(cause2);
		goto fail;
	}
	if (asprintf(&s->unanswered_path, "%s/%s", cfg->state_dir,
	    SERVER_UNANSWERED) == -1)
		fatal("asprintf");
	s->unanswered = kb_unanswered_open(s->unanswered_path, &cause2);
	if (s->unanswered == NULL)
		fatalx("out of memory");
	if (cause2 != NULL) {
		log_warn("state_error", "unanswered questions start empty: %s",
		    cause2);
		free(cause2);
	}
	dispatch_set_unanswered(s->dispatch, s->unanswered);
	if (asprintf(&s->stats_path, "%s/%s", cfg->state_dir,
	    SERVER_STATS) == -1)
		fatal("asprintf");
	s->stats = kb_stats_open(s->stats_path, &cause2);
	if (s->stats == NULL)
		fatalx("out of memory");
	if (cause2 != NULL) {
		log_warn("state_error", "statistics start empty: %s", cause2);
		free(cause2);
	}
	dispatch_set_stats(s->dispatch, s->stats);

	memset(&cc, 0, sizeof cc);
	cc.token = cfg->token;
	cc.appid = cfg->appid;
	cc.aes_key = cfg->aes_key;
	cc.mode = server_mode(cfg->mode);
	cc.max_skew = cfg->max_clock_skew;
	cc.dispatch = dispatch_message;
	cc.dispatch_arg = s->dispatch;
	server_uid_key(cfg, cc.uid_key);
	s->cluster = cluster_new(base, cfg, 2 * cfg->max_clock_skew + 1,
	    WX_RETRY_TTL, cause);
	if (s->cluster == NULL && *cause != NULL) {
		memset(cc.uid_key, 0, sizeof cc.uid_key);
		goto fail;
	}
	cc.share = cluster_share(s->cluster);
	if (s->cluster != NULL && cluster_follow_kb(s->cluster, base, cfg,
	    server_cluster_apply, s, cause) != 0) {
		memset(cc.uid_key, 0, sizeof cc.uid_key);
		goto fail;
	}
	if (s->cluster != NULL && cluster_share_stats(s->cluster, base, cfg,
	    s->dispatch, cause) != 0) {
		memset(cc.uid_key, 0, sizeof cc.uid_key);
		goto fail;
	}
	cc.import_state = dispatch_import_state;
	cc.import_arg = s->dispatch;
	dispatch_set_share(s->dispatch, cc.share);
	s->active = active_new(base, cfg, cc.uid_key, s->dispatch,
	    cluster_token_share(s->cluster), cause);
	if (s->active != NULL) {
		/* Note each resident's window before answering. */
		cc.dispatch = active_dispatch;
		cc.dispatch_arg = s->active;
	} else if (*cause != NULL) {
		memset(cc.uid_key, 0, sizeof cc.uid_key);
		goto fail;
	}
	s->callback = wx_callback_new(&cc, &why);
	memset(cc.uid_key, 0, sizeof cc.uid_key);
	if (s->callback == NULL) {
		if (asprintf(cause, "callback: %s", why) == -1)
			*cause = NULL;
		goto fail;
	}
	s->public = http_listen(base, cfg->listen, cfg->workers > 1,
	    server_public_cb, s, cause);
	if (s->public == NULL) {
		*event = "listen_failed";
		server_cause_key(cause, "WXKB_LISTEN");
		goto fail;
	}
	s->public_limit.max = cfg->max_connections;
	s->public_conns = http_conns_attach(s->public, base, &s->public_limit,
	    HTTP_READ_AHEAD(HTTP_MAX_BODY));
	if (s->public_conns == NULL)
		fatalx("out of memory");
	if (*cfg->admin_listen != '\0') {
		memset(&ac, 0, sizeof ac);
		ac.kb_path = cfg->kb;
		ac.state_dir = cfg->state_dir;
		ac.dispatch = s->dispatch;
		ac.reload = server_admin_reload_cb;
		ac.reload_arg = s;
		ac.api = active_api(s->active);
		ac.push = active_pusher(s->active);
		cluster_admin_cfg(s->cluster, &ac);
		ac.stats_share = cluster_admin_stats(s->cluster);
		s->admin_api = admin_api_new(&ac, cause, &cause2);
		if (s->admin_api == NULL)
			goto fail;
		cluster_admin_attach(s->cluster, s->admin_api);
		if (cause2 != NULL) {
			log_warn("state_error", "knowledge-base history: %s",
			    cause2);
			free(cause2);
		}
		s->guard = admin_guard_new(cfg->admin_hosts);
		s->signin = admin_signin_new(base, cfg->state_dir,
		    config_admin_over_tls(cfg));
		if (s->guard == NULL || s->signin == NULL)
			fatalx("out of memory");
		s->admin = http_listen(base, cfg->admin_listen, 0,
		    server_admin_cb, s, cause);
		if (s->admin == NULL) {
			*event = "listen_failed";
			server_cause_key(cause, "WXKB_ADMIN_LISTEN");
			goto fail;
		}
		evhttp_set_max_body_size(s->admin, SERVER_ADMIN_MAX_BODY);
		/* Its bodies may be 5 MiB: fewer of them. */
		s->admin_limit.max = cfg->max_connections <
		    SERVER_ADMIN_MAX_CONNS ? cfg->max_connections :
		    SERVER_ADMIN_MAX_CONNS;
		s->admin_conns = http_conns_attach(s->admin, base,
		    &s->admin_limit, HTTP_READ_AHEAD(SERVER_ADMIN_MAX_BODY));
		if (s->admin_conns == NULL)
			fatalx("out of memory");
	}
	return s;
fail:
	server_free(s);
	return NULL;
}

struct http_conns_limit *
server_public_limit(struct server *s)
{
	return &s->public_limit;
}

void
server_stop_accepting(struct server *s)
{
	if (s->public != NULL)
		http_stop_accepting(s->public);
	if (s->admin != NULL)
		http_stop_accepting(s->admin);
}

void
server_status(const struct server *s, char *buf, size_t len)
{
	struct kb *kb = dispatch_kb_acquire(s->dispatch);

	snprintf(buf, len, "generation %" PRIu64 ", %zu items, %" PRIu64
	    " requests", s->generation, kb != NULL ? kb_nitems(kb) : 0,
	    (uint64_t)atomic_load(&s->requests));
	kb_unref(kb);
}

void
server_flush(struct server *s)
{
	char *cause = NULL;

	if (dispatch_unanswered_save(s->dispatch, s->unanswered_path,
	    &cause) != 0) {
		log_warn("state_error", "unanswered questions not saved: %s",
		    cause != NULL ? cause : "?");
		free(cause);
		cause = NULL;
	}
	if (dispatch_stats_save(s->dispatch, s->stats_path, &cause) != 0) {
		log_warn("state_error", "statistics not saved: %s",
		    cause != NULL ? cause : "?");
		free(cause);
	}
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	/* Callbacks waiting on Redis are answered first, from local state. */
	cluster_stop(s->cluster);
	if (s->public != NULL)
		evhttp_free(s->public);
	if (s->admin != NULL)
		evhttp_free(s->admin);
	http_conns_free(s->public_conns);
	http_conns_free(s->admin_conns);
	wx_callback_free(s->callback);
	active_free(s->active);
	cluster_free(s->cluster);	/* the token share outlives active */
	dispatch_free(s->dispatch);
	kb_unanswered_free(s->unanswered);
	free(s->unanswered_path);
	admin_api_free(s->admin_api);
	admin_guard_free(s->guard);
	admin_signin_free(s->signin);
	kb_stats_free(s->stats);
	free(s->stats_path);
	pthread_mutex_destroy(&s->reload_mtx);
	free(s);
}
