/*
 * hostile — the runner of the hostile-input suite and the soak's helper.
 *
 *	hostile -m plain|safe -p PORT [-a ADMIN_PORT] [-P PID] [-j JOBS]
 *	    [-b RSS_BOUND_KIB] [-n PASSES] CASES...
 *	hostile -m plain|safe -E OUT.lua CASES...
 *	hostile -G PREFIX [-n COUNT] [-t THREADS] [-r RETRY_PCT] [-q TSV]
 *	hostile -V SAMPLES
 *
 * The first form reads the cases (format at the top of
 * tests/hostile/cases.txt), fills in their placeholders with correct or
 * deliberately wrong signatures and ciphertexts, sends every request over
 * its own TCP connection to 127.0.0.1 and prints one TAP line per case.
 * Cases that stall run at the same time on up to JOBS threads while the
 * others go on one after the other; every HX_BATCH cases a valid message
 * proves the daemon still answers correctly.  A second pass (-n 2, the
 * default) repeats everything and fails when the daemon's VmRSS (of PID)
 * grew by more than RSS_BOUND_KIB over it.
 *
 * -E writes the single-request refusals of the cases as a Lua table for
 * the soak's wrk script; -G writes safe-mode messages in the format of
 * tests/bench/gen_requests (used when that program is not built); -V
 * checks the (request, reply) samples the soak's wrk script kept: every
 * reply is correctly signed, decrypts, and answers the resident who asked.
 *
 * Secrets come from WXKB_TOKEN, WXKB_APPID, WXKB_AES_KEY and
 * WXKB_ADMIN_TOKEN, the names of the daemon's configuration.  Only
 * 127.0.0.1 is ever contacted.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "handlers/wx_crypto.h"
#include "handlers/wx_sig.h"

#define HX_MAX_REQ	(8 * 1024 * 1024)	/* one expanded request */
#define HX_MAX_RESP	(1024 * 1024)		/* bytes of an answer kept */
#define HX_MAX_DEPTH	16			/* placeholder nesting */
#define HX_TIMEOUT	5.0	/* seconds an answer may take */
#define HX_SLOW		6.0	/* waiting this long makes a case slow */
#define HX_BATCH	20	/* cases between two probes */
#define HX_TOUSER	"gh_test0000000"
#define HX_PROBE_Q	"街道办电话多少"
#define HX_PROBE_A	"87841022"

/* Statuses that are not HTTP ones. */
#define HX_ST_CLOSED	(-1)	/* closed without a status line */
#define HX_ST_TIMEOUT	(-2)	/* still open when the wait ended */
#define HX_ST_RESET	(-3)	/* reset without a status line */
#define HX_ST_CONNECT	(-4)	/* no connection */
#define HX_ST_GARBAGE	(-5)	/* bytes that are not a status line */

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

/* One request of a case, as written in the file. */
struct hx_req {
	char	*expect;	/* "400", "400|413" or "close" */
	char	*want;		/* text the (decrypted) reply must hold */
	char	*ts;		/* "+N", "-N", a literal; NULL: the case's */
	char	*nonce;		/* "fresh", a literal; NULL: the case's */
	int	 raw;		/* bytes as written, CRLFs spelled out */
	int	 shut;		/* half-close after sending */
	int	 drip_ms;	/* send a byte every drip_ms */
	double	 wait;		/* seconds to wait for the answer */
	char	*text;		/* the section's lines */
	int	 line;
};

struct hx_case {
	char		*name;
	int		 modes;		/* HX_PLAIN | HX_SAFE */
	int		 admin;		/* to the admin listener */
	int		 soak;		/* 0: kept out of the soak's mix */
	struct hx_req	*reqs;
	size_t		 nreqs;
	int		 slow;
	int		 line;
};

/* The variables of one request while it is filled in. */
struct hx_vars {
	char		 ts[80];
	char		 nonce[128];
	char		 openid[40];
	char		 msgid[24];
	char		 msgid2[24];
	const char	*encrypt;	/* the body's Encrypt, for MSGSIG */
	size_t		 encrypt_len;
	int		 line;
};

/* One request as sent and what came back. */
struct hx_msg {
	struct dbuf	 out;
	char		 nonce[128];
	char		 openid[40];
	int		 encrypted;	/* encrypt_type=aes in the target */
	int		 post;
	int		 head_only;	/* an answer without its body */
	int		 status;	/* HTTP status or HX_ST_* */
	struct dbuf	 in;
	double		 secs;
};

/* A case (or a probe) during one pass. */
struct hx_run {
	const struct hx_case *c;
	struct hx_msg	*msgs;
	int		 probe;
	int		 ok;
	char		 why[512];
};

struct hx {
	const char	*token;
	const char	*appid;
	const char	*aes_key;
	const char	*admin_token;
	struct wx_crypto *crypto;
	unsigned char	 key[32];
	int		 port;
	int		 admin_port;
	int		 mode;
	uint64_t	 rng;
	pthread_mutex_t	 rng_lock;
	/* The slow runs, shared by the pool. */
	struct hx_run	*slow;
	size_t		 nslow;
	size_t		 next_slow;
	pthread_mutex_t	 slow_lock;
};

static struct hx hx;

static const char hx_probe_plain[] =
    "=== the daemon still answers a valid message\n"
    "--- 200 want=" HX_PROBE_A "\n"
    "POST /wechat?{PLAINQ} HTTP/1.1\n"
    "Content-Type: text/xml\n"
    "\n"
    "{TEXT:" HX_PROBE_Q "}\n";

static const char hx_probe_safe[] =
    "=== the daemon still answers a valid message\n"
    "--- 200 want=" HX_PROBE_A "\n"
    "POST /wechat?{SAFEQ} HTTP/1.1\n"
    "Content-Type: text/xml\n"
    "\n"
    "{ENVELOPE:{ENC:{TEXT:" HX_PROBE_Q "}}}\n";

