/*
 * wx_crypto — WXBizMsgCrypt message encryption (protocol doc §3): the
 * EncodingAESKey, the frame random16 | be32 msg_len | msg | AppID, PKCS#7
 * padding to 32 bytes and AES-256-CBC with IV = key[0..15].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_sig.h"

#define WX_CRYPTO_KEY_CHARS	43
#define WX_CRYPTO_KEY_LEN	32
#define WX_CRYPTO_IV_LEN	16
#define WX_CRYPTO_PREFIX_LEN	16
#define WX_CRYPTO_HEAD_LEN	(WX_CRYPTO_PREFIX_LEN + 4)
/* WeChat pads to 32 bytes, not to the 16-byte AES block (§3.3). */
#define WX_CRYPTO_BLOCK		32
/* Real AppIDs are 18 characters; anything near this is a typo. */
#define WX_CRYPTO_APPID_MAX	64

static const char wx_crypto_pers[] = "wxkb wx_crypto reply prefix";

struct wx_crypto {
	unsigned char			cr_key[WX_CRYPTO_KEY_LEN];
	char				cr_appid[WX_CRYPTO_APPID_MAX + 1];
	size_t				cr_appid_len;
	mbedtls_entropy_context		cr_entropy;
	/* Not locked: the daemon encrypts from its one event loop. */
	mbedtls_ctr_drbg_context	cr_drbg;
	int				cr_seeded;	/* cr_drbg inited */
};

static int	wx_crypto_b64val(unsigned char);
static void	wx_crypto_key_decode(const char *, unsigned char *);
static int	wx_crypto_cbc(const unsigned char *, int,
		    const unsigned char *, unsigned char *, size_t);
static int	wx_crypto_b64_ok(const char *, size_t);
static int	wx_crypto_is_space(char);
static int	wx_crypto_b64_decode(const char *, size_t, unsigned char *,
		    size_t *);
static void	wx_crypto_b64_encode(const unsigned char *, size_t, char *);

/*
 * One more than the 6-bit value of each Base64 character, 0 for the
 * others: a lookup, because branching on random ciphertext characters
 * mispredicts; the decrypt step took 7 us per message, now 1.5.
 */
static const unsigned char wx_crypto_b64tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64
};

/* The 6-bit value of a Base64 character, or -1. */
static int
wx_crypto_b64val(unsigned char c)
{
	return (int)wx_crypto_b64tab[c] - 1;
}

int
wx_crypto_key_valid(const char *s)
{
	size_t	i;

	if (s == NULL)
		return 0;
	/* '+' and '/' are Base64 but never appear in an EncodingAESKey. */
	for (i = 0; i < WX_CRYPTO_KEY_CHARS; i++) {
		if (wx_crypto_b64val((unsigned char)s[i]) < 0 ||
		    s[i] == '+' || s[i] == '/')
			return 0;
	}
	return s[WX_CRYPTO_KEY_CHARS] == '\0';
}

/*
 * Decode the 43 checked characters of s into 32 bytes.  43 characters
 * carry 258 bits: the low 2 bits of the last one are dropped, as WeChat
 * does not zero them (the official sample key ends in 'G').
 */
static void
wx_crypto_key_decode(const char *s, unsigned char *key)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	for (i = 0; i < WX_CRYPTO_KEY_CHARS; i++) {
		v = wx_crypto_b64val((unsigned char)s[i]);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < WX_CRYPTO_KEY_LEN)
				key[o++] = (unsigned char)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	mbedtls_platform_zeroize(&acc, sizeof(acc));
}

