/*
 * gen_kb — a large knowledge base for the memory and throughput figures
 * of the benchmark: N items of random CJK titles, five distinct keywords
 * each and answers of realistic length, plus a TSV of questions built
 * from those keywords (in the format of tests/data/kb_questions.tsv).
 *
 *	gen_kb [-n items] [-s seed] KB.json QUESTIONS.tsv
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kb/kb_norm.h"

#define GEN_KB_MAX_ITEMS	20000	/* KB_MAX_ITEMS */
#define GEN_KB_KEYWORDS		5
#define GEN_KB_ALPHABET		3000	/* CJK ideographs used */
#define GEN_KB_QUESTIONS	1000

static uint64_t gen_kb_state = 0x9e3779b97f4a7c15ULL;

/*
 * The ideographs used: the first GEN_KB_ALPHABET from U+4E00 on that
 * normalization leaves as they are.  A traditional character folds to
 * its simplified one, so two keywords spelled with the two would be one
 * keyword, which the loader refuses.
 */
static uint32_t gen_kb_alphabet[GEN_KB_ALPHABET];

static void
gen_kb_utf8(uint32_t cp, char out[3])
{
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
}

static int
gen_kb_alphabet_init(void)
{
	char in[3], out[8];
	uint32_t cp = 0x4e00;
	size_t n = 0;

	for (; n < GEN_KB_ALPHABET && cp <= 0x9fff; cp++) {
		gen_kb_utf8(cp, in);
		if (kb_norm(in, sizeof in, out, sizeof out) == sizeof in &&
		    memcmp(in, out, sizeof in) == 0)
			gen_kb_alphabet[n++] = cp;
	}
	return n == GEN_KB_ALPHABET ? 0 : -1;
}

static uint32_t
gen_kb_rand(void)
{
	gen_kb_state ^= gen_kb_state << 13;
	gen_kb_state ^= gen_kb_state >> 7;
	gen_kb_state ^= gen_kb_state << 17;
	return (uint32_t)(gen_kb_state >> 16);
}

/* Write the ideograph number n (0 .. GEN_KB_ALPHABET-1) as UTF-8. */
static void
gen_kb_cp(FILE *fp, uint32_t n)
{
	char u[3];

	gen_kb_utf8(gen_kb_alphabet[n], u);
	fwrite(u, 1, sizeof u, fp);
}

static void
gen_kb_random_text(FILE *fp, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* A full-width comma now and then, as in real answers. */
		if (i > 0 && i % 17 == 0)
			fputs("，", fp);
		else
			gen_kb_cp(fp, gen_kb_rand() % GEN_KB_ALPHABET);
	}
}

/*
 * Keyword k of item i: two ideographs spell its number, so all keywords
 * are distinct; extra random ones follow (fixed by the item's seed).
 */
static void
gen_kb_keyword(FILE *fp, size_t i, size_t k)
{
	uint32_t idx = (uint32_t)(i * GEN_KB_KEYWORDS + k);
	uint64_t saved = gen_kb_state;
	size_t c, extra;

	gen_kb_state = (uint64_t)idx * 0x9e3779b97f4a7c15ULL + 1;
	gen_kb_cp(fp, idx % GEN_KB_ALPHABET);
	gen_kb_cp(fp, idx / GEN_KB_ALPHABET);
	extra = gen_kb_rand() % 3;
	for (c = 0; c < extra; c++)
		gen_kb_cp(fp, gen_kb_rand() % GEN_KB_ALPHABET);
	gen_kb_state = saved;
}

int
main(int argc, char **argv)
{
	static const char *const pre[] = { "请问", "", "我想问一下", "" };
	static const char *const post[] = { "怎么办理？", "在哪里可以查到",
	    "", "找谁" };
	FILE *kb, *qs;
	size_t n = 10000, i, k, step;
	char *end;
	long v;
	int ch;

	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 ||
			    v > GEN_KB_MAX_ITEMS) {
				fprintf(stderr, "gen_kb: -n: 1 to %d\n",
				    GEN_KB_MAX_ITEMS);
				return 2;
			}
			n = (size_t)v;
			break;
		case 's':
			gen_kb_state ^= strtoull(optarg, NULL, 10) | 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (gen_kb_alphabet_init() != 0) {
		fprintf(stderr, "gen_kb: too few ideographs normalize to "
		    "themselves\n");
		return 1;
	}
	kb = fopen(argv[optind], "w");
	qs = fopen(argv[optind + 1], "w");
	if (kb == NULL || qs == NULL) {
		fprintf(stderr, "gen_kb: %s\n", strerror(errno));
		return 1;
	}

	fputs("{\"version\":1,\"account\":\"bench\",\"welcome\":"
	    "{\"type\":\"text\",\"content\":\"欢迎关注\"},"
	    "\"fallback\":{\"type\":\"text\","
	    "\"content\":\"抱歉，暂时没有找到相关答案。\"},\"items\":[\n", kb);
	for (i = 0; i < n; i++) {
		fprintf(kb, "%s{\"id\":\"g%05zu\",\"title\":\"",
		    i ? ",\n" : "", i);
		gen_kb_random_text(kb, 6 + gen_kb_rand() % 7);
		fprintf(kb, "\",%s\"keywords\":[",
		    i % 20 == 0 ? "\"match\":\"exact\"," : "");
		for (k = 0; k < GEN_KB_KEYWORDS; k++) {
			fputs(k ? ",\"" : "\"", kb);
			gen_kb_keyword(kb, i, k);
			fputc('"', kb);
		}
		fprintf(kb, "],\"priority\":%u,\"reply\":{\"type\":\"text\","
		    "\"content\":\"", gen_kb_rand() % 3);
		/* 60 to 200 ideographs: the length of the shipped answers. */
		gen_kb_random_text(kb, 60 + gen_kb_rand() % 141);
		fputs("\"}}", kb);
	}
	fputs("\n]}\n", kb);

	fprintf(qs, "# %zu questions for the %zu-item knowledge base written "
	    "by gen_kb\n", (size_t)GEN_KB_QUESTIONS, n);
	step = n / GEN_KB_QUESTIONS > 0 ? n / GEN_KB_QUESTIONS : 1;
	for (i = 0, k = 0; k < GEN_KB_QUESTIONS; i = (i + step) % n, k++) {
		/* Exact items only answer their keyword alone. */
		fputs(i % 20 == 0 ? "" : pre[k % 4], qs);
		gen_kb_keyword(qs, i, k % GEN_KB_KEYWORDS);
		fprintf(qs, "%s\tg%05zu\n", i % 20 == 0 ? "" : post[k % 4], i);
	}
	if (fclose(kb) != 0 || fclose(qs) != 0) {
		fprintf(stderr, "gen_kb: write failed: %s\n", strerror(errno));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: gen_kb [-n items] [-s seed] KB.json "
	    "QUESTIONS.tsv\n");
	return 2;
}
