/*
 * t_hdr.c - header scanner, address lists and phrase encoding.
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

#include "hdr.h"

/*
 * Address lists.  "want" lists the results joined by "|", each "addr" or
 * "addr=display"; err, when set, must appear in the failure text.
 */
struct addr_case {
	const char *name;
	const char *in;
	const char *want;
	const char *err;
};

static const struct addr_case addr_cases[] = {
	{ "addr-spec", "a@b.example", "a@b.example", NULL },
	{ "two addresses", "a@b, c@d", "a@b|c@d", NULL },
	{ "display name", "John Doe <j@x.example>",
	    "j@x.example=John Doe", NULL },
	{ "quoted display with escapes", "\"John \\\"J\\\" Doe\" <j@x>",
	    "j@x=John \"J\" Doe", NULL },
	{ "quoted display with comma", "\"Doe, John\" <j@x>, k@y",
	    "j@x=Doe, John|k@y", NULL },
	{ "quoted local part", "\"a b\"@x", "\"a b\"@x", NULL },
	{ "quoted local part in angles", "Q <\"a@b\"@x>", "\"a@b\"@x=Q",
	    NULL },
	{ "comment after", "j@x (John)", "j@x", NULL },
	{ "comment inside addr-spec", "j(c)@(d)x", "j@x", NULL },
	{ "nested comment with quoted pair", "j@x (a (b) \\) c)", "j@x",
	    NULL },
	{ "comment in display name", "John (the man) Doe <j@x>",
	    "j@x=John Doe", NULL },
	{ "comment holding specials", "(a <b@c>, d) e@f", "e@f", NULL },
	{ "group", "team: a@b, c@d;", "a@b|c@d", NULL },
	{ "empty group", "undisclosed-recipients:;", "", NULL },
	{ "group among others", "x@y, team: a@b;, c@d", "x@y|a@b|c@d",
	    NULL },
	{ "group member with display", "g: Ann <a@x>;", "a@x=Ann", NULL },
	{ "group without semicolon", "g: a@x", "a@x", NULL },
	{ "route", "<@r1,@r2:a@b>", "a@b", NULL },
	{ "route with display", "Joe <@r1.example:j@x>", "j@x=Joe", NULL },
	{ "empty members", "a@b, , c@d,", "a@b|c@d", NULL },
	{ "bare local name", "root", "root", NULL },
	{ "bare local name in angles", "Admin <root>", "root=Admin", NULL },
	{ "display with dots", "John Q. Public <jqp@x>",
	    "jqp@x=John Q. Public", NULL },
	{ "blanks around dots", "a . b @ x . y", "a.b@x.y", NULL },
	{ "domain literal", "a@[192.0.2.1]", "a@[192.0.2.1]", NULL },
	{ "utf-8", "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example=J\xc3\xb6rg", NULL },
	{ "empty value", "", "", NULL },
	{ "tab separated", "a@b,\tc@d", "a@b|c@d", NULL },
	{ "encoded word kept", "=?UTF-8?B?SsO2cmc=?= <j@x>",
	    "j@x==?UTF-8?B?SsO2cmc=?=", NULL },
	{ "unterminated quote", "\"John <j@x>", NULL,
	    "unterminated quoted string at position 1" },
	{ "unterminated comment", "j@x (oops", NULL,
	    "unterminated comment at position 5" },
	{ "unbalanced paren", "j@x)", NULL, "unbalanced ')' at position 4" },
	{ "missing >", "John <j@x", NULL, "missing '>' for '<' at position 6" },
	{ "missing > before comma", "<a@b, c@d", NULL,
	    "missing '>' for '<' at position 1" },
	{ "stray >", "j@x>", NULL, "unbalanced '>' at position 4" },
	{ "CR inside", "a@b\r\nBcc: x@y", NULL, "line break at position 4" },
	{ "LF inside", "a@b\nc@d", NULL, "line break at position 4" },
	{ "control byte", "a\x01@b", NULL, "control character at position 2" },
	{ "missing domain", "a@", NULL, "missing domain after '@'" },
	{ "empty angle", "John <>", NULL, "empty address '<>'" },
	{ "nested group", "a: b: c@d;;", NULL, "nested group" },
	{ "phrase without address", "John Doe", NULL, "not an address" },
	{ "missing comma", "a@b c@d", NULL, "unexpected 'c' at position 5" },
	{ "unterminated literal", "a@[1.2.3", NULL,
	    "unterminated domain literal at position 3" },
	{ "two at signs", "a@b@c", NULL, "unexpected '@' at position 4" },
	{ "backslash outside quotes", "a\\b@c", NULL, "unexpected '\\'" },
};

