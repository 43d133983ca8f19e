/*
 * wx_http — HTTP on libcurl's multi interface under libevent: curl tells
 * us which sockets to watch (http_sock_cb) and when to wake it
 * (http_timer_fn); the loop tells curl what happened, and every finished
 * transfer ends in its one callback.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <mbedtls/platform_util.h>

#include "handlers/wechat/wx_http.h"

#ifndef WXKB_VERSION
#define WXKB_VERSION	"dev"
#endif

/* One socket curl asked us to watch. */
struct wx_sock {
	curl_socket_t	 s_fd;
	struct event	*s_ev;
};

struct wx_http_xfer {
	TAILQ_ENTRY(wx_http_xfer) x_entry;
	struct wx_http	*x_http;
	wx_http_cb	 x_cb;
	void		*x_arg;
	CURL		*x_easy;
	curl_mime	*x_mime;
	struct curl_slist *x_headers;
	char		*x_buf;			/* the answer, capped */
	size_t		 x_buflen, x_bufcap;
	int		 x_toobig;
	int		 x_delivering;		/* inside the callback */
};

TAILQ_HEAD(wx_http_xfers, wx_http_xfer);

struct wx_http {
	struct event_base *h_base;
	CURLM		*h_multi;
	struct event	*h_timer;	/* curl's timeout */
	long		 h_connect_ms, h_timeout_ms;
	size_t		 h_max_body;
	struct wx_http_xfers h_xfers;
};

static int	curl_ready;

static void	http_check_done(struct wx_http *);

/* libevent: a watched socket is ready. */
static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_http *h = arg;
	int action = 0, running = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/*
	 * No evtimer_del() when nothing runs: a callback run from
	 * http_check_done() may have added a transfer and armed the timer.
	 */
	curl_multi_socket_action(h->h_multi, fd, action, &running);
	http_check_done(h);
}

static void
http_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_http *h = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->h_multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	http_check_done(h);
}

/* curl: watch fd for what (or stop watching it). */
static int
http_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct wx_http *h = userp;
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
		s->s_fd = fd;
		curl_multi_assign(h->h_multi, fd, s);
	} else
		event_free(s->s_ev);
	s->s_ev = event_new(h->h_base, fd, kind, http_event_cb, h);
	if (s->s_ev == NULL || event_add(s->s_ev, NULL) != 0)
		return -1;
	return 0;
}

/*
 * curl: call back in timeout_ms (-1: never).  curl must not be called
 * from here, so even 0 goes through the loop.
 */
static int
http_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct wx_http *h = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->h_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(h->h_timer, &tv) == 0 ? 0 : -1;
}

struct wx_http *
wx_http_new(struct event_base *base, const struct wx_http_cfg *cfg,
    const char **cause)
{
	struct wx_http *h;

	*cause = "out of memory";
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*cause = "cannot initialize libcurl";
			return NULL;
		}
		curl_ready = 1;
	}
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	TAILQ_INIT(&h->h_xfers);
	h->h_base = base;
	h->h_connect_ms = cfg->connect_timeout_ms;
	h->h_timeout_ms = cfg->timeout_ms;
	h->h_max_body = cfg->max_body;
	h->h_multi = curl_multi_init();
	h->h_timer = evtimer_new(base, http_timeout_cb, h);
	if (h->h_multi == NULL || h->h_timer == NULL) {
		wx_http_free(h);
		return NULL;
	}
	curl_multi_setopt(h->h_multi, CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	curl_multi_setopt(h->h_multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->h_multi, CURLMOPT_TIMERFUNCTION, http_timer_fn);
	curl_multi_setopt(h->h_multi, CURLMOPT_TIMERDATA, h);
	return h;
}

/* Unlink and free a transfer; its callback does not run. */
static void
xfer_free(struct wx_http_xfer *x)
{
	if (x->x_easy != NULL) {
		curl_multi_remove_handle(x->x_http->h_multi, x->x_easy);
		curl_easy_cleanup(x->x_easy);
	}
	curl_mime_free(x->x_mime);
	curl_slist_free_all(x->x_headers);
	free(x->x_buf);
	TAILQ_REMOVE(&x->x_http->h_xfers, x, x_entry);
	free(x);
}

void
wx_http_cancel(struct wx_http_xfer *x)
{
	if (x == NULL || x->x_delivering)
		return;
	xfer_free(x);
}

void
wx_http_free(struct wx_http *h)
{
	if (h == NULL)
		return;
	while (!TAILQ_EMPTY(&h->h_xfers))
		xfer_free(TAILQ_FIRST(&h->h_xfers));
	if (h->h_multi != NULL)
		curl_multi_cleanup(h->h_multi);
	if (h->h_timer != NULL)
		event_free(h->h_timer);
	free(h);
}

static size_t
xfer_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct wx_http_xfer *x = arg;
	size_t len = size * n, cap, max = x->x_http->h_max_body;
	char *nb;

	if (len > max - x->x_buflen) {
		x->x_toobig = 1;
		return 0;
	}
	if (x->x_buflen + len + 1 > x->x_bufcap) {
		cap = x->x_bufcap > 0 ? x->x_bufcap : 4096;
		while (cap < x->x_buflen + len + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(x->x_buf, cap);
		if (nb == NULL)
			return 0;
		x->x_buf = nb;
		x->x_bufcap = cap;
	}
	memcpy(x->x_buf + x->x_buflen, p, len);
	x->x_buflen += len;
	x->x_buf[x->x_buflen] = '\0';
	return len;
}

