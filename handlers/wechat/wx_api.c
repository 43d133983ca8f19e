/*
 * wx_api — WeChat API calls over the wx_http transport.  Each call walks
 *	token -> HTTP request -> answer -> (retry | refresh+retry | done)
 * and ends in one callback.  The token's own fetches are calls too: the
 * token manager gets api_token_fetch() as its fetch function.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_http.h"
#include "handlers/wechat/wx_token.h"
#include "lib/log.h"
#include "lib/metrics.h"

struct wx_api_call {
	TAILQ_ENTRY(wx_api_call) c_entry;
	struct wx_api	*c_api;
	wx_api_cb	 c_cb;
	void		*c_arg;

	/* The request, copied. */
	enum wx_api_method c_method;
	char		*c_path;
	char		*c_query;
	char		*c_endpoint;
	int		 c_auth;
	int		 c_idempotent;
	int		 c_no_retry;
	int		 c_body_secret;
	char		*c_body;
	size_t		 c_bodylen;
	char		*c_file_field;
	char		*c_file_name;
	char		*c_file_type;
	unsigned char	*c_file;
	size_t		 c_filelen;

	/* The attempt in progress. */
	struct wx_token_wait c_wait;
	char		 c_token[WX_TOKEN_MAX];	/* used by this attempt */
	struct wx_http_xfer *c_xfer;		/* the HTTP request */
	struct event	*c_timer;		/* backoff; deferred end */
	unsigned	 c_attempts;
	unsigned	 c_retries;
	int		 c_refreshed;		/* the one refresh is spent */
	int		 c_delivering;		/* inside the callback */
	int		 c_ended;		/* the timer delivers */

	/* The outcome, for the deferred end. */
	int		 c_err;
	long		 c_errcode;
	long		 c_http;
	json_t		*c_json;
	char		 c_msg[512];
};

TAILQ_HEAD(wx_api_calls, wx_api_call);

struct wx_api {
	struct event_base *a_base;
	struct wx_http	*a_http;
	struct wx_token	*a_token;
	struct wx_api_call *a_fetch;	/* the token's fetch, or NULL */
	char		*a_url;		/* base without a trailing '/' */
	size_t		 a_max_body;
	unsigned	 a_retries, a_backoff_ms, a_minute_ms;
	struct wx_api_calls a_calls;
	struct wx_api_stats a_stats;
};

static void	call_begin(struct wx_api_call *);
static void	call_end(struct wx_api_call *, int err, long errcode,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The end of the token's fetch: hand the answer to the token. */
static void
api_token_fetched_cb(void *arg, const struct wx_api_res *res)
{
	struct wx_api *api = arg;
	struct wx_token_reply reply;

	api->a_fetch = NULL;
	memset(&reply, 0, sizeof reply);
	reply.err = res->err;
	reply.errcode = res->errcode;
	reply.message = res->message;
	reply.json = res->json;
	wx_token_fetched(api->a_token, &reply);
}

/* The token's fetch function (wx_token.h): one stable_token call. */
static int
api_token_fetch(void *arg, const char *body)
{
	struct wx_api *api = arg;
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = WX_TOKEN_PATH;
	req.body_text = body;
	req.body_secret = 1;
	/*
	 * The token layer does not retry by itself: each fetch counts for
	 * the breaker, and the calls waiting retry with their own backoff.
	 */
	req.no_retry = 1;
	req.idempotent = 1;
	api->a_fetch = wx_api_call(api, &req, api_token_fetched_cb, api);
	return api->a_fetch != NULL ? 0 : -1;
}

/* The token drops its fetch (wx_token_free()). */
static void
api_token_drop(void *arg)
{
	struct wx_api *api = arg;

	wx_api_cancel(api->a_fetch);
	api->a_fetch = NULL;
}

struct wx_api *
wx_api_new(struct event_base *base, const struct wx_api_cfg *cfg,
    const char **cause)
{
	struct wx_api *api = NULL;
	struct wx_http_cfg hc;
	struct wx_token_cfg tc;
	const char *url;
	size_t len;

	*cause = "out of memory";
	url = cfg->base != NULL && *cfg->base != '\0' ? cfg->base :
	    WX_API_DEFAULT_BASE;
	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) {
		*cause = "the API base URL must start with https:// or "
		    "http://";
		return NULL;
	}
	api = calloc(1, sizeof *api);
	if (api == NULL)
		return NULL;
	TAILQ_INIT(&api->a_calls);
	api->a_base = base;
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	api->a_url = strndup(url, len);
	if (api->a_url == NULL)
		goto fail;
	memset(&hc, 0, sizeof hc);
	hc.connect_timeout_ms = cfg->connect_timeout_ms > 0 ?
	    cfg->connect_timeout_ms : WX_API_CONNECT_TIMEOUT;
	hc.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    WX_API_TIMEOUT;
	hc.max_body = cfg->max_body > 0 ? cfg->max_body : WX_API_MAX_BODY;
	api->a_max_body = hc.max_body;
	api->a_retries = cfg->no_retries ? 0 : cfg->retries > 0 ?
	    cfg->retries : WX_API_RETRIES;
	api->a_backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms :
	    WX_API_BACKOFF;
	api->a_minute_ms = cfg->minute_backoff_ms > 0 ?
	    cfg->minute_backoff_ms : WX_API_MINUTE_BACKOFF;
	api->a_http = wx_http_new(base, &hc, cause);
	if (api->a_http == NULL)
		goto fail;

	if (cfg->appsecret != NULL && *cfg->appsecret != '\0') {
		memset(&tc, 0, sizeof tc);
		tc.appid = cfg->appid;
		tc.appsecret = cfg->appsecret;
		tc.state_dir = cfg->state_dir;
		tc.ahead_s = cfg->token_ahead_s;
		tc.breaker_threshold = cfg->breaker_threshold;
		tc.cooldown_s = cfg->breaker_cooldown_s;
		tc.cooldown_max_s = cfg->breaker_cooldown_max_s;
		tc.fetch = api_token_fetch;
		tc.fetch_drop = api_token_drop;
		tc.fetch_arg = api;
		tc.share = cfg->token_share;
		api->a_token = wx_token_new(base, &tc, cause);
		if (api->a_token == NULL)
			goto fail;
	}
	return api;
fail:
	wx_api_free(api);
	return NULL;
}

