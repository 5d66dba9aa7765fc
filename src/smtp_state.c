/*
 * smtp_state.c - the engine's named states: one reply handler each, and
 * the transaction they build (MAIL with its extension parameters, RCPT,
 * DATA or BDAT).  The table at the end gives each state its name, the
 * stage and failure class its refusals report, and its handler.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "smtp.h"
#include "smtp_int.h"

static int
need_tls(const struct smtp *s)
{
	/* Opportunistic: only what the server offers; AUTH then stays
	 * limited to mechanisms that do not send the password as is. */
	return s->cfg->starttls && !s->tls_active &&
	    (s->caps.starttls || !s->cfg->starttls_optional);
}

static void
rcpt_send(struct smtp *s, size_t i)
{
	char *params = smtp_ext_rcpt_params(&s->caps, s->cfg->dsn_notify,
	    s->rcpts[i]);

	smtp_cmd(s, SMTP_S_RCPT, i, xasprintf("RCPT TO:<%s>%s", s->rcpts[i],
	    params), LOG_SHOW_ALL);
	free(params);
}

/* DATA, or under CHUNKING the whole message as one "BDAT n LAST". */
void
smtp_data_send(struct smtp *s)
{
	if (!s->caps.chunking) {
		smtp_cmd(s, SMTP_S_DATA, 0, xstrdup("DATA"), LOG_SHOW_ALL);
		return;
	}
	smtp_cmd(s, SMTP_S_BDAT, 0, xasprintf("BDAT %lld LAST", s->cfg->size),
	    LOG_SHOW_ALL);
	smtp_act_push(s, SMTP_ACT_CHUNK, NULL, LOG_SHOW_ALL);
}

/* Which address forms to send; 0, or -1 with the failure recorded. */
static int
choose_addrs(struct smtp *s)
{
	const struct smtp_config *cfg = s->cfg;
	int utf8 = cfg->utf8 && s->caps.smtputf8;

	s->from = cfg->from;
	s->rcpts = cfg->rcpts;
	if (utf8)
		return 0;
	if (cfg->downgrade_error != NULL) {
		smtp_fail_record(s, FAIL_DATA, STAGE_MAIL, NULL, "%s, and the "
		    "server does not offer SMTPUTF8", cfg->downgrade_error);
		return -1;
	}
	if (cfg->from_ascii != NULL)
		s->from = cfg->from_ascii;
	if (cfg->rcpts_ascii != NULL)
		s->rcpts = cfg->rcpts_ascii;
	return 0;
}

/* Hello: LHLO under LMTP (RFC 2033 4.1), else EHLO. */
static char *
hello_line(const struct smtp *s)
{
	return xasprintf("%s %s", s->cfg->lmtp ? "LHLO" : "EHLO",
	    s->cfg->helo_domain);
}

/* What the server must offer for this message; 0, or -1 with a failure. */
static int
mail_check(struct smtp *s)
{
	const struct smtp_config *cfg = s->cfg;

	if (s->caps.size_max > 0 && cfg->size > s->caps.size_max) {
		smtp_fail_record(s, FAIL_DATA, STAGE_NONE, NULL, "message "
		    "size %lld exceeds the server's limit of %lld bytes",
		    cfg->size, s->caps.size_max);
		return -1;
	}
	if (!s->caps.dsn && (cfg->dsn_notify != NULL ||
	    cfg->dsn_return != NULL || cfg->envid != NULL)) {
		smtp_fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL, "DSN was "
		    "asked for, but the server does not offer it");
		return -1;
	}
	/* RFC 8689: the promise only holds over a TLS-protected hop. */
	if (cfg->requiretls && !(s->tls_active && s->caps.requiretls)) {
		smtp_fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL,
		    "REQUIRETLS was asked for, but the server does not offer "
		    "it%s", s->tls_active ? "" : " (no TLS)");
		return -1;
	}
	return choose_addrs(s);
}

