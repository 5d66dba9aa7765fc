/*
 * conf.c - reads one msmtprc file into per-account raw values.
 *
 * The grammar is line based: a command word and an optional argument,
 * which may be double-quoted to keep blanks at either end.  Every key is
 * a row of one table (name, validator, secret flag); the same validator
 * serves the file and the command line, so both accept exactly the same
 * values.  Choosing and merging accounts is account.c's job.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

typedef int conf_check_fn(enum conf_key, const char *, char **,
    struct failure *);

struct conf_key_def {
	const char *name;
	conf_check_fn *check;
	int secret;
};

static conf_check_fn check_text, check_required, check_port, check_bool,
    check_auth, check_trust_file, check_timeout, check_logfile;

/* One row per rc key; scripts extract the names to check the man page. */
static const struct conf_key_def conf_keys[CONF_KEY_LAST] = {
	[CONF_HOST] =		{ "host",		check_required,	0 },
	[CONF_PORT] =		{ "port",		check_port,	0 },
	[CONF_FROM] =		{ "from",		check_text,	0 },
	[CONF_USER] =		{ "user",		check_text,	0 },
	[CONF_PASSWORD] =	{ "password",		check_text,	1 },
	[CONF_AUTH] =		{ "auth",		check_auth,	0 },
	[CONF_AUTH_WITHOUT_TLS] = { "auth_without_tls",	check_bool,	0 },
	[CONF_TLS] =		{ "tls",		check_bool,	0 },
	[CONF_TLS_STARTTLS] =	{ "tls_starttls",	check_bool,	0 },
	[CONF_TLS_TRUST_FILE] =	{ "tls_trust_file",	check_trust_file, 0 },
	[CONF_TLS_CERTCHECK] =	{ "tls_certcheck",	check_bool,	0 },
	[CONF_DOMAIN] =		{ "domain",		check_text,	0 },
	[CONF_TIMEOUT] =	{ "timeout",		check_timeout,	0 },
	[CONF_LOGFILE] =	{ "logfile",		check_logfile,	0 },
};

/* The SASL mechanisms "auth" accepts by name (compared ignoring case). */
static const char *const conf_mechs[] = {
	"plain", "login", "cram-md5", "digest-md5", "scram-sha-1",
	"scram-sha-1-plus", "scram-sha-256", "scram-sha-256-plus", "gssapi",
	"external", "ntlm", "oauthbearer", "xoauth2",
};

#define CONF_TIMEOUT_MAX 86400

static int conf_errno;

enum conf_section {
	SECTION_NONE,
	SECTION_DEFAULTS,
	SECTION_ACCOUNT
};

struct parser {
	const char *path;
	unsigned lineno;
	struct conf *conf;
	enum conf_section section;	/* the account is the last one */
	struct stat st;			/* of the open file */
	struct failure *f;
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
	if ((unsigned)key >= CONF_KEY_LAST)
		return "?";
	return conf_keys[key].name;
}

int
conf_key_is_secret(enum conf_key key)
{
	if ((unsigned)key >= CONF_KEY_LAST)
		return 0;
	return conf_keys[key].secret;
}

int
conf_value_normalize(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	if ((unsigned)key >= CONF_KEY_LAST) {
		failure_set(f, FAIL_SOFTWARE, "unknown key number %d",
		    (int)key);
		return -1;
	}
	return conf_keys[key].check(key, value, out, f);
}

static int
check_text(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	(void)key;
	(void)f;
	*out = xstrdup(value);
	return 0;
}

static int
check_required(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	if (*value == '\0') {
		failure_set(f, FAIL_CONFIG, "%s: needs an argument",
		    conf_keys[key].name);
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}

static int
check_port(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	long n;

	if (util_parse_long(value, 1, 65535, &n) == -1) {
		failure_set(f, FAIL_CONFIG,
		    "%s: '%s' is not a number between 1 and 65535",
		    conf_keys[key].name, value);
		return -1;
	}
	*out = xasprintf("%ld", n);
	return 0;
}

/* msmtp's rule: a command that accepts "on" takes an empty argument too. */
static int
check_bool(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	if (*value == '\0' || strcmp(value, "on") == 0) {
		*out = xstrdup("on");
		return 0;
	}
	if (strcmp(value, "off") == 0) {
		*out = xstrdup("off");
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on' or 'off'",
	    conf_keys[key].name, value);
	return -1;
}

static int
check_auth(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	size_t i;
	char *p;

	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0)
		return check_bool(key, value, out, f);
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
	    conf_keys[key].name, value);
	return -1;
}

