/*
 * session.c - one SMTP session: connect, wrap the connection in TLS, set
 * the engine up for each message, and collect what happened.  The
 * dialogue itself is session_run.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idn.h"
#include "iobuf.h"
#include "log.h"
#include "net.h"
#include "reply.h"
#include "sasl.h"
#include "session_int.h"
#include "smtp.h"
#include "tls.h"

static int
session_timeout_ms(const struct session *s)
{
	return s->acct->timeout_s * 1000;
}

int
session_tls_handshake(struct session *s, struct failure *f)
{
	struct tls_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.host = s->acct->tls_host_override != NULL ?
	    s->acct->tls_host_override : s->acct->host_ascii;
	opt.trust_file = s->acct->tls_trust_file;
	opt.certcheck = s->acct->tls_certcheck;
	opt.crl_file = s->acct->tls_crl_file;
	opt.cert_file = s->acct->tls_cert_file;
	opt.key_file = s->acct->tls_key_file;
	opt.priorities = s->acct->tls_priorities;
	opt.fingerprint = s->acct->tls_fingerprint;
	opt.pubkey_pin = s->acct->tls_pubkey_pin;
	opt.session_file = s->acct->tls_session_file;
	if (!opt.certcheck)
		log_warn("account %s: TLS certificate verification is off "
		    "(tls_certcheck off)", s->acct->name);
	s->tls = tls_new(&opt, f);
	if (s->tls == NULL)
		return -1;
	if (tls_handshake(s->tls, s->fd, session_timeout_ms(s), f) < 0)
		return -1;
	/* Bytes that arrived before the handshake are not protected. */
	if (iobuf_set_transport(s->io, tls_transport(s->tls)) > 0)
		log_debug("discarded data the server sent before TLS");
	log_debug("TLS session: %s", tls_summary(s->tls));
	return 0;
}

/* 1 if the header section of the spool holds a byte >= 0x80. */
static int
session_header_8bit(const struct message *msg)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;
	int i, nl = 0;

	while ((n = pread(msg->fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < n; i++) {
			if ((unsigned char)buf[i] >= 0x80)
				return 1;
			/* CRLF CRLF ends the header. */
			if (buf[i] == '\n' && ++nl == 2)
				return 0;
			if (buf[i] != '\r' && buf[i] != '\n')
				nl = 0;
		}
		off += n;
	}
	return 0;
}

/* The A-label forms of the envelope, for a server without SMTPUTF8. */
static void
session_ascii_addrs(struct session *s, const struct envelope *env)
{
	struct failure f;
	size_t i;

	failure_clear(&f);
	if (idn_addr_to_ascii(env->from, &s->from_ascii, &f) < 0)
		s->downgrade_error = xstrdup(f.text);
	s->rcpts_ascii = xcalloc(env->nrcpts + 1, sizeof(char *));
	for (i = 0; i < env->nrcpts && s->downgrade_error == NULL; i++)
		if (idn_addr_to_ascii(env->rcpts[i], &s->rcpts_ascii[i],
		    &f) < 0)
			s->downgrade_error = xstrdup(f.text);
}

static void
session_fill_config(struct smtp_config *cfg, struct session *s,
    const struct envelope *env)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->helo_domain = s->acct->domain;
	cfg->tls_active = s->tls != NULL;
	cfg->starttls = (s->acct->tls || s->acct->tls_opportunistic) &&
	    s->acct->tls_starttls;
	cfg->starttls_optional = s->acct->tls_opportunistic;
	cfg->auth = s->acct->auth != ACCOUNT_AUTH_OFF;
	cfg->from = env->from;
	cfg->rcpts = env->rcpts;
	cfg->nrcpts = env->nrcpts;
	cfg->eightbit = env->eightbit;
	cfg->size = (long long)s->msg->size;
	cfg->dsn_notify = env->dsn_notify;
	cfg->dsn_return = env->dsn_return;
	cfg->envid = env->envid;
	cfg->partial = s->acct->partial_delivery;
	cfg->lmtp = s->acct->lmtp;
	cfg->requiretls = s->acct->requiretls;
	cfg->utf8 = env->smtputf8 || session_header_8bit(s->msg);
	if (env->smtputf8) {
		session_ascii_addrs(s, env);
		cfg->from_ascii = s->from_ascii;
		cfg->rcpts_ascii = s->downgrade_error ? NULL : s->rcpts_ascii;
		cfg->downgrade_error = s->downgrade_error;
	}
}

/* Which recipients took the message; each refusal on a line of its own. */
static void
session_report_rcpts(struct session *s, struct session_report *rep)
{
	const char *err;
	size_t i, n = s->cfg.nrcpts;

	if (s->smtp == NULL || n == 0)
		return;
	rep->accepted = xcalloc(n, 1);
	rep->naccepted = n;
	for (i = 0; i < n; i++) {
		rep->accepted[i] = (unsigned char)smtp_rcpt_accepted(s->smtp,
		    i);
		if ((err = smtp_rcpt_error(s->smtp, i)) != NULL)
			log_error("%s: %s", s->acct->host, err);
	}
}

static void
session_report(struct session *s, struct session_report *rep, int rc)
{
	const struct reply *last = s->smtp ? smtp_last_reply(s->smtp) : NULL;

	rep->tls = s->tls != NULL;
	rep->auth = s->acct->auth != ACCOUNT_AUTH_OFF;
	if (s->tls != NULL)
		rep->tls_summary = xstrdup(tls_summary(s->tls));
	if (last != NULL) {
		rep->last_reply = reply_summary(last);
		snprintf(rep->status, sizeof(rep->status), "%d%s%s",
		    last->code, last->estatus[0] != '\0' ? " " : "",
		    last->estatus);
	}
	if (rc < 0 && rep->fail.cls == FAIL_NONE)
		failure_set(&rep->fail, FAIL_SOFTWARE, "session failed "
		    "without a reason");
	session_report_rcpts(s, rep);
}

