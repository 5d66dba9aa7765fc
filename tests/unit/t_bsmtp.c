/*
 * t_bsmtp.c - the "postie -bs" dialogue (bsmtp.c) as a table of named
 * dialogues, and its driver (bsrun.c) over pipes with a fake relay.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bsmtp.h"
#include "bsrun.h"

/* One step: a command (or, in the body, a line) and the reply wanted.
 * reply is a prefix of the whole reply; "" means no reply at all. */
struct step {
	const char *line;
	const char *reply;
	enum bsmtp_next next;
};

#define CMD BSMTP_NEXT_COMMAND
#define BODY BSMTP_NEXT_BODY
#define RELAY BSMTP_NEXT_RELAY
#define CLOSE BSMTP_NEXT_CLOSE
#define END { NULL, NULL, CMD }

struct dialogue {
	const char *name;
	struct step steps[12];
};

static const struct dialogue dialogues[] = {
	{ "ehlo advertises the extensions", {
	    { "EHLO client.example", "250-test.example\r\n250-PIPELINING\r\n"
		"250-SIZE\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
		CMD },
	    END } },
	{ "helo and verbs in any case", {
	    { "helo client", "250 test.example\r\n", CMD },
	    { "mail from:<a@x>", "250 2.1.0 ", CMD },
	    { "rCpT To:<b@y>", "250 2.1.5 ", CMD },
	    { "data", "354 ", BODY }, END } },
	{ "helo and ehlo need an argument", {
	    { "HELO", "501 5.5.4 ", CMD }, { "EHLO  ", "501 5.5.4 ", CMD },
	    END } },
	{ "a whole transaction", {
	    { "EHLO c", "250-", CMD }, { "MAIL FROM:<a@x> SIZE=10", "250 ",
		CMD },
	    { "RCPT TO:<b@y>", "250 ", CMD }, { "DATA", "354 ", BODY },
	    END } },
	{ "mail without helo is accepted", {
	    { "MAIL FROM:<a@x>", "250 2.1.0 ", CMD }, END } },
	{ "rcpt before mail", {
	    { "RCPT TO:<b@y>", "503 5.5.1 ", CMD }, END } },
	{ "data before mail and before rcpt", {
	    { "DATA", "503 5.5.1 ", CMD },
	    { "MAIL FROM:<a@x>", "250 ", CMD },
	    { "DATA", "554 5.5.1 ", CMD }, END } },
	{ "nested mail", {
	    { "MAIL FROM:<a@x>", "250 ", CMD },
	    { "MAIL FROM:<c@x>", "503 5.5.1 ", CMD }, END } },
	{ "rset ends the transaction", {
	    { "MAIL FROM:<a@x>", "250 ", CMD }, { "RSET", "250 2.0.0 ", CMD },
	    { "RCPT TO:<b@y>", "503 ", CMD }, { "RSET x", "501 ", CMD },
	    END } },
	{ "ehlo ends the transaction", {
	    { "MAIL FROM:<a@x>", "250 ", CMD }, { "EHLO c", "250-", CMD },
	    { "RCPT TO:<b@y>", "503 ", CMD }, END } },
	{ "null sender accepted, null recipient refused", {
	    { "MAIL FROM:<>", "250 ", CMD }, { "RCPT TO:<>", "501 5.1.3 ",
		CMD }, END } },
	{ "mail parameters", {
	    { "MAIL FROM:<a@x> BODY=8BITMIME SIZE=123", "250 ", CMD },
	    { "RSET", "250 ", CMD },
	    { "MAIL FROM:<a@x> body=7bit", "250 ", CMD },
	    { "RSET", "250 ", CMD },
	    { "MAIL FROM:<a@x> BODY=BINARYMIME", "501 5.5.4 ", CMD },
	    { "MAIL FROM:<a@x> SIZE=12a", "501 5.5.4 ", CMD },
	    { "MAIL FROM:<a@x> SIZE", "501 5.5.4 ", CMD },
	    { "MAIL FROM:<a@x> RET=FULL", "555 5.5.4 ", CMD },
	    { "MAIL FROM:<a@x> SMTPUTF8", "555 5.5.4 ", CMD }, END } },
	{ "rcpt parameters are refused", {
	    { "MAIL FROM:<a@x>", "250 ", CMD },
	    { "RCPT TO:<b@y> NOTIFY=NEVER", "555 5.5.4 ", CMD },
	    { "RCPT TO:<b@y>  ", "250 ", CMD }, END } },
	{ "address syntax", {
	    { "MAIL FROM:<a b@x>", "501 5.1.7 ", CMD },
	    { "MAIL FROM:<a@x", "501 5.1.7 ", CMD },
	    { "MAIL FROM:<a@x>junk", "501 5.1.7 ", CMD },
	    { "MAIL FROM:<a<b@x>", "501 5.1.7 ", CMD },
	    { "MAIL FROM:<\"a b@x>", "501 5.1.7 ", CMD },
	    { "MAIL FROM:", "501 5.1.7 ", CMD },
	    { "MAIL TO:<a@x>", "501 5.5.4 ", CMD },
	    { "MAIL FROM:<a\x01@x>", "501 5.1.3 ", CMD },
	    { "MAIL FROM:<\xc3\xa4@x>", "553 5.6.7 ", CMD }, END } },
	{ "address forms accepted", {
	    { "MAIL FROM: <\"a b\"@x>", "250 ", CMD },
	    { "RCPT TO:<@r1,@r2:b@y>", "250 ", CMD },
	    { "RCPT TO:c@z", "250 ", CMD },
	    { "RCPT TO:<Postmaster>", "250 ", CMD }, END } },
	{ "vrfy and expn are refused politely", {
	    { "VRFY root", "502 5.5.1 ", CMD }, { "EXPN staff", "502 5.5.1 ",
		CMD }, END } },
	{ "unknown, empty and odd commands", {
	    { "FOO bar", "500 5.5.2 ", CMD }, { "", "500 5.5.2 ", CMD },
	    { "MAILX FROM:<a@x>", "500 5.5.2 ", CMD },
	    { "STARTTLS", "502 5.5.1 ", CMD }, { "AUTH PLAIN", "502 ", CMD },
	    { "BDAT 10 LAST", "502 ", CMD }, END } },
	{ "noop, help and quit", {
	    { "NOOP", "250 2.0.0 ", CMD }, { "NOOP anything", "250 ", CMD },
	    { "HELP", "214 ", CMD }, { "QUIT", "221 2.0.0 ", CLOSE },
	    { "NOOP", "221 ", CLOSE }, END } },
	{ "the body: dot-stuffing undone, the dot ends it", {
	    { "MAIL FROM:<a@x>", "250 ", CMD }, { "RCPT TO:<b@y>", "250 ",
		CMD },
	    { "DATA x", "501 5.5.4 ", CMD }, { "DATA", "354 ", BODY },
	    { "Subject: x", "", BODY }, { "..", "", BODY },
	    { ". ", "", BODY }, { "QUIT", "", BODY }, { ".", "", RELAY },
	    END } },
};

