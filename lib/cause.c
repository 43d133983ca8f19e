/* cause — failure reasons for callers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/cause.h"

void
cause_set(char **cause, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (cause == NULL)
		return;
	free(*cause);
	*cause = NULL;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	errno = saved;
}

void
cause_vadd(char **text, const char *fmt, va_list ap)
{
	char *line = NULL, *t = NULL;

	if (vasprintf(&line, fmt, ap) == -1)
		return;
	if (*text == NULL) {
		*text = line;
		return;
	}
	if (asprintf(&t, "%s\n%s", *text, line) != -1) {
		free(*text);
		*text = t;
	}
	free(line);
}

void
cause_add(char **text, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cause_vadd(text, fmt, ap);
	va_end(ap);
}
