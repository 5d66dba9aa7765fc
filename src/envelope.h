/*
 * envelope.h - who the message is from and to, on the wire.
 *
 * Contract: envelope_build() decides MAIL FROM (-f, else the account's
 * from; neither is FAIL_CONFIG as in msmtp) and the RCPT list (command
 * line plus -t recipients, de-duplicated with the domain compared
 * case-insensitively and the local part exactly, in first-seen order),
 * and refuses any address holding CR, LF, NUL or other control bytes or
 * unbalanced "<>" (FAIL_USAGE for command-line input, FAIL_DATA for header
 * input).  No recipients: FAIL_USAGE.  It works on values only.
 */
#ifndef POSTIE_ENVELOPE_H
#define POSTIE_ENVELOPE_H

#include <stddef.h>

#include "account.h"
#include "message.h"
#include "util.h"

struct envelope {
	char *account;		/* account name */
	char *from;		/* reverse path, "" for the null sender */
	char **rcpts;
	size_t nrcpts;
	int eightbit;		/* BODY=8BITMIME wanted */
	int smtputf8;		/* envelope holds non-ASCII */
};

/* Inputs from the command line: borrowed. */
struct envelope_request {
	const char *from;		/* -f, or NULL */
	char *const *rcpts;		/* operands */
	size_t nrcpts;
};

int envelope_build(const struct account *acct,
    const struct envelope_request *req, const struct message *msg,
    struct envelope **out, struct failure *f);
void envelope_free(struct envelope *env);

/* Check one address for injection; 0 if usable, else -1 with f. */
int envelope_addr_ok(const char *addr, enum fail_class cls,
    const char *what, struct failure *f);

#endif
