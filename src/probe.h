/*
 * probe.h - ask a server what it offers (--serverinfo) or to start its
 * queue for us (--rmqs), without sending a message.
 *
 * Contract: probe_run() makes one session with the account's settings
 * (implicit TLS or STARTTLS, certificate checks; AUTH only for ETRN) and
 * fills a struct probe that owns everything it points to; probe_clear()
 * frees it and is safe on a zeroed or half-filled one.  Whatever was
 * learnt before a failure is kept, so the caller can show it along with
 * the error.  Errors: those of a delivery (net, TLS, SMTP classes) in
 * out->fail; an ETRN refusal is FAIL_SMTP with the server's code, and a
 * server without ETRN is FAIL_NOCAP.
 */
#ifndef POSTIE_PROBE_H
#define POSTIE_PROBE_H

#include "account.h"
#include "smtp_ext.h"
#include "tls_cert.h"
#include "util.h"

struct probe {
	struct failure fail;
	char *greeting;			/* text of the 220, lines joined by
					 * "\n"; NULL if none came */
	int esmtp;			/* 1 once an EHLO reply came */
	struct smtp_caps caps;		/* the last EHLO */
	int starttls;			/* STARTTLS was used ... */
	struct smtp_caps before;	/* ... and this was offered before */
	int tls;			/* a TLS session was up */
	char *tls_summary;		/* "(TLS1.3)-(...)-...", or NULL */
	int have_cert;
	struct tls_cert_info cert;	/* when have_cert */
};

/* etrn NULL: --serverinfo; else the argument of ETRN.  0 or -1. */
int probe_run(const struct account *acct, const char *etrn,
    struct probe *out);
void probe_clear(struct probe *p);

#endif
