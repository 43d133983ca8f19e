/*
 * test_wx_crypto — WXBizMsgCrypt against the vectors of the protocol doc
 * (§4.1–§4.4) and every failure of §3.5.  Frames for the negative cases
 * are built and encrypted here with mbedtls directly, with a key decoded
 * by mbedtls' own Base64, so the module is never its own oracle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>

#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_sig.h"

#define ENC_A "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUe" \
	"PWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52" \
	"sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVtic" \
	"bSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZci" \
	"VGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0" \
	"EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9" \
	"ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
#define MSG_A "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n" \
	"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>" \
	"</FromUserName>\n<CreateTime>1409735668</CreateTime>\n" \
	"<MsgType><![CDATA[text]]></MsgType>\n" \
	"<Content><![CDATA[abcdteT]]></Content>\n" \
	"<MsgId>6054768590064713728</MsgId>\n</xml>"

#define ENC_BA "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khU" \
	"Ob05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ" \
	"7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2Iu" \
	"QrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOc" \
	"fBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
#define MSG_BA "{\"ToUserName\":\"gh_97417a04a28d\",\"FromUserName\":" \
	"\"o9AgO5Kd5ggOC-bXrbNODIiE3bGY\",\"CreateTime\":1714112445," \
	"\"MsgType\":\"event\",\"Event\":\"debug_demo\"," \
	"\"debug_str\":\"hello world\"}"

#define ENC_BB "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLAR" \
	"C9nVHm48Y4hyRbtzve1L32tmxSQ=="
#define MSG_BB "{\"demo_resp\":\"good luck\"}"

#define ENC_C "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYb" \
	"crKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0L" \
	"Wke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSU" \
	"CUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7mu" \
	"XsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oaz" \
	"PoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
#define MSG_C "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content>" \
	"<![CDATA[test]]></Content>\n<FromUserName>" \
	"<![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n" \
	"<ToUserName><![CDATA[messense]]></ToUserName>\n" \
	"<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>"

#define ENC_D "sgb5GddpmHrIg5cfvxEn3+obvblgELABaZWDUFL4+5hqE51GdrVTtwV6NMFf" \
	"jw9FZyBzzUGTGa6KabZMK8ELFTnVMMZv1tFVjPAjtRVUqypqTyURAX3lvNlaWKNdo8S" \
	"D44UenAmqmUXsCRye5my5VuTYBInty8orrU7QcbF5ko8="
/* 你好😀: 3 + 3 + 4 bytes for 3 characters. */
#define MSG_D "<xml><Content><![CDATA[" \
	"\xe4\xbd\xa0\xe5\xa5\xbd\xf0\x9f\x98\x80" \
	" hello]]></Content></xml>"

#define KEY_A	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define KEY_B	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define KEY_C	"kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
#define KEY_D	"ThisIsAnOwnTestKeyForWeChatCryptoVectors012"

struct vec {
	const char	*name;
	const char	*token;
	const char	*key;
	const char	*keyhex;	/* NULL when the doc gives none */
	const char	*appid;
	const char	*ts;
	const char	*nonce;
	const char	*enc;
	const char	*msg;
	size_t		 msglen;
	const char	*prefix;	/* the random, as the doc prints it */
	size_t		 pad;
	size_t		 ctlen;
	const char	*msg_sig;
	const char	*url_sig;	/* NULL when the doc gives none */
};

