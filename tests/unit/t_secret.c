/*
 * t_secret.c - password sources: literal, passwordeval, netrc, and the
 * lookup chain without a terminal.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netrc.h"
#include "secret.h"

static int
copy_plain(void *arg, const char *plaintext)
{
	char *buf = arg;

	snprintf(buf, 256, "%s", plaintext);
	return 0;
}

/* Fetch src and return its plaintext (static), or NULL with *f set. */
static const char *
fetch(const struct secret_source *src, struct failure *f)
{
	static char buf[256];
	struct secret *s;

	failure_clear(f);
	if ((s = secret_fetch(src, f)) == NULL)
		return NULL;
	assert_int_equal(secret_lend(s, copy_plain, buf), 0);
	secret_free(s);
	return buf;
}

static const char *
eval(const char *cmd, struct failure *f)
{
	struct secret_source src = { SECRET_EVAL, (char *)cmd, NULL, NULL };

	return fetch(&src, f);
}

static void
test_literal(void **state)
{
	struct secret_source src = { SECRET_LITERAL, (char *)"lit pw",
	    NULL, NULL };
	struct failure f;

	(void)state;
	assert_string_equal(fetch(&src, &f), "lit pw");
	src.kind = SECRET_NONE;
	assert_null(fetch(&src, &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
}

static void
test_eval_output(void **state)
{
	struct failure f;

	(void)state;
	/* Every trailing CR and LF goes, as msmtp strips them. */
	assert_string_equal(eval("printf 'pw-1\\r\\n\\n\\n'", &f), "pw-1");
	assert_string_equal(eval("echo ' spaced pw '", &f), " spaced pw ");
	/* Inner line ends stay: the whole output is the password. */
	assert_string_equal(eval("printf 'a\\nb\\n'", &f), "a\nb");
	/* Its standard input is /dev/null, never the message. */
	assert_string_equal(eval("read x; echo \"got$x\"", &f), "got");
}

static void
test_eval_failures(void **state)
{
	struct failure f;

	(void)state;
	assert_null(eval("echo leaked-secret; exit 3", &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	assert_non_null(strstr(f.text, "exit status 3"));
	assert_null(strstr(f.text, "leaked-secret"));
	assert_null(eval("printf '\\n'", &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	assert_non_null(strstr(f.text, "printed nothing"));
	assert_null(eval("printf 'a\\0b'", &f));
	assert_non_null(strstr(f.text, "NUL"));
	assert_null(eval("kill -9 $$", &f));
	assert_non_null(strstr(f.text, "signal 9"));
	assert_null(eval("/nonexistent/command", &f));
	assert_int_equal(f.cls, FAIL_CONFIG);
	/* An endless output ends in an error, not in a hang. */
	assert_null(eval("yes", &f));
	assert_non_null(strstr(f.text, "more than"));
}

struct netrc_case {
	const char *name;
	const char *text;
	const char *host;
	const char *user;
	const char *want;	/* NULL: not found */
};

static const struct netrc_case netrc_cases[] = {
	{ "machine and login", "machine mx login al password p1\n",
	    "mx", "al", "p1" },
	{ "host ignores case", "machine MX.Example login al password p1",
	    "mx.example", "al", "p1" },
	{ "login must match", "machine mx login bob password p1\n",
	    "mx", "al", NULL },
	{ "no login matches any user", "machine mx password p2",
	    "mx", "al", "p2" },
	{ "first match wins",
	    "machine mx login al password p1\nmachine mx login al "
	    "password p2\n", "mx", "al", "p1" },
	{ "other machines skipped",
	    "machine a login al password pa\n\nmachine mx\n\tlogin al\n"
	    "\tpassword pm\n", "mx", "al", "pm" },
	{ "password before login", "machine mx password p3 login al",
	    "mx", "al", "p3" },
	{ "quoted with escapes",
	    "machine mx login al password \"a b\\\"c\\\\d\"",
	    "mx", "al", "a b\"c\\d" },
	{ "default after machines",
	    "machine other login al password no\ndefault login al "
	    "password dflt\n", "mx", "al", "dflt" },
	{ "machine beats default anywhere",
	    "default login al password dflt\nmachine mx login al "
	    "password m\n", "mx", "al", "m" },
	{ "default needs the login", "default login bob password d",
	    "mx", "al", NULL },
	{ "entry without password", "machine mx login al\n",
	    "mx", "al", NULL },
	{ "account skipped", "machine mx login al account acc password p",
	    "mx", "al", "p" },
	{ "macdef skipped",
	    "macdef init\nmachine mx password bad\n\nmachine mx login al "
	    "password good\n", "mx", "al", "good" },
	{ "truncated entry", "machine mx login al password", "mx", "al",
	    NULL },
	{ "empty file", "", "mx", "al", NULL },
};

static void
test_netrc_search(void **state)
{
	const struct netrc_case *c;
	char *pw;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(netrc_cases) / sizeof(netrc_cases[0]); i++) {
		c = &netrc_cases[i];
		r = netrc_search(c->text, strlen(c->text), c->host, c->user,
		    &pw);
		if (c->want == NULL && (r != 0 || pw != NULL))
			fail_msg("%s: found '%s'", c->name, pw);
		if (c->want != NULL && (r != 1 || pw == NULL ||
		    strcmp(pw, c->want) != 0))
			fail_msg("%s: got %s", c->name, pw ? pw : "nothing");
		free(pw);
	}
}

static char tmpdir[64];

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
test_netrc_find(void **state)
{
	struct failure f;
	char *path, *pw;

	(void)state;
	path = write_file("netrc", "machine mx login al password fp\n",
	    0644);
	failure_clear(&f);
	/* Readable by others: refused where privacy is required. */
	assert_int_equal(netrc_find(path, 1, "mx", "al", &pw, &f), -1);
	assert_null(pw);
	assert_non_null(strstr(f.text, "chmod 600"));
	assert_int_equal(netrc_find(path, 0, "mx", "al", &pw, &f), 1);
	assert_string_equal(pw, "fp");
	free(pw);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(netrc_find(path, 1, "mx", "al", &pw, &f), 1);
	free(pw);
	unlink(path);
	assert_int_equal(netrc_find(path, 1, "mx", "al", &pw, &f), 0);
	free(path);
}

/* The chain in a child without a controlling terminal. */
static int
lookup_in_child(const char *host, const char *user, char *out, size_t size)
{
	struct secret_source src = { SECRET_LOOKUP, NULL, (char *)host,
	    (char *)user };
	struct failure f;
	const char *pw;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		(void)setsid();
		pw = fetch(&src, &f);
		dprintf(p[1], "%s:%s", pw != NULL ? "pw" : "err",
		    pw != NULL ? pw : f.text);
		_exit(pw != NULL ? 0 : f.cls);
	}
	close(p[1]);
	n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

static void
test_lookup_chain(void **state)
{
	char out[512], *path, *home = getenv("HOME");

	(void)state;
	home = home != NULL ? xstrdup(home) : NULL;
	setenv("HOME", tmpdir, 1);
	path = write_file(".netrc", "machine smtp.example login al password "
	    "from-netrc\n", 0600);
	assert_int_equal(lookup_in_child("smtp.example", "al", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "pw:from-netrc");
	/* No match and no terminal: a clear error, nobody is asked. */
	assert_int_equal(lookup_in_child("other.example", "al", out,
	    sizeof(out)), FAIL_CONFIG);
	assert_non_null(strstr(out, "no terminal"));
	assert_non_null(strstr(out, "al at other.example"));
	/* A world-readable ~/.netrc is skipped with a warning. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(lookup_in_child("smtp.example", "al", out,
	    sizeof(out)), FAIL_CONFIG);
	unlink(path);
	free(path);
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
}

static void
test_source_copy(void **state)
{
	struct secret_source src = { SECRET_LOOKUP, NULL, (char *)"h",
	    (char *)"u" }, copy;

	(void)state;
	secret_source_copy(&copy, &src);
	assert_int_equal(copy.kind, SECRET_LOOKUP);
	assert_string_equal(copy.host, "h");
	assert_string_equal(copy.user, "u");
	assert_null(copy.arg);
	secret_source_clear(&copy);
	assert_int_equal(copy.kind, SECRET_NONE);
	assert_null(copy.host);
	secret_source_clear(NULL);
	secret_free(NULL);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/t_secret.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r;

	(void)state;
	/* A key ring library may leave a cache directory in HOME. */
	r = system(cmd);
	free(cmd);
	return r;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_eval_output),
		cmocka_unit_test(test_eval_failures),
		cmocka_unit_test(test_netrc_search),
		cmocka_unit_test(test_netrc_find),
		cmocka_unit_test(test_lookup_chain),
		cmocka_unit_test(test_source_copy),
	};

	return cmocka_run_group_tests_name("secret", tests, setup, teardown);
}
