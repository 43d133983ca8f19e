/*
 * hx_request — one request of a case turned into the bytes to send: the
 * placeholders ({SIG}, {ENC:...}, {PAD:n}, ...; their list is at the top
 * of tests/hostile/cases.txt) expanded with fresh case variables and
 * correct or deliberately wrong signatures and ciphertexts, and the
 * headers a request needs added.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/base64.h>

#include "handlers/callback/wx_sig.h"
#include "tests/tools/hx_common.h"
#include "tests/tools/hx_request.h"

#define HX_MAX_DEPTH	16			/* placeholder nesting */

static void	hx_expand(struct hx_vars *, const char *, size_t,
		    struct dbuf *, int);

/* The text message of the case, as WeChat sends it (§5). */
static void
hx_text_xml(const struct hx_vars *v, const char *msgid, const char *content,
    size_t clen, struct dbuf *out)
{
	dbuf_addf(out, "<xml><ToUserName><![CDATA[%s]]></ToUserName>"
	    "<FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime>"
	    "<MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[", HX_TOUSER, v->openid,
	    (long long)time(NULL));
	dbuf_add(out, content, clen);	/* may hold any byte */
	dbuf_addf(out, "]]></Content><MsgId>%s</MsgId></xml>", msgid);
}

enum hx_frame_kind {
	HX_FRAME_PAD,		/* last byte n, valid when 1 <= n <= 32 */
	HX_FRAME_BADPAD,	/* last byte n, an earlier pad byte not n */
	HX_FRAME_MSGLEN,	/* msg_len field set to n */
};

/*
 * The Base64 ciphertext of a frame carrying the probe question, shaped as
 * kind asks.  For a pad value of 1..32 the message is lengthened with
 * trailing white space (allowed after the root element) until the
 * frame's own padding is exactly n bytes.
 */
static void
hx_frame_b64(const struct hx_vars *v, enum hx_frame_kind kind,
    unsigned long n, struct dbuf *out)
{
	struct dbuf msg = { NULL, 0, 0 };
	unsigned char *f, *g;
	size_t len, base, k;

	hx_text_xml(v, v->msgid, HX_PROBE_Q, strlen(HX_PROBE_Q), &msg);
	if (kind != HX_FRAME_MSGLEN && n >= 1 && n <= 32) {
		base = 20 + msg.len + strlen(hx.appid);
		k = (64 - n - base % 32) % 32;
		while (k-- > 0)
			dbuf_add(&msg, " ", 1);
	}
	f = hx_frame(msg.p, msg.len, hx.appid, &len);
	switch (kind) {
	case HX_FRAME_PAD:
		if (n < 1 || n > 32) {
			/* 32 more bytes of n: the length stays right. */
			g = hx_alloc(len + 32);
			memcpy(g, f, len);
			memset(g + len, (int)(n & 0xff), 32);
			free(f);
			f = g;
			len += 32;
		}
		break;
	case HX_FRAME_BADPAD:
		if (n < 2 || n > 32)
			hx_die("line %d: BADPAD takes 2..32", v->line);
		f[len - n] = (unsigned char)(n - 1);
		break;
	case HX_FRAME_MSGLEN:
		f[16] = (unsigned char)(n >> 24);
		f[17] = (unsigned char)(n >> 16);
		f[18] = (unsigned char)(n >> 8);
		f[19] = (unsigned char)n;
		break;
	}
	hx_aes_b64(hx.key, f, len, out);
	free(f);
	dbuf_free(&msg);
}

/* --- placeholders -------------------------------------------------------- */

/* The signature of token, ts, nonce (and the body's Encrypt), as asked. */
static void
hx_signature(const struct hx_vars *v, const char *how, int with_encrypt,
    struct dbuf *out)
{
	const char *parts[4], *token = hx.token;
	char sig[WX_SIG_HEX_LEN + 1], *enc = NULL;
	size_t i;

