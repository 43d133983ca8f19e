/*
 * wxkbd — the message backend of the WeChat official account.  main()
 * owns the one event_base; signals arrive as events on it.
 */
#include <sys/prctl.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/config.h"
#include "daemon/config_safety.h"
#include "daemon/notify.h"
#include "daemon/server.h"
#include "daemon/worker.h"
#include "kb/kb.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/metrics.h"

/*
 * After SIGTERM: connections the kernel has queued are still accepted for
 * WXKBD_GRACE_MS, then the listeners close and responses still being
 * written get WXKBD_DRAIN_MS.
 */
#define WXKBD_GRACE_MS	100
#define WXKBD_DRAIN_MS	500
/* How often state such as unanswered questions is saved. */
#define WXKBD_FLUSH_S	60

struct wxkbd {
	struct event_base	*base;
	struct server		*server;
	struct workers		*workers;	/* NULL with one loop */
	int			 stopping;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: wxkbd [--config FILE] [--check-config]\n"
	    "       wxkbd --help | --version\n\n"
	    "The message backend of a WeChat official account: verifies and\n"
	    "answers WeChat's callbacks from a keyword knowledge base.\n\n"
	    "  -c, --config FILE   configuration file [%s]\n"
	    "  -n, --check-config  validate the configuration and the\n"
	    "                      knowledge base, then exit\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n\n"
	    "Signals: TERM/INT stop after the requests in flight, HUP reloads\n"
	    "the knowledge base.\n\n", CONFIG_DEFAULT_PATH);
	config_usage(fp);
}

/* --check-config: the configuration is valid; is the knowledge base? */
static int
wxkbd_check(const struct config *cfg)
{
	struct kb_diag diag;
	struct kb *kb = NULL;
	char *text;
	int r;

	memset(&diag, 0, sizeof diag);
	r = kb_load_file(cfg->kb, 1, &kb, &diag);
	text = kb_diag_format(&diag, cfg->kb);
	if (text != NULL && *text != '\0')
		fputs(text, stderr);
	free(text);
	kb_diag_cleanup(&diag);
	if (r != KB_OK) {
		fprintf(stderr, "wxkbd: knowledge base %s is not valid\n",
		    cfg->kb);
		return 1;
	}
	printf("wxkbd: configuration ok: %s mode, listening on %s%s, "
	    "knowledge base %s with %zu items\n", config_mode_name(cfg->mode),
	    cfg->listen, cfg->path, cfg->kb, kb_nitems(kb));
	kb_unref(kb);
	return 0;
}

/* Tell systemd we serve, with a status line an operator can read. */
static void
wxkbd_ready(const struct wxkbd *w)
{
	char status[128];

	server_status(w->server, status, sizeof status);
	notify_ready(status);
}

static void
wxkbd_close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wxkbd *w = arg;
	struct timeval drain = { 0, WXKBD_DRAIN_MS * 1000 };

	(void)fd;
	(void)what;
	server_stop_accepting(w->server);
	workers_stop(w->workers);
	event_base_loopexit(w->base, &drain);
}

static void
wxkbd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct wxkbd *w = arg;
	struct timeval accept_grace = { 0, WXKBD_GRACE_MS * 1000 };

	(void)what;
	switch (sig) {
	case SIGHUP:
		log_notice("reload_requested", "SIGHUP: reloading");
		notify_reloading();
		(void)server_reload(w->server);
		wxkbd_ready(w);
		break;
	case SIGTERM:
	case SIGINT:
		if (w->stopping)
			break;
		w->stopping = 1;
		notify_stopping();
		log_notice("stop", "signal %d: stopping after requests in "
		    "flight", (int)sig);
		/* Take in what the kernel already queued, then close. */
		event_base_once(w->base, -1, EV_TIMEOUT, wxkbd_close_cb, w,
		    &accept_grace);
		break;
	}
}

