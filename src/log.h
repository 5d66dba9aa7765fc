/*
 * log.h - every output sink: stderr messages, the debug transcript and the
 * one-line-per-message logfile.
 *
 * Contract: nothing else in postie writes diagnostics.  The protocol trace
 * goes only through log_proto(), which hides what the caller marks as
 * secret; no debug level shows it.  Functions never exit and never fail
 * loudly: a logfile that cannot be written makes log_record_write() return
 * -1 so that the caller can print the line on stderr instead.  The
 * per-message record holds no payload and no secret: only the keys
 * msmtp logs (and "queued" when postie queued the message).
 */
#ifndef POSTIE_LOG_H
#define POSTIE_LOG_H

#include <stddef.h>

enum log_dir {
	LOG_DIR_IN,		/* from the server */
	LOG_DIR_OUT,		/* to the server */
	LOG_DIR_LAST
};

/* hide_from value meaning "nothing on this line is secret". */
#define LOG_SHOW_ALL ((size_t)-1)

void log_set_progname(const char *name);
void log_set_debug(int level);
int log_debug_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Trace one protocol line (without CRLF) when debugging.  Bytes from
 * offset hide_from on are replaced by "<hidden>"; the SMTP engine decides
 * the offset from its state, so a secret is hidden even when it does not
 * look like one.
 */
void log_proto(enum log_dir dir, const char *line, size_t len,
    size_t hide_from);

/* The facts of one delivery attempt, as msmtp's logfile keys. */
struct log_record {
	const char *host;
	int tls;
	int auth;
	const char *user;
	const char *from;
	const char *recipients;	/* comma separated */
	long long mailsize;
	const char *smtpstatus;	/* "250" or "550 5.1.1", or NULL */
	const char *smtpmsg;	/* the server's last reply text, or NULL */
	const char *errormsg;	/* our one-line error, or NULL */
	const char *queued;	/* queue ID when queued, or NULL */
	const char *account;	/* the failover account that delivered */
	int exitcode;
};

/* The time stamp msmtp puts first on a logfile line (strftime). */
#define LOG_TIME_FORMAT_DEFAULT "%b %d %H:%M:%S"

/*
 * Append the record as one line "STAMP host=... exitcode=EX_..." to path
 * ("-" means stdout), STAMP made by strftime with time_format (NULL or
 * empty: LOG_TIME_FORMAT_DEFAULT).  The file is locked (flock) while
 * writing, so lines of concurrent runs never mix.  0 or -1 with errno.
 */
int log_record_write(const char *path, const char *time_format,
    const struct log_record *rec);

/*
 * Send the line (without a time stamp) to syslog with the ident
 * "postie", the given facility, and LOG_INFO for success or LOG_ERR.
 */
void log_record_syslog(int facility, const struct log_record *rec);

/*
 * "host=... tls=on auth=on [user=...] from=... recipients=...
 * [mailsize=N] [smtpstatus=...] [smtpmsg='...'] [errormsg='...']
 * [account=NAME] [queued=ID] exitcode=EX_...", newly allocated: user only when
 * authentication was used, mailsize only on success, as msmtp writes.
 */
char *log_record_format(const struct log_record *rec);

/*
 * The syslog facility called name ("LOG_USER", "LOG_MAIL", "LOG_LOCAL0"
 * ... "LOG_LOCAL7"): 0 with *facility set, or -1.
 */
int log_facility_lookup(const char *name, int *facility);

/* "EX_OK", "EX_TEMPFAIL", ... for a sysexits value. */
const char *log_exit_name(int status);

#endif