static const struct vec vecs[] = {
	{ "4.1 A", "spamtest", KEY_A,
	    "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051",
	    "wx2c2769f8efd9abc2", "1409735669", "1320562132", ENC_A, MSG_A,
	    280, "89465c840c5f116f", 2, 320,
	    "5d197aaffba7e9b25a30732f161a50dee96bd5fa", NULL },
	{ "4.2a B request", "AAAAA", KEY_B,
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "wxba5fad812f8e6fb9", "1714112445", "415670741", ENC_BA, MSG_BA,
	    167, "a8eedb185eb2fecf", 19, 224,
	    "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3",
	    "6c5c811b55cc85e0e1b54100749188c20beb3f5d" },
	{ "4.2b B reply", "AAAAA", KEY_B,
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "wxba5fad812f8e6fb9", "1713424427", "415670741", ENC_BB, MSG_BB,
	    25, "707722b803182950", 1, 64,
	    "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1", NULL },
	{ "4.3 C", "123456", KEY_C, NULL,
	    "wx49f0ab532d5d035a", "1411525903", "461056294", ENC_C, MSG_C,
	    247, "1234567890123456", 3, 288,
	    "407518b7649e86ef23978113f92d27afa9296533", NULL },
	{ "4.4 D", "c0ffee42", KEY_D,
	    "4e18ac22c0273b09d37acb4a7b2168ad678285ab42af2a6da1579cb68aecd35d",
	    "wx0123456789abcdef", "1700000000", "123456789", ENC_D, MSG_D,
	    58, "0123456789abcdef", 32, 128,
	    "5a6aa50ac58d4f4eead06a9f27d9f002d9610708",
	    "8e9366161b958d7ca39f54ce549631d4150868ba" },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

/* Helpers: an independent path through mbedtls for keys and frames. */

static void
hex_decode(const char *hex, unsigned char *out, size_t n)
{
	size_t		i;
	unsigned int	b;

	assert_int_equal(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (unsigned char)b;
	}
}

/*
 * The AES key via mbedtls' strict Base64: clear the low 2 bits of the 43rd
 * character, add "=", decode.
 */
static void
raw_key(const char *key43, unsigned char key[32])
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char			buf[45];
	const char		*p;
	size_t			olen = 0;

	assert_int_equal(strlen(key43), 43);
	memcpy(buf, key43, 43);
	p = strchr(alpha, key43[42]);
	assert_non_null(p);
	buf[42] = alpha[(p - alpha) & ~3];
	buf[43] = '=';
	buf[44] = '\0';
	assert_int_equal(mbedtls_base64_decode(key, 32, &olen,
	    (const unsigned char *)buf, 44), 0);
	assert_int_equal(olen, 32);
}

static void
raw_cbc(const unsigned char key[32], int mode, const unsigned char *in,
    unsigned char *out, size_t len)
{
	mbedtls_aes_context	aes;
	unsigned char		iv[16];

	mbedtls_aes_init(&aes);
	memcpy(iv, key, 16);
	if (mode == MBEDTLS_AES_ENCRYPT)
		assert_int_equal(mbedtls_aes_setkey_enc(&aes, key, 256), 0);
	else
		assert_int_equal(mbedtls_aes_setkey_dec(&aes, key, 256), 0);
	assert_int_equal(mbedtls_aes_crypt_cbc(&aes, mode, len, iv, in, out),
	    0);
	mbedtls_aes_free(&aes);
}

/* Base64-decode and AES-decrypt b64 without any frame checks. */
static unsigned char *
raw_decrypt(const unsigned char key[32], const char *b64, size_t *len)
{
	unsigned char	*ct, *pt;
	size_t		 n = strlen(b64), olen = 0;

	ct = malloc(n);
	pt = malloc(n);
	assert_non_null(ct);
	assert_non_null(pt);
	assert_int_equal(mbedtls_base64_decode(ct, n, &olen,
	    (const unsigned char *)b64, n), 0);
	assert_int_equal(olen % 16, 0);
	raw_cbc(key, MBEDTLS_AES_DECRYPT, ct, pt, olen);
	free(ct);
	*len = olen;
	return pt;
}

/* AES-encrypt a raw frame (len a multiple of 16) and Base64 it. */
static char *
raw_encrypt(const unsigned char key[32], const unsigned char *frame,
    size_t len)
{
	unsigned char	*ct;
	char		*b64;
	size_t		 cap = (len + 2) / 3 * 4 + 1, olen = 0;

	ct = malloc(len + 1);
	b64 = malloc(cap);
	assert_non_null(ct);
	assert_non_null(b64);
	raw_cbc(key, MBEDTLS_AES_ENCRYPT, frame, ct, len);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)b64, cap,
	    &olen, ct, len), 0);
	free(ct);
	return b64;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static struct wx_crypto *
ctx_new(const char *key, const char *appid)
{
	struct wx_crypto	*c = NULL;

	assert_int_equal(wx_crypto_new(&c, key, appid), WX_CRYPTO_OK);
	assert_non_null(c);
	return c;
}

/* Decrypt b64 and expect err; on failure the outputs must be cleared. */
static void
expect_err(const struct wx_crypto *c, const char *b64, size_t len, int err)
{
	char	*msg = (char *)&msg;
	size_t	 mlen = 12345;
	int	 r;

	r = wx_crypto_decrypt(c, b64, len, &msg, &mlen);
	if (r != err)
		print_error("want %s, got %s\n", wx_crypto_reason(err),
		    wx_crypto_reason(r));
	assert_int_equal(r, err);
	if (err != WX_CRYPTO_OK) {
		assert_null(msg);
		assert_int_equal(mlen, 0);
	}
	free(err == WX_CRYPTO_OK ? msg : NULL);
}

/* Encrypt a crafted frame with the raw key and expect err on decrypt. */
static void
expect_frame(const struct wx_crypto *c, const unsigned char key[32],
    const unsigned char *frame, size_t len, int err)
{
	char	*b64 = raw_encrypt(key, frame, len);

	expect_err(c, b64, strlen(b64), err);
	free(b64);
}

