/*
 * conf_table.c - the table of rc keys and the checkers of plain values.
 *
 * Every key is a row of one table (name, validator, flags such as
 * "secret"); the same validator serves the file and the command line, so
 * both accept the same values.  Checkers of values with a grammar of
 * their own live in conf_keys.c; the grammar of the file is conf.c's.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_int.h"

static conf_check_fn check_text, check_number, check_bool, check_auth,
    check_path, check_from, check_to_mode;

/* One row per rc key; scripts extract the names to check the man page. */
static const struct conf_key_def conf_keys[CONF_KEY_LAST] = {
	[CONF_HOST] =		{ "host", check_text, CK_REQUIRED, 0, 0 },
	[CONF_PORT] =		{ "port", check_number, 0, 1, 65535 },
	[CONF_FROM] =		{ "from", check_from, 0, 0, 0 },
	[CONF_USER] =		{ "user", check_text, 0, 0, 0 },
	[CONF_PASSWORD] =	{ "password", check_text, CK_SECRET, 0, 0 },
	[CONF_AUTH] =		{ "auth", check_auth, 0, 0, 0 },
	[CONF_AUTH_WITHOUT_TLS] = { "auth_without_tls", check_bool, 0, 0, 0 },
	[CONF_NTLMDOMAIN] =	{ "ntlmdomain", check_text, 0, 0, 0 },
	[CONF_TLS] =		{ "tls", check_bool, 0, 0, 0 },
	[CONF_TLS_STARTTLS] =	{ "tls_starttls", check_bool, 0, 0, 0 },
	[CONF_TLS_TRUST_FILE] =	{ "tls_trust_file", check_path, 0, 0, 0 },
	[CONF_TLS_CERTCHECK] =	{ "tls_certcheck", check_bool, 0, 0, 0 },
	[CONF_DOMAIN] =		{ "domain", check_text, 0, 0, 0 },
	[CONF_TIMEOUT] =	{ "timeout", check_number, CK_OFF, 1, 86400 },
	[CONF_LOGFILE] =	{ "logfile", check_path, 0, 0, 0 },
	[CONF_QUEUE] =		{ "queue", conf_check_queue, 0, 0, 0 },
	[CONF_QUEUE_DIR] =	{ "queue_dir", check_path, CK_REQUIRED, 0, 0 },
	[CONF_QUEUE_LIFETIME] =	{ "queue_lifetime", conf_check_duration, 0, 1,
	    CONF_DURATION_MAX },
	[CONF_QUEUE_RETRY] =	{ "queue_retry", conf_check_retry, 0, 0,
	    CONF_DURATION_MAX },
	[CONF_QUEUE_BOUNCE] =	{ "queue_bounce", check_bool, 0, 0, 0 },
	[CONF_FAILOVER] =	{ "failover", check_text, 0, 0, 0 },
	[CONF_DSN_NOTIFY] =	{ "dsn_notify", conf_check_dsn_notify, 0, 0,
	    0 },
	[CONF_DSN_RETURN] =	{ "dsn_return", conf_check_dsn_return, 0, 0,
	    0 },
	[CONF_TLS_FINGERPRINT] = { "tls_fingerprint", check_text, 0, 0, 0 },
	[CONF_TLS_PUBKEY_PIN] =	{ "tls_pubkey_pin", check_text, 0, 0, 0 },
	[CONF_TLS_CRL_FILE] =	{ "tls_crl_file", check_path, 0, 0, 0 },
	[CONF_TLS_CERT_FILE] =	{ "tls_cert_file", check_path, 0, 0, 0 },
	[CONF_TLS_KEY_FILE] =	{ "tls_key_file", check_path, 0, 0, 0 },
	[CONF_TLS_PRIORITIES] =	{ "tls_priorities", check_text, 0, 0, 0 },
	[CONF_TLS_HOST_OVERRIDE] = { "tls_host_override", check_text, 0, 0,
	    0 },
	[CONF_TLS_OPPORTUNISTIC] = { "tls_opportunistic", check_bool, 0, 0,
	    0 },
	[CONF_TLS_SESSION_CACHE] = { "tls_session_cache", check_bool, 0, 0,
	    0 },
	[CONF_ALLOW_FROM_OVERRIDE] = { "allow_from_override", check_bool, 0,
	    0, 0 },
	[CONF_SET_FROM_HEADER] = { "set_from_header", conf_check_from_mode, 0,
	    0, 0 },
	[CONF_SET_DATE_HEADER] = { "set_date_header", conf_check_auto_mode, 0,
	    0, 0 },
	[CONF_SET_MSGID_HEADER] = { "set_msgid_header", conf_check_auto_mode,
	    0, 0, 0 },
	[CONF_REMOVE_BCC_HEADERS] = { "remove_bcc_headers", check_bool, 0, 0,
	    0 },
	[CONF_UNDISCLOSED_RECIPIENTS] = { "undisclosed_recipients",
	    check_bool, 0, 0, 0 },
	[CONF_AUTO_FROM] =	{ "auto_from", check_bool, 0, 0, 0 },
	[CONF_MAILDOMAIN] =	{ "maildomain", check_text, 0, 0, 0 },
	[CONF_ALIASES] =	{ "aliases", check_path, 0, 0, 0 },
	[CONF_TLS_MIN_DH_PRIME_BITS] = { "tls_min_dh_prime_bits",
	    check_number, CK_EMPTY, 1, INT_MAX },
	[CONF_PROTOCOL] =	{ "protocol", conf_check_protocol, 0, 0, 0 },
	[CONF_PARTIAL_DELIVERY] = { "partial_delivery", check_bool, 0, 0, 0 },
	[CONF_REQUIRETLS] =	{ "requiretls", check_bool, 0, 0, 0 },
	[CONF_SOURCE_IP] =	{ "source_ip", check_text, 0, 0, 0 },
	[CONF_SOCKET] =		{ "socket", check_path, 0, 0, 0 },
	[CONF_PROXY_HOST] =	{ "proxy_host", check_text, 0, 0, 0 },
	[CONF_PROXY_PORT] =	{ "proxy_port", check_number, CK_EMPTY, 1,
	    65535 },
	[CONF_PASSWORDEVAL] =	{ "passwordeval", check_text, 0, 0, 0 },
	[CONF_LOGFILE_TIME_FORMAT] = { "logfile_time_format", check_text, 0,
	    0, 0 },
	[CONF_SYSLOG] =		{ "syslog", conf_check_syslog, 0, 0, 0 },
	[CONF_FROM_FULL_NAME] =	{ "from_full_name", check_text, 0, 0, 0 },
	[CONF_SET_TO_HEADER] =	{ "set_to_header", check_to_mode, 0, 0,
	    0 },
};

