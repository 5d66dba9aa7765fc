/*
 * t_conf.c - unit tests for the rc file grammar (conf.c) and for choosing,
 * merging and checking accounts (account.c, with secret.c and idn.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "account.h"
#include "conf.h"
#include "idn.h"
#include "secret.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static char tdir[PATH_MAX];
static unsigned nfiles;

/* Write text to a new file in the test directory; returns its path. */
static char *
rc_write(const char *text, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/rc%u", tdir, nfiles++);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, len), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static struct conf *
rc_parse(const char *text)
{
	struct conf *conf = NULL;
	struct failure f;
	char *path = rc_write(text, strlen(text), 0600);

	if (conf_read(path, &conf, &f) != 0)
		fail_msg("%s", f.text);
	free(path);
	return conf;
}

/* Expect conf_read to fail with "PATH:" followed by want. */
static void
rc_fail_len(const char *text, size_t len, mode_t mode, const char *want)
{
	struct conf *conf = (struct conf *)1;
	struct failure f;
	char *path = rc_write(text, len, mode), *full;

	assert_int_equal(conf_read(path, &conf, &f), -1);
	assert_null(conf);
	assert_int_equal(f.cls, FAIL_CONFIG);
	full = xasprintf("%s%s", path, want);
	assert_string_equal(f.text, full);
	free(full);
	free(path);
}

static void
rc_fail(const char *text, const char *want)
{
	rc_fail_len(text, strlen(text), 0600, want);
}

static const char *
own(const struct conf *c, const char *acct, enum conf_key k)
{
	const struct conf_account *a = conf_find(c, acct);

	assert_non_null(a);
	return a->own.v[k];
}

static const struct {
	const char *text;
	const char *want;
} rc_errors[] = {
	{ "account a\nhots h\n", ":2: unknown command 'hots'" },
	{ "\n# c\n\naccount a\n  HOST x\n", ":5: unknown command 'HOST'" },
	{ "host h\n", ":1: 'host' before any 'defaults' or 'account' "
	    "command" },
	{ "account a\nport 99999\n",
	    ":2: port: '99999' is not a number between 1 and 65535" },
	{ "account a\nport 0\n",
	    ":2: port: '0' is not a number between 1 and 65535" },
	{ "account a\nport\n",
	    ":2: port: '' is not a number between 1 and 65535" },
	{ "account a\nport 0x19\n",
	    ":2: port: '0x19' is not a number between 1 and 65535" },
	{ "account a\n\nhost\n", ":3: host: needs an argument" },
	{ "account a\ntls yes\n", ":2: tls: 'yes' is not 'on' or 'off'" },
	{ "account a\ntls_starttls ON\n",
	    ":2: tls_starttls: 'ON' is not 'on' or 'off'" },
	{ "account a\nauth foo\n",
	    ":2: auth: 'foo' is not 'on', 'off' or a known SASL mechanism" },
	{ "account a\ntimeout 0\n", ":2: timeout: '0' is not 'off' or a "
	    "number between 1 and 86400" },
	{ "account a\ntimeout 86401\n", ":2: timeout: '86401' is not "
	    "'off' or a number between 1 and 86400" },
	{ "defaults x\n", ":1: defaults: takes no argument" },
	{ "account a\nfrom %F <a@b>\n", ":2: from: %F (the full name) "
	    "cannot be part of an address; use from_full_name" },
	{ "account a\nset_to_header yes\n", ":2: set_to_header: 'yes' is "
	    "not 'on', 'off' or 'undisclosed_recipients'" },
	{ "account a\nfrom_full_name \"A\tB\"\n", ":2: from_full_name: "
	    "contains a line break or control character" },
	{ "account\n", ":1: account: missing account name" },
	{ "account  : b\n", ":1: account: missing account name" },
	{ "account a\naccount a\n",
	    ":2: account 'a' is already defined at line 1" },
	{ "account a : b\n", ":1: account 'a': parent account 'b' is not "
	    "defined before this line" },
	{ "account a : a\n", ":1: account 'a': parent account 'a' is not "
	    "defined before this line" },
	{ "account b\naccount a : b,\n", ":2: account 'a': empty parent "
	    "name" },
	{ "account a\nuser \"abc\n", ":2: missing closing quote" },
	{ "account a\nuser \"abc\\\"\n", ":2: missing closing quote" },
	{ "account a\nuser \"ab\"c\n", ":2: text after the closing quote" },
	/* A line break inside a value would end an SMTP command early. */
	{ "account a\nfrom a@b\rRSET\n",
	    ":2: from: contains a line break or control character" },
	{ "account a\ndomain \"x\r\"\n",
	    ":2: domain: contains a line break or control character" },
	{ "account a\nhost h\x1b\n",
	    ":2: host: contains a line break or control character" },
	{ "account a\npassword Secret-1\rx\n",
	    ":2: password: contains a line break or control character" },
	{ "account a\ndsn_notify failure,failure\n", ":2: dsn_notify: "
	    "'failure,failure' is not 'off', 'never' or a list of failure, "
	    "delay and success such as 'failure,delay'" },
	{ "account a\ndsn_notify failure,\n", ":2: dsn_notify: "
	    "'failure,' is not 'off', 'never' or a list of failure, delay "
	    "and success such as 'failure,delay'" },
	{ "account a\ndsn_notify never,failure\n", ":2: dsn_notify: "
	    "'never,failure' is not 'off', 'never' or a list of failure, "
	    "delay and success such as 'failure,delay'" },
	{ "account a\ndsn_return some\n", ":2: dsn_return: 'some' is not "
	    "'off', 'headers' or 'full'" },
	{ "account a\nprotocol esmtp\n", ":2: protocol: 'esmtp' is not "
	    "'smtp' or 'lmtp'" },
	{ "account a\nproxy_port 0\n", ":2: proxy_port: '0' is not a number "
	    "between 1 and 65535" },
	{ "account a\npartial_delivery maybe\n", ":2: partial_delivery: "
	    "'maybe' is not 'on' or 'off'" },
};

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(rc_errors); i++)
		rc_fail(rc_errors[i].text, rc_errors[i].want);
	rc_fail_len("account a\nuser a\0b\n", 19, 0600,
	    ":2: line contains a NUL byte");
}

