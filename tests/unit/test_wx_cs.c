/*
 * test_wx_cs — customer-service messages against the fake WeChat API: a
 * long answer arrives whole and in order (passive part from dispatch plus
 * customer-service parts), parts wait for the one before, the §7.4
 * windows, 45015/45047 drop the rest and are logged with the follower's
 * hash only, limits, and retry of -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/dispatch.h"
#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_cs.h"
#include "kb/kb.h"
#include "tests/unit/wx_fx.h"

#define SEND	"/cgi-bin/message/custom/send"
#define OPENID	"oAbCdEfGhIjKlMnOpQrStUvWxYz0"
#define OPENID2	"oZyXwVuTsRqPoNmLkJiHgFeDcBa9"

struct fx {
	struct wx_fx	 fx;
	struct wx_api	*api;
	struct wx_cs	*cs;
};

static time_t fake_now = 1700000000;

static time_t
test_clock(void)
{
	return fake_now;
}

static struct wx_cs *
fx_cs(struct fx *f, size_t max_users, size_t max_parts)
{
	struct wx_cs_cfg cfg;
	struct wx_cs *cs;

	memset(&cfg, 0, sizeof cfg);
	memset(cfg.uid_key, 7, sizeof cfg.uid_key);
	cfg.no_delay = 1;
	cfg.max_users = max_users;
	cfg.max_parts = max_parts;
	cs = wx_cs_new(f->api, f->fx.base, &cfg);
	assert_non_null(cs);
	wx_cs_set_clock(cs, test_clock);
	return cs;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_cs");
	f->api = wx_fx_api(&f->fx, NULL);
	f->cs = fx_cs(f, 0, 0);
	fake_now = 1700000000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	/* The OpenID never reaches the log in clear. */
	static const char *const clear[] = { OPENID, OPENID2, NULL };
	struct fx *f = *state;

	wx_cs_free(f->cs);
	wx_api_free(f->api);
	wx_fx_close_absent(&f->fx, clear);
	free(f);
	return 0;
}

/* Run until the sender is idle (nothing queued), bounded. */
static int
run_idle(struct fx *f, long ms)
{
	struct wx_cs_stats st;
	uint64_t end = wx_fake_now_ms() + (uint64_t)ms;

	do {
		wx_fake_spin(f->fx.base, 20);
		wx_cs_stats(f->cs, &st);
		if (st.queued == 0)
			return 1;
	} while (wx_fake_now_ms() < end);
	return 0;
}

/* The texts the fake accepted for openid, in arrival order. */
static json_t *
delivered(struct fx *f, const char *openid)
{
	json_t *all = wx_fake_requests(&f->fx.fake, SEND), *out = json_array();
	json_t *r, *body;
	const char *fault;
	size_t i;

	json_array_foreach(all, i, r) {
		body = json_object_get(r, "body");
		fault = json_string_value(json_object_get(r, "fault"));
		if (json_integer_value(json_object_get(r, "errcode")) != 0 ||
		    (fault != NULL && strncmp(fault, "slow", 4) != 0) ||
		    strcmp(json_string_value(json_object_get(body, "touser")),
		    openid) != 0)
			continue;
		json_array_append_new(out, json_pack("{s:s,s:I}", "text",
		    json_string_value(json_object_get(json_object_get(body,
		    "text"), "content")), "ms", json_integer_value(
		    json_object_get(r, "ms"))));
	}
	json_decref(all);
	return out;
}

/* n bytes of numbered Chinese text, so order and loss both show. */
static char *
long_text(size_t n)
{
	static const char *const words[] = { "王哥庄", "街道", "办事处", "：" };
	char *s = malloc(n + 1), num[32];
	size_t len = 0, i = 0, w;

	assert_non_null(s);
	while (len < n) {
		const char *piece = words[i % 4];

		if (i % 4 == 3) {
			snprintf(num, sizeof num, "%zu.", i);
			piece = num;
		}
		w = strlen(piece);
		if (len + w > n)
			break;
		memcpy(s + len, piece, w);
		len += w;
		i++;
	}
	while (len < n)
		s[len++] = '.';
	s[len] = '\0';
	return s;
}

static char *
concat(json_t *parts)
{
	size_t i, n = 0;
	json_t *p;
	char *s;

	json_array_foreach(parts, i, p)
		n += strlen(json_string_value(json_object_get(p, "text")));
	s = calloc(1, n + 1);
	assert_non_null(s);
	json_array_foreach(parts, i, p)
		strcat(s, json_string_value(json_object_get(p, "text")));
	return s;
}

