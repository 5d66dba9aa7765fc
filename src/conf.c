/*
 * conf.c - reads one msmtprc file into per-account raw values.
 *
 * The grammar is line based: a command word and an optional argument,
 * which may be double-quoted to keep blanks at either end.  Every key is
 * a row of one table (name, validator, flags such as "secret"); the same
 * validator serves the file and the command line, so both accept the same
 * values.  Choosing and merging accounts is account.c's job.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static conf_check_fn check_text, check_number, check_bool, check_auth,
    check_path;

/* One row per rc key; scripts extract the names to check the man page. */
static const struct conf_key_def conf_keys[CONF_KEY_LAST] = {
	[CONF_HOST] =		{ "host", check_text, CK_REQUIRED, 0, 0 },
	[CONF_PORT] =		{ "port", check_number, 0, 1, 65535 },
	[CONF_FROM] =		{ "from", check_text, 0, 0, 0 },
	[CONF_USER] =		{ "user", check_text, 0, 0, 0 },
	[CONF_PASSWORD] =	{ "password", check_text, CK_SECRET, 0, 0 },
	[CONF_AUTH] =		{ "auth", check_auth, 0, 0, 0 },
	[CONF_AUTH_WITHOUT_TLS] = { "auth_without_tls", check_bool, 0, 0, 0 },
	[CONF_NTLMDOMAIN] =	{ "ntlmdomain", check_text, 0, 0, 0 },
	[CONF_TLS] =		{ "tls", check_bool, 0, 0, 0 },
	[CONF_TLS_STARTTLS] =	{ "tls_starttls", check_bool, 0, 0, 0 },
	[CONF_TLS_TRUST_FILE] =	{ "tls_trust_file", check_path, 0, 0, 0 },
	[CONF_TLS_CERTCHECK] =	{ "tls_certcheck", check_bool, 0, 0, 0 },
	[CONF_DOMAIN] =		{ "domain", check_text, 0, 0, 0 },
	[CONF_TIMEOUT] =	{ "timeout", check_number, CK_OFF, 1, 86400 },
	[CONF_LOGFILE] =	{ "logfile", check_path, 0, 0, 0 },
	[CONF_QUEUE] =		{ "queue", conf_check_queue, 0, 0, 0 },
	[CONF_QUEUE_DIR] =	{ "queue_dir", check_path, CK_REQUIRED, 0, 0 },
	[CONF_QUEUE_LIFETIME] =	{ "queue_lifetime", conf_check_duration, 0, 1,
	    CONF_DURATION_MAX },
	[CONF_QUEUE_RETRY] =	{ "queue_retry", conf_check_retry, 0, 0,
	    CONF_DURATION_MAX },
	[CONF_QUEUE_BOUNCE] =	{ "queue_bounce", check_bool, 0, 0, 0 },
	[CONF_FAILOVER] =	{ "failover", check_text, 0, 0, 0 },
	[CONF_DSN_NOTIFY] =	{ "dsn_notify", conf_check_dsn_notify, 0, 0,
	    0 },
	[CONF_DSN_RETURN] =	{ "dsn_return", conf_check_dsn_return, 0, 0,
	    0 },
	[CONF_TLS_FINGERPRINT] = { "tls_fingerprint", check_text, 0, 0, 0 },
	[CONF_TLS_PUBKEY_PIN] =	{ "tls_pubkey_pin", check_text, 0, 0, 0 },
	[CONF_TLS_CRL_FILE] =	{ "tls_crl_file", check_path, 0, 0, 0 },
	[CONF_TLS_CERT_FILE] =	{ "tls_cert_file", check_path, 0, 0, 0 },
	[CONF_TLS_KEY_FILE] =	{ "tls_key_file", check_path, 0, 0, 0 },
	[CONF_TLS_PRIORITIES] =	{ "tls_priorities", check_text, 0, 0, 0 },
	[CONF_TLS_HOST_OVERRIDE] = { "tls_host_override", check_text, 0, 0,
	    0 },
	[CONF_TLS_OPPORTUNISTIC] = { "tls_opportunistic", check_bool, 0, 0,
	    0 },
	[CONF_TLS_SESSION_CACHE] = { "tls_session_cache", check_bool, 0, 0,
	    0 },
	[CONF_ALLOW_FROM_OVERRIDE] = { "allow_from_override", check_bool, 0,
	    0, 0 },
	[CONF_SET_FROM_HEADER] = { "set_from_header", conf_check_from_mode, 0,
	    0, 0 },
	[CONF_SET_DATE_HEADER] = { "set_date_header", conf_check_auto_mode, 0,
	    0, 0 },
	[CONF_SET_MSGID_HEADER] = { "set_msgid_header", conf_check_auto_mode,
	    0, 0, 0 },
	[CONF_REMOVE_BCC_HEADERS] = { "remove_bcc_headers", check_bool, 0, 0,
	    0 },
	[CONF_UNDISCLOSED_RECIPIENTS] = { "undisclosed_recipients",
	    check_bool, 0, 0, 0 },
	[CONF_AUTO_FROM] =	{ "auto_from", check_bool, 0, 0, 0 },
	[CONF_MAILDOMAIN] =	{ "maildomain", check_text, 0, 0, 0 },
	[CONF_ALIASES] =	{ "aliases", check_path, 0, 0, 0 },
	[CONF_TLS_MIN_DH_PRIME_BITS] = { "tls_min_dh_prime_bits",
	    check_number, CK_EMPTY, 1, INT_MAX },
	[CONF_PROTOCOL] =	{ "protocol", conf_check_protocol, 0, 0, 0 },
	[CONF_PARTIAL_DELIVERY] = { "partial_delivery", check_bool, 0, 0, 0 },
	[CONF_REQUIRETLS] =	{ "requiretls", check_bool, 0, 0, 0 },
	[CONF_SOURCE_IP] =	{ "source_ip", check_text, 0, 0, 0 },
	[CONF_SOCKET] =		{ "socket", check_path, 0, 0, 0 },
	[CONF_PROXY_HOST] =	{ "proxy_host", check_text, 0, 0, 0 },
	[CONF_PROXY_PORT] =	{ "proxy_port", check_number, CK_EMPTY, 1,
	    65535 },
	[CONF_PASSWORDEVAL] =	{ "passwordeval", check_text, 0, 0, 0 },
	[CONF_LOGFILE_TIME_FORMAT] = { "logfile_time_format", check_text, 0,
	    0, 0 },
	[CONF_SYSLOG] =		{ "syslog", conf_check_syslog, 0, 0, 0 },
};

