/*
 * test_wx_api — the API client against the fake WeChat API: raw UTF-8
 * bodies, retries with backoff on -1, no retry on quota and configuration
 * errors, a slow API that does not stall the loop, timeouts, resets,
 * garbage, oversized answers, uploads, cancellation and metrics.
 */
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
#include "lib/metrics.h"
#include "tests/unit/wx_fx.h"

struct fx {
	struct wx_fx	 fx;
	struct wx_api	*api;
};

/* What one call got. */
struct got {
	int		 done;
	int		 err;
	long		 errcode;
	long		 http;
	unsigned	 attempts;
	char		 message[512];
	char		 media_id[64];
	uint64_t	 at;		/* ms, when the callback ran */
};

static void
got_cb(void *arg, const struct wx_api_res *res)
{
	struct got *g = arg;
	const char *m;

	g->done = 1;
	g->err = res->err;
	g->errcode = res->errcode;
	g->http = res->http_status;
	g->attempts = res->attempts;
	g->at = wx_fake_now_ms();
	snprintf(g->message, sizeof g->message, "%s", res->message);
	m = json_string_value(json_object_get(res->json, "media_id"));
	if (m != NULL)
		snprintf(g->media_id, sizeof g->media_id, "%s", m);
}

static struct wx_api *
fx_api(struct fx *f, const char *base, int with_secret, long timeout_ms,
    size_t max_body)
{
	struct wx_api_cfg cfg;

	wx_fx_api_cfg(&f->fx, &cfg);
	cfg.base = base;
	if (!with_secret)
		cfg.appsecret = NULL;
	cfg.timeout_ms = timeout_ms;
	cfg.max_body = max_body;
	return wx_fx_api(&f->fx, &cfg);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_api");
	f->api = fx_api(f, f->fx.fake.url, 1, 0, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	wx_api_free(f->api);
	/* Whatever happened, neither secret reached the log. */
	wx_fx_close(&f->fx);
	free(f);
	return 0;
}

static struct wx_api_call *
send_text(struct fx *f, const char *text, int idempotent, struct got *g)
{
	struct wx_api_req req;
	struct wx_api_call *c;
	json_t *body;

	body = json_pack("{s:s,s:s,s:{s:s}}", "touser", "oUSER1", "msgtype",
	    "text", "text", "content", text);
	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/message/custom/send";
	req.auth = 1;
	req.body = body;
	req.idempotent = idempotent;
	c = wx_api_call(f->api, &req, got_cb, g);
	json_decref(body);
	assert_non_null(c);
	return c;
}

static struct wx_api_call *
get_menu(struct fx *f, struct got *g)
{
	struct wx_api_req req;
	struct wx_api_call *c;

	memset(&req, 0, sizeof req);
	req.method = WX_API_GET;
	req.path = "/cgi-bin/menu/get";
	req.auth = 1;
	req.idempotent = 1;
	c = wx_api_call(f->api, &req, got_cb, g);
	assert_non_null(c);
	return c;
}

/* Chinese, emoji and quotes arrive as raw UTF-8 (the fake refuses \u). */
static void
test_raw_utf8(void **state)
{
	struct fx *f = *state;
	const char *text = "你好，王哥庄 😀 \"quoted\" back\\slash /";
	struct got g;
	json_t *reqs;
	const char *got;

	memset(&g, 0, sizeof g);
	send_text(f, text, 0, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(g.attempts, 1);
	reqs = wx_fake_requests(&f->fx.fake, "/cgi-bin/message/custom/send");
	assert_int_equal(json_array_size(reqs), 1);
	got = json_string_value(json_object_get(json_object_get(json_object_get(
	    json_array_get(reqs, 0), "body"), "text"), "content"));
	assert_non_null(got);
	assert_string_equal(got, text);
	json_decref(reqs);
}

/* -1 twice: retried after 50 then 100 ms, then success. */
static void
test_retry_busy(void **state)
{
	struct fx *f = *state;
	struct got g, warm;
	uint64_t t0;

	/* Get the token first so only the call's timing is measured. */
	memset(&warm, 0, sizeof warm);
	send_text(f, "warm", 0, &warm);
	assert_true(wx_fake_run(f->fx.base, &warm.done, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":-1,\"times\":2,\"path\":"
	    "\"/cgi-bin/message/custom/send\"}"), 0);
	memset(&g, 0, sizeof g);
	t0 = wx_fake_now_ms();
	send_text(f, "after busy", 0, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(g.attempts, 3);
	assert_true(g.at - t0 >= 140);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/custom/send"), 4);
}

/* Retries are bounded: 1 try + 3 retries, then the -1 is reported. */
static void
test_retry_bounded(void **state)
{
	struct fx *f = *state;
	struct got g;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":-1,\"times\":50,\"path\":"
	    "\"/cgi-bin/message/custom/send\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, "never", 0, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_ERRCODE);
	assert_int_equal(g.errcode, -1);
	assert_int_equal(g.attempts, 1 + WX_API_RETRIES);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/message/custom/send"), 1 + WX_API_RETRIES);
}

/* Quota and configuration errors: one request, plain words. */
static void
test_no_retry(void **state)
{
	static const struct {
		long		 code;
		const char	*words;
		enum wx_errclass cls;
	} cases[] = {
		{ 45009, "daily quota", WX_ERRC_QUOTA },
		{ 40164, "whitelist", WX_ERRC_FATAL },
		{ 48001, "no permission", WX_ERRC_FATAL },
		{ 45047, "used up", WX_ERRC_QUOTA },
		{ 40003, "not a follower", WX_ERRC_RECIPIENT },
	};
	struct fx *f = *state;
	char ctl[160];
	struct got g;
	long before;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(ctl, sizeof ctl, "{\"fail\":%ld,\"times\":5,\"path\":"
		    "\"/cgi-bin/message/custom/send\"}", cases[i].code);
		assert_int_equal(wx_fake_control(&f->fx.fake, ctl), 0);
		before = wx_fake_count(&f->fx.fake,
		    "/cgi-bin/message/custom/send");
		memset(&g, 0, sizeof g);
		send_text(f, "x", 1, &g);
		assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
		assert_int_equal(g.err, WX_API_ERR_ERRCODE);
		assert_int_equal(g.errcode, cases[i].code);
		assert_int_equal(g.attempts, 1);
		assert_int_equal(wx_errcode_class(g.errcode), cases[i].cls);
		assert_non_null(strstr(g.message, cases[i].words));
		assert_int_equal(wx_fake_count(&f->fx.fake,
		    "/cgi-bin/message/custom/send"), before + 1);
		assert_int_equal(wx_fake_control(&f->fx.fake,
		    "{\"clear\":true}"), 0);
	}
}

struct tick {
	int		 fired;
	uint64_t	 at;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tick *t = arg;

	(void)fd;
	(void)what;
	t->fired = 1;
	t->at = wx_fake_now_ms();
}

/*
 * The API stalls 10 s on one endpoint: a timer on the loop still fires on
 * time and another call completes meanwhile.
 */
static void
test_slow_api_does_not_block(void **state)
{
	struct fx *f = *state;
	struct got slow, fast, warm;
	struct wx_api_call *c;
	struct tick t;
	struct timeval tv = { 0, 100000 };
	struct event *ev;
	uint64_t t0;

	memset(&warm, 0, sizeof warm);
	send_text(f, "warm", 0, &warm);
	assert_true(wx_fake_run(f->fx.base, &warm.done, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"slow\":10,\"path\":"
	    "\"/cgi-bin/menu/get\"}"), 0);
	memset(&slow, 0, sizeof slow);
	memset(&fast, 0, sizeof fast);
	memset(&t, 0, sizeof t);
	t0 = wx_fake_now_ms();
	c = get_menu(f, &slow);
	ev = evtimer_new(f->fx.base, tick_cb, &t);
	evtimer_add(ev, &tv);
	send_text(f, "meanwhile", 0, &fast);
	assert_true(wx_fake_run(f->fx.base, &t.fired, 2000));
	/* libevent's coarse clock may fire a few ms early. */
	assert_true(t.at - t0 >= 90);
	assert_true(t.at - t0 < 250);
	assert_true(wx_fake_run(f->fx.base, &fast.done, 2000));
	assert_int_equal(fast.err, WX_API_OK);
	assert_true(fast.at - t0 < 1000);
	assert_false(slow.done);
	wx_api_cancel(c);
	wx_fake_spin(f->fx.base, 100);
	assert_false(slow.done);
	event_free(ev);
}

/* A timeout on a request that was sent: not retried (not idempotent). */
static void
test_timeout(void **state)
{
	struct fx *f = *state;
	struct got g, warm;

	wx_api_free(f->api);
	f->api = fx_api(f, f->fx.fake.url, 1, 500, 0);
	memset(&warm, 0, sizeof warm);
	send_text(f, "warm", 0, &warm);
	assert_true(wx_fake_run(f->fx.base, &warm.done, 5000));
	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"slow\":3,\"path\":"
	    "\"/cgi-bin/message/custom/send\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, "slow", 0, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 2500));
	assert_int_equal(g.err, WX_API_ERR_NET);
	assert_int_equal(g.attempts, 1);
	assert_non_null(strstr(g.message, "network error"));
}

/*
 * Reset and garbage: reported; retried only when a repeat is harmless.
 * libcurl itself sends a request again, once, on a fresh connection when
 * a reused keep-alive connection dies before any answer (the server may
 * have closed it while idle), so a reset counts here only when it hits
 * that fresh connection too: two resets in a row.
 */
static void
test_reset_and_garbage(void **state)
{
	static const struct {
		const char	*ctl;
		int		 idempotent;
		int		 err;
		unsigned	 attempts;
		long		 requests;	/* seen by the fake */
	} cases[] = {
		{ "{\"reset\":true,\"times\":2}", 0, WX_API_ERR_NET, 1, 2 },
		{ "{\"reset\":true,\"times\":2}", 1, WX_API_OK, 2, 3 },
		{ "{\"garbage\":true}", 0, WX_API_ERR_PARSE, 1, 1 },
		{ "{\"garbage\":true}", 1, WX_API_OK, 2, 2 },
	};
	long before;
	struct fx *f = *state;
	struct got g;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&g, 0, sizeof g);
		/* A first call brings the token. */
		send_text(f, "warm", 0, &g);
		assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
		assert_int_equal(wx_fake_control(&f->fx.fake, cases[i].ctl), 0);
		before = wx_fake_count(&f->fx.fake,
		    "/cgi-bin/message/custom/send");
		memset(&g, 0, sizeof g);
		send_text(f, "x", cases[i].idempotent, &g);
		assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
		assert_int_equal(g.err, cases[i].err);
		assert_int_equal(g.attempts, cases[i].attempts);
		assert_int_equal(wx_fake_count(&f->fx.fake,
		    "/cgi-bin/message/custom/send"), before +
		    cases[i].requests);
		assert_int_equal(wx_fake_control(&f->fx.fake,
		    "{\"clear\":true}"), 0);
	}
}

