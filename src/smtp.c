/*
 * smtp.c - the ESMTP client engine.  A pure state machine: server replies
 * and the driver's TLS and SASL outcomes go in, actions come out.  Every
 * state is named in one table (smtp_state.c); a state that waits for a
 * reply has one handler; the state changes in smtp_set_state() only.
 * Commands sent together (PIPELINING) leave their expected replies in a
 * FIFO, and each reply is handled by the state of the command it answers.
 * This file holds the queues, the failure record and the entry points.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "smtp.h"
#include "smtp_int.h"

void
smtp_set_state(struct smtp *s, enum smtp_state st)
{
	if (s->state == st)
		return;
	/* -d 2: every transition by name, to follow a pipelined dialogue. */
	if (log_debug_level() >= 2)
		log_debug("smtp: %s -> %s", smtp_states[s->state].name,
		    smtp_states[st].name);
	s->prev = s->state;
	s->state = st;
}

static int
smtp_terminal(const struct smtp *s)
{
	return s->state == SMTP_S_DONE || s->state == SMTP_S_FAIL;
}

/* Queue an action; text is taken over.  A finished engine adds nothing. */
void
smtp_act_push(struct smtp *s, enum smtp_action_type type, char *text,
    size_t hide_from)
{
	struct smtp_act *a;

	if (smtp_terminal(s)) {
		free(text);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->type = type;
	a->text = text;
	a->hide_from = hide_from;
	if (s->tail != NULL)
		s->tail->next = a;
	else
		s->head = a;
	s->tail = a;
}

static void
act_free(struct smtp_act *a)
{
	if (a == NULL)
		return;
	if (a->text != NULL) {
		/* AUTH lines and challenges must not linger in memory. */
		explicit_bzero(a->text, strlen(a->text));
		free(a->text);
	}
	free(a);
}

static void
act_clear(struct smtp *s)
{
	struct smtp_act *a;

	while ((a = s->head) != NULL) {
		s->head = a->next;
		act_free(a);
	}
	s->tail = NULL;
}

void
smtp_expect_push(struct smtp *s, enum smtp_state st, size_t rcpt)
{
	if (s->exp_len == s->exp_cap) {
		s->exp_cap = s->exp_cap ? s->exp_cap * 2 : 8;
		s->exp = xreallocarray(s->exp, s->exp_cap, sizeof(*s->exp));
	}
	s->exp[s->exp_len].state = st;
	s->exp[s->exp_len++].rcpt = rcpt;
	s->unread++;
}

/* One READ for each reply expected since the last call. */
void
smtp_queue_reads(struct smtp *s)
{
	for (; s->unread > 0; s->unread--)
		smtp_act_push(s, SMTP_ACT_READ, NULL, LOG_SHOW_ALL);
}

/* Record the first failure; later ones are consequences of it. */
void
smtp_fail_record(struct smtp *s, enum fail_class cls, enum smtp_stage stage,
    const struct reply *r, const char *fmt, ...)
{
	char what[FAILURE_TEXT_MAX], *sum;
	va_list ap;

	if (s->failed)
		return;
	s->failed = 1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r == NULL) {
		failure_set(&s->fail, cls, "%s", what);
	} else {
		sum = reply_summary(r);
		failure_set(&s->fail, cls, "%s: %s", what, sum);
		free(sum);
		s->fail.smtp_code = r->code;
		strlcpy(s->fail.estatus, r->estatus, sizeof(s->fail.estatus));
	}
	s->fail.stage = stage;
}

/* Take over the driver's failure, with defaults where it says nothing. */
static void
fail_copy(struct smtp *s, const struct failure *f, enum fail_class cls)
{
	if (!s->failed && (f == NULL || f->cls == FAIL_NONE))
		smtp_fail_record(s, cls, smtp_states[s->state].stage, NULL,
		    "unspecified error");
	if (s->failed)
		return;
	s->failed = 1;
	s->fail = *f;
	s->fail.text[sizeof(s->fail.text) - 1] = '\0';
	if (s->fail.stage == STAGE_NONE)
		s->fail.stage = smtp_states[s->state].stage;
}

/* Stop now: nothing more is read; QUIT is queued only if quit is set. */
void
smtp_fail_now(struct smtp *s, int quit)
{
	act_clear(s);
	s->exp_head = s->exp_len = s->unread = 0;
	s->wait = SMTP_ACT_LAST;
	if (quit)
		smtp_act_push(s, SMTP_ACT_SEND, xstrdup("QUIT"), LOG_SHOW_ALL);
	smtp_set_state(s, SMTP_S_FAIL);
}

