/*
 * test_dispatch — reply = dispatch(msg) over a real knowledge base
 * (tests/data/kb/dispatch.json, or one built here): hits, events, media,
 * suggestions and the numbered follow-up, misses and the unanswered store,
 * expiry, long texts split at character boundaries, reply modes, news
 * article counts and generation swaps.  Every reply is parsed back with
 * wx_msg_parse and checked as the resident would see it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "handlers/callback/dispatch.h"
#include "handlers/callback/wx_msg.h"
#include "kb/kb.h"
#include "kb/kb_unanswered.h"

#define KB_FILE		"tests/data/kb/dispatch.json"
#define ACCOUNT		"gh_0123456789ab"
#define ALICE		"oAlice0123456789abcdefghijk"
#define BOB		"oBob00123456789abcdefghijkl"
#define T0		((time_t)1622548800)	/* 2021-06-01 12:00 UTC */
#define T_LATE		((time_t)1654084800)	/* 2022-06-01 12:00 UTC */
#define MAX_SENT	64

#define WELCOME		"欢迎关注！可以问：联系电话、年度报告、公益性岗位。"
#define FALLBACK	"暂时没有找到答案，请致电街道党政办公室 87841022。"
#define CONTACT		"街道办事处电话 87841022。"
#define OPEN_DAY	"政府开放日：开门决策、政策解读。"
#define TAIL		"回复数字查看；都不是，请致电 87841022"

/* What the test sender was handed, in order. */
struct sent {
	size_t	 n;
	char	*openid[MAX_SENT];
	char	*text[MAX_SENT];
	size_t	 len[MAX_SENT];
};

struct fixture {
	struct dispatch		*d;
	struct kb		*kb;	/* the test's own reference */
	struct kb_unanswered	*u;
	struct sent		 sent;
};

/* One dispatch and the reply parsed back (m NULL: no reply). */
struct answer {
	int			 rc;
	struct wx_dispatch_out	 out;
	struct wx_msg		*m;
};

static int
sender_cb(void *arg, const char *openid, const char *text, size_t len)
{
	struct sent *s = arg;

	if (s->n == MAX_SENT)
		fail_msg("more than %d parts sent", MAX_SENT);
	s->openid[s->n] = strdup(openid);
	s->text[s->n] = malloc(len + 1);
	assert_non_null(s->openid[s->n]);
	assert_non_null(s->text[s->n]);
	memcpy(s->text[s->n], text, len);
	s->text[s->n][len] = '\0';
	s->len[s->n] = len;
	s->n++;
	return 0;
}

static void
sent_clear(struct sent *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->openid[i]);
		free(s->text[i]);
	}
	s->n = 0;
}

/* Strict UTF-8: no overlongs, surrogates or code points past U+10FFFF. */
static int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xc2 && u[i] <= 0xdf) {
			n = 1;
			cp = u[i] & 0x1f;
		} else if (u[i] >= 0xe0 && u[i] <= 0xef) {
			n = 2;
			cp = u[i] & 0x0f;
		} else if (u[i] >= 0xf0 && u[i] <= 0xf4) {
			n = 3;
			cp = u[i] & 0x07;
		} else
			return 0;
		if (n >= len - i)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

static struct kb *
load_json(json_t *root, uint64_t gen)
{
	struct kb_diag diag = { 0 };
	struct kb *kb = NULL;
	char *s, *text;
	int r;

	s = json_dumps(root, JSON_COMPACT);
	assert_non_null(s);
	r = kb_load_buffer(s, strlen(s), gen, &kb, &diag);
	if (r != KB_OK) {
		text = kb_diag_format(&diag, "generated");
		fail_msg("generated kb: %s", text != NULL ? text : "?");
	}
	kb_diag_cleanup(&diag);
	free(s);
	json_decref(root);
	return kb;
}

/* A knowledge base with the given items (a new JSON array, stolen). */
static struct kb *
load_items(json_t *items, uint64_t gen)
{
	json_t *root;

	root = json_pack("{s:i, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o}",
	    "version", 1, "account", "测试账号",
	    "welcome", "type", "text", "content", WELCOME,
	    "fallback", "type", "text", "content", FALLBACK,
	    "items", items);
	assert_non_null(root);
	return load_json(root, gen);
}

static int
setup(void **state)
{
	struct fixture *f;
	struct kb_diag diag = { 0 };
	int r;

	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	r = kb_load_file(KB_FILE, 1, &f->kb, &diag);
	if (r != KB_OK) {
		char *text = kb_diag_format(&diag, KB_FILE);

		print_error("%s\n", text != NULL ? text : kb_strerror(r));
		free(text);
		kb_diag_cleanup(&diag);
		free(f);
		return -1;
	}
	kb_diag_cleanup(&diag);
	f->d = dispatch_new();
	f->u = kb_unanswered_new(0);
	if (f->d == NULL || f->u == NULL) {
		dispatch_free(f->d);
		kb_unanswered_free(f->u);
		kb_unref(f->kb);
		free(f);
		return -1;
	}
	dispatch_set_kb(f->d, f->kb);
	dispatch_set_unanswered(f->d, f->u);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	dispatch_free(f->d);
	kb_unref(f->kb);
	kb_unanswered_free(f->u);
	sent_clear(&f->sent);
	free(f);
	return 0;
}

/* Serve a knowledge base built by the test instead of the fixture file. */
static void
use_kb(struct fixture *f, struct kb *kb)
{
	dispatch_set_kb(f->d, kb);
	kb_unref(kb);
}

static void
with_sender(struct fixture *f)
{
	dispatch_set_sender(f->d, sender_cb, &f->sent);
}

/*
 * Dispatch a message of MsgType type from user with extra elements, and
 * parse the reply back; a reply must be addressed to user from ACCOUNT.
 */
