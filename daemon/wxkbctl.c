/*
 * wxkbctl — the operator's command line: check and query a knowledge base
 * offline, act as WeChat against a running daemon, drive its admin API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/ctl.h"
#include "lib/log.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: wxkbctl [--config FILE] [--credentials DIR] COMMAND"
	    " [ARGS]\n\n"
	    "Offline:\n"
	    "  check FILE                 validate a knowledge-base file\n"
	    "  query [--kb FILE] TEXT     what a resident sending TEXT gets\n"
	    "Against a running wxkbd; they read its configuration (--config,\n"
	    "default %s) and its secrets\n"
	    "(--credentials DIR, else $CREDENTIALS_DIRECTORY, else %s/):\n"
	    "  simulate [--url URL] [--mode plain|compat|safe] [--openid ID]\n"
	    "           [--event subscribe | --event click KEY | --verify]"
	    " [TEXT]\n"
	    "                             act as WeChat: sign, encrypt, send,\n"
	    "                             verify and decrypt the reply\n"
	    "  reload                     reload the knowledge base\n"
	    "  stats                      questions residents asked that got"
	    " no answer\n"
	    "  push ARTICLE.json [--publish] [--mass-send]\n"
	    "      [--preview OPENID | --preview-wxname WECHAT_ID]\n"
	    "                             upload an article as a draft; publish,"
	    "\n                             preview or send it to followers\n"
	    "  menu sync | show           create the menu from the knowledge"
	    " base,\n                             or show the live one\n"
	    "  import-autoreply OUT.json  the platform's auto-reply rules as a\n"
	    "                             knowledge-base file\n"
	    "  user add|passwd|del NAME [--role editor|publisher], user list\n"
	    "                             staff accounts of the admin page;\n"
	    "                             the password from the terminal or"
	    " stdin\n\n"
	    "  --help, --version\n", CONFIG_DEFAULT_PATH,
	    CONFIG_CREDENTIALS_PATH);
}

/* Commands that read the daemon's configuration to reach it. */
struct ctl_online {
	const char	*name;
	int		(*fn)(const struct config *, int, char **);
	int		 admin;	/* 1: needs only the admin listener and
				   token; 2: only the state directory */
};
static const struct ctl_online online[] = {
	{ "simulate", ctl_simulate, 0 },
	{ "reload", ctl_reload, 1 },
	{ "stats", ctl_stats, 1 },
	{ "push", ctl_push, 1 },
	{ "menu", ctl_menu, 1 },
	{ "import-autoreply", ctl_import, 1 },
	{ "user", ctl_user, 2 },
	{ NULL, NULL, 0 },
};

/*
 * Load the daemon's configuration or exit with its one-line error.  The
 * secrets come from where the unit keeps them unless told otherwise; the
 * admin commands check only what they use, not the platform's Token.
 */
static void
wxkbctl_config(struct config *cfg, const char *path, const char *creds,
    const struct ctl_online *c)
{
	char *cause = NULL;
	int r;

	if (creds == NULL)
		creds = getenv("CREDENTIALS_DIRECTORY");
	if (creds == NULL || *creds == '\0')
		creds = CONFIG_CREDENTIALS_PATH;
	r = config_read(cfg, path, creds, &cause);
	if (r == 0 && c->admin != 2)
		r = c->admin ? config_validate_admin(cfg, &cause) :
		    config_validate(cfg, &cause);
	if (r != 0) {
		fprintf(stderr, "wxkbctl: %s\n", cause != NULL ? cause :
		    "configuration error");
		free(cause);
		config_cleanup(cfg);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char *path = NULL, *creds = NULL, *cmd;
	int i = 1, r;
	const struct ctl_online *c;

	log_init("wxkbctl", LOG_WARNING);
	log_force_stderr(1);
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("wxkbctl %s\n", WXKB_VERSION);
			return 0;
		}
		if ((strcmp(argv[i], "--config") == 0 ||
		    strcmp(argv[i], "-c") == 0) && i + 1 < argc) {
			path = argv[i + 1];
			i += 2;
			continue;
		}
		if (strcmp(argv[i], "--credentials") == 0 && i + 1 < argc) {
			creds = argv[i + 1];
			i += 2;
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[i];
	if (strcmp(cmd, "check") == 0)
		return ctl_check(argc - i, argv + i);
	if (strcmp(cmd, "query") == 0)
		return ctl_query(argc - i, argv + i);
	for (c = online; c->name != NULL; c++) {
		if (strcmp(cmd, c->name) != 0)
			continue;
		memset(&cfg, 0, sizeof cfg);
		wxkbctl_config(&cfg, path, creds, c);
		r = c->fn(&cfg, argc - i, argv + i);
		config_cleanup(&cfg);
		return r;
	}
	fprintf(stderr, "wxkbctl: unknown command \"%s\"\n\n", cmd);
	usage(stderr);
	return 2;
}