/* Later replies mean nothing; no QUIT if a DATA might take it as mail. */
static void
protocol(struct smtp *s, const struct reply *r)
{
	int quit = 1;
	size_t i;

	for (i = s->exp_head; i < s->exp_len; i++)
		if (s->exp[i].state == SMTP_S_DATA)
			quit = 0;
	smtp_fail_record(s, FAIL_PROTOCOL, smtp_states[s->state].stage, r,
	    "unexpected reply in SMTP state %s", smtp_states[s->state].name);
	smtp_fail_now(s, quit);
}

/* 1 if r is the wanted class or code; else record a refusal or abort. */
int
smtp_reply_ok(struct smtp *s, const struct reply *r, int ok, const char *who)
{
	const struct smtp_state_info *si = &smtp_states[s->state];

	if (ok < 10 ? reply_class(r) == ok : r->code == ok)
		return 1;
	if (reply_class(r) < 4)
		protocol(s, r);
	else if (who != NULL)
		smtp_fail_record(s, si->cls, si->stage, r, "%s <%s> refused",
		    si->refused, who);
	else
		smtp_fail_record(s, si->cls, si->stage, r, "%s", si->refused);
	return 0;
}

/* Queue a command line (taken over) whose reply goes to state st. */
void
smtp_cmd(struct smtp *s, enum smtp_state st, size_t rcpt, char *line,
    size_t hide_from)
{
	if (strpbrk(line, "\r\n") != NULL) {
		/* Never echo the line: it may hold a secret. */
		explicit_bzero(line, strlen(line));
		free(line);
		smtp_fail_record(s, FAIL_SOFTWARE, smtp_states[st].stage, NULL,
		    "refusing to send a line break in SMTP state %s",
		    smtp_states[st].name);
		smtp_fail_now(s, 1);
		return;
	}
	smtp_act_push(s, SMTP_ACT_SEND, line, hide_from);
	smtp_expect_push(s, st, rcpt);
}

void
smtp_cmd_read(struct smtp *s, enum smtp_state st, char *line)
{
	smtp_cmd(s, st, 0, line, LOG_SHOW_ALL);
	smtp_queue_reads(s);
}

/* Enter a state that waits for the driver, not for the server. */
void
smtp_wait_driver(struct smtp *s, enum smtp_state st, enum smtp_action_type type,
    char *text, size_t hide_from)
{
	smtp_set_state(s, st);
	smtp_act_push(s, type, text, hide_from);
}


/*
 * A refusal in the transaction (or a local reason not to start one)
 * leaves the connection usable; 421, broken protocol or a failure before
 * MAIL does not.
 */
static int
fail_reusable(const struct smtp *s)
{
	const struct failure *f = &s->fail;

	if (!s->tx_begun || f->cls == FAIL_PROTOCOL ||
	    f->cls == FAIL_SOFTWARE || f->smtp_code == 421)
		return 0;
	if (f->smtp_code == 0)
		return f->cls == FAIL_DATA || f->cls == FAIL_NOCAP;
	return f->cls == FAIL_SMTP && f->smtp_code >= 400;
}

/*
 * After each event: once a failure has no reply left to wait for, RSET an
 * open transaction (RFC 5321 4.1.1.5), then QUIT.
 */
static void
smtp_settle(struct smtp *s)
{
	if (smtp_terminal(s))
		return;
	if (s->exp_head < s->exp_len) {
		smtp_set_state(s, s->exp[s->exp_head].state);
	} else if (s->failed && s->in_tx && !s->rset_sent) {
		s->rset_sent = 1;
		s->exp_head = s->exp_len = 0;
		smtp_cmd_read(s, SMTP_S_RSET, xstrdup("RSET"));
		smtp_set_state(s, SMTP_S_RSET);
	} else if (s->failed) {
		s->reusable = s->cfg->keep_open && fail_reusable(s);
		smtp_fail_now(s, !s->reusable);
	} else {
		s->exp_head = s->exp_len = 0;
	}
}

/*
 * 0 unless the driver answers what it was asked (LAST: asks for an action
 * when it may).  Out of step, the wire is in an unknown state: stop.
 */