struct hx_cases {
	struct hx_case	*v;
	size_t		 n;
};

static void	hx_expand(struct hx_vars *, const char *, size_t,
		    struct dbuf *, int);

static void __attribute__((noreturn, format(printf, 1, 2)))
hx_die(const char *fmt, ...)
{
	va_list ap;

	fputs("hostile: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
hx_alloc(size_t n)
{
	void *p = calloc(1, n != 0 ? n : 1);

	if (p == NULL)
		hx_die("out of memory");
	return p;
}

static char *
hx_strndup(const char *s, size_t n)
{
	char *p = hx_alloc(n + 1);

	memcpy(p, s, n);
	return p;
}

/* --- byte buffers ------------------------------------------------------ */

static void
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

static void
dbuf_adds(struct dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
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

static void
dbuf_free(struct dbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* --- randomness, time, secrets ------------------------------------------ */

/* Not for secrets: nonces, ids and frame prefixes of test requests. */
static uint64_t
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

static void
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
	int fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd == -1 || read(fd, &s, sizeof s) != (ssize_t)sizeof s) {
		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	if (fd != -1)
		close(fd);
	hx.rng = s | 1;
}

static double
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
static int
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
static void
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
static unsigned char *
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

static int
hx_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
	char *a = NULL, *first = NULL;
	size_t len, i, n, restlen;
	int hi, lo;

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
			hi = hx_hexval((unsigned char)a[i]);
			lo = i + 1 < len ? hx_hexval((unsigned char)a[i + 1]) :
			    -1;
			if (hi < 0 || lo < 0)
				hx_die("line %d: bad {HEX:%s}", v->line, a);
			byte = (unsigned char)(hi << 4 | lo);
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

/* --- the case file ------------------------------------------------------- */

static char *
hx_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Replace every "{N}" in s by value; malloc'ed. */
static char *
hx_subst_n(const char *s, const char *value)
{
	struct dbuf b = { NULL, 0, 0 };
	const char *hit;

	while ((hit = strstr(s, "{N}")) != NULL) {
		dbuf_add(&b, s, (size_t)(hit - s));
		dbuf_adds(&b, value);
		s = hit + 3;
	}
	dbuf_adds(&b, s);
	return b.p;
}

/* Parse "--- EXPECT [option ...]" into r. */
static void
hx_parse_section(char *line, int lineno, struct hx_req *r)
{
	char *tok, *save = NULL;

	memset(r, 0, sizeof *r);
	r->line = lineno;
	r->wait = HX_TIMEOUT;
	tok = strtok_r(line, " \t", &save);
	if (tok == NULL)
		hx_die("line %d: '---' without an expected status", lineno);
	r->expect = strdup(tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "want=", 5) == 0)
			r->want = strdup(tok + 5);
		else if (strncmp(tok, "ts=", 3) == 0)
			r->ts = strdup(tok + 3);
		else if (strncmp(tok, "nonce=", 6) == 0)
			r->nonce = strdup(tok + 6);
		else if (strcmp(tok, "raw") == 0)
			r->raw = 1;
		else if (strcmp(tok, "shut") == 0)
			r->shut = 1;
		else if (strncmp(tok, "drip=", 5) == 0)
			r->drip_ms = atoi(tok + 5);
		else if (strncmp(tok, "wait=", 5) == 0)
			r->wait = atof(tok + 5);
		else
			hx_die("line %d: unknown option '%s'", lineno, tok);
	}
	if (r->wait <= 0 || r->wait > 60)
		hx_die("line %d: wait must be in (0, 60]", lineno);
}

/* Values of "for: N=a,b..c": appended to vals as strings. */
static size_t
hx_parse_for(const char *spec, int lineno, char ***vals)
{
	char *copy, *tok, *save = NULL, *dots, buf[24];
	long a, b, x;
	size_t n = 0;

	if (strncmp(spec, "N=", 2) != 0)
		hx_die("line %d: for: takes N=list", lineno);
	copy = strdup(spec + 2);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = hx_trim(tok);
		dots = strstr(tok, "..");
		if (dots != NULL) {
			*dots = '\0';
			a = strtol(tok, NULL, 0);
			b = strtol(dots + 2, NULL, 0);
		} else {
			/* A word stands for itself. */
			*vals = realloc(*vals, (n + 1) * sizeof **vals);
			(*vals)[n++] = strdup(tok);
			continue;
		}
		if (b < a || b - a > 100000)
			hx_die("line %d: bad range", lineno);
		for (x = a; x <= b; x++) {
			snprintf(buf, sizeof buf, "%ld", x);
			*vals = realloc(*vals, (n + 1) * sizeof **vals);
			if (*vals == NULL)
				hx_die("out of memory");
			(*vals)[n++] = strdup(buf);
		}
	}
	free(copy);
	return n;
}

static char *
hx_strdup0(const char *s)
{
	return s != NULL ? hx_strndup(s, strlen(s)) : NULL;
}

/* Release what case c holds, and clear it. */
static void
hx_case_clear(struct hx_case *c)
{
	struct hx_req *r;
	size_t k;

	for (k = 0; k < c->nreqs; k++) {
		r = &c->reqs[k];
		free(r->expect);
		free(r->want);
		free(r->ts);
		free(r->nonce);
		free(r->text);
	}
	free(c->reqs);
	free(c->name);
	memset(c, 0, sizeof *c);
}

