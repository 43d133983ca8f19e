/*
 * wx_errcode — the table of WeChat API error codes (protocol doc §7, §8).
 * The words are for operators: they say what is wrong and who must act,
 * not what the platform's errmsg says.
 */
#include <stddef.h>

#include "handlers/wechat/wx_errcode.h"

#define R	WX_ERRC_RETRY
#define F	WX_ERRC_FATAL
#define Q	WX_ERRC_QUOTA
#define U	WX_ERRC_RECIPIENT
#define B	WX_ERRC_REQUEST

static const struct wx_errcode_info wx_errcodes[] = {
	{ -1, R, "the WeChat platform is busy; retried later",
	    "微信平台繁忙，稍后重试" },
	{ 0, WX_ERRC_OK, "success", "成功" },
	{ 40001, WX_ERRC_REFRESH, "the access_token is invalid or was "
	    "replaced (another program may be fetching tokens for this "
	    "AppID), or the AppSecret is wrong",
	    "access_token 无效或已被替换（可能有其他程序在为同一 AppID 获取 "
	    "token），或 AppSecret 错误" },
	{ 40002, F, "invalid grant_type (a client bug)",
	    "grant_type 不合法（客户端错误）" },
	{ 40003, U, "the OpenID is not a follower of this account",
	    "OpenID 无效，或不是本公众号的关注者" },
	{ 40007, B, "the media_id is invalid or has expired; upload the "
	    "file again", "media_id 无效或已过期，请重新上传" },
	{ 40013, F, "the AppID is wrong: check WXKB_APPID",
	    "AppID 错误，请检查 WXKB_APPID" },
	{ 40014, WX_ERRC_REFRESH, "the access_token is malformed or "
	    "belongs to another account",
	    "access_token 格式错误或不属于本账号" },
	{ 40016, B, "the menu has a wrong number of buttons",
	    "菜单按钮个数不合法" },
	{ 40017, B, "a menu button has an invalid type",
	    "菜单按钮类型不合法" },
	{ 40018, B, "a menu button name is too long",
	    "菜单按钮名称过长" },
	{ 40019, B, "a menu button key is too long",
	    "菜单按钮 key 过长" },
	{ 40020, B, "a menu button URL is too long",
	    "菜单按钮链接过长" },
	{ 40023, B, "a menu has a wrong number of sub-buttons",
	    "子菜单按钮个数不合法" },
	{ 40024, B, "a menu sub-button has an invalid type",
	    "子菜单按钮类型不合法" },
	{ 40025, B, "a menu sub-button name is too long",
	    "子菜单按钮名称过长" },
	{ 40026, B, "a menu sub-button key is too long",
	    "子菜单按钮 key 过长" },
	{ 40027, B, "a menu sub-button URL is too long",
	    "子菜单按钮链接过长" },
	{ 40033, B, "the request had \\uXXXX escapes; the platform wants "
	    "literal UTF-8 (a client bug)",
	    "请求含有 \\uXXXX 转义字符，平台只接受 UTF-8 原文（客户端错误）" },
	{ 40125, F, "the AppSecret is wrong: check WXKB_APPSECRET (it may "
	    "have been reset on the platform)",
	    "AppSecret 错误，请检查 WXKB_APPSECRET（可能已在平台重置）" },
	{ 40164, F, "this server's IP address is not on the API IP "
	    "whitelist: add it on the platform (设置与开发 > 基本配置)",
	    "服务器 IP 不在接口 IP 白名单中，请在公众平台“基本配置”中添加" },
	{ 40243, F, "the AppSecret is frozen: an admin must unfreeze it on "
	    "the platform", "AppSecret 已被冻结，需管理员在公众平台解冻" },
	{ 41001, B, "the access_token is missing (a client bug)",
	    "缺少 access_token（客户端错误）" },
	{ 41004, F, "the AppSecret is missing: set WXKB_APPSECRET",
	    "缺少 AppSecret，请设置 WXKB_APPSECRET" },
	{ 42001, WX_ERRC_REFRESH, "the access_token has expired",
	    "access_token 已过期" },
	{ 43002, B, "the API must be called with POST (a client bug)",
	    "该接口须使用 POST 请求（客户端错误）" },
	{ 43004, U, "the recipient no longer follows the account",
	    "接收者已取消关注" },
	{ 44002, B, "the request body was empty (a client bug)",
	    "请求内容为空（客户端错误）" },
	{ 45002, B, "the content is too long", "内容超出长度限制" },
	{ 45008, B, "the article is too big, or more than one article was "
	    "sent", "图文消息超出大小限制或超过 1 篇" },
	{ 45009, Q, "the daily quota of this API is used up; it resets at "
	    "midnight (or an admin can reset it, 10 times a month)",
	    "该接口今日调用次数已用完，次日零点恢复"
	    "（管理员每月可清零 10 次）" },
	{ 45011, R, "the per-minute call limit was reached; retried in the "
	    "next minute", "接口调用过于频繁（分钟级限制），下一分钟重试" },
	{ 45015, Q, "the follower has not written to the account within "
	    "48 hours (or unfollowed): customer-service messages are not "
	    "allowed now",
	    "用户 48 小时内未与公众号互动（或已取消关注），"
	    "当前不能发送客服消息" },
	{ 45028, Q, "no mass-send quota is left for now",
	    "群发次数已用完" },
	{ 45047, Q, "the customer-service messages allowed since the "
	    "follower's last interaction are used up",
	    "本次互动允许的客服消息条数已用完" },
	{ 45065, B, "the same mass send (clientmsgid) was already submitted "
	    "within 24 hours", "相同 clientmsgid 的群发 24 小时内已提交过" },
	{ 45066, Q, "mass sends are retried too fast; wait a minute",
	    "群发重试过快，请稍候" },
	{ 45067, B, "the clientmsgid is too long", "clientmsgid 过长" },
	{ 45166, B, "the article content was refused as invalid",
	    "图文内容不合法" },
	{ 46003, B, "no custom menu exists", "自定义菜单不存在" },
	{ 47001, B, "the request data is malformed (a client bug)",
	    "请求数据格式错误（客户端错误）" },
	{ 48001, F, "this account has no permission for this API (it needs "
	    "a verified account or a service account)",
	    "本账号没有该接口权限（需认证订阅号或服务号）" },
	{ 48004, F, "this API is banned for the account: see the platform "
	    "notice", "该接口已被封禁，请查看公众平台通知" },
	{ 48006, Q, "the quota-reset allowance of this month is used up",
	    "本月清零次数已用完" },
	{ 50002, U, "the recipient is restricted by the platform",
	    "用户受限，可能违反了平台规则" },
	{ 50004, F, "the platform forbids getting a token for this account",
	    "平台禁止本账号调用获取 token 接口" },
	{ 50007, F, "the account is frozen", "账号已冻结" },
	{ 53503, B, "the draft failed the platform's check before "
	    "publishing; fix it on the platform",
	    "草稿未通过发表检查，请在公众平台检查修改" },
	{ 53504, B, "this draft must be published from the platform's web "
	    "page", "该草稿需在公众平台网页发表" },
	{ 53505, B, "the draft must be saved on the platform by hand "
	    "first", "请先在公众平台手动保存该草稿" },
	{ 65316, B, "the menu links to more than 3 outside domains",
	    "菜单外链域名超过 3 个" },
	{ 89503, F, "this IP's API call waits for an admin's confirmation "
	    "on the platform", "此 IP 调用需要管理员在公众平台确认" },
	{ 89506, F, "an admin refused API calls from this IP; retry after "
	    "24 hours", "管理员拒绝了此 IP 的调用，24 小时后再试" },
	{ 89507, F, "an admin refused API calls from this IP; retry after "
	    "1 hour", "管理员拒绝了此 IP 的调用，1 小时后再试" },
};

