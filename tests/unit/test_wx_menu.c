/*
 * test_wx_menu — the custom menu: building from entries and from the
 * knowledge base (groups, order, the byte limits of §7.9), then
 * menu/create and menu/get against the fake WeChat API.
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
#include "handlers/wechat/wx_menu.h"
#include "kb/kb.h"
#include "tests/unit/wx_fx.h"

#define E(g, n, k)	{ (g), (n), (k), NULL }
#define LONGKEY	"KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK" \
		"KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK" \
		"KKKKKKKKK"		/* 129 bytes */

/* Table of builds: entries, and the menu JSON or the problem. */
static const struct {
	const char	*name;
	struct wx_menu_entry e[8];
	size_t		 n;
	const char	*want;		/* expected JSON, or NULL */
	const char	*err;		/* expected in the cause, or NULL */
	int		 nerr;		/* lines in the cause */
} builds[] = {
	{ "three top-level", { E(NULL, "电话", "A"), E(NULL, "年报", "B"),
	    E(NULL, "地图", "C") }, 3,
	    "{\"button\":[{\"type\":\"click\",\"name\":\"电话\",\"key\":\"A\"},"
	    "{\"type\":\"click\",\"name\":\"年报\",\"key\":\"B\"},"
	    "{\"type\":\"click\",\"name\":\"地图\",\"key\":\"C\"}]}", NULL, 0 },
	{ "groups keep order", { E("办事", "户籍办理流程", "A"),
	    E(NULL, "年报", "B"), E("办事", "社保卡", "C") }, 3,
	    "{\"button\":[{\"name\":\"办事\",\"sub_button\":["
	    "{\"type\":\"click\",\"name\":\"户籍办理流程\",\"key\":\"A\"},"
	    "{\"type\":\"click\",\"name\":\"社保卡\",\"key\":\"C\"}]},"
	    "{\"type\":\"click\",\"name\":\"年报\",\"key\":\"B\"}]}", NULL, 0 },
	{ "4 Chinese characters fit at the top", { E(NULL, "一二三四", "A"),
	    E(NULL, "Map12345", "B") }, 2,
	    "{\"button\":[{\"type\":\"click\",\"name\":\"一二三四\","
	    "\"key\":\"A\"},{\"type\":\"click\",\"name\":\"Map12345\","
	    "\"key\":\"B\"}]}", NULL, 0 },
	{ "8 fit below", { E("组", "一二三四五六七八", "A") }, 1,
	    "{\"button\":[{\"name\":\"组\",\"sub_button\":[{\"type\":\"click\","
	    "\"name\":\"一二三四五六七八\",\"key\":\"A\"}]}]}",
	    NULL, 0 },
	{ "top name wider than shown", { E(NULL, "一二三四五", "A") }, 1, NULL,
	    "5 Chinese characters wide; WeChat shows 4", 1 },
	{ "top name of letters", { E(NULL, "Map123456", "A") }, 1, NULL,
	    "WeChat shows 4 on a top-level button", 1 },
	{ "sub name wider than shown", { E("组", "一二三四五六七八a", "A") },
	    1, NULL, "9 Chinese characters wide; WeChat shows 8", 1 },
	{ "group name too long", { E("一二三四五六", "a", "A") }, 1, NULL,
	    "menu_group", 1 },
	{ "four top-level", { E(NULL, "a", "A"), E(NULL, "b", "B"),
	    E("g", "c", "C"), E(NULL, "d", "D") }, 4, NULL,
	    "4 top-level buttons", 1 },
	{ "six in a group", { E("g", "a", "A"), E("g", "b", "B"),
	    E("g", "c", "C"), E("g", "d", "D"), E("g", "e", "E"),
	    E("g", "f", "F") }, 6, NULL, "more than 5", 1 },
	{ "key too long", { E(NULL, "a", LONGKEY) }, 1, NULL,
	    "129 bytes", 1 },
	{ "key twice", { E(NULL, "a", "A"), E(NULL, "b", "A") }, 2, NULL,
	    "used twice", 1 },
	{ "empty", { E(NULL, NULL, NULL) }, 0, NULL, "would be empty", 1 },
	{ "every problem named", { E(NULL, "一二三四五六", "A"),
	    E(NULL, "", "B"), E(NULL, "b", ""), E(NULL, "c", "C") }, 4, NULL,
	    "4 top-level", 4 },
};