static int
answer_ok(struct smtp *s, enum smtp_action_type type, int valid)
{
	if (smtp_terminal(s))
		return 0;
	if (s->wait == type && valid) {
		s->wait = SMTP_ACT_LAST;
		return 1;
	}
	smtp_fail_record(s, FAIL_SOFTWARE, STAGE_NONE, NULL, "SMTP driver out "
	    "of step in state %s", smtp_states[s->state].name);
	smtp_fail_now(s, 0);
	return 0;
}

struct smtp *
smtp_new(const struct smtp_config *cfg)
{
	struct smtp *s = xcalloc(1, sizeof(*s));

	s->cfg = cfg;
	s->state = s->prev = SMTP_S_GREETING;
	s->wait = SMTP_ACT_LAST;
	s->tls_active = cfg->tls_active;
	s->rcpt_codes = xcalloc(cfg->nrcpts ? cfg->nrcpts : 1, sizeof(int));
	smtp_rcpt_init(s);
	smtp_expect_push(s, SMTP_S_GREETING, 0);
	smtp_queue_reads(s);
	return s;
}

void
smtp_free(struct smtp *s)
{
	if (s == NULL)
		return;
	act_clear(s);
	act_free(s->cur);
	free(s->exp);
	smtp_ext_caps_reset(&s->caps);
	smtp_ext_caps_reset(&s->caps_plain);
	reply_free(s->greeting);
	reply_free(s->last);
	free(s->rcpt_codes);
	smtp_rcpt_free(s);
	free(s);
}

void
smtp_next(struct smtp *s, struct smtp_action *act)
{
	struct smtp_act *a;

	act_free(s->cur);
	s->cur = NULL;
	answer_ok(s, SMTP_ACT_LAST, s->head != NULL);
	act->hide_from = LOG_SHOW_ALL;
	if ((a = s->head) == NULL) {
		act->type = s->state == SMTP_S_DONE ? SMTP_ACT_DONE :
		    SMTP_ACT_FAIL;
		act->text = s->state == SMTP_S_DONE ? "" : s->fail.text;
		return;
	}
	if ((s->head = a->next) == NULL)
		s->tail = NULL;
	s->cur = a;
	act->type = a->type;
	act->text = a->text != NULL ? a->text : "";
	act->hide_from = a->hide_from;
	if (a->type != SMTP_ACT_SEND)
		s->wait = a->type;
}

void
smtp_on_reply(struct smtp *s, const struct reply *r)
{
	const struct smtp_expect *e;

	if (!answer_ok(s, SMTP_ACT_READ, r != NULL && r->nlines > 0 &&
	    r->code >= 200 && r->code <= 599 && s->exp_head < s->exp_len))
		return;
	/* Keep the failing reply, not what follows; never a challenge. */
	if (!s->failed && r->code != 334) {
		reply_free(s->last);
		s->last = reply_dup(r);
	}
	e = &s->exp[s->exp_head++];
	s->rcpt = e->rcpt;
	smtp_set_state(s, e->state);
	if (smtp_states[e->state].reply != NULL)
		smtp_states[e->state].reply(s, r);
	smtp_settle(s);
}

void
smtp_on_tls(struct smtp *s, int ok, const struct failure *f)
{
	if (!answer_ok(s, SMTP_ACT_STARTTLS, 1))
		return;
	if (!ok) {
		/* Half a handshake leaves nothing to say QUIT on. */
		smtp_on_io_error(s, f);
		return;
	}
	/* RFC 3207: forget everything learnt before TLS (kept apart only
	 * for --serverinfo, which shows both). */
	smtp_ext_caps_reset(&s->caps_plain);
	s->caps_plain = s->caps;
	s->have_plain = 1;
	memset(&s->caps, 0, sizeof(s->caps));
	s->tls_active = 1;
	smtp_cmd_read(s, SMTP_S_EHLO, xasprintf("%s %s",
	    s->cfg->lmtp ? "LHLO" : "EHLO", s->cfg->helo_domain));
	smtp_settle(s);
}

void
smtp_on_auth_begin(struct smtp *s, const char *mech, const char *initial,
    const struct failure *f)
{
	if (!answer_ok(s, SMTP_ACT_AUTH_BEGIN, 1))
		return;
	if (mech == NULL)
		fail_copy(s, f, FAIL_AUTH);
	else if (initial == NULL)
		smtp_cmd_read(s, SMTP_S_AUTH, xasprintf("AUTH %s", mech));
	else {
		/* Hide from just after "AUTH MECH ". */
		smtp_cmd(s, SMTP_S_AUTH, 0, xasprintf("AUTH %s %s", mech,
		    *initial != '\0' ? initial : "="), strlen(mech) + 6);
		smtp_queue_reads(s);
	}
	smtp_settle(s);
}

