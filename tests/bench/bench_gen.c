/*
 * bench_gen — signed (and encrypted) callbacks for the benchmark.  The
 * WeChat side is rebuilt here from the protocol doc with the project's
 * signing and cipher helpers; the daemon's own checks then prove that
 * the requests are right (the benchmark counts every non-200 answer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_sig.h"
#include "tests/bench/bench_gen.h"

#define BENCH_GEN_MAX_QUESTIONS	100000
#define BENCH_GEN_MAX_LINE	4096
#define BENCH_GEN_OPENID_LEN	28	/* "o" and 27 characters, as WeChat */

struct bench_gen {
	char		*token;
	char		*to_user;
	int		 safe;
	size_t		 users;
	uint64_t	 salt;		/* from the seed: nonces, MsgIds */
	uint64_t	 rng;		/* xorshift64 state */
	uint64_t	 rng0;		/* its start, for bench_gen_rewind() */
	struct wx_crypto *crypto;	/* safe mode */
	char		**questions;
	size_t		 nquestions;
};

static uint64_t
bench_gen_rand(struct bench_gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* A 64-bit mix (splitmix64's finalizer): distinct in, distinct out. */
static uint64_t
bench_gen_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static int
bench_gen_load(struct bench_gen *g, const char *path, const char **cause)
{
	char line[BENCH_GEN_MAX_LINE], *tab, **q;
	FILE *fp;
	size_t cap = 0, n;
	int r = -1;

	fp = fopen(path, "r");
	if (fp == NULL) {
		*cause = "cannot open the questions file";
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		tab = strchr(line, '\t');
		if (tab != NULL)
			*tab = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (g->nquestions == BENCH_GEN_MAX_QUESTIONS)
			break;
		if (g->nquestions == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			q = realloc(g->questions, cap * sizeof *q);
			if (q == NULL)
				goto nomem;
			g->questions = q;
		}
		g->questions[g->nquestions] = strdup(line);
		if (g->questions[g->nquestions] == NULL)
			goto nomem;
		g->nquestions++;
	}
	if (g->nquestions == 0) {
		*cause = "no questions in the file";
		goto out;
	}
	r = 0;
	goto out;
nomem:
	*cause = "out of memory";
out:
	fclose(fp);
	return r;
}

struct bench_gen *
bench_gen_new(const struct bench_gen_cfg *cfg, const char *path,
    const char **cause)
{
	struct bench_gen *g;

	g = calloc(1, sizeof *g);
	if (g == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	g->token = strdup(cfg->token);
	g->to_user = strdup(cfg->to_user);
	if (g->token == NULL || g->to_user == NULL) {
		*cause = "out of memory";
		goto fail;
	}
	g->safe = cfg->safe;
	g->users = cfg->users;
	g->salt = bench_gen_mix(cfg->seed + 1);
	g->rng = bench_gen_mix(cfg->seed + 2) | 1;
	g->rng0 = g->rng;
	if (g->safe && wx_crypto_new(&g->crypto, cfg->aes_key,
	    cfg->appid) != WX_CRYPTO_OK) {
		*cause = "unusable EncodingAESKey or AppID";
		goto fail;
	}
	if (bench_gen_load(g, path, cause) != 0)
		goto fail;
	return g;
fail:
	bench_gen_free(g);
	return NULL;
}

void
bench_gen_free(struct bench_gen *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nquestions; i++)
		free(g->questions[i]);
	free(g->questions);
	free(g->token);
	free(g->to_user);
	wx_crypto_free(g->crypto);
	free(g);
}

size_t
bench_gen_nquestions(const struct bench_gen *g)
{
	return g->nquestions;
}

void
bench_req_cleanup(struct bench_req *req)
{
	free(req->query);
	free(req->body);
	memset(req, 0, sizeof *req);
}

/* The OpenID of resident u: 28 characters of WeChat's alphabet. */
static void
bench_gen_openid(const struct bench_gen *g, size_t u,
    char out[BENCH_GEN_OPENID_LEN + 1])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint64_t h = 0;
	size_t i;

	out[0] = 'o';
	for (i = 1; i < BENCH_GEN_OPENID_LEN; i++) {
		if (i % 10 == 1)
			h = bench_gen_mix(g->salt ^ (u * 4 + i / 10));
		out[i] = abc[h % 64];
		h /= 64;
	}
	out[BENCH_GEN_OPENID_LEN] = '\0';
}

/*
 * Append s to the CDATA section being written at *p, splitting "]]>" as
 * every WeChat library does.  The caller sized the buffer for the worst
 * case (15 bytes per 3 of s).
 */
static char *
bench_gen_cdata(char *p, const char *s)
{
	const char *hit = strstr(s, "]]>");

	while (hit != NULL) {
		memcpy(p, s, (size_t)(hit - s) + 2);
		p += hit - s + 2;
		memcpy(p, "]]><![CDATA[", 12);
		p += 12;
		s = hit + 2;
		hit = strstr(s, "]]>");
	}
	return stpcpy(p, s);
}

/* The plain text message XML; malloc'ed. */
static char *
bench_gen_inner(const struct bench_gen *g, const char *openid, time_t ts,
    unsigned long long msgid, const char *q, size_t *len)
{
	size_t cap = strlen(q) * 5 + strlen(g->to_user) + 512;
	char *xml, *p;

	xml = malloc(cap);
	if (xml == NULL)
		return NULL;
	p = xml + sprintf(xml, "<xml><ToUserName><![CDATA[%s]]></ToUserName>"
	    "<FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime>"
	    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[",
	    g->to_user, openid, (long long)ts);
	p = bench_gen_cdata(p, q);
	p += sprintf(p, "]]></Content><MsgId>%llu</MsgId></xml>", msgid);
	*len = (size_t)(p - xml);
	return xml;
}

void
bench_gen_rewind(struct bench_gen *g)
{
	g->rng = g->rng0;
}

int
bench_gen_request(struct bench_gen *g, size_t i, time_t ts,
    struct bench_req *req)
{
	char openid[BENCH_GEN_OPENID_LEN + 1], nonce[16], tsbuf[24];
	char sig[WX_SIG_HEX_LEN + 1], msig[WX_SIG_HEX_LEN + 1];
	const char *parts[4];
	char *inner = NULL, *b64 = NULL;
	unsigned long long msgid;
	size_t len, u;
	int n, r = -1;

	memset(req, 0, sizeof *req);
	/*
	 * Nonces are 10-digit decimals like WeChat's: (i + salt) times an
	 * odd constant not divisible by 5 is a bijection modulo 10^9, so no
	 * two requests of a run share one.
	 */
	snprintf(nonce, sizeof nonce, "%llu", 1000000000ULL +
	    ((unsigned long long)(i + g->salt % 1000000000ULL) *
	    2654435761ULL) % 1000000000ULL);
	msgid = 24000000000000000ULL + g->salt % 1000000000000ULL + i;
	/*
	 * With a sender per request, the reply's ToUserName names the
	 * message: the failover bench tallies answers by it.
	 */
	u = g->users > 0 ? (size_t)(bench_gen_rand(g) % g->users) : i;
	bench_gen_openid(g, u, openid);
	req->question = g->questions[bench_gen_rand(g) % g->nquestions];
	snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)ts);

	inner = bench_gen_inner(g, openid, ts, msgid, req->question, &len);
	if (inner == NULL)
		goto out;
	parts[0] = g->token;
	parts[1] = tsbuf;
	parts[2] = nonce;
	wx_sig_compute(parts, 3, sig);
	if (!g->safe) {
		n = asprintf(&req->query, "signature=%s&timestamp=%s&nonce=%s"
		    "&openid=%s", sig, tsbuf, nonce, openid);
		if (n < 0) {
			req->query = NULL;
			goto out;
		}
		req->body = inner;
		req->bodylen = len;
		inner = NULL;
		r = 0;
		goto out;
	}
	if (wx_crypto_encrypt(g->crypto, inner, len, &b64) != WX_CRYPTO_OK)
		goto out;
	parts[3] = b64;
	wx_sig_compute(parts, 4, msig);
	n = asprintf(&req->query, "signature=%s&timestamp=%s&nonce=%s"
	    "&openid=%s&encrypt_type=aes&msg_signature=%s", sig, tsbuf, nonce,
	    openid, msig);
	if (n < 0) {
		req->query = NULL;
		goto out;
	}
	n = asprintf(&req->body, "<xml><ToUserName><![CDATA[%s]]>"
	    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>",
	    g->to_user, b64);
	if (n < 0) {
		req->body = NULL;
		goto out;
	}
	req->bodylen = (size_t)n;
	r = 0;
out:
	if (r != 0)
		bench_req_cleanup(req);
	free(inner);
	free(b64);
	return r;
}