int
wx_api_start(struct wx_api *api)
{
	if (api->a_token == NULL)
		return WX_API_ERR_OFF;
	wx_token_start(api->a_token);
	return 0;
}

struct wx_token *
wx_api_token(struct wx_api *api)
{
	return api->a_token;
}

void
wx_api_stats(const struct wx_api *api, struct wx_api_stats *st)
{
	*st = api->a_stats;
}

static void
call_free(struct wx_api_call *c)
{
	struct wx_api *api = c->c_api;

	if (c->c_wait.tw_queued && api->a_token != NULL)
		wx_token_cancel(api->a_token, &c->c_wait);
	wx_http_cancel(c->c_xfer);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	TAILQ_REMOVE(&api->a_calls, c, c_entry);
	api->a_stats.active--;
	json_decref(c->c_json);
	if (c->c_body != NULL && c->c_body_secret)
		mbedtls_platform_zeroize(c->c_body, c->c_bodylen);
	mbedtls_platform_zeroize(c->c_token, sizeof c->c_token);
	free(c->c_body);
	free(c->c_path);
	free(c->c_query);
	free(c->c_endpoint);
	free(c->c_file_field);
	free(c->c_file_name);
	free(c->c_file_type);
	free(c->c_file);
	free(c);
}

void
wx_api_cancel(struct wx_api_call *c)
{
	if (c == NULL || c->c_delivering)
		return;
	call_free(c);
}

void
wx_api_free(struct wx_api *api)
{
	if (api == NULL)
		return;
	/* The token first: it drops its waiters (calls) without a word. */
	wx_token_free(api->a_token);
	api->a_token = NULL;
	while (!TAILQ_EMPTY(&api->a_calls))
		call_free(TAILQ_FIRST(&api->a_calls));
	wx_http_free(api->a_http);
	free(api->a_url);
	free(api);
}

/* Run the callback once and free the call. */
static void
call_deliver(struct wx_api_call *c)
{
	struct wx_api_res res;
	const char *errmsg = NULL;
	json_t *j;

	memset(&res, 0, sizeof res);
	res.err = c->c_err;
	res.errcode = c->c_errcode;
	res.message = c->c_msg;
	res.http_status = c->c_http;
	res.json = c->c_json;
	res.attempts = c->c_attempts;
	j = json_object_get(c->c_json, "errmsg");
	if (json_is_string(j))
		errmsg = json_string_value(j);
	res.errmsg = errmsg;
	c->c_delivering = 1;
	c->c_cb(c->c_arg, &res);
	c->c_delivering = 0;
	call_free(c);
}

