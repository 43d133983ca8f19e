/*
 * cause — the one way modules hand a failure's reason to their caller:
 * a malloc'ed sentence in *cause (STYLE.md, "Errors").  It lives in lib/,
 * the bottom layer, so every module can use it.
 */
#ifndef LIB_CAUSE_H
#define LIB_CAUSE_H

#include <stdarg.h>

/*
 * Free *cause and set it to the formatted message (NULL when memory is
 * short).  A NULL cause is a no-op.  errno is left as it was.
 */
void	cause_set(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Add the formatted line to the lines in *text (NULL: none yet), with a
 * newline between two lines and none after the last.  When memory is
 * short the line is left out and *text stays as it was.
 */
void	cause_add(char **text, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	cause_vadd(char **text, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#endif
