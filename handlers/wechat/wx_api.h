/*
 * wx_api — the client of WeChat's active API (protocol doc §7), on
 * libcurl's multi interface driven by the daemon's libevent loop: no call
 * ever blocks the loop, there is no thread.
 *
 * A call names an endpoint and a JSON body (or a file to upload) and gets
 * one callback with the parsed answer.  On the way the client adds the
 * access_token (wx_token), retries with backoff what the platform calls
 * transient (-1, 45011, network faults), refreshes the token once and
 * retries once on 40001/40014/42001, and never retries quota or
 * configuration errors (wx_errcode).  Request bodies keep Chinese and
 * emoji as raw UTF-8.  The token and the AppSecret never reach a log.
 */
#ifndef WX_API_H
#define WX_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct wx_api;
struct wx_token_share;
struct wx_api_call;
struct wx_token;

/* Defaults of struct wx_api_cfg fields left 0. */
#define WX_API_DEFAULT_BASE	"https://api.weixin.qq.com"
#define WX_API_CONNECT_TIMEOUT	5000		/* ms */
#define WX_API_TIMEOUT		15000		/* ms, whole transfer */
#define WX_API_MAX_BODY		(1024 * 1024)	/* response bytes */
#define WX_API_RETRIES		3		/* after the first try */
#define WX_API_BACKOFF		500		/* ms, doubles per retry */
#define WX_API_BACKOFF_MAX	30000		/* ms */
#define WX_API_MINUTE_BACKOFF	60000		/* ms after 45011 */
#define WX_API_MAX_CALLS	4096		/* calls alive at once */
#define WX_API_MAX_UPLOAD	(10 * 1024 * 1024)

enum wx_api_err {
	WX_API_OK = 0,
	WX_API_ERR_ERRCODE = -1,	/* WeChat answered errcode != 0 */
	WX_API_ERR_NET = -2,		/* connect failure, reset, timeout */
	WX_API_ERR_HTTP = -3,		/* HTTP status other than 200 */
	WX_API_ERR_PARSE = -4,		/* the body is not a JSON object */
	WX_API_ERR_TOOBIG = -5,		/* the body is over max_body */
	WX_API_ERR_TOKEN = -6,		/* no access_token could be had */
	WX_API_ERR_BREAKER = -7,	/* token fetches paused after
					   repeated failures: fails fast */
	WX_API_ERR_NOMEM = -8,
	WX_API_ERR_INVALID = -9,	/* bad request description */
	WX_API_ERR_BUSY = -10,		/* WX_API_MAX_CALLS reached */
	WX_API_ERR_OFF = -11,		/* no AppSecret: the API is off */
};

struct wx_api_cfg {
	const char	*base;		/* API base URL; NULL: the default */
	const char	*appid;
	const char	*appsecret;	/* copied, wiped on free; NULL or "":
					   calls needing a token fail with
					   WX_API_ERR_OFF */
	const char	*state_dir;	/* token cache; NULL: memory only */
	long		 connect_timeout_ms;
	long		 timeout_ms;
	size_t		 max_body;
	unsigned	 retries;	/* 0: the default; see no_retries */
	int		 no_retries;	/* 1: never retry transient faults */
	unsigned	 backoff_ms;
	unsigned	 minute_backoff_ms;
	/* Token (wx_token.h); 0: the defaults there. */
	unsigned	 token_ahead_s;
	unsigned	 breaker_threshold;
	unsigned	 breaker_cooldown_s;
	unsigned	 breaker_cooldown_max_s;
	const struct wx_token_share *token_share;	/* NULL: alone */
};

enum wx_api_method {
	WX_API_GET = 0,
	WX_API_POST,
};

/*
 * One call.  Every string and buffer is copied by wx_api_call(), so the
 * description may live on the caller's stack.
 */
struct wx_api_req {
	enum wx_api_method method;
	const char	*path;		/* "/cgi-bin/menu/create" */
	const char	*query;		/* more "k=v&k=v" (escaped) or NULL */
	int		 auth;		/* 1: add access_token=... */
	const json_t	*body;		/* POST JSON (serialized at the call) */
	const char	*body_text;	/* or this JSON text verbatim */
	int		 body_secret;	/* body holds a secret: wipe it */
	/* A multipart/form-data upload instead of a body (§7.5). */
	const char	*file_field;	/* form field, e.g. "media" */
	const char	*file_name;	/* "cover.jpg": the platform wants an
					   extension */
	const char	*file_type;	/* part Content-Type, "image/jpeg" */
	const void	*file_data;
	size_t		 file_len;
	/*
	 * 1 when a repeat cannot do harm even if the first try reached the
	 * platform (reads, token fetches, menu/create, mass/sendall with its
	 * clientmsgid).  Faults after the request was sent (reset, timeout,
	 * garbage, HTTP 5xx) are retried only for these; a request that
	 * never left (connection refused) is retried for every call.
	 */
	int		 idempotent;
	int		 no_retry;	/* 1: no transient retries at all */
	const char	*endpoint;	/* metrics/log label; NULL: path */
};

/* What a call got.  Everything in it is valid during the callback only. */
struct wx_api_res {
	int		 err;		/* enum wx_api_err */
	long		 errcode;	/* WeChat's errcode; 0 when none */
	const char	*errmsg;	/* WeChat's errmsg, or NULL */
	const char	*message;	/* plain words for a failure ("" on
					   success); never NULL */
	long		 http_status;	/* 0 when no HTTP answer */
	json_t		*json;		/* the parsed answer, or NULL;
					   borrowed: json_incref to keep */
	unsigned	 attempts;	/* HTTP requests made */
};

typedef void (*wx_api_cb)(void *arg, const struct wx_api_res *res);

/*
 * Make a client on base.  Returns NULL with *cause (static text) when the
 * configuration is unusable or memory is short.  Nothing is fetched
 * before wx_api_start().
 */
struct wx_api *wx_api_new(struct event_base *base,
	    const struct wx_api_cfg *cfg, const char **cause);

/*
 * Cancel every call silently (no callback runs), wipe the AppSecret and
 * the token, free everything.  Never call it from a wx_api callback.
 * NULL is a no-op.
 */
void	wx_api_free(struct wx_api *);

/*
 * Start the token: load the state-dir cache, fetch when it holds no usable
 * token, arm the refresh timer.  Returns 0, or WX_API_ERR_OFF without an
 * AppSecret.
 */
int	wx_api_start(struct wx_api *);

/*
 * Start a call; cb(arg, res) runs exactly once, always later from the
 * loop, never inside wx_api_call().  Returns a handle valid until the
 * callback has returned or wx_api_cancel() was called, or NULL when the
 * request description is invalid or memory is short (no callback then).
 */
struct wx_api_call *wx_api_call(struct wx_api *, const struct wx_api_req *,
	    wx_api_cb cb, void *arg);

/* Drop a call: its callback never runs.  NULL is a no-op. */
void	wx_api_cancel(struct wx_api_call *);

/* The token manager (borrowed), or NULL without an AppSecret. */
struct wx_token *wx_api_token(struct wx_api *);

struct wx_api_stats {
	uint64_t	 calls;		/* wx_api_call() accepted */
	uint64_t	 requests;	/* HTTP requests made */
	uint64_t	 retries;	/* transient retries */
	uint64_t	 refresh_retries; /* retries after a token refresh */
	uint64_t	 failures;	/* calls that ended with err != 0 */
	size_t		 active;	/* calls alive now */
};
void	wx_api_stats(const struct wx_api *, struct wx_api_stats *);

#endif
