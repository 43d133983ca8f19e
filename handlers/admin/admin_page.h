/* admin_page — serve the embedded admin page under /admin/. */
#ifndef ADMIN_PAGE_H
#define ADMIN_PAGE_H

struct evhttp_request;

/*
 * Answer path when it is /admin or under /admin/: the file, 404, 405 for
 * methods other than GET, or a redirect from /admin to /admin/.  Returns
 * 1 when it answered, 0 when path is not the page's.
 */
int	admin_page_serve(struct evhttp_request *, const char *path);

#endif