static void
test_too_big(void **state)
{
	struct fx *f = *state;
	struct got g;

	wx_api_free(f->api);
	f->api = fx_api(f, f->fx.fake.url, 1, 0, 64 * 1024);
	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"big\":200000,\"path\":"
	    "\"/cgi-bin/menu/get\"}"), 0);
	memset(&g, 0, sizeof g);
	get_menu(f, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_TOOBIG);
	assert_int_equal(g.attempts, 1);
}

/* multipart/form-data: field media with a file name and type. */
static void
test_upload(void **state)
{
	struct fx *f = *state;
	unsigned char img[100];
	struct wx_api_req req;
	struct got g;
	json_t *reqs, *mp;

	memset(img, 0x42, sizeof img);
	img[0] = 0xff;
	img[1] = 0xd8;
	img[2] = 0xff;
	img[3] = 0xe0;
	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/material/add_material";
	req.query = "type=image";
	req.auth = 1;
	req.file_field = "media";
	req.file_name = "cover.jpg";
	req.file_type = "image/jpeg";
	req.file_data = img;
	req.file_len = sizeof img;
	memset(&g, 0, sizeof g);
	assert_non_null(wx_api_call(f->api, &req, got_cb, &g));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_string_equal(g.media_id, "MEDIA_1");
	reqs = wx_fake_requests(&f->fx.fake, "/cgi-bin/material/add_material");
	assert_int_equal(json_array_size(reqs), 1);
	mp = json_object_get(json_object_get(json_array_get(reqs, 0), "body"),
	    "multipart");
	assert_string_equal(json_string_value(json_object_get(mp, "filename")),
	    "cover.jpg");
	assert_string_equal(json_string_value(json_object_get(mp,
	    "content_type")), "image/jpeg");
	assert_int_equal(json_integer_value(json_object_get(mp, "size")), 100);
	assert_string_equal(json_string_value(json_object_get(mp, "head")),
	    "ffd8ffe0");
	json_decref(reqs);
}

