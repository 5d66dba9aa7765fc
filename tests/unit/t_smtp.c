/*
 * t_smtp.c - unit tests for the SMTP engine.  Each named case is a server
 * script (raw reply lines, parsed through reply.c, and the driver's
 * answers to TLS and SASL actions) and the exact client transcript the
 * engine must produce, plus the failure it must report.
 *
 * Script entries: a server line; "!tls ok" or "!tls fail" answers a
 * STARTTLS action; "!auth MECH [INITIAL]" or "!auth -" answers
 * AUTH_BEGIN ('' is an empty initial response); "!step RESP" or "!step -"
 * answers AUTH_STEP; "!ioerr" breaks the connection at a READ.
 *
 * Transcript entries: "SEND line" with the part the trace must hide in
 * [brackets], "READ" ("READ hide=4" when challenges are hidden),
 * "STARTTLS", "AUTH_BEGIN mechs", "AUTH_STEP [challenge]", "BODY",
 * "DONE" or "FAIL".
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "smtp.h"

#define OUT_MAX 80

struct smtp_case {
	const char *name;
	int starttls, auth, eightbit;
	long long size;
	const char *const *rcpts;	/* NULL: one recipient */
	const char *const *script;
	const char *const *expect;
	enum fail_class cls;
	enum smtp_stage stage;
	int code;
	const char *text;		/* failure text, NULL: not checked */
	void (*check)(const struct smtp *);
	void (*setup)(struct smtp_config *);	/* more settings */
};

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define GREET "220 mx.example ESMTP"
#define EHLO "SEND EHLO client.example"
#define MAIL "SEND MAIL FROM:<alice@example.org>"
#define RCPT "SEND RCPT TO:<bob@example.net>"
#define RCPT2 "SEND RCPT TO:<carol@example.net>"
#define RCPT3 "SEND RCPT TO:<dave@example.net>"
#define OK "250 2.0.0 ok"
#define GO "354 go ahead"
#define QUEUED "250 2.0.0 queued as 1234"
#define RESET "250 2.0.0 reset"
#define THREE L("bob@example.net", "carol@example.net", "dave@example.net")
#define TWO L("bob@example.net", "carol@example.net")

/* The tail of a successful non-pipelined transaction after MAIL. */
#define TX_TAIL RCPT, "READ", "SEND DATA", "READ", "BODY", "READ", \
	"SEND QUIT", "DONE"

static void
check_caps_after_tls(const struct smtp *s)
{
	const struct smtp_caps *c = smtp_caps(s);

	assert_true(c->esmtp);
	assert_true(c->pipelining);
	assert_false(c->starttls);
	assert_false(c->size);
	assert_int_equal(c->size_max, 0);
	assert_null(c->auth);
}

static void
check_auth_merged(const struct smtp *s)
{
	assert_string_equal(smtp_caps(s)->auth, "LOGIN PLAIN CRAM-MD5");
}

static void
check_caps_flags(const struct smtp *s)
{
	const struct smtp_caps *c = smtp_caps(s);

	assert_true(c->pipelining && c->dsn && c->chunking && c->smtputf8);
	assert_true(c->enhancedstatuscodes && c->eightbitmime);
	assert_false(c->starttls);
	assert_true(c->size);
	assert_int_equal(c->size_max, 52428800);
	assert_null(c->auth);
}

static void
check_helo(const struct smtp *s)
{
	assert_false(smtp_caps(s)->esmtp);
	assert_false(smtp_caps(s)->pipelining);
}

static void
check_rcpt_codes(const struct smtp *s)
{
	assert_int_equal(smtp_rcpt_code(s, 0), 250);
	assert_int_equal(smtp_rcpt_code(s, 1), 550);
	assert_int_equal(smtp_rcpt_code(s, 2), 250);
	assert_int_equal(smtp_rcpt_code(s, 3), 0);
	/* The failing reply, not the ones read after it. */
	assert_int_equal(smtp_last_reply(s)->code, 550);
}

static void
check_last_reply_done(const struct smtp *s)
{
	assert_int_equal(smtp_last_reply(s)->code, 250);
	assert_string_equal(smtp_last_reply(s)->lines[0],
	    "2.0.0 queued as 1234");
	assert_int_equal(smtp_rcpt_code(s, 0), 250);
}

/* A challenge is never kept as the last reply: the trace hides it. */
static void
check_no_challenge_kept(const struct smtp *s)
{
	assert_int_not_equal(smtp_last_reply(s)->code, 334);
}

/* Nothing learnt before TLS survives it, even when EHLO then fails. */
static void
check_caps_forgotten(const struct smtp *s)
{
	assert_false(smtp_caps(s)->starttls);
	assert_false(smtp_caps(s)->esmtp);
	assert_null(smtp_caps(s)->auth);
}

/* The envelope of "jörg@bücher.example" to "bob@straße.example". */
static char *const utf8_rcpts[] = { "bob@stra\xc3\x9f" "e.example" };
static char *const utf8_rcpts_ascii[] = { "bob@xn--strae-oqa.example" };

static void
setup_utf8(struct smtp_config *cfg)
{
	cfg->utf8 = 1;
	cfg->from = "j\xc3\xb6rg@b\xc3\xbc" "cher.example";
	cfg->from_ascii = "j\xc3\xb6rg@xn--bcher-kva.example";
	cfg->rcpts = utf8_rcpts;
	cfg->rcpts_ascii = utf8_rcpts_ascii;
	cfg->downgrade_error = "address 'j\xc3\xb6rg@...': the local part "
	    "is not ASCII and cannot be converted";
}

/* Only the domains are non-ASCII: A-labels do without SMTPUTF8. */
static void
setup_utf8_domains(struct smtp_config *cfg)
{
	setup_utf8(cfg);
	cfg->from = "alice@b\xc3\xbc" "cher.example";
	cfg->from_ascii = "alice@xn--bcher-kva.example";
	cfg->downgrade_error = NULL;
}

