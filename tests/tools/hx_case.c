/*
 * hx_case — the case file of the hostile-input suite (format at the top
 * of tests/hostile/cases.txt): "=== name" starts a case, attribute lines
 * follow, "--- EXPECT [option ...]" starts each request.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/hx_case.h"
#include "tests/tools/hx_common.h"

static char *
hx_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Replace every "{N}" in s by value; malloc'ed. */
static char *
hx_subst_n(const char *s, const char *value)
{
	struct dbuf b = { NULL, 0, 0 };
	const char *hit;

	while ((hit = strstr(s, "{N}")) != NULL) {
		dbuf_add(&b, s, (size_t)(hit - s));
		dbuf_adds(&b, value);
		s = hit + 3;
	}
	dbuf_adds(&b, s);
	return b.p;
}

/* Parse "--- EXPECT [option ...]" into r. */
static void
hx_parse_section(char *line, int lineno, struct hx_req *r)
{
	char *tok, *save = NULL;

	memset(r, 0, sizeof *r);
	r->line = lineno;
	r->wait = HX_TIMEOUT;
	tok = strtok_r(line, " \t", &save);
	if (tok == NULL)
		hx_die("line %d: '---' without an expected status", lineno);
	r->expect = strdup(tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "want=", 5) == 0)
			r->want = strdup(tok + 5);
		else if (strncmp(tok, "ts=", 3) == 0)
			r->ts = strdup(tok + 3);
		else if (strncmp(tok, "nonce=", 6) == 0)
			r->nonce = strdup(tok + 6);
		else if (strcmp(tok, "raw") == 0)
			r->raw = 1;
		else if (strcmp(tok, "shut") == 0)
			r->shut = 1;
		else if (strncmp(tok, "drip=", 5) == 0)
			r->drip_ms = atoi(tok + 5);
		else if (strncmp(tok, "wait=", 5) == 0)
			r->wait = atof(tok + 5);
		else
			hx_die("line %d: unknown option '%s'", lineno, tok);
	}
	if (r->wait <= 0 || r->wait > 60)
		hx_die("line %d: wait must be in (0, 60]", lineno);
}

/* Values of "for: N=a,b..c": appended to vals as strings. */
static size_t
hx_parse_for(const char *spec, int lineno, char ***vals)
{
	char *copy, *tok, *save = NULL, *dots, buf[24];
	long a, b, x;
	size_t n = 0;

	if (strncmp(spec, "N=", 2) != 0)
		hx_die("line %d: for: takes N=list", lineno);
	copy = strdup(spec + 2);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = hx_trim(tok);
		dots = strstr(tok, "..");
		if (dots != NULL) {
			*dots = '\0';
			a = strtol(tok, NULL, 0);
			b = strtol(dots + 2, NULL, 0);
		} else {
			/* A word stands for itself. */
			*vals = realloc(*vals, (n + 1) * sizeof **vals);
			(*vals)[n++] = strdup(tok);
			continue;
		}
		if (b < a || b - a > 100000)
			hx_die("line %d: bad range", lineno);
		for (x = a; x <= b; x++) {
			snprintf(buf, sizeof buf, "%ld", x);
			*vals = realloc(*vals, (n + 1) * sizeof **vals);
			if (*vals == NULL)
				hx_die("out of memory");
			(*vals)[n++] = strdup(buf);
		}
	}
	free(copy);
	return n;
}

static char *
hx_strdup0(const char *s)
{
	return s != NULL ? hx_strndup(s, strlen(s)) : NULL;
}

/* Release what case c holds, and clear it. */
static void
hx_case_clear(struct hx_case *c)
{
	struct hx_req *r;
	size_t k;

	for (k = 0; k < c->nreqs; k++) {
		r = &c->reqs[k];
		free(r->expect);
		free(r->want);
		free(r->ts);
		free(r->nonce);
		free(r->text);
	}
	free(c->reqs);
	free(c->name);
	memset(c, 0, sizeof *c);
}

static void
hx_add_case(struct hx_cases *cs, const struct hx_case *c, char **vals,
    size_t nvals)
{
	struct hx_case *d;
	size_t i, k, count = nvals > 0 ? nvals : 1;

	if (c->nreqs == 0)
		hx_die("line %d: case '%s' has no request", c->line, c->name);
	cs->v = realloc(cs->v, (cs->n + count) * sizeof *cs->v);
	if (cs->v == NULL)
		hx_die("out of memory");
	for (i = 0; i < count; i++) {
		d = &cs->v[cs->n++];
		*d = *c;
		d->reqs = hx_alloc(c->nreqs * sizeof *d->reqs);
		d->name = nvals > 0 ? hx_subst_n(c->name, vals[i]) :
		    strdup(c->name);
		for (k = 0; k < c->nreqs; k++) {
			d->reqs[k] = c->reqs[k];
			d->reqs[k].expect = hx_strdup0(c->reqs[k].expect);
			d->reqs[k].want = hx_strdup0(c->reqs[k].want);
			d->reqs[k].ts = hx_strdup0(c->reqs[k].ts);
			d->reqs[k].nonce = hx_strdup0(c->reqs[k].nonce);
			d->reqs[k].text = nvals > 0 ?
			    hx_subst_n(c->reqs[k].text, vals[i]) :
			    strdup(c->reqs[k].text);
			if (d->reqs[k].wait >= HX_SLOW ||
			    d->reqs[k].drip_ms > 0)
				d->slow = 1;
		}
	}
}

