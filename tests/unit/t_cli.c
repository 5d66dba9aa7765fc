/*
 * t_cli.c - unit tests for the sendmail-compatible command line (cli.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define MAXARGS 32

/* Split words at spaces into argv[1...] after "sendmail"; parse. */
static int
parse_words(const char *words, struct cli **out, struct failure *f,
    char **buf, char **argv)
{
	int argc = 0;
	char *w, *s;

	*buf = s = xasprintf("sendmail %s", words);
	while ((w = strsep(&s, " ")) != NULL) {
		assert_true(argc < MAXARGS - 1);
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	return cli_parse(argc, argv, out, f);
}

/*
 * The argv words stay alive with the struct cli, which borrows them, so
 * each case keeps its buffer until it is done.
 */
struct run {
	char *buf;
	char *argv[MAXARGS];
	struct cli *cli;
	struct failure f;
};

static struct cli *
ok(struct run *r, const char *words)
{
	if (parse_words(words, &r->cli, &r->f, &r->buf, r->argv) != 0)
		fail_msg("'%s': %s", words, r->f.text);
	assert_non_null(r->cli);
	return r->cli;
}

static void
done(struct run *r)
{
	cli_free(r->cli);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static void
expect_fail(const char *words, const char *want)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.cli = (struct cli *)1;
	assert_int_equal(parse_words(words, &r.cli, &r.f, &r.buf, r.argv),
	    -1);
	assert_null(r.cli);
	assert_int_equal(r.f.cls, FAIL_USAGE);
	assert_string_equal(r.f.text, want);
	free(r.buf);
}

static void
expect_rcpts(const struct cli *cli, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(cli->nrcpts, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(cli->rcpts[i], va_arg(ap, const char *));
	va_end(ap);
}

static void
test_plain(void **state)
{
	struct run r;
	struct cli *c = ok(&r, "a@example.org b@example.org");

	(void)state;
	assert_int_equal(c->mode, CLI_MODE_SEND);
	assert_int_equal(c->read_recipients, 0);
	assert_null(c->from);
	assert_null(c->full_name);
	assert_null(c->account);
	assert_null(c->conf_file);
	assert_int_equal(c->debug, 0);
	assert_int_equal(c->noverrides, 0);
	expect_rcpts(c, 2, "a@example.org", "b@example.org");
	done(&r);
}

/* Each form in the list sets one field to the same value. */
static const struct {
	const char *words;
	size_t field;
	const char *value;
} forms[] = {
	{ "-f me@x", offsetof(struct cli, from), "me@x" },
	{ "-fme@x", offsetof(struct cli, from), "me@x" },
	{ "--from=me@x", offsetof(struct cli, from), "me@x" },
	{ "--from me@x", offsetof(struct cli, from), "me@x" },
	/* --from starts --from-full-name: msmtp's abbreviation still works. */
	{ "--fr=me@x", offsetof(struct cli, from), "me@x" },
	{ "--acc=a1", offsetof(struct cli, account), "a1" },
	{ "-r me@x", offsetof(struct cli, from), "me@x" },
	{ "-rme@x", offsetof(struct cli, from), "me@x" },
	{ "-f old@x -f me@x", offsetof(struct cli, from), "me@x" },
	{ "-ti -fme@x", offsetof(struct cli, from), "me@x" },
	{ "-tf me@x", offsetof(struct cli, from), "me@x" },
	{ "-F Name", offsetof(struct cli, full_name), "Name" },
	{ "-FName", offsetof(struct cli, full_name), "Name" },
	{ "-a acc", offsetof(struct cli, account), "acc" },
	{ "-aacc", offsetof(struct cli, account), "acc" },
	{ "--account=acc", offsetof(struct cli, account), "acc" },
	{ "--account acc", offsetof(struct cli, account), "acc" },
	{ "--acc=acc", offsetof(struct cli, account), "acc" },
	{ "-C /x/rc", offsetof(struct cli, conf_file), "/x/rc" },
	{ "-C/x/rc", offsetof(struct cli, conf_file), "/x/rc" },
	{ "--file=/x/rc", offsetof(struct cli, conf_file), "/x/rc" },
	{ "--file /x/rc", offsetof(struct cli, conf_file), "/x/rc" },
};

static void
test_forms(void **state)
{
	const char *got;
	struct run r;
	char *words;
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(forms); i++) {
		words = xasprintf("%s rcpt@x", forms[i].words);
		ok(&r, words);
		memcpy(&got, (char *)r.cli + forms[i].field, sizeof(got));
		if (got == NULL || strcmp(got, forms[i].value) != 0)
			fail_msg("'%s' gave '%s'", forms[i].words,
			    got != NULL ? got : "(null)");
		expect_rcpts(r.cli, 1, "rcpt@x");
		done(&r);
		free(words);
	}
}

static void
test_flags(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(ok(&r, "-t")->read_recipients, 1);
	done(&r);
	assert_int_equal(ok(&r, "--read-recipients")->read_recipients, 1);
	done(&r);
	assert_int_equal(ok(&r, "-ti")->read_recipients, 1);
	done(&r);
	assert_int_equal(ok(&r, "-d -v --debug")->debug, 3);
	done(&r);
	assert_int_equal(ok(&r, "-dv")->debug, 2);
	done(&r);
	assert_int_equal(ok(&r, "--version")->mode, CLI_MODE_VERSION);
	done(&r);
	assert_int_equal(ok(&r, "--help")->mode, CLI_MODE_HELP);
	done(&r);
}

/* -P, -S, --rmqs, --configure and the debug level. */
static void
test_info_modes(void **state)
{
	struct run r;
	struct cli *c;

	(void)state;
	c = ok(&r, "-P -t bob@example.org");
	assert_int_equal(c->pretend, 1);
	assert_int_equal(c->mode, CLI_MODE_SEND);
	expect_rcpts(c, 1, "bob@example.org");
	done(&r);
	assert_int_equal(ok(&r, "--pretend")->pretend, 1);
	done(&r);
	assert_int_equal(ok(&r, "-S")->mode, CLI_MODE_SERVERINFO);
	done(&r);
	assert_int_equal(ok(&r, "--serverinfo")->mode, CLI_MODE_SERVERINFO);
	done(&r);
	c = ok(&r, "--rmqs=@example.org");
	assert_int_equal(c->mode, CLI_MODE_RMQS);
	assert_string_equal(c->mode_arg, "@example.org");
	done(&r);
	c = ok(&r, "--rmqs #q1");
	assert_string_equal(c->mode_arg, "#q1");
	done(&r);
	c = ok(&r, "--configure=joe@example.org");
	assert_int_equal(c->mode, CLI_MODE_CONFIGURE);
	assert_string_equal(c->mode_arg, "joe@example.org");
	done(&r);
	assert_int_equal(ok(&r, "--debug=2")->debug, 2);
	done(&r);
	assert_int_equal(ok(&r, "-d --debug=0")->debug, 0);
	done(&r);
	assert_int_equal(ok(&r, "--debug= -d")->debug, 2);
	done(&r);
	expect_fail("--debug=x", "--debug: level x is not a number from 0 "
	    "to 9");
	expect_fail("--debug=10", "--debug: level 10 is not a number from 0 "
	    "to 9");
	expect_fail("--rmqs", "option --rmqs needs an argument");
	expect_fail("--rmqs=a\r\nMAIL", "--rmqs: the argument must be one "
	    "word of printable ASCII (HOST, @DOMAIN or #QUEUE)");
	expect_fail("--rmqs=", "--rmqs: the argument must be one "
	    "word of printable ASCII (HOST, @DOMAIN or #QUEUE)");
	expect_fail("-S=1", "unknown option '-='");
}

static void
test_queue_modes(void **state)
{
	struct run r;
	char *argv[] = { "/usr/bin/mailq", NULL };
	struct cli *cli;
	struct failure f;

	(void)state;
	assert_int_equal(ok(&r, "-q")->mode, CLI_MODE_FLUSH);
	done(&r);
	assert_int_equal(ok(&r, "--flush")->mode, CLI_MODE_FLUSH);
	done(&r);
	assert_int_equal(ok(&r, "-bp")->mode, CLI_MODE_LIST);
	done(&r);
	assert_int_equal(ok(&r, "-bs")->mode, CLI_MODE_BSMTP);
	done(&r);
	assert_int_equal(ok(&r, "-b s")->mode, CLI_MODE_BSMTP);
	done(&r);
	assert_int_equal(ok(&r, "--queue-retry=abc")->mode,
	    CLI_MODE_QUEUE_RETRY);
	assert_string_equal(r.cli->queue_id, "abc");
	done(&r);
	assert_int_equal(ok(&r, "--queue-remove abc")->mode,
	    CLI_MODE_QUEUE_REMOVE);
	assert_string_equal(r.cli->queue_id, "abc");
	done(&r);
	assert_int_equal(ok(&r, "-odq a@x")->enqueue_only, 1);
	done(&r);
	assert_int_equal(ok(&r, "-oi a@x")->enqueue_only, 0);
	done(&r);
	assert_int_equal(ok(&r, "--enqueue a@x")->enqueue_only, 1);
	done(&r);
	assert_int_equal(cli_parse(1, argv, &cli, &f), 0);
	assert_int_equal(cli->mode, CLI_MODE_LIST);
	cli_free(cli);
}

static void
test_operands(void **state)
{
	struct run r;

	(void)state;
	ok(&r, "a@x -t b@x");
	assert_int_equal(r.cli->read_recipients, 1);
	expect_rcpts(r.cli, 2, "a@x", "b@x");
	done(&r);
	ok(&r, "-t -- -a@x --b c");
	assert_null(r.cli->account);
	expect_rcpts(r.cli, 3, "-a@x", "--b", "c");
	done(&r);
	ok(&r, "- x");
	expect_rcpts(r.cli, 2, "-", "x");
	done(&r);
}

/* postie's own header keys: set_to_header alone means "on". */
static void
test_own_header_options(void **state)
{
	static const char *const want[][2] = {
		{ "set_to_header", "on" }, { "set_to_header", "off" },
		{ "set_to_header", "undisclosed_recipients" },
		{ "from_full_name", "Ann" }, { "from_full_name", "%F" },
	};
	struct run r;
	size_t i;

	(void)state;
	ok(&r, "--set-to-header --set-to-header=off "
	    "--set-to-header=undisclosed_recipients --from-full-name=Ann "
	    "--from-full-name %F rcpt");
	assert_int_equal(r.cli->noverrides, UTIL_ARRAY_LEN(want));
	for (i = 0; i < UTIL_ARRAY_LEN(want); i++) {
		assert_string_equal(r.cli->overrides[i].key, want[i][0]);
		assert_string_equal(r.cli->overrides[i].value, want[i][1]);
	}
	expect_rcpts(r.cli, 1, "rcpt");
	done(&r);
}

/* Every override form, in argv order, with its rc key and value. */
/* msmtp's header and sender options; header modes default to auto. */
static void
test_msmtp_key_options(void **state)
{
	static const char *const want[][2] = {
		{ "set_from_header", "auto" }, { "set_from_header", "on" },
		{ "set_date_header", "auto" }, { "set_date_header", "off" },
		{ "set_msgid_header", "auto" }, { "remove_bcc_headers", "on" },
		{ "remove_bcc_headers", "off" },
		{ "undisclosed_recipients", "on" }, { "aliases", "" },
		{ "aliases", "/al" }, { "auto_from", "on" },
		{ "maildomain", "m.example" },
		{ "tls_min_dh_prime_bits", "512" },
	};
	struct run r;
	size_t i;

	(void)state;
	ok(&r, "--set-from-header --set-from-header=on --set-date-header "
	    "--set-date-header=off --set-msgid-header --remove-bcc-headers "
	    "--remove-bcc-headers=off --undisclosed-recipients --aliases= "
	    "--aliases /al --auto-from --maildomain=m.example "
	    "--tls-min-dh-prime-bits=512 --read-envelope-from rcpt");
	assert_int_equal(r.cli->noverrides, UTIL_ARRAY_LEN(want));
	for (i = 0; i < UTIL_ARRAY_LEN(want); i++) {
		assert_string_equal(r.cli->overrides[i].key, want[i][0]);
		assert_string_equal(r.cli->overrides[i].value, want[i][1]);
	}
	assert_int_equal(r.cli->read_envelope_from, 1);
	expect_rcpts(r.cli, 1, "rcpt");
	done(&r);
	ok(&r, "rcpt");
	assert_int_equal(r.cli->read_envelope_from, 0);
	done(&r);
}

static void
test_overrides(void **state)
{
	static const char *const want[][2] = {
		{ "host", "h1" }, { "host", "h2" }, { "port", "587" },
		{ "tls", "on" }, { "tls", "off" }, { "tls", "on" },
		{ "tls_starttls", "off" }, { "tls_starttls", "on" },
		{ "tls_trust_file", "/ca" }, { "tls_certcheck", "on" },
		{ "tls_certcheck", "off" }, { "auth", "on" },
		{ "auth", "plain" }, { "user", "" }, { "user", "u" },
		{ "domain", "d.example" }, { "timeout", "30" },
		{ "logfile", "/l1" }, { "logfile", "/l2" },
		{ "logfile", "-" },
	};
	struct run r;
	size_t i;

	(void)state;
	ok(&r, "--host=h1 --host h2 --port=587 --tls --tls=off --tls= "
	    "--tls-starttls=off --tls-starttls --tls-trust-file=/ca "
	    "--tls-certcheck --tls-certcheck=off --auth --auth=plain "
	    "--user= --user u --domain=d.example --timeout=30 "
	    "--logfile=/l1 -X /l2 -X- rcpt");
	assert_int_equal(r.cli->noverrides, UTIL_ARRAY_LEN(want));
	for (i = 0; i < UTIL_ARRAY_LEN(want); i++) {
		assert_string_equal(r.cli->overrides[i].key, want[i][0]);
		assert_string_equal(r.cli->overrides[i].value, want[i][1]);
	}
	expect_rcpts(r.cli, 1, "rcpt");
	done(&r);
}

/* -N and -R are the rc keys dsn_notify and dsn_return; -V is no key. */
static void
test_dsn(void **state)
{
	static const char *const want[][2] = {
		{ "dsn_notify", "failure,delay" }, { "dsn_notify", "off" },
		{ "dsn_return", "hdrs" }, { "dsn_return", "full" },
	};
	struct run r;
	size_t i;

	(void)state;
	ok(&r, "-N failure,delay --dsn-notify=off -Rhdrs --dsn-return full "
	    "-V env.1 rcpt");
	assert_string_equal(r.cli->envid, "env.1");
	assert_int_equal(r.cli->noverrides, UTIL_ARRAY_LEN(want));
	for (i = 0; i < UTIL_ARRAY_LEN(want); i++) {
		assert_string_equal(r.cli->overrides[i].key, want[i][0]);
		assert_string_equal(r.cli->overrides[i].value, want[i][1]);
	}
	expect_rcpts(r.cli, 1, "rcpt");
	done(&r);
}

/* sendmail flags that must parse and change nothing. */
static const char *const ignored[] = {
	"-i", "-oi", "-oem", "-o i", "-Ac", "-A c", "-B8BITMIME",
	"-B 8BITMIME", "-bm", "-b m", "-G", "-h5", "-h 5", "-L tag",
	"-Ltag", "-m", "-n", "-O a=b", "-Oa=b", "-em", "-ep", "-eq", "-ew",
	"-e m", "-itm",
};

static void
test_ignored(void **state)
{
	struct run r;
	char *words;
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(ignored); i++) {
		words = xasprintf("%s rcpt@x", ignored[i]);
		ok(&r, words);
		expect_rcpts(r.cli, 1, "rcpt@x");
		assert_int_equal(r.cli->noverrides, 0);
		assert_null(r.cli->from);
		done(&r);
		free(words);
	}
}