static void
test_dialogue(void **state)
{
	const struct dialogue *d = *state;
	const struct step *s;
	struct bsmtp *b = bsmtp_new("test.example");
	enum bsmtp_next next = CMD, got;
	const char *data;
	size_t dlen;

	for (s = d->steps; s->line != NULL; s++) {
		if (next == BODY)
			got = bsmtp_body(b, s->line, strlen(s->line), &data,
			    &dlen);
		else
			got = bsmtp_command(b, s->line, strlen(s->line));
		if (strncmp(bsmtp_reply(b), s->reply, strlen(s->reply)) != 0 ||
		    (*s->reply == '\0' && *bsmtp_reply(b) != '\0'))
			fail_msg("%s: after '%s': reply '%s', wanted '%s'",
			    d->name, s->line, bsmtp_reply(b), s->reply);
		if (got != s->next)
			fail_msg("%s: after '%s': next %d, wanted %d",
			    d->name, s->line, got, s->next);
		next = got;
	}
	bsmtp_free(b);
}

/* Up to the final dot of a message from a@x to b@y and c@z. */
static struct bsmtp *
to_dot(void)
{
	struct bsmtp *b = bsmtp_new("test.example");
	const char *data;
	size_t dlen;

	bsmtp_command(b, "MAIL FROM:<a@x>", 15);
	bsmtp_command(b, "RCPT TO:<b@y>", 13);
	bsmtp_command(b, "RCPT TO:<@r:c@z>", 16);
	assert_int_equal(bsmtp_command(b, "DATA", 4), BODY);
	assert_int_equal(bsmtp_body(b, "..a", 3, &data, &dlen), BODY);
	assert_int_equal(dlen, 2);
	assert_memory_equal(data, ".a", 2);
	assert_int_equal(bsmtp_body(b, ".", 1, &data, &dlen), RELAY);
	assert_int_equal(bsmtp_state(b), BSMTP_RELAY);
	return b;
}

