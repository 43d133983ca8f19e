/*
 * test_wx_callback — the whole callback path, from query and body to
 * status and reply, against the protocol document's vectors and a stub
 * dispatch that counts its calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/callback/wx_sig.h"

struct stub {
	int	 calls;
	int	 silent;	/* answer "success" */
	/* A request handled again inside dispatch, as by a second worker. */
	struct wx_callback *reenter;
	const char	*re_query, *re_body;
	time_t		 re_now;
	struct wx_result re_res;
};

/* Echo the text back so the reply proves which message was dispatched. */
static int
stub_dispatch(void *arg, const struct wx_msg *msg, time_t now,
    struct wx_dispatch_out *out)
{
	struct stub *st = arg;
	struct wx_reply r;
	char text[512];

	(void)now;
	st->calls++;
	out->answer = WX_ANS_HIT;
	if (st->reenter != NULL) {
		struct wx_callback *cb = st->reenter;

		st->reenter = NULL;
		wx_callback_handle(cb, WX_METHOD_POST, st->re_query,
		    st->re_body, strlen(st->re_body), st->re_now,
		    &st->re_res);
	}
	if (st->silent)
		return 0;
	snprintf(text, sizeof text, "echo:%s#%d", msg->content != NULL ?
	    msg->content : (msg->event_name != NULL ? msg->event_name : "?"),
	    st->calls);
	memset(&r, 0, sizeof r);
	r.type = WX_REPLY_TEXT;
	r.content = text;
	return wx_reply_render(&r, msg->from_user, msg->to_user, 1700000000,
	    &out->xml, &out->len) == WX_REPLY_OK ? 0 : -1;
}

struct fx {
	struct stub		 st;
	struct wx_callback	*cb;
	struct wx_crypto	*peer;	/* WeChat's side of the crypto */
	const char		*token;
	const char		*appid;
	struct wx_result	 res;
};

static struct fx *
fx_new(const char *token, const char *key, const char *appid,
    enum wx_mode mode, long skew)
{
	struct wx_callback_cfg cfg;
	struct fx *f = calloc(1, sizeof *f);
	const char *cause = NULL;

	assert_non_null(f);
	memset(&cfg, 0, sizeof cfg);
	cfg.token = token;
	cfg.appid = appid;
	cfg.aes_key = key;
	cfg.mode = mode;
	cfg.max_skew = skew;
	cfg.dispatch = stub_dispatch;
	cfg.dispatch_arg = &f->st;
	f->cb = wx_callback_new(&cfg, &cause);
	assert_non_null(f->cb);
	if (*key != '\0')
		assert_int_equal(wx_crypto_new(&f->peer, key, appid), 0);
	f->token = token;
	f->appid = appid;
	return f;
}

static void
fx_free(struct fx *f)
{
	wx_result_cleanup(&f->res);
	wx_callback_free(f->cb);
	wx_crypto_free(f->peer);
	free(f);
}

static void
fx_do(struct fx *f, enum wx_method m, const char *q, const char *body,
    time_t now)
{
	wx_result_cleanup(&f->res);
	wx_callback_handle(f->cb, m, q, body, body != NULL ? strlen(body) : 0,
	    now, &f->res);
}

/* A plain-mode query for ts and nonce. */
static void
plain_query(const struct fx *f, char *q, size_t qsz, const char *ts,
    const char *nonce)
{
	const char *parts[3] = { f->token, ts, nonce };
	char sig[41];

	wx_sig_compute(parts, 3, sig);
	snprintf(q, qsz, "signature=%s&timestamp=%s&nonce=%s&openid=o1",
	    sig, ts, nonce);
}

static char *
text_msg(const char *from, const char *msgid, const char *content)
{
	char *s;

	assert_true(asprintf(&s, "<xml><ToUserName><![CDATA[gh_test]]>"
	    "</ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
	    "</MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId>"
	    "</xml>", from, content, msgid) > 0);
	return s;
}

