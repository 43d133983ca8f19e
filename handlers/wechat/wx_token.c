/*
 * wx_token — one access_token per AppID, fetched by one single-flight
 * path, kept across restarts, refreshed ahead of expiry, and guarded by a
 * circuit breaker so that a broken configuration cannot burn the daily
 * quota (2 000 for /cgi-bin/token; stable_token is larger but not free).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "handlers/wechat/wx_api.h"	/* enum wx_api_err only */
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_token.h"
#include "handlers/wechat/wx_token_share.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define WX_TOKEN_CACHE_MAX	4096	/* bytes of the cache file */
/*
 * Asking the share again while another instance fetches, or while the
 * share is not up yet at start: every 200 ms, at most this often before
 * fetching alone (past the share's lock time, 10 s).
 */
#define WX_TOKEN_SHARE_POLL_MS	200
#define WX_TOKEN_SHARE_POLLS	60

TAILQ_HEAD(wx_token_waiters, wx_token_wait);

struct wx_token {
	wx_token_fetch_fn t_fetch_fn;
	wx_token_drop_fn t_drop_fn;
	void		*t_fetch_arg;
	struct event_base *t_base;
	char		*t_appid;
	char		*t_secret;		/* wiped on free */
	char		*t_path;		/* cache file or NULL */
	unsigned	 t_ahead, t_threshold, t_cooldown, t_cooldown_max;

	char		 t_token[WX_TOKEN_MAX];	/* "" when none */
	time_t		 t_expires;		/* wall clock */

	int		 t_fetch;		/* 1 while one is in flight */
	uint64_t	 t_seq;			/* fetches started */
	struct wx_token_waiters t_waiters;
	size_t		 t_nwaiters;
	struct event	*t_timer;		/* refresh ahead; breaker end */

	/* Circuit breaker. */
	unsigned	 t_consecutive;
	struct timespec	 t_open_until;		/* monotonic; 0: closed */
	unsigned	 t_next_cooldown;	/* s */

	char		 t_err[320];		/* words of the last failure */
	long		 t_errcode;
	char		 t_fast[480];		/* why a get failed at once */
	int		 t_fast_set;
	struct wx_token_stats t_stats;

	/* Shared with other instances (wx_token_share.h); NULL: alone. */
	const struct wx_token_share *t_share;
	int		 t_sharing;		/* asking the share */
	int		 t_polls;		/* share polls left */
	struct event	*t_share_timer;
};

static void	token_fetch(struct wx_token *);
static void	token_fetch_api(struct wx_token *);
static void	token_share_timer_cb(evutil_socket_t, short, void *);

/* A fetch is under way: from WeChat, or through the share. */
static int
token_busy(const struct wx_token *t)
{
	return t->t_fetch || t->t_sharing;
}

static struct timespec
token_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* Seconds the breaker stays open from now; 0 when closed. */
static long
token_open_left(const struct wx_token *t)
{
	struct timespec now;
	long left;

	if (t->t_open_until.tv_sec == 0 && t->t_open_until.tv_nsec == 0)
		return 0;
	now = token_mono();
	left = (long)(t->t_open_until.tv_sec - now.tv_sec);
	if (t->t_open_until.tv_nsec > now.tv_nsec)
		left++;
	return left > 0 ? left : 0;
}

/* 1 when the held token may still be handed out at now. */
static int
token_usable(const struct wx_token *t, time_t now)
{
	return t->t_token[0] != '\0' && now + WX_TOKEN_MARGIN < t->t_expires;
}

static void
token_arm(struct wx_token *t, long seconds)
{
	struct timeval tv;

	if (seconds < 1)
		seconds = 1;
	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	evtimer_add(t->t_timer, &tv);
}

/* Arm the timer for the next refresh ahead of expiry. */
static void
token_arm_refresh(struct wx_token *t)
{
	long left = (long)(t->t_expires - time(NULL)) - (long)t->t_ahead;

	/*
	 * Already inside the window: stable_token gave the token the platform
	 * has not rotated yet; ask again a little later, not in a loop.
	 */
	token_arm(t, left > 0 ? left : WX_TOKEN_MIN_INTERVAL);
}

static void
token_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_token *t = arg;
	long left;

	(void)fd;
	(void)what;
	if (token_busy(t))
		return;
	left = token_open_left(t);
	if (left > 0) {
		token_arm(t, left);
		return;
	}
	log_debug("%s: refreshing the access_token ahead of expiry",
	    __func__);
	token_fetch(t);
}

