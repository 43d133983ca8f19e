/*
 * wx_api — WeChat API calls on libcurl's multi interface, driven by the
 * libevent loop with curl_multi_socket_action(): curl tells us which
 * sockets to watch (api_sock_cb) and when to wake it (api_timer_fn); the
 * loop tells curl what happened.  Each call walks
 *	token -> HTTP request -> answer -> (retry | refresh+retry | done)
 * and ends in one callback.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_token.h"
#include "lib/log.h"
#include "lib/metrics.h"

#ifndef WXKB_VERSION
#define WXKB_VERSION	"dev"
#endif

/* One socket curl asked us to watch. */
struct wx_sock {
	struct wx_api	*s_api;
	curl_socket_t	 s_fd;
	struct event	*s_ev;
};

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
	CURL		*c_easy;
	curl_mime	*c_mime;
	struct curl_slist *c_headers;
	char		*c_buf;			/* the answer, capped */
	size_t		 c_buflen, c_bufcap;
	int		 c_toobig;
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
	CURLM		*a_multi;
	struct event	*a_timer;	/* curl's timeout */
	struct wx_token	*a_token;
	char		*a_url;		/* base without a trailing '/' */
	long		 a_connect_ms, a_timeout_ms;
	size_t		 a_max_body;
	unsigned	 a_retries, a_backoff_ms, a_minute_ms;
	struct wx_api_calls a_calls;
	struct wx_api_stats a_stats;
};

static void	call_begin(struct wx_api_call *);
static void	call_end(struct wx_api_call *, int err, long errcode,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int	curl_ready;

const char *
wx_api_strerror(int err)
{
	switch (err) {
	case WX_API_OK:
		return "success";
	case WX_API_ERR_ERRCODE:
		return "WeChat answered with an error code";
	case WX_API_ERR_NET:
		return "network error";
	case WX_API_ERR_HTTP:
		return "unexpected HTTP status";
	case WX_API_ERR_PARSE:
		return "the answer is not JSON";
	case WX_API_ERR_TOOBIG:
		return "the answer is too large";
	case WX_API_ERR_TOKEN:
		return "no access_token";
	case WX_API_ERR_BREAKER:
		return "token fetching is paused after repeated failures";
	case WX_API_ERR_NOMEM:
		return "out of memory";
	case WX_API_ERR_INVALID:
		return "invalid request";
	case WX_API_ERR_BUSY:
		return "too many API calls at once";
	case WX_API_ERR_OFF:
		return "the active API is off (no AppSecret)";
	}
	return "unknown error";
}

const char *
wx_api_describe(const struct wx_api_res *res, char *buf, size_t size)
{
	if (res->err == WX_API_OK)
		snprintf(buf, size, "ok");
	else if (res->errcode != 0)
		snprintf(buf, size, "%s (errcode %ld)", res->message,
		    res->errcode);
	else
		snprintf(buf, size, "%s", res->message);
	return buf;
}

/* 1 when s[0..len) is well-formed UTF-8 without NUL (JSON needs it). */
int
wx_api_utf8_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;	/* cut short */
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* libevent: a watched socket is ready. */
static void
api_check_done(struct wx_api *);

static void
api_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_api *api = arg;
	int action = 0, running = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/*
	 * No evtimer_del() when nothing runs: a callback run from
	 * api_check_done() may have added a transfer and armed the timer.
	 */
	curl_multi_socket_action(api->a_multi, fd, action, &running);
	api_check_done(api);
}

static void
api_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_api *api = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(api->a_multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	api_check_done(api);
}

/* curl: watch fd for what (or stop watching it). */
static int
api_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct wx_api *api = userp;
	struct wx_sock *s = socketp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->s_ev);
			free(s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = calloc(1, sizeof *s);
		if (s == NULL)
			return -1;
		s->s_api = api;
		s->s_fd = fd;
		curl_multi_assign(api->a_multi, fd, s);
	} else
		event_free(s->s_ev);
	s->s_ev = event_new(api->a_base, fd, kind, api_event_cb, api);
	if (s->s_ev == NULL || event_add(s->s_ev, NULL) != 0)
		return -1;
	return 0;
}

/*
 * curl: call back in timeout_ms (-1: never).  curl must not be called
 * from here, so even 0 goes through the loop.
 */
static int
api_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct wx_api *api = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(api->a_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(api->a_timer, &tv) == 0 ? 0 : -1;
}

