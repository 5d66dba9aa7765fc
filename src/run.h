/*
 * run.h - one message through the pipeline, for main.c's modes.
 *
 * Contract: struct run holds what each stage made and owns it;
 * run_free() frees it all (cli, sys and user too: a caller that lends
 * them sets the pointers to NULL first).  The stages fill r->fail and
 * return -1 when they fail; they never exit.  Reading the rc files
 * happens once (confs_read), on the first stage that needs an account.
 */
#ifndef POSTIE_RUN_H
#define POSTIE_RUN_H

#include "queue.h"
#include "session.h"
#include "util.h"

struct cli;
struct conf;

struct run {
	struct cli *cli;
	struct conf *sys;
	struct conf *user;
	struct account *acct;
	struct message *msg;
	struct envelope *env;
	struct session_report rep;
	struct failure fail;
	int confs_read;
	struct queue *queue;
	char qid[QUEUE_ID_SIZE];	/* set when the message was queued */
	char *qreason;			/* why it was queued, or NULL */
	int spawn_flush;		/* queue always: flush in background */
	int msg_fd;			/* the message: stdin, or -bs's file */
	struct message *raw;		/* --read-envelope-from: first pass */
	char *hdr_from;			/* its From address */
};

/* The account of -a (or by -f, or "default"), with the overrides. */
int run_load_account(struct run *r);
/* For a flush (qrun_account_fn): the account named in an envelope. */
int run_entry_account(void *arg, const char *name, struct account **out,
    struct failure *f);
/* The message on r->msg_fd into r->msg, as the account says. */
int run_read_message(struct run *r);
int run_build_envelope(struct run *r);
/* Open the queue in dir unless one is open already. */
int run_open_queue(struct run *r, const char *dir);
/*
 * Read, then deliver, queue or fail over as the account says; 0 when the
 * message was delivered or durably queued.  r->spawn_flush says whether
 * a background flush should follow.
 */
int run_send(struct run *r);
/* msmtp's log line for the message, with the exit status. */
void run_log_line(const struct run *r, int status);
void run_free(struct run *r);

#endif