/* The addresses session_ascii_addrs() made for the last message. */
static void
session_addrs_clear(struct session *s)
{
	size_t i;

	free(s->from_ascii);
	for (i = 0; s->rcpts_ascii != NULL && s->rcpts_ascii[i] != NULL; i++)
		free(s->rcpts_ascii[i]);
	free(s->rcpts_ascii);
	free(s->downgrade_error);
	s->from_ascii = s->downgrade_error = NULL;
	s->rcpts_ascii = NULL;
}

/* Not connected; keep_open: several messages (session_new). */
static void
session_init(struct session *s, const struct account *acct, int keep_open)
{
	memset(s, 0, sizeof(*s));
	s->acct = acct;
	s->keep_open = keep_open;
	s->fd = -1;
}

/* The overall limit is per message, not per connection. */
static void
session_start_clock(struct session *s)
{
	iobuf_set_deadline(s->io, util_now_ms() +
	    (long long)SESSION_DEADLINE_STEPS * session_timeout_ms(s));
}

static void
session_close(struct session *s)
{
	if (s->tls != NULL)
		tls_bye(s->tls);
	if (s->fd >= 0)
		close(s->fd);
	smtp_free(s->smtp);
	reply_reader_free(s->rd);
	sasl_free(s->sasl);
	secret_free(s->password);
	iobuf_free(s->io);
	tls_free(s->tls);
	session_addrs_clear(s);
}

/* Connect; -1 with s->fd < 0 when no connection was made at all. */
static int
session_connect(struct session *s, struct failure *f)
{
	struct net_target t = { s->acct->host_ascii, s->acct->port,
		s->acct->source_ip, s->acct->socket_path, s->acct->proxy_host,
		s->acct->proxy_port, session_timeout_ms(s) };

	s->fd = net_connect(&t, f);
	if (s->fd < 0)
		return -1;
	iobuf_fd_transport(&s->plain, s->fd);
	s->io = iobuf_new(&s->plain, session_timeout_ms(s));
	s->rd = reply_reader_new();
	if (s->acct->tls && !s->acct->tls_starttls &&
	    session_tls_handshake(s, f) < 0)
		return -1;
	return 0;
}

/* Forget the connection (and the last message's addresses). */
static void
session_drop(struct session *s)
{
	const struct account *acct = s->acct;
	int keep_open = s->keep_open;

	session_close(s);
	session_init(s, acct, keep_open);
}

/* One message over the open connection, or over a new one. */
static int
session_message(struct session *s, const struct envelope *env,
    const struct message *msg, struct session_report *rep)
{
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	if (s->smtp != NULL && !smtp_reusable(s->smtp))
		session_drop(s);
	if (s->smtp == NULL && s->fd < 0 &&
	    session_connect(s, &rep->fail) < 0 && s->fd < 0)
		return -1;
	if (rep->fail.cls != FAIL_NONE)
		goto out;
	session_addrs_clear(s);
	s->msg = msg;
	session_fill_config(&s->cfg, s, env);
	s->cfg.keep_open = s->keep_open;
	session_start_clock(s);
	if (s->smtp == NULL)
		s->smtp = smtp_new(&s->cfg);
	else
		smtp_next_message(s->smtp, &s->cfg);
	rc = session_run(s, &rep->fail);
out:
	/* Name the server once, unless the text already does. */
	if (rc < 0 && strstr(rep->fail.text, s->acct->host) == NULL)
		failure_prefix(&rep->fail, "%s", s->acct->host);
	session_report(s, rep, rc);
	return rc;
}

int
session_deliver(const struct account *acct, const struct envelope *env,
    const struct message *msg, struct session_report *rep)
{
	struct session s;
	int rc;

	session_init(&s, acct, 0);
	rc = session_message(&s, env, msg, rep);
	session_close(&s);
	return rc;
}

struct session *
session_new(const struct account *acct)
{
	struct session *s = xmalloc(sizeof(*s));

	session_init(s, acct, 1);
	return s;
}

int
session_send_message(struct session *s, const struct envelope *env,
    const struct message *msg, struct session_report *rep)
{
	int rc = session_message(s, env, msg, rep);

	if (rc < 0 && (s->smtp == NULL || !smtp_reusable(s->smtp)))
		session_drop(s);
	return rc;
}

void
session_free(struct session *s)
{
	struct failure f;

	if (s == NULL)
		return;
	if (s->smtp != NULL && smtp_reusable(s->smtp)) {
		/* Its 221 is not worth a wait, as after a single message. */
		log_proto(LOG_DIR_OUT, "QUIT", 4, LOG_SHOW_ALL);
		if (iobuf_write(s->io, "QUIT\r\n", 6, &f) == 0)
			(void)iobuf_flush(s->io, &f);
	}
	session_close(s);
	free(s);
}

int
session_dialogue(const struct account *acct, const struct smtp_config *cfg,
    session_done_fn *done, void *arg, struct failure *f)
{
	struct session s;
	int rc = -1;

	session_init(&s, acct, 0);
	if (session_connect(&s, f) == 0) {
		s.cfg = *cfg;
		s.cfg.tls_active = s.tls != NULL;
		session_start_clock(&s);
		s.smtp = smtp_new(&s.cfg);
		rc = session_run(&s, f);
	}
	done(arg, s.smtp, s.tls);
	session_close(&s);
	return rc;
}

void
session_report_clear(struct session_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->last_reply);
	free(rep->tls_summary);
	free(rep->accepted);
	memset(rep, 0, sizeof(*rep));
}
