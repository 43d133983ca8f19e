/* wx_outcome — the names of callback events and answers. */
#include <stddef.h>

#include "handlers/callback/wx_outcome.h"

static const char *const wx_cb_event_names[WX_CB_NEVENTS] = {
	[WX_CB_VERIFY] = "verify",
	[WX_CB_MESSAGE] = "message",
	[WX_CB_RETRY] = "retry",
	[WX_CB_DUPLICATE] = "duplicate",
	[WX_CB_BAD_SIGNATURE] = "bad_signature",
	[WX_CB_STALE_TIMESTAMP] = "stale_timestamp",
	[WX_CB_REPLAY] = "replay",
	[WX_CB_DECRYPT_FAILED] = "decrypt_failed",
	[WX_CB_DOWNGRADE_REFUSED] = "downgrade_refused",
	[WX_CB_BAD_REQUEST] = "bad_request",
	[WX_CB_BAD_XML] = "bad_xml",
	[WX_CB_BAD_METHOD] = "bad_method",
	[WX_CB_INTERNAL_ERROR] = "internal_error",
};

static const char *const wx_answer_names[WX_ANS_NANSWERS] = {
	[WX_ANS_HIT] = "hit",
	[WX_ANS_SUGGEST] = "suggest",
	[WX_ANS_MISS] = "miss",
	[WX_ANS_FOLLOWUP] = "followup",
	[WX_ANS_MENU] = "menu",
	[WX_ANS_MENU_UNKNOWN] = "menu_unknown",
	[WX_ANS_WELCOME] = "welcome",
	[WX_ANS_MEDIA] = "media",
	[WX_ANS_IGNORED] = "ignored",
	[WX_ANS_RETRY] = "retry",
	[WX_ANS_DISPATCH_FAILED] = "dispatch_failed",
};

const char *
wx_cb_event_name(enum wx_cb_event e)
{
	return (unsigned)e < WX_CB_NEVENTS ? wx_cb_event_names[e] : NULL;
}

const char *
wx_answer_name(enum wx_answer a)
{
	return (unsigned)a < WX_ANS_NANSWERS ? wx_answer_names[a] : NULL;
}

int
wx_answer_is_miss(enum wx_answer a)
{
	return a == WX_ANS_MISS || a == WX_ANS_SUGGEST;
}
