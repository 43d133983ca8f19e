/*
 * kb_menu — the width and length rules of a menu button's name.
 */
#include <stdio.h>
#include <string.h>

#include "kb/kb_menu.h"

size_t
kb_menu_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	for (; *p != '\0'; p++) {
		if (*p < 0x80)
			w++;
		else if ((*p & 0xC0) != 0x80)	/* a lead byte */
			w += 2;
	}
	return w;
}

int
kb_menu_name_check(const char *name, int top, char *why, size_t size)
{
	size_t bytes = strlen(name), width = kb_menu_width(name);
	size_t max_b = top ? KB_MENU_TOP_BYTES : KB_MENU_SUB_BYTES;
	size_t max_w = top ? KB_MENU_TOP_WIDTH : KB_MENU_SUB_WIDTH;

	if (bytes == 0) {
		snprintf(why, size, "is empty");
		return -1;
	}
	if (width > max_w) {
		snprintf(why, size, "\"%s\" is %zu Chinese characters wide; "
		    "WeChat shows %zu on a %s", name, (width + 1) / 2,
		    max_w / 2, top ? "top-level button" : "sub-button");
		return -1;
	}
	if (bytes > max_b) {
		snprintf(why, size, "\"%s\" is %zu bytes; WeChat takes %zu on "
		    "a %s", name, bytes, max_b, top ? "top-level button" :
		    "sub-button");
		return -1;
	}
	return 0;
}
