/*
 * session_run.c - the dialogue: carry the engine's commands out and the
 * server's replies in, run TLS and SASL when the engine asks, and stream
 * the body.
 *
 * The engine decides what to say; this file only moves bytes and runs the
 * libraries the engine must not see.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"
#include "log.h"
#include "net.h"
#include "reply.h"
#include "sasl.h"
#include "session_int.h"
#include "smtp.h"
#include "tls.h"

/* RFC 5321 4.5.3.1.6: a line is at most 998 octets without its CRLF. */
#define SESSION_LINE_MAX 998

static void
session_send(struct session *s, const struct smtp_action *act)
{
	struct failure f;
	size_t len = strlen(act->text);

	/* A new flight while replies are unread: the server said more than
	 * it was asked, and a reply could be taken for another's. */
	if (iobuf_input_pending(s->io) > 0 && strcmp(act->text, "QUIT") != 0) {
		failure_set(&f, FAIL_PROTOCOL, "the server sent data nobody "
		    "asked for");
		smtp_on_io_error(s->smtp, &f);
		return;
	}
	log_proto(LOG_DIR_OUT, act->text, len, act->hide_from);
	if (iobuf_write(s->io, act->text, len, &f) < 0 ||
	    iobuf_write(s->io, "\r\n", 2, &f) < 0)
		smtp_on_io_error(s->smtp, &f);
}

static size_t
session_in_hide(const struct session *s, const char *line, size_t len)
{
	/* Only challenges are secret; error replies stay readable. */
	if (len >= 3 && memcmp(line, "334", 3) == 0)
		return smtp_reply_hide_from(s->smtp);
	return LOG_SHOW_ALL;
}

static void
session_read(struct session *s)
{
	struct failure f;
	struct reply *r = NULL;
	enum reply_status st = REPLY_MORE;
	const char *line;
	size_t len;

	if (iobuf_flush(s->io, &f) < 0) {
		smtp_on_io_error(s->smtp, &f);
		return;
	}
	net_quickack(s->fd);
	while (st == REPLY_MORE) {
		if (iobuf_read_line(s->io, REPLY_LINE_MAX, &line, &len,
		    &f) < 0) {
			smtp_on_io_error(s->smtp, &f);
			return;
		}
		log_proto(LOG_DIR_IN, line, len, session_in_hide(s, line,
		    len));
		st = reply_reader_push(s->rd, line, len, &r, &f);
	}
	if (st == REPLY_BAD) {
		smtp_on_io_error(s->smtp, &f);
		return;
	}
	smtp_on_reply(s->smtp, r);
	reply_free(r);
}

static void
session_starttls(struct session *s)
{
	struct failure f;

	if (session_tls_handshake(s, &f) < 0)
		smtp_on_tls(s->smtp, 0, &f);
	else
		smtp_on_tls(s->smtp, 1, NULL);
}

static void
session_wipe(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
session_auth_begin(struct session *s, const char *offered)
{
	struct sasl_options opt;
	struct failure f;
	const char *mech = NULL;
	char *initial = NULL, *cb = NULL;

	failure_clear(&f);
	if (s->acct->password.kind != SECRET_NONE && s->password == NULL)
		s->password = secret_fetch(&s->acct->password, &f);
	memset(&opt, 0, sizeof(opt));
	opt.user = s->acct->user;
	opt.password = s->password;
	opt.host = s->acct->host_ascii;
	opt.mech = s->acct->auth == ACCOUNT_AUTH_MECH ?
	    s->acct->auth_mech : NULL;
	opt.tls_active = s->tls != NULL;
	opt.allow_clear = s->acct->auth_without_tls;
	opt.port = s->acct->port;
	opt.ntlm_domain = s->acct->ntlm_domain;
	if (s->tls != NULL && tls_channel_binding(s->tls, &opt.cb_type,
	    &cb) == 0)
		opt.cb_data = cb;
	if (f.cls == FAIL_NONE)
		s->sasl = sasl_begin(&opt, offered, &mech, &initial, &f);
	free(cb);
	if (s->sasl != NULL)
		log_debug("authenticating with %s", mech);
	smtp_on_auth_begin(s->smtp, s->sasl != NULL ? mech : NULL, initial,
	    &f);
	session_wipe(initial);
}

static void
session_auth_step(struct session *s, const char *challenge)
{
	struct failure f;
	char *response = NULL;

	failure_clear(&f);
	if (sasl_step(s->sasl, challenge, &response, &f) == SASL_FAIL) {
		smtp_on_auth_step(s->smtp, NULL, &f);
		return;
	}
	smtp_on_auth_step(s->smtp, response, NULL);
	session_wipe(response);
}

/* Send the spool dot-stuffed (DATA) or unchanged (BDAT, raw set). */
static void
session_body(struct session *s, int raw)
{
	struct failure f;
	long long start = util_now_ms(), end = iobuf_deadline(s->io);
	int rc;

	if (s->msg->eightbit && !smtp_caps(s->smtp)->eightbitmime)
		log_warn("the message has 8-bit data and the server does not "
		    "offer 8BITMIME; sending it unchanged");
	log_debug("sending the message (%lld bytes, %s)",
	    (long long)s->msg->size, raw ? "BDAT" : "dot-stuffed");
	failure_clear(&f);
	if (lseek(s->msg->fd, 0, SEEK_SET) < 0) {
		failure_set(&f, FAIL_IO, "cannot rewind the spool: %s",
		    strerror(errno));
		rc = -1;
	} else if (raw) {
		rc = iobuf_write_raw_body(s->io, s->msg->fd, s->msg->size, &f);
	} else {
		rc = iobuf_write_body(s->io, s->msg->fd, s->msg->size, &f);
	}
	/* The overall limit is for the dialogue, not for a big body. */
	iobuf_set_deadline(s->io, end + (util_now_ms() - start));
	if (rc < 0) {
		smtp_on_io_error(s->smtp, &f);
		return;
	}
	if (iobuf_longest_line(s->io) > SESSION_LINE_MAX)
		log_warn("the message has a line of %zu octets (SMTP allows "
		    "%d); sent unchanged", iobuf_longest_line(s->io),
		    SESSION_LINE_MAX);
	if (!raw)
		log_proto(LOG_DIR_OUT, ".", 1, LOG_SHOW_ALL);
	smtp_on_body_sent(s->smtp);
}

int
session_run(struct session *s, struct failure *f)
{
	struct smtp_action act;
	struct failure ignored;

	for (;;) {
		smtp_next(s->smtp, &act);
		switch (act.type) {
		case SMTP_ACT_SEND:
			session_send(s, &act);
			break;
		case SMTP_ACT_READ:
			session_read(s);
			break;
		case SMTP_ACT_STARTTLS:
			session_starttls(s);
			break;
		case SMTP_ACT_AUTH_BEGIN:
			session_auth_begin(s, act.text);
			break;
		case SMTP_ACT_AUTH_STEP:
			session_auth_step(s, act.text);
			break;
		case SMTP_ACT_BODY:
		case SMTP_ACT_CHUNK:
			session_body(s, act.type == SMTP_ACT_CHUNK);
			break;
		case SMTP_ACT_DONE:
			/* QUIT goes out; its 221 is not worth a wait. */
			(void)iobuf_flush(s->io, &ignored);
			return 0;
		default:
			(void)iobuf_flush(s->io, &ignored);
			*f = *smtp_failure(s->smtp);
			return -1;
		}
	}
}
