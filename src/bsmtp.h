/*
 * bsmtp.h - the server side of "postie -bs": SMTP spoken to a local
 * client over standard input and output, as sendmail -bs does.
 *
 * Contract: a pure state machine.  The caller feeds it command lines and,
 * between DATA and the final dot, body lines (each without its line
 * end); every call returns what to do next, and bsmtp_reply() holds the
 * reply to send (CRLF included, possibly several lines; "" when nothing
 * is to be sent).  It never reads, writes, relays or exits: the driver
 * (bsrun.c) does.  When the final dot arrives the transaction's envelope
 * (bsmtp_from(), bsmtp_rcpts()) is ready; the driver relays the message
 * and reports the outcome with bsmtp_relayed(), which makes the reply to
 * the dot and starts the next transaction.  Every string returned is
 * owned by the struct bsmtp and valid until the next call that changes
 * the state.  Addresses are checked here (printable ASCII, balanced
 * quotes and brackets, RFC 5321 length), before anything is relayed.
 */
#ifndef POSTIE_BSMTP_H
#define POSTIE_BSMTP_H

#include <stddef.h>

/* The longest command line read, without its line end (RFC 5321 says
 * 512 with it; long addresses and parameters get some room). */
#define BSMTP_CMD_MAX 2048
/* The longest body line kept; a longer one ends the session. */
#define BSMTP_LINE_MAX (1024 * 1024)
#define BSMTP_RCPTS_MAX 1000
/* Refused commands tolerated before the session is closed. */
#define BSMTP_ERRORS_MAX 20

enum bsmtp_state {
	BSMTP_INIT,		/* no transaction */
	BSMTP_MAIL,		/* MAIL FROM accepted */
	BSMTP_RCPT,		/* at least one RCPT TO accepted */
	BSMTP_BODY,		/* after 354: body lines */
	BSMTP_RELAY,		/* the final dot came: waiting for the relay */
	BSMTP_CLOSED,		/* QUIT, or closed after an error */
	BSMTP_STATE_LAST
};

enum bsmtp_next {
	BSMTP_NEXT_COMMAND,	/* send the reply, read the next command */
	BSMTP_NEXT_BODY,	/* send the reply, read body lines */
	BSMTP_NEXT_RELAY,	/* relay the message, then bsmtp_relayed() */
	BSMTP_NEXT_CLOSE,	/* send the reply, end the session */
	BSMTP_NEXT_LAST
};

/* How relaying the message went; all borrowed for the call. */
struct bsmtp_outcome {
	int ok;			/* delivered, or durably queued */
	int temporary;		/* not ok: worth trying again later */
	int code;		/* the smarthost's reply code, or 0 */
	const char *estatus;	/* its enhanced status code, or NULL */
	const char *text;	/* one line saying what happened, or NULL */
	const char *queued;	/* queue ID when queued, or NULL */
};

struct bsmtp;

/* hostname names postie in the greeting and the EHLO reply. */
struct bsmtp *bsmtp_new(const char *hostname);
void bsmtp_free(struct bsmtp *b);

enum bsmtp_state bsmtp_state(const struct bsmtp *b);
const char *bsmtp_state_name(enum bsmtp_state s);

/* The reply for the last call. */
const char *bsmtp_reply(const struct bsmtp *b);

/* The 220 greeting, in bsmtp_reply(). */
void bsmtp_greet(struct bsmtp *b);

/* One command line, without CRLF; it may hold any bytes (len counts). */
enum bsmtp_next bsmtp_command(struct bsmtp *b, const char *line,
    size_t len);

/* A command line longer than BSMTP_CMD_MAX was skipped. */
enum bsmtp_next bsmtp_command_too_long(struct bsmtp *b);

/*
 * One body line.  BSMTP_NEXT_BODY: keep *data (*dlen bytes, the line with
 * its dot-stuffing undone, without line end) and read on; no reply.
 * BSMTP_NEXT_RELAY: that was the final dot.
 */
enum bsmtp_next bsmtp_body(struct bsmtp *b, const char *line, size_t len,
    const char **data, size_t *dlen);

/* After BSMTP_NEXT_RELAY: the reply to the dot; a new transaction. */
enum bsmtp_next bsmtp_relayed(struct bsmtp *b, const struct bsmtp_outcome *o);

/* The client was silent too long: a 421 reply, and the end. */
enum bsmtp_next bsmtp_timeout(struct bsmtp *b);

/* The transaction's envelope, from BSMTP_NEXT_RELAY to bsmtp_relayed(). */
const char *bsmtp_from(const struct bsmtp *b);	/* "" for <> */
char *const *bsmtp_rcpts(const struct bsmtp *b, size_t *n);

#endif
