/*
 * ctl_simulate — `wxkbctl simulate`: play the WeChat server against a
 * running wxkbd.  Builds a message, signs (and encrypts) it as the
 * platform would, sends it, then checks the reply's signature, decrypts it
 * and prints what the resident would see.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "daemon/ctl.h"
#include "daemon/ctl_http.h"
#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_msg.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/callback/wx_sig.h"

#define SIM_ACCOUNT	"gh_wxkbctl0000"
#define SIM_OPENID	"o-wxkbctl-simulate-000000000"

struct sim {
	const struct config	*cfg;
	enum config_mode	 mode;
	struct wx_crypto	*crypto;
	const char		*url;
	const char		*openid;
	char			 ts[24];
	char			 nonce[24];
};

static int __attribute__((format(printf, 1, 2)))
sim_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wxkbctl simulate: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Append text as CDATA, split where it holds "]]>". */
static void
sim_cdata(FILE *fp, const char *name, const char *text)
{
	const char *p;

	fprintf(fp, "<%s><![CDATA[", name);
	while ((p = strstr(text, "]]>")) != NULL) {
		fwrite(text, 1, (size_t)(p - text) + 2, fp);
		fputs("]]><![CDATA[", fp);
		text = p + 2;
	}
	fprintf(fp, "%s]]></%s>", text, name);
}

/* The inner message XML, as WeChat would send it. */
static char *
sim_message(const struct sim *s, const char *event, const char *key,
    const char *text, uint64_t msgid)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	fputs("<xml>", fp);
	sim_cdata(fp, "ToUserName", SIM_ACCOUNT);
	sim_cdata(fp, "FromUserName", s->openid);
	fprintf(fp, "<CreateTime>%s</CreateTime>", s->ts);
	if (event != NULL) {
		sim_cdata(fp, "MsgType", "event");
		sim_cdata(fp, "Event", event);
		if (key != NULL)
			sim_cdata(fp, "EventKey", key);
	} else {
		sim_cdata(fp, "MsgType", "text");
		sim_cdata(fp, "Content", text);
		fprintf(fp, "<MsgId>%" PRIu64 "</MsgId>", msgid);
	}
	fputs("</xml>", fp);
	fclose(fp);
	return buf;
}

static void
sim_signature(const struct sim *s, char sig[WX_SIG_HEX_LEN + 1])
{
	const char *parts[3] = { s->cfg->token, s->ts, s->nonce };

	wx_sig_compute(parts, 3, sig);
}

/* Check the reply envelope and return the decrypted XML (malloc'ed). */
static char *
sim_open_reply(const struct sim *s, const struct wx_msg *env, size_t *len)
{
	const char *sig = wx_msg_get(env, "MsgSignature");
	const char *ts = wx_msg_get(env, "TimeStamp");
	const char *nonce = wx_msg_get(env, "Nonce");
	const char *parts[4];
	char *plain = NULL;
	int r;

	if (env->encrypt == NULL || sig == NULL || ts == NULL ||
	    nonce == NULL) {
		sim_fail("%s", "encrypted reply lacks Encrypt, MsgSignature, "
		    "TimeStamp or Nonce");
		return NULL;
	}
	parts[0] = s->cfg->token;
	parts[1] = ts;
	parts[2] = nonce;
	parts[3] = env->encrypt;
	if (!wx_sig_verify(sig, parts, 4)) {
		sim_fail("%s", "reply MsgSignature does not verify");
		return NULL;
	}
	r = wx_crypto_decrypt(s->crypto, env->encrypt, strlen(env->encrypt),
	    &plain, len);
	if (r != WX_CRYPTO_OK) {
		sim_fail("reply does not decrypt: %s", wx_crypto_strerror(r));
		return NULL;
	}
	return plain;
}

static void
sim_print(const struct wx_msg *m)
{
	const char *v;
	size_t i;

	printf("MsgType: %s\n", m->msg_type != NULL ? m->msg_type : "?");
	if (m->content != NULL)
		printf("%s\n", m->content);
	for (i = 0; (v = wx_msg_get_nth(m, "Articles/item/Title", i)) !=
	    NULL; i++)
		printf("[%zu] %s %s\n", i + 1, v,
		    wx_msg_get_nth(m, "Articles/item/Url", i) != NULL ?
		    wx_msg_get_nth(m, "Articles/item/Url", i) : "");
	if ((v = wx_msg_get(m, "Image/MediaId")) != NULL)
		printf("image %s\n", v);
}

