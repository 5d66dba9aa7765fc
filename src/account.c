/*
 * account.c - chooses the account, merges its layers and checks them.
 *
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
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "idn.h"

#define ACCOUNT_DEFAULT_TIMEOUT 300

/* Values borrowed from a struct conf (or owned by struct merge). */
struct layer {
	const char *v[CONF_KEY_LAST];
	unsigned line[CONF_KEY_LAST];	/* 0: command line or not set */
};

/* The chosen account and everything needed to report on it. */
struct merge {
	const char *name;
	const char *path;		/* NULL for the command-line account */
	unsigned line;			/* of the "account" command */
	struct layer l;
	char *owned[CONF_KEY_LAST];	/* normalised override values */
};

static void
layer_put(struct layer *dst, const struct conf_values *src)
{
	size_t k;

	for (k = 0; k < CONF_KEY_LAST; k++) {
		if (src->v[k] != NULL) {
			dst->v[k] = src->v[k];
			dst->line[k] = src->line[k];
		}
	}
}

static void
layer_over(struct layer *dst, const struct layer *src)
{
	size_t k;

	for (k = 0; k < CONF_KEY_LAST; k++) {
		if (src->v[k] != NULL) {
			dst->v[k] = src->v[k];
			dst->line[k] = src->line[k];
		}
	}
}

/*
 * What each account passes to its children: its parents' share, then
 * its own lines.  Parents precede their children in the file, so one
 * pass in file order computes every entry from finished ones.
 */
static struct layer *
inherit_table(const struct conf *c)
{
	const struct conf_account *a, *par;
	struct layer *t;
	size_t i, j, idx;

	t = xcalloc(c->naccounts, sizeof(*t));
	for (i = 0; i < c->naccounts; i++) {
		a = &c->accounts[i];
		for (j = 0; j < a->nparents; j++) {
			if ((par = conf_find(c, a->parents[j])) == NULL)
				continue;
			idx = (size_t)(par - c->accounts);
			if (idx < i)
				layer_over(&t[i], &t[idx]);
		}
		layer_put(&t[i], &a->own);
	}
	return t;
}

static void
merge_from_conf(struct merge *m, const struct conf *c, size_t idx)
{
	const struct conf_account *a = &c->accounts[idx];
	struct layer *t = inherit_table(c);

	memset(m, 0, sizeof(*m));
	m->name = a->name;
	m->path = c->path;
	m->line = a->line;
	layer_put(&m->l, &a->defaults);
	layer_over(&m->l, &t[idx]);
	free(t);
}

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

/* "user+detail@dom" becomes "user@dom"; NULL when there is no detail. */
static char *
strip_detail(const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');

	if (plus == NULL || at == NULL || plus > at)
		return NULL;
	return xasprintf("%.*s%s", (int)(plus - addr), addr, at);
}

static int
from_matches(const char *pattern, const char *from)
{
	char *base;
	int r;

	if (pattern == NULL || *pattern == '\0')
		return 0;
	if (strcasecmp(pattern, from) == 0 ||
	    fnmatch(pattern, from, FNM_CASEFOLD) == 0)
		return 1;
	if ((base = strip_detail(from)) == NULL)
		return 0;
	r = strcasecmp(pattern, base) == 0 ||
	    fnmatch(pattern, base, FNM_CASEFOLD) == 0;
	free(base);
	return r;
}

/* The first account of c whose merged "from" matches; -1 if none. */
static long
find_by_from(const struct conf *c, const char *from)
{
	struct layer *t, l;
	size_t i;
	long found = -1;

	if (c == NULL || c->naccounts == 0)
		return -1;
	t = inherit_table(c);
	for (i = 0; i < c->naccounts && found == -1; i++) {
		memset(&l, 0, sizeof(l));
		layer_put(&l, &c->accounts[i].defaults);
		layer_over(&l, &t[i]);
		if (from_matches(l.v[CONF_FROM], from))
			found = (long)i;
	}
	free(t);
	return found;
}

/* Look in the user file, then the system file. */
static int
pick_by_name(const struct conf *sys, const struct conf *user,
    const char *name, struct merge *m)
{
	const struct conf *cs[2] = { user, sys };
	const struct conf_account *a;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((a = conf_find(cs[i], name)) != NULL) {
			merge_from_conf(m, cs[i],
			    (size_t)(a - cs[i]->accounts));
			return 0;
		}
	}
	return -1;
}