static void
call_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_api_call *c = arg;

	(void)fd;
	(void)what;
	if (c->c_ended)
		call_deliver(c);
	else
		call_begin(c);
}

static int
call_arm(struct wx_api_call *c, unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(c->c_timer, &tv);
}

/* Log a call that ended in failure, once, where it is decided. */
static void
call_log_failure(struct wx_api_call *c)
{
	struct log_kv kv[3];
	char code[24], tries[16];
	int prio = LOG_WARNING;

	if (c->c_errcode != 0) {
		switch (wx_errcode_class(c->c_errcode)) {
		case WX_ERRC_RECIPIENT:
			prio = LOG_NOTICE;
			break;
		default:
			if (c->c_errcode == 45015 || c->c_errcode == 45047 ||
			    c->c_errcode == 45065 || c->c_errcode == 46003)
				prio = LOG_NOTICE;
			break;
		}
	}
	snprintf(code, sizeof code, "%ld", c->c_errcode);
	snprintf(tries, sizeof tries, "%u", c->c_attempts);
	kv[0].key = "ENDPOINT";
	kv[0].value = c->c_endpoint;
	kv[1].key = "ERRCODE";
	kv[1].value = c->c_errcode != 0 ? code : NULL;
	kv[2].key = "ATTEMPTS";
	kv[2].value = tries;
	log_msg(prio, "api_error", kv, 3, "%s failed after %u request(s): "
	    "%s%s%s", c->c_endpoint, c->c_attempts, c->c_msg,
	    c->c_errcode != 0 ? " errcode=" : "",
	    c->c_errcode != 0 ? code : "");
}

/*
 * End the call with err.  The callback always runs from a timer of its
 * own, so a failure found inside wx_api_call() is still reported later.
 */
static void
call_end(struct wx_api_call *c, int err, long errcode, const char *fmt, ...)
{
	va_list ap;

	c->c_err = err;
	c->c_errcode = errcode;
	va_start(ap, fmt);
	vsnprintf(c->c_msg, sizeof c->c_msg, fmt, ap);
	va_end(ap);
	c->c_ended = 1;
	if (err != WX_API_OK) {
		c->c_api->a_stats.failures++;
		call_log_failure(c);
	}
	/* Fails only when libevent cannot grow its heap. */
	(void)call_arm(c, 0);
}

/*
 * A transient fault: try again after the backoff when retries are left
 * and the fault allows it.  Returns 1 when a retry is scheduled.
 */
static int
call_retry(struct wx_api_call *c, long errcode)
{
	struct wx_api *api = c->c_api;
	unsigned ms;

	if (c->c_no_retry || c->c_retries >= api->a_retries)
		return 0;
	c->c_retries++;
	api->a_stats.retries++;
	if (errcode == 45011)
		ms = api->a_minute_ms;
	else {
		ms = api->a_backoff_ms << (c->c_retries - 1);
		if (ms > WX_API_BACKOFF_MAX || ms < api->a_backoff_ms)
			ms = WX_API_BACKOFF_MAX;
	}
	log_debug("%s: %s: retry %u in %u ms (errcode %ld)", __func__,
	    c->c_endpoint, c->c_retries, ms, errcode);
	json_decref(c->c_json);
	c->c_json = NULL;
	if (call_arm(c, ms) != 0)
		return 0;
	return 1;
}

/* Count one HTTP request in the metrics. */
static void
call_count(struct wx_api_call *c, const char *code)
{
	char labels[METRICS_LABELS_MAX];

	if (metrics_labels(labels, sizeof labels, "endpoint", c->c_endpoint,
	    "errcode", code, NULL) == 0)
		metrics_counter_inc(M_API_CALLS, labels);
}

static void	call_http_done(void *, const struct wx_http_res *);

