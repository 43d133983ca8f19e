/*
 * wx_callback — verify, decrypt, de-duplicate and answer one callback.
 * Every refusal is decided in wx_refuse(), so a status and its reason are
 * written in one place.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/callback/wx_callback.h"
#include "handlers/callback/wx_crypto.h"
#include "handlers/callback/wx_query.h"
#include "handlers/callback/wx_reply.h"
#include "handlers/callback/wx_share.h"
#include "handlers/callback/wx_sig.h"
#include "lib/cache.h"
#include "lib/digest.h"
#include "lib/rand.h"
#include "lib/siphash.h"

#define WX_MAX_NONCE_LEN	64
/* Bytes of FromUserName and MsgId (or Event and EventKey) together. */
#define WX_MAX_IDS		480
#define WX_MAX_ECHOSTR		256
#define WX_SUCCESS		"success"

struct wx_callback {
	char		*token;
	char		*appid;
	enum wx_mode	 mode;
	long		 max_skew;
	unsigned char	 uid_key[16];
	struct wx_crypto *crypto;	/* NULL without an AES key */
	struct cache	*retry;		/* dedup key -> plain reply */
	struct cache	*nonces;	/* "ts:nonce" -> dedup key */
	struct cache	*seen;		/* dedup keys dispatched */
	pthread_mutex_t	 lock;		/* the three caches, across workers */
	wx_dispatch_fn	 dispatch;
	void		*dispatch_arg;
	const struct wx_share *share;	/* borrowed; NULL: one instance */
	void		(*import_state)(void *, const char *, const char *,
			    size_t, time_t);
	void		*import_arg;
};

/* One POST while it is being handled. */
struct wx_post {
	struct wx_query	 qs;
	struct wx_msg	*envelope;	/* the body as sent */
	struct wx_msg	*inner;		/* decrypted message, or NULL */
	const struct wx_msg *msg;	/* the one to act on */
	char		*plain;		/* decrypted XML */
	size_t		 plainlen;
	char		 key[WX_KEY_HEX + 1];	/* dedup key */
	char		 nkey[WX_MAX_NONCE_LEN + 32];	/* "ts:nonce" */
};

/* One request from start to answer; outlives the call when shared. */
struct wx_job {
	struct wx_callback *cb;
	struct wx_post	 p;
	struct wx_result res;
	time_t		 now;
	wx_callback_done_fn done;
	void		*done_arg;
};

