/*
 * info.c - the text of --pretend and --serverinfo.  The layout follows
 * msmtp's (key = value lines; indented blocks for the server) so that the
 * two can be compared line by line; postie's own keys and the extensions
 * msmtp does not list come after msmtp's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "info.h"
#include "log.h"

#define NOTSET "(not set)"

static const char *
info_str(const char *s)
{
	return s != NULL ? s : NOTSET;
}

static const char *
info_onoff(int on)
{
	return on ? "on" : "off";
}

static void
info_kv(FILE *fp, const char *key, const char *value)
{
	fprintf(fp, "%s = %s\n", key, value);
}

static const char *
info_auth(const struct account *a)
{
	switch (a->auth) {
	case ACCOUNT_AUTH_OFF:
		return "none";
	case ACCOUNT_AUTH_MECH:
		return a->auth_mech;
	default:
		return "choose";
	}
}

static const char *
info_queue(enum account_queue q)
{
	switch (q) {
	case ACCOUNT_QUEUE_FALLBACK:
		return "fallback";
	case ACCOUNT_QUEUE_ALWAYS:
		return "always";
	default:
		return "off";
	}
}

static const char *
info_hdr(enum account_hdr h)
{
	return h == ACCOUNT_HDR_OFF ? "off" : h == ACCOUNT_HDR_ON ? "on" :
	    "auto";
}

static const char *
info_to(enum account_to t)
{
	return t == ACCOUNT_TO_ON ? "on" : t == ACCOUNT_TO_UNDISCLOSED ?
	    "undisclosed_recipients" : "off";
}

/* The name msmtp prints, found back through log.c's own table. */
static const char *
info_facility(int facility)
{
	static const char *const names[] = {
		"LOG_USER", "LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL1",
		"LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5",
		"LOG_LOCAL6", "LOG_LOCAL7",
	};
	size_t i;
	int n;

	if (facility == 0)
		return NOTSET;
	for (i = 0; i < UTIL_ARRAY_LEN(names); i++)
		if (log_facility_lookup(names[i], &n) == 0 && n == facility)
			return names[i];
	return "on";
}

static void
info_int(FILE *fp, const char *key, int set, int value)
{
	if (set)
		fprintf(fp, "%s = %d\n", key, value);
	else
		info_kv(fp, key, NOTSET);
}

/* Connection keys, in msmtp's order. */
static void
info_net_keys(FILE *fp, const struct account *a)
{
	info_kv(fp, "host", info_str(a->host));
	info_int(fp, "port", 1, a->port);
	info_kv(fp, "source ip", info_str(a->source_ip));
	info_kv(fp, "proxy host", info_str(a->proxy_host));
	/* msmtp prints 0 until a proxy is used. */
	info_int(fp, "proxy port", 1, a->proxy_host != NULL ?
	    a->proxy_port : 0);
	info_kv(fp, "socket", info_str(a->socket_path));
	fprintf(fp, "timeout = %d seconds\n", a->timeout_s);
	info_kv(fp, "protocol", a->lmtp ? "lmtp" : "smtp");
	info_kv(fp, "domain", info_str(a->domain));
}

/*
 * Only whether a password is set, and the command of passwordeval as
 * "*" too: "echo PASSWORD" is a common way to write one.
 */
static void
info_auth_keys(FILE *fp, const struct account *a)
{
	enum secret_kind k = a->password.kind;

	info_kv(fp, "auth", info_auth(a));
	info_kv(fp, "user", info_str(a->user));
	info_kv(fp, "password", k == SECRET_LITERAL ? "*" : NOTSET);
	info_kv(fp, "passwordeval", k == SECRET_EVAL ? "*" : NOTSET);
	info_kv(fp, "ntlmdomain", info_str(a->ntlm_domain));
}

/* A PKCS#11 URI may hold the token's PIN. */
static void
info_tls_keys(FILE *fp, const struct account *a)
{
	char *key = util_hide_pin(a->tls_key_file);
	char *cert = util_hide_pin(a->tls_cert_file);

	info_kv(fp, "tls", info_onoff(a->tls));
	info_kv(fp, "tls_starttls", info_onoff(a->tls_starttls));
	info_kv(fp, "tls_trust_file", a->tls_trust_file != NULL ?
	    a->tls_trust_file : "system");
	info_kv(fp, "tls_crl_file", info_str(a->tls_crl_file));
	info_kv(fp, "tls_fingerprint", info_str(a->tls_fingerprint));
	info_kv(fp, "tls_key_file", info_str(key));
	info_kv(fp, "tls_cert_file", info_str(cert));
	info_kv(fp, "tls_certcheck", info_onoff(a->tls_certcheck));
	info_int(fp, "tls_min_dh_prime_bits", a->tls_min_dh_prime_bits > 0,
	    a->tls_min_dh_prime_bits);
	info_kv(fp, "tls_priorities", info_str(a->tls_priorities));
	info_kv(fp, "tls_host_override", info_str(a->tls_host_override));
	free(key);
	free(cert);
}

