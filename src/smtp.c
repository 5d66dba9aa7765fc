/*
 * smtp.c - the ESMTP client engine.  A pure state machine: server replies
 * and the driver's TLS and SASL outcomes go in, actions come out.  Every
 * state is named in one table; a state that waits for a reply has one
 * handler; the state changes in smtp_set_state() only.  Commands sent
 * together (PIPELINING) leave their expected replies in a FIFO, and each
 * reply is handled by the state of the command it answers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "smtp.h"

#define SASL_MECH_MAX 20	/* RFC 4422 */
#define MECH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789-_"

enum smtp_state {
	SMTP_S_GREETING,	/* reply: the server's greeting */
	SMTP_S_EHLO,		/* reply: EHLO */
	SMTP_S_HELO,		/* reply: HELO, after EHLO was refused */
	SMTP_S_STARTTLS,	/* reply: STARTTLS */
	SMTP_S_TLS,		/* driver: TLS handshake */
	SMTP_S_AUTH_BEGIN,	/* driver: choose a SASL mechanism */
	SMTP_S_AUTH,		/* reply: AUTH or a SASL response */
	SMTP_S_AUTH_STEP,	/* driver: answer a challenge */
	SMTP_S_AUTH_CANCEL,	/* reply: "*" */
	SMTP_S_MAIL,		/* reply: MAIL FROM */
	SMTP_S_RCPT,		/* reply: RCPT TO */
	SMTP_S_DATA,		/* reply: DATA */
	SMTP_S_BODY,		/* driver: send the body */
	SMTP_S_DOT,		/* reply: the final dot */
	SMTP_S_DONE,
	SMTP_S_FAIL,
	SMTP_S_LAST
};

struct smtp;

/* Name, stage for result.c, class and words of a refusal, reply handler. */
struct smtp_state_info {
	const char *name;
	enum smtp_stage stage;
	enum fail_class cls;
	const char *refused;
	void (*reply)(struct smtp *, const struct reply *);
};
static const struct smtp_state_info smtp_states[SMTP_S_LAST];

struct smtp_act {
	enum smtp_action_type type;
	char *text;
	size_t hide_from;
	struct smtp_act *next;
};

/* A reply the server owes us, and the command it answers. */
struct smtp_expect {
	enum smtp_state state;
	size_t rcpt;
};

struct smtp {
	const struct smtp_config *cfg;
	enum smtp_state state;
	enum smtp_state prev;		/* the state before the last change */
	struct smtp_act *head, *tail;	/* actions not yet handed out */
	struct smtp_act *cur;		/* the one handed out last */
	enum smtp_action_type wait;	/* answer the driver owes, or LAST */
	struct smtp_expect *exp;	/* exp[exp_head..exp_len) */
	size_t exp_head, exp_len, exp_cap;
	size_t unread;			/* expectations without a READ */
	size_t rcpt;			/* the recipient a reply is about */
	struct smtp_caps caps;
	int tls_active, authed;
	int failed;			/* fail holds the first failure */
	struct failure fail;
	struct reply *last;
	int *rcpt_codes;
};

static void smtp_proceed(struct smtp *);

static void
smtp_set_state(struct smtp *s, enum smtp_state st)
{
	if (s->state == st)
		return;
	s->prev = s->state;
	s->state = st;
}

static int
smtp_terminal(const struct smtp *s)
{
	return s->state == SMTP_S_DONE || s->state == SMTP_S_FAIL;
}

