/*
 * test_wx_token_state — the access_token's state machine driven directly:
 * the token is given a scripted fetch function, so no HTTP request is
 * made.  The test decides when and what each fetch answers and checks
 * single flight, the state-dir cache, 40001 and the circuit breaker.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_token.h"
#include "tests/unit/wx_fx.h"

#define APPID	"wxSTATEAPPID001"
#define SECRET	"statesecret0123456789"
#define NWAIT	50

/* The scripted fetch function's record. */
struct fetcher {
	int		 started;	/* fetches asked for */
	int		 inflight;	/* 1 between a start and its answer */
	int		 dropped;	/* fetches the token dropped */
	int		 refuse;	/* 1: the next start fails */
	char		 body[512];	/* the last body */
};

struct fx {
	struct wx_fx	 fx;		/* the fake's directory, no fake */
	struct wx_token	*tok;
	struct fetcher	 fe;
	char		 cache[200];
};

/* One caller waiting for the token. */
struct waiter {
	struct wx_token_wait w;
	int		 called;
	int		 err;
	long		 errcode;
	char		 token[WX_TOKEN_MAX];
	char		 message[512];
};

static int
fetch_cb(void *arg, const char *body)
{
	struct fetcher *fe = arg;

	assert_false(fe->inflight);	/* single flight */
	if (fe->refuse)
		return -1;
	fe->started++;
	fe->inflight = 1;
	snprintf(fe->body, sizeof fe->body, "%s", body);
	return 0;
}

static void
drop_cb(void *arg)
{
	struct fetcher *fe = arg;

	fe->inflight = 0;
	fe->dropped++;
}

static void
waiter_cb(void *arg, int err, const char *token, long errcode,
    const char *message)
{
	struct waiter *wt = arg;

	wt->called++;
	wt->err = err;
	wt->errcode = errcode;
	snprintf(wt->token, sizeof wt->token, "%s", token != NULL ? token : "");
	snprintf(wt->message, sizeof wt->message, "%s", message);
}

static struct wx_token *
fx_token(struct fx *f, const struct wx_token_cfg *over)
{
	struct wx_token_cfg cfg;
	struct wx_token *t;
	const char *cause = NULL;

	if (over != NULL)
		cfg = *over;
	else
		memset(&cfg, 0, sizeof cfg);
	cfg.fetch = fetch_cb;
	cfg.fetch_drop = drop_cb;
	cfg.fetch_arg = &f->fe;
	cfg.appid = APPID;
	cfg.appsecret = SECRET;
	if (cfg.state_dir == NULL)
		cfg.state_dir = f->fx.fake.state;
	t = wx_token_new(f->fx.base, &cfg, &cause);
	assert_non_null(t);
	return t;
}

/* Tell the token the fetch in flight got the answer text json. */
static void
answer_json(struct fx *f, const char *text)
{
	struct wx_token_reply r;
	json_error_t jerr;
	json_t *j;

	assert_true(f->fe.inflight);
	f->fe.inflight = 0;
	j = json_loads(text, JSON_ALLOW_NUL, &jerr);
	assert_non_null(j);
	memset(&r, 0, sizeof r);
	r.message = "";
	r.json = j;
	wx_token_fetched(f->tok, &r);
	json_decref(j);
}

static void
answer_token(struct fx *f, const char *token, long ttl)
{
	char text[WX_TOKEN_MAX + 64];

	snprintf(text, sizeof text, "{\"access_token\":\"%s\","
	    "\"expires_in\":%ld}", token, ttl);
	answer_json(f, text);
}

/* The fetch in flight failed with err (and WeChat's errcode). */
static void
answer_fail(struct fx *f, int err, long errcode, const char *message)
{
	struct wx_token_reply r;

	assert_true(f->fe.inflight);
	f->fe.inflight = 0;
	memset(&r, 0, sizeof r);
	r.err = err;
	r.errcode = errcode;
	r.message = message;
	wx_token_fetched(f->tok, &r);
}

