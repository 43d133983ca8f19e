/*
 * wx_outcome — what became of a callback and how its reply was chosen,
 * as enums: the request path counts and branches on them, and turns them
 * into words only for the log line (WXKB_EVENT) and the metrics' labels.
 */
#ifndef WX_OUTCOME_H
#define WX_OUTCOME_H

/* What became of one callback: the WXKB_EVENT of its log line. */
enum wx_cb_event {
	WX_CB_NONE = 0,
	WX_CB_VERIFY,			/* GET: the platform's URL check */
	WX_CB_MESSAGE,			/* dispatched and answered */
	WX_CB_RETRY,			/* answered from the retry cache */
	WX_CB_DUPLICATE,		/* seen in the window: "success" */
	WX_CB_BAD_SIGNATURE,
	WX_CB_STALE_TIMESTAMP,
	WX_CB_REPLAY,
	WX_CB_DECRYPT_FAILED,
	WX_CB_DOWNGRADE_REFUSED,	/* unencrypted POST in safe mode */
	WX_CB_BAD_REQUEST,
	WX_CB_BAD_XML,
	WX_CB_BAD_METHOD,
	WX_CB_INTERNAL_ERROR,
	WX_CB_NEVENTS
};

/* How dispatch chose the reply: the result label of the metrics. */
enum wx_answer {
	WX_ANS_NONE = 0,
	WX_ANS_HIT,			/* a knowledge-base item */
	WX_ANS_SUGGEST,			/* a numbered list of items */
	WX_ANS_MISS,			/* the fallback */
	WX_ANS_FOLLOWUP,		/* a number picked from the list */
	WX_ANS_MENU,			/* a menu click's item */
	WX_ANS_MENU_UNKNOWN,		/* a click on a key no item has */
	WX_ANS_WELCOME,			/* subscribe */
	WX_ANS_MEDIA,			/* image, voice, ...: the fallback */
	WX_ANS_IGNORED,			/* an event that needs no answer */
	WX_ANS_RETRY,			/* answered from the retry cache */
	WX_ANS_DISPATCH_FAILED,
	WX_ANS_NANSWERS
};

/* The event's name ("bad_signature"); NULL for WX_CB_NONE. */
const char *wx_cb_event_name(enum wx_cb_event);

/* The answer's name ("hit"); NULL for WX_ANS_NONE. */
const char *wx_answer_name(enum wx_answer);

/* 1 when the answer counts as a question nobody answered. */
int	wx_answer_is_miss(enum wx_answer);

#endif
