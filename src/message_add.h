/*
 * message_add.h - the header fields postie adds when a message lacks them.
 *
 * Contract: message_add_fields() formats the wanted fields in msmtp's
 * order (From, To, Date, Message-ID), each ending in CRLF, into a new
 * string; a long From or To is folded.  It never reads input or touches
 * the spool; it is a helper of message.c only.  Errors: FAIL_DATA (a
 * From address, To recipient or Message-ID domain holding control
 * characters), FAIL_OS (no random bytes).
 */
#ifndef POSTIE_MESSAGE_ADD_H
#define POSTIE_MESSAGE_ADD_H

#include "util.h"

struct message_add {
	int from, date, msgid;		/* which fields to add */
	int undisclosed;		/* "To: undisclosed-recipients:;" */
	char *const *to;		/* else To: listing these, if nto */
	size_t nto;
	const char *from_addr;		/* required when from is set */
	const char *full_name;		/* -F, or NULL */
	const char *msgid_domain;	/* NULL: "localhost" */
};

/*
 * *out receives the fields (possibly ""); *msgid, when a Message-ID was
 * added, its value with the angle brackets.  Both are newly allocated.
 */
int message_add_fields(const struct message_add *a, char **out,
    char **msgid, struct failure *f);

#endif
