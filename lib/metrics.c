/*
 * metrics.c — the registry behind GET /metrics (contract in metrics.h).
 *
 * Families live in one static table; series are found by their escaped
 * label set, which is checked against the family's declared label names
 * before it is stored, so whatever is stored renders as valid exposition
 * text.  One mutex guards everything: the request path touches a few
 * small arrays and a scrape renders a few kilobytes.
 */

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/metrics.h"
#include "lib/utf8.h"

enum metrics_type {
	METRICS_COUNTER,	/* only goes up; uint64_t */
	METRICS_GAUGE,		/* set to any double */
	METRICS_HISTOGRAM	/* fixed buckets, no labels */
};

struct metrics_series {
	char		*ms_labels;	/* escaped label set */
	uint64_t	 ms_count;	/* counter value */
	double		 ms_value;	/* gauge value */
	int		 ms_quiet;	/* declared, not yet counted: hidden */
};

/* Reply latency buckets, seconds; the label text is kept as written. */
static const struct {
	double		 le;
	const char	*text;
} metrics_buckets[] = {
	{ 0.0005, "0.0005" }, { 0.001, "0.001" }, { 0.0025, "0.0025" },
	{ 0.005, "0.005" }, { 0.01, "0.01" }, { 0.025, "0.025" },
	{ 0.05, "0.05" }, { 0.1, "0.1" }, { 0.25, "0.25" }, { 0.5, "0.5" },
	{ 1, "1" }, { 2.5, "2.5" }, { 5, "5" },
};
#define METRICS_NBUCKETS	(sizeof(metrics_buckets) / \
				    sizeof(metrics_buckets[0]))

struct metrics_family {
	const char		*mf_name;
	enum metrics_type	 mf_type;
	const char		*mf_labels;	/* "a,b"; NULL: none */
	const char		*mf_help;
	const char		*mf_preset;	/* "|"-separated sets at 0 */

	/* Labelled families: stored series and the overflow one. */
	struct metrics_series	*mf_series;
	size_t			*mf_index;	/* declared: i -> mf_series */
	size_t			 mf_nindex;
	size_t			 mf_nseries;
	size_t			 mf_cap;
	struct metrics_series	 mf_other;	/* also the unlabelled one */
	int			 mf_other_used;

	/* Histograms; bucket counts are per bucket, summed when rendered. */
	uint64_t		 mf_bucket[METRICS_NBUCKETS];
	uint64_t		 mf_hcount;
	double			 mf_hsum;
};

/* The declared families, in the order they are rendered. */
#define FAMILY(id, name, type, labels, help) \
	[id] = { .mf_name = (name), .mf_type = (type), \
	  .mf_labels = (labels), .mf_help = (help) }
#define FAMILY_PRESET(id, name, type, labels, help, preset) \
	[id] = { .mf_name = (name), .mf_type = (type), \
	  .mf_labels = (labels), .mf_help = (help), .mf_preset = (preset) }
