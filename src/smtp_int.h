/*
 * smtp_int.h - the engine's private half: shared by smtp.c (the action and
 * reply queues, failures, the public entry points) and smtp_state.c (the
 * named states, their reply handlers and the transaction they build).
 *
 * Contract: nothing outside those two files includes this header; the
 * public contract is smtp.h.  Every function here acts on the engine's
 * own struct smtp and never fails: a problem is recorded with
 * smtp_fail_record() and ends the session through the state machine.
 */
#ifndef POSTIE_SMTP_INT_H
#define POSTIE_SMTP_INT_H

#include <stddef.h>

#include "reply.h"
#include "smtp.h"
#include "smtp_ext.h"
#include "util.h"

enum smtp_state {
	SMTP_S_GREETING,	/* reply: the server's greeting */
	SMTP_S_EHLO,		/* reply: EHLO */
	SMTP_S_HELO,		/* reply: HELO, after EHLO was refused */
	SMTP_S_STARTTLS,	/* reply: STARTTLS */
	SMTP_S_TLS,		/* driver: TLS handshake */
	SMTP_S_AUTH_BEGIN,	/* driver: choose a SASL mechanism */
	SMTP_S_AUTH,		/* reply: AUTH or a SASL response */
	SMTP_S_AUTH_STEP,	/* driver: answer a challenge */
	SMTP_S_AUTH_CANCEL,	/* reply: "*" */
	SMTP_S_MAIL,		/* reply: MAIL FROM */
	SMTP_S_RCPT,		/* reply: RCPT TO */
	SMTP_S_DATA,		/* reply: DATA */
	SMTP_S_BODY,		/* driver: send the body */
	SMTP_S_DOT,		/* reply: the final dot */
	SMTP_S_BDAT,		/* reply: BDAT n LAST with the message */
	SMTP_S_ETRN,		/* reply: ETRN (--rmqs) */
	SMTP_S_RSET,		/* reply: RSET after an aborted transaction */
	SMTP_S_NEXT,		/* reply: RSET before the next message */
	SMTP_S_DONE,
	SMTP_S_FAIL,
	SMTP_S_LAST
};

/* Name, stage for result.c, class and words of a refusal, reply handler. */
struct smtp_state_info {
	const char *name;
	enum smtp_stage stage;
	enum fail_class cls;
	const char *refused;
	void (*reply)(struct smtp *, const struct reply *);
};
extern const struct smtp_state_info smtp_states[SMTP_S_LAST];

struct smtp_act {
	enum smtp_action_type type;
	char *text;
	size_t hide_from;
	struct smtp_act *next;
};

/* A reply the server owes us, and the command it answers. */
struct smtp_expect {
	enum smtp_state state;
	size_t rcpt;
};

struct smtp {
	const struct smtp_config *cfg;
	enum smtp_state state;
	enum smtp_state prev;		/* the state before the last change */
	struct smtp_act *head, *tail;	/* actions not yet handed out */
	struct smtp_act *cur;		/* the one handed out last */
	enum smtp_action_type wait;	/* answer the driver owes, or LAST */
	struct smtp_expect *exp;	/* exp[exp_head..exp_len) */
	size_t exp_head, exp_len, exp_cap;
	size_t unread;			/* expectations without a READ */
	size_t rcpt;			/* the recipient a reply is about */
	struct smtp_caps caps;
	struct smtp_caps caps_plain;	/* before STARTTLS, for --serverinfo */
	int have_plain;
	struct reply *greeting;
	int tls_active, authed;
	int in_tx;			/* MAIL accepted, no final reply yet */
	int rset_sent;
	int tx_begun;			/* mail_begin() ran on the connection */
	int reusable;			/* failed, but the connection is fine */
	const char *from;		/* as sent: cfg's or the ASCII form */
	char *const *rcpts;
	int failed;			/* fail holds the first failure */
	struct failure fail;
	struct reply *last;
	int *rcpt_codes;
	/* Per-recipient outcomes (smtp_rcpt.c). */
	int delivered;			/* the server took the message */
	int *final_codes;		/* LMTP: each one's final reply */
	size_t final_next;		/* LMTP: whose final reply is next */
	char **rcpt_err;		/* why each was refused, or NULL */
	size_t rcpt_nerr;		/* entries in rcpt_err */
	struct reply *refusal;		/* the worst refusal: the status */
	enum smtp_stage refusal_stage;
};

void smtp_set_state(struct smtp *s, enum smtp_state st);
/* Queue an action; text is taken over.  A finished engine adds nothing. */
void smtp_act_push(struct smtp *s, enum smtp_action_type type, char *text,
    size_t hide_from);
/* Expect one more reply for state st (about recipient rcpt). */
void smtp_expect_push(struct smtp *s, enum smtp_state st, size_t rcpt);
/* One READ for each reply expected since the last call. */
void smtp_queue_reads(struct smtp *s);
/* Record the first failure (with the reply r, or NULL). */
void smtp_fail_record(struct smtp *s, enum fail_class cls,
    enum smtp_stage stage, const struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Stop now: nothing more is read; QUIT is queued only if quit is set. */
void smtp_fail_now(struct smtp *s, int quit);
/* 1 if r is the wanted class (ok < 10) or code; else record why not. */
int smtp_reply_ok(struct smtp *s, const struct reply *r, int ok,
    const char *who);
/* Queue a command line (taken over) whose reply goes to state st. */
void smtp_cmd(struct smtp *s, enum smtp_state st, size_t rcpt, char *line,
    size_t hide_from);
/* The same, and READ its reply (and any other expected) next. */
void smtp_cmd_read(struct smtp *s, enum smtp_state st, char *line);
/* Enter a state that waits for the driver, not for the server. */
void smtp_wait_driver(struct smtp *s, enum smtp_state st,
    enum smtp_action_type type, char *text, size_t hide_from);
/* After EHLO, HELO or AUTH: the next thing the configuration asks for. */
void smtp_proceed(struct smtp *s);
/* DATA, or under CHUNKING the whole message as one "BDAT n LAST". */
void smtp_data_send(struct smtp *s);

/*
 * smtp_rcpt.c: per-recipient outcomes under partial delivery and LMTP.
 */
/* Whether DATA or BDAT goes in the same flight as the RCPTs. */
int smtp_rcpt_data_pipelined(const struct smtp *s);
/* The RCPT reply r for s->rcpt: 1 to go on, 0 if the session failed. */
int smtp_rcpt_reply(struct smtp *s, const struct reply *r);
/* After the last RCPT reply: send DATA, or fail if nobody is left. */
void smtp_rcpt_all_replied(struct smtp *s);
/* The server took the message (SMTP): 1 if every recipient has it,
 * 0 when some were refused (the failure names them). */
int smtp_rcpt_finish(struct smtp *s);
/* LMTP: one recipient's final reply, in state st (DOT or BDAT); 1 when
 * it was the last and every recipient took the message. */
int smtp_rcpt_lmtp_final(struct smtp *s, enum smtp_state st,
    const struct reply *r);
void smtp_rcpt_init(struct smtp *s);
void smtp_rcpt_free(struct smtp *s);

#endif
