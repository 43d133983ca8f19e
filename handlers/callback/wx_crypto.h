/*
 * wx_crypto — the WXBizMsgCrypt message encryption (protocol doc §3):
 * AES-256-CBC with IV = key[0..15], PKCS#7 padding to 32 bytes, the frame
 * random16 | be32 msg_len | msg | AppID.
 */
#ifndef WX_CRYPTO_H
#define WX_CRYPTO_H

#include <stddef.h>

/* Decrypt failures, in the order §3.5 checks them. */
enum wx_crypto_err {
	WX_CRYPTO_OK = 0,
	WX_CRYPTO_ERR_KEY = -1,		/* EncodingAESKey not 43 of [A-Za-z0-9] */
	WX_CRYPTO_ERR_APPID_CFG = -2,	/* configured AppID empty or too long */
	WX_CRYPTO_ERR_BASE64 = -3,	/* Encrypt text is not Base64 */
	WX_CRYPTO_ERR_LENGTH = -4,	/* ciphertext empty or not n*32 bytes */
	WX_CRYPTO_ERR_AES = -5,		/* the cipher itself failed */
	WX_CRYPTO_ERR_PADDING = -6,	/* pad byte outside 1..32 or inconsistent */
	WX_CRYPTO_ERR_MSGLEN = -7,	/* frame < 20 bytes or msg_len too big */
	WX_CRYPTO_ERR_APPID = -8,	/* AppID in the frame is not ours */
	WX_CRYPTO_ERR_NOMEM = -9,
	WX_CRYPTO_ERR_RANDOM = -10,	/* CTR-DRBG failed */
	WX_CRYPTO_ERR_TOOBIG = -11,	/* input over WX_CRYPTO_MAX bytes */
};

/* Largest message or Base64 text accepted (above the 64 KiB body cap). */
#define WX_CRYPTO_MAX	(128 * 1024)

struct wx_crypto;

/*
 * Make a context from the 43-character EncodingAESKey and the AppID; the
 * key is decoded leniently (the low bits of character 43 are ignored) and a
 * CTR-DRBG is seeded from the OS.  Returns 0 or a wx_crypto_err.  Free with
 * wx_crypto_free(), which wipes the key.
 */
int	wx_crypto_new(struct wx_crypto **out, const char *aes_key,
	    const char *appid);
void	wx_crypto_free(struct wx_crypto *);

/* 1 when s is a syntactically valid EncodingAESKey (43 of [A-Za-z0-9]). */
int	wx_crypto_key_valid(const char *s);

/*
 * Decrypt the Base64 text b64 (b64len bytes, surrounding ASCII white space
 * ignored) with every check of §3.5.  On success *msg is a malloc'ed,
 * NUL-terminated copy of the message and *msglen its length; the caller
 * frees it.  On failure returns a wx_crypto_err and *msg is NULL.
 */
int	wx_crypto_decrypt(const struct wx_crypto *, const char *b64,
	    size_t b64len, char **msg, size_t *msglen);

/*
 * Encrypt msg with a fresh random 16-byte prefix.  *b64 is a malloc'ed
 * NUL-terminated Base64 string the caller frees.  Returns 0 or an error.
 */
int	wx_crypto_encrypt(struct wx_crypto *, const char *msg, size_t len,
	    char **b64);

/* As wx_crypto_encrypt() with the given prefix (test vectors). */
int	wx_crypto_encrypt_prefix(const struct wx_crypto *,
	    const unsigned char prefix[16], const char *msg, size_t len,
	    char **b64);

/* Fill buf with n bytes from the context's CTR-DRBG.  Returns 0 or error. */
int	wx_crypto_random(struct wx_crypto *, unsigned char *buf, size_t n);

/* English text for an error; a short snake_case reason for metrics/logs. */
const char *wx_crypto_strerror(int err);
const char *wx_crypto_reason(int err);

#endif