static struct metrics_family metrics_families[M_NFAMILIES] = {
	FAMILY(M_HTTP_REQUESTS, "wxkb_http_requests_total",
	    METRICS_COUNTER, "route,status",
	    "HTTP requests answered, by route and status code."),
	FAMILY(M_MESSAGES, "wxkb_messages_total",
	    METRICS_COUNTER, "type",
	    "WeChat messages and events received, by type."),
	FAMILY_PRESET(M_KB_RESULTS, "wxkb_kb_results_total",
	    METRICS_COUNTER, "result",
	    "Messages by how the reply was chosen: hit, suggest, miss, ...",
	    "result=\"hit\"|result=\"suggest\"|result=\"miss\""),
	FAMILY(M_REPLY_LATENCY, "wxkb_reply_latency_seconds",
	    METRICS_HISTOGRAM, NULL,
	    "Time from callback received to reply written, seconds."),
	FAMILY(M_RETRY_CACHE_HITS, "wxkb_retry_cache_hits_total",
	    METRICS_COUNTER, NULL,
	    "WeChat retries answered from the retry cache."),
	FAMILY(M_REPLAYS, "wxkb_replays_total",
	    METRICS_COUNTER, NULL,
	    "Callbacks refused as replays of an already seen request."),
	FAMILY(M_BAD_SIGNATURES, "wxkb_bad_signatures_total",
	    METRICS_COUNTER, NULL,
	    "Callbacks refused for a bad signature."),
	FAMILY(M_STALE_TIMESTAMPS, "wxkb_stale_timestamps_total",
	    METRICS_COUNTER, NULL,
	    "Callbacks refused for a timestamp outside the allowed skew."),
	FAMILY(M_DECRYPT_FAILURES, "wxkb_decrypt_failures_total",
	    METRICS_COUNTER, "reason",
	    "Encrypted messages that failed to decrypt (one reason for all: "
	    "which check failed is only logged)."),
	FAMILY(M_API_CALLS, "wxkb_api_calls_total",
	    METRICS_COUNTER, "endpoint,errcode",
	    "WeChat API calls, by endpoint and errcode (0 is success)."),
	FAMILY(M_TOKEN_REFRESHES, "wxkb_token_refreshes_total",
	    METRICS_COUNTER, NULL,
	    "access_token refreshes from the WeChat API."),
	FAMILY_PRESET(M_KB_RELOADS, "wxkb_kb_reloads_total",
	    METRICS_COUNTER, "result",
	    "Knowledge-base reloads, by result: ok or error.",
	    "result=\"ok\"|result=\"error\""),
	FAMILY(M_KB_GENERATION, "wxkb_kb_generation",
	    METRICS_GAUGE, NULL,
	    "Generation of the knowledge base being served."),
	FAMILY(M_KB_ITEMS, "wxkb_kb_items",
	    METRICS_GAUGE, NULL,
	    "Items in the knowledge base being served."),
	FAMILY(M_KB_LAST_RELOAD_OK, "wxkb_kb_last_reload_success",
	    METRICS_GAUGE, NULL,
	    "1 if the last knowledge-base reload succeeded, 0 if it failed."),
	FAMILY(M_KB_LAST_RELOAD_TIME, "wxkb_kb_last_reload_timestamp_seconds",
	    METRICS_GAUGE, NULL,
	    "Unix time of the last knowledge-base reload attempt."),
	FAMILY(M_REDIS_UP, "wxkb_redis_up",
	    METRICS_GAUGE, NULL,
	    "1 while the state shared in Redis is reachable; 0 in degraded "
	    "mode and without WXKB_REDIS."),
};
#undef FAMILY
#undef FAMILY_PRESET
#define METRICS_NFAMILIES	(sizeof(metrics_families) / \
				    sizeof(metrics_families[0]))

static pthread_mutex_t	metrics_mtx = PTHREAD_MUTEX_INITIALIZER;
static double		metrics_start_time;	/* 0: not yet taken */
static int		metrics_seeded;		/* presets stored */

static struct metrics_family *
metrics_family_find(enum metrics_id id, enum metrics_type type)
{
	if ((unsigned)id >= M_NFAMILIES ||
	    metrics_families[id].mf_type != type)
		return NULL;
	return &metrics_families[id];
}

/*
 * Is set exactly name="value",... for the comma-separated names, each
 * value valid UTF-8 with no control byte and only \\ \" \n escapes?
 */
static int
metrics_labels_valid(const char *names, const char *set)
{
	const unsigned char	*p = (const unsigned char *)set;
	size_t			 len, n;

	if (strlen(set) > METRICS_LABELS_MAX)
		return 0;
	for (;;) {
		len = strcspn(names, ",");
		if (len == 0 || strncmp((const char *)p, names, len) != 0)
			return 0;
		p += len;
		if (p[0] != '=' || p[1] != '"')
			return 0;
		for (p += 2; *p != '"'; p += n) {
			if (*p == '\0' || *p < 0x20 || *p == 0x7f)
				return 0;
			if (*p == '\\') {
				if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
					return 0;
				n = 2;
				continue;
			}
			n = utf8_char(p, UTF8_MAX, NULL);
			if (n == 0)
				return 0;
		}
		p++;
		names += len;
		if (*names == '\0')
			return *p == '\0';
		names++;
		if (*p++ != ',')
			return 0;
	}
}

/* The series for labels, stored on first use; the caller holds the lock. */
static struct metrics_series *
metrics_series_get(struct metrics_family *f, const char *labels)
{
	struct metrics_series	*s;
	size_t			 i, cap;

	if (f->mf_labels == NULL)
		goto other;
	if (labels == NULL || !metrics_labels_valid(f->mf_labels, labels))
		goto other;
	for (i = 0; i < f->mf_nseries; i++) {
		if (strcmp(f->mf_series[i].ms_labels, labels) == 0)
			return &f->mf_series[i];
	}
	if (f->mf_nseries == METRICS_SERIES_MAX)
		goto other;
	if (f->mf_nseries == f->mf_cap) {
		cap = f->mf_cap == 0 ? 8 : f->mf_cap * 2;
		if (cap > METRICS_SERIES_MAX)
			cap = METRICS_SERIES_MAX;
		s = reallocarray(f->mf_series, cap, sizeof(*s));
		if (s == NULL)
			goto other;
		f->mf_series = s;
		f->mf_cap = cap;
	}
	s = &f->mf_series[f->mf_nseries];
	memset(s, 0, sizeof(*s));
	s->ms_labels = strdup(labels);
	if (s->ms_labels == NULL)
		goto other;
	f->mf_nseries++;
	return s;
 other:
	f->mf_other_used = 1;
	return &f->mf_other;
}

