/*
 * bench_kb — how the knowledge base scales: build time and per-message
 * match cost of the given knowledge base, then of a generated one with
 * 10,000 items and 50,000 keywords, their ratio, and the memory the
 * compiled structures take.  A benchmark that prints figures, not a test.
 *
 *	bench_kb KB.json
 *
 * Both knowledge bases are queried with messages made the same way from
 * their own items (a keyword inside a question, a title with a typo) and
 * with the same unrelated questions, so the ratio compares like with like.
 * Some of those are written the way residents write (traditional
 * characters, a homophone, pinyin), which the later stages answer.  The
 * normalization alone (NFKC, case, traditional to simplified) is timed
 * too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kb/kb.h"
#include "kb/kb_fold.h"
#include "kb/kb_norm.h"
#include "lib/file.h"

#define BENCH_ITEMS	10000
#define BENCH_KEYWORDS	5		/* per generated item */
#define BENCH_ALPHABET	3000		/* CJK ideographs used */
#define BENCH_MSGS	300
#define BENCH_ROUND_NS	20000000.0	/* one round of queries */
#define BENCH_ROUNDS	25		/* the fastest round counts */

static const char *const bench_unrelated[] = {
	"今天天气怎么样", "附近有什么好吃的饭店", "你们几点下班呀",
	"我家孩子上学的事找谁", "快递放哪里了", "谢谢你们的帮助！",
	"周末有什么活动吗😀", "Hello, is anyone there?", "？？？",
	"茶叶什么时候采摘最好", "海边浴场开放了吗", "怎么坐公交去青岛市区",
	"辦事處電話多少", "政府凯放日", "gongyigang butie",
	"2021年公益性岗位有多少个",
};

