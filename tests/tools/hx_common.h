/*
 * hx_common — what the hostile-request programs (hostile, hostile_export,
 * hostile_gen, hostile_verify) share.  Every failure here is fatal: the
 * programs are test tools and print one line and exit 2.
 *
 * Secrets come from WXKB_TOKEN, WXKB_APPID, WXKB_AES_KEY and
 * WXKB_ADMIN_TOKEN, the names of the daemon's configuration.
 */
#ifndef HX_COMMON_H
#define HX_COMMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HX_MAX_REQ	(8 * 1024 * 1024)	/* one expanded request */
#define HX_TIMEOUT	5.0	/* seconds an answer may take */
#define HX_TOUSER	"gh_test0000000"
#define HX_PROBE_Q	"街道办电话多少"

struct wx_crypto;

enum hx_mode {
	HX_PLAIN = 1,
	HX_SAFE = 2,
};

/* A growing byte buffer; HX_MAX_REQ is its ceiling. */
struct dbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* The daemon's secrets and mode, set by hx_init() and hx_mode_set(). */
struct hx {
	const char	*token;
	const char	*appid;
	const char	*aes_key;
	const char	*admin_token;
	struct wx_crypto *crypto;
	unsigned char	 key[32];
	int		 mode;		/* enum hx_mode */
	uint64_t	 rng;
	pthread_mutex_t	 rng_lock;
};

extern struct hx hx;

/*
 * Line-buffer stdout, seed the random source, read the secrets from the
 * environment (the test defaults when unset); exits when they are unusable.
 */
void	hx_init(void);

/* Set hx.mode from "plain" or "safe"; -1 for anything else. */
int	hx_mode_set(const char *name);

/* Free the crypto context and wipe the key. */
void	hx_cleanup(void);

/* Print "PROGRAM: message" on stderr and exit 2. */
void	hx_die(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

/* Zeroed memory (n may be 0), or exit; free() it. */
void	*hx_alloc(size_t n);

/* n bytes of s and a NUL, malloc'ed. */
char	*hx_strndup(const char *s, size_t n);

/* Append to b (always NUL-terminated after); exit past HX_MAX_REQ. */
void	dbuf_add(struct dbuf *b, const void *s, size_t n);
void	dbuf_adds(struct dbuf *b, const char *s);
void	dbuf_addf(struct dbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Free b's bytes and clear it. */
void	dbuf_free(struct dbuf *b);

/* Not for secrets: nonces, ids and frame prefixes of test requests. */
uint64_t hx_rand(void);
void	hx_rand_bytes(unsigned char *p, size_t n);

/* Monotonic seconds. */
double	hx_now(void);

/* The 32-byte AES key of a 43-character EncodingAESKey; 0 or -1. */
int	hx_key_decode(const char *s, unsigned char key[32]);

/* AES-256-CBC (IV = key[0..15], no padding) of len bytes, as Base64. */
void	hx_aes_b64(const unsigned char key[32], const unsigned char *frame,
	    size_t len, struct dbuf *out);

/*
 * random16 | be32 mlen | msg | appid | PKCS#7 padding to 32.  Returns the
 * malloc'ed frame; *len is its length, a multiple of 32.
 */
unsigned char *hx_frame(const char *msg, size_t mlen, const char *appid,
	    size_t *len);

/* The whole file at path as a string, malloc'ed; exits when unreadable. */
char	*hx_read_file(const char *path);

/* The text between <tag> and </tag> of s (CDATA unwrapped); malloc'ed. */
char	*hx_elem(const char *s, const char *tag);

/*
 * Check a safe-mode reply envelope (§3.6): MsgSignature over its own
 * TimeStamp, Nonce and Encrypt, Nonce equal to nonce (unless NULL), and a
 * ciphertext that decrypts.  Returns the decrypted XML (malloc'ed) or
 * NULL with why filled.
 */
char	*hx_open_envelope(const char *body, const char *nonce, char *why,
	    size_t whysz);

/* Write len bytes as the inside of a Lua "..." string. */
void	hx_lua_bytes(FILE *fp, const char *s, size_t len);

#endif