/* Set up the easy handle of x for req; -1 when memory is short. */
static int
xfer_setup(struct wx_http_xfer *x, const struct wx_http_req *req)
{
	struct wx_http *h = x->x_http;
	struct curl_slist *hd;
	curl_mimepart *part;

	x->x_easy = curl_easy_init();
	if (x->x_easy == NULL)
		return -1;
	curl_easy_setopt(x->x_easy, CURLOPT_URL, req->url);
	curl_easy_setopt(x->x_easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->x_easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->x_easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->x_easy, CURLOPT_CONNECTTIMEOUT_MS,
	    h->h_connect_ms);
	curl_easy_setopt(x->x_easy, CURLOPT_TIMEOUT_MS, h->h_timeout_ms);
	curl_easy_setopt(x->x_easy, CURLOPT_USERAGENT, "wxkbd/" WXKB_VERSION);
	curl_easy_setopt(x->x_easy, CURLOPT_WRITEFUNCTION, xfer_write_cb);
	curl_easy_setopt(x->x_easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->x_easy, CURLOPT_ACCEPT_ENCODING, "");
	/* No 100-continue round trip: one request, one answer. */
	x->x_headers = curl_slist_append(NULL, "Expect:");
	if (x->x_headers == NULL)
		return -1;
	if (req->file_data != NULL) {
		x->x_mime = curl_mime_init(x->x_easy);
		part = x->x_mime != NULL ? curl_mime_addpart(x->x_mime) : NULL;
		if (part == NULL ||
		    curl_mime_name(part, req->file_field) != CURLE_OK ||
		    curl_mime_filename(part, req->file_name) != CURLE_OK ||
		    curl_mime_type(part, req->file_type) != CURLE_OK ||
		    curl_mime_data(part, req->file_data,
		    req->file_len) != CURLE_OK)
			return -1;
		curl_easy_setopt(x->x_easy, CURLOPT_MIMEPOST, x->x_mime);
	} else if (req->post) {
		hd = curl_slist_append(x->x_headers,
		    "Content-Type: application/json; charset=utf-8");
		if (hd == NULL)
			return -1;
		x->x_headers = hd;
		curl_easy_setopt(x->x_easy, CURLOPT_POST, 1L);
		curl_easy_setopt(x->x_easy, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
		curl_easy_setopt(x->x_easy, CURLOPT_POSTFIELDSIZE,
		    (long)req->bodylen);
	} else
		curl_easy_setopt(x->x_easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(x->x_easy, CURLOPT_HTTPHEADER, x->x_headers);
	if (curl_multi_add_handle(h->h_multi, x->x_easy) != CURLM_OK) {
		curl_easy_cleanup(x->x_easy);
		x->x_easy = NULL;
		return -1;
	}
	return 0;
}

struct wx_http_xfer *
wx_http_send(struct wx_http *h, const struct wx_http_req *req,
    wx_http_cb cb, void *arg)
{
	struct wx_http_xfer *x;

	x = calloc(1, sizeof *x);
	if (x == NULL)
		return NULL;
	x->x_http = h;
	x->x_cb = cb;
	x->x_arg = arg;
	TAILQ_INSERT_TAIL(&h->h_xfers, x, x_entry);
	if (xfer_setup(x, req) != 0) {
		xfer_free(x);
		return NULL;
	}
	return x;
}

/* The transfer of easy is over: report it and free it. */
static void
xfer_done(struct wx_http_xfer *x, CURLcode code)
{
	struct wx_http_res res;
	long reqsize = 0;

	memset(&res, 0, sizeof res);
	curl_easy_getinfo(x->x_easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(x->x_easy, CURLINFO_REQUEST_SIZE, &reqsize);
	/* Nothing left our side: repeating cannot do anything twice. */
	res.sent = reqsize > 0;
	if (x->x_toobig)
		res.err = WX_HTTP_ERR_TOOBIG;
	else if (code != CURLE_OK) {
		res.err = WX_HTTP_ERR_NET;
		res.net_error = curl_easy_strerror(code);
	}
	res.body = x->x_buf != NULL ? x->x_buf : "";
	res.len = x->x_buflen;
	/* The socket goes back to curl's pool before the caller goes on. */
	curl_multi_remove_handle(x->x_http->h_multi, x->x_easy);
	curl_easy_cleanup(x->x_easy);
	x->x_easy = NULL;
	x->x_delivering = 1;
	x->x_cb(x->x_arg, &res);
	if (x->x_buf != NULL)
		mbedtls_platform_zeroize(x->x_buf, x->x_bufcap);
	xfer_free(x);
}

static void
http_check_done(struct wx_http *h)
{
	CURLMsg *m;
	CURLcode code;
	char *priv;
	int left;

	while ((m = curl_multi_info_read(h->h_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		code = m->data.result;
		priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv != NULL)
			xfer_done((struct wx_http_xfer *)(void *)priv, code);
	}
}
