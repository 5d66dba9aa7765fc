/*
 * tls_cert.c - certificate facts and pins.
 *
 * A pin replaces the chain of trust, so the comparison must not be
 * fooled by formatting: both sides are decoded to bytes first, and only
 * the bytes are compared (in constant time, though nothing here is
 * secret, it costs nothing).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "tls_cert.h"

#define TLS_CERT_HASH_MAX 32
#define TLS_CERT_PIN_PREFIX "sha256//"

/* Fingerprint lengths and the hash each one means. */
static const struct {
	size_t len;
	gnutls_digest_algorithm_t algo;
	const char *name;
} tls_cert_hashes[] = {
	{ 32, GNUTLS_DIG_SHA256, "SHA-256" },
	{ 20, GNUTLS_DIG_SHA1, "SHA-1" },
	{ 16, GNUTLS_DIG_MD5, "MD5" },
};

/*
 * Verification status bits, in the order their reasons are listed.  A
 * stapled OCSP response (RFC 6066) that says "revoked" sets REVOKED, as a
 * CRL does.
 */
static const struct {
	unsigned int bit;
	const char *reason;
} tls_cert_reasons[] = {
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "the certificate issuer is unknown" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "the certificate issuer is not a CA" },
	{ GNUTLS_CERT_EXPIRED, "the certificate has expired" },
	{ GNUTLS_CERT_NOT_ACTIVATED, "the certificate is not yet valid" },
	{ GNUTLS_CERT_UNEXPECTED_OWNER,
	    "the certificate does not match the host name" },
	{ GNUTLS_CERT_REVOKED, "the certificate was revoked" },
	{ GNUTLS_CERT_INVALID_OCSP_STATUS,
	    "the stapled OCSP response is invalid" },
	{ GNUTLS_CERT_MISSING_OCSP_STATUS, "the certificate requires a "
	    "stapled OCSP response and the server sent none" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM,
	    "the certificate uses an insecure algorithm" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE,
	    "the certificate signature is invalid" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH,
	    "the certificate is not meant for a TLS server" },
};

void
tls_cert_status_text(unsigned int status, char *buf, size_t size)
{
	gnutls_datum_t out = { NULL, 0 };
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < UTIL_ARRAY_LEN(tls_cert_reasons); i++) {
		if ((status & tls_cert_reasons[i].bit) == 0 || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? ", " : "", tls_cert_reasons[i].reason);
	}
	if (len == 0 && gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) >= 0) {
		strlcpy(buf, (const char *)out.data, size);
		gnutls_free(out.data);
	}
	if (*buf == '\0')
		strlcpy(buf, "unknown reason", size);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex with optional colons between bytes; returns the length or -1. */
static int
parse_hex(const char *s, unsigned char *out, size_t size)
{
	size_t n = 0;
	int hi, lo;

	while (*s != '\0') {
		if (n > 0 && *s == ':')
			s++;
		if ((hi = hexval((unsigned char)s[0])) < 0 ||
		    (lo = hexval((unsigned char)s[1])) < 0 || n >= size)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return (int)n;
}

static int
hash_index(size_t len)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(tls_cert_hashes); i++)
		if (tls_cert_hashes[i].len == len)
			return (int)i;
	return -1;
}

int
tls_cert_fingerprint_ok(const char *fingerprint, int *weak,
    struct failure *f)
{
	unsigned char buf[TLS_CERT_HASH_MAX];
	int n = parse_hex(fingerprint, buf, sizeof(buf));
	int i = n > 0 ? hash_index((size_t)n) : -1;

	if (i < 0) {
		failure_set(f, FAIL_CONFIG, "tls_fingerprint: '%s' is not the "
		    "hex of a SHA-256, SHA-1 or MD5 fingerprint", fingerprint);
		return -1;
	}
	*weak = tls_cert_hashes[i].algo != GNUTLS_DIG_SHA256;
	return 0;
}

/* Decode one "sha256//BASE64" of len bytes into out (32 bytes). */
static int
parse_pin(const char *pin, size_t len, unsigned char *out)
{
	size_t plen = strlen(TLS_CERT_PIN_PREFIX);
	gnutls_datum_t in, raw = { NULL, 0 };
	int ok;

	if (len <= plen || strncasecmp(pin, TLS_CERT_PIN_PREFIX, plen) != 0)
		return -1;
	in.data = (unsigned char *)(uintptr_t)(pin + plen);
	in.size = (unsigned)(len - plen);
	if (gnutls_base64_decode2(&in, &raw) < 0)
		return -1;
	ok = raw.size == TLS_CERT_HASH_MAX;
	if (ok)
		memcpy(out, raw.data, TLS_CERT_HASH_MAX);
	gnutls_free(raw.data);
	return ok ? 0 : -1;
}

