/*
 * t_envelope.c - reverse path, recipient list and their checks.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

#define MAXR 6

/*
 * One case: the account's from (NULL: unset), -f (NULL: not given), the
 * operands and the -t recipients (NULL-terminated), the message's 8-bit
 * flag.  On success "from" and "rcpts" (joined by "|") must match; on
 * failure cls and a substring of the text.
 */
struct env_case {
	const char *name;
	const char *acct_from;
	const char *req_from;
	const char *argv[MAXR];
	const char *hdr[MAXR];
	int eightbit;
	const char *from;
	const char *rcpts;
	int smtputf8;
	enum fail_class cls;
	const char *err;
};

static const struct env_case cases[] = {
	{ "account from", "me@x", NULL, { "a@y" }, { NULL }, 0,
	    "me@x", "a@y", 0, FAIL_NONE, NULL },
	{ "-f overrides the account", "me@x", "you@z", { "a@y" }, { NULL },
	    0, "you@z", "a@y", 0, FAIL_NONE, NULL },
	{ "-f in angles", "me@x", "<you@z>", { "a@y" }, { NULL }, 0,
	    "you@z", "a@y", 0, FAIL_NONE, NULL },
	{ "-f without account from", NULL, "you@z", { "a@y" }, { NULL }, 0,
	    "you@z", "a@y", 0, FAIL_NONE, NULL },
	{ "-f <> is the null sender", "me@x", "<>", { "a@y" }, { NULL }, 0,
	    "", "a@y", 0, FAIL_NONE, NULL },
	{ "-f empty is the null sender", "me@x", "", { "a@y" }, { NULL }, 0,
	    "", "a@y", 0, FAIL_NONE, NULL },
	{ "missing from", NULL, NULL, { "a@y" }, { NULL }, 0, NULL, NULL, 0,
	    FAIL_CONFIG, "no envelope-from address: set 'from' in account "
	    "'work' or use -f" },
	{ "-f with line break", "me@x", "a@x\r\nRCPT TO:<evil@z>",
	    { "a@y" }, { NULL }, 0, NULL, NULL, 0, FAIL_USAGE,
	    "'a@x??RCPT TO:<evil@z>': contains a line break or control" },
	{ "-f with blank", "me@x", "a b@x", { "a@y" }, { NULL }, 0, NULL,
	    NULL, 0, FAIL_USAGE, "contains whitespace" },
	{ "-f with inner angle", "me@x", "<a<b@x>", { "a@y" }, { NULL }, 0,
	    NULL, NULL, 0, FAIL_USAGE, "contains '<' or '>'" },
	{ "account from with blank", "m e@x", NULL, { "a@y" }, { NULL }, 0,
	    NULL, NULL, 0, FAIL_CONFIG, "account 'work': from 'm e@x': "
	    "contains whitespace" },
	{ "account from empty", "", NULL, { "a@y" }, { NULL }, 0, NULL,
	    NULL, 0, FAIL_CONFIG, "empty address" },
	{ "recipient with CRLF", "me@x", NULL, { "a@y\r\nDATA" }, { NULL },
	    0, NULL, NULL, 0, FAIL_USAGE, "recipient 'a@y??DATA': contains "
	    "a line break or control character" },
	{ "recipient with control byte", "me@x", NULL, { "a\x1b@y" },
	    { NULL }, 0, NULL, NULL, 0, FAIL_USAGE, "recipient 'a?@y'" },
	{ "recipient list in one operand", "me@x", NULL,
	    { "Jane <j@x>, k@y" }, { NULL }, 0, "me@x", "j@x|k@y", 0,
	    FAIL_NONE, NULL },
	{ "recipient that does not parse", "me@x", NULL, { "Jane <j@x" },
	    { NULL }, 0, NULL, NULL, 0, FAIL_USAGE,
	    "recipient 'Jane <j@x': missing '>' for '<' at position 6" },
	{ "bare local recipient", "me@x", NULL, { "root" }, { NULL }, 0,
	    "me@x", "root", 0, FAIL_NONE, NULL },
	{ "quoted local part with blank", "me@x", NULL, { "\"a b\"@y" },
	    { NULL }, 0, "me@x", "\"a b\"@y", 0, FAIL_NONE, NULL },
	{ "dedup: domain case", "me@x", NULL,
	    { "a@Y.example", "a@y.EXAMPLE", "b@y" }, { NULL }, 0, "me@x",
	    "a@Y.example|b@y", 0, FAIL_NONE, NULL },
	{ "dedup: local part case matters", "me@x", NULL, { "a@y", "A@y" },
	    { NULL }, 0, "me@x", "a@y|A@y", 0, FAIL_NONE, NULL },
	{ "dedup: same operand twice", "me@x", NULL, { "a@y, a@y", "a@y" },
	    { NULL }, 0, "me@x", "a@y", 0, FAIL_NONE, NULL },
	{ "dedup: bare local names", "me@x", NULL, { "root", "root" },
	    { NULL }, 0, "me@x", "root", 0, FAIL_NONE, NULL },
	{ "command line then -t, deduplicated", "me@x", NULL,
	    { "b@y", "a@y" }, { "c@y", "A@Y", "a@Y", "b@y" }, 0, "me@x",
	    "b@y|a@y|c@y|A@Y", 0, FAIL_NONE, NULL },
	{ "-t only", "me@x", NULL, { NULL }, { "c@y" }, 0, "me@x", "c@y", 0,
	    FAIL_NONE, NULL },
	{ "-t recipient with control byte", "me@x", NULL, { NULL },
	    { "c@y\nx" }, 0, NULL, NULL, 0, FAIL_DATA,
	    "header recipient 'c@y?x': contains a line break" },
	{ "no recipients", "me@x", NULL, { NULL }, { NULL }, 0, NULL, NULL,
	    0, FAIL_USAGE, "no recipients given (use -t or list them)" },
	{ "only an empty group", "me@x", NULL, { "undisclosed:;", "" },
	    { NULL }, 0, NULL, NULL, 0, FAIL_USAGE, "no recipients given" },
	{ "8-bit message", "me@x", NULL, { "a@y" }, { NULL }, 1, "me@x",
	    "a@y", 0, FAIL_NONE, NULL },
	{ "non-ASCII recipient", "me@x", NULL, { "j\xc3\xb6rg@y" }, { NULL },
	    0, "me@x", "j\xc3\xb6rg@y", 1, FAIL_NONE, NULL },
	{ "non-ASCII -t recipient", "me@x", NULL, { "a@y" },
	    { "a@b\xc3\xbc" "cher.example" }, 0, "me@x",
	    "a@y|a@b\xc3\xbc" "cher.example", 1, FAIL_NONE, NULL },
	{ "non-ASCII sender", "m\xc3\xa9@x", NULL, { "a@y" }, { NULL }, 0,
	    "m\xc3\xa9@x", "a@y", 1, FAIL_NONE, NULL },
};