static void
wxkbd_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wxkbd *w = arg;

	char status[128];

	(void)fd;
	(void)what;
	server_flush(w->server);
	server_status(w->server, status, sizeof status);
	notify_status("%s", status);
}

/*
 * A start-up failure: logged at priority err with its WXKB_EVENT, so that
 * `journalctl -u wxkbd -p warning` says why the unit did not start.
 */
static int
wxkbd_fail(const char *event, char *cause, const char *fallback)
{
	log_err(event, "%s", cause != NULL ? cause : fallback);
	free(cause);
	return 1;
}

static void
wxkbd_libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warn("libevent", "%s", msg);
	else
		log_debug("libevent: %s", msg);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct event *sigev[3], *flush;
	struct timeval every = { WXKBD_FLUSH_S, 0 };
	struct config cfg;
	struct wxkbd w;
	const char *path = NULL, *event;
	char *cause = NULL, status[128];
	int ch, check = 0;
	size_t i;

	while ((ch = getopt_long(argc, argv, "c:nhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wxkbd %s\n", WXKB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("wxkbd", LOG_INFO);
	metrics_init();
	/* No core dump, no ptrace by other users: memory holds the secrets. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (config_load(&cfg, path, &cause) != 0 ||
	    config_check_safety(&cfg, &cause) != 0) {
		config_cleanup(&cfg);
		return wxkbd_fail("config_error", cause,
		    "configuration error");
	}
	log_set_level(cfg.log_level);
	/* Local dates are the office's, whatever the server's zone. */
	if (setenv("TZ", cfg.tz, 1) != 0)
		fatal("setenv TZ");
	tzset();
	if (check) {
		ch = wxkbd_check(&cfg);
		config_cleanup(&cfg);
		return ch;
	}
	event_set_log_callback(wxkbd_libevent_log_cb);
	signal(SIGPIPE, SIG_IGN);
	http_raise_fd_limit();

	memset(&w, 0, sizeof w);
	/* Workers share the server: libevent's own locks must be on. */
	if (cfg.workers > 1 && evthread_use_pthreads() != 0)
		fatalx("libevent without thread support");
	w.base = event_base_new();
	if (w.base == NULL)
		fatalx("event_base_new failed");
	w.server = server_new(w.base, &cfg, &cause, &event);
	if (w.server == NULL) {
		event_base_free(w.base);
		config_cleanup(&cfg);
		return wxkbd_fail(event, cause, "cannot start");
	}
	w.workers = workers_start(w.server, &cfg, cfg.workers, &cause);
	if (w.workers == NULL && cause != NULL) {
		server_free(w.server);
		event_base_free(w.base);
		config_cleanup(&cfg);
		/* The workers bind their own listeners on WXKB_LISTEN. */
		log_err("listen_failed", "WXKB_LISTEN: %s", cause);
		free(cause);
		return 1;
	}
	for (i = 0; i < 3; i++) {
		sigev[i] = evsignal_new(w.base, sigs[i], wxkbd_signal_cb, &w);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) != 0)
			fatalx("cannot watch signal %d", sigs[i]);
	}
	flush = event_new(w.base, -1, EV_PERSIST, wxkbd_flush_cb, &w);
	if (flush == NULL || event_add(flush, &every) != 0)
		fatalx("cannot add the flush timer");

	server_status(w.server, status, sizeof status);
	log_notice("start", "wxkbd %s serving %s%s in %s mode; %s",
	    WXKB_VERSION, cfg.listen, cfg.path, config_mode_name(cfg.mode),
	    status);
	if (notify_watchdog_start(w.base) < 0)
		fatalx("cannot start the watchdog timer");
	wxkbd_ready(&w);
	event_base_dispatch(w.base);
	notify_watchdog_stop();
	workers_join(w.workers);

	server_flush(w.server);
	log_notice("stopped", "wxkbd stopped");
	for (i = 0; i < 3; i++)
		event_free(sigev[i]);
	event_free(flush);
	server_free(w.server);
	event_base_free(w.base);
	config_cleanup(&cfg);
	return 0;
}