/* Call fn for each pin of the ';' separated list; stop at a nonzero. */
static int
each_pin(const char *pins, int (*fn)(const unsigned char *, void *),
    void *arg, struct failure *f)
{
	unsigned char pin[TLS_CERT_HASH_MAX];
	size_t len;
	int rc;

	for (;;) {
		pins += strspn(pins, " \t");
		len = strcspn(pins, ";");
		while (len > 0 && strchr(" \t", pins[len - 1]) != NULL)
			len--;
		if (parse_pin(pins, len, pin) < 0) {
			failure_set(f, FAIL_CONFIG, "tls_pubkey_pin: '%.*s' is "
			    "not sha256// followed by the base64 of 32 bytes",
			    (int)len, pins);
			return -1;
		}
		if ((rc = fn(pin, arg)) != 0)
			return rc;
		pins += strcspn(pins, ";");
		if (*pins == '\0')
			return 0;
		pins++;
	}
}

static int
pin_accept(const unsigned char *pin, void *arg)
{
	(void)pin;
	(void)arg;
	return 0;
}

int
tls_cert_pins_ok(const char *pins, struct failure *f)
{
	return each_pin(pins, pin_accept, NULL, f);
}

static int
same_bytes(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* The SHA-256 of the certificate's SubjectPublicKeyInfo. */
static int
spki_hash(const gnutls_datum_t *der, unsigned char *out, struct failure *f)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t key = NULL;
	gnutls_datum_t spki = { NULL, 0 };
	int rc;

	rc = gnutls_x509_crt_init(&crt);
	if (rc >= 0)
		rc = gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER);
	if (rc >= 0)
		rc = gnutls_pubkey_init(&key);
	if (rc >= 0)
		rc = gnutls_pubkey_import_x509(key, crt, 0);
	if (rc >= 0)
		rc = gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, &spki);
	if (rc >= 0)
		rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size,
		    out);
	gnutls_free(spki.data);
	if (key != NULL)
		gnutls_pubkey_deinit(key);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		failure_set(f, FAIL_TLS, "cannot read the server's public "
		    "key: %s", gnutls_strerror(rc));
	return rc < 0 ? -1 : 0;
}

static int
pin_equal(const unsigned char *pin, void *arg)
{
	return same_bytes(pin, arg, TLS_CERT_HASH_MAX) ? 1 : 0;
}

int
tls_cert_match_pin(const gnutls_datum_t *der, const char *pins,
    struct failure *f)
{
	unsigned char have[TLS_CERT_HASH_MAX];
	int rc;

	if (spki_hash(der, have, f) < 0)
		return -1;
	rc = each_pin(pins, pin_equal, have, f);
	if (rc == 1)
		return 0;
	if (rc == 0)
		failure_set(f, FAIL_TLS, "public key pin mismatch: the "
		    "server's key is not one of tls_pubkey_pin");
	return -1;
}

int
tls_cert_match_fingerprint(const gnutls_datum_t *der,
    const char *fingerprint, struct failure *f)
{
	unsigned char want[TLS_CERT_HASH_MAX], have[TLS_CERT_HASH_MAX];
	size_t size = sizeof(have);
	int n = parse_hex(fingerprint, want, sizeof(want));
	int i = n > 0 ? hash_index((size_t)n) : -1;

	if (i < 0) {
		failure_set(f, FAIL_CONFIG, "tls_fingerprint: '%s' is not the "
		    "hex of a SHA-256, SHA-1 or MD5 fingerprint", fingerprint);
		return -1;
	}
	if (gnutls_fingerprint(tls_cert_hashes[i].algo, der, have,
	    &size) < 0 || size != (size_t)n) {
		failure_set(f, FAIL_TLS, "cannot compute the %s fingerprint "
		    "of the server certificate", tls_cert_hashes[i].name);
		return -1;
	}
	if (same_bytes(want, have, size))
		return 0;
	failure_set(f, FAIL_TLS, "certificate fingerprint mismatch: the "
	    "server's %s fingerprint is not tls_fingerprint",
	    tls_cert_hashes[i].name);
	return -1;
}