static void
test_addr(void **state)
{
	const struct addr_case *c = *state;
	struct hdr_addrlist list = { (void *)1, 99 };
	struct failure f;
	char got[1024];
	size_t i;
	int rc;

	failure_clear(&f);
	rc = hdr_addrlist_parse(c->in, &list, &f);
	if (c->err != NULL) {
		assert_int_equal(rc, -1);
		assert_int_equal(f.cls, FAIL_DATA);
		if (strstr(f.text, c->err) == NULL)
			fail_msg("text '%s' lacks '%s'", f.text, c->err);
		assert_int_equal(list.n, 0);
		assert_null(list.v);
		return;
	}
	if (rc != 0)
		fail_msg("%s", f.text);
	got[0] = '\0';
	for (i = 0; i < list.n; i++) {
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
		    "%s%s%s%s", i > 0 ? "|" : "", list.v[i].addr,
		    list.v[i].display ? "=" : "",
		    list.v[i].display ? list.v[i].display : "");
	}
	assert_string_equal(got, c->want);
	hdr_addrlist_clear(&list);
	assert_null(list.v);
}

/*
 * Scanner.  The input's lines are pushed one by one ("\n" separates
 * them; a last piece without "\n" is pushed too).  The transcript lists
 * "name:value@line" per field and then END (empty line), BODY (a body
 * line ended the header) or EOF (input ended inside the header).
 */
struct scan_case {
	const char *name;
	const char *in;
	const char *want;
	const char *raw;	/* raw text of the first field, or NULL */
};

static const struct scan_case scan_cases[] = {
	{ "two fields", "Subject: hi\nTo: a@b\n\nbody\n",
	    "Subject:hi@1|To:a@b@2|END", "Subject: hi" },
	{ "folding", "Subject: a\n b\n\tc\nX: y\n\n",
	    "Subject:a b\tc@1|X:y@4|END", "Subject: a\n b\n\tc" },
	{ "value only on continuation", "Subject:\n   x\n\n",
	    "Subject:x@1|END", "Subject:\n   x" },
	{ "blank before colon", "Subject \t: x\n\n", "Subject:x@1|END",
	    "Subject \t: x" },
	{ "no blank after colon", "X-A:b\n\n", "X-A:b@1|END", NULL },
	{ "trailing blanks kept", "X: a  \n\n", "X:a  @1|END", NULL },
	{ "body line ends header", "To: a@b\nthis is body\nmore\n",
	    "To:a@b@1|BODY", NULL },
	{ "mbox From_ line dropped",
	    "From j@x Mon Nov 23 18:30:00 2026\nTo: a@b\n\n",
	    "To:a@b@2|END", NULL },
	{ "obsolete From with blank", "From : j@x\n\n", "From:j@x@1|END",
	    NULL },
	{ "From_ later is body", "To: a\nFrom j@x Mon\n", "To:a@1|BODY",
	    NULL },
	{ "empty header", "\nbody\n", "END", NULL },
	{ "leading continuation is body", " x: y\n", "BODY", NULL },
	{ "colon first is body", ": x\n", "BODY", NULL },
	{ "space in name is body", "Not a field: x\n", "BODY", NULL },
	{ "non-ascii name is body", "Sub\xc3\xa9: x\n", "BODY", NULL },
	{ "end of input in header", "To: a@b\nCc: c@d",
	    "To:a@b@1|Cc:c@d@2|EOF", NULL },
	{ "end of input after continuation", "To: a@b,\n c@d\n",
	    "To:a@b, c@d@1|EOF", NULL },
	{ "no input", "", "EOF", NULL },
};

