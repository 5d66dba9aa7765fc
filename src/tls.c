/*
 * tls.c - the GnuTLS client: the handshake on a non-blocking fd within
 * one deadline, certificate and host name verification, and the struct
 * transport that iobuf reads and writes through.  Credentials are
 * tls_cred.c's, stored sessions tls_store.c's.
 *
 * Transport contract (GnuTLS rules that the caller must keep):
 * - A write that returned TRANSPORT_WANT_READ or TRANSPORT_WANT_WRITE must
 *   be retried with the same bytes at the same place (a longer buffer
 *   that starts with them is fine).  GnuTLS has already encrypted them
 *   into a record; the retry only flushes that record and reports the
 *   length of the first attempt.
 * - Decrypted bytes may wait inside GnuTLS where poll() cannot see them.
 *   A read therefore never answers TRANSPORT_WANT_READ while such bytes
 *   are pending, and the caller reads again before it polls.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "log.h"
#include "tls_cert.h"
#include "tls_int.h"
#include "tls_store.h"

/* Bounds the retries after non-fatal GnuTLS errors (warning alerts). */
#define TLS_RETRY_MAX 16

static ssize_t tls_read(void *, void *, size_t, struct failure *);
static ssize_t tls_write(void *, const void *, size_t, struct failure *);

static const struct transport_ops tls_ops = {
	tls_read,
	tls_write,
};

/*
 * GnuTLS initialises itself as it is loaded, unless told not to: about
 * 0.5 ms of every start, paid also by the runs that never open a TLS
 * session (an enqueue, a plain relay, --version).  postie initialises
 * it on the first tls_new() instead, as gnutls.h documents.  It is not
 * deinitialised: at exit that would finalise PKCS#11 modules whose own
 * destructors have already run (SoftHSM crashes), and GnuTLS's implicit
 * destructor skips the same step.
 */
GNUTLS_SKIP_GLOBAL_INIT

