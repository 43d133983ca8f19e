/*
 * test_wx_autoreply — importing the platform's auto-reply rules: the
 * fake's rules fetched and converted into a knowledge base that loads
 * without an error and answers as the platform did; and a table of the
 * awkward cases (duplicate exact keywords, unusable keywords and replies,
 * too many replies or keywords, no follow reply).
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
#include "handlers/wechat/wx_autoreply.h"
#include "kb/kb.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "tests/unit/wx_fx.h"

/* Load kbj as `wxkbctl check` would; fails the test on any error. */
static struct kb *
must_load(json_t *kbj)
{
	struct kb_diag diag;
	struct kb *kb = NULL;
	char *text = json_dumps(kbj, JSON_COMPACT), *msg;
	int r;

	assert_non_null(text);
	memset(&diag, 0, sizeof diag);
	r = kb_load_buffer(text, strlen(text), 1, &kb, &diag);
	if (r != KB_OK || diag.nerrors != 0) {
		msg = kb_diag_format(&diag, "import");
		fail_msg("not a valid knowledge base:\n%s\n%s", msg, text);
	}
	kb_diag_cleanup(&diag);
	free(text);
	return kb;
}

struct got {
	int		 done;
	int		 err;
	long		 errcode;
	json_t		*json;
};

static void
got_cb(void *arg, const struct wx_api_res *res)
{
	struct got *g = arg;

	g->done = 1;
	g->err = res->err;
	g->errcode = res->errcode;
	g->json = json_incref(res->json);
}

/* The fake's rules, fetched and imported, answer as on the platform. */
static void
test_fetch_and_import(void **state)
{
	struct wx_fx x;
	struct wx_api *api;
	struct kb_result res;
	struct kb *kb;
	struct got g;
	json_t *kbj, *items, *it;
	char *warn = NULL, *cause = NULL;
	const struct kb_item *ki;
	time_t now = time(NULL);

	(void)state;
	wx_fx_open(&x, "test_wx_autoreply");
	api = wx_fx_api(&x, NULL);
	memset(&g, 0, sizeof g);
	assert_non_null(wx_autoreply_fetch(api, got_cb, &g));
	assert_true(wx_fake_run(x.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_int_equal(wx_autoreply_convert(g.json, "山海小王哥庄", &kbj,
	    &warn, &cause), 0);
	assert_null(warn);

	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    kbj, "welcome"), "content")), "欢迎关注山海小王哥庄！");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    kbj, "fallback"), "content")), "您好，请留言，我们会尽快回复。");
	items = json_object_get(kbj, "items");
	assert_int_equal(json_array_size(items), 3);
	/* "办事电话": equal -> exact item, contain -> contains item. */
	it = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(it, "id")),
	    "import-1");
	assert_string_equal(json_string_value(json_object_get(it, "match")),
	    "exact");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    it, "keywords"), 0)), "联系方式");
	assert_string_equal(json_string_value(json_object_get(it,
	    "reply_mode")), "all");
	assert_int_equal(json_array_size(json_object_get(it, "reply")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(it, "reply"), 1), "type")), "news");
	assert_memory_equal(json_string_value(json_object_get(it, "updated")),
	    "2015-02-0", 9);
	it = json_array_get(items, 1);
	assert_string_equal(json_string_value(json_object_get(it, "match")),
	    "contains");
	assert_string_equal(json_string_value(json_object_get(it, "title")),
	    "办事电话");
	/* "图片": random_one, img -> image, voice -> voice. */
	it = json_array_get(items, 2);
	assert_string_equal(json_string_value(json_object_get(it,
	    "reply_mode")), "random_one");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(it, "reply"), 0), "type")), "image");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(it, "reply"), 0), "media_id")), "MEDIA_IMG_1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(it, "reply"), 1), "type")), "voice");

	kb = must_load(kbj);
	kb_query(kb, "联系方式", strlen("联系方式"), now, &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "import-1");
	kb_query(kb, "请问办事电话是多少", strlen("请问办事电话是多少"), now,
	    &res);
	assert_int_equal(res.kind, KB_RESULT_HIT);
	assert_string_equal(res.item->id, "import-2");
	ki = kb_find_id(kb, "import-2", now);
	assert_int_equal(ki->reply_mode, KB_MODE_ALL);
	assert_int_equal(ki->nreplies, 2);
	assert_string_equal(ki->replies[1].articles[0].url,
	    "http://mp.weixin.qq.com/s/abc");
	kb_unref(kb);

	json_decref(kbj);
	json_decref(g.json);
	wx_api_free(api);
	wx_fx_close_absent(&x, NULL);
}