static void
hx_add_case(struct hx_cases *cs, const struct hx_case *c, char **vals,
    size_t nvals)
{
	struct hx_case *d;
	size_t i, k, count = nvals > 0 ? nvals : 1;

	if (c->nreqs == 0)
		hx_die("line %d: case '%s' has no request", c->line, c->name);
	cs->v = realloc(cs->v, (cs->n + count) * sizeof *cs->v);
	if (cs->v == NULL)
		hx_die("out of memory");
	for (i = 0; i < count; i++) {
		d = &cs->v[cs->n++];
		*d = *c;
		d->reqs = hx_alloc(c->nreqs * sizeof *d->reqs);
		d->name = nvals > 0 ? hx_subst_n(c->name, vals[i]) :
		    strdup(c->name);
		for (k = 0; k < c->nreqs; k++) {
			d->reqs[k] = c->reqs[k];
			d->reqs[k].expect = hx_strdup0(c->reqs[k].expect);
			d->reqs[k].want = hx_strdup0(c->reqs[k].want);
			d->reqs[k].ts = hx_strdup0(c->reqs[k].ts);
			d->reqs[k].nonce = hx_strdup0(c->reqs[k].nonce);
			d->reqs[k].text = nvals > 0 ?
			    hx_subst_n(c->reqs[k].text, vals[i]) :
			    strdup(c->reqs[k].text);
			if (d->reqs[k].wait >= HX_SLOW ||
			    d->reqs[k].drip_ms > 0)
				d->slow = 1;
		}
	}
}

/*
 * Read the cases of text (named file, for messages) into cs.  Lines
 * before the first "===" and attribute lines starting with '#' are
 * comments.
 */
static void
hx_parse(const char *text, const char *file, struct hx_cases *cs)
{
	struct hx_case c;
	struct dbuf sec = { NULL, 0, 0 };
	char **vals = NULL, *line, *p, *key, *val;
	size_t nvals = 0, i;
	int lineno = 0, in_case = 0, in_req = 0;
	const char *s = text, *nl;

	memset(&c, 0, sizeof c);
	for (;;) {
		nl = strchr(s, '\n');
		if (nl == NULL && *s == '\0')
			break;
		line = hx_strndup(s, nl != NULL ? (size_t)(nl - s) :
		    strlen(s));
		lineno++;
		s = nl != NULL ? nl + 1 : s + strlen(s);
		if (strncmp(line, "===", 3) == 0 ||
		    strncmp(line, "---", 3) == 0) {
			if (in_req) {
				c.reqs[c.nreqs - 1].text = sec.p != NULL ?
				    sec.p : strdup("");
				memset(&sec, 0, sizeof sec);
				in_req = 0;
			}
		}
		if (strncmp(line, "===", 3) == 0) {
			if (in_case)
				hx_add_case(cs, &c, vals, nvals);
			for (i = 0; i < nvals; i++)
				free(vals[i]);
			free(vals);
			vals = NULL;
			nvals = 0;
			hx_case_clear(&c);
			c.name = strdup(hx_trim(line + 3));
			c.modes = HX_PLAIN | HX_SAFE;
			c.soak = 1;
			c.line = lineno;
			in_case = 1;
		} else if (strncmp(line, "---", 3) == 0) {
			if (!in_case)
				hx_die("%s:%d: '---' outside a case", file,
				    lineno);
			c.reqs = realloc(c.reqs, (c.nreqs + 1) *
			    sizeof *c.reqs);
			if (c.reqs == NULL)
				hx_die("out of memory");
			hx_parse_section(line + 3, lineno, &c.reqs[c.nreqs++]);
			in_req = 1;
		} else if (line[0] == '#') {
			/* A comment, even between a request's lines. */
		} else if (in_req) {
			if (sec.len > 0 || sec.p != NULL)
				dbuf_add(&sec, "\n", 1);
			dbuf_adds(&sec, line);
		} else if (in_case && *hx_trim(line) != '\0' &&
		    *hx_trim(line) != '#') {
			p = hx_trim(line);
			val = strchr(p, ':');
			if (val == NULL)
				hx_die("%s:%d: not 'key: value'", file, lineno);
			*val++ = '\0';
			key = hx_trim(p);
			val = hx_trim(val);
			if (strcmp(key, "mode") == 0) {
				if (strcmp(val, "plain") == 0)
					c.modes = HX_PLAIN;
				else if (strcmp(val, "safe") == 0)
					c.modes = HX_SAFE;
				else if (strcmp(val, "any") == 0)
					c.modes = HX_PLAIN | HX_SAFE;
				else
					hx_die("%s:%d: mode is plain, safe or "
					    "any", file, lineno);
			} else if (strcmp(key, "port") == 0)
				c.admin = strcmp(val, "admin") == 0;
			else if (strcmp(key, "soak") == 0)
				c.soak = strcmp(val, "no") != 0;
			else if (strcmp(key, "for") == 0)
				nvals = hx_parse_for(val, lineno, &vals);
			else
				hx_die("%s:%d: unknown attribute '%s'", file,
				    lineno, key);
		}
		free(line);
	}
	if (in_req)
		c.reqs[c.nreqs - 1].text = sec.p != NULL ? sec.p : strdup("");
	if (in_case)
		hx_add_case(cs, &c, vals, nvals);
	hx_case_clear(&c);
	for (i = 0; i < nvals; i++)
		free(vals[i]);
	free(vals);
}

static void
hx_cases_free(struct hx_cases *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		hx_case_clear(&cs->v[i]);
	free(cs->v);
	memset(cs, 0, sizeof *cs);
}

static char *
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

/* --- building a request -------------------------------------------------- */

/* Fresh case variables: timestamp now, a nonce, an OpenID, two MsgIds. */
static void
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
static void
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

/* --- the exchange -------------------------------------------------------- */

/* Status of the answer in in, or HX_ST_GARBAGE. */
static int
hx_status(const struct dbuf *in)
{
	int st;

	if (in->len < 12 || strncmp(in->p, "HTTP/1.", 7) != 0 ||
	    in->p[8] != ' ' || !isdigit((unsigned char)in->p[9]) ||
	    !isdigit((unsigned char)in->p[10]) ||
	    !isdigit((unsigned char)in->p[11]))
		return HX_ST_GARBAGE;
	st = atoi(in->p + 9);
	return st;
}