static void
ask(struct fixture *f, const char *user, const char *type, const char *extra,
    time_t now, struct answer *a)
{
	struct wx_msg *msg = NULL;
	char xml[16384];
	int n, r;

	n = snprintf(xml, sizeof xml, "<xml>"
	    "<ToUserName><![CDATA[" ACCOUNT "]]></ToUserName>"
	    "<FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime>"
	    "<MsgType><![CDATA[%s]]></MsgType>%s</xml>",
	    user, (long long)now, type, extra);
	assert_true(n > 0 && (size_t)n < sizeof xml);
	r = wx_msg_parse(xml, (size_t)n, &msg);
	assert_int_equal(r, WX_MSG_OK);

	memset(a, 0, sizeof *a);
	a->rc = dispatch_message(f->d, msg, now, &a->out);
	wx_msg_free(msg);
	if (a->out.xml == NULL)
		return;
	assert_int_equal(a->out.len, strlen(a->out.xml));
	r = wx_msg_parse(a->out.xml, a->out.len, &a->m);
	if (r != WX_MSG_OK)
		fail_msg("reply does not parse (%s): %s", wx_msg_strerror(r),
		    a->out.xml);
	assert_non_null(a->m->to_user);
	assert_non_null(a->m->from_user);
	assert_string_equal(a->m->to_user, user);
	assert_string_equal(a->m->from_user, ACCOUNT);
	assert_non_null(a->m->msg_type);
}

static void
ask_text(struct fixture *f, const char *user, const char *text, time_t now,
    struct answer *a)
{
	char extra[12288];
	int n;

	n = snprintf(extra, sizeof extra, "<Content><![CDATA[%s]]></Content>"
	    "<MsgId>1</MsgId>", text);
	assert_true(n > 0 && (size_t)n < sizeof extra);
	ask(f, user, "text", extra, now, a);
}

static void
ask_event(struct fixture *f, const char *event, const char *key, time_t now,
    struct answer *a)
{
	char extra[1024];
	int n;

	n = snprintf(extra, sizeof extra,
	    "<Event><![CDATA[%s]]></Event>%s%s%s", event,
	    key != NULL ? "<EventKey><![CDATA[" : "",
	    key != NULL ? key : "", key != NULL ? "]]></EventKey>" : "");
	assert_true(n > 0 && (size_t)n < sizeof extra);
	ask(f, ALICE, "event", extra, now, a);
}

static void
answer_free(struct answer *a)
{
	free(a->out.xml);
	wx_msg_free(a->m);
	memset(a, 0, sizeof *a);
}

/* The Content of a text reply, checked as well-formed UTF-8. */
static const char *
text_of(const char *label, const struct answer *a)
{
	if (a->rc != 0)
		fail_msg("%s: dispatch returned %d", label, a->rc);
	if (a->m == NULL)
		fail_msg("%s: no reply", label);
	if (strcmp(a->m->msg_type, "text") != 0)
		fail_msg("%s: reply type %s, want text", label,
		    a->m->msg_type);
	if (a->m->content == NULL || *a->m->content == '\0')
		fail_msg("%s: empty Content", label);
	if (!utf8_valid(a->m->content, strlen(a->m->content)))
		fail_msg("%s: Content is not UTF-8", label);
	return a->m->content;
}

static void
expect_result(const char *label, const struct answer *a, const char *result,
    const char *item)
{
	if (wx_answer_name(a->out.answer) == NULL || strcmp(wx_answer_name(a->out.answer), result) != 0)
		fail_msg("%s: result \"%s\", want \"%s\"", label,
		    wx_answer_name(a->out.answer) != NULL ? wx_answer_name(a->out.answer) : "(null)", result);
	if (strcmp(a->out.item, item) != 0)
		fail_msg("%s: item \"%s\", want \"%s\"", label, a->out.item,
		    item);
}

