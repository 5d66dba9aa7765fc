/*
 * t_result.c - the failure policy, case by case.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sysexits.h>

#include "result.h"

struct policy_case {
	const char *name;
	enum fail_class cls;
	enum smtp_stage stage;
	int code;
	int status;
	enum result_action action;
};

static const struct policy_case cases[] = {
	{ "delivered", FAIL_NONE, STAGE_NONE, 0, EX_OK, RESULT_DONE },
	{ "usage", FAIL_USAGE, STAGE_NONE, 0, EX_USAGE, RESULT_DROP },
	{ "config", FAIL_CONFIG, STAGE_NONE, 0, EX_CONFIG, RESULT_DROP },
	{ "bad message", FAIL_DATA, STAGE_NONE, 0, EX_DATAERR, RESULT_DROP },
	{ "stdin error", FAIL_IO, STAGE_NONE, 0, EX_IOERR, RESULT_DROP },
	{ "dns temporary", FAIL_DNS_TEMP, STAGE_NONE, 0, EX_TEMPFAIL,
	    RESULT_KEEP },
	{ "dns permanent", FAIL_DNS_PERM, STAGE_NONE, 0, EX_NOHOST,
	    RESULT_DROP },
	{ "connect refused", FAIL_NET_TEMP, STAGE_NONE, 0, EX_TEMPFAIL,
	    RESULT_KEEP },
	{ "tls handshake", FAIL_TLS, STAGE_NONE, 0, EX_PROTOCOL, RESULT_KEEP },
	{ "garbage reply", FAIL_PROTOCOL, STAGE_EHLO, 0, EX_PROTOCOL,
	    RESULT_KEEP },
	{ "no starttls", FAIL_NOCAP, STAGE_EHLO, 0, EX_UNAVAILABLE,
	    RESULT_DROP },
	{ "auth 535", FAIL_AUTH, STAGE_AUTH, 535, EX_NOPERM, RESULT_DROP },
	{ "auth 454", FAIL_AUTH, STAGE_AUTH, 454, EX_TEMPFAIL, RESULT_KEEP },
	{ "greeting 421", FAIL_SMTP, STAGE_GREETING, 421, EX_TEMPFAIL,
	    RESULT_KEEP },
	{ "greeting 554", FAIL_SMTP, STAGE_GREETING, 554, EX_UNAVAILABLE,
	    RESULT_DROP },
	{ "mail 451", FAIL_SMTP, STAGE_MAIL, 451, EX_TEMPFAIL, RESULT_KEEP },
	{ "mail 553", FAIL_SMTP, STAGE_MAIL, 553, EX_DATAERR, RESULT_DROP },
	{ "rcpt 550", FAIL_SMTP, STAGE_RCPT, 550, EX_DATAERR, RESULT_DROP },
	{ "rcpt 452", FAIL_SMTP, STAGE_RCPT, 452, EX_TEMPFAIL, RESULT_KEEP },
	{ "data 554", FAIL_SMTP, STAGE_DATA, 554, EX_DATAERR, RESULT_DROP },
	{ "body 552", FAIL_SMTP, STAGE_BODY, 552, EX_DATAERR, RESULT_DROP },
	{ "body 451", FAIL_SMTP, STAGE_BODY, 451, EX_TEMPFAIL, RESULT_KEEP },
	{ "starttls 554", FAIL_SMTP, STAGE_STARTTLS, 554, EX_UNAVAILABLE,
	    RESULT_DROP },
	{ "ehlo 421", FAIL_SMTP, STAGE_EHLO, 421, EX_TEMPFAIL, RESULT_KEEP },
};

static void
test_policy(void **state)
{
	const struct policy_case *c = *state;
	struct failure f;

	failure_set(&f, c->cls, "%s", c->name);
	f.stage = c->stage;
	f.smtp_code = c->code;
	if (result_exit_status(&f) != c->status)
		fail_msg("%s: status %d, want %d", c->name,
		    result_exit_status(&f), c->status);
	if (result_action(&f) != c->action)
		fail_msg("%s: action %d, want %d", c->name, result_action(&f),
		    c->action);
}

static void
test_every_class_named(void **state)
{
	int cls;

	(void)state;
	for (cls = FAIL_NONE; cls < FAIL_LAST; cls++)
		assert_string_not_equal(result_class_name(cls), "unknown");
}

int
main(void)
{
	struct CMUnitTest tests[UTIL_ARRAY_LEN(cases) + 1];
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct CMUnitTest t = { cases[i].name, test_policy, NULL, NULL,
		    (void *)&cases[i] };
		tests[i] = t;
	}
	{
		struct CMUnitTest t = cmocka_unit_test(test_every_class_named);
		tests[i] = t;
	}
	return _cmocka_run_group_tests("result", tests, UTIL_ARRAY_LEN(tests),
	    NULL, NULL);
}