	if (how != NULL && strncmp(how, "token=", 6) == 0)
		token = how + 6;
	parts[0] = token;
	parts[1] = v->ts;
	parts[2] = v->nonce;
	if (with_encrypt && how != NULL && strncmp(how, "enc=", 4) == 0)
		enc = strdup(how + 4);
	else if (with_encrypt)
		enc = hx_strndup(v->encrypt != NULL ? v->encrypt : "",
		    v->encrypt_len);
	parts[3] = enc;
	wx_sig_compute(parts, with_encrypt ? 4 : 3, sig);
	free(enc);
	if (how == NULL || *how == '\0' || strncmp(how, "token=", 6) == 0 ||
	    strncmp(how, "enc=", 4) == 0)
		dbuf_adds(out, sig);
	else if (strcmp(how, "upper") == 0) {
		for (i = 0; sig[i] != '\0'; i++)
			sig[i] = (char)toupper((unsigned char)sig[i]);
		dbuf_adds(out, sig);
	} else if (strcmp(how, "short") == 0)
		dbuf_add(out, sig, WX_SIG_HEX_LEN - 1);
	else if (strcmp(how, "long") == 0) {
		dbuf_adds(out, sig);
		dbuf_adds(out, "0");
	} else if (strcmp(how, "flip") == 0) {
		/* One digit off, at the end: a compare must look at all. */
		sig[WX_SIG_HEX_LEN - 1] = sig[WX_SIG_HEX_LEN - 1] == '0' ?
		    '1' : '0';
		dbuf_adds(out, sig);
	} else
		hx_die("line %d: unknown signature variant '%s'", v->line,
		    how);
}

static unsigned long
hx_number(const struct hx_vars *v, const char *s, unsigned long max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || n > max)
		hx_die("line %d: '%s' is not a number up to %lu", v->line, s,
		    max);
	return n;
}

/* The arg of a placeholder, itself expanded; malloc'ed. */
static char *
hx_arg(struct hx_vars *v, const char *arg, size_t len, int depth,
    size_t *outlen)
{
	struct dbuf b = { NULL, 0, 0 };

	hx_expand(v, arg, len, &b, depth + 1);
	dbuf_add(&b, "", 0);
	if (outlen != NULL)
		*outlen = b.len;
	return b.p;
}

/* Encrypt the expanded xml with key and appid into out (Base64). */
static void
hx_encrypt(const unsigned char key[32], const char *appid, const char *xml,
    size_t len, struct dbuf *out)
{
	unsigned char *f;
	size_t flen;

	f = hx_frame(xml, len, appid, &flen);
	hx_aes_b64(key, f, flen, out);
	free(f);
}

/* Split "a:b" at its first colon; the pieces point into s. */
static void
hx_split(const struct hx_vars *v, const char *name, const char *s,
    size_t len, size_t *first, const char **rest, size_t *restlen)
{
	const char *c = memchr(s, ':', len);

	if (c == NULL)
		hx_die("line %d: {%s:...} needs two arguments", v->line,
		    name);
	*first = (size_t)(c - s);
	*rest = c + 1;
	*restlen = len - *first - 1;
}