static void
expect_text(const char *label, const struct answer *a, const char *want)
{
	const char *got = text_of(label, a);

	if (strcmp(got, want) != 0)
		fail_msg("%s: reply \"%s\", want \"%s\"", label, got, want);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* --- text messages --- */

struct hit_case {
	const char	*text;
	const char	*item;
	const char	*reply;
};

static const struct hit_case hit_cases[] = {
	{ "电话", "contact", CONTACT },
	{ "请问街道的联系方式是什么？", "contact", CONTACT },
	{ "依申请公开怎么办", "apply", "依申请公开：网络形式受理1件。" },
	{ "主动公开😀", "active", "主动公开：发布信息若干条。" },
};

static void
test_text_hit(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	size_t i;

	for (i = 0; i < sizeof hit_cases / sizeof hit_cases[0]; i++) {
		const struct hit_case *c = &hit_cases[i];

		ask_text(f, ALICE, c->text, T0, &a);
		expect_result(c->text, &a, "hit", c->item);
		expect_text(c->text, &a, c->reply);
		answer_free(&a);
	}
	assert_int_equal(kb_unanswered_count(f->u), 0);
}

/* --- events and unknown types --- */

struct event_case {
	const char	*event;
	const char	*key;		/* EventKey, NULL: absent */
	const char	*result;
	const char	*item;
	const char	*reply;		/* NULL: no reply at all */
};

static const struct event_case event_cases[] = {
	{ "subscribe", NULL, "welcome", "", WELCOME },
	{ "subscribe", "qrscene_123", "welcome", "", WELCOME },
	{ "SCAN", "123", "welcome", "", WELCOME },
	{ "CLICK", "CONTACT", "menu", "contact", CONTACT },
	{ "CLICK", "NO_SUCH_KEY", "menu_unknown", "", FALLBACK },
	{ "CLICK", NULL, "menu_unknown", "", FALLBACK },
	{ "CLICK", "contact", "menu_unknown", "", FALLBACK },
	{ "unsubscribe", NULL, "ignored", "", NULL },
	{ "VIEW", "http://www.example.gov.cn/", "ignored", "", NULL },
	{ "LOCATION", NULL, "ignored", "", NULL },
	{ "MASSSENDJOBFINISH", NULL, "ignored", "", NULL },
	{ "TEMPLATESENDJOBFINISH", NULL, "ignored", "", NULL },
	{ "PUBLISHJOBFINISH", NULL, "ignored", "", NULL },
	{ "some_new_event", "CONTACT", "ignored", "", NULL },
};

static void
test_events(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	char label[128];
	size_t i;

	for (i = 0; i < sizeof event_cases / sizeof event_cases[0]; i++) {
		const struct event_case *c = &event_cases[i];

		snprintf(label, sizeof label, "%s/%s", c->event,
		    c->key != NULL ? c->key : "-");
		ask_event(f, c->event, c->key, T0, &a);
		expect_result(label, &a, c->result, c->item);
		if (c->reply != NULL)
			expect_text(label, &a, c->reply);
		else if (a.rc != 0 || a.out.xml != NULL)
			fail_msg("%s: rc %d, reply %s, want none", label, a.rc,
			    a.out.xml != NULL ? a.out.xml : "(null)");
		answer_free(&a);
	}
}

static void
test_unknown_type(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask(f, ALICE, "miniprogrampage", "<Title><![CDATA[电话]]></Title>",
	    T0, &a);
	assert_int_equal(a.rc, 0);
	assert_null(a.out.xml);
	assert_string_equal(wx_answer_name(a.out.answer), "ignored");
	answer_free(&a);
	assert_int_equal(kb_unanswered_count(f->u), 0);
}

/* --- voice and other media --- */

struct media_case {
	const char	*type;
	const char	*extra;
	const char	*result;	/* "media" or "hit" */
};

static const struct media_case media_cases[] = {
	{ "voice", "<MediaId><![CDATA[m1]]></MediaId><Format>amr</Format>"
	  "<Recognition><![CDATA[街道电话多少。]]></Recognition>", "hit" },
	{ "voice", "<MediaId><![CDATA[m1]]></MediaId><Format>amr</Format>"
	  "<Recognition><![CDATA[]]></Recognition>", "media" },
	{ "voice", "<MediaId><![CDATA[m1]]></MediaId><Format>amr</Format>",
	  "media" },
	{ "image", "<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl>"
	  "<MediaId><![CDATA[m2]]></MediaId>", "media" },
	{ "video", "<MediaId><![CDATA[m3]]></MediaId>"
	  "<ThumbMediaId><![CDATA[t3]]></ThumbMediaId>", "media" },
	{ "shortvideo", "<MediaId><![CDATA[m4]]></MediaId>"
	  "<ThumbMediaId><![CDATA[t4]]></ThumbMediaId>", "media" },
	{ "location", "<Location_X>36.2</Location_X><Location_Y>120.6"
	  "</Location_Y><Scale>15</Scale><Label><![CDATA[电话亭]]></Label>",
	  "media" },
	{ "link", "<Title><![CDATA[电话]]></Title><Description><![CDATA[电话"
	  "]]></Description><Url><![CDATA[http://x/]]></Url>", "media" },
};

static void
test_media(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	char *first = NULL;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof media_cases / sizeof media_cases[0]; i++) {
		const struct media_case *c = &media_cases[i];

		ask(f, ALICE, c->type, c->extra, T0, &a);
		if (strcmp(c->result, "hit") == 0) {
			expect_result(c->type, &a, "hit", "contact");
			expect_text(c->type, &a, CONTACT);
			answer_free(&a);
			continue;
		}
		expect_result(c->type, &a, "media", "");
		got = text_of(c->type, &a);
		/* A short prompt, not an answer, welcome or fallback. */
		assert_true(strlen(got) < 300);
		assert_string_not_equal(got, FALLBACK);
		assert_string_not_equal(got, WELCOME);
		assert_string_not_equal(got, CONTACT);
		if (first == NULL)
			first = strdup(got);
		else
			assert_string_equal(got, first);
		answer_free(&a);
	}
	free(first);
	assert_int_equal(kb_unanswered_count(f->u), 0);
}

/* --- suggestions and the numbered follow-up --- */

/* "公开办理" matches no keyword; it is close to "apply" then "active". */
#define CLOSE_TEXT	"公开办理"
#define CLOSE_LIST	"1. 依申请公开办理流程\n2. 主动公开信息情况\n"
#define APPLY		"依申请公开：网络形式受理1件。"
#define ACTIVE		"主动公开：发布信息若干条。"

static void
expect_unanswered(struct fixture *f, const char *text, uint32_t count)
{
	const struct kb_unanswered_entry *e[KB_UNANSWERED_MAX];
	size_t i, n;

	n = kb_unanswered_sorted(f->u, e, KB_UNANSWERED_MAX);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i]->text, text) == 0) {
			assert_int_equal(e[i]->count, count);
			return;
		}
	}
	if (count != 0)
		fail_msg("\"%s\" not recorded as unanswered", text);
}

static void
test_suggest(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	const char *got;

	ask_text(f, ALICE, CLOSE_TEXT, T0, &a);
	expect_result("suggest", &a, "suggest", "");
	got = text_of("suggest", &a);
	assert_non_null(strstr(got, CLOSE_LIST));
	assert_null(strstr(got, "3. "));
	assert_true(ends_with(got, TAIL));
	answer_free(&a);
	assert_int_equal(kb_unanswered_count(f->u), 1);
	expect_unanswered(f, CLOSE_TEXT, 1);

	/* The same question in another form counts as the same question. */
	ask_text(f, BOB, "  公开，办理？😀", T0 + 1, &a);
	expect_result("suggest again", &a, "suggest", "");
	answer_free(&a);
	assert_int_equal(kb_unanswered_count(f->u), 1);
	expect_unanswered(f, CLOSE_TEXT, 2);
}

struct followup_case {
	const char	*name;
	const char	*user;
	const char	*text;
	time_t		 dt;		/* seconds after the list */
	const char	*item;		/* NULL: not a follow-up */
	const char	*reply;
};

