/*
 * conf_int.h - private to conf.c, conf_table.c and conf_keys.c.
 *
 * conf.c owns the grammar; conf_table.c the key table and the checkers
 * of plain values; conf_keys.c the value checkers that need more than a
 * line or two, msmtp's old key names and the "eval" command.  Every
 * checker fills f with FAIL_CONFIG and a text "KEY: problem" that never
 * quotes a secret value.
 */
#ifndef POSTIE_CONF_INT_H
#define POSTIE_CONF_INT_H

#include "conf.h"

#define CK_SECRET	0x1	/* wiped on free, never shown */
#define CK_REQUIRED	0x2	/* an empty argument is an error */
#define CK_OFF		0x4	/* a number that may also be "off" */
#define CK_EMPTY	0x8	/* a number that may be empty: unset */

#define CONF_DURATION_MAX (366L * 86400)

struct conf_key_def;
typedef int conf_check_fn(const struct conf_key_def *, const char *,
    char **, struct failure *);

struct conf_key_def {
	const char *name;
	conf_check_fn *check;
	int flags;
	long min, max;		/* for number checkers */
};

conf_check_fn conf_check_queue, conf_check_duration, conf_check_retry,
    conf_check_dsn_notify, conf_check_dsn_return, conf_check_from_mode,
    conf_check_auto_mode, conf_check_protocol, conf_check_syslog;

/* What conf_old_key() made of an old key name. */
enum conf_old {
	CONF_OLD_NONE,		/* not an old name */
	CONF_OLD_MAPPED,	/* *key and *arg name the new form */
	CONF_OLD_IGNORED,	/* accepted and without effect */
	CONF_OLD_LAST
};

/*
 * msmtp's old names: add_missing_from_header, add_missing_date_header,
 * keepbcc, tls_nocertcheck, tls_nostarttls, connect_timeout and
 * tls_force_sslv3.  *arg may point to a static string.  -1 with f
 * ("KEY: problem") for a value the old name does not take.
 */
int conf_old_key(const char *name, const char *arg, enum conf_key *key,
    const char **newarg, struct failure *f);

/*
 * "eval CMD": the first line of what CMD prints on its standard output
 * (its exit status does not count, as in msmtp), newly allocated without
 * the line end.  CMD runs through /bin/sh with standard input from
 * /dev/null, so it cannot eat the message.  -1 with f: FAIL_CONFIG when
 * it cannot run, FAIL_IO (msmtp's status) when it prints nothing.
 */
int conf_eval(const char *cmd, char **line, struct failure *f);

#endif
