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
