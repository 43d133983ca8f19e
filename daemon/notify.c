/*
 * notify.c — sd_notify messages and the event-loop watchdog (contract
 * in notify.h).  The environment is left in place (unset_environment 0)
 * because the watchdog reads WATCHDOG_USEC after READY=1 is sent, and a
 * reload sends READY=1 again.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "daemon/notify.h"

#define NOTIFY_STATUS_MAX	256

static struct event	*notify_wd_ev;

/* Copy text into dst as one printable line. */
static void
notify_clean(char *dst, size_t size, const char *text)
{
	size_t	i;

	for (i = 0; i + 1 < size && text[i] != '\0'; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			dst[i] = ' ';
		else
			dst[i] = text[i];
	}
	dst[i] = '\0';
}

int
notify_ready(const char *status)
{
	char	clean[NOTIFY_STATUS_MAX];

	if (status == NULL)
		return sd_notify(0, "READY=1");
	notify_clean(clean, sizeof(clean), status);
	return sd_notifyf(0, "READY=1\nSTATUS=%s", clean);
}

int
notify_reloading(void)
{
	struct timespec	ts;
	uint64_t	usec;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	/* systemd pairs this with the READY=1 that ends the reload. */
	return sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)usec);
}

int
notify_stopping(void)
{
	return sd_notify(0, "STOPPING=1");
}

int
notify_status(const char *fmt, ...)
{
	char	text[NOTIFY_STATUS_MAX], clean[NOTIFY_STATUS_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	notify_clean(clean, sizeof(clean), text);
	return sd_notifyf(0, "STATUS=%s", clean);
}

static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

int
notify_watchdog_start(struct event_base *base)
{
	uint64_t	usec = 0;
	struct timeval	tv;

	notify_watchdog_stop();
	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is us. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	notify_wd_ev = event_new(base, -1, EV_PERSIST, notify_watchdog_cb,
	    NULL);
	if (notify_wd_ev == NULL)
		return -1;
	if (event_add(notify_wd_ev, &tv) == -1) {
		notify_watchdog_stop();
		return -1;
	}
	sd_notify(0, "WATCHDOG=1");
	return 1;
}

void
notify_watchdog_stop(void)
{
	if (notify_wd_ev == NULL)
		return;
	event_free(notify_wd_ev);
	notify_wd_ev = NULL;
}