/* The SASL mechanisms "auth" accepts by name (compared ignoring case). */
static const char *const conf_mechs[] = {
	"plain", "login", "cram-md5", "digest-md5", "scram-sha-1",
	"scram-sha-1-plus", "scram-sha-256", "scram-sha-256-plus", "gssapi",
	"external", "ntlm", "oauthbearer", "xoauth2",
};

int
conf_key_lookup(const char *name, enum conf_key *out)
{
	size_t i;

	for (i = 0; i < CONF_KEY_LAST; i++) {
		if (strcmp(conf_keys[i].name, name) == 0) {
			*out = (enum conf_key)i;
			return 0;
		}
	}
	return -1;
}

const char *
conf_key_name(enum conf_key key)
{
	return (unsigned)key < CONF_KEY_LAST ? conf_keys[key].name : "?";
}

int
conf_key_is_secret(enum conf_key key)
{
	return (unsigned)key < CONF_KEY_LAST &&
	    (conf_keys[key].flags & CK_SECRET) != 0;
}

int
conf_value_normalize(enum conf_key key, const char *value, char **out,
    struct failure *f)
{
	const struct conf_key_def *k;

	*out = NULL;
	if ((unsigned)key >= CONF_KEY_LAST) {
		failure_set(f, FAIL_SOFTWARE, "unknown key number %d",
		    (int)key);
		return -1;
	}
	k = &conf_keys[key];
	if ((k->flags & CK_REQUIRED) != 0 && *value == '\0') {
		failure_set(f, FAIL_CONFIG, "%s: needs an argument", k->name);
		return -1;
	}
	return k->check(k, value, out, f);
}

/*
 * Text ends up in SMTP commands (EHLO, MAIL FROM, AUTH): a control byte
 * could end a line early.  A secret may hold a TAB; the value itself is
 * never quoted since it may be a password.
 */
static int
check_text(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || ((*p < 0x20 || *p == 0x7f) &&
		    !((k->flags & CK_SECRET) && *p == '\t'))) {
			failure_set(f, FAIL_CONFIG, "%s: contains a line break "
			    "or control character", k->name);
			return -1;
		}
	}
	*out = xstrdup(value);
	return 0;
}

/* Decimal only: msmtp's strtol(..., 0) reads "025" as octal 21. */
static int
check_number(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	int off = (k->flags & CK_OFF) != 0;
	long n;

	if ((off && strcmp(value, "off") == 0) ||
	    ((k->flags & CK_EMPTY) != 0 && *value == '\0')) {
		*out = xstrdup(value);
		return 0;
	}
	if (util_parse_long(value, k->min, k->max, &n) == -1) {
		failure_set(f, FAIL_CONFIG, "%s: '%s' is not %sa number "
		    "between %ld and %ld", k->name, value,
		    off ? "'off' or " : "", k->min, k->max);
		return -1;
	}
	*out = xasprintf("%ld", n);
	return 0;
}

/* msmtp's rule: a command that accepts "on" takes an empty argument too. */
static int
check_bool(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0) {
		*out = xstrdup(*value == '\0' ? "on" : value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on' or 'off'",
	    k->name, value);
	return -1;
}

static int
check_auth(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	size_t i;
	char *p;

	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0)
		return check_bool(k, value, out, f);
	for (i = 0; i < UTIL_ARRAY_LEN(conf_mechs); i++) {
		if (strcasecmp(value, conf_mechs[i]) == 0) {
			*out = p = xstrdup(value);
			for (; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			return 0;
		}
	}
	failure_set(f, FAIL_CONFIG,
	    "%s: '%s' is not 'on', 'off' or a known SASL mechanism",
	    k->name, value);
	return -1;
}

/*
 * Only a leading "~" changes, so the special values "" and "system"
 * (tls_trust_file) or "-" (logfile) pass through unchanged.
 */
static int
check_path(const struct conf_key_def *k, const char *value, char **out,
    struct failure *f)
{
	(void)k;
	(void)f;
	*out = util_expand_home(value);
	return 0;
}

/*
 * An address has no room for a display name, so %F (the full name) is
 * refused here rather than left to be sent as text; from_full_name is
 * where a name goes.
 */
static int
check_from(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (strstr(value, "%F") != NULL) {
		failure_set(f, FAIL_CONFIG, "%s: %%F (the full name) cannot "
		    "be part of an address; use from_full_name", k->name);
		return -1;
	}
	return check_text(k, value, out, f);
}

/* set_to_header: like a flag, plus "undisclosed_recipients". */
static int
check_to_mode(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (strcmp(value, "undisclosed_recipients") == 0) {
		*out = xstrdup(value);
		return 0;
	}
	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0)
		return check_bool(k, value, out, f);
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on', 'off' or "
	    "'undisclosed_recipients'", k->name, value);
	return -1;
}
