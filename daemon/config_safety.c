/* config_safety — refuse the configurations that expose a secret. */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/config.h"
#include "daemon/config_safety.h"
#include "lib/cause.h"
#include "lib/http.h"

#define CONFIG_MAX_HOSTS_LEN	1024

int
config_host_is_loopback(const char *host, size_t n)
{
	char buf[64];
	struct in_addr a4;
	struct in6_addr a6;

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, buf, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* "yes" or "no" (or empty, which is no); -1 for anything else. */
static int
config_yes(const char *v)
{
	if (strcmp(v, "yes") == 0)
		return 1;
	if (strcmp(v, "no") == 0 || *v == '\0')
		return 0;
	return -1;
}

/* The host of an http:// URL: up to the port, path, query or fragment. */
static int
config_http_loopback(const char *url)
{
	const char *h = url + strlen("http://"), *end;

	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL)
			return 0;
		end++;
	} else
		end = h + strcspn(h, ":/?#");
	if (strchr(h, '@') != NULL && strchr(h, '@') < h + strcspn(h, "/?#"))
		return 0;	/* user@host: judge nothing so odd */
	return config_host_is_loopback(h, (size_t)(end - h));
}

/* Comma-separated host names: letters, digits, '.', '-', brackets, ':'. */
static int
config_hosts_ok(const char *v)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[],";

	return strlen(v) <= CONFIG_MAX_HOSTS_LEN && strspn(v, ok) ==
	    strlen(v) && strstr(v, ",,") == NULL && v[0] != ',';
}

int
config_check_safety(const struct config *cfg, char **cause)
{
	char *host = NULL;
	int port, demo, insecure, loop;

	demo = config_yes(cfg->demo);
	insecure = config_yes(cfg->admin_insecure_listen);
	if (demo < 0 || insecure < 0) {
		cause_set(cause, "%s: must be yes or no", demo < 0 ?
		    "WXKB_DEMO" : "WXKB_ADMIN_INSECURE_LISTEN");
		return -1;
	}
	if (strncmp(cfg->api_base, "http://", 7) == 0 &&
	    !config_http_loopback(cfg->api_base)) {
		cause_set(cause, "WXKB_API_BASE: http:// would send the "
		    "AppSecret and access tokens in clear; use https:// "
		    "(plain http:// is only for a loopback test server)");
		return -1;
	}
	if (!demo && strcmp(cfg->token, CONFIG_DEMO_TOKEN) == 0) {
		cause_set(cause, "WXKB_TOKEN: is the demo Token of the example "
		    "configuration; set the platform's Token (credential "
		    "\"token\"); the demo values serve only `make run`, "
		    "which sets WXKB_DEMO=yes");
		return -1;
	}
	if (*cfg->admin_listen == '\0')
		return 0;
	if (!demo && strcmp(cfg->admin_token, CONFIG_DEMO_ADMIN_TOKEN) == 0) {
		cause_set(cause, "WXKB_ADMIN_TOKEN: is the demo admin token of "
		    "the example configuration; put a random one of at least "
		    "16 characters in the credential \"admin_token\" (e.g. "
		    "`openssl rand -hex 24`)");
		return -1;
	}
	if (*cfg->metrics_token != '\0' && strlen(cfg->metrics_token) < 16) {
		cause_set(cause, "WXKB_METRICS_TOKEN: must be at least 16 "
		    "characters (or empty: /metrics takes the admin token)");
		return -1;
	}
	if (!config_hosts_ok(cfg->admin_hosts)) {
		cause_set(cause, "WXKB_ADMIN_HOSTS: must be host names "
		    "separated by commas, at most %d bytes",
		    CONFIG_MAX_HOSTS_LEN);
		return -1;
	}
	/* The syntax was checked by config_validate(). */
	if (http_split_hostport(cfg->admin_listen, &host, &port) != 0)
		return 0;
	loop = config_host_is_loopback(host, strlen(host));
	free(host);
	if (!loop && !insecure) {
		cause_set(cause, "WXKB_ADMIN_LISTEN: %s is not a loopback "
		    "address: the admin token would cross the network in "
		    "clear; keep 127.0.0.1 and reach it over an SSH tunnel, "
		    "or set WXKB_ADMIN_INSECURE_LISTEN=yes when TLS is in "
		    "front", cfg->admin_listen);
		return -1;
	}
	return 0;
}

int
config_admin_over_tls(const struct config *cfg)
{
	char *host = NULL;
	int port, loop;

	if (config_yes(cfg->admin_insecure_listen) == 1)
		return 1;
	if (http_split_hostport(cfg->admin_listen, &host, &port) != 0)
		return 0;
	loop = config_host_is_loopback(host, strlen(host));
	free(host);
	return !loop;
}
