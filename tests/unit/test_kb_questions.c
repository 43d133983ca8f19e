/*
 * test_kb_questions — the residents' question table against the shipped
 * knowledge base: each question must get its item (or, for "-", must not
 * get any confident answer), and every item must be reachable.
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
#define TABLE		"tests/data/kb_questions.tsv"

static struct kb *kb;

static int
setup(void **state)
{
	struct kb_diag diag;
	int r;

	(void)state;
	memset(&diag, 0, sizeof diag);
	r = kb_load_file(KB_FILE, 1, &kb, &diag);
	if (r != KB_OK || diag.nwarnings != 0) {
		char *text = kb_diag_format(&diag, KB_FILE);

		fprintf(stderr, "%s", text != NULL ? text : "");
		free(text);
	}
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

static void
test_shipped_kb_is_clean(void **state)
{
	struct kb_diag diag;
	struct kb *k = NULL;

	(void)state;
	memset(&diag, 0, sizeof diag);
	assert_int_equal(kb_load_file(KB_FILE, 1, &k, &diag), KB_OK);
	assert_int_equal(diag.nerrors, 0);
	assert_int_equal(diag.nwarnings, 0);
	assert_true(kb_nitems(k) >= 40);
	assert_non_null(kb_welcome(k));
	assert_non_null(kb_fallback(k));
	/* The fallback must give residents the office's phone. */
	assert_non_null(strstr(kb_fallback(k)->content, "87841022"));
	kb_diag_cleanup(&diag);
	kb_unref(k);
}

static void
test_question_table(void **state)
{
	char line[1024], *tab, *want, *nl;
	struct kb_result res;
	unsigned char *reached;
	size_t i, lineno = 0, nq = 0, bad = 0;
	time_t now = time(NULL);
	FILE *fp;

	(void)state;
	reached = calloc(kb_nitems(kb), 1);
	assert_non_null(reached);
	fp = fopen(TABLE, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		want = tab + 1;
		nq++;
		kb_query(kb, line, strlen(line), now, &res);
		if (strcmp(want, "-") == 0) {
			if (res.kind == KB_RESULT_HIT) {
				fprintf(stderr, "%s:%zu: \"%s\" must not match, "
				    "got %s\n", TABLE, lineno, line,
				    res.item->id);
				bad++;
			}
			continue;
		}
		if (res.kind != KB_RESULT_HIT ||
		    strcmp(res.item->id, want) != 0) {
			fprintf(stderr, "%s:%zu: \"%s\" wants %s, got %s\n",
			    TABLE, lineno, line, want,
			    res.kind == KB_RESULT_HIT ? res.item->id :
			    "no match");
			bad++;
			continue;
		}
		for (i = 0; i < kb_nitems(kb); i++) {
			if (kb_item_at(kb, i) == res.item)
				reached[i] = 1;
		}
	}
	fclose(fp);
	assert_true(nq >= 60);
	for (i = 0; i < kb_nitems(kb); i++) {
		if (!reached[i]) {
			fprintf(stderr, "item %s is reached by no question\n",
			    kb_item_at(kb, i)->id);
			bad++;
		}
	}
	free(reached);
	assert_int_equal(bad, 0);
}

/* Menu keys of the shipped file all lead to an item. */
static void
test_menu_keys(void **state)
{
	const struct kb_item *it;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < kb_nitems(kb); i++) {
		it = kb_item_at(kb, i);
		if (it->menu_key == NULL)
			continue;
		assert_ptr_equal(kb_find_menu_key(kb, it->menu_key,
		    time(NULL)), it);
		n++;
	}
	assert_true(n >= 3);
	assert_null(kb_find_menu_key(kb, "NO_SUCH_KEY", time(NULL)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_kb_is_clean),
		cmocka_unit_test(test_question_table),
		cmocka_unit_test(test_menu_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