/* 1 when in holds a whole answer: head and Content-Length bytes. */
static int
hx_complete(const struct dbuf *in, int head_only)
{
	const char *end, *cl;
	size_t hl;
	long n;

	if (in->p == NULL)
		return 0;
	end = memmem(in->p, in->len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	hl = (size_t)(end - in->p) + 4;
	if (head_only)
		return 1;
	cl = memmem(in->p, hl, "\r\nContent-Length:", 17);
	if (cl == NULL)
		return 0;	/* until the daemon closes */
	n = strtol(cl + 17, NULL, 10);
	return n >= 0 && in->len >= hl + (size_t)n;
}

/* Wait until fd has events or the deadline passes; revents or 0. */
static short
hx_poll(int fd, short events, double deadline)
{
	struct pollfd pfd;
	double left;
	int r;

	for (;;) {
		left = deadline - hx_now();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(left * 1000) + (left > 0 ? 1 : 0));
		if (r > 0)
			return pfd.revents;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

/*
 * Send m's bytes to port on 127.0.0.1, from the loopback address src (in
 * host order; 0: the kernel's choice), and read the answer.  Before each
 * piece of a large body, a waiting answer stops the sending: the daemon
 * refuses an oversized request before reading all of it, and bytes sent
 * into its closed socket would make the kernel reset the connection.
 */
static void
hx_exchange(int port, uint32_t src, const struct hx_req *r,
    struct hx_msg *m)
{
	struct sockaddr_in sin;
	double start = hx_now(), deadline;
	size_t off = 0, chunk;
	ssize_t n;
	char buf[16384];
	int fd, answered = 0, reset = 0, timedout = 0;

	m->status = HX_ST_CONNECT;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	if (src != 0) {
		sin.sin_addr.s_addr = htonl(src);
		if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
			close(fd);
			return;
		}
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	deadline = start + r->wait + (r->drip_ms > 0 ?
	    (double)r->drip_ms * (double)m->out.len / 1000.0 : 0);
	while (off < m->out.len && !answered) {
		if (hx_poll(fd, POLLIN, start) & (POLLIN | POLLHUP)) {
			answered = 1;
			break;
		}
		chunk = r->drip_ms > 0 ? 1 : m->out.len - off;
		if (chunk > 4096)
			chunk = 4096;
		n = send(fd, m->out.p + off, chunk, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			if (r->drip_ms > 0)
				usleep((useconds_t)r->drip_ms * 1000);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (hx_poll(fd, POLLOUT | POLLIN, deadline) == 0)
				break;
			continue;
		}
		break;		/* EPIPE, ECONNRESET: read what came */
	}
	if (r->shut)
		(void)shutdown(fd, SHUT_WR);
	m->in.len = 0;
	for (;;) {
		if (hx_complete(&m->in, m->head_only))
			break;
		if (hx_poll(fd, POLLIN, deadline) == 0) {
			timedout = 1;
			break;
		}
		n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			if (m->in.len < HX_MAX_RESP)
				dbuf_add(&m->in, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EAGAIN || errno == EINTR)
			continue;
		reset = 1;
		break;
	}
	if (m->in.len > 0)
		m->status = hx_status(&m->in);
	else if (timedout)
		m->status = HX_ST_TIMEOUT;
	else
		m->status = reset ? HX_ST_RESET : HX_ST_CLOSED;
	m->secs = hx_now() - start;
	close(fd);
}

/* --- checking an answer -------------------------------------------------- */

/* The text between <tag> and </tag> of s (CDATA unwrapped); malloc'ed. */
static char *
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
static char *
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

static int
hx_expect_has(const char *spec, int status)
{
	char buf[64], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", spec);
	for (tok = strtok_r(buf, "|", &save); tok != NULL;
	    tok = strtok_r(NULL, "|", &save)) {
		if (strcmp(tok, "close") == 0 && (status == HX_ST_CLOSED ||
		    status == HX_ST_RESET))
			return 1;
		if (isdigit((unsigned char)*tok) && atoi(tok) == status)
			return 1;
	}
	return 0;
}

static const char *
hx_status_name(int st, char *buf, size_t sz)
{
	switch (st) {
	case HX_ST_CLOSED:
		return "closed without an answer";
	case HX_ST_TIMEOUT:
		return "no answer in time";
	case HX_ST_RESET:
		return "reset without an answer";
	case HX_ST_CONNECT:
		return "no connection";
	case HX_ST_GARBAGE:
		return "not an HTTP answer";
	}
	snprintf(buf, sz, "%d", st);
	return buf;
}

/* 1 when m's answer is what r expects; otherwise 0 with why filled. */
static int
hx_check(const struct hx_req *r, const struct hx_msg *m, char *why,
    size_t whysz)
{
	char sbuf[16], *plain = NULL;
	const char *body = "", *text;
	int ok = 0;

	if (!hx_expect_has(r->expect, m->status)) {
		snprintf(why, whysz, "got %s, want %s (line %d)",
		    hx_status_name(m->status, sbuf, sizeof sbuf), r->expect,
		    r->line);
		return 0;
	}
	if (m->status != 200)
		return 1;
	text = m->in.p != NULL ? memmem(m->in.p, m->in.len, "\r\n\r\n", 4) :
	    NULL;
	if (text != NULL)
		body = text + 4;
	text = body;
	if (strncmp(body, "<xml><Encrypt>", 14) == 0) {
		plain = hx_open_envelope(body, m->nonce, why, whysz);
		if (plain == NULL)
			return 0;
		text = plain;
		if (strstr(plain, m->openid) == NULL) {
			snprintf(why, whysz, "reply not addressed to the "
			    "sender (line %d)", r->line);
			goto out;
		}
	} else if (m->post && m->encrypted && strcmp(body, "success") != 0) {
		snprintf(why, whysz, "encrypted request answered in clear "
		    "(line %d)", r->line);
		goto out;
	}
	if (r->want != NULL && strstr(text, r->want) == NULL) {
		snprintf(why, whysz, "reply lacks '%s' (line %d)", r->want,
		    r->line);
		goto out;
	}
	ok = 1;
out:
	free(plain);
	return ok;
}

/* --- passes -------------------------------------------------------------- */

static void
hx_run_build(struct hx_run *run)
{
	struct hx_vars v;
	size_t i;

	hx_vars_init(&v, run->c->line);
	run->msgs = hx_alloc(run->c->nreqs * sizeof *run->msgs);
	for (i = 0; i < run->c->nreqs; i++)
		hx_build(&v, &run->c->reqs[i], 0, &run->msgs[i]);
}

/* Send the run's requests in order; the first failure decides. */
static void
hx_run_exchange(struct hx_run *run)
{
	const struct hx_case *c = run->c;
	size_t i;

	run->ok = 1;
	for (i = 0; i < c->nreqs; i++) {
		/*
		 * Each admin case from a loopback address of its own
		 * (127.1.x.y from its line), so that the cases refused for
		 * their token do not set off the daemon's back-off (after
		 * 10 failures per address) against the next ones.
		 */
		hx_exchange(c->admin ? hx.admin_port : hx.port, c->admin ?
		    (127u << 24 | 1u << 16 | ((unsigned)c->line & 0xffff)) : 0,
		    &c->reqs[i], &run->msgs[i]);
		if (!hx_check(&c->reqs[i], &run->msgs[i], run->why,
		    sizeof run->why)) {
			run->ok = 0;
			break;
		}
	}
}

static void
hx_run_free(struct hx_run *run)
{
	size_t i;

	for (i = 0; run->msgs != NULL && i < run->c->nreqs; i++) {
		dbuf_free(&run->msgs[i].out);
		dbuf_free(&run->msgs[i].in);
	}
	free(run->msgs);
	run->msgs = NULL;
}

static void *
hx_slow_worker(void *arg)
{
	struct hx_run *run;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&hx.slow_lock);
		run = hx.next_slow < hx.nslow ? &hx.slow[hx.next_slow++] :
		    NULL;
		pthread_mutex_unlock(&hx.slow_lock);
		if (run == NULL)
			return NULL;
		hx_run_exchange(run);
	}
}

