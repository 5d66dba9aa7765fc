/*
 * account_int.h - private to account.c and account_pick.c.
 *
 * account_pick() chooses the account and lays its values out as a
 * struct merge; account.c then applies the command line, builds the
 * typed struct account and checks it.
 */
#ifndef POSTIE_ACCOUNT_INT_H
#define POSTIE_ACCOUNT_INT_H

#include "account.h"

/* Values borrowed from a struct conf (or owned by struct merge). */
struct layer {
	const char *v[CONF_KEY_LAST];
	unsigned line[CONF_KEY_LAST];	/* 0: command line or not set */
};

/* The chosen account and everything needed to report on it. */
struct merge {
	const char *name;
	const char *path;		/* NULL for the command-line account */
	unsigned line;			/* of the "account" command */
	struct layer l;
	char *owned[CONF_KEY_LAST];	/* normalised override values */
};

/*
 * Choose the account as msmtp does (see account.h) and fill m: its
 * values borrow from sys and user, except those in m->owned.  -1 with
 * FAIL_CONFIG when no account can be chosen.
 */
int account_pick(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct merge *m, struct failure *f);

#endif