static void
test_grammar(void **state)
{
	struct conf *c = rc_parse("# comment\n\n   # indented comment\n"
	    "\taccount   a  \n"
	    "host\th.example\t \n"
	    "user   x  y   \n"
	    "from \"  spaced  \"\n"
	    "domain \"a\\\"b\\\\c\\nd\"\n"
	    "password a\"b\n"
	    "logfile \"\"\n"
	    "tls\n"
	    "auth PLAIN\n"
	    "port 025\r\n"
	    "timeout 9\n"
	    "timeout off\n");

	(void)state;
	assert_int_equal(c->naccounts, 1);
	assert_string_equal(c->accounts[0].name, "a");
	assert_int_equal(c->accounts[0].line, 4);
	assert_string_equal(own(c, "a", CONF_HOST), "h.example");
	assert_int_equal(c->accounts[0].own.line[CONF_HOST], 5);
	assert_string_equal(own(c, "a", CONF_USER), "x  y");
	assert_string_equal(own(c, "a", CONF_FROM), "  spaced  ");
	assert_string_equal(own(c, "a", CONF_DOMAIN), "a\"b\\c\\nd");
	assert_string_equal(own(c, "a", CONF_PASSWORD), "a\"b");
	assert_string_equal(own(c, "a", CONF_LOGFILE), "");
	assert_int_equal(c->accounts[0].own.line[CONF_LOGFILE], 10);
	assert_string_equal(own(c, "a", CONF_TLS), "on");
	assert_string_equal(own(c, "a", CONF_AUTH), "plain");
	assert_string_equal(own(c, "a", CONF_PORT), "25");
	assert_string_equal(own(c, "a", CONF_TIMEOUT), "off");
	assert_int_equal(c->accounts[0].own.line[CONF_TIMEOUT], 15);
	assert_null(own(c, "a", CONF_TLS_STARTTLS));
	conf_free(c);
}

static void
test_comment_not_value(void **state)
{
	struct conf *c = rc_parse("account a\nuser a # b\n");

	(void)state;
	assert_string_equal(own(c, "a", CONF_USER), "a # b");
	conf_free(c);
}

static void
test_paths(void **state)
{
	struct conf *c = rc_parse("account a\ntls_trust_file ~/ca.pem\n"
	    "logfile ~/log\naccount b\ntls_trust_file system\nlogfile -\n");
	char *want;

	(void)state;
	want = xasprintf("%s/ca.pem", tdir);
	assert_string_equal(own(c, "a", CONF_TLS_TRUST_FILE), want);
	free(want);
	want = xasprintf("%s/log", tdir);
	assert_string_equal(own(c, "a", CONF_LOGFILE), want);
	free(want);
	assert_string_equal(own(c, "b", CONF_TLS_TRUST_FILE), "system");
	assert_string_equal(own(c, "b", CONF_LOGFILE), "-");
	conf_free(c);
}

static void
test_defaults_snapshot(void **state)
{
	struct conf *c = rc_parse("defaults\ntls on\naccount a\nhost h\n"
	    "defaults\nport 2\naccount b : a\nhost h\n");
	const struct conf_account *a = conf_find(c, "a");
	const struct conf_account *b = conf_find(c, "b");

	(void)state;
	assert_string_equal(a->defaults.v[CONF_TLS], "on");
	assert_int_equal(a->defaults.line[CONF_TLS], 2);
	assert_null(a->defaults.v[CONF_PORT]);
	assert_string_equal(b->defaults.v[CONF_TLS], "on");
	assert_string_equal(b->defaults.v[CONF_PORT], "2");
	assert_string_equal(c->defaults.v[CONF_PORT], "2");
	assert_int_equal(b->nparents, 1);
	assert_string_equal(b->parents[0], "a");
	assert_null(conf_find(c, "c"));
	conf_free(c);
}

static void
test_parents(void **state)
{
	struct conf *c = rc_parse("account shop\nhost h\naccount x : shop\n"
	    "host h\naccount default :  shop , x\n");
	const struct conf_account *d = conf_find(c, "default");

	(void)state;
	assert_non_null(conf_find(c, "x"));
	assert_int_equal(d->nparents, 2);
	assert_string_equal(d->parents[0], "shop");
	assert_string_equal(d->parents[1], "x");
	conf_free(c);
}

static void
test_permissions(void **state)
{
	const char *text = "account a\nhost h\npassword secret\n";
	struct conf *c = NULL;
	struct failure f;
	char *path;

	(void)state;
	rc_fail_len(text, strlen(text), 0644, ": contains a password and "
	    "must not be readable by others (chmod 600)");
	rc_fail_len(text, strlen(text), 0640, ": contains a password and "
	    "must not be readable by others (chmod 600)");
	path = rc_write(text, strlen(text), 0600);
	assert_int_equal(conf_read(path, &c, &f), 0);
	conf_free(c);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 1, 1), 0);
		assert_int_equal(conf_read(path, &c, &f), -1);
		assert_non_null(strstr(f.text, "is owned by uid 1"));
	}
	free(path);
	path = rc_write("account a\nhost h\npassword\n", 26, 0644);
	assert_int_equal(conf_read(path, &c, &f), 0);
	conf_free(c);
	free(path);
}

/* A PIN in a PKCS#11 URI is a password too; the URI alone is not. */
static void
test_permissions_pin(void **state)
{
	const char *pin = "account a\nhost h\n"
	    "tls_key_file pkcs11:object=k;type=private?pin-value=1234\n";
	const char *nopin = "account a\nhost h\n"
	    "tls_key_file pkcs11:object=k;type=private\n";
	struct conf *c = NULL;
	struct failure f;
	char *path;

	(void)state;
	rc_fail_len(pin, strlen(pin), 0644, ": contains a password and "
	    "must not be readable by others (chmod 600)");
	path = rc_write(nopin, strlen(nopin), 0644);
	assert_int_equal(conf_read(path, &c, &f), 0);
	conf_free(c);
	free(path);
	path = rc_write(pin, strlen(pin), 0600);
	assert_int_equal(conf_read(path, &c, &f), 0);
	conf_free(c);
	free(path);
}

static void
test_missing_file(void **state)
{
	struct conf *c = NULL;
	struct failure f;
	char *path = xasprintf("%s/nonexistent", tdir);

	(void)state;
	assert_int_equal(conf_read(path, &c, &f), -1);
	assert_int_equal(f.cls, FAIL_NOINPUT);
	assert_int_equal(conf_last_errno(), ENOENT);
	free(path);
	c = rc_parse("");
	assert_int_equal(conf_last_errno(), 0);
	assert_int_equal(c->naccounts, 0);
	conf_free(c);
}

