/*
 * fuzz_aliases.c - libFuzzer harness for the aliases file (aliases.c).
 *
 * The input: line 1 holds the addresses to expand, separated by blanks
 * or control bytes (envelope.c refuses those before aliases see them);
 * the rest is the file, handed to aliases_load() through a memfd.
 * Invariants: a refused file is FAIL_CONFIG or FAIL_NOINPUT with a
 * one-line text; an expansion is FAIL_CONFIG when it fails, and when it
 * succeeds every address is free of control bytes and is a fixed point
 * (expanding it again gives exactly itself), and an address with '@'
 * comes back unchanged.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aliases.h"
#include "fuzz.h"

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
check_result(const struct aliases *al, char **v, size_t n)
{
	struct failure f;
	const char *s;
	char **w;
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (s = v[i]; *s != '\0'; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fuzz_fail("control byte in target %zu", i);
		w = NULL;
		k = 0;
		memset(&f, 0, sizeof(f));
		if (aliases_expand(al, v[i], &w, &k, &f) == -1 || k != 1 ||
		    strcmp(w[0], v[i]) != 0)
			fuzz_fail("target \"%s\" expands again", v[i]);
		free_list(w, k);
	}
}

static void
expand_one(const struct aliases *al, const char *addr)
{
	struct failure f;
	char **v = NULL;
	size_t n = 0;

	memset(&f, 0, sizeof(f));
	if (aliases_expand(al, addr, &v, &n, &f) == -1) {
		if (f.cls != FAIL_CONFIG || strpbrk(f.text, "\r\n") != NULL)
			fuzz_fail("expansion failure %d \"%s\"", f.cls,
			    f.text);
	} else {
		if (strchr(addr, '@') != NULL && (n != 1 ||
		    strcmp(v[0], addr) != 0))
			fuzz_fail("remote address \"%s\" changed", addr);
		check_result(al, v, n);
	}
	free_list(v, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct aliases *al = NULL;
	struct failure f;
	char path[64], *addrs, *a, *rest;
	size_t len;
	int fd;

	if ((addrs = fuzz_line(&in, &len)) == NULL)
		return 0;
	if ((fd = memfd_create("aliases", MFD_CLOEXEC)) == -1 ||
	    (in.n > 0 && write(fd, in.p, in.n) != (ssize_t)in.n))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&f, 0, sizeof(f));
	if (aliases_load(path, &al, &f) == -1) {
		if (al != NULL || (f.cls != FAIL_CONFIG &&
		    f.cls != FAIL_NOINPUT) || strpbrk(f.text, "\r\n"))
			fuzz_fail("load failure %d \"%s\"", f.cls, f.text);
	} else {
		if (al == NULL)
			fuzz_fail("success without a table");
		for (a = addrs; *a != '\0'; a++)
			if ((unsigned char)*a < 0x20 || *a == 0x7f)
				*a = ' ';
		for (rest = addrs; (a = strsep(&rest, " ")) != NULL;)
			if (*a != '\0')
				expand_one(al, a);
	}
	aliases_free(al);
	close(fd);
	free(addrs);
	return 0;
}