/* Encrypt msg as WeChat would and build a safe or compat request. */
static void
enc_request(struct fx *f, const char *msg, const char *ts, const char *nonce,
    int compat, char **q, char **body)
{
	const char *parts[4];
	char sig[41], msig[41], *b64;

	assert_int_equal(wx_crypto_encrypt(f->peer, msg, strlen(msg), &b64),
	    0);
	parts[0] = f->token;
	parts[1] = ts;
	parts[2] = nonce;
	wx_sig_compute(parts, 3, sig);
	parts[3] = b64;
	wx_sig_compute(parts, 4, msig);
	assert_true(asprintf(q, "signature=%s&timestamp=%s&nonce=%s&openid=o1"
	    "&encrypt_type=aes&msg_signature=%s", sig, ts, nonce, msig) > 0);
	if (compat)
		assert_true(asprintf(body, "%.*s<Encrypt><![CDATA[%s]]>"
		    "</Encrypt></xml>", (int)(strlen(msg) - 6), msg, b64) > 0);
	else
		assert_true(asprintf(body, "<xml><ToUserName><![CDATA[gh_test]]>"
		    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>",
		    b64) > 0);
	free(b64);
}

/* Verify and decrypt an encrypted reply; returns the inner message. */
static struct wx_msg *
open_reply(struct fx *f)
{
	struct wx_msg *env, *m;
	const char *parts[4];
	char *plain;
	size_t len;

	assert_int_equal(f->res.status, 200);
	assert_int_equal(wx_msg_parse(f->res.body, f->res.len, &env), 0);
	assert_non_null(env->encrypt);
	parts[0] = f->token;
	parts[1] = wx_msg_get(env, "TimeStamp");
	parts[2] = wx_msg_get(env, "Nonce");
	parts[3] = env->encrypt;
	assert_non_null(parts[1]);
	assert_non_null(parts[2]);
	assert_true(wx_sig_verify(wx_msg_get(env, "MsgSignature"), parts, 4));
	assert_int_equal(wx_crypto_decrypt(f->peer, env->encrypt,
	    strlen(env->encrypt), &plain, &len), 0);
	assert_int_equal(wx_msg_parse(plain, len, &m), 0);
	free(plain);
	wx_msg_free(env);
	return m;
}

/* Official GET vector of §1/§4.5. */
static void
test_get_official_vector(void **state)
{
	struct fx *f = fx_new("AAAAA", "", "", WX_MODE_PLAIN, 300);

	(void)state;
	fx_do(f, WX_METHOD_GET, "signature=f464b24fc39322e44b38aa78f5edd27bd1"
	    "441696&timestamp=1714036504&nonce=1514711492&echostr="
	    "4375120948345356249", NULL, 1714036504);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.len, 19);
	assert_memory_equal(f->res.body, "4375120948345356249", 19);
	assert_string_equal(wx_cb_event_name(f->res.event), "verify");
	fx_free(f);
}

static void
test_get_refusals(void **state)
{
	static const struct {
		const char	*query;
		int		 status;
		const char	*event;
	} cases[] = {
		{ "signature=F464B24FC39322E44B38AA78F5EDD27BD1441696&timestamp="
		  "1714036504&nonce=1514711492&echostr=1", 403,
		  "bad_signature" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441697&timestamp="
		  "1714036504&nonce=1514711492&echostr=1", 403,
		  "bad_signature" },
		{ "timestamp=1714036504&nonce=1514711492&echostr=1", 403,
		  "bad_signature" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&nonce="
		  "1514711492&echostr=1", 403, "bad_signature" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp="
		  "1714036504&nonce=1514711492", 400, "bad_request" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp="
		  "1714036504&nonce=1514711492&nonce=1&echostr=1", 400,
		  "bad_request" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp="
		  "1714036504&nonce=1514711492&echostr=%4", 400,
		  "bad_request" },
		{ "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp="
		  "1714036504&nonce=1514711492&echostr=a%0Ab", 400,
		  "bad_request" },
	};
	struct fx *f = fx_new("AAAAA", "", "", WX_MODE_PLAIN, 300);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fx_do(f, WX_METHOD_GET, cases[i].query, NULL, 1714036504);
		assert_int_equal(f->res.status, cases[i].status);
		assert_string_equal(wx_cb_event_name(f->res.event), cases[i].event);
	}
	/* Stale on either side of the window; the edge still passes. */
	fx_do(f, WX_METHOD_GET, cases[0].query, NULL, 1714036504);
	fx_do(f, WX_METHOD_GET, "signature=f464b24fc39322e44b38aa78f5edd27bd1"
	    "441696&timestamp=1714036504&nonce=1514711492&echostr=1", NULL,
	    1714036504 + 301);
	assert_int_equal(f->res.status, 403);
	assert_string_equal(wx_cb_event_name(f->res.event), "stale_timestamp");
	fx_do(f, WX_METHOD_GET, "signature=f464b24fc39322e44b38aa78f5edd27bd1"
	    "441696&timestamp=1714036504&nonce=1514711492&echostr=1", NULL,
	    1714036504 - 301);
	assert_int_equal(f->res.status, 403);
	fx_do(f, WX_METHOD_GET, "signature=f464b24fc39322e44b38aa78f5edd27bd1"
	    "441696&timestamp=1714036504&nonce=1514711492&echostr=1", NULL,
	    1714036504 + 300);
	assert_int_equal(f->res.status, 200);
	fx_do(f, WX_METHOD_OTHER, "", NULL, 1714036504);
	assert_int_equal(f->res.status, 405);
	fx_free(f);
}