static void
test_long_line(void **state)
{
	size_t n = 20 * 1024;
	char *pw = xmalloc(n + 1), *text;
	struct conf *c;

	(void)state;
	memset(pw, 'p', n);
	pw[n] = '\0';
	text = xasprintf("account a\nhost h\npassword %s\nuser \"%s\"\n",
	    pw, pw);
	c = rc_parse(text);
	assert_string_equal(own(c, "a", CONF_PASSWORD), pw);
	assert_string_equal(own(c, "a", CONF_USER), pw);
	conf_free(c);
	free(text);
	free(pw);
}

static void
test_key_table(void **state)
{
	enum conf_key k;
	size_t i;

	(void)state;
	for (i = 0; i < CONF_KEY_LAST; i++) {
		assert_int_equal(conf_key_lookup(conf_key_name(i), &k), 0);
		assert_int_equal(k, i);
		assert_int_equal(conf_key_is_secret(k), k == CONF_PASSWORD);
	}
	assert_int_equal(conf_key_lookup("password_eval", &k), -1);
	assert_int_equal(conf_key_lookup("tls-starttls", &k), -1);
}

static void
make_file(const char *rel)
{
	char *path = xasprintf("%s/%s", tdir, rel), *slash = path;
	int fd;

	while ((slash = strchr(slash + 1, '/')) != NULL) {
		*slash = '\0';
		if (mkdir(path, 0700) == -1)
			assert_int_equal(errno, EEXIST);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	free(path);
}

static void
expect_user_path(const char *rel)
{
	char *p = conf_user_path(), *want = xasprintf("%s/%s", tdir, rel);

	assert_string_equal(p, want);
	free(p);
	free(want);
}

static void
test_user_path(void **state)
{
	char *xdg = xasprintf("%s/xdg", tdir);

	(void)state;
	unsetenv("XDG_CONFIG_HOME");
	expect_user_path(".msmtprc");
	make_file(".config/msmtp/config");
	expect_user_path(".config/msmtp/config");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	expect_user_path(".msmtprc");
	make_file("xdg/msmtp/config");
	expect_user_path("xdg/msmtp/config");
	make_file(".msmtprc");
	expect_user_path(".msmtprc");
	unsetenv("XDG_CONFIG_HOME");
	free(xdg);
	assert_string_equal(conf_system_path(), SYSCONFDIR "/msmtprc");
}

/* Account resolution: two files, a request and its overrides. */
struct fx {
	struct conf *sys, *user;
	struct account_request req;
	const char *keys[8], *vals[8];
};

static void
fx_load(struct fx *x, const char *sys, const char *user)
{
	memset(x, 0, sizeof(*x));
	x->sys = sys != NULL ? rc_parse(sys) : NULL;
	x->user = user != NULL ? rc_parse(user) : NULL;
	x->req.override_keys = x->keys;
	x->req.override_values = x->vals;
}

static void
fx_set(struct fx *x, const char *key, const char *value)
{
	assert_true(x->req.noverrides < UTIL_ARRAY_LEN(x->keys));
	x->keys[x->req.noverrides] = key;
	x->vals[x->req.noverrides++] = value;
}

static struct account *
fx_ok(struct fx *x)
{
	struct account *a = NULL;
	struct failure f;

	if (account_resolve(x->sys, x->user, &x->req, &a, &f) != 0)
		fail_msg("%s", f.text);
	assert_non_null(a);
	return a;
}

/* pat with each "{U}" and "{S}" replaced by the user and system paths. */
static char *
subst(const char *pat, const struct fx *x)
{
	const char *u = x->user != NULL ? x->user->path : "";
	const char *s = x->sys != NULL ? x->sys->path : "";
	char *out = xstrdup(""), *t;

	while (*pat != '\0') {
		if (pat[0] == '{' && strchr("US", pat[1]) != NULL &&
		    pat[2] == '}') {
			t = xasprintf("%s%s", out, pat[1] == 'U' ? u : s);
			pat += 3;
		} else {
			t = xasprintf("%s%c", out, *pat++);
		}
		free(out);
		out = t;
	}
	return out;
}

/* Expect failure with the text pat (see subst). */
static void
fx_fail(struct fx *x, enum fail_class cls, const char *pat)
{
	struct account *a = (struct account *)1;
	struct failure f;
	char *want;

	assert_int_equal(account_resolve(x->sys, x->user, &x->req, &a, &f),
	    -1);
	assert_null(a);
	assert_int_equal(f.cls, cls);
	want = subst(pat, x);
	assert_string_equal(f.text, want);
	free(want);
}

static void
fx_free(struct fx *x)
{
	conf_free(x->sys);
	conf_free(x->user);
}

/* Resolve the "default" account of one user file. */
static struct account *
one(const char *user)
{
	struct account *a;
	struct fx x;

	fx_load(&x, NULL, user);
	a = fx_ok(&x);
	fx_free(&x);
	return a;
}

static void
one_fail(const char *user, const char *fmt)
{
	struct fx x;

	fx_load(&x, NULL, user);
	fx_fail(&x, FAIL_CONFIG, fmt);
	fx_free(&x);
}

static void
test_merge_layers(void **state)
{
	struct account *a = one("defaults\ntls on\nport 2\n"
	    "account shop\nhost shop.example\nuser shopper\n"
	    "defaults\ntls off\n"
	    "account default : shop\nfrom me@example.org\n");

	(void)state;
	assert_string_equal(a->name, "default");
	assert_string_equal(a->host, "shop.example");
	assert_string_equal(a->user, "shopper");
	assert_string_equal(a->from, "me@example.org");
	/* The parent's defaults are not inherited; the child's are. */
	assert_int_equal(a->tls, 0);
	assert_int_equal(a->port, 2);
	assert_non_null(a->conf_path);
	account_free(a);
	a = one("account default\nhost h\ndefaults\nport 99\ntls on\n");
	assert_int_equal(a->port, 25);
	assert_int_equal(a->tls, 0);
	account_free(a);
}

static void
test_parent_order(void **state)
{
	const char *base = "account g\nuser gu\nhost gh\naccount b : g\n"
	    "host h\nport 3\naccount c\nport 4\n";
	struct account *a;
	char *text;

	(void)state;
	a = one(text = xasprintf("%saccount default : b, c\n", base));
	assert_int_equal(a->port, 4);
	assert_string_equal(a->user, "gu");
	assert_string_equal(a->host, "h");
	account_free(a);
	free(text);
	a = one(text = xasprintf("%saccount default : c, b\n", base));
	assert_int_equal(a->port, 3);
	account_free(a);
	free(text);
	a = one(text = xasprintf("%saccount default : b, c\nport 5\n"
	    "user\n", base));
	assert_int_equal(a->port, 5);
	assert_null(a->user);
	account_free(a);
	free(text);
}

static void
test_select_name(void **state)
{
	const char *sys = "account x\nhost sys.x\naccount s\nhost sys.s\n";
	struct account *a;
	struct fx x;

	(void)state;
	fx_load(&x, sys, "account x\nhost user.x\n");
	x.req.name = "x";
	a = fx_ok(&x);
	assert_string_equal(a->host, "user.x");
	assert_string_equal(a->conf_path, x.user->path);
	account_free(a);
	x.req.name = "s";
	a = fx_ok(&x);
	assert_string_equal(a->host, "sys.s");
	assert_string_equal(a->conf_path, x.sys->path);
	account_free(a);
	x.req.name = "nope";
	fx_fail(&x, FAIL_CONFIG, "account 'nope' not found in {U} or {S}");
	fx_free(&x);
	fx_load(&x, NULL, sys);
	x.req.name = "nope";
	fx_fail(&x, FAIL_CONFIG, "account 'nope' not found in {U}");
	fx_free(&x);
	fx_load(&x, NULL, NULL);
	x.req.name = "nope";
	fx_fail(&x, FAIL_CONFIG,
	    "account 'nope' not found (no configuration file)");
	fx_free(&x);
}

static void
expect_from(struct fx *x, const char *from, const char *host)
{
	struct account *a;

	x->req.from = from;
	a = fx_ok(x);
	assert_string_equal(a->host, host);
	account_free(a);
}

static void
test_select_from(void **state)
{
	struct fx x;

	(void)state;
	fx_load(&x, "account s\nhost hs\nfrom other@example.net\n"
	    "account t\nhost ht\nfrom me@example.org\n",
	    "defaults\nfrom d@example.com\naccount d\nhost hdef\n"
	    "defaults\nfrom\n"
	    "account a\nhost ha\nfrom me@example.org\n"
	    "account g\nhost hg\nfrom *@shop.example\n"
	    "account default\nhost hd\n");
	expect_from(&x, "me@example.org", "ha");
	expect_from(&x, "Me@Example.ORG", "ha");
	expect_from(&x, "me+tag@example.org", "ha");
	expect_from(&x, "sales@shop.example", "hg");
	expect_from(&x, "other@example.net", "hs");
	expect_from(&x, "d@example.com", "hdef");
	expect_from(&x, "nobody@example.org", "hd");
	x.req.name = "a";
	expect_from(&x, "sales@shop.example", "ha");
	fx_free(&x);
}

/* protocol, partial delivery, REQUIRETLS and how to connect. */
static void
test_net_keys(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	/* As in msmtp, LMTP has no default port. */
	one_fail("account default\nhost h\nprotocol lmtp\n", "{U}:3: "
	    "account 'default': protocol lmtp has no default port; set port");
	fx_load(&x, NULL, "account default\nhost h\nprotocol LMTP\n"
	    "partial_delivery\nrequiretls on\nsource_ip 192.0.2.1\n"
	    "proxy_host p.example\nsocket /run/s\nport 2003\n");
	a = fx_ok(&x);
	assert_true(a->lmtp);
	assert_int_equal(a->port, 2003);
	assert_true(a->partial_delivery);
	assert_true(a->requiretls);
	assert_string_equal(a->source_ip, "192.0.2.1");
	assert_string_equal(a->proxy_host, "p.example");
	assert_int_equal(a->proxy_port, 1080);
	assert_string_equal(a->socket_path, "/run/s");
	account_free(a);
	fx_free(&x);
	/* Empty values unset, as in msmtp; an explicit port stays. */
	fx_load(&x, NULL, "account default\nhost h\nprotocol lmtp\n"
	    "port 24\nsource_ip 192.0.2.1\nproxy_host p\nproxy_port 9050\n");
	fx_set(&x, "source_ip", "");
	fx_set(&x, "proxy_host", "");
	a = fx_ok(&x);
	assert_int_equal(a->port, 24);
	assert_null(a->source_ip);
	assert_null(a->proxy_host);
	assert_int_equal(a->proxy_port, 9050);
	assert_false(a->partial_delivery);
	assert_false(a->requiretls);
	account_free(a);
	fx_free(&x);
}

static void
test_select_default(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	fx_load(&x, "account s\nhost hs\n", "account a\nhost h\n");
	fx_fail(&x, FAIL_CONFIG, "no account given and no 'default' "
	    "account in {U} or {S}");
	fx_free(&x);
	one_fail("account a\nhost h\n", "no account given and no "
	    "'default' account in {U}");
	fx_load(&x, "account default\nhost sysd\n", "account a\nhost h\n");
	a = fx_ok(&x);
	assert_string_equal(a->host, "sysd");
	account_free(a);
	fx_free(&x);
	fx_load(&x, NULL, NULL);
	fx_fail(&x, FAIL_CONFIG, "no account given and no 'default' "
	    "account (no configuration file)");
	fx_set(&x, "host", "h.example");
	fx_set(&x, "port", "2525");
	x.req.host_only = 1;
	a = fx_ok(&x);
	assert_string_equal(a->name, "cmdline");
	assert_null(a->conf_path);
	assert_string_equal(a->host, "h.example");
	assert_int_equal(a->port, 2525);
	account_free(a);
	fx_free(&x);
}

static void
test_overrides(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	fx_load(&x, NULL, "account default\nhost h\nuser u\ntls on\n"
	    "port 587\nauth on\n");
	fx_set(&x, "host", "o.example");
	fx_set(&x, "auth", "off");
	fx_set(&x, "user", "");
	fx_set(&x, "tls_starttls", "off");
	fx_set(&x, "port", "");
	a = fx_ok(&x);
	assert_string_equal(a->host, "o.example");
	assert_null(a->user);
	assert_int_equal(a->tls_starttls, 0);
	assert_int_equal(a->port, 465);
	account_free(a);
	fx_set(&x, "bogus", "1");
	fx_fail(&x, FAIL_USAGE, "unknown option --bogus");
	x.keys[x.req.noverrides - 1] = "port";
	x.vals[x.req.noverrides - 1] = "abc";
	fx_fail(&x, FAIL_USAGE, "command line: port: 'abc' is not a number "
	    "between 1 and 65535");
	fx_free(&x);
}

static void
test_port_rule(void **state)
{
	static const struct {
		const char *extra;
		int port;
	} cases[] = {
		{ "", 25 },
		{ "tls on\n", 25 },
		{ "tls on\ntls_starttls off\n", 465 },
		{ "tls_starttls off\n", 25 },
		{ "tls on\ntls_starttls off\nport 2465\n", 2465 },
	};
	struct account *a;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		text = xasprintf("account default\nhost h\n%s",
		    cases[i].extra);
		a = one(text);
		assert_int_equal(a->port, cases[i].port);
		account_free(a);
		free(text);
	}
}

