/*
 * tls_cert.h - what a server certificate says, and whether it matches
 * what the user pinned.
 *
 * Contract: every function takes the certificate in DER as GnuTLS hands
 * it out (borrowed) and keeps nothing.  A fingerprint is hex, with or
 * without colons, of SHA-256 (32 bytes) or, for old configurations,
 * SHA-1 (20) or MD5 (16).  A public-key pin is "sha256//BASE64", the
 * SHA-256 of the DER SubjectPublicKeyInfo (the form curl and HPKP use),
 * and a pin list holds several separated by ';' so that the next key can
 * be pinned before a renewal.  Errors: FAIL_CONFIG for a malformed
 * fingerprint or pin, FAIL_TLS for a certificate that does not match,
 * with a text that says "fingerprint mismatch" or "pin mismatch".
 */
#ifndef POSTIE_TLS_CERT_H
#define POSTIE_TLS_CERT_H

#include <time.h>

#include <gnutls/gnutls.h>

#include "util.h"

/* What --serverinfo shows; the strings are newly allocated. */
struct tls_cert_info {
	char *subject;
	char *issuer;
	time_t not_before;
	time_t not_after;
	char *sha256;		/* "AB:CD:...", 32 bytes */
	char *pin;		/* "sha256//BASE64" */
};

int tls_cert_describe(const gnutls_datum_t *der, struct tls_cert_info *out,
    struct failure *f);
void tls_cert_info_clear(struct tls_cert_info *info);

/* 0 if fingerprint is well formed; *weak is set for SHA-1 and MD5. */
int tls_cert_fingerprint_ok(const char *fingerprint, int *weak,
    struct failure *f);
/* 0 if every pin of the list is well formed. */
int tls_cert_pins_ok(const char *pins, struct failure *f);

/* 0 when der matches; -1 with f filled otherwise. */
int tls_cert_match_fingerprint(const gnutls_datum_t *der,
    const char *fingerprint, struct failure *f);
int tls_cert_match_pin(const gnutls_datum_t *der, const char *pins,
    struct failure *f);

/*
 * The reasons a verification status (gnutls_certificate_status_t bits)
 * gives, in words, into buf; bits without words of ours are described
 * by GnuTLS.
 */
void tls_cert_status_text(unsigned int status, char *buf, size_t size);

/*
 * The resumption file for a session made with the client certificate in
 * cert_file (NULL: none): session_file itself without one, else a name
 * that changes with the certificate file.  Newly allocated; NULL (do
 * not resume) when cert_file cannot be examined.
 */
char *tls_cert_session_name(const char *session_file, const char *cert_file,
    const char *key_file);

#endif
