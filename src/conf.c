/*
 * conf.c - reads one msmtprc file into per-account raw values.
 *
 * The grammar is line based: a command word and an optional argument,
 * which may be double-quoted to keep blanks at either end.  The keys and
 * their checkers are rows of conf_table.c's table.  Choosing and merging
 * accounts is account.c's job.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

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
	char *s = util_trim(line), *e;

	if (*s == '\0' || *s == '#')
		return 0;
	e = s + strcspn(s, " \t");
	*cmd = s;
	if (*e == '\0') {
		*arg = e;
		return 1;
	}
	*e++ = '\0';
	*arg = util_trim(e);
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
		name = util_trim(name);
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
	a.name = util_trim(arg);
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

/* A PKCS#11 URI may carry the token's PIN (RFC 7512 pin-value). */
static int
holds_secret(enum conf_key key, const char *v)
{
	char *shown;
	int pin;

	if (conf_key_is_secret(key))
		return *v != '\0';
	if (key != CONF_TLS_KEY_FILE && key != CONF_TLS_CERT_FILE)
		return 0;
	shown = util_hide_pin(v);
	pin = strcmp(shown, v) != 0;
	free(shown);
	return pin;
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
	if (holds_secret(key, v) && !p->in_eval && check_secure(p) == -1) {
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
