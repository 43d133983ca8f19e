/*
 * cause — the one way modules hand a failure's reason to their caller:
 * a malloc'ed sentence in *cause (STYLE.md, "Errors").  It lives in lib/,
 * the bottom layer, so every module can use it.
 */
#ifndef LIB_CAUSE_H
#define LIB_CAUSE_H

/*
 * Free *cause and set it to the formatted message (NULL when memory is
 * short).  A NULL cause is a no-op.  errno is left as it was.
 */
void	cause_set(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