/* The SASL mechanisms "auth" accepts by name (compared ignoring case). */
static const char *const conf_mechs[] = {
	"plain", "login", "cram-md5", "digest-md5", "scram-sha-1",
	"scram-sha-1-plus", "scram-sha-256", "scram-sha-256-plus", "gssapi",
	"external", "ntlm", "oauthbearer", "xoauth2",
};

static int conf_errno;

enum conf_section { SECTION_NONE, SECTION_DEFAULTS, SECTION_ACCOUNT };

struct parser {
	const char *path;
	unsigned lineno;
	struct conf *conf;
	enum conf_section section;	/* the account is the last one */
	struct stat st;			/* of the open file */
	struct failure *f;
	int in_eval;			/* parsing what eval printed */
};

int
conf_key_lookup(const char *name, enum conf_key *out)
{
	size_t i;

	for (i = 0; i < CONF_KEY_LAST; i++) {
		if (strcmp(conf_keys[i].name, name) == 0) {
			*out = (enum conf_key)i;
			return 0;
		}
	}
	return -1;
}

const char *
conf_key_name(enum conf_key key)
{
	return (unsigned)key < CONF_KEY_LAST ? conf_keys[key].name : "?";
}

int
conf_key_is_secret(enum conf_key key)
{
	return (unsigned)key < CONF_KEY_LAST &&
	    (conf_keys[key].flags & CK_SECRET) != 0;
}

int
conf_value_normalize(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	const struct conf_key_def *k;

	*out = NULL;
	if ((unsigned)key >= CONF_KEY_LAST) {
		failure_set(f, FAIL_SOFTWARE, "unknown key number %d",
		    (int)key);
		return -1;
	}
	k = &conf_keys[key];
	if ((k->flags & CK_REQUIRED) != 0 && *value == '\0') {
		failure_set(f, FAIL_CONFIG, "%s: needs an argument", k->name);
		return -1;
	}
	return k->check(k, value, out, f);
}