/* The official plain POST signature vector of §4.5. */
static void
test_plain_post_vector(void **state)
{
	struct fx *f = fx_new("AAAAA", "", "", WX_MODE_PLAIN, 300);
	char *msg = text_msg("oUser1", "6054768590064713728", "你好");
	struct wx_msg *m;

	(void)state;
	fx_do(f, WX_METHOD_POST, "signature=899cf89e464efb63f54ddac96b0a0a235f"
	    "53aa78&timestamp=1714037059&nonce=486452656&openid=o", msg,
	    1714037059);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(wx_cb_event_name(f->res.event), "message");
	assert_int_equal(wx_msg_parse(f->res.body, f->res.len, &m), 0);
	assert_string_equal(m->content, "echo:你好#1");
	assert_string_equal(m->to_user, "oUser1");
	assert_string_equal(m->from_user, "gh_test");
	assert_int_equal(f->res.user[16], '\0');
	assert_int_equal(strlen(f->res.user), 16);
	wx_msg_free(m);
	free(msg);
	fx_free(f);
}

static void
test_retry_answered_identically(void **state)
{
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
	char q[256], *msg = text_msg("oUser1", "7301234567890123456", "电话");
	char *first;

	(void)state;
	plain_query(f, q, sizeof q, "1700000000", "111");
	fx_do(f, WX_METHOD_POST, q, msg, 1700000000);
	assert_int_equal(f->res.status, 200);
	first = strndup(f->res.body, f->res.len);
	/* The retries: new timestamp and nonce, same message. */
	plain_query(f, q, sizeof q, "1700000005", "222");
	fx_do(f, WX_METHOD_POST, q, msg, 1700000005);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.retry, 1);
	assert_string_equal(f->res.body, first);
	plain_query(f, q, sizeof q, "1700000010", "333");
	fx_do(f, WX_METHOD_POST, q, msg, 1700000010);
	assert_string_equal(f->res.body, first);
	assert_int_equal(f->st.calls, 1);
	/* Past the answer's life it is still never dispatched again. */
	plain_query(f, q, sizeof q, "1700000100", "444");
	fx_do(f, WX_METHOD_POST, q, msg, 1700000100);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body, "success");
	assert_int_equal(f->st.calls, 1);
	free(first);
	free(msg);
	fx_free(f);
}

static void
test_event_dedup(void **state)
{
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
#define EV "<xml><ToUserName>gh</ToUserName><FromUserName>oU"	\
	    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType>event" \
	    "</MsgType><Event>CLICK</Event><EventKey>%s</EventKey></xml>"
	char q[256], body[512];

	(void)state;
	snprintf(body, sizeof body, EV, "K1");
	plain_query(f, q, sizeof q, "1700000000", "1");
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	plain_query(f, q, sizeof q, "1700000000", "2");
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	assert_int_equal(f->res.retry, 1);
	assert_int_equal(f->st.calls, 1);
	/* Another key in the same second is another event. */
	snprintf(body, sizeof body, EV, "K2");
	plain_query(f, q, sizeof q, "1700000000", "3");
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	assert_int_equal(f->res.retry, 0);
	assert_int_equal(f->st.calls, 2);
	fx_free(f);
#undef EV
}