static void
test_typed_values(void **state)
{
	struct account *a = one("account default\nhost h\n");

	(void)state;
	assert_int_equal(a->tls, 0);
	assert_int_equal(a->tls_starttls, 1);
	assert_int_equal(a->tls_certcheck, 1);
	assert_null(a->tls_trust_file);
	assert_string_equal(a->domain, "localhost");
	assert_int_equal(a->timeout_s, 300);
	assert_int_equal(a->auth, ACCOUNT_AUTH_OFF);
	assert_null(a->auth_mech);
	assert_int_equal(a->auth_without_tls, 0);
	assert_null(a->logfile);
	assert_null(a->from);
	assert_int_equal(a->password.kind, SECRET_NONE);
	assert_string_equal(a->host_ascii, "h");
	account_free(a);
	a = one("account default\nhost h\ntls_trust_file system\n"
	    "timeout off\nlogfile -\ndomain ex.org\ntls_certcheck off\n");
	assert_null(a->tls_trust_file);
	assert_int_equal(a->timeout_s, 300);
	assert_string_equal(a->logfile, "-");
	assert_string_equal(a->domain, "ex.org");
	assert_int_equal(a->tls_certcheck, 0);
	account_free(a);
	a = one("account default\nhost h\ntls_trust_file /x/ca.pem\n"
	    "timeout 30\nlogfile\ndomain\n");
	assert_string_equal(a->tls_trust_file, "/x/ca.pem");
	assert_int_equal(a->timeout_s, 30);
	assert_null(a->logfile);
	assert_string_equal(a->domain, "localhost");
	account_free(a);
}

