/*
 * account.c - merges the chosen account's layers and checks them.
 *
 * account_pick.c chooses the account and lays out its file layers.
 * Layers, lowest first: the defaults in force where the account was
 * defined, what each parent passes on (its own parents' values and its
 * own lines, but not its defaults, as msmtp does), the account's own
 * lines, then the command-line overrides.  Only values that were set
 * explicitly take part, so an unset key never hides a lower layer.  The
 * result is a typed, validated struct account; secrets are only recorded
 * by where they come from.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "account.h"
#include "account_int.h"
#include "expand.h"
#include "idn.h"
#include "log.h"

#define ACCOUNT_DEFAULT_TIMEOUT 300

static void
merge_clear_key(struct merge *m, enum conf_key k)
{
	if (m->owned[k] == NULL)
		return;
	if (conf_key_is_secret(k))
		explicit_bzero(m->owned[k], strlen(m->owned[k]));
	free(m->owned[k]);
	m->owned[k] = NULL;
}

static void
merge_clear(struct merge *m)
{
	size_t k;

	for (k = 0; k < CONF_KEY_LAST; k++)
		merge_clear_key(m, (enum conf_key)k);
}

static int
apply_overrides(struct merge *m, const struct account_request *req,
    struct failure *f)
{
	const char *value;
	enum conf_key k;
	size_t i;
	char *v;

	for (i = 0; i < req->noverrides; i++) {
		if (conf_key_lookup(req->override_keys[i], &k) == -1) {
			failure_set(f, FAIL_USAGE, "unknown option --%s",
			    req->override_keys[i]);
			return -1;
		}
		value = req->override_values[i];
		v = NULL;
		/* An empty value unsets the key, whatever the files say. */
		if (value != NULL && *value != '\0' &&
		    conf_value_normalize(k, value, &v, f) == -1) {
			if (f != NULL)
				f->cls = FAIL_USAGE;
			failure_prefix(f, "command line");
			return -1;
		}
		merge_clear_key(m, k);
		m->owned[k] = v;
		m->l.v[k] = v;
		m->l.line[k] = 0;
	}
	return 0;
}

/* A value, or NULL when it is unset or empty (msmtp: empty unsets). */
static const char *
val(const struct merge *m, enum conf_key k)
{
	const char *v = m->l.v[k];

	return v != NULL && *v != '\0' ? v : NULL;
}

static char *
dup_val(const struct merge *m, enum conf_key k)
{
	const char *v = val(m, k);

	return v != NULL ? xstrdup(v) : NULL;
}

