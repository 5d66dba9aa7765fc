/*
 * fuzz_netrc.c - libFuzzer harness for the netrc(5) reader (netrc.c).
 *
 * The input: byte 0 chooses the user (none, "alice" or "bob") and
 * whether the file must be private; line 1 is the host asked for; the
 * rest is the file.  It is searched twice, as a buffer (netrc_search)
 * and as a file (netrc_find through a memfd of mode 0600, or 0644 when
 * bit 2 is set).  Invariants: both searches agree, the host is compared
 * ignoring case, a password is found exactly when 1 is returned and is
 * no longer than the file, and a refused file is FAIL_CONFIG with a
 * one-line text.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "netrc.h"

static const char *const users[] = { NULL, "alice", "bob", NULL };

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* netrc_find() on a memfd holding the file. */
static int
find_in_file(const char *file, size_t len, int mode, int private,
    const char *host, const char *user, char **pw, struct failure *f)
{
	char path[64];
	int fd, r;

	if ((fd = memfd_create("netrc", MFD_CLOEXEC)) == -1 ||
	    fchmod(fd, (mode_t)mode) == -1 ||
	    (len > 0 && write(fd, file, len) != (ssize_t)len))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = netrc_find(path, private, host, user, pw, f);
	close(fd);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned opt = fuzz_byte(&in);
	const char *user = users[opt & 3];
	int private = (opt & 8) != 0, mode = opt & 4 ? 0644 : 0600, r, r2;
	char *host, *pw = NULL, *pw2 = NULL, *p;
	struct failure f;
	size_t len;

	if ((host = fuzz_line(&in, &len)) == NULL)
		return 0;
	r = netrc_search((const char *)in.p, in.n, host, user, &pw);
	if (r != (pw != NULL) || (r != 0 && r != 1))
		fuzz_fail("result %d with password %p", r, (void *)pw);
	if (pw != NULL && strlen(pw) > in.n)
		fuzz_fail("password longer than the file");
	for (p = host; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	r2 = netrc_search((const char *)in.p, in.n, host, user, &pw2);
	if (r2 != r || !same(pw, pw2))
		fuzz_fail("host case changes the result");
	free(pw2);
	pw2 = NULL;
	memset(&f, 0, sizeof(f));
	r2 = find_in_file((const char *)in.p, in.n, mode, private, host,
	    user, &pw2, &f);
	if (private && mode != 0600) {
		if (r2 != -1 || pw2 != NULL || f.cls != FAIL_CONFIG ||
		    strpbrk(f.text, "\r\n") != NULL)
			fuzz_fail("open netrc used: %d \"%s\"", r2, f.text);
	} else if (r2 != r || !same(pw, pw2))
		fuzz_fail("file and buffer disagree: %d %d", r, r2);
	free(pw);
	free(pw2);
	free(host);
	return 0;
}