/*
 * Text ends up in SMTP commands (EHLO, MAIL FROM, AUTH): a control byte
 * could end a line early.  A secret may hold a TAB; the value itself is
 * never quoted since it may be a password.
 */
static int
check_text(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || ((*p < 0x20 || *p == 0x7f) &&
		    !((k->flags & CK_SECRET) && *p == '\t'))) {
			failure_set(f, FAIL_CONFIG, "%s: contains a line break "
			    "or control character", k->name);
			return -1;
		}
	}
	*out = xstrdup(value);
	return 0;
}

/* Decimal only: msmtp's strtol(..., 0) reads "025" as octal 21. */
static int
check_number(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	int off = (k->flags & CK_OFF) != 0;
	long n;

	if ((off && strcmp(value, "off") == 0) ||
	    ((k->flags & CK_EMPTY) != 0 && *value == '\0')) {
		*out = xstrdup(value);
		return 0;
	}
	if (util_parse_long(value, k->min, k->max, &n) == -1) {
		failure_set(f, FAIL_CONFIG, "%s: '%s' is not %sa number "
		    "between %ld and %ld", k->name, value,
		    off ? "'off' or " : "", k->min, k->max);
		return -1;
	}
	*out = xasprintf("%ld", n);
	return 0;
}

/* msmtp's rule: a command that accepts "on" takes an empty argument too. */
static int
check_bool(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0) {
		*out = xstrdup(*value == '\0' ? "on" : value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on' or 'off'",
	    k->name, value);
	return -1;
}

static int
check_auth(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	size_t i;
	char *p;

	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0)
		return check_bool(k, value, out, f);
	for (i = 0; i < UTIL_ARRAY_LEN(conf_mechs); i++) {
		if (strcasecmp(value, conf_mechs[i]) == 0) {
			*out = p = xstrdup(value);
			for (; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			return 0;
		}
	}
	failure_set(f, FAIL_CONFIG,
	    "%s: '%s' is not 'on', 'off' or a known SASL mechanism",
	    k->name, value);
	return -1;
}

/*
 * Only a leading "~" changes, so the special values "" and "system"
 * (tls_trust_file) or "-" (logfile) pass through unchanged.
 */
static int
check_path(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	(void)k;
	(void)f;
	*out = util_expand_home(value);
	return 0;
}

static void
value_free(enum conf_key key, char *v)
{
	if (v == NULL)
		return;
	if (conf_key_is_secret(key))
		explicit_bzero(v, strlen(v));
	free(v);
}

/* Release the strings; the caller discards vals itself. */
static void
values_clear(struct conf_values *vals)
{
	size_t i;

	for (i = 0; i < CONF_KEY_LAST; i++)
		value_free((enum conf_key)i, vals->v[i]);
}

static void
values_copy(struct conf_values *dst, const struct conf_values *src)
{
	size_t i;

	for (i = 0; i < CONF_KEY_LAST; i++) {
		dst->v[i] = src->v[i] != NULL ? xstrdup(src->v[i]) : NULL;
		dst->line[i] = src->line[i];
	}
}

static void
account_clear(struct conf_account *a)
{
	size_t i;

	free(a->name);
	for (i = 0; i < a->nparents; i++)
		free(a->parents[i]);
	free(a->parents);
	values_clear(&a->defaults);
	values_clear(&a->own);
}

void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->naccounts; i++)
		account_clear(&conf->accounts[i]);
	free(conf->accounts);
	values_clear(&conf->defaults);
	free(conf->path);
	free(conf);
}

const struct conf_account *
conf_find(const struct conf *conf, const char *name)
{
	size_t i;

	if (conf == NULL || name == NULL)
		return NULL;
	for (i = 0; i < conf->naccounts; i++)
		if (strcmp(conf->accounts[i].name, name) == 0)
			return &conf->accounts[i];
	return NULL;
}

/* Strip blanks (and a CR left by DOS line ends) from both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

static int __attribute__((format(printf, 2, 3)))
parse_fail(struct parser *p, const char *fmt, ...)
{
	char buf[FAILURE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	failure_set(p->f, FAIL_CONFIG, "%s:%u: %s", p->path, p->lineno, buf);
	return -1;
}

/*
 * Remove the quotes around arg in place.  Inside them a backslash escapes
 * a quote or a backslash; any other backslash is kept as written.  The
 * value itself never appears in a message: it may be a password.
 */