/*
 * The real dispatcher answers a 3,000-byte item: the passive reply has the
 * first part, the customer-service API the rest, and together they are
 * the whole text, in order.
 */
static void
test_dispatch_long_answer(void **state)
{
	struct fx *f = *state;
	struct wx_dispatch_out out;
	struct dispatch *d;
	struct wx_msg *msg, *reply;
	struct kb *kb = NULL;
	char *text = long_text(3000), *rest, *whole, *kbjson, xml[512];
	json_t *kbj, *parts;
	size_t passive;

	kbj = json_pack("{s:i,s:s,s:{s:s,s:s},s:{s:s,s:s},s:[{s:s,s:s,"
	    "s:[s],s:{s:s,s:s}}]}", "version", 1, "account", "测试",
	    "welcome", "type", "text", "content", "欢迎", "fallback", "type",
	    "text", "content", "没有找到", "items", "id", "report", "title",
	    "年度报告", "keywords", "年度报告", "reply", "type", "text",
	    "content", text);
	kbjson = json_dumps(kbj, JSON_COMPACT);
	assert_int_equal(kb_load_buffer(kbjson, strlen(kbjson), 1, &kb, NULL),
	    KB_OK);
	d = dispatch_new();
	assert_non_null(d);
	dispatch_set_kb(d, kb);
	kb_unref(kb);
	dispatch_set_sender(d, wx_cs_send_text, f->cs);

	snprintf(xml, sizeof xml, "<xml><ToUserName><![CDATA[gh_0123456789ab]]>"
	    "</ToUserName><FromUserName><![CDATA[" OPENID "]]></FromUserName>"
	    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
	    "</MsgType><Content><![CDATA[年度报告]]></Content><MsgId>1</MsgId>"
	    "</xml>");
	assert_int_equal(wx_msg_parse(xml, strlen(xml), &msg), WX_MSG_OK);
	wx_cs_observe(f->cs, msg, fake_now);
	memset(&out, 0, sizeof out);
	assert_int_equal(dispatch_message(d, msg, fake_now, &out), 0);
	assert_string_equal(wx_answer_name(out.answer), "hit");
	assert_non_null(out.xml);
	assert_int_equal(wx_msg_parse(out.xml, out.len, &reply), WX_MSG_OK);
	passive = strlen(reply->content);
	assert_true(passive > 0 && passive <= DISPATCH_MAX_TEXT);

	assert_true(run_idle(f, 5000));
	parts = delivered(f, OPENID);
	assert_true(json_array_size(parts) >= 1);
	rest = concat(parts);
	assert_int_equal(passive + strlen(rest), 3000);
	whole = malloc(3001);
	assert_non_null(whole);
	memcpy(whole, reply->content, passive);
	memcpy(whole + passive, rest, strlen(rest) + 1);
	assert_string_equal(whole, text);

	free(whole);
	free(rest);
	json_decref(parts);
	wx_msg_free(reply);
	wx_msg_free(msg);
	free(out.xml);
	dispatch_free(d);
	free(kbjson);
	json_decref(kbj);
	free(text);
}

/*
 * Part n+1 leaves only after part n was accepted: with the first part
 * held 400 ms by the API, the second still comes after it.
 */
static void
test_parts_wait_for_each_other(void **state)
{
	struct fx *f = *state;
	char *text = long_text(7000), *got;
	json_t *parts;
	struct wx_cs_stats st;
	size_t i;

	assert_int_equal(wx_fake_control(&f->fx.fake,
	    "{\"slow\":0.4,\"path\":\"" SEND "\"}"), 0);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, text, strlen(text)),
	    0);
	assert_true(run_idle(f, 5000));
	parts = delivered(f, OPENID);
	assert_int_equal(json_array_size(parts), 4);
	for (i = 0; i < json_array_size(parts); i++)
		assert_true(strlen(json_string_value(json_object_get(
		    json_array_get(parts, i), "text"))) <= WX_CS_MAX_TEXT);
	assert_true(json_integer_value(json_object_get(json_array_get(parts,
	    1), "ms")) - json_integer_value(json_object_get(
	    json_array_get(parts, 0), "ms")) >= 390);
	got = concat(parts);
	assert_string_equal(got, text);
	wx_cs_stats(f->cs, &st);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.dropped, 0);
	free(got);
	json_decref(parts);
	free(text);
}