/* wx_token_get() for wt; the token lands in wt->token when ready. */
static int
get(struct fx *f, struct waiter *wt)
{
	return wx_token_get(f->tok, &wt->w, waiter_cb, wt, wt->token,
	    sizeof wt->token);
}

/* Run the loop until the token has asked for want fetches, bounded. */
static int
run_until_started(struct fx *f, int want, long ms)
{
	struct timeval slice = { 0, 50000 };
	long n;

	for (n = 0; n < ms / 50 && f->fe.started < want; n++) {
		event_base_loopexit(f->fx.base, &slice);
		event_base_dispatch(f->fx.base);
	}
	return f->fe.started >= want;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open_dir(&f->fx, "test_wx_token_state");
	snprintf(f->cache, sizeof f->cache, "%s/%s", f->fx.fake.state,
	    WX_TOKEN_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	/* Neither the secret nor any token reached the log. */
	static const char *const absent[] = { SECRET, "TOKEN-", NULL };
	struct fx *f = *state;

	wx_token_free(f->tok);
	wx_fx_close_absent(&f->fx, absent);
	free(f);
	return 0;
}

/* Unusable configurations are refused with words. */
static void
test_new_refused(void **state)
{
	static const struct {
		const char	*appid, *secret, *words;
		int		 fetch;
	} cases[] = {
		{ APPID, SECRET, "fetch", 0 },
		{ "", SECRET, "AppID", 1 },
		{ "wx\"x", SECRET, "AppID", 1 },
		{ "wx x", SECRET, "AppID", 1 },
		{ APPID, "se\\cret", "AppSecret", 1 },
	};
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	const char *cause;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.appid = cases[i].appid;
		cfg.appsecret = cases[i].secret;
		cfg.fetch = cases[i].fetch ? fetch_cb : NULL;
		cfg.fetch_drop = cases[i].fetch ? drop_cb : NULL;
		cause = NULL;
		assert_null(wx_token_new(f->fx.base, &cfg, &cause));
		assert_non_null(strstr(cause, cases[i].words));
	}
	assert_int_equal(f->fe.started, 0);
}

/* 50 callers without a token: one fetch, and its answer serves all. */
static void
test_single_flight(void **state)
{
	struct fx *f = *state;
	struct waiter *w = calloc(NWAIT, sizeof *w), extra;
	struct wx_token_stats st;
	json_error_t jerr;
	json_t *body;
	const char *grant, *appid, *secret;
	int i, force = 1;

	assert_non_null(w);
	f->tok = fx_token(f, NULL);
	for (i = 0; i < NWAIT; i++)
		assert_int_equal(get(f, &w[i]), WX_TOKEN_PENDING);
	assert_int_equal(f->fe.started, 1);
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.waiters, NWAIT);
	/* A second get of a queued waiter does not queue it twice. */
	assert_int_equal(get(f, &w[0]), WX_TOKEN_PENDING);
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.waiters, NWAIT);

	/* stable_token in normal mode, with our AppID and secret. */
	body = json_loads(f->fe.body, 0, &jerr);
	assert_int_equal(json_unpack(body, "{s:s, s:s, s:s, s:b}", "grant_type",
	    &grant, "appid", &appid, "secret", &secret, "force_refresh",
	    &force), 0);
	assert_string_equal(grant, "client_credential");
	assert_string_equal(appid, APPID);
	assert_string_equal(secret, SECRET);
	assert_false(force);
	json_decref(body);

	answer_token(f, "TOKEN-1", 7200);
	for (i = 0; i < NWAIT; i++) {
		assert_int_equal(w[i].called, 1);
		assert_int_equal(w[i].err, 0);
		assert_string_equal(w[i].token, "TOKEN-1");
	}
	/* Held now: copied out at once, no fetch. */
	memset(&extra, 0, sizeof extra);
	assert_int_equal(get(f, &extra), WX_TOKEN_READY);
	assert_string_equal(extra.token, "TOKEN-1");
	assert_int_equal(extra.called, 0);
	assert_int_equal(f->fe.started, 1);
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.fetches, 1);
	assert_int_equal(st.waiters, 0);
	assert_true(st.have_token);
	free(w);
}