/* In time order: an expired list is gone for the rows after it. */
static const struct followup_case followup_cases[] = {
	{ "second item", ALICE, "2", 5, "active", ACTIVE },
	{ "full-width digit", ALICE, "２", 10, "active", ACTIVE },
	{ "digit with punctuation", ALICE, " 2。", 11, "active", ACTIVE },
	{ "first item", ALICE, "1", 20, "apply", APPLY },
	{ "beyond the list", ALICE, "3", 30, NULL, NULL },
	{ "zero", ALICE, "0", 31, NULL, NULL },
	{ "another user", BOB, "2", 40, NULL, NULL },
	{ "two digits", ALICE, "12", 50, NULL, NULL },
	{ "last second", ALICE, "2", DISPATCH_SUGGEST_TTL - 1, "active",
	  ACTIVE },
	{ "expired", ALICE, "2", DISPATCH_SUGGEST_TTL, NULL, NULL },
	{ "still expired", ALICE, "1", DISPATCH_SUGGEST_TTL + 60, NULL,
	  NULL },
};

static void
test_followup(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	size_t i;

	ask_text(f, ALICE, CLOSE_TEXT, T0, &a);
	expect_result("list", &a, "suggest", "");
	answer_free(&a);

	for (i = 0; i < sizeof followup_cases / sizeof followup_cases[0];
	    i++) {
		const struct followup_case *c = &followup_cases[i];

		ask_text(f, c->user, c->text, T0 + c->dt, &a);
		if (c->item != NULL) {
			expect_result(c->name, &a, "followup", c->item);
			expect_text(c->name, &a, c->reply);
		} else {
			if (strcmp(wx_answer_name(a.out.answer), "followup") == 0)
				fail_msg("%s: a follow-up to %s", c->name,
				    a.out.item);
			if (a.m != NULL && (strcmp(text_of(c->name, &a),
			    ACTIVE) == 0 || strcmp(text_of(c->name, &a),
			    APPLY) == 0))
				fail_msg("%s: answered from the list",
				    c->name);
		}
		answer_free(&a);
	}
}

/* A newer list replaces the older one; a hit in between leaves it. */
static void
test_followup_newer_list(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask_text(f, ALICE, CLOSE_TEXT, T0, &a);
	expect_result("first list", &a, "suggest", "");
	answer_free(&a);
	ask_text(f, ALICE, "电话", T0 + 1, &a);
	expect_result("hit between", &a, "hit", "contact");
	answer_free(&a);
	ask_text(f, ALICE, "2", T0 + 2, &a);
	expect_result("from the first list", &a, "followup", "active");
	answer_free(&a);

	/* "主动信息" is close to "active" only. */
	ask_text(f, ALICE, "主动信息", T0 + 3, &a);
	expect_result("second list", &a, "suggest", "");
	assert_non_null(strstr(text_of("second list", &a),
	    "1. 主动公开信息情况\n"));
	answer_free(&a);
	ask_text(f, ALICE, "1", T0 + 4, &a);
	expect_result("from the second list", &a, "followup", "active");
	answer_free(&a);
	ask_text(f, ALICE, "2", T0 + 5, &a);
	assert_string_not_equal(wx_answer_name(a.out.answer), "followup");
	answer_free(&a);
	/* The second list lives from its own time. */
	ask_text(f, ALICE, "1", T0 + 3 + DISPATCH_SUGGEST_TTL - 1, &a);
	expect_result("second list, late", &a, "followup", "active");
	answer_free(&a);
}

/* --- misses --- */

struct miss_case {
	const char	*text;
	const char	*recorded;	/* normalized text, NULL: not kept */
};

static const struct miss_case miss_cases[] = {
	{ "今天天气不错", "今天天气不错" },
	{ "ＡＢＣ　Ｄｅｆ", "abcdef" },
	{ "😀！！", NULL },
	{ "　。，、…… 🙂🙂", NULL },
};

static void
test_miss(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	size_t i, want = 0;

	for (i = 0; i < sizeof miss_cases / sizeof miss_cases[0]; i++) {
		const struct miss_case *c = &miss_cases[i];

		ask_text(f, ALICE, c->text, T0, &a);
		expect_result(c->text, &a, "miss", "");
		expect_text(c->text, &a, FALLBACK);
		answer_free(&a);
		if (c->recorded != NULL) {
			want++;
			expect_unanswered(f, c->recorded, 1);
		}
		assert_int_equal(kb_unanswered_count(f->u), want);
	}
}

/* Without an unanswered store, misses and suggestions still answer. */
static void
test_no_unanswered_store(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	dispatch_set_unanswered(f->d, NULL);
	ask_text(f, ALICE, "今天天气不错", T0, &a);
	expect_text("miss", &a, FALLBACK);
	answer_free(&a);
	ask_text(f, ALICE, CLOSE_TEXT, T0, &a);
	expect_result("suggest", &a, "suggest", "");
	answer_free(&a);
	assert_int_equal(kb_unanswered_count(f->u), 0);
}

/* --- expiry --- */

static void
test_expiry(void **state)
{
	struct fixture *f = *state;
	const struct kb_item *item;
	struct answer a;
	time_t exp;

	ask_text(f, ALICE, "开放日活动", T0, &a);
	expect_result("before", &a, "hit", "open-day");
	expect_text("before", &a, OPEN_DAY);
	answer_free(&a);

	item = kb_find_id(f->kb, "open-day", T0);
	assert_non_null(item);
	exp = item->expires;
	assert_true(exp > T0 && exp < T_LATE);

	ask_text(f, ALICE, "开放日活动", exp - 1, &a);
	expect_result("last second", &a, "hit", "open-day");
	answer_free(&a);

	ask_text(f, ALICE, "开放日活动", exp, &a);
	assert_string_not_equal(wx_answer_name(a.out.answer), "hit");
	assert_string_equal(a.out.item, "");
	assert_null(strstr(text_of("after", &a), "开放日"));
	answer_free(&a);

	ask_text(f, ALICE, "开放日活动", T_LATE, &a);
	assert_string_not_equal(wx_answer_name(a.out.answer), "hit");
	assert_string_equal(a.out.item, "");
	assert_null(strstr(text_of("long after", &a), "开放日"));
	answer_free(&a);

	/* A list offered before the date cannot serve it after. */
	ask_text(f, ALICE, "政府开放", exp - 300, &a);
	expect_result("list", &a, "suggest", "");
	assert_non_null(strstr(text_of("list", &a), "1. 政府开放日活动\n"));
	answer_free(&a);
	ask_text(f, ALICE, "1", exp + 10, &a);
	assert_string_not_equal(wx_answer_name(a.out.answer), "followup");
	assert_string_not_equal(a.out.item, "open-day");
	assert_null(strstr(text_of("late follow-up", &a), OPEN_DAY));
	answer_free(&a);
}