/* Expand one placeholder {name} or {name:arg} into out. */
static void
hx_placeholder(struct hx_vars *v, const char *name, const char *arg,
    size_t arglen, struct dbuf *out, int depth)
{
	struct dbuf tmp = { NULL, 0, 0 };
	static const char plainq[] = "signature={SIG}&timestamp={TS}"
	    "&nonce={NONCE}&openid={OPENID}";
	static const char safeq[] = "signature={SIG}&timestamp={TS}"
	    "&nonce={NONCE}&openid={OPENID}&encrypt_type=aes"
	    "&msg_signature={MSGSIG}";
	unsigned char key[32], *raw, byte;
	const char *rest;
	char *a = NULL, *first = NULL, pair[3] = "";
	size_t len, i, n, restlen;

	if (arg != NULL && strcmp(name, "TEXT") != 0 &&
	    strcmp(name, "TEXT2") != 0 && strcmp(name, "ENC_APPID") != 0 &&
	    strcmp(name, "ENC_KEY") != 0 && strcmp(name, "REP") != 0)
		a = hx_arg(v, arg, arglen, depth, &len);
	if (strcmp(name, "TS") == 0)
		dbuf_adds(out, v->ts);
	else if (strcmp(name, "NONCE") == 0)
		dbuf_adds(out, v->nonce);
	else if (strcmp(name, "NOW") == 0)
		dbuf_addf(out, "%lld", (long long)time(NULL));
	else if (strcmp(name, "OPENID") == 0)
		dbuf_adds(out, v->openid);
	else if (strcmp(name, "MSGID") == 0)
		dbuf_adds(out, v->msgid);
	else if (strcmp(name, "MSGID2") == 0)
		dbuf_adds(out, v->msgid2);
	else if (strcmp(name, "TOUSER") == 0)
		dbuf_adds(out, HX_TOUSER);
	else if (strcmp(name, "ADMIN_TOKEN") == 0) {
		n = strlen(hx.admin_token);
		if (a != NULL && strcmp(a, "short") == 0 && n > 0)
			n--;
		dbuf_add(out, hx.admin_token, n);
	}
	else if (strcmp(name, "SIG") == 0)
		hx_signature(v, a, 0, out);
	else if (strcmp(name, "MSGSIG") == 0)
		hx_signature(v, a, 1, out);
	else if (strcmp(name, "PLAINQ") == 0)
		hx_expand(v, plainq, sizeof plainq - 1, out, depth + 1);
	else if (strcmp(name, "SAFEQ") == 0)
		hx_expand(v, safeq, sizeof safeq - 1, out, depth + 1);
	else if (strcmp(name, "TEXT") == 0 || strcmp(name, "TEXT2") == 0) {
		a = hx_arg(v, arg != NULL ? arg : "", arglen, depth, &len);
		hx_text_xml(v, name[4] == '2' ? v->msgid2 : v->msgid, a, len,
		    out);
	} else if (strcmp(name, "EVENT") == 0)
		dbuf_addf(out, "<xml><ToUserName><![CDATA[%s]]></ToUserName>"
		    "<FromUserName><![CDATA[%s]]></FromUserName>"
		    "<CreateTime>%lld</CreateTime>"
		    "<MsgType><![CDATA[event]]></MsgType>"
		    "<Event><![CDATA[%s]]></Event></xml>", HX_TOUSER,
		    v->openid, (long long)time(NULL), a != NULL ? a : "");
	else if (strcmp(name, "ENC") == 0)
		hx_encrypt(hx.key, hx.appid, a, len, out);
	else if (strcmp(name, "ENC_APPID") == 0 ||
	    strcmp(name, "ENC_KEY") == 0) {
		hx_split(v, name, arg, arglen, &n, &rest, &restlen);
		first = hx_strndup(arg, n);
		a = hx_arg(v, rest, restlen, depth, &len);
		if (name[4] == 'A')
			hx_encrypt(hx.key, first, a, len, out);
		else {
			if (hx_key_decode(first, key) != 0)
				hx_die("line %d: bad key %s", v->line, first);
			hx_encrypt(key, hx.appid, a, len, out);
		}
	} else if (strcmp(name, "PAD") == 0)
		hx_frame_b64(v, HX_FRAME_PAD, hx_number(v, a, 255), out);
	else if (strcmp(name, "BADPAD") == 0)
		hx_frame_b64(v, HX_FRAME_BADPAD, hx_number(v, a, 32), out);
	else if (strcmp(name, "MSGLEN") == 0)
		hx_frame_b64(v, HX_FRAME_MSGLEN, hx_number(v, a, 0xffffffffUL),
		    out);
	else if (strcmp(name, "RAND64") == 0) {
		n = hx_number(v, a, 1 << 20);
		raw = hx_alloc(n);
		hx_rand_bytes(raw, n);
		len = (n + 2) / 3 * 4 + 1;
		first = hx_alloc(len);
		if (mbedtls_base64_encode((unsigned char *)first, len, &len,
		    raw, n) != 0)
			hx_die("Base64 failed");
		dbuf_add(out, first, len);
		free(raw);
	} else if (strcmp(name, "B64") == 0) {
		n = (len + 2) / 3 * 4 + 1;
		first = hx_alloc(n);
		if (mbedtls_base64_encode((unsigned char *)first, n, &n,
		    (const unsigned char *)a, len) != 0)
			hx_die("Base64 failed");
		dbuf_add(out, first, n);
	} else if (strcmp(name, "ENVELOPE") == 0) {
		dbuf_addf(out, "<xml><ToUserName><![CDATA[%s]]></ToUserName>"
		    "<Encrypt><![CDATA[", HX_TOUSER);
		dbuf_add(out, a, len);
		dbuf_adds(out, "]]></Encrypt></xml>");
	} else if (strcmp(name, "CHUNKED") == 0) {
		/* Chunks of up to 100 bytes, then the last one. */
		for (i = 0; i < len; i += n) {
			n = len - i < 100 ? len - i : 100;
			dbuf_addf(out, "%zx\r\n", n);
			dbuf_add(out, a + i, n);
			dbuf_add(out, "\r\n", 2);
		}
		dbuf_add(out, "0\r\n\r\n", 5);
	} else if (strcmp(name, "BIG") == 0) {
		n = hx_number(v, a, HX_MAX_REQ - 1024);
		for (i = 0; i < n; i++)
			dbuf_add(out, "a", 1);
	} else if (strcmp(name, "REP") == 0) {
		hx_split(v, name, arg, arglen, &n, &rest, &restlen);
		first = hx_strndup(arg, n);
		n = hx_number(v, first, 100000);
		hx_expand(v, rest, restlen, &tmp, depth + 1);
		for (i = 0; i < n; i++)
			dbuf_add(out, tmp.p, tmp.len);
	} else if (strcmp(name, "CRLF") == 0)
		dbuf_add(out, "\r\n", 2);
	else if (strcmp(name, "CR") == 0)
		dbuf_add(out, "\r", 1);
	else if (strcmp(name, "LF") == 0)
		dbuf_add(out, "\n", 1);
	else if (strcmp(name, "TAB") == 0)
		dbuf_add(out, "\t", 1);
	else if (strcmp(name, "HEX") == 0) {
		for (i = 0; i < len; i++) {
			if (isspace((unsigned char)a[i]))
				continue;
			if (i + 1 >= len || !isxdigit((unsigned char)a[i]) ||
			    !isxdigit((unsigned char)a[i + 1]))
				hx_die("line %d: bad {HEX:%s}", v->line, a);
			memcpy(pair, a + i, 2);
			byte = (unsigned char)strtoul(pair, NULL, 16);
			dbuf_add(out, &byte, 1);
			i++;
		}
	} else
		hx_die("line %d: unknown placeholder {%s}", v->line, name);
	dbuf_free(&tmp);
	free(first);
	free(a);
}

