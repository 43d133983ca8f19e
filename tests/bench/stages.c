/*
 * stages — where the time of one safe-mode message goes: each stage of
 * the callback path timed alone over a set of distinct signed and
 * encrypted messages (resident questions from a TSV file), then the
 * whole wx_callback_handle() for comparison.  A benchmark that prints
 * figures, not a test.
 *
 *	stages [-k kb.json] [-q questions.tsv] [-i passes] [-w]
 *
 * Each stage gets the inputs the stages before it produced (prepared
 * once, untimed), so it is measured alone.  By default each stage runs
 * in rounds of about 20 ms and the fastest round counts: other work on
 * the machine only ever slows a round down.  -i runs a fixed number of
 * passes over the messages instead (repeatable instruction counts under
 * valgrind --tool=callgrind); -w times only the whole handler.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "handlers/callback/dispatch.h"
#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_query.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/callback/wx_sig.h"
#include "kb/kb.h"
#include "kb/kb_unanswered.h"
#include "lib/cache.h"
#include "lib/siphash.h"
#include "tests/bench/bench_gen.h"

#define STAGES_MSGS		256
#define STAGES_ROUND_NS		20e6
#define STAGES_ROUNDS		15
#define STAGES_TOKEN		"benchtoken2020"
#define STAGES_APPID		"wx0123456789abcdef"
#define STAGES_AES_KEY		"ThisIsAnOwnTestKeyForWeChatCryptoVectors012"
#define STAGES_TO_USER		"gh_0123456789ab"
#define STAGES_SUGGEST_MAX	1024
/* Allowed skew of the whole handler (the daemon's default). */
#define STAGES_SKEW		300L

/* One message with the output of every stage, prepared untimed. */
struct stages_msg {
	struct bench_req	 req;
	struct wx_query		 qs;
	struct wx_msg		*envelope;
	char			*plain;
	size_t			 plainlen;
	struct wx_msg		*inner;
	struct wx_reply		 reply;		/* what dispatch would say */
	char			 text[STAGES_SUGGEST_MAX];
	char			*xml;		/* rendered reply */
	size_t			 xmllen;
	char			*b64;		/* encrypted reply */
	char			 sig[WX_SIG_HEX_LEN + 1];
};

struct stages {
	struct kb		*kb;
	struct wx_crypto	*crypto;
	struct dispatch		*dispatch;
	struct kb_unanswered	*unanswered;
	struct wx_callback	*callback;	/* lives across passes */
	struct bench_gen	*gen;		/* made the requests */
	struct bench_req	 whole[STAGES_MSGS]; /* this pass's requests */
	struct cache		*nonces;
	struct cache		*retry;
	unsigned char		 key[16];
	struct stages_msg	 m[STAGES_MSGS];
	size_t			 n;
	time_t			 now;
	time_t			 whole_now;	/* the whole handler's clock */
	char			 now_text[24];
	uint64_t		 serial;	/* makes cache keys distinct */
	int			 hits, suggest, miss;
};

/* Results feed this so the compiler cannot drop the work. */
static volatile uintptr_t stages_sink;

static double
stages_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
stages_die(const char *what)
{
	fprintf(stderr, "stages: %s\n", what);
	exit(1);
}

/* --- the stages, in the order wx_callback_handle() runs them --- */

static void
st_query(struct stages *s, size_t i)
{
	struct wx_query q;

	memset(&q, 0, sizeof q);
	if (wx_query_parse(s->m[i].req.query, &q) != WX_QUERY_OK)
		stages_die("query parse failed");
	stages_sink += (uintptr_t)q.nonce[0];
	wx_query_cleanup(&q);
}

static void
st_signature(struct stages *s, size_t i)
{
	const struct wx_query *q = &s->m[i].qs;
	const char *parts[3] = { STAGES_TOKEN, q->timestamp, q->nonce };

	if (!wx_sig_verify(q->signature, parts, 3))
		stages_die("signature mismatch");
}

static void
st_envelope_parse(struct stages *s, size_t i)
{
	struct wx_msg *msg;

	if (wx_msg_parse(s->m[i].req.body, s->m[i].req.bodylen, &msg) !=
	    WX_MSG_OK)
		stages_die("envelope parse failed");
	stages_sink += msg->nfields;
	wx_msg_free(msg);
}

