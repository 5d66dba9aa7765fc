/*
 * bsrun.h - the driver of "postie -bs": carries lines between standard
 * input and output and the dialogue of bsmtp.c, and hands each complete
 * message to the caller for relaying.
 *
 * Contract: bsrun_session() greets, answers commands until QUIT, the end
 * of input or a timeout, and for each message received calls the
 * caller's deliver function with the envelope and a file holding the
 * message (dot-stuffing undone, lines ended by LF, positioned at its
 * start) as though it had been given on standard input.  The reply to
 * the final dot follows what deliver reports.  Every read of the input
 * has a deadline of timeout_ms.  It returns 0 when the session ended
 * normally (QUIT, or the end of input between transactions) and -1 with
 * f otherwise: FAIL_NET_TEMP for a timeout, FAIL_IO for input that
 * ended inside a message or output that cannot be written, FAIL_OS or
 * FAIL_CANTCREAT when no message file can be made.  *status is the exit
 * status of the last message that was not accepted, or 0.
 */
#ifndef POSTIE_BSRUN_H
#define POSTIE_BSRUN_H

#include <stddef.h>

#include "util.h"

/* What deliver saw as the envelope and the message; all borrowed. */
struct bsrun_txn {
	const char *from;		/* MAIL FROM, "" for <> */
	char **rcpts;			/* RCPT TO, in order */
	size_t nrcpts;
	int fd;				/* the message file */
};

/* What deliver reports. */
struct bsrun_done {
	int status;			/* exit status; 0: accepted */
	int temporary;			/* not accepted: worth a retry */
	struct failure fail;		/* why, when status is not 0 */
	char queued[64];		/* queue ID when queued, or "" */
};

typedef void bsrun_deliver_fn(void *arg, const struct bsrun_txn *t,
    struct bsrun_done *d);

struct bsrun_options {
	int in_fd, out_fd;		/* the client: normally 0 and 1 */
	int timeout_ms;			/* for each read of a line */
	const char *hostname;		/* NULL: the system's name */
	const char *tmpdir;		/* message files; NULL: $TMPDIR */
	bsrun_deliver_fn *deliver;
	void *arg;
};

/* Five minutes, the server's command timeout of RFC 5321 4.5.3.2.7. */
#define BSRUN_TIMEOUT_MS (300 * 1000)

int bsrun_session(const struct bsrun_options *opt, int *status,
    struct failure *f);

#endif
