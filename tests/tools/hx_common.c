/*
 * hx_common — what the hostile-request programs share: fatal errors and
 * allocation, growing byte buffers, a fast non-secret random source, the
 * daemon's secrets from the environment, WeChat's AES frames (protocol
 * doc §3), opening a reply envelope, and Lua string output for wrk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_sig.h"
#include "lib/rand.h"
#include "tests/tools/hx_common.h"

struct hx hx;

void
hx_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *
hx_alloc(size_t n)
{
	void *p = calloc(1, n != 0 ? n : 1);

	if (p == NULL)
		hx_die("out of memory");
	return p;
}

char *
hx_strndup(const char *s, size_t n)
{
	char *p = hx_alloc(n + 1);

	memcpy(p, s, n);
	return p;
}

/* --- byte buffers ------------------------------------------------------ */

void
dbuf_add(struct dbuf *b, const void *s, size_t n)
{
	size_t cap;
	char *p;

	if (n > HX_MAX_REQ - b->len)
		hx_die("a request grew over %d bytes", HX_MAX_REQ);
	if (b->len + n + 1 > b->cap) {
		cap = b->cap != 0 ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			hx_die("out of memory");
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';	/* always a string as well */
}

void
dbuf_adds(struct dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}

void
dbuf_addf(struct dbuf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		hx_die("vsnprintf failed");
	if ((size_t)n < sizeof small) {
		dbuf_add(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0)
		hx_die("out of memory");
	dbuf_add(b, big, (size_t)n);
	free(big);
}

void
dbuf_free(struct dbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* --- randomness, time, secrets ------------------------------------------ */

/* Not for secrets: nonces, ids and frame prefixes of test requests. */
uint64_t
hx_rand(void)
{
	uint64_t x;

	pthread_mutex_lock(&hx.rng_lock);
	x = hx.rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	hx.rng = x;
	pthread_mutex_unlock(&hx.rng_lock);
	return x * 0x2545f4914f6cdd1dULL;
}

void
hx_rand_bytes(unsigned char *p, size_t n)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			x = hx_rand();
		p[i] = (unsigned char)(x >> (i % 8 * 8));
	}
}

static void
hx_seed(void)
{
	struct timespec ts;
	uint64_t s = 0;

	if (rand_bytes(&s, sizeof s) != 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	hx.rng = s | 1;
}

double
hx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
hx_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* The 32-byte AES key of a 43-character EncodingAESKey (lenient, §3.1). */
int
hx_key_decode(const char *s, unsigned char key[32])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;
	const char *p;

	if (strlen(s) != 43)
		return -1;
	for (i = 0; i < 43; i++) {
		p = strchr(abc, s[i]);
		if (p == NULL || s[i] == '\0')
			return -1;
		acc = acc << 6 | (uint32_t)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < 32)
				key[o++] = (unsigned char)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	return 0;
}

/* --- frames and ciphertexts (protocol doc §3) ---------------------------- */

/* AES-256-CBC (IV = key[0..15], no padding) of len bytes, as Base64. */
void
hx_aes_b64(const unsigned char key[32], const unsigned char *frame,
    size_t len, struct dbuf *out)
{
	mbedtls_aes_context aes;
	unsigned char iv[16], *ct;
	size_t olen = (len + 2) / 3 * 4 + 1;
	char *b64;

	ct = hx_alloc(len);
	b64 = hx_alloc(olen);
	memcpy(iv, key, sizeof iv);
	mbedtls_aes_init(&aes);
	if (mbedtls_aes_setkey_enc(&aes, key, 256) != 0 ||
	    mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, len, iv, frame,
	    ct) != 0)
		hx_die("AES failed");
	mbedtls_aes_free(&aes);
	if (mbedtls_base64_encode((unsigned char *)b64, olen, &olen, ct,
	    len) != 0)
		hx_die("Base64 failed");
	dbuf_add(out, b64, olen);
	free(ct);
	free(b64);
}

/*
 * random16 | be32 mlen | msg | appid | PKCS#7 padding to 32.  Returns the
 * malloc'ed frame; *len is its length, a multiple of 32.
 */
unsigned char *
hx_frame(const char *msg, size_t mlen, const char *appid, size_t *len)
{
	size_t alen = strlen(appid), flen = 20 + mlen + alen, pad;
	unsigned char *f;

	pad = 32 - flen % 32;
	f = hx_alloc(flen + pad);
	hx_rand_bytes(f, 16);
	f[16] = (unsigned char)(mlen >> 24);
	f[17] = (unsigned char)(mlen >> 16);
	f[18] = (unsigned char)(mlen >> 8);
	f[19] = (unsigned char)mlen;
	memcpy(f + 20, msg, mlen);
	memcpy(f + 20 + mlen, appid, alen);
	memset(f + flen, (int)pad, pad);
	*len = flen + pad;
	return f;
}

