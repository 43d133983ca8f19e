/*
 * test_wx_http — the transport alone against the fake WeChat API: JSON
 * POST, GET, a multipart upload, any HTTP status handed back unjudged,
 * the answer cap, a refused connection (nothing sent) and a reset one
 * (sent), the callback always later from the loop, cancel, and free with
 * transfers in flight.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "handlers/wechat/wx_http.h"
#include "tests/unit/wx_fx.h"

#define STABLE	"/cgi-bin/stable_token"
#define UPLOAD	"/cgi-bin/material/add_material"

struct fx {
	struct wx_fx	 fx;
	struct wx_http	*http;
};

/* What one transfer got. */
struct got {
	int		 done;
	int		 calls;
	int		 err;
	int		 sent;
	long		 status;
	char		 net_error[256];
	char		*body;
	size_t		 len;
};

static void
got_cb(void *arg, const struct wx_http_res *res)
{
	struct got *g = arg;

	g->done = 1;
	g->calls++;
	g->err = res->err;
	g->sent = res->sent;
	g->status = res->status;
	snprintf(g->net_error, sizeof g->net_error, "%s",
	    res->net_error != NULL ? res->net_error : "");
	g->body = malloc(res->len + 1);
	assert_non_null(g->body);
	memcpy(g->body, res->body, res->len + 1);
	g->len = res->len;
}

static struct wx_http *
fx_http(struct fx *f, size_t max_body)
{
	struct wx_http_cfg cfg;
	struct wx_http *h;
	const char *cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = 5000;
	cfg.max_body = max_body;
	h = wx_http_new(f->fx.base, &cfg, &cause);
	assert_non_null(h);
	return h;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_http");
	f->http = fx_http(f, 1024 * 1024);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	wx_http_free(f->http);
	wx_fx_close_absent(&f->fx, NULL);
	free(f);
	return 0;
}

/* Send req on h and run the loop until its one callback, bounded. */
static void
send_wait(struct fx *f, struct wx_http *h, const struct wx_http_req *req,
    struct got *g)
{
	memset(g, 0, sizeof *g);
	assert_non_null(wx_http_send(h, req, got_cb, g));
	assert_int_equal(g->calls, 0);		/* never inside send */
	assert_true(wx_fake_run(f->fx.base, &g->done, 10000));
	assert_int_equal(g->calls, 1);
}

/* The fake's URL for path. */
static char *
url_of(struct fx *f, const char *path)
{
	char *u;

	assert_true(asprintf(&u, "%s%s", f->fx.fake.url, path) > 0);
	return u;
}

/* A JSON POST arrives as JSON; the answer comes back whole. */
static void
test_post_json(void **state)
{
	struct fx *f = *state;
	struct wx_http_req req;
	struct got g;
	json_error_t jerr;
	json_t *ans, *reqs, *body;
	char *url = url_of(f, STABLE), *tok;
	const char *text = "{\"grant_type\":\"client_credential\",\"appid\":\""
	    WX_FAKE_APPID "\",\"secret\":\"" WX_FAKE_SECRET "\","
	    "\"force_refresh\":false}";

	memset(&req, 0, sizeof req);
	req.url = url;
	req.post = 1;
	req.body = text;
	req.bodylen = strlen(text);
	send_wait(f, f->http, &req, &g);
	free(url);
	assert_int_equal(g.err, WX_HTTP_OK);
	assert_int_equal(g.status, 200);
	assert_true(g.sent);
	assert_int_equal(strlen(g.body), g.len);
	ans = json_loads(g.body, 0, &jerr);
	assert_non_null(ans);
	tok = wx_fake_token(&f->fx.fake);
	assert_string_equal(json_string_value(json_object_get(ans,
	    "access_token")), tok);
	free(tok);
	json_decref(ans);
	reqs = wx_fake_requests(&f->fx.fake, STABLE);
	assert_int_equal(json_array_size(reqs), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(reqs, 0), "method")), "POST");
	body = json_object_get(json_array_get(reqs, 0), "body");
	assert_string_equal(json_string_value(json_object_get(body,
	    "grant_type")), "client_credential");
	json_decref(reqs);
	free(g.body);
}

/* Any HTTP status is an answer: judging it is the caller's. */
static void
test_status_unjudged(void **state)
{
	struct fx *f = *state;
	struct wx_http_req req;
	struct got g;
	char *url, *tok = wx_fake_token(&f->fx.fake);

	/* With a good token, so the fake's own answer is a 404. */
	assert_true(asprintf(&url, "%s/cgi-bin/no/such/endpoint?"
	    "access_token=%s", f->fx.fake.url, tok) > 0);
	free(tok);
	memset(&req, 0, sizeof req);
	req.url = url;
	send_wait(f, f->http, &req, &g);
	free(url);
	assert_int_equal(g.err, WX_HTTP_OK);
	assert_int_equal(g.status, 404);
	assert_int_equal(wx_fake_count(&f->fx.fake,
	    "/cgi-bin/no/such/endpoint"), 1);
	free(g.body);
}