static void
test_envelope(void **state)
{
	struct bsmtp *b = to_dot();
	char *const *r;
	size_t n;

	(void)state;
	assert_string_equal(bsmtp_from(b), "a@x");
	r = bsmtp_rcpts(b, &n);
	assert_int_equal(n, 2);
	assert_string_equal(r[0], "b@y");
	assert_string_equal(r[1], "c@z");
	bsmtp_free(b);
}

/* The reply to the dot for an outcome; a new transaction either way. */
struct outcome_case {
	const char *name;
	struct bsmtp_outcome o;
	const char *reply;
};

static const struct outcome_case outcomes[] = {
	{ "delivered", { 1, 0, 250, "2.0.0", "x", NULL },
	    "250 2.0.0 Ok: delivered\r\n" },
	{ "queued", { 1, 0, 0, NULL, NULL, "abc123" },
	    "250 2.0.0 Ok: queued as abc123\r\n" },
	{ "upstream 550 on rcpt", { 0, 0, 550, "5.1.1",
	    "RCPT TO:<b@y>: 550 5.1.1 unknown user", NULL },
	    "550 5.1.1 Error: RCPT TO:<b@y>: 550 5.1.1 unknown user\r\n" },
	{ "upstream 450", { 0, 1, 450, "4.2.1", "busy", NULL },
	    "450 4.2.1 Error: busy\r\n" },
	{ "unreachable: no code", { 0, 1, 0, "", "connect: refused", NULL },
	    "451 4.3.0 Error: connect: refused\r\n" },
	{ "local permanent: no code", { 0, 0, 0, NULL, "bad config", NULL },
	    "554 5.3.0 Error: bad config\r\n" },
	{ "code disagreeing with the verdict", { 0, 0, 451, "4.1.1", "odd",
	    NULL }, "554 5.3.0 Error: odd\r\n" },
	{ "malformed enhanced status", { 0, 0, 552, "5.1", "big", NULL },
	    "552 5.3.0 Error: big\r\n" },
	{ "enhanced status too long", { 0, 0, 552, "5.1234.1", "big",
	    NULL }, "552 5.3.0 Error: big\r\n" },
	{ "control bytes in the text", { 0, 1, 421, "4.4.2",
	    "a\r\n250 fake\x1b", NULL }, "421 4.4.2 Error: a??250 fake?\r\n" },
	{ "no text", { 0, 1, 0, NULL, NULL, NULL },
	    "451 4.3.0 Error: the message was not relayed\r\n" },
};

static void
test_outcome(void **state)
{
	const struct outcome_case *c = *state;
	struct bsmtp *b = to_dot();

	assert_int_equal(bsmtp_relayed(b, &c->o), CMD);
	if (strcmp(bsmtp_reply(b), c->reply) != 0)
		fail_msg("%s: reply '%s', wanted '%s'", c->name,
		    bsmtp_reply(b), c->reply);
	assert_int_equal(bsmtp_state(b), BSMTP_INIT);
	assert_int_equal(bsmtp_command(b, "RCPT TO:<b@y>", 13), CMD);
	assert_memory_equal(bsmtp_reply(b), "503 ", 4);
	bsmtp_free(b);
}