static long
hx_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	}
	fclose(fp);
	return kib;
}

/* Why RSS says nothing about leaks in pid, or NULL. */
static const char *
hx_rss_unfit(pid_t pid)
{
	char path[64], line[512];
	const char *why = NULL;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return "no /proc maps";
	while (why == NULL && fgets(line, sizeof line, fp) != NULL) {
		if (strstr(line, "libasan") != NULL)
			why = "AddressSanitizer build: its quarantine holds "
			    "freed memory (LeakSanitizer checks at exit)";
		else if (strstr(line, "vgpreload") != NULL)
			why = "under valgrind";
	}
	fclose(fp);
	return why;
}

struct hx_suite {
	struct hx_cases	 cases;
	struct hx_cases	 probe;
	int		 jobs;
};

/*
 * One pass over every case of the daemon's mode, probes in between.
 * Prints a TAP line per case when verbose; returns the failures.
 */
static size_t
hx_pass(struct hx_suite *s, int verbose, size_t *tap, size_t *nruns)
{
	struct hx_run *runs;
	pthread_t th[64];
	size_t n = 0, i, fast = 0, failed = 0, nth = 0, k;

	runs = hx_alloc((s->cases.n + s->cases.n / HX_BATCH + 2) *
	    sizeof *runs);
	for (i = 0; i < s->cases.n; i++) {
		if (!(s->cases.v[i].modes & hx.mode))
			continue;
		runs[n++].c = &s->cases.v[i];
		if (!s->cases.v[i].slow && ++fast % HX_BATCH == 0) {
			runs[n].c = &s->probe.v[0];
			runs[n++].probe = 1;
		}
	}
	runs[n].c = &s->probe.v[0];
	runs[n++].probe = 1;

	/* Slow runs first, on the pool, while the rest go on here. */
	hx.slow = hx_alloc(n * sizeof *hx.slow);
	hx.nslow = 0;
	hx.next_slow = 0;
	for (i = 0; i < n; i++) {
		if (!runs[i].c->slow)
			continue;
		hx_run_build(&runs[i]);
		hx.slow[hx.nslow++] = runs[i];
	}
	for (nth = 0; nth < (size_t)s->jobs && nth < hx.nslow; nth++) {
		if (pthread_create(&th[nth], NULL, hx_slow_worker, NULL) != 0)
			hx_die("pthread_create failed");
	}
	for (i = 0; i < n; i++) {
		if (runs[i].c->slow)
			continue;
		hx_run_build(&runs[i]);
		hx_run_exchange(&runs[i]);
	}
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (i = 0, k = 0; i < n; i++) {
		if (runs[i].c->slow)
			runs[i] = hx.slow[k++];
	}
	free(hx.slow);
	hx.slow = NULL;

	for (i = 0; i < n; i++) {
		if (!runs[i].ok)
			failed++;
		if (verbose) {
			(*tap)++;
			printf("%sok %zu - %s: %s%s%s\n", runs[i].ok ? "" :
			    "not ", *tap, hx.mode == HX_SAFE ? "safe" :
			    "plain", runs[i].c->admin ? "admin: " : "",
			    runs[i].c->name, runs[i].ok ? "" : "");
			if (!runs[i].ok)
				printf("# %s\n", runs[i].why);
		} else if (!runs[i].ok)
			printf("# second pass: %s: %s\n", runs[i].c->name,
			    runs[i].why);
		for (k = 0; verbose && runs[i].msgs != NULL &&
		    k < runs[i].c->nreqs; k++) {
			if (runs[i].msgs[k].secs > 1.0 && !runs[i].c->slow)
				printf("# %s: request %zu took %.1f s\n",
				    runs[i].c->name, k + 1,
				    runs[i].msgs[k].secs);
		}
		if (!runs[i].ok && runs[i].msgs != NULL)
			printf("# sent %.200s\n# got  %.200s\n",
			    runs[i].msgs[0].out.p != NULL ?
			    runs[i].msgs[0].out.p : "",
			    runs[i].msgs[0].in.p != NULL ?
			    runs[i].msgs[0].in.p : "");
		hx_run_free(&runs[i]);
	}
	*nruns = n;
	free(runs);
	fflush(stdout);
	return failed;
}

