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
#include <unistd.h>

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
	{ "-f MAILER-DAEMON is the null sender", "me@x", "MAILER-DAEMON",
	    { "a@y" }, { NULL }, 0, "", "a@y", 0, FAIL_NONE, NULL },
	{ "account from mailer-daemon, any case", "Mailer-Daemon", NULL,
	    { "a@y" }, { NULL }, 0, "", "a@y", 0, FAIL_NONE, NULL },
	{ "mailer-daemon with a domain is an address", "me@x",
	    "mailer-daemon@x", { "a@y" }, { NULL }, 0, "mailer-daemon@x",
	    "a@y", 0, FAIL_NONE, NULL },
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
	    count(c->argv), NULL, NULL, 0 };
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
	struct envelope_request req = { "a@b", NULL, 0, NULL, NULL, 0 };
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

/* Local recipients go through the aliases table, then de-duplication. */
static void
test_aliases(void **state)
{
	static const char text[] = "team: a@x, bob\nbob: b@x\n"
	    "bad: <evil@x>\n";
	char path[] = "/tmp/t_envelope.XXXXXX";
	char *argv[] = { "team", "b@x", "carol@y", "nobody" };
	struct envelope_request req = { "s@x", argv, 4, NULL, NULL, 0 };
	struct account acct = { .name = "work" };
	struct aliases *al;
	struct envelope *env;
	struct failure f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, strlen(text)), 0);
	close(fd);
	assert_int_equal(aliases_load(path, &al, &f), 0);
	unlink(path);
	req.aliases = al;
	assert_int_equal(envelope_build(&acct, &req, NULL, &env, &f), 0);
	assert_int_equal(env->nrcpts, 4);
	assert_string_equal(env->rcpts[0], "a@x");
	assert_string_equal(env->rcpts[1], "b@x");
	assert_string_equal(env->rcpts[2], "carol@y");
	assert_string_equal(env->rcpts[3], "nobody");
	envelope_free(env);
	argv[0] = "bad";
	assert_int_equal(envelope_build(&acct, &req, NULL, &env, &f), -1);
	assert_int_equal(f.cls, FAIL_CONFIG);
	aliases_free(al);
}

/* A serialised envelope to parse: it must fail with err, or succeed. */
struct parse_case {
	const char *name;
	const char *text;
	const char *err;	/* NULL: parses */
};

#define V1 "version: 1\nfrom: a@x\n"
#define V2 "version: 2\nfrom: a@x\n"

static const struct parse_case parse_cases[] = {
	{ "minimal", V1 "rcpt: todo b@y\nend\n", NULL },
	{ "null sender", "version: 1\nfrom: \nrcpt: todo b@y\nend\n",
	    NULL },
	{ "no end line", V1 "rcpt: todo b@y\n", "line 4: no end line" },
	{ "cut inside a line", V1 "rcpt: todo b@y\nen", "no end line" },
	{ "empty file", "", "line 1: no end line" },
	{ "data after end", V1 "rcpt: todo b@y\nend\nx", "data after" },
	{ "unknown version", "version: 3\nfrom: a@x\nend\n",
	    "line 1: unknown version '3'" },
	{ "version 2 with DSN keys", V2 "dsn-notify: FAILURE,DELAY\n"
	    "dsn-return: HDRS\nenvid: id=1+x\nrcpt: todo b@y\nend\n", NULL },
	{ "version 2 without DSN keys", V2 "rcpt: todo b@y\nend\n", NULL },
	{ "DSN key in version 1", V1 "dsn-return: FULL\nrcpt: todo b@y\n"
	    "end\n", "unknown key 'dsn-return' in version 1" },
	{ "NOTIFY with a parameter", V2 "dsn-notify: NEVER RET=FULL\n"
	    "rcpt: todo b@y\nend\n", "dsn-notify: not a valid value" },
	{ "RET not FULL or HDRS", V2 "dsn-return: ALL\nrcpt: todo b@y\n"
	    "end\n", "dsn-return: not a valid value" },
	{ "ENVID with a blank", V2 "envid: a b\nrcpt: todo b@y\nend\n",
	    "envid: not a valid value" },
	{ "ENVID twice", V2 "envid: a\nenvid: b\nrcpt: todo b@y\nend\n",
	    "given twice" },
	{ "no version", "from: a@x\nend\n", "line 1: no version line" },
	{ "unknown key", V1 "colour: red\nend\n", "unknown key 'colour'" },
	{ "no recipient", V1 "end\n", "no from or rcpt" },
	{ "bad done flag", V1 "rcpt: maybe b@y\nend\n", "not 'todo'" },
	{ "recipient with blank", V1 "rcpt: todo b c@y\nend\n",
	    "contains whitespace" },
	{ "control byte", V1 "rcpt: todo b@y\r\nend\n",
	    "control character" },
	{ "NUL byte", V1 "rcpt: todo b@y\nend\n\0", "NUL byte" },
	{ "bad number", V1 "attempts: -1\nrcpt: todo b@y\nend\n",
	    "attempts: not a number" },
	{ "from twice", V1 "from: c@x\nrcpt: todo b@y\nend\n",
	    "given twice" },
};

