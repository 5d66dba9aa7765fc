/*
 * util.c - allocation, bounded parsing, the failure record.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void
oom(void)
{
	static const char msg[] = "postie: out of memory\n";

	/* Nothing may allocate here; write(2) directly. */
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EX_OSERR);
	_exit(EX_OSERR);
}

void
failure_clear(struct failure *f)
{
	if (f != NULL)
		memset(f, 0, sizeof(*f));
}

void
failure_set(struct failure *f, enum fail_class cls, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	memset(f, 0, sizeof(*f));
	f->cls = cls;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	util_one_line(f->text);
}

void
failure_prefix(struct failure *f, const char *fmt, ...)
{
	char head[FAILURE_TEXT_MAX], old[FAILURE_TEXT_MAX];
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, f->text, sizeof(old));
	/* A long context may cut the old text short; one line still reads. */
	if (snprintf(f->text, sizeof(f->text), "%s: %s", head, old) < 0)
		strlcpy(f->text, old, sizeof(f->text));
	util_one_line(f->text);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
util_buf_add(struct util_buf *b, const void *s, size_t n)
{
	if (b->p == NULL || b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *
util_read_secret(int fd, size_t max, size_t *len)
{
	size_t cap = 256, n = 0;
	char *buf = xmalloc(cap + 1), *bigger;
	ssize_t got = 0;
	int saved;

	while (n < max) {
		if (n == cap) {
			bigger = xmalloc(cap * 2 + 1);
			memcpy(bigger, buf, n);
			explicit_bzero(buf, n);
			free(buf);
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (got < 0 || n >= max) {
		saved = got < 0 ? errno : E2BIG;
		explicit_bzero(buf, n);
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
util_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

char *
util_trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

char *
util_buf_take(struct util_buf *b)
{
	char *p = b->p != NULL ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return p;
}

int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void
util_one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = (*s == '\t') ? ' ' : '?';
}

long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
util_expand_home(const char *path)
{
	const char *home;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return xstrdup(path);
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return xstrdup(path);
	return xasprintf("%s%s", home, path + 1);
}

/*
 * RFC 7512 lets a PKCS#11 URI carry the token's PIN; every message and
 * listing that names such a URI shows it with the PIN as "*".
 */
char *
util_hide_pin(const char *uri)
{
	static const char attr[] = "pin-value=";
	struct util_buf b = { 0 };
	const char *p, *end;

	if (uri == NULL)
		return NULL;
	if (strncasecmp(uri, "pkcs11:", 7) != 0)
		return xstrdup(uri);
	/* Each step takes one attribute with the separator before it. */
	util_buf_add(&b, uri, 6);
	for (p = uri + 6; *p != '\0'; p = end) {
		end = p + strcspn(p + 1, ";?&") + 1;
		if (strncasecmp(p + 1, attr, sizeof(attr) - 1) == 0) {
			util_buf_add(&b, p, sizeof(attr));
			util_buf_add(&b, "*", 1);
		} else
			util_buf_add(&b, p, (size_t)(end - p));
	}
	return util_buf_take(&b);
}

int
util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#ifndef HAVE_EXPLICIT_BZERO
void
explicit_bzero(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}
#endif

#ifndef HAVE_STRLCPY
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
#endif