int
wx_crypto_new(struct wx_crypto **out, const char *aes_key, const char *appid)
{
	struct wx_crypto	*c = NULL;
	size_t			 alen;
	int			 r;

	*out = NULL;
	if (!wx_crypto_key_valid(aes_key)) {
		r = WX_CRYPTO_ERR_KEY;
		goto out;
	}
	if (appid == NULL) {
		r = WX_CRYPTO_ERR_APPID_CFG;
		goto out;
	}
	alen = strnlen(appid, WX_CRYPTO_APPID_MAX + 1);
	if (alen == 0 || alen > WX_CRYPTO_APPID_MAX) {
		r = WX_CRYPTO_ERR_APPID_CFG;
		goto out;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	wx_crypto_key_decode(aes_key, c->cr_key);
	memcpy(c->cr_appid, appid, alen);
	c->cr_appid_len = alen;

	mbedtls_entropy_init(&c->cr_entropy);
	mbedtls_ctr_drbg_init(&c->cr_drbg);
	c->cr_seeded = 1;
	r = mbedtls_ctr_drbg_seed(&c->cr_drbg, mbedtls_entropy_func,
	    &c->cr_entropy, (const unsigned char *)wx_crypto_pers,
	    sizeof(wx_crypto_pers) - 1);
	if (r != 0) {
		r = WX_CRYPTO_ERR_RANDOM;
		goto out;
	}

	*out = c;
	c = NULL;
	r = WX_CRYPTO_OK;
out:
	wx_crypto_free(c);
	return r;
}

void
wx_crypto_free(struct wx_crypto *c)
{
	if (c == NULL)
		return;
	if (c->cr_seeded) {
		mbedtls_ctr_drbg_free(&c->cr_drbg);
		mbedtls_entropy_free(&c->cr_entropy);
	}
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}

/*
 * AES-256-CBC over len bytes (a multiple of 16) with IV = key[0..15], no
 * padding.  A fresh schedule per call keeps callers free to share a const
 * context; mbedtls_aes_free() wipes it.
 */
static int
wx_crypto_cbc(const unsigned char *key, int mode, const unsigned char *in,
    unsigned char *outbuf, size_t len)
{
	mbedtls_aes_context	aes;
	unsigned char		iv[WX_CRYPTO_IV_LEN];
	int			r;

	mbedtls_aes_init(&aes);
	/* mbedtls_aes_crypt_cbc() overwrites the IV, so hand it a copy. */
	memcpy(iv, key, sizeof(iv));
	if (mode == MBEDTLS_AES_ENCRYPT)
		r = mbedtls_aes_setkey_enc(&aes, key, WX_CRYPTO_KEY_LEN * 8);
	else
		r = mbedtls_aes_setkey_dec(&aes, key, WX_CRYPTO_KEY_LEN * 8);
	if (r != 0)
		goto out;
	r = mbedtls_aes_crypt_cbc(&aes, mode, len, iv, in, outbuf);
out:
	mbedtls_aes_free(&aes);
	mbedtls_platform_zeroize(iv, sizeof(iv));
	return r;
}

static int
wx_crypto_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' ||
	    ch == '\f' || ch == '\r';
}

/*
 * 1 when s is plain padded Base64: whole quads, alphabet only.  mbedtls
 * alone would also take line breaks inside and unpadded tails, which
 * WeChat never sends.
 */
static int
wx_crypto_b64_ok(const char *s, size_t len)
{
	size_t	i;

	if (len % 4 != 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (wx_crypto_b64val((unsigned char)s[i]) < 0 && s[i] != '=')
			return 0;
	}
	return 1;
}

/*
 * Decode len characters that passed wx_crypto_b64_ok(); '=' only as the
 * last one or two.  Not constant-time, unlike mbedtls 2.28's codec: the
 * text is ciphertext, which is public.  Returns 0 or -1.
 */
static int
wx_crypto_b64_decode(const char *s, size_t len, unsigned char *out,
    size_t *outlen)
{
	size_t		i, pad = 0, n;
	uint32_t	q;
	int		j, v;

	*outlen = 0;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	n = len - pad;
	for (i = 0; i < len; i += 4) {
		q = 0;
		for (j = 0; j < 4; j++) {
			v = i + (size_t)j < n ?
			    wx_crypto_b64val((unsigned char)s[i + j]) : 0;
			if (v < 0)
				return -1;
			q = q << 6 | (uint32_t)v;
		}
		out[(*outlen)++] = (unsigned char)(q >> 16);
		if (i + 2 < n)
			out[(*outlen)++] = (unsigned char)(q >> 8);
		if (i + 3 < n)
			out[(*outlen)++] = (unsigned char)q;
	}
	return 0;
}