struct wx_callback *
wx_callback_new(const struct wx_callback_cfg *cfg, const char **cause)
{
	struct wx_callback *cb;
	unsigned char seed[48];
	int r;

	cb = calloc(1, sizeof *cb);
	if (cb == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	cb->token = strdup(cfg->token);
	cb->appid = strdup(cfg->appid != NULL ? cfg->appid : "");
	cb->mode = cfg->mode;
	cb->max_skew = cfg->max_skew;
	memcpy(cb->uid_key, cfg->uid_key, sizeof cb->uid_key);
	cb->dispatch = cfg->dispatch;
	cb->dispatch_arg = cfg->dispatch_arg;
	cb->share = cfg->share;
	cb->import_state = cfg->import_state;
	cb->import_arg = cfg->import_arg;
	pthread_mutex_init(&cb->lock, NULL);
	if (cb->token == NULL || cb->appid == NULL) {
		*cause = "out of memory";
		goto fail;
	}
	if (cfg->aes_key != NULL && *cfg->aes_key != '\0') {
		r = wx_crypto_new(&cb->crypto, cfg->aes_key, cb->appid);
		if (r != WX_CRYPTO_OK) {
			*cause = wx_crypto_strerror(r);
			goto fail;
		}
	} else if (cfg->mode != WX_MODE_PLAIN) {
		*cause = "compat and safe modes need an EncodingAESKey";
		goto fail;
	}
	/* The cache seeds only need to be unpredictable, not secret-keyed. */
	if (rand_bytes(seed, sizeof seed) != 0) {
		*cause = "no randomness for the cache seeds";
		goto fail;
	}
	cb->retry = cache_new(WX_RETRY_MAX, WX_RETRY_BYTES, WX_RETRY_TTL,
	    seed);
	cb->nonces = cache_new(WX_NONCE_MAX, WX_NONCE_MAX *
	    cache_entry_cost(WX_NONCE_TYPICAL_KEY, WX_KEY_HEX),
	    2 * cfg->max_skew + 1, seed + 16);
	/* One entry more: the ring's end may waste up to one. */
	cb->seen = cache_new(WX_SEEN_MAX, (WX_SEEN_MAX + 1) *
	    cache_entry_cost(WX_KEY_HEX, 0), 2 * cfg->max_skew + 1,
	    seed + 32);
	if (cb->retry == NULL || cb->nonces == NULL || cb->seen == NULL) {
		*cause = "out of memory";
		goto fail;
	}
	return cb;
fail:
	wx_callback_free(cb);
	return NULL;
}

void
wx_callback_free(struct wx_callback *cb)
{
	if (cb == NULL)
		return;
	if (cb->token != NULL) {
		memset(cb->token, 0, strlen(cb->token));
		free(cb->token);
	}
	free(cb->appid);
	wx_crypto_free(cb->crypto);
	cache_free(cb->retry);
	cache_free(cb->nonces);
	cache_free(cb->seen);
	pthread_mutex_destroy(&cb->lock);
	free(cb);
}

void
wx_result_cleanup(struct wx_result *res)
{
	free(res->body);
	memset(res, 0, sizeof *res);
}

static void
wx_set_body(struct wx_result *res, int status, const char *type,
    char *body, size_t len)
{
	res->status = status;
	res->content_type = type;
	free(res->body);
	res->body = body;
	res->len = len;
}

static void
wx_set_text(struct wx_result *res, int status, const char *text)
{
	char *copy = strdup(text);

	wx_set_body(res, status, "text/plain; charset=utf-8", copy,
	    copy != NULL ? strlen(copy) : 0);
}

/* The one place a refusal's status, event and reason are chosen. */
static void
wx_refuse(struct wx_result *res, int status, enum wx_cb_event event,
    const char *reason)
{
	const char *text;

	switch (status) {
	case 400:
		text = "bad request\n";
		break;
	case 403:
		text = "forbidden\n";
		break;
	case 405:
		text = "method not allowed\n";
		break;
	default:
		text = "error\n";
		break;
	}
	wx_set_text(res, status, text);
	res->event = event;
	res->reason = reason;
}

/* A decimal timestamp within max_skew of now. */
static int
wx_fresh(const char *ts, time_t now, long max_skew)
{
	long long v = 0;
	size_t i, n = strlen(ts);

	if (n == 0 || n > 12)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)ts[i]))
			return 0;
		v = v * 10 + (ts[i] - '0');
	}
	return v >= (long long)now - max_skew &&
	    v <= (long long)now + max_skew;
}