/*
 * Copy s to out with every placeholder expanded.  A '{' that does not
 * start an upper-case name followed by '}' or ':' is plain text, so JSON
 * bodies need no escaping.
 */
static void
hx_expand(struct hx_vars *v, const char *s, size_t n, struct dbuf *out,
    int depth)
{
	char name[32];
	size_t i = 0, j, k;
	int level;

	if (depth > HX_MAX_DEPTH)
		hx_die("line %d: placeholders nested too deep", v->line);
	while (i < n) {
		if (s[i] != '{' || i + 1 >= n ||
		    !isupper((unsigned char)s[i + 1])) {
			dbuf_add(out, s + i, 1);
			i++;
			continue;
		}
		for (j = i + 1; j < n && (isupper((unsigned char)s[j]) ||
		    isdigit((unsigned char)s[j]) || s[j] == '_'); j++)
			;
		if (j >= n || (s[j] != '}' && s[j] != ':') ||
		    j - i - 1 >= sizeof name) {
			dbuf_add(out, s + i, 1);
			i++;
			continue;
		}
		memcpy(name, s + i + 1, j - i - 1);
		name[j - i - 1] = '\0';
		if (s[j] == '}') {
			hx_placeholder(v, name, NULL, 0, out, depth);
			i = j + 1;
			continue;
		}
		for (k = j + 1, level = 0; k < n; k++) {
			if (s[k] == '{')
				level++;
			else if (s[k] == '}' && level-- == 0)
				break;
		}
		if (k >= n)
			hx_die("line %d: {%s: is not closed", v->line, name);
		hx_placeholder(v, name, s + j + 1, k - j - 1, out, depth);
		i = k + 1;
	}
}

/* --- building a request -------------------------------------------------- */

/* Fresh case variables: timestamp now, a nonce, an OpenID, two MsgIds. */
void
hx_vars_init(struct hx_vars *v, int line)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	memset(v, 0, sizeof *v);
	v->line = line;
	snprintf(v->ts, sizeof v->ts, "%lld", (long long)time(NULL));
	snprintf(v->nonce, sizeof v->nonce, "%llu",
	    1000000000ULL + hx_rand() % 9000000000ULL);
	memcpy(v->openid, "oHx", 3);
	for (i = 3; i < 28; i++)
		v->openid[i] = abc[hx_rand() % 64];
	v->openid[28] = '\0';
	snprintf(v->msgid, sizeof v->msgid, "%llu",
	    7000000000000000000ULL + hx_rand() % 1000000000000000000ULL);
	snprintf(v->msgid2, sizeof v->msgid2, "%llu",
	    7000000000000000000ULL + hx_rand() % 1000000000000000000ULL);
}

/* The trimmed content of the first <Encrypt> of body, for MSGSIG. */
static void
hx_find_encrypt(const char *body, size_t len, const char **enc,
    size_t *enclen)
{
	const char *a, *b, *end = body + len;

	*enc = NULL;
	*enclen = 0;
	a = memmem(body, len, "<Encrypt>", 9);
	if (a == NULL)
		return;
	a += 9;
	b = memmem(a, (size_t)(end - a), "</Encrypt>", 10);
	if (b == NULL)
		return;
	if ((size_t)(b - a) >= 12 && memcmp(a, "<![CDATA[", 9) == 0 &&
	    memcmp(b - 3, "]]>", 3) == 0) {
		a += 9;
		b -= 3;
	}
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	*enc = a;
	*enclen = (size_t)(b - a);
}