static void
mail_begin(struct smtp *s)
{
	const struct smtp_config *cfg = s->cfg;
	struct smtp_ext_mail m;
	char *params;
	size_t i;

	s->tx_begun = 1;
	if (mail_check(s) < 0)
		return;
	memset(&m, 0, sizeof(m));
	m.size = cfg->size;
	m.eightbit = cfg->eightbit;
	m.smtputf8 = cfg->utf8;
	m.dsn_return = cfg->dsn_return;
	m.envid = cfg->envid;
	m.requiretls = cfg->requiretls;
	params = smtp_ext_mail_params(&s->caps, &m);
	smtp_cmd(s, SMTP_S_MAIL, 0, xasprintf("MAIL FROM:<%s>%s", s->from,
	    params), LOG_SHOW_ALL);
	free(params);
	if (s->caps.pipelining) {
		for (i = 0; i < cfg->nrcpts; i++)
			rcpt_send(s, i);
		if (smtp_rcpt_data_pipelined(s))
			smtp_data_send(s);
	}
	smtp_queue_reads(s);
}

/* A dialogue without a transaction is over: --serverinfo, --rmqs. */
static void
quit_done(struct smtp *s)
{
	smtp_act_push(s, SMTP_ACT_SEND, xstrdup("QUIT"), LOG_SHOW_ALL);
	smtp_set_state(s, SMTP_S_DONE);
}

static void
etrn_begin(struct smtp *s)
{
	if (!s->caps.etrn)
		smtp_fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL, "server "
		    "does not support ETRN (remote message queue starting)");
	else
		smtp_cmd_read(s, SMTP_S_ETRN, xasprintf("ETRN %s",
		    s->cfg->etrn));
}

/* After EHLO, HELO or AUTH: the next thing the configuration asks for. */
void
smtp_proceed(struct smtp *s)
{
	if (need_tls(s) && !s->caps.starttls)
		smtp_fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL,
		    "server does not offer STARTTLS");
	else if (need_tls(s))
		smtp_cmd_read(s, SMTP_S_STARTTLS, xstrdup("STARTTLS"));
	else if (s->cfg->probe)
		quit_done(s);
	else if (s->cfg->auth && !s->authed && s->caps.auth == NULL)
		smtp_fail_record(s, FAIL_NOCAP, STAGE_NONE, NULL,
		    "server does not support authentication");
	else if (s->cfg->auth && !s->authed)
		smtp_wait_driver(s, SMTP_S_AUTH_BEGIN, SMTP_ACT_AUTH_BEGIN,
		    xstrdup(s->caps.auth), LOG_SHOW_ALL);
	else if (s->cfg->etrn != NULL)
		etrn_begin(s);
	else if (s->cfg->nrcpts == 0)
		smtp_fail_record(s, FAIL_SOFTWARE, STAGE_NONE, NULL,
		    "no recipients for the SMTP transaction");
	else
		mail_begin(s);
}

static void
st_greeting(struct smtp *s, const struct reply *r)
{
	reply_free(s->greeting);
	s->greeting = reply_dup(r);
	if (smtp_reply_ok(s, r, 2, NULL))
		smtp_cmd_read(s, SMTP_S_EHLO, hello_line(s));
}

static void
st_ehlo(struct smtp *s, const struct reply *r)
{
	if (reply_class(r) == 5 && !need_tls(s) && !s->cfg->auth &&
	    !s->cfg->lmtp)
		smtp_cmd_read(s, SMTP_S_HELO, xasprintf("HELO %s",
		    s->cfg->helo_domain));
	else if (reply_class(r) == 5)
		smtp_fail_record(s, FAIL_NOCAP, STAGE_EHLO, r, "%s refused%s",
		    s->cfg->lmtp ? "LHLO" : "EHLO", s->cfg->lmtp ? "" :
		    need_tls(s) ? ", so STARTTLS is impossible" :
		    ", so authentication is impossible");
	else if (smtp_reply_ok(s, r, 2, NULL)) {
		smtp_ext_caps_parse(&s->caps, r);
		smtp_proceed(s);
	}
}

static void
st_helo(struct smtp *s, const struct reply *r)
{
	if (smtp_reply_ok(s, r, 2, NULL)) {
		smtp_ext_caps_reset(&s->caps);
		smtp_proceed(s);
	}
}

static void
st_starttls(struct smtp *s, const struct reply *r)
{
	if (smtp_reply_ok(s, r, 2, NULL))
		smtp_wait_driver(s, SMTP_S_TLS, SMTP_ACT_STARTTLS, NULL,
		    LOG_SHOW_ALL);
}

