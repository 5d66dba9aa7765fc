/*
 * t_aliases.c - unit tests for the aliases file (aliases.c).
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aliases.h"

static char tdir[PATH_MAX];
static unsigned nfiles;

static char *
file_write(const char *text)
{
	char *path = xasprintf("%s/aliases%u", tdir, nfiles++);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, text, strlen(text)), 0);
	close(fd);
	return path;
}

static struct aliases *
load(const char *text)
{
	struct aliases *al = NULL;
	struct failure f;
	char *path = file_write(text);

	if (aliases_load(path, &al, &f) != 0)
		fail_msg("%s", f.text);
	free(path);
	return al;
}

/* The expansion of addr, joined with single blanks. */
static char *
expand(const struct aliases *al, const char *addr)
{
	char **v = NULL, *out = xstrdup(""), *t;
	struct failure f;
	size_t n = 0, i;

	if (aliases_expand(al, addr, &v, &n, &f) != 0)
		fail_msg("%s: %s", addr, f.text);
	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", out, i > 0 ? " " : "", v[i]);
		free(out);
		free(v[i]);
		out = t;
	}
	free(v);
	return out;
}

static void
check(const struct aliases *al, const char *addr, const char *want)
{
	char *got = expand(al, addr);

	assert_string_equal(got, want);
	free(got);
}

static void
test_expand(void **state)
{
	struct aliases *al = load("# team\n\nbob: carol, b@example.org\n"
	    "carol:carol@example.org # the real one\n"
	    "  team :a@x,, c@x ,bob\nempty:\nBig: big@x\n");

	(void)state;
	check(al, "bob", "carol@example.org b@example.org");
	check(al, "team", "a@x c@x carol@example.org b@example.org");
	check(al, "bob@example.org", "bob@example.org");
	check(al, "nobody", "nobody");
	check(al, "big", "big");
	check(al, "Big", "big@x");
	check(al, "empty", "");
	aliases_free(al);
	aliases_free(NULL);
}

static void
test_default(void **state)
{
	struct aliases *al = load("root: admin\ndefault: catch@x\n"
	    "admin: admin@x\n");

	(void)state;
	check(al, "root", "admin@x");
	check(al, "anyone", "catch@x");
	check(al, "x@remote", "x@remote");
	aliases_free(al);
}

static void
expect_expand_fail(const char *text, const char *addr, const char *want)
{
	struct aliases *al = load(text);
	char **v = NULL;
	size_t n = 0, i;
	struct failure f;

	assert_int_equal(aliases_expand(al, addr, &v, &n, &f), -1);
	assert_int_equal(f.cls, FAIL_CONFIG);
	assert_non_null(strstr(f.text, want));
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	aliases_free(al);
}

static void
test_loops(void **state)
{
	(void)state;
	expect_expand_fail("a: b\nb: a\n", "a",
	    "too many redirects when expanding alias");
	expect_expand_fail("a: a\n", "a", "alias 'a'");
	expect_expand_fail("default: someone\n", "x", "too many redirects");
}

/*
 * Found by fuzz_aliases: sixteen lines, each naming the next one four
 * times, asked for 4^16 addresses and hung.  A fan-out that stays under
 * the limit still expands.
 */
static void
test_fanout(void **state)
{
	char *text = xstrdup(""), *t, *got;
	struct aliases *al;
	int i;

	(void)state;
	for (i = 0; i < 16; i++) {
		t = xasprintf("%sa%d: a%d, a%d, a%d, a%d\n", text, i, i + 1,
		    i + 1, i + 1, i + 1);
		free(text);
		text = t;
	}
	expect_expand_fail(text, "a0", "alias 'a0' expands to too many "
	    "addresses");
	free(text);
	al = load("a: b, b, b\nb: c@x, d@x\n");
	got = expand(al, "a");
	assert_string_equal(got, "c@x d@x c@x d@x c@x d@x");
	free(got);
	aliases_free(al);
}

static void
expect_load_fail(const char *text, const char *want)
{
	struct aliases *al = (struct aliases *)1;
	char *path = file_write(text), *full = NULL;
	struct failure f;

	assert_int_equal(aliases_load(path, &al, &f), -1);
	assert_null(al);
	assert_int_equal(f.cls, FAIL_CONFIG);
	full = xasprintf("%s%s", path, want);
	assert_string_equal(f.text, full);
	free(full);
	free(path);
}

static void
test_errors(void **state)
{
	struct aliases *al = (struct aliases *)1;
	struct failure f;
	char *missing;

	(void)state;
	expect_load_fail("ok: a@x\nno colon here\n",
	    ":2: expected 'name: address, ...'");
	expect_load_fail(": a@x\n", ":1: empty alias name");
	/* A CR would end RCPT TO early and let the file add commands. */
	expect_load_fail("x: a@x\rRCPT TO:<evil@x>\n",
	    ":1: contains a line break or control character");
	expect_load_fail("x\001: a@x\n",
	    ":1: contains a line break or control character");
	missing = xasprintf("%s/none", tdir);
	assert_int_equal(aliases_load(missing, &al, &f), -1);
	assert_null(al);
	assert_int_equal(f.cls, FAIL_NOINPUT);
	free(missing);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tdir, sizeof(tdir), "%s/t_aliases.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(tdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *cmd;
	int rc;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", tdir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