static void
scan_note(char *got, size_t size, const struct hdr_field *fld)
{
	snprintf(got + strlen(got), size - strlen(got), "%s%s:%s@%zu",
	    *got != '\0' ? "|" : "", fld->name, fld->value, fld->first_line);
}

/* Take every ready field; returns the event that follows them. */
static enum hdr_event
scan_drain(struct hdr_scanner *sc, enum hdr_event ev, int ended, char *got,
    size_t size, char **raw)
{
	struct hdr_field *fld;

	while (ev == HDR_FIELD) {
		fld = hdr_scanner_take(sc);
		assert_non_null(fld);
		if (*raw == NULL)
			*raw = strdup(fld->raw);
		scan_note(got, size, fld);
		hdr_field_free(fld);
		ev = ended ? hdr_scanner_finish(sc) : HDR_NONE;
	}
	return ev;
}

static void
test_scan(void **state)
{
	const struct scan_case *c = *state;
	struct hdr_scanner *sc = hdr_scanner_new();
	const char *p = c->in, *nl;
	enum hdr_event ev = HDR_NONE;
	char got[1024] = "", *raw = NULL;
	struct failure f;
	size_t len;

	while (*p != '\0' && ev != HDR_END) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		ev = hdr_scanner_push(sc, p, len, &f);
		assert_int_not_equal(ev, HDR_ERROR);
		ev = scan_drain(sc, ev, len == 0 ||
		    hdr_scanner_body_started(sc), got, sizeof(got), &raw);
		p += len + (nl != NULL);
	}
	if (ev == HDR_END)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    *got ? "|" : "", hdr_scanner_body_started(sc) ?
		    "BODY" : "END");
	else {
		ev = scan_drain(sc, hdr_scanner_finish(sc), 1, got,
		    sizeof(got), &raw);
		assert_int_equal(ev, HDR_END);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%sEOF",
		    *got ? "|" : "");
	}
	assert_string_equal(got, c->want);
	if (c->raw != NULL) {
		assert_non_null(raw);
		assert_string_equal(raw, c->raw);
	}
	assert_int_equal(hdr_scanner_push(sc, "X: y", 4, &f), HDR_END);
	free(raw);
	hdr_scanner_free(sc);
}

static void
test_scan_nul_byte(void **state)
{
	struct hdr_scanner *sc = hdr_scanner_new();
	struct failure f;

	(void)state;
	assert_int_equal(hdr_scanner_push(sc, "To: a@b", 7, &f), HDR_NONE);
	assert_int_equal(hdr_scanner_push(sc, "X: a\0b", 6, &f), HDR_ERROR);
	assert_int_equal(f.cls, FAIL_DATA);
	assert_string_equal(f.text, "header line 2: contains a NUL byte");
	hdr_scanner_free(sc);
}

static void
test_scan_not_taken(void **state)
{
	struct hdr_scanner *sc = hdr_scanner_new();
	struct failure f;

	(void)state;
	assert_int_equal(hdr_scanner_push(sc, "A: 1", 4, &f), HDR_NONE);
	assert_int_equal(hdr_scanner_push(sc, "B: 2", 4, &f), HDR_FIELD);
	assert_int_equal(hdr_scanner_push(sc, "C: 3", 4, &f), HDR_ERROR);
	assert_int_equal(f.cls, FAIL_SOFTWARE);
	/* Freeing with a field pending and one in progress must not leak. */
	hdr_scanner_free(sc);
	hdr_scanner_free(NULL);
}

static void
test_name_is(void **state)
{
	struct hdr_field fld = { "bCC", "", "", 1 };

	(void)state;
	assert_true(hdr_name_is(&fld, "Bcc"));
	assert_false(hdr_name_is(&fld, "Bc"));
}

