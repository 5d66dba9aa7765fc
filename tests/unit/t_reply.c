/*
 * t_reply.c - unit tests for reply.c: a table of named cases, each a
 * list of lines pushed into one reader and the reply or failure that must
 * come out, plus the caps and the one-line summary.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reply.h"

struct reply_case {
	const char *name;
	const char *const *lines;	/* pushed in order, NULL-ended */
	size_t nul_at;			/* >0: this byte of the last is NUL */
	int code;			/* 0: the last line must be refused */
	size_t nlines;
	const char *estatus;
	const char *last_text;		/* text of the last line */
	const char *error;		/* the failure text when refused */
};

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct reply_case cases[] = {
	{ "single_line", L("250 2.1.0 Ok"), 0, 250, 1, "2.1.0",
	    "2.1.0 Ok", NULL },
	{ "multi_line", L("250-mx.example", "250-PIPELINING",
	    "250 8BITMIME"), 0, 250, 3, "", "8BITMIME", NULL },
	{ "code_only", L("250"), 0, 250, 1, "", "", NULL },
	{ "code_space_only", L("354 "), 0, 354, 1, "", "", NULL },
	{ "empty_continuation", L("220-", "220 ready"), 0, 220, 2, "",
	    "ready", NULL },
	{ "tab_and_utf8", L("550 caf\xc3\xa9\tbar"), 0, 550, 1, "",
	    "caf\xc3\xa9\tbar", NULL },
	{ "mismatched_codes", L("250-one", "251 two"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '251 two'" },
	{ "bad_separator", L("250_ok"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '250_ok'" },
	{ "four_digits", L("2500 ok"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '2500 ok'" },
	{ "too_short", L("25"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '25'" },
	{ "empty_line", L(""), 0, 0, 0, NULL, NULL,
	    "malformed server reply ''" },
	{ "non_digits", L("2x0 ok"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '2x0 ok'" },
	{ "code_199", L("199 low"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '199 low'" },
	{ "code_600", L("600 high"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '600 high'" },
	{ "echo_control_replaced", L("25\x01 x"), 0, 0, 0, NULL, NULL,
	    "malformed server reply '25? x'" },
	{ "echo_cut_at_60", L("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxyyyyyyyyyyyy"), 0, 0, 0, NULL, NULL,
	    "malformed server reply 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxx'" },
	{ "nul_byte", L("250-fine", "250 a b"), 6, 0, 0, NULL, NULL,
	    "invalid character in server reply" },
	{ "cr_byte", L("250 a\rb"), 0, 0, 0, NULL, NULL,
	    "invalid character in server reply" },
	{ "del_byte", L("250 a\x7f"), 0, 0, 0, NULL, NULL,
	    "invalid character in server reply" },
	{ "estatus_whole_text", L("250 2.0.0"), 0, 250, 1, "2.0.0",
	    "2.0.0", NULL },
	{ "estatus_long_parts", L("550 5.123.456 no"), 0, 550, 1,
	    "5.123.456", "5.123.456 no", NULL },
	{ "estatus_first_line_only", L("250-2.0.0 one", "250 2.1.5 two"),
	    0, 250, 2, "2.0.0", "2.1.5 two", NULL },
	{ "estatus_not_on_first_line", L("550-no status", "550 5.1.1 x"),
	    0, 550, 2, "", "5.1.1 x", NULL },
	{ "estatus_class_mismatch", L("550 4.1.1 x"), 0, 550, 1, "",
	    "4.1.1 x", NULL },
	{ "estatus_class_3", L("354 3.0.0 go on"), 0, 354, 1, "",
	    "3.0.0 go on", NULL },
	{ "estatus_subject_too_long", L("550 5.1234.1 x"), 0, 550, 1, "",
	    "5.1234.1 x", NULL },
	{ "estatus_detail_too_long", L("550 5.1.1234 x"), 0, 550, 1, "",
	    "5.1.1234 x", NULL },
	{ "estatus_empty_part", L("550 5..1 x"), 0, 550, 1, "", "5..1 x",
	    NULL },
	{ "estatus_trailing_junk", L("550 5.1.1x y"), 0, 550, 1, "",
	    "5.1.1x y", NULL },
	{ "estatus_four_parts", L("250 2.1.0.1 ok"), 0, 250, 1, "",
	    "2.1.0.1 ok", NULL },
};

static void
test_case(void **state)
{
	const struct reply_case *c = *state;
	struct reply_reader *rd = reply_reader_new();
	struct reply *r = NULL;
	struct failure f;
	enum reply_status st = REPLY_BAD;
	char buf[256];
	size_t i, len;

	failure_clear(&f);
	for (i = 0; c->lines[i] != NULL; i++) {
		len = strlen(c->lines[i]);
		memcpy(buf, c->lines[i], len + 1);
		if (c->lines[i + 1] == NULL && c->nul_at > 0)
			buf[c->nul_at] = '\0';
		st = reply_reader_push(rd, buf, len, &r, &f);
		if (c->lines[i + 1] != NULL)
			assert_int_equal(st, REPLY_MORE);
	}
	if (c->code == 0) {
		assert_int_equal(st, REPLY_BAD);
		assert_null(r);
		assert_int_equal(f.cls, FAIL_PROTOCOL);
		assert_string_equal(f.text, c->error);
	} else {
		assert_int_equal(st, REPLY_DONE);
		assert_non_null(r);
		assert_int_equal(r->code, c->code);
		assert_int_equal(reply_class(r), c->code / 100);
		assert_int_equal(r->nlines, c->nlines);
		assert_string_equal(r->estatus, c->estatus);
		assert_string_equal(r->lines[r->nlines - 1], c->last_text);
	}
	reply_free(r);
	reply_reader_free(rd);
}

static enum reply_status
push_str(struct reply_reader *rd, const char *s, struct reply **r,
    struct failure *f)
{
	return reply_reader_push(rd, s, strlen(s), r, f);
}

/* A line of len bytes: code, separator, then 'x'. */
static char *
long_line(size_t len, char sep)
{
	char *p = malloc(len + 1);

	memset(p, 'x', len);
	memcpy(p, "250", 3);
	p[3] = sep;
	p[len] = '\0';
	return p;
}

static void
test_line_cap(void **state)
{
	struct reply_reader *rd = reply_reader_new();
	struct reply *r;
	struct failure f;
	char *ok = long_line(REPLY_LINE_MAX, ' ');
	char *big = long_line(REPLY_LINE_MAX + 1, ' ');

	(void)state;
	assert_int_equal(push_str(rd, ok, &r, &f), REPLY_DONE);
	assert_int_equal(strlen(r->lines[0]), REPLY_LINE_MAX - 4);
	reply_free(r);
	assert_int_equal(push_str(rd, big, &r, &f), REPLY_BAD);
	assert_int_equal(f.cls, FAIL_PROTOCOL);
	assert_non_null(strstr(f.text, "REPLY_LINE_MAX"));
	free(ok);
	free(big);
	reply_reader_free(rd);
}

static void
test_lines_cap(void **state)
{
	struct reply_reader *rd = reply_reader_new();
	struct reply *r;
	struct failure f;
	int i;

	(void)state;
	for (i = 0; i < REPLY_LINES_MAX - 1; i++)
		assert_int_equal(push_str(rd, "250-x", &r, &f), REPLY_MORE);
	assert_int_equal(push_str(rd, "250 x", &r, &f), REPLY_DONE);
	assert_int_equal(r->nlines, REPLY_LINES_MAX);
	reply_free(r);
	for (i = 0; i < REPLY_LINES_MAX; i++)
		assert_int_equal(push_str(rd, "250-x", &r, &f), REPLY_MORE);
	assert_int_equal(push_str(rd, "250 x", &r, &f), REPLY_BAD);
	assert_non_null(strstr(f.text, "REPLY_LINES_MAX"));
	/* The reader starts over after a refusal. */
	assert_int_equal(push_str(rd, "221 bye", &r, &f), REPLY_DONE);
	assert_int_equal(r->code, 221);
	reply_free(r);
	reply_reader_free(rd);
}

static void
test_bytes_cap(void **state)
{
	struct reply_reader *rd = reply_reader_new();
	struct reply *r;
	struct failure f;
	char *line = long_line(4000, '-');
	size_t i, sent = 0;
	enum reply_status st = REPLY_MORE;

	(void)state;
	for (i = 0; i < 100 && st == REPLY_MORE; i++) {
		st = push_str(rd, line, &r, &f);
		sent += 4002;
	}
	assert_int_equal(st, REPLY_BAD);
	assert_true(sent > REPLY_BYTES_MAX);
	assert_true(sent - 4002 <= REPLY_BYTES_MAX);
	assert_int_equal(f.cls, FAIL_PROTOCOL);
	assert_non_null(strstr(f.text, "REPLY_BYTES_MAX"));
	free(line);
	reply_reader_free(rd);
}

static struct reply *
parse(const char *const *lines)
{
	struct reply_reader *rd = reply_reader_new();
	struct reply *r = NULL;
	struct failure f;
	size_t i;

	for (i = 0; lines[i] != NULL; i++)
		push_str(rd, lines[i], &r, &f);
	assert_non_null(r);
	reply_reader_free(rd);
	return r;
}

static void
check_summary(const char *const *lines, const char *want)
{
	struct reply *r = parse(lines);
	char *sum = reply_summary(r);

	assert_string_equal(sum, want);
	free(sum);
	reply_free(r);
}

static void
test_summary(void **state)
{
	(void)state;
	check_summary(L("250-mx.example", "250-PIPELINING", "250 8BITMIME"),
	    "250 mx.example PIPELINING 8BITMIME");
	check_summary(L("250"), "250");
	check_summary(L("550-", "550 5.1.1 gone"), "550 5.1.1 gone");
	check_summary(L("451 a\tb"), "451 a b");
}

static void
test_summary_long(void **state)
{
	char *line = long_line(300, '-'), *sum;
	struct reply *r;

	(void)state;
	line[0] = '5';
	r = parse(L(line, line, "550 end"));
	sum = reply_summary(r);
	assert_true(strlen(sum) <= 403);
	assert_true(strlen(sum) >= 350);
	assert_memory_equal(sum, "550 xxxx", 8);
	assert_string_equal(sum + strlen(sum) - 3, "...");
	free(sum);
	reply_free(r);
	free(line);
}

static const struct CMUnitTest extra[] = {
	{ "line_cap", test_line_cap, NULL, NULL, NULL },
	{ "lines_cap", test_lines_cap, NULL, NULL, NULL },
	{ "bytes_cap", test_bytes_cap, NULL, NULL, NULL },
	{ "summary", test_summary, NULL, NULL, NULL },
	{ "summary_long", test_summary_long, NULL, NULL, NULL },
};

int
main(void)
{
	struct CMUnitTest tests[UTIL_ARRAY_LEN(cases) + UTIL_ARRAY_LEN(extra)];
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + i, extra, sizeof(extra));
	return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
