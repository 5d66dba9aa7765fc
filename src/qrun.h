/*
 * qrun.h - running the queue: flush, list, remove, retry, and the
 * per-message log line shared with the direct send.
 *
 * Contract: a flush reads each due entry of q/ back as (message,
 * envelope) and enters the pipeline again at the session: the due
 * entries of one account go over one connection (session_new()), and a
 * temporary failure tries the account's failover accounts before the
 * entry is kept.  The account comes from the caller's
 * callback by the name stored in the envelope; nothing else is read from
 * the configuration.  Entries locked by another process are skipped, so
 * concurrent flushes never send one message twice.  After each attempt
 * the envelope records attempts, the last error and the next attempt
 * time (queue_backoff() from the account's queue_retry); success removes
 * the entry; a failure that result.c calls permanent, or a temporary one
 * older than queue_lifetime, moves it to failed/ and, with queue_bounce,
 * sends the sender a notification (bounce.c) over the same connection.
 * Functions return 0 or -1 with f; per-entry problems are logged and
 * counted, not returned.
 */
#ifndef POSTIE_QRUN_H
#define POSTIE_QRUN_H

#include <stdio.h>
#include <time.h>

#include "account.h"
#include "envelope.h"
#include "message.h"
#include "queue.h"
#include "session.h"
#include "util.h"

/* Resolve the account named in an envelope (NULL: the default one). */
typedef int qrun_account_fn(void *arg, const char *name,
    struct account **out, struct failure *f);

struct qrun_options {
	qrun_account_fn *account;
	void *arg;
	/* Flush only the entries of this account (its name as stored in
	 * envelopes); NULL: every entry. */
	const char *only;
};

struct qrun_counts {
	unsigned delivered;
	unsigned deferred;
	unsigned failed;	/* moved to failed/ */
	unsigned waiting;	/* not due yet */
	unsigned busy;		/* locked by another process */
	unsigned corrupt;	/* moved to corrupt/ */
};

int qrun_flush(struct queue *q, const struct qrun_options *opt,
    struct qrun_counts *c, struct failure *f);

/*
 * After a temporary failure (rep->fail) through first: the accounts of
 * its "failover" key in order, each resolved through opt->account and
 * tried with a connection of its own, until one delivers or one fails
 * for good.  0 with *used (owned by the caller) the account that
 * delivered; -1 with rep describing the last failure.
 */
int qrun_failover(const struct qrun_options *opt,
    const struct account *first, const struct envelope *env,
    const struct message *msg, struct session_report *rep,
    struct account **used);

/* 1 when the queue at path has entries (without creating it), else 0. */
int qrun_queue_nonempty(const char *path);

/*
 * After a failed attempt: mark done the recipients of env that took the
 * message all the same (partial delivery, LMTP), so that a retry never
 * resends to them.  rep->accepted lists env's pending recipients in order.
 */
void qrun_mark_accepted(struct envelope *env,
    const struct session_report *rep);

/* The mailq listing of every entry, on out. */
int qrun_list(struct queue *q, FILE *out, struct failure *f);

/* Delete one entry (--queue-remove); FAIL_OS while it is locked. */
int qrun_remove(struct queue *q, const char *id, struct failure *f);

/* Make one entry due now (--queue-retry). */
int qrun_retry(struct queue *q, const char *id, struct failure *f);

/* What one log line reports; all borrowed, any may be NULL but acct. */
struct qrun_logline {
	const struct account *acct;
	const struct envelope *env;
	const struct message *msg;
	const struct session_report *rep;
	int status;
	const char *error;	/* errormsg, or NULL */
	const char *queued;	/* queue ID, or NULL */
};

/* Append the msmtp-style line to the account's logfile, if it has one. */
void qrun_log_line(const struct qrun_logline *l);

#endif