static size_t
count(const char *const *v)
{
	size_t n = 0;

	while (n < MAXR && v[n] != NULL)
		n++;
	return n;
}

static void
test_envelope(void **state)
{
	const struct env_case *c = *state;
	struct account acct = { .name = "work", .from = (char *)c->acct_from };
	struct message msg = { .fd = -1, .rcpts = (char **)c->hdr,
	    .nrcpts = count(c->hdr), .eightbit = c->eightbit };
	struct envelope_request req = { c->req_from, (char **)c->argv,
	    count(c->argv) };
	struct envelope *env = (void *)1;
	struct failure f;
	char got[512] = "";
	size_t i;
	int rc;

	failure_clear(&f);
	rc = envelope_build(&acct, &req, &msg, &env, &f);
	if (c->err != NULL) {
		assert_int_equal(rc, -1);
		assert_null(env);
		assert_int_equal(f.cls, c->cls);
		if (strstr(f.text, c->err) == NULL)
			fail_msg("text '%s' lacks '%s'", f.text, c->err);
		assert_null(strpbrk(f.text, "\r\n"));
		return;
	}
	if (rc != 0)
		fail_msg("%s", f.text);
	assert_string_equal(env->account, "work");
	assert_string_equal(env->from, c->from);
	for (i = 0; i < env->nrcpts; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i > 0 ? "|" : "", env->rcpts[i]);
	assert_string_equal(got, c->rcpts);
	assert_int_equal(env->eightbit, c->eightbit);
	assert_int_equal(env->smtputf8, c->smtputf8);
	envelope_free(env);
}

struct ok_case {
	const char *name;
	const char *addr;
	int ok;
};

static const struct ok_case ok_cases[] = {
	{ "addr_ok: plain", "a@b", 1 },
	{ "addr_ok: empty", "", 0 },
	{ "addr_ok: tab", "a\t@b", 0 },
	{ "addr_ok: DEL", "a\x7f@b", 0 },
	{ "addr_ok: quoted blank and angle", "\"a <b>\"@c", 1 },
	{ "addr_ok: escaped quote", "\"a\\\" b\"@c", 1 },
	{ "addr_ok: unbalanced quote", "\"a@b", 0 },
	{ "addr_ok: escaped line break", "\"a\\\r\"@b", 0 },
	{ "addr_ok: angle", "<a@b>", 0 },
	{ "addr_ok: blank", "a @b", 0 },
	{ "addr_ok: non-ASCII", "j\xc3\xb6rg@b", 1 },
};

static void
test_addr_ok(void **state)
{
	const struct ok_case *c = *state;
	struct failure f;

	failure_clear(&f);
	assert_int_equal(envelope_addr_ok(c->addr, FAIL_DATA, "x", &f),
	    c->ok ? 0 : -1);
	assert_int_equal(f.cls, c->ok ? FAIL_NONE : FAIL_DATA);
}

static void
test_null_inputs(void **state)
{
	struct envelope_request req = { "a@b", NULL, 0 };
	struct envelope *env;
	struct failure f;
	char *argv[] = { "c@d" };

	(void)state;
	assert_int_equal(envelope_addr_ok(NULL, FAIL_USAGE, "x", &f), -1);
	assert_int_equal(envelope_build(NULL, &req, NULL, &env, &f), -1);
	assert_int_equal(f.cls, FAIL_USAGE);
	req.rcpts = argv;
	req.nrcpts = 1;
	assert_int_equal(envelope_build(NULL, &req, NULL, &env, &f), 0);
	assert_null(env->account);
	assert_false(env->eightbit);
	envelope_free(env);
	envelope_free(NULL);
}

int
main(void)
{
	struct CMUnitTest t[UTIL_ARRAY_LEN(cases) + UTIL_ARRAY_LEN(ok_cases)
	    + 1];
	size_t i, n = 0;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++)
		t[n++] = (struct CMUnitTest){ cases[i].name, test_envelope,
		    NULL, NULL, (void *)&cases[i] };
	for (i = 0; i < UTIL_ARRAY_LEN(ok_cases); i++)
		t[n++] = (struct CMUnitTest){ ok_cases[i].name, test_addr_ok,
		    NULL, NULL, (void *)&ok_cases[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_inputs);
	return _cmocka_run_group_tests("envelope", t, n, NULL, NULL);
}