static void
test_cron(void **state)
{
	struct run r;

	(void)state;
	ok(&r, "-FCronDaemon -i -B8BITMIME -oem -oi -t");
	assert_string_equal(r.cli->full_name, "CronDaemon");
	assert_int_equal(r.cli->read_recipients, 1);
	assert_int_equal(r.cli->nrcpts, 0);
	assert_null(r.cli->from);
	done(&r);
}

static const struct {
	const char *words;
	const char *want;
} errors[] = {
	{ "-x", "unknown option '-x'" },
	{ "-tx a@b", "unknown option '-x'" },
	{ "-K", "unknown option '-K'" },
	{ "--bogus", "unknown option '--bogus'" },
	{ "--bogus=1", "unknown option '--bogus'" },
	{ "--tls-", "ambiguous option '--tls-'" },
	{ "--=x", "unknown option '--=x'" },
	{ "-bd", "option -bd is not supported yet" },
	{ "-bv a@b", "option -bv is not supported yet" },
	{ "-bi", "option -bi is not supported yet" },
	{ "-q30m", "unknown option '-3'" },
	{ "--queue-retry", "option --queue-retry needs an argument" },
	{ "-N", "option -N needs an argument" },
	{ "-V", "option -V needs an argument" },
	{ "-f", "option -f needs an argument" },
	{ "-t -f", "option -f needs an argument" },
	{ "--from", "option --from needs an argument" },
	/* Neither "auth" nor "auto-from" starts the other. */
	{ "--aut=on", "ambiguous option '--aut'" },
	{ "--host", "option --host needs an argument" },
	{ "-o", "option -o needs an argument" },
	{ "--version=1", "option --version takes no argument" },
	{ "--help=x", "option --help takes no argument" },
};

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(errors); i++)
		expect_fail(errors[i].words, errors[i].want);
	cli_free(NULL);
}

