/*
 * ctl_admin — wxkbctl commands that go through the admin API of a running
 * wxkbd, authenticated with WXKB_ADMIN_TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/config.h"
#include "daemon/ctl.h"
#include "daemon/ctl_http.h"

int
ctl_reload(const struct config *cfg, int argc, char **argv)
{
	struct ctl_http_reply rep;
	char *url;
	int r = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: wxkbctl reload\n");
		return 2;
	}
	if (*cfg->admin_listen == '\0') {
		fprintf(stderr, "wxkbctl: WXKB_ADMIN_LISTEN is off\n");
		return 1;
	}
	url = ctl_http_url(cfg->admin_listen, "/api/kb/reload");
	if (url == NULL)
		return 1;
	if (ctl_http("POST", url, "application/json", "{}", 2,
	    cfg->admin_token, &rep) == 0) {
		if (rep.status == 200) {
			printf("reloaded\n");
			r = 0;
		} else
			fprintf(stderr, "wxkbctl: reload refused (HTTP %ld): "
			    "%.300s", rep.status, rep.body);
		free(rep.body);
	}
	free(url);
	return r;
}

/* `wxkbctl stats`: the questions residents asked that got no answer. */
int
ctl_stats(const struct config *cfg, int argc, char **argv)
{
	struct ctl_http_reply rep;
	json_error_t jerr;
	json_t *j, *q, *item;
	char *url;
	size_t i;
	int r = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: wxkbctl stats\n");
		return 2;
	}
	if (*cfg->admin_listen == '\0') {
		fprintf(stderr, "wxkbctl: WXKB_ADMIN_LISTEN is off\n");
		return 1;
	}
	url = ctl_http_url(cfg->admin_listen, "/api/stats/unanswered");
	if (url == NULL)
		return 1;
	if (ctl_http("GET", url, NULL, NULL, 0, cfg->admin_token, &rep) != 0) {
		free(url);
		return 1;
	}
	free(url);
	if (rep.status != 200) {
		fprintf(stderr, "wxkbctl: stats refused (HTTP %ld)\n",
		    rep.status);
		free(rep.body);
		return 1;
	}
	j = json_loadb(rep.body, rep.len, 0, &jerr);
	q = json_object_get(j, "questions");
	if (!json_is_array(q)) {
		fprintf(stderr, "wxkbctl: unexpected answer from wxkbd\n");
		goto out;
	}
	printf("%zu unanswered questions (count, question):\n",
	    json_array_size(q));
	json_array_foreach(q, i, item) {
		printf("%6lld  %s\n",
		    (long long)json_integer_value(json_object_get(item,
		    "count")), json_string_value(json_object_get(item,
		    "text")) != NULL ? json_string_value(json_object_get(item,
		    "text")) : "");
	}
	r = 0;
out:
	json_decref(j);
	free(rep.body);
	return r;
}
