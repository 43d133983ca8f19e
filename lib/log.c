/*
 * log.c — the one log module (contract in log.h).
 *
 * Two sinks.  When systemd connected our stderr to the journal (the
 * JOURNAL_STREAM variable names the device and inode of that stream)
 * lines go through sd_journal_sendv so PRIORITY and the structured
 * fields survive; otherwise each call writes one logfmt line.  A line is
 * assembled in a bounded buffer and written in one piece, so concurrent
 * threads never interleave halves of lines.
 *
 * Rate limiting: warnings and worse are counted per WXKB_EVENT in fixed
 * windows; past the burst they are dropped and counted, and the first
 * line of that event in a later window carries SUPPRESSED=<count>.  The
 * table of events is bounded: an unknown event past its size shares one
 * overflow bucket, so hostile input cannot grow it.
 */

#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "lib/log.h"
#include "lib/utf8.h"

#define LOG_MSG_MAX	2048	/* formatted message, truncated past */
#define LOG_LINE_MAX	8192	/* one logfmt line or all journal fields */
#define LOG_KV_MAX	32	/* fields per line, more are dropped */
#define LOG_KEY_MAX	64	/* journald allows 64 bytes per field name */
#define LOG_IDENT_MAX	32

#define LOG_RL_BURST	10	/* lines per window per event */
#define LOG_RL_WINDOW	10000	/* window length, milliseconds */
#define LOG_RL_EVENTS	64	/* distinct events tracked */
#define LOG_RL_NAME	48	/* longer event names share a prefix bucket */

/* One rate-limit bucket. */
struct log_bucket {
	char		 lb_name[LOG_RL_NAME];	/* "" for the NULL event */
	int		 lb_used;	/* slot holds an event */
	uint64_t	 lb_start;	/* window start, ms of log clock */
	unsigned int	 lb_lines;	/* lines logged in this window */
	uint64_t	 lb_suppressed;	/* lines dropped since last report */
};

static atomic_int	 log_level = LOG_INFO;
static atomic_int	 log_journal;	/* journald sink active */
static atomic_int	 log_forced;	/* logfmt even under journald */

static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char		 log_ident[LOG_IDENT_MAX] = "wxkbd";
static FILE		*log_stream;	/* NULL: stderr */
static log_clock_fn	 log_clock;	/* NULL: CLOCK_MONOTONIC */
static struct log_bucket log_buckets[LOG_RL_EVENTS];
static struct log_bucket log_overflow;	/* events past the table */

static const char *const log_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

static uint64_t
log_now_ms(void)
{
	struct timespec	ts;

	if (log_clock != NULL)
		return log_clock();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Is stderr the stream journald handed us? */
static int
log_detect_journal(void)
{
	const char		*env;
	char			*end;
	unsigned long long	 dev, ino;
	struct stat		 st;

	env = getenv("JOURNAL_STREAM");
	if (env == NULL || *env == '\0')
		return 0;
	errno = 0;
	dev = strtoull(env, &end, 10);
	if (errno != 0 || end == env || *end != ':')
		return 0;
	env = end + 1;
	ino = strtoull(env, &end, 10);
	if (errno != 0 || end == env || *end != '\0')
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, int level)
{
	int	saved = errno;

	pthread_mutex_lock(&log_mtx);
	if (ident != NULL && *ident != '\0')
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	memset(log_buckets, 0, sizeof(log_buckets));
	memset(&log_overflow, 0, sizeof(log_overflow));
	pthread_mutex_unlock(&log_mtx);
	log_set_level(level);
	atomic_store(&log_journal, log_detect_journal());
	errno = saved;
}

void
log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	atomic_store(&log_level, level);
}

int
log_get_level(void)
{
	return atomic_load(&log_level);
}

int
log_level_parse(const char *name)
{
	static const struct {
		const char	*name;
		int		 level;
	} table[] = {
		{ "debug",	LOG_DEBUG },
		{ "info",	LOG_INFO },
		{ "notice",	LOG_NOTICE },
		{ "warning",	LOG_WARNING },
		{ "err",	LOG_ERR },
	};
	size_t	i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(name, table[i].name) == 0)
			return table[i].level;
	}
	return -1;
}

void
log_force_stderr(int on)
{
	atomic_store(&log_forced, on != 0);
}

void
log_set_stream(FILE *fp)
{
	pthread_mutex_lock(&log_mtx);
	log_stream = fp;
	pthread_mutex_unlock(&log_mtx);
}

void
log_set_clock(log_clock_fn fn)
{
	pthread_mutex_lock(&log_mtx);
	log_clock = fn;
	memset(log_buckets, 0, sizeof(log_buckets));
	memset(&log_overflow, 0, sizeof(log_overflow));
	pthread_mutex_unlock(&log_mtx);
}