/* Base64 of len bytes into out (4 * ceil(len / 3) + 1 bytes). */
static void
wx_crypto_b64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		i;
	uint32_t	q;

	for (i = 0; i + 2 < len; i += 3) {
		q = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = abc[q >> 18];
		*out++ = abc[(q >> 12) & 63];
		*out++ = abc[(q >> 6) & 63];
		*out++ = abc[q & 63];
	}
	if (i < len) {
		q = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			q |= (uint32_t)in[i + 1] << 8;
		*out++ = abc[q >> 18];
		*out++ = abc[(q >> 12) & 63];
		*out++ = i + 1 < len ? abc[(q >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

int
wx_crypto_decrypt(const struct wx_crypto *c, const char *b64, size_t b64len,
    char **msg, size_t *msglen)
{
	unsigned char	*ct = NULL, *pt = NULL;
	size_t		 ctlen = 0, n, i, tail;
	uint32_t	 mlen;
	unsigned char	 pad, diff;
	int		 r;

	*msg = NULL;
	*msglen = 0;
	if (b64 == NULL)
		b64len = 0;
	if (b64len > WX_CRYPTO_MAX) {
		r = WX_CRYPTO_ERR_TOOBIG;
		goto out;
	}

	/* §3.5 step 3: Base64, then length. */
	while (b64len > 0 && wx_crypto_is_space(b64[0])) {
		b64++;
		b64len--;
	}
	while (b64len > 0 && wx_crypto_is_space(b64[b64len - 1]))
		b64len--;
	if (!wx_crypto_b64_ok(b64, b64len)) {
		r = WX_CRYPTO_ERR_BASE64;
		goto out;
	}
	/* Decoded size is at most 3/4 of the text; +1 for b64len == 0. */
	ct = malloc(b64len / 4 * 3 + 1);
	if (ct == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	r = wx_crypto_b64_decode(b64, b64len, ct, &ctlen);
	if (r != 0) {
		r = WX_CRYPTO_ERR_BASE64;
		goto out;
	}
	if (ctlen == 0 || ctlen % WX_CRYPTO_BLOCK != 0) {
		r = WX_CRYPTO_ERR_LENGTH;
		goto out;
	}

	/* Step 4. */
	pt = malloc(ctlen);
	if (pt == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	r = wx_crypto_cbc(c->cr_key, MBEDTLS_AES_DECRYPT, ct, pt, ctlen);
	if (r != 0) {
		r = WX_CRYPTO_ERR_AES;
		goto out;
	}

	/*
	 * Step 5, in constant time like TLS: pad in 1..32 and every pad byte
	 * equal to it.  ctlen >= 32, so the loop stays inside pt.
	 */
	pad = pt[ctlen - 1];
	diff = (unsigned char)(pad == 0 || pad > WX_CRYPTO_BLOCK);
	for (i = 1; i <= WX_CRYPTO_BLOCK; i++) {
		unsigned char	in_pad = (unsigned char)(i <= pad);

		diff |= (unsigned char)(in_pad & (pt[ctlen - i] != pad));
	}
	if (diff != 0) {
		r = WX_CRYPTO_ERR_PADDING;
		goto out;
	}

	/* Step 6: msg_len is unsigned and may be garbage; n - 20 >= 0 here. */
	n = ctlen - pad;
	if (n < WX_CRYPTO_HEAD_LEN) {
		r = WX_CRYPTO_ERR_MSGLEN;
		goto out;
	}
	mlen = (uint32_t)pt[16] << 24 | (uint32_t)pt[17] << 16 |
	    (uint32_t)pt[18] << 8 | (uint32_t)pt[19];
	if ((size_t)mlen > n - WX_CRYPTO_HEAD_LEN) {
		r = WX_CRYPTO_ERR_MSGLEN;
		goto out;
	}

	/* Step 7. */
	tail = n - WX_CRYPTO_HEAD_LEN - mlen;
	if (tail != c->cr_appid_len ||
	    !wx_sig_equal(pt + WX_CRYPTO_HEAD_LEN + mlen, c->cr_appid, tail)) {
		r = WX_CRYPTO_ERR_APPID;
		goto out;
	}

	/* Step 8 (parsing) is the caller's. */
	*msg = malloc((size_t)mlen + 1);
	if (*msg == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	memcpy(*msg, pt + WX_CRYPTO_HEAD_LEN, mlen);
	(*msg)[mlen] = '\0';
	*msglen = mlen;
	r = WX_CRYPTO_OK;
out:
	if (pt != NULL) {
		mbedtls_platform_zeroize(pt, ctlen);
		free(pt);
	}
	free(ct);
	return r;
}

int
wx_crypto_encrypt_prefix(const struct wx_crypto *c,
    const unsigned char prefix[16], const char *msg, size_t len, char **b64)
{
	unsigned char	*frame = NULL, *ct = NULL;
	size_t		 flen, total = 0, olen;
	unsigned char	 pad;
	int		 r;

	*b64 = NULL;
	if (len > WX_CRYPTO_MAX) {
		r = WX_CRYPTO_ERR_TOOBIG;
		goto out;
	}

	/* §3.4: random16 | be32 len | msg | AppID, padded to 32 (§3.3). */
	flen = WX_CRYPTO_HEAD_LEN + len + c->cr_appid_len;
	pad = (unsigned char)(WX_CRYPTO_BLOCK - flen % WX_CRYPTO_BLOCK);
	total = flen + pad;
	frame = malloc(total);
	ct = malloc(total);
	if (frame == NULL || ct == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	memcpy(frame, prefix, WX_CRYPTO_PREFIX_LEN);
	frame[16] = (unsigned char)(len >> 24);
	frame[17] = (unsigned char)(len >> 16);
	frame[18] = (unsigned char)(len >> 8);
	frame[19] = (unsigned char)len;
	if (len > 0)
		memcpy(frame + WX_CRYPTO_HEAD_LEN, msg, len);
	memcpy(frame + WX_CRYPTO_HEAD_LEN + len, c->cr_appid,
	    c->cr_appid_len);
	memset(frame + flen, pad, pad);

	if (wx_crypto_cbc(c->cr_key, MBEDTLS_AES_ENCRYPT, frame, ct,
	    total) != 0) {
		r = WX_CRYPTO_ERR_AES;
		goto out;
	}

	/* 4 characters per 3 bytes, rounded up, and the NUL. */
	olen = (total + 2) / 3 * 4 + 1;
	*b64 = malloc(olen);
	if (*b64 == NULL) {
		r = WX_CRYPTO_ERR_NOMEM;
		goto out;
	}
	wx_crypto_b64_encode(ct, total, *b64);
	r = WX_CRYPTO_OK;
out:
	if (frame != NULL) {
		mbedtls_platform_zeroize(frame, total);
		free(frame);
	}
	free(ct);
	return r;
}

int
wx_crypto_encrypt(struct wx_crypto *c, const char *msg, size_t len,
    char **b64)
{
	unsigned char	prefix[WX_CRYPTO_PREFIX_LEN];
	int		r;

	*b64 = NULL;
	r = wx_crypto_random(c, prefix, sizeof(prefix));
	if (r != 0)
		goto out;
	r = wx_crypto_encrypt_prefix(c, prefix, msg, len, b64);
out:
	mbedtls_platform_zeroize(prefix, sizeof(prefix));
	return r;
}

int
wx_crypto_random(struct wx_crypto *c, unsigned char *buf, size_t n)
{
	size_t	chunk;
	int	r = WX_CRYPTO_OK;

	/* CTR-DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST a call. */
	while (n > 0) {
		chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ?
		    n : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		if (mbedtls_ctr_drbg_random(&c->cr_drbg, buf, chunk) != 0) {
			r = WX_CRYPTO_ERR_RANDOM;
			goto out;
		}
		buf += chunk;
		n -= chunk;
	}
out:
	return r;
}

const char *
wx_crypto_strerror(int err)
{
	switch (err) {
	case WX_CRYPTO_OK:
		return "success";
	case WX_CRYPTO_ERR_KEY:
		return "EncodingAESKey is not 43 letters or digits";
	case WX_CRYPTO_ERR_APPID_CFG:
		return "configured AppID is empty or too long";
	case WX_CRYPTO_ERR_BASE64:
		return "ciphertext is not valid Base64";
	case WX_CRYPTO_ERR_LENGTH:
		return "ciphertext is empty or not a multiple of 32 bytes";
	case WX_CRYPTO_ERR_AES:
		return "AES operation failed";
	case WX_CRYPTO_ERR_PADDING:
		return "bad padding (wrong EncodingAESKey?)";
	case WX_CRYPTO_ERR_MSGLEN:
		return "bad message length (wrong EncodingAESKey?)";
	case WX_CRYPTO_ERR_APPID:
		return "AppID in the message is not ours";
	case WX_CRYPTO_ERR_NOMEM:
		return "out of memory";
	case WX_CRYPTO_ERR_RANDOM:
		return "random generator failed";
	case WX_CRYPTO_ERR_TOOBIG:
		return "input too large";
	}
	return "unknown error";
}

const char *
wx_crypto_reason(int err)
{
	switch (err) {
	case WX_CRYPTO_OK:
		return "ok";
	case WX_CRYPTO_ERR_KEY:
		return "key";
	case WX_CRYPTO_ERR_APPID_CFG:
		return "appid_config";
	case WX_CRYPTO_ERR_BASE64:
		return "base64";
	case WX_CRYPTO_ERR_LENGTH:
		return "length";
	case WX_CRYPTO_ERR_AES:
		return "aes";
	case WX_CRYPTO_ERR_PADDING:
		return "padding";
	case WX_CRYPTO_ERR_MSGLEN:
		return "msg_len";
	case WX_CRYPTO_ERR_APPID:
		return "appid";
	case WX_CRYPTO_ERR_NOMEM:
		return "nomem";
	case WX_CRYPTO_ERR_RANDOM:
		return "random";
	case WX_CRYPTO_ERR_TOOBIG:
		return "too_big";
	}
	return "unknown";
}
