/*
 * fuzz_callback — the whole request handler, wx_callback_handle(), from
 * raw bytes to status and body.  The first input byte is a control byte:
 *
 *   bits 0-1  configuration: plain without a key, compat, safe, plain
 *             with a key (all share one Token, EncodingAESKey and AppID)
 *   bits 2-3  method: GET, POST, other, POST
 *   bit 4     craft: build a correctly signed, fresh request around the
 *             rest of the input (the echostr of a GET, the message XML of
 *             a POST), so the fuzzer gets past the signature checks
 *   bit 5     with craft: encrypt the message into a safe-mode envelope
 *   bit 6     send the same request twice (WeChat's retry)
 *   bit 7     with craft and encrypt: a compat-mode body, whose clear copy
 *             of the fields names another sender; dispatch must only
 *             ever see the decrypted message
 *
 * Without craft the rest is "query\nbody".  Dispatch is a stub that
 * answers a text reply echoing the message's Content.  Checked: the status
 * is one of the documented ones; a refusal never reaches dispatch; a 200
 * to a POST is "success", a plain reply that parses and is exactly what
 * dispatch rendered, or an envelope whose MsgSignature verifies and which
 * decrypts to that reply; safe mode never answers in clear; a crafted
 * request is judged on its body alone; a retry gets the first answer and
 * does not dispatch again.
 *
 * Making a handler costs more than handling a request, so the four live
 * across inputs; instead each input is handled at a "now" 1000 s after
 * the previous one, past every cache's lifetime, so each input meets empty
 * caches and a crash replays from its input alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_query.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/callback/wx_sig.h"
#include "lib/cache.h"
#include "tests/fuzz/fuzz_check.h"

#define TOKEN		"fuzzT0ken"
#define KEY_TEXT	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID		"wx2c2769f8efd9abc2"
#define NOW		((time_t)1700000000)
#define NOW_STEP	1000	/* > every cache TTL (60 s, 601 s) */
#define NOW_STEPS	1000000	/* then new handlers: the clock restarts */
#define NONCE		"424242"

enum { CFG_PLAIN, CFG_COMPAT, CFG_SAFE, CFG_PLAIN_KEY };

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* The WeChat side: encrypts crafted requests, decrypts replies. */
static struct wx_crypto *peer;

/*
 * What the stub dispatch rendered last and how often it ran; the sender
 * it must see, when the input decides it.
 */
static struct {
	char	*xml;
	size_t	 len;
	int	 calls;
	char	*from;
} last;

static const unsigned char prefix[16] = "fuzzfuzzfuzzfuzz";

static struct wx_callback *handlers[4];
static unsigned long	 steps;
static time_t		 now;
static char		 now_text[24];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(wx_crypto_new(&peer, KEY_TEXT, APPID) == WX_CRYPTO_OK);
	return 0;
}

static int
stub_dispatch(void *arg, const struct wx_msg *msg, time_t t,
    struct wx_dispatch_out *out)
{
	struct wx_reply	 rep;
	char		*xml;
	size_t		 len;

	(void)arg;
	CHECK(t == now);
	CHECK(msg->from_user != NULL && *msg->from_user != '\0');
	CHECK(msg->to_user != NULL && msg->msg_type != NULL);
	if (last.from != NULL)
		CHECK(strcmp(msg->from_user, last.from) == 0);
	last.calls++;
	memset(&rep, 0, sizeof rep);
	rep.type = WX_REPLY_TEXT;
	rep.content = msg->content != NULL && *msg->content != '\0' ?
	    msg->content : "ok";
	if (wx_reply_render(&rep, msg->from_user, *msg->to_user != '\0' ?
	    msg->to_user : "gh_fuzz", (uint64_t)t, &xml, &len) !=
	    WX_REPLY_OK)
		return -1;
	free(last.xml);
	last.xml = malloc(len);
	CHECK(last.xml != NULL);
	memcpy(last.xml, xml, len);
	last.len = len;
	out->xml = xml;
	out->len = len;
	out->answer = WX_ANS_HIT;
	snprintf(out->item, sizeof out->item, "fuzz-item");
	return 0;
}