int
tls_library_init(struct failure *f)
{
	static int ready;
	int rc;

	if (ready)
		return 0;
	if ((rc = gnutls_global_init()) < 0) {
		failure_set(f, FAIL_SOFTWARE, "GnuTLS: cannot initialise: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	ready = 1;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct tls *
tls_new(const struct tls_options *opt, struct failure *f)
{
	struct tls *t;

	if (tls_library_init(f) < 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->host = xstrdup(opt->host != NULL ? opt->host : "");
	t->fingerprint = dup_or_null(opt->fingerprint);
	t->pubkey_pin = dup_or_null(opt->pubkey_pin);
	t->session_file = opt->session_file == NULL ? NULL :
	    tls_cert_session_name(opt->session_file, opt->cert_file,
	    opt->key_file);
	/* A pin is the whole check: chain and name are not consulted. */
	t->certcheck = opt->certcheck && t->fingerprint == NULL &&
	    t->pubkey_pin == NULL;
	t->tr.fd = -1;
	if (tls_cred_setup(t, opt, f) < 0) {
		tls_free(t);
		return NULL;
	}
	return t;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	if (t->sess != NULL)
		gnutls_deinit(t->sess);
	if (t->prio != NULL)
		gnutls_priority_deinit(t->prio);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	free(t->host);
	free(t->fingerprint);
	free(t->pubkey_pin);
	free(t->session_file);
	free(t->summary);
	free(t);
}

/* SNI carries names only; an address literal must not be sent. */
static int
tls_is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* A session nothing verified must not be resumed as if it was. */
static void
tls_save_session(struct tls *t)
{
	if (t->session_file != NULL && (t->certcheck ||
	    t->fingerprint != NULL || t->pubkey_pin != NULL))
		tls_store_save(t->sess, t->session_file);
}

static int
tls_session_init(struct tls *t, int fd, struct failure *f)
{
	int rc;

	rc = gnutls_init(&t->sess, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL);
	if (rc < 0) {
		t->sess = NULL;
		failure_set(f, FAIL_TLS, "cannot start a TLS session: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	rc = gnutls_priority_set(t->sess, t->prio);
	if (rc >= 0)
		rc = gnutls_credentials_set(t->sess, GNUTLS_CRD_CERTIFICATE,
		    t->cred);
	if (rc >= 0 && *t->host != '\0' && !tls_is_address(t->host))
		rc = gnutls_server_name_set(t->sess, GNUTLS_NAME_DNS,
		    t->host, strlen(t->host));
	if (rc < 0) {
		failure_set(f, FAIL_TLS, "cannot set up the TLS session for "
		    "%s: %s", t->host, gnutls_strerror(rc));
		return -1;
	}
	/* The check runs inside the handshake, which then fails with
	 * GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR. */
	if (t->certcheck)
		gnutls_session_set_verify_cert(t->sess, t->host, 0);
	gnutls_transport_set_int(t->sess, fd);
	if (t->session_file != NULL)
		tls_store_load(t->sess, t->session_file);
	return 0;
}

/* Why the certificate was refused: a GnuTLS error (rc < 0) or status. */
static void
tls_verify_failure(struct tls *t, int rc, unsigned int status,
    const char *when, struct failure *f)
{
	char why[256];

	if (rc < 0)
		snprintf(why, sizeof(why), "%s", gnutls_strerror(rc));
	else
		tls_cert_status_text(status, why, sizeof(why));
	failure_set(f, FAIL_TLS, "TLS certificate verification failed for "
	    "%s: %s%s", t->host, why, when);
}

static void
tls_handshake_failure(struct tls *t, int rc, struct failure *f)
{
	switch (rc) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
		tls_verify_failure(t, 0,
		    gnutls_session_get_verify_cert_status(t->sess), "", f);
		break;
	case GNUTLS_E_PREMATURE_TERMINATION:
		failure_set(f, FAIL_NET_TEMP, "TLS handshake with %s failed: "
		    "the server closed the connection", t->host);
		break;
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		failure_set(f, FAIL_NET_TEMP, "TLS handshake with %s failed: "
		    "%s", t->host, gnutls_strerror(rc));
		break;
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		failure_set(f, FAIL_TLS, "TLS handshake with %s failed: the "
		    "server sent the alert '%s'", t->host,
		    gnutls_alert_get_name(gnutls_alert_get(t->sess)));
		break;
	default:
		failure_set(f, FAIL_TLS, "TLS handshake with %s failed: %s",
		    t->host, gnutls_strerror(rc));
		break;
	}
}

/* Wait until fd is ready in the direction GnuTLS is blocked on. */
static int
tls_wait(struct tls *t, int fd, long long deadline, struct failure *f)
{
	struct pollfd pfd;
	long long left;
	int rc;

	pfd.fd = fd;
	pfd.events = gnutls_record_get_direction(t->sess) ? POLLOUT : POLLIN;
	for (;;) {
		left = deadline < 0 ? -1 : deadline - util_now_ms();
		if (deadline >= 0 && left <= 0)
			break;
		rc = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR) {
			failure_set(f, FAIL_NET_TEMP, "TLS handshake with %s: "
			    "poll: %s", t->host, strerror(errno));
			return -1;
		}
	}
	failure_set(f, FAIL_NET_TEMP, "TLS handshake with %s timed out",
	    t->host);
	return -1;
}

static int
tls_run_handshake(struct tls *t, int fd, long long deadline,
    struct failure *f)
{
	int rc, warnings = 0;

	for (;;) {
		rc = gnutls_handshake(t->sess);
		if (rc == GNUTLS_E_SUCCESS)
			return 0;
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (tls_wait(t, fd, deadline, f) < 0)
				return -1;
			continue;
		}
		/* Warning alerts do not end the handshake. */
		if (!gnutls_error_is_fatal(rc) && ++warnings < TLS_RETRY_MAX)
			continue;
		tls_handshake_failure(t, rc, f);
		return -1;
	}
}

/*
 * A resumed handshake carries no certificate, so gnutls checks nothing:
 * check the one stored with the session against today's trust settings,
 * which may have changed since the session was made.
 */
static int
tls_check_resumed(struct tls *t, struct failure *f)
{
	unsigned int status = 0;
	int rc;

	if (!t->certcheck || !gnutls_session_is_resumed(t->sess))
		return 0;
	rc = gnutls_certificate_verify_peers3(t->sess, t->host, &status);
	if (rc == 0 && status == 0)
		return 0;
	tls_verify_failure(t, rc, status, " (resumed session)", f);
	return -1;
}

/* The leaf certificate the server sent, borrowed from the session. */
static const gnutls_datum_t *
tls_peer_der(struct tls *t, struct failure *f)
{
	const gnutls_datum_t *list;
	unsigned int n = 0;

	list = gnutls_certificate_get_peers(t->sess, &n);
	if (list == NULL || n == 0) {
		failure_set(f, FAIL_TLS, "TLS handshake with %s: the server "
		    "sent no certificate", t->host);
		return NULL;
	}
	return &list[0];
}

/* With a pin, the handshake only counts once the pin matched. */
static int
tls_check_pinned(struct tls *t, struct failure *f)
{
	const gnutls_datum_t *der;

	if (t->fingerprint == NULL && t->pubkey_pin == NULL)
		return 0;
	if ((der = tls_peer_der(t, f)) == NULL)
		return -1;
	if ((t->fingerprint != NULL &&
	    tls_cert_match_fingerprint(der, t->fingerprint, f) < 0) ||
	    (t->pubkey_pin != NULL &&
	    tls_cert_match_pin(der, t->pubkey_pin, f) < 0)) {
		failure_prefix(f, "TLS certificate verification failed for "
		    "%s", t->host);
		return -1;
	}
	return 0;
}

static void
tls_make_summary(struct tls *t)
{
	char *desc = gnutls_session_get_desc(t->sess);

	free(t->summary);
	t->summary = xstrdup(desc != NULL ? desc : "TLS");
	gnutls_free(desc);
}

int
tls_handshake(struct tls *t, int fd, int timeout_ms, struct failure *f)
{
	long long deadline = timeout_ms > 0 ? util_now_ms() + timeout_ms : -1;

	if (t->sess != NULL || (t->certcheck && *t->host == '\0')) {
		/* Without a name only the chain could be checked. */
		failure_set(f, FAIL_SOFTWARE, "TLS handshake with '%s': %s",
		    t->host, t->sess != NULL ? "started twice" :
		    "no host name to verify");
		return -1;
	}
	if (tls_session_init(t, fd, f) < 0 ||
	    tls_run_handshake(t, fd, deadline, f) < 0 ||
	    tls_check_resumed(t, f) < 0 || tls_check_pinned(t, f) < 0) {
		if (t->sess != NULL)
			gnutls_deinit(t->sess);
		t->sess = NULL;
		return -1;
	}
	tls_make_summary(t);
	if (gnutls_session_is_resumed(t->sess))
		log_debug("TLS: session resumed");
	t->tr.ops = &tls_ops;
	t->tr.ctx = t;
	t->tr.fd = fd;
	t->ready = 1;
	return 0;
}

const struct transport *
tls_transport(struct tls *t)
{
	return t != NULL && t->ready ? &t->tr : NULL;
}

const char *
tls_summary(struct tls *t)
{
	return t != NULL && t->summary != NULL ? t->summary : "";
}

void
tls_bye(struct tls *t)
{
	if (t == NULL || !t->ready || t->bye_sent)
		return;
	t->bye_sent = 1;
	tls_save_session(t);
	/* Non-blocking: an alert that does not fit now is simply lost. */
	(void)gnutls_bye(t->sess, GNUTLS_SHUT_WR);
}

int
tls_resumed(struct tls *t)
{
	return t != NULL && t->ready && gnutls_session_is_resumed(t->sess);
}

int
tls_peer_info(struct tls *t, struct tls_cert_info *info, struct failure *f)
{
	const gnutls_datum_t *der;

	memset(info, 0, sizeof(*info));
	if (t == NULL || !t->ready) {
		failure_set(f, FAIL_SOFTWARE, "no TLS session");
		return -1;
	}
	if ((der = tls_peer_der(t, f)) == NULL)
		return -1;
	return tls_cert_describe(der, info, f);
}

int
tls_channel_binding(struct tls *t, const char **type, char **b64)
{
	gnutls_datum_t cb = { NULL, 0 }, enc = { NULL, 0 };
	gnutls_channel_binding_t which = GNUTLS_CB_TLS_UNIQUE;

	*type = "tls-unique";
	*b64 = NULL;
	if (t == NULL || !t->ready)
		return -1;
	if (gnutls_protocol_get_version(t->sess) == GNUTLS_TLS1_3) {
		which = GNUTLS_CB_TLS_EXPORTER;
		*type = "tls-exporter";
	}
	if (gnutls_session_channel_binding(t->sess, which, &cb) < 0)
		return -1;
	if (gnutls_base64_encode2(&cb, &enc) >= 0) {
		*b64 = xstrndup((const char *)enc.data, enc.size);
		gnutls_free(enc.data);
	}
	gnutls_free(cb.data);
	return *b64 != NULL ? 0 : -1;
}

/* What the caller should wait for after GNUTLS_E_AGAIN. */
static ssize_t
tls_want(const struct tls *t)
{
	return gnutls_record_get_direction(t->sess) ?
	    TRANSPORT_WANT_WRITE : TRANSPORT_WANT_READ;
}

static ssize_t
tls_read(void *ctx, void *buf, size_t len, struct failure *f)
{
	struct tls *t = ctx;
	ssize_t n;
	int tries;

	for (tries = 0; tries < TLS_RETRY_MAX; tries++) {
		n = gnutls_record_recv(t->sess, buf, len);
		if (n >= 0)
			return n;	/* 0 is close_notify: TRANSPORT_EOF */
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			/* Never send the caller to poll() for bytes that
			 * are already here. */
			if (gnutls_record_check_pending(t->sess) > 0)
				continue;
			return tls_want(t);
		}
		if (n == GNUTLS_E_PREMATURE_TERMINATION)
			return TRANSPORT_EOF;
		/* TLS 1.3: a refused client certificate shows up here. */
		if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			failure_set(f, FAIL_TLS, "TLS: the server sent the "
			    "alert '%s'", gnutls_alert_get_name(
			    gnutls_alert_get(t->sess)));
			return TRANSPORT_ERROR;
		}
		/* Warning alerts and renegotiation requests: a client may
		 * ignore them and keep reading. */
		if (gnutls_error_is_fatal((int)n))
			break;
	}
	failure_set(f, FAIL_NET_TEMP, "TLS read error: %s",
	    gnutls_strerror((int)n));
	return TRANSPORT_ERROR;
}

static ssize_t
tls_write(void *ctx, const void *buf, size_t len, struct failure *f)
{
	struct tls *t = ctx;
	ssize_t n;

	n = gnutls_record_send(t->sess, buf, len);
	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return tls_want(t);
	failure_set(f, FAIL_NET_TEMP, "TLS write error: %s",
	    gnutls_strerror((int)n));
	return TRANSPORT_ERROR;
}