/*
 * A cancelled waiter is never called, the others are; freed with a fetch
 * in flight, the token drops it and calls nobody.
 */
static void
test_cancel_and_free(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct waiter w[3];

	memset(w, 0, sizeof w);
	f->tok = fx_token(f, NULL);
	assert_int_equal(get(f, &w[0]), WX_TOKEN_PENDING);
	assert_int_equal(get(f, &w[1]), WX_TOKEN_PENDING);
	assert_int_equal(get(f, &w[2]), WX_TOKEN_PENDING);
	wx_token_cancel(f->tok, &w[1].w);
	wx_token_cancel(f->tok, &w[1].w);		/* idle: no-op */
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.waiters, 2);
	answer_token(f, "TOKEN-1", 7200);
	assert_int_equal(w[0].called + w[2].called, 2);
	assert_int_equal(w[1].called, 0);
	wx_token_free(f->tok);		/* idle: nothing to drop */
	assert_int_equal(f->fe.dropped, 0);

	memset(w, 0, sizeof w);
	f->tok = fx_token(f, NULL);
	assert_int_equal(get(f, &w[0]), WX_TOKEN_PENDING);
	assert_int_equal(get(f, &w[1]), WX_TOKEN_PENDING);
	wx_token_free(f->tok);
	f->tok = NULL;
	assert_int_equal(f->fe.dropped, 1);
	assert_false(f->fe.inflight);
	assert_int_equal(w[0].called + w[1].called, 0);
	assert_false(w[0].w.tw_queued);
}

/* An answer kept in the state dir serves a restart without a fetch. */
static void
test_persist(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct waiter w;
	struct stat sb;
	json_error_t jerr;
	json_t *cache;
	time_t now = time(NULL);
	json_int_t exp;

	f->tok = fx_token(f, NULL);
	wx_token_start(f->tok);
	assert_int_equal(f->fe.started, 1);	/* nothing cached: fetch */
	answer_token(f, "TOKEN-1", 7200);
	assert_int_equal(stat(f->cache, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	cache = json_load_file(f->cache, 0, &jerr);
	assert_non_null(cache);
	assert_string_equal(json_string_value(json_object_get(cache,
	    "access_token")), "TOKEN-1");
	assert_string_equal(json_string_value(json_object_get(cache,
	    "appid")), APPID);
	exp = json_integer_value(json_object_get(cache, "expires_at"));
	assert_true(exp >= now + 7200 && exp <= time(NULL) + 7200);
	json_decref(cache);

	wx_token_free(f->tok);
	f->tok = fx_token(f, NULL);
	wx_token_start(f->tok);
	assert_int_equal(f->fe.started, 1);
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_READY);
	assert_string_equal(w.token, "TOKEN-1");
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.cache_loads, 1);
	assert_int_equal(st.fetches, 0);
	assert_int_equal(st.expires_at, (time_t)exp);
	/* Replaced atomically: no temporary file was left beside it. */
	assert_int_equal(unlink(f->cache), 0);
	assert_int_equal(rmdir(f->fx.fake.state), 0);
}

