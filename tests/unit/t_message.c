/*
 * t_message.c - reading the message into the spool: exact bytes out.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "message.h"

#define CHUNK (64 * 1024)

static char tmpdir[] = "/tmp/t_message.XXXXXX";

/* An unlinked file holding data, positioned at its start. */
static int
input_fd(const char *data, size_t len)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/in.XXXXXX", tmpdir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(util_write_all(fd, data, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int
run(const char *data, size_t len, const struct message_options *opt,
    struct message **msg, struct failure *f)
{
	int fd = input_fd(data, len), rc;

	failure_clear(f);
	rc = message_read(fd, opt, msg, f);
	close(fd);
	return rc;
}

/* The whole spool; checks that it was rewound and that size is right. */
static char *
spool_text(const struct message *msg, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap + 1);
	ssize_t n;

	while ((n = read(msg->fd, s + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			s = realloc(s, (cap *= 2) + 1);
	}
	assert_int_equal(n, 0);
	s[len] = '\0';
	assert_int_equal(msg->size, (off_t)len);
	if (lenp != NULL)
		*lenp = len;
	return s;
}

static const struct message_options plain_opt = { .tmpdir = tmpdir };

/* Date and Message-ID are present so nothing is added. */
#define H "Date: d\nMessage-ID: <m@x>\n"
#define HC "Date: d\r\nMessage-ID: <m@x>\r\n"

struct exact_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct exact_case exact_cases[] = {
	{ "LF to CRLF", H "Subject: s\n\nline1\nline2\n",
	    HC "Subject: s\r\n\r\nline1\r\nline2\r\n" },
	{ "CRLF kept", H "Subject: s\r\n\r\nline1\r\nline2\r\n",
	    HC "Subject: s\r\n\r\nline1\r\nline2\r\n" },
	{ "lone CR to CRLF", H "\na\rb\r\r\n", HC "\r\na\r\nb\r\n\r\n" },
	{ "smuggled end of data", H "\na\r.\r\nb\n",
	    HC "\r\na\r\n.\r\nb\r\n" },
	{ "Bcc removed with continuation",
	    H "To: a@x\nBcc: b@y,\n c@z\nSubject: s\n\nbody\n",
	    HC "To: a@x\r\nSubject: s\r\n\r\nbody\r\n" },
	{ "Bcc in any case, empty", H "BCC:\nSubject: s\n\nb\n",
	    HC "Subject: s\r\n\r\nb\r\n" },
	{ "Bcc as last field", H "Subject: s\nBcc: b@y\n\tc@z\n\nb\n",
	    HC "Subject: s\r\n\r\nb\r\n" },
	{ "Bcc-like names kept", H "Bccx: 1\nX-Bcc: 2\n\nb\n",
	    HC "Bccx: 1\r\nX-Bcc: 2\r\n\r\nb\r\n" },
	{ "lone dot line is data", H "\n.\n..\n.", HC "\r\n.\r\n..\r\n.\r\n" },
	{ "no trailing newline", H "\nabc", HC "\r\nabc\r\n" },
	{ "CR at end of input", H "\nabc\r", HC "\r\nabc\r\n" },
	/* Input ending in the header gets no empty line, as in msmtp. */
	{ "header only", H "Subject: s", HC "Subject: s\r\n" },
	{ "header only with newline", H "Subject: s\n",
	    HC "Subject: s\r\n" },
	{ "header and blank line", H "Subject: s\n\n",
	    HC "Subject: s\r\n\r\n" },
	{ "header only, continuation last", H "To: a,\n b",
	    HC "To: a,\r\n b\r\n" },
	{ "body starts without blank line", H "hello world\nmore\n",
	    HC "\r\nhello world\r\nmore\r\n" },
	{ "body start line at end of input", H "hello",
	    HC "\r\nhello\r\n" },
	{ "body start line with CRLF", H "hello\r\n", HC "\r\nhello\r\n" },
	{ "mbox From_ line dropped",
	    "From j@x Mon Nov 23 18:30:00 2026\n" H "\nb\n", HC "\r\nb\r\n" },
	{ "fields written back byte-exact",
	    H "Subject:   two  spaces \n\tcont  \nX-Odd :v\n\nb\n",
	    HC "Subject:   two  spaces \r\n\tcont  \r\nX-Odd :v\r\n\r\nb\r\n" },
	{ "blank lines in body", H "\n\n\nx\n", HC "\r\n\r\n\r\nx\r\n" },
	{ "empty body", H "\n", HC "\r\n" },
	{ "From line in body untouched", H "\nFrom me\n>From you\n",
	    HC "\r\nFrom me\r\n>From you\r\n" },
};

static void
test_exact(void **state)
{
	const struct exact_case *c = *state;
	struct message *msg;
	struct failure f;
	char *out;

	if (run(c->in, strlen(c->in), &plain_opt, &msg, &f) != 0)
		fail_msg("%s", f.text);
	out = spool_text(msg, NULL);
	assert_string_equal(out, c->want);
	assert_int_equal(msg->added_date + msg->added_msgid + msg->added_from,
	    0);
	assert_string_equal(msg->msgid, "<m@x>");
	assert_false(msg->eightbit);
	free(out);
	message_free(msg);
}

/* Input built from pieces so that chosen bytes fall on chunk edges. */
static void
check_built(const char *in, size_t inlen, const char *want, size_t wantlen)
{
	struct message *msg;
	struct failure f;
	size_t len;
	char *out;

	if (run(in, inlen, &plain_opt, &msg, &f) != 0)
		fail_msg("%s", f.text);
	out = spool_text(msg, &len);
	assert_int_equal(len, wantlen);
	assert_memory_equal(out, want, wantlen);
	free(out);
	message_free(msg);
}

/* Body: CR as the last byte of a chunk, LF first of the next; a lone
 * CR at the next edge; LF-only lines in between. */
static void
test_cr_at_chunk_edge_body(void **state)
{
	size_t cap = 4 * CHUNK, il = 0, wl = 0, fill;
	char *in = malloc(cap), *want = malloc(cap);

	(void)state;
	memcpy(in, H "\n", il = strlen(H "\n"));
	memcpy(want, HC "\r\n", wl = strlen(HC "\r\n"));
	fill = CHUNK - 1 - il;
	memset(in + il, 'a', fill);
	memset(want + wl, 'a', fill);
	il += fill;
	wl += fill;
	memcpy(in + il, "\r\n", 2);	/* CR at CHUNK - 1 */
	memcpy(want + wl, "\r\n", 2);
	il += 2;
	wl += 2;
	fill = 2 * CHUNK - 1 - il;
	memset(in + il, 'b', fill);
	memset(want + wl, 'b', fill);
	il += fill;
	wl += fill;
	memcpy(in + il, "\rc\n", 3);	/* lone CR at 2 * CHUNK - 1 */
	memcpy(want + wl, "\r\nc\r\n", 5);
	check_built(in, il + 3, want, wl + 5);
	free(in);
	free(want);
}

/* Header: a long field whose CRLF straddles the first chunk edge. */
static void
test_cr_at_chunk_edge_header(void **state)
{
	size_t cap = 2 * CHUNK, il, wl, fill;
	char *in = malloc(cap), *want = malloc(cap);

	(void)state;
	memcpy(in, H "X-Long: ", il = strlen(H "X-Long: "));
	memcpy(want, HC "X-Long: ", wl = strlen(HC "X-Long: "));
	fill = CHUNK - 1 - il;
	memset(in + il, 'v', fill);
	memset(want + wl, 'v', fill);
	il += fill;
	wl += fill;
	memcpy(in + il, "\r\n\r\nbody\r\n", 10);
	memcpy(want + wl, "\r\n\r\nbody\r\n", 10);
	check_built(in, il + 10, want, wl + 10);
	free(in);
	free(want);
}

/* Many LF lines across many chunks: every one gains exactly one CR. */
static void
test_large_body(void **state)
{
	size_t lines = 40000, i, il, wl;
	char *in = malloc(lines * 10 + 64), *want = malloc(lines * 11 + 64);

	(void)state;
	memcpy(in, H "\n", il = strlen(H "\n"));
	memcpy(want, HC "\r\n", wl = strlen(HC "\r\n"));
	for (i = 0; i < lines; i++) {
		memcpy(in + il, "123456789\n", 10);
		memcpy(want + wl, "123456789\r\n", 11);
		il += 10;
		wl += 11;
	}
	check_built(in, il, want, wl);
	free(in);
	free(want);
}

static const char date_re[] = "^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
    "[0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4}\r\n";

static void
assert_match(const char *s, const char *re)
{
	regex_t rx;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&rx, s, 0, NULL, 0) != 0)
		fail_msg("'%s' does not match '%s'", s, re);
	regfree(&rx);
}