/* UTF-8 in the header only: the addresses are ASCII. */
static void
setup_utf8_header(struct smtp_config *cfg)
{
	cfg->utf8 = 1;
}

static void
setup_dsn(struct smtp_config *cfg)
{
	cfg->dsn_notify = "FAILURE,DELAY";
	cfg->dsn_return = "HDRS";
	cfg->envid = "id+1=x y";
}

static void
setup_probe(struct smtp_config *cfg)
{
	cfg->probe = 1;
}

static void
setup_etrn(struct smtp_config *cfg)
{
	cfg->etrn = "@example.org";
}

/* --serverinfo: the greeting, and both EHLO replies kept apart. */
static void
check_probe(const struct smtp *s)
{
	const struct smtp_caps *before = smtp_caps_before_tls(s);

	assert_non_null(smtp_greeting(s));
	assert_int_equal(smtp_greeting(s)->nlines, 2);
	assert_string_equal(smtp_greeting(s)->lines[1], "second line");
	assert_non_null(before);
	assert_true(before->starttls && before->etrn);
	assert_string_equal(before->auth, "CRAM-MD5");
	assert_false(smtp_caps(s)->starttls);
	assert_string_equal(smtp_caps(s)->auth, "PLAIN LOGIN");
	assert_true(smtp_caps(s)->chunking);
}

static void
check_no_tls_caps(const struct smtp *s)
{
	assert_null(smtp_caps_before_tls(s));
	assert_true(smtp_caps(s)->etrn);
}

static void
setup_chunk_size(struct smtp_config *cfg)
{
	cfg->size = 321;
}

static void
setup_partial(struct smtp_config *cfg)
{
	cfg->partial = 1;
}

static void
setup_lmtp(struct smtp_config *cfg)
{
	cfg->lmtp = 1;
}

static void
setup_lmtp_partial(struct smtp_config *cfg)
{
	cfg->lmtp = 1;
	cfg->partial = 1;
}

static void
setup_requiretls(struct smtp_config *cfg)
{
	cfg->requiretls = 1;
	cfg->starttls = 1;
}

static void
setup_requiretls_clear(struct smtp_config *cfg)
{
	cfg->requiretls = 1;
}

/* carol refused at RCPT; bob and dave took the message. */
static void
check_partial_one_refused(const struct smtp *s)
{
	assert_true(smtp_rcpt_accepted(s, 0));
	assert_false(smtp_rcpt_accepted(s, 1));
	assert_true(smtp_rcpt_accepted(s, 2));
	assert_false(smtp_rcpt_accepted(s, 3));
	assert_null(smtp_rcpt_error(s, 0));
	assert_string_equal(smtp_rcpt_error(s, 1), "recipient "
	    "<carol@example.net> refused: 550 5.1.1 no carol");
	assert_null(smtp_rcpt_error(s, 2));
}

static void
check_none_accepted(const struct smtp *s)
{
	assert_false(smtp_rcpt_accepted(s, 0));
	assert_false(smtp_rcpt_accepted(s, 1));
	assert_non_null(smtp_rcpt_error(s, 0));
	assert_non_null(smtp_rcpt_error(s, 1));
}

/* LMTP: bob's final reply 250, carol's 452. */
static void
check_lmtp_final(const struct smtp *s)
{
	assert_true(smtp_rcpt_accepted(s, 0));
	assert_false(smtp_rcpt_accepted(s, 1));
	assert_null(smtp_rcpt_error(s, 0));
	assert_string_equal(smtp_rcpt_error(s, 1), "recipient "
	    "<carol@example.net> refused: 452 4.2.2 over quota");
}

/* LMTP: bob's final 250 stands although the link broke before carol's. */
static void
check_lmtp_broken(const struct smtp *s)
{
	assert_true(smtp_rcpt_accepted(s, 0));
	assert_false(smtp_rcpt_accepted(s, 1));
}

static void
check_all_accepted(const struct smtp *s)
{
	assert_true(smtp_rcpt_accepted(s, 0));
	assert_true(smtp_rcpt_accepted(s, 1));
	assert_null(smtp_rcpt_error(s, 0));
	assert_null(smtp_rcpt_error(s, 1));
}

