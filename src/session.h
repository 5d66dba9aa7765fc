/*
 * session.h - one SMTP session that delivers one message.
 *
 * Contract: the only module that sees the engine (smtp.c), the transport
 * (net.c, tls.c, iobuf.c) and SASL together.  It connects, carries lines
 * between the iobuf and the engine, runs TLS and SASL when the engine asks,
 * streams the body, and reports what happened.  It never exits and never
 * decides exit codes (result.c does).
 */
#ifndef POSTIE_SESSION_H
#define POSTIE_SESSION_H

#include "account.h"
#include "envelope.h"
#include "message.h"
#include "util.h"

struct session_report {
	struct failure fail;		/* cls FAIL_NONE when delivered */
	char *last_reply;		/* last server reply, or NULL */
	/* Its code and enhanced status code for the log line's smtpstatus:
	 * "550 5.1.1", "250", or "" when there was no reply. */
	char status[24];
	int tls;			/* TLS was in use */
	int auth;			/* authenticated */
	char *tls_summary;		/* or NULL */
	/* Per recipient of the envelope: 1 if it took the message (all of
	 * them on success; some under partial delivery or LMTP), NULL when
	 * the session never reached a transaction. */
	unsigned char *accepted;
	size_t naccepted;		/* accepted's length (nrcpts) */
};

/* One message over a connection of its own; 0 when it was accepted. */
int session_deliver(const struct account *acct, const struct envelope *env,
    const struct message *msg, struct session_report *rep);

/*
 * A connection kept open for several messages of one account (acct is
 * borrowed and must outlive it): the first session_send_message() connects,
 * each later one starts with RSET on the same connection, and a new
 * connection is made only when the last one cannot carry another
 * message (it broke, timed out, or the server said 421).  env and msg
 * are borrowed for the call.  0 when the message was accepted, else -1
 * with rep->fail; rep is filled either way.  session_free() says QUIT.
 */
struct session;
struct session *session_new(const struct account *acct);
int session_send_message(struct session *s,
    const struct envelope *env,
    const struct message *msg, struct session_report *rep);
void session_free(struct session *s);
void session_report_clear(struct session_report *rep);

/*
 * A dialogue without a message (--serverinfo, --rmqs; see probe.h):
 * connect as for a delivery, run the engine with a copy of cfg (its
 * strings borrowed for the call; tls_active is set here), and hand the
 * engine (NULL when no connection was made) and the TLS session (NULL
 * without TLS) to done() before closing.  0 when the engine ended in
 * DONE, else -1 with f filled.
 */
struct smtp;
struct smtp_config;
struct tls;
typedef void session_done_fn(void *arg, const struct smtp *smtp,
    struct tls *tls);
int session_dialogue(const struct account *acct,
    const struct smtp_config *cfg, session_done_fn *done, void *arg,
    struct failure *f);

#endif