/* 1 when the head (CRLF-separated lines) has header name. */
static int
hx_has_header(const char *head, const char *name)
{
	const char *p = head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return 1;
	}
	return 0;
}

/*
 * Turn request r of case c into bytes in m.  soak: keep the connection
 * (no "Connection: close"), for wrk.
 */
void
hx_build(const struct hx_vars *cv, const struct hx_req *r, int soak,
    struct hx_msg *m)
{
	struct hx_vars v = *cv;
	struct dbuf head = { NULL, 0, 0 }, body = { NULL, 0, 0 };
	struct dbuf text = { NULL, 0, 0 };
	char *lines, *p, *blank;
	size_t len;

	v.line = r->line;
	if (r->ts != NULL && (r->ts[0] == '+' || r->ts[0] == '-') &&
	    isdigit((unsigned char)r->ts[1]))
		snprintf(v.ts, sizeof v.ts, "%lld", (long long)time(NULL) +
		    strtoll(r->ts, NULL, 10));
	else if (r->ts != NULL) {
		/* {TS} in a literal stands for now, already in v.ts. */
		hx_expand(&v, r->ts, strlen(r->ts), &text, 0);
		snprintf(v.ts, sizeof v.ts, "%s", text.p != NULL ? text.p :
		    "");
		dbuf_free(&text);
	}
	if (r->nonce != NULL && strcmp(r->nonce, "fresh") == 0)
		snprintf(v.nonce, sizeof v.nonce, "%llu",
		    1000000000ULL + hx_rand() % 9000000000ULL);
	else if (r->nonce != NULL)
		snprintf(v.nonce, sizeof v.nonce, "%s", r->nonce);
	memset(m, 0, sizeof *m);
	snprintf(m->nonce, sizeof m->nonce, "%s", v.nonce);
	snprintf(m->openid, sizeof m->openid, "%s", v.openid);

	if (r->raw) {
		/* Line breaks of the file are layout: {CRLF} says it all. */
		for (p = r->text; *p != '\0'; p++) {
			if (*p != '\n')
				dbuf_add(&text, p, 1);
		}
		dbuf_add(&text, "", 0);
		hx_expand(&v, text.p, text.len, &m->out, 0);
		dbuf_free(&text);
		goto out;
	}
	lines = strdup(r->text);
	len = strlen(lines);
	while (len > 0 && lines[len - 1] == '\n')
		lines[--len] = '\0';
	blank = strstr(lines, "\n\n");
	if (blank != NULL) {
		*blank = '\0';
		hx_expand(&v, blank + 2, strlen(blank + 2), &body, 0);
	}
	hx_find_encrypt(body.p != NULL ? body.p : "", body.len, &v.encrypt,
	    &v.encrypt_len);
	for (p = lines; *p != '\0'; p++) {
		if (*p == '\n')
			dbuf_add(&text, "\r\n", 2);
		else
			dbuf_add(&text, p, 1);
	}
	dbuf_add(&text, "", 0);
	hx_expand(&v, text.p, text.len, &head, 0);
	dbuf_add(&head, "", 0);
	dbuf_add(&m->out, head.p, head.len);
	dbuf_add(&m->out, "\r\n", 2);
	if (!hx_has_header(head.p, "Host"))
		dbuf_adds(&m->out, "Host: 127.0.0.1\r\n");
	if (!soak && !hx_has_header(head.p, "Connection"))
		dbuf_adds(&m->out, "Connection: close\r\n");
	if (!hx_has_header(head.p, "Content-Length") &&
	    !hx_has_header(head.p, "Transfer-Encoding") &&
	    (body.len > 0 || strncmp(head.p, "POST ", 5) == 0 ||
	    strncmp(head.p, "PUT ", 4) == 0 ||
	    strncmp(head.p, "PATCH ", 6) == 0))
		dbuf_addf(&m->out, "Content-Length: %zu\r\n", body.len);
	dbuf_add(&m->out, "\r\n", 2);
	dbuf_add(&m->out, body.p, body.len);
	free(lines);
	dbuf_free(&text);
out:
	dbuf_add(&m->out, "", 0);
	p = memchr(m->out.p, '\n', m->out.len);
	len = p != NULL ? (size_t)(p - m->out.p) : m->out.len;
	m->encrypted = memmem(m->out.p, len, "encrypt_type=aes", 16) != NULL;
	m->post = strncmp(m->out.p, "POST ", 5) == 0;
	/* libevent answers HEAD and CONNECT without the announced body. */
	m->head_only = strncmp(m->out.p, "HEAD ", 5) == 0 ||
	    strncmp(m->out.p, "CONNECT ", 8) == 0;
	dbuf_free(&head);
	dbuf_free(&body);
}