static void
st_msg_signature(struct stages *s, size_t i)
{
	const struct wx_query *q = &s->m[i].qs;
	const char *parts[4] = { STAGES_TOKEN, q->timestamp, q->nonce,
	    s->m[i].envelope->encrypt };

	if (!wx_sig_verify(q->msg_signature, parts, 4))
		stages_die("msg_signature mismatch");
}

static void
st_decrypt(struct stages *s, size_t i)
{
	const char *enc = s->m[i].envelope->encrypt;
	char *plain;
	size_t len;

	if (wx_crypto_decrypt(s->crypto, enc, strlen(enc), &plain, &len) !=
	    WX_CRYPTO_OK)
		stages_die("decrypt failed");
	/* wx_callback wipes the plain text before it frees it. */
	mbedtls_platform_zeroize(plain, len);
	free(plain);
}

static void
st_inner_parse(struct stages *s, size_t i)
{
	struct wx_msg *msg;

	if (wx_msg_parse(s->m[i].plain, s->m[i].plainlen, &msg) != WX_MSG_OK)
		stages_die("inner parse failed");
	stages_sink += msg->nfields;
	wx_msg_free(msg);
}

static void
st_match(struct stages *s, size_t i)
{
	static struct kb_result res;
	const char *text = s->m[i].inner->content;

	kb_query(s->kb, text, strlen(text), s->now, &res);
	stages_sink += (uintptr_t)res.item + res.nsuggestions;
}

static void
st_render(struct stages *s, size_t i)
{
	const struct wx_msg *in = s->m[i].inner;
	char *xml;
	size_t len;

	if (wx_reply_render(&s->m[i].reply, in->from_user, in->to_user,
	    in->create_time, &xml, &len) != WX_REPLY_OK)
		stages_die("render failed");
	stages_sink += len;
	free(xml);
}

static void
st_encrypt(struct stages *s, size_t i)
{
	char *b64;

	if (wx_crypto_encrypt(s->crypto, s->m[i].xml, s->m[i].xmllen, &b64) !=
	    WX_CRYPTO_OK)
		stages_die("encrypt failed");
	stages_sink += (uintptr_t)b64[0];
	free(b64);
}

static void
st_reply_signature(struct stages *s, size_t i)
{
	const char *parts[4] = { STAGES_TOKEN, s->now_text,
	    s->m[i].qs.nonce, s->m[i].b64 };
	char sig[WX_SIG_HEX_LEN + 1];

	wx_sig_compute(parts, 4, sig);
	stages_sink += (uintptr_t)sig[0];
}

static void
st_envelope_render(struct stages *s, size_t i)
{
	char *xml;
	size_t len;

	if (wx_reply_envelope(s->m[i].b64, s->m[i].sig, s->now_text,
	    s->m[i].qs.nonce, &xml, &len) != WX_REPLY_OK)
		stages_die("envelope render failed");
	stages_sink += len;
	free(xml);
}

/*
 * The bookkeeping wx_callback does around the stages: the OpenID hash
 * for the log, the retry key, the replay (nonce) check and the retry
 * cache, with keys that are new each time as in the daemon.
 */
static void
st_caches(struct stages *s, size_t i)
{
	const struct wx_msg *in = s->m[i].inner;
	const void *val;
	char user[17], key[CACHE_MAX_KEY + 1], nkey[96];
	size_t len;

	siphash_uid(s->key, in->from_user, user);
	snprintf(key, sizeof key, "m|%s|%s%llu", in->from_user, in->msg_id,
	    (unsigned long long)s->serial);
	snprintf(nkey, sizeof nkey, "%s:%s%llu", s->m[i].qs.timestamp,
	    s->m[i].qs.nonce, (unsigned long long)s->serial++);
	if (!cache_get(s->nonces, nkey, s->now, &val, &len))
		(void)cache_put(s->nonces, nkey, key, strlen(key), s->now);
	if (!cache_get(s->retry, key, s->now, &val, &len))
		(void)cache_put(s->retry, key, s->m[i].xml, s->m[i].xmllen,
		    s->now);
	stages_sink += (uintptr_t)user[0];
}

static void
st_dispatch(struct stages *s, size_t i)
{
	struct wx_dispatch_out out;

	memset(&out, 0, sizeof out);
	if (dispatch_message(s->dispatch, s->m[i].inner, s->now, &out) != 0)
		stages_die("dispatch failed");
	stages_sink += out.len;
	free(out.xml);
}