static void
info_msg_keys(FILE *fp, const struct account *a)
{
	info_kv(fp, "auto_from", info_onoff(a->auto_from));
	info_kv(fp, "maildomain", info_str(a->maildomain));
	info_kv(fp, "from", info_str(a->from));
	info_kv(fp, "allow_from_override", info_onoff(a->allow_from_override));
	info_kv(fp, "set_from_header", info_hdr(a->set_from_header));
	info_kv(fp, "set_date_header", info_hdr(a->set_date_header));
	info_kv(fp, "remove_bcc_headers", info_onoff(a->remove_bcc_headers));
	info_kv(fp, "undisclosed_recipients",
	    info_onoff(a->undisclosed_recipients));
	info_kv(fp, "dsn_notify", info_str(a->dsn_notify));
	info_kv(fp, "dsn_return", info_str(a->dsn_return));
	info_kv(fp, "logfile", info_str(a->logfile));
	info_kv(fp, "logfile_time_format", info_str(a->logfile_time_format));
	info_kv(fp, "syslog", info_facility(a->syslog_facility));
	info_kv(fp, "aliases", info_str(a->aliases));
}

/* postie's own keys, and set_msgid_header that msmtp omits. */
static void
info_own_keys(FILE *fp, const struct account *a)
{
	info_kv(fp, "set_msgid_header", info_hdr(a->set_msgid_header));
	info_kv(fp, "set_to_header", info_to(a->set_to_header));
	info_kv(fp, "from_full_name", info_str(a->from_full_name));
	info_kv(fp, "auth_without_tls", info_onoff(a->auth_without_tls));
	info_kv(fp, "tls_pubkey_pin", info_str(a->tls_pubkey_pin));
	info_kv(fp, "tls_opportunistic", info_onoff(a->tls_opportunistic));
	info_kv(fp, "tls_session_cache", a->tls_session_file != NULL ?
	    a->tls_session_file : "off");
	info_kv(fp, "partial_delivery", info_onoff(a->partial_delivery));
	info_kv(fp, "requiretls", info_onoff(a->requiretls));
	info_kv(fp, "failover", info_str(a->failover));
	info_kv(fp, "queue", info_queue(a->queue));
	info_kv(fp, "queue_dir", a->queue_dir);
	fprintf(fp, "queue_lifetime = %ld seconds\n", a->queue_lifetime_s);
	fprintf(fp, "queue_retry = %ld,%ld seconds\n", a->queue_retry_first_s,
	    a->queue_retry_max_s);
	info_kv(fp, "queue_bounce", info_onoff(a->queue_bounce));
}

void
info_print_account(FILE *fp, const struct account *a)
{
	if (a->conf_path != NULL)
		fprintf(fp, "using account %s from %s\n", a->name,
		    a->conf_path);
	else
		fprintf(fp, "using account specified on command line\n");
	info_net_keys(fp, a);
	info_auth_keys(fp, a);
	info_tls_keys(fp, a);
	info_msg_keys(fp, a);
	info_own_keys(fp, a);
}

void
info_print_envelope(FILE *fp, const struct envelope *env,
    int read_recipients)
{
	size_t i;

	fprintf(fp, "reading recipients from the command line%s\n",
	    read_recipients ? " and the mail" : "");
	if (env == NULL) {
		fprintf(fp, "envelope from = " NOTSET "\nrecipients = "
		    "(none)\n");
		return;
	}
	fprintf(fp, "envelope from = <%s>\n", env->from);
	fprintf(fp, "recipients =");
	for (i = 0; i < env->nrcpts; i++)
		fprintf(fp, " <%s>", env->rcpts[i]);
	fputc('\n', fp);
}

static void
info_time(FILE *fp, const char *what, time_t t)
{
	char buf[64];
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	fprintf(fp, "        %s: %s\n", what, buf);
}

