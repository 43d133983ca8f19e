/*
 * wx_msg — an inbound WeChat message or event (protocol doc §5), parsed
 * from XML with expat.  Every element is kept as a (path, value) field, so
 * types and events we do not know survive as such; the common ones are also
 * reachable through typed members.
 */
#ifndef WX_MSG_H
#define WX_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Limits: bigger or deeper input is refused, not truncated. */
#define WX_MSG_MAX_BYTES	(64 * 1024)	/* whole document */
#define WX_MSG_MAX_FIELDS	256		/* elements with text */
#define WX_MSG_MAX_DEPTH	8		/* <xml> is depth 1 */
#define WX_MSG_MAX_PATH		128		/* "A/B/item/C" bytes */

enum wx_msg_type {
	WX_MSG_UNKNOWN = 0,	/* MsgType absent or not one below */
	WX_MSG_TEXT,
	WX_MSG_IMAGE,
	WX_MSG_VOICE,
	WX_MSG_VIDEO,
	WX_MSG_SHORTVIDEO,
	WX_MSG_LOCATION,
	WX_MSG_LINK,
	WX_MSG_EVENT,
};

enum wx_event {
	WX_EV_NONE = 0,		/* not an event */
	WX_EV_UNKNOWN,		/* MsgType event, Event not one below */
	WX_EV_SUBSCRIBE,
	WX_EV_UNSUBSCRIBE,
	WX_EV_SCAN,
	WX_EV_LOCATION,
	WX_EV_CLICK,
	WX_EV_VIEW,
	WX_EV_SCANCODE_PUSH,
	WX_EV_SCANCODE_WAITMSG,
	WX_EV_PIC_SYSPHOTO,
	WX_EV_PIC_PHOTO_OR_ALBUM,
	WX_EV_PIC_WEIXIN,
	WX_EV_LOCATION_SELECT,
	WX_EV_VIEW_MINIPROGRAM,
	WX_EV_MASSSENDJOBFINISH,
	WX_EV_TEMPLATESENDJOBFINISH,
	WX_EV_PUBLISHJOBFINISH,
};

enum wx_msg_err {
	WX_MSG_OK = 0,
	WX_MSG_ERR_SYNTAX = -1,		/* not well-formed XML, or not UTF-8 */
	WX_MSG_ERR_DOCTYPE = -2,	/* DOCTYPE or entity declaration */
	WX_MSG_ERR_LIMIT = -3,		/* size, depth or field count */
	WX_MSG_ERR_ROOT = -4,		/* root element is not <xml> */
	WX_MSG_ERR_DUPLICATE = -5,	/* a header element given twice */
	WX_MSG_ERR_NOMEM = -6,
};

/*
 * One element's text.  path is relative to <xml>: "ScanCodeInfo/ScanType".
 * An element without children is a field even when empty (value ""); a
 * container is not, unless it holds non-blank text of its own.
 */
struct wx_field {
	char	*path;
	char	*value;
	size_t	 len;		/* value bytes; value is also NUL-terminated */
};

struct wx_msg {
	enum wx_msg_type type;
	enum wx_event	 event;
	/* Pointers into fields[]; NULL when absent.  Never freed alone. */
	const char	*to_user;	/* ToUserName */
	const char	*from_user;	/* FromUserName (OpenID) */
	const char	*msg_type;	/* MsgType as sent */
	const char	*event_name;	/* Event as sent */
	const char	*event_key;	/* EventKey */
	const char	*msg_id;	/* MsgId, or MsgID on job events */
	const char	*content;	/* Content (text) */
	const char	*recognition;	/* Recognition (voice) */
	const char	*encrypt;	/* Encrypt (compat/safe envelope) */
	uint64_t	 create_time;	/* CreateTime; 0 when absent/invalid */
	struct wx_field	*fields;	/* document order */
	size_t		 nfields;
};

/*
 * Parse len bytes of XML.  On success *out is a new message the caller
 * frees with wx_msg_free().  Any DOCTYPE or entity declaration is refused
 * before it is processed; CDATA and plain text are both accepted for any
 * element, and surrounding white space of a value is kept verbatim except
 * for Encrypt, whose ASCII white space is trimmed.  Returns a wx_msg_err.
 */
int	wx_msg_parse(const char *xml, size_t len, struct wx_msg **out);
void	wx_msg_free(struct wx_msg *);

/* The value of the first field at path, or NULL. */
const char *wx_msg_get(const struct wx_msg *, const char *path);

/* The value of the nth (0-based) field at path, or NULL. */
const char *wx_msg_get_nth(const struct wx_msg *, const char *path,
	    size_t nth);

const char *wx_msg_strerror(int err);
const char *wx_msg_type_name(enum wx_msg_type);
const char *wx_event_name(enum wx_event);

#endif
