/*
 * test_wx_token — the access_token against the fake WeChat API: one fetch
 * on a cold start, one fetch for 20 concurrent calls, exactly one refresh
 * and a successful retry on 40001, no loop when 40001 persists, the state
 * dir cache reused across a restart, the refresh ahead of expiry, and the
 * circuit breaker.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_token.h"
#include "tests/unit/wx_fx.h"

#define STABLE	"/cgi-bin/stable_token"
#define SEND	"/cgi-bin/message/custom/send"
#define NCALLS	20

struct fx {
	struct wx_fx	 fx;
	struct wx_api	*api;
	char		 cache[200];
};

struct got {
	int		 done;
	int		 err;
	long		 errcode;
	unsigned	 attempts;
	char		 message[512];
};

struct batch {
	struct got	 g[NCALLS];
	int		 ndone;
	int		 all;		/* set when ndone reaches the target */
	int		 target;
};

static struct batch *cur_batch;

static void
got_cb(void *arg, const struct wx_api_res *res)
{
	struct got *g = arg;

	g->done = 1;
	g->err = res->err;
	g->errcode = res->errcode;
	g->attempts = res->attempts;
	snprintf(g->message, sizeof g->message, "%s", res->message);
	if (cur_batch != NULL && ++cur_batch->ndone >= cur_batch->target)
		cur_batch->all = 1;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_token");
	snprintf(f->cache, sizeof f->cache, "%s/%s", f->fx.fake.state,
	    WX_TOKEN_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	cur_batch = NULL;
	wx_api_free(f->api);
	wx_fx_close(&f->fx);
	free(f);
	return 0;
}

static void
send_text(struct fx *f, struct got *g)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = SEND;
	req.auth = 1;
	req.body_text = "{\"touser\":\"oUSER\",\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"你好\"}}";
	assert_non_null(wx_api_call(f->api, &req, got_cb, g));
}

static int
count_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Run the loop until the token holds one, bounded. */
static int
run_until_token(struct fx *f, long ms)
{
	struct wx_token_stats st;
	uint64_t end = wx_fake_now_ms() + (uint64_t)ms;

	do {
		wx_token_stats(wx_api_token(f->api), &st);
		if (st.have_token && st.waiters == 0 && st.fetches > 0)
			return 1;
		wx_fake_spin(f->fx.base, 20);
	} while (wx_fake_now_ms() < end);
	return 0;
}

/* 20 calls at once; all of them must end, bounded. */
static void
run_batch(struct fx *f, struct batch *b)
{
	int i;

	memset(b, 0, sizeof *b);
	b->target = NCALLS;
	cur_batch = b;
	for (i = 0; i < NCALLS; i++)
		send_text(f, &b->g[i]);
	assert_true(wx_fake_run(f->fx.base, &b->all, 10000));
	cur_batch = NULL;
}

/* A cold start fetches one token and keeps it, mode 0600, atomically. */
static void
test_cold_start(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char *tok;
	json_t *cache, *reqs, *body;
	json_error_t jerr;
	time_t now = time(NULL);

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 1);
	assert_int_equal(stat(f->cache, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	cache = json_load_file(f->cache, 0, &jerr);
	assert_non_null(cache);
	tok = wx_fake_token(&f->fx.fake);
	assert_string_equal(json_string_value(json_object_get(cache,
	    "access_token")), tok);
	assert_string_equal(json_string_value(json_object_get(cache, "appid")),
	    WX_FAKE_APPID);
	assert_true(json_integer_value(json_object_get(cache, "expires_at")) >=
	    now + 7199);
	json_decref(cache);
	free(tok);
	/* The request was stable_token, normal mode, no force. */
	reqs = wx_fake_requests(&f->fx.fake, STABLE);
	body = json_object_get(json_array_get(reqs, 0), "body");
	assert_string_equal(json_string_value(json_object_get(body,
	    "grant_type")), "client_credential");
	assert_string_equal(json_string_value(json_object_get(body, "appid")),
	    WX_FAKE_APPID);
	assert_true(json_is_false(json_object_get(body, "force_refresh")));
	json_decref(reqs);
	/* No temporary file is left beside it. */
	assert_int_equal(count_files(f->fx.fake.state), 1);
}

/* 20 concurrent calls without a token: one fetch serves them all. */
static void
test_concurrent_one_fetch(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct batch b;
	int i;

	f->api = wx_fx_api(&f->fx, NULL);
	run_batch(f, &b);
	for (i = 0; i < NCALLS; i++) {
		assert_int_equal(b.g[i].err, WX_API_OK);
		assert_int_equal(b.g[i].attempts, 1);
	}
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 1);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), NCALLS);
	wx_token_stats(wx_api_token(f->api), &st);
	assert_int_equal(st.fetches, 1);
	assert_int_equal(st.waiters, 0);
}

/*
 * The platform replaced the token: 20 calls fail with 40001 at once and
 * exactly one refresh follows; every call succeeds on its one retry.
 */
