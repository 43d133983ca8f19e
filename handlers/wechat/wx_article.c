/*
 * wx_article — the article file, its inline form for the admin API, the
 * §7.6 checks and the idempotency key.
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>

#include "handlers/wechat/wx_article.h"
#include "lib/cause.h"
#include "lib/digest.h"
#include "lib/file.h"
#include "lib/utf8.h"

/* The cover image types the platform takes for type=image (§7.5). */
static const struct {
	const char	*ext;
	const char	*mime;
	unsigned char	 magic[4];
	size_t		 mlen;
} art_types[] = {
	{ "jpg", "image/jpeg", { 0xff, 0xd8, 0xff, 0 }, 3 },
	{ "jpeg", "image/jpeg", { 0xff, 0xd8, 0xff, 0 }, 3 },
	{ "png", "image/png", { 0x89, 'P', 'N', 'G' }, 4 },
	{ "gif", "image/gif", { 'G', 'I', 'F', '8' }, 4 },
	{ "bmp", "image/bmp", { 'B', 'M', 0, 0 }, 2 },
};

static const char *const art_article_keys[] = {
	"title", "author", "digest", "content", "content_file",
	"content_source_url", "thumb", "thumb_base64", "thumb_name", NULL
};

/* Unicode characters in a UTF-8 string. */
static size_t
art_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

void
wx_article_cleanup(struct wx_article *a)
{
	if (a == NULL)
		return;
	free(a->title);
	free(a->author);
	free(a->digest);
	free(a->content);
	free(a->content_source_url);
	free(a->thumb_name);
	free(a->thumb);
	memset(a, 0, sizeof *a);
}

/* The image type of name by its extension, or -1. */
static int
art_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot == NULL)
		return -1;
	for (i = 0; i < sizeof art_types / sizeof art_types[0]; i++) {
		if (strcasecmp(dot + 1, art_types[i].ext) == 0)
			return (int)i;
	}
	return -1;
}

static int
art_check_text(const char *field, const char *s, int required,
    size_t max_chars, char **cause)
{
	if (s == NULL) {
		if (required) {
			cause_set(cause, "%s: missing", field);
			return -1;
		}
		return 0;
	}
	if (*s == '\0' || !utf8_valid(s, strlen(s))) {
		cause_set(cause, "%s: must be non-empty UTF-8 text", field);
		return -1;
	}
	if (max_chars > 0 && art_chars(s) > max_chars) {
		cause_set(cause, "%s: %zu characters, at most %zu allowed",
		    field, art_chars(s), max_chars);
		return -1;
	}
	return 0;
}

int
wx_article_validate(const struct wx_article *a, char **cause)
{
	const char *n = a->thumb_name;
	size_t len;
	int t;

	if (art_check_text("title", a->title, 1, WX_ARTICLE_MAX_TITLE,
	    cause) != 0 ||
	    art_check_text("author", a->author, 0, WX_ARTICLE_MAX_AUTHOR,
	    cause) != 0 ||
	    art_check_text("digest", a->digest, 0, WX_ARTICLE_MAX_DIGEST,
	    cause) != 0 ||
	    art_check_text("content", a->content, 1, 0, cause) != 0)
		return -1;
	len = strlen(a->content);
	if (len >= WX_ARTICLE_MAX_CONTENT ||
	    art_chars(a->content) >= WX_ARTICLE_MAX_CHARS) {
		cause_set(cause, "content: %zu bytes, %zu characters; it must "
		    "stay below 1 MiB and %d characters", len,
		    art_chars(a->content), WX_ARTICLE_MAX_CHARS);
		return -1;
	}
	if (a->content_source_url != NULL) {
		if (strlen(a->content_source_url) > WX_ARTICLE_MAX_URL ||
		    (strncmp(a->content_source_url, "http://", 7) != 0 &&
		    strncmp(a->content_source_url, "https://", 8) != 0)) {
			cause_set(cause, "content_source_url: must be an "
			    "http:// or https:// URL of at most %d bytes",
			    WX_ARTICLE_MAX_URL);
			return -1;
		}
	}
	if (n == NULL || a->thumb == NULL || a->thumb_len == 0) {
		cause_set(cause, "thumb: missing (the cover image)");
		return -1;
	}
	if (strlen(n) > 200 || strpbrk(n, "/\\\"\r\n") != NULL) {
		cause_set(cause, "thumb: unusable file name");
		return -1;
	}
	t = art_type(n);
	if (t < 0) {
		cause_set(cause, "thumb: %s is not a .jpg, .jpeg, .png, .gif "
		    "or .bmp file", n);
		return -1;
	}
	if (a->thumb_len > WX_ARTICLE_MAX_THUMB) {
		cause_set(cause, "thumb: %zu bytes, at most %d allowed",
		    a->thumb_len, WX_ARTICLE_MAX_THUMB);
		return -1;
	}
	if (a->thumb_len < art_types[t].mlen || memcmp(a->thumb,
	    art_types[t].magic, art_types[t].mlen) != 0) {
		cause_set(cause, "thumb: %s does not look like a %s image", n,
		    art_types[t].mime);
		return -1;
	}
	return 0;
}