static void
test_long_text_capped(void **state)
{
	struct bsmtp *b = to_dot();
	struct bsmtp_outcome o = { 0, 1, 0, NULL, NULL, NULL };
	char *text = xmalloc(5000);

	(void)state;
	memset(text, 'x', 4999);
	text[4999] = '\0';
	o.text = text;
	bsmtp_relayed(b, &o);
	assert_true(strlen(bsmtp_reply(b)) < 512);
	assert_string_equal(bsmtp_reply(b) + strlen(bsmtp_reply(b)) - 2,
	    "\r\n");
	free(text);
	bsmtp_free(b);
}

static void
test_too_many_rcpts(void **state)
{
	struct bsmtp *b = bsmtp_new("h");
	char line[64];
	size_t i;

	(void)state;
	bsmtp_command(b, "MAIL FROM:<a@x>", 15);
	for (i = 0; i < BSMTP_RCPTS_MAX; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<r%zu@y>", i);
		bsmtp_command(b, line, strlen(line));
		assert_memory_equal(bsmtp_reply(b), "250 ", 4);
	}
	bsmtp_command(b, "RCPT TO:<last@y>", 16);
	assert_memory_equal(bsmtp_reply(b), "452 4.5.3 ", 10);
	bsmtp_free(b);
}

static void
test_too_many_errors(void **state)
{
	struct bsmtp *b = bsmtp_new("h");
	size_t i;

	(void)state;
	for (i = 0; i < BSMTP_ERRORS_MAX; i++)
		assert_int_equal(bsmtp_command(b, "XYZZY", 5), CMD);
	assert_int_equal(bsmtp_command(b, "XYZZY", 5), CLOSE);
	assert_memory_equal(bsmtp_reply(b), "421 4.7.0 ", 10);
	assert_int_equal(bsmtp_state(b), BSMTP_CLOSED);
	bsmtp_free(b);
}

static void
test_nul_and_long_lines(void **state)
{
	struct bsmtp *b = bsmtp_new("h\r\n250 x");

	(void)state;
	bsmtp_greet(b);
	assert_string_equal(bsmtp_reply(b), "220 h250x ESMTP postie\r\n");
	assert_int_equal(bsmtp_command(b, "NOOP\0x", 6), CMD);
	assert_memory_equal(bsmtp_reply(b), "500 5.5.2 ", 10);
	assert_int_equal(bsmtp_command_too_long(b), CMD);
	assert_memory_equal(bsmtp_reply(b), "500 5.5.2 ", 10);
	assert_int_equal(bsmtp_timeout(b), CLOSE);
	assert_memory_equal(bsmtp_reply(b), "421 4.4.2 ", 10);
	bsmtp_free(b);
}

/* The driver, over pipes. */

struct fake {
	int calls;
	char from[64];
	char rcpts[256];
	char body[4096];
	int status;		/* to report */
	struct failure fail;
};

static void
fake_deliver(void *arg, const struct bsrun_txn *t, struct bsrun_done *d)
{
	struct fake *fk = arg;
	ssize_t n;
	size_t i;

	fk->calls++;
	(void)strlcpy(fk->from, t->from, sizeof(fk->from));
	fk->rcpts[0] = '\0';
	for (i = 0; i < t->nrcpts; i++) {
		strncat(fk->rcpts, t->rcpts[i], 100);
		strncat(fk->rcpts, ",", 2);
	}
	n = read(t->fd, fk->body, sizeof(fk->body) - 1);
	fk->body[n > 0 ? n : 0] = '\0';
	d->status = fk->status;
	d->fail = fk->fail;
}

/* Where run() has message files made; NULL: $TMPDIR. */
static const char *run_tmpdir;