void
smtp_on_auth_step(struct smtp *s, const char *response,
    const struct failure *f)
{
	if (!answer_ok(s, SMTP_ACT_AUTH_STEP, 1))
		return;
	if (response == NULL) {
		/* RFC 4954: "*" cancels; the reply to it does not matter. */
		fail_copy(s, f, FAIL_AUTH);
		smtp_cmd(s, SMTP_S_AUTH_CANCEL, 0, xstrdup("*"), LOG_SHOW_ALL);
	} else {
		smtp_cmd(s, SMTP_S_AUTH, 0, xstrdup(response), 0);
	}
	smtp_queue_reads(s);
	smtp_settle(s);
}

void
smtp_on_body_sent(struct smtp *s)
{
	int chunk = s->wait == SMTP_ACT_CHUNK;

	if (!answer_ok(s, chunk ? SMTP_ACT_CHUNK : SMTP_ACT_BODY, 1))
		return;
	/* BDAT's reply is already expected; DATA's comes after the dot. */
	if (!chunk) {
		smtp_expect_push(s, SMTP_S_DOT, 0);
		smtp_queue_reads(s);
	}
	smtp_settle(s);
}

void
smtp_on_io_error(struct smtp *s, const struct failure *f)
{
	if (smtp_terminal(s))
		return;
	fail_copy(s, f, s->state == SMTP_S_TLS ? FAIL_TLS : FAIL_NET_TEMP);
	smtp_fail_now(s, 0);
}

size_t
smtp_reply_hide_from(const struct smtp *s)
{
	if (s->state == SMTP_S_AUTH || s->state == SMTP_S_AUTH_CANCEL)
		return 4;
	return LOG_SHOW_ALL;
}

const struct smtp_caps *
smtp_caps(const struct smtp *s)
{
	return &s->caps;
}

const struct smtp_caps *
smtp_caps_before_tls(const struct smtp *s)
{
	return s->have_plain ? &s->caps_plain : NULL;
}

const struct reply *
smtp_greeting(const struct smtp *s)
{
	return s->greeting;
}

const struct failure *
smtp_failure(const struct smtp *s)
{
	return &s->fail;
}

const struct reply *
smtp_last_reply(const struct smtp *s)
{
	return s->last;
}

int
smtp_reusable(const struct smtp *s)
{
	return s->cfg->keep_open && s->head == NULL && (s->state ==
	    SMTP_S_DONE || (s->state == SMTP_S_FAIL && s->reusable));
}

void
smtp_next_message(struct smtp *s, const struct smtp_config *cfg)
{
	int ok = smtp_reusable(s);
	/* After an aborted transaction RSET was said already. */
	int rset = !s->rset_sent;

	act_clear(s);
	s->cfg = cfg;
	s->failed = s->reusable = s->in_tx = s->rset_sent = 0;
	failure_clear(&s->fail);
	reply_free(s->last);
	s->last = NULL;
	free(s->rcpt_codes);
	s->rcpt_codes = xcalloc(cfg->nrcpts ? cfg->nrcpts : 1, sizeof(int));
	smtp_rcpt_init(s);
	s->exp_head = s->exp_len = s->unread = 0;
	s->wait = SMTP_ACT_LAST;
	if (!ok) {
		smtp_fail_record(s, FAIL_SOFTWARE, STAGE_NONE, NULL, "the "
		    "connection cannot carry another message");
		smtp_fail_now(s, 0);
		return;
	}
	smtp_set_state(s, SMTP_S_NEXT);
	if (rset)
		smtp_cmd(s, SMTP_S_NEXT, 0, xstrdup("RSET"), LOG_SHOW_ALL);
	if (s->caps.pipelining || !rset)
		smtp_proceed(s);
	smtp_queue_reads(s);
	smtp_settle(s);
}

int
smtp_rcpt_code(const struct smtp *s, size_t i)
{
	return i < s->cfg->nrcpts ? s->rcpt_codes[i] : 0;
}

const char *
smtp_state_name(const struct smtp *s)
{
	return smtp_states[s->state].name;
}