static void
test_replay_refused(void **state)
{
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
	char q[256], *a = text_msg("oA", "1", "x"), *b = text_msg("oA", "2", "y");

	(void)state;
	plain_query(f, q, sizeof q, "1700000000", "777");
	fx_do(f, WX_METHOD_POST, q, a, 1700000000);
	assert_int_equal(f->res.status, 200);
	fx_do(f, WX_METHOD_POST, q, b, 1700000001);
	assert_int_equal(f->res.status, 403);
	assert_string_equal(wx_cb_event_name(f->res.event), "replay");
	assert_int_equal(f->st.calls, 1);
	free(a);
	free(b);
	fx_free(f);
}

static void
test_plain_refusals(void **state)
{
	static const struct {
		const char	*body;
		int		 status;
	} cases[] = {
		{ "", 400 },
		{ "<xml><ToUserName>a</ToUserName>", 400 },
		{ "<!DOCTYPE x><xml/>", 400 },
		{ "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType>"
		  "</xml>", 400 },
		{ "<xml><ToUserName>g</ToUserName><MsgType>text</MsgType>"
		  "</xml>", 400 },
		{ "<xml><ToUserName>g</ToUserName><FromUserName>o"
		  "</FromUserName></xml>", 400 },
		{ "<xml><ToUserName>g</ToUserName><FromUserName>o"
		  "</FromUserName><FromUserName>p</FromUserName><MsgType>text"
		  "</MsgType></xml>", 400 },
		{ "{\"json\":1}", 400 },
	};
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
	char q[256], nonce[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(nonce, sizeof nonce, "%zu", i + 1);
		plain_query(f, q, sizeof q, "1700000000", nonce);
		fx_do(f, WX_METHOD_POST, q, cases[i].body, 1700000000);
		assert_int_equal(f->res.status, cases[i].status);
	}
	assert_int_equal(f->st.calls, 0);
	/* Encrypted request while plain mode has no key. */
	plain_query(f, q, sizeof q, "1700000000", "99");
	strcat(q, "&encrypt_type=aes&msg_signature=x");
	fx_do(f, WX_METHOD_POST, q, "<xml/>", 1700000000);
	assert_int_equal(f->res.status, 400);
	fx_free(f);
}

/* Vector D (§4.4): safe mode, 32-byte padding; decrypts, then lacks ids. */
static void
test_safe_vector_d(void **state)
{
	struct fx *f = fx_new("c0ffee42",
	    "ThisIsAnOwnTestKeyForWeChatCryptoVectors012",
	    "wx0123456789abcdef", WX_MODE_SAFE, 300);
	const char *body = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName>"
	    "<Encrypt><![CDATA[sgb5GddpmHrIg5cfvxEn3+obvblgELABaZWDUFL4+5hqE51G"
	    "drVTtwV6NMFfjw9FZyBzzUGTGa6KabZMK8ELFTnVMMZv1tFVjPAjtRVUqypqTyURA"
	    "X3lvNlaWKNdo8SD44UenAmqmUXsCRye5my5VuTYBInty8orrU7QcbF5ko8=]]>"
	    "</Encrypt></xml>";
	const char *q = "signature=8e9366161b958d7ca39f54ce549631d4150868ba"
	    "&timestamp=1700000000&nonce=123456789&openid=o&encrypt_type=aes"
	    "&msg_signature=5a6aa50ac58d4f4eead06a9f27d9f002d9610708";

	(void)state;
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	/* Signatures and decryption pass; the message has no sender. */
	assert_int_equal(f->res.status, 400);
	assert_string_equal(wx_cb_event_name(f->res.event), "bad_xml");
	/* One wrong digit of msg_signature: 403 before any decryption. */
	fx_do(f, WX_METHOD_POST, "signature=8e9366161b958d7ca39f54ce549631d415"
	    "0868ba&timestamp=1700000000&nonce=123456789&encrypt_type=aes"
	    "&msg_signature=5a6aa50ac58d4f4eead06a9f27d9f002d9610709", body,
	    1700000000);
	assert_int_equal(f->res.status, 403);
	assert_string_equal(wx_cb_event_name(f->res.event), "bad_signature");
	fx_free(f);
}

