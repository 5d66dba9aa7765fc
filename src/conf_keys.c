/*
 * conf_keys.c - value checkers, msmtp's old key names and "eval".
 *
 * The key table itself is conf_table.c's; what is here grew out of it:
 * checkers of values with a small grammar of their own, the mapping of
 * names msmtp still accepts for compatibility, and the command runner
 * behind "eval".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"
#include "log.h"

int
conf_check_queue(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (strcmp(value, "off") == 0 || strcmp(value, "fallback") == 0 ||
	    strcmp(value, "always") == 0) {
		*out = xstrdup(value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'off', 'fallback' or "
	    "'always'", k->name, value);
	return -1;
}

/*
 * msmtp's values: "off", "never", or a comma list (no blanks) of failure,
 * delay and success; kept in lower case, each condition at most once.
 */
int
conf_check_dsn_notify(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	static const char *const conds[] = { "failure", "delay", "success" };
	char *v = xstrdup(value), *p, *end;
	unsigned seen = 0, bit;
	size_t i;

	for (p = v; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(v, "off") == 0 || strcmp(v, "never") == 0) {
		*out = v;
		return 0;
	}
	for (p = v; p != NULL; p = end != NULL ? end + 1 : NULL) {
		end = strchr(p, ',');
		for (i = 0, bit = 0; i < UTIL_ARRAY_LEN(conds) && !bit; i++)
			if (strlen(conds[i]) == (end ? (size_t)(end - p) :
			    strlen(p)) && strncmp(p, conds[i],
			    strlen(conds[i])) == 0)
				bit = 1u << i;
		if (bit == 0 || (seen & bit) != 0)
			break;
		seen |= bit;
	}
	if (p == NULL) {
		*out = v;
		return 0;
	}
	free(v);
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'off', 'never' or a "
	    "list of failure, delay and success such as 'failure,delay'",
	    k->name, value);
	return -1;
}

/* "off", "headers" or "full"; sendmail's "hdrs" is taken for "headers". */
int
conf_check_dsn_return(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (strcasecmp(value, "off") == 0 || strcasecmp(value, "full") == 0) {
		*out = xstrdup(strcasecmp(value, "off") == 0 ? "off" : "full");
		return 0;
	}
	if (strcasecmp(value, "headers") == 0 ||
	    strcasecmp(value, "hdrs") == 0) {
		*out = xstrdup("headers");
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'off', 'headers' or "
	    "'full'", k->name, value);
	return -1;
}