static int
pick_by_from(const struct conf *sys, const struct conf *user,
    const char *from, struct merge *m)
{
	const struct conf *cs[2] = { user, sys };
	size_t i;
	long idx;

	for (i = 0; i < 2; i++) {
		if ((idx = find_by_from(cs[i], from)) != -1) {
			merge_from_conf(m, cs[i], (size_t)idx);
			return 0;
		}
	}
	return -1;
}

/* "in A", "in A or B", or a note that no file was read. */
static char *
files_checked(const struct conf *sys, const struct conf *user)
{
	if (user != NULL && sys != NULL)
		return xasprintf("in %s or %s", user->path, sys->path);
	if (user != NULL || sys != NULL)
		return xasprintf("in %s", (user != NULL ? user : sys)->path);
	return xstrdup("(no configuration file)");
}

static int
has_override(const struct account_request *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->noverrides; i++)
		if (strcmp(req->override_keys[i], key) == 0 &&
		    req->override_values[i] != NULL &&
		    req->override_values[i][0] != '\0')
			return 1;
	return 0;
}

static int
pick(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct merge *m, struct failure *f)
{
	size_t total;
	char *where;

	if (req->name != NULL) {
		if (pick_by_name(sys, user, req->name, m) == 0)
			return 0;
		where = files_checked(sys, user);
		failure_set(f, FAIL_CONFIG, "account '%s' not found %s",
		    req->name, where);
		free(where);
		return -1;
	}
	if (req->from != NULL && pick_by_from(sys, user, req->from, m) == 0)
		return 0;
	if (pick_by_name(sys, user, "default", m) == 0)
		return 0;
	total = (sys != NULL ? sys->naccounts : 0) +
	    (user != NULL ? user->naccounts : 0);
	if (total == 0 && has_override(req, "host")) {
		memset(m, 0, sizeof(*m));
		m->name = "cmdline";
		return 0;
	}
	where = files_checked(sys, user);
	failure_set(f, FAIL_CONFIG, "no account given and no 'default' "
	    "account %s", where);
	free(where);
	return -1;
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
}

static struct account *
build(const struct merge *m)
{
	struct account *a = xcalloc(1, sizeof(*a));
	const char *pw = val(m, CONF_PASSWORD);

	a->name = xstrdup(m->name);
	a->conf_path = m->path != NULL ? xstrdup(m->path) : NULL;
	a->host = dup_val(m, CONF_HOST);
	a->from = dup_val(m, CONF_FROM);
	a->user = dup_val(m, CONF_USER);
	if (pw != NULL) {
		a->password.kind = SECRET_LITERAL;
		a->password.arg = xstrdup(pw);
	}
	set_auth(a, val(m, CONF_AUTH));
	a->auth_without_tls = flag(m, CONF_AUTH_WITHOUT_TLS, 0);
	set_tls(a, m);
	if (a->host != NULL && (a->tls || a->tls_opportunistic) &&
	    flag(m, CONF_TLS_SESSION_CACHE, 1))
		a->tls_session_file = tls_session_path(a);
	a->domain = dup_val(m, CONF_DOMAIN);
	if (a->domain == NULL)
		a->domain = xstrdup("localhost");
	/* postie always keeps a deadline, so "off" means the default. */
	a->timeout_s = number(m, CONF_TIMEOUT, ACCOUNT_DEFAULT_TIMEOUT);
	a->logfile = dup_val(m, CONF_LOGFILE);
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

	if (a->host == NULL)
		return acct_fail(m, m->line, f, "no host given");
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

int
account_resolve(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct account **out,
    struct failure *f)
{
	struct merge m;
	struct account *a;

	*out = NULL;
	if (pick(sys, user, req, &m, f) == -1)
		return -1;
	if (apply_overrides(&m, req, f) == -1) {
		merge_clear(&m);
		return -1;
	}
	a = build(&m);
	if (validate(&m, a, f) == -1) {
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
	free(a->logfile);
	free(a->dsn_notify);
	free(a->dsn_return);
	free(a->queue_dir);
	free(a);
}