static int
hx_suite_main(struct hx_suite *s, pid_t pid, int passes, long bound)
{
	size_t tap = 0, failed, nruns, p;
	long rss0 = -1, rss1 = -1;
	const char *unfit;
	double t0 = hx_now();
	int bad = 0;

	failed = hx_pass(s, 1, &tap, &nruns);
	bad += failed > 0;
	printf("# first pass: %zu cases and probes in %.1f s, %zu failed\n",
	    nruns, hx_now() - t0, failed);
	if (passes < 2)
		return bad;
	if (pid > 0) {
		rss0 = hx_rss_kib(pid);
		printf("# after pass 1: VmRSS %ld KiB\n", rss0);
	}
	for (p = 2; p <= (size_t)passes; p++) {
		t0 = hx_now();
		failed = hx_pass(s, 0, &tap, &nruns);
		printf("%sok %zu - %s: pass %zu: all %zu cases and probes got "
		    "their status again (%.1f s)\n", failed ? "not " : "",
		    ++tap, hx.mode == HX_SAFE ? "safe" : "plain", p, nruns,
		    hx_now() - t0);
		bad += failed > 0;
		if (pid > 0)
			printf("# after pass %zu: VmRSS %ld KiB\n", p,
			    hx_rss_kib(pid));
	}
	if (pid <= 0)
		return bad;
	rss1 = hx_rss_kib(pid);
	unfit = hx_rss_unfit(pid);
	if (rss0 < 0 || rss1 < 0) {
		printf("not ok %zu - %s: daemon %ld has no VmRSS (gone?)\n",
		    ++tap, hx.mode == HX_SAFE ? "safe" : "plain", (long)pid);
		return bad + 1;
	}
	if (unfit != NULL) {
		printf("ok %zu - %s: VmRSS %ld -> %ld KiB over the later "
		    "passes # SKIP %s\n", ++tap, hx.mode == HX_SAFE ?
		    "safe" : "plain", rss0, rss1, unfit);
		return bad;
	}
	printf("%sok %zu - %s: VmRSS %ld -> %ld KiB over the later passes "
	    "(growth %ld KiB, bound %ld)\n", rss1 - rss0 > bound ? "not " : "",
	    ++tap, hx.mode == HX_SAFE ? "safe" : "plain", rss0, rss1,
	    rss1 - rss0, bound);
	return bad + (rss1 - rss0 > bound);
}

/* --- the soak's helpers -------------------------------------------------- */

/* Write len bytes as the inside of a Lua "..." string. */
static void
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

/* 1 when status spec is one plain 4xx a kept-alive connection survives. */
static int
hx_soak_status(const char *spec)
{
	int st;

	if (strlen(spec) != 3 || !isdigit((unsigned char)spec[0]))
		return 0;
	st = atoi(spec);
	return st >= 400 && st < 500 && st != 413;
}

/*
 * Export the single-request refusals of the cases for the daemon's mode:
 * a Lua table { data = "req\0req\0...", expect = { 400, ... } }.
 */
static int
hx_export(const struct hx_cases *cs, const char *path)
{
	struct dbuf expect = { NULL, 0, 0 };
	struct hx_vars v;
	struct hx_msg m;
	const struct hx_case *c;
	size_t i, n = 0;
	FILE *fp;

	fp = fopen(path, "w");
	if (fp == NULL)
		hx_die("%s: %s", path, strerror(errno));
	fputs("-- hostile requests for the soak, written by hostile -E\n"
	    "return { data = \"", fp);
	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if (!(c->modes & hx.mode) || c->admin || !c->soak ||
		    c->nreqs != 1 || c->slow || c->reqs[0].raw ||
		    c->reqs[0].shut || !hx_soak_status(c->reqs[0].expect))
			continue;
		hx_vars_init(&v, c->line);
		hx_build(&v, &c->reqs[0], 1, &m);
		/* NUL separates the requests: one holding it stays out. */
		if (memchr(m.out.p, '\0', m.out.len) == NULL) {
			hx_lua_bytes(fp, m.out.p, m.out.len);
			fputs("\\000", fp);
			dbuf_add(&expect, " ", 1);
			dbuf_adds(&expect, c->reqs[0].expect);
			dbuf_add(&expect, ",", 1);
			n++;
		}
		dbuf_free(&m.out);
	}
	fprintf(fp, "\",\n  expect = {%s } }\n", expect.p != NULL ?
	    expect.p : "");
	dbuf_free(&expect);
	if (fclose(fp) != 0)
		hx_die("%s: %s", path, strerror(errno));
	printf("hostile: %zu hostile requests in %s\n", n, path);
	return n > 0 ? 0 : 1;
}

/* Questions: the first column of a TSV file, or the probe's. */
static size_t
hx_questions(const char *path, char ***out)
{
	char line[4096], *tab;
	size_t n = 0;
	FILE *fp;

	*out = NULL;
	fp = path != NULL ? fopen(path, "r") : NULL;
	while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		if (tab != NULL)
			*tab = '\0';
		/* The CDATA section must not end early. */
		if (strstr(line, "]]>") != NULL || *line == '\0')
			continue;
		*out = realloc(*out, (n + 1) * sizeof **out);
		if (*out == NULL)
			hx_die("out of memory");
		(*out)[n++] = strdup(line);
	}
	if (fp != NULL)
		fclose(fp);
	if (n == 0) {
		*out = hx_alloc(sizeof **out);
		(*out)[n++] = strdup(HX_PROBE_Q);
	}
	return n;
}