/* "N" or "N" with a unit s, m, h or d, in [min, max] seconds. */
static int
parse_duration(const struct conf_key_def *k, const char *s, size_t len,
    long *out)
{
	static const char units[] = "smhd";
	static const long mult[] = { 1, 60, 3600, 86400 };
	const char *u;
	char num[24];
	long n;
	size_t i = 0;

	if (len > 0 && (u = strchr(units, s[len - 1])) != NULL) {
		i = (size_t)(u - units);
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	if (util_parse_long(num, 0, k->max, &n) == -1 ||
	    n > k->max / mult[i])
		return -1;
	*out = n * mult[i];
	return *out >= k->min ? 0 : -1;
}

int
conf_check_duration(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	long n;

	if (parse_duration(k, value, strlen(value), &n) == -1) {
		failure_set(f, FAIL_CONFIG, "%s: '%s' is not a duration such "
		    "as 90s, 5m, 3h or 5d (at most %ld days)", k->name, value,
		    k->max / 86400);
		return -1;
	}
	*out = xasprintf("%ld", n);
	return 0;
}

/* "FIRST,LONGEST": the first pause, doubled up to the longest. */
int
conf_check_retry(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	const char *comma = strchr(value, ',');
	long first, longest;

	if (comma == NULL || parse_duration(k, value,
	    (size_t)(comma - value), &first) == -1 ||
	    parse_duration(k, comma + 1, strlen(comma + 1), &longest) == -1 ||
	    longest < first) {
		failure_set(f, FAIL_CONFIG, "%s: '%s' is not FIRST,LONGEST "
		    "with two durations such as 5m,3h, the first not longer",
		    k->name, value);
		return -1;
	}
	*out = xasprintf("%ld,%ld", first, longest);
	return 0;
}


/* set_from_header: "auto" (also the empty argument), "on" or "off". */
int
conf_check_from_mode(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (*value == '\0' || strcmp(value, "auto") == 0 ||
	    strcmp(value, "on") == 0 || strcmp(value, "off") == 0) {
		*out = xstrdup(*value == '\0' ? "auto" : value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'auto', 'on' or 'off'",
	    k->name, value);
	return -1;
}

/* set_date_header, set_msgid_header: "auto" (or empty) or "off". */
int
conf_check_auto_mode(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (*value == '\0' || strcmp(value, "auto") == 0 ||
	    strcmp(value, "off") == 0) {
		*out = xstrdup(*value == '\0' ? "auto" : value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'auto' or 'off'",
	    k->name, value);
	return -1;
}

/* An old on/off name: "" and "on" give yes, "off" gives no. */
static int
old_bool(const char *name, const char *arg, const char *yes,
    const char *no, const char **newarg, struct failure *f)
{
	if (*arg == '\0' || strcmp(arg, "on") == 0) {
		*newarg = yes;
		return CONF_OLD_MAPPED;
	}
	if (strcmp(arg, "off") == 0) {
		*newarg = no;
		return CONF_OLD_MAPPED;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on' or 'off'", name,
	    arg);
	return -1;
}

/* A flag that takes no argument and sets key to "off". */
static int
old_flag(const char *name, const char *arg, const char **newarg,
    struct failure *f)
{
	if (*arg != '\0') {
		failure_set(f, FAIL_CONFIG, "%s: takes no argument", name);
		return -1;
	}
	*newarg = "off";
	return CONF_OLD_MAPPED;
}

int
conf_old_key(const char *name, const char *arg, enum conf_key *key,
    const char **newarg, struct failure *f)
{
	if (strcmp(name, "add_missing_from_header") == 0) {
		*key = CONF_SET_FROM_HEADER;
		return old_bool(name, arg, "auto", "off", newarg, f);
	}
	if (strcmp(name, "add_missing_date_header") == 0) {
		*key = CONF_SET_DATE_HEADER;
		return old_bool(name, arg, "auto", "off", newarg, f);
	}
	if (strcmp(name, "keepbcc") == 0) {
		*key = CONF_REMOVE_BCC_HEADERS;
		return old_bool(name, arg, "off", "on", newarg, f);
	}
	if (strcmp(name, "tls_nocertcheck") == 0) {
		*key = CONF_TLS_CERTCHECK;
		return old_flag(name, arg, newarg, f);
	}
	if (strcmp(name, "tls_nostarttls") == 0) {
		*key = CONF_TLS_STARTTLS;
		return old_flag(name, arg, newarg, f);
	}
	if (strcmp(name, "connect_timeout") == 0) {
		*key = CONF_TIMEOUT;
		*newarg = arg;
		return CONF_OLD_MAPPED;
	}
	/* SSLv3 is gone from every TLS library; msmtp ignores it too. */
	if (strcmp(name, "tls_force_sslv3") == 0)
		return CONF_OLD_IGNORED;
	return CONF_OLD_NONE;
}

int
conf_eval(const char *cmd, char **line, struct failure *f)
{
	char *full, *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	*line = NULL;
	full = xasprintf("exec </dev/null; %s", cmd);
	fp = popen(full, "r");
	free(full);
	if (fp == NULL) {
		failure_set(f, FAIL_CONFIG, "eval: cannot run the command: %s",
		    strerror(errno));
		return -1;
	}
	n = getline(&buf, &cap, fp);
	(void)pclose(fp);
	if (n <= 0) {
		free(buf);
		/* msmtp's status: no output is an I/O error. */
		failure_set(f, FAIL_IO, "eval: cannot read the output of "
		    "the command");
		return -1;
	}
	buf[strcspn(buf, "\n")] = '\0';
	*line = buf;
	return 0;
}

/* msmtp's two protocols, kept in lower case. */
int
conf_check_protocol(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	if (strcasecmp(value, "smtp") == 0 || strcasecmp(value, "lmtp") == 0) {
		*out = xstrdup(strcasecmp(value, "smtp") == 0 ? "smtp" :
		    "lmtp");
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'smtp' or 'lmtp'",
	    k->name, value);
	return -1;
}

/* syslog: "on" (or empty), "off", or a facility name such as LOG_MAIL. */
int
conf_check_syslog(const struct conf_key_def *k, const char *value,
    char **out, struct failure *f)
{
	int facility;

	if (*value == '\0' || strcmp(value, "on") == 0 ||
	    strcmp(value, "off") == 0 ||
	    log_facility_lookup(value, &facility) == 0) {
		*out = xstrdup(*value == '\0' ? "on" : value);
		return 0;
	}
	failure_set(f, FAIL_CONFIG, "%s: '%s' is not 'on', 'off' or one of "
	    "LOG_USER, LOG_MAIL, LOG_LOCAL0 ... LOG_LOCAL7", k->name, value);
	return -1;
}