/* Copy the optional string member key of j into *out. */
static int
art_get_str(const json_t *j, const char *key, char **out, char **cause)
{
	json_t *v = json_object_get(j, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) !=
	    json_string_length(v)) {
		cause_set(cause, "%s: must be a string", key);
		return -1;
	}
	*out = strdup(json_string_value(v));
	if (*out == NULL) {
		cause_set(cause, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * A file named by the article: a plain name in the article's own
 * directory.  wxkbctl push may run with more rights than the author of
 * the JSON, so no absolute path, no directory, no symbolic link, nothing
 * but a regular file (a FIFO must not block either).
 */
static int
art_read(const char *base_dir, const char *field, const char *name,
    size_t namelen, size_t max, char **buf, size_t *len, char **cause)
{
	char *path = NULL, *why = NULL;
	int r;

	if (namelen == 0 || namelen != strlen(name) || strchr(name, '/') !=
	    NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		cause_set(cause, "%s: must be the name of a file beside the "
		    "article (no '/', no '..')", field);
		return -1;
	}
	if (asprintf(&path, "%s/%s", base_dir, name) == -1) {
		cause_set(cause, "out of memory");
		return -1;
	}
	r = file_read_flags(path, O_NOFOLLOW | O_NONBLOCK, max, buf, len,
	    &why);
	if (r == FILE_ERR_TOOBIG)
		cause_set(cause, "%s: %s is larger than %zu bytes", field,
		    path, max);
	else if (r != 0)
		cause_set(cause, "%s: %s", field, why != NULL ? why :
		    "cannot read the file");
	free(why);
	free(path);
	return r == 0 ? 0 : -1;
}

int
wx_article_parse(const json_t *j, const char *base_dir, struct wx_article *a,
    char **cause)
{
	const char *key, *name, *b64;
	json_t *v;
	char *buf = NULL;
	size_t len = 0, olen, i;

	memset(a, 0, sizeof *a);
	if (!json_is_object(j)) {
		cause_set(cause, "the article must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)j, key, v) {
		for (i = 0; art_article_keys[i] != NULL; i++) {
			if (strcmp(key, art_article_keys[i]) == 0)
				break;
		}
		if (art_article_keys[i] == NULL) {
			cause_set(cause, "%s: unknown key", key);
			return -1;
		}
	}
	if (art_get_str(j, "title", &a->title, cause) != 0 ||
	    art_get_str(j, "author", &a->author, cause) != 0 ||
	    art_get_str(j, "digest", &a->digest, cause) != 0 ||
	    art_get_str(j, "content", &a->content, cause) != 0 ||
	    art_get_str(j, "content_source_url", &a->content_source_url,
	    cause) != 0)
		goto fail;

	name = json_string_value(json_object_get(j, "content_file"));
	if (json_object_get(j, "content_file") != NULL) {
		if (a->content != NULL || name == NULL) {
			cause_set(cause, "content_file: give either content "
			    "or content_file (a file name)");
			goto fail;
		}
		if (base_dir == NULL) {
			cause_set(cause, "content_file: file names are not "
			    "accepted here; send the content inline");
			goto fail;
		}
		if (art_read(base_dir, "content_file", name,
		    json_string_length(json_object_get(j, "content_file")),
		    WX_ARTICLE_MAX_CONTENT, &buf, &len, cause) != 0)
			goto fail;
		if (!utf8_valid(buf, len)) {
			cause_set(cause, "content_file: %s is not UTF-8 text",
			    name);
			free(buf);
			goto fail;
		}
		a->content = buf;
	}

	name = json_string_value(json_object_get(j, "thumb"));
	b64 = json_string_value(json_object_get(j, "thumb_base64"));
	if (json_object_get(j, "thumb") != NULL) {
		if (b64 != NULL || name == NULL || *name == '\0') {
			cause_set(cause, "thumb: give either thumb (a file "
			    "name) or thumb_base64 with thumb_name");
			goto fail;
		}
		if (base_dir == NULL) {
			cause_set(cause, "thumb: file names are not accepted "
			    "here; send thumb_base64 and thumb_name");
			goto fail;
		}
		buf = NULL;
		if (art_read(base_dir, "thumb", name,
		    json_string_length(json_object_get(j, "thumb")),
		    WX_ARTICLE_MAX_THUMB, &buf, &len, cause) != 0)
			goto fail;
		a->thumb = (unsigned char *)buf;
		a->thumb_len = len;
		buf = strdup(name);
		a->thumb_name = buf != NULL ? strdup(basename(buf)) : NULL;
		free(buf);
		if (a->thumb_name == NULL) {
			cause_set(cause, "out of memory");
			goto fail;
		}
	} else if (b64 != NULL) {
		if (art_get_str(j, "thumb_name", &a->thumb_name, cause) != 0)
			goto fail;
		len = strlen(b64);
		if (len > (WX_ARTICLE_MAX_THUMB / 3 + 1) * 4) {
			cause_set(cause, "thumb_base64: the image is larger "
			    "than %d bytes", WX_ARTICLE_MAX_THUMB);
			goto fail;
		}
		a->thumb = malloc(len / 4 * 3 + 3);
		if (a->thumb == NULL) {
			cause_set(cause, "out of memory");
			goto fail;
		}
		if (mbedtls_base64_decode(a->thumb, len / 4 * 3 + 3, &olen,
		    (const unsigned char *)b64, len) != 0) {
			cause_set(cause, "thumb_base64: not base64");
			goto fail;
		}
		a->thumb_len = olen;
	}
	if (wx_article_validate(a, cause) != 0)
		goto fail;
	return 0;
fail:
	wx_article_cleanup(a);
	return -1;
}

int
wx_article_load(const char *path, struct wx_article *a, char **cause)
{
	json_error_t jerr;
	json_t *j;
	char *dcopy, *buf = NULL, *why = NULL;
	size_t len = 0;
	int r;

	memset(a, 0, sizeof *a);
	if (file_read(path, WX_ARTICLE_MAX_FILE, &buf, &len, &why) != 0) {
		cause_set(cause, "%s", why != NULL ? why : "cannot read");
		free(why);
		return -1;
	}
	j = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (j == NULL) {
		cause_set(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column,
		    jerr.text);
		return -1;
	}
	dcopy = strdup(path);
	if (dcopy == NULL) {
		json_decref(j);
		cause_set(cause, "out of memory");
		return -1;
	}
	r = wx_article_parse(j, dirname(dcopy), a, cause);
	free(dcopy);
	json_decref(j);
	return r;
}

json_t *
wx_article_json(const struct wx_article *a)
{
	unsigned char *b64;
	size_t n = 0;
	json_t *j;

	mbedtls_base64_encode(NULL, 0, &n, a->thumb, a->thumb_len);
	b64 = malloc(n + 1);
	if (b64 == NULL)
		return NULL;
	if (mbedtls_base64_encode(b64, n + 1, &n, a->thumb, a->thumb_len) !=
	    0) {
		free(b64);
		return NULL;
	}
	b64[n] = '\0';
	j = json_pack("{s:s,s:s*,s:s*,s:s,s:s*,s:s,s:s}", "title", a->title,
	    "author", a->author, "digest", a->digest, "content", a->content,
	    "content_source_url", a->content_source_url, "thumb_name",
	    a->thumb_name, "thumb_base64", (const char *)b64);
	free(b64);
	return j;
}

void
wx_article_key(const struct wx_article *a, char key[WX_ARTICLE_KEY_LEN + 1])
{
	mbedtls_sha256_context c;
	unsigned char d[32];

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	digest_str(&c, a->title);
	digest_str(&c, a->author);
	digest_str(&c, a->digest);
	digest_str(&c, a->content);
	digest_str(&c, a->content_source_url);
	digest_field(&c, a->thumb, a->thumb_len, a->thumb != NULL);
	mbedtls_sha256_finish_ret(&c, d);
	mbedtls_sha256_free(&c);
	memcpy(key, "wxkb-", 5);
	digest_hex(d, 16, key + 5);
}

json_t *
wx_article_request_json(const struct wx_article *a,
    const struct wx_push_opts *o)
{
	json_t *art = wx_article_json(a);

	if (art == NULL)
		return NULL;
	return json_pack("{s:o,s:b,s:b,s:s*}", "article", art, "publish",
	    o->publish, "mass_send", o->mass_send, o->preview_wxname ?
	    "preview_wxname" : "preview", o->preview[0] != '\0' ?
	    o->preview : NULL);
}

int
wx_article_wxname_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 6 || n > WX_ARTICLE_MAX_WXNAME || !((s[0] >= 'a' &&
	    s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	}
	return 1;
}

int
wx_article_request_parse(const json_t *j, struct wx_article *a,
    struct wx_push_opts *o, char **cause)
{
	const char *key, *s;
	json_t *v;

	memset(o, 0, sizeof *o);
	memset(a, 0, sizeof *a);
	if (!json_is_object(j)) {
		cause_set(cause, "the request must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)j, key, v) {
		if (strcmp(key, "publish") == 0 ||
		    strcmp(key, "mass_send") == 0) {
			if (!json_is_boolean(v)) {
				cause_set(cause, "%s: must be true or false",
				    key);
				return -1;
			}
		} else if (strcmp(key, "preview") == 0) {
			s = json_string_value(v);
			if (json_is_null(v))
				continue;
			if (s == NULL || *s == '\0' || strlen(s) >
			    WX_ARTICLE_MAX_OPENID || strpbrk(s, "\" \\\r\n") !=
			    NULL) {
				cause_set(cause, "preview: must be an OpenID");
				return -1;
			}
			if (o->preview[0] != '\0') {
				cause_set(cause, "preview: give either preview "
				    "or preview_wxname");
				return -1;
			}
			snprintf(o->preview, sizeof o->preview, "%s", s);
		} else if (strcmp(key, "preview_wxname") == 0) {
			s = json_string_value(v);
			if (json_is_null(v))
				continue;
			if (s == NULL || !wx_article_wxname_valid(s)) {
				cause_set(cause, "preview_wxname: must be a "
				    "WeChat ID (6 to 20 letters, digits, - "
				    "and _, starting with a letter)");
				return -1;
			}
			if (o->preview[0] != '\0') {
				cause_set(cause, "preview: give either preview "
				    "or preview_wxname");
				return -1;
			}
			snprintf(o->preview, sizeof o->preview, "%s", s);
			o->preview_wxname = 1;
		} else if (strcmp(key, "article") != 0) {
			cause_set(cause, "%s: unknown key", key);
			return -1;
		}
	}
	o->publish = json_is_true(json_object_get(j, "publish"));
	o->mass_send = json_is_true(json_object_get(j, "mass_send"));
	if (json_object_get(j, "article") == NULL) {
		cause_set(cause, "article: missing");
		return -1;
	}
	return wx_article_parse(json_object_get(j, "article"), NULL, a, cause);
}

int
wx_article_copy(struct wx_article *d, const struct wx_article *s)
{
	memset(d, 0, sizeof *d);
	d->title = strdup(s->title);
	d->author = s->author != NULL ? strdup(s->author) : NULL;
	d->digest = s->digest != NULL ? strdup(s->digest) : NULL;
	d->content = strdup(s->content);
	d->content_source_url = s->content_source_url != NULL ?
	    strdup(s->content_source_url) : NULL;
	d->thumb_name = strdup(s->thumb_name);
	d->thumb = malloc(s->thumb_len);
	d->thumb_len = s->thumb_len;
	if (d->title == NULL || d->content == NULL || d->thumb_name == NULL ||
	    d->thumb == NULL || (s->author != NULL && d->author == NULL) ||
	    (s->digest != NULL && d->digest == NULL) ||
	    (s->content_source_url != NULL && d->content_source_url == NULL)) {
		wx_article_cleanup(d);
		return -1;
	}
	memcpy(d->thumb, s->thumb, s->thumb_len);
	return 0;
}


const char *
wx_article_thumb_type(const struct wx_article *a)
{
	int t = a->thumb_name != NULL ? art_type(a->thumb_name) : -1;

	return t >= 0 ? art_types[t].mime : NULL;
}