/* The vectors. */

static void
test_key_decode(void **state)
{
	unsigned char	got[32], want[32];
	size_t		i;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		if (vecs[i].keyhex == NULL)
			continue;
		raw_key(vecs[i].key, got);
		hex_decode(vecs[i].keyhex, want, 32);
		assert_memory_equal(got, want, 32);
	}
}

static void
test_vector_decrypt(void **state)
{
	struct wx_crypto	*c;
	char			*msg;
	size_t			 i, mlen;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		c = ctx_new(vecs[i].key, vecs[i].appid);
		msg = NULL;
		mlen = 0;
		assert_int_equal(wx_crypto_decrypt(c, vecs[i].enc,
		    strlen(vecs[i].enc), &msg, &mlen), WX_CRYPTO_OK);
		assert_non_null(msg);
		assert_int_equal(strlen(vecs[i].msg), vecs[i].msglen);
		assert_int_equal(mlen, vecs[i].msglen);
		assert_memory_equal(msg, vecs[i].msg, mlen);
		assert_int_equal(msg[mlen], '\0');
		free(msg);
		wx_crypto_free(c);
	}
}

/*
 * Take the frame apart independently: the random prefix is the 16 ASCII
 * characters the doc prints; msg_len, AppID and padding are as stated.
 */
static void
test_vector_frames(void **state)
{
	unsigned char	 key[32], *pt;
	size_t		 i, j, len;
	const struct vec *v;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		v = &vecs[i];
		raw_key(v->key, key);
		pt = raw_decrypt(key, v->enc, &len);
		assert_int_equal(len, v->ctlen);
		assert_memory_equal(pt, v->prefix, 16);
		assert_int_equal((size_t)pt[16] << 24 | (size_t)pt[17] << 16 |
		    (size_t)pt[18] << 8 | pt[19], v->msglen);
		assert_memory_equal(pt + 20, v->msg, v->msglen);
		assert_memory_equal(pt + 20 + v->msglen, v->appid,
		    strlen(v->appid));
		assert_int_equal(20 + v->msglen + strlen(v->appid) + v->pad,
		    len);
		for (j = 1; j <= v->pad; j++)
			assert_int_equal(pt[len - j], v->pad);
		free(pt);
	}
}

/* Re-encrypt with the decrypted prefix: byte-identical to the doc. */
static void
test_vector_encrypt(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 key[32], prefix[16], *pt;
	char			*b64;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		raw_key(vecs[i].key, key);
		pt = raw_decrypt(key, vecs[i].enc, &len);
		memcpy(prefix, pt, sizeof(prefix));
		free(pt);

		c = ctx_new(vecs[i].key, vecs[i].appid);
		b64 = NULL;
		assert_int_equal(wx_crypto_encrypt_prefix(c, prefix,
		    vecs[i].msg, vecs[i].msglen, &b64), WX_CRYPTO_OK);
		assert_non_null(b64);
		assert_string_equal(b64, vecs[i].enc);
		free(b64);
		wx_crypto_free(c);
	}
}

/* The module's key is the doc's: our output opens with the doc's hex key. */
static void
test_module_key(void **state)
{
	static const unsigned char	 prefix[16] = "PPPPPPPPPPPPPPPP";
	struct wx_crypto		*c;
	unsigned char			 key[32], *pt;
	char				*b64;
	size_t				 i, len, alen;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		if (vecs[i].keyhex == NULL)
			continue;
		hex_decode(vecs[i].keyhex, key, 32);
		c = ctx_new(vecs[i].key, vecs[i].appid);
		assert_int_equal(wx_crypto_encrypt_prefix(c, prefix,
		    vecs[i].msg, vecs[i].msglen, &b64), WX_CRYPTO_OK);
		pt = raw_decrypt(key, b64, &len);
		alen = strlen(vecs[i].appid);
		assert_memory_equal(pt, prefix, 16);
		assert_memory_equal(pt + 20, vecs[i].msg, vecs[i].msglen);
		assert_memory_equal(pt + 20 + vecs[i].msglen, vecs[i].appid,
		    alen);
		free(pt);
		free(b64);
		wx_crypto_free(c);
	}
}

