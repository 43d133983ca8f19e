/*
 * wx_menu — the custom menu (protocol doc §7.9) built from the knowledge
 * base: every item with a menu_key becomes a "click" button named by its
 * menu_name (else its title) whose key is the menu_key, so a click
 * returns that item.  Items with the same menu_group share a top-level
 * button named by the group; an item without a group is a top-level
 * button of its own.  The platform allows 3 top-level buttons and 5
 * sub-buttons each, keys of 128 bytes, and shows names of 4 Chinese
 * characters at the top and 8 below (kb_menu).  A menu that breaks a
 * rule is refused here with every problem named, before any request is
 * made.
 */
#ifndef WX_MENU_H
#define WX_MENU_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "handlers/wechat/wx_api.h"

struct kb;

#define WX_MENU_MAX_TOP		3
#define WX_MENU_MAX_SUB		5
#define WX_MENU_MAX_KEY		128	/* bytes */

/* One button to make. */
struct wx_menu_entry {
	const char	*group;		/* top-level name; NULL: top-level
					   button of its own */
	const char	*name;		/* the button's name */
	const char	*key;		/* its EventKey */
	const char	*item;		/* item id, for messages; may be NULL */
};

/*
 * The menu/create body {"button":[...]} for n entries, groups in order of
 * first appearance.  Returns 0 with *out (caller decrefs), or -1 with
 * *cause malloc'ed: one line per problem.
 */
int	wx_menu_build(const struct wx_menu_entry *e, size_t n, json_t **out,
	    char **cause);

/*
 * The same from the items of kb that have a menu_key and are not expired
 * at now: group menu_group, name menu_name or title, key menu_key.
 */
int	wx_menu_from_kb(const struct kb *kb, time_t now, json_t **out,
	    char **cause);

/* POST menu/create with menu (copied); as wx_api_call(). */
struct wx_api_call *wx_menu_create(struct wx_api *, const json_t *menu,
	    wx_api_cb cb, void *arg);

/*
 * Build from kb and create: the call, or NULL with *cause malloc'ed when
 * the menu breaks a rule (nothing sent) or the call cannot start.
 */
struct wx_api_call *wx_menu_sync(struct wx_api *, const struct kb *kb,
	    time_t now, wx_api_cb cb, void *arg, char **cause);

/*
 * GET menu/get: res->json is {"menu":{"button":[...]},...}; errcode 46003
 * when no menu exists.  As wx_api_call().
 */
struct wx_api_call *wx_menu_get(struct wx_api *, wx_api_cb cb, void *arg);

/*
 * The menu as indented lines for a person, from either shape
 * ({"button":...} or menu/get's {"menu":{"button":...}}).  Malloc'ed;
 * NULL on no memory.
 */
char	*wx_menu_text(const json_t *menu);

#endif