static void
test_safe_round_trip(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_SAFE, 300);
	char *msg = text_msg("oSafe", "42", "街道办电话多少😀"), *q, *body;
	char *first;
	struct wx_msg *m;
	char pq[256];

	(void)state;
	enc_request(f, msg, "1700000000", "5555", 0, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	assert_int_equal(f->res.encrypted, 1);
	m = open_reply(f);
	assert_string_equal(m->content, "echo:街道办电话多少😀#1");
	first = strdup(m->content);
	wx_msg_free(m);
	free(q);
	free(body);
	/* The retry is answered the same, encrypted anew. */
	enc_request(f, msg, "1700000003", "6666", 0, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000003);
	m = open_reply(f);
	assert_string_equal(m->content, first);
	assert_int_equal(f->st.calls, 1);
	wx_msg_free(m);
	free(q);
	free(body);
	/* A plain POST is a downgrade. */
	plain_query(f, pq, sizeof pq, "1700000000", "7777");
	fx_do(f, WX_METHOD_POST, pq, msg, 1700000000);
	assert_int_equal(f->res.status, 403);
	assert_string_equal(wx_cb_event_name(f->res.event), "downgrade_refused");
	free(first);
	free(msg);
	fx_free(f);
}

/* "success" is never encrypted, even in safe mode (§6.1). */
static void
test_safe_success_unencrypted(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_SAFE, 300);
	char *msg = text_msg("oSafe", "43", "x"), *q, *body;

	(void)state;
	f->st.silent = 1;
	enc_request(f, msg, "1700000000", "1", 0, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.len, 7);
	assert_memory_equal(f->res.body, "success", 7);
	free(q);
	free(body);
	free(msg);
	fx_free(f);
}