/* A refusal of the fetch comes back as such. */
static void
test_fetch_refused(void **state)
{
	struct wx_fx x;
	struct wx_api *api;
	struct got g;

	(void)state;
	wx_fx_open(&x, "test_wx_autoreply");
	api = wx_fx_api(&x, NULL);
	assert_int_equal(wx_fake_control(&x.fake, "{\"fail\":48001,\"path\":"
	    "\"/cgi-bin/get_current_autoreply_info\"}"), 0);
	memset(&g, 0, sizeof g);
	assert_non_null(wx_autoreply_fetch(api, got_cb, &g));
	assert_true(wx_fake_run(x.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_ERRCODE);
	assert_int_equal(g.errcode, 48001);
	json_decref(g.json);
	wx_api_free(api);
	wx_fx_close_absent(&x, NULL);
}

#define RULE(name, mode, kws, replies)					\
	"{\"rule_name\":\"" name "\",\"reply_mode\":\"" mode "\","	\
	"\"keyword_list_info\":[" kws "],\"reply_list_info\":[" replies "]}"
#define KW(mm, s)	"{\"type\":\"text\",\"match_mode\":\"" mm "\"," \
			"\"content\":\"" s "\"}"
#define TXT(s)		"{\"type\":\"text\",\"content\":\"" s "\"}"
#define INFO(rules)	"{\"is_add_friend_reply_open\":0,"		\
			"\"is_autoreply_open\":1,"			\
			"\"keyword_autoreply_info\":{\"list\":[" rules "]}}"

static const struct {
	const char	*name;
	const char	*info;
	size_t		 nitems;	/* items made */
	const char	*warn;		/* in the warnings, or NULL */
	const char	*check;		/* "path=value" on items[0], or NULL */
} cases[] = {
	{ "single reply is an object", INFO(RULE("a", "reply_all",
	    KW("contain", "甲"), TXT("一"))), 1, "welcome",
	    "reply.type=text" },
	{ "duplicate exact keyword", INFO(RULE("a", "reply_all",
	    KW("equal", "你好"), TXT("一")) "," RULE("b", "reply_all",
	    KW("equal", "你好") "," KW("contain", "乙"), TXT("二"))), 2,
	    "already belongs to rule \"a\"", NULL },
	{ "video left out", INFO(RULE("v", "reply_all", KW("contain", "视频"),
	    "{\"type\":\"video\",\"content\":\"http://x/v.mp4\"}")), 0,
	    "video reply", NULL },
	{ "video among others", INFO(RULE("v", "random_one",
	    KW("contain", "视频"), "{\"type\":\"video\",\"content\":\"u\"},"
	    TXT("看这里"))), 1, "video reply", "reply.content=看这里" },
	{ "keyword too long", INFO(RULE("l", "reply_all",
	    KW("contain", "一二三四五六七八九十一二三四五六七八九十一二三")
	    "," KW("contain", "短"), TXT("x"))), 1, "longer than 64",
	    "keywords.0=短" },
	{ "keyword of punctuation", INFO(RULE("p", "reply_all",
	    KW("contain", "！！？") "," KW("contain", "好"), TXT("x"))), 1,
	    "no letter or digit", "keywords.0=好" },
	{ "too many replies", INFO(RULE("m", "reply_all", KW("contain", "多"),
	    TXT("1") "," TXT("2") "," TXT("3") "," TXT("4") "," TXT("5") ","
	    TXT("6") "," TXT("7") "," TXT("8") "," TXT("9"))), 1,
	    "first 8 replies", "reply_mode=all" },
	{ "no keyword", INFO(RULE("n", "reply_all", "", TXT("x"))), 0,
	    "no keyword", NULL },
	{ "empty reply list", INFO(RULE("e", "reply_all", KW("contain", "空"),
	    "")), 0, "no reply could be carried over", NULL },
	{ "news without link", INFO(RULE("n", "reply_all", KW("contain", "新"),
	    "{\"type\":\"news\",\"news_info\":{\"list\":[{\"title\":\"t\"}]}},"
	    TXT("x"))), 1, "without title or link", "reply.content=x" },
};

/* "a.b.0=v" on item: walk objects and arrays, compare the string. */
static void
check_path(json_t *item, const char *spec)
{
	char buf[256], *p, *eq, *tok, *save = NULL;
	json_t *j = item;

	snprintf(buf, sizeof buf, "%s", spec);
	eq = strchr(buf, '=');
	assert_non_null(eq);
	*eq = '\0';
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		p = tok;
		if (*p >= '0' && *p <= '9')
			j = json_array_get(j, (size_t)atoi(p));
		else
			j = json_object_get(j, p);
	}
	if (json_string_value(j) == NULL || strcmp(json_string_value(j),
	    eq + 1) != 0)
		fail_msg("%s: got %s", spec, json_string_value(j));
}

