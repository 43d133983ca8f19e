/*
 * wx_autoreply — import the account's current platform auto-reply rules
 * (GET /cgi-bin/get_current_autoreply_info) as a knowledge-base file
 * (DESIGN.md "Knowledge base file"), so switching the account to
 * developer mode loses nothing:
 *	keyword rules	-> items "import-1", "import-2", ... titled by the
 *			   rule name; match_mode equal -> "exact",
 *			   contain -> "contains" (a rule with both becomes
 *			   two items); reply_all -> reply_mode "all",
 *			   random_one -> "random_one"
 *	replies		-> text -> text, img -> image, voice -> voice,
 *			   news -> news (articles); video replies carry a
 *			   URL, not a media_id, and are left out
 *	follow reply	-> welcome; default reply -> fallback (a plain
 *			   default is written when the platform has none)
 * What cannot be carried over is listed in the warnings, and the result
 * passes `wxkbctl check`: keywords the schema refuses (too long, nothing
 * left after normalization, an exact keyword already used) are dropped
 * with a warning.
 */
#ifndef WX_AUTOREPLY_H
#define WX_AUTOREPLY_H

#include <jansson.h>

#include "handlers/wechat/wx_api.h"

#define WX_AUTOREPLY_MAX_REPLIES	8	/* per item (KB schema) */
#define WX_AUTOREPLY_MAX_ARTICLES	8	/* per news reply */
#define WX_AUTOREPLY_WELCOME	"欢迎关注！"
#define WX_AUTOREPLY_FALLBACK	"暂时没有找到相关内容，请换个说法试试。"

/*
 * Convert the answer of get_current_autoreply_info into a knowledge-base
 * file for account (NULL: "imported").  Returns 0 with *kb (caller
 * decrefs) and *warnings (malloc'ed lines, or NULL when none), or -1 with
 * *cause malloc'ed when info is not such an answer.
 */
int	wx_autoreply_convert(const json_t *info, const char *account,
	    json_t **kb, char **warnings, char **cause);

/* GET get_current_autoreply_info; res->json is the answer. */
struct wx_api_call *wx_autoreply_fetch(struct wx_api *, wx_api_cb cb,
	    void *arg);

#endif
