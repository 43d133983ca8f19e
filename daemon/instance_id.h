/*
 * instance_id — the id an instance keeps in its state dir, made on the
 * first start.  It is the same across restarts, so that what an instance
 * publishes to the cluster replaces its own earlier entry instead of
 * adding a second one.
 */
#ifndef INSTANCE_ID_H
#define INSTANCE_ID_H

#include <stddef.h>

#define INSTANCE_ID_LEN		32	/* lowercase hex digits */
#define INSTANCE_ID_FILE	"instance-id"

/* 1 when s (len bytes, not terminated) is an instance id. */
int	instance_id_valid(const char *s, size_t len);

/*
 * This instance's id from dir/INSTANCE_ID_FILE, written there (mode 0600,
 * atomically) when the file does not exist.  Returns 0, or -1 with *cause
 * (malloc'ed) when the file cannot be read, holds something else than an
 * id, or cannot be written.
 */
int	instance_id_load(const char *dir, char id[INSTANCE_ID_LEN + 1],
	    char **cause);

#endif