static struct wx_callback *
make_cb(int cfg)
{
	struct wx_callback_cfg c;
	struct wx_callback *cb;
	const char	*cause = NULL;

	memset(&c, 0, sizeof c);
	c.token = TOKEN;
	c.appid = cfg == CFG_PLAIN ? "" : APPID;
	c.aes_key = cfg == CFG_PLAIN ? "" : KEY_TEXT;
	c.mode = cfg == CFG_COMPAT ? WX_MODE_COMPAT : cfg == CFG_SAFE ?
	    WX_MODE_SAFE : WX_MODE_PLAIN;
	c.max_skew = 300;
	memcpy(c.uid_key, "0123456789abcdef", sizeof c.uid_key);
	c.dispatch = stub_dispatch;
	cb = wx_callback_new(&c, &cause);
	CHECK(cb != NULL);
	return cb;
}

static int
is_success(const struct wx_result *res)
{
	return res->len == 7 && memcmp(res->body, "success", 7) == 0;
}

/*
 * The plain reply XML of a 200 body, as a malloc'ed copy; an envelope
 * must carry the request's nonce and verify.
 */
static char *
open_reply(const struct wx_result *res, const char *query, size_t *len)
{
	struct wx_query	 qs;
	struct wx_msg	*env;
	const char	*parts[4];
	char		*plain;

	if (!res->encrypted) {
		plain = malloc(res->len + 1);
		CHECK(plain != NULL);
		memcpy(plain, res->body, res->len);
		plain[res->len] = '\0';
		*len = res->len;
		return plain;
	}
	CHECK(wx_query_parse(query, &qs) == WX_QUERY_OK);
	CHECK(wx_msg_parse(res->body, res->len, &env) == WX_MSG_OK);
	parts[0] = TOKEN;
	parts[1] = wx_msg_get(env, "TimeStamp");
	parts[2] = wx_msg_get(env, "Nonce");
	parts[3] = env->encrypt;
	CHECK(parts[1] != NULL && strcmp(parts[1], now_text) == 0);
	CHECK(parts[2] != NULL && qs.nonce != NULL &&
	    strcmp(parts[2], qs.nonce) == 0);
	CHECK(parts[3] != NULL);
	CHECK(wx_sig_verify(wx_msg_get(env, "MsgSignature"), parts, 4));
	CHECK(wx_crypto_decrypt(peer, parts[3], strlen(parts[3]), &plain,
	    len) == WX_CRYPTO_OK);
	wx_msg_free(env);
	wx_query_cleanup(&qs);
	return plain;
}

/* Everything any answer must satisfy. */
static void
check_result(int cfg, enum wx_method method, const char *query,
    const struct wx_result *res, int calls_before)
{
	struct wx_query	 qs;
	struct wx_msg	*reply;
	char		*plain;
	size_t		 len, i;

	CHECK(res->status == 200 || res->status == 400 ||
	    res->status == 403 || res->status == 405 ||
	    res->status == 413 || res->status == 500);
	CHECK(res->content_type != NULL);
	CHECK(wx_cb_event_name(res->event) != NULL);
	CHECK(res->len == 0 || res->body != NULL);
	CHECK(res->user[0] == '\0' || strlen(res->user) == 16);
	for (i = 0; res->user[i] != '\0'; i++)
		CHECK(strchr("0123456789abcdef", res->user[i]) != NULL);
	CHECK((method == WX_METHOD_OTHER) == (res->status == 405));
	if (res->status != 200) {
		CHECK(res->reason != NULL);
		CHECK(last.calls == calls_before);
		return;
	}
	CHECK(wx_query_parse(query, &qs) == WX_QUERY_OK);
	if (method == WX_METHOD_GET) {
		CHECK(qs.echostr != NULL);
		CHECK(res->len == strlen(qs.echostr) && res->len > 0);
		CHECK(memcmp(res->body, qs.echostr, res->len) == 0);
		for (i = 0; i < res->len; i++)
			CHECK(res->body[i] > 0x20 && res->body[i] < 0x7f);
		wx_query_cleanup(&qs);
		return;
	}
	if (cfg == CFG_SAFE)
		CHECK(res->encrypted);
	wx_query_cleanup(&qs);
	if (is_success(res))
		return;
	/* Dispatch made this reply, now or for the first of a retry. */
	CHECK(last.xml != NULL);
	plain = open_reply(res, query, &len);
	CHECK(len == last.len && memcmp(plain, last.xml, len) == 0);
	CHECK(wx_msg_parse(plain, len, &reply) == WX_MSG_OK);
	CHECK(reply->type == WX_MSG_TEXT && reply->content != NULL);
	wx_msg_free(reply);
	free(plain);
}

