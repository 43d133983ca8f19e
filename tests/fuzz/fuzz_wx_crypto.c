/*
 * fuzz_wx_crypto — the decrypt path (Base64, AES, padding, frame) and the
 * round trip.  The first input byte picks what the rest is:
 *
 *   0  Encrypt text as it would arrive: decrypt must fail cleanly or give
 *      a message no longer than the ciphertext could hold;
 *   1  a message: decrypt(encrypt(x)) == x, with a fixed prefix (which
 *      must be deterministic) and with a random one, and white space
 *      around the Base64 text changes nothing;
 *   2  a decrypted frame, cut to whole 32-byte blocks, and
 *   3  a frame body that gets valid padding: encrypted here with the same
 *      key, then decrypted by the module, whose verdict and message must
 *      match a reference of protocol doc §3.5 steps 5-7.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>

#include "handlers/callback/wx_crypto.h"
#include "tests/fuzz/fuzz_check.h"

/* Vector A of the protocol doc (§4.1). */
#define KEY_TEXT	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID		"wx2c2769f8efd9abc2"
#define APPID_LEN	(sizeof(APPID) - 1)
#define BLOCK		32
#define HEAD		20

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static const unsigned char key[32] = {
	0x69, 0xb7, 0x1d, 0x79, 0xf8, 0x21, 0x8a, 0x39,
	0x25, 0x9a, 0x7a, 0x29, 0xaa, 0xbb, 0x2d, 0xba,
	0xfc, 0x31, 0xcb, 0x3d, 0x35, 0xdb, 0x7e, 0x39,
	0xeb, 0xbf, 0x3d, 0x00, 0x10, 0x83, 0x10, 0x51,
};
static const unsigned char prefix[16] = "0123456789abcdef";

static struct wx_crypto *crypto;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(wx_crypto_new(&crypto, KEY_TEXT, APPID) == WX_CRYPTO_OK);
	return 0;
}

/* §3.5 steps 5-7 on a decrypted frame; *off, *len locate the message. */
static int
ref_frame(const unsigned char *f, size_t flen, size_t *off, size_t *len)
{
	size_t		 pad, i, n;
	uint32_t	 mlen;

	pad = f[flen - 1];
	if (pad < 1 || pad > BLOCK)
		return WX_CRYPTO_ERR_PADDING;
	for (i = 1; i <= pad; i++) {
		if (f[flen - i] != pad)
			return WX_CRYPTO_ERR_PADDING;
	}
	n = flen - pad;
	if (n < HEAD)
		return WX_CRYPTO_ERR_MSGLEN;
	mlen = (uint32_t)f[16] << 24 | (uint32_t)f[17] << 16 |
	    (uint32_t)f[18] << 8 | f[19];
	if (mlen > n - HEAD)
		return WX_CRYPTO_ERR_MSGLEN;
	if (n - HEAD - mlen != APPID_LEN ||
	    memcmp(f + HEAD + mlen, APPID, APPID_LEN) != 0)
		return WX_CRYPTO_ERR_APPID;
	*off = HEAD;
	*len = mlen;
	return WX_CRYPTO_OK;
}

/* AES-256-CBC with IV = key[0..15], then Base64; malloc'ed text. */
static char *
seal(const unsigned char *frame, size_t flen)
{
	mbedtls_aes_context aes;
	unsigned char	 iv[16], *ct;
	char		*b64;
	size_t		 olen;

	ct = malloc(flen + 1);
	b64 = malloc(flen / 3 * 4 + 8);
	CHECK(ct != NULL && b64 != NULL);
	memcpy(iv, key, sizeof iv);
	mbedtls_aes_init(&aes);
	CHECK(mbedtls_aes_setkey_enc(&aes, key, 256) == 0);
	CHECK(mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, flen, iv,
	    frame, ct) == 0);
	mbedtls_aes_free(&aes);
	CHECK(mbedtls_base64_encode((unsigned char *)b64, flen / 3 * 4 + 8,
	    &olen, ct, flen) == 0);
	free(ct);
	return b64;
}