static int
wx_token_chars(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isascii((unsigned char)s[i]) ||
		    !isalnum((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/*
 * Check signature, timestamp and nonce common to GET and POST.  Returns 0,
 * or -1 after filling res.
 */
static int
wx_check_request(struct wx_callback *cb, const struct wx_query *qs,
    time_t now, struct wx_result *res)
{
	const char *parts[3];

	if (qs->signature == NULL || qs->timestamp == NULL ||
	    qs->nonce == NULL) {
		wx_refuse(res, 403, WX_CB_BAD_SIGNATURE, "missing parameter");
		return -1;
	}
	if (!wx_token_chars(qs->nonce, WX_MAX_NONCE_LEN) ||
	    strlen(qs->timestamp) > 20) {
		wx_refuse(res, 403, WX_CB_BAD_SIGNATURE, "malformed nonce");
		return -1;
	}
	parts[0] = cb->token;
	parts[1] = qs->timestamp;
	parts[2] = qs->nonce;
	if (!wx_sig_verify(qs->signature, parts, 3)) {
		wx_refuse(res, 403, WX_CB_BAD_SIGNATURE, "signature mismatch");
		return -1;
	}
	if (!wx_fresh(qs->timestamp, now, cb->max_skew)) {
		wx_refuse(res, 403, WX_CB_STALE_TIMESTAMP,
		    "timestamp outside the allowed skew");
		return -1;
	}
	return 0;
}

static void
wx_handle_get(struct wx_callback *cb, const struct wx_query *qs, time_t now,
    struct wx_result *res)
{
	size_t i, n;

	if (wx_check_request(cb, qs, now, res) != 0)
		return;
	if (qs->echostr == NULL) {
		wx_refuse(res, 400, WX_CB_BAD_REQUEST, "echostr missing");
		return;
	}
	n = strlen(qs->echostr);
	for (i = 0; i < n; i++) {
		if (qs->echostr[i] < 0x21 || qs->echostr[i] > 0x7e)
			break;
	}
	if (n == 0 || n > WX_MAX_ECHOSTR || i != n) {
		wx_refuse(res, 400, WX_CB_BAD_REQUEST, "malformed echostr");
		return;
	}
	/* The body is exactly echostr: no newline, no quotes. */
	wx_set_text(res, 200, qs->echostr);
	res->event = WX_CB_VERIFY;
}

/*
 * The retry key: MsgId + FromUserName for messages, FromUserName +
 * CreateTime + Event (+ EventKey) for events (protocol doc §6.1), then
 * whether it came encrypted and every field of the message, all
 * length-prefixed into SHA-256.  A message unlike the first under the
 * same identifiers (an unencrypted one in compat mode, a forged one in
 * plain mode) gets a key of its own and so cannot shadow it.
 */
void
wx_callback_msg_key(const struct wx_msg *m, int encrypted,
    char out[WX_KEY_HEX + 1])
{
	mbedtls_sha256_context c;
	unsigned char d[32];
	char ct[24];
	size_t i;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	digest_str(&c, encrypted ? "encrypted" : "clear");
	digest_str(&c, m->from_user);
	if (m->msg_id != NULL && m->type != WX_MSG_EVENT) {
		digest_str(&c, "message");
		digest_str(&c, m->msg_id);
	} else {
		snprintf(ct, sizeof ct, "%llu",
		    (unsigned long long)m->create_time);
		digest_str(&c, "event");
		digest_str(&c, ct);
		digest_str(&c, m->event_name);
		digest_str(&c, m->event_key);
	}
	for (i = 0; i < m->nfields; i++) {
		digest_str(&c, m->fields[i].path);
		digest_field(&c, m->fields[i].value, m->fields[i].len, 1);
	}
	mbedtls_sha256_finish_ret(&c, d);
	mbedtls_sha256_free(&c);
	digest_hex(d, WX_KEY_HEX / 2, out);
}

/*
 * OpenIDs are 28 characters, MsgIds 20 digits: identifiers far longer
 * than that are not WeChat's.
 */
static int
wx_ids_fit(const struct wx_msg *m)
{
	size_t n = strlen(m->from_user);

	if (m->msg_id != NULL && m->type != WX_MSG_EVENT)
		n += strlen(m->msg_id);
	else
		n += (m->event_name != NULL ? strlen(m->event_name) : 0) +
		    (m->event_key != NULL ? strlen(m->event_key) : 0);
	return n <= WX_MAX_IDS;
}

/*
 * Turn the body into the message to act on, verifying and decrypting as
 * the mode and the query demand.  Returns 0 or -1 after filling res.
 */
static int
wx_open_post(struct wx_callback *cb, struct wx_post *p, const char *body,
    size_t len, struct wx_result *res)
{
	const char *parts[4];
	int encrypted = 0, r;

	if (p->qs.encrypt_type != NULL &&
	    strcmp(p->qs.encrypt_type, "aes") == 0)
		encrypted = 1;
	else if (p->qs.encrypt_type != NULL &&
	    strcmp(p->qs.encrypt_type, "raw") != 0) {
		wx_refuse(res, 400, WX_CB_BAD_REQUEST, "unknown encrypt_type");
		return -1;
	}
	if (!encrypted && cb->mode == WX_MODE_SAFE) {
		wx_refuse(res, 403, WX_CB_DOWNGRADE_REFUSED,
		    "unencrypted message in safe mode");
		return -1;
	}
	if (encrypted && cb->crypto == NULL) {
		wx_refuse(res, 400, WX_CB_BAD_REQUEST,
		    "encrypted message but no EncodingAESKey configured");
		return -1;
	}
	r = wx_msg_parse(body, len, &p->envelope);
	if (r != WX_MSG_OK) {
		wx_refuse(res, 400, WX_CB_BAD_XML, wx_msg_strerror(r));
		return -1;
	}
	res->encrypted = encrypted;
	if (!encrypted) {
		p->msg = p->envelope;
		return 0;
	}
	if (p->envelope->encrypt == NULL || *p->envelope->encrypt == '\0') {
		wx_refuse(res, 400, WX_CB_BAD_XML, "Encrypt element missing");
		return -1;
	}
	parts[0] = cb->token;
	parts[1] = p->qs.timestamp;
	parts[2] = p->qs.nonce;
	parts[3] = p->envelope->encrypt;
	if (p->qs.msg_signature == NULL ||
	    !wx_sig_verify(p->qs.msg_signature, parts, 4)) {
		wx_refuse(res, 403, WX_CB_BAD_SIGNATURE,
		    p->qs.msg_signature == NULL ? "msg_signature missing" :
		    "msg_signature mismatch");
		return -1;
	}
	r = wx_crypto_decrypt(cb->crypto, p->envelope->encrypt,
	    strlen(p->envelope->encrypt), &p->plain, &p->plainlen);
	if (r != WX_CRYPTO_OK) {
		wx_refuse(res, 400, WX_CB_DECRYPT_FAILED, wx_crypto_reason(r));
		return -1;
	}
	r = wx_msg_parse(p->plain, p->plainlen, &p->inner);
	if (r != WX_MSG_OK) {
		/*
		 * Counted as a decryption failure like the others: telling
		 * them apart to a client would make a padding oracle.
		 */
		wx_refuse(res, 400, WX_CB_DECRYPT_FAILED, wx_msg_strerror(r));
		return -1;
	}
	/* Compat bodies repeat the fields in clear: trust only these. */
	p->msg = p->inner;
	return 0;
}

/*
 * Answer with the plain reply xml (NULL: "success"), encrypted when the
 * request was.  Returns 0 or -1 after filling res.
 */
static int
wx_answer(struct wx_callback *cb, const struct wx_post *p, const char *xml,
    size_t len, time_t now, struct wx_result *res)
{
	char ts[24], sig[WX_SIG_HEX_LEN + 1], *b64 = NULL, *out = NULL;
	const char *parts[4];
	size_t outlen;
	int r;

	if (xml == NULL) {
		/* Even in safe mode "success" goes unencrypted (§6.1). */
		wx_set_text(res, 200, WX_SUCCESS);
		return 0;
	}
	if (!res->encrypted) {
		out = malloc(len + 1);
		if (out == NULL) {
			wx_refuse(res, 500, WX_CB_INTERNAL_ERROR, "out of memory");
			return -1;
		}
		memcpy(out, xml, len);
		out[len] = '\0';
		wx_set_body(res, 200, "application/xml; charset=utf-8", out,
		    len);
		return 0;
	}
	r = wx_crypto_encrypt(cb->crypto, xml, len, &b64);
	if (r != WX_CRYPTO_OK) {
		wx_refuse(res, 500, WX_CB_INTERNAL_ERROR, wx_crypto_strerror(r));
		return -1;
	}
	snprintf(ts, sizeof ts, "%lld", (long long)now);
	parts[0] = cb->token;
	parts[1] = ts;
	parts[2] = p->qs.nonce;
	parts[3] = b64;
	wx_sig_compute(parts, 4, sig);
	r = wx_reply_envelope(b64, sig, ts, p->qs.nonce, &out, &outlen);
	free(b64);
	if (r != WX_REPLY_OK) {
		wx_refuse(res, 500, WX_CB_INTERNAL_ERROR, "cannot render envelope");
		return -1;
	}
	wx_set_body(res, 200, "application/xml; charset=utf-8", out, outlen);
	return 0;
}

/* Answer a retry with the stored reply (len 0: "success"). */
static void
wx_post_retry(struct wx_callback *cb, const struct wx_post *p,
    const char *answer, size_t len, time_t now, struct wx_result *res)
{
	res->retry = 1;
	res->event = WX_CB_RETRY;
	res->answer = WX_ANS_RETRY;
	(void)wx_answer(cb, p, len > 0 ? answer : NULL, len, now, res);
}

/* A message dispatched before in the window, its answer gone: no reply. */
static void
wx_post_duplicate(struct wx_result *res)
{
	res->retry = 1;
	res->event = WX_CB_DUPLICATE;
	res->answer = WX_ANS_RETRY;
	wx_set_text(res, 200, WX_SUCCESS);
}

/* First sight of a message: dispatch, keep the answer, answer. */
static void
wx_post_dispatch(struct wx_callback *cb, const struct wx_post *p,
    time_t now, struct wx_result *res)
{
	struct wx_dispatch_out d;

	memset(&d, 0, sizeof d);
	if (cb->dispatch(cb->dispatch_arg, p->msg, now, &d) != 0) {
		free(d.xml);
		memset(&d, 0, sizeof d);
		d.answer = WX_ANS_DISPATCH_FAILED;
	}
	res->event = WX_CB_MESSAGE;
	res->answer = d.answer;
	snprintf(res->kb_item, sizeof res->kb_item, "%s", d.item);
	if (cb->share != NULL)
		cb->share->ops->store(cb->share->impl, p->key,
		    d.xml != NULL ? d.xml : "", d.xml != NULL ? d.len : 0);
	/* An empty value stands for "success" in the cache. */
	pthread_mutex_lock(&cb->lock);
	(void)cache_put(cb->retry, p->key, d.xml != NULL ? d.xml : "",
	    d.xml != NULL ? d.len : 0, now);
	pthread_mutex_unlock(&cb->lock);
	(void)wx_answer(cb, p, d.xml, d.len, now, res);
	free(d.xml);
}

/*
 * The local retry cache and replay records decide (one instance, or the
 * share unavailable).
 */
static void
wx_post_local(struct wx_callback *cb, struct wx_post *p, time_t now,
    struct wx_result *res)
{
	const void *seen;
	char *cached;
	size_t cachedlen = 0, seenlen;
	int replayed, retry = 0;

	/*
	 * A (timestamp, nonce) seen before is a replay, unless it carried
	 * this very message: then it is WeChat retrying, answered below.
	 */
	pthread_mutex_lock(&cb->lock);
	replayed = cache_get(cb->nonces, p->nkey, now, &seen, &seenlen);
	if (replayed && (seenlen != strlen(p->key) ||
	    memcmp(seen, p->key, seenlen) != 0)) {
		pthread_mutex_unlock(&cb->lock);
		wx_refuse(res, 403, WX_CB_REPLAY, "nonce reused for another "
		    "message");
		return;
	}
	if (!replayed)
		(void)cache_put(cb->nonces, p->nkey, p->key, strlen(p->key),
		    now);
	/* Copy the answer out: the cache may change once unlocked. */
	cached = NULL;
	if (cache_get(cb->retry, p->key, now, &seen, &seenlen)) {
		cached = malloc(seenlen + 1);
		if (cached != NULL)
			memcpy(cached, seen, seenlen);
		cachedlen = seenlen;
		retry = 1;
	} else if (cache_get(cb->seen, p->key, now, &seen, &seenlen)) {
		/*
		 * Dispatched before, in this window: its answer expired, or
		 * another worker is still making it.  Never twice.
		 */
		pthread_mutex_unlock(&cb->lock);
		wx_post_duplicate(res);
		return;
	} else
		(void)cache_put(cb->seen, p->key, "", 0, now);
	pthread_mutex_unlock(&cb->lock);
	if (!retry)
		wx_post_dispatch(cb, p, now, res);
	else if (cached == NULL)
		wx_refuse(res, 500, WX_CB_INTERNAL_ERROR, "out of memory");
	else
		wx_post_retry(cb, p, cached, cachedlen, now, res);
	free(cached);
}

/* Check a POST up to its keys.  Returns 0, or -1 after filling res. */
static int
wx_post_open(struct wx_callback *cb, const char *body, size_t len,
    time_t now, struct wx_post *p, struct wx_result *res)
{
	if (wx_check_request(cb, &p->qs, now, res) != 0)
		return -1;
	if (wx_open_post(cb, p, body, len, res) != 0)
		return -1;
	res->type = p->msg->type;
	res->msg_type = wx_msg_type_name(p->msg->type);
	if (p->msg->from_user == NULL || *p->msg->from_user == '\0' ||
	    p->msg->to_user == NULL || p->msg->msg_type == NULL) {
		wx_refuse(res, 400, WX_CB_BAD_XML, "ToUserName, FromUserName or "
		    "MsgType missing");
		return -1;
	}
	siphash_uid(cb->uid_key, p->msg->from_user, res->user);
	if (!wx_ids_fit(p->msg)) {
		wx_refuse(res, 400, WX_CB_BAD_XML, "identifiers too long");
		return -1;
	}
	wx_callback_msg_key(p->msg, res->encrypted, p->key);
	snprintf(p->nkey, sizeof p->nkey, "%s:%s", p->qs.timestamp,
	    p->qs.nonce);
	return 0;
}

static void wx_job_finish(struct wx_job *);

/* The share's verdict; keeps the local records current for later. */
static void
wx_post_shared_cb(void *arg, enum wx_share_verdict v, const char *data,
    size_t len)
{
	struct wx_job *job = arg;
	struct wx_callback *cb = job->cb;
	struct wx_post *p = &job->p;

	switch (v) {
	case WX_SHARE_NEW:
		pthread_mutex_lock(&cb->lock);
		(void)cache_put(cb->nonces, p->nkey, p->key, strlen(p->key),
		    job->now);
		(void)cache_put(cb->seen, p->key, "", 0, job->now);
		pthread_mutex_unlock(&cb->lock);
		if (len > 0 && cb->import_state != NULL)
			cb->import_state(cb->import_arg, p->msg->from_user,
			    data, len, job->now);
		wx_post_dispatch(cb, p, job->now, &job->res);
		break;
	case WX_SHARE_ANSWERED:
		pthread_mutex_lock(&cb->lock);
		(void)cache_put(cb->nonces, p->nkey, p->key, strlen(p->key),
		    job->now);
		(void)cache_put(cb->retry, p->key, data, len, job->now);
		pthread_mutex_unlock(&cb->lock);
		wx_post_retry(cb, p, data, len, job->now, &job->res);
		break;
	case WX_SHARE_REPLAY:
		wx_refuse(&job->res, 403, WX_CB_REPLAY, "nonce reused for another "
		    "message");
		break;
	case WX_SHARE_FAILED:
		wx_post_local(cb, p, job->now, &job->res);
		break;
	}
	wx_job_finish(job);
}

/* Returns 1 when the answer comes later, from the share. */
static int
wx_handle_post(struct wx_callback *cb, const char *body, size_t len,
    struct wx_job *job)
{
	struct wx_post *p = &job->p;

	if (wx_post_open(cb, body, len, job->now, p, &job->res) != 0)
		return 0;
	if (cb->share != NULL && cb->share->ops->check(cb->share->impl,
	    p->nkey, p->key, p->msg->from_user, wx_post_shared_cb, job) == 0)
		return 1;
	wx_post_local(cb, p, job->now, &job->res);
	return 0;
}

static void
wx_job_finish(struct wx_job *job)
{
	struct wx_post *p = &job->p;

	job->done(job->done_arg, &job->res);
	wx_result_cleanup(&job->res);
	wx_query_cleanup(&p->qs);
	wx_msg_free(p->envelope);
	wx_msg_free(p->inner);
	if (p->plain != NULL) {
		memset(p->plain, 0, p->plainlen);
		free(p->plain);
	}
	free(job);
}

void
wx_callback_start(struct wx_callback *cb, enum wx_method method,
    const char *query, const char *body, size_t len, time_t now,
    wx_callback_done_fn done, void *arg)
{
	struct wx_job *job;
	int r;

	job = calloc(1, sizeof *job);
	if (job == NULL) {
		struct wx_result res;

		memset(&res, 0, sizeof res);
		wx_refuse(&res, 500, WX_CB_INTERNAL_ERROR, "out of memory");
		done(arg, &res);
		wx_result_cleanup(&res);
		return;
	}
	job->cb = cb;
	job->now = now;
	job->done = done;
	job->done_arg = arg;
	if (method == WX_METHOD_OTHER)
		wx_refuse(&job->res, 405, WX_CB_BAD_METHOD, "method not allowed");
	else if ((r = wx_query_parse(query, &job->p.qs)) != WX_QUERY_OK)
		wx_refuse(&job->res, 400, WX_CB_BAD_REQUEST, wx_query_strerror(r));
	else if (method == WX_METHOD_GET)
		wx_handle_get(cb, &job->p.qs, now, &job->res);
	else if (wx_handle_post(cb, body, len, job))
		return;
	wx_job_finish(job);
}

/* Move the finished result to the caller of wx_callback_handle(). */
static void
wx_handle_done(void *arg, struct wx_result *res)
{
	struct wx_result *out = arg;

	*out = *res;
	memset(res, 0, sizeof *res);
}

void
wx_callback_handle(struct wx_callback *cb, enum wx_method method,
    const char *query, const char *body, size_t len, time_t now,
    struct wx_result *res)
{
	memset(res, 0, sizeof *res);
	wx_callback_start(cb, method, query, body, len, now, wx_handle_done,
	    res);
}
