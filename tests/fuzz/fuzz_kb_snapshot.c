/*
 * fuzz_kb_snapshot — kb_snapshot_parse() on any bytes: what another
 * instance published in Redis is input from the network.  It must refuse
 * with a reason or give both stores; a snapshot read back and dumped
 * again is a fixed point (the second dump equals the first), and merging
 * it into an empty view keeps its counts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_snapshot.h"
#include "tests/fuzz/fuzz_check.h"


int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The snapshot of st and un; malloc'ed, length in *len. */
static char *
dump(const struct kb_stats *st, const struct kb_unanswered *un, size_t *len)
{
	json_t *js = kb_stats_json(st), *ju = kb_unanswered_json(un, 0);
	char *text;

	CHECK(js != NULL && ju != NULL);
	text = kb_snapshot_dump(js, ju, len);
	json_decref(js);
	json_decref(ju);
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_stats *st = NULL, *st2 = NULL;
	struct kb_unanswered *un = NULL, *un2 = NULL, *view;
	char *cause = NULL, *one, *two, *merged;
	size_t n1, n2, nm;
	int r;

	r = kb_snapshot_parse((const char *)data, size, "fuzz", &st, &un,
	    &cause);
	if (r != 0) {
		CHECK(st == NULL && un == NULL);
		CHECK(cause != NULL && *cause != '\0');
		free(cause);
		return 0;
	}
	CHECK(st != NULL && un != NULL && cause == NULL);
	one = dump(st, un, &n1);
	CHECK(one != NULL);
	CHECK(kb_snapshot_parse(one, n1, "fuzz", &st2, &un2, &cause) == 0);
	two = dump(st2, un2, &n2);
	CHECK(two != NULL && n1 == n2 && memcmp(one, two, n1) == 0);

	/* Merged into nothing, the counts are its own. */
	view = kb_unanswered_new(0);
	CHECK(view != NULL);
	kb_unanswered_merge(view, un);
	merged = dump(st, view, &nm);
	CHECK(merged != NULL && nm == n1 && memcmp(merged, one, n1) == 0);

	free(merged);
	free(one);
	free(two);
	kb_unanswered_free(view);
	kb_unanswered_free(un);
	kb_unanswered_free(un2);
	kb_stats_free(st);
	kb_stats_free(st2);
	return 0;
}