static void
st_whole(struct stages *s, size_t i)
{
	struct wx_result res;

	wx_callback_handle(s->callback, WX_METHOD_POST, s->whole[i].query,
	    s->whole[i].body, s->whole[i].bodylen, s->whole_now, &res);
	if (res.status != 200 || res.retry)
		stages_die("the whole handler did not answer 200");
	stages_sink += res.len;
	wx_result_cleanup(&res);
}

/*
 * Move the clock past the life of every record the handler keeps of a
 * message (its answer, its nonce, that it was dispatched) before each
 * pass, and sign the same messages anew with that time, so that each is
 * dispatched again, never answered as a retry or refused as a replay.
 * The handler lives on, as in the daemon: a fresh one would fault its
 * new cache pages in while timed.
 */
static void
st_whole_setup(struct stages *s)
{
	struct wx_callback_cfg cc;
	const char *cause = NULL;
	size_t i;

	s->whole_now += 2 * STAGES_SKEW + 2;
	bench_gen_rewind(s->gen);
	for (i = 0; i < s->n; i++) {
		bench_req_cleanup(&s->whole[i]);
		if (bench_gen_request(s->gen, i, s->whole_now,
		    &s->whole[i]) != 0)
			stages_die("cannot make a request");
	}
	if (s->callback != NULL)
		return;
	memset(&cc, 0, sizeof cc);
	cc.token = STAGES_TOKEN;
	cc.appid = STAGES_APPID;
	cc.aes_key = STAGES_AES_KEY;
	cc.mode = WX_MODE_SAFE;
	cc.max_skew = STAGES_SKEW;
	memcpy(cc.uid_key, s->key, sizeof cc.uid_key);
	cc.dispatch = dispatch_message;
	cc.dispatch_arg = s->dispatch;
	s->callback = wx_callback_new(&cc, &cause);
	if (s->callback == NULL)
		stages_die(cause);
}

struct stage {
	const char	*name;
	void		(*run)(struct stages *, size_t);
	void		(*setup)(struct stages *);	/* before each pass */
	int		 in_sum;	/* a part of the path, summed */
	double		 ns;		/* best per message */
};

static struct stage stages_table[] = {
	{ "query string parse", st_query, NULL, 1, 0 },
	{ "signature verify (SHA-1)", st_signature, NULL, 1, 0 },
	{ "envelope XML parse", st_envelope_parse, NULL, 1, 0 },
	{ "msg_signature verify (SHA-1)", st_msg_signature, NULL, 1, 0 },
	{ "decrypt (Base64, AES-CBC)", st_decrypt, NULL, 1, 0 },
	{ "inner XML parse", st_inner_parse, NULL, 1, 0 },
	{ "kb match (kb_query)", st_match, NULL, 1, 0 },
	{ "reply render", st_render, NULL, 1, 0 },
	{ "encrypt (AES-CBC, Base64)", st_encrypt, NULL, 1, 0 },
	{ "reply msg_signature (SHA-1)", st_reply_signature, NULL, 1, 0 },
	{ "envelope render", st_envelope_render, NULL, 1, 0 },
	{ "caches, OpenID hash, keys", st_caches, NULL, 1, 0 },
	{ "dispatch_message (match+render+state)", st_dispatch, NULL, 0, 0 },
	{ "wx_callback_handle (whole)", st_whole, st_whole_setup, 0, 0 },
};
#define STAGES_N (sizeof stages_table / sizeof stages_table[0])

/* What dispatch answers for the message: the reply it would render. */
static void
stages_reply(struct stages *s, struct stages_msg *m)
{
	static struct kb_result res;
	const struct kb_reply *kr;
	static struct wx_article art;

	kb_query(s->kb, m->inner->content, strlen(m->inner->content), s->now,
	    &res);
	memset(&m->reply, 0, sizeof m->reply);
	m->reply.type = WX_REPLY_TEXT;
	if (res.kind == KB_RESULT_SUGGEST) {
		s->suggest++;
		dispatch_result_text(s->kb, &res, m->text, sizeof m->text);
		m->reply.content = m->text;
		return;
	}
	if (res.kind == KB_RESULT_HIT) {
		s->hits++;
		kr = &res.item->replies[0];
	} else {
		s->miss++;
		kr = kb_fallback(s->kb);
	}
	if (kr->type == KB_REPLY_NEWS && kr->narticles > 0) {
		/* One article answers a message (dispatch does the same). */
		m->reply.type = WX_REPLY_NEWS;
		art.title = kr->articles[0].title;
		art.description = kr->articles[0].description;
		art.pic_url = kr->articles[0].picurl;
		art.url = kr->articles[0].url;
		m->reply.articles = &art;
		m->reply.narticles = 1;
	} else if (kr->type == KB_REPLY_TEXT) {
		m->reply.content = kr->content;
	} else {
		m->reply.content = "?";
	}
}

