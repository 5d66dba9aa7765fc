/*
 * tls.c - the GnuTLS client: credentials, the handshake on a non-blocking
 * fd within one deadline, certificate and host name verification, and the
 * struct transport that iobuf reads and writes through.
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
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "log.h"
#include "tls.h"
#include "tls_cert.h"

/* TLS 1.2 is the oldest version we speak. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* Bounds the retries after non-fatal GnuTLS errors (warning alerts). */
#define TLS_RETRY_MAX 16

/* Resumption data is a few KiB; anything much larger is not ours. */
#define TLS_SESSION_FILE_MAX 65536

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

static ssize_t tls_read(void *, void *, size_t, struct failure *);
static ssize_t tls_write(void *, const void *, size_t, struct failure *);

static const struct transport_ops tls_ops = {
	tls_read,
	tls_write,
};

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
	/* Accepts PKCS#11 URIs as well as file names. */
	rc = gnutls_certificate_set_x509_key_file2(t->cred, opt->cert_file,
	    opt->key_file, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		failure_set(f, FAIL_CONFIG, "tls_cert_file %s / tls_key_file "
		    "%s: cannot load: %s", opt->cert_file, opt->key_file,
		    gnutls_strerror(rc));
		return -1;
	}
	return 0;
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

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct tls *
tls_new(const struct tls_options *opt, struct failure *f)
{
	struct tls *t = xcalloc(1, sizeof(*t));
	int rc;

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
	if (tls_check_pins(opt, f) < 0)
		goto fail;
	rc = gnutls_certificate_allocate_credentials(&t->cred);
	if (rc < 0) {
		t->cred = NULL;
		failure_set(f, FAIL_TLS, "cannot set up TLS credentials: %s",
		    gnutls_strerror(rc));
		goto fail;
	}
	/* With certcheck off nothing is verified, so nothing is loaded. */
	if (t->certcheck && tls_load_trust(t, opt->trust_file, f) < 0)
		goto fail;
	if (tls_load_files(t, opt, f) < 0 ||
	    tls_set_priorities(t, opt->priorities, f) < 0)
		goto fail;
	return t;
fail:
	tls_free(t);
	return NULL;
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

/*
 * The resumption file is only trusted when it is ours and private: its
 * content lets a session skip the certificate exchange.
 */
static void
tls_load_session(struct tls *t)
{
	unsigned char buf[TLS_SESSION_FILE_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (t->session_file == NULL)
		return;
	fd = open(t->session_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    (n = read(fd, buf, sizeof(buf))) > 0 && n < (ssize_t)sizeof(buf) &&
	    gnutls_session_set_data(t->sess, buf, (size_t)n) == 0)
		log_debug("TLS: trying to resume the session stored in %s",
		    t->session_file);
	close(fd);
	explicit_bzero(buf, sizeof(buf));
}

/* Make the directory of path (and its parent) private to us. */
static void
tls_session_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0700);
			*slash = '/';
		}
		(void)mkdir(dir, 0700);
	}
	free(dir);
}

static int
tls_write_file(const char *path, const gnutls_datum_t *d)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	int fd, ok;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	ok = write(fd, d->data, d->size) == (ssize_t)d->size;
	ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

/*
 * TLS 1.3 tickets arrive after the handshake, with the first replies, so
 * the data is taken at the end of the session.  Without a ticket a 1.3
 * session cannot be resumed and nothing is stored.
 */
static void
tls_save_session(struct tls *t)
{
	gnutls_datum_t d = { NULL, 0 };

	/* A session nothing verified must not be resumed as if it was. */
	if (t->session_file == NULL || (!t->certcheck &&
	    t->fingerprint == NULL && t->pubkey_pin == NULL) ||
	    (gnutls_protocol_get_version(t->sess) == GNUTLS_TLS1_3 &&
	    (gnutls_session_get_flags(t->sess) &
	    GNUTLS_SFLAGS_SESSION_TICKET) == 0))
		return;
	if (gnutls_session_get_data2(t->sess, &d) < 0 || d.size == 0 ||
	    d.size >= TLS_SESSION_FILE_MAX) {
		gnutls_free(d.data);
		return;
	}
	tls_session_dir(t->session_file);
	if (tls_write_file(t->session_file, &d) == 0)
		log_debug("TLS: stored the session in %s", t->session_file);
	else
		log_debug("TLS: cannot store the session in %s: %s",
		    t->session_file, strerror(errno));
	explicit_bzero(d.data, d.size);
	gnutls_free(d.data);
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
	tls_load_session(t);
	return 0;
}

static void
tls_verify_failure(struct tls *t, struct failure *f)
{
	char why[256];

	tls_cert_status_text(gnutls_session_get_verify_cert_status(t->sess),
	    why, sizeof(why));
	failure_set(f, FAIL_TLS, "TLS certificate verification failed for "
	    "%s: %s", t->host, why);
}

static void
tls_handshake_failure(struct tls *t, int rc, struct failure *f)
{
	switch (rc) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
		tls_verify_failure(t, f);
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
	char why[256];
	int rc;

	if (!t->certcheck || !gnutls_session_is_resumed(t->sess))
		return 0;
	rc = gnutls_certificate_verify_peers3(t->sess, t->host, &status);
	if (rc == 0 && status == 0)
		return 0;
	if (rc < 0)
		snprintf(why, sizeof(why), "%s", gnutls_strerror(rc));
	else
		tls_cert_status_text(status, why, sizeof(why));
	failure_set(f, FAIL_TLS, "TLS certificate verification failed for "
	    "%s: %s (resumed session)", t->host, why);
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