static void
st_auth(struct smtp *s, const struct reply *r)
{
	if (r->code == 334) {
		smtp_wait_driver(s, SMTP_S_AUTH_STEP, SMTP_ACT_AUTH_STEP,
		    xstrdup(r->lines[0]), 0);
	} else if (smtp_reply_ok(s, r, 235, NULL)) {
		s->authed = 1;
		smtp_proceed(s);
	}
}

static void
st_mail(struct smtp *s, const struct reply *r)
{
	if (!smtp_reply_ok(s, r, 2, s->from))
		return;
	s->in_tx = 1;
	if (!s->caps.pipelining) {
		rcpt_send(s, 0);
		smtp_queue_reads(s);
	}
}

static void
st_rcpt(struct smtp *s, const struct reply *r)
{
	size_t i = s->rcpt;

	if (!smtp_rcpt_reply(s, r))
		return;
	if (i + 1 < s->cfg->nrcpts && !s->caps.pipelining)
		rcpt_send(s, i + 1);
	else if (i + 1 == s->cfg->nrcpts)
		smtp_rcpt_all_replied(s);
	smtp_queue_reads(s);
}

static void
st_data(struct smtp *s, const struct reply *r)
{
	if (!s->failed) {
		if (smtp_reply_ok(s, r, 354, NULL))
			smtp_wait_driver(s, SMTP_S_BODY, SMTP_ACT_BODY, NULL,
			    LOG_SHOW_ALL);
	} else if (reply_class(r) == 3) {
		/* A pipelined DATA went through after all: anything sent
		 * now (even QUIT) would be delivered, so drop the line. */
		smtp_fail_now(s, 0);
	}
}

/* Accepted: QUIT, unless the driver has another message to send. */
static void
tx_done(struct smtp *s)
{
	if (!s->cfg->keep_open)
		smtp_act_push(s, SMTP_ACT_SEND, xstrdup("QUIT"), LOG_SHOW_ALL);
	smtp_set_state(s, SMTP_S_DONE);
}

static void
st_dot(struct smtp *s, const struct reply *r)
{
	if (s->cfg->lmtp) {
		if (smtp_rcpt_lmtp_final(s, SMTP_S_DOT, r))
			tx_done(s);
		return;
	}
	/* Accepted or not, the transaction is over: nothing to RSET. */
	s->in_tx = 0;
	if (smtp_reply_ok(s, r, 2, NULL) && smtp_rcpt_finish(s))
		tx_done(s);
}

static void
st_bdat(struct smtp *s, const struct reply *r)
{
	/* After a refused MAIL or RCPT the server took the chunk and
	 * refused it too; the first refusal is the one that counts. */
	if (s->failed)
		return;
	if (s->cfg->lmtp) {
		if (smtp_rcpt_lmtp_final(s, SMTP_S_BDAT, r))
			tx_done(s);
	} else if (smtp_reply_ok(s, r, 2, NULL)) {
		s->in_tx = 0;
		if (smtp_rcpt_finish(s))
			tx_done(s);
	}
}

/* RSET before another message; without PIPELINING MAIL waits for it. */
static void
st_next(struct smtp *s, const struct reply *r)
{
	if (smtp_reply_ok(s, r, 2, NULL) && !s->caps.pipelining)
		smtp_proceed(s);
}

/* RFC 1985: 250, 251, 252 and 253 all mean the request was taken. */
static void
st_etrn(struct smtp *s, const struct reply *r)
{
	if (smtp_reply_ok(s, r, 2, NULL))
		quit_done(s);
}

const struct smtp_state_info smtp_states[SMTP_S_LAST] = {
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
	{ "BDAT", STAGE_BODY, FAIL_SMTP, "message refused", st_bdat },
	{ "ETRN", STAGE_NONE, FAIL_SMTP, "ETRN refused", st_etrn },
	/* Aborting: whatever RSET gets, QUIT follows. */
	{ "RSET", STAGE_NONE, FAIL_NONE, NULL, NULL },
	{ "NEXT", STAGE_MAIL, FAIL_SMTP, "RSET refused", st_next },
	{ "DONE", STAGE_NONE, FAIL_NONE, NULL, NULL },
	{ "FAIL", STAGE_NONE, FAIL_NONE, NULL, NULL },
};
