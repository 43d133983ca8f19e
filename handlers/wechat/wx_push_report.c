/*
 * wx_push_report — a push's report for the admin API (JSON, with the
 * reason in Chinese for the page) and for a person (lines of text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_errcode.h"
#include "handlers/wechat/wx_push.h"

static const struct {
	unsigned	 step;
	const char	*name;
	const char	*zh;
} push_steps[] = {
	{ WX_PUSH_THUMB, "thumb", "上传封面图片" },
	{ WX_PUSH_DRAFT, "draft", "保存草稿" },
	{ WX_PUSH_PUBLISH, "publish", "发布" },
	{ WX_PUSH_PREVIEW, "preview", "发送预览" },
	{ WX_PUSH_MASS, "mass_send", "群发" },
};

static const char *
push_step_state(const struct wx_push_report *r, unsigned step)
{
	if (r->failed == step)
		return "failed";
	if (r->done & step)
		return "done";
	if (r->skipped & step)
		return "skipped";
	if (r->active && r->running == step)
		return "running";
	if (r->active && (r->asked & step))
		return "waiting";
	return "-";
}

/* Why a push stopped, in Chinese for the admin page ("" on success). */
static void
push_message_zh(const struct wx_push_report *r, char *buf, size_t size)
{
	const char *step = "推送", *why;
	size_t i;

	*buf = '\0';
	if (r->active || r->err == WX_PUSH_OK)
		return;
	for (i = 0; i < sizeof push_steps / sizeof push_steps[0]; i++)
		if (push_steps[i].step == r->failed)
			step = push_steps[i].zh;
	switch (r->err) {
	case WX_PUSH_ERR_API:
		if (r->errcode != 0)
			why = wx_errcode_text_zh(r->errcode);
		else if (r->api_err == WX_API_ERR_TOKEN ||
		    r->api_err == WX_API_ERR_BREAKER)
			why = "取不到微信接口凭证，请检查 AppSecret 和公众号"
			    "后台的 IP 白名单";
		else
			why = "没有连上微信服务器，或微信的回答不完整，请稍后"
			    "再试";
		snprintf(buf, size, "%s失败：%s", step, why);
		return;
	case WX_PUSH_ERR_PUBLISH:
		snprintf(buf, size, "发布失败：文章%s",
		    wx_errcode_publish_status_zh(r->publish_status));
		return;
	case WX_PUSH_ERR_TIMEOUT:
		snprintf(buf, size, "文章仍在发布中。稍后再点一次同样的按钮，"
		    "会接着查看发布结果，不会重复发送");
		return;
	case WX_PUSH_ERR_STATE:
		snprintf(buf, size, "%s失败：服务器无法记录推送进度（磁盘已"
		    "满或目录不可写）", step);
		return;
	case WX_PUSH_ERR_NOMEM:
		snprintf(buf, size, "%s失败：服务器内存不足", step);
		return;
	default:
		snprintf(buf, size, "%s失败", step);
	}
}

json_t *
wx_push_report_json(const struct wx_push_report *r)
{
	json_t *steps = json_object(), *j;
	char zh[512];
	size_t i;

	if (steps == NULL)
		return NULL;
	for (i = 0; i < sizeof push_steps / sizeof push_steps[0]; i++)
		json_object_set_new(steps, push_steps[i].name, json_string(
		    push_step_state(r, push_steps[i].step)));
	push_message_zh(r, zh, sizeof zh);
	j = json_pack("{s:b,s:s,s:s,s:s,s:s,s:o,s:s*,s:s*,s:s*,s:s*}", "ok",
	    r->err == WX_PUSH_OK, "state", r->active ? "running" :
	    r->err == WX_PUSH_OK ? "done" : "failed", "key", r->key,
	    "message", r->message, "message_zh", zh,
	    "steps", steps, "thumb_media_id", r->thumb_media_id,
	    "draft_media_id", r->draft_media_id, "publish_id", r->publish_id,
	    "article_url", r->article_url);
	if (j == NULL)
		return NULL;
	if (r->err != WX_PUSH_OK)
		json_object_set_new(j, "error", json_string(
		    wx_push_strerror(r->err)));
	if (r->errcode != 0)
		json_object_set_new(j, "errcode", json_integer(r->errcode));
	if (r->msg_id != 0)
		json_object_set_new(j, "msg_id", json_integer(r->msg_id));
	return j;
}

char *
wx_push_report_text(const struct wx_push_report *r)
{
	static const char *const words[][3] = {
		/* done, skipped, failed */
		{ "cover image uploaded", "cover image already uploaded",
		    "cover image upload failed" },
		{ "draft saved", "draft already saved", "draft failed" },
		{ "published", "already published", "publishing failed" },
		{ "preview sent", "preview already sent", "preview failed" },
		{ "sent to all followers", "already sent to all followers",
		    "sending to all followers failed" },
	};
	char *s = NULL, *t;
	size_t i;
	int k;

	if (asprintf(&s, "article %s\n", r->key) == -1)
		return NULL;
	for (i = 0; i < sizeof push_steps / sizeof push_steps[0]; i++) {
		if (r->failed == push_steps[i].step)
			k = 2;
		else if (r->done & push_steps[i].step)
			k = 0;
		else if (r->skipped & push_steps[i].step)
			k = 1;
		else
			continue;
		if (asprintf(&t, "%s  %s\n", s, words[i][k]) == -1)
			goto fail;
		free(s);
		s = t;
	}
	if (r->draft_media_id != NULL) {
		if (asprintf(&t, "%s  draft media_id: %s\n", s,
		    r->draft_media_id) == -1)
			goto fail;
		free(s);
		s = t;
	}
	if (r->article_url != NULL && *r->article_url != '\0') {
		if (asprintf(&t, "%s  article URL: %s\n", s,
		    r->article_url) == -1)
			goto fail;
		free(s);
		s = t;
	}
	if (r->err != WX_PUSH_OK) {
		if ((r->errcode != 0 ? asprintf(&t, "%serror: %s (errcode "
		    "%ld)\n", s, r->message, r->errcode) : asprintf(&t,
		    "%serror: %s\n", s, r->message)) == -1)
			goto fail;
		free(s);
		s = t;
	}
	return s;
fail:
	free(s);
	return NULL;
}