/* --- long texts --- */

#define LONG_URL	"http://www.example.gov.cn/report-2020.html"
/* 14 bytes: 3-byte and 4-byte characters so a byte cut lands inside. */
#define UNIT		"王哥庄😀a"

/* pad ASCII bytes, then whole units up to len bytes, then ASCII. */
static char *
long_text(size_t pad, size_t len)
{
	char *s = malloc(len + 1);
	size_t n = 0;

	assert_non_null(s);
	while (n < pad && n < len)
		s[n++] = 'x';
	while (n + strlen(UNIT) <= len) {
		memcpy(s + n, UNIT, strlen(UNIT));
		n += strlen(UNIT);
	}
	while (n < len)
		s[n++] = 'y';
	s[n] = '\0';
	return s;
}

static json_t *
text_item(const char *id, const char *keyword, const char *text,
    const char *url)
{
	json_t *it;

	it = json_pack("{s:s, s:s, s:[s], s:{s:s, s:s}}", "id", id,
	    "title", id, "keywords", keyword, "reply", "type", "text",
	    "content", text);
	assert_non_null(it);
	if (url != NULL)
		json_object_set_new(it, "source_url", json_string(url));
	return it;
}

struct long_case {
	size_t		 len;
	int		 sender;
	int		 url;
};

static const struct long_case long_cases[] = {
	{ DISPATCH_MAX_TEXT, 0, 1 },
	{ DISPATCH_MAX_TEXT, 1, 1 },
	{ DISPATCH_MAX_TEXT + 1, 0, 1 },
	{ DISPATCH_MAX_TEXT + 1, 0, 0 },
	{ DISPATCH_MAX_TEXT + 1, 1, 0 },
	{ 5000, 0, 1 },
	{ 5000, 0, 0 },
	{ 5000, 1, 1 },
	{ 5000, 1, 0 },
	{ 3 * DISPATCH_MAX_TEXT, 1, 1 },
	{ 4000, 1, 0 },
};

/* Without a sender: a prefix cut at a character, then a pointer. */
static void
check_shortened(const char *label, const char *text, const char *got,
    int url)
{
	size_t k = 0, glen = strlen(got);
	const char *rest, *p;

	if (glen > 2048)
		fail_msg("%s: %zu bytes in one passive reply", label, glen);
	while (got[k] != '\0' && got[k] == text[k])
		k++;
	rest = got + k;
	if (k < DISPATCH_MAX_TEXT / 2)
		fail_msg("%s: only %zu bytes of the text kept", label, k);
	if ((text[k] & 0xc0) == 0x80)
		fail_msg("%s: cut inside a character at %zu", label, k);
	if (url) {
		p = strstr(rest, LONG_URL);
		if (p == NULL)
			fail_msg("%s: no pointer to the source: \"%s\"", label,
			    rest);
		if (strlen(p + strlen(LONG_URL)) > 16)
			fail_msg("%s: text after the pointer: \"%s\"", label,
			    rest);
	} else if (strcmp(rest, "……") != 0)
		fail_msg("%s: shortened text ends \"%s\", want \"……\"",
		    label, rest);
}

/* With a sender: the passive part and the sent parts make the text. */
static void
check_split(const char *label, struct fixture *f, const char *text,
    const char *got)
{
	size_t i, n = 0, len = strlen(text), glen = strlen(got);

	if (glen > DISPATCH_MAX_TEXT)
		fail_msg("%s: passive part %zu bytes", label, glen);
	if (memcmp(got, text, glen) != 0)
		fail_msg("%s: passive part is not the start", label);
	n = glen;
	for (i = 0; i < f->sent.n; i++) {
		if (strcmp(f->sent.openid[i], ALICE) != 0)
			fail_msg("%s: part %zu sent to %s", label, i + 1,
			    f->sent.openid[i]);
		if (f->sent.len[i] == 0 || f->sent.len[i] > DISPATCH_MAX_TEXT)
			fail_msg("%s: part %zu is %zu bytes", label, i + 1,
			    f->sent.len[i]);
		if (!utf8_valid(f->sent.text[i], f->sent.len[i]))
			fail_msg("%s: part %zu is not UTF-8", label, i + 1);
		if (n + f->sent.len[i] > len ||
		    memcmp(text + n, f->sent.text[i], f->sent.len[i]) != 0)
			fail_msg("%s: part %zu is not the next piece", label,
			    i + 1);
		n += f->sent.len[i];
	}
	if (n != len)
		fail_msg("%s: %zu of %zu bytes delivered", label, n, len);
	/* Parts are as full as a character boundary allows. */
	if (len > DISPATCH_MAX_TEXT && glen + 4 <= DISPATCH_MAX_TEXT)
		fail_msg("%s: passive part only %zu bytes", label, glen);
	for (i = 0; i + 1 < f->sent.n; i++) {
		if (f->sent.len[i] + 4 <= DISPATCH_MAX_TEXT)
			fail_msg("%s: part %zu only %zu bytes", label, i + 1,
			    f->sent.len[i]);
	}
}