static void
test_safe_decrypt_failures(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_SAFE, 300);
	struct wx_crypto *other;
	const char *parts[4];
	char *msg = text_msg("oSafe", "44", "x"), *b64, *q, *body, sig[41];
	char msig[41];

	(void)state;
	/* Right key, wrong AppID in the frame. */
	assert_int_equal(wx_crypto_new(&other,
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxOTHER"), 0);
	assert_int_equal(wx_crypto_encrypt(other, msg, strlen(msg), &b64), 0);
	parts[0] = "tok123";
	parts[1] = "1700000000";
	parts[2] = "9";
	wx_sig_compute(parts, 3, sig);
	parts[3] = b64;
	wx_sig_compute(parts, 4, msig);
	assert_true(asprintf(&q, "signature=%s&timestamp=1700000000&nonce=9"
	    "&encrypt_type=aes&msg_signature=%s", sig, msig) > 0);
	assert_true(asprintf(&body, "<xml><Encrypt>%s</Encrypt></xml>", b64)
	    > 0);
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	assert_int_equal(f->res.status, 400);
	assert_string_equal(wx_cb_event_name(f->res.event), "decrypt_failed");
	assert_string_equal(f->res.reason, wx_crypto_reason(
	    WX_CRYPTO_ERR_APPID));
	free(q);
	free(body);
	free(b64);
	/* Not Base64 at all, correctly signed. */
	parts[3] = "!!!!";
	wx_sig_compute(parts, 4, msig);
	assert_true(asprintf(&q, "signature=%s&timestamp=1700000000&nonce=9"
	    "&encrypt_type=aes&msg_signature=%s", sig, msig) > 0);
	fx_do(f, WX_METHOD_POST, q, "<xml><Encrypt>!!!!</Encrypt></xml>",
	    1700000000);
	assert_int_equal(f->res.status, 400);
	assert_string_equal(wx_cb_event_name(f->res.event), "decrypt_failed");
	free(q);
	/* No Encrypt element. */
	assert_true(asprintf(&q, "signature=%s&timestamp=1700000000&nonce=9"
	    "&encrypt_type=aes&msg_signature=%s", sig, msig) > 0);
	fx_do(f, WX_METHOD_POST, q, "<xml><ToUserName>g</ToUserName></xml>",
	    1700000000);
	assert_int_equal(f->res.status, 400);
	free(q);
	assert_int_equal(f->st.calls, 0);
	wx_crypto_free(other);
	free(msg);
	fx_free(f);
}

/* Vector A (§4.1): the official compat body; only decrypted fields count. */
static void
test_compat_vector_a(void **state)
{
	struct fx *f = fx_new("spamtest",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_COMPAT, 300);
	const char *enc = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655"
	    "HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUA"
	    "h0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jis"
	    "a+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw"
	    "6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTni"
	    "fJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv"
	    "1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
	const char *parts[3] = { "spamtest", "1409735669", "1320562132" };
	char sig[41], *q, *body;
	struct wx_msg *m;

	(void)state;
	wx_sig_compute(parts, 3, sig);
	assert_true(asprintf(&q, "signature=%s&timestamp=1409735669&nonce="
	    "1320562132&encrypt_type=aes&msg_signature=5d197aaffba7e9b25a30732"
	    "f161a50dee96bd5fa", sig) > 0);
	/* The clear copy says something else: it must be ignored. */
	assert_true(asprintf(&body, "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a"
	    "]]></ToUserName><FromUserName><![CDATA[oForged]]></FromUserName>"
	    "<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]>"
	    "</MsgType><Content><![CDATA[forged]]></Content><MsgId>1</MsgId>"
	    "<Encrypt><![CDATA[%s]]></Encrypt></xml>", enc) > 0);
	fx_do(f, WX_METHOD_POST, q, body, 1409735669);
	m = open_reply(f);
	assert_string_equal(m->content, "echo:abcdteT#1");
	assert_string_equal(m->to_user, "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
	wx_msg_free(m);
	free(q);
	free(body);
	fx_free(f);
}

/* Compat answers in kind: a plain request gets a plain reply. */
static void
test_compat_plain_in_kind(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_COMPAT, 300);
	char q[256], *msg = text_msg("oC", "50", "plain please");
	struct wx_msg *m;

	(void)state;
	plain_query(f, q, sizeof q, "1700000000", "1");
	fx_do(f, WX_METHOD_POST, q, msg, 1700000000);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.encrypted, 0);
	assert_int_equal(wx_msg_parse(f->res.body, f->res.len, &m), 0);
	assert_string_equal(m->content, "echo:plain please#1");
	wx_msg_free(m);
	free(msg);
	fx_free(f);
}

/*
 * Audit finding 1: an exact replay, after its stored answer expired
 * (60 s) and up to the edge of the timestamp window, is not dispatched
 * again.  Safe mode, the replay byte for byte.
 */
static void
test_replay_after_answer_expired(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_SAFE, 300);
	char *msg = text_msg("oReplay", "61", "电话"), *q, *body;
	struct wx_msg *m;

	(void)state;
	enc_request(f, msg, "1700000000", "5150", 0, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000000);
	m = open_reply(f);
	assert_string_equal(m->content, "echo:电话#1");
	wx_msg_free(m);
	fx_do(f, WX_METHOD_POST, q, body, 1700000000 + 61);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body, "success");
	assert_int_equal(f->st.calls, 1);
	/* The skew less one second: the timestamp is still fresh. */
	fx_do(f, WX_METHOD_POST, q, body, 1700000000 + 299);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body, "success");
	assert_int_equal(f->st.calls, 1);
	/* One second past the window the timestamp itself is refused. */
	fx_do(f, WX_METHOD_POST, q, body, 1700000000 + 301);
	assert_int_equal(f->res.status, 403);
	assert_int_equal(f->st.calls, 1);
	free(q);
	free(body);
	free(msg);
	fx_free(f);
}

/*
 * Audit finding 1, across workers: a copy arriving while the first is
 * still being dispatched (another worker's loop) is not dispatched too.
 */
