/*
 * wx_errcode — the WeChat API error codes of protocol doc §7-§8: what each
 * one means in plain words (English and Chinese) and what the client does
 * about it.  The table is the one place that decides retry or not.
 */
#ifndef WX_ERRCODE_H
#define WX_ERRCODE_H

/* What the client does with an errcode. */
enum wx_errclass {
	WX_ERRC_OK = 0,		/* 0: success */
	WX_ERRC_RETRY,		/* platform busy (-1, 45011): retry after a
				   backoff, a bounded number of times */
	WX_ERRC_REFRESH,	/* token invalid or expired: refresh once,
				   retry once */
	WX_ERRC_FATAL,		/* configuration or permission (IP whitelist,
				   AppID/AppSecret, missing API right): an
				   admin must act; never retried */
	WX_ERRC_QUOTA,		/* a daily quota or a customer-service window
				   is used up: stop until it resets */
	WX_ERRC_RECIPIENT,	/* the follower cannot be reached */
	WX_ERRC_REQUEST,	/* our request was refused (shape, size,
				   media id, content): fix the input */
	WX_ERRC_OTHER,		/* a code not in the table: not retried */
};

struct wx_errcode_info {
	long		 code;
	enum wx_errclass cls;
	const char	*text;		/* plain English words */
	const char	*text_zh;	/* the same in Chinese */
};

/*
 * The table entry of code.  Never NULL: a code not in the table gets a
 * generic entry of class WX_ERRC_OTHER (with its code field 0).
 */
const struct wx_errcode_info *wx_errcode_lookup(long code);

/* The class of code (WX_ERRC_OTHER when unknown). */
enum wx_errclass wx_errcode_class(long code);

/* Plain English words for code (static; never NULL). */
const char *wx_errcode_text(long code);

/* Plain Chinese words for code (static; never NULL). */
const char *wx_errcode_text_zh(long code);

/* "retry", "refresh", "fatal", "quota", ... (static). */
const char *wx_errclass_name(enum wx_errclass);

/*
 * The words for a freepublish publish_status (§7.7): 0 success,
 * 1 publishing, 2-6 failures.  Static; never NULL.
 */
const char *wx_errcode_publish_status(long status);

/* The same in Chinese.  Static; never NULL. */
const char *wx_errcode_publish_status_zh(long status);

#endif