static void
test_long_text(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	char label[96], *text;
	const char *got;
	size_t i, pad;

	for (i = 0; i < sizeof long_cases / sizeof long_cases[0]; i++) {
		const struct long_case *c = &long_cases[i];

		/* Every pad puts the limit at another byte of a unit. */
		for (pad = 0; pad < strlen(UNIT); pad++) {
			snprintf(label, sizeof label, "len %zu%s%s pad %zu",
			    c->len, c->sender ? " sender" : "",
			    c->url ? " url" : "", pad);
			text = long_text(pad, c->len);
			assert_true(utf8_valid(text, strlen(text)));
			use_kb(f, load_items(json_pack("[o]", text_item(
			    "long", "长文", text, c->url ? LONG_URL : NULL)),
			    2));
			dispatch_set_sender(f->d, c->sender ? sender_cb : NULL,
			    &f->sent);
			ask_text(f, ALICE, "长文", T0, &a);
			expect_result(label, &a, "hit", "long");
			got = text_of(label, &a);
			if (c->len <= DISPATCH_MAX_TEXT) {
				if (strcmp(got, text) != 0)
					fail_msg("%s: text changed", label);
				assert_int_equal(f->sent.n, 0);
			} else if (c->sender)
				check_split(label, f, text, got);
			else {
				check_shortened(label, text, got, c->url);
				assert_int_equal(f->sent.n, 0);
			}
			answer_free(&a);
			sent_clear(&f->sent);
			free(text);
		}
	}
}

/* The welcome and fallback are shortened too (they have no source URL). */
static void
test_long_fallback(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	json_t *root;
	char *text;

	text = long_text(1, 4000);
	root = json_pack("{s:i, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:[o]}",
	    "version", 1, "account", "a",
	    "welcome", "type", "text", "content", text,
	    "fallback", "type", "text", "content", text,
	    "items", text_item("x", "电话", "c", NULL));
	use_kb(f, load_json(root, 2));

	ask_event(f, "subscribe", NULL, T0, &a);
	expect_result("welcome", &a, "welcome", "");
	check_shortened("welcome", text, text_of("welcome", &a), 0);
	answer_free(&a);

	with_sender(f);
	ask_text(f, ALICE, "今天天气不错", T0, &a);
	expect_result("fallback", &a, "miss", "");
	check_split("fallback", f, text, text_of("fallback", &a));
	answer_free(&a);
	free(text);
}

/* --- reply modes --- */

static void
test_random_one(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {
		"哈喽，甲", "哈喽，乙", "哈喽，丙",
	};
	size_t seen[3] = { 0 }, i, k;
	struct answer a;
	const char *got;

	with_sender(f);
	for (i = 0; i < 300; i++) {
		ask_text(f, ALICE, "哈喽！", T0 + (time_t)i, &a);
		expect_result("random_one", &a, "hit", "greet");
		got = text_of("random_one", &a);
		for (k = 0; k < 3; k++) {
			if (strcmp(got, want[k]) == 0)
				break;
		}
		if (k == 3)
			fail_msg("random_one: unexpected reply \"%s\"", got);
		seen[k]++;
		answer_free(&a);
	}
	for (k = 0; k < 3; k++) {
		if (seen[k] == 0)
			fail_msg("random_one: \"%s\" never chosen", want[k]);
	}
	/* One reply per message: nothing goes to the sender. */
	assert_int_equal(f->sent.n, 0);
}

#define JOBS_1	"岗位第一条：开发公益性岗位39个。"
#define JOBS_2	"岗位第二条：每月岗位补贴1000元。"
#define JOBS_3	"岗位第三条：单位缴纳社保补贴。"

static void
test_all(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask_text(f, ALICE, "公益岗怎么申请", T0, &a);
	expect_result("all, no sender", &a, "hit", "jobs");
	expect_text("all, no sender", &a, JOBS_1);
	answer_free(&a);

	with_sender(f);
	ask_text(f, ALICE, "公益岗怎么申请", T0, &a);
	expect_result("all", &a, "hit", "jobs");
	expect_text("all", &a, JOBS_1);
	answer_free(&a);
	assert_int_equal(f->sent.n, 2);
	assert_string_equal(f->sent.openid[0], ALICE);
	assert_string_equal(f->sent.openid[1], ALICE);
	assert_string_equal(f->sent.text[0], JOBS_2);
	assert_string_equal(f->sent.text[1], JOBS_3);
	sent_clear(&f->sent);

	ask_event(f, "CLICK", "JOBS", T0, &a);
	expect_result("all, menu", &a, "menu", "jobs");
	expect_text("all, menu", &a, JOBS_1);
	answer_free(&a);
	assert_int_equal(f->sent.n, 2);
	assert_string_equal(f->sent.text[0], JOBS_2);
	assert_string_equal(f->sent.text[1], JOBS_3);
}

/*
 * "all" whose first reply is long: the rest of the first reply comes
 * before the second reply, so the resident reads them in order.
 */
static void
test_all_long_first(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	json_t *it;
	char *text, *whole;
	const char *got;
	size_t i, len;

	text = long_text(2, 4500);
	it = json_pack("{s:s, s:s, s:[s], s:[{s:s, s:s}, {s:s, s:s}], s:s}",
	    "id", "two", "title", "two", "keywords", "两条",
	    "reply", "type", "text", "content", text,
	    "type", "text", "content", "第二条",
	    "reply_mode", "all");
	assert_non_null(it);
	use_kb(f, load_items(json_pack("[o]", it), 2));
	with_sender(f);

	ask_text(f, ALICE, "两条", T0, &a);
	expect_result("all long", &a, "hit", "two");
	got = text_of("all long", &a);
	assert_true(f->sent.n >= 2);
	/* In order: passive part, the rest of the first, the second. */
	len = strlen(got);
	for (i = 0; i < f->sent.n; i++)
		len += f->sent.len[i];
	whole = malloc(len + 1);
	assert_non_null(whole);
	strcpy(whole, got);
	for (i = 0; i < f->sent.n; i++)
		strcat(whole, f->sent.text[i]);
	if (!ends_with(whole, "第二条") ||
	    strncmp(whole, text, strlen(text)) != 0) {
		for (i = 0; i < f->sent.n; i++) {
			if (strcmp(f->sent.text[i], "第二条") == 0)
				break;
		}
		fail_msg("parts out of order: the second reply came as "
		    "message %zu of %zu", i + 2, f->sent.n + 1);
	}
	assert_int_equal(len, strlen(text) + strlen("第二条"));
	free(whole);
	answer_free(&a);
	free(text);
}

