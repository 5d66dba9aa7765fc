/*
 * expand.h - substitution patterns in "from", "domain" and
 * "from_full_name".
 *
 * Contract: expand_patterns() replaces %U (the user: $USER, else
 * $LOGNAME, else the login name), %H ($HOSTNAME, else gethostname()),
 * %C (the canonical name of %H, looked up through getaddrinfo(); %H
 * itself when the lookup fails), %M (the first line of
 * SYSCONFDIR/mailname) and %F (the passwd GECOS field up to its first
 * comma) wherever they appear among the letters in "which"; any other
 * '%' is copied.  The result is newly allocated.
 * Errors: FAIL_CONFIG "FILE: problem" when %M is used and the mailname
 * file cannot be read.
 */
#ifndef POSTIE_EXPAND_H
#define POSTIE_EXPAND_H

#include "util.h"

int expand_patterns(const char *s, const char *which, char **out,
    struct failure *f);

/* The user name %U stands for; newly allocated. */
char *expand_user(void);

#endif
