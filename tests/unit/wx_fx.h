/*
 * wx_fx — the fixture the WeChat API tests share: the fake WeChat API
 * (wx_fake.h; or only its directory, for a test without HTTP), an event
 * base, and the daemon's log at debug level in a file in the fake's
 * directory, so that a test can look there for what must never be
 * logged.  A step that fails fails the test: include <cmocka.h> first.
 */
#ifndef WX_FX_H
#define WX_FX_H

#include "handlers/wechat/wx_api.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "tests/unit/wx_fake.h"

struct wx_fx {
	struct wx_fake	 fake;
	struct event_base *base;
	FILE		*logfp;
	char		 logpath[160];
};

/* The log (as prog) to the fake's directory, fresh metrics, a base. */
static inline void
wx_fx_open_log(struct wx_fx *x, const char *prog)
{
	snprintf(x->logpath, sizeof x->logpath, "%s/wxkbd.log", x->fake.dir);
	x->logfp = fopen(x->logpath, "w");
	assert_non_null(x->logfp);
	log_init(prog, LOG_DEBUG);
	log_force_stderr(1);
	log_set_stream(x->logfp);
	metrics_reset();
	x->base = event_base_new();
	assert_non_null(x->base);
}

/* Start the fake, send the log (as prog) to its directory, reset metrics. */
static inline void
wx_fx_open(struct wx_fx *x, const char *prog)
{
	assert_int_equal(wx_fake_start(&x->fake), 0);
	wx_fx_open_log(x, prog);
}

/* wx_fx_open() with the fake's directory only: for tests without HTTP. */
static inline void
wx_fx_open_dir(struct wx_fx *x, const char *prog)
{
	assert_int_equal(wx_fake_mkdir(&x->fake), 0);
	wx_fx_open_log(x, prog);
}

/*
 * Free the base, close the log and stop the fake (if one runs) and
 * remove its directory; free what runs on the base before.  No string of
 * absent (NULL-terminated; NULL: none) may be in the log: checked once
 * it is whole, before the directory goes.
 */
static inline void
wx_fx_close_absent(struct wx_fx *x, const char *const *absent)
{
	event_base_free(x->base);
	log_set_stream(NULL);
	fclose(x->logfp);
	for (; absent != NULL && *absent != NULL; absent++)
		assert_false(wx_fake_file_has(x->logpath, *absent));
	wx_fake_stop(&x->fake);
}

/* wx_fx_close_absent(), and neither the AppSecret nor the token logged. */
static inline void
wx_fx_close(struct wx_fx *x)
{
	char *tok = wx_fake_token(&x->fake);
	const char *secrets[] = { WX_FAKE_SECRET, tok, NULL };

	wx_fx_close_absent(x, secrets);
	free(tok);
}

/*
 * The API configuration against the fake: its AppID, secret and state
 * dir, and a short backoff so that retries do not slow the tests.
 */
static inline void
wx_fx_api_cfg(const struct wx_fx *x, struct wx_api_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->base = x->fake.url;
	cfg->appid = WX_FAKE_APPID;
	cfg->appsecret = WX_FAKE_SECRET;
	cfg->state_dir = x->fake.state;
	cfg->backoff_ms = 50;
}

/* An API on the fixture's base; cfg NULL: wx_fx_api_cfg() as it is. */
static inline struct wx_api *
wx_fx_api(struct wx_fx *x, const struct wx_api_cfg *cfg)
{
	struct wx_api_cfg def;
	struct wx_api *api;
	const char *cause = NULL;

	if (cfg == NULL) {
		wx_fx_api_cfg(x, &def);
		cfg = &def;
	}
	api = wx_api_new(x->base, cfg, &cause);
	assert_non_null(api);
	return api;
}

#endif
