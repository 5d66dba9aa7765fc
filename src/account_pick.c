/*
 * account_pick.c - which account a message goes through, and its layers.
 *
 * msmtp's order: -a; --host alone (the command line only); the first
 * account, user file before system file, whose "from" matches the
 * envelope sender (a shell pattern, and "user+detail@dom" also tries
 * "user@dom"); "default"; $SMTPSERVER with $EMAIL or -f.  The chosen
 * account's values are laid out lowest layer first: the defaults in
 * force where it was defined, then what its parents pass on, then its
 * own lines.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account_int.h"

static void
layer_put(struct layer *dst, const struct conf_values *src)
{
	size_t k;

	for (k = 0; k < CONF_KEY_LAST; k++) {
		if (src->v[k] != NULL) {
			dst->v[k] = src->v[k];
			dst->line[k] = src->line[k];
		}
	}
}

static void
layer_over(struct layer *dst, const struct layer *src)
{
	size_t k;

	for (k = 0; k < CONF_KEY_LAST; k++) {
		if (src->v[k] != NULL) {
			dst->v[k] = src->v[k];
			dst->line[k] = src->line[k];
		}
	}
}

/*
 * What each account passes to its children: its parents' share, then
 * its own lines.  Parents precede their children in the file, so one
 * pass in file order computes every entry from finished ones.
 */
static struct layer *
inherit_table(const struct conf *c)
{
	const struct conf_account *a, *par;
	struct layer *t;
	size_t i, j, idx;

	t = xcalloc(c->naccounts, sizeof(*t));
	for (i = 0; i < c->naccounts; i++) {
		a = &c->accounts[i];
		for (j = 0; j < a->nparents; j++) {
			if ((par = conf_find(c, a->parents[j])) == NULL)
				continue;
			idx = (size_t)(par - c->accounts);
			if (idx < i)
				layer_over(&t[i], &t[idx]);
		}
		layer_put(&t[i], &a->own);
	}
	return t;
}

static void
merge_from_conf(struct merge *m, const struct conf *c, size_t idx)
{
	const struct conf_account *a = &c->accounts[idx];
	struct layer *t = inherit_table(c);

	memset(m, 0, sizeof(*m));
	m->name = a->name;
	m->path = c->path;
	m->line = a->line;
	layer_put(&m->l, &a->defaults);
	layer_over(&m->l, &t[idx]);
	free(t);
}

/* "user+detail@dom" becomes "user@dom"; NULL when there is no detail. */
static char *
strip_detail(const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');

	if (plus == NULL || at == NULL || plus > at)
		return NULL;
	return xasprintf("%.*s%s", (int)(plus - addr), addr, at);
}

static int
from_matches(const char *pattern, const char *from)
{
	char *base;
	int r;

	if (pattern == NULL || *pattern == '\0')
		return 0;
	if (strcasecmp(pattern, from) == 0 ||
	    fnmatch(pattern, from, FNM_CASEFOLD) == 0)
		return 1;
	if ((base = strip_detail(from)) == NULL)
		return 0;
	r = strcasecmp(pattern, base) == 0 ||
	    fnmatch(pattern, base, FNM_CASEFOLD) == 0;
	free(base);
	return r;
}

/* The first account of c whose merged "from" matches; -1 if none. */
static long
find_by_from(const struct conf *c, const char *from)
{
	struct layer *t, l;
	size_t i;
	long found = -1;

	if (c == NULL || c->naccounts == 0)
		return -1;
	t = inherit_table(c);
	for (i = 0; i < c->naccounts && found == -1; i++) {
		memset(&l, 0, sizeof(l));
		layer_put(&l, &c->accounts[i].defaults);
		layer_over(&l, &t[i]);
		if (from_matches(l.v[CONF_FROM], from))
			found = (long)i;
	}
	free(t);
	return found;
}

/* Look in the user file, then the system file. */
static int
pick_by_name(const struct conf *sys, const struct conf *user,
    const char *name, struct merge *m)
{
	const struct conf *cs[2] = { user, sys };
	const struct conf_account *a;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((a = conf_find(cs[i], name)) != NULL) {
			merge_from_conf(m, cs[i],
			    (size_t)(a - cs[i]->accounts));
			return 0;
		}
	}
	return -1;
}

static int
pick_by_from(const struct conf *sys, const struct conf *user,
    const char *from, struct merge *m)
{
	const struct conf *cs[2] = { user, sys };
	size_t i;
	long idx;

	for (i = 0; i < 2; i++) {
		if ((idx = find_by_from(cs[i], from)) != -1) {
			merge_from_conf(m, cs[i], (size_t)idx);
			return 0;
		}
	}
	return -1;
}

/* "in A", "in A or B", or a note that no file was read. */
static char *
files_checked(const struct conf *sys, const struct conf *user)
{
	if (user != NULL && sys != NULL)
		return xasprintf("in %s or %s", user->path, sys->path);
	if (user != NULL || sys != NULL)
		return xasprintf("in %s", (user != NULL ? user : sys)->path);
	return xstrdup("(no configuration file)");
}

/*
 * msmtp's last resort: $SMTPSERVER names the host, $EMAIL (or -f) the
 * sender; the command line still overrides both.
 */
static int
pick_from_env(const struct account_request *req, struct merge *m)
{
	const char *host = getenv("SMTPSERVER"), *email = getenv("EMAIL");

	if (host == NULL || *host == '\0' || ((email == NULL ||
	    *email == '\0') && req->from == NULL))
		return -1;
	memset(m, 0, sizeof(*m));
	m->name = "environment";
	m->owned[CONF_HOST] = xstrdup(host);
	m->l.v[CONF_HOST] = m->owned[CONF_HOST];
	if (email != NULL && *email != '\0') {
		m->owned[CONF_FROM] = xstrdup(email);
		m->l.v[CONF_FROM] = m->owned[CONF_FROM];
	}
	return 0;
}

int
account_pick(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct merge *m, struct failure *f)
{
	char *where;

	if (req->name == NULL && req->host_only) {
		memset(m, 0, sizeof(*m));
		m->name = "cmdline";
		return 0;
	}
	if (req->name != NULL) {
		if (pick_by_name(sys, user, req->name, m) == 0)
			return 0;
		where = files_checked(sys, user);
		failure_set(f, FAIL_CONFIG, "account '%s' not found %s",
		    req->name, where);
		free(where);
		return -1;
	}
	if (req->from != NULL && pick_by_from(sys, user, req->from, m) == 0)
		return 0;
	if (pick_by_name(sys, user, "default", m) == 0)
		return 0;
	if (pick_from_env(req, m) == 0)
		return 0;
	where = files_checked(sys, user);
	failure_set(f, FAIL_CONFIG, "no account given and no 'default' "
	    "account %s", where);
	free(where);
	return -1;
}

