/*
 * hostile_verify — checks the (request, reply) samples the soak's wrk
 * script kept: every reply is correctly signed, decrypts, and answers the
 * resident who asked.
 *
 *	hostile_verify SAMPLES
 *
 * Exits 0 when every sample holds and there is at least one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_crypto.h"
#include "tests/tools/hx_common.h"

/* The value of query parameter name in the request line of req. */
static char *
hx_query_param(const char *req, const char *name)
{
	char key[64];
	const char *p, *e, *eol = strstr(req, "\r\n");
	size_t n;

	snprintf(key, sizeof key, "%s=", name);
	n = strlen(key);
	for (p = strchr(req, '?'); p != NULL && (eol == NULL || p < eol);
	    p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, key, n) == 0) {
			e = p + 1 + n;
			return hx_strndup(e, strcspn(e, "& "));
		}
	}
	return NULL;
}

/*
 * Check one (request, reply) sample of the soak: the reply is a correct
 * envelope for the request's nonce and answers the sender with text or
 * articles.  Returns 1 or 0 with why filled.
 */
static int
hx_verify_one(const char *req, const char *reply, char *why, size_t whysz)
{
	char *nonce, *enc, *msg = NULL, *from = NULL, *to = NULL;
	char *plain = NULL, *rto = NULL, *rfrom = NULL, *type = NULL;
	const char *body;
	size_t len;
	int ok = 0;

	nonce = hx_query_param(req, "nonce");
	body = strstr(req, "\r\n\r\n");
	enc = body != NULL ? hx_elem(body, "Encrypt") : NULL;
	if (nonce == NULL || enc == NULL) {
		snprintf(why, whysz, "request without nonce or Encrypt");
		goto out;
	}
	if (wx_crypto_decrypt(hx.crypto, enc, strlen(enc), &msg, &len) !=
	    WX_CRYPTO_OK) {
		snprintf(why, whysz, "request does not decrypt");
		goto out;
	}
	from = hx_elem(msg, "FromUserName");
	to = hx_elem(msg, "ToUserName");
	plain = hx_open_envelope(reply, nonce, why, whysz);
	if (plain == NULL || from == NULL || to == NULL)
		goto out;
	rto = hx_elem(plain, "ToUserName");
	rfrom = hx_elem(plain, "FromUserName");
	type = hx_elem(plain, "MsgType");
	if (rto == NULL || strcmp(rto, from) != 0 || rfrom == NULL ||
	    strcmp(rfrom, to) != 0) {
		snprintf(why, whysz, "reply not addressed to the sender");
		goto out;
	}
	if (type == NULL || (strcmp(type, "text") != 0 &&
	    strcmp(type, "news") != 0)) {
		snprintf(why, whysz, "reply MsgType %s", type != NULL ? type :
		    "missing");
		goto out;
	}
	if (strcmp(type, "text") == 0 && strstr(plain, "<Content>") == NULL) {
		snprintf(why, whysz, "text reply without Content");
		goto out;
	}
	ok = 1;
out:
	free(nonce);
	free(enc);
	free(msg);
	free(from);
	free(to);
	free(plain);
	free(rto);
	free(rfrom);
	free(type);
	return ok;
}

/*
 * The samples at path: records "S <reqlen> <replylen>\n<request><reply>\n" as the soak's
 * wrk script writes them.
 */
static int
hx_verify(const char *path)
{
	char *data, *p, *req, *reply, why[256];
	size_t good = 0, bad = 0, rl, pl;
	char *end;

	data = hx_read_file(path);
	for (p = data; *p == 'S'; ) {
		rl = strtoul(p + 2, &end, 10);
		pl = strtoul(end, &end, 10);
		if (*end != '\n')
			break;
		p = end + 1;
		if (strlen(p) < rl + pl)
			break;
		req = hx_strndup(p, rl);
		reply = hx_strndup(p + rl, pl);
		p += rl + pl;
		if (*p == '\n')
			p++;
		if (hx_verify_one(req, reply, why, sizeof why))
			good++;
		else if (bad++ < 5)
			printf("# bad reply: %s\n", why);
		free(req);
		free(reply);
	}
	free(data);
	printf("hostile_verify: %zu sampled replies verified, %zu bad\n", good, bad);
	return bad == 0 && good > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: hostile_verify SAMPLES\n");
		return 2;
	}
	hx_init();
	r = hx_verify(argv[1]);
	hx_cleanup();
	return r != 0;
}