/*
 * Store the preset label sets so that a rate over them exists from the
 * first scrape; the caller holds the lock.
 */
static void
metrics_seed(void)
{
	char		 set[METRICS_LABELS_MAX + 1];
	const char	*p;
	size_t		 i, len;

	if (metrics_seeded)
		return;
	metrics_seeded = 1;
	for (i = 0; i < METRICS_NFAMILIES; i++) {
		p = metrics_families[i].mf_preset;
		for (; p != NULL && *p != '\0'; p += len + (p[len] == '|')) {
			len = strcspn(p, "|");
			if (len >= sizeof(set))
				continue;
			memcpy(set, p, len);
			set[len] = '\0';
			metrics_series_get(&metrics_families[i], set);
		}
	}
}

int
metrics_counter_add(enum metrics_id family, const char *labels, uint64_t n)
{
	struct metrics_family	*f;
	struct metrics_series	*s;
	int			 r = -1;

	pthread_mutex_lock(&metrics_mtx);
	metrics_seed();
	f = metrics_family_find(family, METRICS_COUNTER);
	if (f == NULL)
		goto out;
	s = metrics_series_get(f, labels);
	s->ms_count += n;
	s->ms_quiet = 0;
	r = 0;
 out:
	pthread_mutex_unlock(&metrics_mtx);
	return r;
}

int
metrics_declare(enum metrics_id family, const char *const *sets,
    size_t n)
{
	struct metrics_family	*f;
	struct metrics_series	*s;
	size_t			*index = NULL, i;
	int			 r = -1;

	pthread_mutex_lock(&metrics_mtx);
	metrics_seed();
	f = metrics_family_find(family, METRICS_COUNTER);
	if (f == NULL || (n > 0 && (index = calloc(n, sizeof(*index))) ==
	    NULL))
		goto out;
	for (i = 0; i < n; i++) {
		size_t before = f->mf_nseries;

		s = metrics_series_get(f, sets[i]);
		index[i] = s == &f->mf_other ? SIZE_MAX :
		    (size_t)(s - f->mf_series);
		/* A set nobody has counted yet is not shown at 0. */
		if (f->mf_nseries > before)
			s->ms_quiet = 1;
	}
	free(f->mf_index);
	f->mf_index = index;
	f->mf_nindex = n;
	r = 0;
 out:
	pthread_mutex_unlock(&metrics_mtx);
	return r;
}

int
metrics_counter_add_at(enum metrics_id family, size_t i, uint64_t n)
{
	struct metrics_family	*f;
	int			 r = -1;

	pthread_mutex_lock(&metrics_mtx);
	f = metrics_family_find(family, METRICS_COUNTER);
	if (f == NULL)
		goto out;
	if (i < f->mf_nindex && f->mf_index[i] != SIZE_MAX) {
		f->mf_series[f->mf_index[i]].ms_count += n;
		f->mf_series[f->mf_index[i]].ms_quiet = 0;
	} else {
		f->mf_other_used = 1;
		f->mf_other.ms_count += n;
	}
	r = 0;
 out:
	pthread_mutex_unlock(&metrics_mtx);
	return r;
}

int
metrics_gauge_set(enum metrics_id family, const char *labels, double v)
{
	struct metrics_family	*f;
	int			 r = -1;

	pthread_mutex_lock(&metrics_mtx);
	f = metrics_family_find(family, METRICS_GAUGE);
	if (f == NULL)
		goto out;
	metrics_series_get(f, labels)->ms_value = v;
	r = 0;
 out:
	pthread_mutex_unlock(&metrics_mtx);
	return r;
}