/* --- news --- */

static void
expect_articles(const char *label, const struct answer *a, size_t n)
{
	char want[4];
	const char *title;
	size_t i;

	assert_int_equal(a->rc, 0);
	assert_non_null(a->m);
	if (strcmp(a->m->msg_type, "news") != 0)
		fail_msg("%s: reply type %s, want news", label,
		    a->m->msg_type);
	snprintf(want, sizeof want, "%zu", n);
	assert_string_equal(wx_msg_get(a->m, "ArticleCount"), want);
	for (i = 0; i < 3; i++) {
		static const char *const titles[] = {
			"年度报告（一）", "年度报告（二）", "年度报告（三）",
		};

		title = wx_msg_get_nth(a->m, "Articles/item/Title", i);
		if (i >= n) {
			if (title != NULL)
				fail_msg("%s: article %zu present", label,
				    i + 1);
			continue;
		}
		if (title == NULL || strcmp(title, titles[i]) != 0)
			fail_msg("%s: article %zu is \"%s\"", label, i + 1,
			    title != NULL ? title : "(none)");
	}
	assert_string_equal(wx_msg_get(a->m, "Articles/item/Url"),
	    "http://www.example.gov.cn/r1");
}

static void
test_news(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask_text(f, ALICE, "年报", T0, &a);
	expect_result("news to text", &a, "hit", "report");
	expect_articles("news to text", &a, 1);
	answer_free(&a);

	ask(f, ALICE, "voice", "<MediaId><![CDATA[m]]></MediaId>"
	    "<Recognition><![CDATA[年度报告。]]></Recognition>", T0, &a);
	expect_result("news to voice", &a, "hit", "report");
	expect_articles("news to voice", &a, 1);
	answer_free(&a);

	ask_event(f, "CLICK", "REPORT", T0, &a);
	expect_result("news to click", &a, "menu", "report");
	expect_articles("news to click", &a, 3);
	answer_free(&a);

	/* The list's follow-up is a reply to a message too. */
	ask_text(f, ALICE, "年度报", T0, &a);
	expect_result("list", &a, "suggest", "");
	answer_free(&a);
	ask_text(f, ALICE, "1", T0 + 1, &a);
	expect_result("news to follow-up", &a, "followup", "report");
	expect_articles("news to follow-up", &a, 1);
	answer_free(&a);
}

/* --- suggestions with long titles --- */

static const char *const marks[] = { "甲", "乙", "丙" };
static const char *const mark_ids[] = { "t-a", "t-b", "t-c" };

/* Three items close to "测试项目" whose titles are tlen bytes long. */
static struct kb *
long_title_kb(size_t tlen)
{
	static const char *const kws[] = {
		"测试项目一", "测试项目二", "测试项目三",
	};
	json_t *items, *it;
	char *title;
	size_t i, n;

	items = json_array();
	assert_non_null(items);
	for (i = 0; i < 3; i++) {
		title = malloc(tlen + 1);
		assert_non_null(title);
		memcpy(title, marks[i], 3);
		for (n = 3; n + 3 <= tlen; n += 3)
			memcpy(title + n, "长", 3);
		while (n < tlen)
			title[n++] = 'x';
		title[n] = '\0';
		it = json_pack("{s:s, s:s, s:[s], s:{s:s, s:s}}",
		    "id", mark_ids[i], "title", title, "keywords", kws[i],
		    "reply", "type", "text", "content", marks[i]);
		assert_non_null(it);
		json_array_append_new(items, it);
		free(title);
	}
	return load_items(items, 2);
}

static void
test_suggest_long_titles(void **state)
{
	static const size_t tlens[] = { 40, 300, 325, 340, 400, 2000 };
	struct fixture *f = *state;
	struct answer a;
	char label[64], line[16];
	const char *got, *p;
	size_t i, k, want;

	for (i = 0; i < sizeof tlens / sizeof tlens[0]; i++) {
		snprintf(label, sizeof label, "titles of %zu bytes", tlens[i]);
		use_kb(f, long_title_kb(tlens[i]));
		ask_text(f, ALICE, "测试项目", T0, &a);
		if (a.rc != 0)
			fail_msg("%s: dispatch returned %d (no reply)", label,
			    a.rc);
		expect_result(label, &a, "suggest", "");
		got = text_of(label, &a);
		if (strlen(got) > 2048)
			fail_msg("%s: list of %zu bytes", label, strlen(got));
		if (!ends_with(got, TAIL)) {
			p = got + (strlen(got) > 30 ? strlen(got) - 30 : 0);
			while ((*p & 0xc0) == 0x80)
				p++;
			fail_msg("%s: list does not end with " TAIL ": ...%s",
			    label, p);
		}
		/* Line 3 names an item; replying 3 must return that item. */
		p = strstr(got, "3. ");
		if (p == NULL)
			fail_msg("%s: no third line", label);
		p += 3;
		for (want = 0; want < 3; want++) {
			if (strncmp(p, marks[want], 3) == 0)
				break;
		}
		assert_true(want < 3);
		for (k = 1; k <= 2; k++) {
			snprintf(line, sizeof line, "%zu. ", k);
			assert_non_null(strstr(got, line));
		}
		answer_free(&a);
		ask_text(f, ALICE, "3", T0 + 1, &a);
		expect_result(label, &a, "followup", mark_ids[want]);
		expect_text(label, &a, marks[want]);
		answer_free(&a);
	}
}

/* --- generations --- */

/* The generation served now, for comparison only (the dispatcher owns it). */
static struct kb *
current(struct dispatch *d)
{
	struct kb *kb = dispatch_kb_acquire(d);

	kb_unref(kb);
	return kb;
}