/* Compare n bytes in time independent of where they differ. */
static int
token_equal(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Only letters, digits and a few marks: the value goes into JSON text. */
static int
token_plain(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 128)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\')
			return 0;
	}
	return 1;
}

struct wx_token *
wx_token_new(struct event_base *base, const struct wx_token_cfg *cfg,
    const char **cause)
{
	struct wx_token *t;

	if (cfg->fetch == NULL || cfg->fetch_drop == NULL) {
		*cause = "no way to fetch an access_token";
		return NULL;
	}
	if (!token_plain(cfg->appid)) {
		*cause = "the AppID is missing or has unexpected characters";
		return NULL;
	}
	if (!token_plain(cfg->appsecret)) {
		*cause = "the AppSecret has unexpected characters";
		return NULL;
	}
	*cause = "out of memory";
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	TAILQ_INIT(&t->t_waiters);
	t->t_fetch_fn = cfg->fetch;
	t->t_drop_fn = cfg->fetch_drop;
	t->t_fetch_arg = cfg->fetch_arg;
	t->t_base = base;
	t->t_ahead = cfg->ahead_s > 0 ? cfg->ahead_s : WX_TOKEN_AHEAD;
	t->t_threshold = cfg->breaker_threshold > 0 ?
	    cfg->breaker_threshold : WX_TOKEN_BREAKER;
	t->t_cooldown = cfg->cooldown_s > 0 ? cfg->cooldown_s :
	    WX_TOKEN_COOLDOWN;
	t->t_cooldown_max = cfg->cooldown_max_s > 0 ? cfg->cooldown_max_s :
	    WX_TOKEN_COOLDOWN_MAX;
	if (t->t_cooldown_max < t->t_cooldown)
		t->t_cooldown_max = t->t_cooldown;
	t->t_next_cooldown = t->t_cooldown;
	t->t_appid = strdup(cfg->appid);
	t->t_secret = strdup(cfg->appsecret);
	if (cfg->state_dir != NULL && *cfg->state_dir != '\0' &&
	    asprintf(&t->t_path, "%s/%s", cfg->state_dir,
	    WX_TOKEN_FILE) == -1)
		t->t_path = NULL;
	t->t_timer = evtimer_new(base, token_timer_cb, t);
	t->t_share = cfg->share;
	t->t_share_timer = evtimer_new(base, token_share_timer_cb, t);
	if (t->t_appid == NULL || t->t_secret == NULL ||
	    t->t_timer == NULL || t->t_share_timer == NULL ||
	    (cfg->state_dir != NULL &&
	    *cfg->state_dir != '\0' && t->t_path == NULL)) {
		wx_token_free(t);
		return NULL;
	}
	return t;
}

void
wx_token_free(struct wx_token *t)
{
	struct wx_token_wait *w;

	if (t == NULL)
		return;
	while ((w = TAILQ_FIRST(&t->t_waiters)) != NULL) {
		TAILQ_REMOVE(&t->t_waiters, w, tw_entry);
		w->tw_queued = 0;
	}
	if (t->t_fetch)
		t->t_drop_fn(t->t_fetch_arg);
	if (t->t_share != NULL)
		t->t_share->ops->cancel(t->t_share->impl);
	if (t->t_timer != NULL)
		event_free(t->t_timer);
	if (t->t_share_timer != NULL)
		event_free(t->t_share_timer);
	if (t->t_secret != NULL) {
		mbedtls_platform_zeroize(t->t_secret, strlen(t->t_secret));
		free(t->t_secret);
	}
	mbedtls_platform_zeroize(t->t_token, sizeof t->t_token);
	free(t->t_appid);
	free(t->t_path);
	free(t);
}

