/*
 * test_kb_residents — the shipped knowledge base against questions written
 * the way residents write (tests/data/kb_residents.tsv): colloquial,
 * dialect, traditional characters, typos, pinyin, voice-to-text, other
 * words for the same thing, years the base does not cover, and off-topic
 * messages that must never get a confident answer.  Prints the score per
 * class; the engine's own rules are tested in test_kb_match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kb/kb.h"

#define KB_FILE		"kb/data/wanggezhuang.json"
#define TABLE		"tests/data/kb_residents.tsv"
#define MAX_CLASSES	16

struct cls {
	char	 name[32];
	size_t	 n, ok;
};

static struct kb *kb;

static int
setup(void **state)
{
	struct kb_diag diag;
	int r;

	(void)state;
	memset(&diag, 0, sizeof diag);
	r = kb_load_file(KB_FILE, 1, &kb, &diag);
	kb_diag_cleanup(&diag);
	return r == KB_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	kb_unref(kb);
	return 0;
}

static struct cls *
class_of(struct cls *c, size_t *nc, const char *name)
{
	size_t i;

	for (i = 0; i < *nc; i++) {
		if (strcmp(c[i].name, name) == 0)
			return &c[i];
	}
	assert_true(*nc < MAX_CLASSES);
	snprintf(c[*nc].name, sizeof c[*nc].name, "%s", name);
	return &c[(*nc)++];
}

/* 1 when res is what want asks for. */
static int
residents_ok(const struct kb_result *res, const char *want)
{
	if (strcmp(want, "-") == 0)
		return res->kind != KB_RESULT_HIT;
	if (strcmp(want, "@period") == 0)
		return res->kind == KB_RESULT_PERIOD;
	return res->kind == KB_RESULT_HIT && strcmp(res->item->id, want) == 0;
}

static void
test_resident_table(void **state)
{
	char line[2048], *f[3], *p, *nl;
	struct cls classes[MAX_CLASSES];
	struct kb_result res;
	size_t nc = 0, lineno = 0, i, n = 0, ok = 0, off = 0;
	time_t now = time(NULL);
	struct cls *c;
	FILE *fp;

	(void)state;
	memset(classes, 0, sizeof classes);
	fp = fopen(TABLE, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (i = 0; i < 3; i++) {
			f[i] = p;
			p = strchr(p, '\t');
			if (i < 2) {
				assert_non_null(p);
				*p++ = '\0';
			}
		}
		assert_null(p);
		c = class_of(classes, &nc, f[0]);
		c->n++;
		n++;
		if (strcmp(f[2], "-") == 0)
			off++;
		kb_query(kb, f[1], strlen(f[1]), now, &res);
		if (residents_ok(&res, f[2])) {
			c->ok++;
			ok++;
			continue;
		}
		fprintf(stderr, "%s:%zu: %s \"%s\" wants %s, got %s%s\n",
		    TABLE, lineno, f[0], f[1], f[2],
		    res.kind == KB_RESULT_HIT ? "item " :
		    res.kind == KB_RESULT_PERIOD ? "out of period for " :
		    res.kind == KB_RESULT_SUGGEST ? "suggestions" : "fallback",
		    res.item != NULL ? res.item->id : "");
	}
	fclose(fp);
	for (i = 0; i < nc; i++)
		fprintf(stderr, "%-12s %3zu/%3zu\n", classes[i].name,
		    classes[i].ok, classes[i].n);
	fprintf(stderr, "%-12s %3zu/%3zu\n", "total", ok, n);
	assert_true(n - off >= 200);
	assert_true(off >= 30);
	/* Off-topic messages and other years: every one, always. */
	for (i = 0; i < nc; i++) {
		if (strcmp(classes[i].name, "offtopic") == 0 ||
		    strcmp(classes[i].name, "scope") == 0)
			assert_int_equal(classes[i].ok, classes[i].n);
	}
	/*
	 * The rest: 109 of 239 before synonyms, pinyin and coverage
	 * ranking; all but one since.  The miss is 办事处的低址: ICU reads
	 * 地 as "de" (的地得), not "di", so 低址 is no homophone of 地址.
	 */
	assert_true(ok >= n - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resident_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
