/*
 * notify — the daemon's side of Type=notify: readiness, reload and stop
 * announcements, STATUS= lines for `systemctl status`, and the watchdog
 * ping.  Every call is a no-op returning 0 when NOTIFY_SOCKET is unset
 * (not started by systemd); otherwise it returns what sd_notify does:
 * > 0 sent, < 0 a negative errno.  Nothing here is worth failing over.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

struct event_base;

/* READY=1, with STATUS=status when status is not NULL. */
int	notify_ready(const char *status);

/*
 * RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC now>; follow it with
 * notify_ready() once the reload is done, whatever its result.
 */
int	notify_reloading(void);

/* STOPPING=1: the daemon is draining and will exit. */
int	notify_stopping(void);

/*
 * STATUS=<formatted text>, one line of at most 255 bytes: control bytes
 * become spaces, so the text cannot add assignments of its own.
 */
int	notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * When systemd set WATCHDOG_USEC for this process, add a persistent timer
 * to base that sends WATCHDOG=1 every half interval.  It runs on the
 * event loop, so a stalled loop misses its pings and systemd restarts
 * it.  Returns 1 when the timer runs, 0 when no watchdog is asked for,
 * -1 when the timer could not be set up.  Calling it again restarts it.
 */
int	notify_watchdog_start(struct event_base *base);

/* Remove the watchdog timer (before freeing base); safe to repeat. */
void	notify_watchdog_stop(void);

#endif