/* After a message: 5 within 48 h; the 6th and 7th are dropped. */
static void
test_window_message(void **state)
{
	struct fx *f = *state;
	struct wx_cs_stats st;
	char t[16];
	int i;

	wx_cs_interaction(f->cs, OPENID, WX_CS_MESSAGE, fake_now);
	for (i = 0; i < 7; i++) {
		snprintf(t, sizeof t, "msg %d", i);
		assert_int_equal(wx_cs_send_text(f->cs, OPENID, t, strlen(t)),
		    0);
	}
	assert_true(run_idle(f, 5000));
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 5);
	wx_cs_stats(f->cs, &st);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.dropped, 2);
	/* Now known to be used up: refused at once. */
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "x", 1), -1);
	/* A new message from them opens it again. */
	wx_cs_interaction(f->cs, OPENID, WX_CS_MESSAGE, fake_now + 10);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "again", 5), 0);
	assert_true(run_idle(f, 5000));
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 6);
	/* 48 h later without a word from them: closed. */
	fake_now += WX_CS_MSG_WINDOW + 11;
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "late", 4), -1);
	assert_true(wx_fake_file_has(f->fx.logpath, "cs_undelivered"));
}

/* After a click: 3 within one minute. */
static void
test_window_event(void **state)
{
	struct fx *f = *state;
	int i;

	wx_cs_interaction(f->cs, OPENID, WX_CS_EVENT, fake_now);
	for (i = 0; i < 4; i++)
		assert_int_equal(wx_cs_send_text(f->cs, OPENID, "c", 1), 0);
	assert_true(run_idle(f, 5000));
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 3);
	wx_cs_interaction(f->cs, OPENID, WX_CS_EVENT, fake_now);
	fake_now += WX_CS_EVENT_WINDOW + 1;
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "late", 4), -1);
	assert_int_equal(wx_fake_count(&f->fx.fake, SEND), 3);
}

/* The inbound message decides the window; unsubscribe closes it. */
static void
test_observe(void **state)
{
	static const struct {
		const char	*body;
		int		 allowed;	/* sends that reach the API */
	} cases[] = {
		{ "<MsgType>text</MsgType><Content>hi</Content>", 5 },
		{ "<MsgType>event</MsgType><Event>CLICK</Event>"
		    "<EventKey>K</EventKey>", 3 },
		{ "<MsgType>event</MsgType><Event>subscribe</Event>", 3 },
		{ "<MsgType>event</MsgType><Event>unsubscribe</Event>", 0 },
	};
	struct fx *f = *state;
	struct wx_msg *msg;
	char xml[512];
	long before;
	size_t i;
	int j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wx_cs_free(f->cs);
		f->cs = fx_cs(f, 0, 0);
		snprintf(xml, sizeof xml, "<xml><ToUserName>gh_1</ToUserName>"
		    "<FromUserName>" OPENID "</FromUserName><CreateTime>1"
		    "</CreateTime>%s<MsgId>%zu</MsgId></xml>", cases[i].body,
		    i);
		assert_int_equal(wx_msg_parse(xml, strlen(xml), &msg),
		    WX_MSG_OK);
		wx_cs_observe(f->cs, msg, fake_now);
		wx_msg_free(msg);
		before = wx_fake_count(&f->fx.fake, SEND);
		for (j = 0; j < 6; j++)
			(void)wx_cs_send_text(f->cs, OPENID, "o", 1);
		assert_true(run_idle(f, 5000));
		assert_int_equal(wx_fake_count(&f->fx.fake, SEND) - before,
		    cases[i].allowed);
	}
}

/*
 * 45047 on the second part: the rest is dropped (never sent), the log
 * names the follower's hash and the reason in plain words.
 */
