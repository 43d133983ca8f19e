/*
 * ctl_kb — `wxkbctl check FILE` and `wxkbctl query [--kb FILE] TEXT`: the
 * offline knowledge-base subcommands.  They use kb/ alone, so they work
 * without a running daemon or a configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "handlers/callback/dispatch.h"
#include "kb/kb.h"

#define CTL_DEFAULT_KB	"/var/lib/wxkbd/kb.json"

/* Load path, printing its diagnostics to stderr; NULL on failure. */
static struct kb *
ctl_kb_load(const char *path, struct kb_diag *diag)
{
	struct kb *kb = NULL;
	char *text;
	int r;

	r = kb_load_file(path, 0, &kb, diag);
	text = kb_diag_format(diag, path);
	if (text != NULL) {
		fputs(text, stderr);
		free(text);
	}
	if (r != 0) {
		fprintf(stderr, "%s: %s: %zu error%s, %zu warning%s\n", path,
		    kb_strerror(r), diag->nerrors,
		    diag->nerrors == 1 ? "" : "s", diag->nwarnings,
		    diag->nwarnings == 1 ? "" : "s");
		return NULL;
	}
	return kb;
}

int
ctl_check(int argc, char **argv)
{
	struct kb_diag diag = { 0 };
	struct kb *kb;

	if (argc != 2) {
		fprintf(stderr, "usage: wxkbctl check FILE\n");
		return 1;
	}
	kb = ctl_kb_load(argv[1], &diag);
	if (kb == NULL) {
		kb_diag_cleanup(&diag);
		return 1;
	}
	printf("%s: ok: %zu items, %zu keywords, %zu warning%s\n", argv[1],
	    kb_nitems(kb), kb_nkeywords(kb), diag.nwarnings,
	    diag.nwarnings == 1 ? "" : "s");
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	return 0;
}

static void
ctl_print_reply(const struct kb_reply *r)
{
	size_t i;

	switch (r->type) {
	case KB_REPLY_TEXT:
		printf("%s\n", r->content);
		break;
	case KB_REPLY_NEWS:
		for (i = 0; i < r->narticles; i++)
			printf("[news] %s <%s>%s%s\n", r->articles[i].title,
			    r->articles[i].url,
			    r->articles[i].description != NULL ? " " : "",
			    r->articles[i].description != NULL ?
			    r->articles[i].description : "");
		break;
	case KB_REPLY_IMAGE:
		printf("[image] media_id %s\n", r->media_id);
		break;
	case KB_REPLY_VOICE:
		printf("[voice] media_id %s\n", r->media_id);
		break;
	case KB_REPLY_VIDEO:
		printf("[video] media_id %s%s%s\n", r->media_id,
		    r->title != NULL ? " " : "",
		    r->title != NULL ? r->title : "");
		break;
	case KB_REPLY_MUSIC:
		printf("[music] %s%s%s\n", r->title != NULL ? r->title : "",
		    r->music_url != NULL ? " " : "",
		    r->music_url != NULL ? r->music_url : "");
		break;
	}
}

static void
ctl_print_item_replies(const struct kb_item *it)
{
	size_t i;

	if (it->nreplies > 1)
		printf("reply (%s of %zu):\n", it->reply_mode == KB_MODE_ALL ?
		    "all" : "one at random", it->nreplies);
	else
		printf("reply:\n");
	for (i = 0; i < it->nreplies; i++)
		ctl_print_reply(&it->replies[i]);
}

int
ctl_query(int argc, char **argv)
{
	struct kb_diag diag = { 0 };
	struct kb_result *res = NULL;
	const char *path;
	struct kb *kb = NULL;
	char *text = NULL, buf[DISPATCH_SUGGEST_MAX], why[512];
	size_t len = 0, n;
	int i, first, r = 1;

	path = getenv("WXKB_KB");
	if (path == NULL || *path == '\0')
		path = CTL_DEFAULT_KB;
	first = 1;
	if (argc > 2 && strcmp(argv[1], "--kb") == 0) {
		path = argv[2];
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: wxkbctl query [--kb FILE] TEXT\n");
		return 1;
	}
	/* The words of TEXT, as a resident would have typed them. */
	for (i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = malloc(len);
	res = malloc(sizeof *res);
	if (text == NULL || res == NULL) {
		fprintf(stderr, "wxkbctl: out of memory\n");
		goto out;
	}
	text[0] = '\0';
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(text, " ");
		strcat(text, argv[i]);
	}

	kb = ctl_kb_load(path, &diag);
	if (kb == NULL)
		goto out;
	kb_query(kb, text, strlen(text), time(NULL), res);
	printf("normalized: %s\n", res->normalized);
	printf("stage: %s\nwhy: %s\n", kb_stage_name(res->stage),
	    kb_result_why(res, why, sizeof why));
	switch (res->kind) {
	case KB_RESULT_HIT:
		printf("item: %s\ntitle: %s\n", res->item->id,
		    res->item->title);
		ctl_print_item_replies(res->item);
		break;
	case KB_RESULT_PERIOD:
	case KB_RESULT_SUGGEST:
		if (res->kind == KB_RESULT_PERIOD)
			printf("out of period: item %s covers %s, the "
			    "message asks about %d\n", res->item->id,
			    res->item->period, res->year);
		else
			printf("no confident match; %zu suggestion%s\n",
			    res->nsuggestions,
			    res->nsuggestions == 1 ? "" : "s");
		n = dispatch_result_text(kb, res, buf, sizeof buf);
		printf("reply:\n%.*s\n", (int)n, buf);
		break;
	case KB_RESULT_MISS:
	case KB_RESULT_EMPTY:
		printf("no match%s; fallback:\n",
		    res->kind == KB_RESULT_EMPTY ?
		    " (nothing left after normalization)" : "");
		ctl_print_reply(kb_fallback(kb));
		break;
	}
	r = 0;
out:
	kb_unref(kb);
	kb_diag_cleanup(&diag);
	free(res);
	free(text);
	return r;
}