static void
test_build(void **state)
{
	json_t *menu, *want;
	json_error_t jerr;
	char *cause, *p;
	size_t i;
	int lines;

	(void)state;
	for (i = 0; i < sizeof builds / sizeof builds[0]; i++) {
		menu = NULL;
		cause = NULL;
		if (builds[i].want != NULL) {
			if (wx_menu_build(builds[i].e, builds[i].n, &menu,
			    &cause) != 0)
				fail_msg("%s: %s", builds[i].name, cause);
			want = json_loads(builds[i].want, 0, &jerr);
			assert_non_null(want);
			if (!json_equal(menu, want))
				fail_msg("%s: got %s", builds[i].name,
				    json_dumps(menu, JSON_COMPACT));
			json_decref(want);
			json_decref(menu);
			continue;
		}
		assert_int_equal(wx_menu_build(builds[i].e, builds[i].n, &menu,
		    &cause), -1);
		assert_null(menu);
		assert_non_null(cause);
		if (strstr(cause, builds[i].err) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", builds[i].name,
			    cause, builds[i].err);
		for (lines = 1, p = cause; *p != '\0'; p++)
			lines += *p == '\n';
		assert_int_equal(lines, builds[i].nerr);
		free(cause);
	}
}

static const char kb_text[] =
"{\"version\":1,\"account\":\"测试\","
"\"welcome\":{\"type\":\"text\",\"content\":\"欢迎\"},"
"\"fallback\":{\"type\":\"text\",\"content\":\"没有找到\"},"
"\"items\":["
"{\"id\":\"huji\",\"title\":\"户籍办理\",\"keywords\":[\"户籍\"],"
"\"menu_key\":\"HUJI\",\"menu_group\":\"办事指南\","
"\"reply\":{\"type\":\"text\",\"content\":\"户籍…\"}},"
"{\"id\":\"report\",\"title\":\"王哥庄街道2020年政府信息公开工作年度报告\","
"\"keywords\":[\"年报\"],\"menu_name\":\"年报\","
"\"menu_key\":\"REPORT\",\"reply\":{\"type\":\"text\",\"content\":\"年报…\"}},"
"{\"id\":\"plain\",\"title\":\"无菜单\",\"keywords\":[\"无菜单\"],"
"\"reply\":{\"type\":\"text\",\"content\":\"…\"}},"
"{\"id\":\"old\",\"title\":\"旧通知\",\"keywords\":[\"旧通知\"],"
"\"menu_key\":\"OLD\",\"valid_until\":\"2001-01-01\","
"\"reply\":{\"type\":\"text\",\"content\":\"…\"}},"
"{\"id\":\"sheb\",\"title\":\"社保卡办理\",\"keywords\":[\"社保\"],"
"\"menu_key\":\"SHEBAO\",\"menu_group\":\"办事指南\","
"\"reply\":{\"type\":\"text\",\"content\":\"社保…\"}}]}";

static const char kb_menu[] =
"{\"button\":[{\"name\":\"办事指南\",\"sub_button\":["
"{\"type\":\"click\",\"name\":\"户籍办理\",\"key\":\"HUJI\"},"
"{\"type\":\"click\",\"name\":\"社保卡办理\",\"key\":\"SHEBAO\"}]},"
"{\"type\":\"click\",\"name\":\"年报\",\"key\":\"REPORT\"}]}";

static struct kb *
load_kb(void)
{
	struct kb *kb = NULL;
	struct kb_diag diag;

	memset(&diag, 0, sizeof diag);
	assert_int_equal(kb_load_buffer(kb_text, strlen(kb_text), 1, &kb,
	    &diag), KB_OK);
	kb_diag_cleanup(&diag);
	return kb;
}

/*
 * Items with menu_key, grouped by menu_group, named by menu_name (else
 * the title); expired ones left out.
 */
static void
test_from_kb(void **state)
{
	struct kb *kb = load_kb();
	json_t *menu = NULL, *want;
	json_error_t jerr;
	char *cause = NULL, *text;

	(void)state;
	assert_int_equal(wx_menu_from_kb(kb, time(NULL), &menu, &cause), 0);
	want = json_loads(kb_menu, 0, &jerr);
	assert_non_null(want);
	assert_true(json_equal(menu, want));
	text = wx_menu_text(menu);
	assert_string_equal(text, "办事指南\n  户籍办理  (click HUJI)\n"
	    "  社保卡办理  (click SHEBAO)\n年报  (click REPORT)\n");
	free(text);
	json_decref(want);
	json_decref(menu);
	kb_unref(kb);
}

struct fx {
	struct wx_fx	 fx;
	struct wx_api	*api;
};