/* DSN settings in their wire form (RFC 3461): upper case, NULL if off. */
static void
set_dsn(struct account *a, const struct merge *m)
{
	const char *n = val(m, CONF_DSN_NOTIFY), *r = val(m, CONF_DSN_RETURN);
	char *p;

	if (n != NULL && strcmp(n, "off") != 0) {
		a->dsn_notify = xstrdup(n);
		for (p = a->dsn_notify; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	if (r != NULL && strcmp(r, "off") != 0)
		a->dsn_return = xstrdup(strcmp(r, "full") == 0 ? "FULL" :
		    "HDRS");
}

static int
flag(const struct merge *m, enum conf_key k, int dflt)
{
	const char *v = val(m, k);

	return v != NULL ? strcmp(v, "off") != 0 : dflt;
}

/* Values were checked by conf_value_normalize(); "off" gives dflt. */
static int
number(const struct merge *m, enum conf_key k, int dflt)
{
	const char *v = val(m, k);
	long n;

	if (v == NULL || util_parse_long(v, 1, INT_MAX, &n) == -1)
		return dflt;
	return (int)n;
}

static void
set_auth(struct account *a, const char *v)
{
	char *p;

	if (v == NULL || strcmp(v, "off") == 0) {
		a->auth = ACCOUNT_AUTH_OFF;
	} else if (strcmp(v, "on") == 0) {
		a->auth = ACCOUNT_AUTH_AUTO;
	} else {
		a->auth = ACCOUNT_AUTH_MECH;
		a->auth_mech = p = xstrdup(v);
		for (; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
	}
}

static void
set_tls(struct account *a, const struct merge *m)
{
	const char *trust = val(m, CONF_TLS_TRUST_FILE);

	a->tls = flag(m, CONF_TLS, 0);
	a->tls_starttls = flag(m, CONF_TLS_STARTTLS, 1);
	a->tls_certcheck = flag(m, CONF_TLS_CERTCHECK, 1);
	if (trust != NULL && strcmp(trust, "system") != 0)
		a->tls_trust_file = xstrdup(trust);
	a->tls_opportunistic = flag(m, CONF_TLS_OPPORTUNISTIC, 0);
	a->tls_fingerprint = dup_val(m, CONF_TLS_FINGERPRINT);
	a->tls_pubkey_pin = dup_val(m, CONF_TLS_PUBKEY_PIN);
	a->tls_crl_file = dup_val(m, CONF_TLS_CRL_FILE);
	a->tls_cert_file = dup_val(m, CONF_TLS_CERT_FILE);
	a->tls_key_file = dup_val(m, CONF_TLS_KEY_FILE);
	a->tls_priorities = dup_val(m, CONF_TLS_PRIORITIES);
	a->tls_host_override = dup_val(m, CONF_TLS_HOST_OVERRIDE);
	a->port = number(m, CONF_PORT,
	    a->tls && !a->tls_starttls ? 465 : 25);
}

/*
 * $XDG_CACHE_HOME/postie/tls-ACCOUNT-HOST-PORT (else ~/.cache/...): one
 * file per account and server, with any byte outside [A-Za-z0-9.-]
 * replaced so that no name can leave the directory.
 */
static char *
tls_session_path(const struct account *a)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	char *home = NULL, *name, *p, *path;

	name = xasprintf("tls-%s-%s-%d", a->name, a->host, a->port);
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			*p = '_';
	if (xdg != NULL && xdg[0] == '/') {
		path = xasprintf("%s/postie/%s", xdg, name);
	} else {
		home = util_expand_home("~");
		path = xasprintf("%s/.cache/postie/%s", home, name);
	}
	free(home);
	free(name);
	return path;
}

char *
account_queue_dir_default(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	char *home, *dir;

	/* The XDG spec ignores a relative XDG_STATE_HOME. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/postie/queue", xdg);
	home = util_expand_home("~");
	dir = xasprintf("%s/.local/state/postie/queue", home);
	free(home);
	return dir;
}

/* Values were normalised by conf.c: seconds, "FIRST,LONGEST". */
static void
set_queue(struct account *a, const struct merge *m)
{
	const char *q = val(m, CONF_QUEUE), *retry = val(m, CONF_QUEUE_RETRY);
	long first, longest;

	a->queue = ACCOUNT_QUEUE_OFF;
	if (q != NULL && strcmp(q, "fallback") == 0)
		a->queue = ACCOUNT_QUEUE_FALLBACK;
	else if (q != NULL && strcmp(q, "always") == 0)
		a->queue = ACCOUNT_QUEUE_ALWAYS;
	a->queue_dir = dup_val(m, CONF_QUEUE_DIR);
	if (a->queue_dir == NULL)
		a->queue_dir = account_queue_dir_default();
	a->queue_lifetime_s = number(m, CONF_QUEUE_LIFETIME,
	    ACCOUNT_QUEUE_LIFETIME);
	a->queue_retry_first_s = ACCOUNT_QUEUE_RETRY_FIRST;
	a->queue_retry_max_s = ACCOUNT_QUEUE_RETRY_MAX;
	if (retry != NULL && sscanf(retry, "%ld,%ld", &first, &longest) == 2) {
		a->queue_retry_first_s = first;
		a->queue_retry_max_s = longest;
	}
	a->queue_bounce = flag(m, CONF_QUEUE_BOUNCE, 1);
	a->failover = dup_val(m, CONF_FAILOVER);
}

/* msmtp's rule for these keys: an empty value unsets. */
static char *
dup_set(const struct merge *m, enum conf_key k)
{
	const char *v = val(m, k);

	return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

/* How to reach the server: protocol, proxy, socket, source address. */
static void
set_net(struct account *a, const struct merge *m)
{
	const char *proto = val(m, CONF_PROTOCOL);

	a->lmtp = proto != NULL && strcmp(proto, "lmtp") == 0;
	/* LMTP has no standard port: validate() asks for one. */
	if (a->lmtp && val(m, CONF_PORT) == NULL)
		a->port = 0;
	a->partial_delivery = flag(m, CONF_PARTIAL_DELIVERY, 0);
	a->requiretls = flag(m, CONF_REQUIRETLS, 0);
	a->source_ip = dup_set(m, CONF_SOURCE_IP);
	a->socket_path = dup_set(m, CONF_SOCKET);
	a->proxy_host = dup_set(m, CONF_PROXY_HOST);
	a->proxy_port = number(m, CONF_PROXY_PORT, 1080);
}

static enum account_hdr
hdr_mode(const struct merge *m, enum conf_key k)
{
	const char *v = val(m, k);

	if (v == NULL || strcmp(v, "auto") == 0)
		return ACCOUNT_HDR_AUTO;
	return strcmp(v, "on") == 0 ? ACCOUNT_HDR_ON : ACCOUNT_HDR_OFF;
}

static enum account_to
to_mode(const char *v)
{
	if (v == NULL || strcmp(v, "off") == 0)
		return ACCOUNT_TO_OFF;
	return strcmp(v, "on") == 0 ? ACCOUNT_TO_ON : ACCOUNT_TO_UNDISCLOSED;
}

static void
set_headers(struct account *a, const struct merge *m)
{
	a->allow_from_override = flag(m, CONF_ALLOW_FROM_OVERRIDE, 1);
	a->set_from_header = hdr_mode(m, CONF_SET_FROM_HEADER);
	a->set_date_header = hdr_mode(m, CONF_SET_DATE_HEADER);
	a->set_msgid_header = hdr_mode(m, CONF_SET_MSGID_HEADER);
	a->remove_bcc_headers = flag(m, CONF_REMOVE_BCC_HEADERS, 1);
	a->undisclosed_recipients = flag(m, CONF_UNDISCLOSED_RECIPIENTS, 0);
	a->set_to_header = to_mode(val(m, CONF_SET_TO_HEADER));
	if (a->set_to_header == ACCOUNT_TO_UNDISCLOSED)
		a->undisclosed_recipients = 1;
	a->auto_from = flag(m, CONF_AUTO_FROM, 0);
	a->maildomain = dup_val(m, CONF_MAILDOMAIN);
	a->tls_min_dh_prime_bits = number(m, CONF_TLS_MIN_DH_PRIME_BITS, 0);
}

/*
 * Where the password will come from, in msmtp's order; secret.c fetches
 * it only when AUTH needs it.  EXTERNAL and GSSAPI need none, so no
 * lookup (and no prompt) is planned for them.
 */
static void
set_password(struct account *a, const struct merge *m)
{
	const char *pw = val(m, CONF_PASSWORD);
	const char *cmd = val(m, CONF_PASSWORDEVAL);
	struct secret_source *src = &a->password;

	if (pw != NULL || cmd != NULL) {
		src->kind = pw != NULL ? SECRET_LITERAL : SECRET_EVAL;
		src->arg = xstrdup(pw != NULL ? pw : cmd);
	} else if (a->auth == ACCOUNT_AUTH_AUTO ||
	    (a->auth == ACCOUNT_AUTH_MECH &&
	    strcmp(a->auth_mech, "EXTERNAL") != 0 &&
	    strcmp(a->auth_mech, "GSSAPI") != 0)) {
		src->kind = SECRET_LOOKUP;
		src->host = a->host != NULL ? xstrdup(a->host) : NULL;
		src->user = a->user != NULL ? xstrdup(a->user) : NULL;
	}
}

/* logfile, logfile_time_format and syslog ("on": LOG_MAIL). */
static void
set_log(struct account *a, const struct merge *m)
{
	const char *sl = val(m, CONF_SYSLOG);

	a->logfile = dup_val(m, CONF_LOGFILE);
	a->logfile_time_format = dup_val(m, CONF_LOGFILE_TIME_FORMAT);
	a->syslog_facility = 0;
	if (sl != NULL && strcmp(sl, "on") == 0)
		a->syslog_facility = LOG_MAIL;
	else if (sl != NULL && strcmp(sl, "off") != 0 &&
	    log_facility_lookup(sl, &a->syslog_facility) < 0)
		a->syslog_facility = 0;
}

static struct account *
build(const struct merge *m)
{
	struct account *a = xcalloc(1, sizeof(*a));

	a->name = xstrdup(m->name);
	a->conf_path = m->path != NULL ? xstrdup(m->path) : NULL;
	a->host = dup_val(m, CONF_HOST);
	a->from = dup_val(m, CONF_FROM);
	a->user = dup_val(m, CONF_USER);
	set_auth(a, val(m, CONF_AUTH));
	set_password(a, m);
	a->auth_without_tls = flag(m, CONF_AUTH_WITHOUT_TLS, 0);
	a->ntlm_domain = dup_val(m, CONF_NTLMDOMAIN);
	set_tls(a, m);
	set_net(a, m);
	if (a->host != NULL && (a->tls || a->tls_opportunistic) &&
	    flag(m, CONF_TLS_SESSION_CACHE, 1))
		a->tls_session_file = tls_session_path(a);
	set_headers(a, m);
	a->aliases = dup_val(m, CONF_ALIASES);
	/* postie always keeps a deadline, so "off" means the default. */
	a->timeout_s = number(m, CONF_TIMEOUT, ACCOUNT_DEFAULT_TIMEOUT);
	set_log(a, m);
	set_dsn(a, m);
	set_queue(a, m);
	return a;
}

/* "FILE:LINE: account 'x': problem", or without FILE:LINE if unknown. */
static int
acct_fail(const struct merge *m, unsigned line, struct failure *f,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
acct_fail(const struct merge *m, unsigned line, struct failure *f,
    const char *fmt, ...)
{
	char buf[FAILURE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (m->path != NULL && line != 0)
		failure_set(f, FAIL_CONFIG, "%s:%u: account '%s': %s",
		    m->path, line, m->name, buf);
	else
		failure_set(f, FAIL_CONFIG, "account '%s': %s", m->name, buf);
	return -1;
}

static int
mech_is(const struct account *a, const char *mech)
{
	return a->auth == ACCOUNT_AUTH_MECH &&
	    strcmp(a->auth_mech, mech) == 0;
}

static int
validate(const struct merge *m, struct account *a, struct failure *f)
{
	unsigned aline = m->l.line[CONF_AUTH];
	const char *auth = val(m, CONF_AUTH);
	struct failure idn;

	/* As in msmtp a socket needs no host; its name stands in for one
	 * in messages and the log. */
	if (a->host == NULL && a->socket_path != NULL)
		a->host = xstrdup(a->socket_path);
	if (a->host == NULL)
		return acct_fail(m, m->line, f, "no host given");
	if (a->port == 0 && a->socket_path == NULL)
		return acct_fail(m, m->l.line[CONF_PROTOCOL], f, "protocol "
		    "lmtp has no default port; set port");
	if (a->auth != ACCOUNT_AUTH_OFF && a->user == NULL &&
	    !mech_is(a, "EXTERNAL") && !mech_is(a, "GSSAPI"))
		return acct_fail(m, aline, f, "auth %s needs a user name; "
		    "set user", auth);
	if ((mech_is(a, "PLAIN") || mech_is(a, "LOGIN")) && !a->tls &&
	    !a->auth_without_tls)
		return acct_fail(m, aline, f, "auth %s would send the "
		    "password in clear; set tls on or auth_without_tls on",
		    auth);
	if (idn_host_to_ascii(a->host, &a->host_ascii, &idn) == -1)
		return acct_fail(m, m->l.line[CONF_HOST], f, "%s", idn.text);
	return 0;
}

/*
 * The patterns of "from" and "domain", and the obsolete auto_from, which
 * replaces "from" by USER@maildomain (just USER without a maildomain).
 */
static int
expand_names(const struct merge *m, struct account *a, struct failure *f)
{
	const char *dom = val(m, CONF_MAILDOMAIN), *d = val(m, CONF_DOMAIN);
	struct failure ef;
	char *v, *user;

	if (flag(m, CONF_AUTO_FROM, 0)) {
		user = expand_user();
		v = dom != NULL ? xasprintf("%s@%s", user, dom) : xstrdup(user);
		free(user);
		free(a->from);
		a->from = v;
	} else if (a->from != NULL) {
		if (expand_patterns(a->from, "UHCM", &v, &ef) == -1)
			return acct_fail(m, m->l.line[CONF_FROM], f, "from: %s",
			    ef.text);
		free(a->from);
		a->from = v;
	}
	if (expand_patterns(d != NULL ? d : "localhost", "HCM", &a->domain,
	    &ef) == -1)
		return acct_fail(m, m->l.line[CONF_DOMAIN], f, "domain: %s",
		    ef.text);
	if (val(m, CONF_FROM_FULL_NAME) != NULL && expand_patterns(
	    val(m, CONF_FROM_FULL_NAME), "F", &a->from_full_name, &ef) == -1)
		return acct_fail(m, m->l.line[CONF_FROM_FULL_NAME], f,
		    "from_full_name: %s", ef.text);
	return 0;
}

int
account_resolve(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct account **out,
    struct failure *f)
{
	struct merge m;
	struct account *a;

	*out = NULL;
	if (account_pick(sys, user, req, &m, f) == -1)
		return -1;
	if (apply_overrides(&m, req, f) == -1) {
		merge_clear(&m);
		return -1;
	}
	a = build(&m);
	if (expand_names(&m, a, f) == -1 || validate(&m, a, f) == -1) {
		merge_clear(&m);
		account_free(a);
		return -1;
	}
	merge_clear(&m);
	*out = a;
	return 0;
}

void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->conf_path);
	free(a->host);
	free(a->host_ascii);
	free(a->from);
	free(a->user);
	secret_source_clear(&a->password);
	free(a->auth_mech);
	free(a->ntlm_domain);
	free(a->tls_trust_file);
	free(a->tls_fingerprint);
	free(a->tls_pubkey_pin);
	free(a->tls_crl_file);
	free(a->tls_cert_file);
	free(a->tls_key_file);
	free(a->tls_priorities);
	free(a->tls_host_override);
	free(a->tls_session_file);
	free(a->domain);
	free(a->aliases);
	free(a->from_full_name);
	free(a->maildomain);
	free(a->logfile);
	free(a->logfile_time_format);
	free(a->dsn_notify);
	free(a->dsn_return);
	free(a->queue_dir);
	free(a->failover);
	free(a->source_ip);
	free(a->socket_path);
	free(a->proxy_host);
	free(a);
}