/* A file goes as one multipart/form-data part with its name and type. */
static void
test_upload(void **state)
{
	struct fx *f = *state;
	struct wx_http_req req;
	struct got g;
	unsigned char img[100];
	char *url, *tok = wx_fake_token(&f->fx.fake);
	json_t *reqs, *mp;

	assert_true(asprintf(&url, "%s" UPLOAD "?access_token=%s&type=image",
	    f->fx.fake.url, tok) > 0);
	free(tok);
	memset(img, 0x42, sizeof img);
	memcpy(img, "\xff\xd8\xff\xe0", 4);
	memset(&req, 0, sizeof req);
	req.url = url;
	req.post = 1;
	req.file_field = "media";
	req.file_name = "cover.jpg";
	req.file_type = "image/jpeg";
	req.file_data = img;
	req.file_len = sizeof img;
	send_wait(f, f->http, &req, &g);
	free(url);
	assert_int_equal(g.err, WX_HTTP_OK);
	assert_int_equal(g.status, 200);
	reqs = wx_fake_requests(&f->fx.fake, UPLOAD);
	mp = json_object_get(json_object_get(json_array_get(reqs, 0), "body"),
	    "multipart");
	assert_string_equal(json_string_value(json_object_get(mp, "field")),
	    "media");
	assert_string_equal(json_string_value(json_object_get(mp, "filename")),
	    "cover.jpg");
	assert_string_equal(json_string_value(json_object_get(mp,
	    "content_type")), "image/jpeg");
	assert_int_equal(json_integer_value(json_object_get(mp, "size")), 100);
	assert_string_equal(json_string_value(json_object_get(mp, "head")),
	    "ffd8ffe0");
	json_decref(reqs);
	free(g.body);
}

/* An answer over max_body is cut off and reported, not delivered. */
static void
test_too_big(void **state)
{
	struct fx *f = *state;
	struct wx_http *small = fx_http(f, 1024);
	struct wx_http_req req;
	struct got g;
	char *url = url_of(f, "/cgi-bin/menu/get");

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"big\":5000,\"times\":2,\"path\":\"/cgi-bin/menu/get\"}"), 0);
	memset(&req, 0, sizeof req);
	req.url = url;
	send_wait(f, small, &req, &g);
	assert_int_equal(g.err, WX_HTTP_ERR_TOOBIG);
	assert_true(g.len <= 1024);
	free(g.body);
	/* The same answer fits the default cap. */
	send_wait(f, f->http, &req, &g);
	assert_int_equal(g.err, WX_HTTP_OK);
	assert_true(g.len > 5000);
	free(g.body);
	free(url);
	wx_http_free(small);
}

/* Nothing listens: a network error, and nothing of the request left. */
static void
test_refused(void **state)
{
	struct fx *f = *state;
	struct wx_http_req req;
	struct got g;
	char url[64];

	assert_int_equal(wx_fake_closed_url(url, sizeof url - 20), 0);
	strcat(url, "/cgi-bin/menu/get");
	memset(&req, 0, sizeof req);
	req.url = url;
	send_wait(f, f->http, &req, &g);
	assert_int_equal(g.err, WX_HTTP_ERR_NET);
	assert_false(g.sent);
	assert_int_equal(g.status, 0);
	assert_true(g.net_error[0] != '\0');
	free(g.body);
}

/* Reset after the request went out: a network error, sent. */
static void
test_reset(void **state)
{
	struct fx *f = *state;
	struct wx_http_req req;
	struct got g;
	char *url = url_of(f, "/cgi-bin/menu/get");

	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"reset\":true,"
	    "\"times\":1,\"path\":\"/cgi-bin/menu/get\"}"), 0);
	memset(&req, 0, sizeof req);
	req.url = url;
	send_wait(f, f->http, &req, &g);
	free(url);
	assert_int_equal(g.err, WX_HTTP_ERR_NET);
	assert_true(g.sent);
	free(g.body);
}

/*
 * A cancelled transfer never calls back, the others still do; freeing
 * the transport drops what is in flight without a callback.
 */
static void
test_cancel_and_free(void **state)
{
	struct fx *f = *state;
	struct wx_http_xfer *x;
	struct wx_http_req req;
	struct got a, b, c;
	char *url = url_of(f, "/cgi-bin/menu/get");

	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"slow\":1,"
	    "\"times\":10,\"path\":\"/cgi-bin/menu/get\"}"), 0);
	memset(&req, 0, sizeof req);
	req.url = url;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	x = wx_http_send(f->http, &req, got_cb, &a);
	assert_non_null(x);
	assert_non_null(wx_http_send(f->http, &req, got_cb, &b));
	wx_http_cancel(x);
	wx_http_cancel(NULL);
	assert_true(wx_fake_run(f->fx.base, &b.done, 10000));
	wx_fake_spin(f->fx.base, 200);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	free(b.body);

	assert_non_null(wx_http_send(f->http, &req, got_cb, &c));
	wx_fake_spin(f->fx.base, 100);
	wx_http_free(f->http);
	f->http = NULL;
	wx_fake_spin(f->fx.base, 200);
	assert_int_equal(c.calls, 0);
	free(url);
	wx_http_free(NULL);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_post_json),
		T(test_status_unjudged),
		T(test_upload),
		T(test_too_big),
		T(test_refused),
		T(test_reset),
		T(test_cancel_and_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
