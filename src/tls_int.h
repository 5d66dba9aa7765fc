/*
 * tls_int.h - what tls.c (the handshake and the transport) and
 * tls_cred.c (credentials and priorities) share.
 */
#ifndef POSTIE_TLS_INT_H
#define POSTIE_TLS_INT_H

#include <gnutls/gnutls.h>

#include "iobuf.h"
#include "tls.h"

struct tls {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_session_t sess;		/* NULL until tls_handshake() */
	char *host;
	int certcheck;
	char *fingerprint;		/* NULL: no certificate pin */
	char *pubkey_pin;		/* NULL: no public key pin */
	char *session_file;		/* NULL: no resumption */
	int ready;			/* the handshake succeeded */
	int bye_sent;
	char *summary;
	struct transport tr;
};

/*
 * Check the pins, then load the trust (only with certcheck), the CRL and
 * the client certificate into t->cred and set t->prio; -1 with f filled
 * (t is left for tls_free()).
 */
int tls_cred_setup(struct tls *t, const struct tls_options *opt,
    struct failure *f);

#endif
