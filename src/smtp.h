/*
 * smtp.h - the ESMTP client protocol engine: a pure state machine.
 *
 * Contract: the engine never touches a socket, TLS, SASL or the clock.
 * The driver (session.c) pulls actions with smtp_next() and answers each
 * one that waits for something with the matching smtp_on_*() call:
 *
 *   SMTP_ACT_SEND       queue act.text + CRLF for the server (no answer)
 *   SMTP_ACT_READ       send everything queued, read one reply,
 *                       then smtp_on_reply()
 *   SMTP_ACT_STARTTLS   run the TLS handshake, then smtp_on_tls()
 *   SMTP_ACT_AUTH_BEGIN choose a mechanism among act.text (the server's
 *                       list), then smtp_on_auth_begin()
 *   SMTP_ACT_AUTH_STEP  answer the base64 challenge in
 *                       act.text, then smtp_on_auth_step()
 *   SMTP_ACT_BODY       send the message dot-stuffed with the final
 *                       ".", then smtp_on_body_sent()
 *   SMTP_ACT_CHUNK      send exactly cfg->size bytes of the message as
 *                       they are (after "BDAT n LAST"), nothing else,
 *                       then smtp_on_body_sent()
 *   SMTP_ACT_DONE       the message was accepted (or, without one,
 *                       cfg->probe or cfg->etrn got what it asked
 *                       for); QUIT is queued, the driver sends it and
 *                       need not wait for 221
 *   SMTP_ACT_FAIL       smtp_failure() says why; anything queued
 *                       (QUIT, RSET) is still to be sent.  Some
 *                       recipients may have taken the message all the
 *                       same (partial delivery, LMTP):
 *                       smtp_rcpt_accepted() tells which
 *
 * With PIPELINING, MAIL FROM, every RCPT TO and (for a single recipient)
 * DATA, or BDAT with the message under CHUNKING, are queued together and
 * answered by successive READs.  With several recipients DATA or BDAT
 * waits for the RCPT replies: all-or-nothing delivery must be able to
 * abort before the server takes the message.  An aborted transaction is
 * ended with RSET before QUIT.
 *
 * Partial delivery (cfg->partial): a refused recipient is recorded
 * (smtp_rcpt_error()) and the others still get the message, so DATA or
 * BDAT goes in the same flight as the RCPTs.  It fails only when no
 * recipient is left; otherwise, after the message was accepted, the
 * engine ends with FAIL naming the refusals, the worst of them (5xx over
 * 4xx) deciding the class.  LMTP (cfg->lmtp, RFC 2033): LHLO instead of
 * EHLO, and after the message one reply per accepted recipient, each
 * refusal recorded the same way whatever cfg->partial says.
 *
 * Extensions are used only when EHLO offered them: SIZE, BODY=8BITMIME,
 * SMTPUTF8 (when cfg->utf8; otherwise the ASCII address forms, or
 * FAIL_DATA with cfg->downgrade_error), DSN (FAIL_NOCAP when asked for
 * and not offered), CHUNKING, REQUIRETLS (RFC 8689, when cfg->requiretls:
 * FAIL_NOCAP unless offered over TLS).
 *
 * Redaction: act.hide_from is the offset in act.text from which the
 * trace must hide the line (LOG_SHOW_ALL when nothing is secret), and
 * smtp_reply_hide_from() tells the same for the reply lines the driver
 * is about to read (challenges during AUTH).
 *
 * act.text is owned by the engine and valid until the next call.
 */
#ifndef POSTIE_SMTP_H
#define POSTIE_SMTP_H

#include <stddef.h>

#include "reply.h"
#include "smtp_ext.h"
#include "util.h"

enum smtp_action_type {
	SMTP_ACT_SEND,
	SMTP_ACT_READ,
	SMTP_ACT_STARTTLS,
	SMTP_ACT_AUTH_BEGIN,
	SMTP_ACT_AUTH_STEP,
	SMTP_ACT_BODY,
	SMTP_ACT_CHUNK,
	SMTP_ACT_DONE,
	SMTP_ACT_FAIL,
	SMTP_ACT_LAST
};

struct smtp_action {
	enum smtp_action_type type;
	const char *text;
	size_t hide_from;
};