/* Phrase encoding. */
struct phrase_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct phrase_case phrase_cases[] = {
	{ "plain", "John Doe", "John Doe" },
	{ "comma is quoted", "Doe, John", "\"Doe, John\"" },
	{ "dot is quoted", "John Q. Public", "\"John Q. Public\"" },
	{ "quotes escaped", "a \"q\" b\\", "\"a \\\"q\\\" b\\\\\"" },
	{ "empty", "", "\"\"" },
	{ "encoded-word lookalike quoted", "=?x?", "\"=?x?\"" },
	{ "non-ascii", "J\xc3\xb6rg", "=?UTF-8?B?SsO2cmc=?=" },
	{ "line break encoded", "a\r\nBcc: x",
	    "=?UTF-8?B?YQ0KQmNjOiB4?=" },
};

static void
test_phrase(void **state)
{
	const struct phrase_case *c = *state;
	char *got = hdr_encode_phrase(c->in);

	assert_string_equal(got, c->want);
	free(got);
}

static size_t
b64_decode(const char *s, size_t n, unsigned char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v = 0;
	size_t i, bits = 0, len = 0;

	for (i = 0; i < n && s[i] != '='; i++) {
		v = v << 6 | (unsigned long)(strchr(tab, s[i]) - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(v >> bits);
		}
	}
	return len;
}

/* Long names: several words, each at most 75, split between characters. */
static void
test_phrase_long(void **state)
{
	unsigned char in[256], all[256], part[80];
	size_t i, n = 0, wl, pl;
	char *enc, *w;

	(void)state;
	for (i = 0; i < 30; i++) {	/* "a" + 30 x U+00E9 + 30 x U+20AC */
		in[n++] = 0xc3;
		in[n++] = 0xa9;
	}
	for (i = 0; i < 30; i++) {
		in[n++] = 0xe2;
		in[n++] = 0x82;
		in[n++] = 0xac;
	}
	in[n] = '\0';
	enc = hdr_encode_phrase((char *)in);
	n = 0;
	for (w = enc; *w != '\0'; w += wl + (w[wl] == ' ')) {
		wl = strcspn(w, " ");
		assert_true(wl <= 75);
		assert_memory_equal(w, "=?UTF-8?B?", 10);
		assert_memory_equal(w + wl - 2, "?=", 2);
		pl = b64_decode(w + 10, wl - 12, part);
		/* A word never ends inside a character. */
		assert_true((part[pl - 1] & 0xc0) != 0xc0);
		assert_true(part[pl - 1] < 0x80 || part[pl - 1] == 0xa9 ||
		    part[pl - 1] == 0xac);
		memcpy(all + n, part, pl);
		n += pl;
	}
	assert_true(strchr(enc, ' ') != NULL);
	assert_int_equal(n, strlen((char *)in));
	assert_memory_equal(all, in, n);
	free(enc);
}

int
main(void)
{
	struct CMUnitTest t[UTIL_ARRAY_LEN(addr_cases) +
	    UTIL_ARRAY_LEN(scan_cases) + UTIL_ARRAY_LEN(phrase_cases) + 8];
	size_t i, n = 0;

	for (i = 0; i < UTIL_ARRAY_LEN(addr_cases); i++)
		t[n++] = (struct CMUnitTest){ addr_cases[i].name, test_addr,
		    NULL, NULL, (void *)&addr_cases[i] };
	for (i = 0; i < UTIL_ARRAY_LEN(scan_cases); i++)
		t[n++] = (struct CMUnitTest){ scan_cases[i].name, test_scan,
		    NULL, NULL, (void *)&scan_cases[i] };
	for (i = 0; i < UTIL_ARRAY_LEN(phrase_cases); i++)
		t[n++] = (struct CMUnitTest){ phrase_cases[i].name,
		    test_phrase, NULL, NULL, (void *)&phrase_cases[i] };
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_scan_nul_byte);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_scan_not_taken);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_name_is);
	t[n++] = (struct CMUnitTest)cmocka_unit_test(test_phrase_long);
	return _cmocka_run_group_tests("hdr", t, n, NULL, NULL);
}