static void
test_added_headers(void **state)
{
	struct message_options opt = { .tmpdir = tmpdir,
	    .from_addr = "me@example.org", .msgid_domain = "example.org" };
	struct message *msg;
	struct failure f;
	char *out, re[512];

	(void)state;
	assert_int_equal(run("Subject: s\n\nb\n", 14, &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	/* msmtp's order: From, Date, Message-ID. */
	snprintf(re, sizeof(re), "^From: me@example.org\r\n%s"
	    "Message-ID: <[0-9]{14}\\.[0-9a-f]{16}@example\\.org>\r\n"
	    "Subject: s\r\n\r\nb\r\n$", date_re + 1);
	assert_match(out, re);
	assert_true(msg->added_date && msg->added_from && msg->added_msgid);
	assert_string_equal(msg->from, "me@example.org");
	assert_non_null(strstr(out, msg->msgid));
	assert_match(msg->msgid, "^<[0-9]{14}\\.[0-9a-f]{16}@example\\.org>$");
	free(out);
	message_free(msg);
}

static void
test_not_added_when_present(void **state)
{
	static const char in[] = "from: J <j@x>\nDATE: Mon, 1 Jan 2001\n"
	    "Message-Id:  <m@x> \n\nb\n";
	struct message_options opt = { .tmpdir = tmpdir,
	    .from_addr = "me@example.org", .full_name = "Me" };
	struct message *msg;
	struct failure f;
	char *out;

	(void)state;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_string_equal(out, "from: J <j@x>\r\nDATE: Mon, 1 Jan 2001\r\n"
	    "Message-Id:  <m@x> \r\n\r\nb\r\n");
	assert_false(msg->added_date || msg->added_from || msg->added_msgid);
	assert_string_equal(msg->from, "j@x");
	assert_string_equal(msg->msgid, "<m@x>");
	free(out);
	message_free(msg);
}

/* msmtp's header keys: each mode changes exactly the fields it names. */
static void
test_header_modes(void **state)
{
	static const char in[] = "To: t@x\nFrom: Old <old@x>\nCc: c@x\n"
	    "Bcc: b@x\nResent-Bcc: rb@x\nfrom: two@x\nSubject: s\n\nb\n";
	struct message_options opt = { .tmpdir = tmpdir,
	    .from_addr = "me@example.org", .set_from = MESSAGE_HDR_ON,
	    .set_date = MESSAGE_HDR_OFF, .set_msgid = MESSAGE_HDR_OFF,
	    .undisclosed = 1, .read_recipients = 1 };
	struct message *msg;
	struct failure f;
	char *out;

	(void)state;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_string_equal(out, "From: me@example.org\r\n"
	    "To: undisclosed-recipients:;\r\nSubject: s\r\n\r\nb\r\n");
	assert_string_equal(msg->from, "me@example.org");
	assert_true(msg->added_from);
	assert_false(msg->added_date || msg->added_msgid);
	/* -t still reads a field that was removed (Resent- rule). */
	assert_int_equal(msg->nrcpts, 1);
	assert_string_equal(msg->rcpts[0], "rb@x");
	free(out);
	message_free(msg);
	opt.set_from = MESSAGE_HDR_OFF;
	opt.undisclosed = 0;
	opt.keep_bcc = 1;
	assert_int_equal(run(in + 8, strlen(in + 8), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_string_equal(out, "From: Old <old@x>\r\nCc: c@x\r\n"
	    "Bcc: b@x\r\nResent-Bcc: rb@x\r\nfrom: two@x\r\n"
	    "Subject: s\r\n\r\nb\r\n");
	free(out);
	message_free(msg);
	/* set_from_header off adds no From to a message without one. */
	assert_int_equal(run("Subject: s\n\nb\n", 15, &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_string_equal(out, "Subject: s\r\n\r\nb\r\n");
	assert_null(msg->from);
	free(out);
	message_free(msg);
}

/* A From that does not parse is still a From: none is added. */
static void
test_unparsable_from_kept(void **state)
{
	static const char in[] = H "From: \"broken\n\nb\n";
	struct message_options opt = { .tmpdir = tmpdir, .from_addr = "a@b" };
	struct message *msg;
	struct failure f;
	char *out;

	(void)state;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_string_equal(out, HC "From: \"broken\r\n\r\nb\r\n");
	assert_null(msg->from);
	assert_false(msg->added_from);
	free(out);
	message_free(msg);
}

struct from_case {
	const char *name;
	const char *full_name;
	const char *want;
};

static const struct from_case from_cases[] = {
	{ "-F non-ASCII name", "J\xc3\xb6rg M\xc3\xbcller",
	    "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <j@x>\r\n" },
	{ "-F with specials", "Doe, John", "From: \"Doe, John\" <j@x>\r\n" },
	{ "-F plain", "John Doe", "From: John Doe <j@x>\r\n" },
	{ "-F empty", "", "From: j@x\r\n" },
	{ "-F with line break", "x\nBcc: y", "From: =?UTF-8?B?eApCY2M6IHk=?= "
	    "<j@x>\r\n" },
};

static void
test_from(void **state)
{
	const struct from_case *c = *state;
	struct message_options opt = { .tmpdir = tmpdir, .from_addr = "j@x",
	    .full_name = c->full_name };
	struct message *msg;
	struct failure f;
	char *out, *want;

	assert_int_equal(run(H "\nb\n", strlen(H "\nb\n"), &opt, &msg, &f),
	    0);
	out = spool_text(msg, NULL);
	want = xasprintf("%s" HC "\r\nb\r\n", c->want);
	assert_string_equal(out, want);
	assert_true(msg->added_from);
	assert_false(msg->eightbit);
	free(want);
	free(out);
	message_free(msg);
}

/* A long encoded name is folded; every line stays within 78 columns. */
static void
test_from_folded(void **state)
{
	struct message_options opt = { .tmpdir = tmpdir, .from_addr = "j@x" };
	struct message *msg;
	struct failure f;
	char name[301], *out, *p, *end;
	size_t i;

	(void)state;
	for (i = 0; i < 300; i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[300] = '\0';
	opt.full_name = name;
	assert_int_equal(run(H "\n", strlen(H "\n"), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_memory_equal(out, "From: =?UTF-8?B?", 16);
	end = strstr(out, "Date: ");
	assert_non_null(end);
	for (p = out; p < end; p = strstr(p, "\r\n") + 2) {
		assert_true(strstr(p, "\r\n") - p <= 78);
		assert_true(p == out || *p == ' ');
	}
	assert_non_null(strstr(out, "?= <j@x>\r\nDate: "));
	free(out);
	message_free(msg);
}

static void
test_msgid_default_domain(void **state)
{
	struct message *msg;
	struct failure f;
	char *out;

	(void)state;
	assert_int_equal(run("Date: d\n\n", 9, &plain_opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	assert_match(out, "^Message-ID: <[0-9]{14}\\.[0-9a-f]{16}@localhost>"
	    "\r\nDate: d\r\n\r\n$");
	assert_false(msg->added_from);
	free(out);
	message_free(msg);
}

/* Read in with opt; the spool must equal want. */
static void
expect_out(const char *in, const struct message_options *opt,
    const char *want)
{
	struct message *msg;
	struct failure f;
	char *out;

	if (run(in, strlen(in), opt, &msg, &f) != 0)
		fail_msg("%s", f.text);
	out = spool_text(msg, NULL);
	assert_string_equal(out, want);
	free(out);
	message_free(msg);
}

/* set_to_header: To lists the recipients only when no To/Cc/Bcc. */
static void
test_set_to(void **state)
{
	static char *const two[] = { "a@x", "Bea <b@y>" };
	static char *const bad[] = { "a@x\r\nBcc: c@z" };
	struct message_options opt = { .tmpdir = tmpdir, .set_to = 1,
	    .to_rcpts = two, .nto_rcpts = 2 };
	char *many[12], *out, *p;
	struct message *msg;
	struct failure f;
	size_t i;

	(void)state;
	expect_out(H "Subject: s\n\nb\n", &opt,
	    "To: a@x, Bea <b@y>\r\n" HC "Subject: s\r\n\r\nb\r\n");
	expect_out(H "cc: c@x\n\nb\n", &opt, HC "cc: c@x\r\n\r\nb\r\n");
	/* A removed Bcc was there all the same. */
	expect_out(H "Bcc: c@x\n\nb\n", &opt, HC "\r\nb\r\n");
	opt.undisclosed = 1;
	expect_out(H "\nb\n", &opt,
	    "To: undisclosed-recipients:;\r\n" HC "\r\nb\r\n");
	opt.undisclosed = 0;
	opt.set_to = 0;
	expect_out(H "\nb\n", &opt, HC "\r\nb\r\n");
	opt.set_to = 1;
	opt.nto_rcpts = 0;
	expect_out(H "\nb\n", &opt, HC "\r\nb\r\n");
	opt.to_rcpts = bad;
	opt.nto_rcpts = 1;
	assert_int_equal(run(H "\n", strlen(H "\n"), &opt, &msg, &f), -1);
	assert_null(msg);
	assert_int_equal(f.cls, FAIL_DATA);
	for (i = 0; i < UTIL_ARRAY_LEN(many); i++)
		many[i] = "someone.long@example.org";
	opt.to_rcpts = many;
	opt.nto_rcpts = UTIL_ARRAY_LEN(many);
	assert_int_equal(run(H "\n", strlen(H "\n"), &opt, &msg, &f), 0);
	out = spool_text(msg, NULL);
	for (p = out; strncmp(p, "Date:", 5) != 0; p = strstr(p, "\r\n") + 2) {
		assert_true(strstr(p, "\r\n") - p <= 78);
		assert_true(p == out || *p == ' ');
	}
	free(out);
	message_free(msg);
}

/* from_full_name reaches a replaced From as well as an added one. */
static void
test_from_replaced_with_name(void **state)
{
	struct message_options opt = { .tmpdir = tmpdir,
	    .from_addr = "me@x", .full_name = "Ann B.",
	    .set_from = MESSAGE_HDR_ON };

	(void)state;
	expect_out(H "From: Old <old@x>\n\nb\n", &opt,
	    "From: \"Ann B.\" <me@x>\r\n" HC "\r\nb\r\n");
}

static void
test_from_addr_with_line_break(void **state)
{
	struct message_options opt = { .tmpdir = tmpdir,
	    .from_addr = "a@b\r\nBcc: x@y" };
	struct message *msg;
	struct failure f;

	(void)state;
	assert_int_equal(run("\n", 1, &opt, &msg, &f), -1);
	assert_null(msg);
	assert_int_equal(f.cls, FAIL_DATA);
}

static void
test_header_lone_cr_refused(void **state)
{
	static const char in[] = "Subject: a\r.\r\nTo: b@y\n\nbody\n";
	struct message_options opt = { .tmpdir = tmpdir };
	struct message *msg;
	struct failure f;

	(void)state;
	assert_int_equal(run(in, sizeof(in) - 1, &opt, &msg, &f), -1);
	assert_null(msg);
	assert_int_equal(f.cls, FAIL_DATA);
	assert_non_null(strstr(f.text, "carriage return"));
}

static void
test_read_recipients(void **state)
{
	static const char in[] = H "To: a@x, B <b@y>\nCc: c@z (C)\n"
	    "Bcc: d@w,\n e@v\nSubject: s\nTO: undisclosed:;\n\nTo: no@body\n";
	static const char *const want[] = { "a@x", "b@y", "c@z", "d@w",
	    "e@v" };
	struct message_options opt = { .tmpdir = tmpdir,
	    .read_recipients = 1 };
	struct message *msg;
	struct failure f;
	size_t i;
	char *out;

	(void)state;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), 0);
	assert_int_equal(msg->nrcpts, UTIL_ARRAY_LEN(want));
	for (i = 0; i < UTIL_ARRAY_LEN(want); i++)
		assert_string_equal(msg->rcpts[i], want[i]);
	out = spool_text(msg, NULL);
	assert_null(strstr(out, "Bcc"));
	assert_null(strstr(out, "d@w"));
	free(out);
	message_free(msg);

	assert_int_equal(run(in, strlen(in), &plain_opt, &msg, &f), 0);
	assert_int_equal(msg->nrcpts, 0);
	out = spool_text(msg, NULL);
	assert_null(strstr(out, "e@v"));
	free(out);
	message_free(msg);
}

/* -t with Resent- fields: only the first block's recipients count. */
static const struct resent_case {
	const char *name, *in, *want;	/* want: addresses joined by " " */
	const char *gone;		/* must not be in the output */
} resent_cases[] = {
	{ "no Resent- fields", "To: a@x\nBcc: b@x\n\nb\n", "a@x b@x",
	    "b@x" },
	{ "Resent-To replaces To", "Resent-To: r@x\nTo: a@x\n\nb\n", "r@x",
	    NULL },
	{ "Resent-Cc and Resent-Bcc", "Resent-From: f@x\nResent-Cc: c@x\n"
	    "Resent-Bcc: h@x,\n i@x\nTo: a@x\nBcc: o@x\n\nb\n",
	    "c@x h@x i@x", "Resent-Bcc" },
	{ "only the first block", "Received: x\nResent-To: n@x\n"
	    "Resent-Date: d\nReceived: y\nResent-To: old@x\nTo: a@x\n\nb\n",
	    "n@x", NULL },
	{ "a late Resent- block", "To: a@x\nResent-To: l@x\n\nb\n", "l@x",
	    NULL },
	{ "Resent- without recipients", "Resent-Sender: s@x\nTo: a@x\n\nb\n",
	    "", NULL },
	{ "Resent-Bcc in any case", "RESENT-BCC: h@x\nresent-to: r@x\n\nb\n",
	    "h@x r@x", "h@x" },
};

static void
test_resent(void **state)
{
	struct message_options opt = { .tmpdir = tmpdir,
	    .read_recipients = 1 };
	const struct resent_case *c;
	struct message *msg;
	struct failure f;
	char got[256], *out;
	size_t i, k;

	(void)state;
	for (c = resent_cases; c < resent_cases +
	    UTIL_ARRAY_LEN(resent_cases); c++) {
		print_message("case: %s\n", c->name);
		assert_int_equal(run(c->in, strlen(c->in), &opt, &msg, &f), 0);
		got[0] = '\0';
		for (i = 0, k = 0; i < msg->nrcpts; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s",
			    i > 0 ? " " : "", msg->rcpts[i]);
		assert_string_equal(got, c->want);
		out = spool_text(msg, NULL);
		if (c->gone != NULL)
			assert_null(strstr(out, c->gone));
		free(out);
		message_free(msg);
	}
}

static void
test_read_recipients_error(void **state)
{
	static const char in[] = H "Subject: s\nCc: ok@x,\n \"bad\n\nb\n";
	struct message_options opt = { .tmpdir = tmpdir,
	    .read_recipients = 1 };
	struct message *msg;
	struct failure f;

	(void)state;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), -1);
	assert_int_equal(f.cls, FAIL_DATA);
	/* The unfolded value is "ok@x, \"bad". */
	assert_string_equal(f.text, "header line 4: Cc: unterminated quoted "
	    "string at position 7");
	/* Without -t the field is only passed on. */
	assert_int_equal(run(in, strlen(in), &plain_opt, &msg, &f), 0);
	message_free(msg);
}

struct eight_case {
	const char *name;
	const char *in;
	int eightbit;
};

static const struct eight_case eight_cases[] = {
	{ "7-bit", H "Subject: s\n\nplain\n", 0 },
	{ "8-bit body", H "\ncaf\xc3\xa9\n", 1 },
	{ "8-bit header", H "Subject: caf\xc3\xa9\n\nb\n", 1 },
	{ "8-bit only in removed Bcc", H "Bcc: j\xc3\xb6@x\n\nb\n", 0 },
	{ "8-bit in last line without newline", H "\nabc\xff", 1 },
};

static void
test_eightbit(void **state)
{
	const struct eight_case *c = *state;
	struct message *msg;
	struct failure f;

	assert_int_equal(run(c->in, strlen(c->in), &plain_opt, &msg, &f), 0);
	assert_int_equal(msg->eightbit, c->eightbit);
	message_free(msg);
}

/* The scan reads eight bytes at a time: a high bit at any offset counts. */
static void
test_eightbit_any_offset(void **state)
{
	char in[128], *body;
	struct message *msg;
	struct failure f;
	size_t at, len;

	(void)state;
	for (at = 0; at < 24; at++) {
		len = (size_t)snprintf(in, sizeof(in), H "\n%s\n",
		    "abcdefghijklmnopqrstuvwxyz0123456789");
		body = strchr(in, '\n');
		while (body[1] != '\n')
			body = strchr(body + 1, '\n');
		body[2 + at] = (char)0x80;
		assert_int_equal(run(in, len, &plain_opt, &msg, &f), 0);
		assert_int_equal(msg->eightbit, 1);
		message_free(msg);
	}
}

static void
test_size_limit(void **state)
{
	static const char in[] = H "\n0123456789\n";
	struct message_options opt = { .tmpdir = tmpdir };
	struct message *msg;
	struct failure f;
	off_t exact = (off_t)strlen(HC "\r\n0123456789\r\n");

	(void)state;
	opt.max_size = exact - 1;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), -1);
	assert_null(msg);
	assert_int_equal(f.cls, FAIL_DATA);
	assert_string_equal(f.text, "message exceeds the size limit of 41 "
	    "bytes");
	opt.max_size = exact;
	assert_int_equal(run(in, strlen(in), &opt, &msg, &f), 0);
	assert_int_equal(msg->size, exact);
	message_free(msg);
}

static void
expect_header_too_large(const char *in, size_t len)
{
	struct message *msg;
	struct failure f;

	assert_int_equal(run(in, len, &plain_opt, &msg, &f), -1);
	assert_int_equal(f.cls, FAIL_DATA);
	assert_string_equal(f.text, "message header exceeds 1 MiB");
}

static void
test_header_too_large(void **state)
{
	size_t len = MESSAGE_HEADER_MAX + 100, i, under = 104850 * 10;
	char *in = malloc(len);
	struct message *msg;
	struct failure f;

	(void)state;
	/* One endless line. */
	memcpy(in, "X-Long: ", 8);
	memset(in + 8, 'a', len - 8);
	expect_header_too_large(in, len);
	/* Many short fields. */
	for (i = 0; i + 10 <= len; i += 10)
		memcpy(in + i, "X-Ab: 123\n", 10);
	expect_header_too_large(in, i);
	/* Just under the limit passes. */
	memcpy(in + under, "\nbody\n", 6);
	assert_int_equal(run(in, under + 6, &plain_opt, &msg, &f), 0);
	/* Each field gains a CR; Date and Message-ID are added. */
	assert_true(msg->size > (off_t)(under / 10 * 11 + 2 + 6));
	assert_true(msg->added_date && msg->added_msgid);
	message_free(msg);
	free(in);
}

static void
test_pipe_input(void **state)
{
	static const char in[] = H "Subject: s\n\nvia a pipe\n";
	struct message *msg;
	struct failure f;
	int p[2];
	char *out;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(util_write_all(p[1], in, strlen(in)), 0);
	close(p[1]);
	assert_int_equal(message_read(p[0], &plain_opt, &msg, &f), 0);
	close(p[0]);
	out = spool_text(msg, NULL);
	assert_string_equal(out, HC "Subject: s\r\n\r\nvia a pipe\r\n");
	free(out);
	message_free(msg);
}

static void
test_read_error(void **state)
{
	struct message *msg = (void *)1;
	struct failure f;
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(message_read(fd, &plain_opt, &msg, &f), -1);
	assert_null(msg);
	assert_int_equal(f.cls, FAIL_IO);
	assert_non_null(strstr(f.text, "reading the message: "));
	close(fd);
}

static void
test_no_spool_dir(void **state)
{
	struct message_options opt = { .tmpdir = "/nonexistent/postie" };
	struct message *msg;
	struct failure f;

	(void)state;
	assert_int_equal(run("\n", 1, &opt, &msg, &f), -1);
	assert_int_equal(f.cls, FAIL_CANTCREAT);
	assert_non_null(strstr(f.text, "/nonexistent/postie"));
	assert_non_null(strstr(f.text, "No such file"));
}

/* Private, unlinked, close-on-exec; $TMPDIR when no directory is set. */
static void
test_spool_file(void **state)
{
	struct message_options opt = { 0 };
	char link[64], target[256];
	struct message *msg;
	struct failure f;
	struct stat st;
	ssize_t n;

	(void)state;
	setenv("TMPDIR", tmpdir, 1);
	assert_int_equal(run("\n", 1, &opt, &msg, &f), 0);
	assert_int_equal(fstat(msg->fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_nlink, 0);
	assert_true(fcntl(msg->fd, F_GETFD) & FD_CLOEXEC);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", msg->fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		assert_memory_equal(target, tmpdir, strlen(tmpdir));
		assert_non_null(strstr(target, "/postie."));
	}
	unsetenv("TMPDIR");
	message_free(msg);
	message_free(NULL);
}

/* Runs last: no test may have left a file in the spool directory. */
static void
test_nothing_left_behind(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
}

#define CASES(arr, fn)							\
	for (i = 0; i < UTIL_ARRAY_LEN(arr); i++)			\
		t[n++] = (struct CMUnitTest){ arr[i].name, fn, NULL,	\
		    NULL, (void *)&arr[i] }

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_cr_at_chunk_edge_body),
		cmocka_unit_test(test_cr_at_chunk_edge_header),
		cmocka_unit_test(test_header_lone_cr_refused),
		cmocka_unit_test(test_large_body),
		cmocka_unit_test(test_eightbit_any_offset),
		cmocka_unit_test(test_added_headers),
		cmocka_unit_test(test_not_added_when_present),
		cmocka_unit_test(test_header_modes),
		cmocka_unit_test(test_unparsable_from_kept),
		cmocka_unit_test(test_from_folded),
		cmocka_unit_test(test_msgid_default_domain),
		cmocka_unit_test(test_from_addr_with_line_break),
		cmocka_unit_test(test_set_to),
		cmocka_unit_test(test_from_replaced_with_name),
		cmocka_unit_test(test_read_recipients),
		cmocka_unit_test(test_read_recipients_error),
		cmocka_unit_test(test_resent),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_header_too_large),
		cmocka_unit_test(test_pipe_input),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_no_spool_dir),
		cmocka_unit_test(test_spool_file),
		cmocka_unit_test(test_nothing_left_behind),
	};
	struct CMUnitTest t[UTIL_ARRAY_LEN(exact_cases) +
	    UTIL_ARRAY_LEN(from_cases) + UTIL_ARRAY_LEN(eight_cases) +
	    UTIL_ARRAY_LEN(fixed)];
	size_t i, n = 0;
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	CASES(exact_cases, test_exact);
	CASES(from_cases, test_from);
	CASES(eight_cases, test_eightbit);
	for (i = 0; i < UTIL_ARRAY_LEN(fixed); i++)
		t[n++] = fixed[i];
	rc = _cmocka_run_group_tests("message", t, n, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