static const struct wx_errcode_info wx_errcode_unknown = {
	0, WX_ERRC_OTHER, "an error the client does not know; see errmsg",
	"未知错误，请查看 errmsg"
};

const struct wx_errcode_info *
wx_errcode_lookup(long code)
{
	size_t i;

	for (i = 0; i < sizeof wx_errcodes / sizeof wx_errcodes[0]; i++) {
		if (wx_errcodes[i].code == code)
			return &wx_errcodes[i];
	}
	return &wx_errcode_unknown;
}

enum wx_errclass
wx_errcode_class(long code)
{
	return wx_errcode_lookup(code)->cls;
}

const char *
wx_errcode_text(long code)
{
	return wx_errcode_lookup(code)->text;
}

const char *
wx_errcode_text_zh(long code)
{
	return wx_errcode_lookup(code)->text_zh;
}

const char *
wx_errclass_name(enum wx_errclass cls)
{
	switch (cls) {
	case WX_ERRC_OK:
		return "ok";
	case WX_ERRC_RETRY:
		return "retry";
	case WX_ERRC_REFRESH:
		return "refresh";
	case WX_ERRC_FATAL:
		return "fatal";
	case WX_ERRC_QUOTA:
		return "quota";
	case WX_ERRC_RECIPIENT:
		return "recipient";
	case WX_ERRC_REQUEST:
		return "request";
	case WX_ERRC_OTHER:
		break;
	}
	return "other";
}

const char *
wx_errcode_publish_status(long status)
{
	switch (status) {
	case 0:
		return "published";
	case 1:
		return "still publishing";
	case 2:
		return "refused: the originality check failed";
	case 3:
		return "failed (general failure)";
	case 4:
		return "refused by the platform's review";
	case 5:
		return "deleted by the user after publishing";
	case 6:
		return "banned by the platform after publishing";
	}
	return "in an unknown state";
}

const char *
wx_errcode_publish_status_zh(long status)
{
	switch (status) {
	case 0:
		return "已发布";
	case 1:
		return "仍在发布中";
	case 2:
		return "未通过原创校验";
	case 3:
		return "发布失败（常规失败）";
	case 4:
		return "未通过平台审核";
	case 5:
		return "发布后已被删除";
	case 6:
		return "发布后被平台封禁";
	}
	return "处于未知状态";
}
