/*
 * wx_token — the access_token (protocol doc §7.2-§7.3).  wxkbd is the only
 * holder of the token of its AppID, so this is the single place that
 * fetches one: POST /cgi-bin/stable_token with force_refresh false (which
 * never rotates a token another program holds).
 *
 * The token lives in memory and in STATE_DIR/access_token.json (mode
 * 0600, replaced atomically) with its absolute expiry, so a restart
 * spends no quota.  A timer refreshes it when fewer than ahead_s seconds
 * remain.  At most one fetch is in flight; callers that need a token
 * meanwhile wait on it.  After breaker_threshold failed fetches in a row
 * (or at once for configuration and quota errors) fetching stops for a
 * cool-down that doubles up to a maximum, and callers fail fast.
 *
 * The token does not make HTTP requests itself: it is given a fetch
 * function (wx_api's stable_token call in the daemon; a scripted one in
 * the tests) and is told the answer with wx_token_fetched().
 *
 * The token and the AppSecret are never logged and are wiped on free.
 */
#ifndef WX_TOKEN_H
#define WX_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <jansson.h>

struct event_base;
struct wx_token;
struct wx_token_share;

#define WX_TOKEN_MAX		512	/* bytes of a token (§9 item 13) */
#define WX_TOKEN_FILE		"access_token.json"
#define WX_TOKEN_PATH		"/cgi-bin/stable_token"
#define WX_TOKEN_AHEAD		300	/* s: refresh when fewer remain */
#define WX_TOKEN_MARGIN		30	/* s: not handed out closer to expiry */
#define WX_TOKEN_MIN_INTERVAL	30	/* s between timer refreshes */
#define WX_TOKEN_BREAKER	5	/* failed fetches in a row */
#define WX_TOKEN_COOLDOWN	60	/* s, first pause */
#define WX_TOKEN_COOLDOWN_MAX	1800	/* s, longest pause */
#define WX_TOKEN_MAX_WAITERS	8192

/*
 * 1 when the len bytes at tok can be an access_token: 1 to WX_TOKEN_MAX-1
 * of letters, digits, '-', '_', '.' and '~' (nothing a query string or
 * JSON would read as syntax).  Checked on every token from the API and
 * from the cache file before it is used.
 */
int	wx_token_valid(const char *tok, size_t len);

enum wx_token_status {
	WX_TOKEN_READY = 0,	/* the token was copied out */
	WX_TOKEN_PENDING = 1,	/* queued: the callback brings it */
};

/*
 * The fetch function: start one POST of body (JSON text holding the
 * AppSecret: wipe every copy) to WX_TOKEN_PATH and return 0, then report
 * the answer exactly once, later, from the loop, by wx_token_fetched();
 * or return -1 when the request cannot start (no report then).  At most
 * one fetch is started at a time.
 */
typedef int (*wx_token_fetch_fn)(void *arg, const char *body);

/* Forget the fetch in flight (wx_token_free()): no report may follow. */
typedef void (*wx_token_drop_fn)(void *arg);

struct wx_token_cfg {
	wx_token_fetch_fn fetch;	/* required */
	wx_token_drop_fn fetch_drop;	/* required */
	void		*fetch_arg;
	const char	*appid;
	const char	*appsecret;
	const char	*state_dir;	/* NULL: memory only */
	unsigned	 ahead_s;	/* 0: the defaults above */
	unsigned	 breaker_threshold;
	unsigned	 cooldown_s;
	unsigned	 cooldown_max_s;
	/* The token of every instance (wx_token_share.h), borrowed and
	 * outliving the token; NULL: this instance alone. */
	const struct wx_token_share *share;
};

/*
 * The callback of a queued wx_token_get(): err is 0 with token set, or a
 * wx_api_err (WX_API_ERR_TOKEN, WX_API_ERR_BREAKER, ...) with token NULL,
 * errcode WeChat's answer (0 when none) and message plain words.
 */
typedef void (*wx_token_cb)(void *arg, int err, const char *token,
	    long errcode, const char *message);

/* A caller's place in the queue; caller-owned, zeroed before first use. */
struct wx_token_wait {
	TAILQ_ENTRY(wx_token_wait) tw_entry;
	wx_token_cb	 tw_cb;
	void		*tw_arg;
	int		 tw_queued;	/* 1 while in the queue */
	uint64_t	 tw_seq;	/* the fetch it waits for */
};

/*
 * Make a token manager whose timers run on base.  The strings are copied.
 * Returns NULL with *cause (static) when appid or appsecret is missing or
 * unusable.
 */
struct wx_token *wx_token_new(struct event_base *base,
	    const struct wx_token_cfg *cfg, const char **cause);

/*
 * Drop queued waiters silently, drop the fetch in flight, wipe and free.
 * NULL is a no-op.
 */
void	wx_token_free(struct wx_token *);

/* Load the cache; fetch now when it has no usable token; arm the timer. */
void	wx_token_start(struct wx_token *);

/*
 * Get the token.  WX_TOKEN_READY: a usable token was copied into out
 * (size bytes).  WX_TOKEN_PENDING: w is queued on the fetch in flight
 * (started now if needed) and cb runs later from the loop.  Negative: a
 * wx_api_err right away (WX_API_ERR_BREAKER while fetching is paused);
 * wx_token_last_error() has the words.
 */
int	wx_token_get(struct wx_token *, struct wx_token_wait *w,
	    wx_token_cb cb, void *arg, char *out, size_t size);

/* What the fetch function reports; valid during wx_token_fetched(). */
struct wx_token_reply {
	int		 err;		/* 0, or the wx_api_err of a failure */
	long		 errcode;	/* WeChat's errcode; 0 when none */
	const char	*message;	/* plain words of a failure; never
					   NULL */
	const json_t	*json;		/* the answer when err is 0 */
};

/*
 * The answer of the fetch in flight: keep the token and answer the
 * waiters, or count a failure for the breaker and fail them.  Waiter
 * callbacks run from here.  A report with no fetch in flight is ignored.
 */
void	wx_token_fetched(struct wx_token *, const struct wx_token_reply *res);

/* Take w out of the queue; its callback never runs.  Idle w: no-op. */
void	wx_token_cancel(struct wx_token *, struct wx_token_wait *w);

/*
 * A call failed with 40001/40014/42001 using token failed.  When the
 * cached token is still that one it is dropped, so the next
 * wx_token_get() fetches; when it was already replaced nothing happens.
 * Either way at most one fetch follows however many calls failed.
 */
void	wx_token_invalidate(struct wx_token *, const char *failed);

/*
 * The plain words and errcode of the last failure (static storage of the
 * token; "" and 0 when none).
 */
const char *wx_token_last_error(const struct wx_token *, long *errcode);

struct wx_token_stats {
	uint64_t	 fetches;	/* stable_token requests started */
	uint64_t	 failures;	/* fetches that failed */
	uint64_t	 cache_loads;	/* tokens taken from the state dir */
	unsigned	 consecutive;	/* failed fetches in a row */
	int		 breaker_open;	/* 1 while fetching is paused */
	int		 have_token;	/* 1 when a token is held */
	time_t		 expires_at;	/* wall clock; 0 when none */
	size_t		 waiters;
};
void	wx_token_stats(const struct wx_token *, struct wx_token_stats *);

#endif
