/*
 * cli_opts.c - the option table, and the help and version text made
 * from it.
 *
 * Every option is one row of cli_opts: its short letter and/or long name,
 * whether it takes an argument, whether postie supports it, ignores it
 * (sendmail flags that mean nothing to a relay client, as msmtp does) or
 * refuses it, and a line of help.  The help text and the man page check
 * (tests/docs/t_docs.sh) both come from that table; cli.c parses argv
 * against it.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <gsasl.h>
#include <idn2.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

#define SUP KIND_SUPPORTED
#define IGN KIND_IGNORED
#define REF KIND_REFUSED

/*
 * Each row spells its letter and long name as C literals (the letter in
 * single quotes, the name with its two dashes in double quotes) so that a
 * script can list every option and check the man page for it.  Keep such
 * literals out of the rest of this file.
 */
const struct cli_opt cli_opts[] = {
	{ 't', "--read-recipients", ARG_NONE, SUP, ACT_READ_RCPTS, NULL,
	    NULL, "also send to the To, Cc and Bcc addresses" },
	{ 'f', "--from", ARG_REQUIRED, SUP, ACT_FROM, NULL,
	    "ADDR", "set the envelope sender" },
	{ 'r', NULL, ARG_REQUIRED, SUP, ACT_FROM, NULL,
	    "ADDR", "old name of -f" },
	{ 'F', NULL, ARG_REQUIRED, SUP, ACT_FULL_NAME, NULL,
	    "NAME", "full name for an added From header" },
	{ 'a', "--account", ARG_REQUIRED, SUP, ACT_ACCOUNT, NULL,
	    "NAME", "use this account instead of \"default\"" },
	{ 'C', "--file", ARG_REQUIRED, SUP, ACT_FILE, NULL,
	    "FILE", "use this user configuration file" },
	{ 'd', "--debug", ARG_OPTIONAL, SUP, ACT_DEBUG, NULL,
	    "LEVEL", "print debugging information; repeat or give a "
	    "LEVEL for more" },
	{ 'P', "--pretend", ARG_NONE, SUP, ACT_PRETEND, NULL,
	    NULL, "print the account and envelope; send nothing" },
	{ 'S', "--serverinfo", ARG_NONE, SUP, ACT_SERVERINFO, NULL,
	    NULL, "print what the server offers, then quit" },
	{ '\0', "--rmqs", ARG_REQUIRED, SUP, ACT_RMQS, NULL,
	    "HOST|@DOMAIN|#QUEUE", "ask the server to flush its queue (ETRN)" },
	{ '\0', "--configure", ARG_REQUIRED, SUP, ACT_CONFIGURE, NULL,
	    "ADDR", "print an account for ADDR found in DNS SRV records" },
	{ 'v', NULL, ARG_NONE, SUP, ACT_DEBUG, NULL,
	    NULL, "same as -d" },
	{ '\0', "--version", ARG_NONE, SUP, ACT_VERSION, NULL,
	    NULL, "print the version and the library versions" },
	{ '\0', "--help", ARG_NONE, SUP, ACT_HELP, NULL,
	    NULL, "print this help" },
	{ '\0', "--host", ARG_REQUIRED, SUP, ACT_OVERRIDE, "host",
	    "HOST", "rc key host: the server to send through" },
	{ '\0', "--port", ARG_REQUIRED, SUP, ACT_OVERRIDE, "port",
	    "N", "rc key port: the server port" },
	{ '\0', "--tls", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "tls",
	    "on|off", "rc key tls: use TLS" },
	{ '\0', "--tls-starttls", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "tls_starttls", "on|off",
	    "rc key tls_starttls: STARTTLS (on) or TLS at once" },
	{ '\0', "--tls-trust-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_trust_file", "FILE",
	    "rc key tls_trust_file: trusted CA certificates" },
	{ '\0', "--tls-certcheck", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "tls_certcheck", "on|off",
	    "rc key tls_certcheck: check the server certificate" },
	{ '\0', "--tls-fingerprint", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_fingerprint", "HEX",
	    "rc key tls_fingerprint: accept only this certificate" },
	{ '\0', "--tls-crl-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_crl_file", "FILE",
	    "rc key tls_crl_file: certificate revocation lists" },
	{ '\0', "--tls-cert-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_cert_file", "FILE",
	    "rc key tls_cert_file: client certificate" },
	{ '\0', "--tls-key-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_key_file", "FILE",
	    "rc key tls_key_file: key of the client certificate" },
	{ '\0', "--tls-priorities", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_priorities", "STRING",
	    "rc key tls_priorities: GnuTLS priority string" },
	{ '\0', "--tls-host-override", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_host_override", "NAME",
	    "rc key tls_host_override: name to verify instead of host" },
	{ '\0', "--auth", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "auth",
	    "on|off|MECH", "rc key auth: authenticate, optionally with MECH" },
	{ '\0', "--user", ARG_REQUIRED, SUP, ACT_OVERRIDE, "user",
	    "NAME", "rc key user: user name for authentication" },
	{ '\0', "--passwordeval", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "passwordeval", "CMD",
	    "rc key passwordeval: command that prints the password" },
	{ '\0', "--domain", ARG_REQUIRED, SUP, ACT_OVERRIDE, "domain",
	    "NAME", "rc key domain: the argument of EHLO" },
	{ '\0', "--timeout", ARG_REQUIRED, SUP, ACT_OVERRIDE, "timeout",
	    "SECONDS", "rc key timeout: network timeout in seconds" },
	{ 'X', "--logfile", ARG_REQUIRED, SUP, ACT_OVERRIDE, "logfile",
	    "FILE", "rc key logfile: append one line per message" },
	{ '\0', "--logfile-time-format", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "logfile_time_format", "FMT",
	    "rc key logfile_time_format: strftime format of the stamp" },
	{ '\0', "--syslog", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "syslog",
	    "on|off|FACILITY", "rc key syslog: one syslog line per message" },
	{ '\0', "--queue", ARG_REQUIRED, SUP, ACT_OVERRIDE, "queue",
	    "off|fallback|always", "rc key queue: when to queue a message" },
	{ '\0', "--queue-dir", ARG_REQUIRED, SUP, ACT_OVERRIDE, "queue_dir",
	    "DIR", "rc key queue_dir: the queue directory" },
	{ '\0', "--protocol", ARG_REQUIRED, SUP, ACT_OVERRIDE, "protocol",
	    "smtp|lmtp", "rc key protocol: SMTP or LMTP" },
	{ '\0', "--partial-delivery", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "partial_delivery", "on|off",
	    "rc key partial_delivery: send despite refused recipients" },
	{ '\0', "--requiretls", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "requiretls", "on|off",
	    "rc key requiretls: ask for TLS on every hop (RFC 8689)" },
	{ '\0', "--source-ip", ARG_REQUIRED, SUP, ACT_OVERRIDE, "source_ip",
	    "IP", "rc key source_ip: local address to connect from" },
	{ '\0', "--socket", ARG_REQUIRED, SUP, ACT_OVERRIDE, "socket",
	    "FILE", "rc key socket: connect to a unix socket" },
	{ '\0', "--proxy-host", ARG_REQUIRED, SUP, ACT_OVERRIDE, "proxy_host",
	    "HOST", "rc key proxy_host: SOCKS5 proxy" },
	{ '\0', "--proxy-port", ARG_REQUIRED, SUP, ACT_OVERRIDE, "proxy_port",
	    "N", "rc key proxy_port: SOCKS5 proxy port" },
	{ '\0', "--enqueue", ARG_NONE, SUP, ACT_ENQUEUE, NULL,
	    NULL, "only queue the message (same as -odq)" },
	{ 'q', "--flush", ARG_NONE, SUP, ACT_FLUSH, NULL,
	    NULL, "deliver the queued messages that are due" },
	{ '\0', "--queue-retry", ARG_REQUIRED, SUP, ACT_QRETRY, NULL,
	    "ID", "make queued message ID due now" },
	{ '\0', "--queue-remove", ARG_REQUIRED, SUP, ACT_QREMOVE, NULL,
	    "ID", "delete queued message ID" },
	{ 'i', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: a lone dot never ends the message" },
	{ 'o', NULL, ARG_REQUIRED, IGN, ACT_OMODE, NULL,
	    "X", "sendmail option: -odq queues only, others (-oi, -oem) "
	    "are ignored" },
	{ 'O', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "OPT=VALUE", "ignored: sendmail option" },
	{ 'A', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "c|m", "ignored: sendmail configuration file choice" },
	{ 'B', NULL, ARG_REQUIRED, SUP, ACT_BODY, NULL,
	    "TYPE", "body type: 8BITMIME asks for BODY=8BITMIME when the "
	    "server offers it; 7BIT" },
	{ 'b', NULL, ARG_REQUIRED, IGN, ACT_BMODE, NULL,
	    "MODE", "-bm sends (the default), -bp lists the queue, -bs "
	    "speaks SMTP on stdin/stdout; others are refused" },
	{ 'e', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "X", "ignored: error mode (-em, -ep, -eq, -ew)" },
	{ 'G', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: relay submission flag" },
	{ 'h', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "N", "ignored: hop count" },
	{ 'L', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "TAG", "ignored: syslog tag" },
	{ 'm', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: also send to the sender" },
	{ 'n', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: do not expand aliases" },
	{ 'N', "--dsn-notify", ARG_REQUIRED, SUP, ACT_OVERRIDE, "dsn_notify",
	    "off|never|COND,...", "rc key dsn_notify: when to ask for a DSN" },
	{ 'R', "--dsn-return", ARG_REQUIRED, SUP, ACT_OVERRIDE, "dsn_return",
	    "off|headers|hdrs|full", "rc key dsn_return: what a DSN returns" },
	{ 'V', NULL, ARG_REQUIRED, SUP, ACT_ENVID, NULL,
	    "ENVID", "DSN envelope identifier (ENVID on MAIL)" },
	{ '\0', "--read-envelope-from", ARG_NONE, SUP, ACT_READ_FROM, NULL,
	    NULL, "take the envelope sender from the From header" },
	{ '\0', "--set-from-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_from_header", "auto|on|off",
	    "rc key set_from_header: when to write a From header" },
	{ '\0', "--set-date-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_date_header", "auto|off",
	    "rc key set_date_header: add a missing Date header" },
	{ '\0', "--set-msgid-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_msgid_header", "auto|off",
	    "rc key set_msgid_header: add a missing Message-ID header" },
	{ '\0', "--remove-bcc-headers", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "remove_bcc_headers", "on|off",
	    "rc key remove_bcc_headers: drop Bcc headers" },
	{ '\0', "--undisclosed-recipients", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "undisclosed_recipients", "on|off",
	    "rc key undisclosed_recipients: hide To, Cc and Bcc" },
	{ '\0', "--set-to-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_to_header", "on|off|undisclosed_recipients",
	    "rc key set_to_header: add To listing the recipients" },
	{ '\0', "--from-full-name", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "from_full_name", "NAME",
	    "rc key from_full_name: display name in an added From" },
	{ '\0', "--aliases", ARG_REQUIRED, SUP, ACT_OVERRIDE, "aliases",
	    "FILE", "rc key aliases: expand local recipients" },
	{ '\0', "--auto-from", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "auto_from",
	    "on|off", "rc key auto_from: sender USER@maildomain (obsolete)" },
	{ '\0', "--maildomain", ARG_REQUIRED, SUP, ACT_OVERRIDE, "maildomain",
	    "DOMAIN", "rc key maildomain: domain for auto_from (obsolete)" },
	{ '\0', "--tls-min-dh-prime-bits", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_min_dh_prime_bits", "BITS",
	    "rc key tls_min_dh_prime_bits: accepted, without effect" },
};

const size_t cli_nopts = UTIL_ARRAY_LEN(cli_opts);

/* "-f, --from=ADDR", "-o X", "    --tls[=on|off]" */
static void
format_names(const struct cli_opt *o, char *buf, size_t size)
{
	char letter[8] = "";
	const char *an = o->argname != NULL ? o->argname : "";

	if (o->shortopt != '\0')
		snprintf(letter, sizeof(letter), "-%c%s", o->shortopt,
		    o->longopt != NULL ? "," : "");
	if (o->longopt == NULL)
		snprintf(buf, size, "%s%s%s", letter, *an ? " " : "", an);
	else if (o->arg == ARG_OPTIONAL)
		snprintf(buf, size, "%-4s%s[=%s]", letter, o->longopt, an);
	else
		snprintf(buf, size, "%-4s%s%s%s", letter, o->longopt,
		    *an ? "=" : "", an);
}

static void
print_kind(FILE *fp, enum cli_kind kind, const char *title)
{
	char names[64];
	size_t i;

	fprintf(fp, "\n%s\n", title);
	for (i = 0; i < cli_nopts; i++) {
		if (cli_opts[i].kind != kind)
			continue;
		format_names(&cli_opts[i], names, sizeof(names));
		if (strlen(names) > 26)
			fprintf(fp, "  %s\n  %-26s %s\n", names, "",
			    cli_opts[i].help);
		else
			fprintf(fp, "  %-26s %s\n", names, cli_opts[i].help);
	}
}

void
cli_print_help(FILE *fp)
{
	fprintf(fp, "Usage: %s [option...] [--] recipient...\n"
	    "       %s [option...] -t [--] [recipient...]\n"
	    "Reads a message from standard input and sends it through an "
	    "SMTP server.\n", PACKAGE_NAME, PACKAGE_NAME);
	print_kind(fp, KIND_SUPPORTED, "Options:");
	fprintf(fp, "  %-26s %s\n", "--", "end of options; the rest are "
	    "recipients");
	print_kind(fp, KIND_IGNORED, "Accepted for sendmail compatibility:");
	print_kind(fp, KIND_REFUSED, "Refused:");
}

void
cli_print_version(FILE *fp)
{
	fprintf(fp, "%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	fprintf(fp, "GnuTLS %s\n", gnutls_check_version(NULL));
	fprintf(fp, "GNU SASL %s\n", gsasl_check_version(NULL));
	fprintf(fp, "libidn2 %s\n", idn2_check_version(NULL));
#ifdef HAVE_LIBSECRET
	fprintf(fp, "key ring: libsecret\n");
#else
	fprintf(fp, "key ring: none\n");
#endif
}
