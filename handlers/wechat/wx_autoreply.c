/*
 * wx_autoreply — the platform's auto-reply rules as knowledge-base items.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_autoreply.h"
#include "kb/kb.h"
#include "kb/kb_norm.h"
#include "lib/cause.h"

struct conv {
	json_t		*items;
	json_t		*exact_seen;	/* normalized exact keywords used */
	char		*warnings;
	unsigned	 next_id;
};

static void conv_warn(struct conv *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
conv_warn(struct conv *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cause_vadd(&c->warnings, fmt, ap);
	va_end(ap);
}

static const char *
conv_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* One news reply: its articles, or NULL when none is usable. */
static json_t *
conv_news(struct conv *c, const json_t *r, const char *where)
{
	json_t *list = json_object_get(json_object_get(r, "news_info"),
	    "list"), *arts = json_array(), *a;
	const char *title, *url;
	size_t i;

	json_array_foreach(list, i, a) {
		if (json_array_size(arts) == WX_AUTOREPLY_MAX_ARTICLES) {
			conv_warn(c, "%s: only the first %d articles of a news "
			    "reply are kept", where, WX_AUTOREPLY_MAX_ARTICLES);
			break;
		}
		title = conv_str(a, "title");
		url = conv_str(a, "content_url");
		if (url == NULL)
			url = conv_str(a, "source_url");
		if (title == NULL || url == NULL) {
			conv_warn(c, "%s: a news article without title or "
			    "link is left out", where);
			continue;
		}
		json_array_append_new(arts, json_pack("{s:s,s:s*,s:s,s:s*}",
		    "title", title, "description", conv_str(a, "digest"),
		    "url", url, "picurl", conv_str(a, "cover_url")));
	}
	if (json_array_size(arts) == 0) {
		json_decref(arts);
		return NULL;
	}
	return json_pack("{s:s,s:o}", "type", "news", "articles", arts);
}

/* One platform reply as a KB reply object, or NULL (warned). */
static json_t *
conv_reply(struct conv *c, const json_t *r, const char *where)
{
	const char *type = json_string_value(json_object_get(r, "type"));
	const char *content = conv_str(r, "content");

	if (type == NULL) {
		conv_warn(c, "%s: a reply without a type is left out", where);
		return NULL;
	}
	if (strcmp(type, "news") == 0)
		return conv_news(c, r, where);
	if (content == NULL) {
		conv_warn(c, "%s: an empty %s reply is left out", where, type);
		return NULL;
	}
	if (strcmp(type, "text") == 0)
		return json_pack("{s:s,s:s}", "type", "text", "content",
		    content);
	if (strcmp(type, "img") == 0)
		return json_pack("{s:s,s:s}", "type", "image", "media_id",
		    content);
	if (strcmp(type, "voice") == 0)
		return json_pack("{s:s,s:s}", "type", "voice", "media_id",
		    content);
	if (strcmp(type, "video") == 0)
		conv_warn(c, "%s: a video reply is left out (the platform "
		    "gives its URL, not a media_id; upload it and add a video "
		    "reply by hand)", where);
	else
		conv_warn(c, "%s: a reply of type \"%s\" is left out", where,
		    type);
	return NULL;
}

/*
 * A keyword the schema takes: 1-64 bytes with something left after
 * normalization, not repeated in the item, and for exact matching not
 * used by another item.  Returns 1 when kw may be added.
 */
static int
conv_keyword(struct conv *c, const char *kw, int exact, json_t *seen,
    const char *where)
{
	char norm[KB_MAX_KEYWORD_BYTES * 4 + 1];
	size_t len = strlen(kw), n;

	if (len < 1 || len > KB_MAX_KEYWORD_BYTES) {
		conv_warn(c, "%s: keyword \"%.60s\" is longer than %d bytes "
		    "and is left out", where, kw, KB_MAX_KEYWORD_BYTES);
		return 0;
	}
	n = kb_norm(kw, len, norm, sizeof norm);
	if (n == 0) {
		conv_warn(c, "%s: keyword \"%s\" has no letter or digit and "
		    "is left out", where, kw);
		return 0;
	}
	if (json_object_get(seen, norm) != NULL)
		return 0;
	if (exact && json_object_get(c->exact_seen, norm) != NULL) {
		conv_warn(c, "%s: exact keyword \"%s\" already belongs to "
		    "%s and is left out here", where, kw, json_string_value(
		    json_object_get(c->exact_seen, norm)));
		return 0;
	}
	json_object_set_new(seen, norm, json_true());
	return 1;
}

/* One item: id, title, its keywords (taken), the replies. */
static void
conv_emit(struct conv *c, json_t *kwarr, const json_t *replies,
    const char *mode, const char *title, const char *updated,
    const char *source, int exact)
{
	json_t *item;
	char id[32];

	snprintf(id, sizeof id, "import-%u", ++c->next_id);
	item = json_pack("{s:s,s:s,s:o,s:s,s:s,s:s*}", "id", id, "title",
	    title, "keywords", kwarr, "match", exact ? "exact" : "contains",
	    "source", source, "updated", updated);
	if (item == NULL)
		return;
	if (json_array_size(replies) == 1)
		json_object_set(item, "reply", json_array_get(replies, 0));
	else {
		json_object_set_new(item, "reply", json_deep_copy(replies));
		json_object_set_new(item, "reply_mode", json_string(mode));
	}
	json_array_append_new(c->items, item);
}

/*
 * The items of one rule for one match mode: its usable keywords, in
 * items of at most KB_MAX_KEYWORDS.
 */
static void
conv_items(struct conv *c, const json_t *kws, const json_t *replies,
    const char *mode, const char *title, const char *updated,
    const char *rule, int exact)
{
	json_t *all = json_array(), *seen = json_object(), *k, *chunk, *v;
	char where[160], source[200];
	const char *kw, *mm, *key;
	size_t i, off, n;

	snprintf(where, sizeof where, "rule \"%.100s\"", rule);
	snprintf(source, sizeof source, "公众平台自动回复规则「%.150s」", rule);
	json_array_foreach(kws, i, k) {
		mm = json_string_value(json_object_get(k, "match_mode"));
		kw = conv_str(k, "content");
		if (kw == NULL || (mm != NULL && strcmp(mm, "equal") == 0) !=
		    exact)
			continue;
		if (conv_keyword(c, kw, exact, seen, where))
			json_array_append_new(all, json_string(kw));
	}
	for (off = 0; off < json_array_size(all); off += n) {
		n = json_array_size(all) - off;
		if (n > KB_MAX_KEYWORDS)
			n = KB_MAX_KEYWORDS;
		chunk = json_array();
		for (i = 0; i < n; i++)
			json_array_append(chunk, json_array_get(all, off + i));
		conv_emit(c, chunk, replies, mode, title, updated, source,
		    exact);
	}
	/* These exact keywords now belong to this rule. */
	if (exact) {
		json_object_foreach(seen, key, v)
			json_object_set_new(c->exact_seen, key,
			    json_string(where));
	}
	json_decref(seen);
	json_decref(all);
}

/* One keyword rule of the platform. */
static void
conv_rule(struct conv *c, const json_t *rule, size_t idx)
{
	json_t *kws = json_object_get(rule, "keyword_list_info");
	json_t *rl = json_object_get(rule, "reply_list_info");
	json_t *replies = json_array(), *r, *k;
	const char *name = conv_str(rule, "rule_name");
	const char *pmode = json_string_value(json_object_get(rule,
	    "reply_mode"));
	const char *mode = "all", *mm;
	char title[128], where[160], date[16], *up = NULL;
	json_int_t ct = json_integer_value(json_object_get(rule,
	    "create_time"));
	time_t t = (time_t)ct;
	struct tm tm;
	int any_exact = 0, any_contains = 0;
	size_t i;

	if (name != NULL)
		snprintf(title, sizeof title, "%s", name);
	else
		snprintf(title, sizeof title, "自动回复规则 %zu", idx + 1);
	snprintf(where, sizeof where, "rule \"%.100s\"", title);
	if (pmode != NULL && strcmp(pmode, "random_one") == 0)
		mode = "random_one";
	else if (pmode != NULL && strcmp(pmode, "reply_all") != 0)
		conv_warn(c, "%s: reply_mode \"%s\" is read as reply_all",
		    where, pmode);
	json_array_foreach(rl, i, r) {
		json_t *kr = conv_reply(c, r, where);

		if (kr == NULL)
			continue;
		if (json_array_size(replies) == WX_AUTOREPLY_MAX_REPLIES) {
			conv_warn(c, "%s: only the first %d replies are kept",
			    where, WX_AUTOREPLY_MAX_REPLIES);
			json_decref(kr);
			break;
		}
		json_array_append_new(replies, kr);
	}
	if (json_array_size(replies) == 0) {
		conv_warn(c, "%s: no reply could be carried over; the rule is "
		    "left out", where);
		json_decref(replies);
		return;
	}
	if (ct > 0 && localtime_r(&t, &tm) != NULL &&
	    strftime(date, sizeof date, "%Y-%m-%d", &tm) == 10)
		up = date;
	json_array_foreach(kws, i, k) {
		mm = json_string_value(json_object_get(k, "match_mode"));
		if (mm != NULL && strcmp(mm, "equal") == 0)
			any_exact = 1;
		else
			any_contains = 1;
		if (mm != NULL && strcmp(mm, "equal") != 0 &&
		    strcmp(mm, "contain") != 0)
			conv_warn(c, "%s: match_mode \"%s\" is read as "
			    "contain", where, mm);
	}
	if (!any_exact && !any_contains)
		conv_warn(c, "%s: no keyword; the rule is left out", where);
	if (any_exact)
		conv_items(c, kws, replies, mode, title, up, title, 1);
	if (any_contains)
		conv_items(c, kws, replies, mode, title, up, title, 0);
	json_decref(replies);
}

/* welcome or fallback: the platform's reply, or a plain default. */
static json_t *
conv_top(struct conv *c, const json_t *info, const char *open_key,
    const char *info_key, const char *what, const char *dflt)
{
	json_t *open = json_object_get(info, open_key);
	json_t *r = json_object_get(info, info_key), *kr = NULL;

	if (json_is_object(r) && (open == NULL || json_integer_value(open) !=
	    0))
		kr = conv_reply(c, r, what);
	if (kr != NULL)
		return kr;
	conv_warn(c, "%s: the platform has none in use; a plain default is "
	    "written (edit it)", what);
	return json_pack("{s:s,s:s}", "type", "text", "content", dflt);
}

int
wx_autoreply_convert(const json_t *info, const char *account, json_t **kb,
    char **warnings, char **cause)
{
	struct conv c;
	json_t *list, *rule, *welcome, *fallback;
	size_t i;

	*kb = NULL;
	*warnings = NULL;
	*cause = NULL;
	if (!json_is_object(info) || (json_object_get(info,
	    "keyword_autoreply_info") == NULL && json_object_get(info,
	    "is_autoreply_open") == NULL)) {
		*cause = strdup("the answer is not auto-reply information");
		return -1;
	}
	memset(&c, 0, sizeof c);
	c.items = json_array();
	c.exact_seen = json_object();
	if (json_integer_value(json_object_get(info, "is_autoreply_open")) ==
	    0 && json_object_get(info, "is_autoreply_open") != NULL)
		conv_warn(&c, "auto-reply is switched off on the platform; its "
		    "rules are imported anyway");
	welcome = conv_top(&c, info, "is_add_friend_reply_open",
	    "add_friend_autoreply_info", "welcome", WX_AUTOREPLY_WELCOME);
	fallback = conv_top(&c, info, NULL, "message_default_autoreply_info",
	    "fallback", WX_AUTOREPLY_FALLBACK);
	list = json_object_get(json_object_get(info, "keyword_autoreply_info"),
	    "list");
	json_array_foreach(list, i, rule)
		conv_rule(&c, rule, i);
	*kb = json_pack("{s:i,s:s,s:o,s:o,s:o}", "version", 1, "account",
	    account != NULL && *account != '\0' ? account : "imported",
	    "welcome", welcome, "fallback", fallback, "items", c.items);
	json_decref(c.exact_seen);
	*warnings = c.warnings;
	if (*kb == NULL) {
		free(c.warnings);
		*warnings = NULL;
		*cause = strdup("out of memory");
		return -1;
	}
	return 0;
}

struct wx_api_call *
wx_autoreply_fetch(struct wx_api *api, wx_api_cb cb, void *arg)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_GET;
	req.path = "/cgi-bin/get_current_autoreply_info";
	req.auth = 1;
	req.idempotent = 1;
	return wx_api_call(api, &req, cb, arg);
}
