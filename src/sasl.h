/*
 * sasl.h - the GNU SASL client wrapper.
 *
 * Contract: sasl_begin() picks the mechanism as the intersection of what
 * the server offers, what the account allows and what libgsasl supports,
 * in a documented preference order; it refuses mechanisms that send the
 * password in clear (PLAIN, LOGIN) on a connection without TLS unless
 * allowed.  Steps take and return base64 text as it goes on the wire.
 * The password is fetched from struct secret only inside the library's
 * callback.  XOAUTH2 and OAUTHBEARER (RFC 7628) are built here (in
 * sasl_oauth.c), since libgsasl lacks them: the password is the bearer
 * token, and an error the server sends as a JSON challenge is shown with
 * log_warn() and answered as each mechanism requires, so the server ends
 * the exchange with its failure reply.  With channel binding data,
 * SCRAM-*-PLUS comes first in the automatic choice.  An initial
 * response too long for the AUTH command line (RFC 4954 4) is not
 * returned by sasl_begin() but by
 * the first sasl_step(), which answers the server's empty 334 with it.
 * Nothing here logs a payload.  Errors: FAIL_AUTH (no usable
 * mechanism, library failure) or FAIL_NOCAP (an explicit mechanism the
 * server does not offer).
 */
#ifndef POSTIE_SASL_H
#define POSTIE_SASL_H

#include "secret.h"
#include "util.h"

struct sasl_options {
	const char *user;
	const struct secret *password;	/* may be NULL */
	const char *host;		/* server name, for DIGEST-MD5 etc. */
	const char *mech;		/* wanted mechanism, NULL: best */
	int tls_active;
	int allow_clear;		/* allow PLAIN/LOGIN without TLS */
	int port;			/* for OAUTHBEARER */
	const char *ntlm_domain;	/* NTLM only; NULL: none */
	/* TLS channel binding for SCRAM-*-PLUS: "tls-unique" or
	 * "tls-exporter" and the data in base64; NULL: none. */
	const char *cb_type;
	const char *cb_data;
};

enum sasl_result {
	SASL_MORE,
	SASL_DONE,
	SASL_FAIL,
	SASL_RESULT_LAST
};

struct sasl;

/*
 * Choose a mechanism among offered (space separated) and start it.
 * *mech is owned by the struct sasl; *initial is a newly allocated
 * initial response, or NULL when the mechanism has none to send first
 * or it must wait for the server's 334.
 */
struct sasl *sasl_begin(const struct sasl_options *opt, const char *offered,
    const char **mech, char **initial, struct failure *f);

/* Answer a base64 challenge; *response is newly allocated. */
enum sasl_result sasl_step(struct sasl *s, const char *challenge,
    char **response, struct failure *f);

/* Ends the library session and wipes what it held. */
void sasl_free(struct sasl *s);

/* The preference list, for the man page and --help. */
const char *sasl_preference(void);

#endif
