/*
 * tls.h - the GnuTLS client.
 *
 * Contract: tls_new() prepares credentials (trust file or the system
 * store); tls_handshake() runs the handshake on a connected non-blocking
 * fd within the timeout, sends SNI, and verifies the chain and the host
 * name unless certcheck is off.  Afterwards tls_transport() gives the
 * struct transport for iobuf.  The fd stays owned by the caller.
 * A fingerprint or public-key pin replaces the chain and host name checks:
 * the certificate must match it and nothing else is asked of it.
 * Errors: FAIL_TLS naming the reason (unknown issuer, expired, wrong host
 * name, revoked, fingerprint or pin mismatch, ...); FAIL_CONFIG for an
 * unreadable trust, CRL or client certificate file, a malformed pin or a
 * priority string GnuTLS rejects; FAIL_NET_TEMP for a timeout or a
 * connection closed during the handshake.
 */
#ifndef POSTIE_TLS_H
#define POSTIE_TLS_H

#include "iobuf.h"
#include "util.h"

struct tls_options {
	const char *host;		/* SNI and name check (A-label form) */
	const char *trust_file;		/* PEM CA file; NULL: system store */
	int certcheck;			/* 0: skip verification (warned) */
	const char *crl_file;		/* PEM CRLs, or NULL */
	const char *cert_file;		/* client certificate (PEM or */
	const char *key_file;		/* PKCS#11 URI), or both NULL */
	const char *priorities;		/* NULL: TLS 1.2 and 1.3 */
	const char *fingerprint;	/* pin of the certificate, or NULL */
	const char *pubkey_pin;		/* pins of the public key, or NULL */
	const char *session_file;	/* resumption data, or NULL */
};

/* The peer certificate, for --serverinfo; see tls_cert.h. */
struct tls_cert_info;

struct tls;

/* Initialise GnuTLS once; tls_new() does it. */
int tls_library_init(struct failure *f);
struct tls *tls_new(const struct tls_options *opt, struct failure *f);
void tls_free(struct tls *t);

int tls_handshake(struct tls *t, int fd, int timeout_ms, struct failure *f);

/* Valid after a successful handshake; owned by t. */
const struct transport *tls_transport(struct tls *t);

/* "TLS1.3 / ECDHE-... / AES-256-GCM", owned by t. */
const char *tls_summary(struct tls *t);

/*
 * Send close_notify without waiting for the peer's, and store the data
 * that lets the next run resume the session (in session_file, mode 0600,
 * replaced atomically; failures only show with -d).
 */
void tls_bye(struct tls *t);

/* 1 if the handshake resumed a session from session_file. */
int tls_resumed(struct tls *t);

/* The server certificate; info's strings are newly allocated. */
int tls_peer_info(struct tls *t, struct tls_cert_info *info,
    struct failure *f);

/*
 * Channel binding for SCRAM-*-PLUS: "tls-exporter" on TLS 1.3 (RFC 9266),
 * "tls-unique" before (RFC 5929).  *type is static; *b64 is the data in
 * base64, newly allocated.  -1 when the session has none.
 */
int tls_channel_binding(struct tls *t, const char **type, char **b64);

#endif