static const struct smtp_case cases[] = {
	{ "no_pipelining", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250 8BITMIME", OK, OK, OK, GO,
	    QUEUED),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", RCPT2,
	    "READ", "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_last_reply_done, NULL },
	{ "pipelining_one_rcpt", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND DATA", "READ", "READ",
	    "READ", "BODY", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "pipelining_three_rcpts", 0, 0, 0, 0, THREE,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK, OK, OK, GO,
	    QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, RCPT3, "READ", "READ",
	    "READ", "READ", "SEND DATA", "READ", "BODY", "READ", "SEND QUIT",
	    "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "pipelining_one_of_three_refused", 0, 0, 0, 0, THREE,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK,
	    "550 5.1.1 <carol@example.net>: no such user", OK, RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, RCPT3, "READ", "READ",
	    "READ", "READ", "SEND RSET", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "recipient <carol@example.net> "
	    "refused: 550 5.1.1 <carol@example.net>: no such user",
	    check_rcpt_codes, NULL },
	{ "pipelining_mail_refused", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250 PIPELINING",
	    "553 5.7.1 sender rejected", "503 5.5.1 need MAIL",
	    "503 5.5.1 need MAIL"),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "READ", "READ",
	    "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_MAIL, 553, "sender <alice@example.org> refused: "
	    "553 5.7.1 sender rejected", NULL, NULL },
	{ "pipelined_refused_data_503", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK,
	    "550 5.1.1 unknown", "503 5.5.1 no valid recipients", RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND DATA", "READ", "READ",
	    "READ", "SEND RSET", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550,
	    "recipient <bob@example.net> refused: 550 5.1.1 unknown", NULL,
	    NULL },
	{ "pipelined_refused_data_354", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK,
	    "550 5.1.1 unknown", GO),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND DATA", "READ", "READ",
	    "READ", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550,
	    "recipient <bob@example.net> refused: 550 5.1.1 unknown", NULL,
	    NULL },
	{ "rcpt_refused_no_pipelining", 0, 0, 0, 0, TWO,
	    L(GREET, "250 mx.example", OK, "450 4.2.0 greylisted", RESET),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", "SEND RSET",
	    "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 450, "recipient <bob@example.net> "
	    "refused: 450 4.2.0 greylisted", NULL, NULL },
	{ "starttls_caps_reset", 1, 0, 0, 500, NULL,
	    L(GREET, "250-mx.example", "250-STARTTLS", "250-AUTH PLAIN",
	    "250 SIZE 1000", "220 2.0.0 ready", "!tls ok", "250-mx.example",
	    "250 PIPELINING", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS", EHLO,
	    "READ", MAIL, RCPT, "SEND DATA", "READ", "READ", "READ", "BODY",
	    "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_caps_after_tls, NULL },
	{ "starttls_then_ehlo_421", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-STARTTLS", "250 AUTH PLAIN",
	    "220 ready", "!tls ok", "421 4.3.2 shutting down"),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS", EHLO,
	    "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_EHLO, 421,
	    "EHLO refused: 421 4.3.2 shutting down", check_caps_forgotten,
	    NULL },
	{ "starttls_not_offered", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0, "server does not offer STARTTLS",
	    NULL, NULL },
	{ "starttls_refused", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 STARTTLS",
	    "454 4.7.0 TLS not available"),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "SEND QUIT",
	    "FAIL"),
	    FAIL_SMTP, STAGE_STARTTLS, 454,
	    "STARTTLS refused: 454 4.7.0 TLS not available", NULL, NULL },
	{ "tls_handshake_failure", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 STARTTLS", "220 ready",
	    "!tls fail"),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS",
	    "FAIL"),
	    FAIL_TLS, STAGE_STARTTLS, 0, "TLS handshake failed", NULL, NULL },
	{ "auth_plain_initial", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-AUTH PLAIN LOGIN",
	    "250 PIPELINING", "!auth PLAIN AGFsaWNlAHNlY3JldA==",
	    "235 2.7.0 accepted", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "AUTH_BEGIN PLAIN LOGIN",
	    "SEND AUTH PLAIN [AGFsaWNlAHNlY3JldA==]", "READ hide=4", MAIL,
	    RCPT, "SEND DATA", "READ", "READ", "READ", "BODY", "READ",
	    "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "auth_empty_initial", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH EXTERNAL",
	    "!auth EXTERNAL ''", "235 ok", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "AUTH_BEGIN EXTERNAL",
	    "SEND AUTH EXTERNAL [=]", "READ hide=4", MAIL, "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "auth_login_two_steps", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH LOGIN", "!auth LOGIN",
	    "334 VXNlcm5hbWU6", "!step YWxpY2U=", "334 UGFzc3dvcmQ6",
	    "!step c2VjcmV0", "235 2.7.0 ok", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "AUTH_BEGIN LOGIN", "SEND AUTH LOGIN",
	    "READ hide=4", "AUTH_STEP [VXNlcm5hbWU6]", "SEND [YWxpY2U=]",
	    "READ hide=4", "AUTH_STEP [UGFzc3dvcmQ6]", "SEND [c2VjcmV0]",
	    "READ hide=4", MAIL, "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", check_no_challenge_kept, NULL },
	{ "auth_535", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH PLAIN", "!auth PLAIN AGE=",
	    "535 5.7.8 Error: authentication failed"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN PLAIN",
	    "SEND AUTH PLAIN [AGE=]", "READ hide=4", "SEND QUIT", "FAIL"),
	    FAIL_AUTH, STAGE_AUTH, 535, "authentication failed: 535 5.7.8 "
	    "Error: authentication failed", NULL, NULL },
	{ "auth_454", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH PLAIN", "!auth PLAIN AGE=",
	    "454 4.7.0 Temporary authentication failure"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN PLAIN",
	    "SEND AUTH PLAIN [AGE=]", "READ hide=4", "SEND QUIT", "FAIL"),
	    FAIL_AUTH, STAGE_AUTH, 454, "authentication failed: 454 4.7.0 "
	    "Temporary authentication failure", NULL, NULL },
	{ "auth_cancel_local_error", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH LOGIN", "!auth LOGIN",
	    "334 VXNlcm5hbWU6", "!step -", "501 5.7.0 cancelled"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN LOGIN", "SEND AUTH LOGIN",
	    "READ hide=4", "AUTH_STEP [VXNlcm5hbWU6]", "SEND *",
	    "READ hide=4", "SEND QUIT", "FAIL"),
	    FAIL_AUTH, STAGE_AUTH, 0, "SASL step failed",
	    check_no_challenge_kept, NULL },
	{ "auth_no_mechanism", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH GSSAPI", "!auth -"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN GSSAPI", "SEND QUIT", "FAIL"),
	    FAIL_AUTH, STAGE_AUTH, 0, "no usable SASL mechanism", NULL, NULL },
	{ "auth_not_offered", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0,
	    "server does not support authentication", NULL, NULL },
	{ "auth_unexpected_250", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 AUTH PLAIN", "!auth PLAIN AGE=",
	    "250 ok"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN PLAIN",
	    "SEND AUTH PLAIN [AGE=]", "READ hide=4", "SEND QUIT", "FAIL"),
	    FAIL_PROTOCOL, STAGE_AUTH, 250,
	    "unexpected reply in SMTP state AUTH: 250 ok", NULL, NULL },
	{ "auth_both_forms_merged", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-AUTH login PLAIN",
	    "250 AUTH=LOGIN CRAM-MD5", "!auth -"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN LOGIN PLAIN CRAM-MD5",
	    "SEND QUIT", "FAIL"),
	    FAIL_AUTH, STAGE_AUTH, 0, NULL, check_auth_merged, NULL },
	{ "ehlo_caps_flags", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-pipelining", "250-DSN",
	    "250-CHUNKING", "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES",
	    "250-8bitmime", "250-STARTTLSX", "250 SIZE 52428800", "!ioerr"),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND BDAT 0 LAST", "CHUNK",
	    "READ", "FAIL"),
	    FAIL_NET_TEMP, STAGE_MAIL, 0, "read timeout", check_caps_flags,
	    NULL },
	{ "ehlo_502_helo", 0, 0, 0, 0, NULL,
	    L(GREET, "502 5.5.1 command not implemented", "250 mx.example",
	    OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "SEND HELO client.example", "READ", MAIL,
	    "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", check_helo, NULL },
	{ "ehlo_502_auth_required", 0, 1, 0, 0, NULL,
	    L(GREET, "502 5.5.1 command not implemented"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_EHLO, 502, "EHLO refused, so authentication "
	    "is impossible: 502 5.5.1 command not implemented", NULL, NULL },
	{ "ehlo_502_tls_required", 1, 0, 0, 0, NULL,
	    L(GREET, "502 5.5.1 command not implemented"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_EHLO, 502, "EHLO refused, so STARTTLS "
	    "is impossible: 502 5.5.1 command not implemented", NULL, NULL },
	{ "ehlo_421", 0, 0, 0, 0, NULL,
	    L(GREET, "421 4.3.2 shutting down"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_EHLO, 421,
	    "EHLO refused: 421 4.3.2 shutting down", NULL, NULL },
	{ "greeting_421", 0, 0, 0, 0, NULL,
	    L("421 4.3.2 busy, try later"),
	    L("READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_GREETING, 421,
	    "server refused the session: 421 4.3.2 busy, try later", NULL,
	    NULL },
	{ "greeting_554", 0, 0, 0, 0, NULL,
	    L("554-mx.example no service", "554 5.7.1 go away"),
	    L("READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_GREETING, 554, "server refused the session: "
	    "554 mx.example no service 5.7.1 go away", NULL, NULL },
	{ "size_parameter", 0, 0, 0, 1234, NULL,
	    L(GREET, "250-mx.example", "250 SIZE 10000", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL " SIZE=1234", "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "size_without_limit", 0, 0, 0, 99999, NULL,
	    L(GREET, "250-mx.example", "250 SIZE", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL " SIZE=99999", "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "size_exceeded", 0, 0, 0, 5000, NULL,
	    L(GREET, "250-mx.example", "250 SIZE 1000"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_DATA, STAGE_NONE, 0, "message size 5000 exceeds the "
	    "server's limit of 1000 bytes", NULL, NULL },
	{ "eightbitmime_present", 0, 0, 1, 1234, NULL,
	    L(GREET, "250-mx.example", "250-SIZE 10000", "250 8BITMIME", OK,
	    OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL " SIZE=1234 BODY=8BITMIME", "READ",
	    TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "eightbitmime_absent", 0, 0, 1, 0, NULL,
	    L(GREET, "250-mx.example", "250 DSN", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL, "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "eightbitmime_not_asked", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 8BITMIME", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL, "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, NULL },
	{ "body_451", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", OK, OK, GO,
	    "451 4.3.0 local error in processing"),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", "SEND DATA",
	    "READ", "BODY", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_BODY, 451,
	    "message refused: 451 4.3.0 local error in processing", NULL,
	    NULL },
	{ "data_554", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", OK, OK, "554 5.5.1 no valid rcpts",
	    "500 5.5.1 what"),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", "SEND DATA",
	    "READ", "SEND RSET", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_DATA, 554,
	    "DATA refused: 554 5.5.1 no valid rcpts", NULL, NULL },
	{ "unexpected_334_after_mail", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", "334 VXNlcm5hbWU6"),
	    L("READ", EHLO, "READ", MAIL, "READ", "SEND QUIT", "FAIL"),
	    FAIL_PROTOCOL, STAGE_MAIL, 334,
	    "unexpected reply in SMTP state MAIL: 334 VXNlcm5hbWU6", NULL,
	    NULL },
	{ "unexpected_354_after_mail_pipelined", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING", GO),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND DATA", "READ", "FAIL"),
	    FAIL_PROTOCOL, STAGE_MAIL, 354,
	    "unexpected reply in SMTP state MAIL: 354 go ahead", NULL, NULL },
	{ "io_error_mid_transaction", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK, "!ioerr"),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "READ", "READ", "READ",
	    "FAIL"),
	    FAIL_NET_TEMP, STAGE_RCPT, 0, "read timeout", NULL, NULL },
	{ "chunking_pipelined_one_flight", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    OK, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND BDAT 321 LAST",
	    "CHUNK", "READ", "READ", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_last_reply_done,
	    setup_chunk_size },
	{ "chunking_without_pipelining", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 CHUNKING", OK, OK, QUEUED),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ",
	    "SEND BDAT 321 LAST", "CHUNK", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_chunk_size },
	{ "chunking_two_rcpts_waits", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    OK, OK, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "READ", "READ", "READ",
	    "SEND BDAT 321 LAST", "CHUNK", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_chunk_size },
	{ "chunking_two_rcpts_one_refused", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    OK, "550 5.1.1 unknown", RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "READ", "READ", "READ",
	    "SEND RSET", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "recipient <carol@example.net> "
	    "refused: 550 5.1.1 unknown", NULL, setup_chunk_size },
	{ "chunking_rcpt_refused_in_flight", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    "550 5.1.1 unknown", "554 5.5.1 no valid recipients", RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND BDAT 321 LAST",
	    "CHUNK", "READ", "READ", "READ", "SEND RSET", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "recipient <bob@example.net> "
	    "refused: 550 5.1.1 unknown", NULL, setup_chunk_size },
	{ "chunking_bdat_refused", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    OK, "552 5.3.4 too big", RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, "SEND BDAT 321 LAST",
	    "CHUNK", "READ", "READ", "READ", "SEND RSET", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_BODY, 552, "message refused: 552 5.3.4 too big",
	    NULL, setup_chunk_size },
	{ "body_refused_no_rset", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", OK, OK, GO, "554 5.7.1 spam"),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", "SEND DATA",
	    "READ", "BODY", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_BODY, 554, "message refused: 554 5.7.1 spam",
	    NULL, NULL },
	{ "smtputf8_offered", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 SMTPUTF8", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", "SEND MAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
	    "cher.example> SMTPUTF8", "READ",
	    "SEND RCPT TO:<bob@stra\xc3\x9f" "e.example>", "READ",
	    "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_utf8 },
	{ "smtputf8_missing_local_part", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_DATA, STAGE_MAIL, 0, "address 'j\xc3\xb6rg@...': the local "
	    "part is not ASCII and cannot be converted, and the server does "
	    "not offer SMTPUTF8", NULL, setup_utf8 },
	{ "smtputf8_missing_a_labels", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ",
	    "SEND MAIL FROM:<alice@xn--bcher-kva.example>", "READ",
	    "SEND RCPT TO:<bob@xn--strae-oqa.example>", "READ",
	    "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_utf8_domains },
	{ "smtputf8_header_only", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 SMTPUTF8", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL " SMTPUTF8", "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_utf8_header },
	{ "dsn_parameters", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 DSN", OK, OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL " RET=HDRS ENVID=id+2B1+3Dx+20y",
	    "READ", RCPT " NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@example.net",
	    "READ", "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_dsn },
	{ "probe_starttls_no_auth", 1, 1, 0, 0, NULL,
	    L("220-mx.example ESMTP", "220 second line", "250-mx.example",
	    "250-ETRN", "250-AUTH CRAM-MD5", "250 STARTTLS", "220 ready",
	    "!tls ok", "250-mx.example", "250-CHUNKING",
	    "250 AUTH PLAIN LOGIN"),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS", EHLO,
	    "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_probe, setup_probe },
	{ "probe_plain", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 ETRN"),
	    L("READ", EHLO, "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_no_tls_caps, setup_probe },
	{ "probe_greeting_554", 0, 0, 0, 0, NULL,
	    L("554 5.3.2 go away"),
	    L("READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_GREETING, 554, NULL, NULL, setup_probe },
	{ "etrn_after_auth", 0, 1, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-ETRN", "250 AUTH PLAIN",
	    "!auth PLAIN AGEAYg==", "235 2.7.0 ok", "250 queuing started"),
	    L("READ", EHLO, "READ", "AUTH_BEGIN PLAIN",
	    "SEND AUTH PLAIN [AGEAYg==]", "READ hide=4",
	    "SEND ETRN @example.org", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_etrn },
	{ "etrn_252_is_success", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 ETRN",
	    "252 OK, pending messages for node started"),
	    L("READ", EHLO, "READ", "SEND ETRN @example.org", "READ",
	    "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_etrn },
	{ "etrn_refused_459", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 ETRN",
	    "459 <example.org>: service unavailable"),
	    L("READ", EHLO, "READ", "SEND ETRN @example.org", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_NONE, 459, "ETRN refused: 459 <example.org>: "
	    "service unavailable", NULL, setup_etrn },
	{ "etrn_not_offered", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 PIPELINING"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0, "server does not support ETRN (remote "
	    "message queue starting)", NULL, setup_etrn },
	{ "dsn_not_offered", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0, "DSN was asked for, but the server "
	    "does not offer it", NULL, setup_dsn },
	/* Partial delivery: DATA goes with the RCPTs, a refusal goes on. */
	{ "partial_one_of_three_refused", 0, 0, 0, 0, THREE,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK,
	    "550 5.1.1 no carol", OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, RCPT3, "SEND DATA",
	    "READ", "READ", "READ", "READ", "READ", "BODY", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "message refused for 1 of 3 "
	    "recipients (<carol@example.net>): 550 5.1.1 no carol",
	    check_partial_one_refused,
	    setup_partial },
	{ "partial_5xx_outweighs_4xx", 0, 0, 0, 0, THREE,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK,
	    "451 4.3.0 busy", "550 5.1.1 no carol", OK, GO, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, RCPT3, "SEND DATA",
	    "READ", "READ", "READ", "READ", "READ", "BODY", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "message refused for 2 of 3 "
	    "recipients (<bob@example.net> <carol@example.net>): 550 5.1.1 "
	    "no carol", NULL, setup_partial },
	{ "partial_all_refused", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK,
	    "450 4.2.0 busy", "550 5.1.1 no carol",
	    "554 5.5.1 no valid recipients", RESET),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "SEND DATA", "READ",
	    "READ", "READ", "READ", "SEND RSET", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "message refused for every "
	    "recipient (<bob@example.net> <carol@example.net>): 550 5.1.1 "
	    "no carol", check_none_accepted,
	    setup_partial },
	{ "partial_chunking_pipelined", 0, 0, 0, 321, TWO,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    OK, OK, QUEUED),
	    L("READ", EHLO, "READ", MAIL, RCPT, RCPT2, "SEND BDAT 321 LAST",
	    "CHUNK", "READ", "READ", "READ", "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_all_accepted,
	    setup_partial },
	{ "partial_no_pipelining", 0, 0, 0, 0, TWO,
	    L(GREET, "250 mx.example", OK, "550 5.1.1 no bob", OK, GO,
	    QUEUED),
	    L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ", RCPT2, "READ",
	    "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "message refused for 1 of 2 "
	    "recipients (<bob@example.net>): 550 5.1.1 no bob", NULL,
	    setup_partial },
	/* LMTP: LHLO, and one final reply per accepted recipient. */
	{ "lmtp_final_per_rcpt", 0, 0, 0, 0, TWO,
	    L(GREET, "250-mx.example", "250 PIPELINING", OK, OK, OK, GO,
	    QUEUED, "452 4.2.2 over quota"),
	    L("READ", "SEND LHLO client.example", "READ", MAIL, RCPT, RCPT2,
	    "READ", "READ", "READ", "SEND DATA", "READ", "BODY", "READ",
	    "READ", "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_BODY, 452, "message refused for 1 of 2 "
	    "recipients (<carol@example.net>): 452 4.2.2 over quota",
	    check_lmtp_final,
	    setup_lmtp },
	{ "lmtp_all_ok", 0, 0, 0, 0, TWO,
	    L(GREET, "250 mx.example", OK, OK, OK, GO, QUEUED, QUEUED),
	    L("READ", "SEND LHLO client.example", "READ", MAIL, "READ", RCPT,
	    "READ", RCPT2, "READ", "SEND DATA", "READ", "BODY", "READ",
	    "READ", "SEND QUIT", "DONE"),
	    FAIL_NONE, STAGE_NONE, 0, "", check_all_accepted, setup_lmtp },
	/* A refused RCPT owes no final reply: one READ after BDAT. */
	{ "lmtp_partial_bdat", 0, 0, 0, 321, TWO,
	    L(GREET, "250-mx.example", "250-PIPELINING", "250 CHUNKING", OK,
	    "550 5.1.1 no bob", OK, QUEUED),
	    L("READ", "SEND LHLO client.example", "READ", MAIL, RCPT, RCPT2,
	    "SEND BDAT 321 LAST", "CHUNK", "READ", "READ", "READ", "READ",
	    "SEND QUIT", "FAIL"),
	    FAIL_SMTP, STAGE_RCPT, 550, "message refused for 1 of 2 "
	    "recipients (<bob@example.net>): 550 5.1.1 no bob", NULL,
	    setup_lmtp_partial },
	{ "lmtp_broken_between_final_replies", 0, 0, 0, 0, TWO,
	    L(GREET, "250 mx.example", OK, OK, OK, GO, QUEUED, "!ioerr"),
	    L("READ", "SEND LHLO client.example", "READ", MAIL, "READ", RCPT,
	    "READ", RCPT2, "READ", "SEND DATA", "READ", "BODY", "READ",
	    "READ", "FAIL"),
	    FAIL_NET_TEMP, STAGE_BODY, 0, "read timeout", check_lmtp_broken,
	    setup_lmtp },
	{ "lmtp_final_3xx_is_protocol", 0, 0, 0, 0, NULL,
	    L(GREET, "250 mx.example", OK, OK, GO, GO),
	    L("READ", "SEND LHLO client.example", "READ", MAIL, "READ", RCPT,
	    "READ", "SEND DATA", "READ", "BODY", "READ", "SEND QUIT", "FAIL"),
	    FAIL_PROTOCOL, STAGE_BODY, 354, NULL, NULL, setup_lmtp },
	{ "lmtp_lhlo_refused", 0, 0, 0, 0, NULL,
	    L(GREET, "500 5.5.1 what"),
	    L("READ", "SEND LHLO client.example", "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_EHLO, 500, "LHLO refused: 500 5.5.1 what", NULL,
	    setup_lmtp },
	/* REQUIRETLS (RFC 8689): only over TLS, only when offered there. */
	{ "requiretls_over_tls", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 STARTTLS", "220 2.0.0 go",
	    "!tls ok", "250-mx.example", "250 REQUIRETLS", OK, OK, GO,
	    QUEUED),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS", EHLO,
	    "READ", MAIL " REQUIRETLS", "READ", TX_TAIL),
	    FAIL_NONE, STAGE_NONE, 0, "", NULL, setup_requiretls },
	{ "requiretls_offered_before_tls_only", 1, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250-REQUIRETLS", "250 STARTTLS",
	    "220 2.0.0 go", "!tls ok", "250 mx.example"),
	    L("READ", EHLO, "READ", "SEND STARTTLS", "READ", "STARTTLS", EHLO,
	    "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0, "REQUIRETLS was asked for, but the "
	    "server does not offer it", NULL, setup_requiretls },
	{ "requiretls_without_tls", 0, 0, 0, 0, NULL,
	    L(GREET, "250-mx.example", "250 REQUIRETLS"),
	    L("READ", EHLO, "READ", "SEND QUIT", "FAIL"),
	    FAIL_NOCAP, STAGE_NONE, 0, "REQUIRETLS was asked for, but the "
	    "server does not offer it (no TLS)", NULL,
	    setup_requiretls_clear },
};

struct run {
	struct smtp *s;
	const char *const *script;
	size_t pos;
	char *out[OUT_MAX];
	size_t nout;
};

static void __attribute__((format(printf, 2, 3)))
emit(struct run *run, const char *fmt, ...)
{
	va_list ap;

	assert_true(run->nout < OUT_MAX);
	va_start(ap, fmt);
	run->out[run->nout++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* "prefix[hidden]" as the trace would split the line. */
static void
emit_hidden(struct run *run, const char *what, const char *text,
    size_t hide)
{
	if (hide == LOG_SHOW_ALL || hide >= strlen(text))
		emit(run, "%s%s", what, text);
	else
		emit(run, "%s%.*s[%s]", what, (int)hide, text, text + hide);
}

/* The argument of the next script entry, which must start with tag. */
static const char *
take(struct run *run, const char *tag)
{
	const char *e = run->script[run->pos];

	if (e == NULL || strncmp(e, tag, strlen(tag)) != 0)
		fail_msg("script entry %zu: want '%s', have '%s'", run->pos,
		    tag, e ? e : "(end)");
	run->pos++;
	return e + strlen(tag);
}

static void
local_failure(struct failure *f, enum fail_class cls, const char *text)
{
	failure_set(f, cls, "%s", text);
}

static void
do_read(struct run *run)
{
	struct reply_reader *rd;
	struct reply *r = NULL;
	struct failure f;
	const char *line;

	if (smtp_reply_hide_from(run->s) == LOG_SHOW_ALL)
		emit(run, "READ");
	else
		emit(run, "READ hide=%zu", smtp_reply_hide_from(run->s));
	line = run->script[run->pos];
	if (line != NULL && strcmp(line, "!ioerr") == 0) {
		run->pos++;
		local_failure(&f, FAIL_NET_TEMP, "read timeout");
		smtp_on_io_error(run->s, &f);
		return;
	}
	rd = reply_reader_new();
	do {
		line = take(run, "");
		assert_true(line[0] != '!');
	} while (reply_reader_push(rd, line, strlen(line), &r, &f) ==
	    REPLY_MORE);
	assert_non_null(r);
	smtp_on_reply(run->s, r);
	reply_free(r);
	reply_reader_free(rd);
}

static void
do_auth_begin(struct run *run)
{
	char mech[32];
	const char *arg = take(run, "!auth "), *sp;
	struct failure f;

	if (strcmp(arg, "-") == 0) {
		local_failure(&f, FAIL_AUTH, "no usable SASL mechanism");
		smtp_on_auth_begin(run->s, NULL, NULL, &f);
		return;
	}
	sp = strchr(arg, ' ');
	snprintf(mech, sizeof(mech), "%.*s",
	    (int)(sp ? (size_t)(sp - arg) : strlen(arg)), arg);
	if (sp == NULL)
		smtp_on_auth_begin(run->s, mech, NULL, NULL);
	else
		smtp_on_auth_begin(run->s, mech,
		    strcmp(sp + 1, "''") == 0 ? "" : sp + 1, NULL);
}

static void
do_step(struct run *run)
{
	const char *arg = take(run, "!step ");
	struct failure f;

	local_failure(&f, FAIL_AUTH, "SASL step failed");
	smtp_on_auth_step(run->s, strcmp(arg, "-") == 0 ? NULL : arg, &f);
}

static void
do_tls(struct run *run)
{
	const char *arg = take(run, "!tls ");
	struct failure f;

	local_failure(&f, FAIL_TLS, "TLS handshake failed");
	smtp_on_tls(run->s, strcmp(arg, "ok") == 0, &f);
}

/* Drive the engine until DONE or FAIL; returns the final action type. */
static enum smtp_action_type
run_engine(struct run *run)
{
	struct smtp_action act;

	for (;;) {
		smtp_next(run->s, &act);
		switch (act.type) {
		case SMTP_ACT_SEND:
			emit_hidden(run, "SEND ", act.text, act.hide_from);
			break;
		case SMTP_ACT_READ:
			do_read(run);
			break;
		case SMTP_ACT_STARTTLS:
			emit(run, "STARTTLS");
			do_tls(run);
			break;
		case SMTP_ACT_AUTH_BEGIN:
			emit(run, "AUTH_BEGIN %s", act.text);
			do_auth_begin(run);
			break;
		case SMTP_ACT_AUTH_STEP:
			emit_hidden(run, "AUTH_STEP ", act.text, act.hide_from);
			do_step(run);
			break;
		case SMTP_ACT_BODY:
		case SMTP_ACT_CHUNK:
			emit(run, act.type == SMTP_ACT_BODY ? "BODY" : "CHUNK");
			smtp_on_body_sent(run->s);
			break;
		default:
			emit(run, act.type == SMTP_ACT_DONE ? "DONE" : "FAIL");
			return act.type;
		}
	}
}

static char *
join(const char *const *v, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n && v[i] != NULL; i++) {
		t = xasprintf("%s%s\n", s, v[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
check_failure(const struct smtp_case *c, const struct failure *f)
{
	assert_int_equal(f->cls, c->cls);
	assert_int_equal(f->stage, c->stage);
	assert_int_equal(f->smtp_code, c->code);
	if (c->text != NULL)
		assert_string_equal(f->text, c->text);
}

static void
test_case(void **state)
{
	const struct smtp_case *c = *state;
	struct smtp_config cfg = { .helo_domain = "client.example",
	    .starttls = c->starttls, .auth = c->auth,
	    .from = "alice@example.org", .eightbit = c->eightbit,
	    .size = c->size };
	const char *const *rcpts = c->rcpts ? c->rcpts : L("bob@example.net");
	struct run run = { NULL, c->script, 0, { NULL }, 0 };
	struct smtp_action act;
	enum smtp_action_type end;
	char *got, *want;
	size_t i;

	cfg.rcpts = (char *const *)rcpts;
	for (cfg.nrcpts = 0; rcpts[cfg.nrcpts] != NULL; cfg.nrcpts++)
		continue;
	if (c->setup != NULL)
		c->setup(&cfg);
	run.s = smtp_new(&cfg);
	end = run_engine(&run);
	got = join((const char *const *)run.out, run.nout);
	want = join(c->expect, OUT_MAX);
	assert_string_equal(got, want);
	assert_null(c->script[run.pos]);
	check_failure(c, smtp_failure(run.s));
	assert_string_equal(smtp_state_name(run.s),
	    end == SMTP_ACT_DONE ? "DONE" : "FAIL");
	/* A finished engine keeps saying the same thing. */
	smtp_next(run.s, &act);
	assert_int_equal(act.type, end);
	smtp_next(run.s, &act);
	assert_int_equal(act.type, end);
	if (c->check != NULL)
		c->check(run.s);
	for (i = 0; i < run.nout; i++)
		free(run.out[i]);
	free(got);
	free(want);
	smtp_free(run.s);
}

static const struct smtp_config misuse_cfg = {
	.helo_domain = "client.example", .from = "alice@example.org",
	.rcpts = (char *const[]){ "bob@example.net" }, .nrcpts = 1 };

/* Asking for the next action without answering READ is a driver bug. */
static void
test_driver_out_of_turn(void **state)
{
	struct smtp *s = smtp_new(&misuse_cfg);
	struct smtp_action act;

	(void)state;
	smtp_next(s, &act);
	assert_int_equal(act.type, SMTP_ACT_READ);
	smtp_next(s, &act);
	assert_int_equal(act.type, SMTP_ACT_FAIL);
	assert_int_equal(smtp_failure(s)->cls, FAIL_SOFTWARE);
	assert_null(smtp_last_reply(s));
	smtp_free(s);
}

/* A SASL response must never carry a line break onto the wire. */
static void
test_bad_sasl_response(void **state)
{
	const struct smtp_config cfg = { .helo_domain = "client.example",
	    .auth = 1, .from = "alice@example.org",
	    .rcpts = (char *const[]){ "bob@example.net" }, .nrcpts = 1 };
	struct run run = { NULL, L(GREET, "250-mx.example",
	    "250 AUTH LOGIN", "!auth LOGIN",
	    "334 VXNlcm5hbWU6", "!step YQ==\r\nRSET"),
	    0, { NULL }, 0 };
	char *got;
	size_t i;

	(void)state;
	run.s = smtp_new(&cfg);
	assert_int_equal(run_engine(&run), SMTP_ACT_FAIL);
	got = join((const char *const *)run.out, run.nout);
	assert_string_equal(got, "READ\n" EHLO "\nREAD\nAUTH_BEGIN LOGIN\n"
	    "SEND AUTH LOGIN\nREAD hide=4\nAUTH_STEP [VXNlcm5hbWU6]\n"
	    "SEND QUIT\nFAIL\n");
	assert_null(strstr(smtp_failure(run.s)->text, "RSET"));
	assert_int_equal(smtp_failure(run.s)->cls, FAIL_SOFTWARE);
	for (i = 0; i < run.nout; i++)
		free(run.out[i]);
	free(got);
	smtp_free(run.s);
}

static void
run_free(struct run *run)
{
	size_t i;

	for (i = 0; i < run->nout; i++)
		free(run->out[i]);
	run->nout = 0;
}

/* What the engine said since the last call, as one string. */
static void
expect_out(struct run *run, const char *const *want)
{
	char *got = join((const char *const *)run->out, run->nout);
	char *w = join(want, OUT_MAX);

	assert_string_equal(got, w);
	free(got);
	free(w);
	run_free(run);
}

/*
 * keep_open: no QUIT after a message; the next starts with RSET (in the
 * same flight as MAIL, RCPT and DATA under PIPELINING), and after a
 * refused recipient the abort's RSET is not said twice.
 */
static void
test_next_message(void **state)
{
	struct smtp_config one = misuse_cfg, two = misuse_cfg;
	struct smtp_config three = misuse_cfg;
	struct run run = { NULL, L(GREET, "250-mx.example", "250 PIPELINING",
	    OK, OK, GO, QUEUED, RESET, OK, "550 5.1.1 no such user",
	    "503 5.5.1 no valid recipients", RESET, OK, OK, GO, QUEUED),
	    0, { NULL }, 0 };

	(void)state;
	one.keep_open = two.keep_open = three.keep_open = 1;
	two.rcpts = (char *const[]){ "carol@example.net" };
	run.s = smtp_new(&one);
	assert_int_equal(run_engine(&run), SMTP_ACT_DONE);
	expect_out(&run, L("READ", EHLO, "READ", MAIL, RCPT, "SEND DATA",
	    "READ", "READ", "READ", "BODY", "READ", "DONE"));
	assert_true(smtp_reusable(run.s));
	smtp_next_message(run.s, &two);
	assert_int_equal(run_engine(&run), SMTP_ACT_FAIL);
	expect_out(&run, L("SEND RSET", MAIL, RCPT2, "SEND DATA", "READ",
	    "READ", "READ", "READ", "SEND RSET", "READ", "FAIL"));
	assert_int_equal(smtp_failure(run.s)->smtp_code, 550);
	assert_true(smtp_reusable(run.s));
	smtp_next_message(run.s, &three);
	assert_int_equal(run_engine(&run), SMTP_ACT_DONE);
	expect_out(&run, L(MAIL, RCPT, "SEND DATA", "READ", "READ", "READ",
	    "BODY", "READ", "DONE"));
	assert_int_equal(smtp_failure(run.s)->cls, FAIL_NONE);
	assert_int_equal(smtp_last_reply(run.s)->code, 250);
	assert_null(run.script[run.pos]);
	smtp_free(run.s);
}

/* 421 closes the connection: no next message on it. */
static void
test_next_after_421(void **state)
{
	struct smtp_config one = misuse_cfg, two = misuse_cfg;
	struct run run = { NULL, L(GREET, "250 mx.example", OK,
	    "421 4.3.2 shutting down", RESET), 0, { NULL }, 0 };

	(void)state;
	one.keep_open = two.keep_open = 1;
	run.s = smtp_new(&one);
	assert_int_equal(run_engine(&run), SMTP_ACT_FAIL);
	expect_out(&run, L("READ", EHLO, "READ", MAIL, "READ", RCPT, "READ",
	    "SEND RSET", "READ", "SEND QUIT", "FAIL"));
	assert_false(smtp_reusable(run.s));
	smtp_next_message(run.s, &two);
	assert_int_equal(run_engine(&run), SMTP_ACT_FAIL);
	expect_out(&run, L("FAIL"));
	assert_int_equal(smtp_failure(run.s)->cls, FAIL_SOFTWARE);
	smtp_free(run.s);
}

int
main(void)
{
	struct CMUnitTest tests[UTIL_ARRAY_LEN(cases) + 4];
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[i++] = (struct CMUnitTest){ "driver_out_of_turn",
	    test_driver_out_of_turn, NULL, NULL, NULL };
	tests[i++] = (struct CMUnitTest){ "bad_sasl_response",
	    test_bad_sasl_response, NULL, NULL, NULL };
	tests[i++] = (struct CMUnitTest){ "next_message",
	    test_next_message, NULL, NULL, NULL };
	tests[i++] = (struct CMUnitTest){ "next_after_421",
	    test_next_after_421, NULL, NULL, NULL };
	return cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
}