static void
test_40001_one_refresh(void **state)
{
	struct fx *f = *state;
	struct batch b;
	json_t *reqs;
	size_t i, bad = 0, good = 0;

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"rotate\":true}"), 0);
	run_batch(f, &b);
	for (i = 0; i < NCALLS; i++) {
		assert_int_equal(b.g[i].err, WX_API_OK);
		assert_int_equal(b.g[i].attempts, 2);
	}
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 2);
	/* 20 refused with the old token, then 20 accepted with the new. */
	reqs = wx_fake_requests(&f->fx.fake, SEND);
	assert_int_equal(json_array_size(reqs), 2 * NCALLS);
	for (i = 0; i < json_array_size(reqs); i++) {
		if (json_is_true(json_object_get(json_array_get(reqs, i),
		    "token_ok")))
			good++;
		else
			bad++;
	}
	assert_int_equal(bad, NCALLS);
	assert_int_equal(good, NCALLS);
	json_decref(reqs);
}

/* An injected 40001: one refresh, one retry, success. */
static void
test_40001_once(void **state)
{
	struct fx *f = *state;
	struct got g;

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":\"40001_once\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(g.attempts, 2);
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 2);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 2);
}

/* 40001 that a new token does not cure: one refresh, one retry, stop. */
static void
test_40001_no_loop(void **state)
{
	struct fx *f = *state;
	struct got g;

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"fail\":40001,"
	    "\"times\":100,\"path\":\"" SEND "\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_ERRCODE);
	assert_int_equal(g.errcode, 40001);
	assert_int_equal(g.attempts, 2);
	wx_fake_spin(f->fx.base, 300);
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 2);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 2);
}

/* A restart with the same state dir spends no token fetch. */
static void
test_restart_reuses_cache(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct got g;

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	wx_api_free(f->api);

	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(g.attempts, 1);
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 1);
	wx_token_stats(wx_api_token(f->api), &st);
	assert_int_equal(st.fetches, 0);
	assert_int_equal(st.cache_loads, 1);
}

/* A cache of another AppID, an expired one or a broken one is not used. */
static void
test_cache_rejected(void **state)
{
	static const char *const files[] = {
		"{\"appid\":\"wxOTHER\",\"access_token\":\"T\","
		    "\"expires_at\":99999999999}",
		"{\"appid\":\"" WX_FAKE_APPID "\",\"access_token\":\"T\","
		    "\"expires_at\":1000}",
		"{\"appid\":\"" WX_FAKE_APPID "\",\"access_token\":\"T\"",
		"",
		/* Audit finding 5: a token that would inject a parameter. */
		"{\"appid\":\"" WX_FAKE_APPID "\",\"access_token\":"
		    "\"T&evil=1#\",\"expires_at\":99999999999}",
	};
	struct fx *f = *state;
	struct wx_token_stats st;
	FILE *fp;
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		fp = fopen(f->cache, "w");
		assert_non_null(fp);
		fputs(files[i], fp);
		fclose(fp);
		f->api = wx_fx_api(&f->fx, NULL);
		assert_int_equal(wx_api_start(f->api), 0);
		assert_true(run_until_token(f, 5000));
		wx_token_stats(wx_api_token(f->api), &st);
		assert_int_equal(st.cache_loads, 0);
		assert_int_equal(st.fetches, 1);
		wx_api_free(f->api);
		f->api = NULL;
	}
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 5);
}

/*
 * Audit finding 5: a hostile or intercepted token endpoint hands out a
 * token that would add a query parameter to every later call and break
 * the cache's JSON.  It is refused: no call carries it, no cache holds it.
 */
static void
test_hostile_token(void **state)
{
	struct fx *f = *state;
	struct wx_token_stats st;
	struct stat sb;
	struct got g;
	json_t *reqs;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"token\":\"TOK\\\"x&evil=1#\"}"), 0);
	f->api = wx_fx_api(&f->fx, NULL);
	assert_int_equal(wx_api_start(f->api), 0);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_not_equal(g.err, WX_API_OK);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 0);
	reqs = wx_fake_requests(&f->fx.fake, SEND);
	assert_int_equal(json_array_size(reqs), 0);
	json_decref(reqs);
	wx_token_stats(wx_api_token(f->api), &st);
	assert_false(st.have_token);
	assert_int_equal(stat(f->cache, &sb), -1);
	assert_true(wx_fake_file_has(f->fx.logpath, "no usable access_token"));
}

/* The characters and lengths a token may have. */
static void
test_token_valid(void **state)
{
	char big[WX_TOKEN_MAX + 1];

	(void)state;
	assert_true(wx_token_valid("75_AbC-d.e~f_0", 14));
	assert_false(wx_token_valid("", 0));
	assert_false(wx_token_valid(NULL, 3));
	assert_false(wx_token_valid("a\"b", 3));
	assert_false(wx_token_valid("a&b=1", 5));
	assert_false(wx_token_valid("a#b", 3));
	assert_false(wx_token_valid("a b", 3));
	assert_false(wx_token_valid("a\0b", 3));
	assert_false(wx_token_valid("a%26b", 5));
	memset(big, 'a', sizeof big);
	assert_true(wx_token_valid(big, WX_TOKEN_MAX - 1));
	assert_false(wx_token_valid(big, WX_TOKEN_MAX));
}