static char *
hex_colons(const unsigned char *p, size_t len)
{
	char *s = xmalloc(len * 3 + 1);
	size_t i, at = 0;

	s[0] = '\0';
	for (i = 0; i < len; i++)
		at += (size_t)snprintf(s + at, len * 3 + 1 - at, "%s%02X",
		    i > 0 ? ":" : "", p[i]);
	return s;
}

static char *
dn_string(gnutls_x509_crt_t crt, int issuer)
{
	gnutls_datum_t dn = { NULL, 0 };
	char *s;
	int rc;

	rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) :
	    gnutls_x509_crt_get_dn3(crt, &dn, 0);
	s = xstrdup(rc >= 0 && dn.data != NULL ? (char *)dn.data : "?");
	gnutls_free(dn.data);
	return s;
}

static void
describe_hashes(const gnutls_datum_t *der, struct tls_cert_info *out,
    struct failure *f)
{
	unsigned char h[TLS_CERT_HASH_MAX];
	gnutls_datum_t raw = { h, sizeof(h) }, b64 = { NULL, 0 };
	size_t size = sizeof(h);

	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, der, h, &size) >= 0)
		out->sha256 = hex_colons(h, size);
	if (spki_hash(der, h, f) == 0 && gnutls_base64_encode2(&raw,
	    &b64) >= 0) {
		out->pin = xasprintf("%s%.*s", TLS_CERT_PIN_PREFIX,
		    (int)b64.size, (char *)b64.data);
		gnutls_free(b64.data);
	}
}

int
tls_cert_describe(const gnutls_datum_t *der, struct tls_cert_info *out,
    struct failure *f)
{
	gnutls_x509_crt_t crt;

	memset(out, 0, sizeof(*out));
	if (gnutls_x509_crt_init(&crt) < 0)
		goto fail;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		goto fail;
	}
	out->subject = dn_string(crt, 0);
	out->issuer = dn_string(crt, 1);
	out->not_before = gnutls_x509_crt_get_activation_time(crt);
	out->not_after = gnutls_x509_crt_get_expiration_time(crt);
	gnutls_x509_crt_deinit(crt);
	describe_hashes(der, out, f);
	if (out->sha256 != NULL && out->pin != NULL)
		return 0;
	tls_cert_info_clear(out);
fail:
	failure_set(f, FAIL_TLS, "cannot read the server certificate");
	return -1;
}

void
tls_cert_info_clear(struct tls_cert_info *info)
{
	if (info == NULL)
		return;
	free(info->subject);
	free(info->issuer);
	free(info->sha256);
	free(info->pin);
	memset(info, 0, sizeof(*info));
}

/* FNV-1a over len bytes, continuing from h. */
static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len-- > 0)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

/* The name lands on disk, and a hash of a short PIN is easily reversed. */
static uint64_t
fnv_uri(uint64_t h, const char *name, int with_nul)
{
	char *shown = util_hide_pin(name);

	h = fnv(h, shown, strlen(shown) + (with_nul ? 1 : 0));
	free(shown);
	return h;
}

/*
 * A resumed session keeps the client identity of the handshake that made
 * it, so a session made with one client certificate must not be offered
 * with another or with none.  The name carries the certificate's file
 * names and what stat says of the file, which changes on renewal (a
 * PKCS#11 URI is taken as it is).
 */
char *
tls_cert_session_name(const char *session_file, const char *cert_file,
    const char *key_file)
{
	struct stat st;
	uint64_t h = 0xcbf29ce484222325ULL;
	long long v[4];

	if (cert_file == NULL)
		return xstrdup(session_file);
	if (strncasecmp(cert_file, "pkcs11:", 7) != 0) {
		if (stat(cert_file, &st) < 0)
			return NULL;
		v[0] = (long long)st.st_dev;
		v[1] = (long long)st.st_ino;
		v[2] = (long long)st.st_size;
		v[3] = (long long)st.st_mtime;
		h = fnv(h, v, sizeof(v));
	}
	h = fnv_uri(h, cert_file, 1);
	if (key_file != NULL)
		h = fnv_uri(h, key_file, 0);
	return xasprintf("%s-cert-%016llx", session_file,
	    (unsigned long long)h);
}