/* Nothing listens: the request never left, so it is retried, bounded. */
static void
test_connection_refused(void **state)
{
	struct fx *f = *state;
	struct wx_api *api;
	struct wx_api_req req;
	struct got g;
	char url[64];

	assert_int_equal(wx_fake_closed_url(url, sizeof url), 0);
	api = fx_api(f, url, 0, 0, 0);

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/message/custom/send";
	req.body_text = "{}";
	memset(&g, 0, sizeof g);
	assert_non_null(wx_api_call(api, &req, got_cb, &g));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_NET);
	assert_int_equal(g.attempts, 1 + WX_API_RETRIES);
	wx_api_free(api);
}

static void
test_http_status(void **state)
{
	struct fx *f = *state;
	struct wx_api_req req;
	struct got g;

	memset(&req, 0, sizeof req);
	req.method = WX_API_GET;
	req.path = "/cgi-bin/no/such/endpoint";
	req.auth = 1;
	memset(&g, 0, sizeof g);
	assert_non_null(wx_api_call(f->api, &req, got_cb, &g));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_HTTP);
	assert_int_equal(g.http, 404);
	assert_int_equal(g.attempts, 1);
}

/* The callback never runs inside wx_api_call(), even for a failure. */
static void
test_callback_is_later(void **state)
{
	struct fx *f = *state;
	struct wx_api *off = fx_api(f, f->fx.fake.url, 0, 0, 0);
	struct wx_api_req req;
	struct got g;

	memset(&req, 0, sizeof req);
	req.method = WX_API_GET;
	req.path = "/cgi-bin/menu/get";
	req.auth = 1;
	memset(&g, 0, sizeof g);
	assert_non_null(wx_api_call(off, &req, got_cb, &g));
	assert_false(g.done);
	assert_true(wx_fake_run(f->fx.base, &g.done, 1000));
	assert_int_equal(g.err, WX_API_ERR_OFF);
	assert_int_equal(wx_fake_count(&f->fx.fake, NULL), 0);
	wx_api_free(off);
	/* Invalid descriptions are refused at once, without a callback. */
	req.path = "no-slash";
	assert_null(wx_api_call(f->api, &req, got_cb, &g));
}

