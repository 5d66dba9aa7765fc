/*
 * tls.h - the GnuTLS client.
 *
 * Contract: tls_new() prepares credentials (trust file or the system
 * store); tls_handshake() runs the handshake on a connected non-blocking
 * fd within the timeout, sends SNI, and verifies the chain and the host
 * name unless certcheck is off.  Afterwards tls_transport() gives the
 * struct transport for iobuf.  The fd stays owned by the caller.
 * Errors: FAIL_TLS naming the reason (unknown issuer, expired, wrong host
 * name, ...); FAIL_CONFIG for an unreadable trust file; FAIL_NET_TEMP for
 * a timeout or a connection closed during the handshake.
 */
#ifndef POSTIE_TLS_H
#define POSTIE_TLS_H

#include "iobuf.h"
#include "util.h"

struct tls_options {
	const char *host;		/* SNI and name check (A-label form) */
	const char *trust_file;		/* PEM CA file; NULL: system store */
	int certcheck;			/* 0: skip verification (warned) */
};

struct tls;

struct tls *tls_new(const struct tls_options *opt, struct failure *f);
void tls_free(struct tls *t);

int tls_handshake(struct tls *t, int fd, int timeout_ms, struct failure *f);

/* Valid after a successful handshake; owned by t. */
const struct transport *tls_transport(struct tls *t);

/* "TLS1.3 / ECDHE-... / AES-256-GCM", owned by t. */
const char *tls_summary(struct tls *t);

/* Send close_notify without waiting for the peer's. */
void tls_bye(struct tls *t);

#endif