struct wx_api *
wx_api_new(struct event_base *base, const struct wx_api_cfg *cfg,
    const char **cause)
{
	struct wx_api *api = NULL;
	struct wx_token_cfg tc;
	const char *url;
	size_t len;

	*cause = "out of memory";
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*cause = "cannot initialize libcurl";
			return NULL;
		}
		curl_ready = 1;
	}
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
	api->a_connect_ms = cfg->connect_timeout_ms > 0 ?
	    cfg->connect_timeout_ms : WX_API_CONNECT_TIMEOUT;
	api->a_timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    WX_API_TIMEOUT;
	api->a_max_body = cfg->max_body > 0 ? cfg->max_body :
	    WX_API_MAX_BODY;
	api->a_retries = cfg->no_retries ? 0 : cfg->retries > 0 ?
	    cfg->retries : WX_API_RETRIES;
	api->a_backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms :
	    WX_API_BACKOFF;
	api->a_minute_ms = cfg->minute_backoff_ms > 0 ?
	    cfg->minute_backoff_ms : WX_API_MINUTE_BACKOFF;
	api->a_multi = curl_multi_init();
	api->a_timer = evtimer_new(base, api_timeout_cb, api);
	if (api->a_url == NULL || api->a_multi == NULL ||
	    api->a_timer == NULL)
		goto fail;
	curl_multi_setopt(api->a_multi, CURLMOPT_SOCKETFUNCTION,
	    api_sock_cb);
	curl_multi_setopt(api->a_multi, CURLMOPT_SOCKETDATA, api);
	curl_multi_setopt(api->a_multi, CURLMOPT_TIMERFUNCTION,
	    api_timer_fn);
	curl_multi_setopt(api->a_multi, CURLMOPT_TIMERDATA, api);

	if (cfg->appsecret != NULL && *cfg->appsecret != '\0') {
		memset(&tc, 0, sizeof tc);
		tc.appid = cfg->appid;
		tc.appsecret = cfg->appsecret;
		tc.state_dir = cfg->state_dir;
		tc.ahead_s = cfg->token_ahead_s;
		tc.breaker_threshold = cfg->breaker_threshold;
		tc.cooldown_s = cfg->breaker_cooldown_s;
		tc.cooldown_max_s = cfg->breaker_cooldown_max_s;
		tc.share = cfg->token_share;
		api->a_token = wx_token_new(api, base, &tc, cause);
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

const char *
wx_api_base(const struct wx_api *api)
{
	return api->a_url;
}

void
wx_api_stats(const struct wx_api *api, struct wx_api_stats *st)
{
	*st = api->a_stats;
}

/* Detach the HTTP request of an attempt, if any. */
static void
call_release_easy(struct wx_api_call *c)
{
	if (c->c_easy != NULL) {
		curl_multi_remove_handle(c->c_api->a_multi, c->c_easy);
		curl_easy_cleanup(c->c_easy);
		c->c_easy = NULL;
	}
	curl_mime_free(c->c_mime);
	c->c_mime = NULL;
	curl_slist_free_all(c->c_headers);
	c->c_headers = NULL;
	free(c->c_buf);
	c->c_buf = NULL;
	c->c_buflen = c->c_bufcap = 0;
	c->c_toobig = 0;
}

static void
call_free(struct wx_api_call *c)
{
	struct wx_api *api = c->c_api;

	if (c->c_wait.tw_queued && api->a_token != NULL)
		wx_token_cancel(api->a_token, &c->c_wait);
	call_release_easy(c);
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
	if (api->a_multi != NULL)
		curl_multi_cleanup(api->a_multi);
	if (api->a_timer != NULL)
		event_free(api->a_timer);
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

static size_t
call_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct wx_api_call *c = arg;
	size_t len = size * n, cap;
	char *nb;

	if (len > c->c_api->a_max_body - c->c_buflen) {
		c->c_toobig = 1;
		return 0;
	}
	if (c->c_buflen + len + 1 > c->c_bufcap) {
		cap = c->c_bufcap > 0 ? c->c_bufcap : 4096;
		while (cap < c->c_buflen + len + 1)
			cap *= 2;
		if (cap > c->c_api->a_max_body + 1)
			cap = c->c_api->a_max_body + 1;
		nb = realloc(c->c_buf, cap);
		if (nb == NULL)
			return 0;
		c->c_buf = nb;
		c->c_bufcap = cap;
	}
	memcpy(c->c_buf + c->c_buflen, p, len);
	c->c_buflen += len;
	c->c_buf[c->c_buflen] = '\0';
	return len;
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

/* Build and start the HTTP request of one attempt. */
static void
call_perform(struct wx_api_call *c)
{
	struct wx_api *api = c->c_api;
	curl_mimepart *part;
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

	c->c_easy = curl_easy_init();
	if (c->c_easy == NULL)
		goto nomem;
	curl_easy_setopt(c->c_easy, CURLOPT_URL, url);
	curl_easy_setopt(c->c_easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->c_easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->c_easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->c_easy, CURLOPT_CONNECTTIMEOUT_MS,
	    api->a_connect_ms);
	curl_easy_setopt(c->c_easy, CURLOPT_TIMEOUT_MS, api->a_timeout_ms);
	curl_easy_setopt(c->c_easy, CURLOPT_USERAGENT, "wxkbd/" WXKB_VERSION);
	curl_easy_setopt(c->c_easy, CURLOPT_WRITEFUNCTION, call_write_cb);
	curl_easy_setopt(c->c_easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->c_easy, CURLOPT_ACCEPT_ENCODING, "");
	/* No 100-continue round trip: one request, one answer. */
	c->c_headers = curl_slist_append(NULL, "Expect:");
	if (c->c_headers == NULL)
		goto nomem;
	if (c->c_file != NULL) {
		c->c_mime = curl_mime_init(c->c_easy);
		part = c->c_mime != NULL ? curl_mime_addpart(c->c_mime) : NULL;
		if (part == NULL ||
		    curl_mime_name(part, c->c_file_field) != CURLE_OK ||
		    curl_mime_filename(part, c->c_file_name) != CURLE_OK ||
		    curl_mime_type(part, c->c_file_type) != CURLE_OK ||
		    curl_mime_data(part, (const char *)c->c_file,
		    c->c_filelen) != CURLE_OK)
			goto nomem;
		curl_easy_setopt(c->c_easy, CURLOPT_MIMEPOST, c->c_mime);
	} else if (c->c_method == WX_API_POST) {
		struct curl_slist *h;

		h = curl_slist_append(c->c_headers,
		    "Content-Type: application/json; charset=utf-8");
		if (h == NULL)
			goto nomem;
		c->c_headers = h;
		curl_easy_setopt(c->c_easy, CURLOPT_POST, 1L);
		curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDS,
		    c->c_body != NULL ? c->c_body : "");
		curl_easy_setopt(c->c_easy, CURLOPT_POSTFIELDSIZE,
		    (long)c->c_bodylen);
	} else
		curl_easy_setopt(c->c_easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->c_easy, CURLOPT_HTTPHEADER, c->c_headers);
	mbedtls_platform_zeroize(url, n);
	free(url);
	url = NULL;
	if (curl_multi_add_handle(api->a_multi, c->c_easy) != CURLM_OK)
		goto nomem;
	c->c_attempts++;
	api->a_stats.requests++;
	return;
nomem:
	if (url != NULL) {
		mbedtls_platform_zeroize(url, n);
		free(url);
	}
	call_release_easy(c);
	call_end(c, WX_API_ERR_NOMEM, 0, "cannot start the HTTP request");
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
call_http_done(struct wx_api_call *c, CURLcode code)
{
	struct wx_api *api = c->c_api;
	json_error_t jerr;
	json_t *j;
	long http = 0, reqsize = 0, errcode = 0;
	int sent, toobig = c->c_toobig;
	char codebuf[24];
	enum wx_errclass cls;

	curl_easy_getinfo(c->c_easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(c->c_easy, CURLINFO_REQUEST_SIZE, &reqsize);
	c->c_http = http;
	/* Nothing left our side: repeating cannot do anything twice. */
	sent = reqsize > 0;
	if (code != CURLE_OK || toobig) {
		call_release_easy(c);
		if (toobig) {
			call_count(c, "toobig");
			call_end(c, WX_API_ERR_TOOBIG, 0, "the WeChat API "
			    "answer is larger than %zu bytes", api->a_max_body);
			return;
		}
		call_count(c, "net");
		if ((!sent || c->c_idempotent) && call_retry(c, 0))
			return;
		call_end(c, WX_API_ERR_NET, 0, "network error talking to the "
		    "WeChat API: %s", curl_easy_strerror(code));
		return;
	}
	if (http != 200) {
		call_release_easy(c);
		call_count(c, "http");
		if (http >= 500 && c->c_idempotent && call_retry(c, 0))
			return;
		call_end(c, WX_API_ERR_HTTP, 0, "the WeChat API answered "
		    "HTTP %ld", http);
		return;
	}
	j = json_loadb(c->c_buf != NULL ? c->c_buf : "", c->c_buflen, 0,
	    &jerr);
	call_release_easy(c);
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

static void
api_check_done(struct wx_api *api)
{
	struct wx_api_call *c;
	CURLMsg *m;
	CURLcode code;
	CURL *easy;
	char *priv;
	int left;

	while ((m = curl_multi_info_read(api->a_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		code = m->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		c = (struct wx_api_call *)(void *)priv;
		if (c != NULL)
			call_http_done(c, code);
	}
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