/* msg_signature over our own Encrypt output, and the URL signatures. */
static void
test_vector_signatures(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 prefix[16];
	char			*b64, sig[WX_SIG_HEX_LEN + 1];
	const char		*parts[4];
	size_t			 i;

	(void)state;
	for (i = 0; i < NVECS; i++) {
		memcpy(prefix, vecs[i].prefix, sizeof(prefix));
		c = ctx_new(vecs[i].key, vecs[i].appid);
		assert_int_equal(wx_crypto_encrypt_prefix(c, prefix,
		    vecs[i].msg, vecs[i].msglen, &b64), WX_CRYPTO_OK);
		parts[0] = vecs[i].token;
		parts[1] = vecs[i].ts;
		parts[2] = vecs[i].nonce;
		parts[3] = b64;
		wx_sig_compute(parts, 4, sig);
		assert_string_equal(sig, vecs[i].msg_sig);
		assert_int_equal(wx_sig_verify(vecs[i].msg_sig, parts, 4), 1);
		if (vecs[i].url_sig != NULL) {
			wx_sig_compute(parts, 3, sig);
			assert_string_equal(sig, vecs[i].url_sig);
			/* Pitfall 1: signature is not msg_signature. */
			assert_int_equal(wx_sig_verify(vecs[i].url_sig, parts,
			    4), 0);
		}
		free(b64);
		wx_crypto_free(c);
	}
}

/* §4.4: a frame of 96 bytes gets a whole block of 0x20, both ways. */
static void
test_pad32(void **state)
{
	const struct vec	*v = &vecs[4];
	struct wx_crypto	*c;
	unsigned char		 key[32], *pt;
	char			*b64, *msg;
	size_t			 len, mlen, j;

	(void)state;
	assert_int_equal(v->pad, 32);
	c = ctx_new(v->key, v->appid);
	assert_int_equal(wx_crypto_encrypt_prefix(c,
	    (const unsigned char *)v->prefix, v->msg, v->msglen, &b64),
	    WX_CRYPTO_OK);
	raw_key(v->key, key);
	pt = raw_decrypt(key, b64, &len);
	assert_int_equal(len, 128);
	assert_int_equal(20 + v->msglen + strlen(v->appid), 96);
	for (j = 96; j < 128; j++)
		assert_int_equal(pt[j], 0x20);
	free(pt);
	assert_int_equal(wx_crypto_decrypt(c, b64, strlen(b64), &msg, &mlen),
	    WX_CRYPTO_OK);
	assert_int_equal(mlen, 58);
	assert_memory_equal(msg, v->msg, 58);
	free(msg);
	free(b64);
	wx_crypto_free(c);
}

/* Negative cases. */

static void
test_wrong_key(void **state)
{
	static const char	*others[] = { KEY_B, KEY_C, KEY_D,
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFI",
		"bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" };
	/* Same key: only the 2 dropped bits of the last character differ. */
	static const char	*same[] = {
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFE",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFF",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH" };
	struct wx_crypto	*c;
	char			*msg;
	size_t			 i, mlen;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		c = ctx_new(others[i], vecs[0].appid);
		msg = NULL;
		r = wx_crypto_decrypt(c, ENC_A, strlen(ENC_A), &msg, &mlen);
		assert_true(r == WX_CRYPTO_ERR_PADDING ||
		    r == WX_CRYPTO_ERR_MSGLEN || r == WX_CRYPTO_ERR_APPID);
		assert_null(msg);
		wx_crypto_free(c);
	}
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		c = ctx_new(same[i], vecs[0].appid);
		expect_err(c, ENC_A, strlen(ENC_A), WX_CRYPTO_OK);
		wx_crypto_free(c);
	}
}

static void
test_wrong_appid(void **state)
{
	static const char	*appids[] = {
				    "wx2c2769f8efd9abc3",	/* last byte */
				    "wx2c2769f8efd9abc",	/* shorter */
				    "wx2c2769f8efd9abc2x",	/* longer */
				    "Wx2c2769f8efd9abc2",	/* case */
				    "2c2769f8efd9abc2" };
	struct wx_crypto	*one, *two;
	char			*b64;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(appids) / sizeof(appids[0]); i++) {
		two = ctx_new(KEY_A, appids[i]);
		expect_err(two, ENC_A, strlen(ENC_A), WX_CRYPTO_ERR_APPID);
		wx_crypto_free(two);
	}

	/* Encrypt with one AppID, decrypt with another context. */
	one = ctx_new(KEY_D, "wxaaaaaaaaaaaaaaaa");
	two = ctx_new(KEY_D, "wxaaaaaaaaaaaaaaab");
	assert_int_equal(wx_crypto_encrypt(one, "hello", 5, &b64),
	    WX_CRYPTO_OK);
	expect_err(one, b64, strlen(b64), WX_CRYPTO_OK);
	expect_err(two, b64, strlen(b64), WX_CRYPTO_ERR_APPID);
	free(b64);
	wx_crypto_free(one);
	wx_crypto_free(two);
}

