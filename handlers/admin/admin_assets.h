/*
 * admin_assets — the admin page's static files (handlers/admin/page/), compiled
 * into wxkbd by handlers/admin/embed.sh.
 */
#ifndef ADMIN_ASSETS_H
#define ADMIN_ASSETS_H

#include <stddef.h>

struct admin_asset {
	const char		*name;	/* file name: "index.html" */
	const char		*type;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

/* Ends with an entry whose name is NULL. */
extern const struct admin_asset admin_assets[];

#endif