static void
test_quota_drops_rest(void **state)
{
	static const struct {
		long		 code;
		const char	*words;
	} cases[] = {
		{ 45047, "used up" },
		{ 45015, "48 hours" },
	};
	struct fx *f = *state;
	char *text = long_text(7000), ctl[160];
	struct wx_cs_stats st;
	json_t *parts;
	long before;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wx_cs_free(f->cs);
		f->cs = fx_cs(f, 0, 0);
		snprintf(ctl, sizeof ctl, "{\"fail\":%ld,\"skip\":1,\"path\":"
		    "\"" SEND "\"}", cases[i].code);
		assert_int_equal(wx_fake_control(&f->fx.fake, ctl), 0);
		before = wx_fake_count(&f->fx.fake, SEND);
		assert_int_equal(wx_cs_send_text(f->cs, OPENID, text,
		    strlen(text)), 0);
		assert_true(run_idle(f, 5000));
		/* Part 1 delivered, part 2 refused, parts 3-4 never sent. */
		assert_int_equal(wx_fake_count(&f->fx.fake, SEND) - before, 2);
		wx_cs_stats(f->cs, &st);
		assert_int_equal(st.sent, 1);
		assert_int_equal(st.failed, 1);
		assert_int_equal(st.dropped, 3);
		assert_true(wx_fake_file_has(f->fx.logpath, cases[i].words));
		/* Closed now: the next answer is refused at once. */
		assert_int_equal(wx_cs_send_text(f->cs, OPENID, "x", 1), -1);
	}
	assert_true(wx_fake_file_has(f->fx.logpath, "cs_undelivered"));
	assert_true(wx_fake_file_has(f->fx.logpath, "user="));
	parts = delivered(f, OPENID);
	assert_int_equal(json_array_size(parts), 2);
	json_decref(parts);
	free(text);
}

/* -1 on a part: retried, delivered once, order kept. */
static void
test_busy_retried(void **state)
{
	struct fx *f = *state;
	char *text = long_text(5000), *got;
	json_t *parts;

	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"fail\":-1,\"skip\":1,"
	    "\"path\":\"" SEND "\"}"), 0);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, text, strlen(text)),
	    0);
	assert_true(run_idle(f, 5000));
	parts = delivered(f, OPENID);
	assert_int_equal(json_array_size(parts), 3);
	got = concat(parts);
	assert_string_equal(got, text);
	free(got);
	json_decref(parts);
	free(text);
}

/* Two followers at once: each gets its own parts, each in order. */
static void
test_two_followers(void **state)
{
	struct fx *f = *state;
	char *a = long_text(4500), *b = long_text(6100), *ga, *gb;
	json_t *pa, *pb;

	assert_int_equal(wx_cs_send_text(f->cs, OPENID, a, strlen(a)), 0);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID2, b, strlen(b)), 0);
	assert_true(run_idle(f, 5000));
	pa = delivered(f, OPENID);
	pb = delivered(f, OPENID2);
	ga = concat(pa);
	gb = concat(pb);
	assert_string_equal(ga, a);
	assert_string_equal(gb, b);
	free(ga);
	free(gb);
	json_decref(pa);
	json_decref(pb);
	free(a);
	free(b);
}

/* Bounds: parts per follower, followers tracked, bad arguments. */
static void
test_limits(void **state)
{
	struct fx *f = *state;
	struct wx_cs_stats st;
	char *text = long_text(5000);

	wx_cs_free(f->cs);
	f->cs = fx_cs(f, 2, 2);
	/* 3 parts do not fit in 2. */
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, text, strlen(text)),
	    -1);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "a", 1), 0);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID2, "b", 1), 0);
	/* Two followers busy: a third cannot be tracked now. */
	assert_int_equal(wx_cs_send_text(f->cs, "oThirdFollowerOpenId00000",
	    "c", 1), -1);
	assert_true(run_idle(f, 5000));
	/* Idle ones make room. */
	assert_int_equal(wx_cs_send_text(f->cs, "oThirdFollowerOpenId00000",
	    "c", 1), 0);
	assert_true(run_idle(f, 5000));
	wx_cs_stats(f->cs, &st);
	assert_int_equal(st.users, 2);
	assert_int_equal(st.sent, 3);
	assert_int_equal(wx_cs_send_text(f->cs, "bad id", "x", 1), -1);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "", 0), -1);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "\xff\xfe", 2), -1);
	/* Cut in the middle of a character; a NUL inside. */
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "\xe4\xbd", 2), -1);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "a\0b", 3), -1);
	/* Emoji and Chinese are fine. */
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, "你好😀", 10), 0);
	free(text);
}

/* Freed with parts in flight: nothing runs later, nothing leaks. */
static void
test_free_in_flight(void **state)
{
	struct fx *f = *state;
	char *text = long_text(6000);

	assert_int_equal(wx_fake_control(&f->fx.fake, "{\"slow\":1,\"path\":\""
	    SEND "\"}"), 0);
	assert_int_equal(wx_cs_send_text(f->cs, OPENID, text, strlen(text)),
	    0);
	wx_fake_spin(f->fx.base, 200);
	wx_cs_free(f->cs);
	f->cs = fx_cs(f, 0, 0);
	wx_fake_spin(f->fx.base, 200);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dispatch_long_answer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts_wait_for_each_other,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_message, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_window_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_observe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_drops_rest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy_retried, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_followers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
