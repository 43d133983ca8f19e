/*
 * kb_menu — WeChat's rules for the name of a custom-menu button (protocol
 * doc §7.9), shared by the loader (an item's menu_name and menu_group) and
 * the menu builder (wx_menu).  The platform takes 16 bytes at the top and
 * 60 below, but shows only 4 Chinese characters of a top-level name and 8
 * of a sub-button's and cuts the rest to "...": a name is held to what is
 * shown, counting a Chinese character as two letters.
 */
#ifndef KB_MENU_H
#define KB_MENU_H

#include <stddef.h>

#define KB_MENU_TOP_BYTES	16
#define KB_MENU_SUB_BYTES	60
#define KB_MENU_TOP_WIDTH	8	/* 4 Chinese characters */
#define KB_MENU_SUB_WIDTH	16	/* 8 Chinese characters */

/* The width WeChat gives s: 1 per ASCII character, 2 per other. */
size_t	kb_menu_width(const char *s);

/*
 * Check a button name, top-level (top 1) or sub-button.  Returns 0, or -1
 * with why (size bytes, NUL-terminated) saying what is wrong, e.g.
 * "\"...\" is 6 Chinese characters wide; WeChat shows 4 on a top-level
 * button".
 */
int	kb_menu_name_check(const char *name, int top, char *why, size_t size);

#endif