/* The DSN keys reach the account in their wire form (RFC 3461). */
static void
test_dsn_values(void **state)
{
	struct account *a = one("account default\nhost h\n");

	(void)state;
	assert_null(a->dsn_notify);
	assert_null(a->dsn_return);
	account_free(a);
	a = one("account default\nhost h\ndsn_notify Success,failure\n"
	    "dsn_return hdrs\n");
	assert_string_equal(a->dsn_notify, "SUCCESS,FAILURE");
	assert_string_equal(a->dsn_return, "HDRS");
	account_free(a);
	a = one("account default\nhost h\ndsn_notify never\n"
	    "dsn_return full\n");
	assert_string_equal(a->dsn_notify, "NEVER");
	assert_string_equal(a->dsn_return, "FULL");
	account_free(a);
	a = one("account default\nhost h\ndsn_notify off\ndsn_return off\n");
	assert_null(a->dsn_notify);
	assert_null(a->dsn_return);
	account_free(a);
}

static const struct {
	const char *text;
	const char *want;	/* NULL: accepted */
	enum account_auth auth;
	const char *mech;
} auth_cases[] = {
	{ "auth on\n", "{U}:3: account 'default': auth on needs a user "
	    "name; set user", 0, NULL },
	{ "auth external\n", NULL, ACCOUNT_AUTH_MECH, "EXTERNAL" },
	{ "auth gssapi\n", NULL, ACCOUNT_AUTH_MECH, "GSSAPI" },
	{ "user u\nauth plain\n", "{U}:4: account 'default': auth plain "
	    "would send the password in clear; set tls on or "
	    "auth_without_tls on", 0, NULL },
	{ "user u\nauth LOGIN\n", "{U}:4: account 'default': auth login "
	    "would send the password in clear; set tls on or "
	    "auth_without_tls on", 0, NULL },
	{ "user u\nauth plain\nauth_without_tls\n", NULL, ACCOUNT_AUTH_MECH,
	    "PLAIN" },
	{ "user u\nauth plain\ntls on\n", NULL, ACCOUNT_AUTH_MECH, "PLAIN" },
	{ "user u\nauth scram-sha-256\n", NULL, ACCOUNT_AUTH_MECH,
	    "SCRAM-SHA-256" },
	{ "user u\nauth\n", NULL, ACCOUNT_AUTH_AUTO, NULL },
	{ "user u\nauth off\n", NULL, ACCOUNT_AUTH_OFF, NULL },
};

static void
test_auth_checks(void **state)
{
	struct account *a;
	char *text;
	size_t i;
	struct fx x;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(auth_cases); i++) {
		text = xasprintf("account default\nhost h\n%s",
		    auth_cases[i].text);
		if (auth_cases[i].want != NULL) {
			one_fail(text, auth_cases[i].want);
		} else {
			a = one(text);
			assert_int_equal(a->auth, auth_cases[i].auth);
			if (auth_cases[i].mech == NULL)
				assert_null(a->auth_mech);
			else
				assert_string_equal(a->auth_mech,
				    auth_cases[i].mech);
			account_free(a);
		}
		free(text);
	}
	one_fail("defaults\nauth plain\naccount default\nhost h\nuser u\n",
	    "{U}:2: account 'default': auth plain would send the password "
	    "in clear; set tls on or auth_without_tls on");
	fx_load(&x, NULL, "account default\nhost h\nuser u\n");
	fx_set(&x, "auth", "plain");
	fx_fail(&x, FAIL_CONFIG, "account 'default': auth plain would send "
	    "the password in clear; set tls on or auth_without_tls on");
	fx_free(&x);
}

static void
test_no_host(void **state)
{
	struct account *a;

	(void)state;
	one_fail("account default\nport 2\n",
	    "{U}:1: account 'default': no host given");
	a = one("defaults\nhost dh\naccount default\n");
	assert_string_equal(a->host, "dh");
	account_free(a);
}

static int
lend_check(void *arg, const char *plaintext)
{
	assert_string_equal(plaintext, (const char *)arg);
	return 7;
}