/* A cache that is not ours, not fresh or not sound costs one fetch. */
static void
test_cache_rejected(void **state)
{
	static const char *const files[] = {
		"{\"appid\":\"wxOTHER\",\"access_token\":\"TOKEN-X\","
		    "\"expires_at\":99999999999}",
		"{\"appid\":\"" APPID "\",\"access_token\":\"TOKEN-X\","
		    "\"expires_at\":1000}",
		"{\"appid\":\"" APPID "\",\"access_token\":\"\","
		    "\"expires_at\":99999999999}",
		"{\"appid\":\"" APPID "\",\"access_token\":7,"
		    "\"expires_at\":99999999999}",
		"{\"appid\":\"" APPID "\",\"access_token\":\"TOKEN-X\","
		    "\"expires_at\":\"soon\"}",
		"{\"access_token\":\"TOKEN-X\",\"expires_at\":99999999999}",
		"{\"appid\":\"" APPID "\",\"access_token\":\"TOKEN-X\"",
		"[]",
		"",
	};
	struct fx *f = *state;
	struct wx_token_stats st;
	char text[8192];
	size_t i, n = sizeof files / sizeof files[0];

	for (i = 0; i < n + 2; i++) {
		if (i < n)
			snprintf(text, sizeof text, "%s", files[i]);
		else if (i == n)	/* inside the margin before expiry */
			snprintf(text, sizeof text, "{\"appid\":\"" APPID "\","
			    "\"access_token\":\"TOKEN-X\",\"expires_at\":"
			    "%lld}", (long long)time(NULL) + 10);
		else			/* over the size limit: not read */
			snprintf(text, sizeof text, "{\"appid\":\"" APPID "\","
			    "\"access_token\":\"TOKEN-X\",\"expires_at\":"
			    "99999999999,\"pad\":\"%05000d\"}", 0);
		write_file(f->cache, text);
		f->fe.started = 0;
		f->tok = fx_token(f, NULL);
		wx_token_start(f->tok);
		assert_int_equal(f->fe.started, 1);
		wx_token_stats(f->tok, &st);
		assert_int_equal(st.cache_loads, 0);
		assert_false(st.have_token);
		wx_token_free(f->tok);
		f->tok = NULL;
	}
}

/* A state dir that cannot be written costs nothing but a warning. */
static void
test_cache_unwritable(void **state)
{
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	struct waiter w;
	char missing[128];

	snprintf(missing, sizeof missing, "%s/missing", f->fx.fake.dir);
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = missing;
	f->tok = fx_token(f, &cfg);
	wx_token_start(f->tok);
	answer_token(f, "TOKEN-1", 7200);
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_READY);
	assert_string_equal(w.token, "TOKEN-1");
	fflush(f->fx.logfp);
	assert_true(wx_fake_file_has(f->fx.logpath,
	    "cannot keep the token cache"));
}

/*
 * 40001 on calls: invalidating with the token in use drops it once, so
 * however many calls failed only one fetch follows; a stale token (one
 * already replaced) changes nothing.
 */
static void
test_invalidate(void **state)
{
	struct fx *f = *state;
	struct waiter w[20], r;
	int i;

	memset(w, 0, sizeof w);
	f->tok = fx_token(f, NULL);
	wx_token_start(f->tok);
	answer_token(f, "TOKEN-1", 7200);

	wx_token_invalidate(f->tok, "TOKEN-2");	/* not ours */
	wx_token_invalidate(f->tok, "TOKEN-");	/* a prefix */
	memset(&r, 0, sizeof r);
	assert_int_equal(get(f, &r), WX_TOKEN_READY);
	assert_string_equal(r.token, "TOKEN-1");
	assert_int_equal(f->fe.started, 1);

	/* 20 calls failed with TOKEN-1, each invalidates and asks again. */
	for (i = 0; i < 20; i++) {
		wx_token_invalidate(f->tok, "TOKEN-1");
		assert_int_equal(get(f, &w[i]), WX_TOKEN_PENDING);
	}
	assert_int_equal(f->fe.started, 2);
	answer_token(f, "TOKEN-2", 7200);
	for (i = 0; i < 20; i++) {
		assert_int_equal(w[i].called, 1);
		assert_string_equal(w[i].token, "TOKEN-2");
	}
	/* A late failure with the old token: the new one stays. */
	wx_token_invalidate(f->tok, "TOKEN-1");
	memset(&r, 0, sizeof r);
	assert_int_equal(get(f, &r), WX_TOKEN_READY);
	assert_string_equal(r.token, "TOKEN-2");
	assert_int_equal(f->fe.started, 2);
}

