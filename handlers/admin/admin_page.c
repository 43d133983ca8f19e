/*
 * admin_page — the admin page's static files, from the binary, with the
 * headers that keep a page holding the account's voice in its box: a
 * strict Content-Security-Policy (no inline script, no foreign origin, no
 * framing), nosniff, no referrer, no caching.
 */
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "handlers/admin/admin_assets.h"
#include "handlers/admin/admin_page.h"
#include "lib/http.h"

#define ADMIN_PREFIX	"/admin/"
#define ADMIN_CSP	"default-src 'self'; script-src 'self'; " \
			"style-src 'self'; img-src 'self' data:; " \
			"connect-src 'self'; frame-ancestors 'none'; " \
			"base-uri 'none'; form-action 'none'"

static const struct admin_asset *
admin_page_find(const char *name)
{
	const struct admin_asset *a;

	for (a = admin_assets; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

int
admin_page_serve(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const struct admin_asset *a;
	const char *name;

	if (strcmp(path, "/admin") == 0) {
		evhttp_add_header(h, "Location", ADMIN_PREFIX);
		http_send_text(req, 301, "moved to " ADMIN_PREFIX "\n");
		return 1;
	}
	if (strncmp(path, ADMIN_PREFIX, strlen(ADMIN_PREFIX)) != 0)
		return 0;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_send_text(req, 405, "method not allowed\n");
		return 1;
	}
	name = path + strlen(ADMIN_PREFIX);
	if (*name == '\0')
		name = "index.html";
	a = admin_page_find(name);
	if (a == NULL) {
		http_send_text(req, 404, "not found\n");
		return 1;
	}
	evhttp_add_header(h, "Content-Security-Policy", ADMIN_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	http_send(req, 200, a->type, (const char *)a->data, a->len);
	return 1;
}
