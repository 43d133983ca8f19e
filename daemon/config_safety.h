/*
 * config_safety — configurations that would work but expose a secret or
 * the service: an AppSecret sent over plain HTTP, the shipped demo
 * credentials, an admin listener off loopback.  Each is refused, at start
 * and by --check-config, with one line naming the fix.
 */
#ifndef CONFIG_SAFETY_H
#define CONFIG_SAFETY_H

#include <stddef.h>

struct config;

/* The demo values of systemd/wxkbd.conf, which `make run` uses. */
#define CONFIG_DEMO_TOKEN	"wxkbdemo2020"
#define CONFIG_DEMO_ADMIN_TOKEN	"demo-admin-token-change-me"

/*
 * Check the rules above and the syntax of WXKB_ADMIN_INSECURE_LISTEN,
 * WXKB_DEMO, WXKB_ADMIN_HOSTS and WXKB_METRICS_TOKEN.  Returns 0, or -1
 * with *cause (malloc'ed) set.
 */
int	config_check_safety(const struct config *, char **cause);

/*
 * 1 when the n bytes at host name the machine itself: "localhost",
 * 127.0.0.0/8 or ::1 (with or without brackets).
 */
int	config_host_is_loopback(const char *host, size_t n);

/*
 * 1 when browsers reach the admin listener over TLS: it listens off
 * loopback, or WXKB_ADMIN_INSECURE_LISTEN=yes says TLS is in front (the
 * session cookie is then Secure).
 */
int	config_admin_over_tls(const struct config *);

#endif
