/*
 * wx_menu — build, check, create and show the custom menu.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers/wechat/wx_api.h"
#include "handlers/wechat/wx_menu.h"
#include "kb/kb.h"
#include "lib/cause.h"
#include "lib/utf8.h"
#include "kb/kb_menu.h"

/* Problems found while building, one line each. */
struct menu_errs {
	char	*text;
	size_t	 n;
};

static void menu_err(struct menu_errs *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
menu_err(struct menu_errs *m, const char *fmt, ...)
{
	va_list ap;

	m->n++;
	va_start(ap, fmt);
	cause_vadd(&m->text, fmt, ap);
	va_end(ap);
}

static const char *
menu_who(const struct wx_menu_entry *e, char *buf, size_t size)
{
	if (e->item != NULL)
		snprintf(buf, size, "item %s", e->item);
	else
		snprintf(buf, size, "button \"%s\"", e->name != NULL ?
		    e->name : "?");
	return buf;
}

/* A name as WeChat takes and shows it (kb_menu); hint: what to do. */
static void
menu_check_name(struct menu_errs *m, const char *who, const char *what,
    const char *name, int top, const char *hint)
{
	char why[200];

	if (name == NULL || *name == '\0') {
		menu_err(m, "%s: %s is empty", who, what);
		return;
	}
	if (!utf8_valid(name, strlen(name)))
		menu_err(m, "%s: %s is not UTF-8", who, what);
	else if (kb_menu_name_check(name, top, why, sizeof why) != 0)
		menu_err(m, "%s: %s %s%s", who, what, why, hint);
}

int
wx_menu_build(const struct wx_menu_entry *e, size_t n, json_t **out,
    char **cause)
{
	struct menu_errs m = { NULL, 0 };
	json_t *buttons = json_array(), *top, *subs, *btn;
	size_t i, k, ntop = 0;
	char who[128];
	const char *g;

	*out = NULL;
	*cause = NULL;
	if (buttons == NULL)
		return -1;
	if (n == 0)
		menu_err(&m, "no knowledge-base item has a menu_key: the menu "
		    "would be empty");
	for (i = 0; i < n; i++) {
		menu_who(&e[i], who, sizeof who);
		menu_check_name(&m, who, "name", e[i].name, e[i].group ==
		    NULL, e[i].item != NULL ? "; give the item a shorter "
		    "menu_name" : "");
		if (e[i].key == NULL || *e[i].key == '\0')
			menu_err(&m, "%s: the key is empty", who);
		else if (strlen(e[i].key) > WX_MENU_MAX_KEY)
			menu_err(&m, "%s: the key is %zu bytes; at most %d "
			    "allowed", who, strlen(e[i].key), WX_MENU_MAX_KEY);
		for (k = 0; k < i && e[i].key != NULL; k++) {
			if (e[k].key != NULL && strcmp(e[k].key, e[i].key) ==
			    0) {
				menu_err(&m, "%s: the key \"%s\" is used twice",
				    who, e[i].key);
				break;
			}
		}
		g = e[i].group;
		if (g == NULL) {
			btn = json_pack("{s:s,s:s?,s:s?}", "type", "click",
			    "name", e[i].name, "key", e[i].key);
			json_array_append_new(buttons, btn);
			ntop++;
			continue;
		}
		/* The group's button, made on its first entry. */
		top = NULL;
		for (k = 0; k < json_array_size(buttons); k++) {
			json_t *b = json_array_get(buttons, k);

			if (json_object_get(b, "sub_button") != NULL &&
			    strcmp(json_string_value(json_object_get(b,
			    "name")), g) == 0) {
				top = b;
				break;
			}
		}
		if (top == NULL) {
			menu_check_name(&m, who, "menu_group", g, 1, "");
			top = json_pack("{s:s,s:[]}", "name", g, "sub_button");
			json_array_append_new(buttons, top);
			ntop++;
		}
		subs = json_object_get(top, "sub_button");
		if (json_array_size(subs) == WX_MENU_MAX_SUB)
			menu_err(&m, "%s: menu_group \"%s\" has more than %d "
			    "items", who, g, WX_MENU_MAX_SUB);
		btn = json_pack("{s:s,s:s?,s:s?}", "type", "click", "name",
		    e[i].name, "key", e[i].key);
		json_array_append_new(subs, btn);
	}
	if (ntop > WX_MENU_MAX_TOP)
		menu_err(&m, "the menu has %zu top-level buttons (groups and "
		    "items without a menu_group); at most %d allowed", ntop,
		    WX_MENU_MAX_TOP);
	if (m.n > 0) {
		*cause = m.text != NULL ? m.text : strdup("invalid menu");
		json_decref(buttons);
		return -1;
	}
	*out = json_pack("{s:o}", "button", buttons);
	return *out != NULL ? 0 : -1;
}

int
wx_menu_from_kb(const struct kb *kb, time_t now, json_t **out, char **cause)
{
	struct wx_menu_entry *e;
	const struct kb_item *it;
	size_t i, n = 0, nitems = kb_nitems(kb);
	int r;

	e = calloc(nitems + 1, sizeof *e);
	if (e == NULL) {
		*out = NULL;
		*cause = strdup("out of memory");
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		it = kb_item_at(kb, i);
		if (it->menu_key == NULL || kb_item_expired(it, now))
			continue;
		e[n].group = it->menu_group;
		e[n].name = it->menu_name != NULL ? it->menu_name :
		    it->title;
		e[n].key = it->menu_key;
		e[n].item = it->id;
		n++;
	}
	r = wx_menu_build(e, n, out, cause);
	free(e);
	return r;
}

struct wx_api_call *
wx_menu_create(struct wx_api *api, const json_t *menu, wx_api_cb cb,
    void *arg)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_POST;
	req.path = "/cgi-bin/menu/create";
	req.auth = 1;
	req.body = menu;
	/* The same menu twice is the same menu. */
	req.idempotent = 1;
	return wx_api_call(api, &req, cb, arg);
}

