/*
 * netrc.h - finding a password in a netrc(5) file.
 *
 * Contract: netrc_find() returns the password of the first "machine"
 * entry whose name equals host (ignoring case) and whose login equals
 * user (an entry without a login matches any user); when no machine
 * entry matches, the "default" entry under the same login rule.
 * Tokens are separated by blanks and line ends; a token may be written
 * in double quotes, where a backslash escapes the next character.
 * "account" values are skipped, and so is a "macdef" up to its ending
 * blank line.  The password is newly allocated and the caller wipes it;
 * every other copy of file content is wiped before netrc.c frees it.
 * Nothing is printed.
 */
#ifndef POSTIE_NETRC_H
#define POSTIE_NETRC_H

#include <stddef.h>

#include "util.h"

/* Search a buffer.  1 with *password set, 0 when nothing matches. */
int netrc_search(const char *buf, size_t len, const char *host,
    const char *user, char **password);

/*
 * Search the file at path.  With must_be_private the file must belong to
 * the effective user and be closed to group and others, as checked on the
 * open descriptor; otherwise it is refused with FAIL_CONFIG.  A missing
 * file is 0 (not found); other problems are -1 with f filled
 * ("PATH: problem").
 */
int netrc_find(const char *path, int must_be_private, const char *host,
    const char *user, char **password, struct failure *f);

#endif
