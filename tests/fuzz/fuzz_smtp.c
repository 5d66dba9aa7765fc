/*
 * fuzz_smtp.c - libFuzzer harness for the SMTP engine (smtp.c) driven
 * with scripted server replies and driver outcomes.
 *
 * Input: two bytes of configuration, then lines.  Byte 0: bit 0
 * STARTTLS required, bit 1 AUTH, bit 2 implicit TLS, bit 3 8-bit body,
 * bits 4-6 the number of recipients (0-7).  Byte 1: bits 0-1 the size,
 * bit 7 a recipient holding CR LF.  Each READ consumes lines (parsed by
 * reply.c) until a reply is complete; a line "!e" breaks the connection
 * instead, "!b" and "!t" answer out of step.  A STARTTLS consumes a line
 * ("-" fails the handshake), AUTH_BEGIN a line "MECH [INITIAL]" ("-" no
 * mechanism), AUTH_STEP a line (the response, "-" cancels); in those a
 * byte 0x01 stands for LF.  The end of the input breaks the connection.
 *
 * Invariants: no command line holds CR or LF; BODY comes only right
 * after a 354 reply to a DATA that was sent, and at most once; a SASL
 * response is sent hidden from its first byte, an initial response from
 * after "AUTH MECH "; DONE or FAIL is final; the engine always ends.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "reply.h"
#include "smtp.h"

#define STEPS_MAX 100000

static char *const rcpt_pool[] = {
	"bob@example.net", "carol@example.net", "dave@example.net",
	"erin@example.net", "frank@example.net", "grace@example.net",
	"bad@example.net\r\nRSET", "heidi@example.net",
};
static char *const rcpt_evil[] = { "x@example.net\r\nMAIL FROM:<m@x>" };

struct drv {
	struct fuzz_in in;
	struct smtp *s;
	unsigned char sent[64];	/* commands awaiting replies: 1 DATA */
	size_t sent_n;		/* lines sent, the greeting counted */
	size_t sent_head;	/* replies seen */
	int bdat_last;		/* the last action sent "BDAT n LAST" */
	int got354;		/* the last reply was 354 to that DATA */
	int body;		/* BODY actions so far */
	char *secret;		/* the line a SASL answer must go out as */
	size_t secret_hide;	/* where that line must be hidden from */
};

static void
unescape_lf(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\x01')
			*s = '\n';
}

static void
io_error(struct drv *d, const char *why)
{
	struct failure f;

	memset(&f, 0, sizeof(f));
	failure_set(&f, FAIL_NET_TEMP, "%s", why);
	smtp_on_io_error(d->s, &f);
}

/* Feed lines until a reply is complete or a driver event comes. */
static void
do_read(struct drv *d)
{
	struct reply_reader *rd = reply_reader_new();
	enum reply_status st = REPLY_MORE;
	struct reply *r = NULL;
	struct failure f;
	size_t len;
	char *line;

	while (st == REPLY_MORE && (line = fuzz_line(&d->in, &len)) != NULL) {
		if (strcmp(line, "!e") == 0 || strcmp(line, "!b") == 0 ||
		    strcmp(line, "!t") == 0) {
			if (line[1] == 'b')
				smtp_on_body_sent(d->s);
			else if (line[1] == 't')
				smtp_on_tls(d->s, 1, NULL);
			else
				io_error(d, "connection reset");
			free(line);
			reply_reader_free(rd);
			return;
		}
		memset(&f, 0, sizeof(f));
		st = reply_reader_push(rd, line, len, &r, &f);
		free(line);
	}
	reply_reader_free(rd);
	if (st == REPLY_DONE) {
		d->got354 = d->sent_head < d->sent_n &&
		    d->sent[d->sent_head % 64] && r->code == 354;
		d->sent_head++;
		smtp_on_reply(d->s, r);
		reply_free(r);
	} else
		io_error(d, st == REPLY_BAD ? "bad reply" : "end of input");
}

/* Remember the line that will carry a SASL answer (taken over). */
static void
keep_secret(struct drv *d, char *line, size_t hide)
{
	free(d->secret);
	d->secret = line;
	d->secret_hide = hide;
}

static void
do_auth_begin(struct drv *d)
{
	size_t len;
	char *line = fuzz_line(&d->in, &len), *sp, *mech;
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (line == NULL || strcmp(line, "-") == 0) {
		failure_set(&f, FAIL_AUTH, "no usable mechanism");
		smtp_on_auth_begin(d->s, NULL, NULL, &f);
		free(line);
		return;
	}
	unescape_lf(line);
	mech = line;
	if ((sp = strchr(line, ' ')) != NULL && sp[1] != '\0') {
		*sp = '\0';
		keep_secret(d, xasprintf("AUTH %s %s", mech, sp + 1),
		    strlen(mech) + 6);
	} else if (sp != NULL)
		*sp = '\0';
	smtp_on_auth_begin(d->s, mech, sp != NULL ? sp + 1 : NULL, &f);
	free(line);
}

static void
do_auth_step(struct drv *d)
{
	size_t len;
	char *line = fuzz_line(&d->in, &len);
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (line == NULL || strcmp(line, "-") == 0) {
		failure_set(&f, FAIL_AUTH, "SASL step failed");
		smtp_on_auth_step(d->s, NULL, &f);
	} else {
		unescape_lf(line);
		keep_secret(d, xstrdup(line), 0);
		smtp_on_auth_step(d->s, line, &f);
	}
	free(line);
}