static void
test_password(void **state)
{
	struct account *a = one("account default\nhost h\n"
	    "password s3cr\"t\n");
	struct secret_source copy;
	struct secret *s;
	struct failure f;

	(void)state;
	assert_int_equal(a->password.kind, SECRET_LITERAL);
	assert_string_equal(a->password.arg, "s3cr\"t");
	s = secret_fetch(&a->password, &f);
	assert_non_null(s);
	assert_int_equal(secret_lend(s, lend_check, "s3cr\"t"), 7);
	secret_free(s);
	secret_source_copy(&copy, &a->password);
	assert_string_equal(copy.arg, "s3cr\"t");
	secret_source_clear(&copy);
	assert_int_equal(copy.kind, SECRET_NONE);
	assert_null(copy.arg);
	account_free(a);
	copy.kind = SECRET_NONE;
	assert_null(secret_fetch(&copy, &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	secret_free(NULL);
	account_free(NULL);
	conf_free(NULL);
}

/* Where the password comes from, and the log settings, per account. */
static void
test_password_sources(void **state)
{
	struct account *a;

	(void)state;
	a = one("account default\nhost h\nauth on\nuser u\n"
	    "passwordeval pass show mail\npassword lit\n");
	assert_int_equal(a->password.kind, SECRET_LITERAL);
	account_free(a);
	a = one("account default\nhost h\nauth on\nuser u\n"
	    "passwordeval pass show mail\n");
	assert_int_equal(a->password.kind, SECRET_EVAL);
	assert_string_equal(a->password.arg, "pass show mail");
	account_free(a);
	a = one("account default\nhost h\nauth on\nuser u\n");
	assert_int_equal(a->password.kind, SECRET_LOOKUP);
	assert_string_equal(a->password.host, "h");
	assert_string_equal(a->password.user, "u");
	account_free(a);
	a = one("account default\nhost h\nauth external\n");
	assert_int_equal(a->password.kind, SECRET_NONE);
	account_free(a);
	a = one("account default\nhost h\nuser u\n");
	assert_int_equal(a->password.kind, SECRET_NONE);
	account_free(a);
}

static void
test_log_keys(void **state)
{
	struct account *a;
	struct failure f;
	char *v;

	(void)state;
	a = one("account default\nhost h\n");
	assert_int_equal(a->syslog_facility, 0);
	assert_null(a->logfile_time_format);
	account_free(a);
	a = one("account default\nhost h\nsyslog\n"
	    "logfile_time_format %H:%M\n");
	assert_int_equal(a->syslog_facility, LOG_MAIL);
	assert_string_equal(a->logfile_time_format, "%H:%M");
	account_free(a);
	a = one("defaults\nsyslog LOG_LOCAL2\naccount default\nhost h\n");
	assert_int_equal(a->syslog_facility, LOG_LOCAL2);
	account_free(a);
	a = one("defaults\nsyslog on\naccount default\nhost h\n"
	    "syslog off\n");
	assert_int_equal(a->syslog_facility, 0);
	account_free(a);
	assert_int_equal(conf_value_normalize(CONF_SYSLOG, "LOG_KERN", &v,
	    &f), -1);
	assert_string_equal(f.text, "syslog: 'LOG_KERN' is not 'on', 'off' "
	    "or one of LOG_USER, LOG_MAIL, LOG_LOCAL0 ... LOG_LOCAL7");
	assert_int_equal(conf_value_normalize(CONF_SYSLOG, "", &v, &f), 0);
	assert_string_equal(v, "on");
	free(v);
}

static void
test_idn(void **state)
{
	struct account *a = one("account default\nhost b\xc3\xbc"
	    "cher.example\n");
	struct failure f;
	char *out;

	(void)state;
	assert_string_equal(a->host, "b\xc3\xbc" "cher.example");
	assert_string_equal(a->host_ascii, "xn--bcher-kva.example");
	account_free(a);
	one_fail("account default\nhost \xe2\x98\x83.example\n",
	    "{U}:2: account 'default': host '\xe2\x98\x83.example': "
	    "cannot convert to ASCII: string contains a disallowed "
	    "character");
	assert_int_equal(idn_addr_to_ascii("u@b\xc3\xbc" "cher.example",
	    &out, &f), 0);
	assert_string_equal(out, "u@xn--bcher-kva.example");
	free(out);
	assert_int_equal(idn_addr_to_ascii("a@b.example", &out, &f), 0);
	assert_string_equal(out, "a@b.example");
	free(out);
	assert_int_equal(idn_addr_to_ascii("j\xc3\xb6rg@example.org", &out,
	    &f), -1);
	assert_int_equal(f.cls, FAIL_DATA);
	assert_null(out);
	assert_int_equal(idn_is_ascii("abc"), 1);
	assert_int_equal(idn_is_ascii("\xc3\xbc"), 0);
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(tdir, sizeof(tdir), "%s/t_conf.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(tdir) == NULL)
		return -1;
	setenv("HOME", tdir, 1);
	umask(022);
	return 0;
}

/* msmtp's header, sender and alias keys, with their normalised values. */
static void
test_msmtp_keys(void **state)
{
	struct conf *c = rc_parse("account a\nset_from_header\n"
	    "set_date_header off\nset_msgid_header\nremove_bcc_headers\n"
	    "undisclosed_recipients off\nauto_from\nmaildomain\n"
	    "aliases ~/al\nallow_from_override off\n"
	    "tls_min_dh_prime_bits 512\naccount b\nset_from_header on\n"
	    "tls_min_dh_prime_bits\n");
	char *al = util_expand_home("~/al");

	(void)state;
	assert_string_equal(own(c, "a", CONF_SET_FROM_HEADER), "auto");
	assert_string_equal(own(c, "a", CONF_SET_DATE_HEADER), "off");
	assert_string_equal(own(c, "a", CONF_SET_MSGID_HEADER), "auto");
	assert_string_equal(own(c, "a", CONF_REMOVE_BCC_HEADERS), "on");
	assert_string_equal(own(c, "a", CONF_UNDISCLOSED_RECIPIENTS), "off");
	assert_string_equal(own(c, "a", CONF_AUTO_FROM), "on");
	assert_string_equal(own(c, "a", CONF_MAILDOMAIN), "");
	assert_string_equal(own(c, "a", CONF_ALIASES), al);
	assert_string_equal(own(c, "a", CONF_ALLOW_FROM_OVERRIDE), "off");
	assert_string_equal(own(c, "a", CONF_TLS_MIN_DH_PRIME_BITS), "512");
	assert_string_equal(own(c, "b", CONF_SET_FROM_HEADER), "on");
	assert_string_equal(own(c, "b", CONF_TLS_MIN_DH_PRIME_BITS), "");
	free(al);
	conf_free(c);
}

static const struct {
	const char *text;
	const char *want;
} key_errors[] = {
	{ "account a\nset_date_header on\n",
	    ":2: set_date_header: 'on' is not 'auto' or 'off'" },
	{ "account a\nset_msgid_header yes\n",
	    ":2: set_msgid_header: 'yes' is not 'auto' or 'off'" },
	{ "account a\nset_from_header always\n",
	    ":2: set_from_header: 'always' is not 'auto', 'on' or 'off'" },
	{ "account a\nremove_bcc_headers x\n",
	    ":2: remove_bcc_headers: 'x' is not 'on' or 'off'" },
	{ "account a\nundisclosed_recipients 1\n",
	    ":2: undisclosed_recipients: '1' is not 'on' or 'off'" },
	{ "account a\ntls_min_dh_prime_bits 0\n",
	    ":2: tls_min_dh_prime_bits: '0' is not a number between 1 and "
	    "2147483647" },
	{ "account a\ntls_nocertcheck off\n",
	    ":2: tls_nocertcheck: takes no argument" },
	{ "account a\ntls_nostarttls on\n",
	    ":2: tls_nostarttls: takes no argument" },
	{ "account a\nkeepbcc maybe\n",
	    ":2: keepbcc: 'maybe' is not 'on' or 'off'" },
	{ "account a\nadd_missing_date_header auto\n",
	    ":2: add_missing_date_header: 'auto' is not 'on' or 'off'" },
	{ "account a\nconnect_timeout 0\n", ":2: timeout: '0' is not 'off' "
	    "or a number between 1 and 86400" },
	{ "account a\n\neval\n", ":3: eval: needs an argument" },
	{ "account a\neval echo eval echo host h\n",
	    ":2: unknown command 'eval'" },
	{ "account a\neval echo bogus 1\n", ":2: unknown command 'bogus'" },
	{ "account a\neval echo port 0\n",
	    ":2: port: '0' is not a number between 1 and 65535" },
};

static void
test_msmtp_key_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(key_errors); i++)
		rc_fail(key_errors[i].text, key_errors[i].want);
}

static void
test_old_names(void **state)
{
	struct conf *c = rc_parse("account a\nkeepbcc\n"
	    "add_missing_from_header off\nadd_missing_date_header\n"
	    "tls_nocertcheck\ntls_nostarttls\nconnect_timeout 7\n"
	    "tls_force_sslv3 whatever\naccount b\nkeepbcc off\n"
	    "add_missing_from_header on\nadd_missing_date_header off\n");

	(void)state;
	assert_string_equal(own(c, "a", CONF_REMOVE_BCC_HEADERS), "off");
	assert_string_equal(own(c, "a", CONF_SET_FROM_HEADER), "off");
	assert_string_equal(own(c, "a", CONF_SET_DATE_HEADER), "auto");
	assert_string_equal(own(c, "a", CONF_TLS_CERTCHECK), "off");
	assert_string_equal(own(c, "a", CONF_TLS_STARTTLS), "off");
	assert_string_equal(own(c, "a", CONF_TIMEOUT), "7");
	assert_string_equal(own(c, "b", CONF_REMOVE_BCC_HEADERS), "on");
	assert_string_equal(own(c, "b", CONF_SET_FROM_HEADER), "auto");
	assert_string_equal(own(c, "b", CONF_SET_DATE_HEADER), "off");
	conf_free(c);
}

static void
test_eval(void **state)
{
	static const char text[] = "account a\n"
	    "eval echo host evalhost.example\n"
	    "eval \"printf 'user  u1\\\\nuser u2\\\\n'\"\n"
	    "eval echo password from-eval\n"
	    "eval sh -c 'read x; echo domain \"got$x\"'\n"
	    "eval echo\n";
	char *path = rc_write(text, strlen(text), 0644);
	struct conf *c = NULL;
	struct failure f;

	(void)state;
	/* A password that eval printed never was in the file itself. */
	if (conf_read(path, &c, &f) != 0)
		fail_msg("%s", f.text);
	assert_string_equal(own(c, "a", CONF_HOST), "evalhost.example");
	assert_string_equal(own(c, "a", CONF_USER), "u1");
	assert_string_equal(own(c, "a", CONF_PASSWORD), "from-eval");
	/* The command reads /dev/null, never the message on stdin. */
	assert_string_equal(own(c, "a", CONF_DOMAIN), "got");
	conf_free(c);
	free(path);
	path = rc_write("account a\neval true\n", 20, 0600);
	assert_int_equal(conf_read(path, &c, &f), -1);
	assert_int_equal(f.cls, FAIL_IO);
	assert_non_null(strstr(f.text, ":2: eval: cannot read the output"));
	free(path);
}

static void
test_header_modes(void **state)
{
	struct account *a = one("account default\nhost h\n");

	(void)state;
	assert_int_equal(a->set_from_header, ACCOUNT_HDR_AUTO);
	assert_int_equal(a->set_date_header, ACCOUNT_HDR_AUTO);
	assert_int_equal(a->set_msgid_header, ACCOUNT_HDR_AUTO);
	assert_int_equal(a->remove_bcc_headers, 1);
	assert_int_equal(a->undisclosed_recipients, 0);
	assert_int_equal(a->allow_from_override, 1);
	assert_null(a->aliases);
	account_free(a);
	a = one("defaults\nset_date_header off\nremove_bcc_headers off\n"
	    "account p1\nset_from_header off\nset_msgid_header off\n"
	    "account p2\nset_from_header on\naliases /al\n"
	    "account default : p1, p2\nhost h\nundisclosed_recipients\n"
	    "allow_from_override off\n");
	assert_int_equal(a->set_from_header, ACCOUNT_HDR_ON);
	assert_int_equal(a->set_date_header, ACCOUNT_HDR_OFF);
	assert_int_equal(a->set_msgid_header, ACCOUNT_HDR_OFF);
	assert_int_equal(a->remove_bcc_headers, 0);
	assert_int_equal(a->undisclosed_recipients, 1);
	assert_int_equal(a->allow_from_override, 0);
	assert_string_equal(a->aliases, "/al");
	account_free(a);
}

static void
test_from_patterns(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	setenv("USER", "tu", 1);
	setenv("HOSTNAME", "hn.example", 1);
	a = one("account default\nhost h\nfrom %U@%H%x\ndomain %H\n");
	assert_string_equal(a->from, "tu@hn.example%x");
	assert_string_equal(a->domain, "hn.example");
	account_free(a);
	a = one("account default\nhost h\nfrom x@y\nauto_from\n"
	    "maildomain md.example\n");
	assert_string_equal(a->from, "tu@md.example");
	account_free(a);
	a = one("account default\nhost h\nauto_from on\n");
	assert_string_equal(a->from, "tu");
	account_free(a);
	fx_load(&x, NULL, "account default\nhost h\nfrom x@y\n");
	fx_set(&x, "auto_from", "on");
	fx_set(&x, "maildomain", "cli.example");
	a = fx_ok(&x);
	assert_string_equal(a->from, "tu@cli.example");
	account_free(a);
	fx_free(&x);
	unsetenv("HOSTNAME");
}

/* The user's full name as %F gives it: GECOS up to the first comma. */
static char *
gecos_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	assert_non_null(pw);
	return xstrndup(pw->pw_gecos != NULL ? pw->pw_gecos : "",
	    pw->pw_gecos != NULL ? strcspn(pw->pw_gecos, ",") : 0);
}