static void
test_bad_base64(void **state)
{
	static const char	*bad[] = {
		"!!!!", "abc", "abcde", "ab=c", "====", "a===", "QUJD=RA=",
		"QUJD\nRA==", "QUJD RA==", "QUJD\tRA==", "\xff\xfe\xfd\xfc",
		"QUJD-RA=", "QUJD_RA=", "QUJDRA=\"",
	};
	struct wx_crypto	*c;
	char			 buf[sizeof(ENC_A)];
	size_t			 i;

	(void)state;
	c = ctx_new(KEY_A, vecs[0].appid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(c, bad[i], strlen(bad[i]), WX_CRYPTO_ERR_BASE64);
	/* A NUL inside the counted bytes. */
	expect_err(c, "QUJD\0RA=", 8, WX_CRYPTO_ERR_BASE64);
	/* One character of Vector A replaced by the URL-safe alphabet. */
	memcpy(buf, ENC_A, sizeof(buf));
	*strchr(buf, '+') = '-';
	expect_err(c, buf, strlen(buf), WX_CRYPTO_ERR_BASE64);
	/* Vector A cut short by one character. */
	expect_err(c, ENC_A, strlen(ENC_A) - 1, WX_CRYPTO_ERR_BASE64);
	wx_crypto_free(c);
}

static void
test_empty(void **state)
{
	struct wx_crypto	*c;

	(void)state;
	c = ctx_new(KEY_A, vecs[0].appid);
	expect_err(c, "", 0, WX_CRYPTO_ERR_LENGTH);
	expect_err(c, " \r\n\t ", 5, WX_CRYPTO_ERR_LENGTH);
	expect_err(c, NULL, 0, WX_CRYPTO_ERR_LENGTH);
	/* The length is what counts, not the NUL. */
	expect_err(c, ENC_A, 0, WX_CRYPTO_ERR_LENGTH);
	wx_crypto_free(c);
}

/* Valid Base64 of n bytes where n is not a positive multiple of 32. */
static void
test_bad_length(void **state)
{
	static const size_t	 lens[] = { 1, 15, 16, 17, 31, 33, 48, 80,
				    304 };
	struct wx_crypto	*c;
	unsigned char		 raw[320];
	char			 b64[512];
	size_t			 i, olen;

	(void)state;
	c = ctx_new(KEY_A, vecs[0].appid);
	memset(raw, 0x5a, sizeof(raw));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(mbedtls_base64_encode((unsigned char *)b64,
		    sizeof(b64), &olen, raw, lens[i]), 0);
		expect_err(c, b64, olen, WX_CRYPTO_ERR_LENGTH);
	}
	wx_crypto_free(c);
}

#define PAD_FRAME	64
#define PAD_APPID	"wxpadtest"

/*
 * A 64-byte frame that is valid when its last pad bytes hold pad (1..32):
 * msg_len fills the room left by the AppID.
 */
static void
pad_frame(unsigned char *f, unsigned int pad, size_t *mlen)
{
	size_t	alen = strlen(PAD_APPID), n;

	memset(f, 'm', PAD_FRAME);
	memcpy(f, "0123456789abcdef", 16);
	n = PAD_FRAME - (pad >= 1 && pad <= 32 ? pad : 1);
	*mlen = n - 20 - alen;
	put_be32(f + 16, (uint32_t)*mlen);
	memcpy(f + 20 + *mlen, PAD_APPID, alen);
	/* Out-of-range values fill the most they could claim: 32 bytes. */
	if (pad >= 1 && pad <= 32)
		memset(f + n, (int)pad, pad);
	else
		memset(f + PAD_FRAME - 32, (int)pad, 32);
}

/* Every value of the last byte: 1..32 decrypt, all others are padding. */
static void
test_pad_values(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 key[32], f[PAD_FRAME];
	char			*b64, *msg;
	size_t			 mlen, got;
	unsigned int		 v;
	int			 r;

	(void)state;
	raw_key(KEY_D, key);
	c = ctx_new(KEY_D, PAD_APPID);
	for (v = 0; v < 256; v++) {
		pad_frame(f, v, &mlen);
		assert_int_equal(f[PAD_FRAME - 1], v);
		b64 = raw_encrypt(key, f, sizeof(f));
		msg = NULL;
		got = 0;
		r = wx_crypto_decrypt(c, b64, strlen(b64), &msg, &got);
		if (v >= 1 && v <= 32) {
			assert_int_equal(r, WX_CRYPTO_OK);
			assert_int_equal(got, mlen);
			assert_memory_equal(msg, f + 20, mlen);
		} else {
			assert_int_equal(r, WX_CRYPTO_ERR_PADDING);
			assert_null(msg);
		}
		free(msg);
		free(b64);
	}
	wx_crypto_free(c);
}

