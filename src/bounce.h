/*
 * bounce.h - the delivery status notification for a message given up.
 *
 * Contract: bounce_make() turns a failed queue entry into a new message
 * and envelope: an RFC 3464 report (multipart/report with a human part,
 * message/delivery-status with Reporting-MTA, Arrival-Date and, per
 * recipient not yet delivered, Final-Recipient, Action: failed, Status
 * and Diagnostic-Code, then the original header section as
 * text/rfc822-headers), from the null sender to the original envelope
 * sender, through the same account.  A notification is never made for a
 * null sender (bounce_wanted() is 0): that would answer a bounce with a
 * bounce.  Errors: FAIL_CANTCREAT or FAIL_IO for the spool, FAIL_DATA
 * when the sender is null.
 */
#ifndef POSTIE_BOUNCE_H
#define POSTIE_BOUNCE_H

#include "envelope.h"
#include "message.h"
#include "util.h"

/* All borrowed. */
struct bounce_request {
	const struct envelope *env;	/* the failed entry's */
	const struct message *msg;	/* its message (headers are quoted) */
	const char *id;			/* its queue ID */
	const char *mta;		/* this host's name: Reporting-MTA */
	const struct failure *why;	/* the last failure */
	const char *reply;		/* the server's last reply, or NULL */
	int expired;			/* given up after temporary failures */
	const char *tmpdir;		/* spool directory; NULL: $TMPDIR */
};

/* 1 when the entry's sender may get a notification, else 0. */
int bounce_wanted(const struct envelope *env);

int bounce_make(const struct bounce_request *req, struct envelope **env,
    struct message **msg, struct failure *f);

#endif
