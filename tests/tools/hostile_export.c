/*
 * hostile_export — the single-request refusals of the hostile cases as a
 * Lua table, for the soak's wrk script (tests/hostile/soak.lua).
 *
 *	hostile_export -m plain|safe -o OUT.lua CASES...
 *
 * Only cases that leave a kept-alive connection usable are taken: one
 * request, a plain 4xx other than 413, not slow, not raw, not half-closed,
 * not for the admin listener, and not marked "soak: no".
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/hx_case.h"
#include "tests/tools/hx_common.h"
#include "tests/tools/hx_request.h"

/* 1 when status spec is one plain 4xx a kept-alive connection survives. */
static int
hx_soak_status(const char *spec)
{
	int st;

	if (strlen(spec) != 3 || !isdigit((unsigned char)spec[0]))
		return 0;
	st = atoi(spec);
	return st >= 400 && st < 500 && st != 413;
}

/*
 * Export the single-request refusals of the cases for the daemon's mode:
 * a Lua table { data = "req\0req\0...", expect = { 400, ... } }.
 */
static int
hx_export(const struct hx_cases *cs, const char *path)
{
	struct dbuf expect = { NULL, 0, 0 };
	struct hx_vars v;
	struct hx_msg m;
	const struct hx_case *c;
	size_t i, n = 0;
	FILE *fp;

	fp = fopen(path, "w");
	if (fp == NULL)
		hx_die("%s: %s", path, strerror(errno));
	fputs("-- hostile requests for the soak, written by hostile_export\n"
	    "return { data = \"", fp);
	for (i = 0; i < cs->n; i++) {
		c = &cs->v[i];
		if (!(c->modes & hx.mode) || c->admin || !c->soak ||
		    c->nreqs != 1 || c->slow || c->reqs[0].raw ||
		    c->reqs[0].shut || !hx_soak_status(c->reqs[0].expect))
			continue;
		hx_vars_init(&v, c->line);
		hx_build(&v, &c->reqs[0], 1, &m);
		/* NUL separates the requests: one holding it stays out. */
		if (memchr(m.out.p, '\0', m.out.len) == NULL) {
			hx_lua_bytes(fp, m.out.p, m.out.len);
			fputs("\\000", fp);
			dbuf_add(&expect, " ", 1);
			dbuf_adds(&expect, c->reqs[0].expect);
			dbuf_add(&expect, ",", 1);
			n++;
		}
		dbuf_free(&m.out);
	}
	fprintf(fp, "\",\n  expect = {%s } }\n", expect.p != NULL ?
	    expect.p : "");
	dbuf_free(&expect);
	if (fclose(fp) != 0)
		hx_die("%s: %s", path, strerror(errno));
	printf("hostile_export: %zu hostile requests in %s\n", n, path);
	return n > 0 ? 0 : 1;
}

static void __attribute__((noreturn))
hx_usage(void)
{
	fprintf(stderr, "usage: hostile_export -m plain|safe -o OUT.lua "
	    "CASES...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct hx_cases cases;
	const char *out = NULL;
	char *text;
	int ch, r, i;

	memset(&cases, 0, sizeof cases);
	hx_init();
	while ((ch = getopt(argc, argv, "m:o:")) != -1) {
		switch (ch) {
		case 'm':
			if (hx_mode_set(optarg) != 0)
				hx_usage();
			break;
		case 'o':
			out = optarg;
			break;
		default:
			hx_usage();
		}
	}
	if (out == NULL || optind >= argc)
		hx_usage();
	for (i = optind; i < argc; i++) {
		text = hx_read_file(argv[i]);
		hx_parse(text, argv[i], &cases);
		free(text);
	}
	r = hx_export(&cases, out);
	hx_cases_free(&cases);
	hx_cleanup();
	return r != 0;
}