int
metrics_histogram_observe(enum metrics_id family, double v)
{
	struct metrics_family	*f;
	size_t			 i;
	int			 r = -1;

	if (isnan(v))
		return -1;
	/* A clock step can make a duration negative: count it as zero. */
	if (v < 0)
		v = 0;
	pthread_mutex_lock(&metrics_mtx);
	f = metrics_family_find(family, METRICS_HISTOGRAM);
	if (f == NULL)
		goto out;
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		if (v <= metrics_buckets[i].le) {
			f->mf_bucket[i]++;
			break;
		}
	}
	f->mf_hcount++;
	f->mf_hsum += v;
	r = 0;
 out:
	pthread_mutex_unlock(&metrics_mtx);
	return r;
}

int
metrics_labels(char *buf, size_t size, ...)
{
	va_list			 ap;
	const char		*name;
	const unsigned char	*v;
	size_t			 len = 0, n;
	int			 r = -1;

#define PUT(c) do {				\
	if (len + 1 >= size)			\
		goto out;			\
	buf[len++] = (c);			\
} while (0)

	if (size == 0)
		return -1;
	va_start(ap, size);
	for (;;) {
		name = va_arg(ap, const char *);
		if (name == NULL)
			break;
		v = va_arg(ap, const unsigned char *);
		if (v == NULL)
			v = (const unsigned char *)"";
		if (len > 0)
			PUT(',');
		for (; *name != '\0'; name++)
			PUT(*name);
		PUT('=');
		PUT('"');
		while (*v != '\0') {
			n = utf8_char(v, UTF8_MAX, NULL);
			if (*v == '\\' || *v == '"') {
				PUT('\\');
				PUT((char)*v++);
			} else if (*v == '\n') {
				PUT('\\');
				PUT('n');
				v++;
			} else if (n == 0 || *v < 0x20 || *v == 0x7f) {
				PUT('?');
				v++;
			} else {
				while (n-- > 0)
					PUT((char)*v++);
			}
		}
		PUT('"');
	}
	r = 0;
 out:
#undef PUT
	va_end(ap);
	buf[r == 0 ? len : 0] = '\0';
	return r;
}

static void
metrics_put_double(FILE *fp, double v)
{
	if (isnan(v))
		fputs("NaN", fp);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", fp);
	else
		fprintf(fp, "%.15g", v);
}

/* The overflow series' labels: every declared name set to "other". */
static void
metrics_put_other_labels(FILE *fp, const char *names)
{
	size_t	len;

	fputc('{', fp);
	for (;;) {
		len = strcspn(names, ",");
		fprintf(fp, "%.*s=\"other\"", (int)len, names);
		names += len;
		if (*names == '\0')
			break;
		names++;
		fputc(',', fp);
	}
	fputc('}', fp);
}

static void
metrics_put_series(FILE *fp, const struct metrics_family *f,
    const struct metrics_series *s, int other)
{
	fputs(f->mf_name, fp);
	if (other && f->mf_labels != NULL)
		metrics_put_other_labels(fp, f->mf_labels);
	else if (!other)
		fprintf(fp, "{%s}", s->ms_labels);
	fputc(' ', fp);
	if (f->mf_type == METRICS_COUNTER)
		fprintf(fp, "%" PRIu64, s->ms_count);
	else
		metrics_put_double(fp, s->ms_value);
	fputc('\n', fp);
}

static void
metrics_put_family(FILE *fp, const struct metrics_family *f)
{
	static const char *const	 types[] = {
		"counter", "gauge", "histogram"
	};
	uint64_t			 cum = 0;
	size_t				 i;

	fprintf(fp, "# HELP %s %s\n", f->mf_name, f->mf_help);
	fprintf(fp, "# TYPE %s %s\n", f->mf_name, types[f->mf_type]);
	if (f->mf_type == METRICS_HISTOGRAM) {
		for (i = 0; i < METRICS_NBUCKETS; i++) {
			cum += f->mf_bucket[i];
			fprintf(fp, "%s_bucket{le=\"%s\"} %" PRIu64 "\n",
			    f->mf_name, metrics_buckets[i].text, cum);
		}
		fprintf(fp, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n",
		    f->mf_name, f->mf_hcount);
		fprintf(fp, "%s_sum ", f->mf_name);
		metrics_put_double(fp, f->mf_hsum);
		fprintf(fp, "\n%s_count %" PRIu64 "\n", f->mf_name,
		    f->mf_hcount);
		return;
	}
	for (i = 0; i < f->mf_nseries; i++)
		if (!f->mf_series[i].ms_quiet)
			metrics_put_series(fp, f, &f->mf_series[i], 0);
	/* An unlabelled family always shows its one series, zero or not. */
	if (f->mf_labels == NULL || f->mf_other_used)
		metrics_put_series(fp, f, &f->mf_other, 1);
}

