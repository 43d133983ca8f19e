/*
 * kb_cause — the one way modules hand a failure's reason to their caller:
 * a malloc'ed sentence in *cause (STYLE.md, "Errors").  It lives in kb/,
 * the lowest layer, so handlers/ and daemon/ use it too.
 */
#ifndef KB_CAUSE_H
#define KB_CAUSE_H

/*
 * Free *cause and set it to the formatted message (NULL when memory is
 * short).  A NULL cause is a no-op.  errno is left as it was.
 */
void	kb_cause(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
