/*
 * envelope.c - the SMTP envelope: reverse path and recipient list.
 *
 * Every address is checked here once more, whatever its source, because
 * it ends up inside an SMTP command: a CR or LF would let the input add
 * commands of its own, and a stray '<' or blank would change the command's
 * meaning.  Recipients from the command line may be written as in a
 * header ("Jane <j@x>, k@y"), so they go through the hdr.c parser.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "hdr.h"
#include "idn.h"

static const char ctl_problem[] =
    "contains a line break or control character";

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Fill f with "what 'addr': problem", control bytes in addr replaced. */
static int
refuse(const char *addr, enum fail_class cls, const char *what,
    const char *problem, struct failure *f)
{
	char *echo = xstrdup(addr);

	util_one_line(echo);
	failure_set(f, cls, "%s '%s': %s", what, echo, problem);
	free(echo);
	return -1;
}

int
envelope_addr_ok(const char *addr, enum fail_class cls, const char *what,
    struct failure *f)
{
	const unsigned char *s = (const unsigned char *)addr;
	int quoted = 0;
	size_t i;

	if (addr == NULL || *addr == '\0') {
		failure_set(f, cls, "%s: empty address", what);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (is_ctl(s[i]))
			return refuse(addr, cls, what, ctl_problem, f);
		if (quoted && s[i] == '\\' && s[i + 1] != '\0' &&
		    !is_ctl(s[i + 1]))
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && (s[i] == '<' || s[i] == '>'))
			return refuse(addr, cls, what, "contains '<' or '>'",
			    f);
		else if (!quoted && s[i] == ' ')
			return refuse(addr, cls, what, "contains whitespace",
			    f);
	}
	if (quoted)
		return refuse(addr, cls, what, "has an unbalanced quote", f);
	return 0;
}

/* Same local part (exactly) and same domain (in any case). */
static int
same_addr(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t la = da != NULL ? (size_t)(da - a) : strlen(a);
	size_t lb = db != NULL ? (size_t)(db - b) : strlen(b);

	if (la != lb || memcmp(a, b, la) != 0 || (da == NULL) != (db == NULL))
		return 0;
	return da == NULL || strcasecmp(da, db) == 0;
}

static int
rcpt_add(struct envelope *env, const char *addr, enum fail_class cls,
    const char *what, struct failure *f)
{
	size_t i;

	if (envelope_addr_ok(addr, cls, what, f) == -1)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (same_addr(env->rcpts[i], addr))
			return 0;
	env->rcpts = xreallocarray(env->rcpts, env->nrcpts + 1,
	    sizeof(*env->rcpts));
	env->rcpts[env->nrcpts++] = xstrdup(addr);
	return 0;
}

/* One command-line operand: an address list as in a To: field. */
static int
rcpt_arg(struct envelope *env, const char *arg, struct failure *f)
{
	struct hdr_addrlist list;
	char why[FAILURE_TEXT_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; arg[i] != '\0'; i++)
		if (is_ctl((unsigned char)arg[i]) && arg[i] != '\t')
			return refuse(arg, FAIL_USAGE, "recipient",
			    ctl_problem, f);
	if (hdr_addrlist_parse(arg, &list, f) == -1) {
		strlcpy(why, f != NULL ? f->text : "", sizeof(why));
		return refuse(arg, FAIL_USAGE, "recipient", why, f);
	}
	for (i = 0; i < list.n && rc == 0; i++)
		rc = rcpt_add(env, list.v[i].addr, FAIL_USAGE, "recipient", f);
	hdr_addrlist_clear(&list);
	return rc;
}

static int
rcpts_build(struct envelope *env, const struct envelope_request *req,
    const struct message *msg, struct failure *f)
{
	size_t i;

	for (i = 0; i < req->nrcpts; i++)
		if (rcpt_arg(env, req->rcpts[i], f) == -1)
			return -1;
	for (i = 0; msg != NULL && i < msg->nrcpts; i++)
		if (rcpt_add(env, msg->rcpts[i], FAIL_DATA,
		    "header recipient", f) == -1)
			return -1;
	if (env->nrcpts == 0) {
		failure_set(f, FAIL_USAGE,
		    "no recipients given (use -t or list them)");
		return -1;
	}
	return 0;
}

/*
 * As in msmtp, the sender MAILER-DAEMON (any case, no domain) stands for
 * the null reverse path, so that bounces can be sent with -f.
 */
