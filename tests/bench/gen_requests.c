/*
 * gen_requests — the wrk input of the benchmark: N distinct callbacks,
 * signed and (safe mode) encrypted, with fresh timestamps, written as one
 * Lua file per wrk thread so that no two threads send the same request.
 *
 *	gen_requests [-m plain|safe] [-n count] [-t threads] [-q questions]
 *	    [-r retry-percent] [-u users] [-s seed] [-T timestamp]
 *	    [-p path] PREFIX
 *
 * writes PREFIX.1.lua ... PREFIX.<threads>.lua.  Token, AppID and
 * EncodingAESKey come from WXKB_TOKEN, WXKB_APPID and WXKB_AES_KEY, the
 * names of the daemon's configuration.  Each file evaluates to a table
 * whose data field holds complete HTTP requests separated by NUL bytes;
 * tests/bench/callback.lua splits it and sends the requests in turn.
 * -u 0 gives every request a sender of its own, so that an answer names
 * its message.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench_gen.h"

#define GEN_MAX_COUNT	2000000
#define GEN_MAX_THREADS	64
/* Earlier requests a retry may copy, per thread file. */
#define GEN_RETRY_BACK	3

static void
usage(void)
{
	fprintf(stderr, "usage: gen_requests [-m plain|safe] [-n count] "
	    "[-t threads] [-q questions.tsv]\n"
	    "           [-r retry-percent] [-u users] [-s seed] "
	    "[-T timestamp] [-p path] PREFIX\n");
	exit(2);
}

static long long
gen_number(const char *s, long long min, long long max, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "gen_requests: %s: %s: not in %lld..%lld\n",
		    what, s, min, max);
		exit(2);
	}
	return v;
}

static const char *
gen_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* Write len bytes as the inside of a Lua "..." string. */
static void
gen_lua_bytes(FILE *fp, const char *s, size_t len)
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
			fprintf(fp, "\\%03u", c);	/* 3 digits: never
							   joins a digit */
		else
			fputc(c, fp);
	}
}

/* The complete HTTP request for req; malloc'ed, *len set. */
static char *
gen_http(const char *path, const struct bench_req *req, size_t *len)
{
	char *raw;
	int n;

	n = asprintf(&raw, "POST %s?%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n"
	    "User-Agent: Mozilla/4.0\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n\r\n%s", path, req->query, req->bodylen,
	    req->body);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return raw;
}

