/*
 * tls_cred.c - what a TLS client brings to the handshake: the trust
 * store or file, the CRL, a client certificate, the priority string, and
 * a check of the configured pins before anything connects.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "log.h"
#include "tls_cert.h"
#include "tls_int.h"

/* TLS 1.2 is the oldest version we speak. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static int
tls_load_trust(struct tls *t, const char *file, struct failure *f)
{
	int rc;

	if (file == NULL) {
		/* An empty store is not an error here: verification will
		 * then name the unknown issuer. */
		rc = gnutls_certificate_set_x509_system_trust(t->cred);
		if (rc < 0) {
			failure_set(f, FAIL_CONFIG, "cannot load the system "
			    "trust store: %s", gnutls_strerror(rc));
			return -1;
		}
		return 0;
	}
	rc = gnutls_certificate_set_x509_trust_file(t->cred, file,
	    GNUTLS_X509_FMT_PEM);
	if (rc > 0)
		return 0;
	if (access(file, R_OK) < 0)
		failure_set(f, FAIL_CONFIG, "tls_trust_file %s: cannot read: "
		    "%s", file, strerror(errno));
	else
		failure_set(f, FAIL_CONFIG, "tls_trust_file %s: cannot read: "
		    "%s", file, rc == 0 ? "no PEM certificates found" :
		    gnutls_strerror(rc));
	return -1;
}

/*
 * Either name may be a PKCS#11 URI, which may hold the PIN (pin-value),
 * so the message shows the names with the PIN hidden.  With no PIN set
 * up front there is nobody to ask: we run without a terminal.
 */
static int
tls_load_client(struct tls *t, const struct tls_options *opt,
    struct failure *f)
{
	char *cert, *key;
	int rc;

	rc = gnutls_certificate_set_x509_key_file2(t->cred, opt->cert_file,
	    opt->key_file, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc >= 0)
		return 0;
	cert = util_hide_pin(opt->cert_file);
	key = util_hide_pin(opt->key_file);
	failure_set(f, FAIL_CONFIG, "tls_cert_file %s / tls_key_file %s: "
	    "cannot load: %s%s", cert, key, gnutls_strerror(rc),
	    rc == GNUTLS_E_PKCS11_PIN_ERROR &&
	    strstr(opt->key_file, "pin-") == NULL ? " (no PIN: add "
	    "pin-value or pin-source to the URI)" : "");
	free(cert);
	free(key);
	return -1;
}

/* The CRL and the client certificate, each if configured. */
static int
tls_load_files(struct tls *t, const struct tls_options *opt,
    struct failure *f)
{
	int rc;

	if (opt->crl_file != NULL && t->certcheck) {
		rc = gnutls_certificate_set_x509_crl_file(t->cred,
		    opt->crl_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0) {
			failure_set(f, FAIL_CONFIG, "tls_crl_file %s: cannot "
			    "read: %s", opt->crl_file, rc == 0 ?
			    "no PEM CRLs found" : gnutls_strerror(rc));
			return -1;
		}
	}
	if ((opt->cert_file == NULL) != (opt->key_file == NULL)) {
		failure_set(f, FAIL_CONFIG, "tls_cert_file and tls_key_file "
		    "must be set together");
		return -1;
	}
	if (opt->cert_file == NULL)
		return 0;
	return tls_load_client(t, opt, f);
}

static int
tls_check_pins(const struct tls_options *opt, struct failure *f)
{
	int weak = 0;

	if (opt->fingerprint != NULL &&
	    tls_cert_fingerprint_ok(opt->fingerprint, &weak, f) < 0)
		return -1;
	if (weak)
		log_warn("tls_fingerprint: SHA-1 and MD5 fingerprints are "
		    "weak; use the SHA-256 one");
	if (opt->pubkey_pin != NULL &&
	    tls_cert_pins_ok(opt->pubkey_pin, f) < 0)
		return -1;
	return 0;
}

static int
tls_set_priorities(struct tls *t, const char *prio, struct failure *f)
{
	const char *where = NULL;
	int rc;

	rc = gnutls_priority_init(&t->prio, prio != NULL ? prio :
	    TLS_PRIORITY, &where);
	if (rc < 0) {
		t->prio = NULL;
		failure_set(f, prio != NULL ? FAIL_CONFIG : FAIL_TLS,
		    "tls_priorities: GnuTLS rejects the string at '%s': %s",
		    where != NULL ? where : "?", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

int
tls_cred_setup(struct tls *t, const struct tls_options *opt,
    struct failure *f)
{
	int rc;

	if (tls_check_pins(opt, f) < 0)
		return -1;
	rc = gnutls_certificate_allocate_credentials(&t->cred);
	if (rc < 0) {
		t->cred = NULL;
		failure_set(f, FAIL_TLS, "cannot set up TLS credentials: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	/* With certcheck off nothing is verified, so nothing is loaded. */
	if (t->certcheck && tls_load_trust(t, opt->trust_file, f) < 0)
		return -1;
	if (tls_load_files(t, opt, f) < 0 ||
	    tls_set_priorities(t, opt->priorities, f) < 0)
		return -1;
	return 0;
}