struct smtp_config {
	const char *helo_domain;	/* EHLO argument */
	int tls_active;			/* implicit TLS is already up */
	int starttls;			/* STARTTLS is required */
	int starttls_optional;		/* ... unless it is not offered */
	int auth;			/* authenticate before MAIL */
	const char *from;		/* reverse path without <> */
	char *const *rcpts;		/* forward paths without <> */
	size_t nrcpts;
	int eightbit;			/* add BODY=8BITMIME if offered */
	long long size;			/* exact spool size: SIZE=, BDAT */
	int utf8;			/* envelope or header holds UTF-8 */
	/* The addresses with A-label domains, used when SMTPUTF8 is not;
	 * NULL: the same as from/rcpts.  downgrade_error: why some address
	 * has no ASCII form (a UTF-8 local part), or NULL. */
	const char *from_ascii;
	char *const *rcpts_ascii;
	const char *downgrade_error;
	const char *dsn_notify;		/* NOTIFY= value, or NULL */
	const char *dsn_return;		/* RET= value, or NULL */
	const char *envid;		/* ENVID (sent as xtext), or NULL */
	int partial;			/* deliver to those who accept */
	int lmtp;			/* LMTP instead of SMTP */
	int requiretls;			/* MAIL FROM ... REQUIRETLS */
	/* No transaction: probe ends after the last EHLO, before AUTH
	 * (--serverinfo); etrn, after AUTH, asks the server to flush its
	 * queue for that host, @domain or #queue (--rmqs, RFC 1985). */
	int probe;
	const char *etrn;
	/* Leave the connection open after the transaction (no QUIT), for
	 * smtp_next_message(); the driver says QUIT when it is done. */
	int keep_open;
};

struct smtp;

/* The config and the strings it points to must outlive the engine. */
struct smtp *smtp_new(const struct smtp_config *cfg);
void smtp_free(struct smtp *s);

/* The next action; see the table above. */
void smtp_next(struct smtp *s, struct smtp_action *act);

void smtp_on_reply(struct smtp *s, const struct reply *r);
/* ok = 0 after a failed handshake, with f saying why. */
void smtp_on_tls(struct smtp *s, int ok, const struct failure *f);
/* mech NULL: no usable mechanism or a local error, f says why.
 * initial NULL: no initial response; "" an empty one ("="). */
void smtp_on_auth_begin(struct smtp *s, const char *mech,
    const char *initial, const struct failure *f);
/* response NULL: local SASL error, f says why (the engine cancels). */
void smtp_on_auth_step(struct smtp *s, const char *response,
    const struct failure *f);
void smtp_on_body_sent(struct smtp *s);
/* The connection broke or timed out; f says why (a stage left at
 * STAGE_NONE becomes the one the engine was in).  Nothing more is sent. */
void smtp_on_io_error(struct smtp *s, const struct failure *f);

/*
 * 4 while the engine waits for a reply in an AUTH state, LOG_SHOW_ALL
 * (log.h) otherwise.  The driver applies it to 334 lines only, so the
 * trace hides challenges but keeps error replies such as 535 readable.
 */
size_t smtp_reply_hide_from(const struct smtp *s);

const struct smtp_caps *smtp_caps(const struct smtp *s);
/* What EHLO offered before STARTTLS, or NULL when there was none. */
const struct smtp_caps *smtp_caps_before_tls(const struct smtp *s);
/* The server's greeting once it came, else NULL. */
const struct reply *smtp_greeting(const struct smtp *s);
const struct failure *smtp_failure(const struct smtp *s);
/* The final reply of the transaction (or the failing one), or NULL.
 * 334 challenges are never kept, since the trace hides them. */
const struct reply *smtp_last_reply(const struct smtp *s);
/* Reply code each recipient got, 0 if none yet. */
int smtp_rcpt_code(const struct smtp *s, size_t i);
/* 1 if the server took the message for recipient i (the final reply,
 * and under LMTP the recipient's own final reply, was positive). */
int smtp_rcpt_accepted(const struct smtp *s, size_t i);
/* "recipient <addr> refused: 550 5.1.1 text" when recipient i was
 * refused under partial delivery or LMTP; NULL otherwise.  Owned by the
 * engine. */
const char *smtp_rcpt_error(const struct smtp *s, size_t i);
/*
 * 1 when cfg->keep_open is set and the connection can carry another
 * message: the last transaction ended with the server's final reply
 * (accepted, or refused by a 4xx/5xx other than 421) or was abandoned
 * before MAIL for a local reason, and nothing is left unread.
 */
int smtp_reusable(const struct smtp *s);
/*
 * Start another message on the same connection with cfg (which must
 * outlive the engine as well): RSET (unless the last transaction was
 * aborted with one), then MAIL, RCPT and DATA, all in one flight under
 * PIPELINING.  Forgets the last failure, reply and
 * recipient codes.  When !smtp_reusable() the engine fails at once
 * (FAIL_SOFTWARE) and nothing is sent.
 */
void smtp_next_message(struct smtp *s, const struct smtp_config *cfg);
/* Name of the current state, for the debug trace. */
const char *smtp_state_name(const struct smtp *s);

#endif
