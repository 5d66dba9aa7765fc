/*
 * aliases.h - msmtp's aliases file for local envelope recipients.
 *
 * Contract: aliases_load() reads "local: addr, addr" lines ('#' starts a
 * comment that runs to the end of the line) into a table.  The name
 * "default" catches every local address the file does not list.
 * aliases_expand() replaces a local recipient (one without '@') by its
 * targets, recursively, in order; an address with '@' and a local one
 * with no entry and no default stay as they are.  Names match exactly,
 * as in msmtp.  Errors: FAIL_CONFIG "FILE:LINE: problem" for a line
 * without ':' or a target holding a control character (a CR or LF would
 * end an SMTP command early), FAIL_CONFIG for an alias loop or for an
 * address whose expansion visits more than 10000 entries, and
 * FAIL_NOINPUT when the file cannot be read.
 */
#ifndef POSTIE_ALIASES_H
#define POSTIE_ALIASES_H

#include <stddef.h>

#include "util.h"

struct aliases;

int aliases_load(const char *path, struct aliases **out, struct failure *f);
void aliases_free(struct aliases *al);

/*
 * Append the expansion of addr to *v (n entries, reallocated; each entry
 * newly allocated).  0 or -1 with f.
 */
int aliases_expand(const struct aliases *al, const char *addr, char ***v,
    size_t *n, struct failure *f);

#endif