/* Build and start the HTTP request of one attempt. */
static void
call_perform(struct wx_api_call *c)
{
	struct wx_api *api = c->c_api;
	struct wx_http_req hr;
	char *url;
	size_t n;
	int r;

	n = strlen(api->a_url) + strlen(c->c_path) + strlen(c->c_token) +
	    (c->c_query != NULL ? strlen(c->c_query) : 0) + 32;
	url = malloc(n);
	if (url == NULL) {
		call_end(c, WX_API_ERR_NOMEM, 0, "out of memory");
		return;
	}
	r = snprintf(url, n, "%s%s%s%s%s%s", api->a_url, c->c_path,
	    c->c_auth || c->c_query != NULL ? "?" : "",
	    c->c_auth ? "access_token=" : "", c->c_auth ? c->c_token : "",
	    c->c_query == NULL ? "" : c->c_auth ? "&" : "");
	if (c->c_query != NULL && r > 0 && (size_t)r < n)
		snprintf(url + r, n - (size_t)r, "%s", c->c_query);

	memset(&hr, 0, sizeof hr);
	hr.url = url;
	hr.post = c->c_method == WX_API_POST;
	hr.body = c->c_body;
	hr.bodylen = c->c_bodylen;
	if (c->c_file != NULL) {
		hr.file_field = c->c_file_field;
		hr.file_name = c->c_file_name;
		hr.file_type = c->c_file_type;
		hr.file_data = c->c_file;
		hr.file_len = c->c_filelen;
	}
	c->c_xfer = wx_http_send(api->a_http, &hr, call_http_done, c);
	mbedtls_platform_zeroize(url, n);
	free(url);
	if (c->c_xfer == NULL) {
		call_end(c, WX_API_ERR_NOMEM, 0,
		    "cannot start the HTTP request");
		return;
	}
	c->c_attempts++;
	api->a_stats.requests++;
}

/* The token could not be had: retry later, or end the call. */
static void
call_token_failed(struct wx_api_call *c, int err, long errcode,
    const char *message)
{
	enum wx_errclass cls = wx_errcode_class(errcode);

	if (err == WX_API_ERR_TOKEN && (errcode == 0 || cls == WX_ERRC_RETRY) &&
	    call_retry(c, errcode))
		return;
	if (err == WX_API_ERR_BREAKER || err == WX_API_ERR_OFF)
		call_end(c, err, errcode, "%s", message);
	else
		call_end(c, err, errcode, "cannot get an access_token: %s",
		    message);
}

static void
call_token_cb(void *arg, int err, const char *token, long errcode,
    const char *message)
{
	struct wx_api_call *c = arg;

	if (err != 0) {
		call_token_failed(c, err, errcode, message);
		return;
	}
	snprintf(c->c_token, sizeof c->c_token, "%s", token);
	call_perform(c);
}

/* Start an attempt: get the token if needed, then the HTTP request. */
static void
call_begin(struct wx_api_call *c)
{
	struct wx_api *api = c->c_api;
	const char *msg;
	long errcode = 0;
	int r;

	if (!c->c_auth) {
		call_perform(c);
		return;
	}
	if (api->a_token == NULL) {
		call_end(c, WX_API_ERR_OFF, 0, "the active API is off: "
		    "WXKB_APPSECRET is not set");
		return;
	}
	r = wx_token_get(api->a_token, &c->c_wait, call_token_cb, c,
	    c->c_token, sizeof c->c_token);
	if (r == WX_TOKEN_READY)
		call_perform(c);
	else if (r < 0) {
		msg = wx_token_last_error(api->a_token, &errcode);
		call_token_failed(c, r, errcode, msg);
	}
}

