/*
 * fuzz_conf.c - libFuzzer harness for the rc file parser (conf.c).
 *
 * The input is the whole rc file.  It is handed to conf_read() through
 * a memory file (memfd, mode 0600, so files with a password are read to
 * the end) named by its /proc/self/fd path.  Invariants: success and
 * failure are exclusive, a failure is FAIL_CONFIG or FAIL_NOINPUT
 * (FAIL_IO when an "eval" command prints nothing) with a one-line text,
 * and no password value written in the file ever shows up in that text.
 * No "eval" command is run: popen() is replaced below.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

/*
 * conf_read() runs "eval" commands through popen(), and a fuzzer must
 * not run the shell commands it invents: these two replace popen() and
 * pclose() in this program.  The "command" prints itself (without the
 * "exec </dev/null; " in front), or nothing when it starts with "false".
 */
FILE *
popen(const char *cmd, const char *mode)
{
	const char *c = strstr(cmd, "; ");
	size_t n;
	FILE *fp;

	(void)mode;
	c = c != NULL ? c + 2 : cmd;
	if (strncmp(c, "false", 5) == 0)
		return fopen("/dev/null", "re");
	n = strlen(c);
	if ((fp = fmemopen(NULL, n + 2, "w+")) == NULL)
		return NULL;
	fprintf(fp, "%s\n", c);
	rewind(fp);
	return fp;
}

int
pclose(FILE *fp)
{
	return fclose(fp);
}

/* 1 if the n bytes at s occur exactly once in data. */
static int
unique(const uint8_t *data, size_t size, const char *s, size_t n)
{
	const uint8_t *hit = memmem(data, size, s, n);

	return hit != NULL && memmem(hit + 1, size - (size_t)(hit - data) - 1,
	    s, n) == NULL;
}

/* Values of "password" lines long enough to be recognised in a text. */
static void
check_no_password(const uint8_t *data, size_t size, const char *text)
{
	struct fuzz_in in = { data, size };
	size_t len, vlen;
	char *line, *v;

	while ((line = fuzz_line(&in, &len)) != NULL) {
		v = line + strspn(line, " \t");
		if (strncmp(v, "password", 8) == 0 && (v[8] == ' ' ||
		    v[8] == '\t')) {
			v += 8 + strspn(v + 8, " \t\"");
			vlen = strcspn(v, "\"\r\\");
			v[vlen] = '\0';
			/* A value written elsewhere may be quoted from there,
			 * and one without a digit may be a word of the text. */
			if (vlen >= 8 && unique(data, size, v, vlen) &&
			    strpbrk(v, "0123456789") != NULL &&
			    strpbrk(v, " \t") == NULL &&
			    strstr(text, v) != NULL)
				fuzz_fail("password value in \"%s\"", text);
		}
		free(line);
	}
}

static void
check_conf(const struct conf *c)
{
	size_t i, k;

	for (i = 0; i < c->naccounts; i++) {
		if (conf_find(c, c->accounts[i].name) != &c->accounts[i])
			fuzz_fail("conf_find misses account %zu", i);
		for (k = 0; k < CONF_KEY_LAST; k++)
			if ((c->accounts[i].own.v[k] == NULL) !=
			    (c->accounts[i].own.line[k] == 0))
				fuzz_fail("value and line disagree");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	struct failure f;
	char path[64];
	int fd, r;

	setenv("HOME", "/nonexistent-fuzz-home", 1);
	if ((fd = memfd_create("rc", MFD_CLOEXEC)) == -1 ||
	    fchmod(fd, 0600) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&f, 0, sizeof(f));
	r = conf_read(path, &c, &f);
	if (r == 0 && c == NULL)
		fuzz_fail("success without a conf");
	/* An eval command without output is an I/O error, as in msmtp. */
	if (r == -1 && (c != NULL || (f.cls != FAIL_CONFIG &&
	    f.cls != FAIL_NOINPUT && (f.cls != FAIL_IO ||
	    memmem(data, size, "eval", 4) == NULL))))
		fuzz_fail("failure with class %d", f.cls);
	if (r == -1 && strpbrk(f.text, "\r\n") != NULL)
		fuzz_fail("line break in \"%s\"", f.text);
	/* The text starts with the path, which holds digits. */
	if (r == -1 && strncmp(f.text, path, strlen(path)) == 0)
		check_no_password(data, size, f.text + strlen(path));
	else if (r == -1)
		check_no_password(data, size, f.text);
	else
		check_conf(c);
	conf_free(c);
	close(fd);
	return 0;
}