static void
test_parse(void **state)
{
	const struct parse_case *c = *state;
	size_t len = strlen(c->text);
	struct envelope *env = NULL;
	struct failure f;
	int rc;

	/* The NUL case: its text ends in an escaped NUL. */
	if (strcmp(c->name, "NUL byte") == 0)
		len++;
	failure_clear(&f);
	rc = envelope_parse(c->text, len, &env, &f);
	if (c->err == NULL) {
		assert_int_equal(rc, 0);
		assert_non_null(env);
		envelope_free(env);
		return;
	}
	assert_int_equal(rc, -1);
	assert_null(env);
	assert_int_equal(f.cls, FAIL_DATA);
	if (strstr(f.text, c->err) == NULL)
		fail_msg("text '%s' lacks '%s'", f.text, c->err);
}

/* Everything the queue keeps survives a round trip. */
static void
test_roundtrip(void **state)
{
	char *rcpts[] = { "b@y", "\"q r\"@y", "j\xc3\xb6rg@y" };
	struct envelope in = { .account = "work", .from = "a@x",
	    .rcpts = rcpts, .nrcpts = 3, .eightbit = 1, .smtputf8 = 1, .msgid = "<m@x>",
	    .size = 1234, .created = 1700000000, .next_try = 1700000300,
	    .attempts = 2, .last_error = "host: 451 4.7.1 try\r\nlater",
	    .dsn_notify = "SUCCESS,FAILURE", .dsn_return = "HDRS",
	    .envid = "QQ+2Bid" };
	struct envelope *out;
	struct failure f;
	char *text, *again;

	(void)state;
	in.done = (unsigned char[]){ 0, 1, 0 };
	text = envelope_serialize(&in);
	assert_int_equal(envelope_parse(text, strlen(text), &out, &f), 0);
	assert_string_equal(out->account, "work");
	assert_string_equal(out->from, "a@x");
	assert_int_equal(out->nrcpts, 3);
	assert_string_equal(out->rcpts[1], "\"q r\"@y");
	assert_false(envelope_rcpt_done(out, 0));
	assert_true(envelope_rcpt_done(out, 1));
	assert_true(out->smtputf8);
	assert_true(out->eightbit);
	assert_int_equal(out->size, 1234);
	assert_int_equal(out->next_try, 1700000300);
	assert_int_equal(out->attempts, 2);
	assert_string_equal(out->last_error, "host: 451 4.7.1 try??later");
	assert_string_equal(out->dsn_notify, "SUCCESS,FAILURE");
	assert_string_equal(out->dsn_return, "HDRS");
	assert_string_equal(out->envid, "QQ+2Bid");
	again = envelope_serialize(out);
	assert_string_equal(text, again);
	free(text);
	free(again);
	envelope_free(out);
}

int
main(void)
{
	struct CMUnitTest t[UTIL_ARRAY_LEN(cases) + UTIL_ARRAY_LEN(ok_cases)
	    + UTIL_ARRAY_LEN(parse_cases) + 3];
	size_t i, n = 0;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++)
		t[n++] = (struct CMUnitTest){ cases[i].name, test_envelope,
		    NULL, NULL, (void *)&cases[i] };
	for (i = 0; i < UTIL_ARRAY_LEN(ok_cases); i++)
		t[n++] = (struct CMUnitTest){ ok_cases[i].name, test_addr_ok,
		    NULL, NULL, (void *)&ok_cases[i] };
	for (i = 0; i < UTIL_ARRAY_LEN(parse_cases); i++)
		t[n++] = (struct CMUnitTest){ parse_cases[i].name, test_parse,
		    NULL, NULL, (void *)&parse_cases[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_inputs);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_aliases);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_roundtrip);
	return _cmocka_run_group_tests("envelope", t, n, NULL, NULL);
}