/* Check the reply's addressing against what we sent. */
static int
sim_check_reply(const struct sim *s, const struct wx_msg *m)
{
	if (m->to_user == NULL || strcmp(m->to_user, s->openid) != 0)
		return sim_fail("%s", "reply ToUserName is not the sender");
	if (m->from_user == NULL || strcmp(m->from_user, SIM_ACCOUNT) != 0)
		return sim_fail("%s", "reply FromUserName is not the account");
	if (m->type == WX_MSG_TEXT && (m->content == NULL ||
	    *m->content == '\0'))
		return sim_fail("%s", "reply text is empty (WeChat would show "
		    "an error)");
	return 0;
}

static int
sim_verify(struct sim *s)
{
	struct ctl_http_reply rep;
	char sig[WX_SIG_HEX_LEN + 1], *url;
	const char *echo = "5837397520224577";
	int r = 1;

	sim_signature(s, sig);
	if (asprintf(&url, "%s?signature=%s&timestamp=%s&nonce=%s&echostr=%s",
	    s->url, sig, s->ts, s->nonce, echo) == -1)
		return 1;
	if (ctl_http("GET", url, NULL, NULL, 0, NULL, CTL_HTTP_TIMEOUT,
	    &rep) == 0) {
		if (rep.status != 200)
			fprintf(stderr, "wxkbctl simulate: URL verification "
			    "answered HTTP %ld\n", rep.status);
		else if (strcmp(rep.body, echo) != 0)
			sim_fail("%s", "URL verification did not echo echostr "
			    "exactly");
		else {
			printf("URL verification ok\n");
			r = 0;
		}
		free(rep.body);
	}
	free(url);
	return r;
}

static int
sim_send(struct sim *s, const char *event, const char *key,
    const char *text)
{
	struct ctl_http_reply rep;
	struct wx_msg *env = NULL, *m = NULL;
	char sig[WX_SIG_HEX_LEN + 1], msig[WX_SIG_HEX_LEN + 1];
	char *xml = NULL, *b64 = NULL, *body = NULL, *url = NULL;
	char *plain = NULL;
	const char *parts[4];
	uint64_t msgid;
	size_t blen = 0, plen;
	FILE *fp;
	int r = 1, enc = s->mode != CONFIG_MODE_PLAIN;

	if (wx_crypto_random(s->crypto, (unsigned char *)&msgid,
	    sizeof msgid) != 0)
		return sim_fail("%s", "no randomness");
	msgid >>= 1;
	xml = sim_message(s, event, key, text, msgid);
	if (xml == NULL)
		return sim_fail("%s", "out of memory");
	sim_signature(s, sig);
	if (!enc) {
		body = xml;
		xml = NULL;
		blen = strlen(body);
		if (asprintf(&url, "%s?signature=%s&timestamp=%s&nonce=%s"
		    "&openid=%s", s->url, sig, s->ts, s->nonce,
		    s->openid) == -1)
			goto out;
	} else {
		if (wx_crypto_encrypt(s->crypto, xml, strlen(xml), &b64) != 0) {
			sim_fail("%s", "encryption failed");
			goto out;
		}
		parts[0] = s->cfg->token;
		parts[1] = s->ts;
		parts[2] = s->nonce;
		parts[3] = b64;
		wx_sig_compute(parts, 4, msig);
		fp = open_memstream(&body, &blen);
		if (fp == NULL)
			goto out;
		if (s->mode == CONFIG_MODE_COMPAT) {
			/* The clear fields, then Encrypt, as in §4.1. */
			fwrite(xml, 1, strlen(xml) - strlen("</xml>"), fp);
		} else {
			fputs("<xml>", fp);
			sim_cdata(fp, "ToUserName", SIM_ACCOUNT);
		}
		sim_cdata(fp, "Encrypt", b64);
		fputs("</xml>", fp);
		fclose(fp);
		if (asprintf(&url, "%s?signature=%s&timestamp=%s&nonce=%s"
		    "&openid=%s&encrypt_type=aes&msg_signature=%s", s->url,
		    sig, s->ts, s->nonce, s->openid, msig) == -1)
			goto out;
	}
	if (ctl_http("POST", url, "text/xml", body, blen, NULL,
	    CTL_HTTP_TIMEOUT, &rep) != 0)
		goto out;
	if (rep.status != 200) {
		fprintf(stderr, "wxkbctl simulate: wxkbd answered HTTP %ld: "
		    "%.200s\n", rep.status, rep.body);
	} else if (strcmp(rep.body, "success") == 0 || rep.len == 0) {
		printf("(no reply: success)\n");
		r = 0;
	} else if (wx_msg_parse(rep.body, rep.len, &env) != WX_MSG_OK) {
		sim_fail("%s", "reply is not valid XML");
	} else if (enc && (plain = sim_open_reply(s, env, &plen)) == NULL) {
		/* sim_open_reply said why */
	} else if (enc && wx_msg_parse(plain, plen, &m) != WX_MSG_OK) {
		sim_fail("%s", "decrypted reply is not valid XML");
	} else if (sim_check_reply(s, enc ? m : env) == 0) {
		sim_print(enc ? m : env);
		r = 0;
	}
	free(rep.body);
out:
	wx_msg_free(env);
	wx_msg_free(m);
	free(plain);
	free(xml);
	free(b64);
	free(body);
	free(url);
	return r;
}

