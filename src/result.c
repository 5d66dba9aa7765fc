/*
 * result.c - the one place where a failure becomes an exit status and a
 * decision to keep or drop the message.
 *
 * Deliberate difference from msmtp: a 4xx reply maps to EX_TEMPFAIL (75),
 * not EX_UNAVAILABLE, so that callers such as cron wrappers retry.
 */
#include "config.h"

#include <sysexits.h>

#include "result.h"

static const struct {
	enum fail_class cls;
	const char *name;
	int status;
	enum result_action action;
} policy[] = {
	{ FAIL_NONE, "none", EX_OK, RESULT_DONE },
	{ FAIL_USAGE, "usage", EX_USAGE, RESULT_DROP },
	{ FAIL_CONFIG, "config", EX_CONFIG, RESULT_DROP },
	{ FAIL_DATA, "data", EX_DATAERR, RESULT_DROP },
	{ FAIL_NOINPUT, "noinput", EX_NOINPUT, RESULT_DROP },
	{ FAIL_OS, "os", EX_OSERR, RESULT_DROP },
	{ FAIL_CANTCREAT, "cantcreat", EX_CANTCREAT, RESULT_DROP },
	{ FAIL_IO, "io", EX_IOERR, RESULT_DROP },
	{ FAIL_SOFTWARE, "software", EX_SOFTWARE, RESULT_DROP },
	{ FAIL_DNS_TEMP, "dns-temp", EX_TEMPFAIL, RESULT_KEEP },
	{ FAIL_DNS_PERM, "dns-perm", EX_NOHOST, RESULT_DROP },
	{ FAIL_NET_TEMP, "net-temp", EX_TEMPFAIL, RESULT_KEEP },
	/* A handshake may fail because of a server hiccup; keep it. */
	{ FAIL_TLS, "tls", EX_PROTOCOL, RESULT_KEEP },
	{ FAIL_PROTOCOL, "protocol", EX_PROTOCOL, RESULT_KEEP },
	{ FAIL_NOCAP, "nocap", EX_UNAVAILABLE, RESULT_DROP },
	{ FAIL_AUTH, "auth", EX_NOPERM, RESULT_DROP },
	{ FAIL_SMTP, "smtp", EX_PROTOCOL, RESULT_KEEP },
};

static int
result_index(enum fail_class cls)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(policy); i++)
		if (policy[i].cls == cls)
			return (int)i;
	return -1;
}

static int
result_is_temporary_reply(const struct failure *f)
{
	return f->smtp_code >= 400 && f->smtp_code < 500;
}

/* 5xx to the transaction refuses this message; elsewhere the service. */
static int
result_smtp_permanent_status(const struct failure *f)
{
	switch (f->stage) {
	case STAGE_MAIL:
	case STAGE_RCPT:
	case STAGE_DATA:
	case STAGE_BODY:
		return EX_DATAERR;
	default:
		return EX_UNAVAILABLE;
	}
}

int
result_exit_status(const struct failure *f)
{
	int i;

	if (f == NULL)
		return EX_OK;
	if ((f->cls == FAIL_SMTP || f->cls == FAIL_AUTH) &&
	    result_is_temporary_reply(f))
		return EX_TEMPFAIL;
	if (f->cls == FAIL_SMTP && f->smtp_code >= 500)
		return result_smtp_permanent_status(f);
	i = result_index(f->cls);
	return i < 0 ? EX_SOFTWARE : policy[i].status;
}

enum result_action
result_action(const struct failure *f)
{
	int i;

	if (f == NULL)
		return RESULT_DONE;
	if ((f->cls == FAIL_SMTP || f->cls == FAIL_AUTH) &&
	    result_is_temporary_reply(f))
		return RESULT_KEEP;
	if (f->cls == FAIL_SMTP && f->smtp_code >= 500)
		return RESULT_DROP;
	i = result_index(f->cls);
	return i < 0 ? RESULT_DROP : policy[i].action;
}

const char *
result_class_name(enum fail_class cls)
{
	int i = result_index(cls);

	return i < 0 ? "unknown" : policy[i].name;
}