static void
test_cancel(void **state)
{
	struct fx *f = *state;
	struct wx_api_stats st;
	struct got g[3];
	int i;

	memset(g, 0, sizeof g);
	for (i = 0; i < 3; i++)
		wx_api_cancel(send_text(f, "gone", 0, &g[i]));
	wx_fake_spin(f->fx.base, 300);
	for (i = 0; i < 3; i++)
		assert_false(g[i].done);
	wx_api_stats(f->api, &st);
	assert_int_equal(st.active, 0);
}

/* Each HTTP request is counted with its endpoint and errcode. */
static void
test_metrics(void **state)
{
	struct fx *f = *state;
	struct got g;
	char *text;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"fail\":-1,\"times\":2,\"path\":"
	    "\"/cgi-bin/message/custom/send\"}"), 0);
	memset(&g, 0, sizeof g);
	send_text(f, "m", 0, &g);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	text = metrics_render();
	assert_non_null(text);
	assert_non_null(strstr(text, "wxkb_api_calls_total{endpoint=\"/cgi-bin/"
	    "message/custom/send\",errcode=\"-1\"} 2"));
	assert_non_null(strstr(text, "wxkb_api_calls_total{endpoint=\"/cgi-bin/"
	    "message/custom/send\",errcode=\"0\"} 1"));
	assert_non_null(strstr(text, "wxkb_token_refreshes_total 1"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_busy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_api_does_not_block,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_is_later, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