int
ctl_simulate(const struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "mode", required_argument, NULL, 'm' },
		{ "event", required_argument, NULL, 'e' },
		{ "openid", required_argument, NULL, 'o' },
		{ "verify", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct sim s;
	const char *event = NULL, *key = NULL, *mode = NULL;
	char *url = NULL;
	unsigned char rnd[4];
	int ch, verify = 0, r;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.mode = cfg->mode;
	s.openid = SIM_OPENID;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:m:e:o:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			s.url = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'e':
			event = optarg;
			break;
		case 'o':
			s.openid = optarg;
			break;
		case 'v':
			verify = 1;
			break;
		default:
			return 2;
		}
	}
	if (mode != NULL) {
		if (strcmp(mode, "plain") == 0)
			s.mode = CONFIG_MODE_PLAIN;
		else if (strcmp(mode, "compat") == 0)
			s.mode = CONFIG_MODE_COMPAT;
		else if (strcmp(mode, "safe") == 0)
			s.mode = CONFIG_MODE_SAFE;
		else
			return sim_fail("unknown mode \"%s\"", mode);
	}
	if (event != NULL && strcmp(event, "click") == 0) {
		if (optind >= argc)
			return sim_fail("%s", "--event click needs a KEY");
		event = "CLICK";
		key = argv[optind++];
	} else if (event != NULL && strcmp(event, "subscribe") == 0)
		event = "subscribe";
	else if (event != NULL)
		return sim_fail("unknown event \"%s\" (subscribe, click KEY)",
		    event);
	if (!verify && event == NULL && optind != argc - 1)
		return sim_fail("%s", "give the TEXT a resident sends, an "
		    "--event or --verify");
	/* Encryption needs the key even when the daemon runs plain. */
	if (*cfg->aes_key == '\0' && s.mode != CONFIG_MODE_PLAIN)
		return sim_fail("%s", "WXKB_AES_KEY is needed for compat/safe");
	r = wx_crypto_new(&s.crypto, *cfg->aes_key != '\0' ? cfg->aes_key :
	    "0000000000000000000000000000000000000000000", *cfg->appid != '\0'
	    ? cfg->appid : "wx0000000000000000");
	if (r != WX_CRYPTO_OK)
		return sim_fail("%s", wx_crypto_strerror(r));
	if (s.url == NULL) {
		url = ctl_http_url(cfg->listen, cfg->path);
		s.url = url;
	}
	snprintf(s.ts, sizeof s.ts, "%lld", (long long)time(NULL));
	(void)wx_crypto_random(s.crypto, rnd, sizeof rnd);
	snprintf(s.nonce, sizeof s.nonce, "%u",
	    (unsigned)(rnd[0] | rnd[1] << 8 | rnd[2] << 16 |
	    (unsigned)(rnd[3] & 0x7f) << 24));
	if (verify)
		r = sim_verify(&s);
	else
		r = sim_send(&s, event, key, event == NULL ? argv[optind] :
		    NULL);
	wx_crypto_free(s.crypto);
	free(url);
	return r;
}