/* Run a session on input (then end of input, unless keep_open). */
static int
run(struct fake *fk, const char *input, int keep_open, int timeout_ms,
    char *out, size_t outsize, int *status, struct failure *f)
{
	int in[2], op[2], rc;
	struct bsrun_options opt;
	ssize_t n;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(op), 0);
	assert_int_equal(write(in[1], input, strlen(input)),
	    (ssize_t)strlen(input));
	if (!keep_open)
		close(in[1]);
	memset(&opt, 0, sizeof(opt));
	opt.in_fd = in[0];
	opt.out_fd = op[1];
	opt.timeout_ms = timeout_ms;
	opt.hostname = "test.example";
	opt.tmpdir = run_tmpdir;
	opt.deliver = fake_deliver;
	opt.arg = fk;
	rc = bsrun_session(&opt, status, f);
	close(op[1]);
	n = read(op[0], out, outsize - 1);
	out[n > 0 ? n : 0] = '\0';
	close(op[0]);
	close(in[0]);
	if (keep_open)
		close(in[1]);
	return rc;
}

/* Everything at once, as a pipelining client sends it. */
static void
test_run_pipelined(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(run(&fk, "EHLO c\r\nMAIL FROM:<a@x>\r\n"
	    "RCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\nSubject: t\r\n\r\n"
	    "..dot\nbare lf\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<d@w>\r\n"
	    "DATA\r\nsecond\r\n.\r\nQUIT\r\n", 0, 5000, out, sizeof(out),
	    &status, &f), 0);
	assert_int_equal(status, 0);
	assert_int_equal(fk.calls, 2);
	assert_string_equal(fk.from, "");
	assert_string_equal(fk.rcpts, "d@w,");
	assert_string_equal(fk.body, "second\n");
	assert_non_null(strstr(out, "220 test.example ESMTP"));
	assert_non_null(strstr(out, "354 End data"));
	assert_non_null(strstr(out, "250 2.0.0 Ok: delivered\r\n"
	    "250 2.1.0 Ok"));
	assert_non_null(strstr(out, "\r\n221 2.0.0 Bye\r\n"));
}

static void
test_run_body(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(run(&fk, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "RCPT TO:<c@z>\r\nDATA\r\nSubject: t\r\n\r\n..dot\nbare lf\r\n"
	    ".\r\n", 0, 5000, out, sizeof(out), &status, &f), 0);
	assert_int_equal(fk.calls, 1);
	assert_string_equal(fk.from, "a@x");
	assert_string_equal(fk.rcpts, "b@y,c@z,");
	assert_string_equal(fk.body, "Subject: t\n\n.dot\nbare lf\n");
	assert_int_equal(status, 0);
}

static void
test_run_failed_relay(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.status = EX_TEMPFAIL;
	failure_set(&fk.fail, FAIL_NET_TEMP, "smtp.example: connection "
	    "refused");
	assert_int_equal(run(&fk, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "DATA\r\nx\r\n.\r\nQUIT\r\n", 0, 5000, out, sizeof(out),
	    &status, &f), 0);
	assert_int_equal(status, EX_TEMPFAIL);
	assert_non_null(strstr(out, "\r\n451 4.3.0 Error: smtp.example: "
	    "connection refused\r\n221 "));
	memset(&fk, 0, sizeof(fk));
	fk.status = EX_DATAERR;
	failure_set(&fk.fail, FAIL_SMTP, "RCPT TO:<b@y>: 550 5.1.1 no");
	fk.fail.smtp_code = 550;
	(void)strlcpy(fk.fail.estatus, "5.1.1", sizeof(fk.fail.estatus));
	assert_int_equal(run(&fk, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "DATA\r\nx\r\n.\r\nQUIT\r\n", 0, 5000, out, sizeof(out),
	    &status, &f), 0);
	assert_int_equal(status, EX_DATAERR);
	assert_non_null(strstr(out, "\r\n550 5.1.1 Error: RCPT TO:<b@y>: "
	    "550 5.1.1 no\r\n221 "));
}