/* The HTTP request of an attempt is over: judge the answer. */
static void
call_http_done(void *arg, const struct wx_http_res *res)
{
	struct wx_api_call *c = arg;
	struct wx_api *api = c->c_api;
	json_error_t jerr;
	json_t *j;
	long http = res->status, errcode = 0;
	char codebuf[24];
	enum wx_errclass cls;

	c->c_xfer = NULL;
	c->c_http = http;
	if (res->err == WX_HTTP_ERR_TOOBIG) {
		call_count(c, "toobig");
		call_end(c, WX_API_ERR_TOOBIG, 0, "the WeChat API answer is "
		    "larger than %zu bytes", api->a_max_body);
		return;
	}
	if (res->err != WX_HTTP_OK) {
		call_count(c, "net");
		if ((!res->sent || c->c_idempotent) && call_retry(c, 0))
			return;
		call_end(c, WX_API_ERR_NET, 0, "network error talking to the "
		    "WeChat API: %s", res->net_error);
		return;
	}
	if (http != 200) {
		call_count(c, "http");
		if (http >= 500 && c->c_idempotent && call_retry(c, 0))
			return;
		call_end(c, WX_API_ERR_HTTP, 0, "the WeChat API answered "
		    "HTTP %ld", http);
		return;
	}
	j = json_loadb(res->body, res->len, 0, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		call_count(c, "parse");
		if (c->c_idempotent && call_retry(c, 0))
			return;
		call_end(c, WX_API_ERR_PARSE, 0, "the WeChat API answered "
		    "something that is not a JSON object");
		return;
	}
	json_decref(c->c_json);
	c->c_json = j;
	if (json_is_integer(json_object_get(j, "errcode")))
		errcode = (long)json_integer_value(json_object_get(j,
		    "errcode"));
	snprintf(codebuf, sizeof codebuf, "%ld", errcode);
	call_count(c, codebuf);
	if (errcode == 0) {
		call_end(c, WX_API_OK, 0, "%s", "");
		return;
	}
	cls = wx_errcode_class(errcode);
	if (cls == WX_ERRC_RETRY && call_retry(c, errcode))
		return;
	if (cls == WX_ERRC_REFRESH && c->c_auth && !c->c_refreshed &&
	    api->a_token != NULL) {
		/* Once: a second 40001 means the token is not the cause. */
		c->c_refreshed = 1;
		api->a_stats.refresh_retries++;
		wx_token_invalidate(api->a_token, c->c_token);
		mbedtls_platform_zeroize(c->c_token, sizeof c->c_token);
		json_decref(c->c_json);
		c->c_json = NULL;
		call_begin(c);
		return;
	}
	call_end(c, WX_API_ERR_ERRCODE, errcode, "%s",
	    wx_errcode_text(errcode));
}

static char *
api_strdup(const char *s, int *bad)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		*bad = 1;
	return p;
}

struct wx_api_call *
wx_api_call(struct wx_api *api, const struct wx_api_req *req, wx_api_cb cb,
    void *arg)
{
	struct wx_api_call *c;
	int bad = 0;

	if (req->path == NULL || req->path[0] != '/' || cb == NULL ||
	    (req->body != NULL && req->body_text != NULL) ||
	    (req->file_data != NULL && (req->file_field == NULL ||
	    req->file_name == NULL || req->file_type == NULL ||
	    req->file_len > WX_API_MAX_UPLOAD || req->method != WX_API_POST)))
		return NULL;
	if (api->a_stats.active >= WX_API_MAX_CALLS) {
		log_warn("api_error", "%s: %zu calls in progress, refused",
		    req->path, api->a_stats.active);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->c_api = api;
	c->c_cb = cb;
	c->c_arg = arg;
	TAILQ_INSERT_TAIL(&api->a_calls, c, c_entry);
	api->a_stats.active++;
	c->c_method = req->method;
	c->c_auth = req->auth;
	c->c_idempotent = req->idempotent;
	c->c_no_retry = req->no_retry;
	c->c_body_secret = req->body_secret;
	c->c_path = api_strdup(req->path, &bad);
	c->c_query = api_strdup(req->query, &bad);
	c->c_endpoint = api_strdup(req->endpoint != NULL ? req->endpoint :
	    req->path, &bad);
	if (req->body != NULL) {
		/* Raw UTF-8: no JSON_ENSURE_ASCII (§9 item 12, 40033). */
		c->c_body = json_dumps(req->body, JSON_COMPACT);
		if (c->c_body == NULL)
			bad = 1;
		else
			c->c_bodylen = strlen(c->c_body);
	} else if (req->body_text != NULL) {
		c->c_body = api_strdup(req->body_text, &bad);
		c->c_bodylen = c->c_body != NULL ? strlen(c->c_body) : 0;
	}
	if (req->file_data != NULL) {
		c->c_file_field = api_strdup(req->file_field, &bad);
		c->c_file_name = api_strdup(req->file_name, &bad);
		c->c_file_type = api_strdup(req->file_type, &bad);
		c->c_file = malloc(req->file_len > 0 ? req->file_len : 1);
		if (c->c_file == NULL)
			bad = 1;
		else if (req->file_len > 0)
			memcpy(c->c_file, req->file_data, req->file_len);
		c->c_filelen = req->file_len;
	}
	c->c_timer = evtimer_new(api->a_base, call_timer_cb, c);
	if (bad || c->c_timer == NULL) {
		call_free(c);
		return NULL;
	}
	api->a_stats.calls++;
	call_begin(c);
	return c;
}
