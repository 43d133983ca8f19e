/*
 * ctl_admin — wxkbctl commands that go through the admin API of a running
 * wxkbd, authenticated with WXKB_ADMIN_TOKEN.  The daemon stays the only
 * holder of the WeChat token: push and menu go through it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/config.h"
#include "daemon/ctl.h"
#include "daemon/ctl_http.h"
#include "handlers/wechat/wx_article.h"

/*
 * Call the admin API: method on path with an optional JSON body.  Returns
 * the parsed answer of a 2xx (caller decrefs), or NULL after printing why
 * (the daemon's own "error" text when it gave one).
 */
static json_t *
ctl_admin_call(const struct config *cfg, const char *method,
    const char *path, const json_t *body, long timeout)
{
	struct ctl_http_reply rep;
	json_error_t jerr;
	json_t *j = NULL;
	char *url, *text = NULL;
	const char *err;

	if (*cfg->admin_listen == '\0') {
		fprintf(stderr, "wxkbctl: WXKB_ADMIN_LISTEN is off\n");
		return NULL;
	}
	url = ctl_http_url(cfg->admin_listen, path);
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	if (url == NULL || (body != NULL && text == NULL)) {
		free(url);
		return NULL;
	}
	if (ctl_http(method, url, "application/json", text != NULL ? text :
	    "{}", text != NULL ? strlen(text) : 2, cfg->admin_token, timeout,
	    &rep) != 0)
		goto out;
	j = json_loadb(rep.body, rep.len, 0, &jerr);
	if (rep.status < 200 || rep.status > 299) {
		err = json_string_value(json_object_get(j, "error"));
		fprintf(stderr, "wxkbctl: %s refused (HTTP %ld): %s\n", path,
		    rep.status, err != NULL ? err : rep.body);
		json_decref(j);
		j = NULL;
	} else if (j == NULL)
		fprintf(stderr, "wxkbctl: %s: the answer is not JSON\n",
		    path);
	free(rep.body);
out:
	free(url);
	free(text);
	return j;
}

/* Print one string member when present. */
static void
ctl_print(const json_t *j, const char *key, const char *label)
{
	const char *v = json_string_value(json_object_get(j, key));

	if (v != NULL && *v != '\0')
		printf("%s%s\n", label, v);
}

int
ctl_reload(const struct config *cfg, int argc, char **argv)
{
	json_t *j;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: wxkbctl reload\n");
		return 2;
	}
	j = ctl_admin_call(cfg, "POST", "/api/kb/reload", NULL,
	    CTL_HTTP_TIMEOUT);
	if (j == NULL)
		return 1;
	printf("reloaded: generation %lld\n", (long long)json_integer_value(
	    json_object_get(j, "generation")));
	json_decref(j);
	return 0;
}

/* `wxkbctl stats`: the questions residents asked that got no answer. */
int
ctl_stats(const struct config *cfg, int argc, char **argv)
{
	json_t *j, *q, *item;
	size_t i;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: wxkbctl stats\n");
		return 2;
	}
	j = ctl_admin_call(cfg, "GET", "/api/stats/unanswered", NULL,
	    CTL_HTTP_TIMEOUT);
	if (j == NULL)
		return 1;
	q = json_object_get(j, "questions");
	printf("%zu unanswered questions (count, question):\n",
	    json_array_size(q));
	/* WXKB_REDIS: the cluster's, or those last read while it is away. */
	if (json_is_string(json_object_get(j, "cluster")))
		printf("(%lld instances; cluster %s)\n",
		    (long long)json_integer_value(json_object_get(j,
		    "instances")), json_string_value(json_object_get(j,
		    "cluster")));
	json_array_foreach(q, i, item) {
		const char *t = json_string_value(json_object_get(item,
		    "text"));

		printf("%6lld  %s\n", (long long)json_integer_value(
		    json_object_get(item, "count")), t != NULL ? t : "");
	}
	json_decref(j);
	return 0;
}

/*
 * `wxkbctl push ARTICLE.json [--publish] [--mass-send] [--preview OPENID |
 * --preview-wxname WECHAT_ID]`
 */
int
ctl_push(const struct config *cfg, int argc, char **argv)
{
	struct wx_push_opts opts;
	struct wx_article art;
	json_t *body, *j;
	const char *file = NULL;
	char *cause = NULL;
	int i;

	memset(&opts, 0, sizeof opts);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--publish") == 0)
			opts.publish = 1;
		else if (strcmp(argv[i], "--mass-send") == 0)
			opts.mass_send = 1;
		else if ((strcmp(argv[i], "--preview") == 0 ||
		    strcmp(argv[i], "--preview-wxname") == 0) && i + 1 < argc &&
		    strlen(argv[i + 1]) < sizeof opts.preview &&
		    opts.preview[0] == '\0') {
			opts.preview_wxname = strcmp(argv[i], "--preview") != 0;
			snprintf(opts.preview, sizeof opts.preview, "%s",
			    argv[++i]);
		}
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else {
			file = NULL;
			break;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "usage: wxkbctl push ARTICLE.json [--publish]"
		    " [--mass-send]\n"
		    "       [--preview OPENID | --preview-wxname WECHAT_ID]\n");
		return 2;
	}
	if (wx_article_load(file, &art, &cause) != 0) {
		fprintf(stderr, "wxkbctl: %s: %s\n", file, cause);
		free(cause);
		return 1;
	}
	body = wx_article_request_json(&art, &opts);
	wx_article_cleanup(&art);
	if (body == NULL)
		return 1;
	j = ctl_admin_call(cfg, "POST", "/api/push", body,
	    CTL_HTTP_TIMEOUT_LONG);
	json_decref(body);
	if (j == NULL)
		return 1;
	ctl_print(j, "message", "");
	ctl_print(j, "draft_media_id", "draft: ");
	ctl_print(j, "article_url", "article: ");
	json_decref(j);
	return 0;
}

/* `wxkbctl menu sync | show` */
int
ctl_menu(const struct config *cfg, int argc, char **argv)
{
	json_t *j;
	int sync;

	if (argc != 2 || (strcmp(argv[1], "sync") != 0 &&
	    strcmp(argv[1], "show") != 0)) {
		fprintf(stderr, "usage: wxkbctl menu sync | show\n");
		return 2;
	}
	sync = strcmp(argv[1], "sync") == 0;
	j = ctl_admin_call(cfg, sync ? "POST" : "GET", sync ?
	    "/api/menu/sync" : "/api/menu", NULL, CTL_HTTP_TIMEOUT * 3);
	if (j == NULL)
		return 1;
	if (sync)
		printf("menu created from the knowledge base\n");
	else
		ctl_print(j, "text", "");
	json_decref(j);
	return 0;
}

/* `wxkbctl import-autoreply OUT.json`: the platform's rules as a KB. */
int
ctl_import(const struct config *cfg, int argc, char **argv)
{
	json_t *j;
	const char *w;
	int r = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: wxkbctl import-autoreply OUT.json\n");
		return 2;
	}
	j = ctl_admin_call(cfg, "POST", "/api/import-autoreply", NULL,
	    CTL_HTTP_TIMEOUT * 3);
	if (j == NULL)
		return 1;
	if (json_dump_file(json_object_get(j, "kb"), argv[1],
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		fprintf(stderr, "wxkbctl: cannot write %s\n", argv[1]);
	else {
		printf("wrote %s; check it with: wxkbctl check %s\n",
		    argv[1], argv[1]);
		r = 0;
	}
	w = json_string_value(json_object_get(j, "warnings"));
	if (w != NULL && *w != '\0')
		fprintf(stderr, "%s\n", w);
	json_decref(j);
	return r;
}
