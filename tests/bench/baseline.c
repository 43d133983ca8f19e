/*
 * baseline — the HTTP ceiling of this machine for the benchmark: a bare
 * libevent evhttp server that answers every POST with one fixed small
 * XML reply, with no parsing and no crypto.  It sets up evhttp as wxkbd's
 * listener does (same body and header limits, timeout and response
 * headers), so the gap between the two is the cost of our own code.
 *
 *	baseline [-w workers] host:port
 *
 * Each worker is a thread with its own event loop and its own listening
 * socket on the same port (SO_REUSEPORT), as WXKB_WORKERS does for the
 * daemon.  TERM or INT stops them all.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "lib/http.h"

#define BASELINE_MAX_WORKERS	64

/* A passive text reply of a typical size. */
static const char baseline_reply[] =
    "<xml><ToUserName><![CDATA[oq017aAqRYEwFAhSajBDQUQD8Jc1]]>"
    "</ToUserName><FromUserName><![CDATA[gh_0123456789ab]]>"
    "</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA["
    "王哥庄街道办事处党政办公室电话：0532-87841022，"
    "工作日 9:00-17:00。]]></Content></xml>";

struct baseline_worker {
	struct event_base	*base;
	struct evhttp		*http;
	pthread_t		 thread;
};

static struct baseline_worker	 baseline_workers[BASELINE_MAX_WORKERS];
static int			 baseline_nworkers = 1;

static void
baseline_request_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evhttp_add_header(h, "Content-Type",
	    "application/xml; charset=utf-8");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evbuffer_add(out, "method not allowed\n", 19);
		evhttp_send_reply(req, 405, NULL, NULL);
		return;
	}
	evbuffer_add(out, baseline_reply, sizeof baseline_reply - 1);
	evhttp_send_reply(req, 200, NULL, NULL);
}

static void
baseline_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	int i;

	(void)sig;
	(void)what;
	(void)arg;
	for (i = 0; i < baseline_nworkers; i++)
		event_base_loopbreak(baseline_workers[i].base);
}

/* One worker's loop on its own socket; fatal on setup errors. */
static void
baseline_setup(struct baseline_worker *w, const struct sockaddr *sa,
    int salen)
{
	struct timeval tv = { HTTP_TIMEOUT, 0 };
	struct evconnlistener *l;

	w->base = event_base_new();
	if (w->base == NULL) {
		fprintf(stderr, "baseline: event_base_new failed\n");
		exit(1);
	}
	w->http = evhttp_new(w->base);
	if (w->http == NULL) {
		fprintf(stderr, "baseline: evhttp_new failed\n");
		exit(1);
	}
	evhttp_set_max_body_size(w->http, HTTP_MAX_BODY);
	evhttp_set_max_headers_size(w->http, HTTP_MAX_HEADERS);
	evhttp_set_timeout_tv(w->http, &tv);
	evhttp_set_gencb(w->http, baseline_request_cb, NULL);
	l = evconnlistener_new_bind(w->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_EXEC, -1, sa, salen);
	if (l == NULL || evhttp_bind_listener(w->http, l) == NULL) {
		fprintf(stderr, "baseline: cannot listen: %s\n",
		    strerror(errno));
		exit(1);
	}
}

static void *
baseline_run(void *arg)
{
	struct baseline_worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct event *sigs[2];
	int salen = sizeof ss, ch, i;
	char *end;
	long v;

	while ((ch = getopt(argc, argv, "w:")) != -1) {
		switch (ch) {
		case 'w':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 ||
			    v > BASELINE_MAX_WORKERS) {
				fprintf(stderr, "baseline: -w: 1 to %d\n",
				    BASELINE_MAX_WORKERS);
				return 2;
			}
			baseline_nworkers = (int)v;
			break;
		default:
			fprintf(stderr, "usage: baseline [-w workers] "
			    "host:port\n");
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: baseline [-w workers] host:port\n");
		return 2;
	}
	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(argv[optind], (struct sockaddr *)&ss,
	    &salen) != 0) {
		fprintf(stderr, "baseline: %s: not host:port\n", argv[optind]);
		return 2;
	}
	/* Other threads' loops are stopped from the signal callback. */
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "baseline: no libevent thread support\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < baseline_nworkers; i++)
		baseline_setup(&baseline_workers[i], (struct sockaddr *)&ss,
		    salen);
	sigs[0] = evsignal_new(baseline_workers[0].base, SIGTERM,
	    baseline_signal_cb, NULL);
	sigs[1] = evsignal_new(baseline_workers[0].base, SIGINT,
	    baseline_signal_cb, NULL);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    evsignal_add(sigs[0], NULL) != 0 ||
	    evsignal_add(sigs[1], NULL) != 0) {
		fprintf(stderr, "baseline: cannot watch signals\n");
		return 1;
	}
	for (i = 1; i < baseline_nworkers; i++) {
		if (pthread_create(&baseline_workers[i].thread, NULL,
		    baseline_run, &baseline_workers[i]) != 0) {
			fprintf(stderr, "baseline: cannot start worker %d\n",
			    i);
			return 1;
		}
	}
	baseline_run(&baseline_workers[0]);
	for (i = 1; i < baseline_nworkers; i++)
		pthread_join(baseline_workers[i].thread, NULL);
	event_free(sigs[0]);
	event_free(sigs[1]);
	for (i = 0; i < baseline_nworkers; i++) {
		evhttp_free(baseline_workers[i].http);
		event_base_free(baseline_workers[i].base);
	}
	return 0;
}