static void
do_tls(struct drv *d)
{
	size_t len;
	char *line = fuzz_line(&d->in, &len);
	struct failure f;

	memset(&f, 0, sizeof(f));
	if (line != NULL && strcmp(line, "-") == 0) {
		failure_set(&f, FAIL_TLS, "handshake failed");
		smtp_on_tls(d->s, 0, &f);
	} else
		smtp_on_tls(d->s, 1, &f);
	free(line);
}

static void
check_send(struct drv *d, const struct smtp_action *a)
{
	if (strpbrk(a->text, "\r\n") != NULL)
		fuzz_fail("line break in a command");
	if (a->hide_from != LOG_SHOW_ALL && a->hide_from > strlen(a->text))
		fuzz_fail("hide_from %zu past the line", a->hide_from);
	/* The line right after a SASL answer is the one that carries it. */
	if (d->secret != NULL && strcmp(a->text, d->secret) == 0 &&
	    a->hide_from > d->secret_hide)
		fuzz_fail("SASL data shown in \"%s\"", a->text);
	keep_secret(d, NULL, 0);
	if (d->sent_n - d->sent_head >= 64)
		fuzz_fail("more than 64 commands without a reply");
	d->sent[d->sent_n++ % 64] = strcmp(a->text, "DATA") == 0;
	d->got354 = 0;
	d->bdat_last = strncmp(a->text, "BDAT ", 5) == 0 &&
	    strlen(a->text) > 10 &&
	    strcmp(a->text + strlen(a->text) - 5, " LAST") == 0;
}

/* 1 to go on, 0 at DONE or FAIL. */
static int
step(struct drv *d)
{
	struct smtp_action a;
	int t354 = d->got354;

	smtp_next(d->s, &a);
	if (a.text == NULL)
		fuzz_fail("action %d without text", a.type);
	if (a.type != SMTP_ACT_SEND && a.type != SMTP_ACT_BODY)
		d->got354 = 0;
	if (a.type != SMTP_ACT_SEND && a.type != SMTP_ACT_CHUNK)
		d->bdat_last = 0;
	switch (a.type) {
	case SMTP_ACT_SEND:
		check_send(d, &a);
		return 1;
	case SMTP_ACT_READ:
		do_read(d);
		return 1;
	case SMTP_ACT_STARTTLS:
		do_tls(d);
		return 1;
	case SMTP_ACT_AUTH_BEGIN:
		do_auth_begin(d);
		return 1;
	case SMTP_ACT_AUTH_STEP:
		do_auth_step(d);
		return 1;
	case SMTP_ACT_BODY:
		if (!t354 || d->body++ > 0)
			fuzz_fail("BODY without a fresh 354 to DATA");
		d->got354 = 0;
		d->sent[d->sent_n++ % 64] = 0;	/* the final dot */
		smtp_on_body_sent(d->s);
		return 1;
	case SMTP_ACT_CHUNK:
		/* The bytes of "BDAT n LAST", whose reply is counted already. */
		if (!d->bdat_last || d->body++ > 0)
			fuzz_fail("CHUNK not right after BDAT n LAST");
		d->bdat_last = 0;
		smtp_on_body_sent(d->s);
		return 1;
	case SMTP_ACT_DONE:
	case SMTP_ACT_FAIL:
		return 0;
	default:
		fuzz_fail("unknown action %d", a.type);
	}
}

/* A finished engine stays finished and asks for nothing. */
static void
check_final(struct drv *d)
{
	struct smtp_action a, b;

	smtp_next(d->s, &a);
	smtp_next(d->s, &b);
	if (a.type != b.type || (a.type != SMTP_ACT_DONE &&
	    a.type != SMTP_ACT_FAIL))
		fuzz_fail("engine moved after its end (%d, %d)", a.type,
		    b.type);
	if (a.type == SMTP_ACT_FAIL && smtp_failure(d->s)->cls == FAIL_NONE)
		fuzz_fail("FAIL without a failure class");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long sizes[] = { 0, 1000, 10485760, 1LL << 40 };
	struct smtp_config cfg;
	struct drv d;
	unsigned b0, b1;
	size_t n;

	memset(&d, 0, sizeof(d));
	d.in.p = data;
	d.in.n = size;
	d.sent_n = 1;		/* the greeting answers no command */
	b0 = fuzz_byte(&d.in);
	b1 = fuzz_byte(&d.in);
	memset(&cfg, 0, sizeof(cfg));
	cfg.helo_domain = "client.example";
	cfg.starttls = b0 & 1;
	cfg.auth = (b0 >> 1) & 1;
	cfg.tls_active = (b0 >> 2) & 1;
	cfg.eightbit = (b0 >> 3) & 1;
	cfg.from = "alice@example.org";
	cfg.rcpts = b1 & 0x80 ? rcpt_evil : rcpt_pool;
	cfg.nrcpts = b1 & 0x80 ? 1 : (b0 >> 4) & 7;
	cfg.size = sizes[b1 & 3];
	d.s = smtp_new(&cfg);
	for (n = 0; step(&d); n++)
		if (n > STEPS_MAX)
			fuzz_fail("engine does not end");
	check_final(&d);
	smtp_free(d.s);
	free(d.secret);
	return 0;
}