char *
hx_read_file(const char *path)
{
	struct dbuf b = { NULL, 0, 0 };
	char buf[65536];
	size_t n;
	FILE *fp;

	fp = fopen(path, "rb");
	if (fp == NULL)
		hx_die("%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		dbuf_add(&b, buf, n);
	fclose(fp);
	dbuf_add(&b, "", 0);
	return b.p;
}

/* --- checking an answer -------------------------------------------------- */

/* The text between <tag> and </tag> of s (CDATA unwrapped); malloc'ed. */
char *
hx_elem(const char *s, const char *tag)
{
	char open[64], close_[64];
	const char *a, *b;

	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close_, sizeof close_, "</%s>", tag);
	a = strstr(s, open);
	if (a == NULL)
		return NULL;
	a += strlen(open);
	b = strstr(a, close_);
	if (b == NULL)
		return NULL;
	if (b - a >= 12 && strncmp(a, "<![CDATA[", 9) == 0 &&
	    strncmp(b - 3, "]]>", 3) == 0) {
		a += 9;
		b -= 3;
	}
	return hx_strndup(a, (size_t)(b - a));
}

/*
 * Check a safe-mode reply envelope (§3.6): MsgSignature over its own
 * TimeStamp, Nonce and Encrypt, Nonce equal to the request's, and a
 * ciphertext that decrypts.  Returns the decrypted XML (malloc'ed) or
 * NULL with why filled.
 */
char *
hx_open_envelope(const char *body, const char *nonce, char *why,
    size_t whysz)
{
	char *enc, *msig, *ts, *rn, *plain = NULL;
	const char *parts[4];
	size_t plen;
	int r;

	enc = hx_elem(body, "Encrypt");
	msig = hx_elem(body, "MsgSignature");
	ts = hx_elem(body, "TimeStamp");
	rn = hx_elem(body, "Nonce");
	if (enc == NULL || msig == NULL || ts == NULL || rn == NULL) {
		snprintf(why, whysz, "reply envelope incomplete");
		goto out;
	}
	parts[0] = hx.token;
	parts[1] = ts;
	parts[2] = rn;
	parts[3] = enc;
	if (!wx_sig_verify(msig, parts, 4)) {
		snprintf(why, whysz, "reply MsgSignature wrong");
		goto out;
	}
	if (nonce != NULL && strcmp(rn, nonce) != 0) {
		snprintf(why, whysz, "reply Nonce %s is not the request's %s",
		    rn, nonce);
		goto out;
	}
	r = wx_crypto_decrypt(hx.crypto, enc, strlen(enc), &plain, &plen);
	if (r != WX_CRYPTO_OK) {
		snprintf(why, whysz, "reply does not decrypt: %s",
		    wx_crypto_strerror(r));
		plain = NULL;
	}
out:
	free(enc);
	free(msig);
	free(ts);
	free(rn);
	return plain;
}

/* --- the soak's helpers -------------------------------------------------- */

/* Write len bytes as the inside of a Lua "..." string. */
void
hx_lua_bytes(FILE *fp, const char *s, size_t len)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\r')
			fputs("\\r", fp);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\%03u", c);
		else
			fputc(c, fp);
	}
}

void
hx_init(void)
{
	/* Lines reach the log even if a sanitizer ends the process. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_mutex_init(&hx.rng_lock, NULL);
	hx_seed();
	hx.mode = HX_PLAIN;
	hx.token = hx_env("WXKB_TOKEN", "itoken2020");
	hx.appid = hx_env("WXKB_APPID", "wx0123456789abcdef");
	hx.aes_key = hx_env("WXKB_AES_KEY",
	    "ThisIsAnOwnTestKeyForWeChatCryptoVectors012");
	hx.admin_token = hx_env("WXKB_ADMIN_TOKEN", "");
	if (hx_key_decode(hx.aes_key, hx.key) != 0 ||
	    wx_crypto_new(&hx.crypto, hx.aes_key, hx.appid) != WX_CRYPTO_OK)
		hx_die("WXKB_AES_KEY or WXKB_APPID is not valid");
}

int
hx_mode_set(const char *name)
{
	if (strcmp(name, "plain") == 0)
		hx.mode = HX_PLAIN;
	else if (strcmp(name, "safe") == 0)
		hx.mode = HX_SAFE;
	else
		return -1;
	return 0;
}

void
hx_cleanup(void)
{
	wx_crypto_free(hx.crypto);
	hx.crypto = NULL;
	mbedtls_platform_zeroize(hx.key, sizeof hx.key);
}
