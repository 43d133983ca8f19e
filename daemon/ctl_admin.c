/*
 * ctl_admin — wxkbctl commands that go through the admin API of a running
 * wxkbd, authenticated with WXKB_ADMIN_TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>

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
