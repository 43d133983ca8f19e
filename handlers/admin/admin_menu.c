/*
 * admin_menu — GET /api/menu/preview: the custom menu that `menu sync`
 * would send, built from the served knowledge base without asking
 * WeChat, with every rule it breaks, so staff see the menu before it
 * replaces the live one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handlers/admin/admin_int.h"
#include "handlers/callback/dispatch.h"
#include "handlers/wechat/wx_menu.h"
#include "kb/kb.h"

/* {"menu": {"button": [...]} or null, "text", "problems": [lines]} */
void
admin_menu_preview(struct admin_api *a, const struct admin_request *req,
    const char *arg, struct admin_result *res)
{
	struct kb *kb = dispatch_kb_acquire(a->dispatch);
	json_t *menu = NULL, *problems;
	char *cause = NULL, *text = NULL, *line, *save = NULL;

	(void)arg;
	if (kb == NULL) {
		admin_errorf(res, 503, NULL, "no knowledge base is served");
		return;
	}
	problems = json_array();
	if (wx_menu_from_kb(kb, req->now, &menu, &cause) == 0)
		text = wx_menu_text(menu);
	for (line = cause != NULL ? strtok_r(cause, "\n", &save) : NULL;
	    line != NULL && problems != NULL;
	    line = strtok_r(NULL, "\n", &save))
		json_array_append_new(problems, json_string(line));
	admin_reply(res, 200, json_pack("{sosssO}", "menu", menu != NULL ?
	    menu : json_null(), "text", text != NULL ? text : "", "problems",
	    problems != NULL ? problems : json_null()));
	json_decref(problems);
	free(text);
	free(cause);
	kb_unref(kb);
}
