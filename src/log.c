/*
 * log.c - diagnostics, the protocol trace and the per-message log line.
 *
 * Every byte postie prints about itself or the dialogue passes through
 * here, so redaction has one place to live: log_proto() hides what the
 * engine marks, and the logfile line carries no payload at all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char *progname = "postie";
static int debug_level;

void
log_set_progname(const char *name)
{
	progname = name;
}

void
log_set_debug(int level)
{
	debug_level = level;
}

int
log_debug_level(void)
{
	return debug_level;
}

static void __attribute__((format(printf, 2, 0)))
log_vprint(const char *kind, const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	util_one_line(buf);
	fprintf(stderr, "%s: %s%s\n", progname, kind, buf);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (debug_level <= 0)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

/* Print bytes with control characters escaped, so a hostile reply cannot
 * rewrite the terminal or fake trace lines. */
static void
log_put_escaped(FILE *fp, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			putc(c, fp);
	}
}

void
log_proto(enum log_dir dir, const char *line, size_t len, size_t hide_from)
{
	if (debug_level <= 0)
		return;
	fputs(dir == LOG_DIR_IN ? "<-- " : "--> ", stderr);
	if (hide_from < len) {
		log_put_escaped(stderr, line, hide_from);
		fputs("<hidden>", stderr);
	} else
		log_put_escaped(stderr, line, len);
	putc('\n', stderr);
}

static const struct {
	int status;
	const char *name;
} exit_names[] = {
	{ 0, "EX_OK" },
	{ EX_USAGE, "EX_USAGE" },
	{ EX_DATAERR, "EX_DATAERR" },
	{ EX_NOINPUT, "EX_NOINPUT" },
	{ EX_NOUSER, "EX_NOUSER" },
	{ EX_NOHOST, "EX_NOHOST" },
	{ EX_UNAVAILABLE, "EX_UNAVAILABLE" },
	{ EX_SOFTWARE, "EX_SOFTWARE" },
	{ EX_OSERR, "EX_OSERR" },
	{ EX_OSFILE, "EX_OSFILE" },
	{ EX_CANTCREAT, "EX_CANTCREAT" },
	{ EX_IOERR, "EX_IOERR" },
	{ EX_TEMPFAIL, "EX_TEMPFAIL" },
	{ EX_PROTOCOL, "EX_PROTOCOL" },
	{ EX_NOPERM, "EX_NOPERM" },
	{ EX_CONFIG, "EX_CONFIG" },
};

const char *
log_exit_name(int status)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(exit_names); i++)
		if (exit_names[i].status == status)
			return exit_names[i].name;
	return "EX_UNKNOWN";
}

/* A value for a quoted field: one line, no single quotes to break it. */
static char *
log_quoted(const char *s)
{
	char *q = xstrdup(s != NULL ? s : "");
	char *p;

	util_one_line(q);
	for (p = q; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return q;
}

static const char *
log_or_none(const char *s)
{
	return s != NULL && *s != '\0' ? s : "(none)";
}

/* The middle of the line: only what msmtp also writes for this case. */
static char *
log_record_tail(const struct log_record *r)
{
	char *smtpmsg = NULL, *errmsg = NULL, *size = NULL, *tail;

	if (r->exitcode == 0)
		size = xasprintf("mailsize=%lld ", r->mailsize);
	if (r->smtpmsg != NULL)
		smtpmsg = log_quoted(r->smtpmsg);
	if (r->errormsg != NULL)
		errmsg = log_quoted(r->errormsg);
	tail = xasprintf("%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%sexitcode=%s",
	    size != NULL ? size : "",
	    r->smtpstatus != NULL ? "smtpstatus=" : "",
	    r->smtpstatus != NULL ? r->smtpstatus : "",
	    r->smtpstatus != NULL ? " " : "",
	    smtpmsg != NULL ? "smtpmsg='" : "",
	    smtpmsg != NULL ? smtpmsg : "", smtpmsg != NULL ? "' " : "",
	    errmsg != NULL ? "errormsg='" : "",
	    errmsg != NULL ? errmsg : "", errmsg != NULL ? "' " : "",
	    r->account != NULL ? "account=" : "",
	    r->account != NULL ? r->account : "",
	    r->account != NULL ? " " : "",
	    r->queued != NULL ? "queued=" : "",
	    r->queued != NULL ? r->queued : "",
	    r->queued != NULL ? " " : "", log_exit_name(r->exitcode));
	free(size);
	free(smtpmsg);
	free(errmsg);
	return tail;
}

char *
log_record_format(const struct log_record *r)
{
	char *line, *tail = log_record_tail(r);

	line = xasprintf("host=%s tls=%s auth=%s %s%s%sfrom=%s "
	    "recipients=%s %s",
	    log_or_none(r->host), r->tls ? "on" : "off",
	    r->auth ? "on" : "off", r->auth ? "user=" : "",
	    r->auth ? log_or_none(r->user) : "", r->auth ? " " : "",
	    log_or_none(r->from), log_or_none(r->recipients), tail);
	free(tail);
	return line;
}

/* Append under an exclusive lock: cron and PHP may run postie at once. */
static int
log_append(const char *path, const char *text)
{
	int fd, rc, saved;

	if (strcmp(path, "-") == 0)
		return util_write_all(STDOUT_FILENO, text, strlen(text));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc == 0)
		rc = util_write_all(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
log_record_write(const char *path, const char *time_format,
    const struct log_record *rec)
{
	char stamp[256], *line, *full;
	struct tm tm;
	time_t now = time(NULL);
	int rc;

	if (time_format == NULL || *time_format == '\0')
		time_format = LOG_TIME_FORMAT_DEFAULT;
	stamp[0] = '\0';
	localtime_r(&now, &tm);
	/* The format is the user's (logfile_time_format), as in msmtp; one
	 * that expands to nothing or too much gives no stamp. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(stamp, sizeof(stamp), time_format, &tm) == 0)
		stamp[0] = '\0';
#pragma GCC diagnostic pop
	line = log_record_format(rec);
	full = xasprintf("%s%s%s\n", stamp, *stamp != '\0' ? " " : "",
	    line);
	free(line);
	rc = log_append(path, full);
	free(full);
	return rc;
}

void
log_record_syslog(int facility, const struct log_record *rec)
{
	char *line = log_record_format(rec);

	openlog("postie", 0, facility);
	syslog(rec->exitcode == 0 ? LOG_INFO : LOG_ERR, "%s", line);
	closelog();
	free(line);
}

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
	{ "LOG_USER", LOG_USER },
	{ "LOG_MAIL", LOG_MAIL },
	{ "LOG_LOCAL0", LOG_LOCAL0 },
	{ "LOG_LOCAL1", LOG_LOCAL1 },
	{ "LOG_LOCAL2", LOG_LOCAL2 },
	{ "LOG_LOCAL3", LOG_LOCAL3 },
	{ "LOG_LOCAL4", LOG_LOCAL4 },
	{ "LOG_LOCAL5", LOG_LOCAL5 },
	{ "LOG_LOCAL6", LOG_LOCAL6 },
	{ "LOG_LOCAL7", LOG_LOCAL7 },
};

int
log_facility_lookup(const char *name, int *facility)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(log_facilities); i++) {
		if (strcmp(log_facilities[i].name, name) == 0) {
			*facility = log_facilities[i].facility;
			return 0;
		}
	}
	return -1;
}