/* Any pad byte other than the last one disagreeing is a padding error. */
static void
test_pad_inconsistent(void **state)
{
	static const unsigned char	 deltas[] = { 0x01, 0x80, 0xff };
	struct wx_crypto		*c;
	unsigned char			 key[32], f[PAD_FRAME];
	size_t				 mlen, j, d;
	unsigned int			 v;

	(void)state;
	raw_key(KEY_D, key);
	c = ctx_new(KEY_D, PAD_APPID);
	for (v = 2; v <= 32; v++) {
		for (j = 2; j <= v; j++) {
			for (d = 0; d < sizeof(deltas); d++) {
				pad_frame(f, v, &mlen);
				f[PAD_FRAME - j] ^= deltas[d];
				expect_frame(c, key, f, sizeof(f),
				    WX_CRYPTO_ERR_PADDING);
			}
		}
		/* The byte just before the padding is not padding. */
		pad_frame(f, v, &mlen);
		expect_frame(c, key, f, sizeof(f), WX_CRYPTO_OK);
	}
	wx_crypto_free(c);
}

/* After the padding fewer than 20 bytes remain: msg_len. */
static void
test_short_frame(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 key[32], f[32];
	unsigned int		 pad;

	(void)state;
	raw_key(KEY_D, key);
	c = ctx_new(KEY_D, PAD_APPID);
	for (pad = 13; pad <= 32; pad++) {
		memset(f, 0, sizeof(f));
		memset(f + 32 - pad, (int)pad, pad);
		expect_frame(c, key, f, sizeof(f), WX_CRYPTO_ERR_MSGLEN);
	}
	/* Exactly 20 bytes and msg_len 0: nothing left for the AppID. */
	memset(f, 0, sizeof(f));
	memset(f + 20, 12, 12);
	expect_frame(c, key, f, sizeof(f), WX_CRYPTO_ERR_APPID);
	wx_crypto_free(c);
}

/* msg_len past the end, including values that overflow 32-bit sums. */
static void
test_huge_msglen(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 key[32], f[PAD_FRAME];
	size_t			 mlen, n = PAD_FRAME - 4;
	const uint32_t		 bad[] = { 0xffffffffu, 0xfffffffcu,
				    0x80000000u, 0x7fffffffu, 0x00010000u,
				    (uint32_t)(n - 19), (uint32_t)n };
	size_t			 i;

	(void)state;
	raw_key(KEY_D, key);
	c = ctx_new(KEY_D, PAD_APPID);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pad_frame(f, 4, &mlen);
		put_be32(f + 16, bad[i]);
		expect_frame(c, key, f, sizeof(f), WX_CRYPTO_ERR_MSGLEN);
	}
	/* n - 20 fits but leaves no AppID; one less leaves a wrong one. */
	pad_frame(f, 4, &mlen);
	put_be32(f + 16, (uint32_t)(n - 20));
	expect_frame(c, key, f, sizeof(f), WX_CRYPTO_ERR_APPID);
	put_be32(f + 16, (uint32_t)(mlen + 1));
	expect_frame(c, key, f, sizeof(f), WX_CRYPTO_ERR_APPID);
	put_be32(f + 16, (uint32_t)mlen);
	expect_frame(c, key, f, sizeof(f), WX_CRYPTO_OK);
	wx_crypto_free(c);
}

/* Round trips of every length 0..300 with random bytes, NULs included. */
static void
test_roundtrip(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 in[301];
	char			*b64, *msg;
	size_t			 len, mlen, alen, total;

	(void)state;
	alen = strlen(vecs[0].appid);
	c = ctx_new(KEY_A, vecs[0].appid);
	for (len = 0; len <= 300; len++) {
		assert_int_equal(wx_crypto_random(c, in, len), WX_CRYPTO_OK);
		assert_int_equal(wx_crypto_encrypt(c, (const char *)in, len,
		    &b64), WX_CRYPTO_OK);
		total = (20 + len + alen) / 32 * 32 + 32;
		assert_int_equal(strlen(b64), (total + 2) / 3 * 4);
		assert_int_equal(wx_crypto_decrypt(c, b64, strlen(b64), &msg,
		    &mlen), WX_CRYPTO_OK);
		assert_int_equal(mlen, len);
		if (len > 0)
			assert_memory_equal(msg, in, len);
		assert_int_equal(msg[len], '\0');
		free(msg);
		free(b64);
	}
	wx_crypto_free(c);
}

