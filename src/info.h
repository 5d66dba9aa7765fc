/*
 * info.h - what --pretend and --serverinfo print, laid out as msmtp
 * lays it out so that users can compare the two.
 *
 * Contract: printing only; the values are borrowed.  A password is
 * never printed: --pretend shows "*" where one is set, and the only
 * thing info_print_account() learns about it is whether it exists.
 */
#ifndef POSTIE_INFO_H
#define POSTIE_INFO_H

#include <stdio.h>

#include "account.h"
#include "envelope.h"
#include "probe.h"

/* --pretend: "using account ..." and one "key = value" line per key. */
void info_print_account(FILE *fp, const struct account *acct);
/* --pretend: where the recipients come from, MAIL FROM and RCPT TO
 * (env NULL: there are none yet). */
void info_print_envelope(FILE *fp, const struct envelope *env,
    int read_recipients);
/* --serverinfo: greeting, TLS session and certificate, capabilities. */
void info_print_server(FILE *fp, const struct account *acct,
    const struct probe *p);

#endif