/* The timer refreshes when fewer than ahead_s seconds remain. */
static void
test_refresh_ahead(void **state)
{
	struct fx *f = *state;
	struct wx_api_cfg cfg;
	struct wx_token_stats st;
	uint64_t end;

	wx_fx_api_cfg(&f->fx, &cfg);
	cfg.token_ahead_s = 300;
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"expires_in\":301}"),
	    0);
	f->api = wx_fx_api(&f->fx, &cfg);
	assert_int_equal(wx_api_start(f->api), 0);
	assert_true(run_until_token(f, 5000));
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 1);
	end = wx_fake_now_ms() + 4000;
	do {
		wx_fake_spin(f->fx.base, 100);
		wx_token_stats(wx_api_token(f->api), &st);
	} while (st.fetches < 2 && wx_fake_now_ms() < end);
	assert_true(st.fetches >= 2);
	assert_true(wx_fake_count(&f->fx.fake, STABLE) >= 2);
	/* Nothing but the timer asked: no other request was made. */
	assert_int_equal(wx_fake_count(&f->fx.fake, NULL),
	    wx_fake_count(&f->fx.fake, STABLE));
}

/*
 * Token fetches keep failing: after breaker_threshold failures fetching
 * stops, calls fail fast with plain words; after the cool-down one fetch
 * is tried again and heals everything.
 */
static void
test_breaker(void **state)
{
	struct fx *f = *state;
	struct wx_api_cfg cfg;
	struct wx_token_stats st;
	struct got g;
	uint64_t t0;

	wx_fx_api_cfg(&f->fx, &cfg);
	cfg.breaker_threshold = 3;
	cfg.breaker_cooldown_s = 1;
	cfg.retries = 5;
	f->api = wx_fx_api(&f->fx, &cfg);
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":-1,\"times\":100,\"path\":\"" STABLE "\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_BREAKER);
	assert_non_null(strstr(g.message, "paused"));
	assert_non_null(strstr(g.message, "busy"));
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 3);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 0);
	wx_token_stats(wx_api_token(f->api), &st);
	assert_true(st.breaker_open);

	/* While open: an immediate failure, no request. */
	memset(&g, 0, sizeof g);
	t0 = wx_fake_now_ms();
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 500));
	assert_int_equal(g.err, WX_API_ERR_BREAKER);
	assert_true(wx_fake_now_ms() - t0 < 200);
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 3);

	/* The platform heals; after the cool-down one fetch succeeds. */
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"clear\":true}"), 0);
	wx_fake_spin(f->fx.base, 1300);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(wx_fake_count(&f->fx.fake, STABLE), 4);
	wx_token_stats(wx_api_token(f->api), &st);
	assert_false(st.breaker_open);
	assert_int_equal(st.consecutive, 0);
}

/* 40164 at the token endpoint: not retried, plain words, paused. */
static void
test_fetch_config_error(void **state)
{
	static const struct {
		long		 code;
		const char	*words;
	} cases[] = {
		{ 40164, "whitelist" },
		{ 40125, "AppSecret is wrong" },
		{ 45009, "daily quota" },
	};
	struct fx *f = *state;
	struct wx_token_stats st;
	char ctl[128];
	struct got g;
	long before;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f->api = wx_fx_api(&f->fx, NULL);
		snprintf(ctl, sizeof ctl, "{\"fail\":%ld,\"times\":1,"
		    "\"path\":\"" STABLE "\"}", cases[i].code);
		assert_int_equal(wx_fake_control(&f->fx.fake, ctl), 0);
		before = wx_fake_count(&f->fx.fake, STABLE);
		memset(&g, 0, sizeof g);
		send_text(f, &g);
		assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
		assert_int_equal(g.err, WX_API_ERR_TOKEN);
		assert_int_equal(g.errcode, cases[i].code);
		assert_non_null(strstr(g.message, cases[i].words));
		assert_int_equal(wx_fake_count(&f->fx.fake, STABLE),
		    before + 1);
		wx_token_stats(wx_api_token(f->api), &st);
		assert_true(st.breaker_open);
		wx_api_free(f->api);
		f->api = NULL;
	}
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 0);
}

/* A wrong AppSecret (the fake answers 40125) is never logged. */
static void
test_wrong_secret(void **state)
{
	struct fx *f = *state;
	struct wx_api_cfg cfg;
	struct got g;

	wx_fx_api_cfg(&f->fx, &cfg);
	cfg.appid = "wxWRONGAPPID";
	f->api = wx_fx_api(&f->fx, &cfg);
	memset(&g, 0, sizeof g);
	send_text(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_TOKEN);
	assert_int_equal(g.errcode, 40013);
	assert_non_null(strstr(g.message, "AppID"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cold_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_one_fetch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_40001_one_refresh, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_40001_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_40001_no_loop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_reuses_cache,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_token, setup,
		    teardown),
		cmocka_unit_test(test_token_valid),
		cmocka_unit_test_setup_teardown(test_refresh_ahead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_breaker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_config_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_secret, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