static void
test_convert_cases(void **state)
{
	json_error_t jerr;
	json_t *info, *kbj;
	struct kb *kb;
	char *warn, *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		info = json_loads(cases[i].info, 0, &jerr);
		if (info == NULL)
			fail_msg("%s: %s", cases[i].name, jerr.text);
		assert_int_equal(wx_autoreply_convert(info, NULL, &kbj, &warn,
		    &cause), 0);
		if (json_array_size(json_object_get(kbj, "items")) !=
		    cases[i].nitems)
			fail_msg("%s: %zu items", cases[i].name,
			    json_array_size(json_object_get(kbj, "items")));
		if (cases[i].warn != NULL && (warn == NULL ||
		    strstr(warn, cases[i].warn) == NULL))
			fail_msg("%s: warnings \"%s\" lack \"%s\"",
			    cases[i].name, warn, cases[i].warn);
		if (cases[i].check != NULL)
			check_path(json_array_get(json_object_get(kbj,
			    "items"), 0), cases[i].check);
		kb = must_load(kbj);
		kb_unref(kb);
		free(warn);
		json_decref(kbj);
		json_decref(info);
	}
}

/* 40 keywords: two items of 32 and 8. */
static void
test_many_keywords(void **state)
{
	json_t *info, *kws, *kbj, *items;
	char kw[16], *warn, *cause;
	struct kb *kb;
	int i;

	(void)state;
	kws = json_array();
	for (i = 0; i < 40; i++) {
		snprintf(kw, sizeof kw, "词%d", i);
		json_array_append_new(kws, json_pack("{s:s,s:s,s:s}", "type",
		    "text", "match_mode", "contain", "content", kw));
	}
	info = json_pack("{s:i,s:{s:[{s:s,s:s,s:o,s:[{s:s,s:s}]}]}}",
	    "is_autoreply_open", 1, "keyword_autoreply_info", "list",
	    "rule_name", "多词", "reply_mode", "reply_all",
	    "keyword_list_info", kws, "reply_list_info", "type", "text",
	    "content", "答");
	assert_non_null(info);
	assert_int_equal(wx_autoreply_convert(info, "acc", &kbj, &warn,
	    &cause), 0);
	items = json_object_get(kbj, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(items,
	    0), "keywords")), KB_MAX_KEYWORDS);
	assert_int_equal(json_array_size(json_object_get(json_array_get(items,
	    1), "keywords")), 8);
	assert_string_equal(json_string_value(json_object_get(kbj, "account")),
	    "acc");
	kb = must_load(kbj);
	kb_unref(kb);
	free(warn);
	json_decref(kbj);
	json_decref(info);
}

static void
test_not_autoreply(void **state)
{
	json_t *kbj = NULL, *j = json_pack("{s:i}", "errcode", 0);
	char *warn = NULL, *cause = NULL;

	(void)state;
	assert_int_equal(wx_autoreply_convert(j, NULL, &kbj, &warn, &cause),
	    -1);
	assert_null(kbj);
	assert_non_null(cause);
	free(cause);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_and_import),
		cmocka_unit_test(test_fetch_refused),
		cmocka_unit_test(test_convert_cases),
		cmocka_unit_test(test_many_keywords),
		cmocka_unit_test(test_not_autoreply),
	};

	log_init("test_wx_autoreply", LOG_ERR);
	log_force_stderr(1);
	metrics_reset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
