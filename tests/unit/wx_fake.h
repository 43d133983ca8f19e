/*
 * wx_fake — what the WeChat API tests share: start tests/tools/fake_wechat
 * as a child on a loopback port (FAKE_WECHAT names the binary, else
 * $BUILD/tests/fake_wechat), steer it through /control, read its request
 * log, and run an event loop until a condition holds or a bounded time
 * has passed.  Every wait here is bounded; all traffic goes to 127.0.0.1.
 */
#ifndef WX_FAKE_H
#define WX_FAKE_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#define WX_FAKE_APPID	"wxFAKEAPPID0001"
#define WX_FAKE_SECRET	"fakesecret0123456789"

struct wx_fake {
	pid_t	 pid;
	int	 port;
	char	 dir[64];	/* private temp dir: log, state */
	char	 log[128];
	char	 state[128];
	char	 url[64];	/* http://127.0.0.1:PORT */
};

static inline uint64_t
wx_fake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline int
wx_fake_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * The fake's directory and the state dir in it, without the fake: for a
 * test that makes no request (wx_fake_stop() removes it).  0 or -1.
 */
static inline int
wx_fake_mkdir(struct wx_fake *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/wxkb-fake.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->log, sizeof f->log, "%s/requests.log", f->dir);
	snprintf(f->state, sizeof f->state, "%s/state", f->dir);
	return mkdir(f->state, 0700);
}

/* Start the fake; 0 or -1 (with a message on stderr). */
static inline int
wx_fake_start(struct wx_fake *f)
{
	const char *bin = getenv("FAKE_WECHAT"), *build = getenv("BUILD");
	char path[512], line[64];
	size_t n = 0;
	int fds[2];
	uint64_t deadline;
	struct pollfd pfd;
	ssize_t r;

	if (bin == NULL) {
		snprintf(path, sizeof path, "%s/tests/fake_wechat",
		    build != NULL && *build != '\0' ? build : "build");
		bin = path;
	}
	if (wx_fake_mkdir(f) != 0)
		return -1;
	if (pipe(fds) != 0)
		return -1;
	f->pid = fork();
	if (f->pid == -1)
		return -1;
	if (f->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, bin, "--log", f->log, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	deadline = wx_fake_now_ms() + 5000;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (n < sizeof line - 1 && memchr(line, '\n', n) == NULL &&
	    wx_fake_now_ms() < deadline) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = read(fds[0], line + n, sizeof line - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	line[n] = '\0';
	close(fds[0]);
	if (sscanf(line, "PORT=%d", &f->port) != 1 || f->port <= 0) {
		fprintf(stderr, "fake_wechat (%s) did not start\n", bin);
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
		return -1;
	}
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->port);
	return 0;
}

/* Stop the fake (bounded) and remove its directory. */
static inline void
wx_fake_stop(struct wx_fake *f)
{
	uint64_t deadline;
	int st;

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		deadline = wx_fake_now_ms() + 2000;
		while (waitpid(f->pid, &st, WNOHANG) == 0) {
			if (wx_fake_now_ms() > deadline) {
				kill(f->pid, SIGKILL);
				waitpid(f->pid, &st, 0);
				break;
			}
			usleep(10000);
		}
		f->pid = 0;
	}
	/* WX_FAKE_KEEP=1 keeps the request log for a look after a failure. */
	if (getenv("WX_FAKE_KEEP") != NULL)
		fprintf(stderr, "fake_wechat files kept in %s\n", f->dir);
	else if (f->dir[0] != '\0')
		nftw(f->dir, wx_fake_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static inline size_t
wx_fake_sink(char *p, size_t size, size_t n, void *arg)
{
	json_t **out = arg;
	json_error_t jerr;

	json_decref(*out);
	*out = json_loadb(p, size * n, 0, &jerr);
	return size * n;
}

/* A blocking request to the fake's control endpoint; the JSON answer. */
static inline json_t *
wx_fake_http(const struct wx_fake *f, const char *path, const char *body)
{
	char url[256];
	json_t *out = NULL;
	CURL *c = curl_easy_init();

	if (c == NULL)
		return NULL;
	snprintf(url, sizeof url, "%s%s", f->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wx_fake_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	return out;
}

/* POST /control; 0 when the fake took it. */
static inline int
wx_fake_control(const struct wx_fake *f, const char *json)
{
	json_t *r = wx_fake_http(f, "/control", json);
	int ok = json_is_true(json_object_get(r, "ok"));

	json_decref(r);
	return ok ? 0 : -1;
}

/* Requests the fake saw for path (NULL: all). */
static inline long
wx_fake_count(const struct wx_fake *f, const char *path)
{
	json_t *r = wx_fake_http(f, "/control/stats", NULL);
	long n;

	if (path == NULL)
		n = (long)json_integer_value(json_object_get(r, "total"));
	else
		n = (long)json_integer_value(json_object_get(
		    json_object_get(r, "counts"), path));
	json_decref(r);
	return n;
}

/* The fake's current token (malloc'ed). */
static inline char *
wx_fake_token(const struct wx_fake *f)
{
	json_t *r = wx_fake_http(f, "/control/stats", NULL);
	char *s = strdup(json_string_value(json_object_get(r, "token")) ?
	    json_string_value(json_object_get(r, "token")) : "");

	json_decref(r);
	return s;
}

/* The logged requests, in order, for path (NULL: all): a JSON array. */
static inline json_t *
wx_fake_requests(const struct wx_fake *f, const char *path)
{
	json_t *a = json_array(), *j;
	json_error_t jerr;
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = fopen(f->log, "r");

	if (fp == NULL)
		return a;
	while (getline(&line, &cap, fp) != -1) {
		j = json_loads(line, 0, &jerr);
		if (j == NULL)
			continue;
		if (path == NULL || strcmp(json_string_value(json_object_get(j,
		    "path")), path) == 0)
			json_array_append(a, j);
		json_decref(j);
	}
	free(line);
	fclose(fp);
	return a;
}

static inline void
wx_fake_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/*
 * Run base until *flag is non-zero or ms have passed.  Returns 1 when the
 * flag was set, 0 on timeout.
 */
static inline int
wx_fake_run(struct event_base *base, volatile int *flag, long ms)
{
	struct timeval tv;
	struct event *ev;
	int timedout = 0;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	ev = evtimer_new(base, wx_fake_deadline_cb, &timedout);
	evtimer_add(ev, &tv);
	while (!*flag && !timedout)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return *flag != 0;
}

/* Run base for ms, whatever happens. */
static inline void
wx_fake_spin(struct event_base *base, long ms)
{
	int never = 0;

	(void)wx_fake_run(base, &never, ms);
}

/* 1 when the file at path contains needle. */
/*
 * A base URL where nothing listens: a loopback port that was free a
 * moment ago and is closed now (a fixed one, such as 1, may be taken).
 * Returns 0, or -1 when no port could be had.
 */
static inline int
wx_fake_closed_url(char *url, size_t size)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd, r;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 ? 0 : -1;
	close(fd);
	if (r == 0)
		snprintf(url, size, "http://127.0.0.1:%u",
		    (unsigned)ntohs(sin.sin_port));
	return r;
}

static inline int
wx_fake_file_has(const char *path, const char *needle)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = fopen(path, "r");
	int found;

	if (fp == NULL)
		return 0;
	found = getdelim(&buf, &n, '\0', fp) > 0 && strstr(buf, needle) !=
	    NULL;
	free(buf);
	fclose(fp);
	return found;
}

#endif
