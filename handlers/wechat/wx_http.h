/*
 * wx_http — the transport of the WeChat API client: HTTP requests on
 * libcurl's multi interface, driven by the daemon's libevent loop with
 * curl_multi_socket_action().  No request ever blocks the loop and there
 * is no thread.  It knows nothing of WeChat: one request in, one answer
 * (or a transport failure) out; what the answer means is wx_api's.
 */
#ifndef WX_HTTP_H
#define WX_HTTP_H

#include <stddef.h>

struct event_base;
struct wx_http;
struct wx_http_xfer;

struct wx_http_cfg {
	long		 connect_timeout_ms;
	long		 timeout_ms;	/* the whole transfer */
	size_t		 max_body;	/* bytes of an answer kept */
};

/*
 * One request.  url and the file part are copied; body is borrowed and
 * must stay until the callback has run or the transfer was cancelled.
 */
struct wx_http_req {
	const char	*url;		/* may hold the access_token */
	int		 post;		/* 0: GET */
	const char	*body;		/* JSON text of a POST, or NULL */
	size_t		 bodylen;
	/* A multipart/form-data upload instead of body. */
	const char	*file_field;
	const char	*file_name;
	const char	*file_type;
	const void	*file_data;
	size_t		 file_len;
};

enum wx_http_err {
	WX_HTTP_OK = 0,		/* an HTTP answer came (any status) */
	WX_HTTP_ERR_NET = -1,	/* connect failure, reset, timeout */
	WX_HTTP_ERR_TOOBIG = -2,	/* the answer is over max_body */
};

/* What a transfer got.  Everything in it is valid during the callback. */
struct wx_http_res {
	int		 err;		/* enum wx_http_err */
	const char	*net_error;	/* curl's words for WX_HTTP_ERR_NET */
	int		 sent;		/* 1 when bytes of the request left:
					   a repeat may then do it twice */
	long		 status;	/* HTTP status; 0 when none */
	const char	*body;		/* NUL-terminated answer, never NULL */
	size_t		 len;
};

typedef void (*wx_http_cb)(void *arg, const struct wx_http_res *res);

/*
 * Make a transport on base; every field of cfg must be set (the defaults
 * are wx_api's).  Returns NULL with *cause (static text) when libcurl
 * cannot start or memory is short.
 */
struct wx_http *wx_http_new(struct event_base *base,
	    const struct wx_http_cfg *cfg, const char **cause);

/* Cancel every transfer silently and free.  NULL is a no-op. */
void	wx_http_free(struct wx_http *);

/*
 * Start a request; cb(arg, res) runs exactly once, later from the loop.
 * Returns a handle valid until the callback has returned or
 * wx_http_cancel() was called, or NULL when memory is short (no callback
 * then).
 */
struct wx_http_xfer *wx_http_send(struct wx_http *,
	    const struct wx_http_req *, wx_http_cb cb, void *arg);

/* Drop a transfer: its callback never runs.  NULL is a no-op. */
void	wx_http_cancel(struct wx_http_xfer *);

#endif
