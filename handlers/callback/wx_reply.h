/*
 * wx_reply — passive replies (protocol doc §6) rendered as XML, and the
 * encrypted envelope of §3.6.
 */
#ifndef WX_REPLY_H
#define WX_REPLY_H

#include <stddef.h>
#include <stdint.h>

#define WX_REPLY_MAX_ARTICLES	8

enum wx_reply_type {
	WX_REPLY_NONE = 0,	/* nothing to say: the body "success" */
	WX_REPLY_TEXT,
	WX_REPLY_IMAGE,
	WX_REPLY_VOICE,
	WX_REPLY_VIDEO,
	WX_REPLY_MUSIC,
	WX_REPLY_NEWS,
};

struct wx_article {
	const char	*title;
	const char	*description;
	const char	*pic_url;
	const char	*url;
};

/* What to say; every string is borrowed for the duration of the call. */
struct wx_reply {
	enum wx_reply_type type;
	const char	*content;	/* text */
	const char	*media_id;	/* image, voice, video */
	const char	*title;		/* video, music (optional) */
	const char	*description;	/* video, music (optional) */
	const char	*music_url;	/* music (optional) */
	const char	*hq_music_url;	/* music (optional) */
	const char	*thumb_media_id; /* music (required) */
	const struct wx_article *articles;	/* news, 1..8 */
	size_t		 narticles;
};

enum wx_reply_err {
	WX_REPLY_OK = 0,
	WX_REPLY_ERR_INVALID = -1,	/* missing required field, bad type */
	WX_REPLY_ERR_NOMEM = -2,
};

/*
 * Render r as reply XML addressed to to_user (the resident's OpenID) from
 * from_user (the account's gh_ id).  User text goes in CDATA, with "]]>"
 * split and XML-forbidden control characters dropped.  *xml is malloc'ed
 * and NUL-terminated; the caller frees it.  WX_REPLY_NONE renders
 * "success".  Returns a wx_reply_err.
 */
int	wx_reply_render(const struct wx_reply *r, const char *to_user,
	    const char *from_user, uint64_t create_time, char **xml,
	    size_t *len);

/*
 * Render the encrypted envelope of §3.6 with the given exact strings.
 * *xml is malloc'ed; the caller frees it.  The strings are signed, so one
 * that is empty or would need cleaning for CDATA, or a timestamp that is
 * not 1-20 decimal digits, gives WX_REPLY_ERR_INVALID instead.
 */
int	wx_reply_envelope(const char *encrypt, const char *msg_signature,
	    const char *timestamp, const char *nonce, char **xml,
	    size_t *len);

#endif