struct wx_api_call *
wx_menu_sync(struct wx_api *api, const struct kb *kb, time_t now,
    wx_api_cb cb, void *arg, char **cause)
{
	struct wx_api_call *c;
	json_t *menu = NULL;

	*cause = NULL;
	if (wx_menu_from_kb(kb, now, &menu, cause) != 0)
		return NULL;
	c = wx_menu_create(api, menu, cb, arg);
	json_decref(menu);
	if (c == NULL)
		*cause = strdup("the menu/create request could not be started");
	return c;
}

struct wx_api_call *
wx_menu_get(struct wx_api *api, wx_api_cb cb, void *arg)
{
	struct wx_api_req req;

	memset(&req, 0, sizeof req);
	req.method = WX_API_GET;
	req.path = "/cgi-bin/menu/get";
	req.auth = 1;
	req.idempotent = 1;
	return wx_api_call(api, &req, cb, arg);
}

/* Append one button's line to *s. */
static int
menu_line(char **s, const json_t *b, int depth)
{
	const char *name = json_string_value(json_object_get(b, "name"));
	const char *type = json_string_value(json_object_get(b, "type"));
	const char *key = json_string_value(json_object_get(b, "key"));
	const char *url = json_string_value(json_object_get(b, "url"));
	char *t;
	int r;

	if (type == NULL)
		r = asprintf(&t, "%s%*s%s\n", *s, depth * 2, "",
		    name != NULL ? name : "?");
	else
		r = asprintf(&t, "%s%*s%s  (%s%s%s)\n", *s, depth * 2, "",
		    name != NULL ? name : "?", type, key != NULL ? " " :
		    url != NULL ? " " : "", key != NULL ? key : url != NULL ?
		    url : "");
	if (r == -1)
		return -1;
	free(*s);
	*s = t;
	return 0;
}

char *
wx_menu_text(const json_t *menu)
{
	json_t *buttons, *b, *subs, *sb;
	size_t i, k;
	char *s = strdup("");

	if (s == NULL)
		return NULL;
	if (json_object_get(menu, "menu") != NULL)
		menu = json_object_get(menu, "menu");
	buttons = json_object_get(menu, "button");
	json_array_foreach(buttons, i, b) {
		if (menu_line(&s, b, 0) != 0)
			goto fail;
		subs = json_object_get(b, "sub_button");
		/* get_current_selfmenu_info nests them in {"list":[...]}. */
		if (json_is_object(subs))
			subs = json_object_get(subs, "list");
		json_array_foreach(subs, k, sb) {
			if (menu_line(&s, sb, 1) != 0)
				goto fail;
		}
	}
	return s;
fail:
	free(s);
	return NULL;
}