struct got {
	int		 done;
	int		 err;
	long		 errcode;
	char		 message[512];
	json_t		*json;
};

static void
got_cb(void *arg, const struct wx_api_res *res)
{
	struct got *g = arg;

	g->done = 1;
	g->err = res->err;
	g->errcode = res->errcode;
	snprintf(g->message, sizeof g->message, "%s", res->message);
	g->json = json_incref(res->json);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	wx_fx_open(&f->fx, "test_wx_menu");
	f->api = wx_fx_api(&f->fx, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	wx_api_free(f->api);
	wx_fx_close_absent(&f->fx, NULL);
	free(f);
	return 0;
}

/* Sync creates exactly the built menu; get shows it back. */
static void
test_sync_and_get(void **state)
{
	struct fx *f = *state;
	struct kb *kb = load_kb();
	struct got g;
	json_t *want, *reqs;
	json_error_t jerr;
	char *cause = NULL, *text;

	memset(&g, 0, sizeof g);
	assert_non_null(wx_menu_get(f->api, got_cb, &g));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.errcode, 46003);
	assert_non_null(strstr(g.message, "no custom menu"));
	json_decref(g.json);

	memset(&g, 0, sizeof g);
	assert_non_null(wx_menu_sync(f->api, kb, time(NULL), got_cb, &g,
	    &cause));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	json_decref(g.json);
	want = json_loads(kb_menu, 0, &jerr);
	reqs = wx_fake_requests(&f->fx.fake, "/cgi-bin/menu/create");
	assert_int_equal(json_array_size(reqs), 1);
	assert_true(json_equal(json_object_get(json_array_get(reqs, 0),
	    "body"), want));
	json_decref(reqs);

	memset(&g, 0, sizeof g);
	assert_non_null(wx_menu_get(f->api, got_cb, &g));
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_OK);
	assert_true(json_equal(json_object_get(g.json, "menu"), want));
	text = wx_menu_text(g.json);
	assert_non_null(strstr(text, "  社保卡办理  (click SHEBAO)\n"));
	free(text);
	json_decref(g.json);
	json_decref(want);
	kb_unref(kb);
}

/* A menu that breaks a rule is refused before any request. */
static void
test_sync_refused(void **state)
{
	struct fx *f = *state;
	static const char bad[] =
	    "{\"version\":1,\"account\":\"a\","
	    "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	    "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},"
	    "\"items\":[{\"id\":\"x\",\"title\":\"街道党政办公室联系方式\","
	    "\"keywords\":[\"电话\"],\"menu_key\":\"CONTACT\","
	    "\"reply\":{\"type\":\"text\",\"content\":\"c\"}}]}";
	struct kb *kb = NULL;
	struct got g;
	char *cause = NULL;

	assert_int_equal(kb_load_buffer(bad, strlen(bad), 1, &kb, NULL),
	    KB_OK);
	memset(&g, 0, sizeof g);
	assert_null(wx_menu_sync(f->api, kb, time(NULL), got_cb, &g,
	    &cause));
	assert_non_null(strstr(cause, "item x: name"));
	assert_non_null(strstr(cause, "11 Chinese characters wide"));
	assert_non_null(strstr(cause, "give the item a shorter menu_name"));
	free(cause);
	wx_fake_spin(f->fx.base, 100);
	assert_false(g.done);
	assert_int_equal(wx_fake_count(&f->fx.fake, NULL), 0);
	kb_unref(kb);
}

/* The platform's own refusal comes back in plain words. */
static void
test_platform_refusal(void **state)
{
	struct fx *f = *state;
	json_t *menu;
	json_error_t jerr;
	struct got g;

	menu = json_loads("{\"button\":[{\"type\":\"click\",\"name\":"
	    "\"一二三四五六\",\"key\":\"A\"}]}", 0, &jerr);
	memset(&g, 0, sizeof g);
	assert_non_null(wx_menu_create(f->api, menu, got_cb, &g));
	json_decref(menu);
	assert_true(wx_fake_run(f->fx.base, &g.done, 5000));
	assert_int_equal(g.err, WX_API_ERR_ERRCODE);
	assert_int_equal(g.errcode, 40018);
	assert_int_equal(wx_errcode_class(g.errcode), WX_ERRC_REQUEST);
	assert_non_null(strstr(g.message, "name is too long"));
	json_decref(g.json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_from_kb),
		cmocka_unit_test_setup_teardown(test_sync_and_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_platform_refusal, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