static void
info_cert(FILE *fp, const struct probe *p)
{
	const struct tls_cert_info *c = &p->cert;

	fprintf(fp, "TLS session parameters:\n    %s\n", p->tls_summary);
	if (!p->have_cert)
		return;
	fprintf(fp, "TLS certificate information:\n");
	fprintf(fp, "    Subject:\n        %s\n", info_str(c->subject));
	fprintf(fp, "    Issuer:\n        %s\n", info_str(c->issuer));
	fprintf(fp, "    Validity:\n");
	info_time(fp, "Activation time", c->not_before);
	info_time(fp, "Expiration time", c->not_after);
	fprintf(fp, "    Fingerprints:\n        SHA256: %s\n",
	    info_str(c->sha256));
	fprintf(fp, "    Public key pin (tls_pubkey_pin):\n        %s\n",
	    info_str(c->pin));
}

static void
info_cap(FILE *fp, int on, const char *name, const char *what)
{
	if (on)
		fprintf(fp, "    %s:\n        %s\n", name, what);
}

static void
info_size(FILE *fp, const struct smtp_caps *c)
{
	if (!c->size)
		return;
	if (c->size_max <= 0) {
		fprintf(fp, "    SIZE:\n        No fixed maximum message "
		    "size\n");
		return;
	}
	fprintf(fp, "    SIZE %lld:\n        Maximum message size is %lld "
	    "bytes = %.2f MiB\n", c->size_max, c->size_max,
	    (double)c->size_max / (1024.0 * 1024.0));
}

/* AUTH as offered now, and before STARTTLS where that differs. */
static void
info_auth_caps(FILE *fp, const struct probe *p)
{
	const char *before = p->starttls ? p->before.auth : NULL;

	if (p->caps.auth == NULL && before == NULL)
		return;
	fprintf(fp, "    AUTH:\n        Supported authentication methods:\n"
	    "        %s\n", p->caps.auth != NULL ? p->caps.auth : "(none)");
	if (p->starttls)
		fprintf(fp, "        Before STARTTLS: %s\n",
		    before != NULL ? before : "(none)");
}

static void
info_caps(FILE *fp, const struct probe *p)
{
	const struct smtp_caps *c = &p->caps;
	int starttls = c->starttls || (p->starttls && p->before.starttls);

	fprintf(fp, "Capabilities:\n");
	info_size(fp, c);
	info_cap(fp, c->pipelining, "PIPELINING", "Support for command "
	    "grouping for faster transmission");
	info_cap(fp, c->chunking, "CHUNKING", "Support for sending the "
	    "message in chunks (BDAT)");
	info_cap(fp, c->eightbitmime, "8BITMIME", "Support for 8-bit "
	    "message bodies");
	info_cap(fp, c->smtputf8, "SMTPUTF8", "Support for UTF-8 addresses "
	    "and headers");
	info_cap(fp, c->etrn, "ETRN", "Support for RMQS (Remote Message "
	    "Queue Starting)");
	info_cap(fp, c->dsn, "DSN", "Support for Delivery Status "
	    "Notifications");
	info_cap(fp, c->enhancedstatuscodes, "ENHANCEDSTATUSCODES",
	    "Replies carry enhanced status codes (RFC 3463)");
	info_cap(fp, c->requiretls, "REQUIRETLS", "Support for requiring "
	    "TLS on every hop (RFC 8689)");
	info_cap(fp, starttls, "STARTTLS", "Support for TLS encryption via "
	    "the STARTTLS command");
	info_auth_caps(fp, p);
	if (c->starttls && !p->tls)
		fprintf(fp, "This server might advertise more or other "
		    "capabilities when TLS is active.\n");
}

void
info_print_server(FILE *fp, const struct account *acct,
    const struct probe *p)
{
	const char *g, *nl;

	if (strcmp(acct->host, acct->host_ascii) != 0)
		fprintf(fp, "SMTP server at %s (%s), port %d:\n", acct->host,
		    acct->host_ascii, acct->port);
	else
		fprintf(fp, "SMTP server at %s, port %d:\n", acct->host,
		    acct->port);
	for (g = p->greeting; g != NULL; g = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(g, '\n');
		fprintf(fp, "    %.*s\n", nl != NULL ? (int)(nl - g) :
		    (int)strlen(g), g);
	}
	if (p->tls)
		info_cert(fp, p);
	if (p->esmtp)
		info_caps(fp, p);
	else if (p->greeting != NULL)
		fprintf(fp, "No special capabilities (EHLO refused).\n");
}