static void
stages_prepare(struct stages *s, const char *kbpath, const char *qpath)
{
	struct bench_gen_cfg gc;
	struct bench_gen *g;
	struct stages_msg *m;
	struct wx_dispatch_out out;
	const char *cause = NULL, *parts[4];
	size_t i;

	if (kb_load_file(kbpath, 1, &s->kb, NULL) != KB_OK)
		stages_die("cannot load the knowledge base");
	if (wx_crypto_new(&s->crypto, STAGES_AES_KEY, STAGES_APPID) !=
	    WX_CRYPTO_OK)
		stages_die("wx_crypto_new failed");
	if (wx_crypto_random(s->crypto, s->key, sizeof s->key) != 0)
		stages_die("no randomness");
	s->dispatch = dispatch_new();
	s->unanswered = kb_unanswered_new(0);
	s->nonces = cache_new(65536, 4 * 1024 * 1024, 86400 * 2 + 1,
	    s->key);
	s->retry = cache_new(16384, 8 * 1024 * 1024, 60, s->key);
	if (s->dispatch == NULL || s->unanswered == NULL ||
	    s->nonces == NULL || s->retry == NULL)
		stages_die("out of memory");
	dispatch_set_kb(s->dispatch, s->kb);
	dispatch_set_unanswered(s->dispatch, s->unanswered);
	s->now = time(NULL);
	s->whole_now = s->now;
	snprintf(s->now_text, sizeof s->now_text, "%lld", (long long)s->now);

	memset(&gc, 0, sizeof gc);
	gc.token = STAGES_TOKEN;
	gc.appid = STAGES_APPID;
	gc.aes_key = STAGES_AES_KEY;
	gc.to_user = STAGES_TO_USER;
	gc.safe = 1;
	gc.users = 2000;
	gc.seed = 20201231;
	g = s->gen = bench_gen_new(&gc, qpath, &cause);
	if (g == NULL)
		stages_die(cause);
	s->n = STAGES_MSGS;
	for (i = 0; i < s->n; i++) {
		m = &s->m[i];
		if (bench_gen_request(g, i, s->now, &m->req) != 0)
			stages_die("cannot make a request");
		/* The question is the generator's: keep nothing of it. */
		m->req.question = NULL;
		if (wx_query_parse(m->req.query, &m->qs) != WX_QUERY_OK ||
		    wx_msg_parse(m->req.body, m->req.bodylen, &m->envelope) !=
		    WX_MSG_OK || wx_crypto_decrypt(s->crypto,
		    m->envelope->encrypt, strlen(m->envelope->encrypt),
		    &m->plain, &m->plainlen) != WX_CRYPTO_OK ||
		    wx_msg_parse(m->plain, m->plainlen, &m->inner) !=
		    WX_MSG_OK)
			stages_die("a generated request does not open");
		stages_reply(s, m);
		memset(&out, 0, sizeof out);
		if (dispatch_message(s->dispatch, m->inner, s->now, &out) != 0)
			stages_die("dispatch failed");
		m->xml = out.xml;
		m->xmllen = out.len;
		if (wx_crypto_encrypt(s->crypto, m->xml, m->xmllen, &m->b64) !=
		    WX_CRYPTO_OK)
			stages_die("encrypt failed");
		parts[0] = STAGES_TOKEN;
		parts[1] = s->now_text;
		parts[2] = m->qs.nonce;
		parts[3] = m->b64;
		wx_sig_compute(parts, 4, m->sig);
	}
}