static void
test_run_timeout(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(run(&fk, "NOOP\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>"
	    "\r\nDATA\r\npart", 1, 300, out, sizeof(out), &status, &f), -1);
	assert_int_equal(f.cls, FAIL_NET_TEMP);
	assert_non_null(strstr(f.text, "standard input"));
	assert_non_null(strstr(out, "421 4.4.2 "));
	assert_int_equal(fk.calls, 0);
}

static void
test_run_eof(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	/* Between transactions: as good as QUIT. */
	assert_int_equal(run(&fk, "EHLO c\r\nNOOP\r\n", 0, 5000, out,
	    sizeof(out), &status, &f), 0);
	assert_int_equal(status, 0);
	/* Inside a message: the message is not relayed. */
	assert_int_equal(run(&fk, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "DATA\r\nno dot\r\n", 0, 5000, out, sizeof(out), &status, &f),
	    -1);
	assert_int_equal(f.cls, FAIL_IO);
	assert_int_equal(fk.calls, 0);
}

/* No message file: that message gets 451, the session goes on. */
static void
test_run_no_spool(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096];
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	run_tmpdir = "/nonexistent/postie-test";
	assert_int_equal(run(&fk, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "DATA\r\nx\r\n.\r\nNOOP\r\nQUIT\r\n", 0, 5000, out,
	    sizeof(out), &status, &f), 0);
	run_tmpdir = NULL;
	assert_int_equal(fk.calls, 0);
	assert_int_equal(status, EX_CANTCREAT);
	assert_non_null(strstr(out, "\r\n451 4.3.0 Error: cannot create a "
	    "message file in /nonexistent/postie-test: "));
	assert_non_null(strstr(out, "\r\n250 2.0.0 Ok\r\n221 "));
}

static void
test_run_long_command(void **state)
{
	struct fake fk;
	struct failure f;
	char out[4096], *in = xmalloc(BSMTP_CMD_MAX + 100);
	int status = -1;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	memcpy(in, "NOOP ", 5);
	memset(in + 5, 'x', BSMTP_CMD_MAX + 10);
	(void)strlcpy(in + BSMTP_CMD_MAX + 15, "\r\nNOOP\r\n", 10);
	assert_int_equal(run(&fk, in, 0, 5000, out, sizeof(out), &status,
	    &f), 0);
	assert_non_null(strstr(out, "\r\n500 5.5.2 Error: line too long\r\n"
	    "250 2.0.0 Ok\r\n"));
	free(in);
}

int
main(void)
{
	struct CMUnitTest tests[UTIL_ARRAY_LEN(dialogues) +
	    UTIL_ARRAY_LEN(outcomes) + 12];
	size_t i, n = 0;

	for (i = 0; i < UTIL_ARRAY_LEN(dialogues); i++) {
		struct CMUnitTest t = { dialogues[i].name, test_dialogue,
		    NULL, NULL, (void *)&dialogues[i] };
		tests[n++] = t;
	}
	for (i = 0; i < UTIL_ARRAY_LEN(outcomes); i++) {
		struct CMUnitTest t = { outcomes[i].name, test_outcome,
		    NULL, NULL, (void *)&outcomes[i] };
		tests[n++] = t;
	}
	{
		const struct CMUnitTest more[] = {
			cmocka_unit_test(test_envelope),
			cmocka_unit_test(test_long_text_capped),
			cmocka_unit_test(test_too_many_rcpts),
			cmocka_unit_test(test_too_many_errors),
			cmocka_unit_test(test_nul_and_long_lines),
			cmocka_unit_test(test_run_pipelined),
			cmocka_unit_test(test_run_body),
			cmocka_unit_test(test_run_failed_relay),
			cmocka_unit_test(test_run_timeout),
			cmocka_unit_test(test_run_eof),
			cmocka_unit_test(test_run_no_spool),
			cmocka_unit_test(test_run_long_command),
		};
		for (i = 0; i < UTIL_ARRAY_LEN(more); i++)
			tests[n++] = more[i];
	}
	return _cmocka_run_group_tests("bsmtp", tests, n, NULL, NULL);
}