static void
test_to_header_and_full_name(void **state)
{
	struct account *a;
	char *name, *want;
	struct fx x;

	(void)state;
	a = one("account default\nhost h\n");
	assert_int_equal(a->set_to_header, ACCOUNT_TO_OFF);
	assert_null(a->from_full_name);
	account_free(a);
	a = one("defaults\nset_to_header\nfrom_full_name \"Ann (%F), X\"\n"
	    "account default\nhost h\n");
	name = gecos_name();
	want = xasprintf("Ann (%s), X", name);
	assert_int_equal(a->set_to_header, ACCOUNT_TO_ON);
	assert_int_equal(a->undisclosed_recipients, 0);
	assert_string_equal(a->from_full_name, want);
	free(want);
	free(name);
	account_free(a);
	a = one("account default\nhost h\nset_to_header "
	    "undisclosed_recipients\nfrom_full_name %U\n");
	assert_int_equal(a->set_to_header, ACCOUNT_TO_UNDISCLOSED);
	assert_int_equal(a->undisclosed_recipients, 1);
	/* Only %F is a pattern of the name. */
	assert_string_equal(a->from_full_name, "%U");
	account_free(a);
	fx_load(&x, NULL, "account default\nhost h\nset_to_header on\n"
	    "from_full_name A\n");
	fx_set(&x, "set_to_header", "off");
	fx_set(&x, "from_full_name", "B C");
	a = fx_ok(&x);
	assert_int_equal(a->set_to_header, ACCOUNT_TO_OFF);
	assert_string_equal(a->from_full_name, "B C");
	account_free(a);
	fx_free(&x);
}

