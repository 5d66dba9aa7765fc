/*
 * sasl.c - the GNU SASL client wrapper: picks a mechanism and runs its
 * steps in base64, as they go on the wire.
 *
 * Each struct sasl has its own Gsasl context, so that ending it (as soon
 * as the exchange is over) frees everything the library held, including
 * its copy of the password.  The password reaches the library only from
 * inside secret_lend(), in the property callback.
 *
 * Automatic choice follows the order msmtp uses; with TLS:
 *	SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS (only with channel binding data)
 *	PLAIN SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 DIGEST-MD5 LOGIN NTLM
 * Without TLS the mechanisms that send the password as is (PLAIN, LOGIN)
 * move to the end of that list, and are dropped unless the account allows
 * them.  Mechanisms that need no password (EXTERNAL, GSSAPI) and the
 * bearer-token ones (XOAUTH2, OAUTHBEARER) are never chosen automatically.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsasl.h>

#include "log.h"
#include "sasl.h"
#include "sasl_oauth.h"

/*
 * RFC 4954 4: an initial response that would make the AUTH command longer
 * than an SMTP command line (512 octets with CRLF, RFC 5321 4.5.3.1.4)
 * must not be sent with it, but after the server's empty 334 challenge.
 */
#define SASL_AUTH_LINE_MAX 512
/* RFC 4422: mechanism names are at most 20 of [A-Z0-9-_]. */
#define SASL_MECH_MAX 20

enum sasl_kind {
	SASL_KIND_GSASL,
	SASL_KIND_XOAUTH2,
	SASL_KIND_OAUTHBEARER,	/* RFC 7628 */
	SASL_KIND_LAST
};

struct sasl {
	Gsasl *ctx;			/* NULL once the exchange ended */
	Gsasl_session *sess;		/* NULL once the exchange ended */
	const struct secret *password;	/* borrowed from the caller */
	char *user;
	char *host;
	char *ntlm_domain;		/* NULL: none */
	char *mech;
	int port;
	char *cb_type;			/* NULL: no channel binding */
	char *cb_data;
	enum sasl_kind kind;
	int oauth_done;			/* the error reply was answered */
	char *held;			/* initial response kept for 334 */
};

struct sasl_pref {
	const char *name;
	int clear;		/* the password goes on the wire as is */
	int plus;		/* needs channel binding */
};

static const struct sasl_pref sasl_prefs[] = {
	{ "SCRAM-SHA-256-PLUS", 0, 1 },
	{ "SCRAM-SHA-1-PLUS", 0, 1 },
	{ "PLAIN", 1, 0 },
	{ "SCRAM-SHA-256", 0, 0 },
	{ "SCRAM-SHA-1", 0, 0 },
	{ "CRAM-MD5", 0, 0 },
	{ "DIGEST-MD5", 0, 0 },
	{ "LOGIN", 1, 0 },
	{ "NTLM", 0, 0 },
};

/*
 * Mechanisms where the server speaks first, so AUTH goes without an
 * initial response.  gsasl's LOGIN answers whatever comes first with the
 * user name, so it must not be stepped before the server's prompt.
 */
static const char *const sasl_server_first[] = {
	"LOGIN", "CRAM-MD5", "DIGEST-MD5",
};

const char *
sasl_preference(void)
{
	static char buf[128];
	size_t i, len = 0;

	for (i = 0; i < UTIL_ARRAY_LEN(sasl_prefs) && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i > 0 ? " " : "", sasl_prefs[i].name);
	return buf;
}