/*
 * Start time from /proc/self/stat (field 22, clock ticks since boot)
 * plus the boot time; CLOCK_BOOTTIME avoids /proc/stat, which
 * ProcSubset=pid hides.  0 when unknown.
 */
static double
metrics_proc_start_time(void)
{
	char		 buf[1024], *p;
	FILE		*fp;
	size_t		 n;
	int		 field;
	unsigned long long ticks;
	long		 hz;
	struct timespec	 rt, bt;

	fp = fopen("/proc/self/stat", "re");
	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	for (field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return 0;
	}
	if (sscanf(p, " %llu", &ticks) != 1)
		return 0;
	hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		return 0;
	if (clock_gettime(CLOCK_REALTIME, &rt) == -1 ||
	    clock_gettime(CLOCK_BOOTTIME, &bt) == -1)
		return 0;
	return (double)(rt.tv_sec - bt.tv_sec) +
	    (double)(rt.tv_nsec - bt.tv_nsec) / 1e9 + (double)ticks / hz;
}

void
metrics_init(void)
{
	struct timespec	now;
	double		t;

	t = metrics_proc_start_time();
	if (t <= 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	}
	pthread_mutex_lock(&metrics_mtx);
	metrics_start_time = t;
	pthread_mutex_unlock(&metrics_mtx);
}

/* Resident set size in bytes from /proc/self/statm; -1 when unknown. */
static double
metrics_rss(void)
{
	FILE			*fp;
	unsigned long long	 size, resident;
	long			 page;
	int			 n;

	fp = fopen("/proc/self/statm", "re");
	if (fp == NULL)
		return -1;
	n = fscanf(fp, "%llu %llu", &size, &resident);
	fclose(fp);
	page = sysconf(_SC_PAGESIZE);
	if (n != 2 || page <= 0)
		return -1;
	return (double)resident * (double)page;
}

/* Open descriptors, not counting the one reading the directory. */
static double
metrics_open_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	double		 n = 0;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

static void
metrics_put_process(FILE *fp, const char *name, const char *help,
    double v)
{
	if (v < 0)
		return;
	fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n%s ", name, help, name,
	    name);
	metrics_put_double(fp, v);
	fputc('\n', fp);
}

char *
metrics_render(void)
{
	FILE	*fp;
	char	*out = NULL;
	size_t	 len = 0, i;
	double	 rss, fds, start;

	pthread_mutex_lock(&metrics_mtx);
	start = metrics_start_time;
	pthread_mutex_unlock(&metrics_mtx);
	if (start == 0)
		metrics_init();
	/* Read /proc before taking the lock; it can be slow. */
	rss = metrics_rss();
	fds = metrics_open_fds();
	fp = open_memstream(&out, &len);
	if (fp == NULL)
		return NULL;
	pthread_mutex_lock(&metrics_mtx);
	metrics_seed();
	for (i = 0; i < METRICS_NFAMILIES; i++)
		metrics_put_family(fp, &metrics_families[i]);
	start = metrics_start_time;
	pthread_mutex_unlock(&metrics_mtx);
	metrics_put_process(fp, "process_resident_memory_bytes",
	    "Resident memory size in bytes.", rss);
	metrics_put_process(fp, "process_open_fds",
	    "Number of open file descriptors.", fds);
	metrics_put_process(fp, "process_start_time_seconds",
	    "Start time of the process since unix epoch in seconds.", start);
	if (ferror(fp)) {
		fclose(fp);
		free(out);
		return NULL;
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

void
metrics_reset(void)
{
	struct metrics_family	*f;
	size_t			 i, j;

	pthread_mutex_lock(&metrics_mtx);
	for (i = 0; i < METRICS_NFAMILIES; i++) {
		f = &metrics_families[i];
		for (j = 0; j < f->mf_nseries; j++)
			free(f->mf_series[j].ms_labels);
		free(f->mf_series);
		f->mf_series = NULL;
		free(f->mf_index);
		f->mf_index = NULL;
		f->mf_nindex = 0;
		f->mf_nseries = f->mf_cap = 0;
		memset(&f->mf_other, 0, sizeof(f->mf_other));
		f->mf_other_used = 0;
		memset(f->mf_bucket, 0, sizeof(f->mf_bucket));
		f->mf_hcount = 0;
		f->mf_hsum = 0;
	}
	metrics_seeded = 0;
	pthread_mutex_unlock(&metrics_mtx);
}