/* The bucket of an event; the caller holds log_mtx. */
static struct log_bucket *
log_bucket_find(const char *event)
{
	const char	*name = event != NULL ? event : "";
	size_t		 i;

	for (i = 0; i < LOG_RL_EVENTS; i++) {
		if (!log_buckets[i].lb_used)
			break;
		if (strncmp(log_buckets[i].lb_name, name,
		    LOG_RL_NAME - 1) == 0)
			return &log_buckets[i];
	}
	if (i == LOG_RL_EVENTS)
		return &log_overflow;
	log_buckets[i].lb_used = 1;
	snprintf(log_buckets[i].lb_name, LOG_RL_NAME, "%s", name);
	return &log_buckets[i];
}

/*
 * Decide whether a line may go out.  Returns 0 to drop it, 1 to log it;
 * *suppressed receives the count to report with it (0 for none).
 */
static int
log_ratelimit(int prio, const char *event, uint64_t *suppressed)
{
	struct log_bucket	*b;
	uint64_t		 now;
	int			 pass = 1;

	*suppressed = 0;
	if (prio > LOG_WARNING)
		return 1;
	pthread_mutex_lock(&log_mtx);
	now = log_now_ms();
	b = log_bucket_find(event);
	if (b->lb_lines == 0 || now - b->lb_start >= LOG_RL_WINDOW ||
	    now < b->lb_start) {
		b->lb_start = now;
		b->lb_lines = 0;
	}
	if (b->lb_lines >= LOG_RL_BURST) {
		b->lb_suppressed++;
		pass = 0;
	} else {
		b->lb_lines++;
		*suppressed = b->lb_suppressed;
		b->lb_suppressed = 0;
	}
	pthread_mutex_unlock(&log_mtx);
	return pass;
}

/* A field name journald accepts: [A-Z0-9_], not starting with _ or digit. */
static int
log_key_valid(const char *key)
{
	size_t	n;

	if (key == NULL || *key < 'A' || *key > 'Z')
		return 0;
	for (n = 0; key[n] != '\0'; n++) {
		if (n >= LOG_KEY_MAX)
			return 0;
		if (!((key[n] >= 'A' && key[n] <= 'Z') ||
		    (key[n] >= '0' && key[n] <= '9') || key[n] == '_'))
			return 0;
	}
	return 1;
}

/* Bounded string builder over a caller's buffer; always terminated. */
struct log_buf {
	char	*b_data;
	size_t	 b_len;
	size_t	 b_size;	/* includes the terminating NUL */
};

static void
log_putc(struct log_buf *b, char c)
{
	if (b->b_len + 1 < b->b_size) {
		b->b_data[b->b_len++] = c;
		b->b_data[b->b_len] = '\0';
	}
}

static void
log_puts(struct log_buf *b, const char *s)
{
	while (*s != '\0')
		log_putc(b, *s++);
}

/* Does a logfmt value need quotes? */
static int
log_needs_quote(const char *v)
{
	const unsigned char	*p;

	if (*v == '\0')
		return 1;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p == 0x7f)
			return 1;
		if (*p >= 0x80) {
			size_t	n = utf8_char(p, UTF8_MAX, NULL);

			if (n == 0)
				return 1;
			p += n - 1;
		}
	}
	return 0;
}

/*
 * Append a logfmt value: bare when it is plain, else quoted with \" \\
 * \n \r \t and \xHH for other control bytes and broken UTF-8, so a line
 * never holds a raw newline or a byte a terminal would act on.
 */
static void
log_put_value(struct log_buf *b, const char *v, int force_quote)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)v;
	size_t			 n;

	if (!force_quote && !log_needs_quote(v)) {
		log_puts(b, v);
		return;
	}
	log_putc(b, '"');
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			log_putc(b, '\\');
			log_putc(b, (char)*p++);
		} else if (*p == '\n') {
			log_puts(b, "\\n");
			p++;
		} else if (*p == '\r') {
			log_puts(b, "\\r");
			p++;
		} else if (*p == '\t') {
			log_puts(b, "\\t");
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			log_puts(b, "\\x");
			log_putc(b, hex[*p >> 4]);
			log_putc(b, hex[*p & 0xf]);
			p++;
		} else if (*p < 0x80) {
			log_putc(b, (char)*p++);
		} else {
			n = utf8_char(p, UTF8_MAX, NULL);
			if (n == 0) {
				log_puts(b, "\\x");
				log_putc(b, hex[*p >> 4]);
				log_putc(b, hex[*p & 0xf]);
				p++;
				continue;
			}
			/* Keep a sequence whole or drop it at the limit. */
			if (b->b_len + n + 2 >= b->b_size)
				break;
			while (n-- > 0)
				log_putc(b, (char)*p++);
		}
	}
	log_putc(b, '"');
}

/* Append a key lower-cased, as logfmt readers expect. */
static void
log_put_key(struct log_buf *b, const char *key)
{
	log_putc(b, ' ');
	for (; *key != '\0'; key++) {
		if (*key >= 'A' && *key <= 'Z')
			log_putc(b, (char)(*key - 'A' + 'a'));
		else
			log_putc(b, *key);
	}
	log_putc(b, '=');
}

static const char *
log_level_name(int prio)
{
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		return "unknown";
	return log_names[prio];
}