static void
test_swap(void **state)
{
	struct fixture *f = *state;
	const struct kb_item *old;
	struct kb_result *res;
	struct answer a;
	struct kb *next, *held;

	assert_ptr_equal(current(f->d), f->kb);
	/* Setting the same generation again keeps it alive. */
	dispatch_set_kb(f->d, current(f->d));
	assert_ptr_equal(current(f->d), f->kb);

	/* A request in flight holds the old generation. */
	held = dispatch_kb_acquire(f->d);
	old = kb_find_id(held, "contact", T0);
	assert_non_null(old);

	next = load_items(json_pack("[o]", text_item("contact", "电话",
	    "新的电话 12345。", NULL)), 2);
	dispatch_set_kb(f->d, next);
	kb_unref(next);
	assert_ptr_equal(current(f->d), next);
	assert_int_equal(kb_generation(current(f->d)), 2);

	ask_text(f, ALICE, "电话", T0, &a);
	expect_result("new generation", &a, "hit", "contact");
	expect_text("new generation", &a, "新的电话 12345。");
	answer_free(&a);

	/* The old generation is intact for whoever holds it. */
	assert_string_equal(old->replies[0].content, CONTACT);
	res = malloc(sizeof *res);
	assert_non_null(res);
	kb_query(held, "电话", strlen("电话"), T0, res);
	assert_int_equal(res->kind, KB_RESULT_HIT);
	assert_string_equal(res->item->replies[0].content, CONTACT);
	free(res);
	assert_int_equal(kb_generation(held), 1);
	kb_unref(held);

	/* The test's own reference (f->kb) is released in teardown. */
	kb_unref(f->kb);
	f->kb = NULL;
	ask_text(f, ALICE, "电话", T0, &a);
	expect_text("after the old one is gone", &a, "新的电话 12345。");
	answer_free(&a);
}

static void
test_no_kb(void **state)
{
	struct fixture *f = *state;
	struct dispatch *d;
	struct wx_msg *msg = NULL;
	struct wx_dispatch_out out;
	static const char xml[] = "<xml><ToUserName><![CDATA[" ACCOUNT
	    "]]></ToUserName><FromUserName><![CDATA[" ALICE
	    "]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA["
	    "text]]></MsgType><Content><![CDATA[电话]]></Content></xml>";

	assert_int_equal(wx_msg_parse(xml, strlen(xml), &msg), WX_MSG_OK);
	d = dispatch_new();
	assert_non_null(d);
	assert_null(current(d));
	memset(&out, 0, sizeof out);
	assert_int_equal(dispatch_message(d, msg, T0, &out), -1);
	assert_null(out.xml);
	dispatch_free(d);

	/* Dropping the generation: no answers, and no leak of it. */
	dispatch_set_kb(f->d, NULL);
	assert_null(current(f->d));
	memset(&out, 0, sizeof out);
	assert_int_equal(dispatch_message(f->d, msg, T0, &out), -1);
	assert_null(out.xml);
	wx_msg_free(msg);
	dispatch_free(NULL);
}

/*
 * A question about a year outside an item's period: which year the
 * figures are from and the phone, never the figure; the list of
 * suggestions ends with the phone.  wxkbctl query and the admin page
 * show the same texts (dispatch_result_text).
 */
static void
test_period(void **state)
{
	struct fixture *f = *state;
	struct kb_result *res;
	struct answer a;
	char text[DISPATCH_SUGGEST_MAX];
	const char *got;
	struct kb *kb;

	use_kb(f, load_items(json_pack("[{s:s, s:s, s:[s], s:{s:s, s:s}, "
	    "s:s}]", "id", "jobs", "title", "公益性岗位", "keywords", "公益岗",
	    "reply", "type", "text", "content", "2020年开发公益性岗位39个。",
	    "period", "2020"), 2));
	ask_text(f, ALICE, "2021年公益岗有几个？", T0, &a);
	expect_result("other year", &a, "hit", "jobs");
	got = text_of("other year", &a);
	assert_string_equal(got, "我们这里的数字来自2020年的年度报告，没有"
	    "2021年的数据，不能拿2020年的数字回答您。更晚年份的情况请致电 "
	    "87841022 咨询。");
	assert_null(strstr(got, "39"));
	answer_free(&a);
	ask_text(f, ALICE, "2019年的公益岗", T0, &a);
	assert_non_null(strstr(text_of("earlier year", &a), "其他年份"));
	answer_free(&a);
	ask_text(f, ALICE, "2020年的公益岗", T0, &a);
	expect_result("its year", &a, "hit", "jobs");
	answer_free(&a);

	res = malloc(sizeof *res);
	assert_non_null(res);
	kb = dispatch_kb_acquire(f->d);
	kb_query(kb, "2021年公益岗", strlen("2021年公益岗"), T0, res);
	assert_int_equal(res->kind, KB_RESULT_PERIOD);
	assert_true(dispatch_result_text(kb, res, text, sizeof text) > 0);
	/* Too small: nothing, not half a sentence. */
	assert_int_equal(dispatch_result_text(kb, res, text, 20), 0);
	kb_query(kb, "公益", strlen("公益"), T0, res);
	assert_int_equal(res->kind, KB_RESULT_SUGGEST);
	assert_true(dispatch_result_text(kb, res, text, sizeof text) > 0);
	assert_true(ends_with(text, "回复数字查看；都不是，请致电 87841022"));
	kb_query(kb, "公益岗", strlen("公益岗"), T0, res);
	assert_int_equal(dispatch_result_text(kb, res, text, sizeof text),
	    0);
	kb_unref(kb);
	free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_text_hit),
		T(test_events),
		T(test_unknown_type),
		T(test_media),
		T(test_suggest),
		T(test_followup),
		T(test_followup_newer_list),
		T(test_miss),
		T(test_no_unanswered_store),
		T(test_expiry),
		T(test_long_text),
		T(test_long_fallback),
		T(test_random_one),
		T(test_all),
		T(test_all_long_first),
		T(test_news),
		T(test_suggest_long_titles),
		T(test_swap),
		T(test_no_kb),
		T(test_period),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