/* Queue an action; text is taken over.  A finished engine adds nothing. */
static void
act_push(struct smtp *s, enum smtp_action_type type, char *text,
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

static void
expect_push(struct smtp *s, enum smtp_state st, size_t rcpt)
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
static void
queue_reads(struct smtp *s)
{
	for (; s->unread > 0; s->unread--)
		act_push(s, SMTP_ACT_READ, NULL, LOG_SHOW_ALL);
}

/* Record the first failure; later ones are consequences of it. */
static void __attribute__((format(printf, 5, 6)))
fail_record(struct smtp *s, enum fail_class cls, enum smtp_stage stage,
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
		fail_record(s, cls, smtp_states[s->state].stage, NULL,
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
static void
fail_now(struct smtp *s, int quit)
{
	act_clear(s);
	s->exp_head = s->exp_len = s->unread = 0;
	s->wait = SMTP_ACT_LAST;
	if (quit)
		act_push(s, SMTP_ACT_SEND, xstrdup("QUIT"), LOG_SHOW_ALL);
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
	fail_record(s, FAIL_PROTOCOL, smtp_states[s->state].stage, r,
	    "unexpected reply in SMTP state %s", smtp_states[s->state].name);
	fail_now(s, quit);
}

/* 1 if r is the wanted class or code; else record a refusal or abort. */
static int
reply_ok(struct smtp *s, const struct reply *r, int ok, const char *who)
{
	const struct smtp_state_info *si = &smtp_states[s->state];

	if (ok < 10 ? reply_class(r) == ok : r->code == ok)
		return 1;
	if (reply_class(r) < 4)
		protocol(s, r);
	else if (who != NULL)
		fail_record(s, si->cls, si->stage, r, "%s <%s> refused",
		    si->refused, who);
	else
		fail_record(s, si->cls, si->stage, r, "%s", si->refused);
	return 0;
}

/* Queue a command line (taken over) whose reply goes to state st. */
static void
cmd(struct smtp *s, enum smtp_state st, size_t rcpt, char *line,
    size_t hide_from)
{
	if (strpbrk(line, "\r\n") != NULL) {
		/* Never echo the line: it may hold a secret. */
		explicit_bzero(line, strlen(line));
		free(line);
		fail_record(s, FAIL_SOFTWARE, smtp_states[st].stage, NULL,
		    "refusing to send a line break in SMTP state %s",
		    smtp_states[st].name);
		fail_now(s, 1);
		return;
	}
	act_push(s, SMTP_ACT_SEND, line, hide_from);
	expect_push(s, st, rcpt);
}

static void
cmd_read(struct smtp *s, enum smtp_state st, char *line)
{
	cmd(s, st, 0, line, LOG_SHOW_ALL);
	queue_reads(s);
}

/* Enter a state that waits for the driver, not for the server. */
static void
wait_driver(struct smtp *s, enum smtp_state st, enum smtp_action_type type,
    char *text, size_t hide_from)
{
	smtp_set_state(s, st);
	act_push(s, type, text, hide_from);
}

static void
caps_reset(struct smtp_caps *c)
{
	free(c->auth);
	memset(c, 0, sizeof(*c));
}

/* Merge a list of mechanisms into c->auth: upper case, no duplicates. */
static void
caps_auth(struct smtp_caps *c, const char *p)
{
	char m[SASL_MECH_MAX + 3], *old;
	size_t len, i;

	for (; *(p += strspn(p, " \t")) != '\0'; p += len) {
		len = strcspn(p, " \t");
		if (len > SASL_MECH_MAX || strspn(p, MECH_CHARS) < len)
			continue;
		m[0] = ' ';
		for (i = 0; i < len; i++)
			m[i + 1] = p[i] >= 'a' && p[i] <= 'z' ?
			    p[i] - 'a' + 'A' : p[i];
		m[len + 1] = ' ';
		m[len + 2] = '\0';
		/* c->auth is kept with a space at both ends until done. */
		if (c->auth != NULL && strstr(c->auth, m) != NULL)
			continue;
		old = c->auth;
		c->auth = xasprintf("%s%s", old ? old : " ", m + 1);
		free(old);
	}
}

static const struct {
	const char *name;
	size_t off;
} cap_flags[] = {
	{ "PIPELINING", offsetof(struct smtp_caps, pipelining) },
	{ "STARTTLS", offsetof(struct smtp_caps, starttls) },
	{ "8BITMIME", offsetof(struct smtp_caps, eightbitmime) },
	{ "SMTPUTF8", offsetof(struct smtp_caps, smtputf8) },
	{ "CHUNKING", offsetof(struct smtp_caps, chunking) },
	{ "DSN", offsetof(struct smtp_caps, dsn) },
	{ "ENHANCEDSTATUSCODES",
	    offsetof(struct smtp_caps, enhancedstatuscodes) },
};

/* One EHLO line: a keyword, then its parameters. */
static void
caps_line(struct smtp_caps *c, const char *line)
{
	size_t len = strcspn(line, " \t"), i;
	long long v;
	char *end;

	for (i = 0; i < UTIL_ARRAY_LEN(cap_flags); i++)
		if (strlen(cap_flags[i].name) == len &&
		    strncasecmp(line, cap_flags[i].name, len) == 0)
			*(int *)(void *)((char *)c + cap_flags[i].off) = 1;
	/* "AUTH=LOGIN PLAIN" is the pre-standard form of the keyword. */
	if (len > 5 && strncasecmp(line, "AUTH=", 5) == 0) {
		caps_auth(c, line + 5);
	} else if (len == 4 && strncasecmp(line, "AUTH", 4) == 0) {
		caps_auth(c, line + 4);
	} else if (len == 4 && strncasecmp(line, "SIZE", 4) == 0) {
		/* RFC 1870: no number, or 0, means no fixed limit. */
		c->size = 1;
		v = strtoll(line + 4, &end, 10);
		if (v > 0 && (*end == '\0' || *end == ' '))
			c->size_max = v;
	}
}

static void
caps_parse(struct smtp_caps *c, const struct reply *r)
{
	size_t i, len;

	caps_reset(c);
	c->esmtp = 1;
	for (i = 1; i < r->nlines; i++)
		caps_line(c, r->lines[i]);
	if (c->auth != NULL) {
		/* Drop the spaces that made the duplicate check simple. */
		len = strlen(c->auth);
		memmove(c->auth, c->auth + 1, len - 2);
		c->auth[len - 2] = '\0';
	}
}

static int
need_tls(const struct smtp *s)
{
	return s->cfg->starttls && !s->tls_active;
}

static void
rcpt_send(struct smtp *s, size_t i)
{
	cmd(s, SMTP_S_RCPT, i, xasprintf("RCPT TO:<%s>", s->cfg->rcpts[i]),
	    LOG_SHOW_ALL);
}

static void
mail_begin(struct smtp *s)
{
	const struct smtp_config *cfg = s->cfg;
	char size[40] = "";
	size_t i;

	if (s->caps.size_max > 0 && cfg->size > s->caps.size_max) {
		fail_record(s, FAIL_DATA, STAGE_NONE, NULL, "message size %lld "
		    "exceeds the server's limit of %lld bytes", cfg->size,
		    s->caps.size_max);
		return;
	}
	if (s->caps.size && cfg->size > 0)
		snprintf(size, sizeof(size), " SIZE=%lld", cfg->size);
	cmd(s, SMTP_S_MAIL, 0, xasprintf("MAIL FROM:<%s>%s%s", cfg->from,
	    size, cfg->eightbit && s->caps.eightbitmime ?
	    " BODY=8BITMIME" : ""), LOG_SHOW_ALL);
	if (s->caps.pipelining) {
		for (i = 0; i < cfg->nrcpts; i++)
			rcpt_send(s, i);
		if (cfg->nrcpts == 1)
			cmd(s, SMTP_S_DATA, 0, xstrdup("DATA"), LOG_SHOW_ALL);
	}
	queue_reads(s);
}

/* After EHLO, HELO or AUTH: the next thing the configuration asks for. */
static void
smtp_proceed(struct smtp *s)
{
	if (need_tls(s) && !s->caps.starttls)
		fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL,
		    "server does not offer STARTTLS");
	else if (need_tls(s))
		cmd_read(s, SMTP_S_STARTTLS, xstrdup("STARTTLS"));
	else if (s->cfg->auth && !s->authed && s->caps.auth == NULL)
		fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL,
		    "server does not support authentication");
	else if (s->cfg->auth && !s->authed)
		wait_driver(s, SMTP_S_AUTH_BEGIN, SMTP_ACT_AUTH_BEGIN,
		    xstrdup(s->caps.auth), LOG_SHOW_ALL);
	else if (s->cfg->nrcpts == 0)
		fail_record(s, FAIL_SOFTWARE, STAGE_NONE, NULL,
		    "no recipients for the SMTP transaction");
	else
		mail_begin(s);
}

static void
st_greeting(struct smtp *s, const struct reply *r)
{
	if (reply_ok(s, r, 2, NULL))
		cmd_read(s, SMTP_S_EHLO, xasprintf("EHLO %s",
		    s->cfg->helo_domain));
}

static void
st_ehlo(struct smtp *s, const struct reply *r)
{
	if (reply_class(r) == 5 && !need_tls(s) && !s->cfg->auth)
		cmd_read(s, SMTP_S_HELO, xasprintf("HELO %s",
		    s->cfg->helo_domain));
	else if (reply_class(r) == 5)
		fail_record(s, FAIL_NOCAP, STAGE_EHLO, r, "EHLO refused, so "
		    "%s is impossible", need_tls(s) ? "STARTTLS" :
		    "authentication");
	else if (reply_ok(s, r, 2, NULL)) {
		caps_parse(&s->caps, r);
		smtp_proceed(s);
	}
}

static void
st_helo(struct smtp *s, const struct reply *r)
{
	if (reply_ok(s, r, 2, NULL)) {
		caps_reset(&s->caps);
		smtp_proceed(s);
	}
}

static void
st_starttls(struct smtp *s, const struct reply *r)
{
	if (reply_ok(s, r, 2, NULL))
		wait_driver(s, SMTP_S_TLS, SMTP_ACT_STARTTLS, NULL,
		    LOG_SHOW_ALL);
}

static void
st_auth(struct smtp *s, const struct reply *r)
{
	if (r->code == 334) {
		wait_driver(s, SMTP_S_AUTH_STEP, SMTP_ACT_AUTH_STEP,
		    xstrdup(r->lines[0]), 0);
	} else if (reply_ok(s, r, 235, NULL)) {
		s->authed = 1;
		smtp_proceed(s);
	}
}

static void
st_mail(struct smtp *s, const struct reply *r)
{
	if (reply_ok(s, r, 2, s->cfg->from) && !s->caps.pipelining) {
		rcpt_send(s, 0);
		queue_reads(s);
	}
}

static void
st_rcpt(struct smtp *s, const struct reply *r)
{
	size_t i = s->rcpt;

	s->rcpt_codes[i] = r->code;
	/* All or nothing: after any refusal DATA is never sent. */
	if (!reply_ok(s, r, 2, s->cfg->rcpts[i]) || s->failed)
		return;
	if (i + 1 < s->cfg->nrcpts && !s->caps.pipelining)
		rcpt_send(s, i + 1);
	else if (i + 1 == s->cfg->nrcpts &&
	    !(s->caps.pipelining && s->cfg->nrcpts == 1))
		cmd(s, SMTP_S_DATA, 0, xstrdup("DATA"), LOG_SHOW_ALL);
	queue_reads(s);
}

static void
st_data(struct smtp *s, const struct reply *r)
{
	if (!s->failed) {
		if (reply_ok(s, r, 354, NULL))
			wait_driver(s, SMTP_S_BODY, SMTP_ACT_BODY, NULL,
			    LOG_SHOW_ALL);
	} else if (reply_class(r) == 3) {
		/* A pipelined DATA went through after all: anything sent
		 * now (even QUIT) would be delivered, so drop the line. */
		fail_now(s, 0);
	}
}

static void
st_dot(struct smtp *s, const struct reply *r)
{
	if (reply_ok(s, r, 2, NULL)) {
		act_push(s, SMTP_ACT_SEND, xstrdup("QUIT"), LOG_SHOW_ALL);
		smtp_set_state(s, SMTP_S_DONE);
	}
}

static const struct smtp_state_info smtp_states[SMTP_S_LAST] = {
	{ "GREETING", STAGE_GREETING, FAIL_SMTP,
	    "server refused the session", st_greeting },
	{ "EHLO", STAGE_EHLO, FAIL_SMTP, "EHLO refused", st_ehlo },
	{ "HELO", STAGE_EHLO, FAIL_SMTP, "HELO refused", st_helo },
	{ "STARTTLS", STAGE_STARTTLS, FAIL_SMTP, "STARTTLS refused",
	    st_starttls },
	{ "TLS", STAGE_STARTTLS, FAIL_TLS, NULL, NULL },
	{ "AUTH_BEGIN", STAGE_AUTH, FAIL_AUTH, NULL, NULL },
	{ "AUTH", STAGE_AUTH, FAIL_AUTH, "authentication failed", st_auth },
	{ "AUTH_STEP", STAGE_AUTH, FAIL_AUTH, NULL, NULL },
	/* The failure was recorded on cancelling; any reply will do. */
	{ "AUTH_CANCEL", STAGE_AUTH, FAIL_AUTH, NULL, NULL },
	{ "MAIL", STAGE_MAIL, FAIL_SMTP, "sender", st_mail },
	{ "RCPT", STAGE_RCPT, FAIL_SMTP, "recipient", st_rcpt },
	{ "DATA", STAGE_DATA, FAIL_SMTP, "DATA refused", st_data },
	{ "BODY", STAGE_BODY, FAIL_SMTP, NULL, NULL },
	{ "DOT", STAGE_BODY, FAIL_SMTP, "message refused", st_dot },
	{ "DONE", STAGE_NONE, FAIL_NONE, NULL, NULL },
	{ "FAIL", STAGE_NONE, FAIL_NONE, NULL, NULL },
};

/* After each event: QUIT once a failure has no reply left to wait for. */
static void
smtp_settle(struct smtp *s)
{
	if (smtp_terminal(s))
		return;
	if (s->exp_head < s->exp_len)
		smtp_set_state(s, s->exp[s->exp_head].state);
	else if (s->failed)
		fail_now(s, 1);
	else
		s->exp_head = s->exp_len = 0;
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
	fail_record(s, FAIL_SOFTWARE, STAGE_NONE, NULL, "SMTP driver out "
	    "of step in state %s", smtp_states[s->state].name);
	fail_now(s, 0);
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
	expect_push(s, SMTP_S_GREETING, 0);
	queue_reads(s);
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
	caps_reset(&s->caps);
	reply_free(s->last);
	free(s->rcpt_codes);
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
	/* RFC 3207: forget everything learnt before TLS. */
	caps_reset(&s->caps);
	s->tls_active = 1;
	cmd_read(s, SMTP_S_EHLO, xasprintf("EHLO %s", s->cfg->helo_domain));
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
		cmd_read(s, SMTP_S_AUTH, xasprintf("AUTH %s", mech));
	else {
		/* Hide from just after "AUTH MECH ". */
		cmd(s, SMTP_S_AUTH, 0, xasprintf("AUTH %s %s", mech,
		    *initial != '\0' ? initial : "="), strlen(mech) + 6);
		queue_reads(s);
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
		cmd(s, SMTP_S_AUTH_CANCEL, 0, xstrdup("*"), LOG_SHOW_ALL);
	} else {
		cmd(s, SMTP_S_AUTH, 0, xstrdup(response), 0);
	}
	queue_reads(s);
	smtp_settle(s);
}

void
smtp_on_body_sent(struct smtp *s)
{
	if (!answer_ok(s, SMTP_ACT_BODY, 1))
		return;
	expect_push(s, SMTP_S_DOT, 0);
	queue_reads(s);
	smtp_settle(s);
}

void
smtp_on_io_error(struct smtp *s, const struct failure *f)
{
	if (smtp_terminal(s))
		return;
	fail_copy(s, f, s->state == SMTP_S_TLS ? FAIL_TLS : FAIL_NET_TEMP);
	fail_now(s, 0);
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
smtp_rcpt_code(const struct smtp *s, size_t i)
{
	return i < s->cfg->nrcpts ? s->rcpt_codes[i] : 0;
}

const char *
smtp_state_name(const struct smtp *s)
{
	return smtp_states[s->state].name;
}
