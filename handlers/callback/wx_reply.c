/*
 * wx_reply.c — passive reply XML (protocol doc §6.2) and the encrypted
 * envelope (§3.6).  Every string goes out in CDATA, cleaned so that any
 * XML 1.0 parser reads back exactly what the resident is meant to see.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_reply.h"
#include "lib/utf8.h"

/* No reply comes near this; a bigger one is a bug upstream, not a reply. */
#define REPLY_MAX	(1024 * 1024)

/* Output buffer; the first error sticks and later appends do nothing. */
struct rbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

static void
rb_add(struct rbuf *b, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->err != WX_REPLY_OK || n == 0)
		return;
	/* Keep one byte for the terminating NUL. */
	if (n >= REPLY_MAX - b->len) {
		b->err = WX_REPLY_ERR_INVALID;
		return;
	}
	if (n >= b->cap - b->len) {
		cap = b->cap ? b->cap : 512;
		while (n >= cap - b->len)
			cap *= 2;
		if (cap > REPLY_MAX)
			cap = REPLY_MAX;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->err = WX_REPLY_ERR_NOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
rb_str(struct rbuf *b, const char *s)
{
	rb_add(b, s, strlen(s));
}

/* The Char production of XML 1.0: what a document may contain at all. */
static int
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD ||
	    (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	    (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * Append s as the inside of an open CDATA section: characters XML forbids
 * and broken UTF-8 are dropped, and "]]>" is split across two sections.
 * The check runs on what is written, so "]]\x01>" is split too.  Returns
 * the number of content bytes kept.
 */
static size_t
rb_cdata_body(struct rbuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 n = strlen(s), i = 0, k, kept = 0, run = 0;
	unsigned	 brackets = 0;	/* trailing ']' written */
	uint32_t	 c;

	/* Characters are copied in runs: one append per run, not per byte. */
	while (i < n) {
		if (u[i] < 0x80) {
			c = u[i];
			k = 1;
		} else
			k = utf8_char(u + i, n - i, &c);
		if (k == 0 || !xml_char_ok(c)) {
			rb_add(b, s + run, i - run);
			kept += i - run;
			i += k == 0 ? 1 : k;
			run = i;
			continue;
		}
		if (c == '>' && brackets >= 2) {
			rb_add(b, s + run, i - run);
			kept += i - run;
			run = i;
			rb_str(b, "]]><![CDATA[");
		}
		brackets = c == ']' ? brackets + 1 : 0;
		i += k;
	}
	rb_add(b, s + run, i - run);
	kept += i - run;
	return kept;
}

/* <name><![CDATA[value]]></name>; returns the content bytes kept. */
static size_t
rb_cdata(struct rbuf *b, const char *name, const char *value)
{
	size_t	kept;

	rb_str(b, "<");
	rb_str(b, name);
	rb_str(b, "><![CDATA[");
	kept = rb_cdata_body(b, value != NULL ? value : "");
	rb_str(b, "]]></");
	rb_str(b, name);
	rb_str(b, ">");
	return kept;
}

/* Optional elements are left out when the caller gave no string. */
static void
rb_cdata_opt(struct rbuf *b, const char *name, const char *value)
{
	if (value != NULL)
		rb_cdata(b, name, value);
}

static void
rb_u64(struct rbuf *b, const char *name, uint64_t v)
{
	char	digits[21];
	size_t	i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	rb_str(b, "<");
	rb_str(b, name);
	rb_str(b, ">");
	rb_add(b, digits + i, sizeof(digits) - i);
	rb_str(b, "</");
	rb_str(b, name);
	rb_str(b, ">");
}

static int
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Required fields of r, before anything is written. */
static int
reply_check(const struct wx_reply *r)
{
	size_t	i;

	switch (r->type) {
	case WX_REPLY_TEXT:
		return nonempty(r->content);
	case WX_REPLY_IMAGE:
	case WX_REPLY_VOICE:
	case WX_REPLY_VIDEO:
		return nonempty(r->media_id);
	case WX_REPLY_MUSIC:
		return nonempty(r->thumb_media_id);
	case WX_REPLY_NEWS:
		if (r->articles == NULL || r->narticles == 0 ||
		    r->narticles > WX_REPLY_MAX_ARTICLES)
			return 0;
		for (i = 0; i < r->narticles; i++) {
			if (r->articles[i].title == NULL &&
			    r->articles[i].url == NULL)
				return 0;
		}
		return 1;
	case WX_REPLY_NONE:
		break;
	}
	return 0;
}

static void
render_body(struct rbuf *b, const struct wx_reply *r, int *empty)
{
	const struct wx_article *a;
	size_t		 i;

	switch (r->type) {
	case WX_REPLY_TEXT:
		/* An empty Content shows the resident an error notice. */
		*empty = rb_cdata(b, "Content", r->content) == 0;
		break;
	case WX_REPLY_IMAGE:
		rb_str(b, "<Image>");
		rb_cdata(b, "MediaId", r->media_id);
		rb_str(b, "</Image>");
		break;
	case WX_REPLY_VOICE:
		rb_str(b, "<Voice>");
		rb_cdata(b, "MediaId", r->media_id);
		rb_str(b, "</Voice>");
		break;
	case WX_REPLY_VIDEO:
		rb_str(b, "<Video>");
		rb_cdata(b, "MediaId", r->media_id);
		rb_cdata_opt(b, "Title", r->title);
		rb_cdata_opt(b, "Description", r->description);
		rb_str(b, "</Video>");
		break;
	case WX_REPLY_MUSIC:
		rb_str(b, "<Music>");
		rb_cdata_opt(b, "Title", r->title);
		rb_cdata_opt(b, "Description", r->description);
		rb_cdata_opt(b, "MusicUrl", r->music_url);
		rb_cdata_opt(b, "HQMusicUrl", r->hq_music_url);
		rb_cdata(b, "ThumbMediaId", r->thumb_media_id);
		rb_str(b, "</Music>");
		break;
	case WX_REPLY_NEWS:
		rb_u64(b, "ArticleCount", r->narticles);
		rb_str(b, "<Articles>");
		for (i = 0; i < r->narticles; i++) {
			a = &r->articles[i];
			rb_str(b, "<item>");
			rb_cdata(b, "Title", a->title);
			rb_cdata(b, "Description", a->description);
			rb_cdata(b, "PicUrl", a->pic_url);
			rb_cdata(b, "Url", a->url);
			rb_str(b, "</item>");
		}
		rb_str(b, "</Articles>");
		break;
	case WX_REPLY_NONE:
		break;
	}
}

static const char *const reply_type_names[] = {
	[WX_REPLY_NONE] = "",
	[WX_REPLY_TEXT] = "text",
	[WX_REPLY_IMAGE] = "image",
	[WX_REPLY_VOICE] = "voice",
	[WX_REPLY_VIDEO] = "video",
	[WX_REPLY_MUSIC] = "music",
	[WX_REPLY_NEWS] = "news",
};

int
wx_reply_render(const struct wx_reply *r, const char *to_user,
    const char *from_user, uint64_t create_time, char **xml, size_t *len)
{
	struct rbuf	 b = { NULL, 0, 0, WX_REPLY_OK };
	int		 empty = 0;
	int		 rc;

	*xml = NULL;
	*len = 0;
	if (r == NULL) {
		rc = WX_REPLY_ERR_INVALID;
		goto out;
	}
	if (r->type == WX_REPLY_NONE) {
		/* "success" tells WeChat there is nothing to show (§6.1). */
		rb_str(&b, "success");
		rc = b.err;
		goto out;
	}
	if (!reply_check(r) || !nonempty(to_user) || !nonempty(from_user)) {
		rc = WX_REPLY_ERR_INVALID;
		goto out;
	}
	rb_str(&b, "<xml>");
	rb_cdata(&b, "ToUserName", to_user);
	rb_cdata(&b, "FromUserName", from_user);
	rb_u64(&b, "CreateTime", create_time);
	rb_cdata(&b, "MsgType", reply_type_names[r->type]);
	render_body(&b, r, &empty);
	rb_str(&b, "</xml>");
	rc = empty ? WX_REPLY_ERR_INVALID : b.err;
out:
	if (rc != WX_REPLY_OK) {
		free(b.p);
		return rc;
	}
	*xml = b.p;
	*len = b.len;
	return WX_REPLY_OK;
}

/*
 * Whether s goes into CDATA unchanged.  Envelope strings are covered by
 * MsgSignature, so they are refused rather than cleaned.
 */
static int
cdata_exact(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 n = strlen(s), i = 0, k;
	uint32_t	 c;

	if (n == 0 || strstr(s, "]]>") != NULL)
		return 0;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_char(u + i, n - i, &c);
		if (k == 0 || !xml_char_ok(c))
			return 0;
		i += k;
	}
	return 1;
}

/* TimeStamp is written bare, so it must be digits only. */
static int
decimal(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 20)
			return 0;
	}
	return i > 0;
}