struct msgset {
	char	*text[BENCH_MSGS];
	size_t	 len[BENCH_MSGS];
	size_t	 n;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t bench_seed = 0x9e3779b97f4a7c15ULL;
/* Results feed this so the compiler cannot drop the queries. */
static volatile uintptr_t bench_sink;

static uint32_t
bench_rand(void)
{
	bench_seed ^= bench_seed << 13;
	bench_seed ^= bench_seed >> 7;
	bench_seed ^= bench_seed << 17;
	return (uint32_t)(bench_seed >> 16);
}

static size_t
bench_put_cp(char *p, uint32_t cp)
{
	p[0] = (char)(0xe0 | (cp >> 12));
	p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	p[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static void
bench_add(struct msgset *m, const char *pre, const char *s, const char *post)
{
	char buf[512];
	int n;

	if (m->n == BENCH_MSGS)
		return;
	n = snprintf(buf, sizeof buf, "%s%s%s", pre, s, post);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	m->text[m->n] = strdup(buf);
	m->len[m->n] = (size_t)n;
	if (m->text[m->n] != NULL)
		m->n++;
}

/* Questions built from the knowledge base's own items. */
static void
bench_messages(const struct kb *kb, struct msgset *m)
{
	const struct kb_item *it;
	char title[256];
	size_t i, k, step, n = kb_nitems(kb), tl;

	memset(m, 0, sizeof *m);
	step = n / 200 > 0 ? n / 200 : 1;
	for (i = 0; i < n && m->n < 200; i += step) {
		it = kb_item_at(kb, i);
		k = bench_rand() % it->nkeywords;
		if (bench_rand() & 1)
			bench_add(m, "请问", it->keywords[k], "怎么办理？");
		else
			bench_add(m, "", it->keywords[k], "在哪里可以查到");
	}
	/* A title with its second character replaced: a typo. */
	for (i = 0; i < n && m->n < 260; i += step * 2 + 1) {
		it = kb_item_at(kb, i);
		tl = strlen(it->title);
		if (tl < 6 || tl >= sizeof title)
			continue;
		memcpy(title, it->title, tl + 1);
		if (((unsigned char)title[0] & 0xf0) == 0xe0 &&
		    ((unsigned char)title[3] & 0xf0) == 0xe0)
			bench_put_cp(title + 3, 0x4e00 + bench_rand() % 20000);
		bench_add(m, "", title, "");
	}
	for (i = 0; m->n < BENCH_MSGS; i++)
		bench_add(m, "", bench_unrelated[i %
		    (sizeof bench_unrelated / sizeof bench_unrelated[0])], "");
}

static void
bench_free_messages(struct msgset *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->text[i]);
}

/* Message classes timed separately. */
enum { SEL_ALL, SEL_HIT, SEL_OTHER, SEL_N };

struct bench {
	const char	*name;
	struct kb	*kb;
	struct msgset	 m;
	double		 build_ms;
	size_t		 hits, suggest, miss;
	size_t		 sel[SEL_N][BENCH_MSGS];	/* message indices */
	size_t		 nsel[SEL_N];
	double		 ns[SEL_N];		/* best round so far */
	double		 norm_ns;		/* kb_norm alone */
};

static void
bench_build(struct bench *b, const char *json, size_t len)
{
	struct kb_diag d = { 0 };
	double t0;
	char *text;
	int i, r;

	for (i = 0; i < 3; i++) {
		kb_unref(b->kb);
		kb_diag_cleanup(&d);
		t0 = bench_now();
		r = kb_load_buffer(json, len, 1, &b->kb, &d);
		t0 = bench_now() - t0;
		if (r != 0) {
			text = kb_diag_format(&d, b->name);
			fprintf(stderr, "%s%s\n", text ? text : "",
			    kb_strerror(r));
			exit(1);
		}
		if (i == 0 || t0 / 1e6 < b->build_ms)
			b->build_ms = t0 / 1e6;
	}
	kb_diag_cleanup(&d);
}

/* Build, make the messages and sort them into classes. */
static void
bench_prepare(struct bench *b, const char *name, const char *json,
    size_t len)
{
	static struct kb_result res;
	size_t i;
	int c;

	memset(b, 0, sizeof *b);
	b->name = name;
	bench_build(b, json, len);
	bench_messages(b->kb, &b->m);
	for (i = 0; i < b->m.n; i++) {
		kb_query(b->kb, b->m.text[i], b->m.len[i], 0, &res);
		b->hits += res.kind == KB_RESULT_HIT;
		b->suggest += res.kind == KB_RESULT_SUGGEST;
		b->miss += res.kind == KB_RESULT_MISS ||
		    res.kind == KB_RESULT_EMPTY;
		c = res.kind == KB_RESULT_HIT ? SEL_HIT : SEL_OTHER;
		b->sel[c][b->nsel[c]++] = i;
		b->sel[SEL_ALL][b->nsel[SEL_ALL]++] = i;
	}
}

/* One timed round over class c; keeps the fastest per-message time. */
static void
bench_round(struct bench *b, int c)
{
	static struct kb_result res;
	const struct msgset *m = &b->m;
	size_t i, k;
	double t0, el;
	long iters = 0;

	if (b->nsel[c] == 0)
		return;
	t0 = bench_now();
	do {
		for (i = 0; i < b->nsel[c]; i++) {
			k = b->sel[c][i];
			kb_query(b->kb, m->text[k], m->len[k], 0, &res);
			bench_sink += (uintptr_t)res.item +
			    res.nsuggestions;
		}
		iters++;
		el = bench_now() - t0;
	} while (el < BENCH_ROUND_NS);
	el /= (double)iters * (double)b->nsel[c];
	if (b->ns[c] == 0 || el < b->ns[c])
		b->ns[c] = el;
}

/* One timed round of kb_norm alone over every message. */
static void
bench_norm_round(struct bench *b)
{
	static char out[KB_MAX_QUERY + 1];
	const struct msgset *m = &b->m;
	size_t i;
	double t0, el;
	long iters = 0;

	t0 = bench_now();
	do {
		for (i = 0; i < m->n; i++)
			bench_sink += kb_norm(m->text[i], m->len[i], out,
			    sizeof out);
		iters++;
		el = bench_now() - t0;
	} while (el < BENCH_ROUND_NS);
	el /= (double)iters * (double)m->n;
	if (b->norm_ns == 0 || el < b->norm_ns)
		b->norm_ns = el;
}

/*
 * Time both knowledge bases in alternating rounds and keep each one's
 * fastest round: other work on the machine only ever slows a round down,
 * and alternating exposes both to the same conditions.
 */
static void
bench_measure(struct bench *b, size_t n)
{
	size_t i;
	int round, c;

	for (round = 0; round < BENCH_ROUNDS; round++) {
		for (c = 0; c < SEL_N; c++) {
			for (i = 0; i < n; i++)
				bench_round(&b[i], c);
		}
		for (i = 0; i < n; i++)
			bench_norm_round(&b[i]);
	}
}

static void
bench_print(const struct bench *b)
{
	struct kb_memstat mem;

	kb_memory(b->kb, &mem);
	printf("%s: %zu items, %zu keywords\n", b->name, kb_nitems(b->kb),
	    kb_nkeywords(b->kb));
	printf("  build (parse, validate, compile): %.2f ms\n", b->build_ms);
	printf("  %zu messages: %zu hit, %zu suggest, %zu fallback\n",
	    b->m.n, b->hits, b->suggest, b->miss);
	printf("  match: %.0f ns/message (hits %.0f, others %.0f), of which "
	    "normalization %.0f\n", b->ns[SEL_ALL], b->ns[SEL_HIT],
	    b->ns[SEL_OTHER], b->norm_ns);
	printf("  memory: automaton %.2f MiB, suggestion index %.2f MiB, "
	    "items %.2f MiB, total %.2f MiB\n",
	    mem.automaton / 1048576.0, mem.suggest / 1048576.0,
	    mem.items / 1048576.0, mem.total / 1048576.0);
}

/*
 * The ideographs of generated keywords: ones that normalization keeps as
 * they are (no traditional form folding onto another), so the 50,000
 * keywords stay distinct.
 */
static uint32_t bench_alpha[BENCH_ALPHABET];

static void
bench_alphabet(void)
{
	uint32_t cp = 0x4e00;
	size_t n = 0;

	for (; n < BENCH_ALPHABET; cp++) {
		if (kb_fold_han(cp) == cp)
			bench_alpha[n++] = cp;
	}
}

/* A JSON knowledge base of random CJK items; malloc'ed, *len set. */
static char *
bench_generate(size_t *len)
{
	size_t cap = 64 * 1024 * 1024, n = 0, i, k, c, nc;
	uint32_t idx;
	char *p;

	p = malloc(cap);
	if (p == NULL)
		return NULL;
	n += (size_t)sprintf(p, "{\"version\":1,\"account\":\"bench\","
	    "\"welcome\":{\"type\":\"text\",\"content\":\"w\"},"
	    "\"fallback\":{\"type\":\"text\",\"content\":\"f\"},\"items\":[");
	for (i = 0; i < BENCH_ITEMS; i++) {
		n += (size_t)sprintf(p + n, "%s{\"id\":\"g%zu\",\"title\":\"",
		    i ? "," : "", i);
		nc = 6 + bench_rand() % 7;
		for (c = 0; c < nc; c++)
			n += bench_put_cp(p + n,
			    bench_alpha[bench_rand() % BENCH_ALPHABET]);
		n += (size_t)sprintf(p + n, "\",%s\"keywords\":[",
		    i % 20 == 0 ? "\"match\":\"exact\"," : "");
		for (k = 0; k < BENCH_KEYWORDS; k++) {
			/* Two characters spell the keyword's number, so all
			   50,000 are distinct; 0 to 3 random ones follow. */
			idx = (uint32_t)(i * BENCH_KEYWORDS + k);
			n += (size_t)sprintf(p + n, "%s\"", k ? "," : "");
			n += bench_put_cp(p + n,
			    bench_alpha[idx % BENCH_ALPHABET]);
			n += bench_put_cp(p + n,
			    bench_alpha[idx / BENCH_ALPHABET]);
			nc = bench_rand() % 4;
			for (c = 0; c < nc; c++)
				n += bench_put_cp(p + n,
				    bench_alpha[bench_rand() % BENCH_ALPHABET]);
			p[n++] = '"';
		}
		n += (size_t)sprintf(p + n, "],\"priority\":%u,\"reply\":"
		    "{\"type\":\"text\",\"content\":\"answer %zu\"}}",
		    bench_rand() % 3, i);
	}
	n += (size_t)sprintf(p + n, "]}");
	*len = n;
	return p;
}

int
main(int argc, char **argv)
{
	static struct bench b[2];
	struct rusage ru;
	char *json, *cause = NULL;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_kb KB.json\n");
		return 1;
	}
	bench_alphabet();
	if (file_read(argv[1], KB_MAX_FILE, &json, &len, &cause) != 0) {
		fprintf(stderr, "bench_kb: %s\n", cause ? cause : argv[1]);
		return 1;
	}
	bench_prepare(&b[0], argv[1], json, len);
	free(json);

	json = bench_generate(&len);
	if (json == NULL) {
		fprintf(stderr, "bench_kb: out of memory\n");
		return 1;
	}
	bench_prepare(&b[1], "generated", json, len);
	free(json);
	printf("generated JSON: %.1f MiB\n", len / 1048576.0);

	bench_measure(b, 2);
	bench_print(&b[0]);
	bench_print(&b[1]);
	printf("per-message ratio generated / %s: %.2f (hits %.2f, others "
	    "%.2f)\n", argv[1], b[1].ns[SEL_ALL] / b[0].ns[SEL_ALL],
	    b[1].ns[SEL_HIT] / b[0].ns[SEL_HIT],
	    b[1].ns[SEL_OTHER] / b[0].ns[SEL_OTHER]);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of this process: %.1f MiB\n", ru.ru_maxrss / 1024.0);
	bench_free_messages(&b[0].m);
	bench_free_messages(&b[1].m);
	kb_unref(b[0].kb);
	kb_unref(b[1].kb);
	return 0;
}