static void
stages_cleanup(struct stages *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		bench_req_cleanup(&s->m[i].req);
		wx_query_cleanup(&s->m[i].qs);
		wx_msg_free(s->m[i].envelope);
		wx_msg_free(s->m[i].inner);
		free(s->m[i].plain);
		free(s->m[i].xml);
		free(s->m[i].b64);
		bench_req_cleanup(&s->whole[i]);
	}
	bench_gen_free(s->gen);
	wx_callback_free(s->callback);
	dispatch_free(s->dispatch);
	kb_unanswered_free(s->unanswered);
	cache_free(s->nonces);
	cache_free(s->retry);
	wx_crypto_free(s->crypto);
	kb_unref(s->kb);
}

/* One pass over every message; returns the time spent in the stage. */
static double
stages_pass(struct stages *s, struct stage *st)
{
	double t0;
	size_t i;

	if (st->setup != NULL)
		st->setup(s);
	t0 = stages_clock();
	for (i = 0; i < s->n; i++)
		st->run(s, i);
	return stages_clock() - t0;
}

/* Fastest of STAGES_ROUNDS rounds, or the mean of a fixed pass count. */
static void
stages_measure(struct stages *s, struct stage *st, long passes)
{
	double el, best = 0, wall;
	long k;
	int round;

	if (passes > 0) {
		el = 0;
		for (k = 0; k < passes; k++)
			el += stages_pass(s, st);
		st->ns = el / ((double)passes * (double)s->n);
		return;
	}
	for (round = 0; round < STAGES_ROUNDS; round++) {
		el = 0;
		k = 0;
		wall = stages_clock();
		do {
			el += stages_pass(s, st);
			k++;
		} while (stages_clock() - wall < STAGES_ROUND_NS);
		el /= (double)k * (double)s->n;
		if (round == 0 || el < best)
			best = el;
	}
	st->ns = best;
}

int
main(int argc, char **argv)
{
	static struct stages s;
	const char *kbpath = "kb/data/wanggezhuang.json";
	const char *qpath = "tests/data/kb_questions.tsv";
	double sum = 0, whole = 0;
	long passes = 0;
	size_t i;
	int ch, whole_only = 0;
	char *end;

	while ((ch = getopt(argc, argv, "k:q:i:w")) != -1) {
		switch (ch) {
		case 'k':
			kbpath = optarg;
			break;
		case 'q':
			qpath = optarg;
			break;
		case 'i':
			errno = 0;
			passes = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || passes < 1)
				stages_die("-i: a number of passes");
			break;
		case 'w':
			whole_only = 1;
			break;
		default:
			fprintf(stderr, "usage: stages [-k kb.json] "
			    "[-q questions.tsv] [-i passes] [-w]\n");
			return 2;
		}
	}
	stages_prepare(&s, kbpath, qpath);
	printf("stages: %zu distinct safe-mode text messages from %s\n"
	    "        against %s (%zu items): %d hit, %d suggest, %d "
	    "fallback\n", s.n, qpath, kbpath, kb_nitems(s.kb), s.hits,
	    s.suggest, s.miss);
	printf("        %s\n\n", passes > 0 ? "fixed passes, mean ns" :
	    "fastest of 15 rounds of 20 ms, ns per message");

	for (i = 0; i < STAGES_N; i++) {
		if (whole_only && stages_table[i].run != st_whole)
			continue;
		stages_measure(&s, &stages_table[i], passes);
		if (stages_table[i].in_sum)
			sum += stages_table[i].ns;
		if (stages_table[i].run == st_whole)
			whole = stages_table[i].ns;
	}
	if (whole_only) {
		printf("%-40s %9.0f ns\n", "wx_callback_handle (whole)",
		    whole);
		stages_cleanup(&s);
		return 0;
	}
	printf("%-40s %9s %7s\n", "stage", "ns/msg", "share");
	for (i = 0; i < STAGES_N; i++) {
		if (!stages_table[i].in_sum)
			continue;
		printf("%-40s %9.0f %6.1f%%\n", stages_table[i].name,
		    stages_table[i].ns, 100.0 * stages_table[i].ns / sum);
	}
	printf("%-40s %9.0f %6.1f%%\n", "sum of the stages", sum, 100.0);
	for (i = 0; i < STAGES_N; i++) {
		if (stages_table[i].in_sum)
			continue;
		printf("%-40s %9.0f\n", stages_table[i].name,
		    stages_table[i].ns);
	}
	printf("whole / sum of the stages: %.2f; whole handler alone: "
	    "%.0f messages/s per core\n", whole / sum, 1e9 / whole);
	stages_cleanup(&s);
	return 0;
}
