/*
 * hx_request — one request of a hostile case, as written in the case file,
 * turned into the bytes to send (hx_request.c says how).
 */
#ifndef HX_REQUEST_H
#define HX_REQUEST_H

#include <stddef.h>

#include "tests/tools/hx_common.h"

/* One request of a case, as written in the file. */
struct hx_req {
	char	*expect;	/* "400", "400|413" or "close" */
	char	*want;		/* text the (decrypted) reply must hold */
	char	*ts;		/* "+N", "-N", a literal; NULL: the case's */
	char	*nonce;		/* "fresh", a literal; NULL: the case's */
	int	 raw;		/* bytes as written, CRLFs spelled out */
	int	 shut;		/* half-close after sending */
	int	 drip_ms;	/* send a byte every drip_ms */
	double	 wait;		/* seconds to wait for the answer */
	char	*text;		/* the section's lines */
	int	 line;
};

/* The variables of one request while it is filled in. */
struct hx_vars {
	char		 ts[80];
	char		 nonce[128];
	char		 openid[40];
	char		 msgid[24];
	char		 msgid2[24];
	const char	*encrypt;	/* the body's Encrypt, for MSGSIG */
	size_t		 encrypt_len;
	int		 line;
};

/* One request as sent and what came back. */
struct hx_msg {
	struct dbuf	 out;
	char		 nonce[128];
	char		 openid[40];
	int		 encrypted;	/* encrypt_type=aes in the target */
	int		 post;
	int		 head_only;	/* an answer without its body */
	int		 status;	/* HTTP status or HX_ST_* */
	struct dbuf	 in;
	double		 secs;
};

/* Fresh case variables: timestamp now, a nonce, an OpenID, two MsgIds. */
void	hx_vars_init(struct hx_vars *v, int line);

/*
 * Turn request r into bytes in m->out (m is cleared first; the caller
 * frees m->out and m->in).  soak: keep the connection (no "Connection:
 * close"), for wrk.  Exits on a malformed placeholder.
 */
void	hx_build(const struct hx_vars *cv, const struct hx_req *r, int soak,
	    struct hx_msg *m);

#endif