int
wx_token_valid(const char *tok, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
	size_t i;

	if (tok == NULL || len == 0 || len >= WX_TOKEN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (tok[i] == '\0' || strchr(ok, tok[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Take the token from the state-dir file when it is ours and usable. */
static void
token_load(struct wx_token *t)
{
	json_t *root = NULL, *j;
	json_error_t jerr;
	char *buf = NULL, *cause = NULL;
	const char *tok;
	size_t len = 0, tlen;
	time_t exp, now = time(NULL);

	if (t->t_path == NULL)
		return;
	if (file_read(t->t_path, WX_TOKEN_CACHE_MAX, &buf, &len,
	    &cause) != 0) {
		if (errno != ENOENT)
			log_warn("state_error", "token cache %s unreadable: %s",
			    t->t_path, cause != NULL ? cause : "error");
		goto out;
	}
	root = json_loadb(buf, len, 0, &jerr);
	j = json_object_get(root, "access_token");
	tok = json_string_value(j);
	tlen = json_string_length(j);
	if (!json_is_object(root) || !wx_token_valid(tok, tlen) ||
	    !json_is_integer(json_object_get(root, "expires_at")) ||
	    !json_is_string(json_object_get(root, "appid"))) {
		log_warn("state_error", "token cache %s is malformed; a new "
		    "token will be fetched", t->t_path);
		goto out;
	}
	/* A token of another AppID would only earn 40001s. */
	if (strcmp(json_string_value(json_object_get(root, "appid")),
	    t->t_appid) != 0)
		goto out;
	exp = (time_t)json_integer_value(json_object_get(root,
	    "expires_at"));
	if (now + WX_TOKEN_MARGIN >= exp)
		goto out;
	memcpy(t->t_token, tok, tlen + 1);
	t->t_expires = exp;
	t->t_stats.cache_loads++;
	log_info("token_cached", "access_token taken from the state dir, "
	    "valid for %lld more seconds", (long long)(exp - now));
out:
	json_decref(root);
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, len);
		free(buf);
	}
	free(cause);
}

/* Keep the token for the next start; a failure only costs a fetch. */
static void
token_save(struct wx_token *t)
{
	char buf[WX_TOKEN_CACHE_MAX], *cause = NULL;
	json_t *root;
	size_t n = 0;

	if (t->t_path == NULL)
		return;
	root = json_pack("{s:s,s:s,s:I}", "appid", t->t_appid,
	    "access_token", t->t_token, "expires_at",
	    (json_int_t)t->t_expires);
	/* Into a buffer of ours, so that the token copy can be wiped. */
	if (root != NULL)
		n = json_dumpb(root, buf, sizeof buf - 1, JSON_COMPACT);
	json_decref(root);
	if (n == 0 || n >= sizeof buf - 1)
		cause = strdup("cannot render the cache");
	else {
		buf[n++] = '\n';
		(void)file_write_atomic(t->t_path, buf, n, 0600, &cause);
	}
	if (cause != NULL)
		log_warn("state_error", "cannot keep the token cache: %s; a "
		    "restart will fetch a new token", cause);
	mbedtls_platform_zeroize(buf, sizeof buf);
	free(cause);
}

void
wx_token_start(struct wx_token *t)
{
	token_load(t);
	if (token_usable(t, time(NULL)))
		token_arm_refresh(t);
	else if (!token_busy(t))
		token_fetch(t);
}

/* Answer every waiter of fetch seq (not those queued since). */
static void
token_deliver(struct wx_token *t, uint64_t seq, int err, long errcode)
{
	struct wx_token_wait *w;
	char tok[WX_TOKEN_MAX];

	/* A copy: a callback may invalidate the token meanwhile. */
	memcpy(tok, t->t_token, sizeof tok);
	while ((w = TAILQ_FIRST(&t->t_waiters)) != NULL &&
	    w->tw_seq <= seq) {
		TAILQ_REMOVE(&t->t_waiters, w, tw_entry);
		t->t_nwaiters--;
		w->tw_queued = 0;
		if (err == 0)
			w->tw_cb(w->tw_arg, 0, tok, 0, "");
		else
			w->tw_cb(w->tw_arg, err, NULL, errcode, t->t_err);
	}
	mbedtls_platform_zeroize(tok, sizeof tok);
}

static void
token_failed(struct wx_token *t, uint64_t seq, long errcode,
    const char *words)
{
	enum wx_errclass cls = wx_errcode_class(errcode);
	struct timespec now;
	int open;

	t->t_stats.failures++;
	t->t_consecutive++;
	t->t_errcode = errcode;
	snprintf(t->t_err, sizeof t->t_err, "%s", words);
	/*
	 * Configuration and quota errors do not heal by asking again:
	 * pause at once.  Transient ones get breaker_threshold tries.
	 */
	open = t->t_consecutive >= t->t_threshold || cls == WX_ERRC_FATAL ||
	    cls == WX_ERRC_QUOTA || errcode == 40001;
	if (open) {
		now = token_mono();
		t->t_open_until = now;
		t->t_open_until.tv_sec += t->t_next_cooldown;
		log_msg(LOG_ERR, "token_error", NULL, 0, "cannot get an "
		    "access_token (%u failure(s) in a row): %s (errcode "
		    "%ld); token fetching paused for %u s", t->t_consecutive,
		    words, errcode, t->t_next_cooldown);
		token_arm(t, (long)t->t_next_cooldown);
		t->t_next_cooldown *= 2;
		if (t->t_next_cooldown > t->t_cooldown_max)
			t->t_next_cooldown = t->t_cooldown_max;
	} else if (token_usable(t, time(NULL)))
		token_arm(t, WX_TOKEN_MIN_INTERVAL);
	token_deliver(t, seq, WX_API_ERR_TOKEN, errcode);
}

void
wx_token_fetched(struct wx_token *t, const struct wx_token_reply *res)
{
	uint64_t seq = t->t_seq;
	const char *tok;
	char words[320];
	json_t *j;
	size_t len;
	long long ttl;

	if (!t->t_fetch)
		return;
	t->t_fetch = 0;
	if (res->err != WX_API_OK) {
		if (res->errcode == 40001)
			/* At the token endpoint 40001 means a bad secret. */
			snprintf(words, sizeof words, "%s",
			    wx_errcode_text(40125));
		else
			snprintf(words, sizeof words, "%s", res->message);
		token_failed(t, seq, res->errcode, words);
		return;
	}
	j = json_object_get(res->json, "access_token");
	tok = json_string_value(j);
	len = json_string_length(j);
	ttl = json_integer_value(json_object_get(res->json, "expires_in"));
	if (!wx_token_valid(tok, len) || ttl <= 0 || ttl > 86400 * 30) {
		/* Not echoed: a hostile endpoint chose those bytes. */
		token_failed(t, seq, 0, "the token answer has no usable "
		    "access_token (1-511 letters, digits, '-', '_', '.', '~') "
		    "or expires_in");
		return;
	}
	memcpy(t->t_token, tok, len + 1);
	t->t_expires = time(NULL) + (time_t)ttl;
	t->t_consecutive = 0;
	t->t_next_cooldown = t->t_cooldown;
	t->t_open_until.tv_sec = 0;
	t->t_open_until.tv_nsec = 0;
	t->t_err[0] = '\0';
	t->t_errcode = 0;
	log_debug("%s: new access_token, valid for %lld s", __func__, ttl);
	/* Stored for every instance; releases the fetch lock. */
	if (t->t_share != NULL)
		t->t_share->ops->put(t->t_share->impl, t->t_token,
		    t->t_expires);
	token_save(t);
	token_arm_refresh(t);
	token_deliver(t, seq, 0, 0);
}

/* The share's answer: the cluster's token, the lock, or wait. */
static void
token_share_cb(void *arg, enum wx_token_share_state st, const char *token,
    time_t expires)
{
	struct wx_token *t = arg;
	struct timeval tv = { 0, WX_TOKEN_SHARE_POLL_MS * 1000 };
	size_t n;

	t->t_sharing = 0;
	switch (st) {
	case WX_TSHARE_FOUND:
		n = strlen(token);
		if (n >= sizeof t->t_token)
			break;
		memcpy(t->t_token, token, n + 1);
		t->t_expires = expires;
		t->t_consecutive = 0;
		t->t_next_cooldown = t->t_cooldown;
		t->t_open_until.tv_sec = 0;
		t->t_open_until.tv_nsec = 0;
		log_debug("%s: the cluster's access_token, valid for %lld s",
		    __func__, (long long)(expires - time(NULL)));
		token_save(t);
		token_arm_refresh(t);
		token_deliver(t, t->t_seq, 0, 0);
		return;
	case WX_TSHARE_BUSY:
		if (--t->t_polls > 0) {
			t->t_sharing = 1;
			evtimer_add(t->t_share_timer, &tv);
			return;
		}
		break;
	case WX_TSHARE_LOCKED:	/* ours to fetch */
	case WX_TSHARE_FAILED:
		break;
	}
	token_fetch_api(t);
}

/* Ask the share; 0 when its answer (or a poll) is on the way. */
static int
token_share_ask(struct wx_token *t)
{
	struct timeval tv = { 0, WX_TOKEN_SHARE_POLL_MS * 1000 };

	if (t->t_share->ops->acquire(t->t_share->impl, time(NULL) +
	    (time_t)t->t_ahead, token_share_cb, t) == 0) {
		t->t_sharing = 1;
		return 0;
	}
	/* Not connected yet (at start) or away: wait a little, then alone. */
	if (--t->t_polls > 0) {
		t->t_sharing = 1;
		evtimer_add(t->t_share_timer, &tv);
		return 0;
	}
	return -1;
}

static void
token_share_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wx_token *t = arg;

	(void)fd;
	(void)what;
	t->t_sharing = 0;
	if (token_share_ask(t) != 0)
		token_fetch_api(t);
}

/*
 * Start the one fetch (the caller checked none is in flight): through the
 * share when there is one, else from WeChat.
 */
static void
token_fetch(struct wx_token *t)
{
	t->t_seq++;
	if (t->t_share != NULL) {
		t->t_polls = WX_TOKEN_SHARE_POLLS;
		if (token_share_ask(t) == 0)
			return;
	}
	token_fetch_api(t);
}

/* Ask WeChat: POST stable_token. */
static void
token_fetch_api(struct wx_token *t)
{
	char body[512];
	int n, r;

	n = snprintf(body, sizeof body, "{\"grant_type\":\"client_credential\","
	    "\"appid\":\"%s\",\"secret\":\"%s\",\"force_refresh\":false}",
	    t->t_appid, t->t_secret);
	if (n < 0 || (size_t)n >= sizeof body)
		return;
	t->t_fetch = 1;
	r = t->t_fetch_fn(t->t_fetch_arg, body);
	mbedtls_platform_zeroize(body, sizeof body);
	if (r != 0) {
		t->t_fetch = 0;
		token_failed(t, t->t_seq, 0, "cannot start the token request");
		return;
	}
	t->t_stats.fetches++;
	metrics_counter_inc(M_TOKEN_REFRESHES, NULL);
}

int
wx_token_get(struct wx_token *t, struct wx_token_wait *w, wx_token_cb cb,
    void *arg, char *out, size_t size)
{
	long left;

	if (w->tw_queued)
		return WX_TOKEN_PENDING;
	t->t_fast_set = 0;
	if (token_usable(t, time(NULL))) {
		if (strlen(t->t_token) >= size)
			return WX_API_ERR_INVALID;
		memcpy(out, t->t_token, strlen(t->t_token) + 1);
		return WX_TOKEN_READY;
	}
	if (!token_busy(t)) {
		left = token_open_left(t);
		if (left > 0) {
			snprintf(t->t_fast, sizeof t->t_fast, "token fetching "
			    "is paused for %ld more s after %u failed "
			    "attempt(s); last error: %s", left,
			    t->t_consecutive, t->t_err);
			t->t_fast_set = 1;
			return WX_API_ERR_BREAKER;
		}
		if (t->t_nwaiters >= WX_TOKEN_MAX_WAITERS)
			return WX_API_ERR_BUSY;
		token_fetch(t);
		if (!token_busy(t))
			return WX_API_ERR_TOKEN;
	} else if (t->t_nwaiters >= WX_TOKEN_MAX_WAITERS)
		return WX_API_ERR_BUSY;
	w->tw_cb = cb;
	w->tw_arg = arg;
	w->tw_seq = t->t_seq;
	w->tw_queued = 1;
	TAILQ_INSERT_TAIL(&t->t_waiters, w, tw_entry);
	t->t_nwaiters++;
	return WX_TOKEN_PENDING;
}

void
wx_token_cancel(struct wx_token *t, struct wx_token_wait *w)
{
	if (!w->tw_queued)
		return;
	TAILQ_REMOVE(&t->t_waiters, w, tw_entry);
	t->t_nwaiters--;
	w->tw_queued = 0;
}

void
wx_token_invalidate(struct wx_token *t, const char *failed)
{
	size_t n = strlen(t->t_token);

	if (n == 0 || strlen(failed) != n || !token_equal(t->t_token,
	    failed, n))
		return;
	log_info("token_invalid", "the access_token was refused; fetching "
	    "a new one");
	/* Only while the cluster still holds this very token. */
	if (t->t_share != NULL)
		t->t_share->ops->invalidate(t->t_share->impl, failed);
	mbedtls_platform_zeroize(t->t_token, sizeof t->t_token);
	t->t_expires = 0;
}

const char *
wx_token_last_error(const struct wx_token *t, long *errcode)
{
	if (errcode != NULL)
		*errcode = t->t_errcode;
	return t->t_fast_set ? t->t_fast : t->t_err;
}

void
wx_token_stats(const struct wx_token *t, struct wx_token_stats *st)
{
	*st = t->t_stats;
	st->consecutive = t->t_consecutive;
	st->breaker_open = token_open_left(t) > 0;
	st->have_token = t->t_token[0] != '\0';
	st->expires_at = t->t_expires;
	st->waiters = t->t_nwaiters;
}
