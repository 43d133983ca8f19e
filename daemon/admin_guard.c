/*
 * admin_guard — Host check and per-address back-off of the admin
 * listener.  A few hundred addresses at most reach a loopback listener,
 * so a small table searched in order is enough.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/admin_guard.h"
#include "daemon/config_safety.h"

#define ADMIN_GUARD_ADDR	64	/* an IPv6 text address fits */

struct admin_slot {
	char		 addr[ADMIN_GUARD_ADDR];
	unsigned	 failures;	/* in a row */
	long long	 until;		/* may try again from then, ms */
	long long	 seen;		/* ms */
};

struct admin_guard {
	char		*hosts;
	struct admin_slot slots[ADMIN_GUARD_SLOTS];
};

struct admin_guard *
admin_guard_new(const char *hosts)
{
	struct admin_guard *g = calloc(1, sizeof *g);

	if (g == NULL)
		return NULL;
	g->hosts = strdup(hosts != NULL ? hosts : "");
	if (g->hosts == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

void
admin_guard_free(struct admin_guard *g)
{
	if (g == NULL)
		return;
	free(g->hosts);
	free(g);
}

/* The length of the name in a Host value, without its ":port". */
static size_t
admin_host_name_len(const char *h, size_t n)
{
	const char *colon;

	if (n > 0 && h[0] == '[') {
		colon = memchr(h, ']', n);
		return colon != NULL ? (size_t)(colon - h) + 1 : n;
	}
	colon = memchr(h, ':', n);
	return colon != NULL ? (size_t)(colon - h) : n;
}

int
admin_guard_host_ok(const struct admin_guard *g, const char *host)
{
	const char *p, *end;
	size_t n, len;

	if (host == NULL || *host == '\0')
		return 0;
	n = admin_host_name_len(host, strlen(host));
	if (config_host_is_loopback(host, n))
		return 1;
	for (p = g->hosts; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		len = admin_host_name_len(p, (size_t)(end - p));
		if (len == n && strncasecmp(p, host, n) == 0)
			return 1;
	}
	return 0;
}

static struct admin_slot *
admin_guard_find(struct admin_guard *g, const char *addr)
{
	size_t i;

	for (i = 0; i < ADMIN_GUARD_SLOTS; i++) {
		if (g->slots[i].addr[0] != '\0' &&
		    strcmp(g->slots[i].addr, addr) == 0)
			return &g->slots[i];
	}
	return NULL;
}

/* A slot for addr: its own, a free one, or the least recently seen. */
static struct admin_slot *
admin_guard_take(struct admin_guard *g, const char *addr, long long now)
{
	struct admin_slot *s = admin_guard_find(g, addr), *old = NULL;
	size_t i;

	if (s != NULL)
		return s;
	for (i = 0; i < ADMIN_GUARD_SLOTS; i++) {
		s = &g->slots[i];
		if (s->addr[0] == '\0') {
			old = s;
			break;
		}
		if (old == NULL || s->seen < old->seen)
			old = s;
	}
	memset(old, 0, sizeof *old);
	strncpy(old->addr, addr, sizeof old->addr - 1);
	old->seen = now;
	return old;
}

long long
admin_guard_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
admin_guard_wait(struct admin_guard *g, const char *addr, long long now)
{
	struct admin_slot *s = admin_guard_find(g, addr);

	if (s == NULL || s->until <= now)
		return 0;
	/* A clock stepped back must not lock anyone out for long. */
	if (s->until - now > ADMIN_GUARD_MAX_WAIT * 1000LL)
		s->until = now + ADMIN_GUARD_MAX_WAIT * 1000LL;
	/* Rounded up: a client that waits as told is let in. */
	return (long)((s->until - now + 999) / 1000);
}

unsigned
admin_guard_failed(struct admin_guard *g, const char *addr, long long now)
{
	struct admin_slot *s = admin_guard_take(g, addr, now);
	unsigned over;
	long wait = 1;

	s->seen = now;
	if (s->failures < 1000000)
		s->failures++;
	if (s->failures >= ADMIN_GUARD_FREE_TRIES) {
		/* 1 s after the tenth failure, doubling, up to 15 min. */
		over = s->failures - ADMIN_GUARD_FREE_TRIES;
		while (over-- > 0 && wait < ADMIN_GUARD_MAX_WAIT)
			wait *= 2;
		if (wait > ADMIN_GUARD_MAX_WAIT)
			wait = ADMIN_GUARD_MAX_WAIT;
		s->until = now + wait * 1000LL;
	}
	return s->failures;
}

void
admin_guard_succeeded(struct admin_guard *g, const char *addr)
{
	struct admin_slot *s = admin_guard_find(g, addr);

	if (s != NULL)
		memset(s, 0, sizeof *s);
}
