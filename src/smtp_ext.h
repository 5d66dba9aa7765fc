/*
 * smtp_ext.h - ESMTP extensions for the engine (smtp.c): what an EHLO
 * reply offers, and the parameters the extensions add to MAIL and RCPT.
 *
 * Contract: an internal part of the engine, split off to keep smtp.c to
 * one job (the state machine).  Pure functions over values: no I/O, no
 * state.  Strings returned are newly allocated and never hold CR or LF
 * (xtext encodes every byte outside printable ASCII, RFC 3461 4.1).
 */
#ifndef POSTIE_SMTP_EXT_H
#define POSTIE_SMTP_EXT_H

#include "reply.h"

/* What EHLO said; valid after the (last) EHLO reply. */
struct smtp_caps {
	int esmtp;			/* EHLO succeeded (else HELO) */
	int pipelining;
	int starttls;
	int eightbitmime;
	int smtputf8;
	int chunking;
	int dsn;
	int enhancedstatuscodes;
	int requiretls;			/* RFC 8689 */
	int etrn;			/* RFC 1985 */
	int size;			/* SIZE was advertised */
	long long size_max;		/* SIZE's limit, 0: none given */
	char *auth;			/* "PLAIN LOGIN", or NULL */
};

/* What the message asks of MAIL FROM; strings borrowed. */
struct smtp_ext_mail {
	long long size;			/* 0: unknown */
	int eightbit;			/* BODY=8BITMIME if offered */
	int smtputf8;			/* SMTPUTF8 (the caller checked) */
	const char *dsn_return;		/* "FULL", "HDRS" or NULL */
	const char *envid;		/* ENVID, or NULL */
	int requiretls;			/* REQUIRETLS (the caller checked) */
};

/* Forget everything (before a new EHLO, after STARTTLS). */
void smtp_ext_caps_reset(struct smtp_caps *c);
/* Replace c with what the EHLO reply r advertises. */
void smtp_ext_caps_parse(struct smtp_caps *c, const struct reply *r);

/* " SIZE=n BODY=8BITMIME SMTPUTF8 RET=x ENVID=y REQUIRETLS", each only
 * if offered;
 * "" when none applies. */
char *smtp_ext_mail_params(const struct smtp_caps *c,
    const struct smtp_ext_mail *m);
/* " NOTIFY=x ORCPT=rfc822;addr" when DSN is offered and notify is set;
 * ORCPT only for an ASCII address. */
char *smtp_ext_rcpt_params(const struct smtp_caps *c, const char *notify,
    const char *addr);
/* RFC 3461 xtext: '+', '=' and bytes outside '!'..'~' become "+HH". */
char *smtp_ext_xtext(const char *s);

#endif