int
wx_reply_envelope(const char *encrypt, const char *msg_signature,
    const char *timestamp, const char *nonce, char **xml, size_t *len)
{
	struct rbuf	 b = { NULL, 0, 0, WX_REPLY_OK };
	int		 rc;

	*xml = NULL;
	*len = 0;
	if (encrypt == NULL || msg_signature == NULL || timestamp == NULL ||
	    nonce == NULL || !cdata_exact(encrypt) ||
	    !cdata_exact(msg_signature) || !cdata_exact(nonce) ||
	    !decimal(timestamp)) {
		rc = WX_REPLY_ERR_INVALID;
		goto out;
	}
	/* cdata_exact() passed: the strings go in as they are. */
	rb_str(&b, "<xml><Encrypt><![CDATA[");
	rb_str(&b, encrypt);
	rb_str(&b, "]]></Encrypt><MsgSignature><![CDATA[");
	rb_str(&b, msg_signature);
	rb_str(&b, "]]></MsgSignature><TimeStamp>");
	rb_str(&b, timestamp);
	rb_str(&b, "</TimeStamp><Nonce><![CDATA[");
	rb_str(&b, nonce);
	rb_str(&b, "]]></Nonce></xml>");
	rc = b.err;
out:
	if (rc != WX_REPLY_OK) {
		free(b.p);
		return rc;
	}
	*xml = b.p;
	*len = b.len;
	return WX_REPLY_OK;
}