/* Each encryption draws a new prefix. */
static void
test_fresh_prefix(void **state)
{
	struct wx_crypto	*c;
	unsigned char		 key[32], *p1, *p2;
	char			*a, *b;
	size_t			 l1, l2;

	(void)state;
	c = ctx_new(KEY_D, PAD_APPID);
	assert_int_equal(wx_crypto_encrypt(c, "same", 4, &a), WX_CRYPTO_OK);
	assert_int_equal(wx_crypto_encrypt(c, "same", 4, &b), WX_CRYPTO_OK);
	assert_string_not_equal(a, b);
	raw_key(KEY_D, key);
	p1 = raw_decrypt(key, a, &l1);
	p2 = raw_decrypt(key, b, &l2);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(p1, p2, 16);
	assert_memory_equal(p1 + 16, p2 + 16, l1 - 16);
	free(p1);
	free(p2);
	free(a);
	free(b);
	wx_crypto_free(c);
}

/* msg_len counts UTF-8 bytes, not characters (§9 pitfall 4). */
static void
test_utf8(void **state)
{
	static const char	*texts[] = {
		MSG_D,
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
		"\xe4\xb8\xad\xe6\x96\x87 test "
		"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
	};
	struct wx_crypto	*c;
	char			*b64, *msg;
	size_t			 i, j, mlen, chars;

	(void)state;
	c = ctx_new(KEY_D, vecs[4].appid);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		chars = 0;
		for (j = 0; texts[i][j] != '\0'; j++)
			chars += ((unsigned char)texts[i][j] & 0xc0) != 0x80;
		assert_true(chars < strlen(texts[i]));
		assert_int_equal(wx_crypto_encrypt(c, texts[i],
		    strlen(texts[i]), &b64), WX_CRYPTO_OK);
		assert_int_equal(wx_crypto_decrypt(c, b64, strlen(b64), &msg,
		    &mlen), WX_CRYPTO_OK);
		assert_int_equal(mlen, strlen(texts[i]));
		assert_string_equal(msg, texts[i]);
		free(msg);
		free(b64);
	}
	wx_crypto_free(c);
}

static void
test_invalid_keys(void **state)
{
	static const char	*bad[] = {
		"",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",	/* 42 */
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",	/* 44 */
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=",
		"+bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"abcdefghijklmnopqrstu/wxyz0123456789ABCDEFG",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF-",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF_",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF ",
		" abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF\n",
		"abcdefghijklmnopqrstuvwxyz\xc3\xa9" "123456789ABCDEF",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF\xff",
	};
	static const char	*good[] = { KEY_A, KEY_B, KEY_C, KEY_D,
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"99999999999999999999999999999999999999999Z9" };
	struct wx_crypto	*c;
	size_t			 i;

	(void)state;
	assert_int_equal(wx_crypto_key_valid(NULL), 0);
	c = (struct wx_crypto *)&c;
	assert_int_equal(wx_crypto_new(&c, NULL, "wx1"), WX_CRYPTO_ERR_KEY);
	assert_null(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wx_crypto_key_valid(bad[i]), 0);
		c = (struct wx_crypto *)&c;
		assert_int_equal(wx_crypto_new(&c, bad[i], "wx1"),
		    WX_CRYPTO_ERR_KEY);
		assert_null(c);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(strlen(good[i]), 43);
		assert_int_equal(wx_crypto_key_valid(good[i]), 1);
		c = ctx_new(good[i], "wx1");
		wx_crypto_free(c);
	}
}

