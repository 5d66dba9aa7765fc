/*
 * session_int.h - what session.c (connection set-up, the messages, the
 * report) and session_run.c (the engine's dialogue) share.
 */
#ifndef POSTIE_SESSION_INT_H
#define POSTIE_SESSION_INT_H

#include "iobuf.h"
#include "session.h"
#include "smtp.h"

struct session {
	const struct account *acct;
	const struct message *msg;
	int fd;
	struct transport plain;
	struct tls *tls;
	struct iobuf *io;
	struct smtp *smtp;
	struct reply_reader *rd;
	struct sasl *sasl;
	struct secret *password;
	int authenticated;
	char *from_ascii;		/* A-label forms for a server */
	char **rcpts_ascii;		/* without SMTPUTF8 */
	char *downgrade_error;		/* why there are none, or NULL */
	struct smtp_config cfg;		/* the current message's */
	int keep_open;			/* several messages (session_new) */
};

/*
 * The whole dialogue may take this many step timeouts at most (the time
 * spent sending the body does not count): a server that answers each step
 * just before the step timeout cannot stretch the session without end.
 */
#define SESSION_DEADLINE_STEPS 4

/* Wrap the connection in TLS (implicit TLS, or after STARTTLS). */
int session_tls_handshake(struct session *s, struct failure *f);

/* Run the engine to its end; 0 when the message was accepted. */
int session_run(struct session *s, struct failure *f);

#endif