/*
 * -G: count safe-mode messages over threads files PREFIX.N.lua in the
 * format of tests/bench/gen_requests, pct percent of them byte-for-byte
 * repeats of one sent just before (WeChat's retries).
 */
static int
hx_generate(const char *prefix, size_t count, size_t threads, int pct,
    const char *qpath)
{
	struct hx_req r;
	struct hx_vars v;
	struct hx_msg m, *last;
	char fname[4096], **qs, text[8192];
	size_t nq, i, t, users = 2000;
	unsigned long long nonce0, msgid0;
	FILE **fp;

	nonce0 = 1000000000ULL + hx_rand() % 4000000000ULL;
	msgid0 = 7000000000000000000ULL + hx_rand() % 1000000000000000000ULL;
	nq = hx_questions(qpath, &qs);
	fp = hx_alloc(threads * sizeof *fp);
	last = hx_alloc(threads * sizeof *last);
	for (t = 0; t < threads; t++) {
		snprintf(fname, sizeof fname, "%s.%zu.lua", prefix, t + 1);
		fp[t] = fopen(fname, "w");
		if (fp[t] == NULL)
			hx_die("%s: %s", fname, strerror(errno));
		fputs("-- safe-mode callbacks written by hostile -G\n"
		    "return { data = \"", fp[t]);
	}
	memset(&r, 0, sizeof r);
	r.wait = HX_TIMEOUT;
	for (i = 0; i < count; i++) {
		t = i % threads;
		if (pct > 0 && last[t].out.p != NULL &&
		    (int)(hx_rand() % 100) < pct) {
			hx_lua_bytes(fp[t], last[t].out.p, last[t].out.len);
			fputs("\\000", fp[t]);
			continue;
		}
		hx_vars_init(&v, 0);
		/*
		 * Random nonces of one second would meet now and then, and
		 * the second would be a replay: count from a random start.
		 */
		snprintf(v.nonce, sizeof v.nonce, "%llu", nonce0 + i);
		snprintf(v.msgid, sizeof v.msgid, "%llu", msgid0 + i);
		/* A pool of residents, as the benchmark's generator has. */
		snprintf(v.openid, sizeof v.openid, "oHxSoakResident%013zu",
		    (size_t)(hx_rand() % users));
		snprintf(text, sizeof text, "POST /wechat?{SAFEQ} HTTP/1.1\n"
		    "Content-Type: text/xml\n\n{ENVELOPE:{ENC:{TEXT:%s}}}",
		    qs[hx_rand() % nq]);
		r.text = text;
		hx_build(&v, &r, 1, &m);
		hx_lua_bytes(fp[t], m.out.p, m.out.len);
		fputs("\\000", fp[t]);
		dbuf_free(&last[t].out);
		last[t] = m;
	}
	for (t = 0; t < threads; t++) {
		fputs("\" }\n", fp[t]);
		if (fclose(fp[t]) != 0)
			hx_die("write failed: %s", strerror(errno));
		dbuf_free(&last[t].out);
	}
	for (i = 0; i < nq; i++)
		free(qs[i]);
	free(qs);
	free(fp);
	free(last);
	printf("hostile: %zu safe-mode requests in %zu files %s.N.lua\n",
	    count, threads, prefix);
	return 0;
}

/* The value of query parameter name in the request line of req. */
static char *
hx_query_param(const char *req, const char *name)
{
	char key[64];
	const char *p, *e, *eol = strstr(req, "\r\n");
	size_t n;

	snprintf(key, sizeof key, "%s=", name);
	n = strlen(key);
	for (p = strchr(req, '?'); p != NULL && (eol == NULL || p < eol);
	    p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, key, n) == 0) {
			e = p + 1 + n;
			return hx_strndup(e, strcspn(e, "& "));
		}
	}
	return NULL;
}

/*
 * Check one (request, reply) sample of the soak: the reply is a correct
 * envelope for the request's nonce and answers the sender with text or
 * articles.  Returns 1 or 0 with why filled.
 */
static int
hx_verify_one(const char *req, const char *reply, char *why, size_t whysz)
{
	char *nonce, *enc, *msg = NULL, *from = NULL, *to = NULL;
	char *plain = NULL, *rto = NULL, *rfrom = NULL, *type = NULL;
	const char *body;
	size_t len;
	int ok = 0;

	nonce = hx_query_param(req, "nonce");
	body = strstr(req, "\r\n\r\n");
	enc = body != NULL ? hx_elem(body, "Encrypt") : NULL;
	if (nonce == NULL || enc == NULL) {
		snprintf(why, whysz, "request without nonce or Encrypt");
		goto out;
	}
	if (wx_crypto_decrypt(hx.crypto, enc, strlen(enc), &msg, &len) !=
	    WX_CRYPTO_OK) {
		snprintf(why, whysz, "request does not decrypt");
		goto out;
	}
	from = hx_elem(msg, "FromUserName");
	to = hx_elem(msg, "ToUserName");
	plain = hx_open_envelope(reply, nonce, why, whysz);
	if (plain == NULL || from == NULL || to == NULL)
		goto out;
	rto = hx_elem(plain, "ToUserName");
	rfrom = hx_elem(plain, "FromUserName");
	type = hx_elem(plain, "MsgType");
	if (rto == NULL || strcmp(rto, from) != 0 || rfrom == NULL ||
	    strcmp(rfrom, to) != 0) {
		snprintf(why, whysz, "reply not addressed to the sender");
		goto out;
	}
	if (type == NULL || (strcmp(type, "text") != 0 &&
	    strcmp(type, "news") != 0)) {
		snprintf(why, whysz, "reply MsgType %s", type != NULL ? type :
		    "missing");
		goto out;
	}
	if (strcmp(type, "text") == 0 && strstr(plain, "<Content>") == NULL) {
		snprintf(why, whysz, "text reply without Content");
		goto out;
	}
	ok = 1;
out:
	free(nonce);
	free(enc);
	free(msg);
	free(from);
	free(to);
	free(plain);
	free(rto);
	free(rfrom);
	free(type);
	return ok;
}

