/*
 * sasl_oauth.h - the OAuth 2.0 bearer-token mechanisms, which GNU SASL
 * lacks: XOAUTH2 (Google's) and OAUTHBEARER (RFC 7628).
 *
 * Contract: sasl_oauth_initial() builds the client's only message from a
 * user name and the token, which it reads from struct secret inside
 * secret_lend() and wipes from its own buffers; the result is base64 as
 * it goes on the wire.  sasl_oauth_show() decodes the JSON error a server
 * sends as a challenge and shows it, as one printable line, with
 * log_warn().  Errors: FAIL_AUTH when the user or the token is missing or
 * the message cannot be encoded.  Used by sasl.c only.
 */
#ifndef POSTIE_SASL_OAUTH_H
#define POSTIE_SASL_OAUTH_H

#include "secret.h"
#include "util.h"

/* All borrowed. */
struct sasl_oauth_request {
	const char *mech;		/* "XOAUTH2" or "OAUTHBEARER" */
	int oauthbearer;		/* 0: XOAUTH2 */
	const char *user;
	const char *host;		/* OAUTHBEARER's host=, may be NULL */
	int port;			/* OAUTHBEARER's port= */
	const struct secret *token;
};

/* *initial is newly allocated (base64); 0 or -1 with f filled. */
int sasl_oauth_initial(const struct sasl_oauth_request *r, char **initial,
    struct failure *f);

/* Show the error in a base64 challenge (NULL or undecodable: say so). */
void sasl_oauth_show(const char *mech, const char *challenge);

#endif
