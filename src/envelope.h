/*
 * envelope.h - who the message is from and to, on the wire.
 *
 * Contract: envelope_build() decides MAIL FROM (-f, else the account's
 * from; neither is FAIL_CONFIG as in msmtp) and the RCPT list (command
 * line plus -t recipients, de-duplicated with the domain compared
 * case-insensitively and the local part exactly, in first-seen order,
 * local ones then replaced through the aliases table the caller loaded),
 * and refuses any address holding CR, LF, NUL or other control bytes or
 * unbalanced "<>" (FAIL_USAGE for command-line input, FAIL_DATA for header
 * input).  No recipients: FAIL_USAGE.  It works on values only.
 */
#ifndef POSTIE_ENVELOPE_H
#define POSTIE_ENVELOPE_H

#include <stddef.h>

#include "account.h"
#include "aliases.h"
#include "message.h"
#include "util.h"

struct envelope {
	char *account;		/* account name */
	char *from;		/* reverse path, "" for the null sender */
	char **rcpts;
	size_t nrcpts;
	int eightbit;		/* BODY=8BITMIME wanted */
	int smtputf8;		/* envelope holds non-ASCII */
	/* DSN (RFC 3461), each NULL when not asked for: NOTIFY= and RET=
	 * in their wire form (from the account), ENVID as given to -V. */
	char *dsn_notify;
	char *dsn_return;
	char *envid;
	/*
	 * Queue state, carried by envelope_serialize() and
	 * envelope_parse(); all zero in a fresh envelope.
	 */
	unsigned char *done;	/* per recipient: accepted; NULL: none */
	char *msgid;		/* Message-ID for the log line, or NULL */
	long long size;		/* message bytes */
	long long created;	/* when queued, seconds since the epoch */
	long long next_try;	/* no attempt before this time */
	long attempts;
	char *last_error;	/* one line, or NULL */
};

/* Inputs from the command line: borrowed. */
struct envelope_request {
	const char *from;		/* -f, or NULL */
	char *const *rcpts;		/* operands */
	size_t nrcpts;
	const char *envid;		/* -V, or NULL */
	const struct aliases *aliases;	/* the account's, or NULL */
	int body_8bitmime;		/* -B 8BITMIME */
};

int envelope_build(const struct account *acct,
    const struct envelope_request *req, const struct message *msg,
    struct envelope **out, struct failure *f);
void envelope_free(struct envelope *env);

/*
 * The queue file form: "key: value" lines, versioned by its first line
 * ("version: 2"; version 1 files, without the DSN keys, still parse) and
 * closed by a line "end", so that a truncated file is recognised.  One
 * "rcpt: todo|done ADDR" line per recipient; "dsn-notify", "dsn-return"
 * and "envid" when set.  Free text
 * (account, msgid, last error) is made one line on the way out.
 * envelope_serialize() returns a new NUL-terminated string.
 */
char *envelope_serialize(const struct envelope *env);
/*
 * Parse what envelope_serialize() wrote, checking every address again
 * (the file crossed a trust boundary).  FAIL_DATA "line N: problem" for
 * anything else, an unknown version or a missing end line.
 */
int envelope_parse(const char *buf, size_t len, struct envelope **out,
    struct failure *f);
/* Whether recipient i was accepted already; mark it so. */
int envelope_rcpt_done(const struct envelope *env, size_t i);
void envelope_set_done(struct envelope *env, size_t i);

/* Check one address for injection; 0 if usable, else -1 with f. */
int envelope_addr_ok(const char *addr, enum fail_class cls,
    const char *what, struct failure *f);

#endif
