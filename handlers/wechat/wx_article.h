/*
 * wx_article — the article of a push (DESIGN.md "Article file") and the
 * body of POST /api/push that carries it from wxkbctl to the daemon.
 *
 * wxkbctl reads the article file (content_file and thumb relative to it)
 * and sends the article inline (content, thumb_base64); the daemon, the
 * only holder of the token, parses it back and runs the push (wx_push).
 * Both ends validate against protocol doc §7.6.  The idempotency key is a
 * hash of everything in the article, so the same article always gets the
 * same key and a changed one a new key.
 *
 * This module makes no API call and logs nothing: wxkbctl links it alone.
 */
#ifndef WX_ARTICLE_H
#define WX_ARTICLE_H

#include <stddef.h>

#include <jansson.h>

/* §7.6 field limits; "chars" are Unicode characters. */
#define WX_ARTICLE_MAX_TITLE	32	/* chars */
#define WX_ARTICLE_MAX_AUTHOR	16	/* chars */
#define WX_ARTICLE_MAX_DIGEST	128	/* chars */
#define WX_ARTICLE_MAX_CHARS	20000	/* content must stay below */
#define WX_ARTICLE_MAX_CONTENT	(1024 * 1024)	/* bytes; stay below */
#define WX_ARTICLE_MAX_URL	1024	/* bytes */
/*
 * Cover image bytes.  The platform takes images up to 10 MB, but the
 * image travels base64-encoded in one admin API request: 2 MiB keeps that
 * request bounded (about 2.7 MiB of base64) and is plenty for a cover.
 */
#define WX_ARTICLE_MAX_THUMB	(2 * 1024 * 1024)
#define WX_ARTICLE_MAX_FILE	(64 * 1024)	/* the article JSON file */
#define WX_ARTICLE_KEY_LEN	37		/* "wxkb-" + 32 hex */
#define WX_ARTICLE_MAX_OPENID	128
#define WX_ARTICLE_MAX_WXNAME	20	/* a 微信号: 6-20 of [A-Za-z0-9_-] */

/* An article, every member owned (wx_article_cleanup() frees). */
struct wx_article {
	char		*title;
	char		*author;		/* NULL when none */
	char		*digest;		/* NULL when none */
	char		*content;		/* HTML */
	char		*content_source_url;	/* NULL when none */
	char		*thumb_name;		/* "cover.jpg" */
	unsigned char	*thumb;			/* the image bytes */
	size_t		 thumb_len;
};

/* What a push should do beyond uploading the cover and saving a draft. */
struct wx_push_opts {
	int		 publish;		/* freepublish */
	int		 mass_send;		/* publish, then send to all */
	char		 preview[WX_ARTICLE_MAX_OPENID + 1]; /* OpenID, 微信号
							or "" */
	int		 preview_wxname;	/* preview names a 微信号 */
};

/*
 * Read an article file: its JSON, then content_file and thumb relative to
 * the file's directory.  Fills a (zeroed by the call) and validates it.
 * Returns 0, or -1 with *cause malloc'ed (names the field and the rule).
 */
int	wx_article_load(const char *path, struct wx_article *a, char **cause);

/*
 * Fill a from JSON.  With base_dir, "content_file" and "thumb" name files
 * (relative to base_dir); without it (the admin API) only the inline forms
 * are accepted: "content" and "thumb_base64" + "thumb_name".  Validates.
 * Returns 0, or -1 with *cause malloc'ed.
 */
int	wx_article_parse(const json_t *j, const char *base_dir,
	    struct wx_article *a, char **cause);

/* Check a against §7.6; 0, or -1 with *cause malloc'ed. */
int	wx_article_validate(const struct wx_article *a, char **cause);

/* The inline JSON form of a (content, thumb_base64); NULL on no memory. */
json_t	*wx_article_json(const struct wx_article *a);

/* The idempotency key of a: "wxkb-" and 32 hex digits, NUL-terminated. */
void	wx_article_key(const struct wx_article *a,
	    char key[WX_ARTICLE_KEY_LEN + 1]);

/* The MIME type of the cover by its extension ("image/jpeg"), or NULL. */
const char *wx_article_thumb_type(const struct wx_article *a);

/* A deep copy of s into d; 0, or -1 when memory is short. */
int	wx_article_copy(struct wx_article *d, const struct wx_article *s);

void	wx_article_cleanup(struct wx_article *a);

/*
 * The body of POST /api/push: {"article":{inline},"publish":bool,
 * "mass_send":bool,"preview":"OPENID"} or "preview_wxname":"微信号"
 * instead of "preview".  NULL on no memory.
 */
json_t	*wx_article_request_json(const struct wx_article *a,
	    const struct wx_push_opts *o);

/* 1 when s is a well-formed 微信号 (WeChat ID), else 0. */
int	wx_article_wxname_valid(const char *s);

/* Read that body back into a and o.  0, or -1 with *cause malloc'ed. */
int	wx_article_request_parse(const json_t *j, struct wx_article *a,
	    struct wx_push_opts *o, char **cause);

#endif
