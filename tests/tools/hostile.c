/*
 * hostile — the runner of the hostile-input suite.
 *
 *	hostile -m plain|safe -p PORT [-a ADMIN_PORT] [-P PID] [-j JOBS]
 *	    [-b RSS_BOUND_KIB] [-n PASSES] CASES...
 *
 * It reads the cases (format at the top of tests/hostile/cases.txt),
 * fills in their placeholders with correct or deliberately wrong
 * signatures and ciphertexts (hx_request.c), sends every request over its
 * own TCP connection to 127.0.0.1 and prints one TAP line per case.
 * Cases that stall run at the same time on up to JOBS threads while the
 * others go on one after the other; every HX_BATCH cases a valid message
 * proves the daemon still answers correctly.  A second pass (-n 2, the
 * default) repeats everything and fails when the daemon's VmRSS (of PID)
 * grew by more than RSS_BOUND_KIB over it.
 *
 * The soak's helpers are programs of their own: hostile_export,
 * hostile_gen and hostile_verify.  Secrets come from the environment
 * (hx_common.h).  Only 127.0.0.1 is ever contacted.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/tools/hx_case.h"
#include "tests/tools/hx_common.h"
#include "tests/tools/hx_request.h"

#define HX_MAX_RESP	(1024 * 1024)		/* bytes of an answer kept */
#define HX_BATCH	20	/* cases between two probes */
#define HX_PROBE_A	"87841022"

/* Statuses that are not HTTP ones. */
#define HX_ST_CLOSED	(-1)	/* closed without a status line */
#define HX_ST_TIMEOUT	(-2)	/* still open when the wait ended */
#define HX_ST_RESET	(-3)	/* reset without a status line */
#define HX_ST_CONNECT	(-4)	/* no connection */
#define HX_ST_GARBAGE	(-5)	/* bytes that are not a status line */

/* A case (or a probe) during one pass. */
struct hx_run {
	const struct hx_case *c;
	struct hx_msg	*msgs;
	int		 probe;
	int		 ok;
	char		 why[512];
};

/* The daemon under test and the pool of slow runs. */
struct hx_runner {
	int		 port;
	int		 admin_port;
	struct hx_run	*slow;
	size_t		 nslow;
	size_t		 next_slow;
	pthread_mutex_t	 slow_lock;
};

static struct hx_runner runner;

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
		hx_exchange(c->admin ? runner.admin_port : runner.port,
		    c->admin ? (127u << 24 | 1u << 16 |
		    ((unsigned)c->line & 0xffff)) : 0, &c->reqs[i],
		    &run->msgs[i]);
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
		pthread_mutex_lock(&runner.slow_lock);
		run = runner.next_slow < runner.nslow ? &runner.slow[runner.next_slow++] :
		    NULL;
		pthread_mutex_unlock(&runner.slow_lock);
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
	runner.slow = hx_alloc(n * sizeof *runner.slow);
	runner.nslow = 0;
	runner.next_slow = 0;
	for (i = 0; i < n; i++) {
		if (!runs[i].c->slow)
			continue;
		hx_run_build(&runs[i]);
		runner.slow[runner.nslow++] = runs[i];
	}
	for (nth = 0; nth < (size_t)s->jobs && nth < runner.nslow; nth++) {
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
			runs[i] = runner.slow[k++];
	}
	free(runner.slow);
	runner.slow = NULL;

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

/* --- main ---------------------------------------------------------------- */

static void __attribute__((noreturn))
hx_usage(void)
{
	fprintf(stderr,
	    "usage: hostile -m plain|safe -p PORT [-a ADMIN_PORT] [-P PID]\n"
	    "           [-j JOBS] [-b RSS_BOUND_KIB] [-n PASSES] CASES...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct hx_suite s;
	long bound = 2048, passes = 2;
	pid_t pid = 0;
	int ch, r, i;
	char *text;

	memset(&s, 0, sizeof s);
	s.jobs = 8;
	hx_init();
	pthread_mutex_init(&runner.slow_lock, NULL);
	while ((ch = getopt(argc, argv, "m:p:a:P:j:b:n:")) != -1) {
		switch (ch) {
		case 'm':
			if (hx_mode_set(optarg) != 0)
				hx_usage();
			break;
		case 'p':
			runner.port = atoi(optarg);
			break;
		case 'a':
			runner.admin_port = atoi(optarg);
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
			passes = atol(optarg);
			if (passes < 1 || passes > 100)
				hx_usage();
			break;
		default:
			hx_usage();
		}
	}
	if (optind >= argc || runner.port <= 0)
		hx_usage();
	for (i = optind; i < argc; i++) {
		text = hx_read_file(argv[i]);
		hx_parse(text, argv[i], &s.cases);
		free(text);
	}
	hx_parse(hx.mode == HX_SAFE ? hx_probe_safe : hx_probe_plain,
	    "probe", &s.probe);
	r = hx_suite_main(&s, pid, (int)passes, bound);
	hx_cases_free(&s.cases);
	hx_cases_free(&s.probe);
	hx_cleanup();
	return r != 0;
}