static void
log_write_logfmt(int prio, const char *event, const struct log_kv *kv,
    size_t nkv, const char *msg, uint64_t suppressed)
{
	char		 line[LOG_LINE_MAX], ts[64], num[48];
	struct log_buf	 b = { line, 0, sizeof(line) - 1 };
	struct timespec	 now;
	struct tm	 tm;
	FILE		*fp;
	size_t		 i;

	line[0] = '\0';
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	log_puts(&b, "ts=");
	log_puts(&b, ts);
	snprintf(num, sizeof(num), ".%03ldZ", now.tv_nsec / 1000000);
	log_puts(&b, num);
	log_puts(&b, " level=");
	log_puts(&b, log_level_name(prio));
	if (event != NULL && *event != '\0') {
		log_puts(&b, " event=");
		log_put_value(&b, event, 0);
	}
	log_puts(&b, " msg=");
	log_put_value(&b, msg, 1);
	for (i = 0; i < nkv && i < LOG_KV_MAX; i++) {
		if (!log_key_valid(kv[i].key) || kv[i].value == NULL ||
		    kv[i].value[0] == '\0')
			continue;
		log_put_key(&b, kv[i].key);
		log_put_value(&b, kv[i].value, 0);
	}
	if (suppressed > 0) {
		snprintf(num, sizeof(num), " suppressed=%" PRIu64,
		    suppressed);
		log_puts(&b, num);
	}
	/* The buffer kept one byte back for this newline. */
	line[b.b_len++] = '\n';

	pthread_mutex_lock(&log_mtx);
	fp = log_stream != NULL ? log_stream : stderr;
	fwrite(line, 1, b.b_len, fp);
	fflush(fp);
	pthread_mutex_unlock(&log_mtx);
}

/* Add "KEY=value" as one journal field carved out of the buffer. */
static void
log_field(struct iovec *iov, int *n, struct log_buf *b, const char *key,
    const char *value)
{
	size_t	start = b->b_len;

	/* A field cut before its '=' would make journald drop the entry. */
	if (b->b_size - b->b_len < strlen(key) + 2)
		return;
	log_puts(b, key);
	log_putc(b, '=');
	log_puts(b, value);
	iov[*n].iov_base = b->b_data + start;
	iov[*n].iov_len = b->b_len - start;
	(*n)++;
	/* Fields are length-delimited; skip past the terminating NUL. */
	if (b->b_len + 1 < b->b_size)
		b->b_len++;
}

static void
log_write_journal(int prio, const char *event, const struct log_kv *kv,
    size_t nkv, const char *msg, uint64_t suppressed)
{
	char		 data[LOG_LINE_MAX], num[32];
	struct log_buf	 b = { data, 0, sizeof(data) };
	struct iovec	 iov[LOG_KV_MAX + 5];
	int		 n = 0;
	size_t		 i;

	data[0] = '\0';
	log_field(iov, &n, &b, "MESSAGE", msg);
	snprintf(num, sizeof(num), "%d", prio);
	log_field(iov, &n, &b, "PRIORITY", num);
	pthread_mutex_lock(&log_mtx);
	log_field(iov, &n, &b, "SYSLOG_IDENTIFIER", log_ident);
	pthread_mutex_unlock(&log_mtx);
	if (event != NULL && *event != '\0')
		log_field(iov, &n, &b, "WXKB_EVENT", event);
	for (i = 0; i < nkv && i < LOG_KV_MAX; i++) {
		if (!log_key_valid(kv[i].key) || kv[i].value == NULL ||
		    kv[i].value[0] == '\0')
			continue;
		log_field(iov, &n, &b, kv[i].key, kv[i].value);
	}
	if (suppressed > 0) {
		snprintf(num, sizeof(num), "%" PRIu64, suppressed);
		log_field(iov, &n, &b, "SUPPRESSED", num);
	}
	sd_journal_sendv(iov, n);
}

void
log_msg(int prio, const char *event, const struct log_kv *kv, size_t nkv,
    const char *fmt, ...)
{
	char		 msg[LOG_MSG_MAX];
	va_list		 ap;
	uint64_t	 suppressed;
	int		 saved = errno;

	if (prio > atomic_load(&log_level))
		return;
	if (!log_ratelimit(prio, event, &suppressed))
		goto out;
	va_start(ap, fmt);
	/* errno back for %m in fmt. */
	errno = saved;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (kv == NULL)
		nkv = 0;
	if (atomic_load(&log_journal) && !atomic_load(&log_forced))
		log_write_journal(prio, event, kv, nkv, msg, suppressed);
	else
		log_write_logfmt(prio, event, kv, nkv, msg, suppressed);
 out:
	errno = saved;
}

static void __attribute__((noreturn))
log_vfatal(int with_errno, const char *fmt, va_list ap)
{
	char	msg[LOG_MSG_MAX];
	int	saved = errno;
	char	ident[LOG_IDENT_MAX];

	pthread_mutex_lock(&log_mtx);
	memcpy(ident, log_ident, sizeof(ident));
	pthread_mutex_unlock(&log_mtx);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s\n", ident, msg, strerror(saved));
	else
		fprintf(stderr, "%s: %s\n", ident, msg);
	fflush(stderr);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vfatal(1, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vfatal(0, fmt, ap);
	va_end(ap);
}
