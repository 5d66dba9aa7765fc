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

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Local recipients (no '@') through the account's aliases table. */
static int
rcpts_alias(struct envelope *env, const struct aliases *al,
    struct failure *f)
{
	char **old = env->rcpts, **exp = NULL;
	size_t nold = env->nrcpts, nexp = 0, i;
	int rc = 0;

	if (al == NULL)
		return 0;
	env->rcpts = NULL;
	env->nrcpts = 0;
	for (i = 0; i < nold && rc == 0; i++)
		rc = aliases_expand(al, old[i], &exp, &nexp, f);
	for (i = 0; i < nexp && rc == 0; i++)
		rc = rcpt_add(env, exp[i], FAIL_CONFIG, "alias target", f);
	if (rc == 0 && env->nrcpts == 0) {
		failure_set(f, FAIL_USAGE, "no recipients left after alias "
		    "expansion");
		rc = -1;
	}
	strv_free(old, nold);
	strv_free(exp, nexp);
	return rc;
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
	    rcpts_build(env, req, msg, f) == -1 ||
	    rcpts_alias(env, req->aliases, f) == -1) {
		envelope_free(env);
		return -1;
	}
	if (dsn_build(env, acct, req->envid, f) == -1) {
		envelope_free(env);
		return -1;
	}
	env->eightbit = req->body_8bitmime || (msg != NULL && msg->eightbit);
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