static int
unquote(struct parser *p, char *arg)
{
	char *r = arg + 1, *w = arg;

	for (; *r != '\0' && *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	*w = '\0';		/* w < r: the test below still sees *r */
	if (*r != '"')
		return parse_fail(p, "missing closing quote");
	if (r[1] != '\0')
		return parse_fail(p, "text after the closing quote");
	return 0;
}

/* 1 with *cmd and *arg set, 0 for a blank or comment line, -1 on error. */
static int
split_line(struct parser *p, char *line, char **cmd, char **arg)
{
	char *s = trim(line), *e;

	if (*s == '\0' || *s == '#')
		return 0;
	e = s + strcspn(s, " \t");
	*cmd = s;
	if (*e == '\0') {
		*arg = e;
		return 1;
	}
	*e++ = '\0';
	*arg = trim(e);
	if (**arg == '"' && unquote(p, *arg) == -1)
		return -1;
	return 1;
}

static int
cmd_defaults(struct parser *p, const char *arg)
{
	if (*arg != '\0')
		return parse_fail(p, "defaults: takes no argument");
	p->section = SECTION_DEFAULTS;
	return 0;
}

/* Parse "p1, p2" into a; each parent must already be defined. */
static int
parse_parents(struct parser *p, struct conf_account *a, char *list)
{
	char *name;

	while ((name = strsep(&list, ",")) != NULL) {
		name = trim(name);
		if (*name == '\0')
			return parse_fail(p, "account '%s': empty parent "
			    "name", a->name);
		if (conf_find(p->conf, name) == NULL)
			return parse_fail(p, "account '%s': parent account "
			    "'%s' is not defined before this line", a->name,
			    name);
		a->parents = xreallocarray(a->parents, a->nparents + 1,
		    sizeof(*a->parents));
		a->parents[a->nparents++] = xstrdup(name);
	}
	return 0;
}

static int
cmd_account(struct parser *p, char *arg)
{
	struct conf_account a;
	const struct conf_account *prev;
	char *colon = strchr(arg, ':');

	memset(&a, 0, sizeof(a));
	if (colon != NULL)
		*colon = '\0';
	a.name = trim(arg);
	if (*a.name == '\0')
		return parse_fail(p, "account: missing account name");
	if ((prev = conf_find(p->conf, a.name)) != NULL)
		return parse_fail(p, "account '%s' is already defined at "
		    "line %u", a.name, prev->line);
	a.name = xstrdup(a.name);
	if (colon != NULL && parse_parents(p, &a, colon + 1) == -1) {
		account_clear(&a);
		return -1;
	}
	a.line = p->lineno;
	values_copy(&a.defaults, &p->conf->defaults);
	p->conf->accounts = xreallocarray(p->conf->accounts,
	    p->conf->naccounts + 1, sizeof(*p->conf->accounts));
	p->conf->accounts[p->conf->naccounts++] = a;
	p->section = SECTION_ACCOUNT;
	return 0;
}

/* msmtp's rule: a file holding a password is private to its owner. */
static int
check_secure(struct parser *p)
{
	if (p->st.st_uid != geteuid()) {
		failure_set(p->f, FAIL_CONFIG, "%s: contains a password and "
		    "is owned by uid %lu, not by you (uid %lu)", p->path,
		    (unsigned long)p->st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if ((p->st.st_mode & 077) != 0) {
		failure_set(p->f, FAIL_CONFIG, "%s: contains a password and "
		    "must not be readable by others (chmod 600)", p->path);
		return -1;
	}
	return 0;
}

static int
cmd_key(struct parser *p, const char *cmd, const char *arg)
{
	struct conf_values *vals;
	enum conf_key key;
	char *v;

	switch (conf_old_key(cmd, arg, &key, &arg, p->f)) {
	case CONF_OLD_NONE:
		if (conf_key_lookup(cmd, &key) == -1)
			return parse_fail(p, "unknown command '%s'", cmd);
		break;
	case CONF_OLD_MAPPED:
		break;
	case CONF_OLD_IGNORED:
		return 0;
	default:
		failure_prefix(p->f, "%s:%u", p->path, p->lineno);
		return -1;
	}
	if (p->section == SECTION_NONE)
		return parse_fail(p, "'%s' before any 'defaults' or "
		    "'account' command", cmd);
	if (conf_value_normalize(key, arg, &v, p->f) == -1) {
		failure_prefix(p->f, "%s:%u", p->path, p->lineno);
		return -1;
	}
	/* A secret printed by eval was never in the file itself. */
	if (conf_key_is_secret(key) && *v != '\0' && !p->in_eval &&
	    check_secure(p) == -1) {
		value_free(key, v);
		return -1;
	}
	vals = p->section == SECTION_DEFAULTS ? &p->conf->defaults :
	    &p->conf->accounts[p->conf->naccounts - 1].own;
	value_free(key, vals->v[key]);
	vals->v[key] = v;
	vals->line[key] = p->lineno;
	return 0;
}

static int parse_line(struct parser *, char *, size_t);

/* msmtp's rule: the first line eval's command prints replaces the line. */
static int
cmd_eval(struct parser *p, const char *arg)
{
	char *line;
	size_t len;
	int r;

	if (*arg == '\0')
		return parse_fail(p, "eval: needs an argument");
	if (conf_eval(arg, &line, p->f) == -1) {
		failure_prefix(p->f, "%s:%u", p->path, p->lineno);
		return -1;
	}
	len = strlen(line);
	p->in_eval = 1;
	r = parse_line(p, line, len);
	p->in_eval = 0;
	explicit_bzero(line, len);
	free(line);
	return r;
}

static int
parse_line(struct parser *p, char *line, size_t len)
{
	char *cmd, *arg;
	int r;

	if (memchr(line, '\0', len) != NULL)
		return parse_fail(p, "line contains a NUL byte");
	if ((r = split_line(p, line, &cmd, &arg)) <= 0)
		return r;
	if (strcmp(cmd, "eval") == 0 && !p->in_eval)
		return cmd_eval(p, arg);
	if (strcmp(cmd, "defaults") == 0)
		return cmd_defaults(p, arg);
	if (strcmp(cmd, "account") == 0)
		return cmd_account(p, arg);
	return cmd_key(p, cmd, arg);
}

/* getline() keeps no line-length limit: OAuth tokens are long. */
static int
parse_stream(struct parser *p, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	while (r == 0 && (n = getline(&line, &cap, fp)) != -1) {
		p->lineno++;
		r = parse_line(p, line, (size_t)n);
	}
	if (r == 0 && ferror(fp)) {
		failure_set(p->f, FAIL_NOINPUT, "%s: cannot read: %s",
		    p->path, strerror(errno));
		r = -1;
	}
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	return r;
}

static FILE *
open_conf(struct parser *p)
{
	FILE *fp;
	int fd;

	fp = NULL;
	if ((fd = open(p->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &p->st) == -1 || (fp = fdopen(fd, "r")) == NULL) {
		conf_errno = errno;
		failure_set(p->f, FAIL_NOINPUT, "%s: %s", p->path,
		    strerror(conf_errno));
		if (fd != -1)
			close(fd);
	}
	return fp;
}

int
conf_read(const char *path, struct conf **out, struct failure *f)
{
	struct parser p;
	FILE *fp;
	int r;

	*out = NULL;
	conf_errno = 0;
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.f = f;
	if ((fp = open_conf(&p)) == NULL)
		return -1;
	p.conf = xcalloc(1, sizeof(*p.conf));
	p.conf->path = xstrdup(path);
	r = parse_stream(&p, fp);
	fclose(fp);
	if (r == -1) {
		conf_free(p.conf);
		return -1;
	}
	*out = p.conf;
	return 0;
}

int
conf_last_errno(void)
{
	return conf_errno;
}

static char *
home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && *home != '\0')
		return xstrdup(home);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return xstrdup(pw->pw_dir);
	return xstrdup("");
}

char *
conf_user_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char *home = home_dir(), *first, *second;
	struct stat st;

	first = xasprintf("%s/.msmtprc", home);
	/* The XDG spec ignores a relative XDG_CONFIG_HOME. */
	if (xdg != NULL && xdg[0] == '/')
		second = xasprintf("%s/msmtp/config", xdg);
	else
		second = xasprintf("%s/.config/msmtp/config", home);
	free(home);
	if (stat(first, &st) == -1 && stat(second, &st) == 0) {
		free(first);
		return second;
	}
	free(second);
	return first;
}

const char *
conf_system_path(void)
{
	return SYSCONFDIR "/msmtprc";
}