static void
test_appid_config(void **state)
{
	struct wx_crypto	*c;
	char			 big[1001];

	(void)state;
	memset(big, 'w', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c = (struct wx_crypto *)&c;
	assert_int_equal(wx_crypto_new(&c, KEY_A, NULL),
	    WX_CRYPTO_ERR_APPID_CFG);
	assert_null(c);
	assert_int_equal(wx_crypto_new(&c, KEY_A, ""),
	    WX_CRYPTO_ERR_APPID_CFG);
	assert_int_equal(wx_crypto_new(&c, KEY_A, big),
	    WX_CRYPTO_ERR_APPID_CFG);
	assert_null(c);
	/* The key is checked first. */
	assert_int_equal(wx_crypto_new(&c, "short", ""), WX_CRYPTO_ERR_KEY);
	big[32] = '\0';
	c = ctx_new(KEY_A, big);
	wx_crypto_free(c);
}

static void
test_too_big(void **state)
{
	struct wx_crypto	*c;
	char			*buf, *b64 = (char *)&b64;
	char			*msg;
	size_t			 mlen;

	(void)state;
	buf = malloc(WX_CRYPTO_MAX + 2);
	assert_non_null(buf);
	memset(buf, 'A', WX_CRYPTO_MAX + 1);
	buf[WX_CRYPTO_MAX + 1] = '\0';
	c = ctx_new(KEY_A, vecs[0].appid);
	assert_int_equal(wx_crypto_encrypt(c, buf, WX_CRYPTO_MAX + 1, &b64),
	    WX_CRYPTO_ERR_TOOBIG);
	assert_null(b64);
	expect_err(c, buf, WX_CRYPTO_MAX + 1, WX_CRYPTO_ERR_TOOBIG);
	expect_err(c, buf, SIZE_MAX, WX_CRYPTO_ERR_TOOBIG);

	/* The limit itself is accepted. */
	assert_int_equal(wx_crypto_encrypt(c, buf, WX_CRYPTO_MAX, &b64),
	    WX_CRYPTO_OK);
	free(b64);
	/* Base64 of exactly the limit gets past the size check. */
	assert_int_equal(wx_crypto_decrypt(c, buf, WX_CRYPTO_MAX, &msg,
	    &mlen) != WX_CRYPTO_ERR_TOOBIG, 1);
	free(buf);
	wx_crypto_free(c);
}

/* Surrounding white space of pretty-printed XML is ignored. */
static void
test_whitespace(void **state)
{
	struct wx_crypto	*c;
	char			*buf, *msg;
	size_t			 len, mlen;

	(void)state;
	len = strlen(ENC_A) + 8;
	buf = malloc(len + 1);
	assert_non_null(buf);
	snprintf(buf, len + 1, " \t\r\n%s\r\n\v\f", ENC_A);
	c = ctx_new(KEY_A, vecs[0].appid);
	assert_int_equal(wx_crypto_decrypt(c, buf, len, &msg, &mlen),
	    WX_CRYPTO_OK);
	assert_int_equal(mlen, 280);
	assert_memory_equal(msg, MSG_A, 280);
	free(msg);
	free(buf);
	wx_crypto_free(c);
}

static void
test_reasons(void **state)
{
	static const struct {
		int		 err;
		const char	*reason;
	} named[] = {
		{ WX_CRYPTO_ERR_BASE64, "base64" },
		{ WX_CRYPTO_ERR_LENGTH, "length" },
		{ WX_CRYPTO_ERR_PADDING, "padding" },
		{ WX_CRYPTO_ERR_MSGLEN, "msg_len" },
		{ WX_CRYPTO_ERR_APPID, "appid" },
	};
	const char	*seen[12], *r, *p;
	int		 err;
	size_t		 i, j;

	(void)state;
	for (err = 0; err >= WX_CRYPTO_ERR_TOOBIG; err--) {
		r = wx_crypto_reason(err);
		assert_non_null(r);
		assert_true(r[0] != '\0');
		for (p = r; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '_');
		assert_string_not_equal(r, "unknown");
		assert_string_not_equal(wx_crypto_strerror(err),
		    "unknown error");
		seen[-err] = r;
		for (j = 0; j < (size_t)-err; j++)
			assert_string_not_equal(seen[j], r);
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		assert_string_equal(wx_crypto_reason(named[i].err),
		    named[i].reason);
	assert_string_equal(wx_crypto_reason(1), "unknown");
	assert_string_equal(wx_crypto_reason(WX_CRYPTO_ERR_TOOBIG - 1),
	    "unknown");
	assert_non_null(wx_crypto_strerror(-999));
}

static void
test_random(void **state)
{
	struct wx_crypto	*c;
	unsigned char		*buf, a[32], b[32], zero[1024];
	size_t			 n = 5000;

	(void)state;
	memset(zero, 0, sizeof(zero));
	c = ctx_new(KEY_A, vecs[0].appid);
	assert_int_equal(wx_crypto_random(c, a, 0), WX_CRYPTO_OK);
	assert_int_equal(wx_crypto_random(c, a, sizeof(a)), WX_CRYPTO_OK);
	assert_int_equal(wx_crypto_random(c, b, sizeof(b)), WX_CRYPTO_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Past one CTR-DRBG request: the tail is filled too. */
	buf = calloc(1, n);
	assert_non_null(buf);
	assert_int_equal(wx_crypto_random(c, buf, n), WX_CRYPTO_OK);
	assert_memory_not_equal(buf, zero, sizeof(zero));
	assert_memory_not_equal(buf + n - sizeof(zero), zero, sizeof(zero));
	free(buf);
	wx_crypto_free(c);
	wx_crypto_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_decode),
		cmocka_unit_test(test_vector_decrypt),
		cmocka_unit_test(test_vector_frames),
		cmocka_unit_test(test_vector_encrypt),
		cmocka_unit_test(test_module_key),
		cmocka_unit_test(test_vector_signatures),
		cmocka_unit_test(test_pad32),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_wrong_appid),
		cmocka_unit_test(test_bad_base64),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_pad_values),
		cmocka_unit_test(test_pad_inconsistent),
		cmocka_unit_test(test_short_frame),
		cmocka_unit_test(test_huge_msglen),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_fresh_prefix),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_invalid_keys),
		cmocka_unit_test(test_appid_config),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