/* Is name one of the space separated words of list (any case)? */
static int
sasl_listed(const char *list, const char *name)
{
	size_t n, want = strlen(name);

	while (*list != '\0') {
		list += strspn(list, " \t");
		n = strcspn(list, " \t");
		if (n == want && strncasecmp(list, name, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

static int
sasl_is_clear(const char *mech)
{
	return strcmp(mech, "PLAIN") == 0 || strcmp(mech, "LOGIN") == 0;
}

static int
sasl_is_plus(const char *mech)
{
	size_t len = strlen(mech);

	return len > 5 && strcmp(mech + len - 5, "-PLUS") == 0;
}

/* The first mechanism of the preference list that everything allows. */
static const char *
sasl_pick(Gsasl *ctx, const struct sasl_options *opt, const char *offered)
{
	const struct sasl_pref *p;
	int pass, last = opt->tls_active ? 0 : 1;
	size_t i;

	/* Pass 0 takes the list as it is; pass 1 (no TLS) the clear ones. */
	for (pass = 0; pass <= last; pass++) {
		for (i = 0; i < UTIL_ARRAY_LEN(sasl_prefs); i++) {
			p = &sasl_prefs[i];
			if (!opt->tls_active && p->clear != pass)
				continue;
			if (p->clear && !opt->tls_active && !opt->allow_clear)
				continue;
			if (p->plus && opt->cb_data == NULL)
				continue;
			if (sasl_listed(offered, p->name) &&
			    gsasl_client_support_p(ctx, p->name))
				return p->name;
		}
	}
	return NULL;
}

/* Validate and upper-case an explicit mechanism into buf. */
static int
sasl_normalize(const char *mech, char *buf, size_t size, struct failure *f)
{
	size_t i, len = strlen(mech);

	if (len == 0 || len > SASL_MECH_MAX || len >= size ||
	    mech[strspn(mech, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_")] != '\0') {
		failure_set(f, FAIL_AUTH, "invalid SASL mechanism name '%s'",
		    mech);
		return -1;
	}
	for (i = 0; i <= len; i++)
		buf[i] = (mech[i] >= 'a' && mech[i] <= 'z') ?
		    (char)(mech[i] - 'a' + 'A') : mech[i];
	return 0;
}

static enum sasl_kind
sasl_kind_of(const char *mech)
{
	if (strcmp(mech, "XOAUTH2") == 0)
		return SASL_KIND_XOAUTH2;
	if (strcmp(mech, "OAUTHBEARER") == 0)
		return SASL_KIND_OAUTHBEARER;
	return SASL_KIND_GSASL;
}

static int
sasl_check_explicit(Gsasl *ctx, const struct sasl_options *opt,
    const char *offered, const char *mech, struct failure *f)
{
	if (!sasl_listed(offered, mech)) {
		failure_set(f, FAIL_NOCAP, "the server does not offer AUTH %s "
		    "(it offers: %s)", mech, *offered ? offered : "nothing");
		return -1;
	}
	if (sasl_kind_of(mech) != SASL_KIND_GSASL && !opt->tls_active) {
		failure_set(f, FAIL_AUTH, "AUTH %s would send the token "
		    "unencrypted: the connection does not use TLS", mech);
		return -1;
	}
	if (sasl_kind_of(mech) != SASL_KIND_GSASL)
		return 0;
	if (!gsasl_client_support_p(ctx, mech)) {
		failure_set(f, FAIL_AUTH, "GNU SASL does not support %s", mech);
		return -1;
	}
	if (sasl_is_plus(mech) && opt->cb_data == NULL) {
		failure_set(f, FAIL_AUTH, "AUTH %s needs TLS channel binding, "
		    "which this connection does not provide", mech);
		return -1;
	}
	if (sasl_is_clear(mech) && !opt->tls_active && !opt->allow_clear) {
		failure_set(f, FAIL_AUTH, "AUTH %s would send the password "
		    "unencrypted: the connection does not use TLS", mech);
		return -1;
	}
	return 0;
}

/* Choose the mechanism; its name goes to buf. */
static int
sasl_choose(Gsasl *ctx, const struct sasl_options *opt, const char *offered,
    char *buf, size_t size, struct failure *f)
{
	const char *pick;

	if (opt->mech != NULL) {
		if (sasl_normalize(opt->mech, buf, size, f) < 0)
			return -1;
		return sasl_check_explicit(ctx, opt, offered, buf, f);
	}
	pick = sasl_pick(ctx, opt, offered);
	if (pick == NULL) {
		failure_set(f, FAIL_AUTH, "no usable authentication mechanism "
		    "(server offers: %s)", *offered ? offered : "nothing");
		return -1;
	}
	strlcpy(buf, pick, size);
	return 0;
}

static int
sasl_set(Gsasl_session *sess, Gsasl_property prop, const char *value)
{
	if (value == NULL)
		return GSASL_NO_CALLBACK;
	return gsasl_property_set(sess, prop, value);
}

/* Runs inside secret_lend(): the library keeps its own copy. */
static int
sasl_put_password(void *arg, const char *plaintext)
{
	return gsasl_property_set(arg, GSASL_PASSWORD, plaintext);
}

static int
sasl_callback(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	struct sasl *s = gsasl_callback_hook_get(ctx);

	switch (prop) {
	case GSASL_AUTHID:
		return sasl_set(sess, prop, s->user);
	case GSASL_PASSWORD:
		if (s->password == NULL)
			return GSASL_NO_CALLBACK;
		return secret_lend(s->password, sasl_put_password, sess);
	case GSASL_SERVICE:
		return sasl_set(sess, prop, "smtp");
	case GSASL_HOSTNAME:
		return sasl_set(sess, prop, s->host);
	case GSASL_REALM:
		/* GNU SASL's NTLM sends the realm as the domain; DIGEST-MD5
		 * takes the server's realm when none is set. */
		return sasl_set(sess, prop, strcmp(s->mech, "NTLM") == 0 ?
		    s->ntlm_domain : NULL);
	case GSASL_CB_TLS_UNIQUE:
	case GSASL_CB_TLS_EXPORTER:
		/* Only the type that fits the TLS version is offered, and
		 * only to -PLUS: GNU SASL's plain SCRAM client fails when it
		 * is handed binding data. */
		if (s->cb_type == NULL || !sasl_is_plus(s->mech) ||
		    strcmp(s->cb_type,
		    prop == GSASL_CB_TLS_UNIQUE ? "tls-unique" :
		    "tls-exporter") != 0)
			return GSASL_NO_CALLBACK;
		return sasl_set(sess, prop, s->cb_data);
	default:
		/* No authzid. */
		return GSASL_NO_CALLBACK;
	}
}

/* End the library session at once, so its copies are freed early. */
static void
sasl_finish(struct sasl *s)
{
	if (s->sess != NULL)
		gsasl_finish(s->sess);
	s->sess = NULL;
	if (s->ctx != NULL)
		gsasl_done(s->ctx);
	s->ctx = NULL;
}

/* Wipe and release one of our own strings. */
static void
sasl_wipe_str(char *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}

/* Wipe and release a buffer the library allocated. */
static void
sasl_wipe_free(char *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, strlen(p));
	gsasl_free(p);
}

/*
 * A SCRAM server that refuses the proof says why in its final message
 * ("e=invalid-proof", RFC 5802 7): that reads better than the library's
 * generic text.
 */
static void
sasl_step_failure(const struct sasl *s, const char *in, int rc,
    struct failure *f)
{
	char *raw = NULL, *p;
	size_t len = 0;

	if (in != NULL && strncmp(s->mech, "SCRAM-", 6) == 0 &&
	    gsasl_base64_from(in, strlen(in), &raw, &len) == GSASL_OK &&
	    raw != NULL && len > 2 && len < 128 && raw[0] == 'e' &&
	    raw[1] == '=') {
		for (p = raw; p < raw + len; p++)
			if (*p < 0x20 || *p == 0x7f || (*p & 0x80) != 0)
				*p = '?';
		failure_set(f, FAIL_AUTH, "SASL %s: the server refused the "
		    "credentials: %.*s", s->mech, (int)len, raw);
	} else {
		failure_set(f, FAIL_AUTH, "SASL %s: %s", s->mech,
		    gsasl_strerror(rc));
	}
	gsasl_free(raw);
}

static enum sasl_result
sasl_run(struct sasl *s, const char *in, char **out, struct failure *f)
{
	char *b64 = NULL;
	int rc;

	*out = NULL;
	if (s->sess == NULL) {
		failure_set(f, FAIL_AUTH, "SASL %s: the server asked for more "
		    "after the exchange ended", s->mech);
		return SASL_FAIL;
	}
	rc = gsasl_step64(s->sess, in != NULL ? in : "", &b64);
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
		sasl_wipe_free(b64);
		sasl_finish(s);
		sasl_step_failure(s, in, rc, f);
		return SASL_FAIL;
	}
	*out = xstrdup(b64 != NULL ? b64 : "");
	sasl_wipe_free(b64);
	if (rc == GSASL_OK) {
		sasl_finish(s);
		return SASL_DONE;
	}
	return SASL_MORE;
}

/* Built by sasl_oauth.c from our fields; the token stays in the secret. */
static int
sasl_oauth_start(struct sasl *s, char **initial, struct failure *f)
{
	struct sasl_oauth_request r;

	r.mech = s->mech;
	r.oauthbearer = s->kind == SASL_KIND_OAUTHBEARER;
	r.user = s->user;
	r.host = s->host;
	r.port = s->port;
	r.token = s->password;
	return sasl_oauth_initial(&r, initial, f);
}

/*
 * The only challenge either mechanism knows is an error.  XOAUTH2 wants
 * an empty response, OAUTHBEARER a single %x01 (RFC 7628 3.2.3); the
 * server then ends the exchange with its failure reply.
 */
static enum sasl_result
sasl_oauth_step(struct sasl *s, const char *challenge, char **response,
    struct failure *f)
{
	*response = NULL;
	if (s->oauth_done) {
		failure_set(f, FAIL_AUTH, "SASL %s: the server asked for more "
		    "after the exchange ended", s->mech);
		return SASL_FAIL;
	}
	s->oauth_done = 1;
	sasl_oauth_show(s->mech, challenge);
	*response = xstrdup(s->kind == SASL_KIND_XOAUTH2 ? "" : "AQ==");
	return SASL_MORE;
}

static int
sasl_client_first(const char *mech)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(sasl_server_first); i++)
		if (strcmp(mech, sasl_server_first[i]) == 0)
			return 0;
	return 1;
}

static struct sasl *
sasl_alloc(const struct sasl_options *opt)
{
	struct sasl *s = xcalloc(1, sizeof(*s));

	s->password = opt->password;
	s->user = opt->user != NULL ? xstrdup(opt->user) : NULL;
	s->host = opt->host != NULL ? xstrdup(opt->host) : NULL;
	s->port = opt->port;
	if (opt->ntlm_domain != NULL && *opt->ntlm_domain != '\0')
		s->ntlm_domain = xstrdup(opt->ntlm_domain);
	if (opt->cb_type != NULL && opt->cb_data != NULL) {
		s->cb_type = xstrdup(opt->cb_type);
		s->cb_data = xstrdup(opt->cb_data);
	}
	return s;
}

/* Create the context, choose and start the mechanism. */
static int
sasl_start(struct sasl *s, const struct sasl_options *opt,
    const char *offered, struct failure *f)
{
	char name[SASL_MECH_MAX + 1];
	int rc;

	rc = gsasl_init(&s->ctx);
	if (rc != GSASL_OK) {
		s->ctx = NULL;
		failure_set(f, FAIL_AUTH, "GNU SASL: cannot initialise: %s",
		    gsasl_strerror(rc));
		return -1;
	}
	if (sasl_choose(s->ctx, opt, offered, name, sizeof(name), f) < 0)
		return -1;
	s->mech = xstrdup(name);
	s->kind = sasl_kind_of(s->mech);
	if (s->kind != SASL_KIND_GSASL) {
		/* Built here; the library has no part in it. */
		sasl_finish(s);
		return 0;
	}
	gsasl_callback_hook_set(s->ctx, s);
	gsasl_callback_set(s->ctx, sasl_callback);
	rc = gsasl_client_start(s->ctx, s->mech, &s->sess);
	if (rc != GSASL_OK) {
		s->sess = NULL;
		failure_set(f, FAIL_AUTH, "SASL %s: %s", s->mech,
		    gsasl_strerror(rc));
		return -1;
	}
	return 0;
}

struct sasl *
sasl_begin(const struct sasl_options *opt, const char *offered,
    const char **mech, char **initial, struct failure *f)
{
	struct sasl *s = sasl_alloc(opt);

	*mech = NULL;
	*initial = NULL;
	if (offered == NULL)
		offered = "";
	if (sasl_start(s, opt, offered, f) < 0) {
		sasl_free(s);
		return NULL;
	}
	/* An empty initial response stays "", so AUTH can send "=". */
	if (s->kind != SASL_KIND_GSASL ?
	    sasl_oauth_start(s, initial, f) < 0 :
	    (sasl_client_first(s->mech) &&
	    sasl_run(s, NULL, initial, f) == SASL_FAIL)) {
		sasl_free(s);
		return NULL;
	}
	/* "AUTH " MECH " " RESPONSE CRLF */
	if (*initial != NULL && strlen(s->mech) + strlen(*initial) + 8 >
	    SASL_AUTH_LINE_MAX) {
		s->held = *initial;
		*initial = NULL;
	}
	*mech = s->mech;
	return s;
}

/* The server's first challenge, when the initial response was held. */
static enum sasl_result
sasl_send_held(struct sasl *s, const char *challenge, char **response,
    struct failure *f)
{
	*response = s->held;
	s->held = NULL;
	if (challenge != NULL && *challenge != '\0') {
		failure_set(f, FAIL_AUTH, "SASL %s: the server sent a "
		    "challenge before the initial response", s->mech);
		sasl_wipe_str(*response);
		*response = NULL;
		return SASL_FAIL;
	}
	return SASL_MORE;
}

enum sasl_result
sasl_step(struct sasl *s, const char *challenge, char **response,
    struct failure *f)
{
	if (s->held != NULL)
		return sasl_send_held(s, challenge, response, f);
	if (s->kind != SASL_KIND_GSASL)
		return sasl_oauth_step(s, challenge, response, f);
	return sasl_run(s, challenge, response, f);
}

void
sasl_free(struct sasl *s)
{
	if (s == NULL)
		return;
	sasl_finish(s);
	free(s->user);
	free(s->host);
	free(s->ntlm_domain);
	free(s->mech);
	free(s->cb_type);
	free(s->cb_data);
	sasl_wipe_str(s->held);
	free(s);
}
