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
};

int session_deliver(const struct account *acct, const struct envelope *env,
    const struct message *msg, struct session_report *rep);
void session_report_clear(struct session_report *rep);

#endif
