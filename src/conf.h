/*
 * conf.h - the msmtprc grammar.
 *
 * Contract: conf_read() parses one rc file into raw, validated values per
 * account, keeping the line where each value was set.  It does not pick
 * an account, run commands or resolve names.  Each account carries a copy
 * of the "defaults" values in force where it was defined (msmtp's rule:
 * defaults apply to the accounts that follow them), its parent names, and
 * its own values.  Values are normalised strings: booleans "on"/"off",
 * numbers in decimal, paths with "~" expanded, durations ("90s", "5m",
 * "3h", "5d") in decimal seconds, queue_retry as "FIRST,LONGEST".
 * Secret values are wiped by conf_free().  msmtp's old key names are
 * mapped to the current keys, and "eval CMD" lines are replaced by the
 * first line CMD prints (conf_keys.c) while the file is read.
 *
 * Errors: "FILE:LINE: problem" with FAIL_CONFIG; a missing file gives
 * FAIL_NOINPUT with errno ENOENT left in conf_errno so callers can treat
 * "no user file" as normal.
 */
#ifndef POSTIE_CONF_H
#define POSTIE_CONF_H

#include <stddef.h>

#include "util.h"

enum conf_key {
	CONF_HOST,
	CONF_PORT,
	CONF_FROM,
	CONF_USER,
	CONF_PASSWORD,
	CONF_AUTH,
	CONF_AUTH_WITHOUT_TLS,	/* postie's own: allow PLAIN/LOGIN in clear */
	CONF_NTLMDOMAIN,	/* the NTLM domain */
	CONF_TLS,
	CONF_TLS_STARTTLS,
	CONF_TLS_TRUST_FILE,
	CONF_TLS_CERTCHECK,
	CONF_DOMAIN,
	CONF_TIMEOUT,
	CONF_LOGFILE,
	CONF_QUEUE,		/* postie's own: off, fallback or always */
	CONF_QUEUE_DIR,		/* postie's own: the queue directory */
	CONF_QUEUE_LIFETIME,	/* postie's own: seconds before giving up */
	CONF_QUEUE_RETRY,	/* postie's own: "FIRST,LONGEST" seconds */
	CONF_QUEUE_BOUNCE,	/* postie's own: notify the sender on failure */
	CONF_FAILOVER,		/* postie's own: accounts tried next */
	CONF_TLS_FINGERPRINT,
	CONF_TLS_PUBKEY_PIN,	/* postie's own: sha256//BASE64[;...] */
	CONF_TLS_CRL_FILE,
	CONF_TLS_CERT_FILE,
	CONF_TLS_KEY_FILE,
	CONF_TLS_PRIORITIES,
	CONF_TLS_HOST_OVERRIDE,
	CONF_TLS_OPPORTUNISTIC,	/* postie's own: STARTTLS if offered */
	CONF_TLS_SESSION_CACHE,	/* postie's own: resume across runs */
	CONF_DSN_NOTIFY,	/* "off", "never" or "failure,delay,success" */
	CONF_DSN_RETURN,	/* "off", "headers" or "full" */
	CONF_ALLOW_FROM_OVERRIDE,	/* -f may replace "from" */
	CONF_SET_FROM_HEADER,	/* "auto", "on" or "off" */
	CONF_SET_DATE_HEADER,	/* "auto" or "off" */
	CONF_SET_MSGID_HEADER,	/* "auto" or "off" */
	CONF_REMOVE_BCC_HEADERS,
	CONF_UNDISCLOSED_RECIPIENTS,
	CONF_AUTO_FROM,		/* obsolete: from = USER@maildomain */
	CONF_MAILDOMAIN,
	CONF_ALIASES,		/* aliases file for local recipients */
	CONF_TLS_MIN_DH_PRIME_BITS,	/* accepted; GnuTLS decides */
	CONF_PROTOCOL,		/* "smtp" or "lmtp" */
	CONF_PARTIAL_DELIVERY,	/* postie's own: skip refused recipients */
	CONF_REQUIRETLS,	/* postie's own: MAIL FROM ... REQUIRETLS */
	CONF_SOURCE_IP,		/* bind to this address before connecting */
	CONF_SOCKET,		/* a unix socket instead of host and port */
	CONF_PROXY_HOST,	/* SOCKS5 proxy */
	CONF_PROXY_PORT,
	CONF_PASSWORDEVAL,	/* command printing the password */
	CONF_LOGFILE_TIME_FORMAT,	/* strftime format of the stamp */
	CONF_SYSLOG,		/* "off", "on" or a facility LOG_... */
	CONF_FROM_FULL_NAME,	/* postie's own: display name of From */
	CONF_SET_TO_HEADER,	/* postie's own: "off", "on" or */
				/* "undisclosed_recipients" */
	CONF_KEY_LAST
};

struct conf_values {
	char *v[CONF_KEY_LAST];		/* NULL when not set */
	unsigned line[CONF_KEY_LAST];	/* where set; 0 = not set */
};

struct conf_account {
	char *name;
	unsigned line;			/* line of the "account" command */
	char **parents;			/* names after ':' */
	size_t nparents;
	struct conf_values defaults;	/* defaults in force at definition */
	struct conf_values own;		/* lines of this account itself */
};

struct conf {
	char *path;
	struct conf_account *accounts;	/* in file order */
	size_t naccounts;
	struct conf_values defaults;	/* defaults at end of file */
};

/*
 * Parse path.  When the file holds a literal password it must be owned by
 * the caller's uid and not readable by group or others (checked with
 * fstat on the open descriptor).  0 or -1 with f filled.
 */
int conf_read(const char *path, struct conf **out, struct failure *f);
void conf_free(struct conf *conf);

/* errno of the last failed open in conf_read() (ENOENT: no such file). */
int conf_last_errno(void);

/* The user's rc file: ~/.msmtprc, else $XDG_CONFIG_HOME/msmtp/config
 * (default ~/.config/msmtp/config); the first that exists, else the
 * first name.  Newly allocated. */
char *conf_user_path(void);

/* The system rc file, SYSCONFDIR "/msmtprc". */
const char *conf_system_path(void);

/* Key table access, shared with command-line overrides. */
int conf_key_lookup(const char *name, enum conf_key *out);
const char *conf_key_name(enum conf_key key);
int conf_key_is_secret(enum conf_key key);

/*
 * Check and normalise a value for key (as read from a file or given on
 * the command line).  *out is newly allocated.  On error fills f with
 * FAIL_CONFIG and a text "KEY: problem" (no file or line: the caller
 * prefixes them).
 */
int conf_value_normalize(enum conf_key key, const char *value, char **out,
    struct failure *f);

/* Find an account by name; NULL if absent. */
const struct conf_account *conf_find(const struct conf *conf,
    const char *name);

#endif