/* "%XX" for every byte that is not a letter or digit. */
static char *
pct_encode(const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char	*out, *o;
	size_t	 i;

	out = malloc(3 * n + 1);
	CHECK(out != NULL);
	for (i = 0, o = out; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z'))
			*o++ = (char)s[i];
		else {
			*o++ = '%';
			*o++ = hex[s[i] >> 4];
			*o++ = hex[s[i] & 15];
		}
	}
	*o = '\0';
	return out;
}

/* A signed query for now; extra is appended verbatim. */
static char *
signed_query(const char *extra)
{
	const char	*parts[3] = { TOKEN, now_text, NONCE };
	char		 sig[WX_SIG_HEX_LEN + 1], *q;

	wx_sig_compute(parts, 3, sig);
	CHECK(asprintf(&q, "signature=%s&timestamp=%s&nonce=" NONCE "%s",
	    sig, now_text, extra) != -1);
	return q;
}

/*
 * The outcome a crafted POST must have, judged from its message alone;
 * notes the sender dispatch must see.
 */
static int
expected_post(int cfg, int encrypt, const uint8_t *xml, size_t n)
{
	struct wx_msg	*m;
	size_t		 idlen;
	int		 want;

	if (!encrypt && cfg == CFG_SAFE)
		return 403;
	if (encrypt && cfg == CFG_PLAIN)
		return 400;
	if (wx_msg_parse((const char *)xml, n, &m) != WX_MSG_OK)
		return 400;
	if (m->from_user == NULL || *m->from_user == '\0' ||
	    m->to_user == NULL || m->msg_type == NULL) {
		wx_msg_free(m);
		return 400;
	}
	/* The retry key must fit its 512 bytes; short ones always do. */
	idlen = strlen(m->from_user) + 40;
	if (m->msg_id != NULL)
		idlen += strlen(m->msg_id);
	if (m->event_name != NULL)
		idlen += strlen(m->event_name);
	if (m->event_key != NULL)
		idlen += strlen(m->event_key);
	want = idlen < 480 ? 200 : 0;
	last.from = strdup(m->from_user);
	CHECK(last.from != NULL);
	wx_msg_free(m);
	return want;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wx_method methods[4] = {
		WX_METHOD_GET, WX_METHOD_POST, WX_METHOD_OTHER, WX_METHOD_POST,
	};
	struct wx_callback *cb;
	struct wx_result res, res2;
	enum wx_method	 method;
	const uint8_t	*rest;
	const char	*parts[4];
	char		*query = NULL, *body = NULL, *b64 = NULL, *enc;
	char		 msig[WX_SIG_HEX_LEN + 1], *p1, *p2;
	size_t		 n, bodylen = 0, l1, l2;
	int		 cfg, craft, encrypt, twice, decoy, calls, want = 0;

	if (size < 1)
		return 0;
	if (steps % NOW_STEPS == 0) {
		for (cfg = 0; cfg < 4; cfg++) {
			wx_callback_free(handlers[cfg]);
			handlers[cfg] = make_cb(cfg);
		}
	}
	now = NOW + (time_t)(steps % NOW_STEPS) * NOW_STEP;
	steps++;
	snprintf(now_text, sizeof now_text, "%lld", (long long)now);
	cfg = data[0] & 3;
	method = methods[(data[0] >> 2) & 3];
	craft = (data[0] >> 4) & 1;
	encrypt = (data[0] >> 5) & 1;
	twice = (data[0] >> 6) & 1;
	decoy = (data[0] >> 7) & 1;
	rest = data + 1;
	n = size - 1;

	if (!craft) {
		const uint8_t *nl = memchr(rest, '\n', n);
		size_t qlen = nl != NULL ? (size_t)(nl - rest) : n;

		query = strndup((const char *)rest, qlen);
		CHECK(query != NULL);
		bodylen = nl != NULL ? n - qlen - 1 : 0;
		body = malloc(bodylen + 1);
		CHECK(body != NULL);
		if (bodylen > 0)
			memcpy(body, nl + 1, bodylen);
	} else if (method == WX_METHOD_GET) {
		enc = pct_encode(rest, n);
		query = malloc(strlen(enc) + 16);
		CHECK(query != NULL);
		sprintf(query, "&echostr=%s", enc);
		free(enc);
		enc = query;
		query = signed_query(enc);
		free(enc);
		body = strdup("");
		CHECK(body != NULL);
		want = n >= 1 && n <= 256 ? 200 : 400;
		for (l1 = 0; l1 < n; l1++) {
			if (rest[l1] < 0x21 || rest[l1] > 0x7e)
				want = 400;
		}
	} else if (!encrypt) {
		query = signed_query("&openid=oFuzz");
		body = malloc(n + 1);
		CHECK(body != NULL);
		memcpy(body, rest, n);
		bodylen = n;
		want = expected_post(cfg, 0, rest, n);
	} else {
		CHECK(wx_crypto_encrypt_prefix(peer, prefix,
		    (const char *)rest, n, &b64) == WX_CRYPTO_OK);
		parts[0] = TOKEN;
		parts[1] = now_text;
		parts[2] = NONCE;
		parts[3] = b64;
		wx_sig_compute(parts, 4, msig);
		CHECK(asprintf(&enc, "&openid=oFuzz&encrypt_type=aes"
		    "&msg_signature=%s", msig) != -1);
		query = signed_query(enc);
		free(enc);
		CHECK(asprintf(&body, "<xml><ToUserName><![CDATA[gh_fuzz]]>"
		    "</ToUserName>%s<Encrypt><![CDATA[%s]]></Encrypt></xml>",
		    decoy ? "<FromUserName><![CDATA[oDecoy]]></FromUserName>"
		    "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
		    "<Content>decoy</Content><MsgId>1</MsgId>" : "",
		    b64) != -1);
		bodylen = strlen(body);
		want = expected_post(cfg, 1, rest, n);
		free(b64);
	}
	if (method == WX_METHOD_OTHER)
		want = 405;

	cb = handlers[cfg];
	calls = last.calls;
	wx_callback_handle(cb, method, query, body, bodylen, now, &res);
	check_result(cfg, method, query, &res, calls);
	if (craft && want != 0)
		CHECK(res.status == want);
	if (twice) {
		calls = last.calls;
		wx_callback_handle(cb, method, query, body, bodylen, now,
		    &res2);
		check_result(cfg, method, query, &res2, calls);
		CHECK(res2.status == res.status);
		/* Replies over the cache's value limit are made again. */
		if (method != WX_METHOD_GET && res.status == 200 &&
		    last.len <= CACHE_MAX_VALUE) {
			CHECK(res2.retry);
			CHECK(last.calls == calls);
			CHECK(res2.encrypted == res.encrypted);
			if (res.encrypted && !is_success(&res)) {
				/* Fresh prefix each time: compare inside. */
				p1 = open_reply(&res, query, &l1);
				p2 = open_reply(&res2, query, &l2);
				CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
				free(p1);
				free(p2);
			} else {
				CHECK(res2.len == res.len);
				CHECK(res.len == 0 || memcmp(res2.body,
				    res.body, res.len) == 0);
			}
		}
		wx_result_cleanup(&res2);
	}
	wx_result_cleanup(&res);
	free(last.xml);
	free(last.from);
	last.xml = NULL;
	last.from = NULL;
	last.len = 0;
	free(query);
	free(body);
	return 0;
}