static int
check_trust_file(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	(void)key;
	(void)f;
	if (*value == '\0' || strcmp(value, "system") == 0)
		*out = xstrdup(value);
	else
		*out = util_expand_home(value);
	return 0;
}

static int
check_timeout(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	long n;

	if (strcmp(value, "off") == 0) {
		*out = xstrdup(value);
		return 0;
	}
	if (util_parse_long(value, 1, CONF_TIMEOUT_MAX, &n) == -1) {
		failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'off' or a "
		    "number of seconds between 1 and %d",
		    conf_keys[key].name, value, CONF_TIMEOUT_MAX);
		return -1;
	}
	*out = xasprintf("%ld", n);
	return 0;
}

static int
check_logfile(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	(void)key;
	(void)f;
	if (*value == '\0' || strcmp(value, "-") == 0)
		*out = xstrdup(value);
	else
		*out = util_expand_home(value);
	return 0;
}

static void
value_free(enum conf_key key, char *v)
{
	if (v == NULL)
		return;
	if (conf_keys[key].secret)
		explicit_bzero(v, strlen(v));
	free(v);
}

static void
values_clear(struct conf_values *vals)
{
	size_t i;

	for (i = 0; i < CONF_KEY_LAST; i++) {
		value_free((enum conf_key)i, vals->v[i]);
		vals->v[i] = NULL;
		vals->line[i] = 0;
	}
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

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Strip blanks (and a CR left by DOS line ends) from both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static int
parse_fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
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
	if (*r != '"') {
		*w = '\0';
		return parse_fail(p, "missing closing quote");
	}
	if (r[1] != '\0') {
		*w = '\0';
		return parse_fail(p, "text after the closing quote");
	}
	*w = '\0';
	return 0;
}

/* 1 with *cmd and *arg set, 0 for a blank or comment line, -1 on error. */
static int
split_line(struct parser *p, char *line, char **cmd, char **arg)
{
	char *s = trim(line), *e;

	if (*s == '\0' || *s == '#')
		return 0;
	for (e = s; *e != '\0' && !is_blank(*e); e++)
		continue;
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

static int
add_parent(struct parser *p, struct conf_account *a, char *name)
{
	name = trim(name);
	if (*name == '\0')
		return parse_fail(p, "account '%s': empty parent name",
		    a->name);
	if (conf_find(p->conf, name) == NULL)
		return parse_fail(p, "account '%s': parent account '%s' is "
		    "not defined before this line", a->name, name);
	a->parents = xreallocarray(a->parents, a->nparents + 1,
	    sizeof(*a->parents));
	a->parents[a->nparents++] = xstrdup(name);
	return 0;
}

/* Parse "p1, p2" into a; each parent must already be defined. */
static int
parse_parents(struct parser *p, struct conf_account *a, char *list)
{
	char *comma;

	for (;;) {
		comma = strchr(list, ',');
		if (comma != NULL)
			*comma = '\0';
		if (add_parent(p, a, list) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		list = comma + 1;
	}
}

static int
cmd_account(struct parser *p, char *arg)
{
	struct conf_account a, *prev;
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

static struct conf_values *
current_values(struct parser *p)
{
	if (p->section == SECTION_DEFAULTS)
		return &p->conf->defaults;
	return &p->conf->accounts[p->conf->naccounts - 1].own;
}

static int
cmd_key(struct parser *p, const char *cmd, const char *arg)
{
	struct conf_values *vals;
	enum conf_key key;
	char *v;

	if (conf_key_lookup(cmd, &key) == -1)
		return parse_fail(p, "unknown command '%s'", cmd);
	if (p->section == SECTION_NONE)
		return parse_fail(p, "'%s' before any 'defaults' or "
		    "'account' command", cmd);
	if (conf_value_normalize(key, arg, &v, p->f) == -1) {
		failure_prefix(p->f, "%s:%u", p->path, p->lineno);
		return -1;
	}
	if (conf_keys[key].secret && *v != '\0' && check_secure(p) == -1) {
		value_free(key, v);
		return -1;
	}
	vals = current_values(p);
	value_free(key, vals->v[key]);
	vals->v[key] = v;
	vals->line[key] = p->lineno;
	return 0;
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

	if ((fd = open(p->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &p->st) == -1) {
		conf_errno = errno;
		failure_set(p->f, FAIL_NOINPUT, "%s: %s", p->path,
		    strerror(conf_errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		conf_errno = errno;
		failure_set(p->f, FAIL_OS, "%s: %s", p->path,
		    strerror(conf_errno));
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