static void
check_frame(const unsigned char *frame, size_t flen)
{
	char		*b64, *msg;
	size_t		 msglen, off = 0, len = 0;
	int		 r, want;

	want = ref_frame(frame, flen, &off, &len);
	b64 = seal(frame, flen);
	r = wx_crypto_decrypt(crypto, b64, strlen(b64), &msg, &msglen);
	CHECK(r == want);
	if (r == WX_CRYPTO_OK) {
		CHECK(msglen == len && msg[msglen] == '\0');
		CHECK(memcmp(msg, frame + off, len) == 0);
	} else
		CHECK(msg == NULL && msglen == 0);
	free(msg);
	free(b64);
}

static void
check_text(const char *text, size_t len)
{
	char	*msg = (char *)&msg;
	size_t	 msglen = 1;
	int	 r;

	r = wx_crypto_decrypt(crypto, text, len, &msg, &msglen);
	CHECK(wx_crypto_strerror(r) != NULL && wx_crypto_reason(r) != NULL);
	if (r != WX_CRYPTO_OK) {
		CHECK(r >= WX_CRYPTO_ERR_TOOBIG && r < 0);
		CHECK(msg == NULL && msglen == 0);
		return;
	}
	/* 3 bytes per 4 Base64 characters; a frame holds 20 + AppID + pad. */
	CHECK(msg != NULL && msg[msglen] == '\0');
	CHECK(msglen + HEAD + APPID_LEN + 1 <= len / 4 * 3);
	free(msg);
}

static void
check_roundtrip(const char *m, size_t len)
{
	char	*b64, *b64b, *b64c, *msg, *padded;
	size_t	 msglen, blen, total;

	CHECK(wx_crypto_encrypt_prefix(crypto, prefix, m, len, &b64) ==
	    WX_CRYPTO_OK);
	CHECK(wx_crypto_encrypt_prefix(crypto, prefix, m, len, &b64b) ==
	    WX_CRYPTO_OK);
	CHECK(strcmp(b64, b64b) == 0);
	blen = strlen(b64);
	total = HEAD + len + APPID_LEN;
	total += BLOCK - total % BLOCK;
	CHECK(blen == (total + 2) / 3 * 4);

	CHECK(wx_crypto_decrypt(crypto, b64, blen, &msg, &msglen) ==
	    WX_CRYPTO_OK);
	CHECK(msglen == len && memcmp(msg, m, len) == 0);
	free(msg);

	padded = malloc(blen + 8);
	CHECK(padded != NULL);
	memcpy(padded, " \t\r\n", 4);
	memcpy(padded + 4, b64, blen);
	memcpy(padded + 4 + blen, "\n \r\t", 4);
	CHECK(wx_crypto_decrypt(crypto, padded, blen + 8, &msg, &msglen) ==
	    WX_CRYPTO_OK);
	CHECK(msglen == len && memcmp(msg, m, len) == 0);
	free(msg);
	free(padded);

	CHECK(wx_crypto_encrypt(crypto, m, len, &b64c) == WX_CRYPTO_OK);
	CHECK(strlen(b64c) == blen);
	CHECK(wx_crypto_decrypt(crypto, b64c, blen, &msg, &msglen) ==
	    WX_CRYPTO_OK);
	CHECK(msglen == len && memcmp(msg, m, len) == 0);
	free(msg);
	free(b64c);
	free(b64b);
	free(b64);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*frame;
	size_t		 n, pad, i;
	char		*s;

	if (size < 1)
		return 0;
	n = size - 1;
	switch (data[0] & 3) {
	case 0:
		check_text((const char *)data + 1, n);
		s = malloc(n + 1);
		CHECK(s != NULL);
		memcpy(s, data + 1, n);
		s[n] = '\0';
		/* As a key: exactly 43 ASCII letters and digits. */
		n = strlen(s);
		for (i = 0; i < n && isascii((unsigned char)s[i]) &&
		    isalnum((unsigned char)s[i]); i++)
			;
		CHECK(wx_crypto_key_valid(s) == (n == 43 && i == n));
		free(s);
		break;
	case 1:
		check_roundtrip((const char *)data + 1, n);
		break;
	case 2:
		n -= n % BLOCK;
		if (n > 0)
			check_frame(data + 1, n);
		break;
	case 3:
		pad = BLOCK - n % BLOCK;
		frame = malloc(n + pad);
		CHECK(frame != NULL);
		memcpy(frame, data + 1, n);
		memset(frame + n, (int)pad, pad);
		check_frame(frame, n + pad);
		free(frame);
		break;
	}
	return 0;
}
