/*
 * test_wx_errcode — the error-code table of protocol doc §8: the class
 * that decides retry or not, and plain words in English and Chinese.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/wechat/wx_errcode.h"

static const struct {
	long		 code;
	enum wx_errclass cls;
	const char	*en;		/* a phrase of the English text */
	const char	*zh;		/* a phrase of the Chinese text */
} table[] = {
	{ -1, WX_ERRC_RETRY, "busy", "繁忙" },
	{ 0, WX_ERRC_OK, "success", "成功" },
	{ 45011, WX_ERRC_RETRY, "per-minute", "分钟" },
	{ 40001, WX_ERRC_REFRESH, "access_token is invalid", "access_token" },
	{ 40014, WX_ERRC_REFRESH, "malformed", "access_token" },
	{ 42001, WX_ERRC_REFRESH, "expired", "过期" },
	{ 40164, WX_ERRC_FATAL, "IP address is not on the API IP whitelist",
	    "白名单" },
	{ 48001, WX_ERRC_FATAL, "no permission", "没有该接口权限" },
	{ 40125, WX_ERRC_FATAL, "AppSecret is wrong", "AppSecret" },
	{ 40013, WX_ERRC_FATAL, "AppID is wrong", "AppID" },
	{ 40243, WX_ERRC_FATAL, "frozen", "冻结" },
	{ 89503, WX_ERRC_FATAL, "confirmation", "确认" },
	{ 45009, WX_ERRC_QUOTA, "daily quota", "今日调用次数已用完" },
	{ 45047, WX_ERRC_QUOTA, "used up", "条数已用完" },
	{ 45015, WX_ERRC_QUOTA, "48 hours", "48 小时" },
	{ 45028, WX_ERRC_QUOTA, "mass-send quota", "群发" },
	{ 40003, WX_ERRC_RECIPIENT, "not a follower", "关注者" },
	{ 43004, WX_ERRC_RECIPIENT, "no longer follows", "取消关注" },
	{ 40033, WX_ERRC_REQUEST, "literal UTF-8", "UTF-8" },
	{ 40007, WX_ERRC_REQUEST, "media_id", "media_id" },
	{ 45065, WX_ERRC_REQUEST, "clientmsgid", "clientmsgid" },
	{ 40018, WX_ERRC_REQUEST, "name is too long", "名称过长" },
	{ 53503, WX_ERRC_REQUEST, "check before publishing", "发表检查" },
	{ 12345678, WX_ERRC_OTHER, "does not know", "未知错误" },
};

static void
test_table(void **state)
{
	const struct wx_errcode_info *in;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		in = wx_errcode_lookup(table[i].code);
		assert_non_null(in);
		if (wx_errcode_class(table[i].code) != table[i].cls)
			fail_msg("%ld: class %s, want %s", table[i].code,
			    wx_errclass_name(wx_errcode_class(table[i].code)),
			    wx_errclass_name(table[i].cls));
		if (strstr(wx_errcode_text(table[i].code), table[i].en) ==
		    NULL)
			fail_msg("%ld: \"%s\" lacks \"%s\"", table[i].code,
			    wx_errcode_text(table[i].code), table[i].en);
		if (strstr(wx_errcode_text_zh(table[i].code), table[i].zh) ==
		    NULL)
			fail_msg("%ld: \"%s\" lacks \"%s\"", table[i].code,
			    wx_errcode_text_zh(table[i].code), table[i].zh);
	}
}

/* Only -1 and 45011 retry; only the three token codes refresh. */
static void
test_classes_closed(void **state)
{
	long code;
	enum wx_errclass c;
	int retry = 0, refresh = 0;

	(void)state;
	for (code = -1; code < 100000; code++) {
		c = wx_errcode_class(code);
		if (c == WX_ERRC_RETRY) {
			assert_true(code == -1 || code == 45011);
			retry++;
		}
		if (c == WX_ERRC_REFRESH) {
			assert_true(code == 40001 || code == 40014 ||
			    code == 42001);
			refresh++;
		}
	}
	assert_int_equal(retry, 2);
	assert_int_equal(refresh, 3);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(wx_errclass_name(WX_ERRC_QUOTA), "quota");
	assert_string_equal(wx_errclass_name(WX_ERRC_FATAL), "fatal");
	assert_string_equal(wx_errcode_publish_status(0), "published");
	assert_non_null(strstr(wx_errcode_publish_status(4), "review"));
	assert_non_null(strstr(wx_errcode_publish_status(99), "unknown"));
	assert_string_equal(wx_errcode_publish_status_zh(0), "已发布");
	assert_string_equal(wx_errcode_publish_status_zh(4), "未通过平台审核");
	assert_string_equal(wx_errcode_publish_status_zh(99), "处于未知状态");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_classes_closed),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