int
main(int argc, char **argv)
{
	struct bench_gen_cfg cfg;
	struct bench_gen *g;
	struct bench_req req;
	const char *questions = "tests/data/kb_questions.tsv";
	const char *path = "/wechat", *mode = "safe", *cause = NULL;
	char fname[4096], **last = NULL, *raw;
	FILE *fp[GEN_MAX_THREADS];
	size_t count = 60000, threads = 2, i, t, len, back, retries = 0;
	size_t *lastlen = NULL, bytes = 0;
	long long ts = (long long)time(NULL), pct = 0;
	uint64_t rng;
	int ch, status = 1;

	memset(&cfg, 0, sizeof cfg);
	memset(fp, 0, sizeof fp);
	cfg.users = 2000;
	while ((ch = getopt(argc, argv, "m:n:t:q:r:u:s:T:p:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			count = (size_t)gen_number(optarg, 1, GEN_MAX_COUNT,
			    "-n");
			break;
		case 't':
			threads = (size_t)gen_number(optarg, 1,
			    GEN_MAX_THREADS, "-t");
			break;
		case 'q':
			questions = optarg;
			break;
		case 'r':
			pct = gen_number(optarg, 0, 100, "-r");
			break;
		case 'u':
			cfg.users = (size_t)gen_number(optarg, 0, 10000000,
			    "-u");
			break;
		case 's':
			cfg.seed = (unsigned long long)gen_number(optarg, 0,
			    INT64_MAX, "-s");
			break;
		case 'T':
			ts = gen_number(optarg, 0, 99999999999LL, "-T");
			break;
		case 'p':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (strcmp(mode, "safe") != 0 && strcmp(mode, "plain") != 0)
		usage();
	cfg.safe = strcmp(mode, "safe") == 0;
	cfg.token = gen_env("WXKB_TOKEN", "benchtoken2020");
	cfg.appid = gen_env("WXKB_APPID", "wx0123456789abcdef");
	cfg.aes_key = gen_env("WXKB_AES_KEY",
	    "ThisIsAnOwnTestKeyForWeChatCryptoVectors012");
	cfg.to_user = "gh_0123456789ab";
	if (cfg.seed == 0)
		cfg.seed = (unsigned long long)ts;
	rng = cfg.seed * 0x9e3779b97f4a7c15ULL | 1;

	g = bench_gen_new(&cfg, questions, &cause);
	if (g == NULL) {
		fprintf(stderr, "gen_requests: %s: %s\n", questions, cause);
		return 1;
	}
	/* The last GEN_RETRY_BACK requests of each file, for retries. */
	last = calloc(threads * GEN_RETRY_BACK, sizeof *last);
	lastlen = calloc(threads * GEN_RETRY_BACK, sizeof *lastlen);
	if (last == NULL || lastlen == NULL) {
		fprintf(stderr, "gen_requests: out of memory\n");
		goto out;
	}
	for (t = 0; t < threads; t++) {
		snprintf(fname, sizeof fname, "%s.%zu.lua", argv[optind],
		    t + 1);
		fp[t] = fopen(fname, "w");
		if (fp[t] == NULL) {
			fprintf(stderr, "gen_requests: %s: %s\n", fname,
			    strerror(errno));
			goto out;
		}
		fprintf(fp[t], "-- wxkb benchmark: %s-mode callbacks for wrk "
		    "thread %zu of %zu, timestamp %lld;\n-- written by "
		    "gen_requests.  Complete HTTP requests, NUL-separated.\n"
		    "return { mode = \"%s\", timestamp = %lld, data = \"",
		    mode, t + 1, threads, ts, mode, ts);
	}

	for (i = 0; i < count; i++) {
		t = i % threads;
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		/*
		 * A WeChat retry resends a request byte for byte; copy one
		 * this thread sent shortly before, so it is still cached.
		 */
		back = (size_t)(rng >> 40) % GEN_RETRY_BACK;
		if (pct > 0 && (long long)((rng >> 8) % 100) < pct &&
		    last[t * GEN_RETRY_BACK + back] != NULL) {
			raw = strdup(last[t * GEN_RETRY_BACK + back]);
			len = lastlen[t * GEN_RETRY_BACK + back];
			retries++;
		} else {
			if (bench_gen_request(g, i, (time_t)ts, &req) != 0) {
				fprintf(stderr, "gen_requests: request %zu "
				    "failed\n", i);
				goto out;
			}
			raw = gen_http(path, &req, &len);
			bench_req_cleanup(&req);
		}
		if (raw == NULL) {
			fprintf(stderr, "gen_requests: out of memory\n");
			goto out;
		}
		gen_lua_bytes(fp[t], raw, len);
		fputs("\\000", fp[t]);
		bytes += len;
		/* Shift this thread's history by one. */
		free(last[t * GEN_RETRY_BACK + GEN_RETRY_BACK - 1]);
		memmove(&last[t * GEN_RETRY_BACK + 1],
		    &last[t * GEN_RETRY_BACK],
		    (GEN_RETRY_BACK - 1) * sizeof *last);
		memmove(&lastlen[t * GEN_RETRY_BACK + 1],
		    &lastlen[t * GEN_RETRY_BACK],
		    (GEN_RETRY_BACK - 1) * sizeof *lastlen);
		last[t * GEN_RETRY_BACK] = raw;
		lastlen[t * GEN_RETRY_BACK] = len;
	}
	status = 0;
	for (t = 0; t < threads; t++) {
		fputs("\" }\n", fp[t]);
		if (fclose(fp[t]) != 0) {
			fprintf(stderr, "gen_requests: write failed: %s\n",
			    strerror(errno));
			status = 1;
		}
		fp[t] = NULL;
	}
	if (status == 0)
		printf("gen_requests: %zu %s requests (%zu retries, %zu "
		    "questions, mean %.0f bytes) in %zu files %s.N.lua\n",
		    count, mode, retries, bench_gen_nquestions(g),
		    (double)bytes / (double)count, threads, argv[optind]);
out:
	for (t = 0; t < threads; t++) {
		if (fp[t] != NULL)
			fclose(fp[t]);
	}
	for (i = 0; last != NULL && i < threads * GEN_RETRY_BACK; i++)
		free(last[i]);
	free(last);
	free(lastlen);
	bench_gen_free(g);
	return status;
}