/*
 * -V: records "S <reqlen> <replylen>\n<request><reply>\n" as the soak's
 * wrk script writes them.
 */
static int
hx_verify(const char *path)
{
	char *data, *p, *req, *reply, why[256];
	size_t good = 0, bad = 0, rl, pl;
	char *end;

	data = hx_read_file(path);
	for (p = data; *p == 'S'; ) {
		rl = strtoul(p + 2, &end, 10);
		pl = strtoul(end, &end, 10);
		if (*end != '\n')
			break;
		p = end + 1;
		if (strlen(p) < rl + pl)
			break;
		req = hx_strndup(p, rl);
		reply = hx_strndup(p + rl, pl);
		p += rl + pl;
		if (*p == '\n')
			p++;
		if (hx_verify_one(req, reply, why, sizeof why))
			good++;
		else if (bad++ < 5)
			printf("# bad reply: %s\n", why);
		free(req);
		free(reply);
	}
	free(data);
	printf("hostile: %zu sampled replies verified, %zu bad\n", good, bad);
	return bad == 0 && good > 0 ? 0 : 1;
}

/* --- main ---------------------------------------------------------------- */

static void __attribute__((noreturn))
hx_usage(void)
{
	fprintf(stderr,
	    "usage: hostile -m plain|safe -p PORT [-a ADMIN_PORT] [-P PID]\n"
	    "           [-j JOBS] [-b RSS_BOUND_KIB] [-n PASSES] CASES...\n"
	    "       hostile -m plain|safe -E OUT.lua CASES...\n"
	    "       hostile -G PREFIX [-n COUNT] [-t THREADS] [-r PCT] "
	    "[-q TSV]\n"
	    "       hostile -V SAMPLES\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct hx_suite s;
	const char *export = NULL, *gen = NULL, *verify = NULL;
	const char *qpath = "tests/data/kb_questions.tsv", *mode = "plain";
	long bound = 2048, count = -1;
	pid_t pid = 0;
	int ch, threads = 2, pct = 0, r, i;
	char *text;

	memset(&s, 0, sizeof s);
	s.jobs = 8;
	/* Lines reach the log even if a sanitizer ends the process. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_mutex_init(&hx.rng_lock, NULL);
	pthread_mutex_init(&hx.slow_lock, NULL);
	hx_seed();
	while ((ch = getopt(argc, argv, "m:p:a:P:j:b:n:E:G:t:r:q:V:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'p':
			hx.port = atoi(optarg);
			break;
		case 'a':
			hx.admin_port = atoi(optarg);
			break;
		case 'P':
			pid = (pid_t)atol(optarg);
			break;
		case 'j':
			s.jobs = atoi(optarg);
			if (s.jobs < 1 || s.jobs > 64)
				hx_usage();
			break;
		case 'b':
			bound = atol(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'E':
			export = optarg;
			break;
		case 'G':
			gen = optarg;
			break;
		case 't':
			threads = atoi(optarg);
			break;
		case 'r':
			pct = atoi(optarg);
			break;
		case 'q':
			qpath = optarg;
			break;
		case 'V':
			verify = optarg;
			break;
		default:
			hx_usage();
		}
	}
	if (strcmp(mode, "plain") == 0)
		hx.mode = HX_PLAIN;
	else if (strcmp(mode, "safe") == 0)
		hx.mode = HX_SAFE;
	else
		hx_usage();
	hx.token = hx_env("WXKB_TOKEN", "itoken2020");
	hx.appid = hx_env("WXKB_APPID", "wx0123456789abcdef");
	hx.aes_key = hx_env("WXKB_AES_KEY",
	    "ThisIsAnOwnTestKeyForWeChatCryptoVectors012");
	hx.admin_token = hx_env("WXKB_ADMIN_TOKEN", "");
	if (hx_key_decode(hx.aes_key, hx.key) != 0 ||
	    wx_crypto_new(&hx.crypto, hx.aes_key, hx.appid) != WX_CRYPTO_OK)
		hx_die("WXKB_AES_KEY or WXKB_APPID is not valid");

	if (verify != NULL)
		r = hx_verify(verify);
	else if (gen != NULL) {
		if (threads < 1 || threads > 64 || pct < 0 || pct > 100)
			hx_usage();
		r = hx_generate(gen, count > 0 ? (size_t)count : 60000,
		    (size_t)threads, pct, qpath);
	} else {
		if (optind >= argc)
			hx_usage();
		for (i = optind; i < argc; i++) {
			text = hx_read_file(argv[i]);
			hx_parse(text, argv[i], &s.cases);
			free(text);
		}
		hx_parse(hx.mode == HX_SAFE ? hx_probe_safe : hx_probe_plain,
		    "probe", &s.probe);
		if (export != NULL)
			r = hx_export(&s.cases, export);
		else {
			if (hx.port <= 0)
				hx_usage();
			r = hx_suite_main(&s, pid, count > 0 ? (int)count : 2,
			    bound);
		}
	}
	hx_cases_free(&s.cases);
	hx_cases_free(&s.probe);
	wx_crypto_free(hx.crypto);
	mbedtls_platform_zeroize(hx.key, sizeof hx.key);
	return r != 0;
}