static char *
capture(void (*print)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	print(fp);
	fclose(fp);
	return text;
}

static void
test_help(void **state)
{
	static const char *const names[] = {
		"-t, --read-recipients", "-f, --from=ADDR", "-r ADDR",
		"-F NAME", "-a, --account=NAME", "-C, --file=FILE",
		"-d, --debug", "-v ", "--version", "--help", "--host=HOST",
		"--port=N", "--tls[=on|off]", "--tls-starttls[=on|off]",
		"--tls-trust-file=FILE", "--tls-certcheck[=on|off]",
		"--auth[=on|off|MECH]", "--user=NAME", "--domain=NAME",
		"--timeout=SECONDS", "-X, --logfile=FILE", "-i ", "-o X",
		"-O OPT=VALUE", "-A c|m", "-B TYPE", "-b MODE", "-e X",
		"-G ", "-h N", "-L TAG", "-m ", "-n ", "-q, --flush",
		"--queue=off|fallback|always", "--queue-dir=DIR", "--enqueue",
		"--queue-retry=ID", "--queue-remove=ID",
		"-N, --dsn-notify=off|never|COND,...",
		"-R, --dsn-return=off|headers|hdrs|full", "-V ENVID",
		"-d, --debug[=LEVEL]", "-P, --pretend", "-S, --serverinfo",
		"--rmqs=HOST|@DOMAIN|#QUEUE", "--configure=ADDR",
		"Accepted for sendmail compatibility", "Refused",
	};
	char *text = capture(cli_print_help);
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(names); i++)
		if (strstr(text, names[i]) == NULL)
			fail_msg("help lacks '%s'", names[i]);
	free(text);
}

static void
test_version(void **state)
{
	char *text = capture(cli_print_version);

	(void)state;
	assert_true(strncmp(text, "postie " PACKAGE_VERSION "\n",
	    strlen("postie " PACKAGE_VERSION "\n")) == 0);
	assert_non_null(strstr(text, "\nGnuTLS 3."));
	assert_non_null(strstr(text, "\nGNU SASL "));
	assert_non_null(strstr(text, "\nlibidn2 "));
	assert_non_null(strstr(text, "\nkey ring: "));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_own_header_options),
		cmocka_unit_test(test_msmtp_key_options),
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_info_modes),
		cmocka_unit_test(test_queue_modes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
