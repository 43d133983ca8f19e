/*
 * bench_gen — callbacks as WeChat would send them, for the benchmark:
 * resident questions from a TSV file, each request with its own nonce,
 * MsgId and a sender from a pool of residents, signed and, in safe mode,
 * encrypted (protocol doc §2, §3.4, §3.6).  Shared by gen_requests (wrk
 * input) and stages (the per-stage microbenchmark).
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stddef.h>
#include <time.h>

struct bench_gen_cfg {
	const char	*token;
	const char	*appid;		/* safe mode only */
	const char	*aes_key;	/* safe mode only */
	const char	*to_user;	/* the account's gh_ id */
	int		 safe;		/* 1: encrypt (safe mode), 0: plain */
	size_t		 users;		/* distinct senders (OpenIDs); 0: a
					   sender of its own per request */
	unsigned long long seed;	/* varies nonces, MsgIds, choices */
};

/* One request: the query string (no '?') and the body. */
struct bench_req {
	char	*query;
	char	*body;
	size_t	 bodylen;
	const char *question;		/* borrowed from the generator */
};

struct bench_gen;

/*
 * A generator asking the questions of the TSV file at path (first column
 * of each line; '#' lines and blank lines skipped).  Returns NULL with
 * *cause (static text) set on failure.  Free with bench_gen_free().
 */
struct bench_gen *bench_gen_new(const struct bench_gen_cfg *cfg,
	    const char *path, const char **cause);
void	bench_gen_free(struct bench_gen *);

/* Questions read. */
size_t	bench_gen_nquestions(const struct bench_gen *);

/*
 * Request number i (its nonce and MsgId are distinct from those of every
 * other i) stamped with ts.  The question is picked at random.  Fills req
 * with malloc'ed strings the caller releases with bench_req_cleanup().
 * Returns 0, or -1 when memory or the cipher fails.
 */
int	bench_gen_request(struct bench_gen *, size_t i, time_t ts,
	    struct bench_req *req);
void	bench_req_cleanup(struct bench_req *);

/*
 * Start the random choices over: the requests made next pick the same
 * senders and questions as those made since bench_gen_new().
 */
void	bench_gen_rewind(struct bench_gen *);

#endif