/* Transient failures: breaker_threshold of them in a row pause fetching. */
static void
test_breaker_threshold(void **state)
{
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	struct wx_token_stats st;
	struct waiter w;
	const char *words;
	int i;

	memset(&cfg, 0, sizeof cfg);
	cfg.breaker_threshold = 3;
	f->tok = fx_token(f, &cfg);
	for (i = 1; i <= 3; i++) {
		memset(&w, 0, sizeof w);
		assert_int_equal(get(f, &w), WX_TOKEN_PENDING);
		assert_int_equal(f->fe.started, i);
		if (i == 2)
			answer_fail(f, WX_API_ERR_NET, 0, "connection reset");
		else
			answer_fail(f, WX_API_ERR_ERRCODE, -1, "busy");
		assert_int_equal(w.err, WX_API_ERR_TOKEN);
		wx_token_stats(f->tok, &st);
		assert_int_equal(st.consecutive, (unsigned)i);
		assert_int_equal(st.breaker_open, i == 3);
	}
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_API_ERR_BREAKER);
	words = wx_token_last_error(f->tok, NULL);
	assert_non_null(strstr(words, "paused"));
	assert_non_null(strstr(words, "3 failed"));
	assert_non_null(strstr(words, "busy"));
	assert_int_equal(f->fe.started, 3);
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.failures, 3);
	assert_int_equal(st.fetches, 3);
}

/*
 * Configuration and quota errors pause at once: one failure is enough.
 * 40001 from the token endpoint itself means a wrong AppSecret.
 */
static void
test_breaker_fatal(void **state)
{
	static const long codes[] = { 40164, 40125, 40013, 45009, 40001 };
	struct fx *f = *state;
	struct wx_token_stats st;
	struct waiter w;
	long errcode, shown;
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		f->fe.started = 0;
		f->tok = fx_token(f, NULL);
		memset(&w, 0, sizeof w);
		assert_int_equal(get(f, &w), WX_TOKEN_PENDING);
		answer_fail(f, WX_API_ERR_ERRCODE, codes[i], "platform words");
		shown = codes[i] == 40001 ? 40125 : codes[i];
		assert_int_equal(w.err, WX_API_ERR_TOKEN);
		assert_int_equal(w.errcode, codes[i]);
		assert_string_equal(w.message, codes[i] == 40001 ?
		    wx_errcode_text(shown) : "platform words");
		wx_token_stats(f->tok, &st);
		assert_true(st.breaker_open);
		memset(&w, 0, sizeof w);
		assert_int_equal(get(f, &w), WX_API_ERR_BREAKER);
		assert_false(w.w.tw_queued);
		assert_non_null(strstr(wx_token_last_error(f->tok, &errcode),
		    "paused"));
		assert_int_equal(errcode, codes[i]);
		assert_int_equal(f->fe.started, 1);
		wx_token_free(f->tok);
		f->tok = NULL;
	}
}

/* After the cool-down the token tries once by itself and heals. */
static void
test_breaker_cooldown(void **state)
{
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	struct wx_token_stats st;
	struct waiter w;

	memset(&cfg, 0, sizeof cfg);
	cfg.breaker_threshold = 1;
	cfg.cooldown_s = 1;
	f->tok = fx_token(f, &cfg);
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_PENDING);
	answer_fail(f, WX_API_ERR_ERRCODE, -1, "busy");
	wx_token_stats(f->tok, &st);
	assert_true(st.breaker_open);
	assert_true(run_until_started(f, 2, 5000));
	answer_token(f, "TOKEN-1", 7200);
	wx_token_stats(f->tok, &st);
	assert_false(st.breaker_open);
	assert_int_equal(st.consecutive, 0);
	assert_true(st.have_token);
	assert_string_equal(wx_token_last_error(f->tok, NULL), "");
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_READY);
	assert_string_equal(w.token, "TOKEN-1");
}

/* A fetch that cannot start fails the get at once with words. */
static void
test_fetch_refused(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct waiter w;

	f->tok = fx_token(f, NULL);
	f->fe.refuse = 1;
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_API_ERR_TOKEN);
	assert_false(w.w.tw_queued);
	assert_int_equal(w.called, 0);
	assert_non_null(strstr(wx_token_last_error(f->tok, NULL),
	    "cannot start"));
	wx_token_stats(f->tok, &st);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.fetches, 0);
	/* It can again: the next get fetches. */
	f->fe.refuse = 0;
	assert_int_equal(get(f, &w), WX_TOKEN_PENDING);
	assert_int_equal(f->fe.started, 1);
	answer_token(f, "TOKEN-1", 7200);
	assert_string_equal(w.token, "TOKEN-1");
}

