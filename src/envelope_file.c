/*
 * envelope_file.c - the queue file form of an envelope: versioned
 * "key: value" lines closed by "end".
 *
 * Why the form is what it is: one key per line and an end marker make a
 * truncated file (a crash in the middle of a write) recognisable, and
 * the version on the first line lets a newer postie add keys while an
 * older file still parses.  Version 2 added the DSN keys (dsn-notify,
 * dsn-return, envid); a version 1 file simply has none of them.  A file
 * is read back from disk, a trust boundary: every address and every value
 * that ends up in an SMTP command is checked again.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "idn.h"

#define ENVELOPE_VERSION 2
/* RFC 3461: ENVID is at most 100 characters. */
#define ENVID_MAX 100

/* A growing output buffer; the string stays NUL-terminated. */
struct ebuf {
	char *s;
	size_t len, cap;
};

/* Append "key: value\n", the value made one line. */
static void
put(struct ebuf *b, const char *key, const char *value)
{
	char *v = xstrdup(value);
	size_t need;

	util_one_line(v);
	need = b->len + strlen(key) + strlen(v) + 4;
	if (need > b->cap) {
		b->cap = need * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	b->len += (size_t)snprintf(b->s + b->len, b->cap - b->len,
	    "%s: %s\n", key, v);
	free(v);
}

static void
put_num(struct ebuf *b, const char *key, long long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", n);
	put(b, key, num);
}

char *
envelope_serialize(const struct envelope *env)
{
	struct ebuf b = { xstrdup(""), 0, 1 };
	char *r;
	size_t i;

	put_num(&b, "version", ENVELOPE_VERSION);
	if (env->account != NULL)
		put(&b, "account", env->account);
	put(&b, "from", env->from != NULL ? env->from : "");
	put_num(&b, "eightbit", env->eightbit != 0);
	put_num(&b, "smtputf8", env->smtputf8 != 0);
	if (env->msgid != NULL)
		put(&b, "msgid", env->msgid);
	put_num(&b, "size", env->size);
	put_num(&b, "created", env->created);
	put_num(&b, "next-try", env->next_try);
	put_num(&b, "attempts", env->attempts);
	if (env->last_error != NULL)
		put(&b, "last-error", env->last_error);
	if (env->dsn_notify != NULL)
		put(&b, "dsn-notify", env->dsn_notify);
	if (env->dsn_return != NULL)
		put(&b, "dsn-return", env->dsn_return);
	if (env->envid != NULL)
		put(&b, "envid", env->envid);
	for (i = 0; i < env->nrcpts; i++) {
		r = xasprintf("%s %s", envelope_rcpt_done(env, i) ? "done" :
		    "todo", env->rcpts[i]);
		put(&b, "rcpt", r);
		free(r);
	}
	r = xasprintf("%send\n", b.s);
	free(b.s);
	return r;
}

struct eparse {
	struct envelope *env;
	unsigned lineno;
	int version;
	int have_from;
	struct failure *f;
};

static int __attribute__((format(printf, 2, 3)))
eparse_fail(struct eparse *p, const char *fmt, ...)
{
	char buf[FAILURE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	failure_set(p->f, FAIL_DATA, "envelope line %u: %s", p->lineno, buf);
	return -1;
}

static int
eparse_num(struct eparse *p, const char *key, const char *v, long long *out)
{
	long n;

	if (util_parse_long(v, 0, LONG_MAX, &n) == -1)
		return eparse_fail(p, "%s: not a number", key);
	*out = n;
	return 0;
}

static int
eparse_rcpt(struct eparse *p, const char *v)
{
	struct envelope *env = p->env;
	struct failure why;
	int done;

	if (strncmp(v, "done ", 5) == 0)
		done = 1;
	else if (strncmp(v, "todo ", 5) == 0)
		done = 0;
	else
		return eparse_fail(p, "rcpt: not 'todo' or 'done'");
	if (envelope_addr_ok(v + 5, FAIL_DATA, "rcpt", &why) == -1)
		return eparse_fail(p, "%s", why.text);
	env->rcpts = xreallocarray(env->rcpts, env->nrcpts + 1,
	    sizeof(*env->rcpts));
	env->rcpts[env->nrcpts++] = xstrdup(v + 5);
	env->done = xrealloc(env->done, env->nrcpts);
	env->done[env->nrcpts - 1] = (unsigned char)done;
	return 0;
}

static int
eparse_text(struct eparse *p, const char *key, const char *v, char **out)
{
	if (*out != NULL)
		return eparse_fail(p, "%s: given twice", key);
	*out = xstrdup(v);
	return 0;
}

static int
eparse_flag(struct eparse *p, const char *key, const char *v, int *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return eparse_fail(p, "%s: not 0 or 1", key);
	*out = v[0] == '1';
	return 0;
}

static int
eparse_from(struct eparse *p, const char *v)
{
	struct failure why;

	if (p->have_from++)
		return eparse_fail(p, "from: given twice");
	if (*v != '\0' && envelope_addr_ok(v, FAIL_DATA, "from", &why) == -1)
		return eparse_fail(p, "%s", why.text);
	p->env->from = xstrdup(v);
	return 0;
}

/*
 * The DSN values go into MAIL and RCPT parameters: only their wire forms
 * (NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY; RET=FULL or HDRS),
 * and an ENVID of printable ASCII without blanks, as -V takes it (it
 * is sent as xtext).
 */
static int
dsn_value_ok(const char *key, const char *v)
{
	size_t n = strlen(v);

	if (strcmp(key, "dsn-return") == 0)
		return strcmp(v, "FULL") == 0 || strcmp(v, "HDRS") == 0;
	if (strcmp(key, "dsn-notify") == 0)
		return n > 0 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ,") == n;
	for (; *v != '\0'; v++)
		if (*v <= ' ' || *v >= 0x7f)
			return 0;
	return n > 0 && n <= ENVID_MAX;
}

static int
eparse_dsn(struct eparse *p, const char *key, const char *v)
{
	struct envelope *env = p->env;

	if (p->version < 2)
		return eparse_fail(p, "unknown key '%s' in version %d", key,
		    p->version);
	if (!dsn_value_ok(key, v))
		return eparse_fail(p, "%s: not a valid value", key);
	if (strcmp(key, "dsn-notify") == 0)
		return eparse_text(p, key, v, &env->dsn_notify);
	if (strcmp(key, "dsn-return") == 0)
		return eparse_text(p, key, v, &env->dsn_return);
	return eparse_text(p, key, v, &env->envid);
}

static int
eparse_field(struct eparse *p, const char *key, const char *v)
{
	struct envelope *env = p->env;
	long long n = 0;

	if (strcmp(key, "rcpt") == 0)
		return eparse_rcpt(p, v);
	if (strcmp(key, "from") == 0)
		return eparse_from(p, v);
	if (strcmp(key, "account") == 0)
		return eparse_text(p, key, v, &env->account);
	if (strcmp(key, "msgid") == 0)
		return eparse_text(p, key, v, &env->msgid);
	if (strcmp(key, "last-error") == 0)
		return eparse_text(p, key, v, &env->last_error);
	if (strcmp(key, "eightbit") == 0)
		return eparse_flag(p, key, v, &env->eightbit);
	if (strcmp(key, "smtputf8") == 0)
		return eparse_flag(p, key, v, &env->smtputf8);
	if (strcmp(key, "dsn-notify") == 0 || strcmp(key, "dsn-return") == 0 ||
	    strcmp(key, "envid") == 0)
		return eparse_dsn(p, key, v);
	if (strcmp(key, "size") != 0 && strcmp(key, "created") != 0 &&
	    strcmp(key, "next-try") != 0 && strcmp(key, "attempts") != 0)
		return eparse_fail(p, "unknown key '%s'", key);
	if (eparse_num(p, key, v, &n) == -1)
		return -1;
	if (strcmp(key, "size") == 0)
		env->size = n;
	else if (strcmp(key, "created") == 0)
		env->created = n;
	else if (strcmp(key, "next-try") == 0)
		env->next_try = n;
	else
		env->attempts = (long)n;
	return 0;
}

/* One line without its LF; the first must be the version. */
static int
eparse_line(struct eparse *p, char *line)
{
	char *sep;
	size_t i;

	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return eparse_fail(p, "control character");
	if ((sep = strstr(line, ": ")) == NULL)
		return eparse_fail(p, "not 'key: value'");
	*sep = '\0';
	if (p->lineno == 1) {
		if (strcmp(line, "version") != 0)
			return eparse_fail(p, "no version line");
		/* Version 1 had no DSN keys; both still parse. */
		if (strcmp(sep + 2, "1") != 0 && strcmp(sep + 2, "2") != 0)
			return eparse_fail(p, "unknown version '%s'", sep + 2);
		p->version = sep[2] - '0';
		return 0;
	}
	return eparse_field(p, line, sep + 2);
}

static int
eparse_all(struct eparse *p, const char *buf, size_t len)
{
	const char *nl;
	char *line;
	int rc;

	if (memchr(buf, '\0', len) != NULL)
		return eparse_fail(p, "NUL byte");
	while (len > 0 && (nl = memchr(buf, '\n', len)) != NULL) {
		p->lineno++;
		line = xstrndup(buf, (size_t)(nl - buf));
		len -= (size_t)(nl - buf) + 1;
		buf = nl + 1;
		if (strcmp(line, "end") == 0) {
			free(line);
			if (len != 0)
				return eparse_fail(p, "data after 'end'");
			if (!p->have_from || p->env->nrcpts == 0)
				return eparse_fail(p, "no from or rcpt");
			return 0;
		}
		rc = eparse_line(p, line);
		free(line);
		if (rc == -1)
			return -1;
	}
	p->lineno++;
	return eparse_fail(p, "no end line (truncated)");
}

int
envelope_parse(const char *buf, size_t len, struct envelope **out,
    struct failure *f)
{
	struct eparse p;
	struct failure ignored;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.env = xcalloc(1, sizeof(*p.env));
	p.f = f != NULL ? f : &ignored;
	*out = NULL;
	if (eparse_all(&p, buf, len) == -1) {
		envelope_free(p.env);
		return -1;
	}
	/* The flag follows the addresses, whatever the file claimed. */
	p.env->smtputf8 = !idn_is_ascii(p.env->from);
	for (i = 0; i < p.env->nrcpts; i++)
		if (!idn_is_ascii(p.env->rcpts[i]))
			p.env->smtputf8 = 1;
	*out = p.env;
	return 0;
}