/*
 * Read the cases of text (named file, for messages) into cs.  Lines
 * before the first "===" and attribute lines starting with '#' are
 * comments.
 */
void
hx_parse(const char *text, const char *file, struct hx_cases *cs)
{
	struct hx_case c;
	struct dbuf sec = { NULL, 0, 0 };
	char **vals = NULL, *line, *p, *key, *val;
	size_t nvals = 0, i;
	int lineno = 0, in_case = 0, in_req = 0;
	const char *s = text, *nl;

	memset(&c, 0, sizeof c);
	for (;;) {
		nl = strchr(s, '\n');
		if (nl == NULL && *s == '\0')
			break;
		line = hx_strndup(s, nl != NULL ? (size_t)(nl - s) :
		    strlen(s));
		lineno++;
		s = nl != NULL ? nl + 1 : s + strlen(s);
		if (strncmp(line, "===", 3) == 0 ||
		    strncmp(line, "---", 3) == 0) {
			if (in_req) {
				c.reqs[c.nreqs - 1].text = sec.p != NULL ?
				    sec.p : strdup("");
				memset(&sec, 0, sizeof sec);
				in_req = 0;
			}
		}
		if (strncmp(line, "===", 3) == 0) {
			if (in_case)
				hx_add_case(cs, &c, vals, nvals);
			for (i = 0; i < nvals; i++)
				free(vals[i]);
			free(vals);
			vals = NULL;
			nvals = 0;
			hx_case_clear(&c);
			c.name = strdup(hx_trim(line + 3));
			c.modes = HX_PLAIN | HX_SAFE;
			c.soak = 1;
			c.line = lineno;
			in_case = 1;
		} else if (strncmp(line, "---", 3) == 0) {
			if (!in_case)
				hx_die("%s:%d: '---' outside a case", file,
				    lineno);
			c.reqs = realloc(c.reqs, (c.nreqs + 1) *
			    sizeof *c.reqs);
			if (c.reqs == NULL)
				hx_die("out of memory");
			hx_parse_section(line + 3, lineno, &c.reqs[c.nreqs++]);
			in_req = 1;
		} else if (line[0] == '#') {
			/* A comment, even between a request's lines. */
		} else if (in_req) {
			if (sec.len > 0 || sec.p != NULL)
				dbuf_add(&sec, "\n", 1);
			dbuf_adds(&sec, line);
		} else if (in_case && *hx_trim(line) != '\0' &&
		    *hx_trim(line) != '#') {
			p = hx_trim(line);
			val = strchr(p, ':');
			if (val == NULL)
				hx_die("%s:%d: not 'key: value'", file, lineno);
			*val++ = '\0';
			key = hx_trim(p);
			val = hx_trim(val);
			if (strcmp(key, "mode") == 0) {
				if (strcmp(val, "plain") == 0)
					c.modes = HX_PLAIN;
				else if (strcmp(val, "safe") == 0)
					c.modes = HX_SAFE;
				else if (strcmp(val, "any") == 0)
					c.modes = HX_PLAIN | HX_SAFE;
				else
					hx_die("%s:%d: mode is plain, safe or "
					    "any", file, lineno);
			} else if (strcmp(key, "port") == 0)
				c.admin = strcmp(val, "admin") == 0;
			else if (strcmp(key, "soak") == 0)
				c.soak = strcmp(val, "no") != 0;
			else if (strcmp(key, "for") == 0)
				nvals = hx_parse_for(val, lineno, &vals);
			else
				hx_die("%s:%d: unknown attribute '%s'", file,
				    lineno, key);
		}
		free(line);
	}
	if (in_req)
		c.reqs[c.nreqs - 1].text = sec.p != NULL ? sec.p : strdup("");
	if (in_case)
		hx_add_case(cs, &c, vals, nvals);
	hx_case_clear(&c);
	for (i = 0; i < nvals; i++)
		free(vals[i]);
	free(vals);
}

void
hx_cases_free(struct hx_cases *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		hx_case_clear(&cs->v[i]);
	free(cs->v);
	memset(cs, 0, sizeof *cs);
}
