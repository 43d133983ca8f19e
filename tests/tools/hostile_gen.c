/*
 * hostile_gen — valid safe-mode callbacks for the soak, in the format of
 * tests/bench/gen_requests (used when that program is not built).
 *
 *	hostile_gen [-n COUNT] [-t THREADS] [-r RETRY_PCT] [-q TSV] PREFIX
 *
 * Writes THREADS files PREFIX.N.lua; the questions are the first column
 * of TSV (tests/data/kb_questions.tsv by default).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/hx_common.h"
#include "tests/tools/hx_request.h"

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
 * Write count safe-mode messages over threads files PREFIX.N.lua in the
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
		fputs("-- safe-mode callbacks written by hostile_gen\n"
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
	printf("hostile_gen: %zu safe-mode requests in %zu files %s.N.lua\n",
	    count, threads, prefix);
	return 0;
}

static void __attribute__((noreturn))
hx_usage(void)
{
	fprintf(stderr, "usage: hostile_gen [-n COUNT] [-t THREADS] [-r PCT] "
	    "[-q TSV] PREFIX\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *qpath = "tests/data/kb_questions.tsv";
	long count = 60000;
	int ch, threads = 2, pct = 0, r;

	hx_init();
	while ((ch = getopt(argc, argv, "n:t:r:q:")) != -1) {
		switch (ch) {
		case 'n':
			count = atol(optarg);
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
		default:
			hx_usage();
		}
	}
	if (optind != argc - 1 || count < 1 || threads < 1 || threads > 64 ||
	    pct < 0 || pct > 100)
		hx_usage();
	r = hx_generate(argv[optind], (size_t)count, (size_t)threads, pct,
	    qpath);
	hx_cleanup();
	return r != 0;
}