static void
test_select_env(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	setenv("SMTPSERVER", "env.example", 1);
	setenv("EMAIL", "me@env.example", 1);
	fx_load(&x, NULL, "account a\nhost h\n");
	fx_set(&x, "port", "2525");
	a = fx_ok(&x);
	assert_string_equal(a->name, "environment");
	assert_string_equal(a->host, "env.example");
	assert_string_equal(a->from, "me@env.example");
	assert_int_equal(a->port, 2525);
	account_free(a);
	fx_free(&x);
	/* A default account still comes first. */
	a = one("account default\nhost d\n");
	assert_string_equal(a->host, "d");
	account_free(a);
	unsetenv("EMAIL");
	one_fail("account a\nhost h\n", "no account given and no "
	    "'default' account in {U}");
	fx_load(&x, NULL, "account a\nhost h\n");
	x.req.from = "f@x";
	a = fx_ok(&x);
	assert_string_equal(a->host, "env.example");
	assert_null(a->from);
	account_free(a);
	fx_free(&x);
	unsetenv("SMTPSERVER");
}

static void
test_select_host_only(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	fx_load(&x, "account default\nhost sysd\n",
	    "account default\nhost userd\nfrom u@x\n");
	fx_set(&x, "host", "cli.example");
	x.req.host_only = 1;
	a = fx_ok(&x);
	assert_string_equal(a->name, "cmdline");
	assert_string_equal(a->host, "cli.example");
	assert_null(a->from);
	account_free(a);
	fx_free(&x);
}

static void
test_select_detail_glob(void **state)
{
	struct account *a;
	struct fx x;

	(void)state;
	fx_load(&x, "account sysg\nhost sg\nfrom *@sys.example\n",
	    "account one\nhost h1\nfrom one@example.org\n"
	    "account g\nhost hg\nfrom [a-c]*@glob.example\n"
	    "account default\nhost hd\n");
	x.req.from = "one+tag@example.org";
	a = fx_ok(&x);
	assert_string_equal(a->name, "one");
	account_free(a);
	x.req.from = "bob@glob.example";
	a = fx_ok(&x);
	assert_string_equal(a->name, "g");
	account_free(a);
	x.req.from = "zed@glob.example";
	a = fx_ok(&x);
	assert_string_equal(a->name, "default");
	account_free(a);
	x.req.from = "x@sys.example";
	a = fx_ok(&x);
	assert_string_equal(a->name, "sysg");
	account_free(a);
	fx_free(&x);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_comment_not_value),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_defaults_snapshot),
		cmocka_unit_test(test_parents),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_permissions_pin),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_user_path),
		cmocka_unit_test(test_merge_layers),
		cmocka_unit_test(test_parent_order),
		cmocka_unit_test(test_select_name),
		cmocka_unit_test(test_select_from),
		cmocka_unit_test(test_select_default),
		cmocka_unit_test(test_net_keys),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_port_rule),
		cmocka_unit_test(test_typed_values),
		cmocka_unit_test(test_dsn_values),
		cmocka_unit_test(test_auth_checks),
		cmocka_unit_test(test_no_host),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_password_sources),
		cmocka_unit_test(test_log_keys),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_msmtp_keys),
		cmocka_unit_test(test_msmtp_key_errors),
		cmocka_unit_test(test_old_names),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_header_modes),
		cmocka_unit_test(test_from_patterns),
		cmocka_unit_test(test_to_header_and_full_name),
		cmocka_unit_test(test_select_env),
		cmocka_unit_test(test_select_host_only),
		cmocka_unit_test(test_select_detail_glob),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