static void
test_duplicate_in_flight(void **state)
{
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
	char q[256], *msg = text_msg("oTwice", "62", "电话");

	(void)state;
	plain_query(f, q, sizeof q, "1700000000", "6262");
	f->st.reenter = f->cb;
	f->st.re_query = q;
	f->st.re_body = msg;
	f->st.re_now = 1700000000;
	fx_do(f, WX_METHOD_POST, q, msg, 1700000000);
	assert_int_equal(f->res.status, 200);
	assert_non_null(strstr(f->res.body, "echo:电话#1"));
	assert_int_equal(f->st.re_res.status, 200);
	assert_string_equal(wx_cb_event_name(f->st.re_res.event), "duplicate");
	assert_int_equal(f->st.calls, 1);
	wx_result_cleanup(&f->st.re_res);
	free(msg);
	fx_free(f);
}

/*
 * Audit finding 4: in compat mode an unencrypted message carrying a
 * resident's FromUserName and MsgId must not shadow the real, encrypted
 * one that follows.
 */
static void
test_compat_poisoning(void **state)
{
	struct fx *f = fx_new("tok123",
	    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	    "wx2c2769f8efd9abc2", WX_MODE_COMPAT, 300);
	char pq[256], *forged = text_msg("oVictim", "4444", "forged");
	char *real = text_msg("oVictim", "4444", "real"), *q, *body;
	struct wx_msg *m;

	(void)state;
	plain_query(f, pq, sizeof pq, "1700000000", "1");
	fx_do(f, WX_METHOD_POST, pq, forged, 1700000000);
	assert_int_equal(f->res.status, 200);
	enc_request(f, real, "1700000001", "2", 1, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000001);
	assert_int_equal(f->res.retry, 0);
	m = open_reply(f);
	assert_string_equal(m->content, "echo:real#2");
	wx_msg_free(m);
	free(q);
	free(body);
	/* Even the very same message, encrypted, is not the clear one. */
	enc_request(f, forged, "1700000002", "3", 1, &q, &body);
	fx_do(f, WX_METHOD_POST, q, body, 1700000002);
	assert_int_equal(f->res.retry, 0);
	assert_int_equal(f->st.calls, 3);
	free(q);
	free(body);
	free(forged);
	free(real);
	fx_free(f);
}

/*
 * Audit finding 4: '|' inside the identifiers cannot make two messages
 * share a key (the old key "m|From|MsgId" read both as "m|oA|B|7").
 */
static void
test_key_separator_collision(void **state)
{
	struct fx *f = fx_new("tok123", "", "", WX_MODE_PLAIN, 300);
	char q[256], *a = text_msg("oA|B", "7", "same");
	char *b = text_msg("oA", "B|7", "same");

	(void)state;
	plain_query(f, q, sizeof q, "1700000000", "1");
	fx_do(f, WX_METHOD_POST, q, a, 1700000000);
	assert_int_equal(f->res.status, 200);
	plain_query(f, q, sizeof q, "1700000000", "2");
	fx_do(f, WX_METHOD_POST, q, b, 1700000000);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.retry, 0);
	assert_int_equal(f->st.calls, 2);
	free(a);
	free(b);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_official_vector),
		cmocka_unit_test(test_get_refusals),
		cmocka_unit_test(test_plain_post_vector),
		cmocka_unit_test(test_retry_answered_identically),
		cmocka_unit_test(test_event_dedup),
		cmocka_unit_test(test_replay_refused),
		cmocka_unit_test(test_plain_refusals),
		cmocka_unit_test(test_safe_vector_d),
		cmocka_unit_test(test_safe_round_trip),
		cmocka_unit_test(test_safe_success_unencrypted),
		cmocka_unit_test(test_safe_decrypt_failures),
		cmocka_unit_test(test_compat_vector_a),
		cmocka_unit_test(test_compat_plain_in_kind),
		cmocka_unit_test(test_replay_after_answer_expired),
		cmocka_unit_test(test_duplicate_in_flight),
		cmocka_unit_test(test_compat_poisoning),
		cmocka_unit_test(test_key_separator_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