/* Answers without a usable token or lifetime are failures, not tokens. */
static void
test_bad_answers(void **state)
{
	static const char *const answers[] = {
		"{}",
		"{\"expires_in\":7200}",
		"{\"access_token\":\"\",\"expires_in\":7200}",
		"{\"access_token\":7,\"expires_in\":7200}",
		"{\"access_token\":\"TOKEN-1\"}",
		"{\"access_token\":\"TOKEN-1\",\"expires_in\":0}",
		"{\"access_token\":\"TOKEN-1\",\"expires_in\":-5}",
		"{\"access_token\":\"TOKEN-1\",\"expires_in\":\"7200\"}",
		"{\"access_token\":\"TOKEN-1\",\"expires_in\":99999999}",
		"{\"access_token\":\"TO\\u0000KEN\",\"expires_in\":7200}",
	};
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	struct wx_token_stats st;
	struct waiter w;
	char big[WX_TOKEN_MAX + 1];
	size_t i, n = sizeof answers / sizeof answers[0];

	memset(&cfg, 0, sizeof cfg);
	cfg.breaker_threshold = 100;
	f->tok = fx_token(f, &cfg);
	for (i = 0; i <= n; i++) {
		memset(&w, 0, sizeof w);
		assert_int_equal(get(f, &w), WX_TOKEN_PENDING);
		if (i < n)
			answer_json(f, answers[i]);
		else {
			/* One byte over what a token may be. */
			memset(big, 'A', WX_TOKEN_MAX);
			big[WX_TOKEN_MAX] = '\0';
			answer_token(f, big, 7200);
		}
		assert_int_equal(w.called, 1);
		assert_int_equal(w.err, WX_API_ERR_TOKEN);
		assert_non_null(strstr(w.message, "no usable access_token"));
		wx_token_stats(f->tok, &st);
		assert_false(st.have_token);
		assert_int_equal(st.failures, i + 1);
	}
	assert_int_not_equal(access(f->cache, F_OK), 0);	/* nothing kept */
}

/* The timer fetches ahead of expiry without anyone asking. */
static void
test_refresh_ahead(void **state)
{
	struct fx *f = *state;
	struct wx_token_cfg cfg;
	struct waiter w;

	memset(&cfg, 0, sizeof cfg);
	cfg.ahead_s = 300;
	f->tok = fx_token(f, &cfg);
	wx_token_start(f->tok);
	answer_token(f, "TOKEN-1", 301);
	assert_true(run_until_started(f, 2, 5000));
	/* Meanwhile the held token is still handed out. */
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_READY);
	assert_string_equal(w.token, "TOKEN-1");
	answer_token(f, "TOKEN-2", 7200);
	memset(&w, 0, sizeof w);
	assert_int_equal(get(f, &w), WX_TOKEN_READY);
	assert_string_equal(w.token, "TOKEN-2");
}

/* A report with no fetch in flight changes nothing. */
static void
test_stray_report(void **state)
{
	struct fx *f = *state;
	struct wx_token_reply r;
	struct wx_token_stats st;

	f->tok = fx_token(f, NULL);
	memset(&r, 0, sizeof r);
	r.message = "";			/* taken, it would be a failure */
	wx_token_fetched(f->tok, &r);
	wx_token_stats(f->tok, &st);
	assert_false(st.have_token);
	assert_int_equal(st.failures, 0);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_new_refused),
		T(test_single_flight),
		T(test_cancel_and_free),
		T(test_persist),
		T(test_cache_rejected),
		T(test_cache_unwritable),
		T(test_invalidate),
		T(test_breaker_threshold),
		T(test_breaker_fatal),
		T(test_breaker_cooldown),
		T(test_fetch_refused),
		T(test_bad_answers),
		T(test_refresh_ahead),
		T(test_stray_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
