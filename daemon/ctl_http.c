/* ctl_http — wxkbctl's HTTP client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon/config.h"
#include "daemon/ctl_http.h"

static size_t
ctl_http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct ctl_http_reply *r = arg;
	size_t add = size * n;
	char *p;

	if (r->len + add > CTL_HTTP_MAX_REPLY)
		return 0;
	p = realloc(r->body, r->len + add + 1);
	if (p == NULL)
		return 0;
	memcpy(p + r->len, data, add);
	r->len += add;
	p[r->len] = '\0';
	r->body = p;
	return add;
}

int
ctl_http(const char *method, const char *url, const char *type,
    const char *body, size_t len, const char *bearer, long timeout,
    struct ctl_http_reply *reply)
{
	struct curl_slist *hdrs = NULL;
	char line[512];
	CURL *c;
	CURLcode rc;

	memset(reply, 0, sizeof *reply);
	c = curl_easy_init();
	if (c == NULL) {
		fprintf(stderr, "wxkbctl: cannot initialise libcurl\n");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ctl_http_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	if (type != NULL) {
		snprintf(line, sizeof line, "Content-Type: %s", type);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (bearer != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s",
		    bearer);
		hdrs = curl_slist_append(hdrs, line);
		memset(line, 0, sizeof line);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "wxkbctl: %s: %s\n", url,
		    curl_easy_strerror(rc));
		free(reply->body);
		memset(reply, 0, sizeof *reply);
		return -1;
	}
	if (reply->body == NULL) {
		reply->body = strdup("");
		if (reply->body == NULL)
			return -1;
	}
	return 0;
}

char *
ctl_http_url(const char *hostport, const char *path)
{
	char *url;

	if (asprintf(&url, "http://%s%s", hostport, path) == -1)
		return NULL;
	return url;
}