static int
null_sender(struct envelope *env)
{
	if (strcasecmp(env->from, "MAILER-DAEMON") != 0)
		return 0;
	env->from[0] = '\0';
	return 1;
}

static int
from_build(struct envelope *env, const struct account *acct,
    const char *reqfrom, struct failure *f)
{
	const char *name = acct != NULL && acct->name != NULL ?
	    acct->name : "";
	size_t len;
	char *what;
	int rc;

	if (reqfrom != NULL) {
		len = strlen(reqfrom);
		if (len >= 2 && reqfrom[0] == '<' && reqfrom[len - 1] == '>')
			env->from = xstrndup(reqfrom + 1, len - 2);
		else
			env->from = xstrdup(reqfrom);
		if (*env->from == '\0' || null_sender(env))
			return 0;	/* the null sender */
		return envelope_addr_ok(env->from, FAIL_USAGE,
		    "envelope-from (-f)", f);
	}
	if (acct == NULL || acct->from == NULL) {
		failure_set(f, FAIL_CONFIG, "no envelope-from address: set "
		    "'from' in account '%s' or use -f", name);
		return -1;
	}
	env->from = xstrdup(acct->from);
	if (null_sender(env))
		return 0;
	what = xasprintf("account '%s': from", name);
	rc = envelope_addr_ok(env->from, FAIL_CONFIG, what, f);
	free(what);
	return rc;
}

/* RFC 3461 4.4: an ENVID is at most 100 characters. */
#define ENVID_MAX 100

static int
dsn_build(struct envelope *env, const struct account *acct,
    const char *envid, struct failure *f)
{
	if (acct != NULL && acct->dsn_notify != NULL)
		env->dsn_notify = xstrdup(acct->dsn_notify);
	if (acct != NULL && acct->dsn_return != NULL)
		env->dsn_return = xstrdup(acct->dsn_return);
	if (envid == NULL)
		return 0;
	/* xtext would carry any byte; these would only be garbage. */
	if (*envid == '\0' || strlen(envid) > ENVID_MAX ||
	    !idn_is_ascii(envid) || strpbrk(envid, "\r\n\t ") != NULL) {
		failure_set(f, FAIL_USAGE, "-V: the envelope id must be 1 to "
		    "%d printable ASCII characters", ENVID_MAX);
		return -1;
	}
	env->envid = xstrdup(envid);
	return 0;
}

int
envelope_build(const struct account *acct,
    const struct envelope_request *req, const struct message *msg,
    struct envelope **out, struct failure *f)
{
	struct envelope *env = xcalloc(1, sizeof(*env));
	size_t i;

	*out = NULL;
	if (acct != NULL && acct->name != NULL)
		env->account = xstrdup(acct->name);
	if (from_build(env, acct, req->from, f) == -1 ||
	    rcpts_build(env, req, msg, f) == -1) {
		envelope_free(env);
		return -1;
	}
	if (dsn_build(env, acct, req->envid, f) == -1) {
		envelope_free(env);
		return -1;
	}
	env->eightbit = msg != NULL && msg->eightbit;
	env->smtputf8 = !idn_is_ascii(env->from);
	for (i = 0; i < env->nrcpts; i++)
		if (!idn_is_ascii(env->rcpts[i]))
			env->smtputf8 = 1;
	*out = env;
	return 0;
}

void
envelope_free(struct envelope *env)
{
	size_t i;

	if (env == NULL)
		return;
	free(env->account);
	free(env->from);
	for (i = 0; i < env->nrcpts; i++)
		free(env->rcpts[i]);
	free(env->rcpts);
	free(env->done);
	free(env->msgid);
	free(env->last_error);
	free(env->dsn_notify);
	free(env->dsn_return);
	free(env->envid);
	free(env);
}

int
envelope_rcpt_done(const struct envelope *env, size_t i)
{
	return env->done != NULL && i < env->nrcpts && env->done[i];
}

void
envelope_set_done(struct envelope *env, size_t i)
{
	if (i >= env->nrcpts)
		return;
	if (env->done == NULL)
		env->done = xcalloc(env->nrcpts, 1);
	env->done[i] = 1;
}

#define ENVELOPE_VERSION 1

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
		if (strcmp(sep + 2, "1") != 0)
			return eparse_fail(p, "unknown version '%s'", sep + 2);
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
