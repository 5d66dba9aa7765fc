/*
 * util.h - allocation, bounded parsing and the shared failure record.
 *
 * Contract: the x* allocators never return NULL; on exhaustion they print
 * one line and exit with EX_OSERR (the only exit outside main.c).
 * struct failure is owned by the caller and filled by the callee on error;
 * its text is a single line (CR/LF removed) naming what and where.
 */
#ifndef POSTIE_UTIL_H
#define POSTIE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * What went wrong, independent of how it is reported.  result.c maps each
 * class (with the SMTP code where there is one) to an exit status and to
 * "keep or drop" once, for the whole program.
 */
enum fail_class {
	FAIL_NONE = 0,
	FAIL_USAGE,		/* bad command line */
	FAIL_CONFIG,		/* rc file or account problem */
	FAIL_DATA,		/* the message itself is unacceptable */
	FAIL_NOINPUT,		/* an input file is missing or unreadable */
	FAIL_OS,		/* local system error (fork, pipe, ...) */
	FAIL_CANTCREAT,		/* cannot create an output file */
	FAIL_IO,		/* local I/O error on stdin or the spool */
	FAIL_SOFTWARE,		/* internal inconsistency */
	FAIL_DNS_TEMP,		/* name lookup failed, may work later */
	FAIL_DNS_PERM,		/* host does not exist */
	FAIL_NET_TEMP,		/* connect refused, reset, timeout */
	FAIL_TLS,		/* TLS handshake or verification failure */
	FAIL_PROTOCOL,		/* the server broke the protocol */
	FAIL_NOCAP,		/* server lacks a required capability */
	FAIL_AUTH,		/* authentication refused or impossible */
	FAIL_SMTP,		/* a server reply; smtp_code says 4xx/5xx */
	FAIL_LAST
};

/* Which command a server reply answered; lets result.c tell 65 from 69. */
enum smtp_stage {
	STAGE_NONE = 0,
	STAGE_GREETING,
	STAGE_EHLO,
	STAGE_STARTTLS,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA,
	STAGE_BODY,		/* the reply after the final dot */
	STAGE_QUIT,
	STAGE_LAST
};

#define FAILURE_TEXT_MAX 512

struct failure {
	enum fail_class cls;
	enum smtp_stage stage;
	int smtp_code;		/* 0 when no server reply is involved */
	char estatus[16];	/* enhanced status "5.1.1", or "" */
	char text[FAILURE_TEXT_MAX];
};

/* Fill f (if not NULL) with a class and a printf-style one-line text. */
void failure_set(struct failure *f, enum fail_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the existing text with "what: " to add context on the way up. */
void failure_prefix(struct failure *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void failure_clear(struct failure *f);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* A growing string of bytes; zero-initialize it before the first add. */
struct util_buf {
	char *p;		/* NUL-terminated once anything was added */
	size_t len, cap;
};

void util_buf_add(struct util_buf *b, const void *s, size_t n);
/* The bytes as a string ("" if none), now the caller's; b is emptied. */
char *util_buf_take(struct util_buf *b);

/*
 * Read fd to its end, for data that may hold a secret: the buffer is
 * wiped whenever it grows.  NUL-terminated; NULL with errno set (E2BIG
 * when max bytes or more came) and nothing left in memory on failure.
 */
char *util_read_secret(int fd, size_t max, size_t *len);
/* 1 if s holds a control character (below 0x20, or DEL), else 0. */
int util_has_ctl(const char *s);
/* Blanks, and a CR or LF left by DOS line ends, cut off both ends. */
char *util_trim(char *s);

/* Parse a whole decimal string into [min, max]; 0 on success, -1 if not. */
int util_parse_long(const char *s, long min, long max, long *out);

/* Replace CR, LF and other control bytes with '?', in place. */
void util_one_line(char *s);

/* Monotonic clock in milliseconds. */
long long util_now_ms(void);

/* "~" and "~/x" expanded against $HOME; returns a new string. */
char *util_expand_home(const char *path);

/* A copy of a PKCS#11 URI with each pin-value shown as "*" (other strings
 * copied as they are); NULL gives NULL.  The caller frees it. */
char *util_hide_pin(const char *uri);

/* Write all of buf to fd, retrying on EINTR; 0 or -1 with errno. */
int util_write_all(int fd, const void *buf, size_t len);

#ifndef HAVE_EXPLICIT_BZERO
void explicit_bzero(void *p, size_t n);
#endif
#ifndef HAVE_STRLCPY
size_t strlcpy(char *dst, const char *src, size_t size);
#endif

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
